// --workers N with a shared store (Debian's redis-server, --store): 2025-era sessions are kept
// (no "served stateless" notice), and one session is served by every worker: each request goes
// on a fresh connection, which the kernel hands to any of the workers (SO_REUSEPORT).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BUILD, closeAll, show, sleep, startServer } from '../http/lib.mjs';
import { startRedis } from './lib.mjs';

const EVERYTHING = path.join(BUILD, 'bin', 'mcp-everything');

/** POST on a fresh connection: { status, headers, body }. */
function freshPost(url, body, headers = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request(url, {
            method: 'POST', agent: false, timeout: 5000,
            headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Connection: 'close', ...headers },
        }, (res) => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(JSON.stringify(body));
    });
}

describe('--workers with --store', () => {
    let dir, redis;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-workers-'));
        redis = await startRedis({ dir });
    }, { timeout: 20000 });
    after(async () => {
        await closeAll();
        await redis?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, { timeout: 20000 });

    test('sessions are kept and every worker serves one session', { timeout: 30000 }, async () => {
        const s = await startServer(EVERYTHING, ['--workers', '3', '--store', redis.url]);
        const end = Date.now() + 10000;
        while ((s.stderr().match(/Streamable HTTP on /g) ?? []).length < 3 && Date.now() < end) await sleep(25);
        assert.equal((s.stderr().match(/Streamable HTTP on /g) ?? []).length, 3, s.stderr());
        assert.doesNotMatch(s.stderr(), /served stateless/);
        const init = await freshPost(s.url, {
            jsonrpc: '2.0', id: 1, method: 'initialize',
            params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'w', version: '1' } },
        });
        const sid = init.headers['mcp-session-id'];
        assert.ok(sid, `a session: ${init.status} ${init.body}`);
        const H = { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
        const n = await freshPost(s.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, H);
        assert.equal(n.status, 202, n.body);
        for (let i = 0; i < 12; i++) {
            const r = await freshPost(s.url, { jsonrpc: '2.0', id: 10 + i, method: 'tools/call', params: { name: 'echo', arguments: { message: `w${i}` } } }, H);
            assert.equal(r.status, 200, show(r));
            assert.match(r.body, new RegExp(`"text":"Echo: w${i}"`), r.body);
        }
        assert.equal(await s.close(), 0, s.stderr());
    });
});
