// The child processes the tests here (client.test.mjs, stdio2026.test.mjs) run: a command run to
// its end, and a server started and waited for until it prints its URL. Both bounded in time,
// both given the sanitizer environment, and both fail the test when the process printed a
// sanitizer report.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { SANITIZER_ENV, assertNoSanitizerReport } from '../serverexit.mjs';

const children = new Set();

/** Kill whatever start() started that is still running (a test file's after() hook). */
export function killAll() {
    for (const p of children) p.kill('SIGKILL');
}

/** Run a command to its end (bounded: killed after `ms`): { code, signal, stdout, stderr }. */
export function run(cmd, args, ms = 20000) {
    return new Promise((resolve) => {
        const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...SANITIZER_ENV } });
        let stdout = '', stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => p.kill('SIGKILL'), ms);
        p.on('close', (code, signal) => {
            clearTimeout(timer);
            assertNoSanitizerReport(stderr, `${path.basename(cmd)} ${args.join(' ')}`);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

/**
 * Start a server that prints its URL (on stdout "url ..." or on stderr "... on URL"), waiting
 * 15 s at the most: { url, proc, stderr() }. killAll() kills it if the test did not stop it.
 */
export function start(cmd, args) {
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...SANITIZER_ENV } });
        children.add(p);
        let out = '', err = '';
        const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${err}`)), 15000);
        const look = () => {
            const m = out.match(/^url (\S+)/m) ?? err.match(/ on (https?:\/\/\S+)/);
            if (m) { clearTimeout(timer); resolve({ url: m[1], proc: p, stderr: () => err }); }
        };
        p.stdout.on('data', (d) => { out += d; look(); });
        p.stderr.on('data', (d) => { err += d; look(); });
        p.on('exit', () => children.delete(p));
    });
}
