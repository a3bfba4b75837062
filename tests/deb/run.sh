#!/bin/sh
# The Debian packages, as a user gets them: build libmcp2, libmcp-dev and mcp-tools with
# `dpkg-buildpackage -us -uc -b` from a clean copy of the tree, check them with lintian (no error
# allowed), install them on this machine with apt-get, then build the quickstart in an empty
# folder against the installed packages only (pkg-config from libmcp-dev, no -I/-L of ours) and
# run it, and run the installed tools. Everything installed is purged again on exit.
#
# Needs root, or sudo (it installs packages), and dpkg-dev, debhelper, lintian (tools/deps.sh).
# Usage (from the repo root, as `make test-deb` does):  sh tests/deb/run.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
PKGS="libmcp2 libmcp-dev mcp-tools"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq -y"

W=$(mktemp -d "${TMPDIR:-/tmp}/libmcp-deb-XXXXXX")
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then $APT purge $PKGS >/dev/null 2>&1 || true; fi
    rm -rf "$W"
}
trap cleanup EXIT INT TERM
. "$HERE/../tap.sh"

for p in $PKGS; do
    if dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok'; then
        echo "deb: $p is already installed on this machine; this test installs and purges its own" >&2
        exit 1
    fi
done

# A clean copy of the tree (what git tracks, plus new files not ignored): no build/ folders.
mkdir -p "$W/src"
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -co --exclude-standard -z | xargs -0 tar -cf - | tar -xf - -C "$W/src"
else
    tar --exclude='./build*' --exclude=node_modules -cf - . | tar -xf - -C "$W/src"
fi

# The packages. MAKEFLAGS of a calling `make SAN=1 test` must not reach debian/rules.
t0=$(date +%s)
if (cd "$W/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b) \
    >"$W/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b builds ($(($(date +%s) - t0)) s)"
else
    tail -40 "$W/build.log" >&2
    bad "dpkg-buildpackage -us -uc -b builds"
    echo "deb: $pass passed, $fail failed"
    exit 1
fi
V=$(dpkg-parsechangelog -l debian/changelog -S Version)
ARCH=$(dpkg --print-architecture)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for p in $PKGS; do
    check "built ${p}_${V}_$ARCH.deb" "[ -f '$W/${p}_${V}_$ARCH.deb' ]"
done
have() { dpkg-deb -c "$W/${1}_${V}_$ARCH.deb" | awk '{print $6}' | grep -qx "./$2"; }
check "libmcp2 holds libmcp.so.2 (package name follows the SONAME)" "have libmcp2 usr/lib/$MA/libmcp.so.2"
check "libmcp2 holds no headers" "! dpkg-deb -c '$W/libmcp2_${V}_$ARCH.deb' | grep -q include/"
for f in usr/include/mcp.h usr/include/mcp_plugin.h "usr/lib/$MA/libmcp.a" "usr/lib/$MA/libmcp.so" \
    "usr/lib/$MA/pkgconfig/libmcp.pc" usr/share/man/man3/libmcp.3.gz \
    usr/share/man/man3/mcp_server_add_tool.3.gz; do
    check "libmcp-dev holds /$f" "have libmcp-dev '$f'"
done
for h in include/*.h; do
    check "libmcp-dev holds every public header: /usr/$h" "have libmcp-dev 'usr/$h'"
done
for b in mcp-filesystem mcp-host; do
    check "mcp-tools holds /usr/bin/$b and its man page" \
        "have mcp-tools usr/bin/$b && have mcp-tools usr/share/man/man1/$b.1.gz"
done
# Commands a sibling adds under cmd/NAME/ (mcp, mcp-proxy) are packaged once they exist.
for d in cmd/*/; do
    [ -d "$d" ] || continue
    b=$(basename "$d")
    check "mcp-tools holds /usr/bin/$b (from $d)" "have mcp-tools usr/bin/$b"
done

if command -v lintian >/dev/null 2>&1; then
    t0=$(date +%s)
    lintian --fail-on error --tag-display-limit 0 "$W/libmcp_${V}_$ARCH.changes" >"$W/lintian.log" 2>&1 ||
        true
    errors=$(grep '^E: ' "$W/lintian.log" || true)
    check "lintian reports no errors ($(grep -c '^[WI]: ' "$W/lintian.log" || true) warnings/infos, $(($(date +%s) - t0)) s)" \
        "[ -z \"\$errors\" ]"
    [ -z "$errors" ] || printf '%s\n' "$errors" >&2
    sed -n 's/^\([WI]: .*\)/# \1/p' "$W/lintian.log"
else
    bad "lintian is installed (tools/deps.sh installs it)"
fi

# Install them (apt-get resolves libjansson4, libuv1, libmicrohttpd12 ...).
installed=1
if $APT install "$W/libmcp2_${V}_$ARCH.deb" "$W/libmcp-dev_${V}_$ARCH.deb" \
    "$W/mcp-tools_${V}_$ARCH.deb" >"$W/install.log" 2>&1; then
    ok "apt-get installs the three packages"
else
    cat "$W/install.log" >&2
    bad "apt-get installs the three packages"
fi

# The quickstart, built in an empty folder against what the packages installed, nothing else.
mkdir -p "$W/app"
cp examples/quickstart.c "$W/app/"
unset PKG_CONFIG_PATH LD_LIBRARY_PATH CPATH LIBRARY_PATH C_INCLUDE_PATH
check "pkg-config finds libmcp.pc of libmcp-dev" \
    "[ \"\$(pkg-config --variable=pcfiledir libmcp)\" = /usr/lib/$MA/pkgconfig ] && [ \"\$(pkg-config --modversion libmcp)\" = '$V' ]"
if (cd "$W/app" && cc -Wall -Werror -o quickstart quickstart.c $(pkg-config --cflags --libs libmcp)) \
    >"$W/cc.log" 2>&1; then
    ok "the quickstart builds as the README says: cc \$(pkg-config --cflags --libs libmcp)"
else
    cat "$W/cc.log" >&2
    bad "the quickstart builds with cc \$(pkg-config --cflags --libs libmcp)"
fi
if [ -x "$W/app/quickstart" ]; then
    check "it links the packaged /usr/lib/$MA/libmcp.so.2" \
        "ldd '$W/app/quickstart' | grep -Eq 'libmcp.so.2 => (/usr)?/lib/$MA/libmcp.so.2 '"
    printf '%s\n' \
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
        '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}' \
        '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":"x","b":1}}}' \
        >"$W/app.in"
    rc=0
    (cd "$W/app" && timeout 10 ./quickstart <"$W/app.in" >"$W/app.out" 2>"$W/app.err") || rc=$?
    check "it serves a tools/call over STDIO" "grep -q '\"text\":\"2 + 40 = 42\"' '$W/app.out'"
    check "it validates arguments (a: \"x\" refused)" "grep '\"id\":3' '$W/app.out' | grep -q 'expected number'"
    check "it exits 0 at EOF (status $rc)" "[ $rc = 0 ]"
fi
check "mcp-filesystem runs from /usr/bin" "/usr/bin/mcp-filesystem --version | grep -q mcp-filesystem"
check "mcp-host loads the packaged plugins" \
    "/usr/bin/mcp-host --plugin /usr/lib/$MA/mcp/hello.so --plugin /usr/lib/$MA/mcp/notes.so --namespace --check 2>&1 | grep -q '2 plugin(s) loaded'"
check "man 3 mcp_server_add_tool is installed" "[ -f /usr/share/man/man3/mcp_server_add_tool.3.gz ]"

# Purge: nothing of ours is left.
if $APT purge $PKGS >"$W/purge.log" 2>&1; then
    installed=0
    check "apt-get purge removes them (no /usr/include/mcp.h, no libmcp.so.2)" \
        "[ ! -e /usr/include/mcp.h ] && [ ! -e /usr/lib/$MA/libmcp.so.2 ]"
else
    cat "$W/purge.log" >&2
    bad "apt-get purge removes them"
fi

echo "deb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
