/*
 * mcp pack [options] BINARY: an MCP Bundle (.mcpb) of a server binary, for one-click install
 * in Claude Desktop and other MCPB hosts.
 *
 *   -o FILE            the bundle (default: BINARY's name + .mcpb, in the current folder)
 *   --manifest FILE    a manifest.json to start from (name, version, description, author and
 *                      any other field kept; server, tools, prompts and platforms are set)
 *   --icon FILE.png    the bundle's icon
 *   --arg ARG          a fixed argument of the server (repeatable), also used while listing
 *   --user-config KEY:TYPE:TITLE[:FLAG]
 *                      a setting the user fills in at install time (TYPE string, number,
 *                      boolean, directory, file; directory/file without FLAG are positional
 *                      and may be several); passed as FLAG VALUE, or positionally without FLAG
 *   --timeout MS       how long the server has to answer (default 10000)
 *
 * The manifest is of the current MCPB version (0.4): server type "binary", the entry point
 * server/NAME, the platform the binary was built for (from its header: ELF linux, Mach-O darwin,
 * PE win32), user_config for the libmcp flags the server's --help lists (--log-level,
 * --tool-timeout) plus --user-config ones, and the tools and prompts the server itself lists:
 * pack runs it over STDIO with libmcp's client (a prompt's text is what prompts/get answers for
 * ${arguments.X} placeholders). A binary that does not answer initialize and tools/list in time
 * is not packed. The zip is written here (stored entries, Unix modes kept): no zip tool needed.
 */
#include "cmd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define PACK_USAGE                                                                              \
    "mcp pack [-o FILE.mcpb] [--manifest FILE] [--icon FILE.png] [--arg ARG]...\n"             \
    "         [--user-config KEY:TYPE:TITLE[:FLAG]]... [--timeout MS] BINARY"
#define MAX_INPUT_BYTES (512u << 20)
#define MAX_ARGS        64

/* ---- a zip writer: stored entries, CRC-32, Unix modes ------------------------------------------ */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    uint32_t c = 0xffffffffu;
    size_t i;
    if (!ready) {
        for (i = 0; i < 256; i++) {
            uint32_t v = (uint32_t)i;
            int k;
            for (k = 0; k < 8; k++)
                v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
            table[i] = v;
        }
        ready = 1;
    }
    for (i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

typedef struct zip_entry {
    char name[256];
    uint32_t crc, size, offset;
    unsigned mode;
} zip_entry;

typedef struct zip_out {
    FILE *f;
    zip_entry e[8];
    int n;
    uint32_t off;
    int failed;
} zip_out;

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void zwrite(zip_out *z, const void *p, size_t n)
{
    if (!z->failed && fwrite(p, 1, n, z->f) != n)
        z->failed = 1;
    z->off += (uint32_t)n;
}

/* Times are fixed (1980-01-01): the same inputs give the same bundle. */
static void zip_add(zip_out *z, const char *name, const unsigned char *data, size_t len,
                    unsigned mode)
{
    unsigned char h[30];
    zip_entry *e = &z->e[z->n++];
    size_t nl = strlen(name);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->crc = crc32_of(data, len);
    e->size = (uint32_t)len;
    e->offset = z->off;
    e->mode = mode;
    memset(h, 0, sizeof h);
    put32(h, 0x04034b50u);
    put16(h + 4, 20);       /* version needed: 2.0 */
    put16(h + 8, 0);        /* stored */
    put16(h + 12, 0x0021);  /* 1980-01-01 */
    put32(h + 14, e->crc);
    put32(h + 18, e->size); /* compressed = uncompressed */
    put32(h + 22, e->size);
    put16(h + 26, (unsigned)nl);
    zwrite(z, h, sizeof h);
    zwrite(z, name, nl);
    zwrite(z, data, len);
}

static void zip_finish(zip_out *z)
{
    uint32_t start = z->off;
    unsigned char h[46], end[22];
    int i;
    for (i = 0; i < z->n; i++) {
        zip_entry *e = &z->e[i];
        size_t nl = strlen(e->name);
        memset(h, 0, sizeof h);
        put32(h, 0x02014b50u);
        put16(h + 4, (3u << 8) | 20); /* made by: Unix, 2.0 (so the modes below count) */
        put16(h + 6, 20);
        put16(h + 14, 0x0021);
        put32(h + 16, e->crc);
        put32(h + 20, e->size);
        put32(h + 24, e->size);
        put16(h + 28, (unsigned)nl);
        put32(h + 38, (uint32_t)(0100000u | e->mode) << 16); /* regular file + permissions */
        put32(h + 42, e->offset);
        zwrite(z, h, sizeof h);
        zwrite(z, e->name, nl);
    }
    memset(end, 0, sizeof end);
    put32(end, 0x06054b50u);
    put16(end + 8, (unsigned)z->n);
    put16(end + 10, (unsigned)z->n);
    put32(end + 12, z->off - start);
    put32(end + 16, start);
    zwrite(z, end, sizeof end);
}

/* ---- inputs -------------------------------------------------------------------------------- */

static unsigned char *read_all(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *p;
    FILE *f;
    errno = 0;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "mcp pack: %s: %s\n", path, errno ? strerror(errno) : "not a file");
        return NULL;
    }
    if ((unsigned long long)st.st_size > MAX_INPUT_BYTES) {
        fprintf(stderr, "mcp pack: %s is over %u bytes\n", path, MAX_INPUT_BYTES);
        return NULL;
    }
    f = fopen(path, "rb");
    p = f ? malloc((size_t)st.st_size + 1) : NULL;
    if (!p || fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "mcp pack: cannot read %s\n", path);
        free(p);
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)st.st_size;
    return p;
}

/* The MCPB platform a binary was built for, from its first bytes; NULL if not a program. */
static const char *binary_platform(const unsigned char *p, size_t n)
{
    if (n >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F')
        return "linux";
    if (n >= 4 && ((p[0] == 0xcf || p[0] == 0xce) && p[1] == 0xfa && p[2] == 0xed && p[3] == 0xfe))
        return "darwin";
    if (n >= 4 && p[0] == 0xca && p[1] == 0xfe && p[2] == 0xba && p[3] == 0xbe)
        return "darwin";
    if (n >= 2 && p[0] == 'M' && p[1] == 'Z')
        return "win32";
    return NULL;
}

/* ---- asking the server itself ---------------------------------------------------------------- */

typedef struct listing {
    json_t *info;    /* serverInfo */
    json_t *tools;   /* [{name, description}] */
    json_t *prompts; /* [{name, description, arguments, text}] */
    int has_log_level, has_tool_timeout;
} listing;

/* A prompt's text as the MCPB manifest wants it: what prompts/get answers when each argument is
 * the placeholder ${arguments.NAME}. */
static json_t *prompt_text(mcp_client_t *c, const json_t *prompt)
{
    json_t *args = json_object(), *res = NULL, *arg, *names = json_array(), *msg;
    json_t *out = json_object();
    mcp_client_error_t err;
    char buf[300];
    size_t i;
    const char *desc = json_string_value(json_object_get(prompt, "description"));
    json_array_foreach(json_object_get(prompt, "arguments"), i, arg)
    {
        const char *n = json_string_value(json_object_get(arg, "name"));
        if (!n)
            continue;
        snprintf(buf, sizeof buf, "${arguments.%s}", n);
        json_object_set_new(args, n, json_string(buf));
        json_array_append_new(names, json_string(n));
    }
    json_object_set(out, "name", json_object_get(prompt, "name"));
    if (desc)
        json_object_set_new(out, "description", json_string(desc));
    if (json_array_size(names))
        json_object_set(out, "arguments", names);
    json_decref(names);
    if (mcp_client_get_prompt_sync(c, json_string_value(json_object_get(prompt, "name")), args,
                                   &res, &err) == MCP_OK) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        json_array_foreach(json_object_get(res, "messages"), i, msg)
        {
            const char *t = json_string_value(json_object_get(json_object_get(msg, "content"), "text"));
            if (t && m)
                fprintf(m, "%s%s", i ? "\n\n" : "", t);
        }
        if (m)
            fclose(m);
        if (text && *text)
            json_object_set_new(out, "text", json_string(text));
        free(text);
        json_decref(res);
    }
    if (!json_object_get(out, "text"))
        json_object_set_new(out, "text", json_string(desc ? desc : ""));
    return out;
}

static int ask_server(const char *binary, char **args, int nargs, unsigned timeout_ms, listing *l)
{
    const char *argv[MAX_ARGS + 2];
    mcp_client_stdio_opts_t o;
    mcp_client_error_t err;
    json_t *init = NULL, *tools = NULL, *prompts = NULL, *t;
    mcp_client_t *c;
    size_t i;
    int rc = -1;
    argv[0] = binary;
    for (i = 0; i < (size_t)nargs; i++)
        argv[i + 1] = args[i];
    argv[nargs + 1] = NULL;
    memset(&o, 0, sizeof o);
    o.stderr_mode = MCP_CLIENT_STDERR_CAPTURE;
    c = mcp_client_new(NULL, "mcp-pack", mcp_version_string());
    if (!c)
        return -1;
    mcp_client_set_timeout(c, timeout_ms);
    if (mcp_client_connect_stdio(c, argv, &o) != MCP_OK) {
        fprintf(stderr, "mcp pack: cannot start %s: %s\n", binary, mcp_client_last_error(c));
        goto out;
    }
    if (mcp_client_initialize_sync(c, &init, &err) != MCP_OK ||
        mcp_client_list_tools_sync(c, &tools, &err) != MCP_OK) {
        fprintf(stderr,
                "mcp pack: %s is not an MCP server, or not one that answers over STDIO: it did "
                "not answer initialize and tools/list within %u ms (%s); not packing it\n",
                binary, timeout_ms, err.text);
        goto out;
    }
    l->info = json_deep_copy(mcp_client_server_info(c));
    l->tools = json_array();
    json_array_foreach(tools, i, t)
    {
        json_t *e = json_object();
        json_object_set(e, "name", json_object_get(t, "name"));
        if (json_is_string(json_object_get(t, "description")))
            json_object_set(e, "description", json_object_get(t, "description"));
        json_array_append_new(l->tools, e);
    }
    l->prompts = json_array();
    if (json_object_get(mcp_client_server_capabilities(c), "prompts") &&
        mcp_client_list_prompts_sync(c, &prompts, &err) == MCP_OK) {
        json_array_foreach(prompts, i, t) json_array_append_new(l->prompts, prompt_text(c, t));
    }
    rc = 0;
out:
    json_decref(init);
    json_decref(tools);
    json_decref(prompts);
    mcp_client_free(c);
    return rc;
}

/* Which libmcp flags the binary's --help lists (servers built on mcp_server_main() have both). */
static void read_help(const char *binary, unsigned timeout_ms, listing *l)
{
    char cmd[4200], line[512];
    FILE *p;
    const char *s;
    for (s = binary; *s; s++)
        if (*s == '\'')
            return; /* not quotable simply; no flags then */
    /* bounded like the listing: a program that ignores --help and waits is killed */
    snprintf(cmd, sizeof cmd, "timeout %u '%s' --help 2>&1 </dev/null", (timeout_ms + 999) / 1000,
             binary);
    p = popen(cmd, "r");
    if (!p)
        return;
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, "--log-level LEVEL"))
            l->has_log_level = 1;
        if (strstr(line, "--tool-timeout MS"))
            l->has_tool_timeout = 1;
    }
    pclose(p);
}

/* ---- the manifest ------------------------------------------------------------------------- */

static void set_default(json_t *m, const char *key, json_t *v)
{
    if (!json_object_get(m, key))
        json_object_set_new(m, key, v);
    else
        json_decref(v);
}

static json_t *user_config_entry(const char *type, const char *title, const char *desc,
                                 json_t *dflt, int required)
{
    json_t *e = json_pack("{s:s,s:s,s:s,s:b}", "type", type, "title", title, "description", desc,
                          "required", required);
    if (dflt)
        json_object_set_new(e, "default", dflt);
    return e;
}

int mcp_cmd_pack(int argc, char **argv)
{
    const char *out = NULL, *base_file = NULL, *icon = NULL, *binary = NULL;
    char *fixed[MAX_ARGS], *ucfg[MAX_ARGS];
    int nfixed = 0, nucfg = 0, a, i;
    unsigned timeout_ms = 10000;
    unsigned char *bin = NULL, *icon_data = NULL;
    size_t bin_len = 0, icon_len = 0;
    const char *platform, *base;
    char entry[300], outbuf[300], command[320];
    listing l;
    json_t *m = NULL, *server, *args, *uc;
    char *text = NULL;
    zip_out z;
    int rc = MCP_EXIT_USAGE;

    memset(&l, 0, sizeof l);
    for (a = 1; a < argc; a++) {
        const char *s = argv[a];
        int more = a + 1 < argc;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            printf("usage: %s\n", PACK_USAGE);
            return MCP_EXIT_OK;
        } else if (strcmp(s, "-o") == 0 && more) {
            out = argv[++a];
        } else if (strcmp(s, "--manifest") == 0 && more) {
            base_file = argv[++a];
        } else if (strcmp(s, "--icon") == 0 && more) {
            icon = argv[++a];
        } else if (strcmp(s, "--arg") == 0 && more && nfixed < MAX_ARGS - 8) {
            fixed[nfixed++] = argv[++a];
        } else if (strcmp(s, "--user-config") == 0 && more && nucfg < MAX_ARGS) {
            ucfg[nucfg++] = argv[++a];
        } else if (strcmp(s, "--timeout") == 0 && more) {
            timeout_ms = (unsigned)strtoul(argv[++a], NULL, 10);
        } else if (!binary && s[0] != '-') {
            binary = s;
        } else {
            fprintf(stderr, "mcp pack: unexpected '%s'\nusage: %s\n", s, PACK_USAGE);
            return MCP_EXIT_USAGE;
        }
    }
    if (!binary || timeout_ms == 0) {
        fprintf(stderr, "mcp pack: a server binary is needed\nusage: %s\n", PACK_USAGE);
        return MCP_EXIT_USAGE;
    }
    base = strrchr(binary, '/') ? strrchr(binary, '/') + 1 : binary;
    bin = read_all(binary, &bin_len);
    if (!bin)
        goto done;
    platform = binary_platform(bin, bin_len);
    if (!platform) {
        fprintf(stderr, "mcp pack: %s is not a program (no ELF, Mach-O or PE header)\n", binary);
        goto done;
    }
    if (icon && !(icon_data = read_all(icon, &icon_len)))
        goto done;
    if (base_file) {
        json_error_t jerr;
        m = json_load_file(base_file, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(m)) {
            fprintf(stderr, "mcp pack: %s: not a JSON object (%s)\n", base_file, jerr.text);
            goto done;
        }
    } else {
        m = json_object();
    }

    /* the server's own answers */
    if (ask_server(binary, fixed, nfixed, timeout_ms, &l) != 0) {
        rc = MCP_EXIT_PROTOCOL;
        goto done;
    }
    read_help(binary, timeout_ms, &l);

    json_object_set_new(m, "manifest_version", json_string("0.4"));
    json_object_del(m, "dxt_version");
    set_default(m, "name", json_string(base));
    set_default(m, "version",
                json_string(json_string_value(json_object_get(l.info, "version"))
                                ? json_string_value(json_object_get(l.info, "version"))
                                : "0.1.0"));
    {
        const char *d = json_string_value(json_object_get(l.info, "description"));
        const char *t = json_string_value(json_object_get(l.info, "title"));
        char desc[300];
        snprintf(desc, sizeof desc, "%s: an MCP server",
                 json_string_value(json_object_get(l.info, "name"))
                     ? json_string_value(json_object_get(l.info, "name"))
                     : base);
        set_default(m, "description", json_string(d ? d : desc));
        if (t)
            set_default(m, "display_name", json_string(t));
    }
    set_default(m, "author", json_pack("{s:s}", "name", "unknown"));

    /* how the host starts it: fixed args, then the user's settings */
    snprintf(entry, sizeof entry, "server/%s", base);
    snprintf(command, sizeof command, "${__dirname}/server/%s", base);
    args = json_array();
    for (i = 0; i < nfixed; i++)
        json_array_append_new(args, json_string(fixed[i]));
    uc = json_object_get(m, "user_config");
    if (!json_is_object(uc)) {
        uc = json_object();
        json_object_set_new(m, "user_config", uc);
    }
    if (l.has_log_level) {
        json_object_set_new(uc, "log_level",
                            user_config_entry("string", "Log level",
                                              "The server's stderr log threshold: debug, info, "
                                              "notice, warning, error, critical, alert, emergency",
                                              json_string("warning"), 0));
        json_array_append_new(args, json_string("--log-level"));
        json_array_append_new(args, json_string("${user_config.log_level}"));
    }
    if (l.has_tool_timeout) {
        json_t *e = user_config_entry("number", "Tool time limit (ms)",
                                      "Answer a tool call still running after this many "
                                      "milliseconds with a timeout error (0: no limit)",
                                      json_integer(0), 0);
        json_object_set_new(e, "min", json_integer(0));
        json_object_set_new(uc, "tool_timeout_ms", e);
        json_array_append_new(args, json_string("--tool-timeout"));
        json_array_append_new(args, json_string("${user_config.tool_timeout_ms}"));
    }
    for (i = 0; i < nucfg; i++) {
        char spec[512], *key, *type, *title, *flag, ref[300];
        json_t *e;
        snprintf(spec, sizeof spec, "%s", ucfg[i]);
        key = strtok(spec, ":");
        type = strtok(NULL, ":");
        title = strtok(NULL, ":");
        flag = strtok(NULL, ":");
        if (!key || !type || !title ||
            (strcmp(type, "string") && strcmp(type, "number") && strcmp(type, "boolean") &&
             strcmp(type, "directory") && strcmp(type, "file"))) {
            fprintf(stderr, "mcp pack: --user-config takes KEY:TYPE:TITLE[:FLAG], TYPE one of "
                            "string number boolean directory file\n");
            json_decref(args);
            goto done;
        }
        e = user_config_entry(type, title, title, NULL, 1);
        if (!flag && (!strcmp(type, "directory") || !strcmp(type, "file")))
            json_object_set_new(e, "multiple", json_true());
        json_object_set_new(uc, key, e);
        snprintf(ref, sizeof ref, "${user_config.%s}", key);
        if (flag)
            json_array_append_new(args, json_string(flag));
        json_array_append_new(args, json_string(ref));
    }
    if (json_object_size(uc) == 0)
        json_object_del(m, "user_config");
    server = json_pack("{s:s,s:s,s:{s:s,s:o}}", "type", "binary", "entry_point", entry,
                       "mcp_config", "command", command, "args", args);
    json_object_set_new(m, "server", server);
    {
        json_t *compat = json_object_get(m, "compatibility");
        if (!json_is_object(compat)) {
            compat = json_object();
            json_object_set_new(m, "compatibility", compat);
        }
        json_object_set_new(compat, "platforms", json_pack("[s]", platform));
    }
    json_object_set(m, "tools", l.tools);
    json_object_set_new(m, "tools_generated", json_false());
    if (json_array_size(l.prompts))
        json_object_set(m, "prompts", l.prompts);
    else
        json_object_del(m, "prompts");
    if (icon)
        json_object_set_new(m, "icon", json_string("icon.png"));

    text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        goto done;
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s.mcpb", base);
        out = outbuf;
    }
    memset(&z, 0, sizeof z);
    z.f = fopen(out, "wb");
    if (!z.f) {
        fprintf(stderr, "mcp pack: %s: %s\n", out, strerror(errno));
        goto done;
    }
    zip_add(&z, "manifest.json", (const unsigned char *)text, strlen(text), 0644);
    zip_add(&z, entry, bin, bin_len, 0755);
    if (icon_data)
        zip_add(&z, "icon.png", icon_data, icon_len, 0644);
    zip_finish(&z);
    if (fclose(z.f) != 0 || z.failed) {
        fprintf(stderr, "mcp pack: writing %s failed\n", out);
        remove(out);
        goto done;
    }
    printf("%s: %s %s for %s, %zu tool(s), %zu prompt(s)\n", out,
           json_string_value(json_object_get(m, "name")),
           json_string_value(json_object_get(m, "version")), platform, json_array_size(l.tools),
           json_array_size(l.prompts));
    rc = MCP_EXIT_OK;
done:
    free(bin);
    free(icon_data);
    free(text);
    json_decref(m);
    json_decref(l.info);
    json_decref(l.tools);
    json_decref(l.prompts);
    return rc;
}
