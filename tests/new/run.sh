#!/bin/sh
# `mcp new NAME`: the scaffold builds against an installed libmcp (make install into a temporary
# prefix; pkg-config from there) and its own cmocka test, which drives the server through the
# in-memory client, passes. The server it builds answers the mcp command over STDIO, and
# `make bundle` packs it (mcp pack, from the scaffold's manifest.json). A bad name and an
# existing folder are refused.
#
# Usage (from the repo root, as `make test-new` does):  sh tests/new/run.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
SANFLAGS=${SANFLAGS:-}
MCP=$ROOT/$BUILD/bin/mcp
W=$(mktemp -d "${TMPDIR:-/tmp}/libmcp-new-XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
. "$HERE/../tap.sh"

[ -x "$MCP" ] || { echo "new: $MCP is missing; run 'make' first" >&2; exit 1; }
# libmcp installed into a stage, its libmcp.pc pointing there
$MAKE -s BUILD="$BUILD" PREFIX=/usr/local DESTDIR="$W/stage" install >"$W/install.log" 2>&1 ||
    { cat "$W/install.log" >&2; echo "new: make install failed" >&2; exit 1; }
P=$W/stage/usr/local
mkdir -p "$W/pc"
sed -e "s|=/usr/local|=$P|" "$P/lib/pkgconfig/libmcp.pc" >"$W/pc/libmcp.pc"
export PKG_CONFIG_PATH="$W/pc" LD_LIBRARY_PATH="$P/lib"

cd "$W"
out=$("$MCP" new word-tools 2>&1) && ok "mcp new word-tools ($out)" || bad "mcp new word-tools: $out"
for f in word-tools.c test_word-tools.c Makefile manifest.json README.md .gitignore; do
    check "it wrote word-tools/$f" "[ -s word-tools/$f ]"
done
check "the README gives the client configurations" \
    "grep -q 'mcpServers' word-tools/README.md && grep -q 'mcp_servers.word-tools' word-tools/README.md"
cd word-tools
if $MAKE CFLAGS="-O1 -g -Werror $SANFLAGS" LDFLAGS="$SANFLAGS" >"$W/build.log" 2>&1; then
    ok "make builds the server with pkg-config, warning-free"
else
    cat "$W/build.log" >&2
    bad "make builds the server with pkg-config, warning-free"
fi
if $MAKE test CFLAGS="-O1 -g -Werror $SANFLAGS" LDFLAGS="$SANFLAGS" >"$W/test.log" 2>&1; then
    ok "make test: its cmocka test passes ($(grep -c '\[       OK \]' "$W/test.log") cases, in-memory client)"
else
    cat "$W/test.log" >&2
    bad "make test: its cmocka test passes"
fi
if [ -x ./word-tools ]; then
    out=$(timeout 20 "$MCP" call count_words 'text=one two three' --stdio ./word-tools 2>&1 || true)
    check "the server answers over STDIO: mcp call count_words ($out)" "[ \"\$out\" = '3 words' ]"
    if $MAKE bundle MCP="$MCP" >"$W/bundle.log" 2>&1 && [ -s word-tools.mcpb ]; then
        ok "make bundle packs word-tools.mcpb ($(grep "^word-tools.mcpb:" "$W/bundle.log"))"
    else
        cat "$W/bundle.log" >&2
        bad "make bundle packs word-tools.mcpb"
    fi
fi
cd "$W"
out=$("$MCP" new word-tools 2>&1) && bad "an existing folder is refused" ||
    check "an existing folder is refused ($out)" "echo \"\$out\" | grep -q 'not touching an existing folder'"
out=$("$MCP" new 'Bad Name' 2>&1) && bad "a bad name is refused" ||
    check "a bad name is refused" "echo \"\$out\" | grep -q 'NAME must be' && [ ! -e 'Bad Name' ]"

echo "new: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
