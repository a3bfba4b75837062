// `mcp install CLIENT NAME -- COMMAND ARGS...` with HOME (and XDG_CONFIG_HOME, CODEX_HOME) in a
// temp folder: each client's file is checked against the format that client documents (JSON
// parsed, Codex's TOML parsed by smol-toml, a TOML 1.0 parser), other entries are kept, a backup
// is made, a second install changes nothing, and a file that is not JSON/TOML, read-only or a
// symlink is refused and left as it was. The Inspector CLI then starts the server from the
// installed Claude Desktop entry, as that client would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUILD = process.env.MCP_BUILD ? path.resolve(ROOT, process.env.MCP_BUILD) : path.join(ROOT, 'build');
const MCP = path.join(BUILD, 'bin', 'mcp');
const QUICKSTART = path.join(BUILD, 'examples', 'quickstart');
const INSPECTOR = path.join(HERE, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'cli', 'build', 'index.js');

let home;
const dirs = [];
beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-install-'));
    dirs.push(home);
});
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function mcp(args, cwd = home) {
    const env = { ...process.env, HOME: home };
    delete env.XDG_CONFIG_HOME;
    delete env.CODEX_HOME;
    const r = spawnSync(MCP, args, { cwd, env, encoding: 'utf8', timeout: 20000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

// Where each client reads its servers, and how it spells a local and a remote entry.
const FILES = {
    'claude-desktop': '.config/Claude/claude_desktop_config.json',
    'claude-code': '.claude.json',
    cursor: '.cursor/mcp.json',
    'gemini-cli': '.gemini/settings.json',
    codex: '.codex/config.toml',
    vscode: '.config/Code/User/mcp.json',
};
const KEY = { codex: 'mcp_servers', vscode: 'servers' };
const local = (client, command, args, env) => ({
    ...(client === 'claude-code' || client === 'vscode' ? { type: 'stdio' } : {}),
    command,
    args,
    ...(env ? { env } : {}),
});
const remote = {
    'claude-desktop': (url) => ({ command: 'npx', args: ['-y', 'mcp-remote', url] }),
    'claude-code': (url) => ({ type: 'http', url }),
    cursor: (url) => ({ url }),
    'gemini-cli': (url) => ({ httpUrl: url }),
    codex: (url) => ({ url }),
    vscode: (url) => ({ type: 'http', url }),
};
const read = (client) => {
    const text = fs.readFileSync(path.join(home, FILES[client]), 'utf8');
    // (smol-toml's tables have no prototype: compared as plain JSON values)
    return client === 'codex' ? JSON.parse(JSON.stringify(parseToml(text))) : JSON.parse(text);
};
const servers = (client) => read(client)[KEY[client] ?? 'mcpServers'];

for (const client of Object.keys(FILES)) {
    describe(`mcp install ${client}`, () => {
        test('creates the file, in the documented format, with an absolute command', () => {
            // a relative path, from the build folder: the client starts servers elsewhere
            const rel = path.relative(path.dirname(BUILD), QUICKSTART);
            const r = mcp(['install', client, 'quick', '--env', 'API_KEY=s3cr=t', '--env', 'MODE=a b', '--',
                rel, '--log-level', 'info'], path.dirname(BUILD));
            assert.equal(r.code, 0, r.err);
            assert.match(r.out, /installed 'quick' in .* \(new file\)/);
            assert.deepEqual(servers(client), {
                quick: local(client, QUICKSTART, ['--log-level', 'info'], { API_KEY: 's3cr=t', MODE: 'a b' }),
            });
            assert.ok(!fs.existsSync(path.join(home, FILES[client]) + '.bak'));
        });

        test('keeps other entries, backs up, replaces its own entry, then is idempotent', () => {
            const file = path.join(home, FILES[client]);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const before =
                client === 'codex'
                    ? 'model = "o3"  # a comment kept\n\n[mcp_servers.other]\ncommand = "other-server"\nargs = []\n\n' +
                      '[mcp_servers.quick]\ncommand = "old"\n\n[mcp_servers.quick.env]\nOLD = "1"\n\n[profiles.fast]\nmodel = "o4-mini"\n'
                    : JSON.stringify({ theme: 'dark', [KEY[client] ?? 'mcpServers']: { other: { command: 'other-server', args: [] },
                        quick: { command: 'old' } }, numStartups: 7 }, null, 2);
            fs.writeFileSync(file, before);
            let r = mcp(['install', client, 'quick', '--', QUICKSTART]);
            assert.equal(r.code, 0, r.err);
            assert.equal(fs.readFileSync(file + '.bak', 'utf8'), before);
            const all = read(client);
            const s = all[KEY[client] ?? 'mcpServers'];
            assert.deepEqual(s.quick, local(client, QUICKSTART, []));
            assert.deepEqual(s.other, { command: 'other-server', args: [] });
            if (client === 'codex') {
                assert.equal(all.model, 'o3');
                assert.deepEqual(all.profiles, { fast: { model: 'o4-mini' } });
                assert.match(fs.readFileSync(file, 'utf8'), /# a comment kept/);
            } else {
                assert.equal(all.theme, 'dark');
                assert.equal(all.numStartups, 7);
            }
            const after1 = fs.readFileSync(file, 'utf8');
            fs.rmSync(file + '.bak');
            r = mcp(['install', client, 'quick', '--', QUICKSTART]);
            assert.equal(r.code, 0, r.err);
            assert.match(r.out, /already installed/);
            assert.equal(fs.readFileSync(file, 'utf8'), after1, 'a second install changes nothing');
            assert.ok(!fs.existsSync(file + '.bak'), 'and writes no backup');
        });

        test('--url: a remote server in the form the client documents', () => {
            const url = 'https://mcp.example.com/mcp';
            const r = mcp(['install', client, 'remote', '--url', url]);
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(servers(client), { remote: remote[client](url) });
        });

        test('refuses a file that is not ' + (client === 'codex' ? 'TOML' : 'JSON') + ', and changes nothing', () => {
            const file = path.join(home, FILES[client]);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const junk = client === 'codex' ? '[mcp_servers.x\ncommand = "y"\n' : '{"mcpServers": {"x": }';
            fs.writeFileSync(file, junk);
            const r = mcp(['install', client, 'quick', '--', QUICKSTART]);
            assert.equal(r.code, 2);
            assert.match(r.err, client === 'codex' ? /is not valid TOML \(line 1\); not changing it/ : /is not valid JSON .*; not changing it/);
            assert.equal(fs.readFileSync(file, 'utf8'), junk);
            assert.ok(!fs.existsSync(file + '.bak'));
        });

        test('refuses a read-only file and a symlink, and changes nothing', () => {
            const file = path.join(home, FILES[client]);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const text = client === 'codex' ? 'model = "o3"\n' : '{}';
            fs.writeFileSync(file, text);
            fs.chmodSync(file, 0o444);
            let r = mcp(['install', client, 'quick', '--', QUICKSTART]);
            assert.equal(r.code, 2);
            assert.match(r.err, /is not writable \(mode 444\); not changing it/);
            assert.equal(fs.readFileSync(file, 'utf8'), text);
            fs.chmodSync(file, 0o644);
            const real = path.join(home, 'real-config');
            fs.renameSync(file, real);
            fs.symlinkSync(real, file);
            r = mcp(['install', client, 'quick', '--', QUICKSTART]);
            assert.equal(r.code, 2);
            assert.match(r.err, /is a symbolic link; not changing it/);
            assert.equal(fs.readFileSync(real, 'utf8'), text);
            assert.ok(fs.lstatSync(file).isSymbolicLink());
        });
    });
}

describe('mcp install: bad usage and layouts it does not edit', () => {
    test('unknown client, bad name, neither or both of a command and --url', () => {
        assert.match(mcp(['install', 'notepad', 'x', '--', QUICKSTART]).err, /unknown client/);
        assert.match(mcp(['install', 'cursor', 'a b', '--', QUICKSTART]).err, /the name must be/);
        assert.match(mcp(['install', 'cursor', 'x']).err, /either -- COMMAND ARGS... or --url URL/);
        assert.match(mcp(['install', 'cursor', 'x', '--url', 'https://a/mcp', '--', QUICKSTART]).err, /either/);
        assert.match(mcp(['install', 'cursor', 'x', '--url', 'ftp://a']).err, /http:\/\/ or https:\/\//);
        assert.equal(fs.readdirSync(home).length, 0, 'nothing written');
    });

    test('codex: a server defined with dotted keys is refused, not defined twice', () => {
        const file = path.join(home, FILES.codex);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const text = '[mcp_servers]\nquick.command = "x"\n';
        fs.writeFileSync(file, text);
        const r = mcp(['install', 'codex', 'quick', '--', QUICKSTART]);
        assert.equal(r.code, 2);
        assert.match(r.err, /dotted keys or an inline table/);
        assert.equal(fs.readFileSync(file, 'utf8'), text);
    });

    test('a JSON file whose server table is not an object is refused', () => {
        const file = path.join(home, FILES.cursor);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, '{"mcpServers": []}');
        const r = mcp(['install', 'cursor', 'quick', '--', QUICKSTART]);
        assert.equal(r.code, 2);
        assert.match(r.err, /"mcpServers" is not an object/);
    });
});

describe('an installed entry works in a real client', () => {
    test('the Inspector CLI starts the server from the Claude Desktop entry', () => {
        assert.equal(mcp(['install', 'claude-desktop', 'quick', '--env', 'X=1', '--', QUICKSTART]).code, 0);
        const r = spawnSync(process.execPath, [INSPECTOR, '--format', 'json', '--config', path.join(home, FILES['claude-desktop']),
            '--server', 'quick', '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=1', 'b=2'],
        { encoding: 'utf8', timeout: 60000, env: { ...process.env, HOME: home, MCP_INSPECTOR_SECRET_STORE: 'memory' } });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout.split('\n')[0]).result, { content: [{ type: 'text', text: '1 + 2 = 3' }] });
    });
});
