// examples/quickstart driven by the official SDK clients (v1, v2 on 2026-07-28, v2 forced 2025).
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { BIN, CLIENTS, assertEra, closeAll, connect, expectRpcError, onlyText, show, HOOK, test } from './lib.mjs';

after(closeAll);

const ADD_SCHEMA = {
    type: 'object',
    properties: {
        a: { type: 'number', description: 'First number' },
        b: { type: 'number', description: 'Second number' },
    },
    required: ['a', 'b'],
};
const ECHO_SCHEMA = {
    type: 'object',
    properties: { text: { type: 'string', description: 'Text to echo back' } },
    required: ['text'],
};
const ABOUT_URI = 'docs://quickstart/about';
const ABOUT_TEXT = 'libmcp quickstart: tools add and echo, one resource, one prompt.';

for (const flavor of CLIENTS) {
    describe(`quickstart with ${flavor.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavor.kind, BIN.quickstart);
        }, HOOK);
        after(() => conn?.close());

        test('connects on the expected protocol era', () => {
            assertEra(conn, flavor);
        });

        test('server identity and capabilities', () => {
            const info = conn.client.getServerVersion();
            assert.equal(info?.name, 'quickstart', `serverInfo ${show(info)}`);
            assert.equal(info?.version, '1.0.0', `serverInfo ${show(info)}`);
            const caps = conn.client.getServerCapabilities();
            for (const key of ['tools', 'resources', 'prompts']) {
                assert.equal(typeof caps?.[key], 'object', `capabilities.${key} must be an object: ${show(caps)}`);
                assert.notEqual(caps[key], null);
            }
        });

        test('tools/list: names, descriptions, input schemas', async () => {
            const { tools } = await conn.client.listTools();
            assert.deepEqual(tools.map((t) => t.name), ['add', 'echo'], show(tools));
            const [add, echo] = tools;
            assert.equal(add.description, 'Add two numbers');
            assert.deepEqual(add.inputSchema, ADD_SCHEMA);
            assert.equal(echo.description, 'Echo the text back');
            assert.deepEqual(echo.inputSchema, ECHO_SCHEMA);
        });

        test('add(2, 3) = "2 + 3 = 5" (a sentence: not JSON, so no client reads it as structured content)', async () => {
            const res = await conn.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
            assert.deepEqual(res.content, [{ type: 'text', text: '2 + 3 = 5' }], show(res));
            assert.ok(!res.isError, show(res));
        });

        test('add(0.5, 0.25); add(-1.5, 1e21)', async () => {
            let res = await conn.client.callTool({ name: 'add', arguments: { a: 0.5, b: 0.25 } });
            assert.equal(onlyText(res, conn), '0.5 + 0.25 = 0.75');
            res = await conn.client.callTool({ name: 'add', arguments: { a: -1.5, b: 1e21 } });
            assert.equal(onlyText(res, conn), '-1.5 + 1e+21 = 1e+21');
        });

        test('echo returns the text unchanged (unicode, %, quotes, newlines)', async () => {
            const texts = [
                'hello',
                'héllo wörld — 日本語 🌍',
                '100% %s %d %n %% %x \\ "quoted" \'single\'',
                'line1\nline2\r\n\ttabbed',
                'x'.repeat(10000),
            ];
            for (const text of texts) {
                const res = await conn.client.callTool({ name: 'echo', arguments: { text } });
                assert.deepEqual(res.content, [{ type: 'text', text }], `echo ${show(text)}`);
            }
        });

        test('echo of the empty string', async () => {
            const res = await conn.client.callTool({ name: 'echo', arguments: { text: '' } });
            assert.deepEqual(res.content, [{ type: 'text', text: '' }], show(res));
        });

        test('resources/list and resources/read', async () => {
            const { resources } = await conn.client.listResources();
            assert.deepEqual(resources, [{ uri: ABOUT_URI, name: 'about', mimeType: 'text/plain', size: ABOUT_TEXT.length }]);
            const res = await conn.client.readResource({ uri: ABOUT_URI });
            assert.deepEqual(res.contents, [{ uri: ABOUT_URI, mimeType: 'text/plain', text: ABOUT_TEXT }]);
        });

        test('prompts/list and prompts/get', async () => {
            const { prompts } = await conn.client.listPrompts();
            assert.deepEqual(prompts, [
                {
                    name: 'greet',
                    description: 'Greet someone by name',
                    arguments: [{ name: 'name', description: 'Who to greet', required: true }],
                },
            ]);
            const res = await conn.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
            assert.deepEqual(res.messages, [
                { role: 'user', content: { type: 'text', text: 'Please write a short, friendly greeting for Ada.' } },
            ]);
        });

        test('prompts/get without the required argument → -32602', async () => {
            await expectRpcError(conn.client.getPrompt({ name: 'greet', arguments: {} }), -32602, conn,
                'greet without name');
            await expectRpcError(conn.client.getPrompt({ name: 'greet' }), -32602, conn, 'greet without arguments');
        });

        test('the connection stayed clean', () => {
            assert.deepEqual(conn.errors.map(String), [], 'client-side transport/protocol errors');
        });
    });
}
