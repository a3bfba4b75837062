// The framework around the protocol, through the official SDK clients (v1, v2 on 2026-07-28,
// v2 forced to the 2025 era) against mcp-everything over STDIO: output schema enforcement, ...
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { BIN, CLIENTS, closeAll, connect, show, HOOK, test } from './lib.mjs';

after(closeAll);

const texts = (res) => res.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');

for (const flavour of CLIENTS) {
    describe(`framework features, ${flavour.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything);
            await conn.client.listTools(); // the clients check outputs against the listed schemas
        }, HOOK);
        after(() => conn?.close());

        test('outputSchema: a matching result passes untouched', async () => {
            const res = await conn.client.callTool({ name: 'checked_output', arguments: { mode: 'ok' } });
            assert.ok(!res.isError, show(res));
            assert.deepEqual(res.structuredContent, { city: 'Paris', reading: { celsius: 21.5 } });
        });

        test('outputSchema: a mismatch becomes a tool error naming the JSON path', async () => {
            const res = await conn.client.callTool({ name: 'checked_output', arguments: { mode: 'wrong' } });
            assert.equal(res.isError, true, show(res));
            assert.equal(res.structuredContent, undefined, show(res));
            assert.match(texts(res), /outputSchema: structuredContent\.reading\.celsius: expected number, got string/);
        });

        test('outputSchema: missing structuredContent becomes a tool error', async () => {
            const res = await conn.client.callTool({ name: 'checked_output', arguments: { mode: 'missing' } });
            assert.equal(res.isError, true, show(res));
            assert.match(texts(res), /Tool 'checked_output' returned output that does not match its outputSchema: structuredContent: missing/);
            assert.ok(!texts(res).includes('no structured content at all'), 'what the handler built is dropped');
        });
    });
}

for (const flavour of CLIENTS) {
    describe(`schema defaults, ${flavour.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavour.kind, BIN.everything);
        }, HOOK);
        after(() => conn?.close());

        test('absent properties reach the handler with their defaults', async () => {
            const res = await conn.client.callTool({ name: 'forecast', arguments: { city: 'Oslo' } });
            assert.ok(!res.isError, show(res));
            assert.equal(texts(res), '3-day forecast for Oslo in metric units; arguments seen: {"city":"Oslo","days":3,"units":"metric"}');
        });

        test('values the client sent win; defaults fill nested objects it sent (through $ref)', async () => {
            const res = await conn.client.callTool({
                name: 'forecast',
                arguments: { city: 'Oslo', days: 5, options: {} },
            });
            assert.equal(
                texts(res),
                '5-day forecast for Oslo in metric units, detailed; arguments seen: {"city":"Oslo","days":5,"options":{"detail":true},"units":"metric"}',
            );
        });

        test('the defaults are filled after validation: a bad value is still refused', async () => {
            const res = await conn.client.callTool({ name: 'forecast', arguments: { city: 'Oslo', days: 9 } });
            assert.equal(res.isError, true, show(res));
            assert.match(texts(res), /arguments\.days: must be at most 7/);
        });
    });
}
