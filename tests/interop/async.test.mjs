// examples/async: a tool completed from a worker thread (MCP_PENDING) and one on the thread pool
// (MCP_TOOL_BLOCKING), through the official SDK clients.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { BIN, CLIENTS, assertEra, closeAll, connect, fnv1a64, onlyText, show, HOOK, test } from './lib.mjs';

after(closeAll);

test('reference FNV-1a 64 values (BigInt)', () => {
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('abc'), 'e71fa2190541574b');
});

for (const flavor of CLIENTS) {
    describe(`async example with ${flavor.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavor.kind, BIN.async);
        }, HOOK);
        after(() => conn?.close());

        test('connects on the expected protocol era; identity', () => {
            assertEra(conn, flavor);
            const info = conn.client.getServerVersion();
            assert.equal(info?.name, 'async-example', show(info));
            assert.equal(info?.version, '1.0.0', show(info));
        });

        test('tools/list has square and hash', async () => {
            const { tools } = await conn.client.listTools();
            assert.deepEqual(tools.map((t) => t.name), ['square', 'hash']);
            for (const t of tools) assert.equal(typeof t.description, 'string');
            assert.deepEqual(tools[0].inputSchema.required, ['n']);
            assert.equal(tools[0].inputSchema.properties.n.type, 'number');
            assert.deepEqual(tools[1].inputSchema.required, ['text']);
        });

        test('square(7) = "49"', async () => {
            const res = await conn.client.callTool({ name: 'square', arguments: { n: 7 } });
            assert.deepEqual(res.content, [{ type: 'text', text: '49' }], show(res));
        });

        test('20 concurrent square calls all correct', async () => {
            const ns = Array.from({ length: 20 }, (_, i) => (i % 2 ? i : i + 0.5));
            const t0 = Date.now();
            const results = await Promise.all(
                ns.map((n) => conn.client.callTool({ name: 'square', arguments: { n } })),
            );
            const elapsed = Date.now() - t0;
            results.forEach((res, i) => {
                // %g keeps 6 significant digits, the same as formatting n*n with toPrecision(6).
                const want = String(Number((ns[i] * ns[i]).toPrecision(6)));
                assert.equal(onlyText(res, conn), want, `square(${ns[i]})`);
            });
            // Each call sleeps 10 ms on its own thread: concurrent calls must not serialize.
            assert.ok(elapsed < 2000, `20 concurrent square calls took ${elapsed} ms`);
        });

        test('hash("abc") = e71fa2190541574b (FNV-1a 64)', async () => {
            const res = await conn.client.callTool({ name: 'hash', arguments: { text: 'abc' } });
            assert.deepEqual(res.content, [{ type: 'text', text: fnv1a64('abc') }], show(res));
            assert.equal(fnv1a64('abc'), 'e71fa2190541574b');
        });

        test('hash of other texts matches the BigInt reference', async () => {
            const texts = ['', 'a', 'héllo 🌍', 'x'.repeat(5000)];
            const results = await Promise.all(
                texts.map((text) => conn.client.callTool({ name: 'hash', arguments: { text } })),
            );
            results.forEach((res, i) => {
                const got = onlyText(res, conn);
                assert.match(got, /^[0-9a-f]{16}$/);
                assert.equal(got, fnv1a64(texts[i]), `hash(${show(texts[i].slice(0, 20))})`);
            });
        });

        test('wrong argument type → tool error result, not a crash', async () => {
            const res = await conn.client.callTool({ name: 'square', arguments: { n: 'seven' } });
            assert.equal(res.isError, true, show(res));
            assert.match(res.content?.[0]?.text ?? '', /\bn\b/, show(res));
            const again = await conn.client.callTool({ name: 'square', arguments: { n: 3 } });
            assert.equal(onlyText(again, conn), '9');
        });
    });
}
