// Replicas behind nginx, for tests/replicas and bench/replicas: write an nginx configuration in
// a temporary folder (its own prefix, pid file, logs and temp paths; not a daemon), start Debian's
// nginx on a free loopback port with a round-robin upstream over libmcp replicas (no sticky
// routing, proxy_buffering off, HTTP/1.1 to the upstream), and start the replicas themselves.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Debian's nginx: on PATH, or in /usr/sbin (not on a normal user's PATH). */
export function nginxBinary() {
    for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
        const f = path.join(dir || '.', 'nginx');
        try {
            fs.accessSync(f, fs.constants.X_OK);
            return f;
        } catch {
            /* next */
        }
    }
    throw new Error('nginx not found (tests/replicas/run.sh installs Debian\'s nginx)');
}

/** A free TCP port on 127.0.0.1 (bound and released: another process may take it in between,
 * so a caller that fails to bind it retries with a new one). */
export function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

/**
 * The nginx.conf text: `port` on 127.0.0.1, proxying `location` to the `upstreams` (host:port
 * strings) round robin. `keepalive`: idle upstream connections kept per worker (0 = a new
 * connection per request).
 */
export function nginxConfig({ prefix, port, upstreams, location = '/mcp', keepalive = 0, workers = 1 }) {
    return `# written by tests/replicas/lib.mjs
worker_processes ${workers};
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${prefix}/body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    upstream mcp {
${upstreams.map((u) => `        server ${u} max_fails=1 fail_timeout=30s;`).join('\n')}
${keepalive ? `        keepalive ${keepalive};` : ''}
    }
    server {
        listen 127.0.0.1:${port};
        client_header_timeout 10s;
        client_body_timeout 10s;
        location ${location} {
            proxy_pass http://mcp;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout;
        }
    }
}
`;
}

/**
 * Start nginx with that configuration in `prefix` (created). Resolves once it accepts
 * connections: { url, port, child, stop() }. Retries with another port if the one found was
 * taken meanwhile.
 */
export async function startNginx({ prefix, upstreams, keepalive = 0, workers = 1, location = '/mcp' }) {
    fs.mkdirSync(prefix, { recursive: true });
    const bin = nginxBinary();
    for (let attempt = 0; attempt < 5; attempt++) {
        const port = await freePort();
        const conf = path.join(prefix, 'nginx.conf');
        fs.writeFileSync(conf, nginxConfig({ prefix, port, upstreams, keepalive, workers, location }));
        const child = spawn(bin, ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', conf], {
            stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const exited = new Promise((r) => child.once('exit', (code, sig) => r(code ?? sig)));
        const up = await Promise.race([waitConnect(port, 5000), exited.then(() => false)]);
        if (up) {
            return {
                url: `http://127.0.0.1:${port}${location}`,
                port,
                child,
                stderr: () => err,
                async stop() {
                    if (child.exitCode === null && child.signalCode === null) {
                        child.kill('SIGQUIT'); // graceful: workers finish their requests
                        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
                        await exited;
                        clearTimeout(t);
                    }
                },
            };
        }
        child.kill('SIGKILL');
        const log = fs.existsSync(path.join(prefix, 'error.log')) ? fs.readFileSync(path.join(prefix, 'error.log'), 'utf8') : '';
        if (!/Address already in use/.test(err + log)) throw new Error(`nginx did not start: ${err}${log}`);
    }
    throw new Error('nginx: no free port after 5 attempts');
}

/** Resolves true once 127.0.0.1:port accepts a connection, false after `ms`. */
export async function waitConnect(port, ms) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        const ok = await new Promise((resolve) => {
            const s = net.connect(port, '127.0.0.1');
            s.once('connect', () => (s.destroy(), resolve(true)));
            s.once('error', () => resolve(false));
        });
        if (ok) return true;
        await new Promise((r) => setTimeout(r, 50));
    }
    return false;
}

/** Debian's redis-server. */
export function redisBinary() {
    for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin'])) {
        const f = path.join(dir || '.', 'redis-server');
        try {
            fs.accessSync(f, fs.constants.X_OK);
            return f;
        } catch {
            /* next */
        }
    }
    throw new Error('redis-server not found (tests/replicas/run.sh installs Debian\'s redis-server)');
}

/**
 * Start redis-server on 127.0.0.1 (a free port, or `port` to restart it on the same one), no
 * persistence, in the foreground, its files in `dir`. Resolves once it accepts connections:
 * { port, url, child, stop() }.
 */
export async function startRedis({ dir, port }) {
    fs.mkdirSync(dir, { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
        const p = port ?? (await freePort());
        const child = spawn(redisBinary(), [
            '--bind', '127.0.0.1', '--port', String(p), '--save', '', '--appendonly', 'no',
            '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const exited = new Promise((r) => child.once('exit', (code, sig) => r(code ?? sig)));
        const up = await Promise.race([waitConnect(p, 5000), exited.then(() => false)]);
        if (up) {
            return {
                port: p,
                url: `redis://127.0.0.1:${p}`,
                child,
                output: () => out,
                async stop(signal = 'SIGTERM') {
                    if (child.exitCode === null && child.signalCode === null) {
                        child.kill(signal);
                        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
                        await exited;
                        clearTimeout(t);
                    }
                },
            };
        }
        child.kill('SIGKILL');
        if (port !== undefined || !/Address already in use/.test(out)) throw new Error(`redis-server did not start: ${out}`);
    }
    throw new Error('redis-server: no free port after 5 attempts');
}
