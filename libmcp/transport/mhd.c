/*
 * Loading libmicrohttpd on first use (see mhd.h for why).
 */
#include "base/base.h"
#include "base/dl.h"

#include <pthread.h>

#include "transport/mhd.h"

struct mcp__mhd_api mcp__mhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = MCP_EIO;
static char load_why[256];

#define LOAD(field, name) MCP__DL_LOAD(h, api.field, name, "libmicrohttpd", load_why)

static void load(void)
{
    static const char *const names[] = {"libmicrohttpd.so.12", "libmicrohttpd.so", NULL};
    struct mcp__mhd_api api;
    void *h = mcp__dl_open(names, "libmicrohttpd", "libmicrohttpd12", load_why, sizeof load_why);
    if (!h)
        return;
    LOAD(start_daemon, "MHD_start_daemon");
    LOAD(stop_daemon, "MHD_stop_daemon");
    LOAD(quiesce_daemon, "MHD_quiesce_daemon");
    LOAD(run, "MHD_run");
    LOAD(get_timeout, "MHD_get_timeout");
    LOAD(get_daemon_info, "MHD_get_daemon_info");
    LOAD(is_feature_supported, "MHD_is_feature_supported");
    LOAD(suspend_connection, "MHD_suspend_connection");
    LOAD(resume_connection, "MHD_resume_connection");
    LOAD(set_connection_option, "MHD_set_connection_option");
    LOAD(get_connection_info, "MHD_get_connection_info");
    LOAD(get_connection_values, "MHD_get_connection_values");
    LOAD(lookup_connection_value, "MHD_lookup_connection_value");
    LOAD(queue_response, "MHD_queue_response");
    LOAD(create_response_from_buffer, "MHD_create_response_from_buffer");
    LOAD(create_response_from_callback, "MHD_create_response_from_callback");
    LOAD(add_response_header, "MHD_add_response_header");
    LOAD(destroy_response, "MHD_destroy_response");
    mcp__mhd = api; /* the handle stays open for the life of the process */
    load_rc = MCP_OK;
}

int mcp__mhd_load(char *why, size_t n)
{
    pthread_once(&once, load);
    if (load_rc != MCP_OK && why && n)
        snprintf(why, n, "%s", load_why);
    return load_rc;
}
