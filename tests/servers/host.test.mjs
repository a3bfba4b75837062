// mcp-host with the example plugins, driven by the official TypeScript SDK clients over STDIO
// and Streamable HTTP; and every way loading can fail (nothing may stay half-loaded).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CLIENTS, closeAll } from '../interop/lib.mjs';
import { BIN, PLUGIN, TPLUGIN, connect, connectHttp, run, tempDir, text } from './lib.mjs';

let tmp, CONFIG;
before(() => {
    tmp = tempDir('mcphost-');
    CONFIG = path.join(tmp.dir, 'config.json');
    fs.writeFileSync(CONFIG, JSON.stringify({ notes: { max_notes: 3, notes: ['buy milk', 'call Ann'] } }));
});
after(async () => {
    await closeAll();
    tmp.cleanup();
});

const BOTH = () => ['--plugin', PLUGIN('hello'), '--plugin', PLUGIN('notes'), '--namespace', '--config', CONFIG];

for (const flavor of CLIENTS) {
    describe(`mcp-host with hello + notes, ${flavor.label}`, () => {
        let c;
        before(async () => {
            c = await connect(flavor.kind, BIN.host, { args: BOTH() });
        });
        after(() => c?.close());

        test('tools/list: every tool, prefixed per plugin', async () => {
            const { tools } = await c.client.listTools();
            assert.deepEqual(tools.map((t) => t.name), [
                'hello_greet', 'hello_search',
                'notes_add_note', 'notes_list_notes', 'notes_search', 'notes_count_later',
            ]);
            const greet = tools.find((t) => t.name === 'hello_greet');
            assert.deepEqual(greet.inputSchema.required, ['name']);
            assert.equal(greet.annotations.readOnlyHint, true);
        });

        test('both `search` tools, each its own', async () => {
            const fruit = await c.client.callTool({ name: 'hello_search', arguments: { query: 'an' } });
            assert.deepEqual(fruit.content, [{ type: 'text', text: 'banana' }]);
            const notes = await c.client.callTool({ name: 'notes_search', arguments: { query: 'Ann' } });
            assert.equal(text(notes), '2: call Ann');
        });

        test('stateful tools with config, the async tool, a resource, a prompt', async () => {
            assert.equal(text(await c.client.callTool({ name: 'hello_greet', arguments: { name: 'Ann' } })), 'Hello, Ann!');
            assert.equal(
                text(await c.client.callTool({ name: 'notes_add_note', arguments: { text: `from ${flavor.kind}` } })),
                'Saved note 3 of at most 3',
            );
            const full = await c.client.callTool({ name: 'notes_add_note', arguments: { text: 'one too many' } });
            assert.equal(full.isError, true);
            assert.equal(full.content[0].text, 'The notebook is full (3 notes)');
            const list = await c.client.callTool({ name: 'notes_list_notes', arguments: {} });
            assert.deepEqual(list.structuredContent, { notes: ['buy milk', 'call Ann', `from ${flavor.kind}`] });
            const t0 = Date.now();
            const later = await c.client.callTool({ name: 'notes_count_later', arguments: { delay_ms: 150 } });
            assert.equal(text(later), '3 notes');
            assert.ok(Date.now() - t0 >= 140, 'the async tool answered after its timer');
            const res = await c.client.readResource({ uri: 'notes://all' });
            assert.deepEqual(res.contents, [
                { uri: 'notes://all', mimeType: 'text/plain', text: `buy milk\ncall Ann\nfrom ${flavor.kind}\n` },
            ]);
            const prompt = await c.client.getPrompt({ name: 'notes_review_notes', arguments: { focus: 'errands' } });
            assert.deepEqual(prompt.messages, [
                { role: 'user', content: { type: 'text', text: 'Review my 3 notes (resource notes://all), focusing on errands.' } },
            ]);
        });
    });
}

describe('mcp-host over Streamable HTTP', () => {
    for (const kind of ['v1', 'v2']) {
        test(`${kind} SDK client`, async () => {
            const c = await connectHttp(kind, BIN.host, BOTH());
            try {
                const { tools } = await c.client.listTools();
                assert.equal(tools.length, 6);
                assert.equal(text(await c.client.callTool({ name: 'hello_greet', arguments: { name: 'web' } })), 'Hello, web!');
                assert.equal(text(await c.client.callTool({ name: 'notes_count_later', arguments: { delay_ms: 10 } })), '2 notes');
            } finally {
                await c.close();
            }
        });
    }
});

describe('mcp-host: prefixes and --check', () => {
    test('--prefix renames one plugin, the other keeps its names', async () => {
        const r = await run(BIN.host, ['--plugin', PLUGIN('hello'), '--plugin', PLUGIN('notes'), '--prefix', 'notes=n_', '--check']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /loaded plugin hello 1\.0\.0/);
        assert.match(r.stdout, /loaded plugin notes 1\.0\.0/);
        assert.match(r.stdout, /2 plugin\(s\) loaded/);
        const c = await connect('v1', BIN.host, { args: ['--plugin', PLUGIN('hello'), '--plugin', PLUGIN('notes'), '--prefix', 'notes=n_'] });
        try {
            const { tools } = await c.client.listTools();
            assert.deepEqual(tools.map((t) => t.name), ['greet', 'search', 'n_add_note', 'n_list_notes', 'n_search', 'n_count_later']);
        } finally {
            await c.close();
        }
    });
});

describe('mcp-host: loading fails cleanly, exit status 1, nothing half-loaded', () => {
    const fails = async (args, pattern, code = 1) => {
        const r = await run(BIN.host, [...args, '--check']);
        assert.equal(r.code, code, `exit status; stderr: ${r.stderr}`);
        assert.match(r.stderr, pattern);
        assert.doesNotMatch(r.stdout, /plugin\(s\) loaded/);
        return r;
    };

    test('a missing file', async () => {
        await fails(['--plugin', '/nonexistent/x.so'], /^mcp-host: error: plugin \/nonexistent\/x\.so: No such file or directory$/m);
    });

    test('not a shared object', async () => {
        const bogus = path.join(tmp.dir, 'bogus.so');
        fs.writeFileSync(bogus, 'not an ELF file\n');
        await fails(['--plugin', bogus], /plugin .*bogus\.so: cannot load: /);
    });

    test('a shared object without a descriptor', async () => {
        await fails(['--plugin', TPLUGIN('no_desc')], /no_desc\.so: no plugin descriptor \(symbol 'mcp_plugin_descriptor' missing/);
    });

    test('a descriptor symbol that is a function, or an object too small to be a descriptor', async () => {
        let r = await fails(['--plugin', TPLUGIN('desc_func')],
            /^mcp-host: error: plugin .*desc_func\.so: 'mcp_plugin_descriptor' is not a plugin descriptor \(a function, not a data object\); declare the plugin with MCP_PLUGIN\(\)$/m);
        assert.equal(r.signal, null);
        r = await fails(['--plugin', TPLUGIN('desc_small')],
            /^mcp-host: error: plugin .*desc_small\.so: 'mcp_plugin_descriptor' is not a plugin descriptor \(an object of 4 bytes, a descriptor has \d+\); declare the plugin with MCP_PLUGIN\(\)$/m);
        assert.equal(r.signal, null);
    });

    test('a wrong ABI version', async () => {
        await fails(['--plugin', TPLUGIN('bad_abi')], /bad_abi\.so: built for plugin ABI version 99, this host speaks version 1/);
    });

    test('a failing init', async () => {
        await fails(['--plugin', TPLUGIN('fail_init')], /fail_init\.so \(fail_init\): init failed: database 'x' is unreachable/);
    });

    test('a configuration the plugin refuses', async () => {
        const bad = path.join(tmp.dir, 'bad.json');
        fs.writeFileSync(bad, JSON.stringify({ notes: { max_notes: 0 } }));
        await fails(['--plugin', PLUGIN('notes'), '--config', bad], /init failed: config "max_notes" must be an integer from 1 to 1000000/);
        fs.writeFileSync(bad, '{"notes": ');
        await fails(['--plugin', PLUGIN('notes'), '--config', bad], /config .*bad\.json:1:\d+: /);
    });

    test('duplicate tool names', async () => {
        await fails(
            ['--plugin', PLUGIN('hello'), '--plugin', PLUGIN('notes')],
            /notes\.so \(notes\): tool 'search' is already registered by plugin 'hello' \(use --namespace/,
        );
        await fails(['--plugin', PLUGIN('hello'), '--plugin', PLUGIN('hello')], /a plugin named 'hello' is already loaded/);
    });

    test('a plugin loaded before a failing one is rolled back (shutdown runs)', async () => {
        const log = path.join(tmp.dir, 'track.log');
        const cfg = path.join(tmp.dir, 'track.json');
        fs.writeFileSync(cfg, JSON.stringify({ track: { log } }));
        await fails(['--plugin', TPLUGIN('track'), '--plugin', TPLUGIN('fail_init'), '--config', cfg], /init failed/);
        assert.equal(fs.readFileSync(log, 'utf8'), 'init\nshutdown\n');

        // A plugin that ignores its own failed registration still fails, and is shut down.
        fs.writeFileSync(log, '');
        fs.writeFileSync(cfg, JSON.stringify({ track: { log, dup: true } }));
        await fails(
            ['--plugin', PLUGIN('hello'), '--plugin', TPLUGIN('track'), '--config', cfg],
            /track\.so \(track\): tool 'greet' is already registered by plugin 'hello'/,
        );
        assert.equal(fs.readFileSync(log, 'utf8'), 'init\nshutdown\n');

        // Loaded fine: shutdown runs at exit.
        fs.writeFileSync(log, '');
        fs.writeFileSync(cfg, JSON.stringify({ track: { log } }));
        const r = await run(BIN.host, ['--plugin', TPLUGIN('track'), '--config', cfg, '--check']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(fs.readFileSync(log, 'utf8'), 'init\nshutdown\n');
    });

    test('usage errors: no plugin, a --prefix without =', async () => {
        await fails([], /no plugin given/, 2);
        await fails(['--plugin', PLUGIN('hello'), '--prefix', 'hello'], /--prefix takes PLUGIN=PREFIX/, 2);
    });

    test('a config entry for no loaded plugin is a warning', async () => {
        const cfg = path.join(tmp.dir, 'extra.json');
        fs.writeFileSync(cfg, JSON.stringify({ nobody: {} }));
        const r = await run(BIN.host, ['--plugin', PLUGIN('hello'), '--config', cfg, '--check']);
        assert.equal(r.code, 0);
        assert.match(r.stderr, /warning: config has an entry for 'nobody'/);
    });
});
