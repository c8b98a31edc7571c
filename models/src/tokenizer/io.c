/* tokenizer/io.c: tok_save and tok_load, the JSON file tok.h describes.
 * The writer prints one merge (or 16 characters) per line and replaces the
 * file atomically (nd_write_atomic); the reader is libnd's bounded JSON
 * reader (depth 3: the object, the merges, a merge) followed by a check of
 * exactly this schema, so a hostile file is a one-line error. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok_internal.h"

#define FORMAT_NAME "shannon-tokenizer"
#define PRETOKENIZER_NAME "gpt2-ascii"
#define MAX_FILE_BYTES ((size_t)64 << 20)
#define MAX_CHARS ((size_t)TOK_MAX_CODE_POINT + 1)

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct strbuf {
    char *s;
    size_t n, cap;
    bool failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->failed = true;
            return;
        }
        if (b->s && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t nc = b->cap ? 2 * b->cap : 4096;
        while (nc - b->n <= (size_t)k)
            nc *= 2;
        char *s = realloc(b->s, nc);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s, b->cap = nc;
    }
}

int tok_save(const tok_tokenizer *tok, const char *path)
{
    if (!tok || !path)
        return nd_set_last_error(ND_ERR_VALUE, "tok_save: tok and path must not be NULL");
    if (tok->kind == TOK_GPT2)
        return tok_gpt2_save(tok, path);
    strbuf b = {0};
    sb_printf(&b,
              "{\n  \"format\": \"%s\",\n  \"version\": 1,\n  \"kind\": \"%s\",\n"
              "  \"vocab_size\": %d,\n",
              FORMAT_NAME, tok_kind_name(tok->kind), (int)tok->vocab_size);
    for (int i = 0; i < tok->n_special; i++)
        sb_printf(&b, "%s\"%s\"%s", i ? " " : "  \"special_tokens\": [",
                  tok_special_name((tok_special)i), i + 1 < tok->n_special ? "," : "],\n");
    if (tok->kind == TOK_CHAR) {
        size_t n = (size_t)tok->vocab_size - 1 - (size_t)tok->n_special;
        sb_printf(&b, "  \"unk_id\": %d,\n  \"chars\": [", (int)n);
        for (size_t i = 0; i < n; i++)
            sb_printf(&b, "%s%s%u", i ? "," : "", i % 16 == 0 ? "\n    " : " ",
                      (unsigned)tok->cps[i]);
    } else {
        sb_printf(&b, "  \"pretokenizer\": \"%s\",\n  \"merges\": [", PRETOKENIZER_NAME);
        for (int32_t i = 0; i < tok->n_merges; i++)
            sb_printf(&b, "%s\n    [%d, %d]", i ? "," : "", (int)tok->merges[2 * i],
                      (int)tok->merges[2 * i + 1]);
    }
    sb_printf(&b, "\n  ]\n}\n");
    int status = b.failed ? nd_set_last_error(ND_ERR_MEMORY, "out of memory writing '%s'", path)
                          : nd_write_atomic(path, b.s, b.n);
    free(b.s);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

enum { K_FORMAT, K_VERSION, K_KIND, K_VOCAB, K_UNK, K_CHARS, K_PRETOK, K_MERGES, K_SPECIAL, NKEYS };
static const char *const key_names[NKEYS] = {"format",       "version", "kind",
                                             "vocab_size",   "unk_id",  "chars",
                                             "pretokenizer", "merges",  "special_tokens"};

/* "tokenizer file 'x': <why> at byte N": every schema error names the file
 * and where in it. */
static int fail(const char *what, const nd_json_value *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const char *what, const nd_json_value *v, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return nd_set_last_error(ND_ERR_VALUE, "%s: %s at byte %zu", what, why, nd_json_offset(v));
}

/* The integer at v, in [lo, hi]. */
static int get_int(const char *what, const nd_json_value *v, const char *name, int64_t lo,
                   int64_t hi, int64_t *out)
{
    if (nd_json_type_of(v) != ND_JSON_INT)
        return fail(what, v, "%s must be an integer, not %s", name,
                    nd_json_type_name(nd_json_type_of(v)));
    if (nd_json_int(v, out) < 0 || *out < lo || *out > hi)
        return fail(what, v, "%s out of range [%" PRId64 ", %" PRId64 "]", name, lo, hi);
    return 0;
}

/* The string at v, which must equal `want` (when not NULL). */
static const char *get_string(const char *what, const nd_json_value *v, const char *name,
                              const char *want)
{
    const char *s = nd_json_string(v, NULL);
    if (!s)
        fail(what, v, "%s must be a string, not %s", name, nd_json_type_name(nd_json_type_of(v)));
    else if (want && strcmp(s, want) != 0) {
        fail(what, v, "%s is \"%.40s\", not \"%s\"", name, s, want);
        return NULL;
    }
    return s;
}

/* The array at v, with at most max items. */
static int64_t get_array(const char *what, const nd_json_value *v, const char *name, size_t max)
{
    if (nd_json_type_of(v) != ND_JSON_ARRAY)
        return fail(what, v, "%s must be an array, not %s", name,
                    nd_json_type_name(nd_json_type_of(v)));
    int64_t n = nd_json_count(v);
    if ((uint64_t)n > max)
        return fail(what, v, "%s has %" PRId64 " items, more than %zu", name, n, max);
    return n;
}

/* "chars": [code point, ...] into a new array. */
static uint32_t *read_chars(const char *what, const nd_json_value *v, size_t *n)
{
    int64_t count = get_array(what, v, "chars", MAX_CHARS);
    uint32_t *cps = count < 0 ? NULL : malloc((size_t)(count ? count : 1) * sizeof *cps);
    if (count >= 0 && !cps)
        nd_set_last_error(ND_ERR_MEMORY, "%s: out of memory", what);
    for (int64_t i = 0; cps && i < count; i++) {
        int64_t cp;
        if (get_int(what, nd_json_item(v, i), "a character", 0, TOK_MAX_CODE_POINT, &cp) < 0) {
            free(cps);
            return NULL;
        }
        cps[i] = (uint32_t)cp;
    }
    *n = (size_t)count;
    return cps;
}

/* "merges": [[left, right], ...] into a new array of pairs. */
static int32_t *read_merges(const char *what, const nd_json_value *v, size_t *n)
{
    int64_t count = get_array(what, v, "merges", TOK_MAX_VOCAB - 256);
    int32_t *merges = count < 0 ? NULL : malloc((size_t)(count ? count : 1) * 2 * sizeof *merges);
    if (count >= 0 && !merges)
        nd_set_last_error(ND_ERR_MEMORY, "%s: out of memory", what);
    for (int64_t i = 0; merges && i < count; i++) {
        const nd_json_value *pair = nd_json_item(v, i);
        int64_t a, b;
        bool ok = get_array(what, pair, "a merge", 2) >= 0;
        if (ok && nd_json_count(pair) != 2)
            ok = fail(what, pair, "a merge must be a pair [left, right]") == 0;
        ok = ok && get_int(what, nd_json_item(pair, 0), "a merge's id", 0, TOK_MAX_VOCAB, &a) == 0 &&
             get_int(what, nd_json_item(pair, 1), "a merge's id", 0, TOK_MAX_VOCAB, &b) == 0;
        if (!ok) {
            free(merges);
            return NULL;
        }
        merges[2 * i] = (int32_t)a;
        merges[2 * i + 1] = (int32_t)b;
    }
    *n = (size_t)count;
    return merges;
}

/* "special_tokens": exactly ["[MASK]", "[CLS]", "[SEP]", "[PAD]"], in
 * tok_special's order (tok_add_special_tokens appends them so). */
static int read_special(const char *what, const nd_json_value *v)
{
    int64_t n = get_array(what, v, "special_tokens", TOK_NUM_SPECIAL);
    bool ok = n == TOK_NUM_SPECIAL;
    for (int64_t i = 0; i < n; i++) { /* a name that is none of them, named */
        const char *name = nd_json_string(nd_json_item(v, i), NULL);
        int k = 0;
        while (name && k < TOK_NUM_SPECIAL && strcmp(name, tok_special_name((tok_special)k)) != 0)
            k++;
        if (name && k == TOK_NUM_SPECIAL)
            return fail(what, nd_json_item(v, i), "\"%.40s\" is not a special token", name);
        ok = ok && k == i;
    }
    if (!ok && n >= 0)
        return fail(what, v, "special_tokens must be [\"[MASK]\", \"[CLS]\", \"[SEP]\", \"[PAD]\"]");
    return ok ? TOK_NUM_SPECIAL : -1;
}

/* The keys a kind needs, and no others; then the tokenizer they describe. */
static tok_tokenizer *build(const char *path, const char *what, const char *prefix,
                            const nd_json_value *root)
{
    const nd_json_value *k[NKEYS]; /* NULL: absent */
    for (int i = 0; i < NKEYS; i++)
        k[i] = nd_json_member(root, key_names[i]);
    /* The values present first (a wrong format or version says more than
     * what else is missing), then the keys every file needs. */
    int64_t version, vocab_size = 0, unk_id = 0;
    const char *kind_name = NULL;
    if (k[K_FORMAT] && !get_string(what, k[K_FORMAT], "format", FORMAT_NAME))
        return NULL;
    if (k[K_VERSION]) {
        if (get_int(what, k[K_VERSION], "version", INT32_MIN, INT32_MAX, &version) < 0)
            return NULL;
        if (version != 1) {
            fail(what, k[K_VERSION], "version %" PRId64 " is not supported (only 1)", version);
            return NULL;
        }
    }
    if (k[K_KIND] && !(kind_name = get_string(what, k[K_KIND], "kind", NULL)))
        return NULL;
    tok_kind kind = !kind_name                       ? 0
                    : strcmp(kind_name, "char") == 0 ? TOK_CHAR
                    : strcmp(kind_name, "bpe") == 0  ? TOK_BPE
                    : strcmp(kind_name, "gpt2") == 0 ? TOK_GPT2
                                                     : 0;
    if (kind_name && !kind) {
        fail(what, k[K_KIND], "kind is \"%.40s\", not \"char\", \"bpe\" or \"gpt2\"", kind_name);
        return NULL;
    }
    if (k[K_VOCAB] && get_int(what, k[K_VOCAB], "vocab_size", 1, INT32_MAX, &vocab_size) < 0)
        return NULL;
    static const int common[] = {K_FORMAT, K_VERSION, K_KIND, K_VOCAB};
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        if (!k[common[i]]) {
            fail(what, root, "missing key \"%s\"", key_names[common[i]]);
            return NULL;
        }
    int nspecial = k[K_SPECIAL] ? read_special(what, k[K_SPECIAL]) : 0;
    if (nspecial < 0)
        return NULL;
    if (kind == TOK_GPT2) { /* its data are the two files beside this one */
        static const int theirs[] = {K_UNK, K_CHARS, K_PRETOK, K_MERGES, K_SPECIAL};
        for (size_t i = 0; i < sizeof theirs / sizeof *theirs; i++)
            if (k[theirs[i]]) {
                fail(what, k[theirs[i]], "key \"%s\" does not belong to a gpt2 tokenizer",
                     key_names[theirs[i]]);
                return NULL;
            }
        tok_tokenizer *tok = tok_gpt2_load_beside(path, prefix);
        if (tok && tok->vocab_size != vocab_size) {
            fail(what, k[K_VOCAB], "vocab_size is %" PRId64 " but encoder.json has %d", vocab_size,
                 (int)tok->vocab_size);
            tok_free(tok);
            tok = NULL;
        }
        return tok;
    }
    bool is_char = kind == TOK_CHAR;
    int mine[2] = {is_char ? K_UNK : K_PRETOK, is_char ? K_CHARS : K_MERGES};
    int theirs[2] = {is_char ? K_PRETOK : K_UNK, is_char ? K_MERGES : K_CHARS};
    for (int i = 0; i < 2; i++) {
        if (!k[mine[i]]) {
            fail(what, root, "missing key \"%s\"", key_names[mine[i]]);
            return NULL;
        }
        if (k[theirs[i]]) {
            fail(what, k[theirs[i]], "key \"%s\" does not belong to a %s tokenizer",
                 key_names[theirs[i]], kind_name);
            return NULL;
        }
    }
    if ((is_char && get_int(what, k[K_UNK], "unk_id", 0, INT32_MAX, &unk_id) < 0) ||
        (!is_char && !get_string(what, k[K_PRETOK], "pretokenizer", PRETOKENIZER_NAME)))
        return NULL;
    size_t n;
    uint32_t *chars = is_char ? read_chars(what, k[K_CHARS], &n) : NULL;
    int32_t *merges = is_char ? NULL : read_merges(what, k[K_MERGES], &n);
    if (!chars && !merges)
        return NULL;
    int64_t expected = (is_char ? (int64_t)n + 1 : 256 + (int64_t)n) + nspecial;
    const char *why = NULL;
    if (vocab_size != expected)
        fail(what, k[K_VOCAB], "vocab_size is %" PRId64 " but the %s make %" PRId64, vocab_size,
             is_char ? "chars" : "merges", expected),
            why = "";
    else if (is_char && unk_id != (int64_t)n)
        fail(what, k[K_UNK], "unk_id is %" PRId64 ", not the number of chars %" PRId64, unk_id,
             (int64_t)n),
            why = "";
    if (why) {
        free(chars);
        free(merges);
        return NULL;
    }
    /* Both take ownership of the array. */
    tok_tokenizer *tok = is_char ? tok_char_from_code_points(chars, n, prefix)
                                 : tok_bpe_from_merges(merges, (int32_t)n, prefix);
    if (tok && nspecial && tok_add_special_tokens(tok) < 0) {
        tok_free(tok);
        tok = NULL;
    }
    return tok;
}

tok_tokenizer *tok_load(const char *path)
{
    if (!path) {
        nd_set_last_error(ND_ERR_VALUE, "tok_load: path is NULL");
        return NULL;
    }
    size_t n;
    char *data = nd_read_file(path, MAX_FILE_BYTES, &n);
    if (!data)
        return NULL;
    char *what, *prefix = NULL;
    if (asprintf(&what, "tokenizer file '%s'", path) < 0 || asprintf(&prefix, "%s: ", what) < 0) {
        free(data);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    /* Depth 3: the object, an array, a merge. Values: every char, or three
     * per merge, and the keys. */
    nd_json_limits lim = {.max_bytes = MAX_FILE_BYTES,
                          .max_depth = 3,
                          .max_string = 64,
                          .max_values = 3 * (size_t)TOK_MAX_VOCAB + MAX_CHARS + 64};
    nd_json *doc = nd_json_parse(data, n, &lim, what);
    const nd_json_value *root = nd_json_root(doc);
    tok_tokenizer *tok = NULL;
    if (doc && nd_json_type_of(root) != ND_JSON_OBJECT)
        fail(what, root, "the file must hold one JSON object, not %s",
             nd_json_type_name(nd_json_type_of(root)));
    else if (doc && nd_json_check_keys(root, NKEYS, key_names) < 0) {
        char why[300];
        snprintf(why, sizeof why, "%s", nd_last_error());
        nd_set_last_error(ND_ERR_VALUE, "%s: %s", what, why);
    } else if (doc)
        tok = build(path, what, prefix, root);
    nd_json_free(doc);
    free(prefix);
    free(what);
    free(data);
    return tok;
}
