/*
 * Loading libmicrohttpd on first use (see mhd.h for why).
 */
#include "base/base.h"

#include <dlfcn.h>
#include <pthread.h>

#include "transport/mhd.h"

struct mcp__mhd_api mcp__mhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = MCP_EIO;
static char load_why[256];

/* dlsym returns void *; a union converts it to a function pointer without a cast ISO C lacks. */
#define LOAD(field, name)                                                        \
    do {                                                                         \
        union {                                                                  \
            void *obj;                                                           \
            __typeof__(mcp__mhd.field) fn;                                       \
        } u;                                                                     \
        u.obj = dlsym(h, name);                                                  \
        if (!u.obj) {                                                            \
            snprintf(load_why, sizeof load_why, "libmicrohttpd lacks %s", name); \
            return;                                                              \
        }                                                                        \
        api.field = u.fn;                                                        \
    } while (0)

static void load(void)
{
    static const char *const names[] = {"libmicrohttpd.so.12", "libmicrohttpd.so"};
    struct mcp__mhd_api api;
    void *h = NULL;
    size_t i;
    for (i = 0; !h && i < sizeof names / sizeof names[0]; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_why, sizeof load_why,
                 "cannot load libmicrohttpd (install the libmicrohttpd12 package): %s", dlerror());
        return;
    }
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
