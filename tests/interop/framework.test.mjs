// The framework around the protocol, through the official SDK clients (v1, v2 on 2026-07-28,
// v2 forced to the 2025 era) against mcp-everything over STDIO: output schema enforcement, ...
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { BIN, CLIENTS, RawServer, closeAll, connect, show, sleep, HOOK, test } from './lib.mjs';

after(closeAll);

const texts = (res) => res.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');

for (const flavour of CLIENTS) {
    describe(`framework features, ${flavour.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything);
            await conn.client.listTools(); // the clients check outputs against the listed schemas
        }, HOOK);
        after(() => conn?.close());

        test('outputSchema: a matching result passes untouched', async () => {
            const res = await conn.client.callTool({ name: 'checked_output', arguments: { mode: 'ok' } });
            assert.ok(!res.isError, show(res));
            assert.deepEqual(res.structuredContent, { city: 'Paris', reading: { celsius: 21.5 } });
        });

        test('outputSchema: a mismatch becomes a tool error naming the JSON path', async () => {
            const res = await conn.client.callTool({ name: 'checked_output', arguments: { mode: 'wrong' } });
            assert.equal(res.isError, true, show(res));
            assert.equal(res.structuredContent, undefined, show(res));
            assert.match(texts(res), /outputSchema: structuredContent\.reading\.celsius: expected number, got string/);
        });

        test('outputSchema: missing structuredContent becomes a tool error', async () => {
            const res = await conn.client.callTool({ name: 'checked_output', arguments: { mode: 'missing' } });
            assert.equal(res.isError, true, show(res));
            assert.match(texts(res), /Tool 'checked_output' returned output that does not match its outputSchema: structuredContent: missing/);
            assert.ok(!texts(res).includes('no structured content at all'), 'what the handler built is dropped');
        });
    });
}

for (const flavour of CLIENTS) {
    describe(`schema defaults, ${flavour.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything);
        }, HOOK);
        after(() => conn?.close());

        test('absent properties reach the handler with their defaults', async () => {
            const res = await conn.client.callTool({ name: 'forecast', arguments: { city: 'Oslo' } });
            assert.ok(!res.isError, show(res));
            assert.equal(texts(res), '3-day forecast for Oslo in metric units; arguments seen: {"city":"Oslo","days":3,"units":"metric"}');
        });

        test('values the client sent win; defaults fill nested objects it sent (through $ref)', async () => {
            const res = await conn.client.callTool({
                name: 'forecast',
                arguments: { city: 'Oslo', days: 5, options: {} },
            });
            assert.equal(
                texts(res),
                '5-day forecast for Oslo in metric units, detailed; arguments seen: {"city":"Oslo","days":5,"options":{"detail":true},"units":"metric"}',
            );
        });

        test('the defaults are filled after validation: a bad value is still refused', async () => {
            const res = await conn.client.callTool({ name: 'forecast', arguments: { city: 'Oslo', days: 9 } });
            assert.equal(res.isError, true, show(res));
            assert.match(texts(res), /arguments\.days: must be at most 7/);
        });
    });
}

/** Waits (bounded) for a server message matching pred in the connection's transcript. */
async function waitForMessage(conn, pred, ms = 3000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const m = conn.serverMessages().find(pred);
        if (m) return m;
        await sleep(20);
    }
    return undefined;
}

for (const flavour of CLIENTS) {
    describe(`URL-mode elicitation, ${flavour.label}`, () => {
        let conn;
        const asked = [];
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything, {
                capabilities: { elicitation: { form: {}, url: {} } },
                setup: (client) => {
                    const answer = async (req) => {
                        asked.push(req.params);
                        return { action: 'accept' };
                    };
                    if (flavour.kind === 'v1') client.setRequestHandler(ElicitRequestSchema, answer);
                    else client.setRequestHandler('elicitation/create', answer);
                },
            });
        }, HOOK);
        after(() => conn?.close());

        test('elicitationId is sent only where the revision has it; completion follows in 2025-11-25', async () => {
            const res = await conn.client.callTool({ name: 'elicit_url', arguments: { url: 'https://example.com/auth' } });
            assert.equal(res.content[0].text, "The user's answer to the URL request: accept", show(res));
            const p = asked.at(-1);
            assert.equal(p.mode, 'url');
            assert.equal(p.url, 'https://example.com/auth');
            if (flavour.era === 'modern') {
                assert.equal(p.elicitationId, undefined, show(p));
                await sleep(200);
                assert.ok(!conn.serverMessages().some((m) => m.method === 'notifications/elicitation/complete'));
            } else {
                assert.match(p.elicitationId, /^everything-\d+$/, show(p));
                const done = await waitForMessage(conn, (m) => m.method === 'notifications/elicitation/complete');
                assert.deepEqual(done?.params, { elicitationId: p.elicitationId }, conn.transcript());
            }
        });

        test('-32042 URL elicitation required, then completion, then the retry succeeds (2025-11-25)', async () => {
            let err;
            try {
                const res = await conn.client.callTool({ name: 'connect_account', arguments: {} });
                if (flavour.era === 'modern') {
                    assert.equal(res.isError, true, show(res));
                    assert.match(res.content[0].text, /needs a 2025-11-25 client/);
                    return;
                }
                assert.fail(`expected -32042, got ${show(res)}`);
            } catch (e) {
                err = e;
            }
            assert.equal(err.code, -32042, show(err));
            const wire = conn.serverMessages().findLast((m) => m.error?.code === -32042);
            assert.match(wire.error.message, /^URL elicitation required: Connect your example.com account$/);
            const [el] = wire.error.data.elicitations;
            assert.deepEqual(Object.keys(el).sort(), ['elicitationId', 'message', 'mode', 'url']);
            assert.equal(el.mode, 'url');
            assert.equal(el.url, `https://example.com/connect?session=${el.elicitationId}`);
            const done = await waitForMessage(
                conn,
                (m) => m.method === 'notifications/elicitation/complete' && m.params?.elicitationId === el.elicitationId,
            );
            assert.ok(done, conn.transcript());
            const res = await conn.client.callTool({ name: 'connect_account', arguments: { elicitation_id: el.elicitationId } });
            assert.equal(res.content[0].text, `Account connected (${el.elicitationId}).`);
        });
    });
}

for (const flavour of CLIENTS) {
    describe(`cache hints, ${flavour.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything);
        }, HOOK);
        after(() => conn?.close());

        /** The wire result of the last request with `method`. */
        function wireResult(method) {
            const req = conn.log.findLast((e) => e.dir === 'client>' && e.msg.method === method);
            return conn.serverMessages().find((m) => m.id === req.msg.id)?.result;
        }

        test('per list, per resource and per read; only in 2026-07-28 results', async () => {
            await conn.client.listResourceTemplates();
            await conn.client.listPrompts();
            await conn.client.listTools();
            const templates = wireResult('resources/templates/list');
            const prompts = wireResult('prompts/list');
            const tools = wireResult('tools/list');
            const readme = await conn.client.readResource({ uri: 'demo://readme' });
            const readmeWire = wireResult('resources/read');
            assert.ok(readme.contents.length === 1);
            const greeting = await conn.client.readResource({ uri: 'demo://greeting/Ada' });
            assert.equal(greeting.contents[0].text, 'Hello, Ada!');
            const greetingWire = wireResult('resources/read');
            await conn.client.readResource({ uri: 'test://static-text' });
            const plainWire = wireResult('resources/read');
            const hints = (r) => ({ ttlMs: r.ttlMs, cacheScope: r.cacheScope });
            if (flavour.era === 'modern') {
                assert.deepEqual(hints(templates), { ttlMs: 600000, cacheScope: 'public' });
                assert.deepEqual(hints(prompts), { ttlMs: 5000, cacheScope: 'public' });
                assert.deepEqual(hints(tools), { ttlMs: 0, cacheScope: 'public' }); // the default
                assert.deepEqual(hints(readmeWire), { ttlMs: 3600000, cacheScope: 'public' });
                assert.deepEqual(hints(greetingWire), { ttlMs: 60000, cacheScope: 'public' });
                assert.deepEqual(hints(plainWire), { ttlMs: 0, cacheScope: 'private' }); // the default
            } else {
                for (const r of [templates, prompts, tools, readmeWire, greetingWire, plainWire]) {
                    assert.equal(r.ttlMs, undefined, show(r));
                    assert.equal(r.cacheScope, undefined, show(r));
                }
            }
        });
    });
}

for (const flavour of CLIENTS) {
    describe(`visibility and tags, ${flavour.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything);
        }, HOOK);
        after(() => conn?.close());

        const names = async () => (await conn.client.listTools()).tools.map((t) => t.name);
        const changes = () => conn.serverMessages().filter((m) => m.method === 'notifications/tools/list_changed').length;

        test('a tool behind a tag that is off is neither listed nor callable', async () => {
            assert.ok(!(await names()).includes('beta_report'));
            assert.ok((await names()).includes('unlock_beta'));
            let err;
            try {
                await conn.client.callTool({ name: 'beta_report', arguments: {} });
            } catch (e) {
                err = e;
            }
            assert.equal(err?.code, -32602, show(err));
            assert.match(err.message, /Unknown tool: beta_report/);
        });

        test('a session shows the tag to itself alone (2025 era), with list_changed', async () => {
            const before = changes();
            const res = await conn.client.callTool({ name: 'unlock_beta', arguments: {} });
            if (flavour.era === 'modern') {
                assert.equal(res.isError, true, show(res));
                assert.match(res.content[0].text, /Only a client with a session/);
                assert.ok(!(await names()).includes('beta_report'));
                return;
            }
            assert.equal(res.content[0].text, 'Beta tools are now shown for this session.');
            assert.ok(await waitForMessage(conn, (m) => m.method === 'notifications/tools/list_changed') && changes() > before);
            assert.ok((await names()).includes('beta_report'));
            const r = await conn.client.callTool({ name: 'beta_report', arguments: {} });
            assert.equal(r.content[0].text, 'Beta report: all systems nominal.');
            // A second client (its own server process here, so: another session) does not see it;
            // hiding again works too.
            await conn.client.callTool({ name: 'unlock_beta', arguments: { enabled: false } });
            assert.ok(!(await names()).includes('beta_report'));
        });

        test('disabling a tool for everyone hides it and makes calls fail as unknown; enabling restores it', async () => {
            const before = changes();
            let res = await conn.client.callTool({ name: 'set_tool_enabled', arguments: { name: 'echo', enabled: false } });
            assert.equal(res.content[0].text, "Tool 'echo' is now disabled for everyone.");
            assert.ok(!(await names()).includes('echo'));
            let err;
            try {
                await conn.client.callTool({ name: 'echo', arguments: { message: 'x' } });
            } catch (e) {
                err = e;
            }
            assert.equal(err?.code, -32602, show(err));
            res = await conn.client.callTool({ name: 'set_tool_enabled', arguments: { name: 'echo', enabled: true } });
            assert.equal(res.content[0].text, "Tool 'echo' is now enabled for everyone.");
            assert.ok((await names()).includes('echo'));
            res = await conn.client.callTool({ name: 'echo', arguments: { message: 'back' } });
            assert.equal(res.content[0].text, 'Echo: back');
            if (flavour.era === 'legacy') assert.ok(changes() >= before + 2, conn.transcript());
            res = await conn.client.callTool({ name: 'set_tool_enabled', arguments: { name: 'nope', enabled: true } });
            assert.equal(res.isError, true);
        });
    });
}

for (const flavour of CLIENTS) {
    describe(`keep-alive pings and --page-size, ${flavour.label}`, () => {
        test('--ping-interval: 2025 sessions get pings the client answers; 2026 none', async () => {
            const conn = await connect(flavour.kind, BIN.quickstart, { args: ['--ping-interval', '80', '--page-size', '1'] });
            const pings = () => conn.serverMessages().filter((m) => m.method === 'ping' && m.id !== undefined);
            if (flavour.era === 'modern') {
                await sleep(400);
                assert.equal(pings().length, 0, conn.transcript());
            } else {
                const deadline = Date.now() + 5000;
                while (pings().length < 2 && Date.now() < deadline) await sleep(20);
                const [p1, p2] = pings();
                assert.ok(p1 && p2, conn.transcript());
                assert.ok(p2.id > p1.id);
                await sleep(100);
                const answered = conn.log.filter((e) => e.dir === 'client>' && e.msg.id === p1.id && 'result' in e.msg);
                assert.equal(answered.length, 1, conn.transcript(12));
            }
            // --page-size 1: each list page on the wire holds one item (v2 follows the cursors
            // itself; v1 returns one page)
            const page = await conn.client.listTools();
            if (page.nextCursor) await conn.client.listTools({ cursor: page.nextCursor });
            const ids = conn.log.filter((e) => e.dir === 'client>' && e.msg.method === 'tools/list').map((e) => e.msg.id);
            const pages = conn.serverMessages().filter((m) => ids.includes(m.id) && m.result).map((m) => m.result);
            assert.ok(pages.length >= 2, show(pages));
            for (const p of pages) assert.equal(p.tools.length, 1, show(p));
            assert.ok(pages[0].nextCursor, show(pages[0]));
            assert.notEqual(pages[1].tools[0].name, pages[0].tools[0].name);
            await conn.close();
        });
    });
}

describe('keep-alive: an unanswered ping is logged', () => {
    test('a client that never answers is reported after the request timeout', async () => {
        const srv = new RawServer(BIN.quickstart, {
            args: ['--ping-interval', '50', '--limit', 'request-timeout-ms=100', '--log-level', 'warning'],
        });
        await srv.initialize();
        const deadline = Date.now() + 5000;
        while (!/keep-alive: the client of session 1 left ping \d+ unanswered for 100 ms/.test(srv.stderr) && Date.now() < deadline) {
            await sleep(20);
        }
        assert.match(srv.stderr, /keep-alive: the client of session 1 left ping \d+ unanswered for 100 ms/);
        srv.assertAllJson();
        await srv.close();
    });
});

// 2026-07-28 tasks extension: notifications/tasks on a subscriptions/listen stream. Only the v2
// client speaks 2026-07-28 (v1 and 2025-era sessions get notifications/tasks/status, which the
// conformance suite and test_tasks cover). The v2 client does not take a task result from
// tools/call itself, so the task id is read off the wire.
describe('task status notifications over subscriptions/listen (v2 client, 2026-07-28)', () => {
    const TASKS_EXT = { extensions: { 'io.modelcontextprotocol/tasks': {} } };

    test('a listener that names the task gets its full state at each change, the result at the end', async () => {
        const conn = await connect('v2', BIN.everything, { capabilities: TASKS_EXT });
        await conn.client
            .request({ method: 'tools/call', params: { name: 'slow_compute', arguments: { seconds: 1, label: 'watched' } } })
            .catch(() => {}); // "Unsupported result type 'task'": read the handle off the wire
        const handle = conn.serverMessages().find((m) => m.result?.resultType === 'task')?.result;
        assert.ok(handle?.task?.taskId ?? handle?.taskId, conn.transcript());
        const taskId = handle.task?.taskId ?? handle.taskId;
        const sub = await conn.client.listen({ taskIds: [taskId, 'no-such-task'] });
        const ack = conn.serverMessages().find((m) => m.method === 'notifications/subscriptions/acknowledged');
        assert.deepEqual(ack?.params?.notifications?.taskIds, [taskId, 'no-such-task'], conn.transcript());
        const done = await waitForMessage(
            conn,
            (m) => m.method === 'notifications/tasks' && m.params?.taskId === taskId && m.params.status === 'completed',
            8000,
        );
        assert.ok(done, conn.transcript(10));
        assert.equal(done.params.result.content[0].text, 'Computed watched in 1 s.', show(done.params));
        assert.equal(typeof done.params.ttlMs, 'number');
        assert.equal(typeof done.params.pollIntervalMs, 'number');
        assert.ok(done.params._meta['io.modelcontextprotocol/subscriptionId'] !== undefined, show(done.params));
        // only the listed task is reported; no progress or log messages on the listen stream
        assert.ok(conn.serverMessages().filter((m) => m.method === 'notifications/tasks').every((m) => m.params.taskId === taskId));
        await sub.close();
        await conn.close();
    });

    test('asking for task notifications without declaring the extension: -32021', async () => {
        const conn = await connect('v2', BIN.everything);
        let err;
        try {
            await conn.client.listen({ taskIds: ['any'] });
        } catch (e) {
            err = e;
        }
        const wire = conn.serverMessages().find((m) => m.error?.code === -32021);
        assert.ok(wire, `${show(err)}\n${conn.transcript()}`);
        assert.deepEqual(wire.error.data, { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
        await conn.close();
    });
});
