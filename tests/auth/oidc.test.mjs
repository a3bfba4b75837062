// libmcp as an OAuth 2.1 resource server against a real authorization server: oidc-provider
// (tests/auth/oidc.mjs) issues RS256 JWT access tokens for the libmcp server's resource URL
// (RFC 8707) to a confidential client (client_credentials); mcp-everything verifies them itself
// (--jwks-url, --issuer; the audience defaults to its own resource URL). The official TypeScript
// SDK client v1 with its ClientCredentialsProvider knows only the server's URL:
//   401 -> RFC 9728 protected resource metadata -> authorization server metadata -> token ->
//   tools/call; then a tool that needs a scope the token lacks (whoami_admin: everything:admin):
//   403 insufficient_scope -> a new token with that scope -> the call succeeds;
// then the authorization server rotates its signing key during the run and new tokens (an
// unknown kid: the server refetches the JWKS, --jwks-min-interval 1s) still work. The client's
// provider adds the scopes the server challenges to those it asks for (SEP-2350; see
// AccumulatingProvider: SDK 1.32.2's client-credentials path asks with its configured scope only).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe } from 'node:test';

import { BUILD, HOOK, ROOT, V1, closeAll, startServer, test } from '../http/lib.mjs';
import { startAuthorizationServer } from './oidc.mjs';

const requireSdk = createRequire(path.join(ROOT, 'tests', 'interop', 'package.json'));
const { ClientCredentialsProvider } = requireSdk('@modelcontextprotocol/sdk/client/auth-extensions.js');

const EVERYTHING = path.join(BUILD, 'bin', 'mcp-everything');
const BASE = 'mcp:tools';
const ADMIN = 'everything:admin';

after(closeAll);

describe('oidc-provider + official SDK client v1 (client credentials) + mcp-everything (JWT)', () => {
    let as, srv;
    const clients = [];

    before(async () => {
        as = await startAuthorizationServer({ scopes: [BASE, ADMIN] });
        srv = await startServer(EVERYTHING, [
            '--auth-server', as.issuer, '--scopes', BASE,
            '--jwks-url', as.jwksUrl, '--issuer', as.issuer,
            '--jwks-min-interval', '1s', // the rotation below needs no 30 s wait
        ]);
        as.setResource(srv.url); // tokens are issued for this resource only (their audience)
    }, HOOK);
    after(async () => {
        for (const c of clients) await c.close().catch(() => {});
        const code = await srv?.close();
        await as?.close();
        assert.equal(code, 0, srv?.stderr());
        const log = srv.stderr();
        assert.ok(!/eyJ[\w-]{10,}\.[\w-]{10,}/.test(log), 'no token in the server log');
        assert.ok(!log.includes(as.client.secret), 'no client secret in the server log');
    });

    /**
     * The SDK's ClientCredentialsProvider, accumulating the scopes the server challenges. SDK 1.32.2
     * fetches a client-credentials token with clientMetadata.scope (auth.js fetchToken), not with
     * the scope of the WWW-Authenticate challenge it has just read, so on its own a step-up asks for
     * the same scopes again. This subclass does what the MCP specification asks of clients
     * (SEP-2350: request the union of the scopes held and the scopes challenged): it watches the
     * transport's responses (its `fetch` option) and adds each challenged scope to clientMetadata.
     */
    class AccumulatingProvider extends ClientCredentialsProvider {
        scopes = new Set();
        get clientMetadata() {
            return { ...super.clientMetadata, scope: this.scopes.size ? [...this.scopes].join(' ') : undefined };
        }
        watch = async (url, init) => {
            const res = await fetch(url, init);
            const m = /scope="([^"]*)"/.exec(res.headers.get('www-authenticate') ?? '');
            if ((res.status === 401 || res.status === 403) && m) for (const sc of m[1].split(' ')) this.scopes.add(sc);
            return res;
        };
    }

    /** A v1 client that knows only the server URL and its own client credentials. */
    async function connect() {
        const provider = new AccumulatingProvider({
            clientId: as.client.id,
            clientSecret: as.client.secret,
            expectedIssuer: as.issuer,
        });
        const client = new V1.Client({ name: 'libmcp-oidc', version: '1.0.0' }, { capabilities: {} });
        const transport = new V1.StreamableHTTP(new URL(srv.url), { authProvider: provider, fetch: provider.watch });
        await client.connect(transport);
        clients.push(client);
        return { client, provider };
    }
    const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    const header = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));

    let first; // the client of the first two tests, kept across the rotation

    test('401 -> metadata -> token -> tools/call: the client finds everything from the server URL', async () => {
        const unauth = await fetch(srv.url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        assert.equal(unauth.status, 401);
        await unauth.text();
        const prm = await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', srv.url))).json();
        assert.equal(prm.resource, srv.url);
        assert.deepEqual(prm.authorization_servers, [as.issuer]);

        first = await connect();
        const tokens = first.provider.tokens();
        assert.ok(tokens?.access_token, 'the SDK obtained a token');
        const c = claims(tokens.access_token);
        assert.equal(c.aud, srv.url, 'the token is for this resource (RFC 8707)');
        assert.equal(c.iss, as.issuer);
        assert.equal(c.scope, BASE, 'the scope the 401 challenge named');
        assert.equal(header(tokens.access_token).typ, 'at+jwt');
        assert.equal(as.grants.length, 1);
        assert.equal(as.grants[0].resource, srv.url);

        const { tools } = await first.client.listTools();
        const names = tools.map((t) => t.name);
        assert.ok(names.includes('echo'), names.join(','));
        assert.ok(!names.includes('whoami_admin'), 'a tool needing a scope the token lacks is not listed');
        const res = await first.client.callTool({ name: 'echo', arguments: { message: 'hi' } });
        assert.deepEqual(res.content, [{ type: 'text', text: 'Echo: hi' }]);
    });

    test('step-up: 403 insufficient_scope -> a token with everything:admin -> the call succeeds', async () => {
        // what the SDK meets on the wire first
        const raw = await fetch(srv.url, {
            method: 'POST',
            headers: {
                'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
                Authorization: `Bearer ${first.provider.tokens().access_token}`,
                'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'whoami_admin',
            },
            body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami_admin', arguments: {},
                _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
        });
        assert.equal(raw.status, 403);
        assert.equal(raw.headers.get('www-authenticate'),
            `Bearer error="insufficient_scope", scope="${ADMIN}", ` +
            `resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', srv.url)}"`);
        assert.equal((await raw.json()).id, 9);

        const before = as.grants.length;
        const res = await first.client.callTool({ name: 'whoami_admin', arguments: {} });
        assert.deepEqual(res.content, [{ type: 'text', text: `admin: subject ${as.client.id}, client ${as.client.id}` }]);
        assert.equal(as.grants.length, before + 1, 'one more token, asked for the challenged scope');
        assert.ok(as.grants.at(-1).scope.split(' ').includes(ADMIN), JSON.stringify(as.grants.at(-1)));
        assert.ok(claims(first.provider.tokens().access_token).scope.split(' ').includes(ADMIN));
        // the same session goes on: the principal (iss, sub) did not change
        const again = await first.client.callTool({ name: 'echo', arguments: { message: 'still here' } });
        assert.deepEqual(again.content, [{ type: 'text', text: 'Echo: still here' }]);
    });

    test('key rotation during the run: tokens signed with the new key (unknown kid) are accepted', async () => {
        const oldKid = header(first.provider.tokens().access_token).kid;
        const newKid = as.rotate();
        assert.notEqual(newKid, oldKid);
        // A new client gets a token signed with the new key. The server's cached JWKS does not know
        // the kid yet: it refetches (rate-limited, so a refusal is retried a bounded number of times).
        let second, lastErr;
        for (let i = 0; i < 8 && !second; i++) {
            try {
                second = await connect();
            } catch (e) {
                lastErr = e;
                await new Promise((r) => setTimeout(r, 1000));
            }
        }
        assert.ok(second, `no client connected after the rotation: ${lastErr}`);
        assert.equal(header(second.provider.tokens().access_token).kid, newKid);
        const res = await second.client.callTool({ name: 'echo', arguments: { message: 'rotated' } });
        assert.deepEqual(res.content, [{ type: 'text', text: 'Echo: rotated' }]);
        // the old key is still published: the first client's token still works
        const old = await first.client.callTool({ name: 'echo', arguments: { message: 'old key' } });
        assert.deepEqual(old.content, [{ type: 'text', text: 'Echo: old key' }]);
    });

    test('a token for another resource (audience) is refused with 401 invalid_token', async () => {
        as.setResource(new URL('/other', srv.url).href);
        const basic = Buffer.from(`${as.client.id}:${as.client.secret}`).toString('base64');
        const tok = await (await fetch(`${as.issuer}/token`, {
            method: 'POST',
            headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'client_credentials', scope: BASE, resource: new URL('/other', srv.url).href }),
        })).json();
        as.setResource(srv.url);
        assert.ok(tok.access_token, JSON.stringify(tok));
        const r = await fetch(srv.url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
                Authorization: `Bearer ${tok.access_token}` },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        assert.equal(r.status, 401);
        assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        await r.text();
    });
});
