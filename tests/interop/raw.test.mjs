// Raw STDIO protocol tests against the testserver: no SDK, just newline-delimited JSON-RPC.
// Every line the server writes to stdout must be one JSON message; each test checks that.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';

import {
    BIN,
    META_CAPS,
    META_INFO,
    META_SERVER_INFO,
    META_VERSION,
    PROTOCOL_LATEST_SESSION,
    PROTOCOL_MODERN,
    RawServer,
    assertError,
    assertResult,
    closeAll,
    modernMeta,
    show,
    sleep,
    test,
} from './lib.mjs';

after(closeAll);

const PING = (id) => ({ jsonrpc: '2.0', id, method: 'ping' });

/** Run `body(srv)` against a fresh testserver; close it and check the stdout invariant after. */
async function withRaw(body, opts) {
    const srv = new RawServer(BIN.testserver, opts);
    try {
        await body(srv);
    } finally {
        await srv.close();
    }
    srv.assertAllJson();
}

async function expectPing(srv, id) {
    await srv.send(PING(id));
    const res = await srv.responseTo(id);
    assert.deepEqual(res, { jsonrpc: '2.0', id, result: {} }, `ping ${show(id)}`);
}

describe('JSON-RPC framing and errors', () => {
    test('malformed JSON → -32700 with id null, and the server keeps going', () =>
        withRaw(async (srv) => {
            await srv.send('{"jsonrpc":"2.0","id":1,');
            assertError(await srv.next(), -32700, null, 'truncated JSON');
            await srv.send('this is not json');
            assertError(await srv.next(), -32700, null, 'not JSON at all');
            await expectPing(srv, 2);
        }));

    test('jsonrpc "1.0" → -32600 with the request id', () =>
        withRaw(async (srv) => {
            await srv.send({ jsonrpc: '1.0', id: 1, method: 'ping' });
            assertError(await srv.next(), -32600, 1, 'jsonrpc 1.0');
        }));

    test('invalid ids (null, 1.5, true, {}) → -32600 with id null', () =>
        withRaw(async (srv) => {
            for (const raw of ['null', '1.5', 'true', '{}']) {
                await srv.send(`{"jsonrpc":"2.0","id":${raw},"method":"ping"}`);
                assertError(await srv.next(), -32600, null, `id ${raw}`);
            }
            await expectPing(srv, 3);
        }));

    test('unknown method → -32601 with the same id', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            await srv.send({ jsonrpc: '2.0', id: 'm-1', method: 'no/such/method' });
            assertError(await srv.next(), -32601, 'm-1', 'unknown method');
        }));

    test('before initialize: tools/list → error (-32600) with its id; ping works', () =>
        withRaw(async (srv) => {
            await srv.send({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
            assertError(await srv.next(), -32600, 5, 'tools/list before initialize');
            await srv.send(PING(6));
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 6, result: {} });
        }));

    test('unknown notification → no reply at all', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            await srv.send({ jsonrpc: '2.0', method: 'notifications/no_such_thing', params: { x: 1 } });
            await srv.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 999 } });
            await srv.expectSilence(300, 'no reply to notifications');
            await srv.send(PING(7));
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 7, result: {} },
                'the next message must be the ping reply');
        }));

    test('batch on 2025-06-18 → one -32600 error (id null), not an array', () =>
        withRaw(async (srv) => {
            await srv.initialize('2025-06-18');
            await srv.send([PING(1)]);
            assertError(await srv.next(), -32600, null, 'batch on 2025-06-18');
            await srv.expectSilence(200, 'nothing else for the batch');
            await expectPing(srv, 2);
        }));

    test('batch on 2025-03-26 → an array of two results', () =>
        withRaw(async (srv) => {
            const init = await srv.initialize('2025-03-26');
            assert.equal(init.protocolVersion, '2025-03-26');
            await srv.send([PING(1), PING(2)]);
            const batch = await srv.next();
            assert.ok(Array.isArray(batch), `expected an array, got ${show(batch)}`);
            assert.equal(batch.length, 2, show(batch));
            const byId = Object.fromEntries(batch.map((m) => [m.id, m]));
            assert.deepEqual(byId[1], { jsonrpc: '2.0', id: 1, result: {} });
            assert.deepEqual(byId[2], { jsonrpc: '2.0', id: 2, result: {} });
        }));

    test('empty batch [] → -32600 id null', () =>
        withRaw(async (srv) => {
            await srv.initialize('2025-03-26');
            await srv.send('[]');
            assertError(await srv.next(), -32600, null, 'empty batch');
            await expectPing(srv, 1);
        }));

    test('wrong argument types → tool result with isError; arguments not an object → -32602', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            const res = await srv.request('tools/call', { name: 'add', arguments: { a: 'one', b: 2 } }, 1);
            const result = assertResult(res, 1, 'add with a string');
            assert.equal(result.isError, true, show(res));
            assert.match(result.content?.[0]?.text ?? '', /\ba\b/, show(res));
            // not an object at all: a protocol error, not a tool result (pinned as in test_dispatch.c)
            for (const [id, args] of [[2, 'not an object'], [3, [1, 2]], [4, 5], [5, null]]) {
                const bad = await srv.request('tools/call', { name: 'add', arguments: args }, id);
                assertError(bad, -32602, id, `arguments ${show(args)}`);
                assert.equal(bad.error.message, 'Invalid params: "arguments" must be an object', show(bad));
            }
        }));

    test('ids are echoed exactly: "1" string, 1 number, 2^53-1, 0, -7', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            const raws = ['"1"', '1', '9007199254740991', '0', '-7', '"é \\"q\\" x"'];
            for (const raw of raws) {
                await srv.send(`{"jsonrpc":"2.0","id":${raw},"method":"ping"}`);
                const res = await srv.next();
                const want = JSON.parse(raw);
                assert.ok(Object.is(res.id, want), `id ${raw} came back as ${show(res.id)}`);
                assert.equal(typeof res.id, typeof want);
                assert.deepEqual(res.result, {}, show(res));
            }
        }));
});

describe('STDIO transport', () => {
    test('an oversized line (5 MiB > 4 MiB default) → one error, then the next ping is answered', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            const pad = 'x'.repeat(5 * 1024 * 1024);
            await srv.send(`{"jsonrpc":"2.0","id":99,"method":"ping","params":{"pad":"${pad}"}}`);
            const err = await srv.next(10000, 'an error for the oversized line');
            assert.ok(err?.error && [-32600, -32700].includes(err.error.code), `expected -32600/-32700, got ${show(err)}`);
            assert.ok('id' in err && err.id === null, `the oversized-line error must have id null: ${show(err)}`);
            await srv.send(PING(100));
            assert.deepEqual(await srv.next(10000), { jsonrpc: '2.0', id: 100, result: {} },
                'the next message after the single error must be the ping reply');
        }));

    // A ping line of exactly `n` bytes, its newline not counted (the limit is on the line).
    const pingOfLength = (id, n) => {
        const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"pad":"`;
        const tail = '"}}';
        return head + 'x'.repeat(n - head.length - tail.length) + tail;
    };
    const tooLong = (limit) => `Invalid Request: message exceeds the limit of ${limit} bytes`;

    test('the line limit is exact: a line of 4 MiB (the default) is served, one byte more refused', () =>
        withRaw(async (srv) => {
            const LIMIT = 4 * 1024 * 1024;
            await srv.send(pingOfLength(1, LIMIT));
            assert.deepEqual(await srv.next(10000, 'the reply to a line of exactly the limit'),
                { jsonrpc: '2.0', id: 1, result: {} }, 'a line of exactly 4,194,304 bytes is served');
            await srv.send(pingOfLength(2, LIMIT + 1));
            const err = assertError(await srv.next(10000, 'an error for limit + 1'), -32600, null, 'a line of limit + 1 bytes');
            assert.equal(err.error.message, tooLong(LIMIT), show(err));
            await expectPing(srv, 3);
        }));

    test('MCP_LIMIT_MESSAGE_BYTES sets the line limit (1,000): exact served, +1 refused, whole or split', () =>
        withRaw(async (srv) => {
            const LIMIT = 1000;
            let id = 1;
            for (const split of [false, true]) {
                for (const [n, served] of [[LIMIT, true], [LIMIT + 1, false], [LIMIT - 1, true]]) {
                    const what = `a line of ${n} bytes${split ? ' in two writes' : ''}`;
                    const line = pingOfLength(id, n) + '\n';
                    if (split) {
                        // the first half alone: the line spans two reads
                        await srv.write(line.slice(0, 500));
                        await sleep(50);
                        await srv.write(line.slice(500));
                    } else {
                        await srv.write(line);
                    }
                    const res = await srv.next(5000, what);
                    if (served) {
                        assert.deepEqual(res, { jsonrpc: '2.0', id, result: {} }, what);
                    } else {
                        assertError(res, -32600, null, what);
                        assert.equal(res.error.message, tooLong(LIMIT), what);
                    }
                    id++;
                }
            }
            await expectPing(srv, id);
        }, { env: { TESTSERVER_MESSAGE_BYTES: '1000' } }));

    test('CRLF line endings are accepted', () =>
        withRaw(async (srv) => {
            await srv.write(JSON.stringify(PING(1)) + '\r\n');
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 1, result: {} });
            await srv.initialize();
            await srv.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) + '\r\n');
            assertResult(await srv.next(), 2, 'tools/list with CRLF');
        }));

    test('empty lines are ignored', () =>
        withRaw(async (srv) => {
            await srv.write('\n\n\r\n   \n');
            await srv.write(JSON.stringify(PING(1)) + '\n\n\n');
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 1, result: {} });
            await srv.expectSilence(200, 'no reply to empty lines');
        }));

    test('a message split into 1-byte writes is answered', () =>
        withRaw(async (srv) => {
            const line = JSON.stringify({ jsonrpc: '2.0', id: 'split', method: 'ping' }) + '\n';
            for (const ch of Buffer.from(line)) {
                await srv.write(Buffer.from([ch]));
                await sleep(2);
            }
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 'split', result: {} });
        }));

    test('a UTF-8 character split across writes survives', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            const line = Buffer.from(
                JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: '€🌍' } } }) + '\n',
            );
            const cut = line.indexOf(Buffer.from('€')) + 1; // in the middle of the 3-byte sequence
            await srv.write(line.subarray(0, cut));
            await sleep(20);
            await srv.write(line.subarray(cut));
            const result = assertResult(await srv.next(), 1, 'echo');
            assert.deepEqual(result.content, [{ type: 'text', text: '€🌍' }]);
        }));

    test('two messages in one write are both answered, in order', () =>
        withRaw(async (srv) => {
            await srv.write(JSON.stringify(PING('first')) + '\n' + JSON.stringify(PING('second')) + '\n');
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 'first', result: {} });
            assert.deepEqual(await srv.next(), { jsonrpc: '2.0', id: 'second', result: {} });
        }));

    test('EOF in the middle of a line → exit 0 within 2 s, earlier messages answered', async () => {
        const srv = new RawServer(BIN.testserver);
        try {
            await srv.write(JSON.stringify(PING(1)) + '\n{"jsonrpc":"2.0","id":2,"meth');
            await srv.responseTo(1);
            const t0 = Date.now();
            srv.end();
            const info = await srv.waitExit(2000);
            assert.ok(info, `the server did not exit within 2 s of EOF; stderr: ${srv.stderr.slice(-500)}`);
            assert.deepEqual(info.code, 0, `exit status ${show(info)} after ${info.at - t0} ms`);
        } finally {
            await srv.close();
        }
        srv.assertAllJson();
    });

    test('request then immediate EOF: the replies are still written (blocking, timer, thread)', async () => {
        const srv = new RawServer(BIN.testserver);
        try {
            await srv.initialize();
            const call = (id, name, args) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
            await srv.write(
                [call(1, 'blocking_sleep', { ms: 300 }), call(2, 'async_echo', { text: 'timer' }), call(3, 'thread_echo', { text: 'thread' })].join('\n') + '\n',
            );
            srv.end();
            const info = await srv.waitExit(5000);
            assert.ok(info, 'the server must exit after EOF once the calls finished');
            assert.equal(info.code, 0, `exit status ${show(info)}`);
            const want = { 1: 'slept 300', 2: 'timer', 3: 'thread' };
            for (const [id, t] of Object.entries(want)) {
                const res = await srv.responseTo(Number(id), 500, `reply ${id} flushed before exit`);
                assert.deepEqual(assertResult(res, Number(id)).content, [{ type: 'text', text: t }]);
            }
        } finally {
            await srv.close();
        }
        srv.assertAllJson();
    });

    test('printer: stray printf/puts/fwrite go to stderr, never stdout', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            const res = await srv.request('tools/call', { name: 'printer', arguments: {} }, 1);
            assert.deepEqual(assertResult(res, 1).content, [{ type: 'text', text: 'printed' }]);
            await expectPing(srv, 2);
            await srv.waitFor(() => srv.stderr.includes('fwrite to stdout as well'), 2000, 'printer text on stderr');
            assert.ok(srv.stderr.includes('this must not reach stdout'), srv.stderr);
            assert.ok(srv.stderr.includes('nor this'), srv.stderr);
        }));
});

describe('initialize (2025 era)', () => {
    test('initialize result: version, serverInfo, capabilities, instructions', () =>
        withRaw(async (srv) => {
            const r = await srv.initialize(PROTOCOL_LATEST_SESSION);
            assert.equal(r.protocolVersion, PROTOCOL_LATEST_SESSION);
            assert.equal(r.serverInfo?.name, 'libmcp-testserver', show(r));
            assert.equal(r.serverInfo?.version, '0.1.0', show(r));
            assert.equal(r.serverInfo?.title, 'libmcp test server', show(r));
            assert.equal(r.instructions, 'Test fixture for libmcp.');
            for (const k of ['tools', 'resources', 'prompts']) {
                assert.equal(typeof r.capabilities?.[k], 'object', `capabilities.${k} in ${show(r)}`);
            }
        }));

    test('unsupported protocolVersion "1999-01-01" → answered with 2025-11-25', () =>
        withRaw(async (srv) => {
            const r = await srv.initialize('1999-01-01');
            assert.equal(r.protocolVersion, '2025-11-25');
        }));

    for (const v of ['2025-03-26', '2025-06-18', '2024-11-05']) {
        test(`protocolVersion "${v}" is echoed`, () =>
            withRaw(async (srv) => {
                const r = await srv.initialize(v);
                assert.equal(r.protocolVersion, v);
            }));
    }

    test('missing protocolVersion → -32602', () =>
        withRaw(async (srv) => {
            const res = await srv.request('initialize', { capabilities: {}, clientInfo: { name: 'raw', version: '1' } }, 1);
            assertError(res, -32602, 1, 'initialize without protocolVersion');
        }));

    test('a second initialize → -32600', () =>
        withRaw(async (srv) => {
            await srv.initialize();
            const res = await srv.request('initialize', {
                protocolVersion: PROTOCOL_LATEST_SESSION,
                capabilities: {},
                clientInfo: { name: 'raw', version: '1' },
            }, 2);
            assertError(res, -32600, 2, 'second initialize');
            await expectPing(srv, 3);
        }));
});

describe('2026-07-28 stateless requests', () => {
    test('server/discover before (and without) initialize', () =>
        withRaw(async (srv) => {
            const res = await srv.request('server/discover', { _meta: modernMeta() }, 'd-1');
            const r = assertResult(res, 'd-1', 'server/discover');
            assert.equal(r.resultType, 'complete', show(r));
            assert.ok(Array.isArray(r.supportedVersions), show(r));
            assert.ok(r.supportedVersions.includes(PROTOCOL_MODERN), `supportedVersions ${show(r.supportedVersions)}`);
            assert.ok(r.supportedVersions.includes(PROTOCOL_LATEST_SESSION), `supportedVersions ${show(r.supportedVersions)}`);
            for (const k of ['tools', 'resources', 'prompts']) {
                assert.equal(typeof r.capabilities?.[k], 'object', `capabilities.${k} in ${show(r)}`);
            }
            const info = r._meta?.[META_SERVER_INFO] ?? r.serverInfo;
            assert.equal(info?.name, 'libmcp-testserver', `serverInfo (in _meta["${META_SERVER_INFO}"]) ${show(r)}`);
            assert.equal(info?.version, '0.1.0', show(r));
            assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, `ttlMs (required by DiscoverResult) in ${show(r)}`);
            assert.ok(['public', 'private'].includes(r.cacheScope), `cacheScope in ${show(r)}`);
        }));

    test('tools/list with per-request _meta and no initialize', () =>
        withRaw(async (srv) => {
            const res = await srv.request('tools/list', {
                _meta: { [META_VERSION]: PROTOCOL_MODERN, [META_CAPS]: {} },
            }, 1);
            const r = assertResult(res, 1, 'stateless tools/list');
            assert.equal(r.resultType, 'complete', show(r).slice(0, 300));
            assert.ok(Array.isArray(r.tools), 'tools array');
            assert.equal(r.tools.length, 14, r.tools.map((t) => t.name).join(','));
            assert.equal(r.tools[0].name, 'echo');
            assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, `ttlMs: ${show(r.ttlMs)}`);
            assert.ok(['public', 'private'].includes(r.cacheScope), `cacheScope: ${show(r.cacheScope)}`);
        }));

    test('tools/call and resources/read statelessly; not-found is -32602 in 2026-07-28', () =>
        withRaw(async (srv) => {
            const meta = modernMeta();
            let r = assertResult(
                await srv.request('tools/call', { name: 'add', arguments: { a: 1, b: 2 }, _meta: meta }, 1), 1, 'stateless tools/call');
            assert.equal(r.resultType, 'complete');
            assert.deepEqual(r.content, [{ type: 'text', text: '3' }]);
            r = assertResult(await srv.request('resources/read', { uri: 'test://items/7', _meta: meta }, 2), 2, 'stateless read');
            assert.deepEqual(r.contents, [{ uri: 'test://items/7', mimeType: 'application/json', text: '{"id":"7"}' }]);
            assertError(await srv.request('resources/read', { uri: 'test://items/missing', _meta: meta }, 3), -32602, 3,
                'missing resource, 2026-07-28');
        }));

    test('unsupported per-request version "2099-01-01" → -32022 listing the supported versions', () =>
        withRaw(async (srv) => {
            const res = await srv.request('tools/list', {
                _meta: { [META_VERSION]: '2099-01-01', [META_CAPS]: {}, [META_INFO]: { name: 'raw', version: '1' } },
            }, 1);
            assertError(res, -32022, 1, 'unsupported version');
            const data = res.error.data;
            assert.ok(Array.isArray(data?.supported), `error.data.supported must list versions: ${show(res)}`);
            assert.ok(data.supported.includes(PROTOCOL_MODERN), show(res));
            assert.equal(data.requested, '2099-01-01', show(res));
        }));

    test('per-request _meta without clientCapabilities → -32602', () =>
        withRaw(async (srv) => {
            const res = await srv.request('tools/list', { _meta: { [META_VERSION]: PROTOCOL_MODERN } }, 1);
            assertError(res, -32602, 1, 'missing clientCapabilities');
        }));
});
