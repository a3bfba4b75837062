// libmcp's client over HTTP against real peers, through the `mcp` command and `mcp-proxy`:
//   - the official TypeScript SDK servers, v1 and v2, over Streamable HTTP (stateful, with SSE
//     replies; stateless, JSON replies, v2 serving 2026-07-28) and v1 over legacy HTTP+SSE, and
//     libmcp's own mcp-everything over the same three: `mcp tools`, `mcp call` (progress where the
//     server streams it), the same through `mcp-proxy URL` over STDIO, and the SDK's v1 client
//     talking to each through `mcp-proxy URL` (progress forwarded);
//   - the other direction: STDIO servers (TypeScript SDK v1, v2, mcp-everything) exposed with
//     `mcp-proxy --http`, reached by the SDK's v1 and v2 clients and by `mcp`;
//   - peers that misbehave (wrong content type, wrong status, a stream cut mid-event, a server
//     that dies mid-call, one that never answers): `mcp` ends
//     with the exit status of a connection, protocol or timeout failure and a clear message,
//     never hangs or crashes.
// Every server binds 127.0.0.1 on a free port and is stopped at the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as v2 from '@modelcontextprotocol/client';

import { assertNoSanitizerReport } from '../serverexit.mjs';
import { killAll, run, start } from './proc.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = process.env.MCP_BUILD ?? path.join(HERE, '../../build');
const MCP = path.join(BUILD, 'bin/mcp');
const PROXY = path.join(BUILD, 'bin/mcp-proxy');
const EVERYTHING = path.join(BUILD, 'bin/mcp-everything');
const TS = path.join(HERE, 'ts-server.mjs');
const T = { timeout: 30000 };

after(killAll);

async function stop(s) {
    const done = s.proc.exitCode !== null ? Promise.resolve(s.proc.exitCode)
        : new Promise((r) => s.proc.on('close', (code) => r(code)));
    s.proc.kill('SIGTERM');
    const code = await done;
    assertNoSanitizerReport(s.stderr(), 'server');
    return code;
}

const PEERS = [
    { label: 'TypeScript SDK v1, Streamable HTTP, stateful (SSE replies)', cmd: 'node', args: [TS, 'v1', 'stateful'], progress: true },
    { label: 'TypeScript SDK v1, Streamable HTTP, stateless (JSON replies)', cmd: 'node', args: [TS, 'v1', 'stateless'] },
    { label: 'TypeScript SDK v1, legacy HTTP+SSE', cmd: 'node', args: [TS, 'v1', 'sse'], sse: true, progress: true },
    { label: 'TypeScript SDK v2, Streamable HTTP, stateful', cmd: 'node', args: [TS, 'v2', 'stateful'] },
    { label: 'TypeScript SDK v2, Streamable HTTP, stateless (2026-07-28)', cmd: 'node', args: [TS, 'v2', 'stateless'] },
    { label: 'libmcp mcp-everything, Streamable HTTP', cmd: EVERYTHING, args: ['--http', '127.0.0.1:0'], libmcp: true, progress: true },
    { label: 'libmcp mcp-everything, Streamable HTTP --stateless', cmd: EVERYTHING, args: ['--http', '127.0.0.1:0', '--stateless'], libmcp: true },
    { label: 'libmcp mcp-everything, legacy HTTP+SSE', cmd: EVERYTHING, args: ['--sse', '127.0.0.1:0'], libmcp: true, sse: true, progress: true },
];

for (const peer of PEERS) {
    describe(`mcp and mcp-proxy against ${peer.label}`, () => {
        let srv;
        const sse = peer.sse ? ['--sse'] : [];
        const up = peer.sse ? ['--upstream-sse'] : [];
        const progressTool = peer.libmcp ? ['test_tool_with_progress'] : ['steps', 'n=3'];
        test('start', T, async () => { srv = await start(peer.cmd, peer.args); });

        test('mcp tools --json lists echo', T, async () => {
            const r = await run(MCP, ['tools', '--json', ...sse, srv.url]);
            assert.equal(r.code, 0, r.stderr);
            const tools = JSON.parse(r.stdout);
            const names = (Array.isArray(tools) ? tools : tools.tools).map((t) => t.name);
            assert.ok(names.includes('echo'), r.stdout);
        });

        test('mcp call echo, and progress on stderr', T, async () => {
            const arg = peer.libmcp ? 'message=héllo wörld' : 'text=héllo wörld';
            let r = await run(MCP, ['call', 'echo', arg, ...sse, srv.url]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /héllo wörld/);
            r = await run(MCP, ['call', ...progressTool, ...sse, srv.url]);
            assert.equal(r.code, 0, r.stderr);
            if (peer.progress) assert.match(r.stderr, /progress: /, r.stderr);
        });

        test('mcp over STDIO through mcp-proxy URL', T, async () => {
            const arg = peer.libmcp ? 'message=through the proxy' : 'text=through the proxy';
            const r = await run(MCP, ['call', 'echo', arg, '--stdio', PROXY, ...up, srv.url]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /through the proxy/);
        });

        test('the TypeScript SDK v1 client through mcp-proxy URL (progress forwarded)', T, async () => {
            const client = new Client({ name: 'sdk-through-proxy', version: '1.0.0' });
            const transport = new StdioClientTransport({ command: PROXY, args: [...up, srv.url], stderr: 'pipe' });
            await client.connect(transport);
            try {
                const { tools } = await client.listTools();
                assert.ok(tools.some((t) => t.name === 'echo'));
                const args = peer.libmcp ? { message: 'sdk' } : { text: 'sdk' };
                const res = await client.callTool({ name: 'echo', arguments: args });
                assert.match(JSON.stringify(res.content), /sdk/);
                const seen = [];
                const [name, n] = progressTool;
                await client.callTool({ name, arguments: n ? { n: 3 } : {} }, undefined,
                    { onprogress: (p) => seen.push(p.progress) });
                if (peer.progress) assert.ok(seen.length >= 2, `progress seen: ${seen}`);
            } finally {
                await client.close();
            }
        });

        test('stop', T, async () => { await stop(srv); });
    });
}

const STDIO_SERVERS = [
    { label: 'TypeScript SDK v1 (STDIO)', cmd: ['node', TS, 'v1', 'stdio'], echo: { text: 'x' } },
    { label: 'TypeScript SDK v2 (STDIO)', cmd: ['node', TS, 'v2', 'stdio'], echo: { text: 'x' } },
    { label: 'libmcp mcp-everything (STDIO)', cmd: [EVERYTHING], echo: { message: 'x' } },
];

for (const s of STDIO_SERVERS) {
    describe(`mcp-proxy --http exposing ${s.label}`, () => {
        let px;
        test('start', T, async () => { px = await start(PROXY, ['--http', '127.0.0.1:0', '--', ...s.cmd]); });

        test('the TypeScript SDK v1 client over Streamable HTTP', T, async () => {
            const client = new Client({ name: 'sdk-v1', version: '1.0.0' });
            await client.connect(new StreamableHTTPClientTransport(new URL(px.url)));
            try {
                const { tools } = await client.listTools();
                assert.ok(tools.some((t) => t.name === 'echo'));
                const res = await client.callTool({ name: 'echo', arguments: s.echo });
                assert.match(JSON.stringify(res.content), /"(Echo: )?x"/);
            } finally {
                await client.close();
            }
        });

        test('the TypeScript SDK v2 client (2026-07-28 when offered)', T, async () => {
            const client = new v2.Client({ name: 'sdk-v2', version: '2.0.0' });
            await client.connect(new v2.StreamableHTTPClientTransport(new URL(px.url)));
            try {
                const res = await client.callTool({ name: 'echo', arguments: s.echo });
                assert.match(JSON.stringify(res.content), /"(Echo: )?x"/);
            } finally {
                await client.close();
            }
        });

        test('mcp call over the URL', T, async () => {
            const [k, v] = Object.entries(s.echo)[0];
            const r = await run(MCP, ['call', 'echo', `${k}=${v}y`, px.url]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /xy/);
        });

        test('SIGTERM stops the proxy and its server cleanly', T, async () => {
            assert.equal(await stop(px), 0, px.stderr());
        });

        test('the server dying stops the proxy (status 1, the reason on stderr)', T, async () => {
            const again = await start(PROXY, ['--http', '127.0.0.1:0', '--', ...s.cmd]);
            const kids = execFileSync('pgrep', ['-P', String(again.proc.pid)]).toString().trim().split(/\s+/);
            const exited = new Promise((r) => again.proc.on('close', (code) => r(code)));
            for (const k of kids) process.kill(Number(k), 'SIGKILL');
            assert.equal(await exited, 1, again.stderr());
            assert.match(again.stderr(), /upstream server went away/);
            assertNoSanitizerReport(again.stderr(), 'mcp-proxy');
        });
    });
}

describe('examples/mount: a gateway with an in-process server mounted under a prefix', () => {
    test('its tools, and a call through the mount', T, async () => {
        const bin = path.join(BUILD, 'examples/mount');
        let r = await run(MCP, ['tools', '--json', '--stdio', bin]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /weather_forecast/);
        r = await run(MCP, ['call', 'weather_forecast', 'city=Oslo', '--stdio', bin]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Sunny in Oslo/);
    });
});

// ---- TLS: certificates verified (a CA file given), refused (unknown CA), or skipped (--insecure) ----
describe('https:// upstream (mcp-everything with --tls-cert) through mcp-proxy', () => {
    let srv, dir;
    test('start', T, async () => {
        dir = mkdtempSync(path.join(os.tmpdir(), 'libmcp-client-tls-'));
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`,
            '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=localhost',
            '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
        srv = await start(EVERYTHING, ['--http', '127.0.0.1:0', '--tls-cert', `${dir}/cert.pem`, '--tls-key', `${dir}/key.pem`]);
        assert.match(srv.url, /^https:/);
    });
    test('verified against the given CA file', T, async () => {
        const r = await run(MCP, ['call', 'echo', 'message=secure', '--stdio', PROXY, '--ca-file', `${dir}/cert.pem`, srv.url]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /secure/);
    });
    test('an unknown CA is refused: the proxy does not start', T, async () => {
        const r = await run(PROXY, [srv.url]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /certificate|SSL|TLS/i);
    });
    test('--insecure skips verification', T, async () => {
        const r = await run(MCP, ['call', 'echo', 'message=unverified', '--stdio', PROXY, '--insecure', srv.url]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /unverified/);
    });
    test('stop', T, async () => {
        await stop(srv);
        rmSync(dir, { recursive: true, force: true });
    });
});

// ---- peers that misbehave --------------------------------------------------------------------
const DISCOVER = {
    resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} },
    serverInfo: { name: 'bad-peer', version: '1' },
};

/** A server that answers server/discover properly and tools/call with `behave(res, msg)`. */
function badPeer(behave) {
    return new Promise((resolve) => {
        const srv = http.createServer((req, res) => {
            let body = '';
            req.on('data', (d) => (body += d));
            req.on('end', () => {
                let msg;
                try { msg = JSON.parse(body); } catch { res.writeHead(400).end(); return; }
                if (msg.method === 'initialize') {
                    res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'bad-1' });
                    res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {
                        protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: DISCOVER.serverInfo } }));
                } else if (msg.method === 'server/discover') {
                    res.writeHead(200, { 'Content-Type': 'application/json' });
                    res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: DISCOVER }));
                } else if (msg.method === 'tools/call') {
                    behave(res, msg, req);
                } else {
                    res.writeHead(200, { 'Content-Type': 'application/json' });
                    res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { tools: [] } }));
                }
            });
        });
        srv.listen(0, '127.0.0.1', () => resolve({ srv, url: `http://127.0.0.1:${srv.address().port}/mcp` }));
    });
}

const BAD = [
    { label: 'text/html instead of JSON', exit: [3, 4], why: /content type/,
      behave: (res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<html>hi</html>'); } },
    { label: 'HTTP 500 with a text body', exit: [4], why: /HTTP 500/,
      behave: (res) => { res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('boom'); } },
    { label: 'HTTP 400 with no JSON-RPC body', exit: [3], why: /HTTP 400/,
      behave: (res) => { res.writeHead(400); res.end('bad'); } },
    { label: 'malformed JSON', exit: [3, 4], why: /JSON|parse|malformed/i,
      behave: (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"jsonrpc":"2.0",'); } },
    { label: 'an SSE stream cut mid-event', exit: [4], why: /ended|before the response|closed/,
      behave: (res) => {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"');
          setTimeout(() => res.end(), 50);
      } },
    { label: 'a server that dies mid-call', exit: [4], why: /failed|ended|closed|reset|Recv/i,
      behave: (res, msg, req) => {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          res.write(': ping\n\n');
          setTimeout(() => req.socket.destroy(), 50);
      } },
    { label: 'a 2025 session the server no longer knows (404): the connection ends', exit: [4], why: /session/,
      args: ['--protocol', '2025-11-25'],
      behave: (res) => { res.writeHead(404); res.end(); } },
    { label: 'no answer at all', exit: [5], why: /no answer|time/i, args: ['--timeout', '1500'],
      behave: () => {} },
];

describe('peers that misbehave: mcp call fails cleanly, once, in bounded time', () => {
    for (const b of BAD) {
        test(b.label, T, async () => {
            const peer = await badPeer(b.behave);
            try {
                const t0 = Date.now();
                const r = await run(MCP, ['call', 'echo', 'text=x', ...(b.args ?? []), peer.url], 15000);
                assert.ok(b.exit.includes(r.code), `exit ${r.code} (${r.signal}); stderr: ${r.stderr}`);
                assert.match(r.stderr, b.why);
                assert.ok(Date.now() - t0 < 12000, 'bounded time');
                assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/);
            } finally {
                peer.srv.closeAllConnections();
                peer.srv.close();
            }
        });
    }
});
