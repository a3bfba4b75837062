/*
 * Loading libpcre2-8 on first use (see pcre_api.h for why).
 */
#include "schema.h"

#include <dlfcn.h>
#include <pthread.h>

#include "pcre_api.h"

struct mcp__pcre2_api mcp__pcre2;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = MCP_EIO;
static char load_why[200];

#ifdef MCP_STATIC_PCRE2
/* make STATIC=1: libpcre2-8.a is linked into the program, so the table points at it directly and
 * a self-contained binary never looks for the shared library. */
#define LOAD(field, name) api.field = name
#else
/* dlsym returns void *; a union converts it to a function pointer without a cast ISO C lacks. */
#define LOAD(field, name)                                                      \
    do {                                                                       \
        union {                                                                \
            void *obj;                                                         \
            __typeof__(mcp__pcre2.field) fn;                                   \
        } u;                                                                   \
        u.obj = dlsym(h, #name);                                               \
        if (!u.obj) {                                                          \
            snprintf(load_why, sizeof load_why, "libpcre2-8 lacks %s", #name); \
            return;                                                            \
        }                                                                      \
        api.field = u.fn;                                                      \
    } while (0)
#endif

static void load(void)
{
    struct mcp__pcre2_api api;
#ifndef MCP_STATIC_PCRE2
    static const char *const names[] = {"libpcre2-8.so.0", "libpcre2-8.so"};
    void *h = NULL;
    size_t i;

    for (i = 0; !h && i < sizeof names / sizeof names[0]; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_why, sizeof load_why,
                 "cannot load libpcre2-8 (install the libpcre2-8-0 package): %s", dlerror());
        return;
    }
#endif
    LOAD(compile, pcre2_compile_8);
    LOAD(code_free, pcre2_code_free_8);
    LOAD(get_error_message, pcre2_get_error_message_8);
    LOAD(compile_context_create, pcre2_compile_context_create_8);
    LOAD(compile_context_free, pcre2_compile_context_free_8);
    LOAD(set_newline, pcre2_set_newline_8);
    LOAD(set_compile_extra_options, pcre2_set_compile_extra_options_8);
    LOAD(match_context_create, pcre2_match_context_create_8);
    LOAD(match_context_free, pcre2_match_context_free_8);
    LOAD(match_data_create, pcre2_match_data_create_8);
    LOAD(match_data_free, pcre2_match_data_free_8);
    LOAD(set_callout, pcre2_set_callout_8);
    LOAD(set_match_limit, pcre2_set_match_limit_8);
    LOAD(set_depth_limit, pcre2_set_depth_limit_8);
    LOAD(set_heap_limit, pcre2_set_heap_limit_8);
    LOAD(match, pcre2_match_8);
    mcp__pcre2 = api; /* the handle stays open for the life of the process */
    load_rc = MCP_OK;
}

int mcp__pcre2_load(char *why, size_t n)
{
    pthread_once(&once, load);
    if (load_rc != MCP_OK && why && n)
        snprintf(why, n, "%s", load_why);
    return load_rc;
}
