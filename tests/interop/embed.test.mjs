// examples/embed: libmcp attached to a libuv loop the host program owns. The official v1 and v2
// clients talk to it like any server; the tool reads the host program's own state, which keeps
// changing on the host's timer; EOF on stdin ends the program cleanly.
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';

import { BIN, CLIENTS, RawServer, closeAll, modernMeta, onlyText, sleep, test, withClient } from './lib.mjs';

after(closeAll);

for (const kind of CLIENTS) {
    describe(`embed with ${kind.label}`, () => {
        test('the tool reads host state that advances on the host loop', async () => {
            await withClient(kind.kind, BIN.embed, {}, async (conn) => {
                const { tools } = await conn.client.listTools();
                assert.deepEqual(tools.map((t) => t.name), ['ticks']);
                const first = Number(onlyText(await conn.client.callTool({ name: 'ticks', arguments: {} }), conn));
                await sleep(150);
                const second = Number(onlyText(await conn.client.callTool({ name: 'ticks', arguments: {} }), conn));
                assert.ok(second > first, `ticks advanced: ${first} -> ${second}`);
            });
        });
    });
}

describe('embed raw', () => {
    test('EOF ends the host program with status 0 after the reply', async () => {
        const srv = new RawServer(BIN.embed);
        try {
            await srv.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ticks', _meta: modernMeta() } });
            const reply = await srv.responseTo(1);
            assert.equal(reply.result.resultType, 'complete');
            srv.end();
            const exit = await srv.waitExit(3000);
            assert.equal(exit.code, 0);
        } finally {
            await srv.close();
        }
        srv.assertAllJson();
    });
});
