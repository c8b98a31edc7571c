/* tokenizer/io.c: tok_save and tok_load, the JSON file tok.h describes.
 * The writer prints one merge (or 16 characters) per line; the reader is a
 * strict parser of exactly that object (any key order and whitespace, no
 * string escapes), bounded everywhere, so a hostile file is an error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

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

/* Writes data to path through a temporary file in the same folder, fsync'd
 * before the rename, so readers see the old file or the new one. */
int tok_write_atomically(const char *path, const char *data, size_t n)
{
    char *tmp;
    if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory");
    int fd = mkstemp(tmp);
    if (fd < 0)
        goto fail;
    for (size_t at = 0; at < n;) {
        ssize_t k = write(fd, data + at, n - at);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            goto fail;
        at += (size_t)k;
    }
    if (fsync(fd) < 0)
        goto fail;
    int fd2 = fd;
    fd = -1;
    if (close(fd2) < 0 || rename(tmp, path) < 0)
        goto fail;
    free(tmp);
    /* Make the rename itself durable (best effort: not every file system
     * lets a folder be opened). */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    return 0;
fail:;
    int err = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return nd_set_last_error(ND_ERR_IO, "could not write '%s': %s", path, strerror(err));
}

int tok_save(const tok_tokenizer *tok, const char *path)
{
    if (!tok || !path)
        return nd_set_last_error(ND_ERR_VALUE, "tok_save: tok and path must not be NULL");
    if (tok->kind == TOK_GPT2)
        return tok_gpt2_save(tok, path);
    strbuf b = {0};
    sb_printf(&b, "{\n  \"format\": \"%s\",\n  \"version\": 1,\n  \"kind\": \"%s\",\n"
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
                          : tok_write_atomically(path, b.s, b.n);
    free(b.s);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct parser {
    const char *s;
    size_t n, i;
    const char *what;   /* "tokenizer file 'x': " */
    bool failed;        /* an error message is set */
} parser;

static void fail_at(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_at(parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->i >= p->n)
        nd_set_last_error(ND_ERR_VALUE, "%s%s, but the file ends (truncated?)", p->what, msg);
    else
        nd_set_last_error(ND_ERR_VALUE, "%s%s at byte %zu", p->what, msg, p->i);
}

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\n' || p->s[p->i] == '\r' ||
                           p->s[p->i] == '\t'))
        p->i++;
}

/* Skips whitespace; true if the next byte is c (and consumes it). */
static bool accept(parser *p, char c)
{
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return true;
    }
    return false;
}

static bool expect(parser *p, char c)
{
    if (accept(p, c))
        return true;
    fail_at(p, "expected '%c'", c);
    return false;
}

/* A string of printable ASCII without escapes, at most cap - 1 bytes. */
static bool parse_string(parser *p, char *out, size_t cap)
{
    if (!expect(p, '"'))
        return false;
    size_t k = 0;
    while (p->i < p->n && p->s[p->i] != '"') {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c < 0x20 || c >= 0x7F || c == '\\') {
            fail_at(p, "unexpected character in a string");
            return false;
        }
        if (k + 1 >= cap) {
            fail_at(p, "string too long");
            return false;
        }
        out[k++] = (char)c;
        p->i++;
    }
    out[k] = '\0';
    return expect(p, '"');
}

/* An integer in [lo, hi] (no fraction, no exponent). */
static bool parse_int(parser *p, int64_t lo, int64_t hi, int64_t *v)
{
    skip_ws(p);
    size_t start = p->i;
    bool neg = p->i < p->n && p->s[p->i] == '-';
    p->i += neg;
    int64_t x = 0;
    size_t digits = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        if (++digits > 12) {
            p->i = start;
            fail_at(p, "integer out of range");
            return false;
        }
        x = 10 * x + (p->s[p->i++] - '0');
    }
    if (digits == 0) {
        fail_at(p, "expected an integer");
        return false;
    }
    if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        fail_at(p, "expected an integer, not a fraction");
        return false;
    }
    x = neg ? -x : x;
    if (x < lo || x > hi) {
        p->i = start;
        fail_at(p, "integer %" PRId64 " out of range [%" PRId64 ", %" PRId64 "]", x, lo, hi);
        return false;
    }
    *v = x;
    return true;
}

/* A JSON array of up to max_items items; each item is parsed by item() and
 * appended to *arr (elem_size bytes each). */
static bool parse_array(parser *p, size_t max_items, size_t elem_size, void **arr, size_t *count,
                        bool (*item)(parser *, void *))
{
    if (!expect(p, '['))
        return false;
    size_t cap = 0;
    *count = 0;
    if (accept(p, ']'))
        return true;
    do {
        if (*count == max_items) {
            fail_at(p, "more than %zu items in an array", max_items);
            return false;
        }
        if (*count == cap) {
            cap = cap ? 2 * cap : 256;
            void *a = realloc(*arr, cap * elem_size);
            if (!a) {
                p->failed = true;
                nd_set_last_error(ND_ERR_MEMORY, "%sout of memory", p->what);
                return false;
            }
            *arr = a;
        }
        if (!item(p, (char *)*arr + *count * elem_size))
            return false;
        ++*count;
    } while (accept(p, ','));
    return expect(p, ']');
}

static bool parse_char_item(parser *p, void *out)
{
    int64_t v;
    if (!parse_int(p, 0, TOK_MAX_CODE_POINT, &v))
        return false;
    *(uint32_t *)out = (uint32_t)v;
    return true;
}

static bool parse_merge_item(parser *p, void *out)
{
    int64_t a, b;
    if (!expect(p, '[') || !parse_int(p, 0, TOK_MAX_VOCAB, &a) || !expect(p, ',') ||
        !parse_int(p, 0, TOK_MAX_VOCAB, &b) || !expect(p, ']'))
        return false;
    ((int32_t *)out)[0] = (int32_t)a;
    ((int32_t *)out)[1] = (int32_t)b;
    return true;
}

enum { K_FORMAT, K_VERSION, K_KIND, K_VOCAB, K_UNK, K_CHARS, K_PRETOK, K_MERGES, K_SPECIAL, NKEYS };
static const char *const key_names[NKEYS] = {
    "format", "version", "kind", "vocab_size", "unk_id", "chars", "pretokenizer", "merges",
    "special_tokens"};

/* An item of special_tokens: one of the names, stored as its index. */
static bool parse_special_item(parser *p, void *out)
{
    char s[16];
    if (!parse_string(p, s, sizeof s))
        return false;
    for (int k = 0; k < TOK_NUM_SPECIAL; k++)
        if (strcmp(s, tok_special_name((tok_special)k)) == 0) {
            *(int *)out = k;
            return true;
        }
    fail_at(p, "\"%s\" is not a special token", s);
    return false;
}

typedef struct fields {
    bool seen[NKEYS];
    tok_kind kind;
    int64_t vocab_size, unk_id;
    uint32_t *chars;
    size_t nchars;
    int32_t *merges;
    size_t nmerges;
    int nspecial;
} fields;

static bool parse_value(parser *p, int key, fields *f)
{
    char s[64];
    int64_t v;
    switch (key) {
    case K_FORMAT:
        if (!parse_string(p, s, sizeof s))
            return false;
        if (strcmp(s, FORMAT_NAME) != 0) {
            fail_at(p, "format is \"%s\", not \"" FORMAT_NAME "\"", s);
            return false;
        }
        return true;
    case K_VERSION:
        if (!parse_int(p, INT32_MIN, INT32_MAX, &v))
            return false;
        if (v != 1) {
            fail_at(p, "version %" PRId64 " is not supported (only 1)", v);
            return false;
        }
        return true;
    case K_KIND:
        if (!parse_string(p, s, sizeof s))
            return false;
        f->kind = strcmp(s, "char") == 0 ? TOK_CHAR : strcmp(s, "bpe") == 0 ? TOK_BPE
                : strcmp(s, "gpt2") == 0 ? TOK_GPT2 : 0;
        if (!f->kind)
            fail_at(p, "kind is \"%s\", not \"char\", \"bpe\" or \"gpt2\"", s);
        return f->kind != 0;
    case K_VOCAB:
        return parse_int(p, 1, INT32_MAX, &f->vocab_size);
    case K_UNK:
        return parse_int(p, 0, INT32_MAX, &f->unk_id);
    case K_CHARS:
        return parse_array(p, MAX_CHARS, sizeof *f->chars, (void **)&f->chars, &f->nchars,
                           parse_char_item);
    case K_PRETOK:
        if (!parse_string(p, s, sizeof s))
            return false;
        if (strcmp(s, PRETOKENIZER_NAME) != 0) {
            fail_at(p, "pretokenizer is \"%s\", not \"" PRETOKENIZER_NAME "\"", s);
            return false;
        }
        return true;
    case K_SPECIAL: {
        /* Exactly the four names, in tok_special's order. */
        int *v = NULL;
        size_t n = 0;
        bool ok = parse_array(p, TOK_NUM_SPECIAL, sizeof *v, (void **)&v, &n, parse_special_item);
        for (size_t i = 0; ok && i < TOK_NUM_SPECIAL; i++)
            ok = i < n && v[i] == (int)i;
        free(v);
        if (!ok && !p->failed)
            fail_at(p, "special_tokens must be [\"[MASK]\", \"[CLS]\", \"[SEP]\", \"[PAD]\"]");
        f->nspecial = ok ? TOK_NUM_SPECIAL : 0;
        return ok;
    }
    default:
        return parse_array(p, TOK_MAX_VOCAB - 256, 2 * sizeof *f->merges, (void **)&f->merges,
                           &f->nmerges, parse_merge_item);
    }
}

static bool parse_object(parser *p, fields *f)
{
    if (!expect(p, '{'))
        return false;
    do {
        char key[64];
        size_t at = p->i;
        if (!parse_string(p, key, sizeof key))
            return false;
        int k = 0;
        while (k < NKEYS && strcmp(key, key_names[k]) != 0)
            k++;
        if (k == NKEYS || f->seen[k]) {
            p->i = at;
            skip_ws(p);
            fail_at(p, k == NKEYS ? "unknown key \"%s\"" : "key \"%s\" appears twice", key);
            return false;
        }
        f->seen[k] = true;
        if (!expect(p, ':') || !parse_value(p, k, f))
            return false;
    } while (accept(p, ','));
    if (!expect(p, '}'))
        return false;
    skip_ws(p);
    if (p->i < p->n) {
        fail_at(p, "unexpected data after the object");
        return false;
    }
    return true;
}

/* The fields a kind needs, and no others; sizes that agree. */
static bool check_fields(const fields *f, const char *what)
{
    static const int common[] = {K_FORMAT, K_VERSION, K_KIND, K_VOCAB};
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        if (!f->seen[common[i]]) {
            nd_set_last_error(ND_ERR_VALUE, "%smissing key \"%s\"", what, key_names[common[i]]);
            return false;
        }
    if (f->kind == TOK_GPT2) {   /* its data are the two files beside it */
        static const int theirs[] = {K_UNK, K_CHARS, K_PRETOK, K_MERGES};
        for (size_t i = 0; i < sizeof theirs / sizeof *theirs; i++)
            if (f->seen[theirs[i]]) {
                nd_set_last_error(ND_ERR_VALUE, "%skey \"%s\" does not belong to a gpt2 tokenizer",
                                  what, key_names[theirs[i]]);
                return false;
            }
        return true;
    }
    bool is_char = f->kind == TOK_CHAR;
    int mine[2] = {is_char ? K_UNK : K_PRETOK, is_char ? K_CHARS : K_MERGES};
    int theirs[2] = {is_char ? K_PRETOK : K_UNK, is_char ? K_MERGES : K_CHARS};
    for (int i = 0; i < 2; i++) {
        if (!f->seen[mine[i]]) {
            nd_set_last_error(ND_ERR_VALUE, "%smissing key \"%s\"", what, key_names[mine[i]]);
            return false;
        }
        if (f->seen[theirs[i]]) {
            nd_set_last_error(ND_ERR_VALUE, "%skey \"%s\" does not belong to a %s tokenizer", what,
                              key_names[theirs[i]], tok_kind_name(f->kind));
            return false;
        }
    }
    int64_t expected = (is_char ? (int64_t)f->nchars + 1 : 256 + (int64_t)f->nmerges) + f->nspecial;
    if (f->vocab_size != expected) {
        nd_set_last_error(ND_ERR_VALUE, "%svocab_size is %" PRId64 " but the %s make %" PRId64,
                          what, f->vocab_size, is_char ? "chars" : "merges", expected);
        return false;
    }
    if (is_char && f->unk_id != (int64_t)f->nchars) {
        nd_set_last_error(ND_ERR_VALUE, "%sunk_id is %" PRId64 ", not the number of chars %" PRId64,
                          what, f->unk_id, (int64_t)f->nchars);
        return false;
    }
    return true;
}

/* The whole file, at most MAX_FILE_BYTES; NULL with the error set. */
static char *read_file(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        nd_set_last_error(ND_ERR_IO, "could not read tokenizer file '%s': %s", path,
                          strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap)
            break;
        if (cap >= MAX_FILE_BYTES + 1) {
            nd_set_last_error(ND_ERR_VALUE, "tokenizer file '%s' is larger than %zu bytes", path,
                              MAX_FILE_BYTES);
            free(buf);
            fclose(fp);
            return NULL;
        }
        cap = cap * 2 > MAX_FILE_BYTES + 1 ? MAX_FILE_BYTES + 1 : cap * 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    if (!buf) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory reading '%s'", path);
    } else if (ferror(fp)) {
        nd_set_last_error(ND_ERR_IO, "could not read tokenizer file '%s': %s", path,
                          strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *n = len;
    return buf;
}

tok_tokenizer *tok_load(const char *path)
{
    if (!path) {
        nd_set_last_error(ND_ERR_VALUE, "tok_load: path is NULL");
        return NULL;
    }
    size_t n;
    char *data = read_file(path, &n);
    if (!data)
        return NULL;
    char *what;
    if (asprintf(&what, "tokenizer file '%s': ", path) < 0) {
        free(data);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    parser p = {.s = data, .n = n, .what = what};
    fields f = {0};
    tok_tokenizer *tok = NULL;
    if (parse_object(&p, &f) && check_fields(&f, what)) {
        if (f.kind == TOK_GPT2) {
            tok = tok_gpt2_load_beside(path, what);
            if (tok && tok->vocab_size != f.vocab_size) {
                nd_set_last_error(ND_ERR_VALUE, "%svocab_size is %" PRId64 " but encoder.json has %d",
                                  what, f.vocab_size, (int)tok->vocab_size);
                tok_free(tok);
                tok = NULL;
            }
        } else if (f.kind == TOK_CHAR) {
            tok = tok_char_from_code_points(f.chars, f.nchars, what);
            f.chars = NULL;
        } else {
            tok = tok_bpe_from_merges(f.merges, (int32_t)f.nmerges, what);
            f.merges = NULL;
        }
        if (tok && f.nspecial && tok_add_special_tokens(tok) < 0) {
            tok_free(tok);
            tok = NULL;
        }
    }
    free(f.chars);
    free(f.merges);
    free(what);
    free(data);
    return tok;
}
