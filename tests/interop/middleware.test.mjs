// Middleware (mcp_server_use) through the official SDK clients: examples/middleware wraps its
// tools in the ready-made request log (JSON lines on stderr) and rate limiter, and, with
// MAINTENANCE=1, in a middleware of its own that answers tools/call itself.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';

import { BIN, CLIENTS, PROTOCOL_MODERN, closeAll, connect, show, sleep, test } from './lib.mjs';

after(closeAll);

/** The request log's lines so far (JSON objects, one a line, on the server's stderr). */
function logLines(conn) {
    return conn.stderrText
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
}

async function waitForLog(conn, pred, ms = 3000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const hit = logLines(conn).filter(pred);
        if (hit.length) return hit;
        await sleep(20);
    }
    return [];
}

for (const flavour of CLIENTS) {
    describe(`middleware, ${flavour.label}`, () => {
        test('the rate limiter refuses the request past the burst with a clear error, then recovers', async () => {
            const conn = await connect(flavour.kind, BIN.middleware, { env: { RATE_LIMIT: '2,4' } });
            let refused = null;
            let ok = 0;
            for (let i = 0; i < 12 && !refused; i++) {
                try {
                    const res = await conn.client.callTool({ name: 'add', arguments: { a: i, b: 1 } });
                    assert.equal(res.content[0].text, String(i + 1), show(res));
                    ok++;
                } catch (e) {
                    refused = e;
                }
            }
            assert.ok(refused, 'a request past the burst must be refused');
            assert.ok(ok >= 1 && ok <= 4, `${ok} calls passed before the limit`);
            assert.equal(refused.code, -32000, show(refused));
            assert.match(refused.message, /Rate limit exceeded: this client may send 2 requests a second \(bursts of 4\); retry in \d+ ms/);
            const wait = refused.data?.retryAfterMs;
            assert.ok(wait > 0 && wait <= 500, show(refused.data));
            await sleep(wait + 50);
            const res = await conn.client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
            assert.equal(res.content[0].text, '42');

            // The log is registered first, so it is outermost: it records the refusal too.
            const calls = await waitForLog(conn, (l) => l.method === 'tools/call' && l.outcome === 'ok');
            assert.ok(calls.length >= 2, show(logLines(conn)));
            for (const l of calls) {
                assert.equal(l.name, 'add');
                assert.equal(typeof l.ms, 'number');
                assert.ok(l.ms >= 0 && l.ms < 5000, show(l));
                assert.match(l.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
                assert.match(l.client, /^session:\d+$/);
                if (flavour.era === 'modern') assert.equal(l.protocol, PROTOCOL_MODERN);
                else assert.match(l.protocol, /^202[45]-\d\d-\d\d$/);
            }
            const errs = logLines(conn).filter((l) => l.outcome === 'error');
            assert.equal(errs.length, 1, show(errs));
            assert.equal(errs[0].code, -32000);
            assert.match(errs[0].message, /Rate limit exceeded/);
            if (flavour.era === 'legacy') {
                assert.ok(logLines(conn).some((l) => l.method === 'initialize' && l.outcome === 'ok'));
                assert.ok(logLines(conn).some((l) => l.method === 'notifications/initialized' && l.outcome === 'notification'));
            }
            await conn.close();
        });

        test('a middleware answers tools/call itself; the tool never runs', async () => {
            const conn = await connect(flavour.kind, BIN.middleware, { env: { MAINTENANCE: '1' } });
            const res = await conn.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
            assert.equal(res.isError, true, show(res));
            assert.equal(res.content[0].text, 'The server is under maintenance; try again later.');
            const lines = await waitForLog(conn, (l) => l.method === 'tools/call');
            assert.equal(lines[0].outcome, 'tool_error', show(lines));
            // Other methods pass through.
            const tools = await conn.client.listTools();
            assert.deepEqual(tools.tools.map((t) => t.name), ['add']);
            await conn.close();
        });
    });
}
