// Helpers for the mcp-host / mcp-filesystem tests. The SDK clients and the STDIO connection
// helper come from tests/interop (one npm install for both suites); this file adds what those
// tests do not need: the binaries' paths, Streamable HTTP connections, and running a binary to
// completion.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BUILD, connect, show, sleep } from '../interop/lib.mjs';
import { SANITIZER_ENV, assertCleanExit, assertNoSanitizerReport, grace } from '../serverexit.mjs';
// The same module files lib.mjs uses (resolved from tests/interop/node_modules).
import { Client as ClientV1 } from '../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js';
import { StdioClientTransport as StdioV1 } from '../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
import { ListRootsRequestSchema } from '../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/types.js';
import {
    Client as ClientV2,
    StreamableHTTPClientTransport as HttpV2,
} from '../interop/node_modules/@modelcontextprotocol/client/dist/index.mjs';
import { StdioClientTransport as StdioV2 } from '../interop/node_modules/@modelcontextprotocol/client/dist/stdio.mjs';

export { BUILD, connect, show, sleep };

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BIN = {
    host: path.join(BUILD, 'bin', 'mcp-host'),
    fs: path.join(BUILD, 'bin', 'mcp-filesystem'),
};
export const PLUGIN = (name) => path.join(BUILD, 'plugins', `${name}.so`);
export const TPLUGIN = (name) => path.join(BUILD, 'tests', 'plugins', `${name}.so`);

/** A fresh temporary directory (real path), removed by the returned cleanup(). */
export function tempDir(prefix = 'mcp-servers-') {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Run `bin args` to completion (with a time limit); returns {code, signal, stdout, stderr}. The
 * caller judges the exit status; a sanitizer report on stderr fails here.
 */
export function run(bin, args, { timeoutMs = 10000, input = '', env = {} } = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, {
            env: { ...process.env, ...SANITIZER_ENV, ...env },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '',
            stderr = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr });
        });
        child.stdin.on('error', () => {});
        child.stdin.end(input);
    }).then((r) => {
        assertNoSanitizerReport(r.stderr, `${bin} ${args.join(' ')}`);
        return r;
    });
}

/**
 * Spawn `bin args --http 127.0.0.1:0` and wait for the URL it announces on stderr. Returns
 * {child, url, stderr(), stop()}: stop() sends SIGTERM and fails unless the server exits 0 within
 * 5 s without a sanitizer report.
 */
export async function startHttp(bin, args, { env = {} } = {}) {
    const child = spawn(bin, [...args, '--http', '127.0.0.1:0'], {
        env: { ...process.env, ...SANITIZER_ENV, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (stderr += d));
    // 'close': the process ended and its stderr was read to the end (a leak report included).
    const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no HTTP URL announced; stderr:\n${stderr}`)), 5000);
        const look = () => {
            const m = /Streamable HTTP on (http:\/\/\S+)/.exec(stderr);
            if (m) {
                clearTimeout(timer);
                child.stderr.off('data', look);
                resolve(m[1]);
            }
        };
        child.stderr.on('data', look);
        child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`server exited (${code}) before serving; stderr:\n${stderr}`));
        });
    }).catch((e) => {
        child.kill('SIGKILL');
        throw e;
    });
    let stopped = null;
    return {
        child,
        url,
        stderr: () => stderr,
        /** SIGTERM; fails unless the server exits by itself with 0 within 5 s, no sanitizer report. */
        stop() {
            stopped ??= (async () => {
                const died = child.exitCode !== null || child.signalCode !== null;
                if (!died) child.kill('SIGTERM');
                const exit = await Promise.race([closed, grace(5000).then(() => null)]);
                if (!exit) child.kill('SIGKILL');
                assert.ok(!died, `${bin} (pid ${child.pid}) died before it was stopped:\n${stderr.slice(-3000)}`);
                assertCleanExit(exit, stderr, `${bin} (pid ${child.pid})`);
            })();
            return stopped;
        },
    };
}

/**
 * Start `bin args --http 127.0.0.1:0`, wait for the URL it announces on stderr, and connect a
 * client of `kind` ('v1' or 'v2') over Streamable HTTP. Returns {client, url, close()}.
 */
export async function connectHttp(kind, bin, args, { env = {} } = {}) {
    const srv = await startHttp(bin, args, { env });
    const { child, url } = srv;
    const info = { name: `libmcp-servers-http-${kind}`, version: '1.0.0' };
    let client, transport;
    if (kind === 'v1') {
        client = new ClientV1(info, { capabilities: {} });
        transport = new HttpV1(new URL(url));
    } else {
        client = new ClientV2(info, { capabilities: {} });
        transport = new HttpV2(new URL(url));
    }
    try {
        await client.connect(transport);
    } catch (e) {
        child.kill('SIGKILL');
        e.message += `\nserver stderr:\n${srv.stderr()}`;
        throw e;
    }
    return {
        client,
        url,
        stderr: srv.stderr,
        /** Close the client, then stop the server: fails unless it exits 0, no sanitizer report. */
        async close() {
            try {
                await Promise.race([client.close(), sleep(3000)]);
            } catch {
                /* ignore */
            }
            await srv.stop();
        },
    };
}

/** The text of a tools/call result that must be one text block (not an error). */
export function text(result, what = '') {
    assert.ok(!result.isError, `${what}: unexpected tool error ${show(result)}`);
    assert.equal(result.content?.length, 1, `${what}: one content block in ${show(result)}`);
    assert.equal(result.content[0].type, 'text', `${what}: a text block in ${show(result)}`);
    return result.content[0].text;
}

/** The message of a tools/call result that must be a tool error (isError: true). */
export function toolError(result, what = '') {
    assert.equal(result.isError, true, `${what}: expected isError: true, got ${show(result)}`);
    assert.equal(result.content?.[0]?.type, 'text', `${what}: an error text in ${show(result)}`);
    return result.content[0].text;
}

/**
 * Connect a client of `kind` ('v1': 2025 era, roots/list sent to it; 'v2': 2026-07-28, roots
 * asked for with input_required) over STDIO that offers roots: `roots()` gives the current list.
 */
export async function connectWithRoots(kind, bin, args, roots) {
    const params = { command: bin, args, stderr: 'pipe', env: { ...process.env, ...SANITIZER_ENV } };
    const info = { name: `libmcp-servers-roots-${kind}`, version: '1.0.0' };
    let client, transport;
    if (kind === 'v1') {
        transport = new StdioV1(params);
        client = new ClientV1(info, { capabilities: { roots: { listChanged: true } } });
        client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: roots() }));
    } else {
        transport = new StdioV2(params);
        client = new ClientV2(info, { capabilities: { roots: {} } });
        client.setRequestHandler('roots/list', async () => ({ roots: roots() }));
    }
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    const stderrEnded = new Promise((resolve) => transport.stderr?.once('end', resolve) ?? resolve());
    await client.connect(transport);
    const child = transport._process; // the SDK transports' spawned process (v1 and v2)
    const closed = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return {
        client,
        /** EOF to the server; fails unless it exits by itself with 0 within 3 s, no sanitizer report. */
        async close() {
            child.stdin.end();
            const exit = await Promise.race([closed, grace(3000).then(() => null)]);
            await Promise.race([client.close(), sleep(3000)]).catch(() => {});
            await Promise.race([stderrEnded, grace(2000)]);
            assertCleanExit(exit, stderr, `${bin} (${kind} client with roots)`);
        },
    };
}
