// Authorization on both HTTP transports (MCP 2025-06-18+/2025-11-25: the server is an OAuth 2.1
// resource server; shared/RELIABILITY.md H-12, H-14..H-18, H-23): every status with raw fetch
// (401 + challenge, 401 invalid_token, 403 insufficient_scope, 400 malformed / query tokens),
// the static token compared exactly, RFC 9728 Protected Resource Metadata, the official v1 SDK
// clients with and without the token, sessions bound to principals through an `authorize`
// callback (examples/auth_server), required scopes (.scopes: filtered lists, 403 insufficient_scope
// step-up challenges in both eras, mcp_call_has_scope/_subject/_client_id/_scopes), the CLI's
// checks, and no token ever in the server's stderr.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe } from 'node:test';

import { SANITIZER_ENV, assertNoSanitizerReport } from '../serverexit.mjs';
import { BIN, BUILD, HOOK, INIT, ROOT, V1, closeAll, post, show, sseEvents, startServer, test } from './lib.mjs';

after(closeAll);

const AUTH_BIN = path.join(BUILD, 'examples', 'auth_server');
const require = createRequire(path.join(ROOT, 'tests', 'interop', 'package.json'));
const SDK_AUTH = require('@modelcontextprotocol/sdk/client/auth.js');

// A fresh secret per run, in RFC 6750 token characters.
const TOKEN = `tk_${randomBytes(24).toString('base64url')}.~+/x=`;
const ENV = 'LIBMCP_TEST_BEARER';
process.env[ENV] = TOKEN;

const AUTHZ = (t = TOKEN) => ({ Authorization: `Bearer ${t}` });
const M26 = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
};

/** A raw request with node:http: any header, repeated ones included (array values). */
function raw(url, { method = 'POST', headers = {}, body } = {}) {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false },
            (res) => {
                let data = '';
                res.setEncoding('utf8');
                res.on('data', (d) => (data += d));
                res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
                res.on('error', reject);
            },
        );
        req.on('error', reject);
        if (body !== undefined) req.write(body);
        req.end();
    });
}

/** Parse a WWW-Authenticate Bearer challenge into { scheme, params }. */
function challenge(h) {
    assert.ok(h, 'a WWW-Authenticate header');
    const m = /^(\S+)(?: (.*))?$/.exec(h);
    const params = {};
    for (const p of (m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)) params[p[1]] = p[2];
    return { scheme: m[1], params };
}

/** The JSON-RPC error body of a refused request: id null (unless given), and never the token. */
async function refusal(r, status, secrets = [TOKEN], id = null) {
    const text = await r.text();
    assert.equal(r.status, status, text);
    for (const s of secrets) assert.ok(!text.includes(s), 'the token is never echoed');
    const body = JSON.parse(text);
    assert.equal(body.id, id);
    assert.equal(typeof body.error?.message, 'string');
    return body;
}

const callTool = (id, name, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** initialize + initialized with extra headers; returns the session id. */
async function session(url, headers) {
    const r = await post(url, INIT(1), headers);
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const sid = r.headers.get('mcp-session-id');
    assert.match(sid ?? '', /^[0-9a-f]{32}$/);
    const n = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, 'Mcp-Session-Id': sid });
    assert.equal(n.status, 202);
    await n.text();
    return sid;
}

/** A v1 SDK client over Streamable HTTP ('http') or legacy SSE ('sse') with optional headers. */
async function sdkClient(kind, url, headers) {
    const client = new V1.Client({ name: `auth-${kind}`, version: '1.0.0' }, { capabilities: {} });
    const opts = headers ? { requestInit: { headers } } : {};
    const transport = kind === 'http' ? new V1.StreamableHTTP(new URL(url), opts) : new V1.SSE(new URL(url), opts);
    await client.connect(transport);
    return client;
}

/** Open a legacy SSE stream; returns { endpoint (absolute URL), events iterator, abort }. */
async function openSse(sseUrl, headers) {
    const ac = new AbortController();
    const res = await fetch(sseUrl, { headers: { Accept: 'text/event-stream', ...headers }, signal: ac.signal });
    assert.equal(res.status, 200);
    const events = sseEvents(res);
    const first = (await events.next()).value;
    assert.equal(first.event, 'endpoint');
    return { endpoint: new URL(first.data, sseUrl).href, events, abort: () => ac.abort() };
}

function metadataUrl(base, endpoint) {
    const u = new URL(base);
    return `${u.origin}/.well-known/oauth-protected-resource${endpoint}`;
}

describe('static bearer token: http_server --bearer-token-env (Streamable HTTP and legacy SSE)', () => {
    let srv, origin, sseOrigin;
    const SCOPES = 'mcp:read mcp:write';
    before(async () => {
        srv = await startServer(BIN.http, ['--sse', '127.0.0.1:0', '--bearer-token-env', ENV,
            '--auth-server', 'https://as.example.com', '--auth-server', 'https://as2.example.com/tenant1',
            '--scopes', SCOPES, '--log-level', 'debug', '--max-per-ip', '1000']);
        origin = new URL(srv.url).origin;
        sseOrigin = new URL(srv.sseUrl).origin;
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
        assert.ok(!srv.stderr().includes(TOKEN), 'the token never appears in the server log');
        assert.ok(!srv.stderr().includes(TOKEN.slice(3, 20)), 'not even part of it');
    });

    test('no token: 401 with resource_metadata and scope, on POST, GET and DELETE', async () => {
        for (const [method, headers, body] of [
            ['POST', { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, JSON.stringify(INIT(1))],
            ['GET', { Accept: 'text/event-stream', 'Mcp-Session-Id': 'a'.repeat(32) }, undefined],
            ['DELETE', { 'Mcp-Session-Id': 'a'.repeat(32) }, undefined],
        ]) {
            const r = await fetch(srv.url, { method, headers, body });
            await refusal(r, 401);
            const h = r.headers.get('www-authenticate');
            assert.equal(h, `Bearer scope="${SCOPES}", resource_metadata="${metadataUrl(srv.url, '/mcp')}"`, method);
            // The official client's parser reads it the same way.
            const parsed = SDK_AUTH.extractWWWAuthenticateParams(r);
            assert.equal(parsed.resourceMetadataUrl?.href, metadataUrl(srv.url, '/mcp'));
            assert.equal(parsed.scope, SCOPES);
            assert.equal(parsed.error, undefined);
        }
    });

    test('another scheme (Basic) counts as no token: 401 without an error code', async () => {
        const r = await post(srv.url, INIT(1), { Authorization: 'Basic dXNlcjpwYXNz' });
        await refusal(r, 401);
        assert.equal(challenge(r.headers.get('www-authenticate')).params.error, undefined);
    });

    test('a wrong token: 401 error="invalid_token" (both transports)', async () => {
        let r = await post(srv.url, INIT(1), AUTHZ('not-the-token'));
        await refusal(r, 401);
        const c = challenge(r.headers.get('www-authenticate'));
        assert.equal(c.scheme, 'Bearer');
        assert.deepEqual(c.params, { error: 'invalid_token', scope: SCOPES, resource_metadata: metadataUrl(srv.url, '/mcp') });
        r = await fetch(srv.sseUrl, { headers: { Accept: 'text/event-stream', ...AUTHZ('nope') } });
        await refusal(r, 401);
        assert.deepEqual(challenge(r.headers.get('www-authenticate')).params,
            { error: 'invalid_token', scope: SCOPES, resource_metadata: metadataUrl(srv.sseUrl, '/sse') });
    });

    test('the static token compares exactly: only the token itself passes (H-18 correctness)', async () => {
        const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
        const body = TOKEN.slice(0, -1); // TOKEN is body + '='
        const wrong = [
            flip(TOKEN, TOKEN.length - 1), flip(TOKEN, 0), flip(TOKEN, 17), // 1 char wrong
            body, body.slice(0, -1) + '=', body + '==', // prefixes, one more '='
            body + 'a=', body + body + '=', // longer, doubled
            TOKEN.toUpperCase(), TOKEN.toLowerCase(), // case matters
            'x', 'x'.repeat(TOKEN.length), // all wrong, same length
            TOKEN.slice(0, 1) + 'y'.repeat(TOKEN.length - 1), // 31-char-wrong style
        ];
        for (const t of wrong) {
            assert.notEqual(t, TOKEN);
            const r = await post(srv.url, INIT(1), AUTHZ(t));
            await refusal(r, 401, [TOKEN, t].filter((x) => x.length >= 8));
            assert.equal(challenge(r.headers.get('www-authenticate')).params.error, 'invalid_token', show(t));
        }
        for (const h of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER   ${TOKEN}  `]) {
            const r = await post(srv.url, INIT(1), { Authorization: h });
            assert.equal(r.status, 200, h.replace(TOKEN, '<token>'));
            await r.text();
        }
    });

    test('a malformed Authorization header: 400 error="invalid_request"', async () => {
        for (const h of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer tok"en', `Bearer ${TOKEN},x`, 'Bearer =abc',
            `Bearer ${TOKEN} ${TOKEN}`, 'Bearer \u00e9t\u00e9']) {
            const r = await raw(srv.url, { headers: { ...{ 'Content-Type': 'application/json',
                Accept: 'application/json, text/event-stream' }, Authorization: h }, body: JSON.stringify(INIT(1)) });
            assert.equal(r.status, 400, `${show(h)}: ${r.body}`);
            assert.ok(!r.body.includes(TOKEN));
            assert.equal(challenge(r.headers['www-authenticate']).params.error, 'invalid_request', show(h));
        }
        // two Authorization headers, even both right
        const r = await raw(srv.url, { headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
            Authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }, body: JSON.stringify(INIT(1)) });
        assert.equal(r.status, 400, r.body);
        assert.ok(!r.body.includes(TOKEN));
    });

    test('a token in the query string is refused (400), alone or beside the header', async () => {
        for (const headers of [{}, AUTHZ()]) {
            const r = await post(`${srv.url}?access_token=${encodeURIComponent(TOKEN)}`, INIT(1), headers);
            await refusal(r, 400);
            assert.equal(challenge(r.headers.get('www-authenticate')).params.error, 'invalid_request');
        }
        const r = await post(`${sseOrigin}/message?sessionId=${'a'.repeat(32)}&access_token=${encodeURIComponent(TOKEN)}`,
            INIT(1));
        await refusal(r, 400);
    });

    test('Origin is checked before the token: a bad Origin gets 403, not 401', async () => {
        const r = await post(srv.url, INIT(1), { Origin: 'http://evil.example' });
        assert.equal(r.status, 403);
        assert.equal(r.headers.get('www-authenticate'), null);
        await r.text();
    });

    test('RFC 9728 metadata: served without a token at the root and the endpoint paths', async () => {
        const want = (resource) => ({
            resource,
            authorization_servers: ['https://as.example.com', 'https://as2.example.com/tenant1'],
            scopes_supported: ['mcp:read', 'mcp:write'],
            bearer_methods_supported: ['header'],
        });
        for (const [u, resource] of [
            [`${origin}/.well-known/oauth-protected-resource/mcp`, srv.url],
            [`${origin}/.well-known/oauth-protected-resource`, srv.url],
            [`${sseOrigin}/.well-known/oauth-protected-resource/sse`, srv.sseUrl],
            [`${sseOrigin}/.well-known/oauth-protected-resource/message`, srv.sseUrl],
            [`${sseOrigin}/.well-known/oauth-protected-resource`, srv.sseUrl],
        ]) {
            const r = await fetch(u);
            assert.equal(r.status, 200, u);
            assert.match(r.headers.get('content-type'), /^application\/json/);
            assert.deepEqual(await r.json(), want(resource), u);
        }
        // the official client's discovery finds and accepts it
        const meta = await SDK_AUTH.discoverOAuthProtectedResourceMetadata(srv.url);
        assert.equal(meta.resource, srv.url);
        assert.deepEqual(meta.authorization_servers, ['https://as.example.com', 'https://as2.example.com/tenant1']);
        // other paths under .well-known are not it; other methods are 405; bad Origins still 403
        let r = await fetch(`${origin}/.well-known/oauth-protected-resource/other`, { headers: AUTHZ() });
        assert.equal(r.status, 404);
        await r.text();
        r = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`, { method: 'POST', body: '{}' });
        assert.equal(r.status, 405);
        await r.text();
        r = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`, { headers: { Origin: 'http://evil.example' } });
        assert.equal(r.status, 403);
        await r.text();
    });

    test('with the token: a session, a tool call, GET stream, DELETE', async () => {
        const sid = await session(srv.url, AUTHZ());
        const S = { ...AUTHZ(), 'Mcp-Session-Id': sid };
        let r = await post(srv.url, callTool(2, 'echo', { message: 'hi' }), S);
        assert.equal(r.status, 200);
        assert.deepEqual((await r.json()).result.content, [{ type: 'text', text: 'hi' }]);
        // every request needs the token, also inside a session
        r = await post(srv.url, callTool(3, 'echo', { message: 'hi' }), { 'Mcp-Session-Id': sid });
        await refusal(r, 401);
        const ac = new AbortController();
        r = await fetch(srv.url, { headers: { Accept: 'text/event-stream', ...S }, signal: ac.signal });
        assert.equal(r.status, 200);
        ac.abort();
        r = await fetch(srv.url, { method: 'DELETE', headers: S });
        assert.equal(r.status, 200);
        r = await fetch(srv.url, { method: 'DELETE', headers: S });
        assert.equal(r.status, 404);
        await r.text();
    });

    test('legacy SSE: GET and POST need the token; with it an unknown session is 404 (H-23)', async () => {
        let r = await post(`${sseOrigin}/message?sessionId=${'b'.repeat(32)}`, INIT(1));
        await refusal(r, 401);
        r = await post(`${sseOrigin}/message?sessionId=${'b'.repeat(32)}`, INIT(1), AUTHZ());
        assert.equal(r.status, 404);
        await r.text();
        const s = await openSse(srv.sseUrl, AUTHZ());
        try {
            r = await post(s.endpoint, INIT(1));
            await refusal(r, 401);
            r = await post(s.endpoint, INIT(1), AUTHZ());
            assert.equal(r.status, 202);
            await r.text();
            const ev = (await s.events.next()).value;
            assert.equal(JSON.parse(ev.data).result.serverInfo.name, 'http-example');
        } finally {
            s.abort();
        }
    });

    for (const kind of ['http', 'sse']) {
        test(`official v1 SDK (${kind === 'http' ? 'StreamableHTTPClientTransport' : 'SSEClientTransport'}): ` +
            'works with requestInit headers, fails cleanly without', async () => {
            const url = kind === 'http' ? srv.url : srv.sseUrl;
            const client = await sdkClient(kind, url, AUTHZ());
            try {
                const { tools } = await client.listTools();
                assert.ok(tools.some((t) => t.name === 'echo'), show(tools));
                const res = await client.callTool({ name: 'echo', arguments: { message: 'authorized' } });
                assert.deepEqual(res.content, [{ type: 'text', text: 'authorized' }]);
            } finally {
                await client.close();
            }
            for (const headers of [undefined, AUTHZ('wrong-token')]) {
                await assert.rejects(sdkClient(kind, url, headers), (e) => {
                    assert.equal(e.code, 401, String(e));
                    assert.ok(!String(e.message).includes(TOKEN));
                    return true;
                });
            }
        });
    }
});

describe('authorize callback: principals and sessions (examples/auth_server)', () => {
    let srv, sseOrigin;
    const ALICE = 'alice-7f3c9a1e', BOB = 'bob-52d0e8b4';
    const ALL = [ALICE, BOB, 'carol-noscope-1', 'dave-otheraud-1', 'erin-expired-1', 'frank-notyet-1'];
    before(async () => {
        srv = await startServer(AUTH_BIN, ['--sse', '127.0.0.1:0', '--log-level', 'debug']);
        sseOrigin = new URL(srv.sseUrl).origin;
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
        for (const t of ALL) assert.ok(!srv.stderr().includes(t), `token ${t} never in the server log`);
    });

    test('the verdicts: 200, 401 (unknown, wrong audience, expired, not yet valid), 403 (scope)', async () => {
        let r = await post(srv.url, INIT(1), AUTHZ(ALICE));
        assert.equal(r.status, 200);
        await r.text();
        for (const t of ['unknown-token', 'dave-otheraud-1', 'erin-expired-1', 'frank-notyet-1']) {
            r = await post(srv.url, INIT(1), AUTHZ(t));
            await refusal(r, 401, ALL);
            assert.deepEqual(challenge(r.headers.get('www-authenticate')).params, {
                error: 'invalid_token', scope: 'mcp:tools', resource_metadata: metadataUrl(srv.url, '/mcp'),
            }, t);
        }
        for (const u of [srv.url, `${sseOrigin}/sse`]) {
            r = await fetch(u, { method: u === srv.url ? 'POST' : 'GET', body: u === srv.url ? JSON.stringify(INIT(1)) : undefined,
                headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...AUTHZ('carol-noscope-1') } });
            await refusal(r, 403, ALL);
            assert.equal(r.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="mcp:tools", ' +
                `resource_metadata="${metadataUrl(u, u === srv.url ? '/mcp' : '/sse')}"`);
        }
    });

    test('mcp_call_principal: each token is its own principal (SDK clients, both transports)', async () => {
        for (const [kind, url] of [['http', srv.url], ['sse', srv.sseUrl]]) {
            for (const [tok, who] of [[ALICE, 'alice'], [BOB, 'bob']]) {
                const client = await sdkClient(kind, url, AUTHZ(tok));
                try {
                    const res = await client.callTool({ name: 'whoami', arguments: {} });
                    assert.deepEqual(res.content, [{ type: 'text', text: who }], `${kind} ${who}`);
                } finally {
                    await client.close();
                }
            }
        }
    });

    test('2026-07-28 requests (no session): the principal of each request', async () => {
        for (const [tok, who] of [[ALICE, 'alice'], [BOB, 'bob']]) {
            const r = await post(srv.url, { jsonrpc: '2.0', id: 5, method: 'tools/call',
                params: { name: 'whoami', arguments: {}, _meta: M26 } },
            { ...AUTHZ(tok), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'whoami' });
            const text = await r.text();
            assert.equal(r.status, 200, text);
            assert.deepEqual(JSON.parse(text).result.content, [{ type: 'text', text: who }]);
        }
    });

    test("a session is bound to its principal: another user's token gets 404 (H-12)", async () => {
        const sid = await session(srv.url, AUTHZ(ALICE));
        const asBob = { ...AUTHZ(BOB), 'Mcp-Session-Id': sid };
        let r = await post(srv.url, callTool(2, 'whoami'), asBob);
        const body = await refusal(r, 404, ALL, 2);
        assert.equal(body.error.code, -32001);
        assert.equal(body.error.message, 'Session not found', 'exactly as for an unknown session');
        r = await fetch(srv.url, { headers: { Accept: 'text/event-stream', ...asBob } });
        assert.equal(r.status, 404);
        await r.text();
        r = await fetch(srv.url, { method: 'DELETE', headers: asBob });
        assert.equal(r.status, 404, 'bob cannot end alice\'s session');
        await r.text();
        // alice's session is untouched
        const asAlice = { ...AUTHZ(ALICE), 'Mcp-Session-Id': sid };
        r = await post(srv.url, callTool(3, 'whoami'), asAlice);
        assert.equal(r.status, 200);
        assert.deepEqual((await r.json()).result.content, [{ type: 'text', text: 'alice' }]);
        r = await fetch(srv.url, { method: 'DELETE', headers: asAlice });
        assert.equal(r.status, 200);
    });

    test("2026-07-28 tasks are bound to their principal: bob's tasks/get and tasks/cancel of alice's task get 'not found'", async () => {
        const EXT = 'io.modelcontextprotocol/tasks';
        const meta = { ...M26, 'io.modelcontextprotocol/clientCapabilities': { extensions: { [EXT]: {} } } };
        const rpc = async (tok, id, method, params, name) => {
            const r = await post(srv.url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } },
                { ...AUTHZ(tok), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) });
            const text = await r.text();
            return { status: r.status, body: JSON.parse(text.startsWith('{') ? text : text.split('\ndata: ').pop()) };
        };
        const created = await rpc(ALICE, 1, 'tools/call', { name: 'whoami_task', arguments: {} }, 'whoami_task');
        assert.equal(created.body.result?.resultType, 'task', JSON.stringify(created.body));
        const taskId = created.body.result.taskId;
        const unknown = await rpc(BOB, 2, 'tasks/get', { taskId: 'f'.repeat(32) }, 'f'.repeat(32));
        for (const [id, method] of [[3, 'tasks/get'], [4, 'tasks/cancel'], [5, 'tasks/update']]) {
            const extra = method === 'tasks/update' ? { inputResponses: {} } : {};
            const r = await rpc(BOB, id, method, { taskId, ...extra }, taskId);
            assert.equal(r.status, unknown.status);
            assert.equal(r.body.error?.code, unknown.body.error.code, `${method}: ${JSON.stringify(r.body)}`);
            assert.equal(r.body.error.message, unknown.body.error.message, `${method}: as for an unknown id`);
        }
        let got;
        for (let i = 0; i < 50; i++) {
            got = await rpc(ALICE, 10 + i, 'tasks/get', { taskId }, taskId);
            assert.equal(got.body.result?.taskId, taskId, JSON.stringify(got.body));
            if (got.body.result.status !== 'working') break;
            await new Promise((res) => setTimeout(res, 100));
        }
        assert.equal(got.body.result.status, 'completed', "bob's cancel did nothing");
        assert.deepEqual(got.body.result.result.content, [{ type: 'text', text: 'alice' }], 'the task runs as alice');
    });

    test("legacy SSE: another user's POST to a session's endpoint gets 404", async () => {
        const s = await openSse(srv.sseUrl, AUTHZ(ALICE));
        try {
            let r = await post(s.endpoint, INIT(1), AUTHZ(BOB));
            assert.equal(r.status, 404);
            assert.equal(await r.text(), 'Session not found', 'exactly as for an unknown session');
            r = await post(s.endpoint, INIT(1), AUTHZ(ALICE));
            assert.equal(r.status, 202);
            await r.text();
            const ev = (await s.events.next()).value;
            assert.equal(JSON.parse(ev.data).result.serverInfo.name, 'auth-example');
        } finally {
            s.abort();
        }
    });
});

describe('required scopes (.scopes) and the principal accessors (examples/auth_server)', () => {
    // alice: "mcp:tools"; henry: + "notes:write"; gina: + "notes:admin", as an "scp" array with "azp".
    let srv;
    const ALICE = 'alice-7f3c9a1e', HENRY = 'henry-writer-1', GINA = 'gina-admin-1';
    const ALL = [ALICE, HENRY, GINA, 'alice-stepped-1'];
    before(async () => {
        srv = await startServer(AUTH_BIN, ['--sse', '127.0.0.1:0', '--log-level', 'debug']);
    }, HOOK);
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
        for (const t of ALL) assert.ok(!srv.stderr().includes(t), `token ${t} never in the server log`);
    });

    /** One request in either era: a 2025-11-25 session's (sid) or a 2026-07-28 request. */
    async function rpc(tok, sid, id, method, params = {}, name) {
        const headers = sid ? { ...AUTHZ(tok), 'Mcp-Session-Id': sid }
            : { ...AUTHZ(tok), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method, ...(name ? { 'Mcp-Name': name } : {}) };
        const r = await post(srv.url, { jsonrpc: '2.0', id, method, params: sid ? params : { ...params, _meta: M26 } }, headers);
        const text = await r.text();
        for (const t of ALL) assert.ok(!text.includes(t), 'the token is never echoed');
        return { status: r.status, headers: r.headers, body: JSON.parse(text) };
    }
    const names = (arr, key = 'name') => arr.map((x) => x[key]);
    const STEP_UP = (scope) => `Bearer error="insufficient_scope", scope="${scope}", resource_metadata="${metadataUrl(srv.url, '/mcp')}"`;

    test('the lists show each principal only what its scopes allow, in both eras', async () => {
        const want = {
            [ALICE]: { tools: ['whoami', 'whoami_task'], prompts: [], resources: ['notes://public'], templates: [] },
            [HENRY]: { tools: ['whoami', 'whoami_task', 'write_note'], prompts: [], resources: ['notes://public'], templates: [] },
            [GINA]: { tools: ['whoami', 'whoami_task', 'write_note'], prompts: ['audit'],
                resources: ['notes://public', 'notes://secret'], templates: ['notes://private/{id}'] },
        };
        for (const tok of [ALICE, HENRY, GINA]) {
            for (const sid of [await session(srv.url, AUTHZ(tok)), null]) {
                const era = sid ? '2025-11-25' : '2026-07-28';
                const t = await rpc(tok, sid, 2, 'tools/list');
                assert.ok(t.body.result, JSON.stringify(t.body));
                assert.deepEqual(names(t.body.result.tools), want[tok].tools, `${tok} ${era} tools`);
                const p = await rpc(tok, sid, 3, 'prompts/list');
                assert.deepEqual(names(p.body.result.prompts), want[tok].prompts, `${tok} ${era} prompts`);
                const r = await rpc(tok, sid, 4, 'resources/list');
                assert.deepEqual(names(r.body.result.resources, 'uri'), want[tok].resources, `${tok} ${era} resources`);
                const rt = await rpc(tok, sid, 5, 'resources/templates/list');
                assert.deepEqual(names(rt.body.result.resourceTemplates, 'uriTemplate'), want[tok].templates, `${tok} ${era} templates`);
                if (!sid) assert.equal(t.body.result.cacheScope, 'private', 'a list that depends on the caller is private');
            }
        }
    });

    test('a call without the scope: 403 insufficient_scope naming it, both eras; with it: 200', async () => {
        const sid = await session(srv.url, AUTHZ(ALICE));
        for (const s of [sid, null]) {
            const r = await rpc(ALICE, s, 7, 'tools/call', { name: 'write_note', arguments: { text: 'x' } }, 'write_note');
            assert.equal(r.status, 403, JSON.stringify(r.body));
            assert.equal(r.headers.get('www-authenticate'), STEP_UP('notes:write'));
            assert.equal(r.body.id, 7, 'the error answers the request');
            assert.equal(r.body.error.code, -32000);
            assert.deepEqual(r.body.error.data, { scope: 'notes:write' });
        }
        // the session goes on serving what alice may use
        const ok = await rpc(ALICE, sid, 8, 'tools/call', { name: 'whoami', arguments: {} });
        assert.equal(ok.status, 200);
        assert.deepEqual(ok.body.result.content, [{ type: 'text', text: 'alice' }]);
        for (const s of [await session(srv.url, AUTHZ(HENRY)), null]) {
            const r = await rpc(HENRY, s, 9, 'tools/call', { name: 'write_note', arguments: { text: 'x' } }, 'write_note');
            assert.equal(r.status, 200, JSON.stringify(r.body));
            assert.deepEqual(r.body.result.content, [{ type: 'text',
                text: `note 'x' written by henry (client demo-client, scopes ["mcp:tools","notes:write"], admin: no)` }]);
        }
        const g = await rpc(GINA, null, 10, 'tools/call', { name: 'write_note', arguments: { text: 'y' } }, 'write_note');
        assert.deepEqual(g.body.result.content, [{ type: 'text',
            text: `note 'y' written by gina (client gina-console, scopes ["mcp:tools","notes:write","notes:admin"], admin: yes)` }],
        'an "scp" array and "azp" count as the scope and client id');
    });

    test("step-up on a session: the same caller's new token (more scopes) counts at once; the old one still lacks them", async () => {
        const sid = await session(srv.url, AUTHZ(ALICE));
        let r = await rpc(ALICE, sid, 2, 'tools/call', { name: 'write_note', arguments: { text: 'a' } });
        assert.equal(r.status, 403);
        r = await rpc('alice-stepped-1', sid, 3, 'tools/call', { name: 'write_note', arguments: { text: 'a' } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.match(r.body.result.content[0].text, /^note 'a' written by alice /);
        r = await rpc('alice-stepped-1', sid, 4, 'tools/list');
        assert.ok(names(r.body.result.tools).includes('write_note'), 'the list follows the token too');
        r = await rpc(ALICE, sid, 5, 'tools/call', { name: 'write_note', arguments: { text: 'a' } });
        assert.equal(r.status, 403, 'each request is judged by its own token');
    });

    test('prompts/get, resources/read (static and template) and completion/complete need the scopes too', async () => {
        const cases = [
            ['prompts/get', { name: 'audit' }, 'audit'],
            ['resources/read', { uri: 'notes://secret' }, 'notes://secret'],
            ['resources/read', { uri: 'notes://private/7' }, 'notes://private/7'],
            ['completion/complete', { ref: { type: 'ref/resource', uri: 'notes://private/{id}' }, argument: { name: 'id', value: '' } }],
        ];
        for (const [method, params, name] of cases) {
            for (const s of [await session(srv.url, AUTHZ(HENRY)), null]) {
                const r = await rpc(HENRY, s, 11, method, params, name);
                assert.equal(r.status, 403, `${method} ${JSON.stringify(r.body)}`);
                assert.equal(r.headers.get('www-authenticate'), STEP_UP('notes:admin'));
                const g = await rpc(GINA, s ? await session(srv.url, AUTHZ(GINA)) : null, 12, method, params, name);
                assert.equal(g.status, 200, `${method} ${JSON.stringify(g.body)}`);
                assert.ok(g.body.result, JSON.stringify(g.body));
            }
        }
        const g = await rpc(GINA, null, 13, 'resources/read', { uri: 'notes://private/7' }, 'notes://private/7');
        assert.equal(g.body.result.contents[0].text, '7');
        const pub = await rpc(HENRY, null, 14, 'resources/read', { uri: 'notes://public' }, 'notes://public');
        assert.equal(pub.body.result.contents[0].text, 'for everyone', 'an item without scopes needs none');
    });

    test('resources/subscribe and subscriptions/listen need the resource\'s scopes, as resources/read does', async () => {
        // updates of a resource (static, or served by a template) are not for a caller that may not read it
        for (const uri of ['notes://secret', 'notes://private/7']) {
            const sid = await session(srv.url, AUTHZ(HENRY));
            const r = await rpc(HENRY, sid, 20, 'resources/subscribe', { uri });
            assert.equal(r.status, 403, `${uri} ${JSON.stringify(r.body)}`);
            assert.equal(r.headers.get('www-authenticate'), STEP_UP('notes:admin'));
            assert.deepEqual(r.body.error.data, { scope: 'notes:admin' });
            const g = await rpc(GINA, await session(srv.url, AUTHZ(GINA)), 21, 'resources/subscribe', { uri });
            assert.equal(g.status, 200, JSON.stringify(g.body));
            assert.deepEqual(g.body.result, {});
            const l = await rpc(HENRY, null, 22, 'subscriptions/listen',
                { notifications: { resourceSubscriptions: ['notes://public', uri] } });
            assert.equal(l.status, 403, `${uri} ${JSON.stringify(l.body)}`);
            assert.equal(l.headers.get('www-authenticate'), STEP_UP('notes:admin'));
            assert.equal(l.body.id, 22);
        }
        const pub = await rpc(HENRY, await session(srv.url, AUTHZ(HENRY)), 23, 'resources/subscribe', { uri: 'notes://public' });
        assert.equal(pub.status, 200, 'a resource without scopes needs none');
        // gina may listen to the secret one: the stream opens with the acknowledgement naming it
        const ac = new AbortController();
        try {
            const r = await post(srv.url, { jsonrpc: '2.0', id: 24, method: 'subscriptions/listen',
                params: { notifications: { resourceSubscriptions: ['notes://secret'] }, _meta: M26 } },
            { ...AUTHZ(GINA), 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'subscriptions/listen' }, { signal: ac.signal });
            assert.equal(r.status, 200);
            const ev = (await sseEvents(r).next()).value;
            const ack = JSON.parse(ev.data);
            assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
            assert.deepEqual(ack.params.notifications.resourceSubscriptions, ['notes://secret']);
        } finally {
            ac.abort();
        }
    });

    test('legacy HTTP+SSE: no status to choose, so the JSON-RPC error (with the scope) comes on the stream', async () => {
        const s = await openSse(srv.sseUrl, AUTHZ(ALICE));
        try {
            let r = await post(s.endpoint, INIT(1), AUTHZ(ALICE));
            assert.equal(r.status, 202);
            await r.text();
            await s.events.next();
            r = await post(s.endpoint, { jsonrpc: '2.0', method: 'notifications/initialized' }, AUTHZ(ALICE));
            await r.text();
            r = await post(s.endpoint, callTool(2, 'write_note', { text: 'x' }), AUTHZ(ALICE));
            assert.equal(r.status, 202);
            await r.text();
            const msg = JSON.parse((await s.events.next()).value.data);
            assert.equal(msg.id, 2);
            assert.deepEqual(msg.error.data, { scope: 'notes:write' });
        } finally {
            s.abort();
        }
    });

    test('official v1 SDK client: alice does not see write_note and calling it fails with 403', async () => {
        const client = await sdkClient('http', srv.url, AUTHZ(ALICE));
        try {
            const { tools } = await client.listTools();
            assert.deepEqual(names(tools), ['whoami', 'whoami_task']);
            await assert.rejects(client.callTool({ name: 'write_note', arguments: { text: 'x' } }), /403|insufficient_scope|Forbidden/);
        } finally {
            await client.close();
        }
    });
});

describe('command line and configuration', () => {
    /** Run a binary to completion (or until `until` matches stderr, then SIGTERM). */
    function run(bin, args, { env = {}, until } = {}) {
        return new Promise((resolve) => {
            const child = spawn(bin, args, {
                stdio: ['ignore', 'ignore', 'pipe'],
                env: { ...process.env, ...SANITIZER_ENV, ...env },
            });
            let err = '';
            child.stderr.setEncoding('utf8');
            child.stderr.on('data', (d) => {
                err += d;
                if (until && until.test(err)) child.kill('SIGTERM');
            });
            const t = setTimeout(() => child.kill('SIGKILL'), 10000);
            child.once('close', (code) => { // ended, stderr read to the end
                clearTimeout(t);
                resolve({ code, stderr: err });
            });
        }).then((r) => {
            assertNoSanitizerReport(r.stderr, bin);
            return r;
        });
    }

    test('--bearer-token-env naming an unset or empty variable: usage error, exit 2', async () => {
        for (const env of [{}, { LIBMCP_EMPTY_TOKEN: '' }]) {
            const r = await run(BIN.http, ['--http', '127.0.0.1:0', '--bearer-token-env', 'LIBMCP_EMPTY_TOKEN'],
                { env: { LIBMCP_EMPTY_TOKEN: undefined, ...env } });
            assert.equal(r.code, 2, r.stderr);
            assert.match(r.stderr, /LIBMCP_EMPTY_TOKEN/);
        }
    });

    test('a token the header could never carry is refused at start', async () => {
        const r = await run(BIN.http, ['--http', '127.0.0.1:0', '--bearer-token-env', 'LIBMCP_BAD_TOKEN'],
            { env: { LIBMCP_BAD_TOKEN: 'has space' } });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /bearer_token/);
        assert.ok(!r.stderr.includes('has space'));
    });

    test('metadata without a validator is refused (no advertising OAuth while open)', async () => {
        const r = await run(BIN.http, ['--http', '127.0.0.1:0', '--auth-server', 'https://as.example.com']);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /need a token validator/);
    });

    test('--resource-url sets the resource and the challenge URL (behind a proxy)', async () => {
        const s = await startServer(BIN.http, ['--bearer-token-env', ENV, '--auth-server', 'https://as.example.com',
            '--resource-url', 'https://mcp.example.com/tenant/mcp']);
        try {
            let r = await post(s.url, INIT(1));
            await refusal(r, 401);
            assert.equal(challenge(r.headers.get('www-authenticate')).params.resource_metadata,
                'https://mcp.example.com/.well-known/oauth-protected-resource/tenant/mcp');
            r = await fetch(metadataUrl(s.url, '/mcp'));
            assert.equal((await r.json()).resource, 'https://mcp.example.com/tenant/mcp');
        } finally {
            assert.equal(await s.close(), 0, s.stderr());
        }
    });

    test('a non-loopback bind without authorization prints a loud warning; with it, none', async () => {
        let r = await run(BIN.http, ['--http', '0.0.0.0:0'], { until: /Streamable HTTP on/ });
        assert.match(r.stderr, /WARNING: --http binds 0\.0\.0\.0, reachable from other machines, with NO AUTHORIZATION/);
        r = await run(BIN.http, ['--http', '127.0.0.1:0'], { until: /Streamable HTTP on/ });
        assert.doesNotMatch(r.stderr, /WARNING/);
        r = await run(BIN.http, ['--http', '0.0.0.0:0', '--bearer-token-env', ENV], { until: /Streamable HTTP on/ });
        assert.doesNotMatch(r.stderr, /WARNING/);
        assert.ok(!r.stderr.includes(TOKEN));
    });
});
