/* .npy files (numpy/lib/format.py): a magic string, a version, a header that
 * is a Python dict literal {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }, padding to a multiple of 64 bytes, then the raw data.
 *
 * Nothing in a file is trusted: the header is parsed strictly, the shape is
 * overflow-checked, and the data size it implies must actually be present
 * before anything of that size is allocated. */
#define _GNU_SOURCE
#include "nd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
#define HEADER_ALIGN 64
/* NumPy leaves room for the growth axis to reach 21 digits in place. */
#define GROWTH_AXIS_MAX_DIGITS 21
/* No real header is near this long; longer means a corrupt length field. */
#define MAX_HEADER_LEN (1 << 20)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ORDER '<'
#else
#define NATIVE_ORDER '>'
#endif

/* What a header says. */
typedef struct {
    nd_dtype dtype;
    // clang-format off
    bool byteswap;           /* stored in the other byte order */
    bool fortran_order;
    int ndim;
    int64_t shape[ND_MAXDIMS];
    int64_t size;            /* elements, overflow-checked */
    size_t data_offset;      /* where the data starts */
    // clang-format on
} npy_header;

/* ---- parsing the header dict ------------------------------------------------ */

typedef struct {
    const char *p, *end;
    const char *what;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool take(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static int header_error(const cursor *c, const char *why)
{
    return nd_set_error(ND_ERR_VALUE, "%s: cannot parse .npy header: %s", c->what, why);
}

/* A Python string literal in '...' or "..." without escapes or control
 * characters. */
static int parse_string(cursor *c, char *out, size_t cap)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return header_error(c, "expected a string");
    char quote = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        /* No escapes, and no control characters (a raw newline ends a
         * Python string literal with a syntax error). */
        if (*c->p == '\\' || (unsigned char)*c->p < 0x20 || n + 1 >= cap)
            return header_error(c, "unsupported or overlong string");
        out[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return header_error(c, "unterminated string");
    c->p++;
    out[n] = '\0';
    return 0;
}

/* A shape tuple: (), (3,), (2, 3) — non-negative integers that fit int64. */
static int parse_shape(cursor *c, npy_header *h)
{
    if (!take(c, '('))
        return header_error(c, "shape is not a tuple");
    h->ndim = 0;
    for (;;) {
        if (take(c, ')'))
            return 0;
        skip_space(c);
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return header_error(c, "shape entries must be non-negative integers");
        int64_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *c->p - '0', &v))
                return header_error(c, "shape entry is too large");
            c->p++;
        }
        if (h->ndim == ND_MAXDIMS)
            return header_error(c, "too many dimensions");
        h->shape[h->ndim++] = v;
        if (!take(c, ',')) {
            if (!take(c, ')'))
                return header_error(c, "malformed shape tuple");
            /* "(3)" is not a tuple in Python; NumPy never writes it. */
            return h->ndim == 1 ? header_error(c, "malformed shape tuple") : 0;
        }
    }
}

/* descr: byte order ('<', '>', '|', '=') then kind and size, e.g. '<f4'. */
static int parse_descr(cursor *c, const char *descr, npy_header *h)
{
    // clang-format off
    static const struct { const char *code; nd_dtype dtype; } codes[] = {
        {"b1", ND_BOOL}, {"i1", ND_INT8}, {"i2", ND_INT16}, {"i4", ND_INT32}, {"i8", ND_INT64},
        {"u1", ND_UINT8}, {"u2", ND_UINT16}, {"u4", ND_UINT32}, {"u8", ND_UINT64},
        {"f2", ND_FLOAT16}, {"f4", ND_FLOAT32}, {"f8", ND_FLOAT64},
        {"V2", ND_BFLOAT16},   /* bfloat16 as NumPy + ml_dtypes saves it */
    };
    // clang-format on
    char order = NATIVE_ORDER;
    const char *code = descr;
    if (*code == '<' || *code == '>' || *code == '|' || *code == '=') {
        order = *code == '|' || *code == '=' ? NATIVE_ORDER : *code;
        code++;
    }
    if (strcmp(code, "O") == 0)
        return nd_set_error(ND_ERR_VALUE,
                            "%s: Object arrays cannot be loaded when "
                            "allow_pickle=False",
                            c->what);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i].code) == 0) {
            h->dtype = codes[i].dtype;
            /* Void bytes have no byte order: bfloat16 bits are as written. */
            h->byteswap =
                order != NATIVE_ORDER && nd_dtype_itemsize(h->dtype) > 1 && h->dtype != ND_BFLOAT16;
            return 0;
        }
    return nd_set_error(ND_ERR_VALUE, "%s: unsupported dtype '%s' in .npy header", c->what, descr);
}

static int parse_dict(cursor *c, npy_header *h)
{
    bool have_descr = false, have_order = false, have_shape = false;
    if (!take(c, '{'))
        return header_error(c, "header is not a dictionary");
    for (;;) {
        if (take(c, '}'))
            break;
        char key[32], value[64];
        if (parse_string(c, key, sizeof key) < 0)
            return ND_ERR_VALUE;
        if (!take(c, ':'))
            return header_error(c, "expected ':'");
        if (strcmp(key, "descr") == 0 && !have_descr) {
            skip_space(c);
            if (c->p < c->end && *c->p == '[')
                return nd_set_error(ND_ERR_VALUE, "%s: structured dtypes are not supported",
                                    c->what);
            if (parse_string(c, value, sizeof value) < 0 || parse_descr(c, value, h) < 0)
                return ND_ERR_VALUE;
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            skip_space(c);
            if (c->end - c->p >= 4 && memcmp(c->p, "True", 4) == 0) {
                h->fortran_order = true;
                c->p += 4;
            } else if (c->end - c->p >= 5 && memcmp(c->p, "False", 5) == 0) {
                h->fortran_order = false;
                c->p += 5;
            } else {
                return header_error(c, "fortran_order is not True or False");
            }
            have_order = true;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (parse_shape(c, h) < 0)
                return ND_ERR_VALUE;
            have_shape = true;
        } else {
            return header_error(c, "unexpected or repeated key");
        }
        if (!take(c, ',')) {
            if (!take(c, '}'))
                return header_error(c, "expected ',' or '}'");
            break;
        }
    }
    if (!have_descr || !have_order || !have_shape)
        return header_error(c, "the keys must be 'descr', 'fortran_order' and 'shape'");
    return 0;
}

static uint32_t read_le(const unsigned char *p, int n)
{
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Parses magic, version and header from the first `n` bytes of a file. */
static int parse_header(const unsigned char *bytes, size_t n, const char *what, npy_header *h)
{
    memset(h, 0, sizeof *h);
    if (n < 10 || memcmp(bytes, MAGIC, sizeof MAGIC) != 0)
        return nd_set_error(ND_ERR_VALUE,
                            "%s: the magic string is not correct; expected "
                            "b'\\x93NUMPY'",
                            what);
    int major = bytes[6], minor = bytes[7];
    if (!((major == 1 || major == 2 || major == 3) && minor == 0))
        return nd_set_error(ND_ERR_VALUE,
                            "%s: we only support format version (1,0), (2,0), "
                            "and (3,0), not (%d, %d)",
                            what, major, minor);
    size_t length_bytes = major == 1 ? 2 : 4;
    if (n < 8 + length_bytes)
        return nd_set_error(ND_ERR_VALUE, "%s: EOF: reading array header length", what);
    size_t header_len = read_le(bytes + 8, (int)length_bytes);
    size_t start = 8 + length_bytes;
    if (header_len > MAX_HEADER_LEN || header_len > n - start)
        return nd_set_error(ND_ERR_VALUE,
                            "%s: EOF: reading array header, expected %zu bytes "
                            "got %zu",
                            what, header_len, n - start);
    cursor c = {(const char *)bytes + start, (const char *)bytes + start + header_len, what};
    if (parse_dict(&c, h) < 0)
        return ND_ERR_VALUE;
    if (nd_check_shape(h->dtype, h->ndim, h->shape, &h->size) < 0) {
        char message[512];
        snprintf(message, sizeof message, "%s", nd_last_error());
        return nd_set_error(ND_ERR_VALUE, "%s: %s", what, message);
    }
    h->data_offset = start + header_len;
    return 0;
}

/* An array for the header's geometry; Fortran order is the transpose of a
 * C-order array of the reversed shape, exactly NumPy's layout. *storage is
 * the C-order array the file's bytes are copied into. */
static nd_array *allocate_for(const npy_header *h, nd_array **storage)
{
    int64_t shape[ND_MAXDIMS];
    for (int i = 0; i < h->ndim; i++)
        shape[i] = h->fortran_order ? h->shape[h->ndim - 1 - i] : h->shape[i];
    *storage = nd_alloc_array(h->dtype, h->ndim, shape);
    if (!*storage)
        return NULL;
    if (!h->fortran_order)
        return nd_view(*storage);
    return nd_transpose(*storage, NULL);
}

static void byteswap_items(char *data, int64_t count, size_t itemsize)
{
    for (int64_t i = 0; i < count; i++) {
        char *item = data + (size_t)i * itemsize;
        for (size_t a = 0, b = itemsize - 1; a < b; a++, b--) {
            char t = item[a];
            item[a] = item[b];
            item[b] = t;
        }
    }
}

/* Puts the data in place: byte order and bool normalization. */
static void finish_data(const npy_header *h, nd_array *storage)
{
    if (h->byteswap)
        byteswap_items(nd_data(storage), h->size, nd_dtype_itemsize(h->dtype));
    if (h->dtype == ND_BOOL) /* any nonzero byte is True */
        nd_get_cast_loop(ND_BOOL, ND_BOOL)(nd_data(storage), 1, nd_data(storage), 1, h->size);
}

static int truncated(const char *what, const npy_header *h, size_t available)
{
    return nd_set_error(ND_ERR_VALUE,
                        "%s: the header describes %lld bytes of data, but only "
                        "%zu follow",
                        what, (long long)(h->size * (int64_t)nd_dtype_itemsize(h->dtype)),
                        available);
}

nd_array *nd_npy_parse(const unsigned char *bytes, size_t nbytes, const char *what)
{
    npy_header h;
    if (parse_header(bytes, nbytes, what, &h) < 0)
        return NULL;
    size_t data_bytes = (size_t)h.size * nd_dtype_itemsize(h.dtype);
    if (data_bytes > nbytes - h.data_offset) {
        truncated(what, &h, nbytes - h.data_offset);
        return NULL;
    }
    nd_array *storage;
    nd_array *a = allocate_for(&h, &storage);
    if (!a)
        return NULL;
    memcpy(nd_data(storage), bytes + h.data_offset, data_bytes);
    finish_data(&h, storage);
    nd_free(storage);
    return a;
}

static int io_error(const char *path)
{
    return nd_set_error(ND_ERR_IO, "[Errno %d] %s: '%s'", errno, strerror(errno), path);
}

nd_array *nd_load_npy(const char *path)
{
    ND_CHECK_NOT_NULL(NULL, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        io_error(path);
        return NULL;
    }
    struct stat st;
    nd_array *a = NULL, *storage = NULL;
    unsigned char *head = NULL;
    if (fstat(fd, &st) < 0) {
        io_error(path);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        nd_set_error(ND_ERR_IO, "[Errno 21] Is a directory or not a regular file: '%s'", path);
        goto done;
    }
    /* Read at most the header's maximum size first: the data is read straight
     * into the array once the header has been checked against the file size. */
    size_t file_size = (size_t)st.st_size;
    size_t head_size = file_size < MAX_HEADER_LEN + 12 ? file_size : MAX_HEADER_LEN + 12;
    head = malloc(head_size ? head_size : 1);
    if (!head) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate %zu bytes", head_size);
        goto done;
    }
    if (pread(fd, head, head_size, 0) != (ssize_t)head_size) {
        io_error(path);
        goto done;
    }
    npy_header h;
    if (parse_header(head, head_size, path, &h) < 0)
        goto done;
    size_t data_bytes = (size_t)h.size * nd_dtype_itemsize(h.dtype);
    if (data_bytes > file_size - h.data_offset) {
        truncated(path, &h, file_size - h.data_offset);
        goto done;
    }
    a = allocate_for(&h, &storage);
    if (!a)
        goto done;
    for (size_t done_bytes = 0; done_bytes < data_bytes;) {
        ssize_t got = pread(fd, (char *)nd_data(storage) + done_bytes, data_bytes - done_bytes,
                            (off_t)(h.data_offset + done_bytes));
        if (got <= 0) {
            if (got == 0)
                truncated(path, &h, done_bytes);
            else
                io_error(path);
            nd_free(a);
            a = NULL;
            goto done;
        }
        done_bytes += (size_t)got;
    }
    finish_data(&h, storage);
done:
    nd_free(storage);
    free(head);
    close(fd);
    return a;
}

/* ---- writing ------------------------------------------------------------------ */

static const char *descr_of(nd_dtype dt, char *buf)
{
    static const char *codes[ND_NUM_DTYPES] = {
        [ND_BOOL] = "b1",    [ND_INT8] = "i1",    [ND_INT16] = "i2",    [ND_INT32] = "i4",
        [ND_INT64] = "i8",   [ND_UINT8] = "u1",   [ND_UINT16] = "u2",   [ND_UINT32] = "u4",
        [ND_UINT64] = "u8",  [ND_FLOAT16] = "f2", [ND_BFLOAT16] = "V2", [ND_FLOAT32] = "f4",
        [ND_FLOAT64] = "f8",
    };
    char order = nd_dtype_itemsize(dt) == 1 ? '|' : NATIVE_ORDER;
    sprintf(buf, "%c%s", order, codes[dt]);
    return buf;
}

/* The header (magic through '\n') for `a`, and a C-contiguous view whose
 * bytes are the file's data: a itself, its transpose when a is Fortran-
 * ordered (NumPy writes those in Fortran order), or a C-order copy. */
static int build_header(const nd_array *a, char **header, size_t *header_len, nd_array **data_view)
{
    bool fortran = nd_is_f_contiguous(a) && !nd_is_c_contiguous(a);
    nd_array *transposed = fortran ? nd_transpose(a, NULL) : NULL;
    *data_view = nd_ascontiguousarray(fortran ? transposed : a);
    nd_free(transposed);
    if (!*data_view)
        return ND_ERR_MEMORY;

    char descr[8], shape[ND_SHAPE_STR_MAX];
    int ndim = nd_ndim(a);
    char dict[ND_SHAPE_STR_MAX + 200];
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                       descr_of(nd_dtype_of(a), descr), fortran ? "True" : "False",
                       nd_format_shape(shape, ndim, nd_shape(a)));
    if (ndim > 0) {
        char growth[32];
        int digits =
            snprintf(growth, sizeof growth, "%lld", (long long)nd_shape(a)[fortran ? ndim - 1 : 0]);
        len += snprintf(dict + len, sizeof dict - (size_t)len, "%*s",
                        GROWTH_AXIS_MAX_DIGITS - digits, "");
    }
    /* Version 1.0 if the length fits its 2-byte field, else 2.0. */
    int major = 1;
    size_t prefix = 10;
    size_t total = (prefix + (size_t)len + 1 + HEADER_ALIGN - 1) / HEADER_ALIGN * HEADER_ALIGN;
    if (total - prefix > 65535) {
        major = 2;
        prefix = 12;
        total = (prefix + (size_t)len + 1 + HEADER_ALIGN - 1) / HEADER_ALIGN * HEADER_ALIGN;
    }
    char *out = malloc(total);
    if (!out) {
        nd_free(*data_view);
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate the .npy header");
    }
    size_t dict_space = total - prefix;
    memcpy(out, MAGIC, sizeof MAGIC);
    out[6] = (char)major;
    out[7] = 0;
    for (size_t i = 0; i < prefix - 8; i++)
        out[8 + i] = (char)((dict_space >> (8 * i)) & 0xff);
    memcpy(out + prefix, dict, (size_t)len);
    memset(out + prefix + len, ' ', total - prefix - (size_t)len - 1);
    out[total - 1] = '\n';
    *header = out;
    *header_len = total;
    return 0;
}

int nd_npy_serialize(const nd_array *a, unsigned char **out, size_t *out_len)
{
    char *header;
    size_t header_len;
    nd_array *data;
    if (build_header(a, &header, &header_len, &data) < 0)
        return nd_last_status();
    size_t data_len = (size_t)nd_nbytes(data);
    unsigned char *bytes = malloc(header_len + data_len);
    if (bytes) {
        memcpy(bytes, header, header_len);
        memcpy(bytes + header_len, nd_data(data), data_len);
    }
    free(header);
    nd_free(data);
    if (!bytes)
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate %zu bytes", header_len + data_len);
    *out = bytes;
    *out_len = header_len + data_len;
    return 0;
}

int nd_save_npy(const char *path, const nd_array *a)
{
    char *header;
    size_t header_len;
    nd_array *data;
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, path, a);
    if (build_header(a, &header, &header_len, &data) < 0)
        return nd_last_status();
    const void *chunks[2] = {header, nd_data(data)};
    size_t lens[2] = {header_len, (size_t)nd_nbytes(data)};
    int status = nd_write_atomic_chunks(path, 2, chunks, lens);
    free(header);
    nd_free(data);
    return status;
}
