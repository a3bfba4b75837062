// Extensions, custom methods and MCP Apps through the official SDK clients (v1, v2 on
// 2026-07-28, v2 forced to the 2025 era). examples/app_server is checked against the MCP Apps
// extension's published package (@modelcontextprotocol/ext-apps, pinned): its constants and its
// JSON Schema of McpUiToolMeta and McpUiResourceMeta. mcp-everything declares "com.example/echo"
// and serves the method "example/echo".
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, describe } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import { EXTENSION_ID, RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY, getUiCapability } from '@modelcontextprotocol/ext-apps/server';

import { BIN, CLIENTS, closeAll, connect, show, test } from './lib.mjs';

after(closeAll);

const require = createRequire(import.meta.url);
const SCHEMA = require('@modelcontextprotocol/ext-apps/schema.json');
const DEFS = SCHEMA.definitions ?? SCHEMA.$defs;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validTo = (name) => {
    const check = ajv.compile(DEFS[name]);
    return (value) => {
        assert.ok(check(value), `${name}: ${show(value)} -> ${ajv.errorsText(check.errors)}`);
    };
};
const toolMeta = validTo('McpUiToolMeta');
const resourceMeta = validTo('McpUiResourceMeta');
const uiClientCaps = validTo('McpUiClientCapabilities');

const VIEW = 'ui://weather/dashboard.html';
const UI_CAPS = { extensions: { [EXTENSION_ID]: { mimeTypes: [RESOURCE_MIME_TYPE] } } };

for (const flavour of CLIENTS) {
    describe(`MCP Apps, ${flavour.label}`, () => {
        test('tools name their view in _meta.ui as the extension defines it', async () => {
            const conn = await connect(flavour.kind, BIN.app, { capabilities: UI_CAPS });
            const { tools } = await conn.client.listTools();
            const show_ = tools.find((t) => t.name === 'show_weather');
            const refresh = tools.find((t) => t.name === 'refresh_weather');
            toolMeta(show_._meta.ui);
            toolMeta(refresh._meta.ui);
            assert.deepEqual(show_._meta.ui, { resourceUri: VIEW });
            assert.equal(show_._meta[RESOURCE_URI_META_KEY], VIEW);
            assert.deepEqual(refresh._meta.ui, { resourceUri: VIEW, visibility: ['app'] });
            await conn.close();
        });

        test('the view is a ui:// resource served as the extension MIME type with its policy', async () => {
            const conn = await connect(flavour.kind, BIN.app, { capabilities: UI_CAPS });
            const { resources } = await conn.client.listResources();
            const listed = resources.find((r) => r.uri === VIEW);
            assert.equal(listed.mimeType, RESOURCE_MIME_TYPE);
            resourceMeta(listed._meta.ui);
            const read = await conn.client.readResource({ uri: VIEW });
            const [c] = read.contents;
            assert.equal(c.mimeType, RESOURCE_MIME_TYPE);
            assert.match(c.text, /^<!doctype html>/);
            resourceMeta(c._meta.ui);
            assert.deepEqual(c._meta.ui, {
                csp: { connectDomains: [], resourceDomains: ['https://cdn.example.com'] },
                permissions: { clipboardWrite: {} },
                prefersBorder: true,
            });
            await conn.close();
        });

        test('the server declares the extension where the revision keeps extensions', async () => {
            const conn = await connect(flavour.kind, BIN.app, { capabilities: UI_CAPS });
            const caps = conn.client.getServerCapabilities();
            if (flavour.era === 'modern') assert.deepEqual(getUiCapability(caps), {}, show(caps));
            else assert.deepEqual(caps.experimental?.[EXTENSION_ID], {}, show(caps));
            await conn.close();
        });

        test('a tool knows whether the client renders apps and falls back to text', async () => {
            uiClientCaps(UI_CAPS.extensions[EXTENSION_ID]);
            for (const [capabilities, apps] of [[UI_CAPS, true], [{}, false]]) {
                const conn = await connect(flavour.kind, BIN.app, { capabilities });
                const res = await conn.client.callTool({ name: 'show_weather', arguments: { city: 'Oslo' } });
                const sent = conn.log.find(
                    (e) => e.dir === 'client>' && (e.msg.method === 'initialize' || e.msg.method === 'tools/call'),
                );
                const declared = (sent.msg.params.capabilities ?? sent.msg.params._meta?.['io.modelcontextprotocol/clientCapabilities'])?.extensions;
                assert.ok(!res.isError, show(res));
                assert.equal(res.structuredContent.city, 'Oslo');
                // What the server saw is what the client sent: clients that do not pass
                // `extensions` on (in the 2025 era) get the text fallback, as a host without apps.
                const rendered = apps && declared?.[EXTENSION_ID] !== undefined;
                assert.equal(res.content[0].text.endsWith('(see the dashboard)'), rendered, show({ res, declared }));
                if (flavour.kind === 'v2' && apps) assert.ok(rendered, 'the v2 client passes its extensions on');
                await conn.close();
            }
        });
    });

    describe(`extensions and custom methods, ${flavour.label}`, () => {
        test('a method the library does not know, served with the client\'s extension settings', async () => {
            const ext = { 'com.example/echo': { flavor: 'test' } };
            const conn = await connect(flavour.kind, BIN.everything, { capabilities: { extensions: ext, experimental: ext } });
            const caps = conn.client.getServerCapabilities();
            const declared = flavour.era === 'modern' ? caps.extensions : caps.experimental;
            assert.deepEqual(declared?.['com.example/echo'], { version: 1 }, show(caps));
            const id = 777;
            const reply = new Promise((resolve) => {
                const t = setInterval(() => {
                    const m = conn.serverMessages().find((x) => x.id === id);
                    if (m) {
                        clearInterval(t);
                        resolve(m);
                    }
                }, 20);
                setTimeout(() => { clearInterval(t); resolve(undefined); }, 5000);
            });
            // Sent through the client's own transport, with the 2026 envelope where it applies.
            const meta = flavour.era === 'modern'
                ? { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { extensions: ext } } }
                : {};
            await conn.transport.send({ jsonrpc: '2.0', id, method: 'example/echo', params: { x: [1, 2], ...meta } });
            const m = await reply;
            assert.ok(m?.result, conn.transcript());
            assert.deepEqual(m.result.echoed, { x: [1, 2] });
            assert.deepEqual(m.result.clientExtension, { flavor: 'test' }, show(m.result));
            if (flavour.era === 'modern') assert.equal(m.result.resultType, 'complete');
            await conn.close({ check: true });
        });
    });
}
