/*
 * mcp-host: serve the tools, resources and prompts of plugin shared objects over any transport.
 *
 *   mcp-host --plugin PATH.so [--plugin PATH.so ...] [--config FILE.json] [--namespace]
 *            [--prefix PLUGIN=PREFIX ...] [--check] [transport and common flags]
 *
 * Every flag mcp-host does not know is handed to mcp_server_main() (--stdio, --log-level, and
 * the HTTP transports' flags), so mcp-host serves on every transport libmcp offers.
 *
 * Loading is all or nothing: if any plugin cannot be opened, has a wrong ABI, fails its init or
 * registers a name that is already taken, every plugin loaded so far is rolled back (its
 * registrations removed, its shutdown run, its library closed) and mcp-host exits with status 1
 * before serving anything.
 */
#include <mcp_plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "mcp-host"

typedef struct opts {
    const char **plugins;
    size_t nplugins;
    const char *config_path;
    int namespace_all;
    const char **prefixes; /* "PLUGIN=PREFIX" */
    size_t nprefixes;
    int check;
    int help;
    char **pass; /* argv for mcp_server_main() */
    int npass;
} opts_t;

static void usage(FILE *to)
{
    fprintf(
        to,
        "Usage: " PROG " --plugin PATH.so [--plugin PATH.so ...] [--config FILE.json]\n"
        "                [--namespace] [--prefix PLUGIN=PREFIX ...] [--check]\n"
        "                [transport and common options]\n"
        "\n"
        "Serve the tools, resources and prompts of libmcp plugins over MCP.\n"
        "\n"
        "  --plugin PATH.so        load a plugin (repeatable; a path without '/' is taken\n"
        "                          relative to the current directory)\n"
        "  --config FILE.json      a JSON object of per-plugin configuration, keyed by plugin\n"
        "                          name: {\"notes\": {\"max_notes\": 10}}\n"
        "  --namespace             prefix every plugin's tool and prompt names with\n"
        "                          \"<plugin name>_\" (so two plugins can both define `search`)\n"
        "  --prefix PLUGIN=PREFIX  prefix the names of plugin PLUGIN with PREFIX instead\n"
        "                          (repeatable; e.g. --prefix notes=n_)\n"
        "  --check                 load every plugin, report what was loaded, and exit\n"
        "\n"
        "Transport and common options (those of every libmcp server):\n");
}

/* Takes an option's value from "--opt=value" or the next argument. */
static const char *value_of(int argc, char **argv, int *i, const char *opt, int *bad)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (a[n] == '=')
        return a + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    fprintf(stderr, PROG ": %s needs a value\n", opt);
    *bad = 1;
    return NULL;
}

static int is_opt(const char *a, const char *opt)
{
    size_t n = strlen(opt);
    return strncmp(a, opt, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

static int parse(int argc, char **argv, opts_t *o)
{
    int i, bad = 0;
    o->plugins = calloc((size_t)argc, sizeof *o->plugins);
    o->prefixes = calloc((size_t)argc, sizeof *o->prefixes);
    o->pass = calloc((size_t)argc + 1, sizeof *o->pass);
    if (!o->plugins || !o->prefixes || !o->pass) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    o->pass[o->npass++] = argv[0];
    for (i = 1; i < argc && !bad; i++) {
        const char *a = argv[i], *v;
        if (is_opt(a, "--plugin")) {
            if ((v = value_of(argc, argv, &i, "--plugin", &bad)))
                o->plugins[o->nplugins++] = v;
        } else if (is_opt(a, "--config")) {
            if ((v = value_of(argc, argv, &i, "--config", &bad)))
                o->config_path = v;
        } else if (strcmp(a, "--namespace") == 0) {
            o->namespace_all = 1;
        } else if (is_opt(a, "--prefix")) {
            if ((v = value_of(argc, argv, &i, "--prefix", &bad))) {
                const char *eq = strchr(v, '=');
                if (!eq || eq == v) {
                    fprintf(stderr, PROG ": --prefix takes PLUGIN=PREFIX, not '%s'\n", v);
                    bad = 1;
                } else {
                    o->prefixes[o->nprefixes++] = v;
                }
            }
        } else if (strcmp(a, "--check") == 0) {
            o->check = 1;
        } else {
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                o->help = 1;
            if (strcmp(a, "--version") == 0)
                o->help = 2;
            o->pass[o->npass++] = argv[i];
        }
    }
    if (bad)
        return 2;
    if (!o->help && o->nplugins == 0) {
        fprintf(stderr, PROG ": no plugin given (use --plugin PATH.so)\n\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

/* The prefix for plugin `name`: --prefix NAME=..., else "<name>_" with --namespace, else none. */
static const char *prefix_for(const opts_t *o, const char *name, char *buf, size_t size)
{
    size_t i, n = strlen(name);
    for (i = o->nprefixes; i-- > 0;) /* the last --prefix for a plugin wins */
        if (strncmp(o->prefixes[i], name, n) == 0 && o->prefixes[i][n] == '=')
            return o->prefixes[i] + n + 1;
    if (o->namespace_all) {
        snprintf(buf, size, "%s_", name);
        return buf;
    }
    return NULL;
}

static json_t *load_config(const char *path)
{
    json_error_t jerr;
    json_t *cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!cfg) {
        if (jerr.line > 0)
            fprintf(stderr, PROG ": error: config %s:%d:%d: %s\n", path, jerr.line, jerr.column,
                    jerr.text);
        else
            fprintf(stderr, PROG ": error: config %s: %s\n", path, jerr.text);
        return NULL;
    }
    if (!json_is_object(cfg)) {
        fprintf(stderr, PROG ": error: config %s: must be a JSON object keyed by plugin name\n",
                path);
        json_decref(cfg);
        return NULL;
    }
    return cfg;
}

static int load_all(mcp_plugin_host_t *host, const opts_t *o, const json_t *cfg)
{
    size_t i;
    const char *key;
    const json_t *val;

    for (i = 0; i < o->nplugins; i++) {
        mcp_error_t err = {0, ""};
        char buf[80];
        const mcp_plugin_desc_t *d;
        const json_t *pcfg;
        mcp_plugin_t *p = mcp_plugin_open(o->plugins[i], &err);
        if (!p) {
            fprintf(stderr, PROG ": error: %s\n", err.text);
            return 1;
        }
        d = mcp_plugin_descriptor_of(p);
        pcfg = cfg ? json_object_get(cfg, d->name) : NULL;
        if (pcfg && !json_is_object(pcfg)) {
            fprintf(stderr, PROG ": error: config for plugin '%s' must be a JSON object\n",
                    d->name);
            mcp_plugin_close(p);
            return 1;
        }
        if (mcp_plugin_host_add(host, p, prefix_for(o, d->name, buf, sizeof buf), pcfg, &err) !=
            MCP_OK) {
            fprintf(stderr, PROG ": error: %s\n", err.text);
            return 1;
        }
    }
    /* A config entry no plugin reads is probably a typo: say so, but go on. */
    json_object_foreach((json_t *)cfg, key, val)
    {
        int used = 0;
        (void)val;
        for (i = 0; i < mcp_plugin_host_count(host); i++)
            used |= strcmp(mcp_plugin_host_get(host, i)->name, key) == 0;
        if (!used)
            fprintf(stderr,
                    PROG ": warning: config has an entry for '%s', but no such plugin "
                         "is loaded\n",
                    key);
    }
    return 0;
}

static void describe(mcp_server_t *srv, mcp_plugin_host_t *host, FILE *log)
{
    char text[1024];
    size_t i, len = 0;
    len += (size_t)snprintf(text, sizeof text, "Tools from plugins:");
    for (i = 0; i < mcp_plugin_host_count(host) && len < sizeof text; i++) {
        const mcp_plugin_desc_t *d = mcp_plugin_host_get(host, i);
        len += (size_t)snprintf(text + len, sizeof text - len, "%s %s %s", i ? "," : "", d->name,
                                d->version ? d->version : "");
        if (log)
            fprintf(log, PROG ": loaded plugin %s %s: %s\n", d->name, d->version ? d->version : "",
                    d->description ? d->description : "");
    }
    mcp_server_set_description(srv, text);
}

int main(int argc, char **argv)
{
    opts_t o;
    mcp_server_t *srv;
    mcp_plugin_host_t *host;
    json_t *cfg = NULL;
    int rc;

    memset(&o, 0, sizeof o);
    if ((rc = parse(argc, argv, &o)) != 0)
        goto out;
    if (o.help == 1)
        usage(stdout);
    if (!(srv = mcp_server_new(PROG, MCP_VERSION_STRING))) {
        fprintf(stderr, PROG ": out of memory\n");
        rc = 1;
        goto out;
    }
    mcp_server_set_title(srv, "libmcp plugin host");
    if (o.help) {
        rc = mcp_server_main(srv, o.npass, o.pass); /* prints the transport options / version */
        goto out;
    }
    if (!(host = mcp_plugin_host_new(srv))) {
        fprintf(stderr, PROG ": out of memory\n");
        mcp_server_free(srv);
        rc = 1;
        goto out;
    }
    if ((o.config_path && !(cfg = load_config(o.config_path))) || load_all(host, &o, cfg) != 0) {
        /* Nothing half-loaded: every plugin loaded so far is rolled back. */
        mcp_plugin_host_unload_all(host);
        mcp_server_free(srv);
        mcp_plugin_host_free(host);
        rc = 1;
        goto out;
    }
    describe(srv, host, o.check ? stdout : NULL);
    if (o.check) {
        printf(PROG ": %zu plugin(s) loaded\n", mcp_plugin_host_count(host));
        mcp_server_free(srv);
        rc = 0;
    } else {
        rc = mcp_server_main(srv, o.npass, o.pass); /* frees srv */
    }
    mcp_plugin_host_free(host); /* shutdown() of each plugin, then dlclose */
out:
    json_decref(cfg);
    free(o.plugins);
    free(o.prefixes);
    free(o.pass);
    return rc;
}
