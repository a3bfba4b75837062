// Shutdown and tool time limits with a blocking tool that libuv cannot stop (issue 9, defects 2
// and 7): fixtures/testserver with TESTSERVER_STUCK=1 registers `stuck`, an MCP_TOOL_BLOCKING
// tool that sleeps up to 60 s and ignores cancellation.
//
// - EOF on stdin ends the process within the STDIO grace period (5 s) + 1 s, status 0, with a
//   log line saying what was abandoned.
// - SIGTERM over --http ends it within --grace + 1 s.
// - --tool-timeout answers the stuck call at about the limit with an isError result, the server
//   keeps serving, and EOF then ends it at once (nothing is in flight any more).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe } from 'node:test';

import { BIN, RawServer, closeAll, show, sleep, test } from './lib.mjs';
import { SANITIZER_ENV, assertCleanExit } from '../serverexit.mjs';

const STDIO_GRACE_MS = 5000;
const ENV = { TESTSERVER_STUCK: '1' };
const call = (id, name, args) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

after(closeAll);

describe('a blocking tool stuck on a pool thread', () => {
    test('EOF on stdin: the server exits within the grace period + 1 s', async () => {
        const srv = new RawServer(BIN.testserver, { env: ENV });
        await srv.initialize();
        await srv.send(call(1, 'stuck', { ms: 60000 }));
        await sleep(300); // on its pool thread by now
        const t0 = Date.now();
        srv.end();
        const info = await srv.waitExit(STDIO_GRACE_MS + 3000);
        const took = Date.now() - t0;
        await srv.close({ check: false });
        assert.ok(info, `still running ${took} ms after EOF; stderr: ${srv.stderr.slice(-800)}`);
        assert.ok(took <= STDIO_GRACE_MS + 1000, `exited ${took} ms after EOF (grace ${STDIO_GRACE_MS} ms)`);
        assertCleanExit(info, srv.stderr, 'testserver');
        assert.match(srv.stderr, /grace period over: 1 blocking tool call\(s\) still running on the thread pool; exiting/);
        srv.assertAllJson();
    });

    test('SIGTERM over --http: the server exits within --grace + 1 s', async () => {
        const child = spawn(BIN.testserver, ['--http', '127.0.0.1:0', '--grace', '1s'], {
            stdio: ['ignore', 'ignore', 'pipe'],
            env: { ...process.env, ...SANITIZER_ENV, ...ENV },
        });
        let stderr = '';
        child.stderr.setEncoding('utf8');
        const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
        const closed = new Promise((resolve) => child.once('close', resolve));
        try {
            const url = await new Promise((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`no URL: ${stderr}`)), 10000);
                child.stderr.on('data', (d) => {
                    stderr += d;
                    const m = /Streamable HTTP on (\S+)/.exec(stderr);
                    if (m) {
                        clearTimeout(timer);
                        resolve(m[1]);
                    }
                });
            });
            // A 2026-07-28 request (no session): the POST waits for the stuck call's reply.
            const ac = new AbortController();
            const body = call(1, 'stuck', { ms: 60000 });
            body.params._meta = {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientCapabilities': {},
            };
            const pending = fetch(url, {
                method: 'POST',
                headers: {
                    'Content-Type': 'application/json',
                    Accept: 'application/json, text/event-stream',
                    'MCP-Protocol-Version': '2026-07-28',
                    'Mcp-Method': 'tools/call',
                    'Mcp-Name': 'stuck',
                },
                body: JSON.stringify(body),
                signal: ac.signal,
            }).catch(() => null);
            await sleep(500);
            const t0 = Date.now();
            child.kill('SIGTERM');
            const info = await Promise.race([exited, sleep(6000).then(() => null)]);
            ac.abort();
            await pending;
            assert.ok(info, `still running 6 s after SIGTERM; stderr: ${stderr.slice(-800)}`);
            assert.ok(info.at - t0 <= 2000, `exited ${info.at - t0} ms after SIGTERM (grace 1 s)`);
            await closed;
            assertCleanExit(info, stderr, 'testserver --http');
            assert.match(stderr, /grace period over: 1 blocking tool call\(s\) still running on the thread pool; exiting/);
        } finally {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
    });

    test('--tool-timeout: answered at about the limit, the server keeps serving, EOF ends it', async () => {
        const srv = new RawServer(BIN.testserver, { env: ENV, args: ['--tool-timeout', '300'] });
        try {
            await srv.initialize();
            const t0 = Date.now();
            const r = await srv.request('tools/call', { name: 'stuck', arguments: { ms: 60000 } }, 1, 5000);
            const took = Date.now() - t0;
            assert.ok(took >= 280 && took < 1500, `answered after ${took} ms (limit 300 ms)`);
            assert.deepEqual(r.result, { content: [{ type: 'text', text: "Tool 'stuck' timed out after 300 ms" }], isError: true }, show(r));
            const echo = await srv.request('tools/call', { name: 'echo', arguments: { text: 'still here' } }, 2);
            assert.deepEqual(echo.result.content, [{ type: 'text', text: 'still here' }], show(echo));
            const t1 = Date.now();
            srv.end();
            const info = await srv.waitExit(3000);
            assert.ok(info, `still running 3 s after EOF; stderr: ${srv.stderr.slice(-800)}`);
            assert.ok(info.at - t1 < 1500, `exited ${info.at - t1} ms after EOF`);
            assertCleanExit(info, srv.stderr, 'testserver --tool-timeout');
            assert.match(srv.stderr, /Tool 'stuck' timed out after 300 ms; the call is cancelled/);
        } finally {
            await srv.close({ check: false });
        }
        srv.assertAllJson();
    });
});
