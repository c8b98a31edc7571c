/*
 * safetensors.c: named arrays on disk in Hugging Face's safetensors format
 * (nd.h has the layout), beside .npy and .npz.
 *
 * Reading trusts nothing. The file is read whole (its real size bounds
 * every allocation); the header goes through the bounded JSON reader with
 * a depth of 3 (object > tensor > shape: nothing deeper is valid, so no
 * nesting attack) and must be exactly the schema; then the tensors must
 * tile the data: sorted by offset, each starts where the previous ended,
 * the last ends at the end of the file, and each byte range is exactly its
 * shape's product times its item size (computed with overflow checks).
 * Any violation is one ND_ERR_VALUE line starting "safetensors: ".
 */
#include "nd_internal.h"

#include <stdio.h>
#include <stdlib.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c reads and writes native byte order, which must be little-endian"
#endif

#define MAX_HEADER ((uint64_t)100000000) /* the reference implementation's limit: 100 MB */
/* A file past this is surely not a set of arrays anyone meant to load whole. */
#define MAX_FILE ((size_t)1 << 40)

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

typedef struct st_entry {
    // clang-format off
    const char *name;        /* borrowed from the header document */
    nd_dtype dtype;
    int ndim;
    int64_t shape[ND_MAXDIMS];
    uint64_t begin, end;     /* byte range in the data section */
    // clang-format on
} st_entry;

struct nd_safetensors {
    // clang-format off
    nd_json *header;         /* owns every name, key and value string */
    st_entry *entries;
    int count;
    const char **meta;       /* 2 * nmeta strings: key, value, ... */
    int nmeta;
    unsigned char *file;     /* the whole file; data = file + data_start */
    // clang-format on
    const unsigned char *data;
    uint64_t data_len;
};

void nd_safetensors_free(nd_safetensors *st)
{
    if (!st)
        return;
    nd_json_free(st->header);
    free(st->entries);
    free(st->meta);
    free(st->file);
    free(st);
}

/* ---- the header ------------------------------------------------------------------ */

#define bad(...) nd_set_error(ND_ERR_VALUE, "safetensors: " __VA_ARGS__)

/* A list of non-negative integers (at most max) at v. */
static int read_uints(const nd_json_value *v, uint64_t *out, int max, int *count, const char *what,
                      const char *name)
{
    int64_t n = nd_json_count(v);
    if (n < 0 || nd_json_type_of(v) != ND_JSON_ARRAY)
        return bad("the %s of tensor '%.60s' is not a list (byte %zu of the header)", what, name,
                   nd_json_offset(v));
    if (n > max)
        return bad("the %s of tensor '%.60s' has %lld entries, more than %d", what, name,
                   (long long)n, max);
    for (int i = 0; i < n; i++) {
        const nd_json_value *x = nd_json_item(v, i);
        if (nd_json_uint(x, &out[i]) < 0 || out[i] > (uint64_t)INT64_MAX)
            return bad("the %s of tensor '%.60s' must hold non-negative integers (byte %zu of "
                       "the header)",
                       what, name, nd_json_offset(x));
    }
    *count = (int)n;
    return 0;
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, nothing else. */
static int read_entry(const char *name, const nd_json_value *v, st_entry *e)
{
    static const char *const keys[3] = {"dtype", "shape", "data_offsets"};
    e->name = name;
    if (nd_json_type_of(v) != ND_JSON_OBJECT)
        return bad("tensor '%.60s' is not an object (byte %zu of the header)", name,
                   nd_json_offset(v));
    if (!name[0])
        return bad("empty tensor name (byte %zu of the header)", nd_json_offset(v));
    if (nd_json_check_keys(v, 3, keys) < 0) {
        char why[300];
        snprintf(why, sizeof why, "%s", nd_last_error());
        return bad("tensor '%.60s': %s of the header", name, why);
    }
    for (int k = 0; k < 3; k++)
        if (!nd_json_member(v, keys[k]))
            return bad("tensor '%.60s' lacks its %s", name, keys[k]);
    const char *dtype = nd_json_string(nd_json_member(v, "dtype"), NULL);
    if (!dtype || dtype_from_name(dtype, &e->dtype) < 0)
        return bad("unknown dtype '%.20s' of tensor '%.60s'", dtype ? dtype : "(not a string)",
                   name);
    uint64_t dims[ND_MAXDIMS], off[2];
    int n;
    if (read_uints(nd_json_member(v, "shape"), dims, ND_MAXDIMS, &e->ndim, "shape", name) < 0 ||
        read_uints(nd_json_member(v, "data_offsets"), off, 2, &n, "data_offsets", name) < 0)
        return ND_ERR_VALUE;
    if (n != 2)
        return bad("data_offsets of tensor '%.60s' must be [begin, end]", name);
    for (int d = 0; d < e->ndim; d++)
        e->shape[d] = (int64_t)dims[d];
    e->begin = off[0];
    e->end = off[1];
    return 0;
}

/* "__metadata__": {"key": "value", ...} (string values only). */
static int read_metadata(nd_safetensors *st, const nd_json_value *v)
{
    int64_t n = nd_json_count(v);
    if (n < 0 || nd_json_type_of(v) != ND_JSON_OBJECT)
        return bad("__metadata__ is not an object (byte %zu of the header)", nd_json_offset(v));
    st->meta = malloc((size_t)(n ? 2 * n : 1) * sizeof *st->meta);
    if (!st->meta)
        return nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory reading the header");
    for (int64_t k = 0; k < n; k++) {
        st->meta[2 * k] = nd_json_key(v, k);
        st->meta[2 * k + 1] = nd_json_string(nd_json_item(v, k), NULL);
        if (!st->meta[2 * k + 1])
            return bad("metadata value of '%.60s' is not a string (byte %zu of the header)",
                       st->meta[2 * k], nd_json_offset(nd_json_item(v, k)));
    }
    st->nmeta = (int)n;
    return 0;
}

static int read_header(nd_safetensors *st, const char *text, size_t len, const char *what)
{
    char label[300];
    snprintf(label, sizeof label, "safetensors: header of '%s'", what);
    /* Depth 3: the object, a tensor or the metadata, a shape. A value takes
     * at least two bytes ("0,"), so len / 2 + 1 values bound any real header. */
    nd_json_limits lim = {.max_bytes = len,
                          .max_depth = 3,
                          .max_string = len,
                          .max_values = len / 2 + 1};
    if (!(st->header = nd_json_parse(text, len, &lim, label)))
        return nd_last_status();
    const nd_json_value *root = nd_json_root(st->header);
    int64_t n = nd_json_count(root);
    if (n < 0 || nd_json_type_of(root) != ND_JSON_OBJECT)
        return bad("the header of '%s' is not a JSON object", what);
    if (n > INT32_MAX)
        return bad("the header of '%s' has too many tensors", what);
    st->entries = malloc((size_t)(n ? n : 1) * sizeof *st->entries);
    if (!st->entries)
        return nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory reading the header");
    for (int64_t k = 0; k < n; k++) {
        const char *key = nd_json_key(root, k);
        const nd_json_value *v = nd_json_item(root, k);
        int status = strcmp(key, "__metadata__") == 0
                         ? read_metadata(st, v)
                         : read_entry(key, v, &st->entries[st->count++]);
        if (status < 0)
            return status;
    }
    return 0;
}

/* ---- the layout ------------------------------------------------------------------ */

static int cmp_begin(const void *a, const void *b)
{
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Each tensor's byte range equals its size; the ranges tile the data. */
static int check_layout(const nd_safetensors *st)
{
    const st_entry **order = malloc((size_t)(st->count ? st->count : 1) * sizeof *order);
    if (!order)
        return nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory checking the header");
    int status = 0;
    for (int i = 0; status == 0 && i < st->count; i++) {
        const st_entry *e = &st->entries[i];
        order[i] = e;
        uint64_t bytes = nd_dtype_itemsize(e->dtype);
        bool overflow = false;
        for (int d = 0; d < e->ndim; d++)
            overflow |= __builtin_mul_overflow(bytes, (uint64_t)e->shape[d], &bytes);
        for (int d = 0; d < e->ndim; d++)
            if (e->shape[d] == 0) /* an empty tensor, whatever the other dimensions */
                bytes = 0, overflow = false;
        char shape[ND_SHAPE_STR_MAX];
        nd_format_shape(shape, e->ndim, e->shape);
        if (e->end < e->begin)
            status = bad("tensor '%.60s' has data_offsets [%llu, %llu] that end before they "
                         "begin",
                         e->name, (unsigned long long)e->begin, (unsigned long long)e->end);
        else if (overflow)
            status = bad("tensor '%.60s' of shape %.200s and dtype %s is larger than 2^64 bytes",
                         e->name, shape, dtype_to_name(e->dtype));
        else if (e->end - e->begin != bytes)
            status = bad("tensor '%.60s' of shape %.200s and dtype %s needs %llu bytes but "
                         "data_offsets [%llu, %llu] hold %llu",
                         e->name, shape, dtype_to_name(e->dtype), (unsigned long long)bytes,
                         (unsigned long long)e->begin, (unsigned long long)e->end,
                         (unsigned long long)(e->end - e->begin));
    }
    if (status == 0)
        qsort(order, (size_t)st->count, sizeof *order, cmp_begin);
    uint64_t at = 0;
    for (int i = 0; status == 0 && i < st->count; i++) {
        if (order[i]->begin != at)
            status =
                bad("tensor '%.60s' starts at byte %llu of the data, expected %llu "
                    "(tensors must be contiguous and must not overlap)",
                    order[i]->name, (unsigned long long)order[i]->begin, (unsigned long long)at);
        at = order[i]->end;
    }
    if (status == 0 && at != st->data_len)
        status = bad("the tensors cover %llu bytes but the file holds %llu bytes of data",
                     (unsigned long long)at, (unsigned long long)st->data_len);
    free(order);
    return status;
}

/* ---- loading ----------------------------------------------------------------------- */

nd_safetensors *nd_safetensors_parse(unsigned char *file, size_t size, const char *what)
{
    uint64_t n = 0;
    int status = 0;
    if (size < 8)
        status = bad("'%s' is too small (%zu bytes) to hold the 8-byte header length", what, size);
    for (int k = 7; status == 0 && k >= 0; k--)
        n = n << 8 | file[k]; /* little-endian */
    if (status == 0 && n > MAX_HEADER)
        status = bad("the header length %llu of '%s' exceeds the limit of %llu bytes",
                     (unsigned long long)n, what, (unsigned long long)MAX_HEADER);
    else if (status == 0 && n > size - 8)
        status = bad("the header length %llu runs past the end of '%s' (%zu bytes)",
                     (unsigned long long)n, what, size);
    else if (status == 0 && (n == 0 || file[8] != '{'))
        status = bad("the header of '%s' does not start with '{'", what);
    nd_safetensors *st = status == 0 ? calloc(1, sizeof *st) : NULL;
    if (status == 0 && !st)
        status = nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory");
    if (status < 0) {
        free(file);
        return NULL;
    }
    st->file = file;
    st->data = file + 8 + n;
    st->data_len = size - 8 - n;
    status = read_header(st, (const char *)file + 8, (size_t)n, what);
    if (status == 0)
        status = check_layout(st);
    if (status < 0) {
        nd_safetensors_free(st);
        return NULL;
    }
    return st;
}

nd_safetensors *nd_safetensors_load(const char *path)
{
    ND_CHECK_NOT_NULL(NULL, path);
    size_t len;
    char *file = nd_read_file(path, MAX_FILE, &len);
    if (!file) {
        char why[900];
        snprintf(why, sizeof why, "%s", nd_last_error());
        nd_set_error(nd_last_status(), "safetensors: %s", why);
        return NULL;
    }
    return nd_safetensors_parse((unsigned char *)file, len, path);
}

int nd_safetensors_count(const nd_safetensors *st)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, st);
    return st->count;
}

const char *nd_safetensors_name(const nd_safetensors *st, int i)
{
    ND_CHECK_NOT_NULL(NULL, st);
    if (i < 0 || i >= st->count) {
        nd_set_error(ND_ERR_INDEX, "safetensors: tensor index %d is out of range", i);
        return NULL;
    }
    return st->entries[i].name;
}

/* The entry named name, or NULL with ND_ERR_KEY (st and name not NULL). */
static const st_entry *find_entry(const nd_safetensors *st, const char *name)
{
    for (int i = 0; i < st->count; i++)
        if (strcmp(st->entries[i].name, name) == 0)
            return &st->entries[i];
    nd_set_error(ND_ERR_KEY, "safetensors: no tensor named '%s'", name);
    return NULL;
}

int nd_safetensors_info(const nd_safetensors *st, const char *name, nd_dtype *dtype, int *ndim,
                        const int64_t **shape)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, st, name);
    const st_entry *e = find_entry(st, name);
    if (!e)
        return nd_last_status();
    if (dtype)
        *dtype = e->dtype;
    if (ndim)
        *ndim = e->ndim;
    if (shape)
        *shape = e->shape;
    return 0;
}

nd_array *nd_safetensors_get(const nd_safetensors *st, const char *name)
{
    ND_CHECK_NOT_NULL(NULL, st, name);
    const st_entry *e = find_entry(st, name);
    if (!e)
        return NULL;
    nd_array *a = nd_empty(e->dtype, e->ndim, e->shape);
    if (!a)
        return NULL;
    unsigned char *dst = nd_data(a);
    const unsigned char *src = st->data + e->begin;
    uint64_t bytes = e->end - e->begin;
    if (e->dtype == ND_BOOL) /* any nonzero byte is true; libnd stores 0/1 */
        for (uint64_t k = 0; k < bytes; k++)
            dst[k] = src[k] != 0;
    else if (bytes)
        memcpy(dst, src, bytes);
    return a;
}

int nd_safetensors_metadata_count(const nd_safetensors *st)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, st);
    return st->nmeta;
}

const char *nd_safetensors_metadata_key(const nd_safetensors *st, int i)
{
    ND_CHECK_NOT_NULL(NULL, st);
    if (i < 0 || i >= st->nmeta) {
        nd_set_error(ND_ERR_INDEX, "safetensors: metadata index %d is out of range", i);
        return NULL;
    }
    return st->meta[2 * i];
}

/* An absent key is not an error (NULL, no message): callers test for it. */
const char *nd_safetensors_metadata(const nd_safetensors *st, const char *key)
{
    ND_CHECK_NOT_NULL(NULL, st, key);
    for (int i = 0; i < st->nmeta; i++)
        if (strcmp(st->meta[2 * i], key) == 0)
            return st->meta[2 * i + 1];
    return NULL;
}

/* ---- saving ------------------------------------------------------------------------ */

/* The header is printed into memory (open_memstream) so its length, which
 * comes first in the file, is known. */

/* A JSON string: quotes, backslashes and control characters escaped. */
static void print_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

typedef struct save_item {
    const char *name;
    const nd_array *array;
} save_item;

/* Layout order: larger items first (so every tensor stays aligned to its
 * item size), then by name. */
static int cmp_items(const void *a, const void *b)
{
    const save_item *x = a, *y = b;
    size_t sx = nd_itemsize(x->array), sy = nd_itemsize(y->array);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first string that occurs twice among n strings s[0], s[step], ... */
static const char *find_duplicate(int n, const char *const *s, int step)
{
    const char **sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return NULL;
    for (int i = 0; i < n; i++)
        sorted[i] = s[(size_t)i * (size_t)step];
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_strings);
    const char *dup = NULL;
    for (int i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    return dup;
}

/* The names and metadata strings of nd_safetensors_save (whose lists are
 * already checked against their counts). */
static int check_save_args(int n, const char *const *names, const nd_array *const *arrays,
                           int nmeta, const char *const *metadata)
{
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || !arrays[i])
            return bad("tensor %d has an empty name or a NULL array", i);
        if (strcmp(names[i], "__metadata__") == 0)
            return bad("'__metadata__' is reserved and cannot name a tensor");
        if (!nd_valid_utf8(names[i], strlen(names[i])))
            return bad("tensor %d's name is not valid UTF-8", i);
    }
    for (int k = 0; k < 2 * nmeta; k++)
        if (!metadata[k] || !nd_valid_utf8(metadata[k], strlen(metadata[k])))
            return bad("metadata string %d is NULL or not valid UTF-8", k);
    const char *dup = find_duplicate(n, names, 1);
    if (dup)
        return bad("duplicate tensor name '%s'", dup);
    if ((dup = find_duplicate(nmeta, metadata, 2)))
        return bad("duplicate metadata key '%s'", dup);
    return 0;
}

/* The header JSON for the items (in layout order), padded with spaces to a
 * multiple of 8 bytes. */
static int build_header(char **text, size_t *len, int n, const save_item *items, int nmeta,
                        const char *const *metadata)
{
    FILE *f = open_memstream(text, len);
    if (!f)
        return nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory building the header");
    fputc('{', f);
    if (nmeta > 0) {
        fputs("\"__metadata__\":{", f);
        for (int k = 0; k < nmeta; k++) {
            if (k)
                fputc(',', f);
            print_json_string(f, metadata[2 * k]);
            fputc(':', f);
            print_json_string(f, metadata[2 * k + 1]);
        }
        fputc('}', f);
    }
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        const nd_array *a = items[i].array;
        if (i || nmeta > 0)
            fputc(',', f);
        print_json_string(f, items[i].name);
        fprintf(f, ":{\"dtype\":\"%s\",\"shape\":[", dtype_to_name(nd_dtype_of(a)));
        for (int d = 0; d < nd_ndim(a); d++)
            fprintf(f, d ? ",%lld" : "%lld", (long long)nd_shape(a)[d]);
        uint64_t bytes = (uint64_t)nd_nbytes(a);
        fprintf(f, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
                (unsigned long long)(offset + bytes));
        offset += bytes;
    }
    fputc('}', f);
    while (ftell(f) % 8)
        fputc(' ', f);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(*text);
        *text = NULL;
        return nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory building the header");
    }
    return 0;
}

int nd_safetensors_save(const char *path, int n, const char *const *names,
                        const nd_array *const *arrays, int nmeta, const char *const *metadata)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, path);
    ND_CHECK_LIST(ND_ERR_VALUE, n, names);
    ND_CHECK_LIST(ND_ERR_VALUE, n, arrays);
    ND_CHECK_LIST(ND_ERR_VALUE, nmeta, metadata);
    int status = check_save_args(n, names, arrays, nmeta, metadata);
    if (status < 0)
        return status;
    size_t count = (size_t)n + 2;
    save_item *items = malloc(count * sizeof *items);
    nd_array **contig = calloc(count, sizeof *contig);
    const void **chunks = malloc(count * sizeof *chunks);
    size_t *lens = malloc(count * sizeof *lens);
    char *header = NULL;
    size_t header_len = 0;
    if (!items || !contig || !chunks || !lens)
        status = nd_set_error(ND_ERR_MEMORY, "safetensors: out of memory saving '%s'", path);
    for (int i = 0; status == 0 && i < n; i++)
        items[i] = (save_item){names[i], arrays[i]};
    if (status == 0) {
        qsort(items, (size_t)n, sizeof *items, cmp_items);
        status = build_header(&header, &header_len, n, items, nmeta, metadata);
    }
    for (int i = 0; status == 0 && i < n; i++)
        if (!(contig[i] = nd_ascontiguousarray(items[i].array)))
            status = nd_last_status();
    if (status == 0) {
        unsigned char len8[8];
        for (int k = 0; k < 8; k++)
            len8[k] = (unsigned char)((uint64_t)header_len >> (8 * k));
        chunks[0] = len8;
        lens[0] = 8;
        chunks[1] = header;
        lens[1] = header_len;
        for (int i = 0; i < n; i++) {
            chunks[i + 2] = nd_data(contig[i]);
            lens[i + 2] = (size_t)nd_nbytes(contig[i]);
        }
        status = nd_write_atomic_chunks(path, n + 2, chunks, lens);
    }
    for (int i = 0; contig && i < n; i++)
        nd_free(contig[i]);
    free(contig);
    free(items);
    free(chunks);
    free(lens);
    free(header);
    return status;
}
