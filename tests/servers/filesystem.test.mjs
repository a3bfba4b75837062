// mcp-filesystem driven by the official TypeScript SDK clients over STDIO and Streamable HTTP:
// every tool's exact result, and every sandbox escape we know of (symlink out, '..', absolute
// paths, a symlink swapped in after the check, a dangling symlink pointing outside).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { closeAll } from '../interop/lib.mjs';
import { BIN, connect, connectHttp, connectWithRoots, run, show, sleep, tempDir, text, toolError } from './lib.mjs';

const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082',
    'hex',
);

let tmp, A, OUT;
const p = (...x) => path.join(A, ...x);
const o = (...x) => path.join(OUT, ...x);

function makeTree() {
    tmp = tempDir('mcpfs-');
    A = path.join(tmp.dir, 'allowed');
    OUT = path.join(tmp.dir, 'outside');
    fs.mkdirSync(p('sub', 'deep'), { recursive: true });
    fs.mkdirSync(p('empty'));
    fs.mkdirSync(OUT);
    fs.mkdirSync(A + 'X'); // a sibling whose name starts with the allowed directory's
    fs.writeFileSync(path.join(A + 'X', 'x.txt'), 'sibling\n');
    fs.writeFileSync(p('a.txt'), 'line1\nline2\nline3\n');
    fs.writeFileSync(p('crlf.txt'), 'one\r\ntwo\r\nthree\r\n');
    fs.writeFileSync(p('sub', 'b.md'), '# B\n');
    fs.writeFileSync(p('sub', 'deep', 'c.txt'), 'c\n');
    fs.writeFileSync(p('.hidden'), 'h');
    fs.writeFileSync(p('img.png'), PNG);
    fs.writeFileSync(o('secret.txt'), 'TOP SECRET\n');
    fs.symlinkSync('../outside', p('out-link'));
    fs.symlinkSync(o('secret.txt'), p('out-file'));
    fs.symlinkSync('a.txt', p('in-link'));
    fs.symlinkSync('../outside/created-by-attack.txt', p('dangling-out'));
}

describe('mcp-filesystem over STDIO (v1 SDK client)', () => {
    let c;
    const call = (name, args = {}) => c.client.callTool({ name, arguments: args });

    before(async () => {
        makeTree();
        c = await connect('v1', BIN.fs, { args: [A] });
    });
    after(async () => {
        await closeAll();
        tmp.cleanup();
    });

    test('tools/list: the reference names, parameters and truthful annotations', async () => {
        const { tools } = await c.client.listTools();
        const by = Object.fromEntries(tools.map((t) => [t.name, t]));
        assert.deepEqual(tools.map((t) => t.name).sort(), [
            'create_directory', 'directory_tree', 'edit_file', 'get_file_info', 'list_allowed_directories',
            'list_directory', 'list_directory_with_sizes', 'move_file', 'read_media_file', 'read_multiple_files',
            'read_text_file', 'search_files', 'write_file',
        ]);
        const props = (n) => Object.keys(by[n].inputSchema.properties ?? {}).sort();
        assert.deepEqual(props('read_text_file'), ['head', 'path', 'tail']);
        assert.deepEqual(props('edit_file'), ['dryRun', 'edits', 'path']);
        assert.deepEqual(props('search_files'), ['excludePatterns', 'path', 'pattern']);
        assert.deepEqual(props('directory_tree'), ['excludePatterns', 'path']);
        assert.deepEqual(props('list_directory_with_sizes'), ['path', 'sortBy']);
        assert.deepEqual(props('move_file'), ['destination', 'source']);
        assert.deepEqual(props('read_multiple_files'), ['paths']);
        for (const n of ['read_text_file', 'read_media_file', 'read_multiple_files', 'list_directory',
            'list_directory_with_sizes', 'directory_tree', 'search_files', 'get_file_info', 'list_allowed_directories'])
            assert.equal(by[n].annotations?.readOnlyHint, true, `${n} is read-only`);
        const hints = (n) => {
            const a = by[n].annotations;
            return [a.readOnlyHint, a.destructiveHint, a.idempotentHint];
        };
        assert.deepEqual(hints('write_file'), [false, true, true]);
        assert.deepEqual(hints('edit_file'), [false, true, false]);
        assert.deepEqual(hints('create_directory'), [false, false, true]);
        assert.deepEqual(hints('move_file'), [false, false, false]);
    });

    test('list_allowed_directories', async () => {
        assert.equal(text(await call('list_allowed_directories')), `Allowed directories:\n${A}`);
    });

    test('read_text_file: whole, head, tail, CRLF tail, errors', async () => {
        const r = await call('read_text_file', { path: 'a.txt' });
        assert.equal(text(r), 'line1\nline2\nline3\n');
        assert.deepEqual(r.structuredContent, { content: 'line1\nline2\nline3\n' });
        assert.equal(text(await call('read_text_file', { path: p('a.txt'), head: 2 })), 'line1\nline2');
        assert.equal(text(await call('read_text_file', { path: 'a.txt', head: 10 })), 'line1\nline2\nline3');
        assert.equal(text(await call('read_text_file', { path: 'a.txt', tail: 2 })), 'line3\n');
        assert.equal(text(await call('read_text_file', { path: 'a.txt', tail: 3 })), 'line2\nline3\n');
        assert.equal(text(await call('read_text_file', { path: 'crlf.txt', tail: 3 })), 'two\nthree\n');
        assert.equal(text(await call('read_text_file', { path: 'in-link' })), 'line1\nline2\nline3\n');
        assert.equal(
            toolError(await call('read_text_file', { path: 'a.txt', head: 1, tail: 1 })),
            'Cannot specify both head and tail parameters simultaneously',
        );
        assert.equal(
            toolError(await call('read_text_file', { path: 'nope.txt' })),
            `ENOENT: no such file or directory, open '${p('nope.txt')}'`,
        );
        assert.equal(
            toolError(await call('read_text_file', { path: 'sub' })),
            `EISDIR: illegal operation on a directory, read '${p('sub')}'`,
        );
    });

    test('read_text_file: a FIFO is refused, not waited on', async () => {
        execFileSync('mkfifo', [p('fifo')]);
        try {
            assert.equal(toolError(await call('read_text_file', { path: 'fifo' })), `Not a regular file: ${p('fifo')}`);
        } finally {
            fs.unlinkSync(p('fifo'));
        }
    });

    test('read_text_file: head/tail stream a large file', async () => {
        const lines = Array.from({ length: 200000 }, (_, i) => `row ${i}`).join('\n') + '\n';
        fs.writeFileSync(p('big.txt'), lines);
        try {
            assert.equal(text(await call('read_text_file', { path: 'big.txt', head: 3 })), 'row 0\nrow 1\nrow 2');
            assert.equal(text(await call('read_text_file', { path: 'big.txt', tail: 3 })), 'row 199998\nrow 199999\n');
        } finally {
            fs.unlinkSync(p('big.txt'));
        }
    });

    test('read_media_file: an image with its MIME type', async () => {
        const r = await call('read_media_file', { path: 'img.png' });
        assert.deepEqual(r.content, [{ type: 'image', data: PNG.toString('base64'), mimeType: 'image/png' }]);
    });

    test('read_multiple_files: contents and per-file errors', async () => {
        const t = text(await call('read_multiple_files', { paths: ['a.txt', 'nope.txt', 'sub/b.md', '../outside/secret.txt'] }));
        assert.equal(
            t,
            'a.txt:\nline1\nline2\nline3\n\n' +
                '\n---\n' +
                `nope.txt: Error - ENOENT: no such file or directory, open '${p('nope.txt')}'` +
                '\n---\n' +
                'sub/b.md:\n# B\n\n' +
                '\n---\n' +
                `../outside/secret.txt: Error - Access denied - path outside allowed directories: ${o('secret.txt')} not in ${A}`,
        );
    });

    test('write_file: create, overwrite (keeping permissions)', async () => {
        assert.equal(text(await call('write_file', { path: 'w.txt', content: 'first' })), 'Successfully wrote to w.txt');
        assert.equal(fs.readFileSync(p('w.txt'), 'utf8'), 'first');
        fs.chmodSync(p('w.txt'), 0o600);
        assert.equal(text(await call('write_file', { path: p('w.txt'), content: 'second ✓' })), `Successfully wrote to ${p('w.txt')}`);
        assert.equal(fs.readFileSync(p('w.txt'), 'utf8'), 'second ✓');
        assert.equal(fs.statSync(p('w.txt')).mode & 0o777, 0o600);
        assert.deepEqual(fs.readdirSync(A).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
        assert.match(toolError(await call('write_file', { path: 'no/such/dir/f.txt', content: 'x' })), /^ENOENT: no such file or directory/);
    });

    test('edit_file: dry run diff, apply, whitespace-flexible match, no match', async () => {
        fs.writeFileSync(p('e.txt'), 'alpha\nbeta\ngamma\n');
        const diff =
            '```diff\n' +
            `Index: ${p('e.txt')}\n` +
            '===================================================================\n' +
            `--- ${p('e.txt')}\toriginal\n` +
            `+++ ${p('e.txt')}\tmodified\n` +
            '@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma\n' +
            '```\n\n';
        const dry = await call('edit_file', { path: 'e.txt', edits: [{ oldText: 'beta', newText: 'BETA' }], dryRun: true });
        assert.equal(text(dry), diff);
        assert.equal(fs.readFileSync(p('e.txt'), 'utf8'), 'alpha\nbeta\ngamma\n', 'dry run leaves the file');
        assert.equal(text(await call('edit_file', { path: 'e.txt', edits: [{ oldText: 'beta', newText: 'BETA' }] })), diff);
        assert.equal(fs.readFileSync(p('e.txt'), 'utf8'), 'alpha\nBETA\ngamma\n');

        fs.writeFileSync(p('i.py'), 'def f():\n    x = 1\n    return x\n');
        await call('edit_file', { path: 'i.py', edits: [{ oldText: 'x = 1\nreturn x', newText: 'y = 2\nreturn y' }] });
        assert.equal(fs.readFileSync(p('i.py'), 'utf8'), 'def f():\n    y = 2\nreturn y\n');

        assert.equal(
            toolError(await call('edit_file', { path: 'e.txt', edits: [{ oldText: 'delta', newText: 'x' }] })),
            'Could not find exact match for edit:\ndelta',
        );
    });

    test('create_directory: nested, existing, a file in the way', async () => {
        assert.equal(text(await call('create_directory', { path: 'n1/n2/n3' })), 'Successfully created directory n1/n2/n3');
        assert.ok(fs.statSync(p('n1', 'n2', 'n3')).isDirectory());
        assert.equal(text(await call('create_directory', { path: 'n1/n2' })), 'Successfully created directory n1/n2');
        assert.equal(toolError(await call('create_directory', { path: 'a.txt/x' })), `ENOTDIR: not a directory, realpath '${p('a.txt', 'x')}'`);
    });

    test('list_directory and list_directory_with_sizes', async () => {
        fs.mkdirSync(p('ls'));
        fs.writeFileSync(p('ls', 'b.txt'), 'x'.repeat(2048));
        fs.writeFileSync(p('ls', 'a.txt'), 'abc');
        fs.mkdirSync(p('ls', 'dir'));
        assert.equal(text(await call('list_directory', { path: 'ls' })), '[FILE] a.txt\n[FILE] b.txt\n[DIR] dir');
        const row = (kind, name, size) =>
            `${kind} ${name.padEnd(30)} ${size === null ? '' : size.padStart(10)}`;
        assert.equal(
            text(await call('list_directory_with_sizes', { path: 'ls' })),
            [row('[FILE]', 'a.txt', '3 B'), row('[FILE]', 'b.txt', '2.00 KB'), row('[DIR]', 'dir', null), '',
                'Total: 2 files, 1 directories', 'Combined size: 2.00 KB'].join('\n'),
        );
        const bySize = text(await call('list_directory_with_sizes', { path: 'ls', sortBy: 'size' }));
        assert.deepEqual(
            bySize.split('\n').filter((l) => l.startsWith('[FILE]')),
            [row('[FILE]', 'b.txt', '2.00 KB'), row('[FILE]', 'a.txt', '3 B')],
        );
        assert.match(toolError(await call('list_directory', { path: 'a.txt' })), /^ENOTDIR: not a directory, scandir/);
    });

    test('directory_tree with excludePatterns', async () => {
        const t = JSON.parse(text(await call('directory_tree', { path: 'sub' })));
        assert.deepEqual(t, [
            { name: 'b.md', type: 'file' },
            { name: 'deep', type: 'directory', children: [{ name: 'c.txt', type: 'file' }] },
        ]);
        const raw = text(await call('directory_tree', { path: 'sub', excludePatterns: ['deep'] }));
        assert.equal(raw, JSON.stringify([{ name: 'b.md', type: 'file' }], null, 2));
        const t2 = JSON.parse(text(await call('directory_tree', { path: 'sub', excludePatterns: ['**/*.txt'] })));
        assert.deepEqual(t2[1], { name: 'deep', type: 'directory', children: [] });
    });

    test('move_file: rename, destination exists', async () => {
        fs.writeFileSync(p('m1.txt'), 'm');
        assert.equal(text(await call('move_file', { source: 'm1.txt', destination: 'sub/m2.txt' })), 'Successfully moved m1.txt to sub/m2.txt');
        assert.ok(fs.existsSync(p('sub', 'm2.txt')) && !fs.existsSync(p('m1.txt')));
        assert.equal(
            toolError(await call('move_file', { source: 'sub/m2.txt', destination: 'a.txt' })),
            `Destination already exists: ${p('a.txt')}`,
        );
        assert.equal(fs.readFileSync(p('a.txt'), 'utf8'), 'line1\nline2\nline3\n');
        fs.unlinkSync(p('sub', 'm2.txt'));
    });

    test('search_files: globs and excludePatterns', async () => {
        assert.equal(text(await call('search_files', { path: 'sub', pattern: '**/*.txt' })), p('sub', 'deep', 'c.txt'));
        assert.equal(text(await call('search_files', { path: 'sub', pattern: '*.md' })), p('sub', 'b.md'));
        assert.equal(
            text(await call('search_files', { path: 'sub', pattern: '**', excludePatterns: ['deep'] })),
            p('sub', 'b.md'),
        );
        assert.equal(text(await call('search_files', { path: '.', pattern: '.hid*' })), p('.hidden'));
        assert.equal(text(await call('search_files', { path: '.', pattern: '*.nothing' })), 'No matches found');
    });

    test('get_file_info', async () => {
        fs.chmodSync(p('a.txt'), 0o640);
        const lines = text(await call('get_file_info', { path: 'a.txt' })).split('\n');
        assert.deepEqual(lines.map((l) => l.split(': ')[0]), ['size', 'created', 'modified', 'accessed', 'isDirectory', 'isFile', 'permissions']);
        assert.equal(lines[0], 'size: 18');
        assert.equal(lines[4], 'isDirectory: false');
        assert.equal(lines[5], 'isFile: true');
        assert.equal(lines[6], 'permissions: 640');
        assert.ok(!Number.isNaN(Date.parse(lines[2].slice('modified: '.length).replace(/ \(.*\)$/, ''))));
    });

    // ---- the sandbox ----------------------------------------------------------------------

    const denied = (msg, kind) => assert.ok(msg.startsWith(`Access denied - ${kind}`), `expected "${kind}", got: ${msg}`);

    test('escape: ".." and absolute paths outside', async () => {
        denied(toolError(await call('read_text_file', { path: '../outside/secret.txt' })), 'path outside allowed directories');
        denied(toolError(await call('read_text_file', { path: 'sub/../../outside/secret.txt' })), 'path outside allowed directories');
        denied(toolError(await call('read_text_file', { path: o('secret.txt') })), 'path outside allowed directories');
        denied(toolError(await call('read_text_file', { path: '/etc/passwd' })), 'path outside allowed directories');
        denied(toolError(await call('read_text_file', { path: path.join(A + 'X', 'x.txt') })), 'path outside allowed directories');
        denied(toolError(await call('list_directory', { path: '/' })), 'path outside allowed directories');
        denied(toolError(await call('write_file', { path: o('w.txt'), content: 'x' })), 'path outside allowed directories');
        denied(toolError(await call('move_file', { source: 'a.txt', destination: '../outside/a.txt' })), 'path outside allowed directories');
        assert.ok(!fs.existsSync(o('w.txt')) && !fs.existsSync(o('a.txt')));
    });

    test('escape: symlinks pointing outside', async () => {
        const sym = 'symlink target outside allowed directories';
        denied(toolError(await call('read_text_file', { path: 'out-file' })), sym);
        denied(toolError(await call('read_text_file', { path: 'out-link/secret.txt' })), sym);
        denied(toolError(await call('read_media_file', { path: 'out-file' })), sym);
        denied(toolError(await call('list_directory', { path: 'out-link' })), sym);
        denied(toolError(await call('get_file_info', { path: 'out-file' })), sym);
        denied(toolError(await call('write_file', { path: 'out-link/new.txt', content: 'x' })), sym);
        denied(toolError(await call('write_file', { path: 'out-file', content: 'overwritten' })), sym);
        denied(toolError(await call('edit_file', { path: 'out-file', edits: [{ oldText: 'TOP', newText: 'NO' }] })), sym);
        denied(toolError(await call('create_directory', { path: 'out-link/newdir' })), sym);
        denied(toolError(await call('move_file', { source: 'out-file', destination: 'stolen.txt' })), sym);
        denied(toolError(await call('search_files', { path: 'out-link', pattern: '*' })), sym);
        assert.equal(fs.readFileSync(o('secret.txt'), 'utf8'), 'TOP SECRET\n');
        assert.deepEqual(fs.readdirSync(OUT), ['secret.txt']);
        // Walking tools list the links but never follow them.
        assert.equal(text(await call('search_files', { path: '.', pattern: '**/secret.txt' })), 'No matches found');
        const tree = JSON.parse(text(await call('directory_tree', { path: '.' })));
        assert.deepEqual(tree.find((e) => e.name === 'out-link'), { name: 'out-link', type: 'file' });
    });

    test('escape: a dangling symlink whose target would be created outside', async () => {
        denied(toolError(await call('write_file', { path: 'dangling-out', content: 'pwned' })), 'symlink target outside allowed directories');
        denied(toolError(await call('create_directory', { path: 'dangling-out' })), 'symlink target outside allowed directories');
        denied(toolError(await call('read_text_file', { path: 'dangling-out' })), 'symlink target outside allowed directories');
        assert.ok(!fs.existsSync(o('created-by-attack.txt')), 'nothing created outside');
        assert.ok(fs.lstatSync(p('dangling-out')).isSymbolicLink(), 'the link is left alone');
    });
});

describe('mcp-filesystem: a symlink swapped in between check and use', () => {
    // The server pauses between checking a path and opening it (a test hook), and the test
    // replaces a checked directory with a symlink to the outside during that pause.
    const DELAY = 600;
    let c;
    before(async () => {
        makeTree();
        c = await connect('v1', BIN.fs, { args: [A], env: { MCP_FILESYSTEM_TEST_DELAY_MS: String(DELAY) } });
    });
    after(async () => {
        await closeAll();
        tmp.cleanup();
    });

    async function swapDuring(callPromise, dir) {
        await sleep(DELAY / 3);
        fs.rmSync(p(dir), { recursive: true });
        fs.symlinkSync(OUT, p(dir));
        return callPromise;
    }

    test('read through a directory swapped for a symlink is refused', async () => {
        fs.mkdirSync(p('race1'));
        fs.writeFileSync(p('race1', 'secret.txt'), 'inside\n');
        const r = await swapDuring(c.client.callTool({ name: 'read_text_file', arguments: { path: 'race1/secret.txt' } }), 'race1');
        assert.match(toolError(r), /^Access denied - path changed during access/);
    });

    test('write into a directory swapped for a symlink is refused', async () => {
        fs.mkdirSync(p('race2'));
        const r = await swapDuring(c.client.callTool({ name: 'write_file', arguments: { path: 'race2/new.txt', content: 'x' } }), 'race2');
        assert.match(toolError(r), /^Access denied - path changed during access/);
        assert.ok(!fs.existsSync(o('new.txt')), 'nothing written outside');
    });

    test('a file swapped for a symlink is not followed', async () => {
        fs.writeFileSync(p('race3.txt'), 'inside\n');
        const pending = c.client.callTool({ name: 'read_text_file', arguments: { path: 'race3.txt' } });
        await sleep(DELAY / 3);
        fs.unlinkSync(p('race3.txt'));
        fs.symlinkSync(o('secret.txt'), p('race3.txt'));
        const r = await pending;
        assert.match(toolError(r), /^Access denied - path changed during access/);
    });

    test('mkdir -p racing a symlink swap is refused', async () => {
        fs.mkdirSync(p('race4'));
        const r = await swapDuring(c.client.callTool({ name: 'create_directory', arguments: { path: 'race4/x/y' } }), 'race4');
        assert.match(toolError(r), /^Access denied - path changed during access/);
        assert.deepEqual(fs.readdirSync(OUT).sort(), ['secret.txt']);
    });
});

describe('mcp-filesystem: other clients and transports', () => {
    before(makeTree);
    after(async () => {
        await closeAll();
        tmp.cleanup();
    });

    test('v2 SDK client over STDIO', async () => {
        const c = await connect('v2', BIN.fs, { args: [A] });
        try {
            const { tools } = await c.client.listTools();
            assert.equal(tools.length, 13);
            const r = await c.client.callTool({ name: 'read_text_file', arguments: { path: 'a.txt', head: 1 } });
            assert.equal(text(r), 'line1');
            assert.match(toolError(await c.client.callTool({ name: 'read_text_file', arguments: { path: 'out-file' } })), /^Access denied/);
        } finally {
            await c.close();
        }
    });

    for (const kind of ['v1', 'v2']) {
        test(`${kind} SDK client over Streamable HTTP`, async () => {
            const c = await connectHttp(kind, BIN.fs, [A]);
            try {
                const { tools } = await c.client.listTools();
                assert.equal(tools.length, 13);
                assert.equal(text(await c.client.callTool({ name: 'read_text_file', arguments: { path: 'a.txt', tail: 1 } })), '');
                assert.equal(
                    text(await c.client.callTool({ name: 'write_file', arguments: { path: `http-${kind}.txt`, content: kind } })),
                    `Successfully wrote to http-${kind}.txt`,
                );
                assert.equal(fs.readFileSync(p(`http-${kind}.txt`), 'utf8'), kind);
                assert.match(
                    toolError(await c.client.callTool({ name: 'read_text_file', arguments: { path: '../outside/secret.txt' } })),
                    /^Access denied - path outside allowed directories/,
                );
            } finally {
                await c.close();
            }
        });
    }

    test('command line: no directory, a missing directory, --help', async () => {
        let r = await run(BIN.fs, []);
        assert.equal(r.code, 0);
        assert.match(r.stderr, /no directory given: only clients that offer roots can use this server/);
        r = await run(BIN.fs, [path.join(tmp.dir, 'missing')]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /missing: No such file or directory/);
        r = await run(BIN.fs, ['--help']);
        assert.equal(r.code, 0);
        assert.match(r.stdout, /Usage: mcp-filesystem \[options\] DIR/);
        assert.match(r.stdout, /--http/);
    });
});

describe('mcp-filesystem: globs are linear, walks stop when cancelled', () => {
    // One pool thread, so a walk that goes on after its cancellation blocks the next call. The
    // test hook pauses before each subdirectory a walk opens: 160 of them make a 16 s walk.
    const DELAY = 100;
    let c;
    before(async () => {
        makeTree();
        let d = p('deep');
        for (let i = 0; i < 40; i++) d = path.join(d, 'a');
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'b'), 'bottom\n');
        for (let i = 0; i < 160; i++) fs.mkdirSync(p('many', `d${String(i).padStart(3, '0')}`), { recursive: true });
        c = await connect('v1', BIN.fs, { args: [A], env: { UV_THREADPOOL_SIZE: '1' } });
    });
    after(async () => {
        await closeAll();
        tmp.cleanup();
    });

    test('search_files: "**/a/" x 12 + "b" in a 40-deep directory answers at once', async () => {
        const pattern = '**/a/'.repeat(12) + 'b';
        const t0 = Date.now();
        const r = await c.client.callTool({ name: 'search_files', arguments: { path: 'deep', pattern } }, undefined, { timeout: 5000 });
        assert.equal(text(r), path.join(p('deep'), ...Array(40).fill('a'), 'b'));
        assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
        // No match at all: every partial path fails, the old matcher's worst case.
        const none = await c.client.callTool({ name: 'search_files', arguments: { path: 'deep', pattern: pattern + 'x' } }, undefined, { timeout: 5000 });
        assert.equal(text(none), 'No matches found');
    });

    for (const [tool, args] of [
        ['search_files', { path: 'many', pattern: '**/nothing' }],
        ['directory_tree', { path: 'many' }],
    ]) {
        test(`${tool}: notifications/cancelled stops the walk and frees the pool thread`, async () => {
            const slow = await connect('v1', BIN.fs, {
                args: [A],
                env: { UV_THREADPOOL_SIZE: '1', MCP_FILESYSTEM_TEST_DELAY_MS: String(DELAY) },
            });
            try {
                const ac = new AbortController();
                const pending = slow.client.callTool({ name: tool, arguments: args }, undefined, { signal: ac.signal, timeout: 60000 });
                await sleep(500);
                ac.abort('changed my mind');
                await assert.rejects(pending);
                const t0 = Date.now();
                const r = await slow.client.callTool({ name: 'list_allowed_directories', arguments: {} }, undefined, { timeout: 4000 });
                assert.equal(text(r), `Allowed directories:\n${A}`);
                assert.ok(Date.now() - t0 < 4000, `the next call waited ${Date.now() - t0} ms`);
                const sent = slow.log.filter((e) => e.dir === 'client>' && e.msg.method === 'notifications/cancelled');
                assert.equal(sent.length, 1, 'the client sent notifications/cancelled');
            } finally {
                await slow.close();
            }
        });
    }
});

describe('mcp-filesystem: client roots narrow the allowed directories', () => {
    let B;
    before(() => {
        makeTree();
        B = path.join(tmp.dir, 'rooted');
        fs.mkdirSync(B);
        fs.writeFileSync(path.join(B, 'r.txt'), 'from a root\n');
    });
    after(async () => {
        await closeAll();
        tmp.cleanup();
    });

    for (const kind of ['v1', 'v2']) {
        test(`${kind} client: its roots only narrow the command-line directories, at each call`, async () => {
            const roots = { list: [{ uri: `file://${B}`, name: 'outside the command line' }] };
            const c = await connectWithRoots(kind, BIN.fs, [A], () => roots.list);
            try {
                const call = (name, args) => c.client.callTool({ name, arguments: args });
                // A root outside the command-line directories grants nothing.
                assert.match(toolError(await call('read_text_file', { path: path.join(B, 'r.txt') })),
                    /^Access denied - none of the client's roots lies inside the server's allowed directories/);
                assert.match(toolError(await call('list_allowed_directories', {})), /^Access denied - none of the client's roots/);
                // A root inside them is the sandbox: the rest of A is out of reach.
                roots.list = [{ uri: `file://${p('sub')}` }, { uri: `file://${B}` }];
                assert.equal(text(await call('list_allowed_directories', {})), `Allowed directories:\n${p('sub')}`);
                assert.equal(text(await call('read_text_file', { path: 'b.md' })), '# B\n');
                assert.match(toolError(await call('read_text_file', { path: p('a.txt') })), /^Access denied - path outside allowed directories/);
                // A root above them: the intersection is the command-line directory.
                roots.list = [{ uri: `file://${tmp.dir}` }];
                assert.equal(text(await call('list_allowed_directories', {})), `Allowed directories:\n${A}`);
                assert.match(toolError(await call('read_text_file', { path: o('secret.txt') })), /^Access denied - path outside allowed directories/);
                assert.match(toolError(await call('read_text_file', { path: path.join(B, 'r.txt') })), /^Access denied - path outside allowed directories/);
                // A symlink inside A that leads outside does not count as inside.
                roots.list = [{ uri: `file://${p('out-link')}` }];
                assert.match(toolError(await call('read_text_file', { path: o('secret.txt') })), /^Access denied - none of the client's roots/);
                // No usable directory among them: the command line's directories stay.
                roots.list = [{ uri: `file://${path.join(tmp.dir, 'missing')}` }];
                assert.equal(text(await call('list_allowed_directories', {})), `Allowed directories:\n${A}`);
            } finally {
                await c.close();
            }
        });

        test(`${kind} client with --allow-client-roots: the roots it offers replace the directories`, async () => {
            const roots = { list: [{ uri: `file://${B}`, name: 'rooted' }] };
            const c = await connectWithRoots(kind, BIN.fs, ['--allow-client-roots', A], () => roots.list);
            try {
                const call = (name, args) => c.client.callTool({ name, arguments: args });
                assert.equal(text(await call('list_allowed_directories', {})), `Allowed directories:\n${B}`);
                assert.equal(text(await call('read_text_file', { path: 'r.txt' })), 'from a root\n');
                assert.match(toolError(await call('read_text_file', { path: p('a.txt') })), /^Access denied - path outside allowed directories/);
                // The client's roots change: the next call sees the new ones.
                roots.list = [{ uri: `file://${A}` }, { uri: 'https://example.com/not-a-dir' }];
                assert.equal(text(await call('list_allowed_directories', {})), `Allowed directories:\n${A}`);
                assert.equal(text(await call('read_text_file', { path: 'a.txt', head: 1 })), 'line1');
                // No usable directory among them: the command line's directories stay.
                roots.list = [{ uri: `file://${path.join(tmp.dir, 'missing')}` }];
                assert.equal(text(await call('list_allowed_directories', {})), `Allowed directories:\n${A}`);
            } finally {
                await c.close();
            }
        });
    }

    test('started without directories: only a client with roots gets access', async () => {
        const c = await connectWithRoots('v1', BIN.fs, [], () => [{ uri: `file://${B}` }]);
        try {
            assert.equal(text(await c.client.callTool({ name: 'read_text_file', arguments: { path: 'r.txt' } })), 'from a root\n');
        } finally {
            await c.close();
        }
        const plain = await connect('v1', BIN.fs, { args: [] });
        try {
            assert.match(
                toolError(await plain.client.callTool({ name: 'read_text_file', arguments: { path: '/etc/hostname' } })),
                /^Access denied - no allowed directories/,
            );
        } finally {
            await plain.close();
        }
    });
});
