/*
 * The skills extension (io.modelcontextprotocol/skills, SEP-2640) on the server side:
 * mcp_server_add_skills(). Built on the public API only (an extension, three methods, one
 * resource per file), with base/skill.c reading each SKILL.md's frontmatter and digesting the
 * files. Everything is computed once, at registration: the entries skills/list and skills/get
 * answer with, and the children resources/directory/read answers for each directory. The
 * methods share one state (freed with the skills/list method's userdata).
 */
#include "app/app.h"

#include <stdarg.h>

typedef struct skills_state {
    json_t *entries; /* [Skill entry] in registration order */
    json_t *dirs;    /* {directory uri: [child Resource]} */
} skills_state;

/* One served file, owned by its resource. */
typedef struct skill_file {
    char *data; /* the bytes, plus a NUL */
    size_t len;
    bool text; /* UTF-8 without NUL: served as text, else as a blob */
    char *mime;
} skill_file;

static void state_free(void *ud)
{
    skills_state *s = ud;
    json_decref(s->entries);
    json_decref(s->dirs);
    free(s);
}

static void file_free(void *ud)
{
    skill_file *f = ud;
    free(f->data);
    free(f->mime);
    free(f);
}

/* ---- the methods -------------------------------------------------------------------------------
 */

/* The cache fields every listing-like result carries from 2026-07-28 on. */
static void cacheable(json_t *result)
{
    json_object_set_new(result, "ttlMs", json_integer(0));
    json_object_set_new(result, "cacheScope", json_string("private"));
}

static int skills_list(mcp_call_t *call, const json_t *params, void *ud)
{
    skills_state *s = ud;
    json_t *result = mcp_call_result(call);
    if (json_object_get(params, "cursor")) /* one page: no cursor was ever handed out */
        return mcp_call_fail_new(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "Unknown cursor");
    if (!result)
        return MCP_ENOMEM;
    json_object_set(result, "skills", s->entries);
    cacheable(result);
    return MCP_OK;
}

static int skills_get(mcp_call_t *call, const json_t *params, void *ud)
{
    skills_state *s = ud;
    const char *uri = json_string_value(json_object_get(params, "uri"));
    json_t *result, *e;
    size_t i;
    if (!uri)
        return mcp_call_fail_new(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "params.uri is required");
    json_array_foreach(s->entries, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "uri")), uri) == 0) {
            if (!(result = mcp_call_result(call)))
                return MCP_ENOMEM;
            json_object_set(result, "skill", e);
            cacheable(result);
            return MCP_OK;
        }
    }
    return mcp_call_fail_new(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "No skill is served at %.300s",
                             uri);
}

static int directory_read(mcp_call_t *call, const json_t *params, void *ud)
{
    skills_state *s = ud;
    const char *uri = json_string_value(json_object_get(params, "uri"));
    json_t *children = uri ? json_object_get(s->dirs, uri) : NULL, *result;
    if (!children)
        return mcp_call_fail_new(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                 "%.300s is not a directory resource", uri ? uri : "(no uri)");
    if (json_object_get(params, "cursor"))
        return mcp_call_fail_new(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "Unknown cursor");
    if (!(result = mcp_call_result(call)))
        return MCP_ENOMEM;
    json_object_set(result, "resources", children);
    return MCP_OK;
}

static int read_file(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    skill_file *f = ud;
    (void)vars;
    if (f->text)
        return mcp_call_resource_text(call, uri, f->mime, f->data);
    return mcp_call_resource_blob(call, uri, f->mime, f->data, f->len);
}

/* ---- registration ------------------------------------------------------------------------------
 */

static int fail(mcp_error_t *err, int code, const char *fmt, ...) MCP_PRINTF(3, 4);
static int fail(mcp_error_t *err, int code, const char *fmt, ...)
{
    va_list ap;
    if (err) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const char *default_mime(const char *path, bool text)
{
    size_t n = strlen(path);
    if (n >= 3 && strcmp(path + n - 3, ".md") == 0)
        return "text/markdown";
    return text ? "text/plain" : "application/octet-stream";
}

/* Add `child` (a Resource object, stolen) under directory `dir` unless a child of that uri is
 * there already. */
static void dir_add(json_t *dirs, const char *dir, json_t *child)
{
    json_t *list = json_object_get(dirs, dir), *c;
    const char *uri = json_string_value(json_object_get(child, "uri"));
    size_t i;
    if (!list) {
        list = json_array();
        json_object_set_new(dirs, dir, list);
    }
    json_array_foreach(list, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "uri")), uri) == 0) {
            json_decref(child);
            return;
        }
    }
    json_array_append_new(list, child);
}

/* The directories from the skill's root down to the file `uri` (under `root`), each listed in
 * its parent, and the file in the last one. */
static void dirs_for(json_t *dirs, const char *root, const char *uri, const char *mime)
{
    size_t rl = strlen(root);
    const char *p = uri + rl + 1, *slash;
    char parent[1024];
    snprintf(parent, sizeof parent, "%s", root);
    if (!json_object_get(dirs, root))
        json_object_set_new(dirs, root, json_array());
    while ((slash = strchr(p, '/')) != NULL) {
        char sub[1024];
        snprintf(sub, sizeof sub, "%.*s", (int)(slash - uri), uri);
        dir_add(dirs, parent,
                json_pack("{s:s, s:s#, s:s}", "uri", sub, "name", p, (int)(slash - p), "mimeType",
                          "inode/directory"));
        if (!json_object_get(dirs, sub))
            json_object_set_new(dirs, sub, json_array());
        snprintf(parent, sizeof parent, "%s", sub);
        p = slash + 1;
    }
    dir_add(dirs, parent, json_pack("{s:s, s:s, s:s}", "uri", uri, "name", p, "mimeType", mime));
}

/* Make one file's resource entry ({uri, digest, size}) and register its resource. */
static int add_file(mcp_server_t *srv, json_t *files, const char *uri, const char *name,
                    const char *description, const char *mime, const void *data, size_t len,
                    const char **used_mime, mcp_error_t *err)
{
    char digest[MCP__SKILL_DIGEST_LEN + 1];
    skill_file *f;
    json_t *probe;
    int rc;

    if (mcp__skill_digest(data, len, digest) != MCP_OK)
        return fail(err, MCP_EIO, "SHA-256 is unavailable (libcrypto cannot be loaded)");
    f = calloc(1, sizeof *f);
    if (!f || !(f->data = malloc(len + 1))) {
        free(f);
        return fail(err, MCP_ENOMEM, "out of memory");
    }
    memcpy(f->data, data, len);
    f->data[len] = '\0';
    f->len = len;
    probe = json_stringn(f->data, len); /* NULL: not UTF-8 */
    f->text = probe && !memchr(f->data, '\0', len);
    json_decref(probe);
    f->mime = strdup(mime ? mime : default_mime(uri, f->text));
    if (!f->mime) {
        file_free(f);
        return fail(err, MCP_ENOMEM, "out of memory");
    }
    rc = mcp_server_add_resource(srv,
                                 &(mcp_resource_t){.uri = uri,
                                                   .name = name,
                                                   .description = description,
                                                   .mime_type = f->mime,
                                                   .size = (long long)len,
                                                   .handler = read_file,
                                                   .userdata = f,
                                                   .free_userdata = file_free},
                                 err);
    if (rc != MCP_OK) {
        file_free(f);
        return rc;
    }
    json_array_append_new(
        files, json_pack("{s:s, s:s, s:I}", "uri", uri, "digest", digest, "size", (json_int_t)len));
    *used_mime = f->mime; /* the resource owns f until the server is freed */
    return MCP_OK;
}

/* Check one skill before anything is registered; *fm gets its frontmatter (new reference). */
static int check_skill(const mcp_skill_t *sk, json_t **fm, mcp_error_t *err)
{
    const char *name, *desc, *seg;
    char why[200];
    unsigned long long total;
    size_t i, j;

    *fm = NULL;
    if (!sk->path || !*sk->path || strlen(sk->path) > 400 || !mcp__skill_path_ok(sk->path) ||
        !sk->skill_md)
        return fail(err, MCP_EINVAL,
                    "a skill needs a clean path (no empty, . or .. segment; at "
                    "most 400 bytes) and its SKILL.md");
    if (mcp__frontmatter_parse(sk->skill_md, strlen(sk->skill_md), fm, NULL, why, sizeof why) !=
        MCP_OK)
        return fail(err, MCP_EINVAL, "skill %.60s: SKILL.md: %s", sk->path, why);
    name = json_string_value(json_object_get(*fm, "name"));
    desc = json_string_value(json_object_get(*fm, "description"));
    seg = strrchr(sk->path, '/');
    seg = seg ? seg + 1 : sk->path;
    if (!name || !*name || !desc || !*desc)
        return fail(err, MCP_EINVAL, "skill %.60s: the frontmatter needs a name and a description",
                    sk->path);
    if (!mcp__skill_name_ok(name, strlen(name)))
        return fail(err, MCP_EINVAL, "skill %.60s: \"%.64s\" is not a valid skill name", sk->path,
                    name);
    if (strcmp(seg, name) != 0)
        return fail(err, MCP_EINVAL, "skill %.60s: the path must end in its name \"%.64s\"",
                    sk->path, name);
    if (sk->nfiles + 1 > MCP_SKILL_MAX_FILES)
        return fail(err, MCP_ELIMIT, "skill %.60s: more than %d files", sk->path,
                    MCP_SKILL_MAX_FILES);
    total = strlen(sk->skill_md);
    for (i = 0; i < sk->nfiles; i++) {
        const mcp_skill_file_t *f = &sk->files[i];
        if (!f->path || strlen(f->path) > 500 || !mcp__skill_path_ok(f->path) ||
            strcmp(f->path, "SKILL.md") == 0 || (!f->data && f->len))
            return fail(err, MCP_EINVAL, "skill %.60s: file %zu has no clean path or no data",
                        sk->path, i);
        for (j = 0; j < i; j++)
            if (strcmp(sk->files[j].path, f->path) == 0)
                return fail(err, MCP_EINVAL, "skill %.60s: %.100s is given twice", sk->path,
                            f->path);
        total += f->len;
        if (total > MCP_SKILL_MAX_BYTES)
            return fail(err, MCP_ELIMIT, "skill %.60s: its files add up to more than %u bytes",
                        sk->path, MCP_SKILL_MAX_BYTES);
    }
    return MCP_OK;
}

int mcp_server_add_skills(mcp_server_t *srv, const mcp_skill_t *skills, size_t n, mcp_error_t *err)
{
    skills_state *s;
    json_t **fms;
    size_t i, j;
    int rc = MCP_OK;

    if (!srv || !skills || !n)
        return fail(err, MCP_EINVAL, "no server or no skills");
    fms = calloc(n, sizeof *fms);
    if (!fms)
        return fail(err, MCP_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == MCP_OK; i++) {
        rc = check_skill(&skills[i], &fms[i], err);
        for (j = 0; j < i && rc == MCP_OK; j++)
            if (strcmp(skills[j].path, skills[i].path) == 0)
                rc = fail(err, MCP_EEXIST, "skill %.60s is given twice", skills[i].path);
    }
    s = rc == MCP_OK ? calloc(1, sizeof *s) : NULL;
    if (rc == MCP_OK && (!s || !(s->entries = json_array()) || !(s->dirs = json_object()))) {
        if (s)
            state_free(s);
        s = NULL;
        rc = fail(err, MCP_ENOMEM, "out of memory");
    }
    if (rc == MCP_OK) {
        rc = mcp_server_add_method(srv, "skills/list", skills_list, s, state_free);
        if (rc != MCP_OK) {
            state_free(s);
            fail(err, rc, "skills/list is already served (mcp_server_add_skills runs once)");
        }
    }
    if (rc == MCP_OK &&
        ((rc = mcp_server_add_method(srv, "skills/get", skills_get, s, NULL)) != MCP_OK ||
         (rc = mcp_server_add_method(srv, "resources/directory/read", directory_read, s, NULL)) !=
             MCP_OK ||
         (rc = mcp_server_add_extension(srv, MCP_SKILLS_EXTENSION, "{\"directoryRead\":true}")) !=
             MCP_OK))
        fail(err, rc, "cannot serve skills/get, resources/directory/read or the extension");
    for (i = 0; i < n && rc == MCP_OK; i++) {
        const mcp_skill_t *sk = &skills[i];
        const char *name = json_string_value(json_object_get(fms[i], "name"));
        const char *desc = json_string_value(json_object_get(fms[i], "description"));
        char root[512], uri[1024];
        const char *mime = NULL;
        json_t *files = json_array();
        snprintf(root, sizeof root, "skill://%s", sk->path);
        snprintf(uri, sizeof uri, "%s/SKILL.md", root);
        rc = add_file(srv, files, uri, name, desc, "text/markdown", sk->skill_md,
                      strlen(sk->skill_md), &mime, err);
        if (rc == MCP_OK)
            dirs_for(s->dirs, root, uri, mime);
        for (j = 0; j < sk->nfiles && rc == MCP_OK; j++) {
            const mcp_skill_file_t *f = &sk->files[j];
            const char *base = strrchr(f->path, '/');
            snprintf(uri, sizeof uri, "%s/%s", root, f->path);
            rc = add_file(srv, files, uri, base ? base + 1 : f->path, NULL, f->mime_type, f->data,
                          f->len, &mime, err);
            if (rc == MCP_OK)
                dirs_for(s->dirs, root, uri, mime);
        }
        snprintf(uri, sizeof uri, "%s/SKILL.md", root);
        if (rc == MCP_OK)
            json_array_append_new(s->entries, json_pack("{s:s, s:O, s:o}", "uri", uri,
                                                        "frontmatter", fms[i], "resources", files));
        else
            json_decref(files);
    }
    for (i = 0; i < n; i++)
        json_decref(fms[i]);
    free(fms);
    return rc;
}
