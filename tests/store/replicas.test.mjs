// Replicas sharing a Redis store: any replica serves any request of either era, with no sticky
// routing. Debian's redis-server runs on a free loopback port with no persistence; two (and for
// the lease test, three) mcp-everything replicas run with --store redis://... and are driven
// directly, by raw fetch and by the official SDK clients whose requests alternate between them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto, { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test as nodeTest } from 'node:test';

import { createRequire } from 'node:module';

import { BUILD, INIT, ROOT, V1, V2, closeAll, post, sleep, sseEvents, startServer, test, HOOK } from '../http/lib.mjs';

const EVERYTHING = path.join(BUILD, 'bin', 'mcp-everything');
const { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } = createRequire(path.join(ROOT, 'tests', 'interop', 'package.json'))(
    '@modelcontextprotocol/sdk/types.js',
);
const PROTO = '2025-11-25';
const M26 = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const H26 = (method, name) => ({ 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) });

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

/** Debian's redis-server on `port`, loopback only, nothing saved; resolves once it answers. */
async function startRedis(port) {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
        if (/Ready to accept connections/.test(out)) return child;
        if (child.exitCode !== null) break;
        await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start:\n${out}`);
}

function stopRedis(child) {
    return new Promise((resolve) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
}

const H = (sid) => ({ 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': PROTO });
let nextId = 100;
const rpc = (method, params) => ({ jsonrpc: '2.0', id: nextId++, method, ...(params ? { params } : {}) });

/** POST one request; the JSON-RPC answer (from JSON or from the SSE stream's last message). */
async function call(url, msg, headers) {
    const r = await post(url, msg, headers);
    const type = r.headers.get('content-type') || '';
    if (type.includes('text/event-stream')) {
        let last = null;
        for await (const ev of sseEvents(r)) if (ev.data) last = JSON.parse(ev.data);
        return { status: r.status, body: last, headers: r.headers };
    }
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
}

/** initialize (with the tasks capability) on `url`, notifications/initialized on `url2`. */
async function session(url, url2 = url) {
    const init = INIT(1, PROTO);
    init.params.capabilities = { tasks: {}, elicitation: {} };
    const r = await post(url, init);
    const sid = r.headers.get('mcp-session-id');
    const text = await r.text();
    assert.equal(r.status, 200, text);
    assert.ok(sid, 'a session id');
    const n = await post(url2, { jsonrpc: '2.0', method: 'notifications/initialized' }, H(sid));
    await n.text();
    assert.equal(n.status, 202);
    return sid;
}

/** A fetch that sends each request to the next replica in turn (a load balancer, no affinity). */
function roundRobin(urls) {
    let i = 0;
    const seen = urls.map(() => 0);
    const f = (input, init) => {
        const k = i++ % urls.length;
        seen[k]++;
        const u = new URL(typeof input === 'string' ? input : input.url ?? String(input));
        const to = new URL(urls[k]);
        u.host = to.host;
        return fetch(u, init);
    };
    f.seen = seen;
    return f;
}

/** Read SSE events from `res` until `stop(ev)` is true (or the stream ends); returns them. */
async function readUntil(res, stop, ms = 8000) {
    const events = [];
    const it = sseEvents(res);
    const timer = setTimeout(() => res.body.cancel().catch(() => {}), ms);
    try {
        for await (const ev of it) {
            events.push(ev);
            if (stop(ev)) break;
        }
    } catch {
        /* cancelled */
    } finally {
        clearTimeout(timer);
    }
    return events;
}

const parsed = (events) => events.filter((e) => e.data).map((e) => JSON.parse(e.data));

describe('replicas on a Redis store', () => {
    let redis, redisPort, A, B, storeArgs;

    before(async () => {
        // one requestState key for every replica (the replicas' deployment rule)
        process.env.MCP_STATE_KEY = randomBytes(32).toString('hex');
        redisPort = await freePort();
        redis = await startRedis(redisPort);
        storeArgs = ['--store', `redis://127.0.0.1:${redisPort}`, '--store-prefix', `t${randomBytes(4).toString('hex')}`];
        [A, B] = await Promise.all([startServer(EVERYTHING, storeArgs), startServer(EVERYTHING, storeArgs)]);
        // mcp-everything adds its dynamic tool 2 s after start (a list change of its own): let that
        // pass, so a list_changed seen later came from the other replica
        await sleep(2300);
    }, { timeout: 30000 });

    after(async () => {
        await closeAll();
        await stopRedis(redis);
    }, HOOK);

    test('a 2025 session opened on A continues on B (raw HTTP)', async () => {
        const sid = await session(A.url, B.url);
        const r = await call(B.url, rpc('tools/call', { name: 'echo', arguments: { message: 'via B' } }), H(sid));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.match(JSON.stringify(r.body.result.content), /via B/);
        // DELETE on B ends it on A too
        const d = await fetch(B.url, { method: 'DELETE', headers: H(sid) });
        assert.equal(d.status, 200);
        await sleep(200);
        const gone = await call(A.url, rpc('tools/list'), H(sid));
        assert.equal(gone.status, 404);
        // an id nobody issued is unknown everywhere
        const none = await call(B.url, rpc('tools/list'), H(randomBytes(16).toString('hex')));
        assert.equal(none.status, 404);
    });

    test('SDK v1 client: every request alternates between the replicas', async () => {
        const rr = roundRobin([A.url, B.url]);
        const client = new V1.Client({ name: 'rr-v1', version: '1' }, { capabilities: {} });
        const transport = new V1.StreamableHTTP(new URL(A.url), { fetch: rr });
        await client.connect(transport);
        try {
            for (let k = 0; k < 4; k++) {
                const res = await client.callTool({ name: 'add', arguments: { a: k, b: 10 } });
                assert.match(JSON.stringify(res.content), new RegExp(String(k + 10)));
            }
            await client.setLoggingLevel('debug');
            const tools = await client.listTools();
            assert.ok(tools.tools.some((t) => t.name === 'echo'));
            assert.ok(rr.seen[0] > 1 && rr.seen[1] > 1, `both replicas served: ${rr.seen}`);
        } finally {
            await client.close().catch(() => {});
        }
    });

    test('SDK v2 client (2026-07-28): every request alternates between the replicas', async () => {
        const rr = roundRobin([A.url, B.url]);
        const client = new V2.Client({ name: 'rr-v2', version: '1' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
        const transport = new V2.StreamableHTTP(new URL(A.url), { fetch: rr });
        await client.connect(transport);
        try {
            for (let k = 0; k < 4; k++) {
                const res = await client.callTool({ name: 'echo', arguments: { message: `m${k}` } });
                assert.match(JSON.stringify(res.content), new RegExp(`m${k}`));
            }
            assert.ok(rr.seen[0] > 1 && rr.seen[1] > 1, `both replicas served: ${rr.seen}`);
        } finally {
            await client.close().catch(() => {});
        }
    });

    test('SDK v1: a question to the client asked on one replica, answered through the other', async () => {
        const rr = roundRobin([A.url, B.url]);
        const client = new V1.Client({ name: 'rr-v1-ask', version: '1' }, { capabilities: { elicitation: {} } });
        let asked = 0;
        client.setRequestHandler(V1.ElicitRequestSchema, async () => {
            asked++;
            return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
        });
        const transport = new V1.StreamableHTTP(new URL(A.url), { fetch: rr });
        await client.connect(transport);
        try {
            for (let k = 0; k < 2; k++) { // the answer's POST lands on the other replica at least once
                const res = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
                assert.match(JSON.stringify(res.content), /ada/, JSON.stringify(res));
            }
            assert.equal(asked, 2);
        } finally {
            await client.close().catch(() => {});
        }
    });

    test('SDK v2 (2026-07-28): multi round-trip elicitation, each round on another replica', async () => {
        const rr = roundRobin([A.url, B.url]);
        const client = new V2.Client({ name: 'rr-v2-ask', version: '1' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } });
        let asked = 0;
        client.setRequestHandler('elicitation/create', async () => {
            asked++;
            return { action: 'accept', content: { name: 'Ada' } };
        });
        const transport = new V2.StreamableHTTP(new URL(A.url), { fetch: rr });
        await client.connect(transport);
        try {
            for (let k = 0; k < 2; k++) {
                const res = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
                assert.match(JSON.stringify(res.content), /Ada/, JSON.stringify(res));
            }
            assert.ok(asked >= 2);
            assert.ok(rr.seen[0] > 1 && rr.seen[1] > 1, `both replicas served: ${rr.seen}`);
        } finally {
            await client.close().catch(() => {});
        }
    });

    test('a stream lost on A resumes on B with Last-Event-ID: every event, then the live ones', async () => {
        const sid = await session(A.url);
        const res = await post(A.url, rpc('tools/call', { name: 'long_running_operation', arguments: { duration: 1.6, steps: 4 }, _meta: { progressToken: 'p1' } }), H(sid));
        assert.match(res.headers.get('content-type'), /text\/event-stream/);
        const first = await readUntil(res, (ev) => ev.data && JSON.parse(ev.data).method === 'notifications/progress');
        await res.body.cancel().catch(() => {});
        const lastId = first.filter((e) => e.id).at(-1).id;
        // resume on B at once: the stored events, then those A sends meanwhile, then the reply
        const g = await fetch(B.url, { headers: { ...H(sid), Accept: 'text/event-stream', 'Last-Event-ID': lastId } });
        assert.equal(g.status, 200);
        const rest = await readUntil(g, (ev) => ev.data && 'result' in JSON.parse(ev.data));
        const msgs = parsed(rest);
        const reply = msgs.find((m) => 'result' in m);
        assert.ok(reply, `the reply arrived on B: ${JSON.stringify(msgs)}`);
        const progress = [...parsed(first), ...msgs].filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
        assert.deepEqual(progress, [...new Set(progress)].sort((a, b) => a - b), 'in order, none twice');
        assert.ok(progress.length >= 4, `every progress event: ${progress}`);
        // ids go on from the one resumed after
        const [no, seq] = lastId.split('-').map(Number);
        const ids = rest.filter((e) => e.id).map((e) => e.id.split('-').map(Number));
        assert.ok(ids.every(([n, s]) => n === no && s > seq), JSON.stringify(ids));

        // a stream that ended on A: resumed on B later, it replays and ends
        const res2 = await post(A.url, rpc('tools/call', { name: 'long_running_operation', arguments: { duration: 0.3, steps: 2 }, _meta: { progressToken: 'p2' } }), H(sid));
        const ev2 = await readUntil(res2, (ev) => ev.id && ev.data === '');
        await res2.body.cancel().catch(() => {});
        await sleep(700);
        const g2 = await fetch(B.url, { headers: { ...H(sid), Accept: 'text/event-stream', 'Last-Event-ID': ev2.at(-1).id } });
        const all = parsed(await readUntil(g2, () => false, 3000));
        assert.ok(all.some((m) => 'result' in m), JSON.stringify(all));
    });

    test('list_changed and resources/updated reach streams held by the other replica', async () => {
        const sid = await session(A.url);
        // subscribe through A; the GET stream is on B
        const sub = await call(A.url, rpc('resources/subscribe', { uri: 'demo://watched-by-b' }), H(sid));
        assert.equal(sub.status, 200, JSON.stringify(sub.body));
        const g = await fetch(B.url, { headers: { ...H(sid), Accept: 'text/event-stream' } });
        assert.equal(g.status, 200);
        await sleep(200);
        // 2026 listen request on B
        const listen = await post(B.url, rpc('subscriptions/listen', { notifications: { toolsListChanged: true, resourceSubscriptions: ['demo://watched-by-b'] }, _meta: M26 }), H26('subscriptions/listen'));
        assert.equal(listen.status, 200);
        const listenEvents = readUntil(listen, (ev) => ev.data && JSON.parse(ev.data).method === 'notifications/resources/updated', 6000);
        await sleep(300);
        // the changes happen on A
        const t = await call(A.url, rpc('tools/call', { name: 'test_trigger_tool_change', arguments: {}, _meta: M26 }), H26('tools/call', 'test_trigger_tool_change'));
        assert.equal(t.status, 200, JSON.stringify(t.body));
        const u = await call(A.url, rpc('tools/call', { name: 'notify_resource_updated', arguments: { uri: 'demo://watched-by-b' }, _meta: M26 }), H26('tools/call', 'notify_resource_updated'));
        assert.equal(u.status, 200, JSON.stringify(u.body));
        const got = parsed(await readUntil(g, (ev) => ev.data && JSON.parse(ev.data).method === 'notifications/resources/updated', 6000));
        assert.ok(got.some((m) => m.method === 'notifications/tools/list_changed'), `GET stream on B: ${JSON.stringify(got)}`);
        assert.ok(got.some((m) => m.method === 'notifications/resources/updated' && m.params.uri === 'demo://watched-by-b'), JSON.stringify(got));
        const lgot = parsed(await listenEvents);
        assert.ok(lgot.some((m) => m.method === 'notifications/tools/list_changed'), `listen on B: ${JSON.stringify(lgot)}`);
        assert.ok(lgot.some((m) => m.method === 'notifications/resources/updated'), JSON.stringify(lgot));
        await listen.body?.cancel().catch(() => {});
        // a message A sends the session outside any request (a log to every client) reaches
        // the GET stream B holds
        const other = await session(A.url);
        const more = readUntil(g, (ev) => ev.data && JSON.parse(ev.data).method === 'notifications/message', 6000);
        const b = await call(A.url, rpc('tools/call', { name: 'broadcast_log', arguments: { message: 'to everyone' } }), H(other));
        assert.equal(b.status, 200, JSON.stringify(b.body));
        const logs = parsed(await more);
        assert.ok(logs.some((m) => m.method === 'notifications/message' && JSON.stringify(m.params).includes('to everyone')), JSON.stringify(logs));
        // put the tool list back as it was
        await call(A.url, rpc('tools/call', { name: 'test_trigger_tool_change', arguments: {}, _meta: M26 }), H26('tools/call', 'test_trigger_tool_change'));
    });

    test("a session's own view of a tag (mcp_call_session_enable_tag) holds on every replica", async () => {
        const sid = await session(A.url);
        const listed = async (url) => (await call(url, rpc('tools/list'), H(sid))).body.result.tools.map((t) => t.name);
        const beta = (url) => call(url, rpc('tools/call', { name: 'beta_report', arguments: {} }), H(sid));
        assert.ok(!(await listed(B.url)).includes('beta_report'), 'hidden server-wide');
        const u = await call(A.url, rpc('tools/call', { name: 'unlock_beta', arguments: {} }), H(sid));
        assert.equal(u.body.result?.isError, undefined, JSON.stringify(u.body));
        // B loaded the session before: the channel brings it the new view (bounded wait)
        let shown = false;
        for (let k = 0; k < 30 && !shown; k++) {
            shown = (await listed(B.url)).includes('beta_report');
            if (!shown) await sleep(100);
        }
        assert.ok(shown, 'unlocked on A, listed on B');
        const onB = await beta(B.url);
        assert.match(onB.body.result?.content?.[0]?.text ?? '', /Beta report/, JSON.stringify(onB.body));
        // hidden again through B: A must refuse it as unknown
        const h = await call(B.url, rpc('tools/call', { name: 'unlock_beta', arguments: { enabled: false } }), H(sid));
        assert.match(h.body.result?.content?.[0]?.text ?? '', /hidden/, JSON.stringify(h.body));
        let refused = null;
        for (let k = 0; k < 30 && !refused; k++) {
            const r = await beta(A.url);
            if (r.body.error) refused = r.body.error;
            else await sleep(100);
        }
        assert.equal(refused?.code, -32602, 'hidden on B, unknown on A');
        assert.match(refused.message, /Unknown tool/);
    });

    test('keep-alive pings (--ping-interval) are answered through either replica', async () => {
        // C pings its session on the GET stream it holds; the client answers through D. The
        // answer must count on C: the next ping follows at the interval, not after the request
        // timeout (5 s) with an "unanswered" warning.
        const args = [...storeArgs, '--ping-interval', '200', '--limit', 'request-timeout-ms=5000'];
        const [C, D] = await Promise.all([startServer(EVERYTHING, args), startServer(EVERYTHING, args)]);
        const ac = new AbortController();
        try {
            const sid = await session(C.url);
            const get = await fetch(C.url, { headers: { Accept: 'text/event-stream', ...H(sid) }, signal: ac.signal });
            assert.equal(get.status, 200);
            const it = sseEvents(get);
            const nextPing = async (ms) => {
                const timer = setTimeout(() => ac.abort(), ms);
                try {
                    for (;;) {
                        const { value, done } = await it.next();
                        if (done) return null;
                        const m = value.data ? JSON.parse(value.data) : null;
                        if (m?.method === 'ping') return m;
                    }
                } catch {
                    return null; /* aborted: no ping in time */
                } finally {
                    clearTimeout(timer);
                }
            };
            const first = await nextPing(3000);
            assert.ok(first, 'a keep-alive ping on the stream');
            const a = await post(D.url, { jsonrpc: '2.0', id: first.id, result: {} }, H(sid));
            assert.equal(a.status, 202, await a.text());
            const t0 = Date.now();
            const second = await nextPing(2500);
            assert.ok(second && second.id !== first.id, `the next ping at the interval (${Date.now() - t0} ms)`);
            assert.doesNotMatch(C.stderr(), /unanswered/);
        } finally {
            ac.abort();
            for (const s of [C, D]) assert.equal(await s.close(), 0, s.stderr());
        }
    });

    // two replicas start and a stream waits out a kill: more time than the default
    nodeTest('a GET stream whose replica died, resumed on a third: replayed once, then every later message', { timeout: 45000 }, async () => {
        // three live replicas: A, B (holds the GET stream, then dies), C (resumes it)
        const [B2, C] = await Promise.all([startServer(EVERYTHING, storeArgs), startServer(EVERYTHING, storeArgs)]);
        await sleep(2300); // their own dynamic tool (see before()) is added before the checks
        const sid = await session(A.url);
        const uri = 'demo://resumed-on-c';
        const sub = await call(A.url, rpc('resources/subscribe', { uri }), H(sid));
        assert.equal(sub.status, 200, JSON.stringify(sub.body));
        const g = await fetch(B2.url, { headers: { ...H(sid), Accept: 'text/event-stream' } });
        assert.equal(g.status, 200);
        const isMethod = (m) => (ev) => ev.data && JSON.parse(ev.data).method === m;
        const firstEvents = readUntil(g, isMethod('notifications/tools/list_changed'), 6000);
        await sleep(300);
        const toggle = () => call(A.url, rpc('tools/call', { name: 'test_trigger_tool_change', arguments: {}, _meta: M26 }), H26('tools/call', 'test_trigger_tool_change'));
        assert.equal((await toggle()).status, 200);
        const first = await firstEvents;
        assert.ok(parsed(first).some((m) => m.method === 'notifications/tools/list_changed'), `B's stream: ${JSON.stringify(first)}`);
        const primeId = first.find((e) => e.id && e.data === '')?.id;
        assert.ok(primeId, `a priming event: ${JSON.stringify(first)}`);
        B2.killNow(); // SIGKILL: B says nothing to the others
        await B2.close().catch(() => {});
        // the client resumes after the priming event on C: B's stored event once, then live ones
        // (readUntil cannot cancel a body it reads: an abort ends a silent stream in time)
        const ac = new AbortController();
        const abort = setTimeout(() => ac.abort(), 8000);
        const r = await fetch(C.url, { headers: { ...H(sid), Accept: 'text/event-stream', 'Last-Event-ID': primeId }, signal: ac.signal });
        assert.equal(r.status, 200);
        const rest = readUntil(r, (ev) => ev.data && JSON.parse(ev.data).method === 'notifications/message', 8000);
        await sleep(400);
        assert.equal((await toggle()).status, 200); // puts the tool list back, too
        const u = await call(A.url, rpc('tools/call', { name: 'notify_resource_updated', arguments: { uri }, _meta: M26 }), H26('tools/call', 'notify_resource_updated'));
        assert.equal(u.status, 200, JSON.stringify(u.body));
        const other = await session(A.url);
        const b = await call(A.url, rpc('tools/call', { name: 'broadcast_log', arguments: { message: 'after the kill' } }), H(other));
        assert.equal(b.status, 200, JSON.stringify(b.body));
        const events = await rest;
        clearTimeout(abort);
        const msgs = parsed(events);
        const lists = msgs.filter((m) => m.method === 'notifications/tools/list_changed');
        assert.equal(lists.length, 2, `B's stored event once, then the live one: ${JSON.stringify(msgs)}`);
        assert.ok(msgs.some((m) => m.method === 'notifications/resources/updated' && m.params.uri === uri), JSON.stringify(msgs));
        assert.ok(msgs.some((m) => m.method === 'notifications/message' && JSON.stringify(m.params).includes('after the kill')), JSON.stringify(msgs));
        const ids = events.filter((e) => e.id).map((e) => e.id);
        assert.equal(new Set(ids).size, ids.length, `no event id twice: ${ids}`);
        const [no] = primeId.split('-').map(Number);
        assert.ok(ids.every((id) => Number(id.split('-')[0]) === no), `the same stream goes on: ${ids}`);

        // two live replicas right after a third was killed: a list change raised on A reaches a
        // plain GET stream on C
        const sid2 = await session(C.url);
        const ac2 = new AbortController();
        const abort2 = setTimeout(() => ac2.abort(), 6000);
        const g2 = await fetch(C.url, { headers: { ...H(sid2), Accept: 'text/event-stream' }, signal: ac2.signal });
        assert.equal(g2.status, 200);
        const seen2 = readUntil(g2, isMethod('notifications/tools/list_changed'), 6000);
        await sleep(300);
        assert.equal((await toggle()).status, 200);
        assert.ok(parsed(await seen2).some((m) => m.method === 'notifications/tools/list_changed'), 'list_changed from A on C');
        clearTimeout(abort2);
        assert.equal((await toggle()).status, 200);
        ac.abort();
        ac2.abort();
        assert.equal(await C.close(), 0);
    });

    nodeTest("SDK v1 client: its GET stream's replica dies, its own reconnect resumes on a third and keeps receiving", { timeout: 45000 }, async () => {
        const [B2, C] = await Promise.all([startServer(EVERYTHING, storeArgs), startServer(EVERYTHING, storeArgs)]);
        await sleep(2300); // their own dynamic tool (see before()) is added before the checks
        // POSTs go to A; the client's GET stream to B2, and once B2 is dead to C
        let getTo = B2.url;
        const gets = [];
        const route = (input, init) => {
            const u = new URL(typeof input === 'string' ? input : input.url ?? String(input));
            const get = (init?.method ?? 'GET').toUpperCase() === 'GET';
            const to = new URL(get ? getTo : A.url);
            if (get) gets.push({ port: to.port, last: new Headers(init?.headers).get('last-event-id') });
            u.host = to.host;
            return fetch(u, init);
        };
        const uri = 'demo://v1-resumed';
        const updates = [];
        const logs = [];
        const client = new V1.Client({ name: 'v1-resume', version: '1' }, { capabilities: {} });
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
        client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(JSON.stringify(n.params)));
        const transport = new V1.StreamableHTTP(new URL(A.url), { fetch: route });
        await client.connect(transport);
        const until = async (pred, ms) => {
            for (const end = Date.now() + ms; Date.now() < end && !pred(); ) await sleep(50);
            return pred();
        };
        const updated = () => call(A.url, rpc('tools/call', { name: 'notify_resource_updated', arguments: { uri }, _meta: M26 }), H26('tools/call', 'notify_resource_updated'));
        try {
            assert.ok(await until(() => gets.length > 0, 3000), 'the client opened its GET stream');
            await client.subscribeResource({ uri });
            await sleep(300);
            assert.equal((await updated()).status, 200);
            assert.ok(await until(() => updates.includes(uri), 4000), 'an update on the stream B2 holds');
            getTo = C.url;
            B2.killNow();
            await B2.close().catch(() => {});
            const cport = new URL(C.url).port;
            // the client reconnects after the server's retry (3 s), with the last event id
            assert.ok(await until(() => gets.some((g) => g.port === cport && g.last), 8000), `the client resumed on C: ${JSON.stringify(gets)}`);
            await sleep(500);
            updates.length = 0;
            assert.equal((await updated()).status, 200);
            const other = await session(A.url);
            const b = await call(A.url, rpc('tools/call', { name: 'broadcast_log', arguments: { message: 'v1 after the kill' } }), H(other));
            assert.equal(b.status, 200, JSON.stringify(b.body));
            assert.ok(await until(() => updates.includes(uri) && logs.some((l) => l.includes('v1 after the kill')), 5000), `after the kill: updates ${JSON.stringify(updates)}, logs ${JSON.stringify(logs)}`);
            assert.deepEqual(updates, [uri], 'the update arrived once');
        } finally {
            await client.close().catch(() => {});
        }
    });

    test('a task started on A is polled, waited for and cancelled on B', async () => {
        const sid = await session(A.url);
        const start = async (seconds) => {
            const r = await call(A.url, rpc('tools/call', { name: 'slow_compute', arguments: { seconds }, task: { ttl: 60000 } }), H(sid));
            assert.equal(r.status, 200, JSON.stringify(r.body));
            return r.body.result.task.taskId;
        };
        const quick = await start(0.5);
        const g = await call(B.url, rpc('tasks/get', { taskId: quick }), H(sid));
        assert.equal(g.status, 200);
        assert.equal(g.body.result.taskId, quick, JSON.stringify(g.body));
        assert.ok(['working', 'completed'].includes(g.body.result.status), JSON.stringify(g.body));
        // tasks/result on B waits for A to finish it
        const res = await call(B.url, rpc('tasks/result', { taskId: quick }), H(sid));
        assert.equal(res.status, 200);
        assert.ok(res.body.result?.content, JSON.stringify(res.body));
        const done = await call(B.url, rpc('tasks/get', { taskId: quick }), H(sid));
        assert.equal(done.body.result.status, 'completed');

        // a task that asks: its question comes on a tasks/result waiting on B, the answer goes
        // to B, and A's task ends with it
        const ask = await call(A.url, rpc('tools/call', { name: 'confirm_delete', arguments: { filename: 'g.txt' }, task: { ttl: 60000 } }), H(sid));
        const aid = ask.body.result.task.taskId;
        const waiting = await post(B.url, rpc('tasks/result', { taskId: aid }), H(sid));
        assert.match(waiting.headers.get('content-type'), /text\/event-stream/);
        const it = sseEvents(waiting);
        let question, outcome;
        const t0 = Date.now();
        for await (const ev of it) {
            if (!ev.data) continue;
            const m = JSON.parse(ev.data);
            if (m.method === 'elicitation/create') {
                question = m;
                assert.equal(m.params._meta['io.modelcontextprotocol/related-task'].taskId, aid);
                const a = await post(B.url, { jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { confirm: true } } }, H(sid));
                assert.equal(a.status, 202);
                await a.text();
            } else if ('result' in m || 'error' in m) {
                outcome = m;
                break;
            }
            if (Date.now() - t0 > 8000) break;
        }
        assert.ok(question, 'the question reached the tasks/result on B');
        assert.match(JSON.stringify(outcome?.result), /Deleted g\.txt/, JSON.stringify(outcome));

        // tasks/list on either replica: the session's tasks, wherever they run
        for (const url of [A.url, B.url]) {
            const l = await call(url, rpc('tasks/list'), H(sid));
            const ids = l.body.result.tasks.map((x) => x.taskId);
            assert.ok(ids.includes(quick) && ids.includes(aid), JSON.stringify(l.body));
        }

        const long = await start(30);
        const c = await call(B.url, rpc('tasks/cancel', { taskId: long }), H(sid));
        assert.equal(c.status, 200);
        assert.equal(c.body.result.status, 'cancelled', JSON.stringify(c.body));
        await sleep(300);
        const onA = await call(A.url, rpc('tasks/get', { taskId: long }), H(sid));
        assert.equal(onA.body.result.status, 'cancelled', 'A stopped it');
        // another session cannot see it from either replica
        const other = await session(B.url);
        const hidden = await call(B.url, rpc('tasks/get', { taskId: long }), H(other));
        assert.ok(hidden.body.error, JSON.stringify(hidden.body));
    });

    test('2026-07-28 tasks: started on A, polled and cancelled on B', async () => {
        const meta = { ...M26, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
        const r = await call(A.url, rpc('tools/call', { name: 'slow_compute', arguments: { seconds: 30 }, _meta: meta }), H26('tools/call', 'slow_compute'));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.result.resultType, 'task', JSON.stringify(r.body));
        const id = r.body.result.taskId;
        const g = await call(B.url, rpc('tasks/get', { taskId: id, _meta: meta }), H26('tasks/get', id));
        assert.equal(g.body.result?.status, 'working', JSON.stringify(g.body));
        const c = await call(B.url, rpc('tasks/cancel', { taskId: id, _meta: meta }), H26('tasks/cancel', id));
        assert.equal(c.status, 200);
        assert.ok(c.body.result, JSON.stringify(c.body));
        await sleep(300);
        const onA = await call(A.url, rpc('tasks/get', { taskId: id, _meta: meta }), H26('tasks/get', id));
        assert.equal(onA.body.result.status, 'cancelled', JSON.stringify(onA.body));
        // a task that asks (input_required): answered with tasks/update on B, it ends on A
        const ask = await call(A.url, rpc('tools/call', { name: 'confirm_delete', arguments: { filename: 'f.txt' }, _meta: { ...meta, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } } } }), H26('tools/call', 'confirm_delete'));
        const aid = ask.body.result?.taskId;
        assert.ok(aid, JSON.stringify(ask.body));
        let q;
        for (let k = 0; k < 20 && !q; k++) {
            const s = await call(B.url, rpc('tasks/get', { taskId: aid, _meta: meta }), H26('tasks/get', aid));
            if (s.body.result?.status === 'input_required') q = s.body.result.inputRequests;
            else await sleep(100);
        }
        assert.ok(q, 'input_required seen on B');
        const [key] = Object.keys(q);
        const u = await call(B.url, rpc('tasks/update', { taskId: aid, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } }, _meta: meta }), H26('tasks/update', aid));
        assert.equal(u.status, 200, JSON.stringify(u.body));
        assert.ok(u.body.result, JSON.stringify(u.body));
        let end;
        for (let k = 0; k < 20 && !end; k++) {
            const s = await call(B.url, rpc('tasks/get', { taskId: aid, _meta: meta }), H26('tasks/get', aid));
            if (s.body.result?.status === 'completed') end = s.body.result;
            else await sleep(100);
        }
        assert.ok(end, 'completed after the update from B');
        assert.match(JSON.stringify(end.result), /f\.txt/);
        // a 2025 session cannot see a 2026 task
        const sid = await session(B.url);
        const other = await call(B.url, rpc('tasks/get', { taskId: id }), H(sid));
        assert.ok(other.body.error, JSON.stringify(other.body));
    });

    test('requestState is single-use across the replicas', async () => {
        const meta = { ...M26, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
        const name = 'test_input_required_result_request_state';
        const ask = (url, extra = {}) =>
            call(url, rpc('tools/call', { name, arguments: {}, ...extra, _meta: meta }), H26('tools/call', name));
        const first = await ask(A.url);
        assert.equal(first.body.result?.resultType, 'input_required', JSON.stringify(first.body));
        const [key] = Object.keys(first.body.result.inputRequests);
        const retry = { inputResponses: { [key]: { action: 'accept', content: { ok: true } } }, requestState: first.body.result.requestState };
        const done = await ask(B.url, retry); // issued by A, used on B
        assert.equal(done.status, 200);
        assert.ok(done.body.result?.content, JSON.stringify(done.body));
        assert.notEqual(done.body.result.resultType, 'input_required');
        for (const url of [A.url, B.url]) {
            const replay = await ask(url, retry);
            assert.equal(replay.body.error?.code, -32602, JSON.stringify(replay.body));
            assert.match(replay.body.error.message, /already used/);
        }
    });

    test('a task whose replica dies fails after its lease runs out', async () => {
        const C = await startServer(EVERYTHING, storeArgs);
        const sid = await session(C.url);
        const r = await call(C.url, rpc('tools/call', { name: 'slow_compute', arguments: { seconds: 60 }, task: { ttl: 60000 } }), H(sid));
        const id = r.body.result.task.taskId;
        const w = await call(B.url, rpc('tasks/get', { taskId: id }), H(sid));
        assert.equal(w.body.result.status, 'working', JSON.stringify(w.body));
        C.killNow(); // SIGKILL: nothing is cleaned up
        await C.close().catch(() => {});
        let status, message;
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline) {
            const g = await call(B.url, rpc('tasks/get', { taskId: id }), H(sid));
            ({ status, statusMessage: message } = g.body.result);
            if (status !== 'working') break;
            await sleep(500);
        }
        assert.equal(status, 'failed');
        assert.match(message, /replica.*stopped.*lease/);
        const res = await call(A.url, rpc('tasks/result', { taskId: id }), H(sid));
        assert.match(JSON.stringify(res.body.error), /lease/);
    });

    test('Redis stopped and restarted: 503 + Retry-After while down, full service after', async () => {
        const sid = await session(A.url); // held by A only
        const tmeta = { ...M26, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
        const task = await call(A.url, rpc('tools/call', { name: 'slow_compute', arguments: { seconds: 30 }, _meta: tmeta }), H26('tools/call', 'slow_compute'));
        const tid = task.body.result.taskId;
        await stopRedis(redis);
        await sleep(300);
        // another replica's task: the JSON-RPC error for a refused request
        const tg = await call(B.url, rpc('tasks/get', { taskId: tid, _meta: tmeta }), H26('tasks/get', tid));
        assert.equal(tg.body.error?.code, -32000, JSON.stringify(tg.body));
        assert.match(tg.body.error.message, /store cannot be reached/);
        // the replica running it still answers
        const ta = await call(A.url, rpc('tasks/get', { taskId: tid, _meta: tmeta }), H26('tasks/get', tid));
        assert.equal(ta.body.result?.status, 'working', JSON.stringify(ta.body));
        // what needs the store: a session B does not hold, a new session
        const r1 = await post(B.url, rpc('tools/list'), H(sid));
        assert.equal(r1.status, 503, await r1.text());
        assert.ok(Number(r1.headers.get('retry-after')) >= 1);
        const r2 = await post(A.url, INIT(7, PROTO));
        assert.equal(r2.status, 503, await r2.text());
        assert.ok(r2.headers.get('retry-after'));
        // what does not: the session A holds, and 2026 requests
        const ok1 = await call(A.url, rpc('tools/call', { name: 'echo', arguments: { message: 'still' } }), H(sid));
        assert.equal(ok1.status, 200);
        const ok2 = await call(B.url, rpc('tools/call', { name: 'echo', arguments: { message: 'x' }, _meta: M26 }), H26('tools/call', 'echo'));
        assert.equal(ok2.status, 200);
        // back up on the same port: both replicas reconnect by themselves
        redis = await startRedis(redisPort);
        const deadline = Date.now() + 10000;
        let sid2 = null;
        while (Date.now() < deadline && !sid2) {
            const r = await post(A.url, INIT(8, PROTO));
            await r.text();
            if (r.status === 200) sid2 = r.headers.get('mcp-session-id');
            else await sleep(200);
        }
        assert.ok(sid2, 'A serves new sessions again');
        let served = false;
        while (Date.now() < deadline && !served) {
            const r = await call(B.url, rpc('tools/list'), H(sid2));
            served = r.status === 200;
            if (!served) await sleep(200);
        }
        assert.ok(served, 'B serves the session A opened');
        assert.ok(A.stderr().includes('reconnected') && B.stderr().includes('reconnected'), B.stderr());

        // a hung Redis (stopped, its port still accepting): a request that needs it waits at
        // most about 3 s, then 503; service comes back once Redis does
        const sid3 = await session(A.url);
        redis.kill('SIGSTOP');
        try {
            const t0 = Date.now();
            const hung = await post(B.url, rpc('tools/list'), H(sid3));
            assert.equal(hung.status, 503, await hung.text());
            assert.ok(Date.now() - t0 < 7000, `answered in ${Date.now() - t0} ms`);
            const other = await call(A.url, rpc('tools/call', { name: 'echo', arguments: { message: 'alive' } }), H(sid3));
            assert.equal(other.status, 200, 'what needs no store is served meanwhile');
        } finally {
            redis.kill('SIGCONT');
        }
        let back = false;
        for (let k = 0; k < 50 && !back; k++) {
            const r = await call(B.url, rpc('tools/list'), H(sid3));
            back = r.status === 200;
            if (!back) await sleep(200);
        }
        assert.ok(back, 'B serves again once Redis answers');
    });

    test('the password comes from MCP_REDIS_PASSWORD; --store-prefix keeps servers apart', async () => {
        const port = await freePort();
        const secret = randomBytes(12).toString('hex');
        const locked = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', secret], { stdio: 'ignore' });
        try {
            const url = `redis://127.0.0.1:${port}/2`;
            await sleep(300);
            process.env.MCP_REDIS_PASSWORD = secret;
            const [P, Q] = await Promise.all([startServer(EVERYTHING, ['--store', url, '--store-prefix', 'p1']), startServer(EVERYTHING, ['--store', url, '--store-prefix', 'p1'])]);
            process.env.MCP_REDIS_PASSWORD = 'wrong';
            const W = await startServer(EVERYTHING, ['--store', url, '--store-prefix', 'p1']);
            process.env.MCP_REDIS_PASSWORD = secret;
            const O = await startServer(EVERYTHING, ['--store', url, '--store-prefix', 'p2']);
            delete process.env.MCP_REDIS_PASSWORD;
            assert.doesNotMatch(P.stderr() + W.stderr(), new RegExp(secret), 'the password is never logged');
            let sid = null;
            for (let k = 0; k < 30 && !sid; k++) {
                const r = await post(P.url, INIT(1, PROTO));
                await r.text();
                if (r.status === 200) sid = r.headers.get('mcp-session-id');
                else await sleep(100);
            }
            assert.ok(sid, 'the right password works');
            const onQ = await call(Q.url, rpc('tools/list'), H(sid));
            assert.equal(onQ.status, 200);
            const onW = await post(W.url, rpc('tools/list'), H(sid));
            assert.equal(onW.status, 503, 'a wrong password: the store is unusable, said as 503');
            for (let k = 0; k < 20 && !/authentication refused/.test(W.stderr()); k++) await sleep(100);
            assert.match(W.stderr(), /authentication refused/);
            await onW.text();
            const onO = await call(O.url, rpc('tools/list'), H(sid));
            assert.equal(onO.status, 404, 'another prefix is another server');
            for (const s of [P, Q, W, O]) assert.equal(await s.close(), 0);
        } finally {
            delete process.env.MCP_REDIS_PASSWORD;
            await stopRedis(locked);
        }
    });
});

describe('replicas on a Redis store with JWT authorization: sessions and tasks stay bound to their principal', () => {
    // Two principals of one issuer (Ed25519 keys made here, a JWK Set file): a session or task
    // of alice's, stored by A, is unknown to bob on B (404 / task not found) and alice's on B.
    const ISSUER = 'https://issuer.test';
    const AUD = 'https://mcp.test/';
    const keys = crypto.generateKeyPairSync('ed25519');
    const b64 = (s) => Buffer.from(s).toString('base64url');
    const token = (sub) => {
        const now = Math.floor(Date.now() / 1000);
        const input = `${b64(JSON.stringify({ alg: 'EdDSA', kid: 'k1' }))}.${b64(JSON.stringify({
            iss: ISSUER, aud: AUD, sub, client_id: 'app', iat: now - 5, exp: now + 600 }))}`;
        return `${input}.${crypto.sign(null, Buffer.from(input), keys.privateKey).toString('base64url')}`;
    };
    const ALICE = { Authorization: `Bearer ${token('alice')}` };
    const BOB = { Authorization: `Bearer ${token('bob')}` };
    let redis, dir, A, B;

    before(async () => {
        process.env.MCP_STATE_KEY = randomBytes(32).toString('hex');
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-store-jwks-'));
        const file = path.join(dir, 'jwks.json');
        fs.writeFileSync(file, JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }));
        const port = await freePort();
        redis = await startRedis(port);
        const args = ['--store', `redis://127.0.0.1:${port}`, '--store-prefix', `j${randomBytes(4).toString('hex')}`,
            '--jwks-file', file, '--issuer', ISSUER, '--audience', AUD];
        [A, B] = await Promise.all([startServer(EVERYTHING, args), startServer(EVERYTHING, args)]);
    }, { timeout: 30000 });

    after(async () => {
        for (const s of [A, B]) if (s) assert.equal(await s.close(), 0, s.stderr());
        await stopRedis(redis);
        fs.rmSync(dir, { recursive: true, force: true });
    }, HOOK);

    test("a 2025 session of alice's, opened on A: 404 for bob on B, served for alice on B", async () => {
        const init = INIT(1, PROTO);
        init.params.capabilities = { tasks: {} };
        const r = await post(A.url, init, ALICE);
        const sid = r.headers.get('mcp-session-id');
        assert.equal(r.status, 200, await r.text());
        const n = await post(B.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...H(sid), ...ALICE });
        assert.equal(n.status, 202, await n.text());
        const stolen = await post(B.url, rpc('tools/list'), { ...H(sid), ...BOB });
        assert.equal(stolen.status, 404, 'another principal: as unknown as a missing session');
        assert.equal(JSON.parse(await stolen.text()).error?.code, -32001);
        const own = await call(B.url, rpc('tools/list'), { ...H(sid), ...ALICE });
        assert.equal(own.status, 200, JSON.stringify(own.body));
        assert.ok(own.body.result.tools.length > 0);
        // the session continued on B still applies .scopes: alice lacks everything:admin
        assert.ok(!own.body.result.tools.some((t) => t.name === 'whoami_admin'), 'filtered on B too');
        const admin = await post(B.url, rpc('tools/call', { name: 'whoami_admin', arguments: {} }), { ...H(sid), ...ALICE });
        assert.equal(admin.status, 403, await admin.text());
        assert.match(admin.headers.get('www-authenticate') ?? '', /insufficient_scope.*everything:admin/);

        // a task alice starts on A through her session: bob's own session on B cannot see it
        const t = await call(A.url, rpc('tools/call', { name: 'slow_compute', arguments: { seconds: 30 }, task: { ttl: 60000 } }),
            { ...H(sid), ...ALICE });
        const id = t.body.result?.task?.taskId;
        assert.ok(id, JSON.stringify(t.body));
        const br = await post(B.url, init, BOB);
        const bsid = br.headers.get('mcp-session-id');
        await br.text();
        const seen = await call(B.url, rpc('tasks/get', { taskId: id }), { ...H(bsid), ...BOB });
        assert.equal(seen.body.error?.code, -32602, JSON.stringify(seen.body));
        const mine = await call(B.url, rpc('tasks/cancel', { taskId: id }), { ...H(sid), ...ALICE });
        assert.equal(mine.body.result?.status, 'cancelled', JSON.stringify(mine.body));
    });

    test("a 2026-07-28 task of alice's, started on A: not found for bob on B, alice's on B", async () => {
        const meta = { ...M26, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
        const r = await call(A.url, rpc('tools/call', { name: 'slow_compute', arguments: { seconds: 30 }, _meta: meta }),
            { ...H26('tools/call', 'slow_compute'), ...ALICE });
        assert.equal(r.body.result?.resultType, 'task', JSON.stringify(r.body));
        const id = r.body.result.taskId;
        for (const method of ['tasks/get', 'tasks/cancel']) {
            const b = await call(B.url, rpc(method, { taskId: id, _meta: meta }), { ...H26(method, id), ...BOB });
            assert.ok(b.body.error, `${method} by bob: ${JSON.stringify(b.body)}`);
        }
        const g = await call(B.url, rpc('tasks/get', { taskId: id, _meta: meta }), { ...H26('tasks/get', id), ...ALICE });
        assert.equal(g.body.result?.status, 'working', JSON.stringify(g.body));
        const c = await call(B.url, rpc('tasks/cancel', { taskId: id, _meta: meta }), { ...H26('tasks/cancel', id), ...ALICE });
        assert.ok(c.body.result, JSON.stringify(c.body));
        let end;
        for (let k = 0; k < 20 && end !== 'cancelled'; k++) {
            const s = await call(A.url, rpc('tasks/get', { taskId: id, _meta: meta }), { ...H26('tasks/get', id), ...ALICE });
            end = s.body.result?.status;
            if (end !== 'cancelled') await sleep(100);
        }
        assert.equal(end, 'cancelled', 'A stopped it');
    });
});
