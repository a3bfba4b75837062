// OAuth login with the built `mcp` command and `mcp-proxy` against a real authorization server:
// oidc-provider (tests/auth/oidc.mjs) with dynamic client registration, the authorization code
// grant with PKCE and refresh tokens, issuing JWT access tokens for mcp-everything's resource URL
// (verified by mcp-everything itself: --jwks-url, --issuer). The "browser" is this test: it reads
// the authorization URL the command prints on stderr (--no-browser) and follows it with fetch
// through the provider's login and consent (tests/auth/browser.mjs) to the command's loopback
// redirect listener.
//   mcp --oauth --no-browser tools URL    log in, list the tools; the login is saved (mode 0600)
//   mcp tools URL                          the saved token, no browser, no new grant
//   mcp logout URL                         the tokens are revoked at the authorization server
//                                          (the saved refresh token is refused afterwards);
//                                          a new login is needed
//   an expired access token                refreshed with the saved refresh token, saved again
//   consent denied / an unknown scope      exit status 4 and a message saying why; mcp login
//   --client-credentials                   the pre-registered confidential client
//   mcp-proxy --oauth URL                  the TypeScript SDK client v1 over STDIO: list, call;
//                                          started again: the saved login, no browser
// Every run gets its own XDG_STATE_HOME (and HOME) under a temporary directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';

import { SANITIZER_ENV, assertNoSanitizerReport } from '../serverexit.mjs';
import { BUILD, HOOK, ROOT, V1, closeAll, sleep, startServer, test } from '../http/lib.mjs';
import { browse } from './browser.mjs';
import { startAuthorizationServer } from './oidc.mjs';

const requireSdk = createRequire(path.join(ROOT, 'tests', 'interop', 'package.json'));
const { StdioClientTransport } = requireSdk('@modelcontextprotocol/sdk/client/stdio.js');

const EVERYTHING = path.join(BUILD, 'bin', 'mcp-everything');
const MCP = path.join(BUILD, 'bin', 'mcp');
const PROXY = path.join(BUILD, 'bin', 'mcp-proxy');
const BASE = 'mcp:tools';
const ADMIN = 'everything:admin';
const URL_LINE = /^\s+(https?:\/\/\S+)$/m; // the authorization URL, on a line of its own

after(closeAll);

/** A port free right now on 127.0.0.1. */
async function freePort() {
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address();
    await new Promise((resolve) => s.close(resolve));
    return port;
}

/** A fresh state home: { env, dir, files() (the saved logins) }. */
function stateHome(name) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `libmcp-login-${name}-`));
    const env = { ...process.env, ...SANITIZER_ENV, XDG_STATE_HOME: dir, HOME: dir, BROWSER: '/bin/false' };
    delete env.MCP_CLIENT_SECRET;
    const oauthDir = path.join(dir, 'mcp', 'oauth');
    return {
        dir,
        env,
        oauthDir,
        files: () => (fs.existsSync(oauthDir) ? fs.readdirSync(oauthDir).filter((f) => f.endsWith('.json')) : []),
    };
}

/**
 * Run the mcp command; when it prints an authorization URL on stderr, follow it as the browser
 * (`action`: 'login' or 'deny'). Resolves { code, stdout, stderr, authorized (the URL followed,
 * or null), page (the listener's answer) }.
 */
function runMcp(args, { env, as, action = 'login', timeout = 15000 }) {
    return new Promise((resolve, reject) => {
        const child = spawn(MCP, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let authorized = null;
        let page = null;
        let browsing = Promise.resolve();
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`mcp ${args.join(' ')} did not finish in ${timeout} ms:\n${stderr}`));
        }, timeout);
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => {
            stderr += d;
            const m = URL_LINE.exec(stderr);
            if (m && !authorized) {
                authorized = m[1];
                browsing = browse(authorized, as.issuer, { action }).then((p) => (page = p));
            }
        });
        child.once('close', async (code) => {
            clearTimeout(timer);
            try {
                await browsing;
            } catch (e) {
                reject(e);
                return;
            }
            assertNoSanitizerReport(stderr, `mcp ${args.join(' ')}`);
            resolve({ code, stdout, stderr, authorized, page });
        });
    });
}

describe('mcp and mcp-proxy log in with OAuth (oidc-provider, mcp-everything)', () => {
    let as, srv;
    const home = stateHome('mcp');

    before(async () => {
        as = await startAuthorizationServer({ scopes: [BASE, ADMIN] });
        srv = await startServer(EVERYTHING, [
            '--auth-server', as.issuer, '--scopes', BASE,
            '--jwks-url', as.jwksUrl, '--issuer', as.issuer,
            '--jwks-min-interval', '1s',
        ]);
        as.setResource(srv.url);
    }, HOOK);
    after(async () => {
        const code = await srv?.close();
        await as?.close();
        assert.equal(code, 0, srv?.stderr());
        fs.rmSync(home.dir, { recursive: true, force: true });
    });

    const grantsOf = (type) => as.grants.filter((g) => g.type === type).length;

    test('login options misused: usage status 2, nothing contacted', async () => {
        const cases = [
            ['tools', '--oauth', '--stdio', EVERYTHING],
            ['tools', '--oauth', '--sse', srv.url],
            ['tools', '--oauth', '--redirect-port', '0', srv.url],
            ['tools', '--client-metadata-url', 'http://insecure.example/client', srv.url],
            ['tools', '--client-id'],
            ['logout'],
        ];
        const before = as.grants.length;
        for (const args of cases) {
            const r = await runMcp(args, { env: home.env, as });
            assert.equal(r.code, 2, `mcp ${args.join(' ')}: ${r.stderr}`);
            assert.equal(r.authorized, null);
        }
        for (const args of [['--oauth', '--', EVERYTHING], ['--oauth', '--upstream-sse', srv.url]]) {
            const r = spawnSync(PROXY, args, { env: home.env, encoding: 'utf8', timeout: 10000 });
            assert.equal(r.status, 2, `mcp-proxy ${args.join(' ')}: ${r.stderr}`);
            assert.equal(r.stdout, '');
        }
        assert.equal(as.grants.length, before);
        assert.deepEqual(home.files(), []);
    });

    test('without --oauth: a 401 says to log in, exit status 4', async () => {
        const r = await runMcp(['tools', srv.url], { env: home.env, as });
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stderr, /authorization failed: the server wants a login \(try --oauth\)/);
        assert.equal(r.authorized, null, 'no login without --oauth');
        assert.equal(r.stdout, '');
        assert.deepEqual(home.files(), []);
    });

    test('--oauth --no-browser: register, log in through the browser, list the tools', async () => {
        const r = await runMcp(['tools', '--oauth', '--no-browser', srv.url], { env: home.env, as });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.authorized, `an authorization URL on stderr:\n${r.stderr}`);
        const u = new URL(r.authorized);
        assert.equal(u.origin, as.issuer);
        assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
        assert.equal(u.searchParams.get('resource'), srv.url);
        assert.match(u.searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
        assert.equal(r.page.status, 200, r.page.body);
        assert.match(r.page.body, /Logged in/);
        assert.match(r.stdout, /^echo\(/m, 'the tools list on stdout');
        assert.doesNotMatch(r.stdout, /https?:\/\//, 'no URL on stdout');
        assert.equal(grantsOf('authorization_code'), 1);
        const files = home.files();
        assert.equal(files.length, 1, 'one saved login');
        const file = path.join(home.oauthDir, files[0]);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the saved login is private');
        assert.equal(fs.statSync(home.oauthDir).mode & 0o777, 0o700, 'its directory too');
        const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
        assert.equal(saved.redirect_uri, u.searchParams.get('redirect_uri'), 'the redirect URI is kept');
        assert.ok(saved.refresh_token && saved.client_id, 'a refresh token and the registration');
    });

    test('a second run uses the saved token: no browser, no new grant', async () => {
        const before = as.grants.length;
        const r = await runMcp(['call', 'echo', 'message=again', srv.url], { env: home.env, as });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.authorized, null, `no login:\n${r.stderr}`);
        assert.match(r.stdout, /again/);
        assert.equal(as.grants.length, before, 'no token requested');
    });

    test('mcp logout revokes the tokens and forgets the login; the next run must log in again', async () => {
        const saved = JSON.parse(fs.readFileSync(path.join(home.oauthDir, home.files()[0]), 'utf8'));
        assert.ok(saved.refresh_token && saved.access_token, 'a login with both tokens');
        const out = await runMcp(['logout', srv.url], { env: home.env, as });
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stderr, /revoked the tokens at/);
        assert.match(out.stderr, /logged out/);
        assert.deepEqual(home.files(), []);
        // the authorization server no longer honours the refresh token (RFC 7009 §2.2)
        const meta = await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json();
        assert.ok(meta.revocation_endpoint, 'the revocation feature is on');
        const refreshed = await fetch(meta.token_endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: saved.refresh_token,
                client_id: saved.client_id, resource: saved.resource }),
        });
        assert.equal(refreshed.status, 400);
        assert.equal((await refreshed.json()).error, 'invalid_grant');
        const r = await runMcp(['tools', srv.url], { env: home.env, as });
        assert.equal(r.code, 4, 'no saved login, no --oauth: 401');
        assert.equal(r.authorized, null);
        const codes = grantsOf('authorization_code');
        // this login's access token expires soon (the next test): the client refreshes a token
        // 30 s before its expiry (REFRESH_EARLY_S in libmcp/client/oauth.c), so 33 s leaves 3 s
        as.setAccessTokenTtl(33);
        // this time with a browser ($BROWSER: a command that writes the address to a file) and a
        // fixed redirect port
        const opened = path.join(home.dir, 'opened-url');
        const port = await freePort();
        const again = await runMcp(['tools', '--oauth', '--redirect-port', String(port), srv.url],
            { env: { ...home.env, BROWSER: `printf %s >${opened}` }, as });
        as.setAccessTokenTtl(600);
        assert.equal(again.code, 0, again.stderr);
        assert.ok(again.authorized, 'a new login');
        assert.equal(grantsOf('authorization_code'), codes + 1);
        assert.equal(new URL(again.authorized).searchParams.get('redirect_uri'), `http://127.0.0.1:${port}/callback`);
        for (let i = 0; i < 50 && !fs.existsSync(opened); i++) await sleep(20);
        assert.equal(fs.readFileSync(opened, 'utf8'), again.authorized, 'the browser got the same address');
    });

    test('an expired access token is refreshed with the saved refresh token, no browser', async () => {
        const refreshes = grantsOf('refresh_token');
        await sleep(3500); // the token is within 30 s of its expiry: refreshed before use
        const r = await runMcp(['tools', srv.url], { env: home.env, as });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.authorized, null, `no login:\n${r.stderr}`);
        assert.ok(grantsOf('refresh_token') > refreshes, `refreshed: ${JSON.stringify(as.grants)}\n${r.stderr}`);
        assert.match(r.stdout, /^echo\(/m);
        const file = path.join(home.oauthDir, home.files()[0]);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the refreshed login is saved privately');
        // the refreshed token is saved: the next run needs no grant at all
        const count = as.grants.length;
        const next = await runMcp(['tools', srv.url], { env: home.env, as });
        assert.equal(next.code, 0, next.stderr);
        assert.equal(as.grants.length, count, 'the refreshed token was saved and reused');
        // tokens gone (revoked, say) but the registration kept: a new login with the same client
        // on the same redirect URI (the saved port), which the authorization server holds it to
        const kept = JSON.parse(fs.readFileSync(file, 'utf8'));
        fs.writeFileSync(file, JSON.stringify({ ...kept, access_token: undefined, refresh_token: undefined, expires_at: undefined }));
        const relog = await runMcp(['tools', '--no-browser', srv.url], { env: home.env, as });
        assert.equal(relog.code, 0, relog.stderr);
        assert.ok(relog.authorized, 'a login with the saved client');
        const ru = new URL(relog.authorized);
        assert.equal(ru.searchParams.get('client_id'), kept.client_id, 'the same client');
        assert.equal(ru.searchParams.get('redirect_uri'), kept.redirect_uri, 'the same redirect URI');
        assert.equal((await runMcp(['logout', srv.url], { env: home.env, as })).code, 0);
        const twice = await runMcp(['logout', srv.url], { env: home.env, as });
        assert.equal(twice.code, 0);
        assert.match(twice.stderr, /not logged in/);
    });

    test('consent denied: exit status 4 and why; nothing saved', async () => {
        const h = stateHome('deny');
        try {
            const r = await runMcp(['tools', '--oauth', '--no-browser', srv.url], { env: h.env, as, action: 'deny' });
            assert.equal(r.code, 4, r.stderr);
            assert.ok(r.authorized);
            assert.match(r.page.body, /refused/i, 'the browser page says so');
            assert.match(r.stderr, /access_denied|refused|denied/i);
            assert.match(r.stderr, /authorization failed/);
            assert.equal(r.stdout, '');
            assert.equal(h.files().filter((f) => JSON.parse(fs.readFileSync(path.join(h.oauthDir, f), 'utf8')).access_token).length, 0);
            // mcp login: the same, allowed this time; nothing on stdout, the login kept
            const ok = await runMcp(['login', '--no-browser', srv.url], { env: h.env, as });
            assert.equal(ok.code, 0, ok.stderr);
            assert.ok(ok.authorized);
            assert.equal(ok.stdout, '');
            assert.match(ok.stderr, /the login is kept in /);
            assert.equal(h.files().length, 1);
        } finally {
            fs.rmSync(h.dir, { recursive: true, force: true });
        }
    });

    test('a scope the authorization server does not know: exit status 4 and why', async () => {
        const h = stateHome('scope');
        try {
            const r = await runMcp(['tools', '--oauth', '--no-browser', '--scope', 'no:such-scope', srv.url], { env: h.env, as });
            assert.equal(r.code, 4, r.stderr);
            assert.match(r.stderr, /authorization failed/);
            assert.equal(r.stdout, '');
        } finally {
            fs.rmSync(h.dir, { recursive: true, force: true });
        }
    });

    test('--client-credentials with the pre-registered client (secret from the environment and a file)', async () => {
        const h = stateHome('cc');
        try {
            const env = { ...h.env, MCP_CLIENT_SECRET: as.client.secret };
            const r = await runMcp(['call', 'echo', 'message=cc', '--client-credentials', '--client-id', as.client.id, srv.url], { env, as });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.authorized, null);
            assert.match(r.stdout, /cc/);
            const secretFile = path.join(h.dir, 'secret');
            fs.writeFileSync(secretFile, `${as.client.secret}\n`, { mode: 0o600 });
            const state = path.join(h.dir, 'cc-state.json');
            const f = await runMcp(['tools', '--client-credentials', '--client-id', as.client.id,
                '--client-secret-file', secretFile, '--oauth-state', state, srv.url], { env: h.env, as });
            assert.equal(f.code, 0, f.stderr);
            assert.equal(fs.statSync(state).mode & 0o777, 0o600);
            const bad = await runMcp(['tools', '--client-credentials', '--client-id', as.client.id,
                '--oauth-state', path.join(h.dir, 'bad.json'), srv.url],
                { env: { ...h.env, MCP_CLIENT_SECRET: 'wrong' }, as });
            assert.equal(bad.code, 4, bad.stderr);
            assert.match(bad.stderr, /authorization failed/);
            assert.ok(!bad.stderr.includes(as.client.secret), 'no secret on stderr');
            const none = await runMcp(['tools', '--client-credentials', srv.url], { env: h.env, as });
            assert.equal(none.code, 2, 'usage: no client id, no secret');
        } finally {
            fs.rmSync(h.dir, { recursive: true, force: true });
        }
    });

    /** mcp-proxy ARGS under the SDK client v1 over STDIO, the test as its browser. */
    function proxy(args, env) {
        const transport = new StdioClientTransport({ command: PROXY, args, env, stderr: 'pipe' });
        const p = { transport, stderr: '', browsing: null, errors: [] };
        transport.onerror = (e) => p.errors.push(e);
        p.client = new V1.Client({ name: 'libmcp-login-proxy', version: '1.0.0' }, { capabilities: {} });
        p.started = p.client.connect(transport);
        transport.stderr.setEncoding('utf8');
        transport.stderr.on('data', (d) => {
            p.stderr += d;
            const m = URL_LINE.exec(p.stderr);
            if (m && !p.browsing) p.browsing = browse(m[1], as.issuer);
        });
        /** Close; the proxy must exit 0 (end of its input) with no sanitizer report. */
        p.close = async () => {
            const proc = transport._process; // the SDK's child: its exit status once closed
            await p.client.close().catch(() => {});
            await sleep(300);
            assertNoSanitizerReport(p.stderr, 'mcp-proxy');
            assert.equal(proc?.exitCode, 0, `mcp-proxy exits cleanly at the end of its input:\n${p.stderr}`);
        };
        return p;
    }

    test('mcp-proxy --oauth: the SDK client v1 over STDIO lists and calls through the login', async () => {
        const h = stateHome('proxy');
        try {
            const p = proxy(['--oauth', '--no-browser', srv.url], h.env);
            try {
                await p.started;
                assert.ok(p.browsing, `the proxy printed an authorization URL:\n${p.stderr}`);
                assert.equal((await p.browsing).status, 200);
                const { tools } = await p.client.listTools();
                assert.ok(tools.some((t) => t.name === 'echo'), JSON.stringify(tools.map((t) => t.name)));
                const res = await p.client.callTool({ name: 'echo', arguments: { message: 'through the proxy' } });
                assert.match(res.content[0].text, /through the proxy/);
                assert.deepEqual(p.errors, [], 'nothing but protocol on the proxy stdout');
                const files = h.files();
                assert.equal(files.length, 1);
                assert.equal(fs.statSync(path.join(h.oauthDir, files[0])).mode & 0o777, 0o600);
            } finally {
                await p.close();
            }
            // started again (no --oauth): the saved login, no browser, no new grant
            const grants = as.grants.length;
            const again = proxy([srv.url], h.env);
            try {
                await again.started;
                assert.equal(again.browsing, null, `no login:\n${again.stderr}`);
                const res = await again.client.callTool({ name: 'echo', arguments: { message: 'saved' } });
                assert.match(res.content[0].text, /saved/);
                assert.equal(as.grants.length, grants);
            } finally {
                await again.close();
            }
        } finally {
            fs.rmSync(h.dir, { recursive: true, force: true });
        }
    });
});
