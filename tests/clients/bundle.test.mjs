// `mcp pack BINARY`: MCP Bundles checked with the official @anthropic-ai/mcpb CLI (pinned):
// `validate` on the manifest, `info`, `unpack`; then the server is started from the unpacked
// folder the way a host does (server.mcp_config with ${__dirname} and the user_config defaults
// or values filled in) and driven by the Inspector CLI. A binary that is not an MCP server, or
// not a program, is refused and no bundle is written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUILD = process.env.MCP_BUILD ? path.resolve(ROOT, process.env.MCP_BUILD) : path.join(ROOT, 'build');
const MCP = path.join(BUILD, 'bin', 'mcp');
const NM = path.join(HERE, 'node_modules');
const MCPB = path.join(NM, '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const INSPECTOR = path.join(NM, '@modelcontextprotocol', 'inspector', 'clients', 'cli', 'build', 'index.js');
// a 1x1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let tmp;
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-pack-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd, args, opts = {}) {
    const r = spawnSync(cmd, args, {
        encoding: 'utf8', timeout: 60000, cwd: tmp,
        env: { ...process.env, HOME: tmp, MCP_INSPECTOR_SECRET_STORE: 'memory' }, ...opts,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
}
const mcpb = (...args) => run(process.execPath, [MCPB, ...args]);

/** What a host does: the manifest's command and args with ${__dirname} and ${user_config.X}. */
function launch(dir, values = {}) {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const value = (k) => values[k] ?? m.user_config[k].default;
    const args = m.server.mcp_config.args.flatMap((a) => {
        const whole = a.match(/^\$\{user_config\.(\w+)\}$/);
        if (whole) return [].concat(value(whole[1])).map(String);
        return [a.replace('${__dirname}', dir)];
    });
    return { command: m.server.mcp_config.command.replace('${__dirname}', dir), args };
}

/** Run the Inspector CLI against the unpacked server: the parsed result. */
function inspect(dir, values, ...args) {
    const cfg = path.join(tmp, `host-${path.basename(dir)}.json`);
    fs.writeFileSync(cfg, JSON.stringify({ mcpServers: { bundled: launch(dir, values) } }));
    const r = run(process.execPath, [INSPECTOR, '--format', 'json', '--config', cfg, '--server', 'bundled', ...args]);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    return JSON.parse(r.out.split('\n')[0]).result;
}

/** pack, validate, info, unpack: the unpacked folder and its manifest. */
function packAndCheck(name, args) {
    const out = path.join(tmp, `${name}.mcpb`);
    const r = run(MCP, ['pack', '-o', out, ...args]);
    assert.equal(r.code, 0, r.err);
    const info = mcpb('info', out);
    assert.equal(info.code, 0, info.err);
    assert.match(info.out, new RegExp(`File: .*${name}\\.mcpb`));
    const dir = path.join(tmp, `${name}-unpacked`);
    const un = mcpb('unpack', out, dir);
    assert.equal(un.code, 0, un.err);
    const v = mcpb('validate', path.join(dir, 'manifest.json'));
    assert.equal(v.code, 0, `${v.out}\n${v.err}`);
    assert.match(v.out, /Manifest schema validation passes/);
    return { dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')), out };
}

describe('mcp pack', () => {
    test('the quickstart: a valid bundle of the current manifest version, run from its folder', () => {
        const icon = path.join(tmp, 'icon.png');
        fs.writeFileSync(icon, PNG);
        const { dir, manifest: m } = packAndCheck('quickstart', ['--icon', icon, path.join(BUILD, 'examples', 'quickstart')]);
        assert.equal(m.manifest_version, '0.4');
        assert.equal(m.name, 'quickstart');
        assert.equal(m.version, '1.0.0');
        assert.deepEqual(m.server.type, 'binary');
        assert.equal(m.server.entry_point, 'server/quickstart');
        assert.equal(m.server.mcp_config.command, '${__dirname}/server/quickstart');
        assert.deepEqual(m.compatibility.platforms, ['linux']);
        assert.equal(m.icon, 'icon.png');
        assert.deepEqual(fs.readFileSync(path.join(dir, 'icon.png')), PNG);
        // listed by the server itself
        assert.deepEqual(m.tools, [{ name: 'add', description: 'Add two numbers' }, { name: 'echo', description: 'Echo the text back' }]);
        assert.deepEqual(m.prompts, [{ name: 'greet', description: 'Greet someone by name', arguments: ['name'],
            text: 'Please write a short, friendly greeting for ${arguments.name}.' }]);
        // its command-line settings as user_config
        assert.deepEqual(Object.keys(m.user_config), ['log_level', 'tool_timeout_ms']);
        assert.deepEqual(m.server.mcp_config.args,
            ['--log-level', '${user_config.log_level}', '--tool-timeout', '${user_config.tool_timeout_ms}']);
        assert.equal(fs.statSync(path.join(dir, 'server', 'quickstart')).mode & 0o777, 0o755);
        // the unpacked server runs, with the defaults and with a user's values
        assert.deepEqual(inspect(dir, {}, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=2', 'b=3'),
            { content: [{ type: 'text', text: '2 + 3 = 5' }] });
        const p = inspect(dir, { log_level: 'debug', tool_timeout_ms: 5000 }, '--method', 'prompts/get', '--prompt-name', 'greet',
            '--prompt-args', 'name=Ada');
        assert.equal(p.messages[0].content.text, 'Please write a short, friendly greeting for Ada.');
    });

    test('mcp-filesystem: a --user-config directory setting, filled in by the host', () => {
        const files = path.join(tmp, 'shared');
        fs.mkdirSync(files);
        fs.writeFileSync(path.join(files, 'note.txt'), 'from the bundle\n');
        const { dir, manifest: m } = packAndCheck('mcp-filesystem', ['--user-config', 'directories:directory:Allowed folders',
            path.join(BUILD, 'bin', 'mcp-filesystem')]);
        assert.deepEqual(m.user_config.directories, { type: 'directory', title: 'Allowed folders', description: 'Allowed folders',
            required: true, multiple: true });
        assert.ok(m.server.mcp_config.args.includes('${user_config.directories}'));
        assert.ok(m.tools.some((t) => t.name === 'read_text_file'));
        const read = inspect(dir, { directories: [files] }, '--method', 'tools/call', '--tool-name', 'read_text_file',
            '--tool-arg', `path=${path.join(files, 'note.txt')}`);
        assert.equal(read.content[0].text, 'from the bundle\n');
    });

    test('--manifest: a base manifest keeps its fields; the server fills the rest', () => {
        const base = path.join(tmp, 'base.json');
        fs.writeFileSync(base, JSON.stringify({ name: 'sums', version: '2.0.1', description: 'Sums, as a service',
            author: { name: 'Ada', email: 'ada@example.com' }, keywords: ['math'], license: 'MIT' }));
        const { manifest: m } = packAndCheck('sums', ['--manifest', base, path.join(BUILD, 'examples', 'quickstart')]);
        assert.equal(m.name, 'sums');
        assert.equal(m.version, '2.0.1');
        assert.deepEqual(m.author, { name: 'Ada', email: 'ada@example.com' });
        assert.deepEqual(m.keywords, ['math']);
        assert.equal(m.tools.length, 2);
    });

    test('refuses a program that does not answer tools/list in time, and a file that is no program', () => {
        const out = path.join(tmp, 'never.mcpb');
        const t0 = Date.now();
        let r = run(MCP, ['pack', '--timeout', '1500', '--arg', '30', '-o', out, '/bin/sleep']);
        assert.equal(r.code, 3);
        assert.match(r.err, /\/bin\/sleep is not an MCP server.*did not answer initialize and tools\/list within 1500 ms.*not packing it/);
        assert.ok(Date.now() - t0 < 20000, 'refused within the time limit');
        assert.ok(!fs.existsSync(out));
        r = run(MCP, ['pack', '--timeout', '1500', '-o', out, '/bin/cat']);
        assert.equal(r.code, 3);
        assert.match(r.err, /is not an MCP server/);
        const text = path.join(tmp, 'notes.txt');
        fs.writeFileSync(text, 'hello\n');
        r = run(MCP, ['pack', '-o', out, text]);
        assert.equal(r.code, 2);
        assert.match(r.err, /is not a program/);
        assert.ok(!fs.existsSync(out));
    });
});
