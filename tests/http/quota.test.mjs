// One client must not end everyone's sessions: with --max-sessions full, only a session idle for
// --evict-idle may be evicted, otherwise initialize gets 503 + Retry-After; and sessions and SSE
// streams are capped per principal (the bearer token's, else the client address) with 429 +
// Retry-After, so one principal cannot take them all.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe } from 'node:test';

import { BIN, BUILD, HOOK, INIT, closeAll, post, rawSession, startServer, test } from './lib.mjs';

after(closeAll);

const AUTH_BIN = path.join(BUILD, 'examples', 'auth_server');
const ping = (url, sid, headers = {}) =>
    post(url, { jsonrpc: '2.0', id: 99, method: 'ping' }, { 'Mcp-Session-Id': sid, ...headers });

describe('a flood of initialize calls does not evict a recently active session', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--max-sessions', '20']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test("alice's session survives bob's 40 initialize calls; bob gets 503 + Retry-After", async () => {
        const alice = await rawSession(srv.url);
        let r = await ping(srv.url, alice);
        assert.equal(r.status, 200);
        await r.text();
        const statuses = [];
        let retry = null;
        for (let i = 0; i < 40; i++) {
            r = await post(srv.url, INIT(i + 1));
            statuses.push(r.status);
            if (r.status === 503) {
                retry = r.headers.get('retry-after');
                const body = await r.json();
                assert.equal(body.id, i + 1);
                assert.match(body.error.message, /too many sessions/);
            } else await r.text();
        }
        assert.equal(statuses.filter((s) => s === 200).length, 19, statuses.join(' '));
        assert.equal(statuses.filter((s) => s === 503).length, 21, statuses.join(' '));
        assert.ok(Number(retry) >= 1 && Number(retry) <= 60, `Retry-After ${retry}`);
        r = await ping(srv.url, alice);
        assert.equal(r.status, 200, "alice's session is still there");
        await r.text();
    });
});

describe('an idle session is still evicted once idle for --evict-idle', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--max-sessions', '2', '--evict-idle', '300ms']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('refused while both are fresh, evicts the older after 300 ms', async () => {
        const a = await rawSession(srv.url);
        const b = await rawSession(srv.url);
        let r = await post(srv.url, INIT(1));
        assert.equal(r.status, 503);
        await r.text();
        await new Promise((res) => setTimeout(res, 400));
        r = await ping(srv.url, b);
        await r.text();
        r = await post(srv.url, INIT(2));
        assert.equal(r.status, 200);
        await r.text();
        for (const [sid, want] of [[a, 404], [b, 200]]) {
            r = await ping(srv.url, sid);
            assert.equal(r.status, want);
            await r.text();
        }
    });
});

describe('per-principal quotas (examples/auth_server: alice and bob from one address)', () => {
    let srv;
    const ALICE = { Authorization: 'Bearer alice-7f3c9a1e' };
    const BOB = { Authorization: 'Bearer bob-52d0e8b4' };
    let aliceFirst;
    before(async () => {
        srv = await startServer(AUTH_BIN, ['--max-sessions-per-client', '3', '--max-streams-per-client', '2']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    const init = async (who, id) => {
        const r = await post(srv.url, INIT(id), who);
        const sid = r.headers.get('mcp-session-id');
        const body = await r.json();
        return { status: r.status, retry: r.headers.get('retry-after'), sid, body };
    };

    test('bob: 3 sessions, then 429 + Retry-After; alice unaffected; DELETE frees one', async () => {
        const bobs = [];
        for (let i = 0; i < 3; i++) {
            const r = await init(BOB, i + 1);
            assert.equal(r.status, 200);
            bobs.push(r.sid);
        }
        let r = await init(BOB, 4);
        assert.equal(r.status, 429);
        assert.match(r.retry ?? '', /^\d+$/);
        assert.equal(r.body.id, 4);
        assert.match(r.body.error.message, /too many sessions/);
        r = await init(ALICE, 5);
        assert.equal(r.status, 200, 'another principal still gets a session');
        aliceFirst = r.sid;
        const d = await fetch(srv.url, { method: 'DELETE', headers: { ...BOB, 'Mcp-Session-Id': bobs[0] } });
        assert.equal(d.status, 200);
        r = await init(BOB, 6);
        assert.equal(r.status, 200, 'room again after DELETE');
    });

    test('open SSE streams per principal: the third GET gets 429', async () => {
        const sids = [aliceFirst];
        for (let i = 0; i < 3; i++) {
            const r = await init(ALICE, 10 + i);
            assert.equal(r.status, i < 2 ? 200 : 429, `alice session ${i + 2}`);
            if (r.sid) sids.push(r.sid);
        }
        const acs = [];
        const get = (sid) => {
            const ac = new AbortController();
            acs.push(ac);
            return fetch(srv.url, { headers: { ...ALICE, Accept: 'text/event-stream', 'Mcp-Session-Id': sid,
                'MCP-Protocol-Version': '2025-11-25' }, signal: ac.signal });
        };
        assert.equal((await get(sids[0])).status, 200);
        assert.equal((await get(sids[1])).status, 200);
        const third = await get(sids[2]);
        assert.equal(third.status, 429, 'a third stream for alice');
        assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
        await third.text();
        for (const ac of acs) ac.abort();
    });
});

describe('per-address session quota without authorization', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--max-sessions-per-client', '2', '--max-streams-per-client', '1']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('2 sessions, then 429; 1 GET stream, then 429', async () => {
        const a = await rawSession(srv.url);
        const b = await rawSession(srv.url);
        const r = await post(srv.url, INIT(3));
        assert.equal(r.status, 429);
        assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
        await r.text();
        const ac = new AbortController();
        const H = { Accept: 'text/event-stream', 'MCP-Protocol-Version': '2025-11-25' };
        const g1 = await fetch(srv.url, { headers: { ...H, 'Mcp-Session-Id': a }, signal: ac.signal });
        assert.equal(g1.status, 200);
        const g2 = await fetch(srv.url, { headers: { ...H, 'Mcp-Session-Id': b } });
        assert.equal(g2.status, 429);
        assert.match(g2.headers.get('retry-after') ?? '', /^\d+$/);
        await g2.text();
        ac.abort();
    });
});
