/*
 * Skills (the io.modelcontextprotocol/skills extension, SEP-2640): what the sep-2640-skills-*
 * scenarios of the conformance suite read. One skill at the top of the namespace with a
 * subdirectory of references and a binary asset (so resources/directory/read has a subdirectory
 * to list and a blob to serve), and one under a prefix (skill://libmcp/testing/...).
 */
#include "everything.h"

#include <string.h>

static const char tour_md[] =
    "---\n"
    "name: everything-tour\n"
    "description: Tour the tools, resources and prompts of the mcp-everything server\n"
    "license: MIT\n"
    "metadata:\n"
    "  author: libmcp\n"
    "  version: \"1.0\"\n"
    "---\n"
    "\n"
    "# A tour of mcp-everything\n"
    "\n"
    "Start with `references/TOOLS.md`, which names the tools worth calling first.\n"
    "The server's icon is `assets/icon.png`.\n";

static const char tools_md[] = "# Tools\n\n"
                               "- `add`: add two numbers.\n"
                               "- `echo`: say it back.\n"
                               "- `test_simple_text`: the conformance suite's first tool.\n";

static const char checks_md[] = "---\n"
                                "name: conformance-notes\n"
                                "description: >-\n"
                                "  How mcp-everything is run against the official conformance\n"
                                "  suites\n"
                                "allowed-tools:\n"
                                "  - test_simple_text\n"
                                "---\n"
                                "\n"
                                "See tests/conformance/README.md in the libmcp tree.\n";

int ev_add_skills(mcp_server_t *srv, mcp_error_t *err)
{
    const mcp_skill_file_t tour_files[] = {
        {.path = "references/TOOLS.md", .data = tools_md, .len = strlen(tools_md)},
        {.path = "assets/icon.png", .mime_type = "image/png", .data = ev_png, .len = ev_png_len},
    };
    const mcp_skill_t skills[] = {
        {.path = "everything-tour", .skill_md = tour_md, .files = tour_files, .nfiles = 2},
        {.path = "libmcp/testing/conformance-notes", .skill_md = checks_md},
    };
    return mcp_server_add_skills(srv, skills, 2, err);
}
