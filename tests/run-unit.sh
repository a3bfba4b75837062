#!/bin/sh
# Run each cmocka unit-test binary given; print a closing "N passed, N failed" line.
pass=0; fail=0
# A decimal-comma locale for the JSON reader's locale test (glibc reads it from LOCPATH).
loc=${TMPDIR:-/tmp}/libmcp-locale
if [ ! -d "$loc/de_DE.UTF-8" ] && command -v localedef >/dev/null 2>&1; then
    mkdir -p "$loc" && localedef -i de_DE -f UTF-8 "$loc/de_DE.UTF-8" >/dev/null 2>&1 || true
fi
[ -d "$loc/de_DE.UTF-8" ] && export LOCPATH="$loc"
# Under ASan: glibc's own allocation for LOCPATH is not ours to free.
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

for t in "$@"; do
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
