// A real OAuth 2.1 / OpenID authorization server for the tests: the npm package oidc-provider
// (pinned by tests/auth/package-lock.json) on a free 127.0.0.1 port, with
//   - one confidential client for the client_credentials grant (client_secret_basic),
//   - resource indicators (RFC 8707) for exactly one resource, the libmcp server's URL, whose
//     access tokens are JWTs (RFC 9068, RS256) with that URL as their audience,
//   - the scopes that resource knows, granted as asked (within the client's own),
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
 * setResource(url), rotate({ dropOld }), kids(), grants, close() }. `grants` lists each token
 * issued: { scope, kid? } in order.
 */
export async function startAuthorizationServer({ scopes, clientScopes = scopes } = {}) {
    const { default: Provider, errors } = await import(require.resolve('oidc-provider'));
    const client = { id: 'libmcp-test-client', secret: randomBytes(24).toString('base64url') };
    let keys = [newKey()];
    const signers = new Map(); // kid -> private KeyObject (mint)
    let provider = null;
    let resource = null;
    const grants = [];

    const server = http.createServer((req, res) => {
        if (!provider) {
            res.writeHead(503).end();
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
            scopes,
            ttl: { ClientCredentials: 600 },
            features: {
                devInteractions: { enabled: false },
                clientCredentials: { enabled: true },
                resourceIndicators: {
                    enabled: true,
                    defaultResource: () => resource,
                    useGrantedResource: () => true,
                    getResourceServerInfo(ctx, indicator) {
                        if (indicator !== resource) throw new errors.InvalidTarget();
                        return {
                            scope: scopes.join(' '),
                            audience: resource,
                            accessTokenTTL: 600,
                            accessTokenFormat: 'jwt',
                            jwt: { sign: { alg: 'RS256' } },
                        };
                    },
                },
            },
        });
        p.on('grant.success', (ctx) => {
            const body = ctx.oidc?.body ?? {};
            grants.push({ scope: body.scope ?? '', resource: body.resource ?? null, kid: keys[0].kid });
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
