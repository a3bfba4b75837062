/*
 * The plugin loader (include/mcp_plugin.h): dlopen/dlsym, descriptor and ABI checks, config
 * pass-through, name prefixing and all-or-nothing loading.
 *
 * This file is a user of the public API only (mcp.h + mcp_plugin.h), like any host would be.
 *
 * Every registration a plugin makes goes through its mcp_plugin_ctx. The context registers a
 * wrapper (`struct wrap`) as the item's userdata: the wrapper calls the plugin's handler with the
 * plugin's userdata, and its free_userdata tells the plugin's record (`struct rec`) that the
 * registration is gone before passing the plugin's own free_userdata on. So the loader always
 * knows which registrations are still alive: it can remove them to roll a plugin back, and it
 * knows when the server has already released them (mcp_server_free() runs every free_userdata),
 * so the plugin host may outlive the server. A library is closed only when none of its
 * registrations is alive any more (an item kept alive by a call in flight keeps its code loaded).
 */
/* dladdr1() and RTLD_DL_SYMENT, used to check the descriptor symbol's ELF type and size before
 * reading it, are GNU extensions: <dlfcn.h> declares them only with _GNU_SOURCE, which must be
 * defined before the first system header is included (this file only; the rest of libmcp stays
 * strict POSIX). */
#define _GNU_SOURCE
#include "mcp_plugin.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { KIND_TOOL, KIND_RESOURCE, KIND_PROMPT };

struct rec;

/* The userdata libmcp holds for one registration of a plugin. */
struct wrap {
    int kind;
    union {
        mcp_tool_fn tool;
        mcp_resource_fn resource;
        mcp_prompt_fn prompt;
    } fn;
    void *userdata;
    void (*free_userdata)(void *userdata);
    struct rec *rec; /* NULL once the loader forgot the registration */
};

/* The loader's record of one registration. */
struct rec {
    int kind;
    char *key;         /* tool/prompt name (prefixed), resource URI or template */
    struct wrap *wrap; /* NULL once libmcp released the registration */
    struct rec *next;
};

struct mcp_plugin {
    void *dl;
    const mcp_plugin_desc_t *desc;
    char *path;
};

struct mcp_plugin_ctx {
    mcp_plugin_host_t *host;
    mcp_plugin_t *plugin;
    char *prefix;     /* "" for none */
    struct rec *recs; /* newest first */
    bool in_init;     /* registrations are only allowed during init() */
    int reg_error;    /* first failed registration (even if init() ignored it) */
    char reg_text[200];
    char fail_text[200]; /* from mcp_plugin_fail() */
    void *state;
    bool initialised; /* init() succeeded: shutdown() is due */
    struct mcp_plugin_ctx *next;
};

struct mcp_plugin_host {
    mcp_server_t *srv;
    mcp_plugin_ctx_t *loaded; /* newest first */
    size_t count;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static int seterr(mcp_error_t *err, int code, const char *fmt, ...) MCP_PRINTF(3, 4);

static int seterr(mcp_error_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return code;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static bool valid_plugin_name(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return false;
    return n >= 1 && n <= 64;
}

/* ---- opening ------------------------------------------------------------------------------ */

/* Is the symbol dlsym() found at `d` a data object at least as large as a descriptor? Anything
 * else (a function, a too-small object) must not be read as one. */
static bool descriptor_symbol_ok(const void *d, const char *path, mcp_error_t *err)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    unsigned type;

    if (!dladdr1(d, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym || info.dli_saddr != d) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: '%s' is not a plugin descriptor (its type and size cannot be "
               "checked); declare the plugin with MCP_PLUGIN()",
               path, MCP_PLUGIN_SYMBOL);
        return false;
    }
    type = ELF64_ST_TYPE(sym->st_info); /* the same low 4 bits in ELF32 */
    if (type == STT_FUNC || type == STT_GNU_IFUNC) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: '%s' is not a plugin descriptor (a function, not a data object); "
               "declare the plugin with MCP_PLUGIN()",
               path, MCP_PLUGIN_SYMBOL);
        return false;
    }
    if (type != STT_OBJECT) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: '%s' is not a plugin descriptor (ELF symbol type %u, not a data "
               "object); declare the plugin with MCP_PLUGIN()",
               path, MCP_PLUGIN_SYMBOL, type);
        return false;
    }
    if (sym->st_size < sizeof(mcp_plugin_desc_t)) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: '%s' is not a plugin descriptor (an object of %zu bytes, a "
               "descriptor has %zu); declare the plugin with MCP_PLUGIN()",
               path, MCP_PLUGIN_SYMBOL, (size_t)sym->st_size, sizeof(mcp_plugin_desc_t));
        return false;
    }
    return true;
}

mcp_plugin_t *mcp_plugin_open(const char *path, mcp_error_t *err)
{
    mcp_plugin_t *p;
    const mcp_plugin_desc_t *d;
    struct stat st;
    char *full;
    void *dl;

    if (!path || !*path) {
        seterr(err, MCP_EINVAL, "plugin: empty path");
        return NULL;
    }
    /* dlopen() searches the library path for a bare name; a plugin path means a file. */
    if (!strchr(path, '/')) {
        size_t n = strlen(path) + 3;
        if (!(full = malloc(n))) {
            seterr(err, MCP_ENOMEM, "out of memory");
            return NULL;
        }
        snprintf(full, n, "./%s", path);
    } else if (!(full = dupstr(path))) {
        seterr(err, MCP_ENOMEM, "out of memory");
        return NULL;
    }
    if (stat(full, &st) != 0) {
        seterr(err, MCP_EPLUGIN, "plugin %s: %s", path, strerror(errno));
        free(full);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        seterr(err, MCP_EPLUGIN, "plugin %s: not a regular file", path);
        free(full);
        return NULL;
    }
    dlerror();
    dl = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        seterr(err, MCP_EPLUGIN, "plugin %s: cannot load: %s", path, why ? why : "unknown error");
        free(full);
        return NULL;
    }
    dlerror();
    d = (const mcp_plugin_desc_t *)dlsym(dl, MCP_PLUGIN_SYMBOL);
    if (!d) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: no plugin descriptor (symbol '%s' missing; declare the plugin with "
               "MCP_PLUGIN())",
               path, MCP_PLUGIN_SYMBOL);
        goto fail;
    }
    if (!descriptor_symbol_ok(d, path, err))
        goto fail;
    if (d->abi != MCP_PLUGIN_ABI_VERSION) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: built for plugin ABI version %d, this host speaks version %d; rebuild "
               "it against this libmcp",
               path, d->abi, MCP_PLUGIN_ABI_VERSION);
        goto fail;
    }
    /* Same major version; during 0.x every minor version may change the ABI. */
    if ((d->libmcp_version >> 16) != MCP_VERSION_MAJOR ||
        (MCP_VERSION_MAJOR == 0 && ((d->libmcp_version >> 8) & 0xff) != MCP_VERSION_MINOR)) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: built against libmcp %u.%u.%u, not compatible with "
               "libmcp %s",
               path, d->libmcp_version >> 16, (d->libmcp_version >> 8) & 0xff,
               d->libmcp_version & 0xff, mcp_version_string());
        goto fail;
    }
    if (!valid_plugin_name(d->name)) {
        seterr(err, MCP_EPLUGIN,
               "plugin %s: the descriptor's name must be 1-64 characters of "
               "A-Z a-z 0-9 _ - .",
               path);
        goto fail;
    }
    if (!d->init) {
        seterr(err, MCP_EPLUGIN, "plugin %s (%s): the descriptor has no init function", path,
               d->name);
        goto fail;
    }
    if (!(p = calloc(1, sizeof *p))) {
        seterr(err, MCP_ENOMEM, "out of memory");
        goto fail;
    }
    p->dl = dl;
    p->desc = d;
    p->path = full;
    return p;
fail:
    dlclose(dl);
    free(full);
    return NULL;
}

const mcp_plugin_desc_t *mcp_plugin_descriptor_of(const mcp_plugin_t *plugin)
{
    return plugin ? plugin->desc : NULL;
}

void mcp_plugin_close(mcp_plugin_t *plugin)
{
    if (!plugin)
        return;
    if (plugin->dl)
        dlclose(plugin->dl);
    free(plugin->path);
    free(plugin);
}

/* ---- the wrappers libmcp calls ------------------------------------------------------------ */

static int tool_tramp(mcp_call_t *call, const json_t *args, void *ud)
{
    struct wrap *w = ud;
    return w->fn.tool(call, args, w->userdata);
}

static int resource_tramp(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    struct wrap *w = ud;
    return w->fn.resource(call, uri, vars, w->userdata);
}

static int prompt_tramp(mcp_call_t *call, const json_t *args, void *ud)
{
    struct wrap *w = ud;
    return w->fn.prompt(call, args, w->userdata);
}

static void wrap_free(void *ud)
{
    struct wrap *w = ud;
    if (w->free_userdata)
        w->free_userdata(w->userdata);
    if (w->rec)
        w->rec->wrap = NULL;
    free(w);
}

/* ---- registration through the context ----------------------------------------------------- */

/* Who registered `key` (kind) among the loaded plugins, for a helpful EEXIST message. */
static const char *owner_of(const mcp_plugin_host_t *host, int kind, const char *key)
{
    const mcp_plugin_ctx_t *c;
    const struct rec *r;
    for (c = host->loaded; c; c = c->next)
        for (r = c->recs; r; r = r->next)
            if (r->kind == kind && r->wrap && strcmp(r->key, key) == 0)
                return c->plugin->desc->name;
    return NULL;
}

/* Record a failed registration (the first one counts) and pass the code on. */
static int reg_failed(mcp_plugin_ctx_t *ctx, int kind, const char *key, int code,
                      const mcp_error_t *why, mcp_error_t *err)
{
    static const char *const kinds[] = {"tool", "resource", "prompt"};
    char text[sizeof ctx->reg_text];
    const char *owner = key && code == MCP_EEXIST ? owner_of(ctx->host, kind, key) : NULL;

    if (owner && strcmp(owner, ctx->plugin->desc->name) == 0)
        snprintf(text, sizeof text, "%s '%s' is registered twice by this plugin", kinds[kind], key);
    else if (owner)
        snprintf(text, sizeof text,
                 "%s '%s' is already registered by plugin '%s' (use "
                 "--namespace or --prefix to keep both)",
                 kinds[kind], key, owner);
    else if (why && why->text[0])
        snprintf(text, sizeof text, "%s", why->text);
    else
        snprintf(text, sizeof text, "%s '%s': %s", kinds[kind], key ? key : "(null)",
                 mcp_strerror(code));
    if (!ctx->reg_error) {
        ctx->reg_error = code;
        memcpy(ctx->reg_text, text, sizeof text);
    }
    return seterr(err, code, "%s", text);
}

static int begin_reg(mcp_plugin_ctx_t *ctx, int kind, const char *name, char **prefixed,
                     struct wrap **w, mcp_error_t *err)
{
    *prefixed = NULL;
    *w = NULL;
    if (!ctx->in_init)
        return seterr(err, MCP_ESTATE, "plugin '%s': register from init() only",
                      ctx->plugin->desc->name);
    if (name && ctx->prefix[0] && kind != KIND_RESOURCE) {
        size_t n = strlen(ctx->prefix) + strlen(name) + 1;
        if (!(*prefixed = malloc(n)))
            return reg_failed(ctx, kind, name, MCP_ENOMEM, NULL, err);
        snprintf(*prefixed, n, "%s%s", ctx->prefix, name);
    }
    if (!(*w = calloc(1, sizeof **w))) {
        free(*prefixed);
        *prefixed = NULL;
        return reg_failed(ctx, kind, name, MCP_ENOMEM, NULL, err);
    }
    (*w)->kind = kind;
    return MCP_OK;
}

/* After a successful registration: remember it. On OOM here, undo the registration. */
static int end_reg(mcp_plugin_ctx_t *ctx, int kind, const char *key, struct wrap *w,
                   mcp_error_t *err)
{
    struct rec *r = calloc(1, sizeof *r);
    if (!r || !(r->key = dupstr(key))) {
        free(r);
        /* Removing runs wrap_free(); the plugin's own free_userdata must not run: the
         * registration is reported as failed, and on failure the caller keeps its userdata. */
        w->free_userdata = NULL;
        if (kind == KIND_TOOL)
            mcp_server_remove_tool(ctx->host->srv, key);
        else if (kind == KIND_PROMPT)
            mcp_server_remove_prompt(ctx->host->srv, key);
        else
            mcp_server_remove_resource(ctx->host->srv, key);
        return reg_failed(ctx, kind, key, MCP_ENOMEM, NULL, err);
    }
    r->kind = kind;
    r->wrap = w;
    w->rec = r;
    r->next = ctx->recs;
    ctx->recs = r;
    return MCP_OK;
}

int mcp_plugin_add_tool(mcp_plugin_ctx_t *ctx, const mcp_tool_t *tool, mcp_error_t *err)
{
    mcp_tool_t t;
    mcp_error_t why = {0, ""};
    struct wrap *w;
    char *name;
    int rc;

    if (!ctx || !tool)
        return seterr(err, MCP_EINVAL, "plugin: NULL argument");
    if ((rc = begin_reg(ctx, KIND_TOOL, tool->name, &name, &w, err)) != MCP_OK)
        return rc;
    t = *tool;
    if (name)
        t.name = name;
    w->fn.tool = tool->handler;
    w->userdata = tool->userdata;
    w->free_userdata = tool->free_userdata;
    t.handler = tool->handler ? tool_tramp : NULL;
    t.userdata = w;
    t.free_userdata = wrap_free;
    rc = mcp_server_add_tool(ctx->host->srv, &t, &why);
    if (rc != MCP_OK) {
        free(w);
        rc = reg_failed(ctx, KIND_TOOL, t.name, rc, &why, err);
    } else {
        rc = end_reg(ctx, KIND_TOOL, t.name, w, err);
    }
    free(name);
    return rc;
}

int mcp_plugin_add_prompt(mcp_plugin_ctx_t *ctx, const mcp_prompt_t *prompt, mcp_error_t *err)
{
    mcp_prompt_t p;
    mcp_error_t why = {0, ""};
    struct wrap *w;
    char *name;
    int rc;

    if (!ctx || !prompt)
        return seterr(err, MCP_EINVAL, "plugin: NULL argument");
    if ((rc = begin_reg(ctx, KIND_PROMPT, prompt->name, &name, &w, err)) != MCP_OK)
        return rc;
    p = *prompt;
    if (name)
        p.name = name;
    w->fn.prompt = prompt->handler;
    w->userdata = prompt->userdata;
    w->free_userdata = prompt->free_userdata;
    p.handler = prompt->handler ? prompt_tramp : NULL;
    p.userdata = w;
    p.free_userdata = wrap_free;
    rc = mcp_server_add_prompt(ctx->host->srv, &p, &why);
    if (rc != MCP_OK) {
        free(w);
        rc = reg_failed(ctx, KIND_PROMPT, p.name, rc, &why, err);
    } else {
        rc = end_reg(ctx, KIND_PROMPT, p.name, w, err);
    }
    free(name);
    return rc;
}

int mcp_plugin_add_resource(mcp_plugin_ctx_t *ctx, const mcp_resource_t *res, mcp_error_t *err)
{
    mcp_resource_t r;
    mcp_error_t why = {0, ""};
    struct wrap *w;
    char *unused;
    const char *key;
    int rc;

    if (!ctx || !res)
        return seterr(err, MCP_EINVAL, "plugin: NULL argument");
    key = res->uri ? res->uri : res->uri_template;
    if ((rc = begin_reg(ctx, KIND_RESOURCE, key, &unused, &w, err)) != MCP_OK)
        return rc;
    r = *res;
    w->fn.resource = res->handler;
    w->userdata = res->userdata;
    w->free_userdata = res->free_userdata;
    r.handler = res->handler ? resource_tramp : NULL;
    r.userdata = w;
    r.free_userdata = wrap_free;
    rc = mcp_server_add_resource(ctx->host->srv, &r, &why);
    if (rc != MCP_OK) {
        free(w);
        return reg_failed(ctx, KIND_RESOURCE, key, rc, &why, err);
    }
    return end_reg(ctx, KIND_RESOURCE, key, w, err);
}

mcp_server_t *mcp_plugin_server(const mcp_plugin_ctx_t *ctx)
{
    return ctx ? ctx->host->srv : NULL;
}

const char *mcp_plugin_name(const mcp_plugin_ctx_t *ctx)
{
    return ctx ? ctx->plugin->desc->name : NULL;
}

const char *mcp_plugin_prefix(const mcp_plugin_ctx_t *ctx)
{
    return ctx ? ctx->prefix : NULL;
}

int mcp_plugin_fail(mcp_plugin_ctx_t *ctx, int code, const char *fmt, ...)
{
    if (ctx && fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->fail_text, sizeof ctx->fail_text, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- the host ----------------------------------------------------------------------------- */

mcp_plugin_host_t *mcp_plugin_host_new(mcp_server_t *srv)
{
    mcp_plugin_host_t *host;
    if (!srv)
        return NULL;
    if ((host = calloc(1, sizeof *host)))
        host->srv = srv;
    return host;
}

/* Remove every live registration of `ctx`, forget the records, run shutdown, close the library
 * unless some registration is still held by a call in flight. */
static void unload(mcp_plugin_ctx_t *ctx)
{
    struct rec *r, *next;
    bool still_alive = false;

    for (r = ctx->recs; r; r = r->next) {
        /* A live wrapper means libmcp still holds the registration, so the server exists. */
        if (!r->wrap)
            continue;
        if (r->kind == KIND_TOOL)
            mcp_server_remove_tool(ctx->host->srv, r->key);
        else if (r->kind == KIND_PROMPT)
            mcp_server_remove_prompt(ctx->host->srv, r->key);
        else
            mcp_server_remove_resource(ctx->host->srv, r->key);
    }
    for (r = ctx->recs; r; r = next) {
        next = r->next;
        if (r->wrap) { /* kept alive by a call in flight: its code must stay loaded */
            r->wrap->rec = NULL;
            still_alive = true;
        }
        free(r->key);
        free(r);
    }
    ctx->recs = NULL;
    if (ctx->initialised && ctx->plugin->desc->shutdown)
        ctx->plugin->desc->shutdown(ctx->state);
    ctx->initialised = false;
    if (still_alive)
        ctx->plugin->dl = NULL; /* deliberately left open */
    mcp_plugin_close(ctx->plugin);
    free(ctx->prefix);
    free(ctx);
}

int mcp_plugin_host_add(mcp_plugin_host_t *host, mcp_plugin_t *plugin, const char *prefix,
                        const json_t *config, mcp_error_t *err)
{
    mcp_plugin_ctx_t *ctx, *c;
    json_t *empty = NULL;
    const char *name;
    int rc;

    if (!host || !plugin) {
        mcp_plugin_close(plugin);
        return seterr(err, MCP_EINVAL, "plugin: NULL argument");
    }
    name = plugin->desc->name;
    for (c = host->loaded; c; c = c->next)
        if (strcmp(c->plugin->desc->name, name) == 0 &&
            strcmp(c->prefix, prefix ? prefix : "") == 0) {
            seterr(err, MCP_EEXIST, "plugin %s: a plugin named '%s' is already loaded (from %s)",
                   plugin->path, name, c->plugin->path);
            mcp_plugin_close(plugin);
            return MCP_EEXIST;
        }
    if (config && !json_is_object(config)) {
        seterr(err, MCP_EPLUGIN, "plugin %s (%s): its configuration must be a JSON object",
               plugin->path, name);
        mcp_plugin_close(plugin);
        return MCP_EPLUGIN;
    }
    if (!(ctx = calloc(1, sizeof *ctx)) || !(ctx->prefix = dupstr(prefix ? prefix : "")) ||
        (!config && !(config = empty = json_object()))) {
        if (ctx)
            free(ctx->prefix);
        free(ctx);
        mcp_plugin_close(plugin);
        return seterr(err, MCP_ENOMEM, "out of memory");
    }
    ctx->host = host;
    ctx->plugin = plugin;
    ctx->in_init = true;
    rc = plugin->desc->init(ctx, config, &ctx->state);
    ctx->in_init = false;
    json_decref(empty);

    if (rc == MCP_OK && ctx->reg_error) {
        /* init() went on after a failed registration: its state exists, so shut it down. */
        ctx->initialised = true;
        rc = ctx->reg_error;
        seterr(err, rc, "plugin %s (%s): %s", plugin->path, name, ctx->reg_text);
    } else if (rc == MCP_OK) {
        ctx->initialised = true;
        ctx->next = host->loaded;
        host->loaded = ctx;
        host->count++;
        return MCP_OK;
    } else {
        const char *why = ctx->fail_text[0] ? ctx->fail_text
                          : ctx->reg_error  ? ctx->reg_text
                          : rc < 0          ? mcp_strerror(rc)
                                            : "init returned a non-zero status";
        if (ctx->reg_error && rc == ctx->reg_error) {
            seterr(err, rc, "plugin %s (%s): %s", plugin->path, name, why);
        } else {
            seterr(err, MCP_EPLUGIN, "plugin %s (%s): init failed: %s", plugin->path, name, why);
            rc = MCP_EPLUGIN;
        }
    }
    unload(ctx);
    return rc < 0 ? rc : MCP_EPLUGIN;
}

int mcp_plugin_host_load(mcp_plugin_host_t *host, const char *path, const char *prefix,
                         const json_t *config, mcp_error_t *err)
{
    mcp_plugin_t *p;
    if (!host)
        return seterr(err, MCP_EINVAL, "plugin: NULL host");
    if (!(p = mcp_plugin_open(path, err)))
        return err ? err->code : MCP_EPLUGIN;
    return mcp_plugin_host_add(host, p, prefix, config, err);
}

size_t mcp_plugin_host_count(const mcp_plugin_host_t *host)
{
    return host ? host->count : 0;
}

const mcp_plugin_desc_t *mcp_plugin_host_get(const mcp_plugin_host_t *host, size_t i)
{
    const mcp_plugin_ctx_t *c;
    size_t n;
    if (!host || i >= host->count)
        return NULL;
    /* The list is newest first; index i counts from the oldest. */
    for (c = host->loaded, n = host->count - 1; c; c = c->next, n--)
        if (n == i)
            return c->plugin->desc;
    return NULL;
}

void mcp_plugin_host_unload_all(mcp_plugin_host_t *host)
{
    if (!host)
        return;
    while (host->loaded) {
        mcp_plugin_ctx_t *c = host->loaded;
        host->loaded = c->next;
        unload(c);
    }
    host->count = 0;
}

void mcp_plugin_host_free(mcp_plugin_host_t *host)
{
    if (!host)
        return;
    mcp_plugin_host_unload_all(host);
    free(host);
}
