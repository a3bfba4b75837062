/*
 * Loading a library with dlopen on first use: the open and resolve steps shared by the loaders of
 * the heavy libraries (base/crypto.c, base/schema/pcre_load.c, core/curl.c, core/redis.c,
 * transport/mhd.c). Each loader keeps its own table of function pointers, its pthread_once and
 * its error text; a STDIO server that never calls one never maps its library. Never installed.
 */
#ifndef MCP_BASE_DL_H
#define MCP_BASE_DL_H

#include "base/base.h"

/** dlopen (RTLD_NOW | RTLD_LOCAL) the first of `sonames` (NULL-terminated) that loads. The
 * handle, for the life of the process (never closed), or NULL with "cannot load LIB (install the
 * PACKAGE package): <dlerror()>" in `why` (n bytes). */
MCP_HIDDEN void *mcp__dl_open(const char *const *sonames, const char *lib, const char *package,
                              char *why, size_t n);

/** Copy the address of `name` in the library `h` into the function pointer at `slot` (POSIX lets
 * dlsym's object pointer be copied into a function pointer of its size). true, or false with "LIB
 * lacks NAME" in `why` (n bytes). */
MCP_HIDDEN bool mcp__dl_sym(void *h, const char *name, void *slot, const char *lib, char *why,
                            size_t n);

/* In a loader returning void: resolve `name` into the function pointer lvalue `fn`, or return
 * with the reason in the array `why`. */
#define MCP__DL_LOAD(h, fn, name, lib, why)                                                 \
    do {                                                                                    \
        _Static_assert(sizeof(fn) == sizeof(void *), "a function pointer is not a void *"); \
        if (!mcp__dl_sym(h, name, &(fn), lib, why, sizeof why))                             \
            return;                                                                         \
    } while (0)

#endif
