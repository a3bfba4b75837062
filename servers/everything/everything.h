/*
 * mcp-everything: one server that exercises every feature of libmcp's public API.
 *
 * It is at once the fixture the official MCP conformance suite runs against (the names, URIs,
 * texts and schemas its checks expect; see tests/conformance/) and a demo of the API. Files:
 *   main.c      the server: identity, timers (dynamic items, the watched resource), main()
 *   fixtures.c  the conformance contract of the 2025 era (test_* tools, test:// resources, prompts)
 *   modern.c    tools the 2026-07-28 scenarios call (multi round-trip input, list changes, ...)
 *   demo.c      the feature demo beyond the suite (echo, add, structured output, roots, ...)
 *   tasks.c     tools that run as tasks (the tasks extension scenarios; 2025-11-25 tasks too)
 *   framework.c what libmcp adds around the protocol (output schema enforcement, defaults, ...)
 *   skills.c    skills (the skills extension scenarios): SKILL.md files, a reference, an asset
 *   util.c      small helpers: delays on the loop, asking the client several questions, media
 */
#ifndef MCP_EVERYTHING_H
#define MCP_EVERYTHING_H

#include <mcp.h>
#include <uv.h>

/* ---- media (util.c) ---------------------------------------------------------------------- */

/** A 16x16 RGB PNG (raw bytes). */
extern const unsigned char ev_png[];
extern const size_t ev_png_len;
/** A short mono 16-bit PCM WAV (a 440 Hz tone), built on first use. NULL when out of memory. */
const unsigned char *ev_wav(size_t *len);
/** Base64 of `len` bytes; malloc'd, NUL-terminated; NULL when out of memory. */
char *ev_base64(const void *data, size_t len);

/* ---- delays on the server's loop (util.c) ------------------------------------------------- */

/** Run `fn(call, ud)` after `ms` milliseconds on the loop thread. MCP_OK or MCP_ENOMEM. */
int ev_after(mcp_call_t *call, unsigned ms, void (*fn)(mcp_call_t *call, void *ud), void *ud);

/** URL-mode elicitation (2025-11-25): pretend the user finishes the out-of-band step `id` in
 * `ms` milliseconds, then send notifications/elicitation/complete. MCP_OK or MCP_ENOMEM. */
int ev_elicitation_complete_later(mcp_server_t *srv, const char *id, unsigned ms);

/* ---- asking the client several questions at once (util.c) --------------------------------- */
/*
 * A gather asks any number of questions (sampling, elicitation, roots), each under a key that
 * is also its key in a 2026-07-28 `inputRequests` map, and calls `done` once,
 * when every one of them has an answer (or failed), with the answers by key. It works the same
 * on both eras: on a 2025 session the answers arrive later; on a 2026-07-28 retry each answer is
 * already there and `done` runs before the handler returns; on a 2026 first round `done` never
 * runs (the call ends with input_required) and the gather frees itself.
 *
 * `done` must complete the call (mcp_call_complete()) or start another gather that will.
 * Usage: g = ev_gather_new(call, done, ud, free_ud); ev_gather_sample(g, "k", params) ...;
 *        return ev_gather_end(g);   (returns MCP_PENDING: the handler's return value)
 */
typedef struct ev_gather ev_gather;
typedef void (*ev_gather_done)(mcp_call_t *call, ev_gather *g, void *ud);

/* `free_ud` (may be NULL) releases `ud` when the gather goes away, after `done` or without it. */
ev_gather *ev_gather_new(mcp_call_t *call, ev_gather_done done, void *ud, void (*free_ud)(void *));
/* Each returns the ask's status: MCP_OK (asked), MCP_ESTATE (the client lacks the capability:
 * recorded as a failure under `key`), MCP_EINVAL or MCP_ENOMEM. `params` is stolen. */
int ev_gather_sample(ev_gather *g, const char *key, json_t *params);
int ev_gather_elicit(ev_gather *g, const char *key, json_t *params);
int ev_gather_roots(ev_gather *g, const char *key);
/** Stop asking; returns MCP_PENDING for the handler to return (MCP_ENOMEM if `g` is NULL). */
int ev_gather_end(ev_gather *g);
/** The client's result for `key` (borrowed, until `done` returns), or NULL if it failed. */
const json_t *ev_gather_answer(const ev_gather *g, const char *key);
/** Why `key` has no answer: a static text ("the client lacks the capability", ...) or NULL. */
const char *ev_gather_failure(const ev_gather *g, const char *key);
/** Number of questions that failed because the client lacks the capability. */
int ev_gather_missing(const ev_gather *g);

/** The text of a sampling result's content (or "" when there is none). */
const char *ev_sample_text(const json_t *result);
/** An elicitation form schema from JSON text (abort()s on a typo: the texts are constants). */
json_t *ev_json(const char *text);

/* ---- registration (one function per file) ------------------------------------------------ */

int ev_add_fixtures(mcp_server_t *srv, mcp_error_t *err);
int ev_add_modern(mcp_server_t *srv, mcp_error_t *err);
int ev_add_demo(mcp_server_t *srv, mcp_error_t *err);
int ev_add_tasks(mcp_server_t *srv, mcp_error_t *err);
int ev_add_framework(mcp_server_t *srv, mcp_error_t *err);
int ev_add_skills(mcp_server_t *srv, mcp_error_t *err);

/** Items the suite's reference server adds 2 s after start (main.c's timer calls this). */
int ev_add_dynamic(mcp_server_t *srv);
/** The watched resource's current revision (main.c's timer bumps it). */
unsigned ev_watched_revision(void);
void ev_watched_bump(void);

#endif
