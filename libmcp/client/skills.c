/*
 * The skills extension (io.modelcontextprotocol/skills, SEP-2640) on the client side: whether the
 * server declared it, skills/list and skills/get, the check of an entry, and the fetch of one
 * skill file verified against its entry (size, SHA-256 digest through base/crypto.c, and the
 * SKILL.md's frontmatter read by base/skill.c). Nothing is fetched unless asked for: listing
 * reads no file, and each file is read when the caller loads the skill or asks for that file.
 */
#include "client/client.h"

#include <stdarg.h>

static int say(char *why, size_t n, int rc, const char *fmt, ...) MCP_PRINTF(4, 5);
static int say(char *why, size_t n, int rc, const char *fmt, ...)
{
    va_list ap;
    if (why && n) {
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

const json_t *mcp_client_server_extension(const mcp_client_t *c, const char *id)
{
    const json_t *caps = mcp_client_server_capabilities(c), *v;
    if (!caps || !id)
        return NULL;
    v = json_object_get(json_object_get(caps, "extensions"), id);
    if (!v)
        v = json_object_get(json_object_get(caps, "experimental"), id);
    return v && !json_is_null(v) && !json_is_false(v) ? v : NULL;
}

/* ---- the entry ------------------------------------------------------------------------------ */

/* The skill's directory: `uri` without "/SKILL.md" (its length), or 0 when it does not end so. */
static size_t skill_dir_len(const char *uri)
{
    size_t n = strlen(uri);
    if (n <= 9 || strcmp(uri + n - 9, "/SKILL.md") != 0)
        return 0;
    return n - 9;
}

int mcp_skill_check(const json_t *skill, char *why, size_t n)
{
    const json_t *fm = json_object_get(skill, "frontmatter");
    const json_t *res = json_object_get(skill, "resources");
    const char *uri = json_string_value(json_object_get(skill, "uri"));
    const char *name = json_string_value(json_object_get(fm, "name"));
    const char *desc = json_string_value(json_object_get(fm, "description"));
    const char *seg;
    size_t dir, i, j, count;
    unsigned long long total = 0;
    bool self = false;

    if (!json_is_object(skill))
        return say(why, n, MCP_EPARSE, "the skill entry is not an object");
    if (!uri || !*uri)
        return say(why, n, MCP_EPARSE, "the skill entry has no uri");
    dir = skill_dir_len(uri);
    if (!dir)
        return say(why, n, MCP_EPARSE, "%.200s does not end in /SKILL.md", uri);
    if (!json_is_object(fm))
        return say(why, n, MCP_EPARSE, "%.200s: the entry has no frontmatter object", uri);
    if (!name || !*name || !desc || !*desc)
        return say(why, n, MCP_EPARSE,
                   "%.200s: the entry's frontmatter lacks a name or a description", uri);
    for (seg = uri + dir; seg > uri && seg[-1] != '/'; seg--)
        ;
    if ((size_t)(uri + dir - seg) != strlen(name) || strncmp(seg, name, strlen(name)) != 0)
        return say(why, n, MCP_EPARSE,
                   "%.200s: the skill path's last segment is not the frontmatter name \"%.64s\"",
                   uri, name);
    if (!mcp__skill_name_ok(name, strlen(name)))
        return say(why, n, MCP_EPARSE, "%.200s: \"%.64s\" is not a valid skill name", uri, name);
    if (json_is_string(res) && strcmp(json_string_value(res), "dynamic") == 0)
        return MCP_OK;
    if (!json_is_array(res))
        return say(why, n, MCP_EPARSE, "%.200s: resources is neither an array nor \"dynamic\"",
                   uri);
    count = json_array_size(res);
    if (count > MCP_SKILL_MAX_FILES)
        return say(why, n, MCP_ELIMIT, "%.200s lists %zu files, more than the %d a skill may have",
                   uri, count, MCP_SKILL_MAX_FILES);
    for (i = 0; i < count; i++) {
        const json_t *r = json_array_get(res, i), *size = json_object_get(r, "size");
        const char *ru = json_string_value(json_object_get(r, "uri"));
        if (!ru)
            return say(why, n, MCP_EPARSE, "%.200s: resources[%zu] has no uri", uri, i);
        if (strcmp(ru, uri) == 0)
            self = true;
        else if (strncmp(ru, uri, dir) != 0 || ru[dir] != '/' || !mcp__skill_path_ok(ru + dir + 1))
            return say(why, n, MCP_EPARSE, "%.200s: %.200s is not a file of the skill", uri, ru);
        if (!mcp__skill_digest_ok(json_string_value(json_object_get(r, "digest"))))
            return say(why, n, MCP_EPARSE, "%.200s: the digest of %.200s is not sha256:{64 hex}",
                       uri, ru);
        if (!json_is_integer(size) || json_integer_value(size) < 0)
            return say(why, n, MCP_EPARSE, "%.200s: the size of %.200s is not a byte count", uri,
                       ru);
        total += (unsigned long long)json_integer_value(size);
        if (total > MCP_SKILL_MAX_BYTES)
            return say(why, n, MCP_ELIMIT,
                       "%.200s: its files add up to more than the %u bytes "
                       "a skill may have",
                       uri, MCP_SKILL_MAX_BYTES);
        for (j = 0; j < i; j++)
            if (strcmp(ru, json_string_value(json_object_get(json_array_get(res, j), "uri"))) == 0)
                return say(why, n, MCP_EPARSE, "%.200s: %.200s is listed twice", uri, ru);
    }
    if (!self)
        return say(why, n, MCP_EPARSE, "%.200s: resources does not list the SKILL.md itself", uri);
    return MCP_OK;
}

static const json_t *listed(const json_t *skill, const char *uri)
{
    const json_t *res = json_object_get(skill, "resources"), *r;
    size_t i;
    json_array_foreach(res, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "uri")), uri) == 0)
            return r;
    }
    return NULL;
}

/* `uri` is the (checked) skill's SKILL.md or a file under its directory: all a "dynamic" skill
 * says about its files. */
static bool in_skill(const json_t *skill, const char *uri)
{
    const char *su = json_string_value(json_object_get(skill, "uri"));
    size_t dir = skill_dir_len(su);
    return strcmp(uri, su) == 0 ||
           (strncmp(uri, su, dir) == 0 && uri[dir] == '/' && mcp__skill_path_ok(uri + dir + 1));
}

/* The SKILL.md's frontmatter against the entry's, field by field (an absent field equals null). */
static int same_frontmatter(const json_t *skill, const void *data, size_t len, char *why, size_t n)
{
    const json_t *want = json_object_get(skill, "frontmatter"), *v;
    json_t *got = NULL;
    const char *k;
    char reason[200];
    int rc = mcp__frontmatter_parse(data, len, &got, NULL, reason, sizeof reason);
    if (rc == MCP_ENOMEM)
        return say(why, n, rc, "out of memory");
    if (rc != MCP_OK)
        return say(why, n, MCP_EVERIFY, "the SKILL.md frontmatter cannot be read: %s", reason);
    json_object_foreach(got, k, v)
    {
        const json_t *w = json_object_get(want, k);
        if (!mcp__json_same(v, w ? w : json_null()))
            break;
    }
    if (!k)
        json_object_foreach((json_t *)want, k, v)
        {
            const json_t *g = json_object_get(got, k);
            if (!mcp__json_same(v, g ? g : json_null()))
                break;
        }
    if (k)
        rc = say(why, n, MCP_EVERIFY,
                 "the SKILL.md frontmatter field \"%.64s\" differs from the skill entry's", k);
    json_decref(got);
    return rc;
}

int mcp_skill_verify(const json_t *skill, const char *uri, const void *data, size_t len, char *why,
                     size_t n)
{
    const json_t *r;
    int rc;

    if (!skill || !uri || (!data && len))
        return say(why, n, MCP_EINVAL, "no skill entry, uri or data");
    if ((rc = mcp_skill_check(skill, why, n)) != MCP_OK)
        return rc;
    if (json_is_array(json_object_get(skill, "resources"))) {
        char digest[MCP__SKILL_DIGEST_LEN + 1];
        const char *want;
        json_int_t size;
        if (!(r = listed(skill, uri)))
            return say(why, n, MCP_EVERIFY, "%.200s is not listed in the skill's resources", uri);
        size = json_integer_value(json_object_get(r, "size"));
        if ((json_int_t)len != size || len > MCP_SKILL_MAX_BYTES)
            return say(why, n, MCP_EVERIFY, "%.200s is %zu bytes, the skill entry says %lld", uri,
                       len, (long long)size);
        if (mcp__skill_digest(data ? data : "", len, digest) != MCP_OK)
            return say(why, n, MCP_EIO, "SHA-256 is unavailable (libcrypto cannot be loaded)");
        want = json_string_value(json_object_get(r, "digest"));
        if (strcmp(digest, want) != 0)
            return say(why, n, MCP_EVERIFY, "%.200s has digest %s, the skill entry says %s", uri,
                       digest, want);
    } else if (!in_skill(skill, uri)) {
        return say(why, n, MCP_EVERIFY, "%.200s is not a file of the skill", uri);
    } else if (len > MCP_SKILL_MAX_BYTES) {
        return say(why, n, MCP_ELIMIT, "%.200s is %zu bytes, more than a skill may have", uri, len);
    }
    if (strcmp(uri, json_string_value(json_object_get(skill, "uri"))) == 0)
        return same_frontmatter(skill, data ? data : "", len, why, n);
    return MCP_OK;
}

/* ---- requests ---------------------------------------------------------------------------------
 */

static int declared(mcp_client_t *c)
{
    if (!c)
        return MCP_EINVAL;
    if (!mcp_client_server_capabilities(c))
        return MCP_ESTATE;
    if (!mcp_client_server_extension(c, MCP_SKILLS_EXTENSION)) {
        mcp__client_set_error(c, "the server did not declare the %s extension",
                              MCP_SKILLS_EXTENSION);
        return MCP_ESTATE;
    }
    return MCP_OK;
}

int mcp_client_list_skills(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                           void *userdata)
{
    int rc = declared(c);
    if (rc != MCP_OK)
        return rc;
    return mcp_client_request_new(c, "skills/list",
                                  cursor ? json_pack("{ss}", "cursor", cursor) : json_object(),
                                  NULL, cb, userdata, NULL);
}

int mcp_client_get_skill(mcp_client_t *c, const char *uri, mcp_client_result_fn cb, void *userdata)
{
    int rc = declared(c);
    if (rc != MCP_OK)
        return rc;
    if (!uri)
        return MCP_EINVAL;
    return mcp_client_request_new(c, "skills/get", json_pack("{ss}", "uri", uri), NULL, cb,
                                  userdata, NULL);
}

typedef struct skill_read {
    json_t *skill; /* a copy of the entry */
    char *uri;
    mcp_client_result_fn cb;
    void *ud;
} skill_read;

/* The content item of a resources/read result for `uri`. */
static const json_t *content_for(const json_t *result, const char *uri)
{
    const json_t *contents = json_object_get(result, "contents"), *item;
    size_t i;
    json_array_foreach(contents, i, item)
    {
        const char *u = json_string_value(json_object_get(item, "uri"));
        if (u && strcmp(u, uri) == 0)
            return item;
    }
    return NULL;
}

/* Verify `item` as the file r->uri; MCP_OK or an error with the reason in `why`. */
static int verify_item(const skill_read *r, const json_t *item, char *why, size_t n)
{
    const json_t *text = json_object_get(item, "text"), *blob = json_object_get(item, "blob");
    const json_t *entry = listed(r->skill, r->uri);
    unsigned char *bytes;
    size_t len, most;
    int rc;

    if (!item)
        return say(why, n, MCP_EVERIFY, "the read of %.200s returned no content for it", r->uri);
    if (json_is_string(text))
        return mcp_skill_verify(r->skill, r->uri, json_string_value(text), json_string_length(text),
                                why, n);
    if (!json_is_string(blob))
        return say(why, n, MCP_EVERIFY, "the content of %.200s has neither text nor blob", r->uri);
    /* A blob can be no longer than the declared size allows, checked before decoding. */
    most = entry ? (size_t)json_integer_value(json_object_get(entry, "size")) : MCP_SKILL_MAX_BYTES;
    if (json_string_length(blob) > (most + 2) / 3 * 4)
        return say(why, n, entry ? MCP_EVERIFY : MCP_ELIMIT,
                   "%.200s: the blob is longer than %zu bytes encode to", r->uri, most);
    bytes = mcp__base64_decode(json_string_value(blob), json_string_length(blob), false, &len);
    if (!bytes)
        return say(why, n, MCP_EVERIFY, "%.200s: the blob is not valid base64", r->uri);
    rc = mcp_skill_verify(r->skill, r->uri, bytes, len, why, n);
    free(bytes);
    return rc;
}

static void skill_read_done(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    skill_read *r = ud;
    if (o->status == MCP_OK) {
        mcp_client_outcome_t v;
        char why[400];
        const json_t *item = content_for(o->result, r->uri);
        memset(&v, 0, sizeof v);
        v.status = verify_item(r, item, why, sizeof why);
        v.result = v.status == MCP_OK ? item : NULL;
        v.message = v.status == MCP_OK ? "ok" : why;
        r->cb(c, &v, r->ud);
    } else {
        r->cb(c, o, r->ud);
    }
    json_decref(r->skill);
    free(r->uri);
    free(r);
}

int mcp_client_read_skill_file(mcp_client_t *c, const json_t *skill, const char *uri,
                               mcp_client_result_fn cb, void *userdata)
{
    char why[400];
    skill_read *r;
    int rc;

    if (!c || !skill || !cb)
        return MCP_EINVAL;
    if ((rc = mcp_skill_check(skill, why, sizeof why)) != MCP_OK) {
        mcp__client_set_error(c, "%s", why);
        return rc;
    }
    if (!uri)
        uri = json_string_value(json_object_get(skill, "uri"));
    if (json_is_array(json_object_get(skill, "resources")) && !listed(skill, uri)) {
        mcp__client_set_error(c, "%.200s is not listed in the skill's resources", uri);
        return MCP_EVERIFY;
    }
    if (!json_is_array(json_object_get(skill, "resources")) && !in_skill(skill, uri)) {
        mcp__client_set_error(c, "%.200s is not a file of the skill", uri);
        return MCP_EVERIFY;
    }
    r = calloc(1, sizeof *r);
    if (!r || !(r->skill = json_deep_copy(skill)) || !(r->uri = strdup(uri))) {
        if (r)
            json_decref(r->skill);
        free(r);
        return MCP_ENOMEM;
    }
    r->cb = cb;
    r->ud = userdata;
    rc = mcp_client_read_resource(c, r->uri, skill_read_done, r);
    if (rc != MCP_OK) {
        json_decref(r->skill);
        free(r->uri);
        free(r);
    }
    return rc;
}

/* ---- blocking forms ----------------------------------------------------------------------------
 */

int mcp_client_list_skills_sync(mcp_client_t *c, json_t **skills, mcp_client_error_t *err)
{
    mcp__csync s;
    int rc = declared(c);
    memset(&s, 0, sizeof s);
    if (rc != MCP_OK)
        return mcp__client_sync_wait(c, rc, &s, skills, err);
    return mcp__client_list_all(c, "skills/list", "skills", skills, err);
}

int mcp_client_get_skill_sync(mcp_client_t *c, const char *uri, json_t **skill,
                              mcp_client_error_t *err)
{
    mcp__csync s;
    json_t *result = NULL;
    int rc;
    memset(&s, 0, sizeof s);
    if (skill)
        *skill = NULL;
    rc = mcp__client_sync_wait(c, mcp_client_get_skill(c, uri, mcp__client_sync_cb, &s), &s,
                               &result, err);
    if (rc == MCP_OK && !json_is_object(json_object_get(result, "skill"))) {
        rc = MCP_EPARSE;
        if (err) {
            err->status = rc;
            err->code = 0;
            snprintf(err->text, sizeof err->text, "the skills/get result has no \"skill\" object");
        }
    }
    if (rc == MCP_OK && skill)
        *skill = json_incref(json_object_get(result, "skill"));
    json_decref(result);
    return rc;
}

int mcp_client_read_skill_file_sync(mcp_client_t *c, const json_t *skill, const char *uri,
                                    json_t **content, mcp_client_error_t *err)
{
    mcp__csync s;
    memset(&s, 0, sizeof s);
    return mcp__client_sync_wait(
        c, mcp_client_read_skill_file(c, skill, uri, mcp__client_sync_cb, &s), &s, content, err);
}
