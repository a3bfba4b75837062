// Issue 9, defect 1: a long argument checked against a `pattern` must not freeze the server.
// Two sessions on one Streamable HTTP testserver: session A calls the "email" tool (an
// unanchored /[a-z]+@[a-z]+\.[a-z]{2,}/) with 1 MiB arguments that make a backtracking matcher
// retry from every offset; session B's ping, sent meanwhile, must be answered promptly. Before
// PCRE2 with a bounded budget, each such call held the loop thread for about 40 minutes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe } from 'node:test';

import { BIN, HOOK, show, sleep, test } from './lib.mjs';

const HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
let child;
let url;

function post(body, sid) {
    return fetch(url, {
        method: 'POST',
        headers: sid ? { ...HEADERS, 'Mcp-Session-Id': sid } : HEADERS,
        body: JSON.stringify(body),
    });
}

/** The JSON-RPC reply in a response (JSON, or the first SSE data line). */
async function reply(res) {
    const text = await res.text();
    if ((res.headers.get('content-type') || '').startsWith('application/json')) return JSON.parse(text);
    const line = text.split('\n').find((l) => l.startsWith('data: ') && l.length > 6);
    assert.ok(line, `no SSE data in: ${text.slice(0, 200)}`);
    return JSON.parse(line.slice(6));
}

async function session() {
    const r = await post({
        jsonrpc: '2.0', id: 1, method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'pattern', version: '1' } },
    });
    const sid = r.headers.get('mcp-session-id');
    await r.text();
    assert.ok(sid, `no session id (HTTP ${r.status})`);
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sid)).text();
    return sid;
}

describe('pattern validation does not freeze other clients', () => {
    before(async () => {
        child = spawn(BIN.testserver, ['--http', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        url = await new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 10000);
            child.stderr.setEncoding('utf8');
            child.stderr.on('data', (d) => {
                err += d;
                const m = /Streamable HTTP on (\S+)/.exec(err);
                if (m) {
                    clearTimeout(t);
                    resolve(m[1]);
                }
            });
            child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
        });
    }, HOOK);
    after(() => child?.kill('SIGKILL'));

    for (const [what, text, want] of [
        ['1 MiB without an address', 'a'.repeat(1 << 20), /does not match pattern/],
        ['1 MiB that defeats the quick checks', 'a'.repeat(1 << 20) + '@aaaa.1', /too costly to check/],
    ]) {
        test(`${what}: the call fails in bounded time while another session's ping answers`, async () => {
            const [a, b] = [await session(), await session()];
            const t0 = Date.now();
            const big = post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'email', arguments: { text } } }, a)
                .then(reply)
                .then((m) => ({ m, ms: Date.now() - t0 }));
            await sleep(50);
            const p0 = Date.now();
            const pong = await reply(await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, b));
            const pingMs = Date.now() - p0;
            assert.deepEqual(pong.result, {}, show(pong));
            const { m, ms } = await big;
            console.log(`${what}: tools/call ${ms} ms, ping from the other session ${pingMs} ms`);
            assert.equal(m.result?.isError, true, show(m).slice(0, 300));
            assert.match(m.result.content[0].text, want);
            assert.ok(ms < 5000, `the 1 MiB call took ${ms} ms`);
            assert.ok(pingMs < 2000, `the other session's ping took ${pingMs} ms`);
        });
    }

    test('a short valid argument passes', async () => {
        const a = await session();
        const m = await reply(await post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'email', arguments: { text: 'mail bob@example.org' } } }, a));
        assert.deepEqual(m.result?.content, [{ type: 'text', text: 'mail bob@example.org' }], show(m));
    });
});
