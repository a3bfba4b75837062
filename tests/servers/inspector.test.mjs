// A second, independent client: the MCP Inspector's CLI mode (@modelcontextprotocol/inspector,
// pinned in tests/servers/inspector/package-lock.json) lists and calls the tools of mcp-host and
// mcp-filesystem non-interactively, over STDIO (servers named in an mcpServers config file, as
// desktop clients name them) and over Streamable HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BIN, PLUGIN, run, startHttp, tempDir } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INSPECTOR = path.join(HERE, 'inspector', 'node_modules', '@modelcontextprotocol', 'inspector', 'cli', 'build', 'cli.js');

let tmp, CFG, A;
before(() => {
    tmp = tempDir('mcpinsp-');
    A = path.join(tmp.dir, 'files');
    fs.mkdirSync(A);
    fs.writeFileSync(path.join(A, 'hello.txt'), 'hello from disk\n');
    fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), 'no\n');
    CFG = path.join(tmp.dir, 'mcp.json');
    fs.writeFileSync(
        CFG,
        JSON.stringify({
            mcpServers: {
                host: { command: BIN.host, args: ['--plugin', PLUGIN('hello'), '--plugin', PLUGIN('notes'), '--namespace'] },
                files: { command: BIN.fs, args: [A] },
            },
        }),
    );
});
after(() => tmp.cleanup());

/** Run the Inspector CLI; its stdout is one JSON document. */
async function inspector(args) {
    const r = await run(process.execPath, [INSPECTOR, '--cli', ...args], { timeoutMs: 30000 });
    assert.equal(r.code, 0, `inspector ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
    try {
        return JSON.parse(r.stdout);
    } catch {
        assert.fail(`inspector printed no JSON:\n${r.stdout}\n${r.stderr}`);
    }
}

describe('MCP Inspector CLI', () => {
    test('mcp-host: tools/list and tools/call', async () => {
        const list = await inspector(['--config', CFG, '--server', 'host', '--method', 'tools/list']);
        assert.deepEqual(list.tools.map((t) => t.name), [
            'hello_greet', 'hello_search', 'notes_add_note', 'notes_list_notes', 'notes_search', 'notes_count_later',
        ]);
        const greet = await inspector(['--config', CFG, '--server', 'host', '--method', 'tools/call',
            '--tool-name', 'hello_greet', '--tool-arg', 'name=Inspector']);
        assert.deepEqual(greet.content, [{ type: 'text', text: 'Hello, Inspector!' }]);
        const later = await inspector(['--config', CFG, '--server', 'host', '--method', 'tools/call',
            '--tool-name', 'notes_count_later', '--tool-arg', 'delay_ms=20']);
        assert.deepEqual(later.content, [{ type: 'text', text: '0 notes' }]);
    });

    test('mcp-filesystem: tools/list, a read, an escape refused', async () => {
        const list = await inspector(['--config', CFG, '--server', 'files', '--method', 'tools/list']);
        assert.equal(list.tools.length, 13);
        assert.ok(list.tools.some((t) => t.name === 'search_files'));
        const read = await inspector(['--config', CFG, '--server', 'files', '--method', 'tools/call',
            '--tool-name', 'read_text_file', '--tool-arg', 'path=hello.txt']);
        assert.equal(read.content[0].text, 'hello from disk\n');
        const escape = await inspector(['--config', CFG, '--server', 'files', '--method', 'tools/call',
            '--tool-name', 'read_text_file', '--tool-arg', 'path=../secret.txt']);
        assert.equal(escape.isError, true);
        assert.match(escape.content[0].text, /^Access denied - path outside allowed directories/);
    });

    test('mcp-filesystem over Streamable HTTP', async () => {
        const srv = await startHttp(BIN.fs, [A]);
        try {
            const url = srv.url;
            const list = await inspector([url, '--transport', 'http', '--method', 'tools/list']);
            assert.equal(list.tools.length, 13);
            const info = await inspector([url, '--transport', 'http', '--method', 'tools/call',
                '--tool-name', 'list_allowed_directories']);
            assert.equal(info.content[0].text, `Allowed directories:\n${A}`);
        } finally {
            await srv.stop();
        }
    });
});
