/*
 * libmcp plugin ABI: tools, resources and prompts in a shared object that a host (mcp-host, or
 * any program using the loader below) loads at run time.
 *
 * Writing a plugin. One C file, built with `cc -shared -fPIC x.c $(pkg-config --cflags --libs
 * libmcp)`, that declares itself with one macro:
 *
 *     #include <mcp_plugin.h>
 *
 *     static int hello(mcp_call_t *call, const json_t *args, void *ud)
 *     {
 *         const char *who = json_string_value(json_object_get(args, "who"));
 *         (void)ud;
 *         return mcp_call_text(call, "Hello, %s!", who);
 *     }
 *
 *     static int init(mcp_plugin_ctx_t *ctx, const json_t *config, void **state)
 *     {
 *         (void)config; (void)state;
 *         return mcp_plugin_add_tool(ctx, &(mcp_tool_t){ .name = "hello",
 *             .description = "Greet someone", .input_schema = "who: string", .handler = hello },
 *             NULL);
 *     }
 *
 *     MCP_PLUGIN("hello", "1.0.0", "Says hello", init, NULL)
 *
 * The host calls init() once with a registration context, the plugin's JSON configuration and
 * a place for the plugin's state. Register through the context (mcp_plugin_add_tool() and
 * friends), never directly on the server: the context applies the host's name prefix (so two
 * plugins can both define `search`) and records every registration, so the host can roll all
 * of them back when any plugin fails to load.
 *
 * Lifetime. init() returns MCP_OK, or a negative mcp_err after freeing anything it allocated
 * (the loader then removes whatever it registered and does not call shutdown()). If init()
 * returns MCP_OK although one of its registrations failed, the load fails all the same, and
 * shutdown() runs (the state exists). shutdown(),
 * when given, runs once when the host unloads the plugin, after the plugin's tools, resources
 * and prompts are gone (their free_userdata callbacks have run): it frees `state` and must not
 * use the server. Handlers run as documented in mcp.h (loop thread, or the libuv thread pool
 * for MCP_TOOL_BLOCKING tools).
 *
 * ABI. A plugin exports exactly one symbol, MCP_PLUGIN_SYMBOL, a const mcp_plugin_desc_t. The
 * loader refuses a plugin whose symbol is not a data object of at least that size (checked
 * before it is read), whose `abi` differs from MCP_PLUGIN_ABI_VERSION or that was built
 * against a libmcp with another major version (during 0.x: another minor version). Plugins link
 * against the shared libmcp the host uses (libmcp.so), so both share one copy of the library.
 */
#ifndef MCP_PLUGIN_H
#define MCP_PLUGIN_H

#include "mcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the plugin ABI (the descriptor's layout and the init/shutdown contract). */
#define MCP_PLUGIN_ABI_VERSION 1

/** The name of the descriptor symbol every plugin exports. */
#define MCP_PLUGIN_SYMBOL "mcp_plugin_descriptor"

#if defined(__GNUC__)
#define MCP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MCP_PLUGIN_EXPORT
#endif

/** The registration view a plugin gets in init(): opaque. */
typedef struct mcp_plugin_ctx mcp_plugin_ctx_t;

/**
 * Initialise the plugin.
 * @param ctx     register tools, resources and prompts through it; valid until unload
 * @param config  borrowed: this plugin's configuration (never NULL; {} when there is none),
 *                valid during init() only: json_incref() it or copy what you keep
 * @param state   out: anything the plugin wants handed back to shutdown() (starts NULL)
 * @return MCP_OK or a negative mcp_err (then write the reason with mcp_plugin_fail()).
 */
typedef int (*mcp_plugin_init_fn)(mcp_plugin_ctx_t *ctx, const json_t *config, void **state);

/** Free the plugin's state. Runs after the plugin's registrations are removed. */
typedef void (*mcp_plugin_shutdown_fn)(void *state);

/** The descriptor a plugin exports (through MCP_PLUGIN()). */
typedef struct mcp_plugin_desc {
    int abi;                 /* MCP_PLUGIN_ABI_VERSION the plugin was built with */
    unsigned libmcp_version; /* MCP_VERSION_HEX the plugin was built against */
    const char *name;        /* required; [A-Za-z0-9_.-], used for config lookup and prefixes */
    const char *version;     /* the plugin's own version, e.g. "1.0.0" */
    const char *description; /* one line, for humans */
    mcp_plugin_init_fn init; /* required */
    mcp_plugin_shutdown_fn shutdown; /* optional (NULL) */
} mcp_plugin_desc_t;

/** Declare the plugin. Use once, at file scope, in exactly one source file of the plugin. */
/* clang-format off */
#define MCP_PLUGIN(name, version, description, init, shutdown)                                  \
    MCP_PLUGIN_EXPORT extern const mcp_plugin_desc_t mcp_plugin_descriptor;                     \
    const mcp_plugin_desc_t mcp_plugin_descriptor = {                                           \
        MCP_PLUGIN_ABI_VERSION, MCP_VERSION_HEX, (name), (version), (description), (init),      \
        (shutdown)};
/* clang-format on */

/* ------------------------------------------------------------------------------------------ */
/* Inside init(): the registration context                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * Register a tool, its name prefixed with the host's prefix for this plugin (if any). Same
 * contract as mcp_server_add_tool(): on failure free_userdata is not called. A failure (for
 * example MCP_EEXIST because another plugin has the name) also fails the plugin's load even if
 * init() ignores it.
 */
MCP_API int mcp_plugin_add_tool(mcp_plugin_ctx_t *ctx, const mcp_tool_t *tool, mcp_error_t *err);
/** Register a resource or template (URIs are never prefixed; the name is kept as given). */
MCP_API int mcp_plugin_add_resource(mcp_plugin_ctx_t *ctx, const mcp_resource_t *res,
                                    mcp_error_t *err);
/** Register a prompt, its name prefixed like a tool's. */
MCP_API int mcp_plugin_add_prompt(mcp_plugin_ctx_t *ctx, const mcp_prompt_t *prompt,
                                  mcp_error_t *err);

/** The server the plugin is loaded into: for logging, mcp_server_loop() and the like. */
MCP_API mcp_server_t *mcp_plugin_server(const mcp_plugin_ctx_t *ctx);
/** The plugin's name (from its descriptor). Static for the plugin's lifetime. */
MCP_API const char *mcp_plugin_name(const mcp_plugin_ctx_t *ctx);
/** The prefix applied to this plugin's tool and prompt names ("" when none). */
MCP_API const char *mcp_plugin_prefix(const mcp_plugin_ctx_t *ctx);
/** Say why init() fails (printf-style); shown by the host. Returns `code` for `return`. */
MCP_API int mcp_plugin_fail(mcp_plugin_ctx_t *ctx, int code, const char *fmt, ...) MCP_PRINTF(3, 4);

/* ------------------------------------------------------------------------------------------ */
/* The loader (for hosts)                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct mcp_plugin_host mcp_plugin_host_t; /* a set of loaded plugins; opaque */
typedef struct mcp_plugin mcp_plugin_t;           /* one opened, not yet initialised plugin */

/**
 * Open a plugin file and check it: dlopen `path` (a path without '/' is taken relative to the
 * current directory), find MCP_PLUGIN_SYMBOL, check its ABI and libmcp major version and that it
 * has a valid name and an init. Nothing of the plugin runs yet. Returns NULL with `err` filled
 * (MCP_EPLUGIN: missing file, not a loadable shared object, no descriptor, wrong ABI, bad
 * descriptor; MCP_ENOMEM).
 */
MCP_API MCP_NODISCARD mcp_plugin_t *mcp_plugin_open(const char *path, mcp_error_t *err);
/** The checked descriptor of an opened plugin. Borrowed, valid until the plugin is unloaded. */
MCP_API const mcp_plugin_desc_t *mcp_plugin_descriptor_of(const mcp_plugin_t *plugin);
/** Close an opened plugin that was never given to a host. NULL is a no-op. */
MCP_API void mcp_plugin_close(mcp_plugin_t *plugin);

/** A host that loads plugins into `srv` (borrowed; it may be freed before the host). */
MCP_API MCP_NODISCARD mcp_plugin_host_t *mcp_plugin_host_new(mcp_server_t *srv);

/**
 * Initialise an opened plugin into the host's server; the host takes `plugin` over in every
 * case. `prefix` (copied; NULL or "" for none) is put in front of every tool and prompt name the
 * plugin registers. `config` is borrowed (NULL means {}).
 *
 * Either the plugin is fully loaded, or nothing of it remains (its registrations removed, the
 * library closed) and MCP_EPLUGIN (init failed), MCP_EEXIST (a name is already registered, e.g.
 * by another plugin, or the same plugin was loaded twice) or MCP_ENOMEM is returned with `err`
 * naming the plugin and the reason. Loop thread only (or before serving).
 */
MCP_API int mcp_plugin_host_add(mcp_plugin_host_t *host, mcp_plugin_t *plugin, const char *prefix,
                                const json_t *config, mcp_error_t *err);

/** mcp_plugin_open() then mcp_plugin_host_add(): load one plugin file, all or nothing. */
MCP_API int mcp_plugin_host_load(mcp_plugin_host_t *host, const char *path, const char *prefix,
                                 const json_t *config, mcp_error_t *err);

/** Number of plugins loaded. */
MCP_API size_t mcp_plugin_host_count(const mcp_plugin_host_t *host);
/** The descriptor of the i-th loaded plugin (load order), or NULL. Borrowed. */
MCP_API const mcp_plugin_desc_t *mcp_plugin_host_get(const mcp_plugin_host_t *host, size_t i);

/**
 * Unload every plugin, last loaded first: remove its remaining registrations from the server
 * (if the server still exists), call its shutdown(), close the library. Use this to roll back
 * when a later plugin fails. The host stays usable.
 */
MCP_API void mcp_plugin_host_unload_all(mcp_plugin_host_t *host);

/**
 * Unload everything (as mcp_plugin_host_unload_all()) and free the host. NULL is a no-op. May
 * run after the server was freed (e.g. by mcp_server_main()): the registrations went with it.
 */
MCP_API void mcp_plugin_host_free(mcp_plugin_host_t *host);

#ifdef __cplusplus
}
#endif
#endif /* MCP_PLUGIN_H */
