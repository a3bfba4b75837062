// A client that sends a complete POST and then shuts down its write side (socket.end(): a FIN,
// legal TCP) must still read its reply: a FIN after a complete request is not a vanished client,
// only a reset or a failed write is. Both eras, a 2025 session, an answer that comes at once and
// one that comes seconds later (past the daemon's one-second check of parked connections),
// --json-response, and legacy HTTP+SSE; a client that really went away (reset) is still noticed.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe } from 'node:test';

import { BIN, HOOK, INIT, closeAll, post, rawSession, sleep, sseEvents, startServer, test } from './lib.mjs';

after(closeAll);

const M26 = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
};

/**
 * Connect, write one POST, then end() the socket (half-close) and read until the server closes
 * (or `limit` ms pass). Resolves { text, ms }.
 */
function halfClosedPost(url, body, headers = {}, limit = 8000) {
    const u = new URL(url);
    const text = JSON.stringify(body);
    const head =
        `POST ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
        'Accept: application/json, text/event-stream\r\n' +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
        `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n`;
    return new Promise((resolve) => {
        const t0 = Date.now();
        const s = net.connect(Number(u.port), u.hostname);
        let data = '';
        const stop = setTimeout(() => s.destroy(), limit);
        s.setEncoding('utf8');
        s.on('connect', () => {
            s.write(head + text);
            s.end(); // FIN: nothing more will be sent, the reply is still wanted
        });
        s.on('data', (d) => {
            data += d;
            // a complete JSON answer (Content-Length) or the end of a chunked stream
            const i = data.indexOf('\r\n\r\n');
            const m = /content-length: (\d+)/i.exec(data.slice(0, i));
            if ((m && data.length >= i + 4 + Number(m[1])) || data.endsWith('0\r\n\r\n')) s.destroy();
        });
        s.on('error', () => {});
        s.on('close', () => {
            clearTimeout(stop);
            resolve({ text: data, ms: Date.now() - t0 });
        });
    });
}

const slowCall = (id, ms, meta) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'slow', arguments: { ms, steps: 1 }, ...(meta ? { _meta: meta } : {}) },
});
const H26 = { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'slow' };

function assertReply(res, id, what) {
    assert.match(res.text, /^HTTP\/1\.1 200 /, `${what}: ${JSON.stringify(res.text)}`);
    assert.ok(res.text.includes(`"id":${id},"result"`) && res.text.includes('done after 1 steps'),
        `${what}: the reply arrives after the client's FIN: ${JSON.stringify(res.text)}`);
}

describe('a half-closed client still gets its reply (Streamable HTTP)', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('2025 session: a reply 2.5 s after the FIN', async () => {
        const sid = await rawSession(srv.url, '2025-06-18');
        const res = await halfClosedPost(srv.url, slowCall(7, 2500), {
            'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' });
        assertReply(res, 7, '2025 session');
    });

    test('2026-07-28: a reply 2.5 s after the FIN', async () => {
        const res = await halfClosedPost(srv.url, slowCall(8, 2500, M26), H26);
        assertReply(res, 8, '2026-07-28');
    });

    test('initialize answered at once after the FIN; the session works', async () => {
        const res = await halfClosedPost(srv.url, INIT(1, '2025-11-25'));
        assert.match(res.text, /^HTTP\/1\.1 200 /, res.text);
        const sid = /mcp-session-id: ([0-9a-f]{32})/i.exec(res.text)?.[1];
        assert.ok(sid, res.text);
        const r = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': sid });
        assert.equal(r.status, 200);
        await r.text();
    });

    test('a client that really went away (reset) is still noticed: its connection is closed', async () => {
        const u = new URL(srv.url);
        const fds = () => readdirSync(`/proc/${srv.child.pid}/fd`).length;
        await sleep(200);
        const base = fds();
        const s = net.connect(Number(u.port), '127.0.0.1');
        await new Promise((r) => s.once('connect', r));
        // 30 steps: the tool sees its cancellation within 100 ms (the reset cancels a 2026 request)
        const body = JSON.stringify({ ...slowCall(9, 3000, M26), params: { name: 'slow', arguments: { ms: 3000, steps: 30 }, _meta: M26 } });
        s.write(`POST /mcp HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
            'Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n' +
            `Mcp-Method: tools/call\r\nMcp-Name: slow\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        await sleep(300);
        assert.equal(fds(), base + 1, 'the parked POST holds its connection');
        s.resetAndDestroy();
        const t0 = Date.now();
        while (fds() > base && Date.now() - t0 < 3000) await sleep(100);
        assert.equal(fds(), base, 'closed within a keep-alive tick of the reset');
        // the server is fine and answers others at once
        const r = await post(srv.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: M26 } },
            { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' });
        assert.equal(r.status, 200);
        await r.text();
    });
});

describe('a half-closed client still gets its reply (--json-response)', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--json-response']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('2025 session and 2026-07-28: JSON replies 2.5 s after the FIN', async () => {
        const sid = await rawSession(srv.url, '2025-06-18');
        const [a, b] = await Promise.all([
            halfClosedPost(srv.url, slowCall(3, 2500), { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' }),
            halfClosedPost(srv.url, slowCall(4, 2500, M26), H26),
        ]);
        assertReply(a, 3, '2025 session, JSON');
        assertReply(b, 4, '2026-07-28, JSON');
        assert.match(a.text, /content-type: application\/json/i);
    });
});

describe('a half-closed client still gets its reply (legacy HTTP+SSE)', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--sse', '127.0.0.1:0'], { http: false });
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('202 for the half-closed POST, the reply on the stream', async () => {
        const ac = new AbortController();
        const res = await fetch(srv.sseUrl, { headers: { Accept: 'text/event-stream' }, signal: ac.signal });
        const events = sseEvents(res);
        const first = (await events.next()).value;
        const endpoint = new URL(first.data, srv.sseUrl).href;
        let r = await halfClosedPost(endpoint, INIT(1, '2024-11-05'));
        assert.match(r.text, /^HTTP\/1\.1 202 /, r.text);
        assert.equal(JSON.parse((await events.next()).value.data).id, 1);
        r = await halfClosedPost(endpoint, { jsonrpc: '2.0', method: 'notifications/initialized' });
        assert.match(r.text, /^HTTP\/1\.1 202 /, r.text);
        r = await halfClosedPost(endpoint, slowCall(5, 1500));
        assert.match(r.text, /^HTTP\/1\.1 202 /, r.text);
        const reply = JSON.parse((await events.next()).value.data);
        assert.equal(reply.id, 5);
        assert.equal(reply.result.content[0].text, 'done after 1 steps');
        ac.abort();
    });
});
