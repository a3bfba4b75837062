// Real MCP clients and bridges, as users run them, against libmcp's servers (pinned in
// tests/clients/package-lock.json; run by tests/clients/run.sh under Node 22 from npm):
//   - the MCP Inspector CLI 2.x: STDIO, Streamable HTTP, legacy HTTP+SSE;
//   - mcp-remote (a STDIO server that forwards to a remote one): to Streamable HTTP and SSE;
//   - supergateway both ways: as a STDIO bridge to libmcp's Streamable HTTP and SSE endpoints,
//     and serving libmcp's STDIO server as Streamable HTTP and as SSE.
// Every bridge is driven by the Inspector CLI, named in an mcpServers config file as desktop
// clients name servers. Ports are free ones, on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUILD = process.env.MCP_BUILD ? path.resolve(ROOT, process.env.MCP_BUILD) : path.join(ROOT, 'build');
const QUICKSTART = path.join(BUILD, 'examples', 'quickstart');
const FS = path.join(BUILD, 'bin', 'mcp-filesystem');
const NM = path.join(HERE, 'node_modules');
const INSPECTOR = path.join(NM, '@modelcontextprotocol', 'inspector', 'clients', 'cli', 'build', 'index.js');
const MCP_REMOTE = path.join(NM, 'mcp-remote', 'dist', 'proxy.js');
const SUPERGATEWAY = path.join(NM, 'supergateway', 'dist', 'index.js');
const NODE = process.execPath; // Node 22 from npm (run.sh)
const ADD_SUM = (a, b) => ({ content: [{ type: 'text', text: `${a} + ${b} = ${a + b}` }] });

let tmp;
const children = new Set();
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-clients-'));
    fs.mkdirSync(path.join(tmp, 'home'));
    fs.mkdirSync(path.join(tmp, 'files'));
    fs.writeFileSync(path.join(tmp, 'files', 'hello.txt'), 'hello from disk\n');
});
after(() => {
    for (const c of children) c.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
});

// The clients keep their state (mcp-remote's ~/.mcp-auth, the Inspector's catalog) in a temp HOME.
const ENV = () => ({ ...process.env, HOME: path.join(tmp, 'home'), MCP_INSPECTOR_SECRET_STORE: 'memory' });

/** Run a command to its end (bounded); resolves { code, stdout, stderr }. */
function run(cmd, args, timeoutMs = 60000) {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: ENV() });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('close', (code, signal) => {
            clearTimeout(t);
            resolve({ code: code ?? signal, stdout, stderr });
        });
    });
}

/** The Inspector CLI with --format json: the result (or fails the test with what it printed). */
async function inspector(args, { exit = 0 } = {}) {
    const r = await run(NODE, [INSPECTOR, '--format', 'json', ...args]);
    let out;
    try {
        out = JSON.parse(r.stdout.trim().split('\n')[0]);
    } catch {
        assert.fail(`inspector ${args.join(' ')}: no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    // Its exit-code map: 0 success, 5 the tool answered isError: true.
    assert.equal(r.code, exit, `inspector ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    assert.ok(out.result, `inspector ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
    return out.result;
}

/** Start a long-running server; resolves once `ready` matches its stderr+stdout. */
function start(cmd, args, ready, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: ENV() });
        children.add(child);
        let log = '';
        const t = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`${cmd} ${args.join(' ')}: not ready in ${timeoutMs} ms:\n${log}`));
        }, timeoutMs);
        const on = (d) => {
            log += d;
            const m = log.match(ready);
            if (m) {
                clearTimeout(t);
                resolve({ m, stop: () => stop(child) });
            }
        };
        child.stdout.on('data', on);
        child.stderr.on('data', on);
        child.on('exit', (code) => {
            clearTimeout(t);
            reject(new Error(`${cmd} exited (${code}) before it was ready:\n${log}`));
        });
    });
}
function stop(child) {
    children.delete(child);
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
            clearTimeout(t);
            resolve();
        });
        child.kill('SIGTERM');
    });
}
/** A port free on 127.0.0.1 now (for supergateway, which takes no port 0). */
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
/** An mcpServers config file naming one STDIO server. */
function config(name, command, args) {
    const file = path.join(tmp, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ mcpServers: { [name]: { command, args } } }));
    return ['--config', file, '--server', name];
}

/** What every client must see from the quickstart, however it is connected. */
async function quickstartWorks(target) {
    const { tools } = await inspector([...target, '--method', 'tools/list']);
    assert.deepEqual(tools.map((t) => t.name), ['add', 'echo']);
    assert.deepEqual(await inspector([...target, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=2', 'b=40']),
        ADD_SUM(2, 40));
}

describe('libmcp servers over HTTP', () => {
    let srv, http, sse;
    before(async () => {
        srv = await start(QUICKSTART, ['--http', '127.0.0.1:0', '--sse', '127.0.0.1:0'],
            /Streamable HTTP on (http:\S+)[\s\S]*HTTP\+SSE on (http:\S+)|HTTP\+SSE on (http:\S+)[\s\S]*Streamable HTTP on (http:\S+)/);
        http = srv.m[1] ?? srv.m[4];
        sse = srv.m[2] ?? srv.m[3];
    });
    after(() => srv?.stop());

    test('Inspector CLI 2.x over Streamable HTTP', async () => {
        await quickstartWorks([http, '--transport', 'http']);
        const r = await inspector([http, '--transport', 'http', '--method', 'resources/read', '--uri', 'docs://quickstart/about']);
        assert.equal(r.contents[0].text, 'libmcp quickstart: tools add and echo, one resource, one prompt.');
    });

    test('Inspector CLI 2.x over legacy HTTP+SSE', async () => {
        await quickstartWorks([sse, '--transport', 'sse']);
    });

    test('mcp-remote to Streamable HTTP (--transport http-only)', async () => {
        await quickstartWorks(config('remote-http', NODE, [MCP_REMOTE, http, '--transport', 'http-only']));
    });

    test('mcp-remote to HTTP+SSE (--transport sse-only)', async () => {
        await quickstartWorks(config('remote-sse', NODE, [MCP_REMOTE, sse, '--transport', 'sse-only']));
    });

    test('supergateway as a STDIO bridge to Streamable HTTP (--streamableHttp)', async () => {
        await quickstartWorks(config('gw-http', NODE, [SUPERGATEWAY, '--streamableHttp', http]));
    });

    test('supergateway as a STDIO bridge to HTTP+SSE (--sse)', async () => {
        await quickstartWorks(config('gw-sse', NODE, [SUPERGATEWAY, '--sse', sse]));
    });
});

describe('libmcp servers over STDIO', () => {
    test('Inspector CLI 2.x: quickstart tools, resource and prompt', async () => {
        const target = config('quickstart', QUICKSTART, []);
        await quickstartWorks(target);
        const r = await inspector([...target, '--method', 'resources/read', '--uri', 'docs://quickstart/about']);
        assert.equal(r.contents[0].text, 'libmcp quickstart: tools add and echo, one resource, one prompt.');
        const p = await inspector([...target, '--method', 'prompts/get', '--prompt-name', 'greet', '--prompt-args', 'name=Ada']);
        assert.deepEqual(p.messages, [
            { role: 'user', content: { type: 'text', text: 'Please write a short, friendly greeting for Ada.' } },
        ]);
        // A bad argument reaches the client as a tool error naming it, not a crash.
        const bad = await inspector([...target, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=true', 'b=1'],
            { exit: 5 });
        assert.equal(bad.isError, true);
        assert.equal(bad.content[0].text, "Invalid arguments for tool 'add': arguments.a: expected number, got boolean");
    });

    test('Inspector CLI 2.x: mcp-filesystem reads, and refuses an escape', async () => {
        const dir = path.join(tmp, 'files');
        const target = config('files', FS, [dir]);
        const read = await inspector([...target, '--method', 'tools/call', '--tool-name', 'read_text_file',
            '--tool-arg', `path=${path.join(dir, 'hello.txt')}`]);
        assert.equal(read.content[0].text, 'hello from disk\n');
        const escape = await inspector([...target, '--method', 'tools/call', '--tool-name', 'read_text_file',
            '--tool-arg', 'path=../home/x'], { exit: 5 });
        assert.equal(escape.isError, true);
        assert.match(escape.content[0].text, /^Access denied - path outside allowed directories/);
    });

    /** supergateway serving the quickstart's STDIO as `out` on a free port, for the time of fn(url). */
    async function gateway(out, fn) {
        const port = await freePort();
        const gw = await start(NODE, [SUPERGATEWAY, '--stdio', QUICKSTART, '--outputTransport', out,
            '--port', String(port), ...(out === 'sse' ? ['--baseUrl', `http://127.0.0.1:${port}`] : [])],
        /Listening on port|listening on|Streamable HTTP endpoint|SSE endpoint/i);
        try {
            await fn(out === 'sse' ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp`);
        } finally {
            await gw.stop();
        }
    }

    test('supergateway serving the STDIO quickstart as Streamable HTTP', () =>
        gateway('streamableHttp', (url) => quickstartWorks([url, '--transport', 'http'])));

    // stdio->SSE runs ONE server process for all its SSE clients, so a second client's initialize
    // reaches an initialized STDIO session, which libmcp refuses (-32600), as MCP says a session
    // is initialized once: one gateway per client connection here.
    test('supergateway serving the STDIO quickstart as SSE (one client per gateway)', async () => {
        await gateway('sse', async (url) => {
            const { tools } = await inspector([url, '--transport', 'sse', '--method', 'tools/list']);
            assert.deepEqual(tools.map((t) => t.name), ['add', 'echo']);
        });
        await gateway('sse', async (url) => {
            assert.deepEqual(await inspector([url, '--transport', 'sse', '--method', 'tools/call', '--tool-name', 'add',
                '--tool-arg', 'a=2', 'b=40']), ADD_SUM(2, 40));
        });
    });
});
