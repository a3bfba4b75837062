// The `mcp` command and the client library (through build/fixtures/clientcheck) against real
// peers over STDIO. Each case runs the command to its end and checks its output and exit status:
// 0 ok, 1 tool error, 3 protocol error, 4 connection failure, 5 timeout (docs/man/mcp.1).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertNoSanitizerReport } from '../serverexit.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = process.env.MCP_BUILD || path.resolve(HERE, '..', '..', 'build');
const MCP = path.join(BUILD, 'bin', 'mcp');
const CHECK = path.join(BUILD, 'fixtures', 'clientcheck');
const BIN = path.join(HERE, 'node_modules', '.bin');
const T = { timeout: 30000 };

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-client-'));
fs.writeFileSync(path.join(DIR, 'hello.txt'), 'hello from the filesystem peer\n');
process.on('exit', () => fs.rmSync(DIR, { recursive: true, force: true }));

const PEERS = {
    'ts-sdk-v1': [process.execPath, path.join(HERE, 'peer-v1.mjs')],
    'ts-sdk-v2': [process.execPath, path.join(HERE, 'peer-v2.mjs')],
    'server-everything': [path.join(BIN, 'mcp-server-everything')],
    'server-filesystem': [path.join(BIN, 'mcp-server-filesystem'), DIR],
    quickstart: [path.join(BUILD, 'examples', 'quickstart')],
    'mcp-everything': [path.join(BUILD, 'bin', 'mcp-everything')],
    'mcp-filesystem': [path.join(BUILD, 'bin', 'mcp-filesystem'), DIR],
};

/** Run a program to its end (bounded); resolves {code, signal, stdout, stderr}. */
function run(cmd, args, { timeoutMs = 25000 } = {}) {
    return new Promise((resolve) => {
        const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '', stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
        p.on('close', (code, signal) => {
            clearTimeout(t);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

/** mcp SUBCOMMAND ARGS... --stdio PEER */
async function mcp(peer, ...args) {
    const r = await run(MCP, [...args, '--stdio', ...PEERS[peer]]);
    assertNoSanitizerReport(r.stderr, `mcp ${args.join(' ')}`);
    return r;
}

function ok(r, what) {
    assert.equal(r.code, 0, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr.slice(-2000)}`);
}

/* What each peer offers, as the tests use it: a tool to call with its arguments and expected
 * text, the protocol revision the client should end up with. */
const EXPECT = {
    'ts-sdk-v1': { tool: ['add', 'a=2', 'b=3'], text: '5', protocol: '2025-11-25', name: 'peer-v1', unknown: 1 },
    'ts-sdk-v2': { tool: ['add', 'a=2', 'b=3'], text: '5', protocol: '2025-11-25', name: 'peer-v2', unknown: 3 },
    'server-everything': { tool: ['get-sum', 'a=2', 'b=3'], text: 'The sum of 2 and 3 is 5.', protocol: '2025-11-25', name: 'mcp-servers/everything', unknown: 1 },
    'server-filesystem': { tool: ['read_text_file', `path=${path.join(DIR, 'hello.txt')}`], text: 'hello from the filesystem peer', protocol: '2025-11-25', name: 'secure-filesystem-server', unknown: 1 },
    quickstart: { tool: ['add', 'a=2', 'b=3'], text: '2 + 3 = 5', protocol: '2026-07-28', name: 'quickstart', unknown: 3 },
    'mcp-everything': { tool: ['add', 'a=2', 'b=3'], text: '5', protocol: '2026-07-28', name: 'mcp-everything', unknown: 3 },
    'mcp-filesystem': { tool: ['read_text_file', `path=${path.join(DIR, 'hello.txt')}`], text: 'hello from the filesystem peer', protocol: '2026-07-28', name: 'mcp-filesystem', unknown: 3 },
};

for (const [peer, e] of Object.entries(EXPECT)) {
    test(`${peer}: mcp info negotiates ${e.protocol}`, T, async () => {
        const r = await mcp(peer, 'info', '--json');
        ok(r, 'info');
        const info = JSON.parse(r.stdout);
        assert.equal(info.protocolVersion, e.protocol);
        assert.equal(info.serverInfo.name, e.name);
        assert.equal(typeof info.capabilities.tools, 'object');
    });

    test(`${peer}: mcp tools lists ${e.tool[0]}`, T, async () => {
        const r = await mcp(peer, 'tools', '--json');
        ok(r, 'tools');
        const tools = JSON.parse(r.stdout);
        assert.ok(tools.some((t) => t.name === e.tool[0]), r.stdout);
        const human = await mcp(peer, 'tools');
        ok(human, 'tools (human)');
        assert.match(human.stdout, new RegExp(`^${e.tool[0]}\\(`, 'm'));
    });

    test(`${peer}: mcp call ${e.tool.join(' ')}`, T, async () => {
        const r = await mcp(peer, 'call', ...e.tool);
        ok(r, 'call');
        assert.ok(r.stdout.includes(e.text), r.stdout);
        const j = await mcp(peer, 'call', ...e.tool, '--json');
        ok(j, 'call --json');
        assert.ok(JSON.parse(j.stdout).content.some((b) => b.type === 'text' && b.text.includes(e.text)));
    });

    test(`${peer}: an unknown tool exits ${e.unknown}`, T, async () => {
        const r = await mcp(peer, 'call', 'no_such_tool_here');
        // a JSON-RPC error (3), or a tool error (1) from servers that report it that way
        assert.equal(r.code, e.unknown, r.stderr);
    });
}


test('key=value arguments are typed by the tool schema; key:=JSON is raw JSON', T, async () => {
    // echo's text is a string: 123 stays the text "123"
    const s = await mcp('quickstart', 'call', 'echo', 'text=123');
    ok(s, 'echo text=123');
    assert.equal(s.stdout, '123\n');
    // add's a and b are numbers: parsed as JSON
    const n = await mcp('quickstart', 'call', 'add', 'a=1.5', 'b:=2');
    ok(n, 'add');
    assert.equal(n.stdout.trim(), '1.5 + 2 = 3.5');
    // a number that is not one: a usage error before anything is sent
    const bad = await mcp('quickstart', 'call', 'add', 'a=x', 'b=1');
    assert.equal(bad.code, 2, bad.stderr);
    // the whole arguments object as JSON, JSON out
    const j = await mcp('quickstart', 'call', 'add', '--json', '{"a":2,"b":5}');
    ok(j, '--json object');
    assert.equal(JSON.parse(j.stdout).content[0].text, '2 + 5 = 7');
    // not key=value
    assert.equal((await mcp('quickstart', 'call', 'add', 'oops')).code, 2);
});

test('the pinned 2025 revision is used with libmcp servers', T, async () => {
    const r = await mcp('quickstart', 'info', '--json', '--protocol', '2025-06-18');
    ok(r, 'info');
    assert.equal(JSON.parse(r.stdout).protocolVersion, '2025-06-18');
});

test('tool errors exit 1 (TypeScript SDK v1 and v2)', T, async () => {
    for (const peer of ['ts-sdk-v1', 'ts-sdk-v2']) {
        const r = await mcp(peer, 'call', 'fail');
        assert.equal(r.code, 1, `${peer}: ${r.stderr}`);
        assert.match(r.stdout, /it failed/);
    }
});

test('progress and server logs go to stderr, the result to stdout', T, async () => {
    const r = await mcp('ts-sdk-v1', 'call', 'steps', 'n=3', '--log-level', 'debug');
    ok(r, 'steps');
    assert.equal(r.stdout.trim(), 'counted to 3');
    assert.match(r.stderr, /progress: 3\/3 step 3/);
    assert.match(r.stderr, /\[info\] steps counting to 3/);
});

test('a server that never answers in time: exit 5', T, async () => {
    const r = await mcp('ts-sdk-v1', 'call', 'slow', '--timeout', '300');
    assert.equal(r.code, 5, r.stderr);
});

test('a server that cannot start: exit 4', T, async () => {
    const r = await run(MCP, ['tools', '--stdio', path.join(DIR, 'no-such-server')]);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /cannot start/);
    const dies = await run(MCP, ['tools', '--stdio', 'sh', '-c', 'exit 9']);
    assert.equal(dies.code, 4);
    assert.match(dies.stderr, /exit status 9/);
});

test('usage errors: exit 2', T, async () => {
    assert.equal((await run(MCP, ['tools'])).code, 2);
    assert.equal((await run(MCP, ['frobnicate'])).code, 2);
    assert.equal((await run(MCP, ['call', '--stdio', 'true'])).code, 2);
});

test('resources, read, prompts, prompt, complete (TypeScript SDK v1)', T, async () => {
    const res = await mcp('ts-sdk-v1', 'resources');
    ok(res, 'resources');
    assert.match(res.stdout, /peer:\/\/about/);
    assert.match(res.stdout, /peer:\/\/items\/\{id\}.*template/);
    const read = await mcp('ts-sdk-v1', 'read', 'peer://items/42');
    ok(read, 'read');
    assert.equal(read.stdout, 'item 42\n');
    const prompts = await mcp('ts-sdk-v1', 'prompts', '--json');
    ok(prompts, 'prompts');
    assert.equal(JSON.parse(prompts.stdout)[0].name, 'greet');
    const prompt = await mcp('ts-sdk-v1', 'prompt', 'greet', 'name=Ann');
    ok(prompt, 'prompt');
    assert.equal(prompt.stdout, 'user: Hello Ann\n');
    const comp = await mcp('ts-sdk-v1', 'complete', 'prompt', 'greet', 'name', 'al');
    ok(comp, 'complete');
    assert.deepEqual(comp.stdout.trim().split('\n'), ['alice', 'albert']);
});

test('read and prompts against the reference server-everything', T, async () => {
    const res = await mcp('server-everything', 'resources', '--json');
    ok(res, 'resources');
    const uri = JSON.parse(res.stdout).resources[0].uri;
    const read = await mcp('server-everything', 'read', uri, '--json');
    ok(read, 'read');
    assert.equal(JSON.parse(read.stdout).contents[0].uri, uri);
    const prompts = await mcp('server-everything', 'prompts', '--json');
    ok(prompts, 'prompts');
    assert.ok(JSON.parse(prompts.stdout).length > 0);
});

/* Skills (io.modelcontextprotocol/skills): listed, loaded and verified by `mcp`, both eras
 * (2025 sessions carry the extension under capabilities.experimental). */
for (const era of ['2026-07-28', '2025-11-25']) {
    test(`mcp-everything (${era}): mcp skills lists, mcp skill loads verified files`, T, async () => {
        const list = await mcp('mcp-everything', 'skills', '--json', '--protocol', era);
        ok(list, 'skills');
        const skills = JSON.parse(list.stdout).skills;
        assert.deepEqual(skills.map((s) => s.uri), ['skill://everything-tour/SKILL.md', 'skill://libmcp/testing/conformance-notes/SKILL.md']);
        for (const f of skills[0].resources) assert.match(f.digest, /^sha256:[0-9a-f]{64}$/);
        const human = await mcp('mcp-everything', 'skills', '--protocol', era);
        ok(human, 'skills (text)');
        assert.match(human.stdout, /^everything-tour {2}skill:\/\/everything-tour\/SKILL\.md\n {4}Tour the tools/);
        assert.match(human.stdout, /3 files, \d+ bytes/);
        const md = await mcp('mcp-everything', 'skill', 'everything-tour', '--protocol', era);
        ok(md, 'skill');
        assert.match(md.stdout, /^---\nname: everything-tour\n/);
        const ref = await mcp('mcp-everything', 'skill', 'everything-tour', 'references/TOOLS.md', '--protocol', era);
        ok(ref, 'skill FILE');
        assert.match(ref.stdout, /^# Tools/);
        const icon = await mcp('mcp-everything', 'skill', 'skill://everything-tour/SKILL.md', 'assets/icon.png', '--json', '--protocol', era);
        ok(icon, 'skill blob');
        assert.equal(JSON.parse(icon.stdout).mimeType, 'image/png');
        const nested = await mcp('mcp-everything', 'skill', 'conformance-notes', '--protocol', era);
        ok(nested, 'skill under a prefix');
        assert.match(nested.stdout, /allowed-tools:/);
        /* a file the entry does not list is refused before any read: exit 3 */
        const unlisted = await mcp('mcp-everything', 'skill', 'everything-tour', 'references/NOPE.md', '--protocol', era);
        assert.equal(unlisted.code, 3, unlisted.stderr);
        assert.match(unlisted.stderr, /not listed in the skill's resources/);
        const unknown = await mcp('mcp-everything', 'skill', 'no-such-skill', '--protocol', era);
        assert.equal(unknown.code, 3, unknown.stderr);
        const get = await mcp('mcp-everything', 'skill', 'skill://nope/SKILL.md', '--protocol', era);
        assert.equal(get.code, 3, get.stderr);
        assert.match(get.stderr, /-32602/);
    });
}

/* A server without the extension has no skills: an empty list, and `mcp skill` says why. */
test('quickstart: no skills extension', T, async () => {
    const list = await mcp('quickstart', 'skills', '--json');
    ok(list, 'skills');
    assert.deepEqual(JSON.parse(list.stdout), { skills: [] });
    const one = await mcp('quickstart', 'skill', 'x');
    assert.equal(one.code, 3);
    assert.match(one.stderr, /does not declare the io\.modelcontextprotocol\/skills extension/);
});

/* The library through clientcheck: what servers ask, answered by the same handlers in both eras. */
async function check(peer, tool, args, ...opts) {
    const r = await run(CHECK, [...opts, tool, JSON.stringify(args), '--', ...PEERS[peer]]);
    assertNoSanitizerReport(r.stderr, `clientcheck ${tool}`);
    assert.equal(r.code, 0, `clientcheck ${tool}: ${r.stdout} ${r.stderr.slice(-1000)}`);
    return JSON.parse(r.stdout);
}

for (const era of ['2026-07-28', '2025-11-25']) {
    const pin = era === '2025-11-25' ? ['--protocol', era] : [];
    test(`mcp-everything (${era}): sampling, elicitation and roots through one set of handlers`, T, async () => {
        const multi = await check('mcp-everything', 'test_input_required_result_multiple_inputs', {}, ...pin);
        assert.equal(multi.protocol, era);
        assert.deepEqual(multi.asked, { 'elicitation/create': 1, 'sampling/createMessage': 1, 'roots/list': 1 });
        assert.equal(multi.result.content[0].text, 'name=Zoe; greeting=sampled by clientcheck; roots=file:///tmp (tmp)');
        const rounds = await check('mcp-everything', 'test_input_required_result_multi_round', {}, ...pin);
        assert.equal(rounds.asked['elicitation/create'], 2);
        const prog = await check('mcp-everything', 'test_tool_with_progress', {}, ...pin);
        assert.equal(prog.progress, 3);
        const logs = await check('mcp-everything', 'test_tool_with_logging', {}, ...pin);
        assert.equal(logs.logs, 3);
    });
}

test('TypeScript SDK v1: elicitation as a server->client request, progress, cancellation', T, async () => {
    const ask = await check('ts-sdk-v1', 'ask', {});
    assert.equal(ask.result.content[0].text, 'accept:Zoe');
    assert.deepEqual(ask.asked, { 'elicitation/create': 1 });
    const steps = await check('ts-sdk-v1', 'steps', { n: 4 });
    assert.equal(steps.progress, 4);
    assert.equal(steps.logs, 1);
    const r = await run(CHECK, ['--cancel-after', '200', 'slow', '{}', '--', ...PEERS['ts-sdk-v1']]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'MCP_ECANCELLED');
});

test('server-everything: sampling, elicitation (form and URL) and roots from the reference server', T, async () => {
    const s = await check('server-everything', 'trigger-sampling-request', { prompt: 'hi', maxTokens: 10 });
    assert.equal(s.asked['sampling/createMessage'], 1);
    assert.match(JSON.stringify(s.result), /sampled by clientcheck/);
    assert.ok(s.toolNames.includes('trigger-elicitation-request'), s.toolNames.join(','));
    const e = await check('server-everything', 'trigger-elicitation-request', {});
    assert.equal(e.asked['elicitation/create'], 1);
    const url = await check('server-everything', 'trigger-url-elicitation', { url: 'https://example.com/auth' });
    assert.equal(url.asked['elicitation/create'], 1);
    assert.match(url.result.content[0].text, /completed the URL elicitation/);
    const roots = await check('server-everything', 'get-roots-list', {});
    assert.equal(roots.asked['roots/list'], 1);
    assert.match(JSON.stringify(roots.result), /file:\/\/\/tmp/);
});

/* The same command over Streamable HTTP and legacy HTTP+SSE (the URL transports): libmcp's
 * mcp-everything on a free port of 127.0.0.1. */
function serveHttp(flag) {
    return new Promise((resolve, reject) => {
        const p = spawn(path.join(BUILD, 'bin', 'mcp-everything'), [flag, '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        const t = setTimeout(() => reject(new Error(`no URL from mcp-everything ${flag}: ${err}`)), 10000);
        p.stderr.on('data', (d) => {
            err += d;
            const m = err.match(/(http:\/\/127\.0\.0\.1:\d+\/\S*)/);
            if (m) {
                clearTimeout(t);
                resolve({ url: m[1], stop: () => new Promise((r) => { p.on('close', r); p.kill('SIGTERM'); }) });
            }
        });
        p.on('error', reject);
    });
}

test('mcp over Streamable HTTP: both eras, a call, a tool error', T, async () => {
    const srv = await serveHttp('--http');
    try {
        const info = await run(MCP, ['info', '--json', srv.url]);
        ok(info, 'info');
        assert.equal(JSON.parse(info.stdout).protocolVersion, '2026-07-28');
        const old = await run(MCP, ['info', '--json', '--protocol', '2025-11-25', srv.url]);
        ok(old, 'info 2025');
        assert.equal(JSON.parse(old.stdout).protocolVersion, '2025-11-25');
        const call = await run(MCP, ['call', 'add', 'a=1', 'b=2', srv.url]);
        ok(call, 'call');
        assert.match(call.stdout, /3/);
        const bad = await run(MCP, ['call', 'no_such_tool_here', srv.url]);
        assert.equal(bad.code, 3, bad.stderr);
    } finally {
        await srv.stop();
    }
    const gone = await run(MCP, ['info', srv.url]);
    assert.equal(gone.code, 4, gone.stderr);
});

test('mcp over legacy HTTP+SSE (--sse)', T, async () => {
    const srv = await serveHttp('--sse');
    try {
        const r = await run(MCP, ['call', 'add', 'a=2', 'b=2', '--sse', srv.url]);
        ok(r, 'call over SSE');
        assert.match(r.stdout, /4/);
    } finally {
        await srv.stop();
    }
});
