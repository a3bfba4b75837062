/*
 * mcp-filesystem: shared declarations.
 *
 *   sandbox.c  the allowed directories (replaceable at run time, e.g. from client roots) and the
 *              path checks: every path resolved and refused outside them, then opened by
 *              walking from the allowed directory's descriptor with O_NOFOLLOW
 *   tools.c    the tool handlers (run on the libuv thread pool) and client roots per call
 *   glob.c     minimatch-style globs (*, **, ?, [...], {a,b}) for search_files/directory_tree
 *   diff.c     line diff and the unified diff text edit_file returns
 *   util.c     growable buffers, UTF-8 repair, sizes and dates formatted as the reference does
 *   main.c     command line, tool registration, the client-roots hook
 */
#ifndef MCP_FILESYSTEM_H
#define MCP_FILESYSTEM_H

#include <mcp.h>

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* ---- util.c ------------------------------------------------------------------------------ */

typedef struct buf {
    char *data;
    size_t len, cap;
    bool oom;
} buf_t;

void buf_add(buf_t *b, const void *data, size_t len);
void buf_adds(buf_t *b, const char *s);
void buf_addf(buf_t *b, const char *fmt, ...) MCP_PRINTF(2, 3);
void buf_addc(buf_t *b, char c);
/** NUL-terminates and returns the data (never NULL unless out of memory). */
const char *buf_str(buf_t *b);
void buf_free(buf_t *b);

/** Copy of `s` with every invalid UTF-8 sequence replaced by U+FFFD (as Node decodes). */
char *utf8_repair(const char *s, size_t len, size_t *out_len);
/** "0 B", "512 B", "1.50 KB" ... like the reference server's formatSize(). */
void format_size(char *out, size_t size, long long bytes);
/** A date as JavaScript's Date.prototype.toString() prints it, in local time. */
void format_js_date(char *out, size_t size, time_t t);
/** Node-style error text: "ENOENT: no such file or directory, open '/x'". */
void errno_text(char *out, size_t size, int err, const char *syscall, const char *path);

/* ---- sandbox.c --------------------------------------------------------------------------- */

/** An immutable, reference-counted set of allowed directories (real paths + open fds). */
typedef struct roots roots_t;

/** Resolve and open `dirs` (realpath; a missing or non-directory entry is an error). */
roots_t *roots_new(const char *const *dirs, size_t n, char *err, size_t err_size);
void roots_unref(roots_t *r);
size_t roots_count(const roots_t *r);
const char *roots_path(const roots_t *r, size_t i);

/** The current set (a new reference: roots_unref() it). Any thread. */
roots_t *sandbox_acquire(void);
/** Replace the current set (steals `r`). Calls in flight keep the set they started with. */
void sandbox_replace(roots_t *r);

/** A path that passed the checks: inside root `root`, as components without symlinks. */
typedef struct fspath {
    roots_t *roots; /* borrowed */
    size_t root;    /* index into roots */
    char *real;     /* absolute real path (for messages and results) */
    char *rel;      /* path below the root, "" for the root itself; no "." "..", no symlinks */
    bool exists;    /* the full path existed when checked */
    size_t existed; /* how much of rel (bytes) existed when checked: all of it if `exists` */
} fspath_t;

/**
 * Check `requested` (as the client sent it) against `roots`: expand "~", make it absolute
 * (relative paths resolve against the allowed directories), normalise "." and "..", refuse it
 * when it lies outside, then resolve symlinks and refuse when the real path (or, for a path that
 * does not exist yet, the real path of its deepest existing ancestor) lies outside.
 * Returns 0, or -1 with a message in `err` (the reference server's wording).
 */
int fspath_resolve(roots_t *roots, const char *requested, fspath_t *out, char *err,
                   size_t err_size);
void fspath_free(fspath_t *p);

/**
 * Open the directory that contains `p` (or the root itself for the root: *leaf is then "."),
 * walking down from the root's descriptor one component at a time with O_NOFOLLOW, so a symlink
 * swapped in after the check is refused instead of followed. Returns a descriptor the caller
 * closes, *leaf pointing into p->rel; or -1 with errno set (ELOOP/ENOTDIR: something changed).
 */
int fspath_open_parent(const fspath_t *p, const char **leaf);
/** Did the first `end` bytes of p->rel exist when the path was checked? */
bool fspath_existed(const fspath_t *p, size_t end);
/** The allowed directory's descriptor (borrowed) that `p` lies below. */
int fspath_root_fd(const fspath_t *p);
/** Open `p` itself with `flags` (O_NOFOLLOW is added). -1 with errno on failure. */
int fspath_open(const fspath_t *p, int flags, mode_t mode);
/** Describe a failure of the two calls above as the tools report it. */
void fspath_open_error(const fspath_t *p, int err, const char *syscall, char *out, size_t size);

/** Testing aid: pause this many milliseconds between checking a path and using it (also before
 * a walking tool opens each subdirectory it found). */
extern unsigned sandbox_test_delay_ms;
void sandbox_test_pause(void);

/* ---- roots.c ---------------------------------------------------------------------------- */

/** The local path of a file:// URI (percent-decoded; a malloc'd string), or NULL. */
char *fs_path_from_file_uri(const char *uri);
/**
 * The directories among `roots` (borrowed: the `roots` array of a roots/list result) as a new
 * set; entries that are not usable local directories are skipped. NULL (with `err`) when none
 * is left.
 */
roots_t *fs_roots_from_list(const json_t *roots, char *err, size_t err_size);
/**
 * The intersection of `client` (stolen) and `allowed`: each client root that lies inside an
 * allowed directory, and each allowed directory that lies inside a client root. May be empty;
 * NULL (with `err`) only on failure.
 */
roots_t *fs_roots_within(roots_t *client, const roots_t *allowed, char *err, size_t err_size);
/** --allow-client-roots: client roots replace the command-line directories instead of
 * narrowing them. Set once, before serving. */
extern bool fs_allow_client_roots;
/**
 * The allowed directories for a call of a client whose roots/list answered `roots`: its usable
 * directories narrowed to the current (command-line) set, or as they are with
 * fs_allow_client_roots or when that set is empty. NULL when it offers no usable directory (the
 * command-line set applies); an empty set when none lies inside the command-line directories.
 */
roots_t *fs_client_roots(const json_t *roots, char *err, size_t err_size);
/**
 * Replace the allowed directories with the directories among `roots` (borrowed: the `roots`
 * array of a roots/list result). Entries that are not usable local directories are skipped;
 * with none left the current set stays. Returns 0, or -1 with `err` filled.
 */
int fs_roots_apply(const json_t *roots, char *err, size_t err_size);

/* ---- glob.c ------------------------------------------------------------------------------ */

/** minimatch(path, pattern, {dot: true}) for relative '/'-separated paths. */
bool glob_match(const char *pattern, const char *path);

/* ---- diff.c ------------------------------------------------------------------------------ */

/**
 * A unified diff of `a` and `b` (\n line endings) in the layout of jsdiff's createTwoFilesPatch
 * (file name in the Index line and both headers, "original"/"modified" labels, 4 lines of
 * context). Appended to `out`.
 */
void unified_diff(buf_t *out, const char *name, const char *a, size_t alen, const char *b,
                  size_t blen);

/* ---- tools.c ----------------------------------------------------------------------------- */

/** Register every tool on `srv`. */
int fs_register_tools(mcp_server_t *srv, mcp_error_t *err);

/** Largest file read into memory (read_text_file without head/tail, media, edits). */
#define FS_MAX_READ_BYTES (64u * 1024 * 1024)

#endif
