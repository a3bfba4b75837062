// The official TypeScript SDK v2 server over STDIO in the 2026-07-28 era (ts-stdio2026.mjs, on
// serveStdio(), which picks the era from the opening message):
//   - libmcp's client through the `mcp` command negotiates 2026-07-28 with it and calls a tool;
//   - a mount of it (`mcp-proxy --http -- node ts-stdio2026.mjs`, mcp_server_mount() on a 2026
//     STDIO client) reached by the SDK's v2 client (2026-07-28 over Streamable HTTP): the
//     server's input_required question goes through the mount to the real client, whose retry
//     carries the answer back; and by the SDK's v1 client (2025), asked with a request of its own;
//   - the same mount with the upstream pinned to 2025 (--protocol 2025-11-25: the SDK asks with an
//     elicitation request inside the call): the call is held until the v2 client's retry.
// Every server binds 127.0.0.1 on a free port and is stopped at the end.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import * as v2 from '@modelcontextprotocol/client';

import { assertNoSanitizerReport } from '../serverexit.mjs';
import { killAll, run, start } from './proc.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = process.env.MCP_BUILD ?? path.join(HERE, '../../build');
const MCP = path.join(BUILD, 'bin/mcp');
const PROXY = path.join(BUILD, 'bin/mcp-proxy');
const PEER = ['node', path.join(HERE, 'ts-stdio2026.mjs')];
const T = { timeout: 30000 };

after(killAll);

/** Start mcp-proxy --http on the SDK server and wait for its URL (bounded). */
const startProxy = (upstream = []) => start(PROXY, [...upstream, '--http', '127.0.0.1:0', '--', ...PEER]);

const text = (res) => res.content?.[0]?.text;

describe('TypeScript SDK v2 over STDIO, 2026-07-28', () => {
    test('mcp info negotiates 2026-07-28 with it', T, async () => {
        const r = await run(MCP, ['info', '--json', '--stdio', ...PEER]);
        assert.equal(r.code, 0, r.stderr);
        const info = JSON.parse(r.stdout);
        assert.equal(info.protocolVersion, '2026-07-28');
        assert.equal(info.serverInfo.name, 'ts-v2-stdio');
    });

    test('mcp call', T, async () => {
        const r = await run(MCP, ['call', 'echo', 'text=over stdio', '--stdio', ...PEER]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /over stdio/);
    });

    for (const up of [
        { label: 'a 2026-07-28 upstream: its input_required relayed', args: [] },
        { label: 'a 2025 upstream (--protocol 2025-11-25): its call held until the retry', args: ['--protocol', '2025-11-25'] },
    ]) {
        describe(`mounted (mcp-proxy --http), ${up.label}`, () => {
            let px;
            test('start', T, async () => { px = await startProxy(up.args); });

            test('the SDK v2 client (2026-07-28) answers it by retrying', T, async () => {
                const client = new v2.Client({ name: 'sdk-v2', version: '2.0.0' }, {
                    capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' },
                });
                let asked = 0;
                client.setRequestHandler('elicitation/create', async (req) => {
                    asked++;
                    assert.equal(req.params.message, 'Your name?');
                    return { action: 'accept', content: { name: 'Ada' } };
                });
                await client.connect(new v2.StreamableHTTPClientTransport(new URL(px.url)));
                try {
                    assert.equal(client.getProtocolEra(), 'modern');
                    assert.equal(text(await client.callTool({ name: 'echo', arguments: { text: 'x' } })), 'x');
                    assert.equal(text(await client.callTool({ name: 'ask_name', arguments: {} })), 'hello Ada');
                    assert.equal(asked, 1);
                } finally {
                    await client.close();
                }
            });

            test('the SDK v1 client (2025) gets it as a request of its own', T, async () => {
                const client = new Client({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
                let asked = 0;
                client.setRequestHandler(ElicitRequestSchema, async () => {
                    asked++;
                    return { action: 'accept', content: { name: 'Bo' } };
                });
                await client.connect(new StreamableHTTPClientTransport(new URL(px.url)));
                try {
                    const res = await client.callTool({ name: 'ask_name', arguments: {} });
                    assert.equal(text(res), 'hello Bo');
                    assert.equal(asked, 1);
                } finally {
                    await client.close();
                }
            });

            test('SIGTERM stops the proxy cleanly', T, async () => {
                const done = new Promise((r) => px.proc.on('close', (code) => r(code)));
                px.proc.kill('SIGTERM');
                assert.equal(await done, 0, px.stderr());
                assertNoSanitizerReport(px.stderr(), 'mcp-proxy');
            });
        });
    }
});
