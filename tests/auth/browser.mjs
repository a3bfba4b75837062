// The "person at a browser" of the login tests: follows an authorization URL through
// oidc-provider (tests/auth/oidc.mjs) with fetch, keeping its cookies, choosing "login" (log in
// as alice and allow) or "deny" at each interaction, until the authorization server redirects to
// a URL outside the issuer (the application's loopback redirect URI), which it then GETs too.
// Bounded: at most 20 hops, each under the caller's test timeout.

/**
 * Returns { redirect (the URL the issuer sent the browser to), status, body (the loopback
 * listener's answer) }.
 */
export async function browse(authorizationUrl, issuer, { action = 'login' } = {}) {
    const jar = new Map();
    const origin = new URL(issuer).origin;
    let url = authorizationUrl;
    for (let hop = 0; hop < 20; hop++) {
        const u = new URL(url);
        if (u.origin !== origin) {
            const res = await fetch(url, { redirect: 'manual' });
            return { redirect: url, status: res.status, body: await res.text() };
        }
        if (/^\/interaction\/[\w-]+$/.test(u.pathname)) {
            url = `${origin}${u.pathname}/${action}`;
            continue;
        }
        const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
        for (const c of res.headers.getSetCookie()) {
            const [pair] = c.split(';');
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            if (value && !/expires=Thu, 01 Jan 1970/i.test(c)) jar.set(name, value);
            else jar.delete(name);
        }
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
            url = new URL(location, url).href;
            continue;
        }
        throw new Error(`the authorization server answered ${res.status} at ${u.pathname}: ${(await res.text()).slice(0, 500)}`);
    }
    throw new Error('more than 20 redirects');
}
