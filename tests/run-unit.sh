#!/bin/sh
# Run each cmocka unit-test binary given; print a closing "N passed, N failed, N skipped" line.
# A test that calls skip() (say, no decimal-comma locale for the JSON reader's locale test) is
# reported by name; in CI (CI set, and not "false" or "0") a skip is a failure: CI installs
# everything the tests need (tools/deps.sh), so a skip there means a test silently did nothing.
pass=0; fail=0; skipped=0
ci() { case ${CI:-} in '' | false | 0) return 1 ;; *) return 0 ;; esac; }
# A decimal-comma locale for the JSON reader's locale test (glibc reads it from LOCPATH).
loc=${TMPDIR:-/tmp}/libmcp-locale
if [ ! -d "$loc/de_DE.UTF-8" ] && command -v localedef >/dev/null 2>&1; then
    mkdir -p "$loc" && localedef -i de_DE -f UTF-8 "$loc/de_DE.UTF-8" >/dev/null 2>&1 || true
fi
[ -d "$loc/de_DE.UTF-8" ] && export LOCPATH="$loc"
# Under ASan: glibc's own allocation for LOCPATH is not ours to free.
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

out=$(mktemp "${TMPDIR:-/tmp}/libmcp-unit-XXXXXX")
trap 'rm -f "$out"' EXIT INT TERM
for t in "$@"; do
    if "$t" >"$out" 2>&1; then rc=0; else rc=1; fi
    cat "$out"
    # cmocka's summary: "[  SKIPPED ] N test(s), listed below:" then one "[  SKIPPED ] name" each
    names=$(sed -n 's/^\[  SKIPPED \] \([A-Za-z_0-9]*\)$/\1/p' "$out" | sort -u | tr '\n' ' ')
    if [ -n "$names" ]; then
        skipped=$((skipped + 1))
        if ci; then
            rc=1
            echo "SKIPPED in CI (a failure): $t: $names" >&2
        else
            echo "SKIPPED: $t: $names(a failure in CI)" >&2
        fi
    fi
    if [ $rc = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit: $pass passed, $fail failed, $skipped with skipped tests"
[ "$fail" -eq 0 ]
