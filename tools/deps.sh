#!/bin/sh
# Make sure the Debian packages libmcp builds against are present. Run by `make` (the deps step).
# When pkg-config cannot find a library, install its -dev package with apt-get (as root, or
# through sudo), saying so. NO_DEPS=1 only reports what is missing.
# Tests that need programs of their own name them as command:package pairs in DEPS_COMMANDS
# (tests/replicas/run.sh: DEPS_COMMANDS="nginx:nginx redis-server:redis-server"); then only those
# are checked.
# DEPS=build checks only what building needs (the libraries, pkg-config, a compiler), as a Debian
# package build does (debian/rules): the test tools (cmocka, clang-format, locales, groff) are not
# its business.
set -e
need=""
if [ -n "${DEPS_COMMANDS:-}" ]; then
    for pair in $DEPS_COMMANDS; do
        cmd=${pair%%:*}
        command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need="$need ${pair#*:}"
    done
else
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc"
# libhiredis-dev: its headers only (the Redis store loads libhiredis with dlopen on first use);
# libcurl and libcrypto likewise are loaded on first use (core/curl.c, base/crypto.c).
pairs="jansson:libjansson-dev libuv:libuv1-dev libmicrohttpd:libmicrohttpd-dev libpcre2-8:libpcre2-dev"
pairs="$pairs hiredis:libhiredis-dev libcurl:libcurl4-openssl-dev libcrypto:libssl-dev"
[ "${DEPS:-}" = build ] || pairs="$pairs cmocka:libcmocka-dev"
for pair in $pairs; do
    pc=${pair%%:*}; pkg=${pair#*:}
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$pc"; then
        need="$need $pkg"
    fi
done
if [ "${DEPS:-}" != build ]; then
    command -v clang-format >/dev/null 2>&1 || need="$need clang-format" # make format-check
    # The unit tests build a decimal-comma locale with localedef from Debian's locale sources.
    [ -f /usr/share/i18n/locales/de_DE ] || need="$need locales"
    # The install test renders the man pages with groff.
    command -v groff >/dev/null 2>&1 || need="$need groff-base"
    # The Debian package test (tests/deb/run.sh) builds, checks and installs the packages.
    command -v dpkg-buildpackage >/dev/null 2>&1 || need="$need dpkg-dev"
    command -v dh >/dev/null 2>&1 || need="$need debhelper"
    command -v lintian >/dev/null 2>&1 || need="$need lintian"
    # ... and compiles the public headers as C++ too.
    command -v c++ >/dev/null 2>&1 || need="$need g++"
fi
fi
[ -z "$need" ] && exit 0
echo "deps: missing build dependencies:$need" >&2
if [ "${NO_DEPS:-}" = 1 ]; then
    echo "deps: NO_DEPS=1 set; install them with: apt-get install$need" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: no apt-get on this machine; install the packages above by hand" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "deps: running: $SUDO apt-get update && $SUDO apt-get install -y$need" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq $need >&2
echo "deps: installed$need" >&2
