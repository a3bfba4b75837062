// How an end-to-end test judges a server it started, once the server is gone: it must have exited
// by itself with status 0 (after EOF on stdin, or after the SIGTERM the test sent), and its stderr
// must hold no sanitizer report. Under `make san` a leak, an ASan error or a UBSan "runtime
// error:" is printed on stderr; this is what turns it into a test failure. No dependencies.
import assert from 'node:assert/strict';

/** A line a sanitizer (ASan, LSan, UBSan, TSan, MSan) prints when it finds something. */
export const SANITIZER_REPORT = /ERROR: (?:Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer/;

/** The environment the tests give a server: leak checks on, UBSan stops at the first error. */
export const SANITIZER_ENV = {
    ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1',
    UBSAN_OPTIONS: process.env.UBSAN_OPTIONS ?? 'print_stacktrace=1:halt_on_error=1',
};

/** Fail when `stderr` holds a sanitizer report. */
export function assertNoSanitizerReport(stderr, who) {
    assert.doesNotMatch(stderr, SANITIZER_REPORT, `${who}: sanitizer report on stderr:\n${stderr.slice(-4000)}`);
}

/**
 * Fail unless the server exited with status 0 (`exit` is { code, signal } as node reports it;
 * null when it never exited) and printed no sanitizer report. `killed` says the test had to kill
 * it (it did not stop in time), which is a failure too.
 */
export function assertCleanExit(exit, stderr, who, { killed = false } = {}) {
    assertNoSanitizerReport(stderr, who);
    const tail = `\n--- stderr (end) ---\n${stderr.slice(-3000)}`;
    assert.ok(exit, `${who}: did not exit${tail}`);
    assert.ok(!killed, `${who}: did not stop in time and was killed (${exit.code ?? exit.signal})${tail}`);
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, `${who}: exit status${tail}`);
}

/** A delay that does not keep the test process alive (for races against a server's exit). */
export const grace = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
