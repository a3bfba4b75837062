// --stateless honesty: a 2025-era client served without sessions is offered only what works
// (no resource subscriptions, list changes or logging), the methods that need a lasting session
// answer -32601, and a tool that asks the client is told the connection cannot carry the
// question, not that the client lacks a capability it declared. 2026-07-28 clients keep
// everything. SDK clients v1 and v2 (2025 era) against examples/http_server --stateless.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { BIN, HOOK, INIT, closeAll, connect, post, show, startServer, test } from './lib.mjs';

after(closeAll);

const ELICIT = { elicitation: { form: {} } };

describe('--stateless: 2025-era clients are offered only what works', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, ['--stateless']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    for (const kind of ['v1', 'v2-2025']) {
        test(`${kind}: initialize advertises no subscribe, listChanged or logging`, async () => {
            const conn = await connect(kind, srv, { capabilities: ELICIT });
            const caps = conn.client.getServerCapabilities();
            assert.deepEqual(caps.resources, { subscribe: false, listChanged: false }, show(caps));
            assert.deepEqual(caps.tools, { listChanged: false }, show(caps));
            assert.deepEqual(caps.prompts, { listChanged: false }, show(caps));
            assert.equal(caps.logging, undefined, show(caps));
            await conn.close();
        });

        test(`${kind}: a tool that asks the client says the connection cannot carry it`, async () => {
            const conn = await connect(kind, srv, { capabilities: ELICIT });
            const res = await conn.client.callTool({ name: 'ask', arguments: { question: 'Name?' } });
            assert.equal(res.isError, true, show(res));
            assert.equal(
                res.content[0].text,
                'cannot ask the client: the connection cannot carry server-to-client requests (stateless HTTP)',
            );
            await conn.close();
        });
    }

    test('logging/setLevel, resources/subscribe and unsubscribe answer -32601 saying why', async () => {
        for (const [method, params] of [
            ['logging/setLevel', { level: 'debug' }],
            ['resources/subscribe', { uri: 'info://server' }],
            ['resources/unsubscribe', { uri: 'info://server' }],
        ]) {
            const r = await post(srv.url, { jsonrpc: '2.0', id: 7, method, params }, { 'MCP-Protocol-Version': '2025-11-25' });
            const body = await r.json();
            assert.equal(body.error?.code, -32601, show(body));
            assert.match(body.error.message, /runs without sessions/);
        }
        const r = await post(srv.url, INIT(1));
        const caps = (await r.json()).result.capabilities;
        assert.equal(caps.logging, undefined, show(caps));
    });

    test('2026-07-28 requests keep every feature (server/discover advertises logging and subscriptions)', async () => {
        const conn = await connect('v2', srv, { capabilities: ELICIT });
        assert.equal(conn.client.getProtocolEra(), 'modern');
        const caps = conn.client.getServerCapabilities();
        assert.equal(caps.resources?.subscribe, true, show(caps));
        assert.deepEqual(caps.logging, {}, show(caps));
        await conn.close();
    });
});

describe('with sessions, the same server offers them all', () => {
    let srv;
    before(async () => {
        srv = await startServer(BIN.http, []);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
    });

    test('v1: subscribe, listChanged and logging advertised', async () => {
        const conn = await connect('v1', srv, { capabilities: ELICIT });
        const caps = conn.client.getServerCapabilities();
        assert.deepEqual(caps.resources, { subscribe: true, listChanged: true }, show(caps));
        assert.deepEqual(caps.logging, {}, show(caps));
        await conn.close();
    });
});
