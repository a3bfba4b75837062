// A client that does not read its SSE stream must not grow the server (--max-stream-buffer):
// legacy HTTP+SSE refuses the session's POSTs with 503 + Retry-After once its stream's queue is
// full, and resident memory stays bounded; a Streamable HTTP stream that would pass the limit is
// ended, and the client gets the rest by resuming with Last-Event-ID (nothing lost, nothing
// twice).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe } from 'node:test';

import { BIN, HOOK, INIT, closeAll, post, rawSession, sleep, startServer, test } from './lib.mjs';

after(closeAll);

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

describe('legacy HTTP+SSE: a client that never reads its stream (default --max-stream-buffer, 1 MiB)', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--sse', '127.0.0.1:0'], { http: false });
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('POSTs get 503 + Retry-After once the stream is full; memory stays bounded', async () => {
        const u = new URL(srv.sseUrl);
        const sock = net.connect(Number(u.port), '127.0.0.1');
        await new Promise((r) => sock.once('connect', r));
        sock.write(`GET /sse HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
        let head = '';
        while (!/sessionId=[0-9a-f]{32}/.test(head)) {
            head += await new Promise((r) => sock.once('data', (d) => r(String(d))));
        }
        sock.pause(); // from here on the stream is never read
        const endpoint = new URL(/data: (\S+sessionId=[0-9a-f]{32})/.exec(head)[1], srv.sseUrl).href;
        let r = await post(endpoint, INIT(1, '2024-11-05'));
        assert.equal(r.status, 202);
        await r.text();
        r = await post(endpoint, { jsonrpc: '2.0', method: 'notifications/initialized' });
        await r.text();
        await sleep(200);
        const rss0 = rssKiB(srv.child.pid);
        const message = 'x'.repeat(32 * 1024);
        let accepted = 0, refused = 0, retryAfter = null;
        const t0 = Date.now();
        // 800 × 32 KiB = 25 MiB of replies at most, bounded in time as well
        for (let i = 0; i < 800 && refused < 20 && Date.now() - t0 < 15000; i++) {
            r = await post(endpoint, { jsonrpc: '2.0', id: 10 + i, method: 'tools/call',
                params: { name: 'echo', arguments: { message } } });
            await r.text();
            if (r.status === 202) accepted++;
            else if (r.status === 503) {
                refused++;
                retryAfter = r.headers.get('retry-after');
            } else assert.fail(`unexpected status ${r.status}`);
        }
        const grown = rssKiB(srv.child.pid) - rss0;
        assert.ok(refused > 0, `no 503 after ${accepted} accepted POSTs (RSS grew ${grown} KiB)`);
        assert.match(retryAfter ?? '', /^\d+$/, 'Retry-After on the 503');
        // (under ASan freed memory sits in its quarantine: resident size says nothing there)
        const asan = readFileSync(`/proc/${srv.child.pid}/maps`, 'utf8').includes('libasan');
        if (!asan) assert.ok(grown < 8 * 1024, `RSS grew ${grown} KiB (${accepted} POSTs accepted)`);
        // the client reads again: its stream drains and POSTs are accepted once more
        sock.on('data', () => {});
        sock.resume();
        let ok = false;
        for (let i = 0; i < 50 && !ok; i++) {
            await sleep(100);
            r = await post(endpoint, { jsonrpc: '2.0', id: 5000 + i, method: 'ping' });
            await r.text();
            ok = r.status === 202;
        }
        assert.ok(ok, 'POSTs accepted again once the stream is read');
        sock.destroy();
    });
});

describe('Streamable HTTP: a stream that would pass --max-stream-buffer 16k is ended', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--max-stream-buffer', '16k']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    /** Raw SSE read of a whole response: { status, events: [{ id, data }] }. */
    async function readStream(res) {
        const text = await res.text();
        const events = [];
        for (const block of text.split('\n\n')) {
            const id = /^id: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (id && data) events.push({ id, data });
        }
        return { status: res.status, bytes: text.length, events };
    }

    test('a resumed stream with 40+ KiB to replay comes in bounded pieces; nothing lost', async () => {
        const sid = await rawSession(srv.url, '2025-11-25');
        const H = { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
        // 300 progress notifications and the reply, read as they come (the queue stays small)
        let r = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'tools/call',
            params: { name: 'slow', arguments: { ms: 600, steps: 300 }, _meta: { progressToken: 'p' } } }, H);
        const first = await readStream(r);
        const all = first.events.filter((e) => e.data !== '');
        assert.ok(all.length >= 300, `${all.length} events`);
        assert.equal(JSON.parse(all.at(-1).data).id, 2);
        const stream = first.events[0].id.split('-')[0];
        // Now ask for all of it again from the start: one replay would queue 40+ KiB at once.
        let last = `${stream}-0`;
        const got = [];
        let pieces = 0;
        while (got.length < all.length && pieces < 50) {
            r = await fetch(srv.url, { headers: { ...H, Accept: 'text/event-stream', 'Last-Event-ID': last } });
            assert.equal(r.status, 200);
            const piece = await readStream(r); // ends: the limit, or the end of the finished stream
            pieces++;
            assert.ok(piece.bytes < 16 * 1024 + 2048, `a piece of ${piece.bytes} bytes`);
            assert.ok(piece.events.length > 0, 'every piece makes progress');
            got.push(...piece.events);
            last = piece.events.at(-1).id;
        }
        assert.ok(pieces >= 2, `${pieces} piece(s)`);
        assert.deepEqual(got.map((e) => e.id), all.map((e) => e.id), 'every event once, in order');
    });
});
