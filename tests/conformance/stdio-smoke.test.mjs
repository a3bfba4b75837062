// mcp-everything over STDIO with the official TypeScript SDK clients: every fixture the
// conformance suite calls (the suite itself speaks only Streamable HTTP), the feature demo, and
// the same multi round-trip tools on a 2026-07-28 connection.
//
// Run: node --test tests/conformance/stdio-smoke.test.mjs   (after `make everything`; the
// clients come from tests/conformance/node_modules, which run.sh installs with npm ci).
// BUILD=dir picks the build directory (default: build).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
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
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BUILD = path.resolve(ROOT, process.env.MCP_BUILD || process.env.BUILD || 'build');
const BIN = path.join(BUILD, 'bin', 'mcp-everything');

const TIMEOUT = 20000;
const test = (name, fn) => nodeTest(name, { timeout: TIMEOUT }, fn);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const show = (v) => JSON.stringify(v)?.slice(0, 1500);

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

// ---- the 2025 era: v1 client ----------------------------------------------------------------

async function connectV1(capabilities = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } }) {
    const transport = new StdioClientTransport({ command: BIN, args: [], stderr: 'pipe' });
    const client = new Client({ name: 'everything-smoke', version: '1.0.0' }, { capabilities });
    const seen = { sampling: [], elicitation: [], logs: [], updated: [], toolsChanged: 0, promptsChanged: 0 };
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
    if (capabilities.roots) client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: ROOTS }));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => seen.logs.push(n.params));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => seen.updated.push(n.params.uri));
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => seen.toolsChanged++);
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => seen.promptsChanged++);
    // Every message from the server, in wire order (the client dispatches notifications a
    // microtask late, so one that shares a read with the response can miss its handler).
    seen.wire = [];
    const tap = (fn) => fn && ((msg, extra) => (seen.wire.push(msg), fn(msg, extra)));
    let handler;
    Object.defineProperty(transport, 'onmessage', {
        configurable: true,
        get: () => handler,
        set: (fn) => (handler = tap(fn)),
    });
    await client.connect(transport);
    return { client, transport, seen };
}

describe('mcp-everything over STDIO, 2025-11-25 session (SDK v1 client)', { skip: !existsSync(BIN) && `${BIN} is missing` }, () => {
    let c;
    before(async () => {
        c = await connectV1();
    }, { timeout: TIMEOUT });
    after(async () => {
        await c?.client.close();
    });

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

    test('progress: 0, 50, 100 of 100 against the token, all before the result', async () => {
        const got = [];
        c.seen.wire.length = 0;
        await c.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, CallToolResultSchema, {
            onprogress: (p) => got.push(p.progress),
        });
        const onWire = c.seen.wire.filter((m) => m.method === 'notifications/progress' || m.result);
        assert.deepEqual(
            onWire.map((m) => (m.result ? 'result' : [m.params.progress, m.params.total])),
            [[0, 100], [50, 100], [100, 100], 'result'],
        );
        assert.deepEqual(got, [0, 50, 100].slice(0, got.length), 'the client saw them in order');
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

    test('reconnection fixture answers after ~100 ms', async () => {
        const t0 = Date.now();
        const res = await c.client.callTool({ name: 'test_reconnection', arguments: {} });
        assert.match(text(res), /^Reconnection test completed successfully/);
        assert.ok(Date.now() - t0 >= 90, 'the reply should be delayed');
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
        await c.client.subscribeResource({ uri: 'test://watched-resource' });
        const deadline = Date.now() + 4000;
        while (!c.seen.updated.includes('test://watched-resource') && Date.now() < deadline) await sleep(50);
        assert.ok(c.seen.updated.includes('test://watched-resource'), 'no notifications/resources/updated within 4 s');
        const w = await c.client.readResource({ uri: 'test://watched-resource' });
        assert.match(w.contents[0].text, /^Watched resource content \(revision \d+\)$/);
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

    test('run-time items: test_dynamic_tool and friends appear, triggers change the lists', async () => {
        const deadline = Date.now() + 4000;
        let names = [];
        while (Date.now() < deadline) {
            names = (await c.client.listTools()).tools.map((t) => t.name);
            if (names.includes('test_dynamic_tool')) break;
            await sleep(100);
        }
        assert.ok(names.includes('test_dynamic_tool'), 'test_dynamic_tool not added within 4 s of start');
        assert.ok((await c.client.listPrompts()).prompts.some((p) => p.name === 'test_dynamic_prompt'));
        assert.ok((await c.client.listResources()).resources.some((r) => r.uri === 'test://dynamic-resource'));
        assert.ok(c.seen.toolsChanged >= 1, 'no notifications/tools/list_changed for the dynamic tool');
        const before = c.seen.toolsChanged;
        await c.client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
        await c.client.callTool({ name: 'test_trigger_prompt_change', arguments: {} });
        await sleep(100);
        assert.ok(c.seen.toolsChanged > before && c.seen.promptsChanged >= 1, show(c.seen));
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

    test('cancellation: long_running_operation stops, blocking_sleep runs on the pool', async () => {
        const ac = new AbortController();
        const progress = [];
        const pending = c.client.callTool(
            { name: 'long_running_operation', arguments: { duration: 10, steps: 100 } },
            CallToolResultSchema,
            { signal: ac.signal, onprogress: (p) => progress.push(p.progress) },
        );
        await sleep(350);
        ac.abort('smoke test');
        await assert.rejects(pending);
        assert.ok(progress.length >= 1, 'progress before the cancellation');
        await sleep(200);
        assert.ok(
            !c.seen.wire.some((m) => m.result && JSON.stringify(m.result).includes('Cancelled at step')),
            'no reply may be sent for a cancelled request',
        );
        const slept = await c.client.callTool({ name: 'blocking_sleep', arguments: { ms: 120 } });
        assert.equal(text(slept), 'Slept 120 ms on a pool thread.');
        await c.client.ping(); // still serving
    });
});

describe('mcp-everything over STDIO without client capabilities (SDK v1 client)', { skip: !existsSync(BIN) && `${BIN} is missing` }, () => {
    test('asking tools fail cleanly (isError) when the client cannot answer', async () => {
        const c = await connectV1({});
        try {
            const s = await c.client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } });
            assert.equal(s.isError, true);
            assert.match(text(s), /did not declare the capability/);
            const m = await c.client.callTool({ name: 'test_missing_capability', arguments: {} });
            assert.equal(m.isError, true);
        } finally {
            await c.client.close();
        }
    });
});

// ---- 2026-07-28: v2 client pinned to the stateless revision ------------------------------------

async function connectV2(capabilities) {
    const transport = new StdioV2({ command: BIN, args: [], stderr: 'pipe' });
    const client = new ClientV2(
        { name: 'everything-smoke-v2', version: '1.0.0' },
        { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    if (capabilities.elicitation) client.setRequestHandler('elicitation/create', async (req) => formAnswer(req.params));
    if (capabilities.sampling) client.setRequestHandler('sampling/createMessage', async (req) => samplingAnswer(req.params));
    if (capabilities.roots) client.setRequestHandler('roots/list', async () => ({ roots: ROOTS }));
    await client.connect(transport);
    return client;
}

describe('mcp-everything over STDIO, 2026-07-28 (SDK v2 client)', { skip: !existsSync(BIN) && `${BIN} is missing` }, () => {
    let client;
    before(async () => {
        client = await connectV2({ sampling: {}, elicitation: { form: {} }, roots: {} });
    }, { timeout: TIMEOUT });
    after(async () => {
        await client?.close();
    });

    test('the connection is stateless and the fixtures answer', async () => {
        assert.equal(client.getProtocolEra(), 'modern');
        assert.equal(text(await client.callTool({ name: 'test_simple_text', arguments: {} })), 'This is a simple text response for testing.');
        const res = await client.readResource({ uri: 'test://template/7/data' });
        assert.equal(JSON.parse(res.contents[0].text).id, '7');
    });

    test('input_required rounds are answered and the handlers finish', async () => {
        assert.equal(text(await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Alice!');
        assert.equal(text(await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Hi' } })), 'LLM response: Reply to: Hi');
        assert.equal(
            text(await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} })),
            "Alice's favorite color is blue.",
        );
        assert.equal(
            text(await client.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} })),
            'name=Alice; greeting=Reply to: Generate a greeting; roots=file:///tmp/everything-root (Test Root)',
        );
        assert.equal(
            text(await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who?' } })),
            'User response: action=accept, content={"username":"testuser","email":"test@example.com"}',
        );
    });

    test('prompts/get may ask too (no arguments given)', async () => {
        const prompt = await client.getPrompt({ name: 'test_input_required_result_prompt' });
        assert.equal(prompt.messages[0].content.text, 'Answer using this context: test context');
    });

    test('a missing client capability is -32021', async () => {
        const bare = await connectV2({});
        try {
            await assert.rejects(bare.callTool({ name: 'test_missing_capability', arguments: {} }), (e) => {
                assert.equal(e.code, -32021, show(e));
                return true;
            });
        } finally {
            await bare.close();
        }
    });
});
