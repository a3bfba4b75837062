// mcp-everything with the official TypeScript SDK clients, over STDIO and over Streamable HTTP:
// every fixture the conformance suite calls, the feature demo, and the features a client takes
// part in: sampling, elicitation and roots answered by the client's handlers,
// cancellation (the handler stops, no response arrives), progress order, resource subscriptions,
// list_changed after a run-time registration. Once on a 2025-11-25 session (SDK v1 client), once
// on 2026-07-28 (SDK v2 client pinned to it).
//
// Every describe block runs once per transport. STDIO: each client spawns its own server (the
// SDK's StdioClientTransport). Streamable HTTP: each block starts its own
// `mcp-everything --http 127.0.0.1:0` (a free port; the URL is read from its stderr), its
// clients all talk to it, and after the block it is stopped with SIGTERM and must exit 0 with no
// sanitizer report (the STDIO servers' stderr is checked for sanitizer reports too).
//
// Run: node --test tests/conformance/features.test.mjs   (after `make everything`; the clients
// come from tests/conformance/node_modules, which run.sh installs with npm ci).
// BUILD=dir (or MCP_BUILD=dir) picks the build directory (default: build), e.g. BUILD=build-san
// after `make SAN=1 all`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
    CallToolResultSchema,
    CreateMessageRequestSchema,
    ElicitRequestSchema,
    ListRootsRequestSchema,
    LoggingMessageNotificationSchema,
    PromptListChangedNotificationSchema,
    ResourceUpdatedNotificationSchema,
    ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';

import { SANITIZER_ENV, assertNoSanitizerReport } from '../serverexit.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUILD = path.resolve(ROOT, process.env.MCP_BUILD || process.env.BUILD || 'build');
const BIN = path.join(BUILD, 'bin', 'mcp-everything');
// A missing binary fails the file (it must not skip: a skip would keep the run green).
if (!existsSync(BIN)) throw new Error(`${BIN} is missing; run 'make everything' first`);

const TIMEOUT = 20000;
const test = (name, fn, opts = {}) => nodeTest(name, { timeout: TIMEOUT, ...opts }, fn);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const show = (v) => JSON.stringify(v)?.slice(0, 1500);

/** Waits for cond() (polled every 25 ms) up to ms; returns its last value. */
async function waitFor(cond, ms) {
    const deadline = Date.now() + ms;
    let v;
    while (!(v = cond()) && Date.now() < deadline) await sleep(25);
    return v;
}

/** p, or a rejection with `why` after ms. */
function within(p, ms, why) {
    let timer;
    const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms)));
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// ---- the servers ------------------------------------------------------------------------------

// Every server gets a thread pool of POOL threads (the cancellation tests fill it), and the
// sanitizer settings of tests/http/run.sh: a leak or UBSan error makes a sanitized server fail.
const POOL = 4;
const SERVER_ENV = { UV_THREADPOOL_SIZE: String(POOL), ...SANITIZER_ENV };

// The HTTP servers still running, by PID: killed when the test process exits, whatever happens.
const running = new Map();
process.on('exit', () => {
    for (const child of running.values()) child.kill('SIGKILL');
});

/** `mcp-everything --http 127.0.0.1:0`; resolves with { url, pid, stop() } once it printed its URL. */
async function startHttpServer() {
    const child = spawn(BIN, ['--http', '127.0.0.1:0'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...SERVER_ENV },
    });
    const pid = child.pid;
    running.set(pid, child);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (stderr += d));
    // 'close': the process ended and its stderr was read to the end (a leak report included).
    const ended = new Promise((resolve) =>
        child.once('close', (code, signal) => {
            running.delete(pid);
            resolve({ code, signal });
        }),
    );
    const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL on stderr within 10 s: ${stderr}`)), 10000);
        const look = () => {
            const m = /Streamable HTTP on (http:\S+)/.exec(stderr);
            if (m) {
                clearTimeout(timer);
                child.stderr.off('data', look);
                resolve(m[1]);
            }
        };
        child.stderr.on('data', look);
        child.once('error', (e) => (clearTimeout(timer), reject(e)));
        ended.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new Error(`mcp-everything ended (${code ?? signal}) before listening: ${stderr}`));
        });
    }).catch((e) => {
        child.kill('SIGKILL');
        throw e;
    });
    return {
        url,
        pid,
        /** SIGTERM (SIGKILL after 8 s); asserts it had not died on its own and exits cleanly. */
        async stop() {
            const died = child.exitCode !== null || child.signalCode !== null;
            if (!died) child.kill('SIGTERM');
            const force = setTimeout(() => running.has(pid) && child.kill('SIGKILL'), 8000);
            const { code, signal } = await ended;
            clearTimeout(force);
            assert.ok(!died, `mcp-everything (pid ${pid}) died during the tests (${code ?? signal}):\n${stderr.slice(-4000)}`);
            assert.deepEqual({ code, signal }, { code: 0, signal: null }, `mcp-everything (pid ${pid}) did not exit cleanly:\n${stderr.slice(-4000)}`);
            assertNoSanitizerReport(stderr, `mcp-everything (pid ${pid})`);
        },
    };
}

const TRANSPORTS = [
    { name: 'STDIO', http: false },
    { name: 'Streamable HTTP', http: true },
];

/**
 * Where a describe block's clients connect. STDIO: each transport spawns its own server.
 * Streamable HTTP: the block's server, started by start() (in before) and stopped by stop().
 */
function endpoint(tr) {
    let srv = null;
    const stdioParams = () => ({ command: BIN, args: [], stderr: 'pipe', env: SERVER_ENV });
    return {
        http: tr.http,
        async start() {
            if (tr.http) srv = await startHttpServer();
        },
        async stop() {
            const s = srv;
            srv = null;
            await s?.stop();
        },
        // Over HTTP, `requests` gets one { method, rpc, lastEventId } per HTTP request the client makes.
        v1: (requests) =>
            tr.http
                ? new StreamableHTTPClientTransport(new URL(srv.url), { fetch: loggingFetch(requests) })
                : new StdioClientTransport(stdioParams()),
        v2: (requests) =>
            tr.http ? new StreamableHttpV2(new URL(srv.url), { fetch: loggingFetch(requests) }) : new StdioV2(stdioParams()),
    };
}

/** fetch, noting each request's HTTP method, JSON-RPC method and Last-Event-ID into `log`. */
function loggingFetch(log) {
    return (url, init = {}) => {
        let rpc;
        try {
            rpc = JSON.parse(init.body).method;
        } catch {
            /* no body */
        }
        log.push({ method: init.method ?? 'GET', rpc, lastEventId: new Headers(init.headers).get('last-event-id') ?? undefined });
        return fetch(url, init);
    };
}

/**
 * Records every message the transport delivers, in wire order, into `wire` (the clients
 * dispatch notifications a microtask late, so one that shares a read with the response can miss
 * its handler); on STDIO also collects the server's stderr. Returns () => that stderr.
 */
function tap(transport, wire) {
    let handler;
    Object.defineProperty(transport, 'onmessage', {
        configurable: true,
        get: () => handler,
        set: (fn) => (handler = fn && ((msg, extra) => (wire.push(msg), fn(msg, extra)))),
    });
    let stderr = '';
    transport.stderr?.setEncoding?.('utf8');
    transport.stderr?.on('data', (d) => (stderr += d));
    return () => stderr;
}

/**
 * Closes a client. On STDIO the server gets EOF first and must then exit by itself within 3 s
 * with status 0 and no sanitizer report.
 */
async function closeClient(client, stderr, who) {
    const child = client.transport?._process; // the SDK stdio transports' spawned server
    let exit = null;
    if (child) {
        const ended = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
        child.stdin.end();
        exit = await within(ended, 3000, `${who}: did not exit within 3 s of EOF:\n${stderr().slice(-4000)}`).catch((e) => e);
    }
    await client.close();
    assertNoSanitizerReport(stderr(), who);
    if (exit instanceof Error) throw exit;
    if (exit) assert.deepEqual(exit, { code: 0, signal: null }, `${who}: exit status:\n${stderr().slice(-4000)}`);
}

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
const ROOTS = [{ uri: 'file:///tmp/everything-root', name: 'Test Root' }];

const FIXTURE_TOOLS = [
    'test_simple_text',
    'test_image_content',
    'test_audio_content',
    'test_embedded_resource',
    'test_multiple_content_types',
    'test_tool_with_logging',
    'test_tool_with_progress',
    'test_error_handling',
    'test_sampling',
    'test_elicitation',
    'test_elicitation_sep1034_defaults',
    'test_elicitation_sep1330_enums',
    'json_schema_2020_12_tool',
    'test_reconnection',
];
const MODERN_TOOLS = [
    'test_missing_capability',
    'test_logging_tool',
    'test_streaming_elicitation',
    'test_trigger_tool_change',
    'test_trigger_prompt_change',
    'test_input_required_result_elicitation',
    'test_input_required_result_sampling',
    'test_input_required_result_list_roots',
    'test_input_required_result_request_state',
    'test_input_required_result_tampered_state',
    'test_input_required_result_multiple_inputs',
    'test_input_required_result_multi_round',
    'test_input_required_result_capabilities',
    'test_header_param',
];

/** A value the client's form answer can use for a requested property. */
function answerFor(name, schema) {
    const fixed = { name: 'Alice', color: 'blue', context: 'test context', username: 'testuser', email: 'test@example.com' };
    if (name in fixed) return fixed[name];
    if ('default' in schema) return schema.default;
    if (schema.type === 'boolean') return true;
    if (schema.type === 'number' || schema.type === 'integer') return 1;
    if (schema.enum) return schema.enum[0];
    if (schema.oneOf) return schema.oneOf[0].const;
    if (schema.type === 'array') return [schema.items?.enum?.[0] ?? schema.items?.anyOf?.[0]?.const];
    return 'x';
}

function formAnswer(params) {
    if (params.mode === 'url') return { action: 'accept' };
    const content = {};
    for (const [name, schema] of Object.entries(params.requestedSchema?.properties ?? {})) {
        content[name] = answerFor(name, schema);
    }
    return { action: 'accept', content };
}

function samplingAnswer(params) {
    const text = params.messages?.[0]?.content?.text ?? '';
    return {
        role: 'assistant',
        content: { type: 'text', text: text.includes('capital of France') ? 'Paris.' : `Reply to: ${text}` },
        model: 'smoke-model',
        stopReason: 'endTurn',
    };
}

function text(result) {
    assert.ok(Array.isArray(result?.content), `content array expected: ${show(result)}`);
    const t = result.content.find((b) => b.type === 'text');
    assert.ok(t, `a text block expected: ${show(result)}`);
    return t.text;
}

// ---- shared by both eras: progress order and cancellation ----------------------------------------

/**
 * test_tool_with_progress: 0, 50, 100 of 100 against the request's token, all on the wire before
 * the result; onprogress runs in order, and never after callTool resolved. Over STDIO the last
 * notification and the result leave the server in the same loop turn, so they usually share one
 * read; both SDK clients then resolve the call (dropping its progress handler) before they
 * dispatch the notification, which they defer a microtask, and report "Received a progress
 * notification for an unknown token" instead: onprogress may miss the tail there. The Streamable
 * HTTP transports hand over one SSE event per read, so every onprogress runs before the result.
 */
async function assertProgressOrder(call, wire, { http }) {
    const got = [];
    const mark = wire.length;
    await call('test_tool_with_progress', {}, { onprogress: (p) => got.push([p.progress, p.total]) });
    const atResult = got.slice();
    const onWire = wire.slice(mark).filter((m) => m.method === 'notifications/progress' || 'result' in m);
    assert.deepEqual(
        onWire.map((m) => ('result' in m ? 'result' : [m.params.progress, m.params.total])),
        [[0, 100], [50, 100], [100, 100], 'result'],
    );
    assert.equal(new Set(onWire.slice(0, 3).map((m) => m.params.progressToken)).size, 1, show(onWire));
    const all = [[0, 100], [50, 100], [100, 100]];
    if (http) assert.deepEqual(atResult, all, 'onprogress ran for each, in order, before the result');
    else assert.deepEqual(atResult, all.slice(0, Math.max(1, atResult.length)), 'onprogress ran in order before the result');
    await sleep(50);
    assert.deepEqual(got, atResult, 'no onprogress after the result');
}

/**
 * long_running_operation (a step, with progress, every 100 ms for 10 s), cancelled by an
 * AbortSignal: the call rejects, its progress stops, and no response arrives. `streamAborted`:
 * the client cancels by closing the request's stream (2026-07-28 over Streamable HTTP), so nothing
 * the server sends afterwards could reach it anyway; the handler stopping is then shown by the
 * thread-pool test (assertCancelFreesPool) alone.
 */
async function assertCancelStopsProgress(call, wire, { streamAborted = false } = {}) {
    const ac = new AbortController();
    const progress = [];
    const mark = wire.length;
    const pending = call('long_running_operation', { duration: 10, steps: 100 }, {
        signal: ac.signal,
        onprogress: (p) => progress.push(p.progress),
    });
    pending.catch(() => {});
    assert.ok(await waitFor(() => progress.length >= 2, 5000), 'no progress from long_running_operation');
    ac.abort('the test cancels');
    await assert.rejects(pending);
    const mine = () => wire.slice(mark);
    const token = mine().find((m) => m.method === 'notifications/progress')?.params.progressToken;
    const steps = () => mine().filter((m) => m.method === 'notifications/progress' && m.params.progressToken === token).length;
    await sleep(300); // a step already on its way may still arrive
    const n = steps();
    await sleep(700); // seven more steps, had the handler gone on
    assert.equal(steps(), n, 'progress went on after the cancellation: the handler did not stop');
    assert.ok(n < 30, `${n} steps: the handler did not stop at the cancellation`);
    assert.deepEqual(mine().filter((m) => 'result' in m || 'error' in m), [], 'no response may arrive for a cancelled request');
    if (!streamAborted) assert.ok(n >= 2, 'the wire saw the progress before the cancellation');
}

/**
 * POOL blocking_sleep calls of 4 s (MCP_TOOL_BLOCKING: each holds one of the server's POOL
 * thread-pool threads, and sends nothing until it ends) are cancelled 0.5 s in; the handlers
 * poll for cancellation every 10 ms, so a fifth blocking call must find a free thread at once.
 * Had the handlers not stopped, it would wait ~3.5 s for one.
 */
async function assertCancelFreesPool(call) {
    const acs = Array.from({ length: POOL }, () => new AbortController());
    const calls = acs.map((ac) => call('blocking_sleep', { ms: 4000 }, { signal: ac.signal }));
    calls.forEach((p) => p.catch(() => {}));
    await sleep(500);
    for (const ac of acs) ac.abort('the test cancels');
    for (const p of calls) await assert.rejects(p);
    const r = await within(
        call('blocking_sleep', { ms: 50 }),
        2500,
        `no free pool thread 2.5 s after the cancellation: the ${POOL} cancelled blocking_sleep handlers still run`,
    );
    assert.equal(text(r), 'Slept 50 ms on a pool thread.');
}

// ---- the 2025 era: v1 client ----------------------------------------------------------------

const FULL_CAPS = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

async function connectV1(ep, capabilities = FULL_CAPS) {
    const requests = [];
    const transport = ep.v1(requests);
    const client = new Client({ name: 'everything-smoke', version: '1.0.0' }, { capabilities });
    const seen = { sampling: [], elicitation: [], roots: 0, logs: [], updated: [], toolsChanged: 0, promptsChanged: 0, wire: [] };
    if (capabilities.sampling)
        client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
            seen.sampling.push(req.params);
            return samplingAnswer(req.params);
        });
    if (capabilities.elicitation)
        client.setRequestHandler(ElicitRequestSchema, async (req) => {
            seen.elicitation.push(req.params);
            return formAnswer(req.params);
        });
    if (capabilities.roots)
        client.setRequestHandler(ListRootsRequestSchema, async () => {
            seen.roots++;
            return { roots: ROOTS };
        });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => seen.logs.push(n.params));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => seen.updated.push(n.params.uri));
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => seen.toolsChanged++);
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => seen.promptsChanged++);
    const stderr = tap(transport, seen.wire);
    await client.connect(transport);
    const call = (name, args, opts) => client.callTool({ name, arguments: args }, CallToolResultSchema, opts);
    return { client, seen, requests, call, close: () => closeClient(client, stderr, 'mcp-everything (STDIO, v1 client)') };
}

function describeV1(tr) {
    describe(`mcp-everything over ${tr.name}, 2025-11-25 session (SDK v1 client)`, () => {
        const ep = endpoint(tr);
        let c, toolsAtStart;
        before(async () => {
            await ep.start();
            c = await connectV1(ep);
            toolsAtStart = (await c.client.listTools()).tools.map((t) => t.name);
        }, { timeout: TIMEOUT });
        after(async () => {
            try {
                await c?.close();
            } finally {
                await ep.stop();
            }
        }, { timeout: TIMEOUT });
        test('identity and capabilities', () => {
            const info = c.client.getServerVersion();
            assert.equal(info.name, 'mcp-everything');
            assert.equal(info.title, 'libmcp Everything Server');
            assert.ok(info.icons?.[0]?.src?.startsWith('https://'), show(info));
            const caps = c.client.getServerCapabilities();
            assert.deepEqual(caps.tools, { listChanged: true });
            assert.deepEqual(caps.resources, { subscribe: true, listChanged: true });
            assert.deepEqual(caps.prompts, { listChanged: true });
            assert.ok(caps.logging && caps.completions, show(caps));
            assert.match(c.client.getInstructions(), /conformance/);
        });

        test('tools/list: every fixture, each with a description; 2020-12 schema verbatim', async () => {
            const { tools } = await c.client.listTools();
            const names = tools.map((t) => t.name);
            for (const n of [...FIXTURE_TOOLS, ...MODERN_TOOLS, 'echo', 'add', 'get_weather', 'long_running_operation'])
                assert.ok(names.includes(n), `${n} missing from ${names}`);
            for (const t of tools) {
                assert.ok(t.description, `${t.name} has no description`);
                assert.equal(t.inputSchema.type, 'object', t.name);
                assert.match(t.name, /^[A-Za-z0-9_.-]{1,128}$/);
            }
            const s = tools.find((t) => t.name === 'json_schema_2020_12_tool').inputSchema;
            assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
            assert.equal(s.$defs.address.$anchor, 'addressDef');
            assert.equal(s.properties.address.$ref, '#/$defs/address');
            assert.equal(s.additionalProperties, false);
            assert.ok(s.allOf?.[0]?.anyOf && s.if && s.then && s.else, show(s));
            const w = tools.find((t) => t.name === 'get_weather');
            assert.equal(w.outputSchema.type, 'object');
            assert.equal(w.annotations.readOnlyHint, true);
            assert.ok(w.icons?.length === 1 && w._meta?.['io.github.libmcp/demo'] === true, show(w));
        });

        test('content fixtures: text, image, audio, embedded resource, mixed, error', async () => {
            assert.equal(text(await c.client.callTool({ name: 'test_simple_text' })), 'This is a simple text response for testing.');
            const img = (await c.client.callTool({ name: 'test_image_content', arguments: {} })).content[0];
            assert.equal(img.type, 'image');
            assert.equal(img.mimeType, 'image/png');
            assert.deepEqual(Buffer.from(img.data, 'base64').subarray(0, 8), PNG_SIGNATURE);
            const audio = (await c.client.callTool({ name: 'test_audio_content', arguments: {} })).content[0];
            assert.equal(audio.type, 'audio');
            assert.equal(audio.mimeType, 'audio/wav');
            const wav = Buffer.from(audio.data, 'base64');
            assert.equal(wav.subarray(0, 4).toString(), 'RIFF');
            assert.equal(wav.subarray(8, 12).toString(), 'WAVE');
            assert.equal(wav.readUInt32LE(4), wav.length - 8);
            const emb = (await c.client.callTool({ name: 'test_embedded_resource', arguments: {} })).content[0];
            assert.deepEqual(emb, {
                type: 'resource',
                resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
            });
            const mixed = (await c.client.callTool({ name: 'test_multiple_content_types', arguments: {} })).content;
            assert.deepEqual(mixed.map((b) => b.type), ['text', 'image', 'resource']);
            assert.deepEqual(JSON.parse(mixed[2].resource.text), { test: 'data', value: 123 });
            const err = await c.client.callTool({ name: 'test_error_handling', arguments: {} });
            assert.equal(err.isError, true);
            assert.equal(text(err), 'This tool intentionally returns an error for testing');
        });

        test('logging: three info messages before the result', async () => {
            c.seen.logs.length = 0;
            const res = await c.client.callTool({ name: 'test_tool_with_logging', arguments: {} });
            assert.equal(text(res), 'Tool with logging executed successfully');
            assert.deepEqual(
                c.seen.logs.filter((l) => l.logger === 'test_tool_with_logging').map((l) => [l.level, l.data]),
                [
                    ['info', 'Tool execution started'],
                    ['info', 'Tool processing data'],
                    ['info', 'Tool execution completed'],
                ],
            );
        });

        test('progress: 0, 50, 100 of 100 against the token, each onprogress before the result', async () => {
            await assertProgressOrder(c.call, c.seen.wire, { http: tr.http });
        });

        test('sampling and elicitation fixtures', async () => {
            c.seen.sampling.length = 0;
            c.seen.elicitation.length = 0;
            const s = await c.client.callTool({ name: 'test_sampling', arguments: { prompt: 'Hi there' } });
            assert.equal(text(s), 'LLM response: Reply to: Hi there');
            assert.deepEqual(c.seen.sampling[0], {
                messages: [{ role: 'user', content: { type: 'text', text: 'Hi there' } }],
                maxTokens: 100,
            });
            const e = await c.client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
            assert.equal(text(e), 'User response: action=accept, content={"username":"testuser","email":"test@example.com"}');
            assert.deepEqual(c.seen.elicitation[0].requestedSchema.required, ['username', 'email']);
            await c.client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} });
            const d = c.seen.elicitation[1].requestedSchema.properties;
            assert.deepEqual(
                [d.name.default, d.age.default, d.score.default, d.status.default, d.verified.default],
                ['John Doe', 30, 95.5, 'active', true],
            );
            const r = await c.client.callTool({ name: 'test_elicitation_sep1330_enums', arguments: {} });
            assert.match(text(r), /^Elicitation completed: action=accept, content=\{"untitledSingle":"option1"/);
            const p = c.seen.elicitation[2].requestedSchema.properties;
            assert.deepEqual(Object.keys(p), ['untitledSingle', 'titledSingle', 'legacyEnum', 'untitledMulti', 'titledMulti']);
            assert.equal(p.titledMulti.items.anyOf[1].title, 'Second Choice');
            assert.ok(c.seen.wire.some((m) => m.method === 'sampling/createMessage'));
            assert.ok(c.seen.wire.filter((m) => m.method === 'elicitation/create').length >= 3);
        });

        test('roots: the server asks roots/list, the client handler answers', async () => {
            const before = c.seen.roots;
            const r = await c.client.callTool({ name: 'list_roots', arguments: {} });
            assert.equal(text(r), 'The client shares 1 root(s):');
            assert.deepEqual(r.content[1], { type: 'resource_link', uri: ROOTS[0].uri, name: ROOTS[0].name });
            assert.equal(c.seen.roots, before + 1);
            assert.equal(
                text(await c.client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} })),
                'Client roots: file:///tmp/everything-root (Test Root)',
            );
            assert.equal(c.seen.roots, before + 2);
            assert.ok(c.seen.wire.some((m) => m.method === 'roots/list' && m.id !== undefined), 'roots/list came as a request');
        });

        test('the multi round-trip tools work as ordinary server->client requests', async () => {
            assert.equal(text(await c.client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Alice!');
            assert.equal(
                text(await c.client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} })),
                "Alice's favorite color is blue.",
            );
            assert.equal(
                text(await c.client.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} })),
                'name=Alice; greeting=Reply to: Generate a greeting; roots=file:///tmp/everything-root (Test Root)',
            );
            assert.equal(
                text(await c.client.callTool({ name: 'test_input_required_result_request_state', arguments: {} })),
                'state-ok: confirmed=true',
            );
            const prompt = await c.client.getPrompt({ name: 'test_input_required_result_prompt' });
            assert.equal(prompt.messages[0].content.text, 'Answer using this context: test context');
        });

        test('reconnection fixture answers after ~100 ms (over HTTP: on the resumed stream)', async () => {
            const mark = c.requests.length;
            const t0 = Date.now();
            const res = await c.client.callTool({ name: 'test_reconnection', arguments: {} });
            assert.match(text(res), /^Reconnection test completed successfully/);
            assert.ok(Date.now() - t0 >= 90, 'the reply should be delayed');
            // Over Streamable HTTP the server ends the POST's SSE stream at once (SEP-1699 polling)
            // and keeps the reply in its event store; the client comes back with GET and
            // Last-Event-ID once the `retry` the server set (3 s) has passed. STDIO has no streams.
            if (tr.http)
                assert.ok(c.requests.slice(mark).some((r) => r.method === 'GET' && r.lastEventId), show(c.requests.slice(mark)));
        });

        test('resources: list, read text / binary / template, subscribe to the watched one', async () => {
            const { resources } = await c.client.listResources();
            for (const uri of ['test://static-text', 'test://static-binary', 'test://watched-resource'])
                assert.ok(resources.some((r) => r.uri === uri && r.name), `${uri} missing`);
            const { resourceTemplates } = await c.client.listResourceTemplates();
            assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'test://template/{id}/data' && t.name));
            const t = await c.client.readResource({ uri: 'test://static-text' });
            assert.deepEqual(t.contents, [
                { uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
            ]);
            const b = await c.client.readResource({ uri: 'test://static-binary' });
            assert.equal(b.contents[0].mimeType, 'image/png');
            assert.deepEqual(Buffer.from(b.contents[0].blob, 'base64').subarray(0, 8), PNG_SIGNATURE);
            const tpl = await c.client.readResource({ uri: 'test://template/123/data' });
            assert.deepEqual(JSON.parse(tpl.contents[0].text), { id: '123', templateTest: true, data: 'Data for ID: 123' });
            const done = await c.client.complete({
                ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
                argument: { name: 'id', value: '12' },
            });
            assert.deepEqual(done.completion.values, ['123', '1234']);
        });

        test('resources/subscribe: notifications/resources/updated for the watched resource', async () => {
            // test://watched-resource changes every 3 s; over Streamable HTTP the notification
            // comes on the session's standalone GET stream.
            const read = async () => (await c.client.readResource({ uri: 'test://watched-resource' })).contents[0].text;
            const first = await read();
            assert.match(first, /^Watched resource content \(revision \d+\)$/);
            c.seen.updated.length = 0;
            await c.client.subscribeResource({ uri: 'test://watched-resource' });
            assert.ok(await waitFor(() => c.seen.updated.includes('test://watched-resource'), 4000), 'no notifications/resources/updated within 4 s');
            assert.notEqual(await read(), first, 'the resource changed with the notification');
            await c.client.unsubscribeResource({ uri: 'test://watched-resource' });
        });

        test('prompts and completion', async () => {
            const { prompts } = await c.client.listPrompts();
            for (const n of ['test_simple_prompt', 'test_prompt_with_arguments', 'test_prompt_with_embedded_resource', 'test_prompt_with_image'])
                assert.ok(prompts.some((p) => p.name === n && p.description), `${n} missing`);
            const simple = await c.client.getPrompt({ name: 'test_simple_prompt' });
            assert.deepEqual(simple.messages, [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]);
            const args = await c.client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
            assert.equal(args.messages[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
            const emb = await c.client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://x' } });
            assert.deepEqual(emb.messages[0].content.resource, { uri: 'test://x', mimeType: 'text/plain', text: 'Embedded resource content for testing.' });
            const img = await c.client.getPrompt({ name: 'test_prompt_with_image' });
            assert.equal(img.messages[0].content.type, 'image');
            const comp = await c.client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
            assert.deepEqual(comp.completion.values, ['paris', 'park', 'party']);
            const ctx = await c.client.complete({
                ref: { type: 'ref/prompt', name: 'code_review' },
                argument: { name: 'code', value: '' },
                context: { arguments: { language: 'c' } },
            });
            assert.deepEqual(ctx.completion.values, ['int main(void) { return 0; }']);
        });

        test('list_changed after the run-time registration (test_dynamic_tool, 2 s after start)', async () => {
            assert.ok(!toolsAtStart.includes('test_dynamic_tool'), 'connected after the run-time registration');
            // Over Streamable HTTP the notification comes on the standalone GET stream, so it has
            // no order with respect to responses on POST streams: wait for it, then list.
            const changed = () => c.seen.wire.some((m) => m.method === 'notifications/tools/list_changed');
            assert.ok(await waitFor(changed, 5000), 'no notifications/tools/list_changed within 5 s of start');
            assert.ok((await c.client.listTools()).tools.some((t) => t.name === 'test_dynamic_tool'));
            assert.ok((await c.client.listPrompts()).prompts.some((p) => p.name === 'test_dynamic_prompt'));
            assert.ok((await c.client.listResources()).resources.some((r) => r.uri === 'test://dynamic-resource'));
            assert.ok(await waitFor(() => c.seen.toolsChanged >= 1, 1000), 'the list_changed handler did not run');
            const before = { tools: c.seen.toolsChanged, prompts: c.seen.promptsChanged };
            await c.client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
            await c.client.callTool({ name: 'test_trigger_prompt_change', arguments: {} });
            assert.ok(
                await waitFor(() => c.seen.toolsChanged > before.tools && c.seen.promptsChanged > before.prompts, 2000),
                show({ before, after: [c.seen.toolsChanged, c.seen.promptsChanged] }),
            );
            assert.ok((await c.client.listTools()).tools.some((t) => t.name === 'test_triggered_tool'));
        });

        test('demo tools: echo, add, divide, structured output, links, annotations, context', async () => {
            assert.equal(text(await c.client.callTool({ name: 'echo', arguments: { message: 'hi' } })), 'Echo: hi');
            assert.equal(text(await c.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })), 'The sum of 2 and 3 is 5.');
            const div0 = await c.client.callTool({ name: 'divide', arguments: { dividend: 1, divisor: 0 } });
            assert.equal(div0.isError, true);
            const bad = await c.client.callTool({ name: 'add', arguments: { a: 'two', b: 3 } });
            assert.equal(bad.isError, true, 'argument validation errors are tool errors');
            const w = await c.client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
            assert.equal(w.structuredContent.city, 'Paris');
            assert.deepEqual(JSON.parse(text(w)), w.structuredContent);
            const links = await c.client.callTool({ name: 'get_resource_links', arguments: { count: 2 } });
            assert.deepEqual(links.content.slice(1).map((b) => [b.type, b.uri]), [
                ['resource_link', 'test://static-text'],
                ['resource_link', 'test://static-binary'],
            ]);
            const ann = await c.client.callTool({ name: 'annotated_message', arguments: { messageType: 'error', includeImage: true } });
            assert.deepEqual(ann.content[0].annotations, { audience: ['user', 'assistant'], priority: 1 });
            assert.equal(ann.content[1].annotations.lastModified, '2025-01-01T00:00:00Z');
            assert.match(text(await c.client.callTool({ name: 'request_context', arguments: {} })), /method=tools\/call protocol=2025-11-25 client=\{"name":"everything-smoke"/);
            const roots = await c.client.callTool({ name: 'list_roots', arguments: {} });
            assert.equal(roots.content[1].uri, ROOTS[0].uri);
            const url = await c.client.callTool({ name: 'elicit_url', arguments: {} });
            assert.equal(text(url), "The user's answer to the URL request: accept");
            assert.equal(c.seen.elicitation.at(-1).mode, 'url');
        });

        test('task-capable tools answer as ordinary calls when no task is asked for', async () => {
            assert.equal(text(await c.client.callTool({ name: 'greet', arguments: { name: 'World' } })), 'Hello, World!');
            const r = await c.client.callTool({ name: 'slow_compute', arguments: { seconds: 0.05, label: 'quick' } });
            assert.equal(text(r), 'Computed quick in 0.05 s.');
            const { tools } = await c.client.listTools();
            assert.equal(tools.find((t) => t.name === 'slow_compute').execution?.taskSupport, 'optional');
            assert.equal(tools.find((t) => t.name === 'failing_job').execution?.taskSupport, 'required');
            const readme = (await c.client.listResources()).resources.find((x) => x.uri === 'demo://readme');
            assert.ok(readme.icons[0].src.startsWith('data:image/png;base64,'), show(readme));
        });


        test('cancellation: the aborted call gets no response and its progress stops', async () => {
            const mark = c.requests.length;
            await assertCancelStopsProgress(c.call, c.seen.wire);
            // 2025-11-25: the client cancels with notifications/cancelled (over HTTP, a POST).
            if (tr.http) assert.ok(c.requests.slice(mark).some((r) => r.rpc === 'notifications/cancelled'), show(c.requests.slice(mark)));
            await c.client.ping(); // still serving
        });

        test('cancellation: the aborted handlers stop (their pool threads come free)', async () => {
            await assertCancelFreesPool(c.call);
        });
    });
}

function describeBare(tr) {
    describe(`mcp-everything over ${tr.name} without client capabilities (SDK v1 client)`, () => {
        const ep = endpoint(tr);
        before(() => ep.start(), { timeout: TIMEOUT });
        after(() => ep.stop(), { timeout: TIMEOUT });

        test('asking tools fail cleanly (isError) when the client cannot answer', async () => {
            const c = await connectV1(ep, {});
            try {
                const s = await c.client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } });
                assert.equal(s.isError, true);
                assert.match(text(s), /did not declare the capability/);
                const r = await c.client.callTool({ name: 'list_roots', arguments: {} });
                assert.equal(r.isError, true);
                assert.match(text(r), /^Could not list roots: .*did not declare the capability/);
                const m = await c.client.callTool({ name: 'test_missing_capability', arguments: {} });
                assert.equal(m.isError, true);
                assert.ok(!c.seen.wire.some((x) => x.method && x.id !== undefined), 'the server asked the client anyway');
            } finally {
                await c.close();
            }
        });
    });
}

// ---- 2026-07-28: v2 client pinned to the stateless revision ------------------------------------

async function connectV2(ep, capabilities) {
    const requests = [];
    const transport = ep.v2(requests);
    const client = new ClientV2(
        { name: 'everything-smoke-v2', version: '1.0.0' },
        { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const seen = { sampling: 0, elicitation: 0, roots: 0, updated: [], toolsChanged: 0, promptsChanged: 0, wire: [] };
    if (capabilities.elicitation)
        client.setRequestHandler('elicitation/create', async (req) => (seen.elicitation++, formAnswer(req.params)));
    if (capabilities.sampling)
        client.setRequestHandler('sampling/createMessage', async (req) => (seen.sampling++, samplingAnswer(req.params)));
    if (capabilities.roots) client.setRequestHandler('roots/list', async () => (seen.roots++, { roots: ROOTS }));
    client.setNotificationHandler('notifications/tools/list_changed', () => seen.toolsChanged++);
    client.setNotificationHandler('notifications/prompts/list_changed', () => seen.promptsChanged++);
    client.setNotificationHandler('notifications/resources/updated', (n) => seen.updated.push(n.params.uri));
    const stderr = tap(transport, seen.wire);
    await client.connect(transport);
    const call = (name, args, opts) => client.callTool({ name, arguments: args }, opts);
    return { client, seen, requests, call, close: () => closeClient(client, stderr, 'mcp-everything (STDIO, v2 client)') };
}

function describeV2(tr) {
    describe(`mcp-everything over ${tr.name}, 2026-07-28 (SDK v2 client)`, () => {
        const ep = endpoint(tr);
        let c, sub, toolsAtStart;
        before(async () => {
            await ep.start();
            c = await connectV2(ep, { sampling: {}, elicitation: { form: {} }, roots: {} });
            // Listening from the start, so that the tool registered 2 s after the server started
            // comes as notifications/tools/list_changed on this subscription.
            sub = await c.client.listen({
                toolsListChanged: true,
                promptsListChanged: true,
                resourceSubscriptions: ['test://watched-resource'],
            });
            toolsAtStart = (await c.client.listTools()).tools.map((t) => t.name);
        }, { timeout: TIMEOUT });
        after(async () => {
            try {
                await sub?.close();
                await c?.close();
            } finally {
                await ep.stop();
            }
        }, { timeout: TIMEOUT });

        test('the connection is stateless and the fixtures answer', async () => {
            assert.equal(c.client.getProtocolEra(), 'modern');
            assert.equal(text(await c.call('test_simple_text', {})), 'This is a simple text response for testing.');
            const res = await c.client.readResource({ uri: 'test://template/7/data' });
            assert.equal(JSON.parse(res.contents[0].text).id, '7');
        });

        test('input_required rounds are answered by the client handlers and the handlers finish', async () => {
            const { sampling, elicitation, roots } = c.seen;
            assert.equal(text(await c.call('test_input_required_result_elicitation', {})), 'Hello, Alice!');
            assert.equal(text(await c.call('test_sampling', { prompt: 'Hi' })), 'LLM response: Reply to: Hi');
            assert.equal(text(await c.call('test_input_required_result_multi_round', {})), "Alice's favorite color is blue.");
            assert.equal(
                text(await c.call('test_input_required_result_multiple_inputs', {})),
                'name=Alice; greeting=Reply to: Generate a greeting; roots=file:///tmp/everything-root (Test Root)',
            );
            assert.equal(
                text(await c.call('test_elicitation', { message: 'Who?' })),
                'User response: action=accept, content={"username":"testuser","email":"test@example.com"}',
            );
            assert.ok(c.seen.sampling >= sampling + 2 && c.seen.elicitation >= elicitation + 4 && c.seen.roots >= roots + 1, show(c.seen));
            assert.ok(c.seen.wire.some((m) => m.result?.resultType === 'input_required'), 'the questions came as input_required results');
        });

        test('roots: the roots/list question is answered by the client handler', async () => {
            const before = c.seen.roots;
            assert.equal(
                text(await c.call('test_input_required_result_list_roots', {})),
                'Client roots: file:///tmp/everything-root (Test Root)',
            );
            const r = await c.call('list_roots', {});
            assert.equal(text(r), 'The client shares 1 root(s):');
            assert.deepEqual(r.content[1], { type: 'resource_link', uri: ROOTS[0].uri, name: ROOTS[0].name });
            assert.equal(c.seen.roots, before + 2);
        });

        test('prompts/get may ask too (no arguments given)', async () => {
            const prompt = await c.client.getPrompt({ name: 'test_input_required_result_prompt' });
            assert.equal(prompt.messages[0].content.text, 'Answer using this context: test context');
        });

        test('progress: 0, 50, 100 of 100, each onprogress before the result', async () => {
            await assertProgressOrder(c.call, c.seen.wire, { http: tr.http });
        });

        test('subscriptions/listen: list_changed after the run-time registration, resources/updated', async () => {
            assert.equal(sub.honoredFilter.toolsListChanged, true, show(sub.honoredFilter));
            assert.deepEqual(sub.honoredFilter.resourceSubscriptions, ['test://watched-resource'], show(sub.honoredFilter));
            assert.ok(!toolsAtStart.includes('test_dynamic_tool'), 'connected after the run-time registration');
            const changed = () => c.seen.wire.find((m) => m.method === 'notifications/tools/list_changed');
            assert.ok(await waitFor(changed, 5000), 'no notifications/tools/list_changed within 5 s');
            assert.ok(changed().params?._meta?.['io.modelcontextprotocol/subscriptionId'] !== undefined, show(changed()));
            assert.ok((await c.client.listTools()).tools.some((t) => t.name === 'test_dynamic_tool'));
            assert.ok(await waitFor(() => c.seen.toolsChanged >= 1, 1000), 'the list_changed handler did not run');
            // test://watched-resource changes every 3 s
            assert.ok(await waitFor(() => c.seen.updated.includes('test://watched-resource'), 4000), 'no notifications/resources/updated within 4 s');
            const before = c.seen.toolsChanged;
            assert.match(text(await c.call('test_trigger_tool_change', {})), /^Added test_triggered_tool/);
            assert.ok(await waitFor(() => c.seen.toolsChanged > before, 2000), 'no list_changed for test_triggered_tool');
        });

        // 2026-07-28 over Streamable HTTP: the client cancels by closing the request's stream
        // (no notifications/cancelled); over STDIO it sends notifications/cancelled.
        test('cancellation: the aborted call gets no response and its progress stops', async () => {
            const mark = c.requests.length;
            await assertCancelStopsProgress(c.call, c.seen.wire, { streamAborted: tr.http });
            if (tr.http) assert.ok(!c.requests.slice(mark).some((r) => r.rpc === 'notifications/cancelled'), show(c.requests.slice(mark)));
            assert.equal(text(await c.call('echo', { message: 'still serving' })), 'Echo: still serving');
        });

        test('cancellation: the aborted handlers stop (their pool threads come free)', async () => {
            await assertCancelFreesPool(c.call);
        });

        test('a missing client capability is -32021', async () => {
            const bare = await connectV2(ep, {});
            try {
                await assert.rejects(bare.call('test_missing_capability', {}), (e) => {
                    assert.equal(e.code, -32021, show(e));
                    return true;
                });
            } finally {
                await bare.close();
            }
        });
    });
}

// libmcp bug, see the report: over Streamable HTTP a 2026-07-28 request whose handler has sent
// nothing yet waits for its reply on a suspended libmicrohttpd connection, which nobody watches
// (the keep-alive timer only checks SSE streams), so the client closing that stream, the
// 2026-07-28 cancellation, goes unnoticed: the handler runs to its end. (With a progress token
// the handler's progress writes fail and the cancellation comes through.)
// ---- every block on every transport --------------------------------------------------------------

for (const tr of TRANSPORTS) {
    describeV1(tr);
    describeBare(tr);
    describeV2(tr);
}
