#!/bin/sh
# Run the unit tests and a scripted STDIO session of each example server under valgrind:
# no errors, nothing definitely or indirectly lost. Usage: BUILD=build sh tests/valgrind.sh
set -u
BUILD=${BUILD:-build}
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99"
pass=0; fail=0
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind: not installed (apt-get install valgrind)"; exit 1
fi
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    if $VG "$t" >/dev/null 2>"$BUILD/valgrind-$(basename "$t").log"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAILED under valgrind: $t (see $BUILD/valgrind-$(basename "$t").log)"
    fi
done
# A scripted session: handshake, every kind of request, bad input, then EOF.
session() {
    printf '%s\n' \
     '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"vg","version":"1"}}}' \
     '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
     '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
     '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}' \
     '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}' \
     '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":"bad"}}}' \
     '{"jsonrpc":"2.0","id":5,"method":"resources/list"}' \
     '{"jsonrpc":"2.0","id":6,"method":"prompts/list"}' \
     '{"jsonrpc":"2.0","id":7,"method":"nope"}' \
     'not json' \
     '{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}' \
     '{"jsonrpc":"2.0","id":9,"method":"server/discover"}'
    for i in $(seq 10 300); do
        printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"n%d"}}}\n' "$i" "$i"
    done
}
session > "$BUILD/valgrind-session.in"
for srv in "$BUILD"/examples/quickstart; do
    [ -x "$srv" ] || continue
    log="$BUILD/valgrind-$(basename "$srv").log"
    $VG "$srv" < "$BUILD/valgrind-session.in" > "$BUILD/valgrind-session.out" 2>"$log"
    rc=$?
    out=$(wc -l < "$BUILD/valgrind-session.out")
    if [ "$rc" -eq 0 ] && [ "$out" -ge 300 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAILED under valgrind: $srv ($out replies; see $BUILD/valgrind-$(basename "$srv").log)"
    fi
done
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
