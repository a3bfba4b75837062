#!/bin/sh
# The shared library exports mcp_* symbols only: no mcp__ internals, nothing else.
# Usage: tests/check-exports.sh build/lib/libmcp.so.X.Y.Z
set -e
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$syms" | grep -v '^mcp_' || true)
internal=$(printf '%s\n' "$syms" | grep '^mcp__' || true)
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
n=$(printf '%s\n' "$syms" | grep -c '^mcp_' || true)
fail=0
[ -z "$bad" ] || { echo "check-exports: non-mcp_ symbols exported:"; echo "$bad"; fail=1; }
[ -z "$internal" ] || { echo "check-exports: internal mcp__ symbols exported:"; echo "$internal"; fail=1; }
[ "$soname" = "libmcp.so.2" ] || { echo "check-exports: SONAME is '$soname', want libmcp.so.2"; fail=1; }
# Every exported function is declared in a public header.
for s in $(printf '%s\n' "$syms" | grep '^mcp_'); do
    grep -q "\b$s\b" include/*.h || { echo "check-exports: $s is not declared in include/"; fail=1; }
done
if [ $fail -eq 0 ]; then
    echo "check-exports: $n mcp_* symbols, SONAME $soname: 1 passed, 0 failed"
else
    echo "check-exports: 0 passed, 1 failed"
fi
exit $fail
