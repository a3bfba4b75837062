/*
 * libmicrohttpd, loaded on first use. Private to the HTTP files (included by transport/httpd.h).
 *
 * libmcp does not link libmicrohttpd: a server that only ever speaks STDIO never loads it, nor
 * the TLS stack it pulls in (gnutls and eight more libraries: about 2.5 MiB of resident memory
 * and most of the start-up time). The first --http/--sse start dlopen()s it and fills this table;
 * the macros below make every MHD_* call in the HTTP files go through it unchanged.
 */
#ifndef MCP_HTTP_MHD_H
#define MCP_HTTP_MHD_H

#include <microhttpd.h>

struct mcp__mhd_api {
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_quiesce_daemon) *quiesce_daemon;
    __typeof__(MHD_run) *run;
    __typeof__(MHD_get_timeout) *get_timeout;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_is_feature_supported) *is_feature_supported;
    __typeof__(MHD_suspend_connection) *suspend_connection;
    __typeof__(MHD_resume_connection) *resume_connection;
    __typeof__(MHD_set_connection_option) *set_connection_option;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_get_connection_values) *get_connection_values;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_create_response_from_callback) *create_response_from_callback;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_destroy_response) *destroy_response;
};

/* Filled once (under pthread_once) and never changed after: shared read-only by all servers. */
MCP_HIDDEN extern struct mcp__mhd_api mcp__mhd;

/** Load libmicrohttpd. MCP_OK, or MCP_EIO with the reason in `why`. Thread-safe. */
MCP_HIDDEN int mcp__mhd_load(char *why, size_t n);

#define MHD_start_daemon                  (*mcp__mhd.start_daemon)
#define MHD_stop_daemon                   (*mcp__mhd.stop_daemon)
#define MHD_quiesce_daemon                (*mcp__mhd.quiesce_daemon)
#define MHD_run                           (*mcp__mhd.run)
#define MHD_get_timeout                   (*mcp__mhd.get_timeout)
#define MHD_get_daemon_info               (*mcp__mhd.get_daemon_info)
#define MHD_is_feature_supported          (*mcp__mhd.is_feature_supported)
#define MHD_suspend_connection            (*mcp__mhd.suspend_connection)
#define MHD_resume_connection             (*mcp__mhd.resume_connection)
#define MHD_set_connection_option         (*mcp__mhd.set_connection_option)
#define MHD_get_connection_info           (*mcp__mhd.get_connection_info)
#define MHD_get_connection_values         (*mcp__mhd.get_connection_values)
#define MHD_lookup_connection_value       (*mcp__mhd.lookup_connection_value)
#define MHD_queue_response                (*mcp__mhd.queue_response)
#define MHD_create_response_from_buffer   (*mcp__mhd.create_response_from_buffer)
#define MHD_create_response_from_callback (*mcp__mhd.create_response_from_callback)
#define MHD_add_response_header           (*mcp__mhd.add_response_header)
#define MHD_destroy_response              (*mcp__mhd.destroy_response)

#endif /* MCP_HTTP_MHD_H */
