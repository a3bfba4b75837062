#!/bin/sh
# `make install` into a temporary DESTDIR, then use only what was installed: build an
# out-of-tree program and a plugin with `pkg-config --cflags --libs libmcp`, run them (the plugin
# under the installed mcp-host), check the man pages render, and `make uninstall` removes it all.
#
# Usage (from the repo root, as `make test-install` does):  sh tests/install/run.sh
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
PREFIX=/usr/local
CC=${CC:-cc}
SANFLAGS=${SANFLAGS:-} # a sanitizer build: what links its library must use them too

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/libmcp-install-XXXXXX")
trap 'rm -rf "$STAGE"' EXIT INT TERM
D=$STAGE/root
W=$STAGE/work
mkdir -p "$W"
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1" >&2; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

$MAKE -s BUILD="$BUILD" PREFIX=$PREFIX DESTDIR="$D" install >"$W/install.log" 2>&1 ||
    { cat "$W/install.log" >&2; echo "install: make install failed" >&2; exit 1; }

P=$D$PREFIX
for f in lib/libmcp.so lib/libmcp.a include/mcp.h include/mcp_plugin.h include/mcp_client.h \
    lib/pkgconfig/libmcp.pc bin/mcp bin/mcp-host bin/mcp-filesystem share/man/man1/mcp.1 \
    share/man/man1/mcp-host.1 share/man/man1/mcp-filesystem.1 \
    share/man/man3/libmcp.3 lib/mcp/hello.so lib/mcp/notes.so bin/mcp-proxy \
    share/man/man1/mcp-proxy.1 include/mcp_mount.h; do
    check "installed $f" "[ -e '$P/$f' ]"
done
check "the shared library has its SONAME link" "[ -L '$P/lib/libmcp.so.1' ]"

# pkg-config against the staged tree: the installed libmcp.pc names $PREFIX; a copy with the
# stage's paths stands in for it (as if the stage were the real prefix).
mkdir -p "$W/pc"
sed -e "s|=$PREFIX|=$P|" "$P/lib/pkgconfig/libmcp.pc" >"$W/pc/libmcp.pc"
export PKG_CONFIG_PATH="$W/pc"
FLAGS=$(pkg-config --cflags --libs libmcp)
check "pkg-config --cflags --libs libmcp points into the stage ($FLAGS)" \
    "echo '$FLAGS' | grep -q -- '-I$P/include' && echo '$FLAGS' | grep -q -- '-L$P/lib'"

# An out-of-tree program.
if $CC $SANFLAGS -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Werror -o "$W/app" "$HERE/app.c" $FLAGS 2>"$W/cc.log"; then
    ok "an out-of-tree program builds with pkg-config"
else
    cat "$W/cc.log" >&2
    bad "an out-of-tree program builds with pkg-config"
fi
export LD_LIBRARY_PATH="$P/lib"
if [ -x "$W/app" ]; then
    printf '%s\n' \
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
        '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}' \
        >"$W/app.in"
    APP_RC=0
    "$W/app" <"$W/app.in" >"$W/app.out" 2>"$W/app.err" || APP_RC=$?
    OUT=$(cat "$W/app.out")
    check "it serves a tool call" "echo '$OUT' | grep -q '\"text\":\"42\"'"
    check "it exits 0 after EOF (status $APP_RC)" "[ $APP_RC = 0 ]"
    [ "$APP_RC" = 0 ] || sed 's/^/# app stderr: /' "$W/app.err" >&2
    check "it runs against the installed library" \
        "ldd '$W/app' | grep libmcp.so.1 | grep -q '$P/lib/'"
fi

# An out-of-tree plugin, loaded by the installed mcp-host.
if $CC $SANFLAGS -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Werror -shared -fPIC -o "$W/hello.so" \
    examples/plugins/hello.c $FLAGS 2>"$W/cc.log"; then
    ok "an out-of-tree plugin builds with pkg-config"
else
    cat "$W/cc.log" >&2
    bad "an out-of-tree plugin builds with pkg-config"
fi
check "the installed mcp-host loads it" \
    "'$P/bin/mcp-host' --plugin '$W/hello.so' --check 2>&1 | grep -q 'loaded plugin hello 1.0.0'"
check "the installed mcp-host loads the installed example plugins" \
    "'$P/bin/mcp-host' --plugin '$P/lib/mcp/hello.so' --plugin '$P/lib/mcp/notes.so' --namespace --check 2>&1 | grep -q '2 plugin(s) loaded'"
check "the installed mcp-filesystem runs" "'$P/bin/mcp-filesystem' --version | grep -q 'mcp-filesystem'"
check "the installed mcp lists the installed mcp-filesystem's tools" \
    "'$P/bin/mcp' tools --stdio '$P/bin/mcp-filesystem' '$W' | grep -q '^read_text_file('"
check "the installed mcp-proxy runs" "'$P/bin/mcp-proxy' --version | grep -q 'mcp-proxy'"

# The man pages render without warnings. groff is required (tools/deps.sh installs groff-base):
# without it this check would silently do nothing.
if command -v groff >/dev/null 2>&1; then
    for m in "$P"/share/man/man1/mcp.1 "$P"/share/man/man1/mcp-host.1 "$P"/share/man/man1/mcp-filesystem.1 "$P"/share/man/man3/libmcp.3 \
        "$P"/share/man/man1/mcp-proxy.1; do
        W_OUT=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
        check "$(basename "$m") renders cleanly" "[ -z '$W_OUT' ]"
    done
else
    bad "the man pages render: groff is not installed (apt-get install groff-base)"
fi

# Uninstall leaves nothing behind but directories.
unset PKG_CONFIG_PATH LD_LIBRARY_PATH
$MAKE -s BUILD="$BUILD" PREFIX=$PREFIX DESTDIR="$D" uninstall >"$W/uninstall.log" 2>&1 || bad "make uninstall"
LEFT=$(find "$D" ! -type d | head -5)
check "make uninstall removes every installed file" "[ -z '$LEFT' ]"
[ -z "$LEFT" ] || echo "left behind: $LEFT" >&2

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
