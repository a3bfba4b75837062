/*
 * Loading libpcre2-8 on first use (see pcre_api.h for why).
 */
#include "schema.h"

#include <pthread.h>

#include "base/dl.h"
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
#define LOAD(field, name) MCP__DL_LOAD(h, api.field, #name, "libpcre2-8", load_why)
#endif

static void load(void)
{
    struct mcp__pcre2_api api;
#ifndef MCP_STATIC_PCRE2
    static const char *const names[] = {"libpcre2-8.so.0", "libpcre2-8.so", NULL};
    void *h = mcp__dl_open(names, "libpcre2-8", "libpcre2-8-0", load_why, sizeof load_why);
    if (!h)
        return;
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
