/*
 * PCRE2 (libpcre2-8), loaded on first use. Private to regex.c and pcre_load.c.
 *
 * libmcp does not link libpcre2-8: a server whose schemas have no pattern never loads it, so a
 * STDIO server keeps its resident memory and start-up time (linking it cost about 100 KiB of
 * resident memory on Debian 12). The first pattern compiled dlopen()s it and fills this table;
 * the macros below make every pcre2_* call in regex.c go through it unchanged.
 */
#ifndef MCP_SCHEMA_PCRE_API_H
#define MCP_SCHEMA_PCRE_API_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct mcp__pcre2_api {
    __typeof__(pcre2_compile_8) *compile;
    __typeof__(pcre2_code_free_8) *code_free;
    __typeof__(pcre2_get_error_message_8) *get_error_message;
    __typeof__(pcre2_compile_context_create_8) *compile_context_create;
    __typeof__(pcre2_compile_context_free_8) *compile_context_free;
    __typeof__(pcre2_set_newline_8) *set_newline;
    __typeof__(pcre2_set_compile_extra_options_8) *set_compile_extra_options;
    __typeof__(pcre2_match_context_create_8) *match_context_create;
    __typeof__(pcre2_match_context_free_8) *match_context_free;
    __typeof__(pcre2_match_data_create_8) *match_data_create;
    __typeof__(pcre2_match_data_free_8) *match_data_free;
    __typeof__(pcre2_set_callout_8) *set_callout;
    __typeof__(pcre2_set_match_limit_8) *set_match_limit;
    __typeof__(pcre2_set_depth_limit_8) *set_depth_limit;
    __typeof__(pcre2_set_heap_limit_8) *set_heap_limit;
    __typeof__(pcre2_match_8) *match;
};

/* Filled once (under pthread_once) and never changed after: shared read-only by all threads. */
MCP_HIDDEN extern struct mcp__pcre2_api mcp__pcre2;

/** Load libpcre2-8. MCP_OK, or MCP_EIO with the reason in `why`. Thread-safe. */
MCP_HIDDEN int mcp__pcre2_load(char *why, size_t n);

#undef pcre2_compile
#undef pcre2_code_free
#undef pcre2_get_error_message
#undef pcre2_compile_context_create
#undef pcre2_compile_context_free
#undef pcre2_set_newline
#undef pcre2_set_compile_extra_options
#undef pcre2_match_context_create
#undef pcre2_match_context_free
#undef pcre2_match_data_create
#undef pcre2_match_data_free
#undef pcre2_set_callout
#undef pcre2_set_match_limit
#undef pcre2_set_depth_limit
#undef pcre2_set_heap_limit
#undef pcre2_match
#define pcre2_compile                   (*mcp__pcre2.compile)
#define pcre2_code_free                 (*mcp__pcre2.code_free)
#define pcre2_get_error_message         (*mcp__pcre2.get_error_message)
#define pcre2_compile_context_create    (*mcp__pcre2.compile_context_create)
#define pcre2_compile_context_free      (*mcp__pcre2.compile_context_free)
#define pcre2_set_newline               (*mcp__pcre2.set_newline)
#define pcre2_set_compile_extra_options (*mcp__pcre2.set_compile_extra_options)
#define pcre2_match_context_create      (*mcp__pcre2.match_context_create)
#define pcre2_match_context_free        (*mcp__pcre2.match_context_free)
#define pcre2_match_data_create         (*mcp__pcre2.match_data_create)
#define pcre2_match_data_free           (*mcp__pcre2.match_data_free)
#define pcre2_set_callout               (*mcp__pcre2.set_callout)
#define pcre2_set_match_limit           (*mcp__pcre2.set_match_limit)
#define pcre2_set_depth_limit           (*mcp__pcre2.set_depth_limit)
#define pcre2_set_heap_limit            (*mcp__pcre2.set_heap_limit)
#define pcre2_match                     (*mcp__pcre2.match)

#endif /* MCP_SCHEMA_PCRE_API_H */
