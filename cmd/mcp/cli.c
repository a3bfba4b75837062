/*
 * What every subcommand that talks to a server shares: the connection options, connecting and
 * initializing, progress and server logs on stderr, exit statuses, and key=value arguments.
 */
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(mcp_cli *cli, const char *usage, const char *what)
{
    fprintf(stderr, "%s: %s\nusage: %s\n(see mcp --help)\n", cli->prog, what, usage);
    return MCP_EXIT_USAGE;
}

int mcp_cli_parse(mcp_cli *cli, int argc, char **argv, const char *usage, const char *const *extra,
                  int *seen)
{
    static char prog[64];
    int i, j;
    memset(cli, 0, sizeof *cli);
    snprintf(prog, sizeof prog, "mcp %s", argv[0]);
    cli->prog = prog;
    cli->timeout_ms = 30000;
    cli->log_level = -1;
    cli->args = calloc((size_t)argc + 1, sizeof *cli->args);
    if (!cli->args)
        return MCP_EXIT_USAGE;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int matched = 0;
        for (j = 0; extra && extra[j]; j++)
            if (strcmp(a, extra[j]) == 0) {
                seen[j]++;
                matched = 1;
            }
        if (matched)
            continue;
        matched = mcp_cli_oauth_option(&cli->oauth, argc, argv, &i, cli->prog);
        if (matched < 0)
            return usage_error(cli, usage, "bad login option");
        if (matched)
            continue;
        if (strcmp(a, "--stdio") == 0) {
            if (i + 1 >= argc)
                return usage_error(cli, usage, "--stdio needs a command");
            cli->stdio_argv = argv + i + 1;
            break; /* the rest is the server's command line */
        } else if (strcmp(a, "--json") == 0) {
            cli->json = 1;
            if (i + 1 < argc && argv[i + 1][0] == '{') /* mcp call TOOL --json '{...}' */
                cli->json_args = argv[++i];
        } else if (strcmp(a, "--args") == 0) {
            if (i + 1 >= argc)
                return usage_error(cli, usage, "--args needs a JSON object");
            cli->json_args = argv[++i];
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cli->quiet = 1;
        } else if (strcmp(a, "--sse") == 0) {
            cli->legacy_sse = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: %s\n(see mcp --help and mcp(1))\n", usage);
            exit(MCP_EXIT_OK);
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--protocol") == 0 ||
                   strcmp(a, "--header") == 0 || strcmp(a, "--bearer") == 0 ||
                   strcmp(a, "--log-level") == 0) {
            const char *v;
            if (i + 1 >= argc)
                return usage_error(cli, usage, "an option needs a value");
            v = argv[++i];
            if (strcmp(a, "--timeout") == 0) {
                char *end;
                unsigned long ms;
                errno = 0;
                ms = strtoul(v, &end, 10);
                if (errno || *end || ms == 0 || ms > 86400000ul)
                    return usage_error(cli, usage, "--timeout takes milliseconds (1..86400000)");
                cli->timeout_ms = (unsigned)ms;
            } else if (strcmp(a, "--protocol") == 0) {
                cli->protocol = v;
            } else if (strcmp(a, "--bearer") == 0) {
                cli->bearer = v;
            } else if (strcmp(a, "--log-level") == 0) {
                cli->log_level = mcp_log_level_parse(v);
                if (cli->log_level < 0)
                    return usage_error(cli, usage, "unknown --log-level");
            } else {
                if (cli->nheaders >= (int)(sizeof cli->headers / sizeof cli->headers[0]) - 1)
                    return usage_error(cli, usage, "too many --header options");
                cli->headers[cli->nheaders++] = v;
            }
        } else if (a[0] == '-' && a[1] == '-' && a[2]) {
            char what[200];
            snprintf(what, sizeof what, "unknown option %.100s", a);
            return usage_error(cli, usage, what);
        } else if (!cli->url && (strncmp(a, "http://", 7) == 0 || strncmp(a, "https://", 8) == 0)) {
            cli->url = a;
        } else {
            cli->args[cli->nargs++] = argv[i];
        }
    }
    if (!cli->stdio_argv && !cli->url)
        return usage_error(cli, usage, "no server: give --stdio CMD ARGS... or a URL");
    if (cli->stdio_argv && cli->url)
        return usage_error(cli, usage, "give either --stdio or a URL, not both");
    if (cli->stdio_argv && (cli->oauth.enabled || cli->oauth.state_file))
        return usage_error(cli, usage, "the login options (--oauth ...) are for URLs");
    if (cli->legacy_sse && cli->oauth.enabled)
        return usage_error(cli, usage, "--sse (legacy HTTP+SSE) does not log in: use --bearer");
    return MCP_EXIT_OK;
}

static void on_log(mcp_client_t *c, mcp_log_level level, const char *logger, const json_t *data,
                   void *ud)
{
    char *text = json_is_string(data) ? NULL : json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
    (void)c;
    (void)ud;
    fprintf(stderr, "[%s]%s%s %s\n", mcp_log_level_name(level), logger ? " " : "",
            logger ? logger : "",
            text                   ? text
            : json_is_string(data) ? json_string_value(data)
                                   : "");
    free(text);
}

/* Exit status for a status code. */
void mcp_cli_on_outcome(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    mcp_cli_outcome *s = ud;
    (void)c;
    s->status = o->status;
    s->result = o->result ? json_incref((json_t *)o->result) : NULL;
    s->err.status = o->status;
    s->err.code = o->code;
    snprintf(s->err.text, sizeof s->err.text, "%s", o->message);
    s->done = 1;
}

static int exit_for(int status)
{
    switch (status) {
    case MCP_OK:
        return MCP_EXIT_OK;
    case MCP_ETIMEDOUT:
        return MCP_EXIT_TIMEOUT;
    case MCP_EREMOTE:
    case MCP_EPARSE:
    case MCP_ECLIENT:
    case MCP_ELIMIT:
    case MCP_EVERIFY:
        return MCP_EXIT_PROTOCOL;
    case MCP_EAUTH: /* the login failed or was refused: no usable connection */
    default:
        return MCP_EXIT_CONNECTION;
    }
}

int mcp_cli_fail(mcp_cli *cli, const char *what, int status, const mcp_client_error_t *err)
{
    const char *extra = cli->c ? mcp_client_last_error(cli->c) : "";
    if (err && err->text[0] && strstr(err->text, extra))
        extra = ""; /* already said */
    if (err && status == MCP_EREMOTE)
        fprintf(stderr, "%s: %s: server error %d: %s\n", cli->prog, what, err->code, err->text);
    else
        fprintf(stderr, "%s: %s: %s%s%s\n", cli->prog, what,
                err && err->text[0] ? err->text : mcp_strerror(status), extra[0] ? ": " : "",
                extra);
    if (status == MCP_EAUTH) {
        fprintf(stderr, "%s: authorization failed%s\n", cli->prog,
                cli->oauth.path[0] ? " ('mcp logout URL' forgets a saved login)" : "");
    } else if (cli->url && (status == MCP_EREMOTE || status == MCP_EIO) &&
               ((err && (strstr(err->text, "401") || strstr(err->text, "Unauthorized"))) ||
                strstr(extra, "401"))) {
        /* HTTP 401, reported with its status by the transport: an authorization failure too */
        fprintf(stderr, "%s: authorization failed: the server wants a login%s\n", cli->prog,
                cli->oauth.enabled ? "" : " (try --oauth)");
        return MCP_EXIT_CONNECTION;
    }
    return exit_for(status);
}

static void level_set(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    (void)c;
    (void)o;
    (void)ud;
}

int mcp_cli_connect(mcp_cli *cli)
{
    mcp_client_error_t err;
    int rc;
    cli->c = mcp_client_new(NULL, "mcp", mcp_version_string());
    if (!cli->c) {
        fprintf(stderr, "%s: out of memory\n", cli->prog);
        return MCP_EXIT_CONNECTION;
    }
    mcp_client_set_timeout(cli->c, cli->timeout_ms);
    mcp_client_on_log(cli->c, on_log, cli);
    if (cli->protocol && mcp_client_set_protocol(cli->c, cli->protocol) != MCP_OK) {
        fprintf(stderr, "%s: unknown protocol revision '%s'\n", cli->prog, cli->protocol);
        return MCP_EXIT_USAGE;
    }
    if (cli->stdio_argv) {
        mcp_client_stdio_opts_t o = {0};
        o.stderr_mode = cli->quiet ? MCP_CLIENT_STDERR_DISCARD : MCP_CLIENT_STDERR_INHERIT;
        rc = mcp_client_connect_stdio(cli->c, (const char *const *)cli->stdio_argv, &o);
    } else {
        mcp_client_http_opts_t o = {0};
        cli->headers[cli->nheaders] = NULL;
        o.bearer_token = cli->bearer;
        o.headers = cli->nheaders ? cli->headers : NULL;
        o.legacy_sse = cli->legacy_sse;
        if (mcp_cli_oauth_setup(&cli->oauth, cli->c, cli->url, cli->prog) != 0)
            return MCP_EXIT_USAGE;
        /* a request waiting for the browser is not held to the timeout (mcp_client.h) */
        rc = mcp_client_connect_url(cli->c, cli->url, &o);
    }
    if (rc != MCP_OK) {
        fprintf(stderr, "%s: cannot connect: %s\n", cli->prog,
                mcp_client_last_error(cli->c)[0] ? mcp_client_last_error(cli->c)
                                                 : mcp_strerror(rc));
        return rc == MCP_EINVAL ? MCP_EXIT_USAGE : MCP_EXIT_CONNECTION;
    }
    rc = mcp_client_initialize_sync(cli->c, NULL, &err);
    if (rc != MCP_OK)
        return mcp_cli_fail(cli, "initialize", rc, &err);
    if (cli->log_level >= 0) {
        json_t *params = NULL;
        if (mcp_client_is_stateless(cli->c)) {
            /* the level rides in each request's _meta from now on */
            mcp_client_set_log_level(cli->c, (mcp_log_level)cli->log_level, level_set, NULL);
        } else {
            params = json_pack("{ss}", "level", mcp_log_level_name((mcp_log_level)cli->log_level));
            rc = mcp_client_request_sync(cli->c, "logging/setLevel", params, NULL, &err);
            if (rc != MCP_OK)
                fprintf(stderr, "%s: the server refused logging/setLevel: %s\n", cli->prog,
                        err.text);
        }
    }
    return MCP_EXIT_OK;
}

void mcp_cli_close(mcp_cli *cli)
{
    mcp_cli_oauth_free(&cli->oauth);
    mcp_client_free(cli->c);
    cli->c = NULL;
    free(cli->args);
    cli->args = NULL;
}

void mcp_cli_print_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}

/* The JSON type a schema property wants, or NULL. */
static const char *prop_type(const json_t *schema, const char *key)
{
    const json_t *t =
        json_object_get(json_object_get(json_object_get(schema, "properties"), key), "type");
    if (json_is_array(t)) /* ["string","null"]: the first non-null */
        t = json_array_get(t, json_is_string(json_array_get(t, 0)) &&
                                      strcmp(json_string_value(json_array_get(t, 0)), "null") == 0
                                  ? 1
                                  : 0);
    return json_is_string(t) ? json_string_value(t) : NULL;
}

json_t *mcp_cli_arguments(mcp_cli *cli, char **words, int n, const json_t *schema)
{
    json_t *args = json_object();
    int i;
    for (i = 0; args && i < n; i++) {
        char *eq = strchr(words[i], '=');
        char key[256];
        const char *value, *type;
        json_t *v;
        json_error_t jerr;
        int raw;
        size_t klen;
        if (!eq || eq == words[i]) {
            fprintf(stderr, "%s: '%s' is not key=value (or key:=JSON)\n", cli->prog, words[i]);
            json_decref(args);
            return NULL;
        }
        raw = eq > words[i] && eq[-1] == ':';
        klen = (size_t)(eq - words[i]) - (raw ? 1 : 0);
        if (klen == 0 || klen >= sizeof key) {
            fprintf(stderr, "%s: bad argument name in '%s'\n", cli->prog, words[i]);
            json_decref(args);
            return NULL;
        }
        memcpy(key, words[i], klen);
        key[klen] = '\0';
        value = eq + 1;
        type = prop_type(schema, key);
        if (!raw && type && strcmp(type, "string") == 0) {
            v = json_string(value);
        } else {
            v = json_loads(value, JSON_DECODE_ANY, &jerr);
            if (!v && !raw && !type)
                v = json_string(value); /* unknown property: a plain word is a string */
            if (!v) {
                fprintf(stderr, "%s: the value of '%s' is not valid JSON%s%s: %s\n", cli->prog, key,
                        type ? " for a " : "", type ? type : "", jerr.text);
                json_decref(args);
                return NULL;
            }
        }
        json_object_set_new(args, key, v);
    }
    return args;
}

/* Human form of a content array (tool results, prompt messages share it). */
void mcp_cli_print_content(const json_t *content)
{
    size_t i;
    for (i = 0; i < json_array_size(content); i++) {
        const json_t *b = json_array_get(content, i);
        const char *type = json_string_value(json_object_get(b, "type"));
        if (!type) {
            mcp_cli_print_json(b);
        } else if (strcmp(type, "text") == 0) {
            printf("%s\n", json_string_value(json_object_get(b, "text")));
        } else if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0) {
            printf("[%s %s, %zu base64 characters]\n", type,
                   json_string_value(json_object_get(b, "mimeType")),
                   json_string_length(json_object_get(b, "data")));
        } else if (strcmp(type, "resource_link") == 0) {
            printf("[link %s]\n", json_string_value(json_object_get(b, "uri")));
        } else if (strcmp(type, "resource") == 0) {
            const json_t *r = json_object_get(b, "resource");
            const json_t *text = json_object_get(r, "text");
            printf("[resource %s]\n", json_string_value(json_object_get(r, "uri")));
            if (json_is_string(text))
                printf("%s\n", json_string_value(text));
        } else {
            mcp_cli_print_json(b);
        }
    }
}
