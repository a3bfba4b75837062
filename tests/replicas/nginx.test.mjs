// Three mcp-everything replicas behind Debian's nginx (round robin, no sticky routing,
// proxy_buffering off), one shared requestState key, no shared store: the official TypeScript
// SDK clients run their flows through nginx while the test kills one replica, and every request
// sent after the kill succeeds.
// - v2 client, 2026-07-28: tools, a multi round-trip elicitation (its rounds land on different
//   replicas), subscriptions/listen (resources/updated arrives; a listen stream held by the
//   killed replica ends and is opened again on another);
// - v1 client against --stateless replicas: tools.
// Then the same with Debian's redis-server and --store redis://...: a v1 client's 2025-era
// session (tools, resources/subscribe, a task, a stream resumed with Last-Event-ID) and 2026
// tasks (raw HTTP: the v2 client has no API for the tasks extension) continue on whichever
// replica nginx picks, also after one is killed and after a replacement joins; Redis stopped
// mid-run gives new sessions 503 + Retry-After (sessions a replica already holds keep working),
// and after Redis is back new sessions and calls are served again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BUILD, ROOT, V1, V2, closeAll, post, rawSession, show, sleep, sseEvents, startServer } from '../http/lib.mjs';
import { startNginx, startRedis, waitConnect } from './lib.mjs';

const { ResourceUpdatedNotificationSchema } = createRequire(path.join(ROOT, 'tests', 'interop', 'package.json'))(
    '@modelcontextprotocol/sdk/types.js',
);

const EVERYTHING = path.join(BUILD, 'bin', 'mcp-everything');
const MULTI_ROUND = 'test_input_required_result_multi_round';
const WATCHED = 'test://watched-resource'; // every replica changes it every 3 s

const text = (res) => res.content?.map((c) => c.text).join('');
async function waitFor(pred, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (pred()) return true;
        await sleep(25);
    }
    return pred();
}

describe('three replicas behind nginx, one key, no store', () => {
    let dir, replicas, nginx;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-nginx-'));
        const key = path.join(dir, 'state.key');
        fs.writeFileSync(key, Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255)), { mode: 0o600 });
        replicas = [];
        for (let i = 0; i < 3; i++) replicas.push(await startServer(EVERYTHING, ['--stateless', '--state-key-file', key]));
        nginx = await startNginx({ prefix: path.join(dir, 'nginx'), upstreams: replicas.map((r) => new URL(r.url).host) });
    }, { timeout: 30000 });
    after(async () => {
        await nginx?.stop();
        await closeAll();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, { timeout: 30000 });

    test('v2 (2026) and v1 (stateless) flows through nginx; a replica killed mid-run; every request after the kill succeeds', { timeout: 60000 }, async () => {
        // v2: 2026-07-28, with an elicitation handler for the multi round-trip fixture
        const v2 = new V2.Client({ name: 'nginx-v2', version: '1' }, {
            capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' },
        });
        v2.setRequestHandler('elicitation/create', async (req) => ({
            action: 'accept',
            content: 'color' in (req.params.requestedSchema?.properties ?? {}) ? { color: 'teal' } : { name: 'Ada' },
        }));
        const updated = [];
        v2.setNotificationHandler('notifications/resources/updated', (n) => updated.push({ uri: n.params.uri, t: Date.now() }));
        await v2.connect(new V2.StreamableHTTP(new URL(nginx.url)));
        assert.equal(v2.getProtocolEra(), 'modern');
        // v1 against the --stateless replicas
        const v1 = new V1.Client({ name: 'nginx-v1', version: '1' }, { capabilities: {} });
        await v1.connect(new V1.StreamableHTTP(new URL(nginx.url)));
        try {
            const flows = async (tag) => {
                const tools = (await v2.listTools()).tools.map((t) => t.name);
                assert.ok(tools.includes('echo') && tools.includes(MULTI_ROUND), show(tools));
                assert.equal(text(await v2.callTool({ name: 'echo', arguments: { message: `v2 ${tag}` } })), `Echo: v2 ${tag}`);
                assert.equal(text(await v2.callTool({ name: MULTI_ROUND, arguments: {} })), "Ada's favorite color is teal.");
                assert.equal(text(await v2.callTool({ name: 'add', arguments: { a: 2, b: 3 } })), 'The sum of 2 and 3 is 5.');
                assert.ok((await v1.listTools()).tools.some((t) => t.name === 'echo'));
                assert.equal(text(await v1.callTool({ name: 'echo', arguments: { message: `v1 ${tag}` } })), `Echo: v1 ${tag}`);
            };
            // subscriptions/listen: updates arrive on the stream, from whichever replica holds it
            let sub = await v2.listen({ resourceSubscriptions: [WATCHED] });
            assert.deepEqual(sub.honoredFilter.resourceSubscriptions, [WATCHED]);
            assert.ok(await waitFor(() => updated.length >= 1, 4500), 'no resources/updated on the listen stream');
            for (let i = 0; i < 3; i++) await flows(`before ${i}`);

            // kill one replica (SIGKILL: no goodbye); then every request must succeed
            const victim = replicas[1];
            assert.equal(await victim.close('SIGKILL'), 'SIGKILL');
            const killedAt = Date.now();
            for (let i = 0; i < 6; i++) await flows(`after ${i}`);
            // the listen stream: if the killed replica held it, it ended; listen again
            const state = await Promise.race([sub.closed, sleep(100).then(() => 'open')]);
            if (state !== 'open') {
                assert.equal(state, 'remote');
                sub = await v2.listen({ resourceSubscriptions: [WATCHED] });
            }
            assert.ok(await waitFor(() => updated.some((u) => u.t > killedAt), 4500), 'no resources/updated after the kill');
            assert.ok(updated.every((u) => u.uri === WATCHED), show(updated));
            await sub.close();
            assert.equal(await sub.closed, 'local');
        } finally {
            await v2.close().catch(() => {});
            await v1.close().catch(() => {});
        }
        // the survivors are healthy and exit cleanly (closeAll asserts status 0)
        assert.equal(await replicas[0].close(), 0, replicas[0].stderr());
        assert.equal(await replicas[2].close(), 0, replicas[2].stderr());
    });
});

/** A 2025-era raw call on session `sid` through `url`: { status, retryAfter, body }. */
async function rawCall(url, sid, id) {
    const r = await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: `raw ${id}` } } },
        { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
    return { status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() };
}

describe('three replicas behind nginx sharing a Redis store (--store)', () => {
    let dir, replicas, nginx, redis;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-nginx-redis-'));
        const key = path.join(dir, 'state.key');
        fs.writeFileSync(key, Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 7) & 255)), { mode: 0o600 });
        redis = await startRedis({ dir: path.join(dir, 'redis') });
        replicas = [];
        for (let i = 0; i < 3; i++) replicas.push(await startServer(EVERYTHING, ['--store', redis.url, '--state-key-file', key]));
        nginx = await startNginx({ prefix: path.join(dir, 'nginx'), upstreams: replicas.map((r) => new URL(r.url).host) });
    }, { timeout: 30000 });
    after(async () => {
        await nginx?.stop();
        await closeAll();
        await redis?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, { timeout: 30000 });

    test('list_changed raised on other replicas reaches a GET stream as valid JSON-RPC (no "params": null)', { timeout: 30000 }, async () => {
        const sid = await rawSession(nginx.url);
        const H = { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 8000);
        const g = await fetch(nginx.url, { headers: { Accept: 'text/event-stream', ...H }, signal: ac.signal });
        assert.equal(g.status, 200);
        const seen = [];
        const reading = (async () => {
            try {
                for await (const ev of sseEvents(g)) {
                    if (!ev.data) continue;
                    const m = JSON.parse(ev.data);
                    if (m.method === 'notifications/tools/list_changed') seen.push(m);
                    if (seen.length >= 3) break; // else read until the timer ends the stream
                }
            } catch (e) {
                if (e.name !== 'AbortError') throw e;
            }
        })();
        // three changes through round robin, one on each replica: one on the replica holding the
        // stream (sent there when its POST is answered with JSON, else on the POST's own stream),
        // the others come over the store's channel
        for (let i = 0; i < 3; i++) {
            const r = await post(nginx.url, { jsonrpc: '2.0', id: 10 + i, method: 'tools/call', params: { name: 'test_trigger_tool_change', arguments: {} } }, H);
            assert.equal(r.status, 200, await r.text());
            if (r.bodyUsed === false) await r.text();
        }
        await reading;
        clearTimeout(timer);
        ac.abort();
        assert.ok(seen.length >= 2, show(seen));
        for (const m of seen) assert.ok(!('params' in m) || (typeof m.params === 'object' && m.params !== null), show(m));
    });

    test('a v1 2025-era session: subscriptions, tasks and a resumed stream through nginx while a replica is killed; 2026 tasks', { timeout: 60000 }, async () => {
        const updates = [];
        const v1 = new V1.Client({ name: 'nginx-v1-flows', version: '1' }, { capabilities: { tasks: {} } });
        v1.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push({ uri: n.params.uri, t: Date.now() }));
        const t1 = new V1.StreamableHTTP(new URL(nginx.url));
        await v1.connect(t1);
        const sid = t1.sessionId;
        const H = { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
        try {
            // subscribe through one replica; the GET stream is wherever nginx put it; the updates
            // of every replica's timer reach it
            await v1.subscribeResource({ uri: WATCHED });
            const since = Date.now();
            assert.ok(await waitFor(() => updates.some((u) => u.t >= since), 4500), 'no resources/updated within 4.5 s');

            const task = async (seconds, label) => {
                const msgs = [];
                for await (const m of v1.experimental.tasks.callToolStream(
                    { name: 'slow_compute', arguments: { seconds, label } }, undefined, { task: { ttl: 60000 } })) msgs.push(m);
                assert.equal(msgs[0]?.type, 'taskCreated', show(msgs));
                const last = msgs.at(-1);
                assert.equal(last.type, 'result', show(msgs));
                assert.equal(text(last.result), `Computed ${label} in ${seconds} s.`, show(last));
            };
            // a dropped POST stream resumed with Last-Event-ID (the GET goes to the next replica)
            const resumed = async () => {
                const ac = new AbortController();
                const res = await post(nginx.url, {
                    jsonrpc: '2.0', id: 77, method: 'tools/call',
                    params: { name: 'long_running_operation', arguments: { duration: 1.2, steps: 6 }, _meta: { progressToken: 'p' } },
                }, H, { signal: ac.signal });
                assert.equal(res.headers.get('content-type'), 'text/event-stream');
                const first = [];
                try {
                    for await (const ev of sseEvents(res)) {
                        if (ev.data) first.push(ev);
                        if (first.length === 2) break;
                    }
                } finally {
                    ac.abort();
                }
                await sleep(1500); // the call ends while nobody listens
                const again = await fetch(nginx.url, { headers: { Accept: 'text/event-stream', ...H, 'Last-Event-ID': first.at(-1).id } });
                assert.equal(again.status, 200);
                const rest = [];
                for await (const ev of sseEvents(again)) if (ev.data) rest.push(ev);
                const msgs = [...first, ...rest].map((e) => JSON.parse(e.data));
                const progress = msgs.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
                assert.deepEqual(progress, [1, 2, 3, 4, 5, 6], show(msgs)); // every step once, in order
                assert.equal(msgs.at(-1).id, 77, show(msgs.at(-1)));
                assert.ok(msgs.at(-1).result?.content, show(msgs.at(-1)));
            };
            // a 2026-07-28 task: created on one replica, polled on the others
            const task26 = async (label) => {
                const EXT = 'io.modelcontextprotocol/tasks';
                let id = 0;
                const rpc = async (method, params, name) => {
                    const r = await post(nginx.url, {
                        jsonrpc: '2.0', id: ++id, method,
                        params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { extensions: { [EXT]: {} } } } },
                    }, { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, 'Mcp-Name': name });
                    const body = await r.text();
                    assert.equal(r.status, 200, body);
                    return JSON.parse(body.startsWith('{') ? body : body.split('\ndata: ').pop());
                };
                const created = await rpc('tools/call', { name: 'slow_compute', arguments: { seconds: 0.5, label } }, 'slow_compute');
                assert.equal(created.result?.resultType, 'task', show(created));
                const taskId = created.result.taskId;
                let got;
                for (let i = 0; i < 40; i++) {
                    got = await rpc('tasks/get', { taskId }, taskId);
                    assert.equal(got.result?.taskId, taskId, show(got));
                    if (got.result.status !== 'working') break;
                    await sleep(100);
                }
                assert.equal(got.result.status, 'completed', show(got));
                assert.equal(text(got.result.result), `Computed ${label} in 0.5 s.`, show(got));
            };

            await task(0.5, 'before');
            await resumed();
            await task26('before');

            const victim = replicas[2];
            const port = new URL(victim.url).port;
            assert.equal(await victim.close('SIGKILL'), 'SIGKILL');
            const killedAt = Date.now();
            for (let i = 0; i < 3; i++)
                assert.equal(text(await v1.callTool({ name: 'echo', arguments: { message: `after ${i}` } })), `Echo: after ${i}`);
            await task(0.5, 'after');
            await resumed();
            await task26('after');
            // the subscription outlived the replica, and so did the client's own GET stream: if
            // its replica was the one killed, the client resumed it with Last-Event-ID on another
            // replica, which holds it from then on; either way the updates keep coming
            const since2 = Date.now();
            assert.ok(await waitFor(() => updates.some((u) => u.t >= since2), 4500), `no resources/updated on the client's own stream within 4.5 s after the kill (killed at ${killedAt})`);
            assert.equal(t1.sessionId, sid, 'one session all along');

            // a replacement on the same port serves the session it never saw
            replicas[2] = await startServer(EVERYTHING, ['--http', `127.0.0.1:${port}`, '--store', redis.url, '--state-key-file', path.join(dir, 'state.key')], { http: false });
            assert.ok(await waitConnect(Number(port), 5000));
            replicas[2].url = `http://127.0.0.1:${port}/mcp`;
            for (let i = 0; i < 3; i++)
                assert.equal(text(await v1.callTool({ name: 'echo', arguments: { message: `back ${i}` } })), `Echo: back ${i}`);
        } finally {
            await v1.close().catch(() => {});
        }
    });

    test('a v1 2025-era session and v2 2026 flows through nginx while a replica is killed; Redis stopped and restarted', { timeout: 60000 }, async () => {
        const v1 = new V1.Client({ name: 'nginx-v1-store', version: '1' }, { capabilities: {} });
        const t1 = new V1.StreamableHTTP(new URL(nginx.url));
        await v1.connect(t1);
        const sid = t1.sessionId;
        assert.ok(sid, 'a 2025-era session through nginx');
        const v2 = new V2.Client({ name: 'nginx-v2-store', version: '1' }, {
            capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' },
        });
        v2.setRequestHandler('elicitation/create', async (req) => ({
            action: 'accept',
            content: 'color' in (req.params.requestedSchema?.properties ?? {}) ? { color: 'teal' } : { name: 'Ada' },
        }));
        await v2.connect(new V2.StreamableHTTP(new URL(nginx.url)));
        try {
            const flows = async (tag) => {
                assert.ok((await v1.listTools()).tools.some((t) => t.name === 'echo'));
                // three calls: with round robin over three replicas, each serves this session
                for (let i = 0; i < 3; i++)
                    assert.equal(text(await v1.callTool({ name: 'echo', arguments: { message: `v1 ${tag} ${i}` } })), `Echo: v1 ${tag} ${i}`);
                assert.equal(text(await v2.callTool({ name: MULTI_ROUND, arguments: {} })), "Ada's favorite color is teal.");
            };
            for (let i = 0; i < 2; i++) await flows(`before ${i}`);
            assert.equal(t1.sessionId, sid, 'one session all along');

            assert.equal(await replicas[0].close('SIGKILL'), 'SIGKILL');
            for (let i = 0; i < 4; i++) await flows(`after ${i}`);
            assert.equal(t1.sessionId, sid, 'the session survived its first replica');

            // Redis down: a new session cannot be recorded: 503 + Retry-After, never a hang or a crash
            await redis.stop();
            const init = await post(nginx.url, {
                jsonrpc: '2.0', id: 1, method: 'initialize',
                params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
            });
            const initBody = await init.text();
            assert.equal(init.status, 503, initBody);
            assert.ok(Number(init.headers.get('retry-after')) >= 1, `Retry-After: ${init.headers.get('retry-after')}`);
            for (let i = 0; i < 4; i++) {
                const r = await rawCall(nginx.url, sid, 100 + i); // served by a replica holding it, or 503
                assert.ok(r.status === 200 || (r.status === 503 && r.retryAfter), show(r));
                if (r.status === 200) assert.match(r.body, new RegExp(`Echo: raw ${100 + i}`));
            }
            // 2026 traffic needs no store
            assert.equal(text(await v2.callTool({ name: 'echo', arguments: { message: 'no redis' } })), 'Echo: no redis');

            // Redis back (empty: no persistence): the replicas reconnect by themselves
            redis = await startRedis({ dir: path.join(dir, 'redis'), port: redis.port });
            let fresh;
            const end = Date.now() + 10000;
            while (!fresh && Date.now() < end) {
                fresh = await rawSession(nginx.url).catch(() => null);
                if (!fresh) await sleep(200);
            }
            assert.ok(fresh, 'no new session within 10 s of Redis coming back');
            for (let i = 0; i < 6; i++) {
                const r = await rawCall(nginx.url, fresh, 200 + i);
                assert.equal(r.status, 200, show(r));
                assert.match(r.body, new RegExp(`Echo: raw ${200 + i}`));
            }
        } finally {
            await v1.close().catch(() => {});
            await v2.close().catch(() => {});
        }
        for (const r of replicas.slice(1)) assert.equal(await r.close(), 0, r.stderr());
    });
});
