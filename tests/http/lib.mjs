// Helpers for the HTTP tests: start a libmcp server on a free loopback port, connect the official
// TypeScript SDK clients over Streamable HTTP or legacy HTTP+SSE, and read raw SSE streams.
// The SDK packages are the ones tests/interop installs (tests/interop/node_modules).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';

import { SANITIZER_ENV, assertCleanExit, assertNoSanitizerReport, grace } from '../serverexit.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BUILD = process.env.MCP_BUILD
    ? path.resolve(ROOT, process.env.MCP_BUILD)
    : path.resolve(ROOT, process.env.BUILD || 'build');
export const BIN = {
    quickstart: path.join(BUILD, 'examples', 'quickstart'),
    http: path.join(BUILD, 'examples', 'http_server'),
    testserver: path.join(BUILD, 'fixtures', 'testserver'),
};

const require = createRequire(path.join(ROOT, 'tests', 'interop', 'package.json'));
export const V1 = {
    Client: require('@modelcontextprotocol/sdk/client/index.js').Client,
    ElicitRequestSchema: require('@modelcontextprotocol/sdk/types.js').ElicitRequestSchema,
    StreamableHTTP: require('@modelcontextprotocol/sdk/client/streamableHttp.js').StreamableHTTPClientTransport,
    SSE: require('@modelcontextprotocol/sdk/client/sse.js').SSEClientTransport,
};
const v2 = require('@modelcontextprotocol/client');
export const V2 = { Client: v2.Client, StreamableHTTP: v2.StreamableHTTPClientTransport };

export const TEST_TIMEOUT = 20000;
export function test(name, fn) {
    return nodeTest(name, { timeout: TEST_TIMEOUT }, fn);
}
export const HOOK = { timeout: TEST_TIMEOUT };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const show = (v) => {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 1500 ? s.slice(0, 1500) + '…' : s;
};

const live = new Set();
process.on('exit', () => {
    for (const s of live) s.killNow();
});
/** SIGTERM every server still running; fails unless each exits 0 without a sanitizer report. */
export async function closeAll() {
    const servers = [...live];
    const results = await Promise.allSettled(servers.map((s) => s.close()));
    results.forEach((r, i) => {
        if (r.status === 'rejected') throw r.reason;
        assertCleanExit({ code: r.value, signal: null }, servers[i].stderr(), `server pid ${servers[i].child.pid}`);
    });
}

/**
 * Start `bin` with `--http 127.0.0.1:0` (unless args already name a transport) plus `args`; resolves
 * once it printed its URL(s). Returns { url, sseUrl, child, stderr(), close() → exit code }.
 */
export function startServer(bin, args = [], { http = true, stdin = 'ignore' } = {}) {
    const argv = http ? ['--http', '127.0.0.1:0', ...args] : args;
    // stdin 'closed': the server starts with fd 0 closed (as under a supervisor with no stdin).
    const child =
        stdin === 'closed'
            ? spawn('/bin/sh', ['-c', 'exec "$0" "$@" 0<&-', bin, ...argv], {
                  stdio: ['ignore', 'ignore', 'pipe'],
                  env: { ...process.env, ...SANITIZER_ENV },
              })
            : spawn(bin, argv, { stdio: [stdin, 'ignore', 'pipe'], env: { ...process.env, ...SANITIZER_ENV } });
    // 'close': the process ended and its stderr was read to the end (a leak report included).
    const closed = new Promise((resolve) => child.once('close', resolve));
    let err = '';
    const wantSse = argv.includes('--sse');
    const srv = {
        child,
        stderr: () => err,
        killNow() {
            try {
                child.kill('SIGKILL');
            } catch {
                /* gone */
            }
        },
        /**
         * Send `signal` (SIGKILL after 8 s) and resolve with the exit code, or the signal's name
         * if a signal ended it (a caller asserts 0). Rejects on a sanitizer report on stderr.
         */
        async close(signal = 'SIGTERM') {
            live.delete(srv);
            let code;
            if (child.exitCode !== null || child.signalCode !== null) {
                code = child.exitCode ?? child.signalCode;
            } else {
                code = await new Promise((resolve) => {
                    const t = setTimeout(() => child.kill('SIGKILL'), 8000);
                    child.once('exit', (c, sig) => {
                        clearTimeout(t);
                        resolve(c ?? sig);
                    });
                    child.kill(signal);
                });
            }
            await Promise.race([closed, grace(2000)]);
            assertNoSanitizerReport(err, `${bin} (pid ${child.pid})`);
            return code;
        },
    };
    live.add(srv);
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 10000);
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (d) => {
            err += d;
            const m = /Streamable HTTP on (\S+)/.exec(err);
            const s = /HTTP\+SSE on (\S+)/.exec(err);
            if ((m || !http) && (s || !wantSse)) {
                clearTimeout(timer);
                srv.url = m?.[1];
                srv.sseUrl = s?.[1];
                resolve(srv);
            }
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            if (!srv.url && !srv.sseUrl) live.delete(srv); // never served: the caller sees the rejection
            reject(new Error(`server exited (${code}) before listening: ${err}`));
        });
    });
}

/**
 * Connect an SDK client: kind 'v1' (StreamableHTTP), 'v1-sse' (legacy SSE), 'v2' (2026-07-28 via
 * versionNegotiation auto), 'v2-2025' (v2 client, default 2025 era).
 */
export async function connect(kind, srv, { capabilities = {}, setup } = {}) {
    const info = { name: `libmcp-http-${kind}`, version: '1.0.0' };
    let client, transport;
    if (kind === 'v1' || kind === 'v1-sse') {
        client = new V1.Client(info, { capabilities });
        transport = kind === 'v1' ? new V1.StreamableHTTP(new URL(srv.url)) : new V1.SSE(new URL(srv.sseUrl));
    } else {
        const opts = kind === 'v2' ? { capabilities, versionNegotiation: { mode: 'auto' } } : { capabilities };
        client = new V2.Client(info, opts);
        transport = new V2.StreamableHTTP(new URL(srv.url));
    }
    setup?.(client);
    const errors = [];
    client.onerror = (e) => errors.push(e);
    await client.connect(transport);
    return {
        kind,
        client,
        transport,
        errors,
        close: () => client.close().catch(() => {}),
    };
}

export const JSON_HEADERS = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
};

/** POST a JSON-RPC body (object or raw string); returns the fetch Response. */
export function post(url, body, headers = {}, init = {}) {
    return fetch(url, {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...init,
    });
}

export const INIT = (id = 1, version = '2025-11-25') => ({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** initialize + notifications/initialized on a raw session; returns the session id. */
export async function rawSession(url, version = '2025-11-25') {
    const r = await post(url, INIT(1, version));
    const sid = r.headers.get('mcp-session-id');
    await r.text();
    if (!sid) throw new Error(`no session id (HTTP ${r.status})`);
    const n = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'Mcp-Session-Id': sid });
    await n.text();
    return sid;
}

/**
 * Read SSE events from a fetch Response body: yields { id, event, data, retry } per event,
 * comments skipped. Stops when the stream ends (or the reader is cancelled).
 */
export async function* sseEvents(res) {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
        for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += dec.decode(value, { stream: true });
            let i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
                const block = buf.slice(0, i);
                buf = buf.slice(i + 2);
                const ev = { data: null };
                let any = false;
                for (const line of block.split('\n')) {
                    if (line.startsWith(':')) continue;
                    const c = line.indexOf(':');
                    const k = c < 0 ? line : line.slice(0, c);
                    const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
                    any = true;
                    if (k === 'data') ev.data = ev.data === null ? v : ev.data + '\n' + v;
                    else ev[k] = v;
                }
                if (any) yield ev;
            }
        }
    } finally {
        reader.releaseLock?.();
    }
}
