/*
 * safetensors.c: named arrays on disk in Hugging Face's safetensors format,
 * and a model's parameters through it.
 *
 * The layout (little-endian throughout):
 *
 *   [8 bytes]  N, the header length (uint64)
 *   [N bytes]  JSON: {"__metadata__": {"k": "v"}, "name": {"dtype": "F32",
 *              "shape": [2, 3], "data_offsets": [begin, end]}, ...},
 *              padded with spaces so N is a multiple of 8
 *   [rest]     the tensors' bytes, C order; offsets count from here
 *
 * Reading trusts nothing. The file is read whole (its real size bounds
 * every allocation), the header must be valid UTF-8 JSON of exactly the
 * shape above (parsed by a schema-directed parser: no recursion, so no
 * nesting attack), and the tensors must tile the data: sorted by offset,
 * each starts where the previous ended, the last ends at the end of the
 * file, and each byte range is exactly its shape's product times its item
 * size (computed with overflow checks). Any violation is one ND_ERR_VALUE
 * line starting "safetensors: ".
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c reads and writes native byte order, which must be little-endian"
#endif

#define MAX_HEADER (100u << 20)   /* the reference implementation's limit: 100 MB */

static const struct {
    const char *name;
    nd_dtype dtype;
} dtype_table[] = {
    {"F64", ND_FLOAT64}, {"F32", ND_FLOAT32}, {"F16", ND_FLOAT16}, {"BF16", ND_BFLOAT16},
    {"I64", ND_INT64},   {"I32", ND_INT32},   {"I16", ND_INT16},   {"I8", ND_INT8},
    {"U64", ND_UINT64},  {"U32", ND_UINT32},  {"U16", ND_UINT16},  {"U8", ND_UINT8},
    {"BOOL", ND_BOOL},
};
#define NUM_DTYPES (int)(sizeof dtype_table / sizeof dtype_table[0])

static const char *dtype_to_name(nd_dtype dt)
{
    for (int i = 0; i < NUM_DTYPES; i++)
        if (dtype_table[i].dtype == dt)
            return dtype_table[i].name;
    return NULL;
}

static int dtype_from_name(const char *name, nd_dtype *dt)
{
    for (int i = 0; i < NUM_DTYPES; i++)
        if (strcmp(dtype_table[i].name, name) == 0) {
            *dt = dtype_table[i].dtype;
            return 0;
        }
    return -1;
}

/* Is s[0..n) well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (!len || i + (size_t)len > n)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += (size_t)len;
    }
    return true;
}

/* ---- the loaded file ------------------------------------------------------------------- */

typedef struct st_entry {
    char *name;
    nd_dtype dtype;
    int ndim;
    int64_t *shape;          /* ndim entries (NULL when 0-d) */
    uint64_t begin, end;     /* byte range in the data section */
} st_entry;

struct ag_safetensors {
    st_entry *entries;
    int count, cap;
    char **meta;             /* 2 * nmeta strings: key, value, ... */
    int nmeta, meta_cap;
    unsigned char *data;
    uint64_t data_len;
};

void ag_safetensors_free(ag_safetensors *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->count; i++) {
        free(st->entries[i].name);
        free(st->entries[i].shape);
    }
    for (int i = 0; i < 2 * st->nmeta; i++)
        free(st->meta[i]);
    free(st->entries);
    free(st->meta);
    free(st->data);
    free(st);
}

/* ---- a JSON parser for exactly the safetensors header ------------------------------------ */

typedef struct json {
    const char *start, *p, *end;
} json;

static int json_fail(const json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int json_fail(const json *j, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ag_error(ND_ERR_VALUE, "safetensors: invalid header at byte %lld: %s",
                    (long long)(j->p - j->start), what);
}

static void skip_ws(json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* Consumes `c` (after whitespace) or fails. */
static int expect(json *j, char c)
{
    skip_ws(j);
    if (j->p >= j->end || *j->p != c)
        return json_fail(j, "expected '%c'", c);
    j->p++;
    return 0;
}

/* After an element of a list: true at ',' (consumed), false at `close`
 * (consumed); *status < 0 otherwise. */
static bool next_item(json *j, char close, int *status)
{
    skip_ws(j);
    if (j->p < j->end && *j->p == ',') {
        j->p++;
        return true;
    }
    *status = expect(j, close);
    return false;
}

/* True (and consumed) if the next token is `c`: an empty object or array. */
static bool peek_close(json *j, char c)
{
    skip_ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return true;
    }
    return false;
}

static int hex4(json *j, uint32_t *out)
{
    if (j->end - j->p < 4)
        return json_fail(j, "truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = j->p[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return json_fail(j, "bad \\u escape");
        v = v * 16 + (uint32_t)d;
    }
    j->p += 4;
    *out = v;
    return 0;
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

/* A string with its escapes decoded, as a new NUL-terminated UTF-8 string
 * (the header was checked to be UTF-8; escapes are checked here). */
static int parse_string(json *j, char **out)
{
    *out = NULL;
    int status = expect(j, '"');
    if (status < 0)
        return status;
    const char *q = j->p;
    while (q < j->end && *q != '"')
        q += *q == '\\' && q + 1 < j->end ? 2 : 1;
    if (q >= j->end)
        return json_fail(j, "unterminated string");
    char *s = malloc((size_t)(q - j->p) + 1), *o = s;   /* decoding never grows it */
    if (!s)
        return ag_error(ND_ERR_MEMORY, "safetensors: out of memory reading the header");
    while (status == 0 && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p++;
        if (c < 0x20) {
            j->p--;
            status = json_fail(j, "control character in a string");
        } else if (c != '\\') {
            *o++ = (char)c;
        } else {
            char e = *j->p++;
            const char *simple = strchr("\"\\/bfnrt", e);
            uint32_t cp, low;
            if (e && simple) {
                *o++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            } else if (e != 'u') {
                j->p--;
                status = json_fail(j, "bad escape in a string");
            } else if ((status = hex4(j, &cp)) == 0) {
                if (cp >= 0xD800 && cp <= 0xDBFF) {   /* a surrogate pair */
                    if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
                        status = json_fail(j, "unpaired surrogate in a string");
                    else if (j->p += 2, (status = hex4(j, &low)) == 0) {
                        if (low < 0xDC00 || low > 0xDFFF)
                            status = json_fail(j, "unpaired surrogate in a string");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    status = json_fail(j, "unpaired surrogate in a string");
                } else if (cp == 0) {
                    status = json_fail(j, "NUL character in a string");
                }
                if (status == 0)
                    o += put_utf8(o, cp);
            }
        }
    }
    if (status < 0) {
        free(s);
        return status;
    }
    j->p++;   /* the closing quote */
    *o = '\0';
    *out = s;
    return 0;
}

/* A non-negative integer up to INT64_MAX, no sign, fraction or exponent. */
static int parse_uint(json *j, uint64_t *out)
{
    skip_ws(j);
    const char *s = j->p;
    uint64_t v = 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        unsigned d = (unsigned)(*j->p - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return json_fail(j, "integer too large");
        v = v * 10 + d;
        j->p++;
    }
    if (j->p == s)
        return json_fail(j, "expected a non-negative integer");
    if (j->p - s > 1 && *s == '0')
        return json_fail(j, "leading zero in an integer");
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
        return json_fail(j, "expected an integer, not a fraction");
    *out = v;
    return 0;
}

/* [n0, n1, ...] with at most max entries. */
static int parse_uint_list(json *j, uint64_t *vals, int max, int *count, const char *what)
{
    int status = expect(j, '[');
    *count = 0;
    if (status < 0 || peek_close(j, ']'))
        return status;
    do {
        if (*count == max)
            return json_fail(j, "%s has more than %d entries", what, max);
        if ((status = parse_uint(j, &vals[(*count)++])) < 0)
            return status;
    } while (next_item(j, ']', &status));
    return status;
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, each key once. */
static int parse_entry(json *j, st_entry *e)
{
    int status = expect(j, '{');
    bool seen[3] = {false, false, false};
    if (status < 0)
        return status;
    if (peek_close(j, '}'))
        return json_fail(j, "tensor '%s' has no dtype, shape or data_offsets", e->name);
    do {
        char *key;
        if ((status = parse_string(j, &key)) < 0 || (status = expect(j, ':')) < 0) {
            free(key);
            return status;
        }
        int which = strcmp(key, "dtype") == 0 ? 0 : strcmp(key, "shape") == 0 ? 1 :
                    strcmp(key, "data_offsets") == 0 ? 2 : -1;
        if (which < 0 || seen[which]) {
            status = json_fail(j, "%s key '%.40s' in tensor '%.60s'",
                               which < 0 ? "unexpected" : "duplicate", key, e->name);
            free(key);
            return status;
        }
        free(key);
        seen[which] = true;
        if (which == 0) {
            char *name;
            if ((status = parse_string(j, &name)) < 0)
                return status;
            if (dtype_from_name(name, &e->dtype) < 0)
                status = json_fail(j, "unknown dtype '%.20s' of tensor '%.60s'", name, e->name);
            free(name);
        } else if (which == 1) {
            uint64_t dims[ND_MAXDIMS];
            if ((status = parse_uint_list(j, dims, ND_MAXDIMS, &e->ndim, "a shape")) < 0)
                return status;
            if (e->ndim > 0 && !(e->shape = malloc((size_t)e->ndim * sizeof *e->shape)))
                return ag_error(ND_ERR_MEMORY, "safetensors: out of memory reading the header");
            for (int d = 0; d < e->ndim; d++)
                e->shape[d] = (int64_t)dims[d];
        } else {
            uint64_t off[2];
            int n;
            if ((status = parse_uint_list(j, off, 2, &n, "data_offsets")) < 0)
                return status;
            if (n != 2)
                return json_fail(j, "data_offsets of tensor '%.60s' must be [begin, end]",
                                 e->name);
            e->begin = off[0];
            e->end = off[1];
        }
        if (status < 0)
            return status;
    } while (next_item(j, '}', &status));
    if (status == 0 && !(seen[0] && seen[1] && seen[2]))
        status = json_fail(j, "tensor '%.60s' lacks its %s", e->name,
                           !seen[0] ? "dtype" : !seen[1] ? "shape" : "data_offsets");
    return status;
}

/* Grows an array of `size`-byte items to hold one more (cap doubles). */
static int grow(void **items, int *cap, int count, size_t size)
{
    if (count < *cap)
        return 0;
    int ncap = *cap ? 2 * *cap : 8;
    void *p = realloc(*items, (size_t)ncap * size);
    if (!p)
        return ag_error(ND_ERR_MEMORY, "safetensors: out of memory reading the header");
    *items = p;
    *cap = ncap;
    return 0;
}

/* "__metadata__": {"key": "value", ...} */
static int parse_metadata(json *j, ag_safetensors *st)
{
    int status = expect(j, '{');
    if (status < 0 || peek_close(j, '}'))
        return status;
    do {
        void *meta = st->meta;
        if ((status = grow(&meta, &st->meta_cap, 2 * st->nmeta + 1, sizeof(char *))) < 0)
            return status;
        st->meta = meta;
        char **kv = &st->meta[2 * st->nmeta];
        kv[1] = NULL;
        if ((status = parse_string(j, &kv[0])) < 0)
            return status;
        st->nmeta++;   /* owns kv[0] (and kv[1] once read) from here on */
        if ((status = expect(j, ':')) < 0 || (status = parse_string(j, &kv[1])) < 0)
            return status;
        for (int k = 0; k < st->nmeta - 1; k++)
            if (strcmp(st->meta[2 * k], kv[0]) == 0)
                return json_fail(j, "duplicate metadata key '%.60s'", kv[0]);
    } while (next_item(j, '}', &status));
    return status;
}

/* One top-level member: "__metadata__": {...} or "name": {tensor}. */
static int parse_member(json *j, ag_safetensors *st, bool *seen_meta)
{
    char *name;
    int status = parse_string(j, &name);
    if (status < 0)
        return status;
    if (strcmp(name, "__metadata__") == 0) {
        free(name);
        if (*seen_meta)
            return json_fail(j, "duplicate __metadata__");
        *seen_meta = true;
        status = expect(j, ':');
        return status < 0 ? status : parse_metadata(j, st);
    }
    void *entries = st->entries;
    if ((status = grow(&entries, &st->cap, st->count, sizeof(st_entry))) < 0) {
        free(name);
        return status;
    }
    st->entries = entries;
    st_entry *e = &st->entries[st->count++];
    memset(e, 0, sizeof *e);
    e->name = name;   /* owned by st from here on */
    if (name[0] == '\0')
        return json_fail(j, "empty tensor name");
    status = expect(j, ':');
    return status < 0 ? status : parse_entry(j, e);
}

/* The whole header: one object of members, then only the padding. */
static int parse_header(json *j, ag_safetensors *st)
{
    bool seen_meta = false;
    int status = expect(j, '{');
    if (status == 0 && !peek_close(j, '}'))
        do
            status = parse_member(j, st, &seen_meta);
        while (status == 0 && next_item(j, '}', &status));
    if (status < 0)
        return status;
    skip_ws(j);   /* the padding */
    if (j->p != j->end)
        return json_fail(j, "unexpected bytes after the header's JSON object");
    return 0;
}

/* ---- the checks on the parsed header ----------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first duplicate among n names (NULL if none). */
static const char *find_duplicate(int n, const char *const *names)
{
    if (n < 2)
        return NULL;
    const char **sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted)
        return NULL;
    memcpy(sorted, names, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_names);
    const char *dup = NULL;
    for (int i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    return dup;
}

static int cmp_begin(const void *a, const void *b)
{
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static const char *shape_str(const st_entry *e, char *buf, size_t size);

/* Each tensor's byte range equals its size; the ranges tile the data. */
static int check_layout(const ag_safetensors *st)
{
    char shape[128];
    const st_entry **order = malloc((size_t)(st->count ? st->count : 1) * sizeof *order);
    const char **names = malloc((size_t)(st->count ? st->count : 1) * sizeof *names);
    int status = 0;
    if (!order || !names)
        status = ag_error(ND_ERR_MEMORY, "safetensors: out of memory checking the header");
    for (int i = 0; status == 0 && i < st->count; i++) {
        const st_entry *e = &st->entries[i];
        order[i] = e;
        names[i] = e->name;
        uint64_t bytes = nd_dtype_itemsize(e->dtype);
        for (int d = 0; d < e->ndim && bytes; d++)
            if (__builtin_mul_overflow(bytes, (uint64_t)e->shape[d], &bytes))
                bytes = UINT64_MAX;   /* cannot match any range in a real file */
        for (int d = 0; d < e->ndim; d++)
            if (e->shape[d] == 0)
                bytes = 0;
        if (e->end < e->begin)
            status = ag_error(ND_ERR_VALUE, "safetensors: tensor '%.60s' has data_offsets "
                              "[%llu, %llu] that end before they begin", e->name,
                              (unsigned long long)e->begin, (unsigned long long)e->end);
        else if (e->end - e->begin != bytes)
            status = ag_error(ND_ERR_VALUE, "safetensors: tensor '%.60s' of shape %s and dtype "
                              "%s needs %llu bytes but data_offsets [%llu, %llu] hold %llu",
                              e->name, shape_str(e, shape, sizeof shape),
                              dtype_to_name(e->dtype), (unsigned long long)bytes,
                              (unsigned long long)e->begin, (unsigned long long)e->end,
                              (unsigned long long)(e->end - e->begin));
    }
    const char *dup = status == 0 ? find_duplicate(st->count, names) : NULL;
    if (dup)
        status = ag_error(ND_ERR_VALUE, "safetensors: duplicate tensor name '%.60s'", dup);
    if (status == 0)
        qsort(order, (size_t)st->count, sizeof *order, cmp_begin);
    uint64_t at = 0;
    for (int i = 0; status == 0 && i < st->count; i++) {
        if (order[i]->begin != at)
            status = ag_error(ND_ERR_VALUE, "safetensors: tensor '%.60s' starts at byte %llu "
                              "of the data, expected %llu (tensors must be contiguous and must "
                              "not overlap)", order[i]->name,
                              (unsigned long long)order[i]->begin, (unsigned long long)at);
        at = order[i]->end;
    }
    if (status == 0 && at != st->data_len)
        status = ag_error(ND_ERR_VALUE, "safetensors: the tensors cover %llu bytes but the file "
                          "holds %llu bytes of data", (unsigned long long)at,
                          (unsigned long long)st->data_len);
    free(order);
    free(names);
    return status;
}

/* ---- loading ---------------------------------------------------------------------------- */

static int io_error(const char *path, const char *what)
{
    return ag_error(ND_ERR_IO, "safetensors: cannot %s '%s': %s", what, path,
                    errno ? strerror(errno) : "unexpected end of file");
}

/* Reads a whole regular file into a new buffer. */
static int read_file(const char *path, unsigned char **out, uint64_t *len)
{
    *out = NULL;
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_error(path, "open");
    struct stat sb;
    int status = 0;
    if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode))
        status = errno ? io_error(path, "stat") :
                 ag_error(ND_ERR_IO, "safetensors: '%s' is not a regular file", path);
    size_t size = status == 0 ? (size_t)sb.st_size : 0;
    unsigned char *buf = status == 0 ? malloc(size ? size : 1) : NULL;
    if (status == 0 && !buf)
        status = ag_error(ND_ERR_MEMORY, "safetensors: cannot allocate %zu bytes for '%s'",
                          size, path);
    if (status == 0 && fread(buf, 1, size, f) != size)
        status = io_error(path, "read");
    fclose(f);
    if (status < 0) {
        free(buf);
        return status;
    }
    *out = buf;
    *len = size;
    return 0;
}

ag_safetensors *ag_safetensors_load(const char *path)
{
    if (!path) {
        ag_error(ND_ERR_VALUE, "safetensors: the path is NULL");
        return NULL;
    }
    unsigned char *file;
    uint64_t size = 0, n = 0;
    if (read_file(path, &file, &size) < 0)
        return NULL;
    int status = 0;
    if (size < 8)
        status = ag_error(ND_ERR_VALUE, "safetensors: '%s' is too small (%llu bytes) to hold "
                          "the 8-byte header length", path, (unsigned long long)size);
    for (int k = 7; status == 0 && k >= 0; k--)
        n = n << 8 | file[k];   /* little-endian */
    if (status == 0 && n > size - 8)
        status = ag_error(ND_ERR_VALUE, "safetensors: the header length %llu runs past the end "
                          "of '%s' (%llu bytes)", (unsigned long long)n, path,
                          (unsigned long long)size);
    else if (status == 0 && n > MAX_HEADER)
        status = ag_error(ND_ERR_VALUE, "safetensors: the header length %llu exceeds the "
                          "limit of %u bytes", (unsigned long long)n, MAX_HEADER);
    else if (status == 0 && !valid_utf8(file + 8, n))
        status = ag_error(ND_ERR_VALUE, "safetensors: the header is not valid UTF-8");
    else if (status == 0 && (n == 0 || file[8] != '{'))
        status = ag_error(ND_ERR_VALUE, "safetensors: the header does not start with '{'");
    ag_safetensors *st = status == 0 ? calloc(1, sizeof *st) : NULL;
    if (status == 0 && !st)
        status = ag_error(ND_ERR_MEMORY, "safetensors: out of memory");
    if (status == 0) {
        json j = {(const char *)file + 8, (const char *)file + 8, (const char *)file + 8 + n};
        st->data_len = size - 8 - n;
        status = parse_header(&j, st);
    }
    if (status == 0)
        status = check_layout(st);
    if (status == 0) {
        /* Keep only the data: move it to the front of the buffer. */
        memmove(file, file + 8 + n, st->data_len);
        st->data = file;
        file = NULL;
    }
    free(file);
    if (status < 0) {
        ag_safetensors_free(st);
        return NULL;
    }
    return st;
}

int ag_safetensors_count(const ag_safetensors *st) { return st ? st->count : 0; }

const char *ag_safetensors_name(const ag_safetensors *st, int i)
{
    return st && i >= 0 && i < st->count ? st->entries[i].name : NULL;
}

static const st_entry *find_entry(const ag_safetensors *st, const char *name)
{
    for (int i = 0; st && name && i < st->count; i++)
        if (strcmp(st->entries[i].name, name) == 0)
            return &st->entries[i];
    ag_error(ND_ERR_KEY, "safetensors: no tensor named '%s'", name ? name : "(null)");
    return NULL;
}

int ag_safetensors_info(const ag_safetensors *st, const char *name, nd_dtype *dtype,
                        int *ndim, const int64_t **shape)
{
    const st_entry *e = find_entry(st, name);
    if (!e)
        return ND_ERR_KEY;
    if (dtype)
        *dtype = e->dtype;
    if (ndim)
        *ndim = e->ndim;
    if (shape)
        *shape = e->shape;
    return 0;
}

nd_array *ag_safetensors_get(const ag_safetensors *st, const char *name)
{
    const st_entry *e = find_entry(st, name);
    if (!e)
        return NULL;
    nd_array *a = nd_empty(e->dtype, e->ndim, e->shape);
    if (!a)
        return NULL;
    unsigned char *dst = nd_data(a);
    const unsigned char *src = st->data + e->begin;
    uint64_t bytes = e->end - e->begin;
    if (e->dtype == ND_BOOL)   /* any nonzero byte is true; libnd stores 0/1 */
        for (uint64_t k = 0; k < bytes; k++)
            dst[k] = src[k] != 0;
    else if (bytes)
        memcpy(dst, src, bytes);
    return a;
}

int ag_safetensors_metadata_count(const ag_safetensors *st) { return st ? st->nmeta : 0; }

const char *ag_safetensors_metadata_key(const ag_safetensors *st, int i)
{
    return st && i >= 0 && i < st->nmeta ? st->meta[2 * i] : NULL;
}

const char *ag_safetensors_metadata(const ag_safetensors *st, const char *key)
{
    for (int i = 0; st && key && i < st->nmeta; i++)
        if (strcmp(st->meta[2 * i], key) == 0)
            return st->meta[2 * i + 1];
    return NULL;
}

/* ---- saving ------------------------------------------------------------------------------ */

/* A growing string; `failed` sticks after an allocation failure. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
    bool failed;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)n);   /* callers print numbers only: always fits */
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void sb_json_string(strbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            sb_put(b, "\\", 1);
            sb_put(b, s, 1);
        } else if (c < 0x20) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_put(b, s, 1);
        }
    }
    sb_put(b, "\"", 1);
}

static const char *shape_str(const st_entry *e, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < e->ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? ", %lld" : "%lld", (long long)e->shape[d]);
    if (at < size)
        snprintf(buf + at, size - at, "]");
    return buf;
}

/* Layout order: larger items first (so every tensor stays aligned to its
 * item size), then by name. */
typedef struct save_item {
    const char *name;
    const nd_array *array;
} save_item;

static int cmp_items(const void *a, const void *b)
{
    const save_item *x = a, *y = b;
    size_t sx = nd_itemsize(x->array), sy = nd_itemsize(y->array);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int check_save_args(int n, const char *const *names, const nd_array *const *arrays,
                           int nmeta, const char *const *metadata)
{
    if (n < 0 || (n > 0 && (!names || !arrays)) || nmeta < 0 || (nmeta > 0 && !metadata))
        return ag_error(ND_ERR_VALUE, "safetensors: bad arguments (negative count or NULL "
                        "names, arrays or metadata)");
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || !arrays[i])
            return ag_error(ND_ERR_VALUE, "safetensors: tensor %d has an empty name or a NULL "
                            "array", i);
        if (strcmp(names[i], "__metadata__") == 0)
            return ag_error(ND_ERR_VALUE, "safetensors: '__metadata__' is reserved and cannot "
                            "name a tensor");
        if (!valid_utf8((const unsigned char *)names[i], strlen(names[i])))
            return ag_error(ND_ERR_VALUE, "safetensors: tensor %d's name is not valid UTF-8", i);
    }
    for (int k = 0; k < 2 * nmeta; k++)
        if (!metadata[k] || !valid_utf8((const unsigned char *)metadata[k], strlen(metadata[k])))
            return ag_error(ND_ERR_VALUE, "safetensors: metadata string %d is NULL or not valid "
                            "UTF-8", k);
    const char *dup = find_duplicate(n, names);
    if (dup)
        return ag_error(ND_ERR_VALUE, "safetensors: duplicate tensor name '%s'", dup);
    for (int k = 0; k < nmeta; k++)
        for (int m = 0; m < k; m++)
            if (strcmp(metadata[2 * k], metadata[2 * m]) == 0)
                return ag_error(ND_ERR_VALUE, "safetensors: duplicate metadata key '%s'",
                                metadata[2 * k]);
    return 0;
}

/* The header JSON for the items (in layout order), padded with spaces to a
 * multiple of 8 bytes. */
static int build_header(strbuf *b, int n, const save_item *items, int nmeta,
                        const char *const *metadata)
{
    sb_put(b, "{", 1);
    if (nmeta > 0) {
        sb_put(b, "\"__metadata__\":{", 16);
        for (int k = 0; k < nmeta; k++) {
            if (k)
                sb_put(b, ",", 1);
            sb_json_string(b, metadata[2 * k]);
            sb_put(b, ":", 1);
            sb_json_string(b, metadata[2 * k + 1]);
        }
        sb_put(b, "}", 1);
    }
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        const nd_array *a = items[i].array;
        const char *dt = dtype_to_name(nd_dtype_of(a));
        if (!dt)
            return ag_error(ND_ERR_TYPE, "safetensors: cannot store dtype %s",
                            nd_dtype_name(nd_dtype_of(a)));
        if (i || nmeta > 0)
            sb_put(b, ",", 1);
        sb_json_string(b, items[i].name);
        sb_printf(b, ":{\"dtype\":\"%s\",\"shape\":[", dt);
        for (int d = 0; d < nd_ndim(a); d++)
            sb_printf(b, d ? ",%lld" : "%lld", (long long)nd_shape(a)[d]);
        uint64_t bytes = (uint64_t)nd_nbytes(a);
        sb_printf(b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
                  (unsigned long long)(offset + bytes));
        offset += bytes;
    }
    sb_put(b, "}", 1);
    while (!b->failed && b->len % 8)
        sb_put(b, " ", 1);
    return b->failed ? ag_error(ND_ERR_MEMORY, "safetensors: out of memory building the header")
                     : 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t wrote = write(fd, p, len);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return -1;
        p += wrote;
        len -= (size_t)wrote;
    }
    return 0;
}

/* Makes a renamed file durable: fsync of its folder (best effort). */
static void sync_folder(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

int ag_save_safetensors(const char *path, int n, const char *const *names,
                        const nd_array *const *arrays, int nmeta, const char *const *metadata)
{
    if (!path)
        return ag_error(ND_ERR_VALUE, "safetensors: the path is NULL");
    int status = check_save_args(n, names, arrays, nmeta, metadata);
    if (status < 0)
        return status;
    save_item *items = malloc((size_t)(n ? n : 1) * sizeof *items);
    nd_array **contig = calloc((size_t)(n ? n : 1), sizeof *contig);
    strbuf header = {0};
    char *temp = malloc(strlen(path) + 16);
    if (!items || !contig || !temp)
        status = ag_error(ND_ERR_MEMORY, "safetensors: out of memory saving '%s'", path);
    for (int i = 0; status == 0 && i < n; i++)
        items[i] = (save_item){names[i], arrays[i]};
    if (status == 0) {
        qsort(items, (size_t)n, sizeof *items, cmp_items);
        status = build_header(&header, n, items, nmeta, metadata);
    }
    for (int i = 0; status == 0 && i < n; i++)
        if (!(contig[i] = nd_ascontiguousarray(items[i].array)))
            status = nd_last_status();
    int fd = -1;
    if (status == 0) {
        sprintf(temp, "%s.tmpXXXXXX", path);
        errno = 0;
        if ((fd = mkstemp(temp)) < 0)
            status = io_error(path, "create a temporary file next to");
    }
    if (status == 0) {
        unsigned char len8[8];
        for (int k = 0; k < 8; k++)
            len8[k] = (unsigned char)((uint64_t)header.len >> (8 * k));
        bool ok = write_all(fd, len8, 8) == 0 && write_all(fd, header.s, header.len) == 0;
        for (int i = 0; ok && i < n; i++)
            ok = write_all(fd, nd_data(contig[i]), (size_t)nd_nbytes(contig[i])) == 0;
        /* mkstemp makes the file 0600; give it a plain file's mode, then make
         * it durable before it replaces `path`. */
        ok = ok && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
        if (close(fd) < 0)
            ok = false;
        if (!ok || rename(temp, path) < 0) {
            status = io_error(path, "write");
            unlink(temp);
        } else {
            sync_folder(path);
        }
    }
    for (int i = 0; contig && i < n; i++)
        nd_free(contig[i]);
    free(contig);
    free(items);
    free(header.s);
    free(temp);
    return status;
}

/* ---- parameters ---------------------------------------------------------------------------- */

int ag_save_params(const char *path, int n, const char *const *names, ag_tensor *const *params,
                   int nmeta, const char *const *metadata)
{
    if (n < 0 || (n > 0 && !params))
        return ag_error(ND_ERR_VALUE, "save_params: bad arguments (negative count or NULL "
                        "params)");
    const nd_array **values = malloc((size_t)(n ? n : 1) * sizeof *values);
    if (!values)
        return ag_error(ND_ERR_MEMORY, "save_params: out of memory");
    int status = 0;
    for (int i = 0; i < n && status == 0; i++)
        if (!(values[i] = ag_value(params[i])))
            status = ag_error(ND_ERR_VALUE, "save_params: parameter %d is NULL", i);
    if (status == 0)
        status = ag_save_safetensors(path, n, names, values, nmeta, metadata);
    free(values);
    return status;
}

/* "(3,4)", "(3,)", "()" */
static const char *tuple_str(int ndim, const int64_t *shape, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? ",%lld" : "%lld", (long long)shape[d]);
    if (at < size)
        snprintf(buf + at, size - at, ndim == 1 ? ",)" : ")");
    return buf;
}

/* Can the named tensor of st be copied into param? */
static int check_param(const ag_safetensors *st, const char *name, ag_tensor *param)
{
    nd_array *value = ag_param_value(param);
    if (!name || !value)
        return ag_error(ND_ERR_VALUE, "load_params: a NULL name, or a parameter that is NULL "
                        "or made by an op");
    nd_dtype dt;
    int ndim;
    const int64_t *shape;
    if (ag_safetensors_info(st, name, &dt, &ndim, &shape) < 0)
        return ag_error(ND_ERR_KEY, "Missing key(s) in state_dict: \"%s\".", name);
    bool same = ndim == nd_ndim(value);
    for (int d = 0; same && d < ndim; d++)
        same = shape[d] == nd_shape(value)[d];
    char file_shape[256], model_shape[256];
    if (!same)
        return ag_error(ND_ERR_VALUE, "size mismatch for %s: copying a param with shape %s from "
                        "checkpoint, the shape in current model is %s.", name,
                        tuple_str(ndim, shape, file_shape, sizeof file_shape),
                        tuple_str(nd_ndim(value), nd_shape(value), model_shape,
                                  sizeof model_shape));
    if (dt != nd_dtype_of(value))
        return ag_error(ND_ERR_TYPE, "dtype mismatch for %s: copying a param with dtype %s from "
                        "checkpoint, the dtype in current model is %s.", name,
                        nd_dtype_name(dt), nd_dtype_name(nd_dtype_of(value)));
    return 0;
}

int ag_load_params(const char *path, int n, const char *const *names, ag_tensor *const *params)
{
    if (n < 0 || (n > 0 && (!names || !params)))
        return ag_error(ND_ERR_VALUE, "load_params: bad arguments (negative count or NULL "
                        "names or params)");
    ag_safetensors *st = ag_safetensors_load(path);
    if (!st)
        return nd_last_status();
    int status = 0;
    for (int i = 0; i < n && status == 0; i++)
        status = check_param(st, names[i], params[i]);
    for (int i = 0; i < n && status == 0; i++) {
        nd_array *a = ag_safetensors_get(st, names[i]);
        status = a ? nd_copyto(ag_param_value(params[i]), a, ND_CAST_NO) : nd_last_status();
        nd_free(a);
    }
    ag_safetensors_free(st);
    return status;
}
