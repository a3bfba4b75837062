// Summarize conformance results: node summarize.mjs DIR LABEL
// DIR holds the suite's `-o` output (one server-<scenario>-<timestamp>/checks.json per scenario).
// Prints one line per scenario with its check counts, the failed checks with their messages,
// and a closing "LABEL: N passed, M failed, K skipped" line counting scenarios. A scenario with
// a FAILURE check failed; one with no check that ran (every check SKIPPED or INFO, or none at
// all) is skipped, not passed: it tested nothing. Skipped checks are listed by id.
// Exit status 1 if any scenario failed (or nothing ran), else 0; run.sh judges the skips.
// Plain Node, no dependencies.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [dir, label = 'conformance'] = process.argv.slice(2);
const runs = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(path.join(dir, d, 'checks.json'))) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const d of runs.sort()) {
    const scenario = d.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, '');
    const checks = JSON.parse(readFileSync(path.join(dir, d, 'checks.json'), 'utf8'));
    const count = (s) => checks.filter((c) => c.status === s).length;
    const bad = checks.filter((c) => c.status === 'FAILURE');
    const skips = checks.filter((c) => c.status === 'SKIPPED');
    const warn = count('WARNING');
    const ran = count('SUCCESS') + bad.length + warn;
    const mark = bad.length ? '✗' : ran === 0 ? '-' : '✓';
    console.log(
        `${mark} ${scenario}: ${count('SUCCESS')} passed, ${bad.length} failed` +
            (warn ? `, ${warn} warnings` : '') +
            (skips.length ? `, ${skips.length} skipped` : '') +
            (ran === 0 ? ' (SKIPPED: no check ran)' : ''),
    );
    for (const c of bad) console.log(`    FAILURE ${c.id}: ${(c.errorMessage ?? c.description ?? '').slice(0, 400)}`);
    for (const c of skips) console.log(`    SKIPPED ${c.id}: ${(c.errorMessage ?? c.description ?? '').slice(0, 200)}`);
    if (bad.length) failed++;
    else if (ran === 0) skipped++;
    else passed++;
}
console.log(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed || runs.length === 0 ? 1 : 0);
