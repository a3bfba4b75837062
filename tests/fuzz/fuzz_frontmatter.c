/*
 * fuzz_frontmatter: the SKILL.md frontmatter reader (libmcp/base/skill.c) and the skill-file
 * verification built on it (libmcp/client/skills.c, mcp_skill_verify()).
 *
 * Input: the bytes of a SKILL.md, as a server would serve them (a copy of exactly their size, so
 * ASan sees reads past the end).
 *
 * Oracle beyond "no crash, no leak, no UB, bounded time (-timeout=5)":
 *   1. mcp__frontmatter_parse() returns MCP_OK with an object and a body offset within the
 *      input, or MCP_EPARSE with no object and a non-empty reason.
 *   2. Reading is deterministic: a second read of the same bytes gives an equal object.
 *   3. When the frontmatter reads and has a valid skill name and a description, an entry built
 *      from it (uri skill://NAME/SKILL.md, resources "dynamic") verifies these same bytes
 *      (mcp_skill_verify() == MCP_OK: the reader agrees with itself field by field), and the
 *      entry with one more frontmatter field does not (MCP_EVERIFY).
 */
#include "client/client.h"

#include <stdint.h>

#define FAIL(...)                                          \
    do {                                                   \
        fprintf(stderr, "fuzz_frontmatter: " __VA_ARGS__); \
        fputc('\n', stderr);                               \
        abort();                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1), why[200], uri[128];
    json_t *fm = NULL, *again = NULL, *entry;
    const char *name, *desc;
    size_t body = 0;
    int rc;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    why[0] = '\0';
    rc = mcp__frontmatter_parse(buf, size, &fm, &body, why, sizeof why);
    if (rc == MCP_ENOMEM) {
        free(buf);
        return 0;
    }
    if (rc == MCP_OK && (!json_is_object(fm) || body > size))
        FAIL("MCP_OK without an object, or body offset %zu past %zu", body, size);
    if (rc != MCP_OK && (rc != MCP_EPARSE || fm || !why[0]))
        FAIL("refusal %d with an object or without a reason", rc);
    if (rc == MCP_OK) {
        if (mcp__frontmatter_parse(buf, size, &again, NULL, NULL, 0) != MCP_OK ||
            !json_equal(fm, again))
            FAIL("a second read differs");
        json_decref(again);
        name = json_string_value(json_object_get(fm, "name"));
        desc = json_string_value(json_object_get(fm, "description"));
        if (name && desc && *desc && mcp__skill_name_ok(name, strlen(name))) {
            snprintf(uri, sizeof uri, "skill://%s/SKILL.md", name);
            entry =
                json_pack("{s:s, s:O, s:s}", "uri", uri, "frontmatter", fm, "resources", "dynamic");
            if (size <= MCP_SKILL_MAX_BYTES &&
                mcp_skill_verify(entry, uri, buf, size, why, sizeof why) != MCP_OK)
                FAIL("the frontmatter does not verify against itself: %s", why);
            json_object_set_new(json_object_get(entry, "frontmatter"), "x-fuzz-extra", json_true());
            if (!json_object_get(fm, "x-fuzz-extra") &&
                mcp_skill_verify(entry, uri, buf, size, why, sizeof why) != MCP_EVERIFY)
                FAIL("an extra entry field went unnoticed");
            json_decref(entry);
        }
    }
    json_decref(fm);
    free(buf);
    return 0;
}
