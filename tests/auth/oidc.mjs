// A real OAuth 2.1 / OpenID authorization server for the tests: the npm package oidc-provider
// (pinned by tests/auth/package-lock.json) on a free 127.0.0.1 port, with
//   - one confidential client for the client_credentials grant (client_secret_basic),
//   - the authorization code grant with PKCE (S256) for clients that register themselves (RFC
//     7591, open registration), with refresh tokens (rotated), and a person simulated by
//     interaction routes: GET /interaction/UID/login logs "alice" in and grants what the
//     client asked for; GET /interaction/UID/deny refuses (access_denied),
//   - resource indicators (RFC 8707) for exactly one resource, the libmcp server's URL, whose
//     access tokens are JWTs (RFC 9068, RS256) with that URL as their audience,
//   - the scopes that resource knows, granted as asked (within the client's own),
//   - token revocation (RFC 7009) at its revocation_endpoint,
//   - rotate(): a new signing key during the run (the old one stays published, as a real
//     rotation does, unless asked to drop it).
// The server listens first (so its issuer URL is known before the libmcp server starts); the
// provider itself is made by setResource() once the libmcp server's URL is known.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, 'package.json'));

/** A new RSA signing key as a private JWK with a fresh kid. */
function newKey() {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { ...privateKey.export({ format: 'jwk' }), kid: `k-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };
}

/**
 * Start the authorization server. Returns { issuer, jwksUrl, client: { id, secret },
 * setResource(url), rotate({ dropOld }), kids(), grants, setAccessTokenTtl(s), close() }.
 * `grants` lists each token issued: { type (the grant type), scope, resource, kid } in order.
 */
export async function startAuthorizationServer({ scopes, clientScopes = scopes } = {}) {
    const { default: Provider, errors } = await import(require.resolve('oidc-provider'));
    const client = { id: 'libmcp-test-client', secret: randomBytes(24).toString('base64url') };
    let keys = [newKey()];
    const signers = new Map(); // kid -> private KeyObject (mint)
    let provider = null;
    let resource = null;
    let accessTtl = 600;
    const grants = [];
    const cookieKeys = [randomBytes(24).toString('base64url')];

    /** The person at the browser: log in as alice and grant what was asked, or refuse. */
    async function interaction(req, res, uid, action) {
        if (!action) {
            res.writeHead(200, { 'content-type': 'text/html' }).end(
                `<a href="/interaction/${uid}/login">log in as alice and allow</a> <a href="/interaction/${uid}/deny">deny</a>`);
            return;
        }
        const details = await provider.interactionDetails(req, res);
        if (action === 'deny') {
            await provider.interactionFinished(req, res,
                { error: 'access_denied', error_description: 'the person refused the access' },
                { mergeWithLastSubmission: false });
            return;
        }
        const { params, prompt } = details;
        const accountId = 'alice';
        const grant = details.grantId
            ? await provider.Grant.find(details.grantId)
            : new provider.Grant({ accountId, clientId: params.client_id });
        const asked = String(params.scope ?? '').split(' ').filter(Boolean);
        const oidc = asked.filter((sc) => sc === 'openid' || sc === 'offline_access');
        if (oidc.length) grant.addOIDCScope(oidc.join(' '));
        const rscopes = asked.filter((sc) => scopes.includes(sc));
        grant.addResourceScope(params.resource ?? resource, rscopes.join(' '));
        if (prompt.details?.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
        for (const [ind, sc] of Object.entries(prompt.details?.missingResourceScopes ?? {})) grant.addResourceScope(ind, sc.join(' '));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
            { mergeWithLastSubmission: true });
    }

    const server = http.createServer((req, res) => {
        if (!provider) {
            res.writeHead(503).end();
            return;
        }
        const m = /^\/interaction\/([\w-]+)(?:\/(login|deny))?(?:\?.*)?$/.exec(req.url);
        if (m && req.method === 'GET') {
            interaction(req, res, m[1], m[2]).catch((e) => {
                if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
                res.end(`interaction failed: ${e.message}`);
            });
            return;
        }
        provider.callback()(req, res);
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
    });
    const issuer = `http://127.0.0.1:${server.address().port}`;

    function build() {
        const p = new Provider(issuer, {
            clients: [
                {
                    client_id: client.id,
                    client_secret: client.secret,
                    grant_types: ['client_credentials'],
                    response_types: [],
                    redirect_uris: [],
                    token_endpoint_auth_method: 'client_secret_basic',
                    scope: clientScopes.join(' '),
                },
            ],
            jwks: { keys }, // the first key signs; every key is published at /jwks
            scopes: [...scopes, 'offline_access'],
            cookies: { keys: cookieKeys },
            findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
            ttl: {
                AccessToken: () => accessTtl,
                ClientCredentials: 600,
                AuthorizationCode: 60,
                RefreshToken: 3600,
                Interaction: 600,
                Session: 3600,
                Grant: 3600,
            },
            interactions: { url: (ctx, i) => `/interaction/${i.uid}` },
            // a client that may refresh gets a refresh token (no offline_access needed), and the
            // login outlives the browser session
            issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
            expiresWithSession: async () => false,
            features: {
                devInteractions: { enabled: false },
                clientCredentials: { enabled: true },
                registration: { enabled: true }, // open dynamic client registration (RFC 7591)
                revocation: { enabled: true }, // RFC 7009, for `mcp logout`
                resourceIndicators: {
                    enabled: true,
                    defaultResource: () => resource,
                    useGrantedResource: () => true,
                    getResourceServerInfo(ctx, indicator) {
                        if (indicator !== resource) throw new errors.InvalidTarget();
                        return {
                            scope: scopes.join(' '),
                            audience: resource,
                            accessTokenTTL: accessTtl,
                            accessTokenFormat: 'jwt',
                            jwt: { sign: { alg: 'RS256' } },
                        };
                    },
                },
            },
        });
        p.on('grant.success', (ctx) => {
            const body = ctx.oidc?.body ?? {};
            grants.push({
                type: ctx.oidc?.params?.grant_type ?? body.grant_type ?? null,
                scope: body.scope ?? '',
                resource: body.resource ?? null,
                kid: keys[0].kid,
            });
        });
        return p;
    }

    return {
        issuer,
        jwksUrl: `${issuer}/jwks`,
        client,
        grants,
        /** The libmcp server's resource URL (the audience of every token). */
        setResource(url) {
            resource = url;
            provider = build();
        },
        /** Sign with a new key from now on; the old ones stay published unless dropOld. */
        rotate({ dropOld = false } = {}) {
            keys = dropOld ? [newKey()] : [newKey(), ...keys];
            provider = build();
            return keys[0].kid;
        },
        kids: () => keys.map((k) => k.kid),
        /** The lifetime of the access tokens issued from now on, in seconds. */
        setAccessTokenTtl(seconds) {
            accessTtl = seconds;
        },
        /** Sign an access token (RFC 9068 header) with the current key, as the provider would:
         * for benchmarks that need many distinct tokens fast. */
        mint(claims) {
            const enc = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
            const head = `${enc({ alg: 'RS256', typ: 'at+jwt', kid: keys[0].kid })}.${enc(claims)}`;
            if (!signers.has(keys[0].kid)) signers.set(keys[0].kid, createPrivateKey({ key: keys[0], format: 'jwk' }));
            return `${head}.${sign('sha256', Buffer.from(head), signers.get(keys[0].kid)).toString('base64url')}`;
        },
        close: () => new Promise((resolve) => {
            server.closeAllConnections?.();
            server.close(() => resolve());
        }),
    };
}
