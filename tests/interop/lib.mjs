// Shared helpers for the interop tests: where the binaries are, SDK client factories (v1, v2 on
// the 2026-07-28 path, v2 forced to the 2025 era), a raw STDIO server driver, and assertions
// that print what the server actually sent when they fail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';

import { SANITIZER_ENV, assertCleanExit, grace } from '../serverexit.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BUILD = process.env.MCP_BUILD
    ? path.resolve(ROOT, process.env.MCP_BUILD)
    : path.resolve(ROOT, process.env.BUILD || 'build');
export const BIN = {
    quickstart: path.join(BUILD, 'examples', 'quickstart'),
    async: path.join(BUILD, 'examples', 'async'),
    testserver: path.join(BUILD, 'fixtures', 'testserver'),
    embed: path.join(BUILD, 'examples', 'embed'),
    everything: path.join(BUILD, 'bin', 'mcp-everything'),
    middleware: path.join(BUILD, 'examples', 'middleware'),
    app: path.join(BUILD, 'examples', 'app_server'),
};

/** Per-test time limit. (Not --test-timeout: on Node 20 that also caps each whole file.) */
export const TEST_TIMEOUT = 20000;
/** node:test's test() with the per-test time limit. */
export function test(name, fn) {
    return nodeTest(name, { timeout: TEST_TIMEOUT }, fn);
}
/** Options for before() hooks that spawn servers. */
export const HOOK = { timeout: TEST_TIMEOUT };

export const PROTOCOL_MODERN = '2026-07-28';
export const PROTOCOL_LATEST_SESSION = '2025-11-25';
export const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';
export const META_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const show = (v) => {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 2000 ? s.slice(0, 2000) + '…' : s;
};

// ---------------------------------------------------------------------------------------------
// Cleanup: every child process a test starts is tracked and killed when the file's tests end
// (closeAll in an after() hook) or, as a last resort, when the test process exits. Closing a
// server (close(), closeAll()) ends its stdin and fails unless it then exits by itself with
// status 0 and printed no sanitizer report (../serverexit.mjs): under `make san` a leak fails.
// ---------------------------------------------------------------------------------------------
const live = new Set(); // objects with close() and killNow()

export async function closeAll() {
    const results = await Promise.allSettled([...live].map((x) => x.close()));
    const bad = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    if (bad.length) throw bad[0];
}
process.on('exit', () => {
    for (const x of live) x.killNow();
});

function killPid(pid) {
    if (!pid) return;
    try {
        process.kill(pid, 'SIGKILL');
    } catch {
        /* already gone */
    }
}

function pidAlive(pid) {
    if (!pid) return false;
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------
// SDK clients
// ---------------------------------------------------------------------------------------------

/** The client flavours every SDK test runs with. `era` is what the connection must end up on. */
export const CLIENTS = [
    { kind: 'v1', label: 'v1 client (@modelcontextprotocol/sdk 1.32.2)', era: 'legacy' },
    { kind: 'v2', label: 'v2 client (@modelcontextprotocol/client 2.4.0, 2026-07-28)', era: 'modern' },
    { kind: 'v2-2025', label: 'v2 client (@modelcontextprotocol/client 2.4.0, forced 2025 era)', era: 'legacy' },
];

// Record every JSON-RPC message through the transport (for assertions and failure reports).
function tapTransport(transport, log) {
    const send = transport.send.bind(transport);
    transport.send = (msg, opts) => {
        log.push({ dir: 'client>', msg });
        return send(msg, opts);
    };
    let handler;
    Object.defineProperty(transport, 'onmessage', {
        configurable: true,
        enumerable: true,
        get: () => handler,
        set: (fn) => {
            handler =
                fn &&
                ((msg, extra) => {
                    log.push({ dir: 'server>', msg });
                    return fn(msg, extra);
                });
        },
    });
}

/**
 * Spawn `bin` through an SDK stdio transport and connect a client of `kind` ('v1', 'v2',
 * 'v2-2025'). Returns a connection object; call close() (closeAll() also does).
 */
export async function connect(kind, bin, { env = {}, args = [], capabilities = {}, setup } = {}) {
    const params = {
        command: bin,
        args,
        env: { ...process.env, ...SANITIZER_ENV, ...env },
        stderr: 'pipe',
    };
    const clientInfo = { name: `libmcp-interop-${kind}`, version: '1.0.0' };
    let client, transport;
    if (kind === 'v1') {
        transport = new StdioV1(params);
        client = new ClientV1(clientInfo, { capabilities });
    } else if (kind === 'v2') {
        transport = new StdioV2(params);
        client = new ClientV2(clientInfo, {
            capabilities,
            versionNegotiation: { mode: 'auto', probe: { timeoutMs: 5000 } },
        });
    } else if (kind === 'v2-2025') {
        transport = new StdioV2(params);
        client = new ClientV2(clientInfo, { capabilities, versionNegotiation: { mode: 'legacy' } });
    } else {
        throw new Error(`unknown client kind ${kind}`);
    }
    const conn = {
        kind,
        client,
        transport,
        log: [],
        errors: [], // errors the client reported (e.g. a stdout line that was not JSON)
        stderrText: '',
        closed: false,
        pid: null,
        exit: null, // { code, signal } once the server process ended and its stderr was read
        ended: null, // resolves when it has
        /**
         * End the server's stdin and wait up to 3 s for it to exit, then close the client (which
         * kills a server still running). Fails unless the server exited by itself with status 0
         * and printed no sanitizer report; check=false only cleans up.
         */
        async close({ check = true } = {}) {
            if (this.closed) return;
            this.closed = true;
            live.delete(this);
            const child = transport._process;
            try {
                child?.stdin?.end();
            } catch {
                /* already closed */
            }
            const byItself = this.ended ? await Promise.race([this.ended.then(() => true), grace(3000).then(() => false)]) : false;
            try {
                await Promise.race([client.close(), sleep(5000)]);
            } catch {
                /* ignore */
            }
            if (pidAlive(this.pid)) killPid(this.pid);
            if (this.ended) await Promise.race([this.ended, grace(3000)]);
            if (check) {
                assertCleanExit(this.exit, this.stderrText, `${bin} (${kind} client, pid ${this.pid})`, {
                    killed: !byItself,
                });
            }
        },
        killNow() {
            killPid(this.pid ?? transport.pid);
        },
        /** Messages the server sent, newest last. */
        serverMessages() {
            return this.log.filter((e) => e.dir === 'server>').map((e) => e.msg);
        },
        /** A short transcript for failure messages. */
        transcript(n = 6) {
            return this.log
                .slice(-n)
                .map((e) => `${e.dir} ${show(e.msg)}`)
                .join('\n');
        },
    };
    const err = transport.stderr;
    // Read to its end: a leak report is printed as the server exits.
    const stderrEnded = err ? new Promise((resolve) => err.once('end', resolve)) : Promise.resolve();
    if (err) {
        err.on('data', (d) => {
            conn.stderrText += d.toString();
            if (conn.stderrText.length > 1 << 20) conn.stderrText = conn.stderrText.slice(-(1 << 19));
        });
    }
    tapTransport(transport, conn.log);
    client.onerror = (e) => conn.errors.push(e);
    setup?.(client);
    live.add(conn);
    try {
        await client.connect(transport);
    } catch (e) {
        e.message += `\n--- transcript ---\n${conn.transcript()}\n--- server stderr ---\n${conn.stderrText.slice(-2000)}`;
        await conn.close({ check: false });
        throw e;
    }
    conn.pid = transport.pid;
    const child = transport._process; // the SDK transports' spawned process (both v1 and v2)
    if (child) {
        const exited = new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
            else child.once('exit', (code, signal) => resolve({ code, signal }));
        });
        conn.ended = Promise.all([exited, stderrEnded]).then(([exit]) => {
            conn.exit = exit;
        });
    }
    return conn;
}

/** The protocol version the connection runs at, as far as the client lets us see it. */
export function negotiatedVersion(conn) {
    if (typeof conn.client.getNegotiatedProtocolVersion === 'function') {
        return conn.client.getNegotiatedProtocolVersion();
    }
    // v1 has no getter: read it off the initialize response in the transcript.
    const init = conn.log.find((e) => e.dir === 'client>' && e.msg.method === 'initialize');
    if (!init) return undefined;
    const res = conn.log.find((e) => e.dir === 'server>' && e.msg.id === init.msg.id);
    return res?.msg?.result?.protocolVersion;
}

/** Await `promise`, which must reject with a JSON-RPC error of `code`; returns the error. */
export async function expectRpcError(promise, code, conn, what = '') {
    const mark = conn ? conn.log.length : 0; // the reply can only arrive after this point
    let result;
    try {
        result = await promise;
    } catch (e) {
        // Judge the code the server put on the wire: clients may rewrite it (the v2 client turns
        // -32002 with data.uri into a ResourceNotFoundError, code -32602).
        let wire;
        if (conn) {
            for (let i = conn.log.length - 1; i >= mark; i--) {
                const { dir, msg } = conn.log[i];
                if (dir === 'server>' && msg && typeof msg === 'object' && 'error' in msg) {
                    wire = msg;
                    break;
                }
            }
        }
        const got = wire ? wire.error?.code : e?.code;
        assert.equal(
            got,
            code,
            `${what}: expected JSON-RPC error ${code}, got ` +
                (wire ? `on the wire ${show(wire)}` : `(client-side, nothing on the wire) ${e?.name} code=${show(e?.code)} message=${show(e?.message)}`) +
                (conn ? `\n--- transcript ---\n${conn.transcript()}` : ''),
        );
        return e;
    }
    assert.fail(
        `${what}: expected JSON-RPC error ${code}, got result ${show(result)}` +
            (conn ? `\n--- transcript ---\n${conn.transcript()}` : ''),
    );
}

/** Content of a tools/call result that must be a single text block; returns the text. */
export function onlyText(result, conn) {
    const ctx = `result ${show(result)}` + (conn ? `\n--- transcript ---\n${conn.transcript(4)}` : '');
    assert.ok(Array.isArray(result?.content), `content must be an array; ${ctx}`);
    assert.equal(result.content.length, 1, `exactly one content block; ${ctx}`);
    assert.equal(result.content[0].type, 'text', `a text block; ${ctx}`);
    return result.content[0].text;
}

/** Run `body(conn)` with a fresh connection, closing it afterwards whatever happens. */
export async function withClient(kind, bin, opts, body) {
    const conn = await connect(kind, bin, opts);
    try {
        return await body(conn);
    } finally {
        await conn.close();
    }
}

// ---------------------------------------------------------------------------------------------
// Expected binary contents of the testserver `content` tool (same bytes as testserver.c).
// ---------------------------------------------------------------------------------------------
export const PNG_1x1 = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082',
    'hex',
);
export const WAV_TINY = Buffer.from(
    '524946462800000057415645666d7420100000000100010040' +
        '1f0000401f0000010008006461746104000000' +
        '80ff8000',
    'hex',
);

/** FNV-1a 64-bit of a UTF-8 string as 16 lowercase hex digits (BigInt reference). */
export function fnv1a64(text) {
    let h = 0xcbf29ce484222325n;
    for (const byte of Buffer.from(text, 'utf8')) {
        h ^= BigInt(byte);
        h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    return h.toString(16).padStart(16, '0');
}

// ---------------------------------------------------------------------------------------------
// Raw STDIO driver: no SDK, just lines. Every stdout line must be one JSON value.
// ---------------------------------------------------------------------------------------------
export class RawServer {
    constructor(bin, { env = {}, args = [] } = {}) {
        this.bin = bin;
        this.child = spawn(bin, args, {
            env: { ...process.env, ...SANITIZER_ENV, ...env },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        // 'close': the process ended and its stdout/stderr were read to the end (a leak report too).
        this.closedInfo = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
        this.messages = []; // every parsed stdout message, in order
        this.cursor = 0; // next() reads from here
        this.used = new Set(); // indexes of messages already returned by next()/responseTo()
        this.badLines = []; // stdout lines that were not JSON
        this.stdoutBytes = 0;
        this.stderr = '';
        this.pending = '';
        this.waiters = new Set();
        this.exitInfo = null;
        this.exited = new Promise((resolve) => {
            this.child.on('exit', (code, signal) => {
                this.exitInfo = { code, signal, at: Date.now() };
                resolve(this.exitInfo);
                this._wake();
            });
        });
        this.child.on('error', (e) => {
            this.spawnError = e;
            this._wake();
        });
        this.child.stdin.on('error', () => {}); // EPIPE after the server exits is not our business
        this.child.stdout.setEncoding('utf8');
        this.child.stdout.on('data', (chunk) => this._onStdout(chunk));
        this.child.stderr.setEncoding('utf8');
        this.child.stderr.on('data', (chunk) => {
            this.stderr += chunk;
            if (this.stderr.length > 1 << 20) this.stderr = this.stderr.slice(-(1 << 19));
            this._wake();
        });
        this.nextId = 1000;
        live.add(this);
    }

    _onStdout(chunk) {
        this.stdoutBytes += chunk.length;
        this.pending += chunk;
        let nl;
        while ((nl = this.pending.indexOf('\n')) >= 0) {
            const line = this.pending.slice(0, nl);
            this.pending = this.pending.slice(nl + 1);
            try {
                this.messages.push(JSON.parse(line));
            } catch {
                this.badLines.push(line.length > 300 ? line.slice(0, 300) + '…' : line);
            }
        }
        this._wake();
    }

    _wake() {
        for (const w of this.waiters) w();
    }

    /** Resolve when `pred()` is true, or reject after `ms`. */
    waitFor(pred, ms, what) {
        return new Promise((resolve, reject) => {
            const check = () => {
                let v;
                try {
                    v = pred();
                } catch (e) {
                    cleanup();
                    reject(e);
                    return;
                }
                if (v !== undefined && v !== false) {
                    cleanup();
                    resolve(v);
                }
            };
            const timer = setTimeout(() => {
                cleanup();
                reject(
                    new Error(
                        `timed out after ${ms} ms waiting for ${what}; server sent so far:\n` +
                            this.messages.map(show).join('\n') +
                            (this.badLines.length ? `\nnon-JSON stdout lines: ${show(this.badLines)}` : '') +
                            `\nstderr: ${this.stderr.slice(-1000)}` +
                            (this.exitInfo ? `\nserver exited: ${show(this.exitInfo)}` : ''),
                    ),
                );
            }, ms);
            const cleanup = () => {
                clearTimeout(timer);
                this.waiters.delete(check);
            };
            this.waiters.add(check);
            check();
        });
    }

    /** Write raw text or bytes to stdin (no newline added). */
    write(data) {
        return new Promise((resolve) => {
            if (this.child.stdin.destroyed || this.child.stdin.writableEnded) return resolve(false);
            this.child.stdin.write(data, () => resolve(true));
        });
    }

    /** Send one message (object/array is serialized; a string is sent as is) plus "\n". */
    send(msg) {
        return this.write((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n');
    }

    /** Close stdin (EOF for the server). */
    end() {
        if (!this.child.stdin.writableEnded) this.child.stdin.end();
    }

    /** The next message the server sent that is not a notification and not yet taken, in order. */
    async next(ms = 5000, what = 'the next response') {
        return this.waitFor(
            () => {
                while (this.cursor < this.messages.length) {
                    const i = this.cursor++;
                    const m = this.messages[i];
                    if (this.used.has(i) || isServerNotification(m)) continue;
                    this.used.add(i);
                    return m;
                }
                return undefined;
            },
            ms,
            what,
        );
    }

    /** Assert that no (non-notification) message beyond those already taken arrives within `ms`. */
    async expectSilence(ms, what = 'nothing') {
        await sleep(ms);
        const extra = this.messages.filter((m, i) => !this.used.has(i) && !isServerNotification(m));
        assert.deepEqual(extra, [], `expected ${what}, but the server sent ${show(extra)}`);
    }

    /** Send a request and return the response with its id (other messages are skipped). */
    async request(method, params, id = this.nextId++, ms = 5000) {
        const msg = { jsonrpc: '2.0', id, method };
        if (params !== undefined) msg.params = params;
        await this.send(msg);
        return this.responseTo(id, ms, `the response to ${method} id ${show(id)}`);
    }

    /** Wait for the first not yet taken response whose id equals `id` (same type and value). */
    responseTo(id, ms = 5000, what = `the response to id ${show(id)}`) {
        return this.waitFor(
            () => {
                const i = this.messages.findIndex((m, j) => !this.used.has(j) && isResponse(m) && Object.is(m.id, id));
                if (i < 0) return undefined;
                this.used.add(i);
                return this.messages[i];
            },
            ms,
            what,
        );
    }

    /** The 2025-era handshake; returns the initialize result (asserting success). */
    async initialize(protocolVersion = PROTOCOL_LATEST_SESSION, id = 'init') {
        const res = await this.request(
            'initialize',
            { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-interop', version: '1.0.0' } },
            id,
        );
        assert.ok(res.result, `initialize(${protocolVersion}) must succeed; got ${show(res)}`);
        await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
        return res.result;
    }

    /** Assert that every stdout line so far was JSON. */
    assertAllJson() {
        assert.deepEqual(this.badLines, [], `every stdout line must be JSON; non-JSON lines: ${show(this.badLines)}`);
        assert.equal(this.pending, '', `stdout ended with an incomplete line: ${show(this.pending.slice(0, 300))}`);
    }

    /** Wait for exit (after EOF); returns {code, signal} or null on timeout. */
    async waitExit(ms) {
        return Promise.race([this.exited, sleep(ms).then(() => null)]);
    }

    killNow() {
        if (!this.exitInfo) killPid(this.child.pid);
    }

    /**
     * EOF, wait up to 3 s for the server to exit, then kill it. Fails unless it exited by itself
     * with status 0 and printed no sanitizer report; check=false only cleans up.
     */
    async close({ check = true } = {}) {
        if (this.closed) return;
        this.closed = true;
        live.delete(this);
        this.end();
        const info = await this.waitExit(3000);
        if (!info) {
            killPid(this.child.pid);
            await this.waitExit(2000);
        }
        if (this.spawnError) throw this.spawnError;
        const closed = await Promise.race([this.closedInfo, grace(2000).then(() => null)]);
        if (check) assertCleanExit(closed, this.stderr, `${this.bin} (pid ${this.child.pid})`, { killed: !info });
    }
}

export function isServerNotification(m) {
    return m && typeof m === 'object' && !Array.isArray(m) && 'method' in m && !('id' in m);
}

export function isResponse(m) {
    return m && typeof m === 'object' && !Array.isArray(m) && !('method' in m) && ('result' in m || 'error' in m);
}

/** Assert a JSON-RPC error response with `code` and (exact) `id`; returns it. */
export function assertError(msg, code, id, what = '') {
    assert.ok(msg && typeof msg === 'object' && !Array.isArray(msg), `${what}: expected an error object, got ${show(msg)}`);
    assert.equal(msg.jsonrpc, '2.0', `${what}: jsonrpc must be "2.0" in ${show(msg)}`);
    assert.ok('error' in msg && !('result' in msg), `${what}: expected an error response, got ${show(msg)}`);
    assert.equal(msg.error?.code, code, `${what}: expected error code ${code}, got ${show(msg)}`);
    assert.equal(typeof msg.error.message, 'string', `${what}: error.message must be a string in ${show(msg)}`);
    assert.ok('id' in msg, `${what}: the error must carry "id" (${show(id)}), got ${show(msg)}`);
    assert.ok(Object.is(msg.id, id), `${what}: expected id ${show(id)}, got ${show(msg)}`);
    return msg;
}

/** Assert a successful response with exact `id`; returns its result. */
export function assertResult(msg, id, what = '') {
    assert.ok(msg && typeof msg === 'object' && !Array.isArray(msg), `${what}: expected a response object, got ${show(msg)}`);
    assert.equal(msg.jsonrpc, '2.0', `${what}: jsonrpc must be "2.0" in ${show(msg)}`);
    assert.ok('result' in msg && !('error' in msg), `${what}: expected a result, got ${show(msg)}`);
    assert.ok(Object.is(msg.id, id), `${what}: expected id ${show(id)}, got ${show(msg)}`);
    return msg.result;
}

/** params._meta for a stateless 2026-07-28 request. */
export function modernMeta(version = PROTOCOL_MODERN) {
    return {
        [META_VERSION]: version,
        [META_CAPS]: {},
        [META_INFO]: { name: 'raw-interop', version: '1.0.0' },
    };
}

/** Assert the connection ended up on the era its client flavour must negotiate with libmcp. */
export function assertEra(conn, flavor) {
    const version = negotiatedVersion(conn);
    if (flavor.era === 'modern') {
        assert.equal(conn.client.getProtocolEra(), 'modern',
            `the v2 client in 'auto' mode must choose the 2026-07-28 (modern) era; transcript:\n${conn.transcript()}`);
        assert.equal(version, PROTOCOL_MODERN, `negotiated protocol version`);
        const init = conn.log.find((e) => e.dir === 'client>' && e.msg.method === 'initialize');
        assert.equal(init, undefined, 'a modern connection must not fall back to initialize');
    } else {
        if (typeof conn.client.getProtocolEra === 'function') {
            assert.equal(conn.client.getProtocolEra(), 'legacy', 'a 2025-era connection');
        }
        assert.equal(version, PROTOCOL_LATEST_SESSION,
            `initialize with ${PROTOCOL_LATEST_SESSION} must be answered with it; transcript:\n${conn.transcript()}`);
    }
}

/** resources/read "not found" code for the era: -32002 (2025) or -32602 (2026-07-28). */
export function notFoundCode(flavor) {
    return flavor.era === 'modern' ? -32602 : -32002;
}

/** One page of a list method: no cursor = the first page only (v2 listX() would walk them all). */
export async function listPage(conn, method, cursor) {
    const c = conn.client;
    const fn = {
        'tools/list': 'listTools',
        'prompts/list': 'listPrompts',
        'resources/list': 'listResources',
        'resources/templates/list': 'listResourceTemplates',
    }[method];
    if (cursor !== undefined) return c[fn]({ cursor });
    if (conn.kind === 'v1') return c[fn]();
    return c.request({ method });
}

/** Prompt arguments with `required` normalized to a boolean (absent means false). */
export function normArgs(args) {
    return (args ?? []).map((a) => ({ ...a, required: !!a.required }));
}
