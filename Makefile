# libmcp — plain Makefile, read top to bottom: variables, what is built from what, the build
# rules (library, examples, servers, mcp-everything), the tests, benchmarks, fuzzing, install.
# `make` builds everything; `make unit` runs the fast unit tests (cmocka, no Node); `make test`
# runs every test (unit, layering, exports, the official SDK clients, conformance; needs Node).
#
# Variables a user may set: PREFIX DESTDIR LIBDIR INCLUDEDIR BINDIR MANDIR CC CFLAGS CPPFLAGS
# LDFLAGS, SAN=1 (AddressSanitizer + UBSan build in build-san/), STATIC=1 (programs that need only
# the C library, in build-static/: README "Self-contained binaries"), WERROR=0 (warnings not fatal),
# V=1 (show full commands), NO_DEPS=1 (never run apt-get).
#
# Required flags live in MCP_* variables so `make CFLAGS=-O0` can never remove -std=c11.

PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?= 1

VERSION := $(shell sed -n 's/^\#define MCP_VERSION_STRING "\(.*\)"/\1/p' include/mcp.h)
SOMAJOR := $(shell sed -n 's/^\#define MCP_SOVERSION *\([0-9]*\)/\1/p' include/mcp.h)

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(STATIC),1)
BUILD   ?= build-static
SANFLAGS =
else
BUILD   ?= build
SANFLAGS =
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

DEPS_PC := jansson libuv libmicrohttpd libpcre2-8 libcurl libcrypto
# Only run pkg-config once deps are present (the deps step installs them first).
PKG_CFLAGS = $(shell pkg-config --cflags $(DEPS_PC) 2>/dev/null)
# libmicrohttpd is not linked: the HTTP transports dlopen() it on first use
# (libmcp/transport/mhd.c), so STDIO-only servers never load it or its TLS stack. Nor is
# libpcre2-8: the first schema pattern dlopen()s it (libmcp/base/schema/pcre_load.c), nor libcurl:
# the first HTTP request of a client or a JWKS fetch dlopen()s it (libmcp/core/curl.c), nor
# libcrypto: a signed requestState or HTTP authorization dlopen()s it (libmcp/base/crypto.c). Nor is
# libhiredis (only its headers, libhiredis-dev): mcp_store_redis() dlopen()s it (core/redis.c).
PKG_LIBS   = $(shell pkg-config --libs jansson libuv 2>/dev/null)

MCP_CPPFLAGS = -Iinclude -Ilibmcp -D_POSIX_C_SOURCE=200809L
MCP_CFLAGS   = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               -Wpointer-arith -Wformat=2 -Wundef -Wno-format-nonliteral -fPIC -MMD -MP \
               -fvisibility=hidden $(SANFLAGS)
ifeq ($(WERROR),1)
MCP_CFLAGS += -Werror
endif
ALL_CFLAGS  = $(MCP_CPPFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(MCP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
ALL_LIBS    = $(PKG_LIBS) -lpthread -ldl -lm

# make STATIC=1 (into build-static/): programs that need nothing but the C library. jansson, libuv
# and PCRE2 are linked in from their Debian static archives (PCRE2 then is not dlopen()ed:
# MCP_STATIC_PCRE2). libmicrohttpd stays loaded on first --http/--sse use: Debian's
# libmicrohttpd.a needs GnuTLS, whose static link needs libp11-kit.a, which Debian does not ship
# (README "Self-contained binaries"). Only libmcp.a is built: mcp-host and plugins need the .so.
ifeq ($(STATIC),1)
STATIC_LIBDIR = $(shell pkg-config --variable=libdir jansson 2>/dev/null)
MCP_CPPFLAGS += -DMCP_STATIC_PCRE2
ALL_LIBS     = $(addprefix $(STATIC_LIBDIR)/,libjansson.a libuv_a.a libpcre2-8.a) -lpthread -ldl -lm
endif

# ---- what is built from what ---------------------------------------------------------------
LIB_SRCS := $(sort $(wildcard libmcp/*/*.c libmcp/*/*/*.c))
LIB_OBJS := $(patsubst libmcp/%.c,$(BUILD)/obj/libmcp/%.o,$(LIB_SRCS))
LIB_A    := $(BUILD)/lib/libmcp.a
LIB_SO   := $(BUILD)/lib/libmcp.so
LIB_SOV  := $(BUILD)/lib/libmcp.so.$(VERSION)
LIB_PC   := $(BUILD)/libmcp.pc

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES     := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS))

# mcp-host and every plugin link the shared libmcp, so a host and its plugins share one copy.
# It finds it next to itself (build/lib, PREFIX/lib); packages set HOST_RPATH= (system path).
HOST_RPATH   ?= -Wl,-rpath,'$$ORIGIN/../lib'
HOST_BIN     := $(BUILD)/bin/mcp-host
FS_SRCS      := $(wildcard servers/filesystem/*.c)
FS_OBJS      := $(patsubst %.c,$(BUILD)/obj/%.o,$(FS_SRCS))
FS_BIN       := $(BUILD)/bin/mcp-filesystem
PLUGIN_SRCS  := $(wildcard examples/plugins/*.c)
PLUGINS      := $(patsubst examples/plugins/%.c,$(BUILD)/plugins/%.so,$(PLUGIN_SRCS))
SO_LINK       = -L$(BUILD)/lib -lmcp $(PKG_LIBS)
MAN_PAGES    := $(wildcard docs/man/*.1 docs/man/*.3)
# Section 3: one page per exported function, generated from the comments of every public header
# (tools/mkman.sh), plus libmcp(3) (docs/man/libmcp.3 with the list of functions added).
PUBLIC_HEADERS := $(sort $(wildcard include/*.h))
MAN3_DIR     := $(BUILD)/man/man3
MAN3_STAMP   := $(MAN3_DIR)/.stamp

# mcp: the command-line client (cmd/mcp/, one file per group of subcommands)
MCP_CMD_SRCS := $(wildcard cmd/mcp/*.c)
MCP_CMD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(MCP_CMD_SRCS))
MCP_CMD_BIN  := $(BUILD)/bin/mcp

# mcp-proxy: STDIO <-> Streamable HTTP (and legacy SSE) bridge, built on mounting
PROXY_SRCS   := $(wildcard cmd/mcp-proxy/*.c)
# (it shares mcp's OAuth login options: cmd/mcp/oauth.c)
PROXY_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(PROXY_SRCS)) $(BUILD)/obj/cmd/mcp/oauth.o
PROXY_BIN    := $(BUILD)/bin/mcp-proxy

# the client the conformance suite's client scenarios drive (tests/conformance/client/)
CONF_CLIENT  := $(BUILD)/tests/conformance-client

EVERYTHING_SRCS := $(wildcard servers/everything/*.c)
EVERYTHING_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(EVERYTHING_SRCS))
EVERYTHING_BIN  := $(BUILD)/bin/mcp-everything

FIXTURE_SRCS := $(wildcard tests/fixtures/*.c)
FIXTURES     := $(patsubst tests/fixtures/%.c,$(BUILD)/fixtures/%,$(FIXTURE_SRCS))
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# examples/testing/: the documented pattern for testing a server with the in-memory client; built
# and run with the unit tests (they need cmocka, which the other examples do not)
EXTEST_SRCS  := $(wildcard examples/testing/test_*.c)
UNIT_TESTS   += $(patsubst examples/testing/%.c,$(BUILD)/tests/example_%,$(EXTEST_SRCS))
TPLUGIN_SRCS := $(wildcard tests/servers/plugins/*.c)
TPLUGINS     := $(patsubst tests/servers/plugins/%.c,$(BUILD)/tests/plugins/%.so,$(TPLUGIN_SRCS))
FS_UNIT_OBJS := $(filter-out %/main.o %/tools.o,$(FS_OBJS))

# clang-format checks the library and the public headers (make format-check)
FORMAT_SRCS  := $(sort $(wildcard libmcp/*/*.[ch] libmcp/*/*/*.[ch] include/*.h))

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps lib examples servers plugins everything fixtures man mcp mcp-proxy \
        test unit check-layers check-exports check-man format-check interop http-test store-test \
        replicas-test auth-test client-test http-client-test conformance-client test-servers test-install test-static \
        test-deb clients-test test-new conformance san valgrind bench bench-json bench-http \
        bench-replicas bench-auth bench-client bench-build soak run fuzz \
        fuzz-replay fuzz-ci \
        install uninstall clean
.DEFAULT_GOAL := all
.SECONDARY:

all: lib examples servers everything man mcp mcp-proxy

# ---- dependencies --------------------------------------------------------------------------
# Installs the Debian packages libmcp builds against when pkg-config cannot find them.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	$(Q)NO_DEPS=$(NO_DEPS) DEPS=$(DEPS) sh tools/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

# ---- library -------------------------------------------------------------------------------
ifeq ($(STATIC),1)
lib: $(LIB_A) $(LIB_PC)
else
lib: $(LIB_A) $(LIB_SO) $(LIB_PC)
endif

$(BUILD)/obj/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SOV): $(LIB_OBJS) libmcp/libmcp.map
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libmcp.so.$(SOMAJOR) -Wl,--version-script=libmcp/libmcp.map \
		-Wl,--no-undefined $(ALL_LDFLAGS) -o $@ $(LIB_OBJS) $(ALL_LIBS)

$(LIB_SO): $(LIB_SOV)
	$(Q)ln -sf libmcp.so.$(VERSION) $(BUILD)/lib/libmcp.so.$(SOMAJOR)
	$(Q)ln -sf libmcp.so.$(SOMAJOR) $@

$(LIB_PC): libmcp/libmcp.pc.in include/mcp.h
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' $< > $@

# ---- man pages -----------------------------------------------------------------------------
man: $(MAN3_STAMP)

$(MAN3_STAMP): tools/mkman.sh $(PUBLIC_HEADERS) docs/man/libmcp.3
	@$(if $(Q),echo "  MAN     $(MAN3_DIR)")
	$(Q)sh tools/mkman.sh $(MAN3_DIR) $(VERSION) docs/man/libmcp.3 $(PUBLIC_HEADERS)
	$(Q)touch $@

# ---- examples (linked statically against libmcp.a) ------------------------------------------
examples: $(EXAMPLES)

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS)

# ---- servers and plugins: mcp-host, mcp-filesystem, build/plugins/*.so -----------------------
ifeq ($(STATIC),1)
servers: $(FS_BIN)
else
servers: $(HOST_BIN) $(FS_BIN) plugins
endif
plugins: $(PLUGINS)

$(HOST_BIN): $(BUILD)/obj/servers/host/main.o $(LIB_SO)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) $(HOST_RPATH) -o $@ $< $(SO_LINK) -ldl

$(FS_BIN): $(FS_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(FS_OBJS) $(LIB_A) $(ALL_LIBS)

$(BUILD)/plugins/%.so: $(BUILD)/obj/examples/plugins/%.o $(LIB_SO)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -o $@ $< $(SO_LINK)

# ---- mcp: the command-line client -------------------------------------------------------------
mcp: $(MCP_CMD_BIN)

$(MCP_CMD_BIN): $(MCP_CMD_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(MCP_CMD_OBJS) $(LIB_A) $(ALL_LIBS)

mcp-proxy: $(PROXY_BIN)

$(PROXY_BIN): $(PROXY_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(PROXY_OBJS) $(LIB_A) $(ALL_LIBS)

$(CONF_CLIENT): $(BUILD)/obj/tests/conformance/client/conformance_client.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS)

# ---- mcp-everything: every feature, and the conformance suites' fixture ---------------------
everything: $(EVERYTHING_BIN)

$(EVERYTHING_BIN): $(EVERYTHING_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(EVERYTHING_OBJS) $(LIB_A) $(ALL_LIBS)

# ---- tests ---------------------------------------------------------------------------------
# `make test`, fast to slow: unit tests, the fuzz regression inputs and seeds (replayed, not
# fuzzed), the layering of libmcp/, exported symbols, formatting,
# then real clients over STDIO and HTTP, the ready-made servers, installation, and the official
# conformance suites. `make san` runs those that run libmcp's code (SAN_TESTS, below) under ASan +
# UBSan, `make valgrind` the unit tests and STDIO sessions under valgrind.
TESTS := bench-build unit fuzz-replay check-layers check-exports check-man format-check interop http-test \
         store-test replicas-test auth-test client-test test-servers test-install test-static test-deb \
         clients-test test-new conformance conformance-client http-client-test
test: all $(TESTS)

# test_jwt makes its keys and signs its tokens with libcrypto itself (only the test links it).
$(BUILD)/tests/test_jwt: UNIT_LIBS = -lcrypto

unit: $(UNIT_TESTS) $(FIXTURES)
	$(Q)sh tests/run-unit.sh $(UNIT_TESTS)

$(BUILD)/tests/example_%: $(BUILD)/obj/examples/testing/%.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS) -lcmocka

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS) $(UNIT_LIBS) -lcmocka

# No call from a lower layer of libmcp/ into a higher one, no cycle (docs/architecture.md).
check-layers: $(LIB_A)
	$(Q)sh tests/check-layers.sh $(BUILD)

check-exports: $(LIB_SO)
	$(Q)sh tests/check-exports.sh $(LIB_SOV)

# Every exported function has a man page that renders without a warning.
check-man: $(LIB_SO) $(MAN3_STAMP)
	$(Q)sh tests/check-man.sh $(LIB_SOV) $(MAN3_DIR)

format-check:
	$(Q)sh tests/check-format.sh $(FORMAT_SRCS)

fixtures: $(FIXTURES)

$(BUILD)/fixtures/%: $(BUILD)/obj/tests/fixtures/%.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS)

interop: all fixtures
	$(Q)BUILD=$(BUILD) sh tests/interop/run.sh

# The client library, `mcp` and `mcp-proxy` against real peers over STDIO, Streamable HTTP and
# legacy SSE (TypeScript SDK v1/v2 servers, the reference servers from npm, libmcp's own
# servers), and the TypeScript SDK clients through mcp-proxy (tests/client/).
client-test: all fixtures
	$(Q)BUILD=$(BUILD) sh tests/client/run.sh

# Streamable HTTP and legacy HTTP+SSE: raw status/security/session tests and the SDK clients.
http-test: all
	$(Q)BUILD=$(BUILD) sh tests/http/run.sh

# Replicas sharing a Redis store (Debian's redis-server, installed by the script when missing).
store-test: all
	$(Q)BUILD=$(BUILD) sh tests/store/run.sh

# Replicas behind Debian's nginx (and redis-server), the SDK clients while a replica is killed.
replicas-test: all
	$(Q)BUILD=$(BUILD) sh tests/replicas/run.sh

# OAuth against a real authorization server: oidc-provider (npm, pinned) issues JWT access
# tokens to the official SDK client v1; mcp-everything verifies them (JWKS, rotation, step-up);
# the built mcp and mcp-proxy log in (code + PKCE, registration, refresh; tests/auth/login.test.mjs).
auth-test: all
	$(Q)BUILD=$(BUILD) sh tests/auth/run.sh

$(BUILD)/tests/plugins/%.so: $(BUILD)/obj/tests/servers/plugins/%.o $(LIB_SO)
	@mkdir -p $(@D)
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -o $@ $< $(SO_LINK)

$(BUILD)/tests/unit_fs: $(BUILD)/obj/tests/servers/unit_fs.o $(FS_UNIT_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LIBS) -lcmocka

test-servers: servers $(TPLUGINS) $(BUILD)/tests/unit_fs
	$(Q)BUILD=$(BUILD) sh tests/servers/run.sh

test-install: lib servers
	$(Q)BUILD=$(BUILD) MAKE=$(MAKE) SANFLAGS="$(SANFLAGS)" sh tests/install/run.sh

# mcp new: the scaffold builds against an installed libmcp and passes its own test (about 10 s).
test-new: all
	$(Q)BUILD=$(BUILD) MAKE=$(MAKE) SANFLAGS="$(SANFLAGS)" sh tests/new/run.sh

# Real clients: the MCP Inspector CLI 2.x, mcp-remote and supergateway over STDIO, Streamable HTTP
# and HTTP+SSE (tests/clients/run.sh; npm, pinned; Node 22 from npm; about 35 s).
clients-test: all
	$(Q)BUILD=$(BUILD) sh tests/clients/run.sh

# make STATIC=1 into build-static/: programs that need only the C library (tests/static/run.sh).
test-static:
	$(Q)MAKE=$(MAKE) sh tests/static/run.sh

# The Debian packages (debian/): dpkg-buildpackage, lintian, installed with apt-get, the quickstart
# built against them, purged (tests/deb/run.sh; root or sudo; about 85 s).
test-deb: $(DEPS_STAMP)
	$(Q)sh tests/deb/run.sh

# The official MCP conformance suites (npm, pinned; Node 22 from npm) against mcp-everything
# over Streamable HTTP on 127.0.0.1.
conformance: $(EVERYTHING_BIN)
	$(Q)BUILD=$(BUILD) sh tests/conformance/run.sh

# The conformance suites' client scenarios against libmcp's client (tests/conformance/client/).
conformance-client: $(CONF_CLIENT)
	$(Q)BUILD=$(BUILD) sh tests/conformance/client/run.sh

# The client, mcp and mcp-proxy against the TypeScript SDK servers and libmcp's own, and the
# TypeScript SDK clients through mcp-proxy (tests/http-client/).
http-client-test: all
	$(Q)BUILD=$(BUILD) sh tests/http-client/run.sh

# Under the sanitizers: every test that runs libmcp's code, not the checks of sources and
# packaging (the static, Debian-package and scaffold tests build their own unsanitized copies).
SAN_TESTS := $(filter-out check-layers check-exports check-man format-check test-static test-deb \
                          test-new,$(TESTS))
san:
	$(Q)$(MAKE) SAN=1 all $(SAN_TESTS)

valgrind: $(UNIT_TESTS) $(FIXTURES) examples mcp
	$(Q)BUILD=$(BUILD) sh tests/valgrind.sh

# ---- benchmarks (bench/README.md; not part of `make test`) -----------------------------------
# STDIO against the TypeScript SDK servers and a bare-C ceiling.
bench: all
	$(Q)BUILD=$(BUILD) sh bench/run.sh

# JSON reader and writer against jansson's json_loadb / json_dumps.
# The benchmarks' C programs compile (make test builds them; running them is not a test).
bench-build: $(BUILD)/bench/json_bench $(BUILD)/bench/inmem_bench $(BUILD)/bench/verify_bench

bench-json: $(BUILD)/bench/json_bench
	$(Q)$(BUILD)/bench/json_bench

$(BUILD)/bench/json_bench: $(BUILD)/obj/bench/json_bench.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS)

# Streamable HTTP: wrk against libmcp, the TypeScript SDK servers and bare libmicrohttpd.
# The client: `mcp tools` vs the MCP Inspector CLI, and in-memory tool calls per second.
bench-client: all $(BUILD)/bench/inmem_bench
	$(Q)BUILD=$(BUILD) sh bench/client/run.sh

$(BUILD)/bench/inmem_bench: $(BUILD)/obj/bench/client/inmem_bench.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS)

bench-http: all
	$(Q)BUILD=$(BUILD) sh bench/http/run.sh

# Replicas: memory vs Redis store, three replicas behind nginx, 2026 stateless, --workers, and
# the TypeScript SDK's stateful figure in the same run (STORE=redis://... for a running Redis).
bench-replicas: all
	$(Q)BUILD=$(BUILD) sh bench/replicas/run.sh
# Authorization: tools/call at 16 connections with a cached JWT vs none on the same server build,
# and the cost of one uncached verification (oidc-provider issues the tokens).
bench-auth: all $(BUILD)/bench/verify_bench
	$(Q)BUILD=$(BUILD) sh bench/auth/run.sh

$(BUILD)/bench/verify_bench: $(BUILD)/obj/bench/auth/verify_bench.o $(LIB_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(ALL_LIBS)

# Soak: 1,000,000 tools/call (stateful, stateless) and 100,000 sessions created and expired over
# Streamable HTTP with wrk; the server's RSS may grow at most 5 % (several minutes).
soak: all
	$(Q)BUILD=$(BUILD) sh bench/soak/run.sh

# `make run`: the quickstart server on STDIO (ARGS="--http 127.0.0.1:8080" to host it instead).
run: all
	@echo "quickstart: serving MCP on stdin/stdout; Ctrl-C stops it. Try typing:" >&2
	@echo '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}' >&2
	$(Q)$(BUILD)/examples/quickstart $(ARGS)

# ---- fuzzing (clang's libFuzzer runtime; tests/fuzz/run.sh installs it when missing) --------
# libmcp and the harnesses in tests/fuzz/ built with clang -fsanitize=fuzzer,address,undefined
# into build-fuzz/, then each target (FUZZ_TARGETS="fuzz_schema ..." for some) fuzzed for
# FUZZ_SECONDS; any crash, leak, UB or timeout fails. FUZZ_SECONDS=0 only replays the regression
# inputs and runs every seed once: that is `make fuzz-replay`, part of `make test` (about 10 s
# to build build-fuzz/ the first time, under a second after). `make fuzz-ci`: every target for
# FUZZ_CI_SECONDS (30 s each, about 3.5 min in all with the build), what .ci/run does.
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 30
fuzz: $(DEPS_STAMP)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)
fuzz-replay: $(DEPS_STAMP)
	$(Q)FUZZ_SECONDS=0 sh tests/fuzz/run.sh
fuzz-ci: $(DEPS_STAMP)
	$(Q)FUZZ_SECONDS=$(FUZZ_CI_SECONDS) sh tests/fuzz/run.sh

# ---- install: the library, its headers and pkg-config file, the servers, plugins, man pages --
install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/mcp $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libmcp.a
	install -m 755 $(LIB_SOV) $(DESTDIR)$(LIBDIR)/libmcp.so.$(VERSION)
	ln -sf libmcp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libmcp.so.$(SOMAJOR)
	ln -sf libmcp.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libmcp.so
	install -m 644 include/mcp.h include/mcp_plugin.h include/mcp_store.h include/mcp_client.h \
	    include/mcp_mount.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(LIB_PC) $(DESTDIR)$(PKGCONFIGDIR)/libmcp.pc
	install -m 755 $(HOST_BIN) $(FS_BIN) $(MCP_CMD_BIN) $(PROXY_BIN) $(DESTDIR)$(BINDIR)/
	install -m 755 $(PLUGINS) $(DESTDIR)$(LIBDIR)/mcp/
	install -m 644 $(filter %.1,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN3_DIR)/*.3 $(DESTDIR)$(MANDIR)/man3/

uninstall: $(MAN3_STAMP)
	rm -f $(DESTDIR)$(LIBDIR)/libmcp.a $(DESTDIR)$(LIBDIR)/libmcp.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/libmcp.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libmcp.so \
	      $(patsubst include/%,$(DESTDIR)$(INCLUDEDIR)/%,$(PUBLIC_HEADERS)) $(DESTDIR)$(BINDIR)/mcp \
	      $(DESTDIR)$(BINDIR)/mcp-proxy $(DESTDIR)$(PKGCONFIGDIR)/libmcp.pc \
	      $(DESTDIR)$(BINDIR)/mcp-host $(DESTDIR)$(BINDIR)/mcp-filesystem \
	      $(patsubst $(BUILD)/plugins/%,$(DESTDIR)$(LIBDIR)/mcp/%,$(PLUGINS)) \
	      $(patsubst docs/man/%,$(DESTDIR)$(MANDIR)/man1/%,$(filter %.1,$(MAN_PAGES))) \
	      $(patsubst docs/man/%,$(DESTDIR)$(MANDIR)/man3/%,$(filter %.3,$(MAN_PAGES)))
	for f in $(MAN3_DIR)/*.3; do rm -f "$(DESTDIR)$(MANDIR)/man3/$${f##*/}"; done

# every build folder: build, build-san, build-fuzz, and any BUILD=build-* a user chose
clean:
	rm -rf build build-*

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
