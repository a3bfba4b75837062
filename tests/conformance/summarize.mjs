// Summarize conformance results: node summarize.mjs DIR LABEL
// DIR holds the suite's `-o` output (one server-<scenario>-<timestamp>/checks.json per scenario).
// Prints one line per scenario with its check counts, the failed checks with their messages,
// and a closing "LABEL: N passed, M failed" line counting scenarios. Exit status 1 if any
// check failed (or nothing ran), else 0. Plain Node, no dependencies.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [dir, label = 'conformance'] = process.argv.slice(2);
const runs = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(path.join(dir, d, 'checks.json'))) : [];
let passed = 0;
let failed = 0;
for (const d of runs.sort()) {
    const scenario = d.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, '');
    const checks = JSON.parse(readFileSync(path.join(dir, d, 'checks.json'), 'utf8'));
    const count = (s) => checks.filter((c) => c.status === s).length;
    const bad = checks.filter((c) => c.status === 'FAILURE');
    const warn = count('WARNING');
    console.log(
        `${bad.length ? '✗' : '✓'} ${scenario}: ${count('SUCCESS')} passed, ${bad.length} failed` +
            (warn ? `, ${warn} warnings` : ''),
    );
    for (const c of bad) console.log(`    FAILURE ${c.id}: ${(c.errorMessage ?? c.description ?? '').slice(0, 400)}`);
    if (bad.length) failed++;
    else passed++;
}
console.log(`${label}: ${passed} passed, ${failed} failed`);
process.exit(failed || runs.length === 0 ? 1 : 0);
