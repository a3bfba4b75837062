// Streamable HTTP and legacy HTTP+SSE over raw HTTP: every status the transports answer with,
// bad input (malformed JSON, oversized bodies by Content-Length and chunked), sessions (1,000
// created and deleted, idle expiry, eviction), 2026-07-28 header checks, stateless mode, clients
// vanishing mid-stream and keep-alive reaping — and after each, the server still answers.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import net from 'node:net';
import { after, before, describe } from 'node:test';

import { BIN, HOOK, INIT, closeAll, post, rawSession, show, sleep, sseEvents, startServer, test } from './lib.mjs';

after(closeAll);

const M26 = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
};

/** A raw request with node:http (any header, including Host; chunked when body is an array). */
function raw(url, { method = 'POST', headers = {}, body } = {}) {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false },
            (res) => {
                let data = '';
                res.setEncoding('utf8');
                res.on('data', (d) => (data += d));
                res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
                res.on('error', reject);
            },
        );
        req.on('error', reject);
        if (Array.isArray(body)) for (const part of body) req.write(part);
        else if (body !== undefined) req.write(body);
        req.end();
    });
}

async function alive(srv) {
    const r = await post(srv.url, { jsonrpc: '2.0', id: 'ping', method: 'server/discover',
        params: { _meta: M26 } }, { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'server/discover' });
    const text = await r.text();
    assert.equal(r.status, 200, `server still serving: ${text}`);
}

function fdCount(pid) {
    return readdirSync(`/proc/${pid}/fd`).length;
}

const J = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

describe('Streamable HTTP statuses (stateful)', () => {
    let srv, sid;
    before(async () => {
        srv = await startServer(BIN.http, ['--keepalive', '600ms', '--max-body', '65536', '--session-timeout', '30s',
            '--max-per-ip', '1000']);
        sid = await rawSession(srv.url);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    const S = () => ({ 'Mcp-Session-Id': sid });
    const call = (id, name, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

    test('200 JSON for a request; 202 no body for a notification and for a response', async () => {
        let r = await post(srv.url, call(1, 'echo', { message: 'x' }), S());
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'application/json');
        assert.deepEqual((await r.json()).result.content, [{ type: 'text', text: 'x' }]);
        r = await post(srv.url, { jsonrpc: '2.0', method: 'notifications/whatever' }, S());
        assert.equal(r.status, 202);
        assert.equal(await r.text(), '');
        r = await post(srv.url, { jsonrpc: '2.0', id: 99, result: {} }, S());
        assert.equal(r.status, 202);
        await r.text();
    });

    test('406 Accept, 415 Content-Type, 405 method, 404 path', async () => {
        for (const accept of [undefined, 'application/json', 'text/event-stream', 'text/html']) {
            const h = { 'Content-Type': 'application/json', ...S() };
            if (accept) h.Accept = accept;
            const r = await raw(srv.url, { headers: h, body: JSON.stringify(call(1, 'echo')) });
            assert.equal(r.status, 406, `Accept ${accept}`);
        }
        let r = await raw(srv.url, { headers: { ...J, 'Content-Type': 'text/plain', ...S() }, body: '{}' });
        assert.equal(r.status, 415);
        for (const method of ['PUT', 'PATCH', 'OPTIONS']) {
            r = await raw(srv.url, { method, headers: S() });
            assert.equal(r.status, 405, method);
        }
        r = await raw(srv.url + '/other', { headers: J, body: '{}' });
        assert.equal(r.status, 404);
        r = await raw(srv.url.replace('/mcp', '/'), { method: 'GET' });
        assert.equal(r.status, 404);
        const g = await raw(srv.url, { method: 'GET', headers: { Accept: 'application/json', ...S() } });
        assert.equal(g.status, 406, 'GET without text/event-stream');
        await alive(srv);
    });

    test('Accept: a media range with q=0 is not acceptable; the most specific range decides', async () => {
        const refused = [
            'application/json;q=0, text/event-stream;q=0',
            'application/json, text/event-stream;q=0',
            'application/json;q=0.000, text/event-stream',
            'application/json ; Q=0 , text/event-stream',
            'application/json;charset=utf-8;q=0, text/event-stream',
            'application/json;q=0;charset=utf-8, text/event-stream',
            'application/json; q = 0, text/event-stream',
            '*/*;q=0',
            '*/*, text/event-stream;q=0',
            'application/json, text/*;q=0',
            'application/json; x="a,b;q=1"; q=0, text/event-stream',
        ];
        const served = [
            'application/json;q=0.5, text/event-stream;q=0.1',
            'application/json;q=1.0, text/event-stream;q=0.001',
            '*/*',
            'application/json, */*;q=0.1',
            'text/event-stream, application/*',
            '*/*;q=0, application/json, text/event-stream',
            'application/json; x="a,b;q=0", text/event-stream',
            'APPLICATION/JSON, Text/Event-Stream',
        ];
        for (const [accept, want] of [...refused.map((a) => [a, 406]), ...served.map((a) => [a, 200])]) {
            const r = await raw(srv.url, { headers: { 'Content-Type': 'application/json', Accept: accept, ...S() },
                body: JSON.stringify(call(1, 'echo', { message: 'x' })) });
            assert.equal(r.status, want, `POST Accept: ${accept}`);
        }
        const g = await raw(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream;q=0, */*', ...S() } });
        assert.equal(g.status, 406, 'GET with text/event-stream;q=0');
        await alive(srv);
    });

    test('400 malformed JSON (-32700), non-object, batch refused on 2025-11-25', async () => {
        for (const body of ['{"jsonrpc":', '{]', '{"a":1} trailing', '{"a":1,"a":2}', '']) {
            const r = await post(srv.url, body, S());
            assert.equal(r.status, 400, `body ${show(body)}`);
            assert.equal((await r.json()).error.code, -32700, `body ${show(body)}`);
        }
        let r = await post(srv.url, '42', S());
        assert.equal(r.status, 400);
        assert.ok([-32700, -32600].includes((await r.json()).error.code), 'a bare scalar');
        r = await post(srv.url, [call(1, 'echo'), call(2, 'echo')], S());
        assert.equal(r.status, 400);
        assert.equal((await r.json()).error.code, -32600);
        await alive(srv);
    });

    test('MCP-Protocol-Version: unsupported 400; any supported version accepted', async () => {
        let r = await post(srv.url, call(1, 'echo'), { ...S(), 'MCP-Protocol-Version': '2099-01-01' });
        assert.equal(r.status, 400);
        await r.text();
        for (const v of ['2025-03-26', '2025-06-18', '2025-11-25']) {
            r = await post(srv.url, call(1, 'echo'), { ...S(), 'MCP-Protocol-Version': v });
            assert.equal(r.status, 200, v);
            await r.text();
        }
    });

    test('session: 400 without id, 404 unknown, second initialize 400 (-32600)', async () => {
        let r = await post(srv.url, call(1, 'echo'));
        assert.equal(r.status, 400);
        await r.text();
        r = await post(srv.url, call(1, 'echo'), { 'Mcp-Session-Id': 'f'.repeat(32) });
        assert.equal(r.status, 404);
        assert.equal((await r.json()).error.code, -32001);
        r = await raw(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream' } });
        assert.equal(r.status, 400);
        r = await raw(srv.url, { method: 'DELETE', headers: { 'Mcp-Session-Id': 'nope' } });
        assert.equal(r.status, 404);
        r = await post(srv.url, INIT(5), S());
        assert.equal(r.status, 400);
        assert.equal((await r.json()).error.code, -32600);
        r = await post(srv.url, call(6, 'echo', { message: 'still' }), S());
        assert.equal(r.status, 200, 'the session is unchanged');
        await r.text();
    });

    test('413 from Content-Length alone: answered before any of the body is sent', async () => {
        // Only the headers go out, announcing 1 GiB; the server must answer without waiting for
        // the body (a read-time check could only answer after 64 KiB arrived, which never will).
        const u = new URL(srv.url);
        const sock = net.connect(Number(u.port), u.hostname);
        let got = '';
        const answered = new Promise((resolve, reject) => {
            sock.setEncoding('latin1');
            sock.on('data', (d) => {
                got += d;
                if (got.includes('\r\n\r\n')) resolve();
            });
            sock.on('error', reject);
            sock.on('close', resolve);
        });
        sock.write(`POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
            `Accept: application/json, text/event-stream\r\nMcp-Session-Id: ${sid}\r\n` +
            `Content-Length: ${1 << 30}\r\n\r\n`);
        const timer = sleep(3000).then(() => 'timeout');
        const first = await Promise.race([answered.then(() => 'answered'), timer]);
        sock.destroy();
        assert.equal(first, 'answered', `no answer within 3 s with only the headers sent (got ${show(got)})`);
        assert.match(got, /^HTTP\/1\.1 413 /, `expected 413 before the body, got ${show(got.slice(0, 200))}`);
        await alive(srv);
    });

    test('413 from Content-Length before reading, and for a chunked body over the limit', async () => {
        let r = await raw(srv.url, { headers: { ...J, ...S(), 'Content-Length': '100000' }, body: 'x'.repeat(100000) });
        assert.equal(r.status, 413);
        const chunk = 'x'.repeat(8192);
        r = await raw(srv.url, { headers: { ...J, ...S(), 'Transfer-Encoding': 'chunked' }, body: Array(20).fill(chunk) });
        assert.equal(r.status, 413);
        r = await raw(srv.url, { headers: { ...J, ...S(), 'Transfer-Encoding': 'chunked' },
            body: ['{"jsonrpc":"2.0",', '"id":1,"method":"tools/list"}'] });
        assert.equal(r.status, 200, 'a small chunked body is fine');
        await alive(srv);
    });

    test('403 for a bad Origin or a non-loopback Host; loopback origins allowed', async () => {
        for (const origin of ['http://evil.example', 'null', 'http://localhost.evil.com', 'http://127.0.0.1.', 'file://']) {
            const r = await raw(srv.url, { headers: { ...J, ...S(), Origin: origin }, body: JSON.stringify(call(1, 'echo')) });
            assert.equal(r.status, 403, origin);
        }
        const dup = await raw(srv.url, { headers: { ...J, ...S(), Origin: ['http://localhost', 'http://evil.example'] },
            body: JSON.stringify(call(1, 'echo')) });
        assert.equal(dup.status, 403, 'duplicate Origin headers');
        for (const host of ['evil.example.com', 'evil.example.com:80', '127.0.0.1.evil:1']) {
            const r = await raw(srv.url, { headers: { ...J, ...S(), Host: host }, body: JSON.stringify(call(1, 'echo')) });
            assert.equal(r.status, 403, host);
        }
        const port = new URL(srv.url).port;
        for (const origin of [`http://127.0.0.1:${port}`, 'http://localhost', `https://[::1]:${port}`]) {
            const r = await raw(srv.url, { headers: { ...J, ...S(), Origin: origin, Host: `localhost:${port}` },
                body: JSON.stringify(call(1, 'echo')) });
            assert.equal(r.status, 200, origin);
        }
    });

    test('GET stream: priming event, 409 for a second one, list_changed-free keep-alive', async () => {
        const ac = new AbortController();
        const res = await fetch(srv.url, { headers: { Accept: 'text/event-stream', ...S() }, signal: ac.signal });
        assert.equal(res.status, 200);
        const r2 = await raw(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream', ...S() } });
        assert.equal(r2.status, 409);
        const reader = res.body.getReader();
        let text = '';
        const t0 = Date.now();
        while (!text.includes(': ping') && Date.now() - t0 < 3000) {
            const { value } = await reader.read();
            text += new TextDecoder().decode(value);
        }
        assert.match(text, /^id: \d+-0\nretry: 3000\ndata: \n\n/);
        assert.match(text, /: ping/);
        ac.abort();
    });

    test('a client dropping mid-stream: the call still finishes, the server keeps serving', async () => {
        const ac = new AbortController();
        const res = await post(srv.url, { ...call(20, 'slow', { ms: 300 }), params: { name: 'slow',
            arguments: { ms: 300 }, _meta: { progressToken: 1 } } }, S(), { signal: ac.signal });
        for await (const ev of sseEvents(res)) if (ev.data) break;
        ac.abort();
        await sleep(400);
        await alive(srv);
        const r = await post(srv.url, call(21, 'echo', { message: 'after' }), S());
        assert.equal(r.status, 200);
        await r.text();
    });

    test('keep-alive reaps streams whose clients vanished (fds back to baseline)', async () => {
        const pid = srv.child.pid;
        await sleep(200);
        const base = fdCount(pid);
        const port = Number(new URL(srv.url).port);
        const socks = [];
        for (let i = 0; i < 40; i++) {
            // a session over a one-shot connection (no client-side pool to skew the fd count)
            const init = await raw(srv.url, { headers: J, body: JSON.stringify(INIT(1)) });
            const s2 = init.headers['mcp-session-id'];
            const sock = net.connect(port, '127.0.0.1');
            await new Promise((r) => sock.once('connect', r));
            sock.write(`GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n` +
                `Mcp-Session-Id: ${s2}\r\n\r\n`);
            await new Promise((r) => sock.once('data', r));
            socks.push(sock);
        }
        const peak = fdCount(pid);
        assert.ok(peak >= base + 35, `streams open: ${peak} fds, baseline ${base}`);
        for (const s of socks) s.destroy();
        const t0 = Date.now();
        while (fdCount(pid) > base + 2 && Date.now() - t0 < 4000) await sleep(100);
        assert.ok(fdCount(pid) <= base + 2, `fds ${fdCount(pid)} vs baseline ${base} after ${Date.now() - t0} ms ` +
            (await import("node:child_process")).execSync(`ss -tan | grep :${port} | head -5; ls -l /proc/${pid}/fd | tail -3`).toString());
        await alive(srv);
    });

    test('DELETE ends the session (then 404)', async () => {
        const s2 = await rawSession(srv.url);
        let r = await raw(srv.url, { method: 'DELETE', headers: { 'Mcp-Session-Id': s2 } });
        assert.equal(r.status, 200);
        r = await raw(srv.url, { headers: { ...J, 'Mcp-Session-Id': s2 }, body: JSON.stringify(call(1, 'echo')) });
        assert.equal(r.status, 404);
    });

    test('1,000 sessions created and deleted; ids unique, 128 bits of hex', async () => {
        const ids = new Set();
        for (let i = 0; i < 1000; i += 50) {
            const batch = await Promise.all(Array.from({ length: 50 }, () => rawSession(srv.url)));
            for (const id of batch) {
                assert.match(id, /^[0-9a-f]{32}$/);
                ids.add(id);
            }
            const dels = await Promise.all(batch.map((id) =>
                fetch(srv.url, { method: 'DELETE', headers: { 'Mcp-Session-Id': id } })));
            for (const d of dels) assert.equal(d.status, 200);
        }
        assert.equal(ids.size, 1000);
        await alive(srv);
    });

    test('2026-07-28: headers checked (-32020), unknown method 404, never a session id', async () => {
        const body = (method, params = {}) => ({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: M26 } });
        const H = (method, name) => ({ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method,
            ...(name !== undefined ? { 'Mcp-Name': name } : {}) });
        let r = await post(srv.url, body('tools/call', { name: 'echo', arguments: { message: 'm' } }), H('tools/call', 'echo'));
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('mcp-session-id'), null);
        assert.equal((await r.json()).result.resultType, 'complete');
        const b64 = '=?base64?' + Buffer.from('echo').toString('base64') + '?=';
        r = await post(srv.url, body('tools/call', { name: 'echo', arguments: { message: 'm' } }), H('tools/call', b64));
        assert.equal(r.status, 200, 'base64 Mcp-Name');
        await r.text();
        const bad = [
            [body('tools/call', { name: 'echo' }), H('tools/call', 'add')],
            [body('tools/call', { name: 'echo' }), H('tools/call')],
            [body('tools/call', { name: 'echo' }), H('tools/list', 'echo')],
            [body('tools/list'), { 'MCP-Protocol-Version': '2026-07-28' }],
            [body('tools/list'), { 'Mcp-Method': 'tools/list' }],
            [body('tools/list'), H('tools/list') && { 'MCP-Protocol-Version': '2025-11-25', 'Mcp-Method': 'tools/list' }],
            [body('resources/read', { uri: 'info://server' }), H('resources/read', 'info://other')],
        ];
        for (const [b, h] of bad) {
            r = await post(srv.url, b, h);
            assert.equal(r.status, 400, `${show(b)} ${show(h)}`);
            assert.equal((await r.json()).error.code, -32020, `${show(b)} ${show(h)}`);
        }
        r = await post(srv.url, body('nope/nothing'), H('nope/nothing'));
        assert.equal(r.status, 404);
        assert.equal((await r.json()).error.code, -32601);
        r = await raw(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream', 'MCP-Protocol-Version': '2026-07-28' } });
        assert.equal(r.status, 405);
        await alive(srv);
    });

    test('2026-07-28 input_required: answers count only with their requestState, which is single-use', async () => {
        const meta = { ...M26, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
        const ask = async (id, extra = {}) => {
            const r = await post(srv.url, { jsonrpc: '2.0', id, method: 'tools/call',
                params: { name: 'ask', arguments: { question: 'Name?' }, ...extra, _meta: meta } },
            { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'ask' });
            assert.equal(r.status, 200);
            return (await r.json());
        };
        const first = (await ask(1)).result;
        assert.equal(first.resultType, 'input_required', show(first));
        const [key] = Object.keys(first.inputRequests);
        const answers = { [key]: { action: 'accept', content: { name: 'Ada' } } };
        // answers without the state: ignored, asked again with a fresh state
        const again = (await ask(2, { inputResponses: answers })).result;
        assert.equal(again.resultType, 'input_required', show(again));
        assert.ok(again.requestState && again.requestState !== first.requestState);
        // with its state: answered, once
        const done = (await ask(3, { inputResponses: answers, requestState: first.requestState })).result;
        assert.deepEqual(done.content, [{ type: 'text', text: 'accept: Ada' }]);
        const replay = await ask(4, { inputResponses: answers, requestState: first.requestState });
        assert.equal(replay.error?.code, -32602, show(replay));
        assert.match(replay.error.message, /already used/);
        await alive(srv);
    });
});

describe('sessions: idle expiry and eviction', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--session-timeout', '400ms', '--max-sessions', '3', '--evict-idle', '1ms']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('an idle session expires (404 afterwards)', async () => {
        const sid = await rawSession(srv.url);
        let r = await post(srv.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid });
        assert.equal(r.status, 200);
        await r.text();
        await sleep(900);
        r = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': sid });
        assert.equal(r.status, 404);
        await r.text();
    });

    test('when full, the least recently active idle session is evicted', async () => {
        const a = await rawSession(srv.url);
        const b = await rawSession(srv.url);
        const c = await rawSession(srv.url);
        let r = await post(srv.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': a });
        await r.text();
        const d = await rawSession(srv.url); // evicts b (a was used after b was created)
        for (const [sid, want] of [[a, 200], [b, 404], [c, 200], [d, 200]]) {
            r = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': sid });
            assert.equal(r.status, want, sid === b ? 'b evicted' : 'kept');
            await r.text();
        }
    });
});

describe('sessions: a session holding an open GET stream is not idle', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--session-timeout', '300ms', '--keepalive', '200ms']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('kept past 4x its idle timeout while the GET stream is open; expires once it closes', async () => {
        const sid = await rawSession(srv.url);
        const ac = new AbortController();
        const res = await fetch(srv.url, { headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': sid }, signal: ac.signal });
        assert.equal(res.status, 200);
        let ended = false; // set if the server ends the stream (as it does when it ends the session)
        const reading = (async () => {
            try {
                for await (const ev of sseEvents(res)) void ev;
            } catch { /* aborted below */ }
            ended = true;
        })();
        await sleep(1200); // the sweep runs every 75 ms; the session was last active 1.2 s ago
        assert.equal(ended, false, 'the GET stream of a session must not be ended by the idle timeout');
        let r = await post(srv.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid });
        assert.equal(r.status, 200, 'a session holding an open GET stream must not expire');
        await r.text();
        // Control: without the stream the same session does expire.
        ac.abort();
        await reading;
        await sleep(1200);
        r = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': sid });
        assert.equal(r.status, 404, 'once its stream is gone the idle session expires');
        await r.text();
    });
});

describe('--stateless and --json-response', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--stateless', '--json-response']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('initialize answered without a session id; requests need none; GET/DELETE 405', async () => {
        let r = await post(srv.url, INIT(1));
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('mcp-session-id'), null);
        assert.equal((await r.json()).result.protocolVersion, '2025-11-25');
        r = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'MCP-Protocol-Version': '2025-06-18' });
        assert.equal(r.status, 200);
        assert.ok((await r.json()).result.tools.length >= 4);
        r = await raw(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream' } });
        assert.equal(r.status, 405);
        r = await raw(srv.url, { method: 'DELETE' });
        assert.equal(r.status, 405);
    });

    test('--json-response: a tool with progress still answers application/json', async () => {
        const r = await post(srv.url, { jsonrpc: '2.0', id: 3, method: 'tools/call',
            params: { name: 'slow', arguments: { ms: 100 }, _meta: { progressToken: 'x' } } });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'application/json');
        assert.deepEqual((await r.json()).result.content, [{ type: 'text', text: 'done after 3 steps' }]);
    });

    test('2025-03-26 batch accepted (header version), answered as an array', async () => {
        const r = await post(srv.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }],
            { 'MCP-Protocol-Version': '2025-03-26' });
        assert.equal(r.status, 200);
        const body = await r.json();
        assert.ok(Array.isArray(body), show(body));
        assert.deepEqual(body.map((m) => m.id).sort(), [1, 2]);
    });
});

describe('legacy HTTP+SSE', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--sse', '127.0.0.1:0'], { http: false });
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('endpoint event, 202 Accepted, replies on the stream; 404 unknown session; 403 bad Origin', async () => {
        const ac = new AbortController();
        const res = await fetch(srv.sseUrl, { headers: { Accept: 'text/event-stream' }, signal: ac.signal });
        assert.equal(res.status, 200);
        const it = sseEvents(res);
        const first = (await it.next()).value;
        assert.equal(first.event, 'endpoint');
        assert.match(first.data, /^\/message\?sessionId=[0-9a-f]{32}$/);
        const postUrl = new URL(first.data, srv.sseUrl).href;
        let r = await fetch(postUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(INIT(1, '2024-11-05')) });
        assert.equal(r.status, 202);
        assert.equal(await r.text(), 'Accepted');
        const msg = (await it.next()).value;
        assert.equal(msg.event, 'message');
        assert.equal(JSON.parse(msg.data).result.protocolVersion, '2024-11-05');
        r = await fetch(postUrl.replace(/sessionId=.*/, 'sessionId=' + '0'.repeat(32)), { method: 'POST',
            headers: { 'Content-Type': 'application/json' }, body: '{}' });
        assert.equal(r.status, 404);
        r = await fetch(postUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"x":' });
        assert.equal(r.status, 400);
        const o = await raw(postUrl, { headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' }, body: '{}' });
        assert.equal(o.status, 403);
        ac.abort();
    });

    test('GET with Accept text/event-stream;q=0 is 406', async () => {
        for (const accept of ['text/event-stream;q=0', '*/*;q=0', 'text/*;q=0.0, application/json']) {
            const r = await raw(srv.sseUrl, { method: 'GET', headers: { Accept: accept } });
            assert.equal(r.status, 406, `Accept: ${accept}`);
        }
    });
});

describe('graceful stop', () => {
    test('SIGTERM with a call in flight and streams open: the call finishes, streams end, exit 0', async () => {
        const srv = await startServer(BIN.http, ['--sse', '127.0.0.1:0']);
        const sid = await rawSession(srv.url);
        const get = await fetch(srv.url, { headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': sid } });
        assert.equal(get.status, 200);
        const getDone = (async () => { for await (const ev of sseEvents(get)) void ev; return 'ended'; })();
        const legacy = await fetch(srv.sseUrl, { headers: { Accept: 'text/event-stream' } });
        const legacyDone = (async () => { for await (const ev of sseEvents(legacy)) void ev; return 'ended'; })();
        const t0 = Date.now();
        const pending = post(srv.url, { jsonrpc: '2.0', id: 1, method: 'tools/call',
            params: { name: 'slow', arguments: { ms: 400 } } }, { 'Mcp-Session-Id': sid }).then(async (r) => {
            if (r.headers.get('content-type') !== 'text/event-stream') return [r.status, await r.json()];
            let reply;
            for await (const ev of sseEvents(r)) if (ev.data && JSON.parse(ev.data).id === 1) reply = JSON.parse(ev.data);
            return [r.status, reply];
        });
        await sleep(100);
        const exit = srv.close('SIGTERM');
        const [status, body] = await pending;
        assert.equal(status, 200);
        assert.deepEqual(body.result.content, [{ type: 'text', text: 'done after 3 steps' }]);
        assert.equal(await exit, 0, srv.stderr());
        assert.ok(Date.now() - t0 < 6000, 'exit within the grace period');
        assert.equal(await getDone, 'ended');
        assert.equal(await legacyDone, 'ended');
        const refused = await fetch(srv.url, { method: 'POST', body: '{}' }).then(() => 'answered', () => 'refused');
        assert.equal(refused, 'refused');
    });
});

describe('HTTPS (--tls-cert/--tls-key) and CORS (--cors)', () => {
    let srv, dir;
    before(async () => {
        const { execFileSync } = await import('node:child_process');
        const { mkdtempSync } = await import('node:fs');
        const os = await import('node:os');
        dir = mkdtempSync(path.join(os.tmpdir(), 'libmcp-tls-'));
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`,
            '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
        srv = await startServer(BIN.http, ['--tls-cert', `${dir}/cert.pem`, '--tls-key', `${dir}/key.pem`, '--cors',
            '--allow-origin', 'https://app.example']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
        const { rmSync } = await import('node:fs');
        rmSync(dir, { recursive: true, force: true });
    });

    function tls(method, headers, body) {
        const u = new URL(srv.url);
        return new Promise((resolve, reject) => {
            const req = https.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers,
                rejectUnauthorized: false, agent: false }, (res) => {
                let data = '';
                res.on('data', (d) => (data += d));
                res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
            });
            req.on('error', reject);
            req.end(body);
        });
    }

    test('initialize over TLS; preflight and exposed Mcp-Session-Id for an allowed origin', async () => {
        assert.match(srv.url, /^https:/);
        let r = await tls('OPTIONS', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' });
        assert.equal(r.status, 204);
        assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
        assert.match(r.headers['access-control-allow-headers'], /Mcp-Session-Id/);
        assert.equal(r.headers['access-control-allow-credentials'], undefined);
        r = await tls('POST', { ...J, Origin: 'https://app.example' }, JSON.stringify(INIT(1)));
        assert.equal(r.status, 200);
        assert.match(r.headers['mcp-session-id'], /^[0-9a-f]{32}$/);
        assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
        assert.match(r.headers['access-control-expose-headers'], /Mcp-Session-Id/);
        assert.equal(r.headers.vary, 'Origin');
        r = await tls('OPTIONS', { Origin: 'https://other.example', 'Access-Control-Request-Method': 'POST' });
        assert.equal(r.status, 403);
    });
});

describe('connection limits: per-address cap and idle timeout (slowloris defences)', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--max-per-ip', '4', '--connection-timeout', '1s', '--no-get']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    const ping = (localAddress) => new Promise((resolve) => {
        const u = new URL(srv.url);
        const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false,
            localAddress, headers: J }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', () => resolve('refused'));
        req.setTimeout(2000, () => { req.destroy(); resolve('timeout'); });
        req.end(JSON.stringify(INIT(1)));
    });

    test('a 5th connection from one address is refused; another address is served; idle ones time out', async () => {
        const port = Number(new URL(srv.url).port);
        const socks = [];
        for (let i = 0; i < 4; i++) {
            const s = net.connect(port, '127.0.0.1');
            await new Promise((r) => s.once('connect', r));
            s.on('error', () => {});
            socks.push(s);
        }
        await sleep(100);
        assert.equal(await ping('127.0.0.1'), 'refused', 'over the per-address cap');
        assert.equal(await ping('127.0.0.2'), 200, 'another client address');
        // The idle connections are closed by the server after the connection timeout.
        const closed = await Promise.all(socks.map((s) => new Promise((r) => {
            const t = setTimeout(() => r(false), 4000);
            s.once('close', () => { clearTimeout(t); r(true); });
        })));
        assert.deepEqual(closed, [true, true, true, true]);
        assert.equal(await ping('127.0.0.1'), 200, 'served again');
        const g = await raw(srv.url, { method: 'GET', headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': 'x' } });
        assert.equal(g.status, 405, '--no-get');
    });
});

describe('run by a supervisor with no stdin (fd 0 closed)', () => {
    // libuv must not get fd 0 for its own descriptors: it aborts closing one (fd > STDERR_FILENO).
    for (const [name, bin] of [['http_server', BIN.http], ['quickstart', BIN.quickstart]]) {
        test(`${name} started with fd 0 closed serves, then exits 0 on SIGTERM`, async () => {
            const srv = await startServer(bin, [], { stdin: 'closed' });
            const fd0 = readlinkSync(`/proc/${srv.child.pid}/fd/0`);
            assert.equal(fd0, '/dev/null', 'fd 0 of a server started without one: /dev/null');
            await alive(srv);
            assert.equal(await srv.close('SIGTERM'), 0, srv.stderr());
        });
    }
});
