// The official TypeScript SDK clients against libmcp over HTTP: Streamable HTTP (stateful and
// --stateless), legacy HTTP+SSE, and the v2 client on the 2026-07-28 era — the same tool,
// resource and prompt assertions as the STDIO interop test of examples/quickstart — plus a
// streaming test (progress before the result, in order) and a resumability test (a dropped POST
// stream resumed with Last-Event-ID, nothing lost or duplicated).
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import {
    BIN, HOOK, V1, closeAll, connect, post, rawSession, show, sleep, sseEvents, startServer, test,
} from './lib.mjs';

after(closeAll);

const ABOUT_URI = 'docs://quickstart/about';
const ABOUT_TEXT = 'libmcp quickstart: tools add and echo, one resource, one prompt.';

const FLAVORS = [
    { kind: 'v1', label: 'v1 StreamableHTTP (stateful)', args: [] },
    { kind: 'v1', label: 'v1 StreamableHTTP (--stateless)', args: ['--stateless'], stateless: true },
    { kind: 'v1-sse', label: 'v1 SSEClientTransport (legacy HTTP+SSE)', args: ['--sse', '127.0.0.1:0'] },
    { kind: 'v2', label: 'v2 StreamableHTTP, 2026-07-28 (auto)', args: [], modern: true },
    { kind: 'v2-2025', label: 'v2 StreamableHTTP, 2025 era', args: [] },
];

for (const flavor of FLAVORS) {
    describe(`quickstart over HTTP: ${flavor.label}`, () => {
        let srv, conn;
        before(async () => {
            srv = await startServer(BIN.quickstart, flavor.args);
            conn = await connect(flavor.kind, srv);
        }, HOOK);
        after(async () => {
            await conn?.close();
            const code = await srv?.close();
            assert.equal(code, 0, `server exit status after SIGTERM; stderr:\n${srv?.stderr()}`);
        });

        test('era and session id', () => {
            if (flavor.modern) {
                assert.equal(conn.client.getProtocolEra(), 'modern');
                assert.equal(conn.transport.sessionId, undefined, 'a 2026 client never gets a session');
            } else if (flavor.kind !== 'v1-sse') {
                if (flavor.stateless) assert.equal(conn.transport.sessionId, undefined);
                else assert.match(conn.transport.sessionId ?? '', /^[0-9a-f]{32}$/);
            }
            assert.equal(conn.client.getServerVersion()?.name, 'quickstart');
        });

        test('tools/list and tools/call', async () => {
            const { tools } = await conn.client.listTools();
            assert.deepEqual(tools.map((t) => t.name), ['add', 'echo'], show(tools));
            let res = await conn.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
            assert.deepEqual(res.content, [{ type: 'text', text: '2 + 3 = 5' }], show(res));
            for (const text of ['hello', 'héllo wörld — 日本語 🌍', 'line1\nline2\r\n\t"q"', 'x'.repeat(100000)]) {
                res = await conn.client.callTool({ name: 'echo', arguments: { text } });
                assert.deepEqual(res.content, [{ type: 'text', text }]);
            }
        });

        test('resources/list and resources/read', async () => {
            const { resources } = await conn.client.listResources();
            assert.deepEqual(resources.map(({ uri, name, mimeType }) => ({ uri, name, mimeType })),
                [{ uri: ABOUT_URI, name: 'about', mimeType: 'text/plain' }], show(resources));
            const res = await conn.client.readResource({ uri: ABOUT_URI });
            assert.deepEqual(res.contents, [{ uri: ABOUT_URI, mimeType: 'text/plain', text: ABOUT_TEXT }]);
        });

        test('prompts/list and prompts/get', async () => {
            const { prompts } = await conn.client.listPrompts();
            assert.deepEqual(prompts.map((p) => p.name), ['greet']);
            const res = await conn.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
            assert.deepEqual(res.messages, [
                { role: 'user', content: { type: 'text', text: 'Please write a short, friendly greeting for Ada.' } },
            ]);
        });

        test('20 concurrent calls', async () => {
            const rs = await Promise.all(
                Array.from({ length: 20 }, (_, i) => conn.client.callTool({ name: 'add', arguments: { a: i, b: 1 } })),
            );
            assert.deepEqual(rs.map((r) => r.content[0].text), Array.from({ length: 20 }, (_, i) => `${i} + 1 = ${i + 1}`));
        });

        test('no client-side errors', () => {
            assert.deepEqual(conn.errors.map(String), []);
        });
    });
}

describe('streaming and resumability (examples/http_server)', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--keepalive', '1s', '--sse', '127.0.0.1:0']);
    }, HOOK);
    after(async () => {
        const code = await srv?.close();
        assert.equal(code, 0, srv?.stderr());
    });

    for (const kind of ['v1', 'v2', 'v2-2025']) {
        test(`${kind}: progress notifications arrive in order before the result`, async () => {
            const conn = await connect(kind, srv);
            try {
                const seen = [];
                const params = { name: 'slow', arguments: { ms: 200, steps: 4 } };
                const opts = { onprogress: (p) => seen.push(p.progress) };
                // v1: callTool(params, resultSchema, options); v2: callTool(params, options)
                const res = kind === 'v1'
                    ? await conn.client.callTool(params, undefined, opts)
                    : await conn.client.callTool(params, opts);
                assert.deepEqual(res.content, [{ type: 'text', text: 'done after 4 steps' }]);
                assert.deepEqual(seen, [0, 1, 2, 3], `progress ${show(seen)}`);
            } finally {
                await conn.close();
            }
        });
    }

    for (const kind of ['v1', 'v1-sse', 'v2', 'v2-2025']) {
        test(`${kind}: a server->client request (elicitation) during a tool call`, async () => {
            const answer = async () => ({ action: 'accept', content: { name: 'Ada' } });
            const conn = await connect(kind, srv, {
                capabilities: { elicitation: {} },
                setup: (c) => (kind.startsWith('v1') ? c.setRequestHandler(V1.ElicitRequestSchema, answer)
                    : c.setRequestHandler('elicitation/create', answer)),
            });
            try {
                const params = { name: 'ask', arguments: { question: 'Your name?' } };
                const res = await conn.client.callTool(params);
                assert.deepEqual(res.content, [{ type: 'text', text: 'accept: Ada' }], show(res));
            } finally {
                await conn.close();
            }
        });
    }

    test('a dropped POST stream resumes with Last-Event-ID: nothing lost, nothing duplicated', async () => {
        const sid = await rawSession(srv.url);
        const H = { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
        const ac = new AbortController();
        const res = await post(srv.url, {
            jsonrpc: '2.0', id: 7, method: 'tools/call',
            params: { name: 'slow', arguments: { ms: 600, steps: 6 }, _meta: { progressToken: 't' } },
        }, H, { signal: ac.signal });
        assert.equal(res.headers.get('content-type'), 'text/event-stream');
        const first = [];
        let priming;
        try {
            for await (const ev of sseEvents(res)) {
                if (ev.data === '') {
                    priming = ev;
                    continue;
                }
                first.push(ev);
                if (first.length === 2) break;
            }
        } finally {
            ac.abort();
        }
        assert.ok(priming?.id, 'a priming event with an id comes first');
        assert.equal(priming.retry, '3000');
        await sleep(700); // the call finishes while nobody listens
        const again = await fetch(srv.url, {
            headers: { Accept: 'text/event-stream', ...H, 'Last-Event-ID': first.at(-1).id },
        });
        assert.equal(again.status, 200);
        const rest = [];
        for await (const ev of sseEvents(again)) rest.push(ev);
        const all = [...first, ...rest];
        const ids = all.map((e) => e.id);
        assert.equal(new Set(ids).size, ids.length, `duplicate ids ${show(ids)}`);
        const msgs = all.map((e) => JSON.parse(e.data));
        const progress = msgs.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
        assert.deepEqual(progress, [0, 1, 2, 3, 4, 5], show(msgs));
        const last = msgs.at(-1);
        assert.equal(last.id, 7);
        assert.deepEqual(last.result.content, [{ type: 'text', text: 'done after 6 steps' }]);
        const del = await fetch(srv.url, { method: 'DELETE', headers: H });
        assert.equal(del.status, 200);
    });
});
