// Built-in token validators (issue #11): JWT access tokens against a JWK Set (--jwks-url,
// --jwks-file) and RFC 7662 introspection (--introspection-url). Keys are made at run time with
// node:crypto; a small node HTTP server on a free loopback port serves the JWK Set and the
// introspection endpoint (and can fail, serve garbage, rotate keys or hang). Each bad input is
// its own case with its exact status, and no case leaves the token in the server's stderr.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe } from 'node:test';

import { BIN, INIT, closeAll, post, startServer, test } from './lib.mjs';

after(closeAll);

const b64u = (v) => Buffer.from(v).toString('base64url');
const NOW = () => Math.floor(Date.now() / 1000);
const ISSUER = 'https://issuer.test';

function keyPair(kind) {
    if (kind === 'rsa') return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    if (kind === 'ec') return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return crypto.generateKeyPairSync('ed25519');
}
const KEYS = {
    rsa: keyPair('rsa'),
    ec: keyPair('ec'),
    ed: keyPair('ed'),
    rotated: keyPair('rsa'), // published only after a rotation
    stranger: keyPair('rsa'), // never published
};
const jwk = (pair, kid) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' });

/** A compact JWS: header and claims objects (or raw strings), signed as `alg` with `pair`. */
function sign(alg, pair, header, claims) {
    const h = typeof header === 'string' ? header : JSON.stringify(header);
    const c = typeof claims === 'string' ? claims : JSON.stringify(claims);
    const input = Buffer.from(`${b64u(h)}.${b64u(c)}`);
    const key = pair.privateKey;
    let sig;
    if (alg === 'RS256') sig = crypto.sign('sha256', input, key);
    else if (alg === 'PS256')
        sig = crypto.sign('sha256', input, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    else if (alg === 'ES256') sig = crypto.sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    else sig = crypto.sign(null, input, key);
    return `${input}.${b64u(sig)}`;
}

const claims = (aud, extra = {}) => ({
    iss: ISSUER,
    aud,
    sub: 'alice',
    client_id: 'app',
    scope: 'tools:read tools:write',
    iat: NOW() - 5,
    exp: NOW() + 600,
    jti: crypto.randomUUID(),
    ...extra,
});
const rs = (aud, extra, kid = 'r1', pair = KEYS.rsa) =>
    sign('RS256', pair, { alg: 'RS256', typ: 'at+jwt', kid }, claims(aud, extra));

/** The authorization server's side: JWK Set and introspection, with switches for failures. */
function authServer() {
    const st = {
        keys: [jwk(KEYS.rsa, 'r1'), jwk(KEYS.ec, 'e1'), jwk(KEYS.ed, 'd1')],
        mode: 'ok', // ok | garbage | error
        fetches: 0,
        active: new Map(), // token -> introspection answer
        introspections: 0,
        hang: false,
        delay: 0, // ms before the JWK Set is served
        client: { id: 'rs-client', secret: crypto.randomBytes(12).toString('hex') },
    };
    const serveJwks = (res) => {
        if (st.mode === 'garbage') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>');
        if (st.mode === 'error') return res.writeHead(500).end();
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=600' });
        res.end(JSON.stringify({ keys: st.keys }));
    };
    st.server = http.createServer((req, res) => {
        if (req.url === '/jwks') {
            st.fetches++;
            const d = st.delay;
            st.delay = 0;
            return setTimeout(() => serveJwks(res), d);
        }
        if (req.url === '/introspect' && req.method === 'POST') {
            let body = '';
            req.on('data', (d) => (body += d));
            req.on('end', () => {
                st.introspections++;
                if (st.hang) return; // never answers: the server's timeout
                const basic = `Basic ${Buffer.from(`${st.client.id}:${st.client.secret}`).toString('base64')}`;
                if (req.headers.authorization !== basic) return res.writeHead(401).end();
                const token = new URLSearchParams(body).get('token');
                res.writeHead(200, { 'Content-Type': 'application/json' });
                res.end(JSON.stringify(st.active.get(token) ?? { active: false }));
            });
            return;
        }
        res.writeHead(404).end();
    });
    return new Promise((resolve) =>
        st.server.listen(0, '127.0.0.1', () => {
            st.base = `http://127.0.0.1:${st.server.address().port}`;
            resolve(st);
        }),
    );
}

/** POST initialize with `token`; returns { status, headers, text }. */
async function init(url, token, extraHeaders = {}) {
    const r = await post(url, INIT(1), { Authorization: `Bearer ${token}`, ...extraHeaders });
    return { status: r.status, headers: r.headers, text: await r.text() };
}

function invalid(r, what) {
    assert.equal(r.status, 401, `${what}: ${r.text}`);
    const h = r.headers.get('www-authenticate') ?? '';
    assert.match(h, /^Bearer /, what);
    assert.match(h, /error="invalid_token"/, what);
}

/** Every token a test used: none may appear in the server's log. */
function assertNotLogged(srv, tokens) {
    const log = srv.stderr();
    for (const t of tokens) {
        assert.ok(!log.includes(t), 'the token never appears in the server log');
        for (const part of t.split('.')) if (part.length > 16) assert.ok(!log.includes(part), 'nor any segment of it');
    }
}

describe('JWT against a JWK Set fetched from --jwks-url', () => {
    let as, srv, aud;
    const used = [];
    const use = (t) => (used.push(t), t);
    before(async () => {
        as = await authServer();
        srv = await startServer(BIN.http, ['--jwks-url', `${as.base}/jwks`, '--issuer', ISSUER,
            '--jwks-min-interval', '1s', '--log-level', 'debug']);
        aud = srv.url; // the default audience: the resource URI (RFC 8707)
    });
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
        assertNotLogged(srv, used);
        as.server.closeAllConnections();
        as.server.close();
    });

    test('each algorithm: RS256, PS256, ES256, EdDSA (the first request waits for the fetch)', async () => {
        const toks = [
            rs(aud),
            sign('PS256', KEYS.rsa, { alg: 'PS256', kid: 'r1' }, claims(aud)),
            sign('ES256', KEYS.ec, { alg: 'ES256', kid: 'e1', typ: 'JWT' }, claims(aud)),
            sign('EdDSA', KEYS.ed, { alg: 'EdDSA', kid: 'd1' }, claims(aud)),
        ];
        for (const t of toks) {
            const r = await init(srv.url, use(t));
            assert.equal(r.status, 200, r.text);
        }
        assert.equal(as.fetches, 1, 'one fetch, cached after');
    });

    test('a verified token is cached: the same token again costs no fetch', async () => {
        const t = use(rs(aud));
        for (let i = 0; i < 3; i++) assert.equal((await init(srv.url, t)).status, 200);
    });

    test('the principal is the token: a session is served only to its subject', async () => {
        const r = await post(srv.url, INIT(1), { Authorization: `Bearer ${use(rs(aud))}` });
        const sid = r.headers.get('mcp-session-id');
        await r.text();
        assert.ok(sid);
        const other = use(rs(aud, { sub: 'mallory' }));
        const r2 = await post(srv.url, { jsonrpc: '2.0', id: 2, method: 'ping' },
            { Authorization: `Bearer ${other}`, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' });
        assert.equal(r2.status, 404, await r2.text());
    });

    test('malformed JWT: 401', async () => invalid(await init(srv.url, use('not-a-jwt')), 'malformed'));

    test('wrong number of segments: 401 (two and four)', async () => {
        const t = rs(aud);
        invalid(await init(srv.url, use(t.split('.').slice(0, 2).join('.'))), 'two segments');
        invalid(await init(srv.url, use(`${t}.AAAA`)), 'four segments');
    });

    test('bad base64url: 401', async () => {
        const [h, c, s] = rs(aud).split('.');
        invalid(await init(srv.url, use(`${h}.${c}.${s.slice(0, -2)}+/`)), 'standard alphabet in the signature');
        invalid(await init(srv.url, use(`${h.slice(0, -1)}~.${c}.${s}`)), 'a ~ in the header');
    });

    test('alg none: 401', async () => {
        const t = `${b64u(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64u(JSON.stringify(claims(aud)))}.`;
        invalid(await init(srv.url, use(t + 'AAAA')), 'alg none with a signature');
    });

    test('HS256 signed with the RSA public key bytes: 401', async () => {
        const input = `${b64u(JSON.stringify({ alg: 'HS256', kid: 'r1' }))}.${b64u(JSON.stringify(claims(aud)))}`;
        for (const secret of [KEYS.rsa.publicKey.export({ type: 'spki', format: 'pem' }),
            KEYS.rsa.publicKey.export({ type: 'spki', format: 'der' })]) {
            const mac = crypto.createHmac('sha256', secret).update(input).digest();
            invalid(await init(srv.url, use(`${input}.${b64u(mac)}`)), 'HMAC with the public key');
        }
    });

    test('wrong issuer: 401', async () => invalid(await init(srv.url, use(rs(aud, { iss: 'https://evil.test' }))), 'iss'));

    test('wrong audience: 401', async () => {
        invalid(await init(srv.url, use(rs('https://other.test/mcp'))), 'aud');
        invalid(await init(srv.url, use(rs(['https://other.test/mcp']))), 'aud array');
    });

    test('expired: 401 (past the 60 s leeway)', async () =>
        invalid(await init(srv.url, use(rs(aud, { exp: NOW() - 120 }))), 'exp'));

    test('not yet valid: 401', async () => invalid(await init(srv.url, use(rs(aud, { nbf: NOW() + 600 }))), 'nbf'));

    test('a bad signature: 401', async () => {
        const t = rs(aud, {}, 'r1', KEYS.stranger); // the kid of a published key, another key's signature
        invalid(await init(srv.url, use(t)), 'signature');
    });

    test('unknown kid: the set is refetched once, then 401', async () => {
        await new Promise((r) => setTimeout(r, 1100)); // past --jwks-min-interval
        const before = as.fetches;
        invalid(await init(srv.url, use(rs(aud, {}, 'nobody', KEYS.stranger))), 'unknown kid');
        assert.equal(as.fetches, before + 1, 'refetched');
        invalid(await init(srv.url, use(rs(aud, {}, 'nobody2', KEYS.stranger))), 'unknown kid again');
        assert.equal(as.fetches, before + 1, 'rate-limited: no second fetch within the interval');
    });

    test('key rotation: a token naming the new kid refetches the set and passes', async () => {
        as.keys = [jwk(KEYS.rotated, 'r2'), ...as.keys];
        await new Promise((r) => setTimeout(r, 1100));
        const r = await init(srv.url, use(rs(aud, {}, 'r2', KEYS.rotated)));
        assert.equal(r.status, 200, r.text);
    });

    test('a token in the query string: 400', async () => {
        const t = use(rs(aud));
        const r = await post(`${srv.url}?access_token=${t}`, INIT(1), { Authorization: `Bearer ${t}` });
        assert.equal(r.status, 400, await r.text());
    });

    test('a token over the header limit: 431', async () => {
        const t = use(rs(aud, { pad: 'x'.repeat(40000) }));
        const r = await init(srv.url, t);
        assert.equal(r.status, 431, r.text);
    });
});

describe('requests parked while the JWK Set is fetched', () => {
    test('others are not stalled, a client may leave, and all parked requests resume on one fetch', async () => {
        const as = await authServer();
        as.delay = 3000;
        const srv = await startServer(BIN.http, ['--jwks-url', `${as.base}/jwks`, '--issuer', ISSUER]);
        const toks = Array.from({ length: 8 }, (_, i) => rs(srv.url, { sub: `user${i}` }));
        const t0 = Date.now();
        const parked = toks.map((t) => init(srv.url, t));
        // one client gives up while parked
        const ac = new AbortController();
        const leaving = post(srv.url, INIT(1), { Authorization: `Bearer ${rs(srv.url)}` }, { signal: ac.signal });
        setTimeout(() => ac.abort(), 200);
        await assert.rejects(leaving);
        // meanwhile the loop serves everyone else at once
        const r = await post(srv.url, INIT(1));
        assert.equal(r.status, 401, await r.text());
        assert.ok(Date.now() - t0 < 2800, 'answered while the fetch was still pending');
        for (const p of await Promise.all(parked)) assert.equal(p.status, 200, p.text);
        assert.ok(Date.now() - t0 >= 2900, 'the parked requests waited for the key set');
        assert.equal(as.fetches, 1, 'one fetch for all of them');
        assert.equal(await srv.close(), 0, srv.stderr());
        assertNotLogged(srv, toks);
        as.server.closeAllConnections();
        as.server.close();
    });
});

describe('JWK Set unreachable or garbage: fail closed with 503', () => {
    const used = [];
    const use = (t) => (used.push(t), t);
    let as;
    before(async () => {
        as = await authServer();
    });
    after(() => {
        as.server.closeAllConnections();
        as.server.close();
    });

    test('unreachable (a closed port): 503 + Retry-After', async () => {
        const closed = http.createServer();
        await new Promise((r) => closed.listen(0, '127.0.0.1', r));
        const port = closed.address().port;
        await new Promise((r) => closed.close(r));
        const srv = await startServer(BIN.http, ['--jwks-url', `http://127.0.0.1:${port}/jwks`, '--issuer', ISSUER]);
        const r = await init(srv.url, use(rs(srv.url)));
        assert.equal(r.status, 503, r.text);
        assert.ok(r.headers.get('retry-after'));
        assert.equal(await srv.close(), 0, srv.stderr());
        assertNotLogged(srv, used);
    });

    for (const mode of ['garbage', 'error']) {
        test(`answering ${mode === 'garbage' ? 'garbage (HTML)' : 'HTTP 500'}: 503`, async () => {
            as.mode = mode;
            const srv = await startServer(BIN.http, ['--jwks-url', `${as.base}/jwks`, '--issuer', ISSUER]);
            const r = await init(srv.url, use(rs(srv.url)));
            assert.equal(r.status, 503, r.text);
            assert.equal(await srv.close(), 0, srv.stderr());
            assertNotLogged(srv, used);
            as.mode = 'ok';
        });
    }
});

describe('JWT against --jwks-file', () => {
    let srv, dir, file;
    const used = [];
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-jwks-'));
        file = path.join(dir, 'jwks.json');
        fs.writeFileSync(file, JSON.stringify({ keys: [jwk(KEYS.ec, 'e1')] }));
        srv = await startServer(BIN.http, ['--jwks-file', file, '--issuer', ISSUER, '--audience', 'https://mcp.test/',
            '--jwks-min-interval', '1s']);
    });
    after(async () => {
        assert.equal(await srv.close(), 0, srv.stderr());
        for (const t of used) assert.ok(!srv.stderr().includes(t));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test('--audience replaces the resource URI; the file rotates on a new kid', async () => {
        let t = sign('ES256', KEYS.ec, { alg: 'ES256', kid: 'e1' }, claims('https://mcp.test/'));
        used.push(t);
        assert.equal((await init(srv.url, t)).status, 200);
        t = sign('ES256', KEYS.ec, { alg: 'ES256', kid: 'e1' }, claims(srv.url));
        used.push(t);
        invalid(await init(srv.url, t), 'the resource URI is not the audience now');
        fs.writeFileSync(file, JSON.stringify({ keys: [jwk(KEYS.ec, 'e1'), jwk(KEYS.ed, 'd9')] }));
        await new Promise((r) => setTimeout(r, 1100));
        t = sign('EdDSA', KEYS.ed, { alg: 'EdDSA', kid: 'd9' }, claims('https://mcp.test/'));
        used.push(t);
        assert.equal((await init(srv.url, t)).status, 200);
    });

    test('an unusable file is refused at start', async () => {
        fs.writeFileSync(path.join(dir, 'bad.json'), '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}');
        await assert.rejects(startServer(BIN.http, ['--jwks-file', path.join(dir, 'bad.json'), '--issuer', ISSUER]),
            /no usable signing key/);
        await assert.rejects(startServer(BIN.http, ['--jwks-file', file]), /issuer/);
        // keys and token answers never travel over a network in the clear
        await assert.rejects(startServer(BIN.http, ['--jwks-url', 'http://keys.example/jwks', '--issuer', ISSUER]),
            /https/);
        process.env.MCP_INTROSPECTION_CLIENT_ID = 'a';
        process.env.MCP_INTROSPECTION_CLIENT_SECRET = 'b';
        await assert.rejects(startServer(BIN.http, ['--introspection-url', 'http://127.0.0.1.example/x']), /https/);
        delete process.env.MCP_INTROSPECTION_CLIENT_ID;
        delete process.env.MCP_INTROSPECTION_CLIENT_SECRET;
    });
});

describe('libcrypto and libcurl are loaded on use only', () => {
    const mapped = (pid) => fs.readFileSync(`/proc/${pid}/maps`, 'utf8');

    test('a STDIO server that answered a tool call maps neither', async () => {
        const child = spawn(BIN.quickstart, [], { stdio: ['pipe', 'pipe', 'ignore'] });
        const lines = [];
        let buf = '';
        const got = new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('no reply from quickstart')), 10000);
            child.stdout.on('data', (d) => {
                buf += d;
                let i;
                while ((i = buf.indexOf('\n')) >= 0) {
                    lines.push(JSON.parse(buf.slice(0, i)));
                    buf = buf.slice(i + 1);
                    if (lines.length === 2) {
                        clearTimeout(t);
                        resolve();
                    }
                }
            });
        });
        child.stdin.write(`${JSON.stringify(INIT(1))}\n`);
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 3 } } })}\n`);
        await got;
        assert.equal(lines[1].result.content[0].text, '2 + 3 = 5', 'the quickstart answers with descriptive text (issue 14)');
        const maps = mapped(child.pid);
        child.stdin.end();
        await new Promise((r) => child.once('exit', r));
        assert.ok(!/libcrypto|libcurl/.test(maps), 'neither library is mapped');
    });

    test('an HTTP server with a JWK Set file maps libcrypto once configured', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'libmcp-jwks-'));
        fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify({ keys: [jwk(KEYS.ed, 'd1')] }));
        const srv = await startServer(BIN.http, ['--jwks-file', path.join(dir, 'k.json'), '--issuer', ISSUER]);
        assert.match(mapped(srv.child.pid), /libcrypto/);
        assert.equal(await srv.close(), 0, srv.stderr());
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe('RFC 7662 introspection (--introspection-url)', () => {
    let as, srv;
    const used = [];
    const opaque = () => {
        const t = `op_${crypto.randomBytes(24).toString('base64url')}`;
        used.push(t);
        return t;
    };
    before(async () => {
        as = await authServer();
        process.env.MCP_INTROSPECTION_CLIENT_ID = as.client.id;
        process.env.MCP_INTROSPECTION_CLIENT_SECRET = as.client.secret;
        srv = await startServer(BIN.http, ['--introspection-url', `${as.base}/introspect`,
            '--introspection-timeout', '3s', '--log-level', 'debug']);
    });
    after(async () => {
        delete process.env.MCP_INTROSPECTION_CLIENT_ID;
        delete process.env.MCP_INTROSPECTION_CLIENT_SECRET;
        assert.equal(await srv.close(), 0, srv.stderr());
        assertNotLogged(srv, used);
        assert.ok(!srv.stderr().includes(as.client.secret), 'nor the client secret');
        as.server.closeAllConnections();
        as.server.close();
    });

    test('active: 200, and the answer is cached', async () => {
        const t = opaque();
        as.active.set(t, { active: true, sub: 'bob', client_id: 'app', scope: 'a b', exp: NOW() + 600, aud: srv.url });
        const n = as.introspections;
        assert.equal((await init(srv.url, t)).status, 200);
        assert.equal((await init(srv.url, t)).status, 200);
        assert.equal(as.introspections, n + 1);
    });

    test('active:false: 401', async () => invalid(await init(srv.url, opaque()), 'inactive'));

    test('active but for another audience: 401', async () => {
        const t = opaque();
        as.active.set(t, { active: true, sub: 'bob', exp: NOW() + 600, aud: 'https://other.test/' });
        invalid(await init(srv.url, t), 'aud');
    });

    test('active but expired: 401', async () => {
        const t = opaque();
        as.active.set(t, { active: true, sub: 'bob', exp: NOW() - 600 });
        invalid(await init(srv.url, t), 'exp');
    });

    test('the endpoint times out: 503', async () => {
        as.hang = true;
        const t = opaque();
        const r = await init(srv.url, t);
        as.hang = false;
        assert.equal(r.status, 503, r.text);
    });

    test('the endpoint refuses our credentials: 503', async () => {
        const secret = as.client.secret;
        as.client.secret = 'changed';
        const r = await init(srv.url, opaque());
        as.client.secret = secret;
        assert.equal(r.status, 503, r.text);
    });

    test('credentials are required from the environment', async () => {
        const env = process.env.MCP_INTROSPECTION_CLIENT_SECRET;
        delete process.env.MCP_INTROSPECTION_CLIENT_SECRET;
        await assert.rejects(startServer(BIN.http, ['--introspection-url', `${as.base}/introspect`]),
            /MCP_INTROSPECTION_CLIENT_SECRET/);
        process.env.MCP_INTROSPECTION_CLIENT_SECRET = env;
    });
});
