// The per-request deadline (--request-deadline, mcp_http_opts_t.request_deadline_ms): a request
// trickled in (slowloris headers, or a body a byte at a time) is cut when the deadline passes —
// 408 + JSON-RPC error in the body, a plain close in the headers — while other clients are served
// and SSE streams, which are past their request, stay open with their keep-alives.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe } from 'node:test';

import { BIN, HOOK, INIT, closeAll, post, rawSession, sleep, startServer, test } from './lib.mjs';

after(closeAll);

const DEADLINE = 1000;
const SLACK = 1500; // the brief's bound: cut within deadline + 1.5 s

const fdCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;

/**
 * A raw TCP client: writes `head`, then `drip()` every `every` ms until the server closes.
 * Resolves { ms (connect to close), data, writes }.
 */
function trickle(port, head, drip, every = 300, limit = 15000) {
    return new Promise((resolve) => {
        const t0 = Date.now();
        const s = net.connect(port, '127.0.0.1');
        let data = '';
        let writes = 0;
        let iv;
        const stop = setTimeout(() => s.destroy(), limit);
        s.setEncoding('latin1');
        s.on('connect', () => {
            s.write(head);
            iv = setInterval(() => {
                if (!s.destroyed && s.writable) {
                    s.write(drip(writes++));
                }
            }, every);
        });
        s.on('data', (d) => (data += d));
        s.on('error', () => {}); // a write after the server's close may get EPIPE/ECONNRESET
        s.on('close', () => {
            clearInterval(iv);
            clearTimeout(stop);
            resolve({ ms: Date.now() - t0, data, writes });
        });
    });
}

function parseResponse(text) {
    const i = text.indexOf('\r\n\r\n');
    assert.ok(i > 0, `a complete HTTP response: ${JSON.stringify(text)}`);
    const [status, ...lines] = text.slice(0, i).split('\r\n');
    const headers = {};
    for (const l of lines) {
        const c = l.indexOf(':');
        headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    return { status: Number(status.split(' ')[1]), headers, body: text.slice(i + 4) };
}

describe('request deadline (--request-deadline 1s)', () => {
    let srv, port, baseFds;
    before(async () => {
        srv = await startServer(BIN.quickstart, ['--request-deadline', '1s', '--keepalive', '400ms']);
        port = Number(new URL(srv.url).port);
        const r = await post(srv.url, INIT(1));
        await r.text();
        await sleep(100);
        baseFds = fdCount(srv.child.pid);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    const POST_HEAD = (len) =>
        'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Accept: application/json, text/event-stream\r\nContent-Length: ${len}\r\n\r\n`;

    test('slow body and slow headers are cut; a normal POST meanwhile is answered promptly', async () => {
        // (1) the whole head, then one body byte every 300 ms of a 200-byte body
        const body = trickle(port, POST_HEAD(200), () => ' ');
        // (2) the request line, then one header line every 300 ms, never the blank line
        const head = trickle(port, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', (i) => `X-Slow-${i}: x\r\n`);
        // (3) meanwhile, a normal request from another connection
        await sleep(300);
        const t0 = Date.now();
        const r = await post(srv.url, INIT(7));
        const ok = await r.json();
        const took = Date.now() - t0;
        assert.equal(r.status, 200);
        assert.equal(ok.id, 7);
        assert.ok(ok.result?.serverInfo, JSON.stringify(ok));
        assert.ok(took < 500, `normal POST answered in ${took} ms`);

        const b = await body;
        assert.ok(b.ms >= DEADLINE - 50, `body cut after ${b.ms} ms, not before the deadline`);
        assert.ok(b.ms <= DEADLINE + SLACK, `body cut after ${b.ms} ms`);
        assert.ok(b.writes >= 2, `the body was still arriving (${b.writes} bytes dripped)`);
        const res = parseResponse(b.data);
        assert.equal(res.status, 408);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.equal(res.headers.connection, 'close');
        assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
        const err = JSON.parse(res.body);
        assert.equal(err.jsonrpc, '2.0');
        assert.equal(err.id, null);
        assert.equal(err.error.code, -32600);
        assert.match(err.error.message, /Request Timeout/);

        const h = await head;
        assert.ok(h.ms >= DEADLINE - 50 && h.ms <= DEADLINE + SLACK, `headers cut after ${h.ms} ms`);
        assert.equal(h.data, '', 'no response while still in the headers: the connection is closed');
        assert.ok(h.writes >= 2);
    });

    test('the cut connections are released (fds back to baseline)', async () => {
        const t0 = Date.now();
        let fds = fdCount(srv.child.pid);
        while (fds > baseFds + 1 && Date.now() - t0 < 2000) {
            await sleep(100);
            fds = fdCount(srv.child.pid);
        }
        assert.ok(fds <= baseFds + 1, `fds ${fds}, baseline ${baseFds}`);
    });

    test('a slow request that still makes the deadline is served; kept-alive connections too', async () => {
        const msg = JSON.stringify(INIT(9));
        const parts = [msg.slice(0, 10), msg.slice(10, 20), msg.slice(20)];
        const s = net.connect(port, '127.0.0.1');
        s.setEncoding('latin1');
        let data = '';
        let closed = false;
        s.on('data', (d) => (data += d));
        s.on('close', () => (closed = true));
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        s.write(POST_HEAD(Buffer.byteLength(msg)));
        for (const p of parts) {
            await sleep(200);
            s.write(p);
        }
        const until = async (pred, ms = 2000) => {
            const t0 = Date.now();
            while (!pred() && Date.now() - t0 < ms) await sleep(20);
        };
        await until(() => data.includes('"id":9'));
        assert.match(data, /^HTTP\/1\.1 200 /);
        assert.match(data, /"id":9,"result":\{/);
        // the same connection, 400 ms later: a new request, a new deadline
        data = '';
        await sleep(400);
        const msg2 = msg.replace('"id":9', '"id":10');
        s.write(POST_HEAD(Buffer.byteLength(msg2)) + msg2);
        await until(() => data.includes('"id":10'));
        assert.match(data, /^HTTP\/1\.1 200 /);
        assert.ok(!closed, 'kept alive');
        s.destroy();
    });

    test('an SSE stream held past the deadline stays open and keeps its keep-alives', async () => {
        const sid = await rawSession(srv.url, '2025-11-25');
        const s = net.connect(port, '127.0.0.1');
        s.setEncoding('latin1');
        let data = '';
        let closed = false;
        const pings = [];
        s.on('data', (d) => {
            data += d;
            for (let i = (d.match(/: ping/g) || []).length; i > 0; i--) pings.push(Date.now());
        });
        s.on('close', () => (closed = true));
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        const t0 = Date.now();
        s.write(
            'GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n' +
                `Mcp-Session-Id: ${sid}\r\nMCP-Protocol-Version: 2025-11-25\r\n\r\n`,
        );
        await sleep(DEADLINE + SLACK + 500);
        assert.ok(!closed, `stream still open after ${Date.now() - t0} ms: ${JSON.stringify(data)}`);
        assert.match(data, /^HTTP\/1\.1 200 /);
        assert.match(data, /content-type: text\/event-stream/i);
        const late = pings.filter((t) => t - t0 > DEADLINE + 200);
        assert.ok(late.length >= 2, `keep-alives after the deadline: ${late.length} (all: ${pings.length})`);
        // and it still carries messages: the server answers a POST, the stream stays up
        const r = await post(srv.url, { jsonrpc: '2.0', id: 3, method: 'ping' }, {
            'Mcp-Session-Id': sid,
            'MCP-Protocol-Version': '2025-11-25',
        });
        assert.equal(r.status, 200);
        await r.text();
        assert.ok(!closed);
        s.destroy();
    });
});
