// Replicas and worker processes (libmcp/app/cli_scale.c), against mcp-everything:
// - the shared requestState key: two replicas started with the same key (--state-key-file, or
//   MCP_STATE_KEY) accept each other's requestState, so a 2026-07-28 multi round-trip
//   elicitation whose rounds alternate between them completes (the official v2 client, its
//   requests sent to A and B in turn); with different keys the retry is refused; a short key is
//   refused at start, and a key file others can read is warned about;
// - --workers N: N processes on one port; a worker killed with SIGKILL under load is restarted
//   and every request sent after its death succeeds; SIGTERM to the parent stops every worker
//   and the parent exits 0; bad values and --sse are refused.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';

import { SANITIZER_ENV, assertNoSanitizerReport } from '../serverexit.mjs';
import { BUILD, V2, closeAll, show, sleep, startServer, test } from './lib.mjs';

const EVERYTHING = path.join(BUILD, 'bin', 'mcp-everything');
const MULTI_ROUND = 'test_input_required_result_multi_round';

let dir;
before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-replicas-'));
});
after(async () => {
    await closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
});

/** A key file holding `bytes` (string or Buffer), with `mode`. */
function keyFile(name, bytes, mode = 0o600) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes, { mode });
    fs.chmodSync(f, mode);
    return f;
}

/** Answers the two rounds of the multi round-trip fixture: a name, then a color. */
function answer(req) {
    const props = Object.keys(req.params.requestedSchema?.properties ?? {});
    return { action: 'accept', content: props.includes('color') ? { color: 'teal' } : { name: 'Ada' } };
}

/**
 * A v2 client (2026-07-28) whose requests go to the servers in `srvs` in turn, one request each:
 * what a round-robin load balancer with no affinity does. Returns { client, hits, close }, where
 * hits[i] lists the JSON-RPC methods server i received.
 */
async function roundRobinClient(srvs) {
    let next = 0;
    const hits = srvs.map(() => []);
    const fetchRR = (url, init) => {
        const i = next++ % srvs.length;
        try {
            hits[i].push(JSON.parse(init?.body ?? '{}').method ?? init?.method);
        } catch {
            hits[i].push('?');
        }
        return fetch(srvs[i].url, init);
    };
    const client = new V2.Client(
        { name: 'libmcp-replicas', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' } },
    );
    client.setRequestHandler('elicitation/create', async (req) => answer(req));
    await client.connect(new V2.StreamableHTTP(new URL(srvs[0].url), { fetch: fetchRR }));
    assert.equal(client.getProtocolEra(), 'modern');
    return { client, hits, close: () => client.close().catch(() => {}) };
}

const text = (res) => res.content?.map((c) => c.text).join('');

describe('the shared requestState key (--state-key-file, MCP_STATE_KEY)', () => {
    test('same key (one from the file, one from MCP_STATE_KEY): a multi round-trip elicitation alternating replicas completes', async () => {
        const key = 'k'.repeat(16) + 'shared-secret-32+'; // 33 bytes
        const f = keyFile('shared', key + '\n'); // the trailing newline is not part of the key
        const a = await startServer(EVERYTHING, ['--state-key-file', f]);
        process.env.MCP_STATE_KEY = key;
        let b;
        try {
            b = await startServer(EVERYTHING, []);
        } finally {
            delete process.env.MCP_STATE_KEY;
        }
        const c = await roundRobinClient([a, b]);
        try {
            const res = await c.client.callTool({ name: MULTI_ROUND, arguments: {} });
            assert.equal(text(res), "Ada's favorite color is teal.", show(res));
            const calls = c.hits.map((h) => h.filter((m) => m === 'tools/call').length);
            // three rounds (ask, retry with the name, retry with the color), served by both
            assert.ok(calls[0] >= 1 && calls[1] >= 1 && calls[0] + calls[1] >= 3, show(c.hits));
        } finally {
            await c.close();
        }
        await a.close();
        await b.close();
    });

    test('--state-key-file wins over MCP_STATE_KEY (and says so); different keys refuse each other\'s state', async () => {
        const f1 = keyFile('one', Buffer.alloc(32, 1));
        const f2 = keyFile('two', Buffer.alloc(32, 2));
        const a = await startServer(EVERYTHING, ['--state-key-file', f1]);
        process.env.MCP_STATE_KEY = 'x'.repeat(40);
        let b;
        try {
            b = await startServer(EVERYTHING, ['--state-key-file', f1]); // the file wins: key one
        } finally {
            delete process.env.MCP_STATE_KEY;
        }
        const other = await startServer(EVERYTHING, ['--state-key-file', f2]);
        assert.match(b.stderr(), /MCP_STATE_KEY is ignored: --state-key-file .* is given/);
        const same = await roundRobinClient([a, b]);
        try {
            const res = await same.client.callTool({ name: MULTI_ROUND, arguments: {} });
            assert.equal(text(res), "Ada's favorite color is teal.", show(res));
        } finally {
            await same.close();
        }
        const diff = await roundRobinClient([a, other]);
        try {
            await assert.rejects(diff.client.callTool({ name: MULTI_ROUND, arguments: {} }), (e) => {
                assert.equal(e.code, -32602, show(e));
                assert.match(String(e.message), /requestState was not issued by this server/);
                return true;
            });
        } finally {
            await diff.close();
        }
        for (const s of [a, b, other]) assert.equal(await s.close(), 0);
    });

    /** Run the server with `args` and `env` until it exits by itself: { code, stderr }. */
    function runToExit(args, env = {}) {
        return new Promise((resolve, reject) => {
            const child = spawn(EVERYTHING, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...SANITIZER_ENV, ...env } });
            let err = '';
            const t = setTimeout(() => {
                child.kill('SIGKILL');
                reject(new Error(`still running: ${err}`));
            }, 8000);
            child.stderr.on('data', (d) => (err += d));
            child.on('close', (code) => {
                clearTimeout(t);
                assertNoSanitizerReport(err, 'mcp-everything');
                resolve({ code, stderr: err });
            });
        });
    }

    test('a key shorter than 32 bytes is refused (exit 2, a clear line), from the file or the environment', async () => {
        const short = keyFile('short', 'y'.repeat(31) + '\n');
        let r = await runToExit(['--http', '127.0.0.1:0', '--state-key-file', short]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /--state-key-file: the requestState key is 31 bytes; it needs 32/);
        r = await runToExit(['--http', '127.0.0.1:0'], { MCP_STATE_KEY: 'z'.repeat(31) });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /MCP_STATE_KEY: the requestState key is 31 bytes; it needs 32/);
        r = await runToExit(['--http', '127.0.0.1:0', '--state-key-file', path.join(dir, 'missing')]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /--state-key-file .*missing: No such file or directory/);
    });

    test('a key file other users can read is warned about (and used)', async () => {
        const open = keyFile('open', Buffer.alloc(48, 7), 0o644);
        const s = await startServer(EVERYTHING, ['--state-key-file', open]);
        assert.match(s.stderr(), /WARNING: --state-key-file .* is accessible to other users \(mode 644\).*chmod 600/);
        assert.equal(await s.close(), 0);
    });
});

/** POST `body` on a fresh connection (no keep-alive): { status, body }. */
function freshPost(url, body, headers = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request(url, {
            method: 'POST',
            agent: false,
            headers: {
                'Content-Type': 'application/json',
                Accept: 'application/json, text/event-stream',
                'MCP-Protocol-Version': '2026-07-28',
                Connection: 'close',
                ...headers,
            },
            timeout: 5000,
        }, (res) => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve({ status: res.statusCode, body: data }));
            res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(JSON.stringify(body));
    });
}

/** A 2026-07-28 tools/call on a fresh connection: the parsed JSON-RPC message. */
let seq = 0;
async function call26(url, name, args, extra = {}) {
    const id = ++seq;
    const r = await freshPost(url, {
        jsonrpc: '2.0', id, method: 'tools/call',
        params: {
            name, arguments: args, ...extra,
            _meta: {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientInfo': { name: 'w', version: '1' },
                'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
            },
        },
    }, { 'Mcp-Method': 'tools/call', 'Mcp-Name': name });
    const json = r.body.startsWith('{') ? r.body : r.body.split('\n').filter((l) => l.startsWith('data: {')).pop()?.slice(6);
    const msg = JSON.parse(json ?? 'null');
    if (r.status !== 200 || msg?.id !== id) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    return msg;
}

/** An echo (stateless: any worker serves it); throws unless answered right. */
async function echoOnce(url) {
    const msg = await call26(url, 'echo', { message: `m${seq + 1}` });
    if (msg.result?.content?.[0]?.text !== `Echo: m${msg.id}`) throw new Error(show(msg));
}

/** The pids of `pid`'s children. */
function childrenOf(pid) {
    try {
        return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
    }
}
const alive = (pid) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};
async function waitFor(pred, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (pred()) return true;
        await sleep(25);
    }
    return pred();
}
const listening = (s) => (s.stderr().match(/Streamable HTTP on /g) ?? []).length;

describe('--workers N', () => {
    test('bad values, no --http and --sse are refused (exit 2)', async () => {
        for (const [args, re] of [
            [['--http', '127.0.0.1:0', '--workers', '0'], /--workers needs a number from 1 to 64, not '0'/],
            [['--http', '127.0.0.1:0', '--workers', '65'], /not '65'/],
            [['--http', '127.0.0.1:0', '--workers=2x'], /not '2x'/],
            [['--workers', '2'], /--workers needs --http/],
            [['--http', '127.0.0.1:0', '--sse', '127.0.0.1:0', '--workers', '2'], /no --sse/],
        ]) {
            const child = spawn(EVERYTHING, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...SANITIZER_ENV } });
            let err = '';
            child.stderr.on('data', (d) => (err += d));
            const code = await new Promise((r) => child.on('close', r));
            assert.equal(code, 2, `${args.join(' ')}: ${err}`);
            assert.match(err, re);
            assertNoSanitizerReport(err, 'mcp-everything');
        }
    });

    test('a worker killed with SIGKILL under load is restarted; every request sent after its death succeeds', async () => {
        const s = await startServer(EVERYTHING, ['--workers', '3']);
        assert.match(s.stderr(), /--workers 3 without --store: 2025-era sessions would live in one process.*served stateless/);
        assert.ok(await waitFor(() => listening(s) === 3, 10000), s.stderr());
        const workers = childrenOf(s.child.pid);
        assert.equal(workers.length, 3, show(workers));

        let deathSeen = 0; // when the parent reported the death (ms), 0 before
        const results = []; // { t0, ok, err }
        let stop = false;
        const load = async () => {
            while (!stop) {
                const t0 = Date.now();
                try {
                    await echoOnce(s.url);
                    results.push({ t0, ok: true });
                } catch (e) {
                    results.push({ t0, ok: false, err: String(e) });
                }
            }
        };
        const clients = Array.from({ length: 6 }, load);
        await sleep(400);
        process.kill(workers[1], 'SIGKILL');
        assert.ok(await waitFor(() => /worker \d \(pid \d+\) was killed by signal 9; restarting it/.test(s.stderr()), 5000), s.stderr());
        deathSeen = Date.now();
        assert.ok(await waitFor(() => listening(s) === 4, 5000), `no replacement worker: ${s.stderr()}`);
        await sleep(800);
        stop = true;
        await Promise.all(clients);

        const now = childrenOf(s.child.pid);
        assert.equal(now.length, 3, show(now));
        assert.ok(!now.includes(workers[1]));
        const after = results.filter((r) => r.t0 >= deathSeen);
        const failedAfter = after.filter((r) => !r.ok);
        assert.ok(after.length >= 20, `only ${after.length} requests after the death`);
        assert.deepEqual(failedAfter, [], `requests sent after the death failed: ${show(failedAfter.slice(0, 3))}`);
        const before = results.filter((r) => r.t0 < deathSeen);
        assert.ok(before.filter((r) => !r.ok).length <= 6, `more failures than requests in flight: ${show(before.filter((r) => !r.ok).slice(0, 3))}`);

        // SIGTERM to the parent: every worker drains and stops, the parent exits 0
        assert.equal(await s.close(), 0, s.stderr());
        assert.ok(await waitFor(() => now.every((p) => !alive(p)), 3000), `workers left: ${now.filter(alive)}`);
        assert.match(s.stderr(), /stopping 3 worker\(s\)[\s\S]*all workers stopped/);
    });

    test('a worker that keeps dying: after 10 restarts within 60 s the parent stops the others and exits 1', async () => {
        const s = await startServer(EVERYTHING, ['--workers', '2']);
        assert.ok(await waitFor(() => listening(s) === 2, 10000), s.stderr());
        for (let i = 0; i < 11; i++) {
            const kids = childrenOf(s.child.pid);
            if (kids.length === 0) break; // the parent gave up
            process.kill(kids[0], 'SIGKILL');
            const restarts = (s.stderr().match(/was killed by signal 9/g) ?? []).length;
            assert.ok(await waitFor(() => (s.stderr().match(/was killed by signal 9/g) ?? []).length > restarts, 5000), s.stderr());
            if (i < 10) assert.ok(await waitFor(() => listening(s) === 3 + i, 5000), `restart ${i + 1}: ${s.stderr()}`);
        }
        const code = await new Promise((resolve) => {
            if (s.child.exitCode !== null) resolve(s.child.exitCode);
            else s.child.once('exit', (c) => resolve(c));
        });
        assert.equal(code, 1, s.stderr());
        assert.match(s.stderr(), /10 worker restarts within 60 s: something is wrong; stopping/);
        assert.equal((s.stderr().match(/; restarting it/g) ?? []).length, 10, s.stderr());
        assert.equal(await s.close(), 1);
    });

    test('SIGINT to the parent stops all workers too; 2026 requestState is accepted by every worker (one key for all)', async () => {
        const s = await startServer(EVERYTHING, ['--workers', '2', '--stateless']);
        assert.doesNotMatch(s.stderr(), /served stateless \(as with/, 'no notice when --stateless was asked for');
        assert.ok(await waitFor(() => listening(s) === 2, 10000), s.stderr());
        const workers = childrenOf(s.child.pid);
        // Each round on a fresh connection: the kernel spreads them over both workers (by the
        // client's port), so with a key per worker about half of these retries would be refused.
        for (let i = 0; i < 8; i++) {
            const first = (await call26(s.url, 'test_input_required_result_elicitation', {})).result;
            assert.equal(first?.resultType, 'input_required', show(first));
            const [key] = Object.keys(first.inputRequests);
            const done = await call26(s.url, 'test_input_required_result_elicitation', {}, {
                inputResponses: { [key]: { action: 'accept', content: { name: `Ada${i}` } } },
                requestState: first.requestState,
            });
            assert.equal(done.result?.content?.[0]?.text, `Hello, Ada${i}!`, show(done));
        }
        assert.equal(await s.close('SIGINT'), 0, s.stderr());
        assert.ok(await waitFor(() => workers.every((p) => !alive(p)), 3000), `workers left: ${workers.filter(alive)}`);
    });
});
