/*
 * json.c: one bounded JSON reader (RFC 8259) for every file Shannon reads
 * back: config.json, tokenizer.json, train_state.json, the safetensors
 * header.
 *
 * The input is hostile until proven otherwise, so every resource the parse
 * takes is bounded by a limit the caller chooses (nd_json_limits): input
 * bytes, nesting depth (the parser recurses once per level, so the depth
 * bounds the C stack too), bytes of one decoded string, and values in the
 * document (which bounds the memory: a few dozen bytes per value). Beyond
 * RFC 8259's grammar it rejects what would be ambiguous to a reader:
 * duplicate keys in an object, integers outside int64/uint64 (never
 * silently rounded to a double), numbers that overflow a double, invalid
 * UTF-8 and lone surrogates, and "\u0000" (strings are NUL-terminated).
 *
 * The document is a DOM in three arrays: the values (nodes), the decoded
 * strings (one text arena, each string NUL-terminated), and the children of
 * every array/object (an object's children are key, value, key, value).
 * While parsing, a container's children are pushed on a scratch stack and
 * copied out, contiguous, when it closes (containers close in LIFO order),
 * so item i of any array is found in O(1). Indices are turned into pointers
 * once the parse is complete and nothing moves any more.
 */
#define _GNU_SOURCE
#include "nd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct nd_json_value {
    nd_json_type type;
    // clang-format off
    bool negative;            /* integers: the sign (the magnitude is v.u) */
    size_t offset;            /* the byte of the input where the value starts */
    size_t count;             /* string bytes, array items, object members */
    // clang-format on
    union {
        bool b;
        uint64_t u;
        double d;
        const char *s;
        // clang-format off
        const nd_json_value **kids;   /* arrays: count; objects: 2 count (key, value) */
        size_t at;                    /* while parsing: index into text or kids */
        // clang-format on
    } v;
};

struct nd_json {
    nd_json_value *nodes;
    size_t nnodes, nodes_cap;
    // clang-format off
    char *text;               /* decoded strings */
    size_t text_len, text_cap;
    size_t *kids;             /* child node indices, per container contiguous */
    size_t nkids, kids_cap;
    const nd_json_value **links;   /* kids as pointers, once parsed */
    // clang-format on
};

const nd_json_limits ND_JSON_DEFAULT_LIMITS = {
    .max_bytes = (size_t)64 << 20,
    .max_depth = 64,
    .max_string = (size_t)1 << 20,
    .max_values = (size_t)1 << 22,
};

typedef struct parser {
    const char *s;
    size_t n, i;
    nd_json_limits lim;
    const char *what;
    nd_json *doc;
    size_t *stack; /* children of the open containers */
    size_t nstack, stack_cap;
} parser;

static int fail(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *p, size_t at, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return nd_set_error(ND_ERR_VALUE, "%s: %s at byte %zu", p->what, why, at);
}

static int out_of_memory(parser *p)
{
    return nd_set_error(ND_ERR_MEMORY, "%s: out of memory parsing JSON", p->what);
}

/* Makes room for one more item of `size` bytes in *items (capacity doubles). */
static int reserve(parser *p, void **items, size_t *cap, size_t count, size_t need, size_t size)
{
    if (count + need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < count + need)
        ncap *= 2;
    void *grown = realloc(*items, ncap * size);
    if (!grown)
        return out_of_memory(p);
    *items = grown;
    *cap = ncap;
    return 0;
}

/* A new node of the type at p->i; its index, or -1 with the error set. */
static int64_t new_node(parser *p, nd_json_type type)
{
    nd_json *d = p->doc;
    if (d->nnodes >= p->lim.max_values) {
        fail(p, p->i, "more than %zu values", p->lim.max_values);
        return -1;
    }
    void *nodes = d->nodes;
    if (reserve(p, &nodes, &d->nodes_cap, d->nnodes, 1, sizeof *d->nodes) < 0)
        return -1;
    d->nodes = nodes;
    d->nodes[d->nnodes] = (nd_json_value){.type = type, .offset = p->i};
    return (int64_t)d->nnodes++;
}

static void skip_space(parser *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

/* What is at p->i, for "expected X, found Y" messages. */
static const char *found(const parser *p, char *buf)
{
    if (p->i >= p->n)
        return "the end of the input";
    unsigned char c = (unsigned char)p->s[p->i];
    if (c >= 0x20 && c < 0x7f)
        sprintf(buf, "'%c'", c);
    else
        sprintf(buf, "byte 0x%02x", c);
    return buf;
}

static int expect(parser *p, char c)
{
    skip_space(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 0;
    }
    char buf[16];
    return fail(p, p->i, "expected '%c', found %s", c, found(p, buf));
}

/* ---- strings --------------------------------------------------------------- */

static int hex4(parser *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->i < p->n ? p->s[p->i] : 0;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return fail(p, p->i, "bad \\u escape (4 hex digits expected)");
        v = v << 4 | (uint32_t)d;
        p->i++;
    }
    *out = v;
    return 0;
}

/* The length of the strict UTF-8 sequence at s[0..n) (no overlongs, no
 * surrogates, at most U+10FFFF), or 0 if it is not one. */
static int utf8_length(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (!len || (size_t)len > n)
        return 0;
    uint32_t v = len == 1 ? c : c & (0x7Fu >> len);
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_cp[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

bool nd_valid_utf8(const char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = (size_t)utf8_length((const unsigned char *)s + i, n - i, &cp)))
            return false;
    return true;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash (p->i at the letter): its code point. */
static int parse_escape(parser *p, uint32_t *cp)
{
    size_t at = p->i - 1;
    char e = p->i < p->n ? p->s[p->i++] : 0;
    const char *simple = e ? strchr("\"\\/bfnrt", e) : NULL;
    if (simple) {
        *cp = (unsigned char)"\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
        return 0;
    }
    if (e != 'u')
        return fail(p, at, "bad escape in a string");
    if (hex4(p, cp) < 0)
        return ND_ERR_VALUE;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return fail(p, at, "unpaired surrogate \\u%04X in a string", (unsigned)*cp);
    if (*cp >= 0xD800 && *cp <= 0xDBFF) { /* needs its low half: \uDC00..\uDFFF */
        uint32_t low = 0;
        if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
            return fail(p, at, "unpaired surrogate \\u%04X in a string", (unsigned)*cp);
        p->i += 2;
        if (hex4(p, &low) < 0)
            return ND_ERR_VALUE;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail(p, at, "unpaired surrogate \\u%04X in a string", (unsigned)*cp);
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (*cp == 0)
        return fail(p, at, "\\u0000 in a string is not supported");
    return 0;
}

/* A string (p->i at the opening quote), decoded into the text arena. */
static int64_t parse_string(parser *p)
{
    int64_t node = new_node(p, ND_JSON_STRING);
    if (node < 0)
        return -1;
    nd_json *d = p->doc;
    size_t start = d->text_len;
    p->i++; /* the quote */
    for (;;) {
        if (p->i >= p->n) {
            fail(p, p->i, "unterminated string");
            return -1;
        }
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"')
            break;
        char bytes[4];
        size_t len;
        uint32_t cp = 0;
        if (c < 0x20) {
            fail(p, p->i, "control character 0x%02x in a string", c);
            return -1;
        } else if (c == '\\') {
            p->i++;
            if (parse_escape(p, &cp) < 0)
                return -1;
            len = put_utf8(bytes, cp);
        } else {
            int k = utf8_length((const unsigned char *)p->s + p->i, p->n - p->i, &cp);
            if (!k) {
                fail(p, p->i, "invalid UTF-8 in a string");
                return -1;
            }
            memcpy(bytes, p->s + p->i, (size_t)k);
            len = (size_t)k;
            p->i += len;
        }
        if (d->text_len - start + len > p->lim.max_string) {
            fail(p, d->nodes[node].offset, "a string longer than %zu bytes", p->lim.max_string);
            return -1;
        }
        void *text = d->text;
        if (reserve(p, &text, &d->text_cap, d->text_len, len + 1, 1) < 0)
            return -1;
        d->text = text;
        memcpy(d->text + d->text_len, bytes, len);
        d->text_len += len;
    }
    p->i++; /* the closing quote */
    void *text = d->text;
    if (reserve(p, &text, &d->text_cap, d->text_len, 1, 1) < 0)
        return -1;
    d->text = text;
    d->text[d->text_len++] = '\0';
    d->nodes[node].count = d->text_len - 1 - start;
    d->nodes[node].v.at = start;
    return node;
}

/* ---- numbers --------------------------------------------------------------- */

static locale_t c_locale;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static bool digit_at(const parser *p, size_t i)
{
    return i < p->n && p->s[i] >= '0' && p->s[i] <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?: an integer if it has no
 * fraction and no exponent (exact in int64/uint64, else an error), else a
 * double (correctly rounded by strtod in the C locale; overflow is an
 * error, underflow gives a subnormal or zero as in Python). */
static int64_t parse_number(parser *p)
{
    size_t start = p->i, i = p->i;
    bool negative = p->s[i] == '-';
    i += negative;
    if (!digit_at(p, i)) {
        fail(p, start, "invalid number");
        return -1;
    }
    if (p->s[i] == '0' && digit_at(p, i + 1)) {
        fail(p, start, "leading zero in a number");
        return -1;
    }
    while (digit_at(p, i))
        i++;
    bool is_float = false;
    if (i < p->n && p->s[i] == '.') {
        is_float = true;
        if (!digit_at(p, ++i)) {
            fail(p, start, "invalid number (digits must follow '.')");
            return -1;
        }
        while (digit_at(p, i))
            i++;
    }
    if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        is_float = true;
        i++;
        if (i < p->n && (p->s[i] == '+' || p->s[i] == '-'))
            i++;
        if (!digit_at(p, i)) {
            fail(p, start, "invalid number (digits must follow the exponent)");
            return -1;
        }
        while (digit_at(p, i))
            i++;
    }
    int64_t node = new_node(p, is_float ? ND_JSON_DOUBLE : ND_JSON_INT);
    if (node < 0)
        return -1;
    nd_json_value *v = &p->doc->nodes[node];
    p->i = i;
    if (!is_float) {
        uint64_t m = 0;
        for (size_t k = start + negative; k < i; k++)
            if (__builtin_mul_overflow(m, 10, &m) ||
                __builtin_add_overflow(m, (uint64_t)(p->s[k] - '0'), &m)) {
                fail(p, start, "integer out of range");
                return -1;
            }
        if (negative && m > (uint64_t)INT64_MAX + 1) {
            fail(p, start, "integer out of range");
            return -1;
        }
        v->negative = negative && m != 0;
        v->v.u = m;
        return node;
    }
    char buf[512];
    if (i - start >= sizeof buf) {
        fail(p, start, "a number longer than %zu characters", sizeof buf - 1);
        return -1;
    }
    memcpy(buf, p->s + start, i - start);
    buf[i - start] = '\0';
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_c_locale);
    errno = 0;
    double x = c_locale ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
    if (isinf(x)) {
        fail(p, start, "number out of range for a double");
        return -1;
    }
    v->v.d = x;
    return node;
}

/* ---- values ----------------------------------------------------------------- */

static int64_t parse_value(parser *p, int depth);

static int push(parser *p, size_t node)
{
    void *stack = p->stack;
    if (reserve(p, &stack, &p->stack_cap, p->nstack, 1, sizeof *p->stack) < 0)
        return -1;
    p->stack = stack;
    p->stack[p->nstack++] = node;
    return 0;
}

/* Orders an object's (key, value) index pairs by key, for the duplicate check. */
static int cmp_keys(const void *a, const void *b, void *ctx)
{
    const nd_json *d = ctx;
    const nd_json_value *x = &d->nodes[*(const size_t *)a], *y = &d->nodes[*(const size_t *)b];
    size_t n = x->count < y->count ? x->count : y->count;
    int c = memcmp(d->text + x->v.at, d->text + y->v.at, n);
    return c ? c : (x->count > y->count) - (x->count < y->count);
}

/* Moves the children pushed since `base` into the kids array as the
 * container's, after checking an object's keys are distinct. */
static int close_container(parser *p, int64_t node, size_t base)
{
    nd_json *d = p->doc;
    size_t n = p->nstack - base;
    nd_json_value *v = &d->nodes[node];
    if (v->type == ND_JSON_OBJECT && n > 2) {
        size_t *keys = malloc(n / 2 * sizeof *keys);
        if (!keys)
            return out_of_memory(p);
        for (size_t k = 0; k < n / 2; k++)
            keys[k] = p->stack[base + 2 * k];
        qsort_r(keys, n / 2, sizeof *keys, cmp_keys, d);
        size_t dup = SIZE_MAX;
        for (size_t k = 1; k < n / 2 && dup == SIZE_MAX; k++)
            if (cmp_keys(&keys[k - 1], &keys[k], d) == 0)
                dup = keys[k - 1] > keys[k] ? keys[k - 1] : keys[k]; /* the later one */
        free(keys);
        if (dup != SIZE_MAX)
            return fail(p, d->nodes[dup].offset, "duplicate key \"%.80s\"",
                        d->text + d->nodes[dup].v.at);
    }
    void *kids = d->kids;
    if (reserve(p, &kids, &d->kids_cap, d->nkids, n, sizeof *d->kids) < 0)
        return -1;
    d->kids = kids;
    if (n) /* an empty container may come before any array exists: no NULL + 0 */
        memcpy(d->kids + d->nkids, p->stack + base, n * sizeof *d->kids);
    v->v.at = d->nkids;
    v->count = v->type == ND_JSON_OBJECT ? n / 2 : n;
    d->nkids += n;
    p->nstack = base;
    return 0;
}

/* [ value, ... ] or { "key": value, ... } with p->i at the bracket. */
static int64_t parse_container(parser *p, int depth)
{
    bool object = p->s[p->i] == '{';
    char close = object ? '}' : ']';
    if (depth >= p->lim.max_depth) {
        fail(p, p->i, "nesting deeper than %d levels", p->lim.max_depth);
        return -1;
    }
    int64_t node = new_node(p, object ? ND_JSON_OBJECT : ND_JSON_ARRAY);
    if (node < 0)
        return -1;
    size_t base = p->nstack;
    p->i++;
    skip_space(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return close_container(p, node, base) < 0 ? -1 : node;
    }
    for (;;) {
        skip_space(p);
        if (object) {
            if (p->i >= p->n || p->s[p->i] != '"') {
                char buf[16];
                fail(p, p->i, "expected a string key, found %s", found(p, buf));
                return -1;
            }
            int64_t key = parse_string(p);
            if (key < 0 || push(p, (size_t)key) < 0 || expect(p, ':') < 0)
                return -1;
        }
        int64_t item = parse_value(p, depth + 1);
        if (item < 0 || push(p, (size_t)item) < 0)
            return -1;
        skip_space(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return close_container(p, node, base) < 0 ? -1 : node;
        }
        char buf[16];
        fail(p, p->i, "expected ',' or '%c', found %s", close, found(p, buf));
        return -1;
    }
}

static int64_t parse_literal(parser *p, const char *word, nd_json_type type, bool b)
{
    size_t len = strlen(word);
    if (p->n - p->i < len || memcmp(p->s + p->i, word, len) != 0) {
        fail(p, p->i, "invalid literal (expected %s)", word);
        return -1;
    }
    int64_t node = new_node(p, type);
    if (node >= 0)
        p->doc->nodes[node].v.b = b;
    p->i += len;
    return node;
}

static int64_t parse_value(parser *p, int depth)
{
    skip_space(p);
    char c = p->i < p->n ? p->s[p->i] : 0;
    char buf[16];
    switch (c) {
    case '{':
    case '[':
        return parse_container(p, depth);
    case '"':
        return parse_string(p);
    case 't':
        return parse_literal(p, "true", ND_JSON_BOOL, true);
    case 'f':
        return parse_literal(p, "false", ND_JSON_BOOL, false);
    case 'n':
        return parse_literal(p, "null", ND_JSON_NULL, false);
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p);
        fail(p, p->i, "expected a value, found %s", found(p, buf));
        return -1;
    }
}

/* ---- the document ------------------------------------------------------------ */

void nd_json_free(nd_json *doc)
{
    if (!doc)
        return;
    free(doc->nodes);
    free(doc->text);
    free(doc->kids);
    free(doc->links);
    free(doc);
}

/* Indices become pointers: strings into the text, children into links. */
static int link_nodes(parser *p)
{
    nd_json *d = p->doc;
    d->links = malloc((d->nkids ? d->nkids : 1) * sizeof *d->links);
    if (!d->links)
        return out_of_memory(p);
    for (size_t k = 0; k < d->nkids; k++)
        d->links[k] = &d->nodes[d->kids[k]];
    for (size_t k = 0; k < d->nnodes; k++) {
        nd_json_value *v = &d->nodes[k];
        if (v->type == ND_JSON_STRING)
            v->v.s = d->text + v->v.at;
        else if (v->type == ND_JSON_ARRAY || v->type == ND_JSON_OBJECT)
            v->v.kids = d->links + v->v.at;
    }
    free(d->kids);
    d->kids = NULL;
    return 0;
}

nd_json *nd_json_parse(const char *text, size_t len, const nd_json_limits *limits, const char *what)
{
    parser p = {.s = text,
                .n = len,
                .lim = limits ? *limits : ND_JSON_DEFAULT_LIMITS,
                .what = what ? what : "JSON"};
    if (!text && len) {
        nd_set_error(ND_ERR_VALUE, "json_parse: text is NULL");
        return NULL;
    }
    if (len > p.lim.max_bytes) {
        nd_set_error(ND_ERR_VALUE, "%s: %zu bytes of JSON exceed the limit of %zu", p.what, len,
                     p.lim.max_bytes);
        return NULL;
    }
    p.doc = calloc(1, sizeof *p.doc);
    if (!p.doc) {
        out_of_memory(&p);
        return NULL;
    }
    int status = parse_value(&p, 0) < 0 ? -1 : 0;
    if (status == 0) {
        skip_space(&p);
        if (p.i < p.n) {
            char buf[16];
            status = fail(&p, p.i, "unexpected %s after the JSON value", found(&p, buf));
        }
    }
    if (status == 0)
        status = link_nodes(&p);
    free(p.stack);
    if (status < 0) {
        nd_json_free(p.doc);
        return NULL;
    }
    return p.doc;
}

nd_json *nd_json_load(const char *path, const nd_json_limits *limits)
{
    ND_CHECK_NOT_NULL(NULL, path);
    size_t max = limits ? limits->max_bytes : ND_JSON_DEFAULT_LIMITS.max_bytes;
    size_t len;
    char *text = nd_read_file(path, max, &len);
    if (!text)
        return NULL;
    nd_json *doc = nd_json_parse(text, len, limits, path);
    free(text);
    return doc;
}

/* ---- reading values ---------------------------------------------------------- */

/* A NULL document or value. The accessors chain
 *   root = nd_json_root(nd_json_load(path, NULL))
 * so a NULL usually comes from a call that failed just before: its message
 * (the reason, "cannot read 'x': ...") is still pending and is kept. A NULL
 * passed with no error pending gets its own message, "json_root: doc is
 * NULL". */
static void null_link(const char *func, const char *name)
{
    if (nd_last_status() == ND_OK)
        nd_set_error(ND_ERR_VALUE, "%s: %s is NULL", nd_public_name(func), name);
}

const nd_json_value *nd_json_root(const nd_json *doc)
{
    if (!doc) {
        null_link(__func__, "doc");
        return NULL;
    }
    return doc->nnodes ? &doc->nodes[0] : NULL;
}

nd_json_type nd_json_type_of(const nd_json_value *v)
{
    if (!v) {
        null_link(__func__, "v");
        return ND_JSON_NONE;
    }
    return v->type;
}

const char *nd_json_type_name(nd_json_type type)
{
    // clang-format off
    switch (type) {
    case ND_JSON_NULL: return "null";
    case ND_JSON_BOOL: return "a boolean";
    case ND_JSON_INT: return "an integer";
    case ND_JSON_DOUBLE: return "a number";
    case ND_JSON_STRING: return "a string";
    case ND_JSON_ARRAY: return "an array";
    case ND_JSON_OBJECT: return "an object";
    default: return "nothing";
    }
    // clang-format on
}

size_t nd_json_offset(const nd_json_value *v)
{
    if (!v) {
        null_link(__func__, "v");
        return 0;
    }
    return v->offset;
}

static int type_error(const nd_json_value *v, const char *want)
{
    if (!v)
        return nd_set_error(ND_ERR_VALUE, "JSON value is missing (NULL), expected %s", want);
    return nd_set_error(ND_ERR_TYPE, "expected %s at byte %zu, found %s", want, v->offset,
                        nd_json_type_name(v->type));
}

int nd_json_bool(const nd_json_value *v, bool *out)
{
    if (!v || v->type != ND_JSON_BOOL)
        return type_error(v, "true or false");
    if (out)
        *out = v->v.b;
    return 0;
}

int nd_json_int(const nd_json_value *v, int64_t *out)
{
    if (!v || v->type != ND_JSON_INT)
        return type_error(v, "an integer");
    if (!v->negative && v->v.u > (uint64_t)INT64_MAX)
        return nd_set_error(ND_ERR_VALUE, "integer at byte %zu does not fit int64", v->offset);
    if (out) /* -(2^63) is the one magnitude with no positive int64 */
        *out = v->negative ? (int64_t)(0 - v->v.u) : (int64_t)v->v.u;
    return 0;
}

int nd_json_uint(const nd_json_value *v, uint64_t *out)
{
    if (!v || v->type != ND_JSON_INT)
        return type_error(v, "an integer");
    if (v->negative)
        return nd_set_error(ND_ERR_VALUE, "integer at byte %zu is negative", v->offset);
    if (out)
        *out = v->v.u;
    return 0;
}

int nd_json_double(const nd_json_value *v, double *out)
{
    if (!v || (v->type != ND_JSON_DOUBLE && v->type != ND_JSON_INT))
        return type_error(v, "a number");
    if (out)
        *out = v->type == ND_JSON_DOUBLE ? v->v.d : v->negative ? -(double)v->v.u : (double)v->v.u;
    return 0;
}

const char *nd_json_string(const nd_json_value *v, size_t *len)
{
    if (!v || v->type != ND_JSON_STRING) {
        type_error(v, "a string");
        return NULL;
    }
    if (len)
        *len = v->count;
    return v->v.s;
}

int64_t nd_json_count(const nd_json_value *v)
{
    if (!v || (v->type != ND_JSON_ARRAY && v->type != ND_JSON_OBJECT)) {
        type_error(v, "an array or an object");
        return -1;
    }
    return (int64_t)v->count;
}

const nd_json_value *nd_json_item(const nd_json_value *v, int64_t i)
{
    if (nd_json_count(v) < 0)
        return NULL;
    if (i < 0 || (uint64_t)i >= v->count) {
        nd_set_error(ND_ERR_INDEX, "index %lld is out of bounds for a JSON %s of %zu at byte %zu",
                     (long long)i, v->type == ND_JSON_ARRAY ? "array" : "object", v->count,
                     v->offset);
        return NULL;
    }
    return v->type == ND_JSON_ARRAY ? v->v.kids[i] : v->v.kids[2 * i + 1];
}

const char *nd_json_key(const nd_json_value *v, int64_t i)
{
    if (!v || v->type != ND_JSON_OBJECT) {
        type_error(v, "an object");
        return NULL;
    }
    if (i < 0 || (uint64_t)i >= v->count) {
        nd_set_error(ND_ERR_INDEX,
                     "index %lld is out of bounds for a JSON object of %zu at "
                     "byte %zu",
                     (long long)i, v->count, v->offset);
        return NULL;
    }
    return v->v.kids[2 * i]->v.s;
}

const nd_json_value *nd_json_member(const nd_json_value *v, const char *key)
{
    if (!v || v->type != ND_JSON_OBJECT || !key) {
        if (!key)
            nd_set_error(ND_ERR_VALUE, "json_member: key is NULL");
        else
            type_error(v, "an object");
        return NULL;
    }
    for (size_t k = 0; k < v->count; k++)
        if (strcmp(v->v.kids[2 * k]->v.s, key) == 0)
            return v->v.kids[2 * k + 1];
    nd_set_error(ND_ERR_KEY, "missing key \"%s\" in the object at byte %zu", key, v->offset);
    return NULL;
}

int nd_json_check_keys(const nd_json_value *v, int n, const char *const *allowed)
{
    if (nd_json_count(v) < 0 || v->type != ND_JSON_OBJECT)
        return type_error(v, "an object");
    ND_CHECK_LIST(ND_ERR_VALUE, n, allowed);
    for (size_t k = 0; k < v->count; k++) {
        const char *key = v->v.kids[2 * k]->v.s;
        int j = 0;
        while (j < n && !(allowed[j] && strcmp(allowed[j], key) == 0))
            j++;
        if (j == n)
            return nd_set_error(ND_ERR_KEY, "unknown key \"%.80s\" at byte %zu", key,
                                v->v.kids[2 * k]->offset);
    }
    return 0;
}
