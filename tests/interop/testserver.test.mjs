// tests/fixtures/testserver through the official SDK clients: every tool, resource and prompt,
// argument validation, errors, async completion styles, annotations, pagination.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import {
    BIN,
    CLIENTS,
    PNG_1x1,
    WAV_TINY,
    assertEra,
    closeAll,
    connect,
    expectRpcError,
    listPage,
    normArgs,
    notFoundCode,
    onlyText,
    show,
    sleep,
    HOOK,
    test,
} from './lib.mjs';

after(closeAll);

const TOOL_NAMES = [
    'echo', 'add', 'printer', 'validate', 'validate_count', 'content', 'structured', 'fail',
    'internal', 'async_echo', 'thread_echo', 'blocking_sleep', 'annotated', 'email',
];
const VALIDATE_SCHEMA = {
    type: 'object',
    properties: {
        name: { type: 'string', minLength: 1, maxLength: 10, pattern: '^[a-z]+$' },
        count: { type: 'integer', minimum: 1, maximum: 5 },
        mode: { enum: ['fast', 'slow'] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
        nested: { type: 'object', properties: { flag: { type: 'boolean' } }, required: ['flag'] },
    },
    required: ['name', 'count'],
    additionalProperties: false,
};
const RESOURCES = [
    { uri: 'test://static/text', name: 'static-text', description: 'A static text resource', mimeType: 'text/plain', size: 14 },
    {
        uri: 'test://static/blob',
        name: 'static-blob',
        description: 'Four bytes: 0 1 2 255',
        mimeType: 'application/octet-stream',
    },
];
const TEMPLATES = [
    {
        uriTemplate: 'test://items/{id}',
        name: 'item',
        description: 'An item by id ("missing" does not exist)',
        mimeType: 'application/json',
    },
];
const PROMPTS = [
    { name: 'greet', description: 'Greet someone by name', arguments: [{ name: 'name', description: 'Who to greet', required: true }] },
    {
        name: 'review',
        description: 'Ask for a code review',
        arguments: [
            { name: 'code', description: 'Code to review', required: true },
            { name: 'language', description: 'Programming language', required: false },
        ],
    },
    { name: 'simple', description: 'A prompt without arguments' },
];

const text = (t) => ({ type: 'text', text: t });

async function call(conn, name, args) {
    return conn.client.callTool({ name, arguments: args });
}

/** The result must be a tool execution error whose text mentions `word`. */
function assertToolError(res, word, what) {
    assert.equal(res?.isError, true, `${what}: expected isError:true, got ${show(res)}`);
    const msg = (res.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
    assert.ok(msg.includes(word), `${what}: error text should name "${word}": ${show(msg)}`);
}

for (const flavor of CLIENTS) {
    describe(`testserver with ${flavor.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavor.kind, BIN.testserver);
        }, HOOK);
        after(() => conn?.close());

        test('connects on the expected era; identity, instructions, capabilities', () => {
            assertEra(conn, flavor);
            const info = conn.client.getServerVersion();
            assert.equal(info?.name, 'libmcp-testserver', show(info));
            assert.equal(info?.version, '0.1.0', show(info));
            assert.equal(info?.title, 'libmcp test server', show(info));
            assert.equal(conn.client.getInstructions(), 'Test fixture for libmcp.');
            const caps = conn.client.getServerCapabilities();
            for (const key of ['tools', 'resources', 'prompts']) {
                assert.equal(typeof caps?.[key], 'object', `capabilities.${key}: ${show(caps)}`);
            }
        });

        test('tools/list: every tool, in registration order, each with a description', async () => {
            const { tools } = await conn.client.listTools();
            assert.deepEqual(tools.map((t) => t.name), TOOL_NAMES);
            for (const t of tools) {
                assert.equal(typeof t.description, 'string', `${t.name} description`);
                assert.ok(t.description.length > 0, `${t.name} description`);
                assert.equal(t.inputSchema?.type, 'object', `${t.name} inputSchema ${show(t.inputSchema)}`);
            }
            const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
            assert.deepEqual(byName.validate.inputSchema, VALIDATE_SCHEMA, 'JSON schemas are served verbatim');
            assert.deepEqual(byName.structured.outputSchema, {
                type: 'object',
                properties: { double: { type: 'number' } },
                required: ['double'],
            });
            assert.deepEqual(byName.blocking_sleep.inputSchema, {
                type: 'object',
                properties: {
                    ms: { type: 'integer', minimum: 0, maximum: 2000, description: 'Milliseconds to sleep' },
                },
                required: ['ms'],
            });
            assert.deepEqual(byName.printer.inputSchema, { type: 'object', properties: {} });
        });

        test('annotated: annotations, title, icons and _meta exactly', async () => {
            const { tools } = await conn.client.listTools();
            const t = tools.find((x) => x.name === 'annotated');
            assert.ok(t, 'annotated is listed');
            assert.equal(t.title, 'Annotated Tool');
            assert.deepEqual(t.annotations, { readOnlyHint: true, idempotentHint: true });
            assert.deepEqual(t.icons, [{ src: 'https://example.com/icon.png', mimeType: 'image/png' }]);
            assert.deepEqual(t._meta, { 'example.com/tag': 'x' });
            const plain = tools.find((x) => x.name === 'echo');
            assert.equal(plain.annotations, undefined, `echo has no annotations: ${show(plain)}`);
            assert.deepEqual((await call(conn, 'annotated', {})).content, [text('annotated')]);
        });

        test('echo and add', async () => {
            assert.deepEqual((await call(conn, 'echo', { text: 'héllo 100% 🌍' })).content, [text('héllo 100% 🌍')]);
            assert.deepEqual((await call(conn, 'add', { a: 2, b: 3 })).content, [text('5')]);
            assert.deepEqual((await call(conn, 'add', { a: 0.5, b: 0.25 })).content, [text('0.75')]);
        });

        test('validate: invalid arguments are tool errors naming the argument; handler never runs', async () => {
            assert.deepEqual((await call(conn, 'validate_count', {})).content, [text('0')], 'no call yet');
            const cases = [
                ['missing required', { name: 'abc' }, 'count'],
                ['wrong type', { name: 'abc', count: 'three' }, 'count'],
                ['not an integer', { name: 'abc', count: 2.5 }, 'count'],
                ['below minimum', { name: 'abc', count: 0 }, 'count'],
                ['above maximum', { name: 'abc', count: 6 }, 'count'],
                ['pattern mismatch', { name: 'ABC', count: 1 }, 'name'],
                ['too long', { name: 'abcdefghijk', count: 1 }, 'name'],
                ['too short', { name: '', count: 1 }, 'name'],
                ['name wrong type', { name: 42, count: 1 }, 'name'],
                ['enum mismatch', { name: 'abc', count: 1, mode: 'medium' }, 'mode'],
                ['too many tags', { name: 'abc', count: 1, tags: ['a', 'b', 'c', 'd'] }, 'tags'],
                ['tag item type', { name: 'abc', count: 1, tags: ['a', 7] }, 'tags'],
                ['nested.flag missing', { name: 'abc', count: 1, nested: {} }, 'flag'],
                ['nested.flag wrong type', { name: 'abc', count: 1, nested: { flag: 'yes' } }, 'flag'],
                ['unknown property', { name: 'abc', count: 1, extra: true }, 'extra'],
            ];
            for (const [what, args, word] of cases) {
                assertToolError(await call(conn, 'validate', args), word, what);
            }
            const none = await call(conn, 'validate', {});
            assert.equal(none.isError, true, `no arguments at all: ${show(none)}`);
            assert.deepEqual((await call(conn, 'validate_count', {})).content, [text('0')],
                'the handler must not run for invalid arguments');
            assert.deepEqual((await call(conn, 'validate', { name: 'abc', count: 3 })).content, [text('ok')]);
            const full = { name: 'abcdefghij', count: 5, mode: 'slow', tags: ['a', 'b', 'c'], nested: { flag: false } };
            assert.deepEqual((await call(conn, 'validate', full)).content, [text('ok')]);
            assert.deepEqual((await call(conn, 'validate_count', {})).content, [text('2')]);
        });

        test('unknown tool → JSON-RPC error -32602', async () => {
            await expectRpcError(call(conn, 'no_such_tool', {}), -32602, conn, 'unknown tool');
        });

        test('content: one block of every kind, exactly', async () => {
            const res = await call(conn, 'content', {});
            assert.ok(!res.isError, show(res));
            assert.deepEqual(res.content, [
                text('text block'),
                { type: 'image', data: PNG_1x1.toString('base64'), mimeType: 'image/png' },
                { type: 'audio', data: WAV_TINY.toString('base64'), mimeType: 'audio/wav' },
                { type: 'resource_link', uri: 'test://linked', name: 'linked', mimeType: 'text/plain' },
                { type: 'resource', resource: { uri: 'test://embedded', mimeType: 'text/plain', text: 'embedded text' } },
            ]);
            const png = Buffer.from(res.content[1].data, 'base64');
            assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
            assert.equal(png.readUInt32BE(16), 1, 'PNG width 1');
            assert.equal(png.readUInt32BE(20), 1, 'PNG height 1');
            const wav = Buffer.from(res.content[2].data, 'base64');
            assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
            assert.equal(wav.toString('latin1', 8, 12), 'WAVE');
            assert.equal(wav.readUInt32LE(4), wav.length - 8, 'RIFF size');
        });

        test('structured: structuredContent plus the same JSON as text', async () => {
            for (const [x, want] of [[3, 6], [0.25, 0.5], [-4, -8]]) {
                const res = await call(conn, 'structured', { x });
                assert.deepEqual(res.structuredContent, { double: want }, show(res));
                const texts = res.content.filter((c) => c.type === 'text');
                assert.equal(texts.length, 1, `one text block: ${show(res)}`);
                assert.deepEqual(JSON.parse(texts[0].text), { double: want });
                assert.ok(!res.isError);
            }
        });

        test('fail → isError result; internal → JSON-RPC -32603', async () => {
            const res = await call(conn, 'fail', {});
            assert.equal(res.isError, true, show(res));
            assert.deepEqual(res.content, [text('this tool always fails')]);
            await expectRpcError(call(conn, 'internal', {}), -32603, conn, 'internal');
            assert.deepEqual((await call(conn, 'echo', { text: 'still fine' })).content, [text('still fine')]);
        });

        test('async_echo (timer) and thread_echo (thread), many at once', async () => {
            const jobs = [];
            for (let i = 0; i < 10; i++) {
                jobs.push(['async_echo', `a${i} ✓`], ['thread_echo', `t${i} ✓`]);
            }
            const results = await Promise.all(jobs.map(([name, t]) => call(conn, name, { text: t })));
            results.forEach((res, i) => assert.deepEqual(res.content, [text(jobs[i][1])], `${jobs[i][0]} #${i}`));
        });

        test('blocking_sleep runs on the pool: 4 × 200 ms in parallel < 900 ms', async () => {
            const t0 = Date.now();
            const results = await Promise.all([0, 1, 2, 3].map(() => call(conn, 'blocking_sleep', { ms: 200 })));
            const elapsed = Date.now() - t0;
            for (const res of results) assert.deepEqual(res.content, [text('slept 200')]);
            assert.ok(elapsed >= 195, `too fast: ${elapsed} ms`);
            assert.ok(elapsed < 900, `4 parallel blocking_sleep(200) took ${elapsed} ms`);
        });

        test('blocking_sleep does not block the loop: echo answers meanwhile', async () => {
            let slept = false;
            const sleeping = call(conn, 'blocking_sleep', { ms: 600 }).then((r) => {
                slept = true;
                return r;
            });
            await sleep(50);
            const t0 = Date.now();
            const echo = await call(conn, 'echo', { text: 'quick' });
            const elapsed = Date.now() - t0;
            assert.deepEqual(echo.content, [text('quick')]);
            assert.equal(slept, false, 'echo must be answered before the sleeper finishes');
            assert.ok(elapsed < 400, `echo took ${elapsed} ms while a blocking tool ran`);
            assert.deepEqual((await sleeping).content, [text('slept 600')]);
        });

        test('blocking_sleep argument bounds are validated', async () => {
            assertToolError(await call(conn, 'blocking_sleep', { ms: 3000 }), 'ms', 'ms above maximum');
            assertToolError(await call(conn, 'blocking_sleep', { ms: -1 }), 'ms', 'ms below minimum');
            assertToolError(await call(conn, 'blocking_sleep', {}), 'ms', 'ms missing');
        });

        test('printer: stray stdout output does not break the protocol', async () => {
            assert.deepEqual((await call(conn, 'printer', {})).content, [text('printed')]);
            assert.deepEqual((await call(conn, 'echo', { text: 'after printer' })).content, [text('after printer')]);
            const deadline = Date.now() + 2000;
            while (!conn.stderrText.includes('nor this') && Date.now() < deadline) await sleep(20);
            for (const s of ['this must not reach stdout', 'nor this', 'fwrite to stdout as well']) {
                assert.ok(conn.stderrText.includes(s), `"${s}" should appear on stderr; stderr: ${show(conn.stderrText.slice(-500))}`);
            }
            assert.deepEqual(conn.errors.map(String), [], 'no client-side parse/transport errors');
        });

        test('resources/list and resources/templates/list', async () => {
            const { resources } = await conn.client.listResources();
            assert.deepEqual(resources, RESOURCES);
            const { resourceTemplates } = await conn.client.listResourceTemplates();
            assert.deepEqual(resourceTemplates, TEMPLATES);
        });

        test('resources/read: static text, blob, template', async () => {
            let res = await conn.client.readResource({ uri: 'test://static/text' });
            assert.deepEqual(res.contents, [{ uri: 'test://static/text', mimeType: 'text/plain', text: 'hello resource' }]);
            res = await conn.client.readResource({ uri: 'test://static/blob' });
            assert.deepEqual(res.contents, [
                { uri: 'test://static/blob', mimeType: 'application/octet-stream', blob: 'AAEC/w==' },
            ]);
            res = await conn.client.readResource({ uri: 'test://items/42' });
            assert.deepEqual(res.contents, [{ uri: 'test://items/42', mimeType: 'application/json', text: '{"id":"42"}' }]);
            res = await conn.client.readResource({ uri: 'test://items/a%20b' });
            assert.equal(res.contents.length, 1, show(res));
            assert.equal(res.contents[0].uri, 'test://items/a%20b');
        });

        test(`resources/read of a missing item / unknown uri → ${notFoundCode(flavor)}`, async () => {
            const code = notFoundCode(flavor);
            await expectRpcError(conn.client.readResource({ uri: 'test://items/missing' }), code, conn, 'items/missing');
            await expectRpcError(conn.client.readResource({ uri: 'test://nowhere' }), code, conn, 'unknown uri');
        });

        test('prompts/list: exact', async () => {
            const { prompts } = await conn.client.listPrompts();
            assert.deepEqual(prompts.map((p) => p.name), PROMPTS.map((p) => p.name));
            prompts.forEach((p, i) => {
                assert.equal(p.description, PROMPTS[i].description);
                assert.deepEqual(normArgs(p.arguments), normArgs(PROMPTS[i].arguments), `${p.name} arguments`);
                // A required argument must say so explicitly.
                for (const a of p.arguments ?? []) {
                    const want = PROMPTS[i].arguments.find((x) => x.name === a.name);
                    if (want.required) assert.equal(a.required, true, `${p.name}.${a.name}.required`);
                }
            });
        });

        test('prompts/get: greet, review (with and without language), simple', async () => {
            let res = await conn.client.getPrompt({ name: 'greet', arguments: { name: 'Bob' } });
            assert.deepEqual(res.messages, [
                { role: 'user', content: text('Please write a short, friendly greeting for Bob.') },
            ]);
            res = await conn.client.getPrompt({ name: 'review', arguments: { code: 'x = 1', language: 'python' } });
            assert.deepEqual(res.messages, [
                { role: 'user', content: text('Review this python:\nx = 1') },
                { role: 'assistant', content: text('I will review it.') },
            ]);
            res = await conn.client.getPrompt({ name: 'review', arguments: { code: 'int x;' } });
            assert.deepEqual(res.messages, [
                { role: 'user', content: text('Review this code:\nint x;') },
                { role: 'assistant', content: text('I will review it.') },
            ]);
            res = await conn.client.getPrompt({ name: 'simple' });
            assert.deepEqual(res.messages, [{ role: 'user', content: text('Hello.') }]);
        });

        test('prompts/get errors: missing argument, unknown prompt → -32602', async () => {
            await expectRpcError(conn.client.getPrompt({ name: 'review', arguments: { language: 'c' } }), -32602, conn,
                'review without code');
            await expectRpcError(conn.client.getPrompt({ name: 'nope' }), -32602, conn, 'unknown prompt');
        });

        test('the connection stayed clean', () => {
            assert.deepEqual(conn.errors.map(String), [], 'client-side transport/protocol errors');
        });
    });

    describe(`testserver pagination (TESTSERVER_PAGE_SIZE=3) with ${flavor.label}`, () => {
        let conn;
        before(async () => {
            conn = await connect(flavor.kind, BIN.testserver, { env: { TESTSERVER_PAGE_SIZE: '3' } });
        }, HOOK);
        after(() => conn?.close());

        async function walk(method, key) {
            const pages = [];
            let cursor;
            for (let i = 0; i < 50; i++) {
                const page = await listPage(conn, method, cursor);
                assert.ok(Array.isArray(page[key]), `${method} page ${i}: ${show(page)}`);
                assert.ok(page[key].length <= 3, `${method} page ${i} has ${page[key].length} items (page size 3)`);
                pages.push(page[key]);
                cursor = page.nextCursor;
                if (cursor === undefined || cursor === null) return pages;
                assert.equal(typeof cursor, 'string', `${method} nextCursor must be a string: ${show(page)}`);
            }
            assert.fail(`${method}: pagination did not end after 50 pages`);
        }

        test('tools/list pages: every tool exactly once, in registration order', async () => {
            const pages = await walk('tools/list', 'tools');
            assert.ok(pages.length >= 5, `13 tools in pages of 3 need at least 5 pages, got ${pages.length}`);
            assert.deepEqual(pages.flat().map((t) => t.name), TOOL_NAMES);
        });

        test('prompts, resources and templates pages cover everything once', async () => {
            assert.deepEqual((await walk('prompts/list', 'prompts')).flat().map((p) => p.name), PROMPTS.map((p) => p.name));
            assert.deepEqual((await walk('resources/list', 'resources')).flat(), RESOURCES);
            assert.deepEqual((await walk('resources/templates/list', 'resourceTemplates')).flat(), TEMPLATES);
        });

        if (flavor.kind !== 'v1') {
            test('the v2 client\'s own pagination (listTools without cursor) gets all 13', async () => {
                const { tools } = await conn.client.listTools();
                assert.deepEqual(tools.map((t) => t.name), TOOL_NAMES);
            });
        }

        test('invalid cursor → -32602', async () => {
            await expectRpcError(conn.client.listTools({ cursor: 'not-a-cursor' }), -32602, conn, 'tools/list bad cursor');
            await expectRpcError(conn.client.listPrompts({ cursor: '!!!' }), -32602, conn, 'prompts/list bad cursor');
        });
    });
}
