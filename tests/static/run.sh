#!/bin/sh
# `make STATIC=1`: the self-contained build. Builds build-static/, then checks that every program
# needs nothing but the C library's own parts (ldd and the ELF NEEDED entries), that the
# quickstart serves a STDIO session loading no other library (LD_DEBUG=files), that a schema
# pattern is checked by the PCRE2 linked in (libpcre2-8.so never opened), and that --http still
# serves (libmicrohttpd is the one library loaded on demand; README "Self-contained binaries").
#
# Usage (from the repo root, as `make test-static` does):  sh tests/static/run.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
MAKE=${MAKE:-make}
B=build-static
W=$(mktemp -d "${TMPDIR:-/tmp}/libmcp-static-XXXXXX")
SRV_PID=
cleanup() {
    [ -z "$SRV_PID" ] || kill "$SRV_PID" 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT INT TERM
. "$HERE/../tap.sh"

$MAKE -s SAN= BUILD=$B STATIC=1 examples servers everything fixtures >"$W/build.log" 2>&1 ||
    { cat "$W/build.log" >&2; echo "static: make STATIC=1 failed" >&2; exit 1; }

# The C library's own parts: the loader, the vDSO, libc and the libraries glibc splits off.
GLIBC='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2|/lib64/ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|/lib/ld-linux-aarch64\.so\.1)$'
n=0
for bin in $B/examples/* $B/bin/* $B/fixtures/*; do
    [ -x "$bin" ] || continue
    n=$((n + 1))
    libs=$(ldd "$bin" | awk '{print $1}')
    other=$(printf '%s\n' "$libs" | grep -Ev "$GLIBC" || true)
    check "$bin: ldd lists only the C library ($(echo $libs))" "[ -z '$other' ]"
    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    other=$(printf '%s\n' "$needed" | grep -Ev "$GLIBC" || true)
    check "$bin: NEEDED names only the C library" "[ -z '$other' ]"
done
check "make STATIC=1 built the examples, mcp-filesystem, mcp-everything and the fixture ($n)" "[ $n -ge 8 ]"

# A whole STDIO session of the quickstart: only C-library files are opened.
printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}' \
    >"$W/q.in"
LD_DEBUG=files timeout 10 $B/examples/quickstart <"$W/q.in" >"$W/q.out" 2>"$W/q.err" || bad "quickstart exits 0"
check "the static quickstart answers add(2, 40)" "grep -q '\"text\":\"2 + 40 = 42\"' '$W/q.out'"
loaded=$(sed -n 's/.*file=\([^ ]*\) .*\[0\];  needed by.*/\1/p; s/.*file=\([^ ]*\) .*\[0\];  dynamically loaded by.*/\1/p' "$W/q.err" | sort -u)
other=$(printf '%s\n' "$loaded" | grep -Ev "$GLIBC" | grep . || true)
check "it loads no library besides the C library ($(echo $loaded))" "[ -n '$loaded' ] && [ -z '$other' ]"

# A schema pattern (the fixture's validate tool: name matches ^[a-z]+$), matched by the PCRE2
# linked in: a good and a bad value, and libpcre2-8.so is never opened.
printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"validate","arguments":{"name":"abc","count":2}}}' \
    '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"validate","arguments":{"name":"ABC","count":2}}}' \
    >"$W/v.in"
LD_DEBUG=files timeout 10 $B/fixtures/testserver <"$W/v.in" >"$W/v.out" 2>"$W/v.err" || bad "testserver exits 0"
check "a value matching the pattern is accepted" "grep '\"id\":2' '$W/v.out' | grep -qv '\"isError\":true'"
check "a value not matching it is refused naming the pattern" \
    "grep '\"id\":3' '$W/v.out' | grep '\"isError\":true' | grep -q 'pattern'"
check "libpcre2-8.so is never opened" "! grep -q 'file=libpcre2' '$W/v.err'"

# --http still serves: libmicrohttpd (with its TLS stack) is loaded on first use.
$B/examples/quickstart --http 127.0.0.1:0 2>"$W/h.err" &
SRV_PID=$!
url=
i=0
while [ $i -lt 100 ] && [ -z "$url" ]; do
    url=$(sed -n 's|.*Streamable HTTP on \(http://127.0.0.1:[0-9]*/mcp\).*|\1|p' "$W/h.err" | head -1)
    [ -n "$url" ] || sleep 0.1
    i=$((i + 1))
done
if [ -n "$url" ] && command -v node >/dev/null 2>&1; then
    out=$(URL=$url timeout 20 node -e '
const h = { "content-type": "application/json", accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "add" };
const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
fetch(process.env.URL, { method: "POST", headers: h, body: JSON.stringify({ jsonrpc: "2.0", id: 1,
    method: "tools/call", params: { name: "add", arguments: { a: 1, b: 2 }, _meta: meta } }) })
  .then(async (r) => console.log(r.status, await r.text())).catch((e) => console.log("ERR", e.message));' 2>&1)
    check "the static quickstart serves Streamable HTTP ($out)" "echo '$out' | grep -q '^200 .*1 + 2 = 3'"
else
    bad "the static quickstart starts on --http (node is needed for the probe): $(cat "$W/h.err")"
fi
kill "$SRV_PID" 2>/dev/null || true
wait "$SRV_PID" 2>/dev/null || true
SRV_PID=

echo "static: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
