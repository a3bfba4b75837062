// The authorization server of the authorization benchmark (bench/auth/run.sh): oidc-provider
// (tests/auth/oidc.mjs) on a free 127.0.0.1 port. Protocol on stdin/stdout, one line each:
//   -> "ISSUER <url>"                          (at once)
//   <- "<resource url>"                         (the libmcp server's, once it listens)
//   -> "TOKEN <jwt>"                           (one token from the token endpoint: client
//                                               credentials, RFC 8707 resource, scope mcp:tools)
//   -> "MINTED <file> <n>"                     (n distinct tokens, one a line, signed with the
//                                               provider's key: for the uncached verification;
//                                               the JWK Set the provider serves in <file>.jwks)
// then it serves the JWKS until stdin closes.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { startAuthorizationServer } from '../../tests/auth/oidc.mjs';

const [file, count] = [process.argv[2], Number(process.argv[3] ?? 5000)];
const as = await startAuthorizationServer({ scopes: ['mcp:tools'] });
process.stdout.write(`ISSUER ${as.issuer}\n`);
const lines = createInterface({ input: process.stdin });
let done = false;
for await (const line of lines) {
    if (done) continue;
    done = true;
    const resource = line.trim();
    as.setResource(resource);
    const basic = Buffer.from(`${as.client.id}:${as.client.secret}`).toString('base64');
    const r = await fetch(`${as.issuer}/token`, {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:tools', resource }),
    });
    const tok = await r.json();
    if (!tok.access_token) throw new Error(`no token: ${JSON.stringify(tok)}`);
    process.stdout.write(`TOKEN ${tok.access_token}\n`);
    const now = Math.floor(Date.now() / 1000);
    const out = [];
    for (let i = 0; i < count; i++) {
        out.push(as.mint({ jti: `bench-${i}-${now}`, sub: as.client.id, client_id: as.client.id, iss: as.issuer,
            aud: resource, scope: 'mcp:tools', iat: now, exp: now + 3600 }));
    }
    writeFileSync(file, out.join('\n') + '\n');
    writeFileSync(`${file}.jwks`, await (await fetch(as.jwksUrl)).text());
    process.stdout.write(`MINTED ${file} ${count}\n`);
}
await as.close();
