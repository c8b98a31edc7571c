/* Copies, casts, copyto (broadcasting, casting rules, overlap), fill and
 * element access. Expected values and messages come from NumPy 1.24
 * (ndarray.astype, np.copyto, indexing errors); where NumPy's result is
 * platform-dependent (float -> int out of range, NaN -> int), the values are
 * the ones nd.h defines: NaN -> 0 and saturation to the target's range.
 * bfloat16 results are round-to-nearest-even of the exact source value. */
#include <math.h>
#include <string.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

// clang-format off
static const char *const names[ND_NUM_DTYPES] = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64"};
// clang-format on

static bool is_float(nd_dtype dt) { return dt >= ND_FLOAT16; }

static nd_array *arange_shaped(nd_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    nd_array *flat = nd_arange(dt, 0, (double)n, 1);
    nd_array *a = nd_reshape(flat, ndim, shape);
    ck_assert_ptr_nonnull(a);
    nd_free(flat);
    return a;
}

static double get_d(const nd_array *a, const int64_t *index)
{
    double v = -12345;
    ck_assert_int_eq(nd_get(a, index, &v), 0);
    return v;
}

static int64_t get_i(const nd_array *a, const int64_t *index)
{
    int64_t v = -12345;
    ck_assert_int_eq(nd_get_int64(a, index, &v), 0);
    return v;
}

static void assert_c_copy(const nd_array *r, const nd_array *src)
{
    ck_assert(nd_is_c_contiguous(r) && nd_is_writeable(r));
    ck_assert(!nd_may_share_memory(r, src));
    int64_t stride = (int64_t)nd_itemsize(r);
    for (int i = nd_ndim(r) - 1; i >= 0; i--) {
        if (nd_size(r) > 0)
            ck_assert_int_eq(nd_strides(r)[i], stride);
        stride *= nd_shape(r)[i];
    }
}

/* ------------------------------------------------------------------------ */
/* copy and ascontiguousarray                                               */
/* ------------------------------------------------------------------------ */

START_TEST(copy_of_views)
{
    nd_array *m = arange_shaped(ND_INT16, 2, SHAPE(2, 3));
    nd_array *t = nd_transpose(m, NULL);
    nd_array *c = nd_copy(t);
    ck_assert_shape(c, ND_INT16, 2, 3, 2);
    ck_assert_int_eq(nd_strides(c)[0], 4);
    ck_assert_int_eq(nd_strides(c)[1], 2);
    assert_c_copy(c, m);
    ck_assert(!nd_is_f_contiguous(c));
    ck_assert_uint_eq((uintptr_t)nd_data(c) % 64, 0);
    ck_assert_values(c, 0, 3, 1, 4, 2, 5);
    ck_assert_int_eq(nd_set(c, (int64_t[]){0, 0}, 9), 0);
    ck_assert_values(m, 0, 1, 2, 3, 4, 5); /* independent */
    ck_assert_int_eq(nd_set(m, (int64_t[]){1, 2}, 8), 0);
    ck_assert_values(c, 9, 3, 1, 4, 2, 5);
    nd_free(c);

    nd_array *rev = nd_slice(m, 1, ND_NONE, ND_NONE, -2); /* m[:, ::-2] */
    c = nd_copy(rev);
    ck_assert_shape(c, ND_INT16, 2, 2, 2);
    assert_c_copy(c, m);
    ck_assert_values(c, 2, 0, 8, 3);
    nd_free(c);
    nd_free(rev);

    /* A broadcast (read-only, stride 0) copies to a writeable array. */
    nd_array *row = nd_arange(ND_FLOAT32, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 2, SHAPE(2, 3));
    c = nd_copy(b);
    ck_assert_shape(c, ND_FLOAT32, 2, 2, 3);
    assert_c_copy(c, row);
    ck_assert_values(c, 0, 1, 2, 0, 1, 2);
    ck_assert_int_eq(nd_set(c, (int64_t[]){1, 1}, 7), 0);
    ck_assert_values(c, 0, 1, 2, 0, 7, 2);
    nd_free(c);
    nd_free(b);
    /* Read-only diagonal -> writeable copy. */
    nd_array *d = nd_diagonal(m, 0, 0, 1);
    c = nd_copy(d);
    ck_assert(nd_is_writeable(c));
    ck_assert_values(c, 0, 4);
    nd_free(c);
    nd_free(d);
    nd_free(row);
    nd_free(t);
    nd_free(m);
}
END_TEST

START_TEST(copy_zero_d_empty_and_bits)
{
    nd_array *s = nd_full(ND_FLOAT32, 0, NULL, 1.5);
    nd_array *c = nd_copy(s);
    ck_assert_int_eq(nd_ndim(c), 0);
    ck_assert_values(c, 1.5);
    ck_assert_ptr_ne(nd_data(c), nd_data(s));
    nd_free(c);
    nd_free(s);
    nd_array *e = nd_zeros(ND_INT64, 3, SHAPE(2, 0, 3));
    c = nd_copy(e);
    ck_assert_shape(c, ND_INT64, 3, 2, 0, 3);
    ck_assert(nd_is_c_contiguous(c) && nd_is_writeable(c));
    nd_free(c);
    nd_free(e);
    /* A copy is bit-exact: NaN payloads and -0.0 survive (np.copy). */
    uint16_t bits[4] = {0x7c01, 0x8000, 0xfe03, 0x3555};
    nd_array *h = nd_from_data(ND_FLOAT16, 1, SHAPE(4), bits);
    c = nd_copy(h);
    ck_assert_int_eq(memcmp(nd_data(c), bits, sizeof bits), 0);
    nd_free(c);
    nd_array *hr = nd_slice(h, 0, ND_NONE, ND_NONE, -1);
    c = nd_copy(hr);
    const uint16_t *out = nd_data(c);
    ck_assert(out[0] == 0x3555 && out[1] == 0xfe03 && out[2] == 0x8000 && out[3] == 0x7c01);
    nd_free(c);
    nd_free(hr);
    nd_free(h);
    uint64_t big[3] = {UINT64_MAX, UINT64_C(1) << 63, 12345};
    nd_array *u = nd_from_data(ND_UINT64, 1, SHAPE(3), big);
    nd_array *ur = nd_slice(u, 0, ND_NONE, ND_NONE, -1);
    c = nd_copy(ur);
    ck_assert(((uint64_t *)nd_data(c))[2] == UINT64_MAX &&
              ((uint64_t *)nd_data(c))[1] == UINT64_C(1) << 63);
    nd_free(c);
    nd_free(ur);
    nd_free(u);
}
END_TEST

START_TEST(ascontiguousarray_view_or_copy)
{
    nd_array *m = arange_shaped(ND_FLOAT16, 2, SHAPE(3, 4));
    nd_array *a = nd_ascontiguousarray(m);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(a, m); /* a new handle ... */
    ck_assert_ptr_eq(nd_data(a), nd_data(m)); /* ... on the same memory */
    ck_assert_shape(a, ND_FLOAT16, 2, 3, 4);
    ck_assert_int_eq(nd_set(a, (int64_t[]){0, 1}, -1), 0);
    ck_assert(get_d(m, (int64_t[]){0, 1}) == -1);
    nd_free(a);

    nd_array *t = nd_transpose(m, NULL);
    a = nd_ascontiguousarray(t);
    ck_assert_shape(a, ND_FLOAT16, 2, 4, 3);
    assert_c_copy(a, m);
    ck_assert_values(a, 0, 4, 8, -1, 5, 9, 2, 6, 10, 3, 7, 11);
    nd_free(a);
    nd_free(t);

    nd_array *row = nd_slice(m, 0, 1, 2, 1); /* m[1:2]: C-contiguous */
    a = nd_ascontiguousarray(row);
    ck_assert_ptr_eq(nd_data(a), nd_data(row));
    ck_assert_shape(a, ND_FLOAT16, 2, 1, 4);
    nd_free(a);
    nd_free(row);

    nd_array *even = nd_slice(m, 1, ND_NONE, ND_NONE, 2);
    a = nd_ascontiguousarray(even);
    ck_assert_shape(a, ND_FLOAT16, 2, 3, 2);
    assert_c_copy(a, m);
    ck_assert_values(a, 0, 2, 4, 6, 8, 10);
    nd_free(a);
    nd_free(even);

    /* Read-only and C-contiguous: the same memory, still read-only. */
    nd_array *line = nd_arange(ND_INT32, 0, 3, 1);
    nd_array *b = nd_broadcast_to(line, 1, SHAPE(3));
    a = nd_ascontiguousarray(b);
    ck_assert_ptr_eq(nd_data(a), nd_data(line));
    ck_assert(!nd_is_writeable(a));
    nd_free(a);
    nd_free(b);
    /* Broadcast with stride 0 is not contiguous: a writeable copy. */
    b = nd_broadcast_to(line, 2, SHAPE(2, 3));
    a = nd_ascontiguousarray(b);
    assert_c_copy(a, line);
    ck_assert_values(a, 0, 1, 2, 0, 1, 2);
    nd_free(a);
    nd_free(b);
    nd_free(line);
    nd_free(m);
}
END_TEST

START_TEST(ascontiguousarray_zero_d_becomes_one_d)
{
    /* np.ascontiguousarray returns at least 1-D:
     * np.ascontiguousarray(np.array(5.)).shape == (1,). */
    nd_array *s = nd_full(ND_FLOAT64, 0, NULL, 5);
    nd_array *a = nd_ascontiguousarray(s);
    ck_assert_shape(a, ND_FLOAT64, 1, 1);
    ck_assert_values(a, 5);
    nd_free(a);
    nd_free(s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* astype                                                                   */
/* ------------------------------------------------------------------------ */

/* Generated with NumPy 1.24: for each source dtype a list of values, and for
 * each (source, target) pair the values of np.array(src).astype(target)
 * (targets int/bool in i[], read with nd_get_int64 so uint64 above INT64_MAX
 * is its two's complement; float targets in f[]). Out-of-range float -> int
 * saturates and NaN -> 0 as nd.h defines; bfloat16 is RNE of the exact value. */
/* Source values, per dtype (float16/bfloat16 as bit patterns). */
// clang-format off
static const uint8_t src_bool[] = {0, 1};
static const int8_t src_int8[] = {0, 1, -1, 127, -128, 100, -100, 42};
static const int16_t src_int16[] = {0, 1, -1, 32767, -32768, 300, -300, 255, 256, 2049};
static const int32_t src_int32[] = {0, 1, -1, 2147483647, -2147483648, 65504, 65520, 70000, -129, 16777217};
static const int64_t src_int64[] = {0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993, 4294967301, -65536, 4611686293305294849, 300};
static const uint8_t src_uint8[] = {0, 1, 255, 128, 127, 200};
static const uint16_t src_uint16[] = {0, 1, 65535, 32768, 300, 2049};
static const uint32_t src_uint32[] = {0, 1, 4294967295, 2147483648, 16777217, 65519};
static const uint64_t src_uint64[] = {UINT64_C(0), UINT64_C(1), UINT64_C(18446744073709551615), UINT64_C(9223372036854775808), UINT64_C(9223372036854775807), UINT64_C(9007199254740993), UINT64_C(12345)};
static const uint16_t src_float16[] = {0x0000, 0x8000, 0x3800, 0xbe00, 0x4100, 0x7bff, 0xfbff, 0x2e66, 0x0001, 0x7e00, 0x7c00, 0xfc00, 0x57f8, 0x5cb0, 0xd808};
static const uint16_t src_bfloat16[] = {0x0000, 0x8000, 0x3f00, 0xbfc0, 0x4049, 0x4396, 0xc020, 0x5015, 0x0001, 0x7fc0, 0x7f80, 0xff80, 0x4f00, 0xdf00, 0x4880};
static const float src_float32[] = {0.0f, -0.0f, 0x1p-1f, -0x1p-1f, 0x1.59999a0000000p+1f, -0x1.59999a0000000p+1f, 0x1.fe00000000000p+6f, 0x1p+7f, 0x1.ffcccc0000000p+7f, 0x1.2c00000000000p+8f, -0x1.2c00000000000p+8f, 0x1.ffde000000000p+15f, 0x1.ffe0000000000p+15f, 0x1.2a05f20000000p+33f, 0x1.c363cc0000000p+127f, 0x1.16c2000000000p-133f, NAN, INFINITY, -INFINITY, 0x1.fffffe0000000p+30f, 0x1p+31f, -0x1p+31f};
static const double src_float64[] = {0.0, -0.0, 0x1p-1, -0x1.4000000000000p+1, 0x1.599999999999ap+1, -0x1.599999999999ap+1, 0x1.fff5c28f5c28fp+6, -0x1.01fae147ae148p+7, 0x1.ff00000000000p+7, 0x1p+8, -0x1.8000000000000p+0, 0x1.ffdffae147ae1p+15, 0x1.ffe0000000000p+15, 0x1.7e43c8800759cp+996, 0x1.56e1fc2f8f359p-997, 0x1.0020000001000p+0, 0x1p+63, -0x1p+63, 0x1p+64, 0x1.12c7bb1858bc0p+63, NAN, INFINITY, -INFINITY, 0x1.1208141e9900bp-149, 0x1.0100000001000p+0};

static const struct { nd_dtype from, to; int n; int64_t i[26]; double f[26]; } astype_cases[] = {
    {ND_BOOL, ND_BOOL, 2, {0, 1}, {0}},
    {ND_BOOL, ND_INT8, 2, {0, 1}, {0}},
    {ND_BOOL, ND_INT16, 2, {0, 1}, {0}},
    {ND_BOOL, ND_INT32, 2, {0, 1}, {0}},
    {ND_BOOL, ND_INT64, 2, {0, 1}, {0}},
    {ND_BOOL, ND_UINT8, 2, {0, 1}, {0}},
    {ND_BOOL, ND_UINT16, 2, {0, 1}, {0}},
    {ND_BOOL, ND_UINT32, 2, {0, 1}, {0}},
    {ND_BOOL, ND_UINT64, 2, {0, 1}, {0}},
    {ND_BOOL, ND_FLOAT16, 2, {0}, {0.0, 0x1p+0}},
    {ND_BOOL, ND_BFLOAT16, 2, {0}, {0.0, 0x1p+0}},
    {ND_BOOL, ND_FLOAT32, 2, {0}, {0.0, 0x1p+0}},
    {ND_BOOL, ND_FLOAT64, 2, {0}, {0.0, 0x1p+0}},
    {ND_INT8, ND_BOOL, 8, {0, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_INT8, ND_INT8, 8, {0, 1, -1, 127, -128, 100, -100, 42}, {0}},
    {ND_INT8, ND_INT16, 8, {0, 1, -1, 127, -128, 100, -100, 42}, {0}},
    {ND_INT8, ND_INT32, 8, {0, 1, -1, 127, -128, 100, -100, 42}, {0}},
    {ND_INT8, ND_INT64, 8, {0, 1, -1, 127, -128, 100, -100, 42}, {0}},
    {ND_INT8, ND_UINT8, 8, {0, 1, 255, 127, 128, 100, 156, 42}, {0}},
    {ND_INT8, ND_UINT16, 8, {0, 1, 65535, 127, 65408, 100, 65436, 42}, {0}},
    {ND_INT8, ND_UINT32, 8, {0, 1, 4294967295, 127, 4294967168, 100, 4294967196, 42}, {0}},
    {ND_INT8, ND_UINT64, 8, {0, 1, -1, 127, -128, 100, -100, 42}, {0}},
    {ND_INT8, ND_FLOAT16, 8, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fc00000000000p+6, -0x1p+7, 0x1.9000000000000p+6, -0x1.9000000000000p+6, 0x1.5000000000000p+5}},
    {ND_INT8, ND_BFLOAT16, 8, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fc00000000000p+6, -0x1p+7, 0x1.9000000000000p+6, -0x1.9000000000000p+6, 0x1.5000000000000p+5}},
    {ND_INT8, ND_FLOAT32, 8, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fc00000000000p+6, -0x1p+7, 0x1.9000000000000p+6, -0x1.9000000000000p+6, 0x1.5000000000000p+5}},
    {ND_INT8, ND_FLOAT64, 8, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fc00000000000p+6, -0x1p+7, 0x1.9000000000000p+6, -0x1.9000000000000p+6, 0x1.5000000000000p+5}},
    {ND_INT16, ND_BOOL, 10, {0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_INT16, ND_INT8, 10, {0, 1, -1, -1, 0, 44, -44, -1, 0, 1}, {0}},
    {ND_INT16, ND_INT16, 10, {0, 1, -1, 32767, -32768, 300, -300, 255, 256, 2049}, {0}},
    {ND_INT16, ND_INT32, 10, {0, 1, -1, 32767, -32768, 300, -300, 255, 256, 2049}, {0}},
    {ND_INT16, ND_INT64, 10, {0, 1, -1, 32767, -32768, 300, -300, 255, 256, 2049}, {0}},
    {ND_INT16, ND_UINT8, 10, {0, 1, 255, 255, 0, 44, 212, 255, 0, 1}, {0}},
    {ND_INT16, ND_UINT16, 10, {0, 1, 65535, 32767, 32768, 300, 65236, 255, 256, 2049}, {0}},
    {ND_INT16, ND_UINT32, 10, {0, 1, 4294967295, 32767, 4294934528, 300, 4294966996, 255, 256, 2049}, {0}},
    {ND_INT16, ND_UINT64, 10, {0, 1, -1, 32767, -32768, 300, -300, 255, 256, 2049}, {0}},
    {ND_INT16, ND_FLOAT16, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+15, -0x1p+15, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.fe00000000000p+7, 0x1p+8, 0x1p+11}},
    {ND_INT16, ND_BFLOAT16, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+15, -0x1p+15, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.fe00000000000p+7, 0x1p+8, 0x1p+11}},
    {ND_INT16, ND_FLOAT32, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fffc000000000p+14, -0x1p+15, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.fe00000000000p+7, 0x1p+8, 0x1.0020000000000p+11}},
    {ND_INT16, ND_FLOAT64, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fffc000000000p+14, -0x1p+15, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.fe00000000000p+7, 0x1p+8, 0x1.0020000000000p+11}},
    {ND_INT32, ND_BOOL, 10, {0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_INT32, ND_INT8, 10, {0, 1, -1, -1, 0, -32, -16, 112, 127, 1}, {0}},
    {ND_INT32, ND_INT16, 10, {0, 1, -1, -1, 0, -32, -16, 4464, -129, 1}, {0}},
    {ND_INT32, ND_INT32, 10, {0, 1, -1, 2147483647, -2147483648, 65504, 65520, 70000, -129, 16777217}, {0}},
    {ND_INT32, ND_INT64, 10, {0, 1, -1, 2147483647, -2147483648, 65504, 65520, 70000, -129, 16777217}, {0}},
    {ND_INT32, ND_UINT8, 10, {0, 1, 255, 255, 0, 224, 240, 112, 127, 1}, {0}},
    {ND_INT32, ND_UINT16, 10, {0, 1, 65535, 65535, 0, 65504, 65520, 4464, 65407, 1}, {0}},
    {ND_INT32, ND_UINT32, 10, {0, 1, 4294967295, 2147483647, 2147483648, 65504, 65520, 70000, 4294967167, 16777217}, {0}},
    {ND_INT32, ND_UINT64, 10, {0, 1, -1, 2147483647, -2147483648, 65504, 65520, 70000, -129, 16777217}, {0}},
    {ND_INT32, ND_FLOAT16, 10, {0}, {0.0, 0x1p+0, -0x1p+0, INFINITY, -INFINITY, 0x1.ffc0000000000p+15, INFINITY, INFINITY, -0x1.0200000000000p+7, INFINITY}},
    {ND_INT32, ND_BFLOAT16, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+31, -0x1p+31, 0x1p+16, 0x1p+16, 0x1.1200000000000p+16, -0x1.0200000000000p+7, 0x1p+24}},
    {ND_INT32, ND_FLOAT32, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+31, -0x1p+31, 0x1.ffc0000000000p+15, 0x1.ffe0000000000p+15, 0x1.1170000000000p+16, -0x1.0200000000000p+7, 0x1p+24}},
    {ND_INT32, ND_FLOAT64, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1.fffffffc00000p+30, -0x1p+31, 0x1.ffc0000000000p+15, 0x1.ffe0000000000p+15, 0x1.1170000000000p+16, -0x1.0200000000000p+7, 0x1.0000010000000p+24}},
    {ND_INT64, ND_BOOL, 10, {0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_INT64, ND_INT8, 10, {0, 1, -1, -1, 0, 1, 5, 0, 1, 44}, {0}},
    {ND_INT64, ND_INT16, 10, {0, 1, -1, -1, 0, 1, 5, 0, 1, 300}, {0}},
    {ND_INT64, ND_INT32, 10, {0, 1, -1, -1, 0, 1, 5, -65536, 1, 300}, {0}},
    {ND_INT64, ND_INT64, 10, {0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993, 4294967301, -65536, 4611686293305294849, 300}, {0}},
    {ND_INT64, ND_UINT8, 10, {0, 1, 255, 255, 0, 1, 5, 0, 1, 44}, {0}},
    {ND_INT64, ND_UINT16, 10, {0, 1, 65535, 65535, 0, 1, 5, 0, 1, 300}, {0}},
    {ND_INT64, ND_UINT32, 10, {0, 1, 4294967295, 4294967295, 0, 1, 5, 4294901760, 1, 300}, {0}},
    {ND_INT64, ND_UINT64, 10, {0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993, 4294967301, -65536, 4611686293305294849, 300}, {0}},
    {ND_INT64, ND_FLOAT16, 10, {0}, {0.0, 0x1p+0, -0x1p+0, INFINITY, -INFINITY, INFINITY, INFINITY, -INFINITY, INFINITY, 0x1.2c00000000000p+8}},
    {ND_INT64, ND_BFLOAT16, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+63, -0x1p+63, 0x1p+53, 0x1p+32, -0x1p+16, 0x1p+62, 0x1.2c00000000000p+8}},
    {ND_INT64, ND_FLOAT32, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+63, -0x1p+63, 0x1p+53, 0x1p+32, -0x1p+16, 0x1.0000020000000p+62, 0x1.2c00000000000p+8}},
    {ND_INT64, ND_FLOAT64, 10, {0}, {0.0, 0x1p+0, -0x1p+0, 0x1p+63, -0x1p+63, 0x1p+53, 0x1.0000000500000p+32, -0x1p+16, 0x1.0000010000000p+62, 0x1.2c00000000000p+8}},
    {ND_UINT8, ND_BOOL, 6, {0, 1, 1, 1, 1, 1}, {0}},
    {ND_UINT8, ND_INT8, 6, {0, 1, -1, -128, 127, -56}, {0}},
    {ND_UINT8, ND_INT16, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_INT32, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_INT64, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_UINT8, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_UINT16, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_UINT32, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_UINT64, 6, {0, 1, 255, 128, 127, 200}, {0}},
    {ND_UINT8, ND_FLOAT16, 6, {0}, {0.0, 0x1p+0, 0x1.fe00000000000p+7, 0x1p+7, 0x1.fc00000000000p+6, 0x1.9000000000000p+7}},
    {ND_UINT8, ND_BFLOAT16, 6, {0}, {0.0, 0x1p+0, 0x1.fe00000000000p+7, 0x1p+7, 0x1.fc00000000000p+6, 0x1.9000000000000p+7}},
    {ND_UINT8, ND_FLOAT32, 6, {0}, {0.0, 0x1p+0, 0x1.fe00000000000p+7, 0x1p+7, 0x1.fc00000000000p+6, 0x1.9000000000000p+7}},
    {ND_UINT8, ND_FLOAT64, 6, {0}, {0.0, 0x1p+0, 0x1.fe00000000000p+7, 0x1p+7, 0x1.fc00000000000p+6, 0x1.9000000000000p+7}},
    {ND_UINT16, ND_BOOL, 6, {0, 1, 1, 1, 1, 1}, {0}},
    {ND_UINT16, ND_INT8, 6, {0, 1, -1, 0, 44, 1}, {0}},
    {ND_UINT16, ND_INT16, 6, {0, 1, -1, -32768, 300, 2049}, {0}},
    {ND_UINT16, ND_INT32, 6, {0, 1, 65535, 32768, 300, 2049}, {0}},
    {ND_UINT16, ND_INT64, 6, {0, 1, 65535, 32768, 300, 2049}, {0}},
    {ND_UINT16, ND_UINT8, 6, {0, 1, 255, 0, 44, 1}, {0}},
    {ND_UINT16, ND_UINT16, 6, {0, 1, 65535, 32768, 300, 2049}, {0}},
    {ND_UINT16, ND_UINT32, 6, {0, 1, 65535, 32768, 300, 2049}, {0}},
    {ND_UINT16, ND_UINT64, 6, {0, 1, 65535, 32768, 300, 2049}, {0}},
    {ND_UINT16, ND_FLOAT16, 6, {0}, {0.0, 0x1p+0, INFINITY, 0x1p+15, 0x1.2c00000000000p+8, 0x1p+11}},
    {ND_UINT16, ND_BFLOAT16, 6, {0}, {0.0, 0x1p+0, 0x1p+16, 0x1p+15, 0x1.2c00000000000p+8, 0x1p+11}},
    {ND_UINT16, ND_FLOAT32, 6, {0}, {0.0, 0x1p+0, 0x1.fffe000000000p+15, 0x1p+15, 0x1.2c00000000000p+8, 0x1.0020000000000p+11}},
    {ND_UINT16, ND_FLOAT64, 6, {0}, {0.0, 0x1p+0, 0x1.fffe000000000p+15, 0x1p+15, 0x1.2c00000000000p+8, 0x1.0020000000000p+11}},
    {ND_UINT32, ND_BOOL, 6, {0, 1, 1, 1, 1, 1}, {0}},
    {ND_UINT32, ND_INT8, 6, {0, 1, -1, 0, 1, -17}, {0}},
    {ND_UINT32, ND_INT16, 6, {0, 1, -1, 0, 1, -17}, {0}},
    {ND_UINT32, ND_INT32, 6, {0, 1, -1, -2147483648, 16777217, 65519}, {0}},
    {ND_UINT32, ND_INT64, 6, {0, 1, 4294967295, 2147483648, 16777217, 65519}, {0}},
    {ND_UINT32, ND_UINT8, 6, {0, 1, 255, 0, 1, 239}, {0}},
    {ND_UINT32, ND_UINT16, 6, {0, 1, 65535, 0, 1, 65519}, {0}},
    {ND_UINT32, ND_UINT32, 6, {0, 1, 4294967295, 2147483648, 16777217, 65519}, {0}},
    {ND_UINT32, ND_UINT64, 6, {0, 1, 4294967295, 2147483648, 16777217, 65519}, {0}},
    {ND_UINT32, ND_FLOAT16, 6, {0}, {0.0, 0x1p+0, INFINITY, INFINITY, INFINITY, 0x1.ffc0000000000p+15}},
    {ND_UINT32, ND_BFLOAT16, 6, {0}, {0.0, 0x1p+0, 0x1p+32, 0x1p+31, 0x1p+24, 0x1p+16}},
    {ND_UINT32, ND_FLOAT32, 6, {0}, {0.0, 0x1p+0, 0x1p+32, 0x1p+31, 0x1p+24, 0x1.ffde000000000p+15}},
    {ND_UINT32, ND_FLOAT64, 6, {0}, {0.0, 0x1p+0, 0x1.fffffffe00000p+31, 0x1p+31, 0x1.0000010000000p+24, 0x1.ffde000000000p+15}},
    {ND_UINT64, ND_BOOL, 7, {0, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_UINT64, ND_INT8, 7, {0, 1, -1, 0, -1, 1, 57}, {0}},
    {ND_UINT64, ND_INT16, 7, {0, 1, -1, 0, -1, 1, 12345}, {0}},
    {ND_UINT64, ND_INT32, 7, {0, 1, -1, 0, -1, 1, 12345}, {0}},
    {ND_UINT64, ND_INT64, 7, {0, 1, -1, INT64_MIN, INT64_MAX, 9007199254740993, 12345}, {0}},
    {ND_UINT64, ND_UINT8, 7, {0, 1, 255, 0, 255, 1, 57}, {0}},
    {ND_UINT64, ND_UINT16, 7, {0, 1, 65535, 0, 65535, 1, 12345}, {0}},
    {ND_UINT64, ND_UINT32, 7, {0, 1, 4294967295, 0, 4294967295, 1, 12345}, {0}},
    {ND_UINT64, ND_UINT64, 7, {0, 1, -1, INT64_MIN, INT64_MAX, 9007199254740993, 12345}, {0}},
    {ND_UINT64, ND_FLOAT16, 7, {0}, {0.0, 0x1p+0, INFINITY, INFINITY, INFINITY, INFINITY, 0x1.81c0000000000p+13}},
    {ND_UINT64, ND_BFLOAT16, 7, {0}, {0.0, 0x1p+0, 0x1p+64, 0x1p+63, 0x1p+63, 0x1p+53, 0x1.8200000000000p+13}},
    {ND_UINT64, ND_FLOAT32, 7, {0}, {0.0, 0x1p+0, 0x1p+64, 0x1p+63, 0x1p+63, 0x1p+53, 0x1.81c8000000000p+13}},
    {ND_UINT64, ND_FLOAT64, 7, {0}, {0.0, 0x1p+0, 0x1p+64, 0x1p+63, 0x1p+63, 0x1p+53, 0x1.81c8000000000p+13}},
    {ND_FLOAT16, ND_BOOL, 15, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_FLOAT16, ND_INT8, 15, {0, 0, 0, -1, 2, 127, -128, 0, 0, 0, 127, -128, 127, 127, -128}, {0}},
    {ND_FLOAT16, ND_INT16, 15, {0, 0, 0, -1, 2, 32767, -32768, 0, 0, 0, 32767, -32768, 127, 300, -129}, {0}},
    {ND_FLOAT16, ND_INT32, 15, {0, 0, 0, -1, 2, 65504, -65504, 0, 0, 0, 2147483647, -2147483648, 127, 300, -129}, {0}},
    {ND_FLOAT16, ND_INT64, 15, {0, 0, 0, -1, 2, 65504, -65504, 0, 0, 0, INT64_MAX, INT64_MIN, 127, 300, -129}, {0}},
    {ND_FLOAT16, ND_UINT8, 15, {0, 0, 0, 0, 2, 255, 0, 0, 0, 0, 255, 0, 127, 255, 0}, {0}},
    {ND_FLOAT16, ND_UINT16, 15, {0, 0, 0, 0, 2, 65504, 0, 0, 0, 0, 65535, 0, 127, 300, 0}, {0}},
    {ND_FLOAT16, ND_UINT32, 15, {0, 0, 0, 0, 2, 65504, 0, 0, 0, 0, 4294967295, 0, 127, 300, 0}, {0}},
    {ND_FLOAT16, ND_UINT64, 15, {0, 0, 0, 0, 2, 65504, 0, 0, 0, 0, -1, 0, 127, 300, 0}, {0}},
    {ND_FLOAT16, ND_FLOAT16, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.4000000000000p+1, 0x1.ffc0000000000p+15, -0x1.ffc0000000000p+15, 0x1.9980000000000p-4, 0x1p-24, NAN, INFINITY, -INFINITY, 0x1.fe00000000000p+6, 0x1.2c00000000000p+8, -0x1.0200000000000p+7}},
    {ND_FLOAT16, ND_BFLOAT16, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.4000000000000p+1, 0x1p+16, -0x1p+16, 0x1.9a00000000000p-4, 0x1p-24, NAN, INFINITY, -INFINITY, 0x1.fe00000000000p+6, 0x1.2c00000000000p+8, -0x1.0200000000000p+7}},
    {ND_FLOAT16, ND_FLOAT32, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.4000000000000p+1, 0x1.ffc0000000000p+15, -0x1.ffc0000000000p+15, 0x1.9980000000000p-4, 0x1p-24, NAN, INFINITY, -INFINITY, 0x1.fe00000000000p+6, 0x1.2c00000000000p+8, -0x1.0200000000000p+7}},
    {ND_FLOAT16, ND_FLOAT64, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.4000000000000p+1, 0x1.ffc0000000000p+15, -0x1.ffc0000000000p+15, 0x1.9980000000000p-4, 0x1p-24, NAN, INFINITY, -INFINITY, 0x1.fe00000000000p+6, 0x1.2c00000000000p+8, -0x1.0200000000000p+7}},
    {ND_BFLOAT16, ND_BOOL, 15, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_BFLOAT16, ND_INT8, 15, {0, 0, 0, -1, 3, 127, -2, 127, 0, 0, 127, -128, 127, -128, 127}, {0}},
    {ND_BFLOAT16, ND_INT16, 15, {0, 0, 0, -1, 3, 300, -2, 32767, 0, 0, 32767, -32768, 32767, -32768, 32767}, {0}},
    {ND_BFLOAT16, ND_INT32, 15, {0, 0, 0, -1, 3, 300, -2, 2147483647, 0, 0, 2147483647, -2147483648, 2147483647, -2147483648, 262144}, {0}},
    {ND_BFLOAT16, ND_INT64, 15, {0, 0, 0, -1, 3, 300, -2, 9999220736, 0, 0, INT64_MAX, INT64_MIN, 2147483648, INT64_MIN, 262144}, {0}},
    {ND_BFLOAT16, ND_UINT8, 15, {0, 0, 0, 0, 3, 255, 0, 255, 0, 0, 255, 0, 255, 0, 255}, {0}},
    {ND_BFLOAT16, ND_UINT16, 15, {0, 0, 0, 0, 3, 300, 0, 65535, 0, 0, 65535, 0, 65535, 0, 65535}, {0}},
    {ND_BFLOAT16, ND_UINT32, 15, {0, 0, 0, 0, 3, 300, 0, 4294967295, 0, 0, 4294967295, 0, 2147483648, 0, 262144}, {0}},
    {ND_BFLOAT16, ND_UINT64, 15, {0, 0, 0, 0, 3, 300, 0, 9999220736, 0, 0, -1, 0, 2147483648, 0, 262144}, {0}},
    {ND_BFLOAT16, ND_FLOAT16, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.9200000000000p+1, 0x1.2c00000000000p+8, -0x1.4000000000000p+1, INFINITY, 0.0, NAN, INFINITY, -INFINITY, INFINITY, -INFINITY, INFINITY}},
    {ND_BFLOAT16, ND_BFLOAT16, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.9200000000000p+1, 0x1.2c00000000000p+8, -0x1.4000000000000p+1, 0x1.2a00000000000p+33, 0x1p-133, NAN, INFINITY, -INFINITY, 0x1p+31, -0x1p+63, 0x1p+18}},
    {ND_BFLOAT16, ND_FLOAT32, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.9200000000000p+1, 0x1.2c00000000000p+8, -0x1.4000000000000p+1, 0x1.2a00000000000p+33, 0x1p-133, NAN, INFINITY, -INFINITY, 0x1p+31, -0x1p+63, 0x1p+18}},
    {ND_BFLOAT16, ND_FLOAT64, 15, {0}, {0.0, -0.0, 0x1p-1, -0x1.8000000000000p+0, 0x1.9200000000000p+1, 0x1.2c00000000000p+8, -0x1.4000000000000p+1, 0x1.2a00000000000p+33, 0x1p-133, NAN, INFINITY, -INFINITY, 0x1p+31, -0x1p+63, 0x1p+18}},
    {ND_FLOAT32, ND_BOOL, 22, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_FLOAT32, ND_INT8, 22, {0, 0, 0, 0, 2, -2, 127, 127, 127, 127, -128, 127, 127, 127, 127, 0, 0, 127, -128, 127, 127, -128}, {0}},
    {ND_FLOAT32, ND_INT16, 22, {0, 0, 0, 0, 2, -2, 127, 128, 255, 300, -300, 32767, 32767, 32767, 32767, 0, 0, 32767, -32768, 32767, 32767, -32768}, {0}},
    {ND_FLOAT32, ND_INT32, 22, {0, 0, 0, 0, 2, -2, 127, 128, 255, 300, -300, 65519, 65520, 2147483647, 2147483647, 0, 0, 2147483647, -2147483648, 2147483520, 2147483647, -2147483648}, {0}},
    {ND_FLOAT32, ND_INT64, 22, {0, 0, 0, 0, 2, -2, 127, 128, 255, 300, -300, 65519, 65520, 10000000000, INT64_MAX, 0, 0, INT64_MAX, INT64_MIN, 2147483520, 2147483648, -2147483648}, {0}},
    {ND_FLOAT32, ND_UINT8, 22, {0, 0, 0, 0, 2, 0, 127, 128, 255, 255, 0, 255, 255, 255, 255, 0, 0, 255, 0, 255, 255, 0}, {0}},
    {ND_FLOAT32, ND_UINT16, 22, {0, 0, 0, 0, 2, 0, 127, 128, 255, 300, 0, 65519, 65520, 65535, 65535, 0, 0, 65535, 0, 65535, 65535, 0}, {0}},
    {ND_FLOAT32, ND_UINT32, 22, {0, 0, 0, 0, 2, 0, 127, 128, 255, 300, 0, 65519, 65520, 4294967295, 4294967295, 0, 0, 4294967295, 0, 2147483520, 2147483648, 0}, {0}},
    {ND_FLOAT32, ND_UINT64, 22, {0, 0, 0, 0, 2, 0, 127, 128, 255, 300, 0, 65519, 65520, 10000000000, -1, 0, 0, -1, 0, 2147483520, 2147483648, 0}, {0}},
    {ND_FLOAT32, ND_FLOAT16, 22, {0}, {0.0, -0.0, 0x1p-1, -0x1p-1, 0x1.5980000000000p+1, -0x1.5980000000000p+1, 0x1.fe00000000000p+6, 0x1p+7, 0x1.ffc0000000000p+7, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.ffc0000000000p+15, INFINITY, INFINITY, INFINITY, 0.0, NAN, INFINITY, -INFINITY, INFINITY, INFINITY, -INFINITY}},
    {ND_FLOAT32, ND_BFLOAT16, 22, {0}, {0.0, -0.0, 0x1p-1, -0x1p-1, 0x1.5a00000000000p+1, -0x1.5a00000000000p+1, 0x1.fe00000000000p+6, 0x1p+7, 0x1p+8, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1p+16, 0x1p+16, 0x1.2a00000000000p+33, 0x1.c400000000000p+127, 0x1p-133, NAN, INFINITY, -INFINITY, 0x1p+31, 0x1p+31, -0x1p+31}},
    {ND_FLOAT32, ND_FLOAT32, 22, {0}, {0.0, -0.0, 0x1p-1, -0x1p-1, 0x1.59999a0000000p+1, -0x1.59999a0000000p+1, 0x1.fe00000000000p+6, 0x1p+7, 0x1.ffcccc0000000p+7, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.ffde000000000p+15, 0x1.ffe0000000000p+15, 0x1.2a05f20000000p+33, 0x1.c363cc0000000p+127, 0x1.16c2000000000p-133, NAN, INFINITY, -INFINITY, 0x1.fffffe0000000p+30, 0x1p+31, -0x1p+31}},
    {ND_FLOAT32, ND_FLOAT64, 22, {0}, {0.0, -0.0, 0x1p-1, -0x1p-1, 0x1.59999a0000000p+1, -0x1.59999a0000000p+1, 0x1.fe00000000000p+6, 0x1p+7, 0x1.ffcccc0000000p+7, 0x1.2c00000000000p+8, -0x1.2c00000000000p+8, 0x1.ffde000000000p+15, 0x1.ffe0000000000p+15, 0x1.2a05f20000000p+33, 0x1.c363cc0000000p+127, 0x1.16c2000000000p-133, NAN, INFINITY, -INFINITY, 0x1.fffffe0000000p+30, 0x1p+31, -0x1p+31}},
    {ND_FLOAT64, ND_BOOL, 25, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}},
    {ND_FLOAT64, ND_INT8, 25, {0, 0, 0, -2, 2, -2, 127, -128, 127, 127, -1, 127, 127, 127, 0, 1, 127, -128, 127, 127, 0, 127, -128, 0, 1}, {0}},
    {ND_FLOAT64, ND_INT16, 25, {0, 0, 0, -2, 2, -2, 127, -128, 255, 256, -1, 32767, 32767, 32767, 0, 1, 32767, -32768, 32767, 32767, 0, 32767, -32768, 0, 1}, {0}},
    {ND_FLOAT64, ND_INT32, 25, {0, 0, 0, -2, 2, -2, 127, -128, 255, 256, -1, 65519, 65520, 2147483647, 0, 1, 2147483647, -2147483648, 2147483647, 2147483647, 0, 2147483647, -2147483648, 0, 1}, {0}},
    {ND_FLOAT64, ND_INT64, 25, {0, 0, 0, -2, 2, -2, 127, -128, 255, 256, -1, 65519, 65520, INT64_MAX, 0, 1, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MAX, 0, INT64_MAX, INT64_MIN, 0, 1}, {0}},
    {ND_FLOAT64, ND_UINT8, 25, {0, 0, 0, 0, 2, 0, 127, 0, 255, 255, 0, 255, 255, 255, 0, 1, 255, 0, 255, 255, 0, 255, 0, 0, 1}, {0}},
    {ND_FLOAT64, ND_UINT16, 25, {0, 0, 0, 0, 2, 0, 127, 0, 255, 256, 0, 65519, 65520, 65535, 0, 1, 65535, 0, 65535, 65535, 0, 65535, 0, 0, 1}, {0}},
    {ND_FLOAT64, ND_UINT32, 25, {0, 0, 0, 0, 2, 0, 127, 0, 255, 256, 0, 65519, 65520, 4294967295, 0, 1, 4294967295, 0, 4294967295, 4294967295, 0, 4294967295, 0, 0, 1}, {0}},
    {ND_FLOAT64, ND_UINT64, 25, {0, 0, 0, 0, 2, 0, 127, 0, 255, 256, 0, 65519, 65520, -1, 0, 1, INT64_MIN, 0, -1, -8546744073709551616, 0, -1, 0, 0, 1}, {0}},
    {ND_FLOAT64, ND_FLOAT16, 25, {0}, {0.0, -0.0, 0x1p-1, -0x1.4000000000000p+1, 0x1.5980000000000p+1, -0x1.5980000000000p+1, 0x1p+7, -0x1.0200000000000p+7, 0x1.ff00000000000p+7, 0x1p+8, -0x1.8000000000000p+0, 0x1.ffc0000000000p+15, INFINITY, INFINITY, 0.0, 0x1.0040000000000p+0, INFINITY, -INFINITY, INFINITY, INFINITY, NAN, INFINITY, -INFINITY, 0.0, 0x1.0100000000000p+0}},
    {ND_FLOAT64, ND_BFLOAT16, 25, {0}, {0.0, -0.0, 0x1p-1, -0x1.4000000000000p+1, 0x1.5a00000000000p+1, -0x1.5a00000000000p+1, 0x1p+7, -0x1.0200000000000p+7, 0x1p+8, 0x1p+8, -0x1.8000000000000p+0, 0x1p+16, 0x1p+16, INFINITY, 0.0, 0x1p+0, 0x1p+63, -0x1p+63, 0x1p+64, 0x1.1200000000000p+63, NAN, INFINITY, -INFINITY, 0.0, 0x1.0200000000000p+0}},
    {ND_FLOAT64, ND_FLOAT32, 25, {0}, {0.0, -0.0, 0x1p-1, -0x1.4000000000000p+1, 0x1.59999a0000000p+1, -0x1.59999a0000000p+1, 0x1.fff5c20000000p+6, -0x1.01fae20000000p+7, 0x1.ff00000000000p+7, 0x1p+8, -0x1.8000000000000p+0, 0x1.ffdffa0000000p+15, 0x1.ffe0000000000p+15, INFINITY, 0.0, 0x1.0020000000000p+0, 0x1p+63, -0x1p+63, 0x1p+64, 0x1.12c7bc0000000p+63, NAN, INFINITY, -INFINITY, 0x1p-149, 0x1.0100000000000p+0}},
    {ND_FLOAT64, ND_FLOAT64, 25, {0}, {0.0, -0.0, 0x1p-1, -0x1.4000000000000p+1, 0x1.599999999999ap+1, -0x1.599999999999ap+1, 0x1.fff5c28f5c28fp+6, -0x1.01fae147ae148p+7, 0x1.ff00000000000p+7, 0x1p+8, -0x1.8000000000000p+0, 0x1.ffdffae147ae1p+15, 0x1.ffe0000000000p+15, 0x1.7e43c8800759cp+996, 0x1.56e1fc2f8f359p-997, 0x1.0020000001000p+0, 0x1p+63, -0x1p+63, 0x1p+64, 0x1.12c7bb1858bc0p+63, NAN, INFINITY, -INFINITY, 0x1.1208141e9900bp-149, 0x1.0100000001000p+0}},
};
// clang-format on

static const void *source_of(nd_dtype dt, int *n)
{
    // clang-format off
#define CASE(d, arr) case d: *n = (int)(sizeof arr / sizeof arr[0]); return arr
    switch (dt) {
    CASE(ND_BOOL, src_bool); CASE(ND_INT8, src_int8); CASE(ND_INT16, src_int16);
    CASE(ND_INT32, src_int32); CASE(ND_INT64, src_int64); CASE(ND_UINT8, src_uint8);
    CASE(ND_UINT16, src_uint16); CASE(ND_UINT32, src_uint32); CASE(ND_UINT64, src_uint64);
    CASE(ND_FLOAT16, src_float16); CASE(ND_BFLOAT16, src_bfloat16); CASE(ND_FLOAT32, src_float32);
    CASE(ND_FLOAT64, src_float64);
    }
#undef CASE
    // clang-format on
    return NULL;
}

static void check_cast(const nd_array *r, int k, int pos, size_t c)
{
    int64_t index = pos;
    if (is_float(astype_cases[c].to)) {
        double want = astype_cases[c].f[k], got = get_d(r, &index);
        bool same = isnan(want) ? isnan(got) : (got == want && !signbit(got) == !signbit(want));
        ck_assert_msg(same, "%s -> %s, value #%d: got %a, expected %a", names[astype_cases[c].from],
                      names[astype_cases[c].to], k, got, want);
    } else {
        int64_t want = astype_cases[c].i[k], got = get_i(r, &index);
        ck_assert_msg(got == want, "%s -> %s, value #%d: got %lld, expected %lld",
                      names[astype_cases[c].from], names[astype_cases[c].to], k, (long long)got,
                      (long long)want);
    }
}

START_TEST(astype_all_pairs)
{
    ck_assert_int_eq(sizeof astype_cases / sizeof astype_cases[0], ND_NUM_DTYPES * ND_NUM_DTYPES);
    for (size_t c = 0; c < sizeof astype_cases / sizeof astype_cases[0]; c++) {
        int n = 0;
        const void *data = source_of(astype_cases[c].from, &n);
        ck_assert_int_eq(n, astype_cases[c].n);
        nd_array *a = nd_from_data(astype_cases[c].from, 1, SHAPE(n), data);
        nd_array *r = nd_astype(a, astype_cases[c].to);
        ck_assert_shape(r, astype_cases[c].to, 1, n);
        assert_c_copy(r, a);
        for (int k = 0; k < n; k++)
            check_cast(r, k, k, c);
        nd_free(r);
        /* The same through a reversed (negative-stride) view. */
        nd_array *rev = nd_slice(a, 0, ND_NONE, ND_NONE, -1);
        r = nd_astype(rev, astype_cases[c].to);
        ck_assert_shape(r, astype_cases[c].to, 1, n);
        assert_c_copy(r, a);
        for (int k = 0; k < n; k++)
            check_cast(r, k, n - 1 - k, c);
        nd_free(r);
        nd_free(rev);
        nd_free(a);
    }
}
END_TEST

START_TEST(astype_rules_spelled_out)
{
    /* The rules of nd.h on a handful of values, as NumPy gives them. */
    double values[] = {-2.7, -0.5, 0.0, 0.5, 2.7, 300.0, -300.0, NAN, INFINITY, -INFINITY};
    nd_array *a = nd_from_data(ND_FLOAT64, 1, SHAPE(10), values);
    nd_array *i8 = nd_astype(a, ND_INT8); /* truncate; NaN -> 0; saturate */
    ck_assert_values(i8, -2, 0, 0, 0, 2, 127, -128, 0, 127, -128);
    nd_array *u8 = nd_astype(a, ND_UINT8);
    ck_assert_values(u8, 0, 0, 0, 0, 2, 255, 0, 0, 255, 0);
    nd_array *b = nd_astype(a, ND_BOOL); /* NaN is True */
    ck_assert_values(b, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1);
    int64_t big[] = {300, -1, 65537, INT64_MIN, 128, -129};
    nd_array *ints = nd_from_data(ND_INT64, 1, SHAPE(6), big);
    nd_array *wrapped = nd_astype(ints, ND_INT8); /* modulo 2^8 */
    ck_assert_values(wrapped, 44, -1, 1, 0, -128, 127);
    nd_array *u16 = nd_astype(ints, ND_UINT16);
    ck_assert_values(u16, 300, 65535, 1, 0, 128, 65407);
    nd_array *half = nd_astype(a, ND_FLOAT16);
    ck_assert_values(half, -2.69921875, -0.5, 0, 0.5, 2.69921875, 300, -300, NAN, INFINITY,
                     -INFINITY);
    nd_array *bf = nd_astype(a, ND_BFLOAT16);
    ck_assert_values(bf, -2.703125, -0.5, 0, 0.5, 2.703125, 300, -300, NAN, INFINITY, -INFINITY);
    /* float64 -> float16 rounds once (not through float32). */
    double tie_plus = 1.0 + 0x1p-11 + 0x1p-40;
    nd_array *t = nd_from_data(ND_FLOAT64, 0, NULL, &tie_plus);
    nd_array *th = nd_astype(t, ND_FLOAT16);
    ck_assert_uint_eq(*(uint16_t *)nd_data(th), 0x3c01);
    nd_array *tf = nd_astype(t, ND_FLOAT32);
    nd_array *tfh = nd_astype(tf, ND_FLOAT16);
    ck_assert_uint_eq(*(uint16_t *)nd_data(tfh), 0x3c00);
    /* int64 -> float32 rounds once: 2^62 + 2^38 + 1 is above the tie. */
    int64_t above_tie = (INT64_C(1) << 62) + (INT64_C(1) << 38) + 1;
    nd_array *it = nd_from_data(ND_INT64, 0, NULL, &above_tie);
    nd_array *itf = nd_astype(it, ND_FLOAT32);
    ck_assert_values(itf, 0x1.000002p62);
    nd_free(a);
    nd_free(i8);
    nd_free(u8);
    nd_free(b);
    nd_free(ints);
    nd_free(wrapped);
    nd_free(u16);
    nd_free(half);
    nd_free(bf);
    nd_free(t);
    nd_free(th);
    nd_free(tf);
    nd_free(tfh);
    nd_free(it);
    nd_free(itf);
}
END_TEST

START_TEST(astype_shapes)
{
    /* Same dtype still copies (astype's copy=True); strided 2-D and 0-d and
     * empty inputs keep their shapes. */
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *r = nd_astype(m, ND_INT32);
    ck_assert_shape(r, ND_INT32, 2, 3, 4);
    assert_c_copy(r, m);
    nd_free(r);
    nd_array *t = nd_transpose(m, NULL);
    nd_array *odd = nd_slice(t, 0, 1, ND_NONE, 2); /* m.T[1::2]: (2, 3) */
    r = nd_astype(odd, ND_FLOAT64);
    ck_assert_shape(r, ND_FLOAT64, 2, 2, 3);
    assert_c_copy(r, m);
    ck_assert_values(r, 1, 5, 9, 3, 7, 11);
    nd_free(r);
    nd_array *b = nd_broadcast_to(odd, 3, SHAPE(2, 2, 3));
    r = nd_astype(b, ND_UINT8);
    ck_assert_shape(r, ND_UINT8, 3, 2, 2, 3);
    assert_c_copy(r, m);
    ck_assert_values(r, 1, 5, 9, 3, 7, 11, 1, 5, 9, 3, 7, 11);
    nd_free(r);
    nd_free(b);
    nd_array *s = nd_full(ND_FLOAT32, 0, NULL, -3.5);
    r = nd_astype(s, ND_INT16);
    ck_assert_int_eq(nd_ndim(r), 0);
    ck_assert_values(r, -3);
    nd_free(r);
    nd_array *e = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 4));
    r = nd_astype(e, ND_BFLOAT16);
    ck_assert_shape(r, ND_BFLOAT16, 2, 0, 4);
    nd_free(r);
    nd_clear_error();
    ck_assert_ptr_null(nd_astype(m, (nd_dtype)13));
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
    nd_free(e);
    nd_free(s);
    nd_free(odd);
    nd_free(t);
    nd_free(m);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* copyto                                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(copyto_broadcasts)
{
    nd_array *dst = nd_zeros(ND_FLOAT32, 2, SHAPE(2, 3));
    nd_array *row = nd_arange(ND_INT16, 1, 4, 1);
    ck_assert_int_eq(nd_copyto(dst, row, ND_CAST_SAME_KIND), 0);
    ck_assert_values(dst, 1, 2, 3, 1, 2, 3);
    nd_array *col = arange_shaped(ND_FLOAT32, 2, SHAPE(2, 1));
    ck_assert_int_eq(nd_copyto(dst, col, ND_CAST_NO), 0);
    ck_assert_values(dst, 0, 0, 0, 1, 1, 1);
    nd_array *scalar = nd_full(ND_FLOAT32, 0, NULL, 2.5);
    ck_assert_int_eq(nd_copyto(dst, scalar, ND_CAST_SAFE), 0);
    ck_assert_values(dst, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5);
    /* Leading size-1 axes of the source are dropped, as in NumPy. */
    nd_array *wide = nd_reshape(row, 3, SHAPE(1, 1, 3));
    nd_array *three = nd_zeros(ND_INT16, 1, SHAPE(3));
    ck_assert_int_eq(nd_copyto(three, wide, ND_CAST_NO), 0);
    ck_assert_values(three, 1, 2, 3);
    /* Into a strided destination: the transpose of a (3, 2). */
    nd_array *base = nd_zeros(ND_FLOAT64, 2, SHAPE(3, 2));
    nd_array *bt = nd_transpose(base, NULL);
    ck_assert_int_eq(nd_copyto(bt, row, ND_CAST_SAFE), 0); /* bt[i, :] = [1, 2, 3] */
    ck_assert_values(base, 1, 1, 2, 2, 3, 3);
    nd_array *evens = nd_slice(base, 0, ND_NONE, ND_NONE, 2); /* base[::2] */
    ck_assert_int_eq(nd_copyto(evens, scalar, ND_CAST_SAFE), 0);
    ck_assert_values(base, 2.5, 2.5, 2, 2, 2.5, 2.5);
    /* Empty destinations accept any broadcastable source. */
    nd_array *empty = nd_zeros(ND_INT16, 2, SHAPE(0, 3));
    ck_assert_int_eq(nd_copyto(empty, row, ND_CAST_NO), 0);
    /* 0-d destination. */
    nd_array *d0 = nd_zeros(ND_FLOAT32, 0, NULL);
    ck_assert_int_eq(nd_copyto(d0, scalar, ND_CAST_NO), 0);
    ck_assert_values(d0, 2.5);
    nd_free(dst);
    nd_free(row);
    nd_free(col);
    nd_free(scalar);
    nd_free(wide);
    nd_free(three);
    nd_free(base);
    nd_free(bt);
    nd_free(evens);
    nd_free(empty);
    nd_free(d0);
}
END_TEST

START_TEST(copyto_broadcast_errors)
{
    nd_array *four = nd_zeros(ND_FLOAT64, 1, SHAPE(4));
    nd_array *three = nd_arange(ND_FLOAT64, 0, 3, 1);
    nd_clear_error();
    ck_assert_int_eq(nd_copyto(four, three, ND_CAST_UNSAFE), ND_ERR_VALUE);
    ck_assert_error("could not broadcast input array from shape (3,) into shape (4,)");
    nd_array *m = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 3));
    nd_array *two = nd_arange(ND_FLOAT64, 0, 2, 1);
    ck_assert_int_eq(nd_copyto(m, two, ND_CAST_UNSAFE), ND_ERR_VALUE);
    ck_assert_error("could not broadcast input array from shape (2,) into shape (2,3)");
    nd_array *m2 = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 3));
    ck_assert_int_eq(nd_copyto(three, m2, ND_CAST_UNSAFE), ND_ERR_VALUE);
    ck_assert_error("could not broadcast input array from shape (2,3) into shape (3,)");
    nd_array *e = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 0));
    ck_assert_int_eq(nd_copyto(e, three, ND_CAST_UNSAFE), ND_ERR_VALUE);
    ck_assert_error("could not broadcast input array from shape (3,) into shape (2,0)");
    ck_assert_values(three, 0, 1, 2);
    nd_free(four);
    nd_free(three);
    nd_free(m);
    nd_free(two);
    nd_free(m2);
    nd_free(e);
}
END_TEST

START_TEST(copyto_casting_rules)
{
    nd_array *i32 = nd_zeros(ND_INT32, 1, SHAPE(2));
    nd_array *i64 = nd_arange(ND_INT64, 7, 9, 1);
    const nd_casting rules[] = {ND_CAST_NO, ND_CAST_EQUIV, ND_CAST_SAFE};
    const char *rule_names[] = {"no", "equiv", "safe"};
    char expected[160];
    for (int r = 0; r < 3; r++) {
        nd_clear_error();
        ck_assert_int_eq(nd_copyto(i32, i64, rules[r]), ND_ERR_TYPE);
        snprintf(expected, sizeof expected,
                 "Cannot cast array data from dtype('int64') to "
                 "dtype('int32') according to the rule '%s'",
                 rule_names[r]);
        ck_assert_error(expected);
        ck_assert_values(i32, 0, 0); /* nothing written */
    }
    ck_assert_int_eq(nd_copyto(i32, i64, ND_CAST_SAME_KIND), 0);
    ck_assert_values(i32, 7, 8);

    double fv[] = {2.9, -1e30};
    nd_array *f64 = nd_from_data(ND_FLOAT64, 1, SHAPE(2), fv);
    nd_array *dst64 = nd_zeros(ND_INT64, 1, SHAPE(2));
    ck_assert_int_eq(nd_copyto(dst64, f64, ND_CAST_SAME_KIND), ND_ERR_TYPE);
    ck_assert_error("Cannot cast array data from dtype('float64') to dtype('int64') according to "
                    "the rule 'same_kind'");
    ck_assert_int_eq(nd_copyto(dst64, f64, ND_CAST_UNSAFE), 0);
    ck_assert(get_i(dst64, SHAPE(0)) == 2 && get_i(dst64, SHAPE(1)) == INT64_MIN);

    nd_array *f32 = nd_arange(ND_FLOAT32, 0, 2, 1);
    nd_array *h = nd_zeros(ND_FLOAT16, 1, SHAPE(2));
    ck_assert_int_eq(nd_copyto(h, f32, ND_CAST_SAFE), ND_ERR_TYPE);
    ck_assert_error("Cannot cast array data from dtype('float32') to dtype('float16') according to "
                    "the rule 'safe'");
    ck_assert_int_eq(nd_copyto(h, f32, ND_CAST_SAME_KIND), 0);
    ck_assert_values(h, 0, 1);

    nd_array *s8 = nd_arange(ND_INT8, -1, 1, 1);
    nd_array *u8 = nd_zeros(ND_UINT8, 1, SHAPE(2));
    ck_assert_int_eq(nd_copyto(u8, s8, ND_CAST_SAME_KIND), ND_ERR_TYPE);
    ck_assert_error("Cannot cast array data from dtype('int8') to dtype('uint8') according to the "
                    "rule 'same_kind'");
    ck_assert_int_eq(nd_copyto(u8, s8, ND_CAST_UNSAFE), 0);
    ck_assert_values(u8, 255, 0);
    nd_array *bl = nd_zeros(ND_BOOL, 1, SHAPE(2));
    ck_assert_int_eq(nd_copyto(bl, s8, ND_CAST_SAME_KIND), ND_ERR_TYPE);
    ck_assert_error("Cannot cast array data from dtype('int8') to dtype('bool') according to the "
                    "rule 'same_kind'");
    ck_assert_int_eq(nd_copyto(bl, s8, ND_CAST_UNSAFE), 0);
    ck_assert_values(bl, 1, 0);
    /* Safe casts go through under 'safe'. */
    nd_array *i16 = nd_zeros(ND_INT16, 1, SHAPE(2));
    ck_assert_int_eq(nd_copyto(i16, u8, ND_CAST_SAFE), 0);
    ck_assert_values(i16, 255, 0);
    ck_assert_int_eq(nd_copyto(h, s8, ND_CAST_SAFE), 0);
    ck_assert_values(h, -1, 0);
    ck_assert_int_eq(nd_copyto(s8, bl, ND_CAST_SAFE), 0);
    ck_assert_values(s8, 1, 0);
    ck_assert_int_eq(nd_copyto(i64, i64, ND_CAST_NO), 0);
    ck_assert_int_eq(nd_copyto(i64, i64, ND_CAST_EQUIV), 0);
    ck_assert_values(i64, 7, 8);
    nd_free(i32);
    nd_free(i64);
    nd_free(f64);
    nd_free(dst64);
    nd_free(f32);
    nd_free(h);
    nd_free(s8);
    nd_free(u8);
    nd_free(bl);
    nd_free(i16);
}
END_TEST

START_TEST(copyto_overlap)
{
    /* a[1:] = a[:-1] must read the old values (NumPy: [0, 0, 1, 2, 3, 4]). */
    nd_array *a = nd_arange(ND_INT64, 0, 6, 1);
    nd_array *head = nd_slice(a, 0, ND_NONE, -1, 1);
    nd_array *tail = nd_slice(a, 0, 1, ND_NONE, 1);
    ck_assert_int_eq(nd_copyto(tail, head, ND_CAST_NO), 0);
    ck_assert_values(a, 0, 0, 1, 2, 3, 4);
    nd_free(a);
    nd_free(head);
    nd_free(tail);
    /* a[:-1] = a[1:] -> [1, 2, 3, 4, 5, 5] */
    a = nd_arange(ND_INT64, 0, 6, 1);
    head = nd_slice(a, 0, ND_NONE, -1, 1);
    tail = nd_slice(a, 0, 1, ND_NONE, 1);
    ck_assert_int_eq(nd_copyto(head, tail, ND_CAST_NO), 0);
    ck_assert_values(a, 1, 2, 3, 4, 5, 5);
    /* a = a[::-1] in place */
    nd_array *rev = nd_slice(a, 0, ND_NONE, ND_NONE, -1);
    ck_assert_int_eq(nd_copyto(a, rev, ND_CAST_NO), 0);
    ck_assert_values(a, 5, 5, 4, 3, 2, 1);
    nd_free(a);
    nd_free(head);
    nd_free(tail);
    nd_free(rev);
    /* x[2:8] = x[7:1:-1] -> [0, 1, 7, 6, 5, 4, 3, 2, 8, 9] */
    nd_array *x = nd_arange(ND_INT32, 0, 10, 1);
    nd_array *dst = nd_slice(x, 0, 2, 8, 1);
    nd_array *src = nd_slice(x, 0, 7, 1, -1);
    ck_assert_int_eq(nd_copyto(dst, src, ND_CAST_NO), 0);
    ck_assert_values(x, 0, 1, 7, 6, 5, 4, 3, 2, 8, 9);
    nd_free(dst);
    nd_free(src);
    /* x[::2] = x[1::2] (interleaved, no element overlap) */
    dst = nd_slice(x, 0, ND_NONE, ND_NONE, 2);
    src = nd_slice(x, 0, 1, ND_NONE, 2);
    ck_assert_int_eq(nd_copyto(dst, src, ND_CAST_NO), 0);
    ck_assert_values(x, 1, 1, 6, 6, 4, 4, 2, 2, 9, 9);
    nd_free(dst);
    nd_free(src);
    nd_free(x);
    /* m = m.T in place: [[0, 3, 6], [1, 4, 7], [2, 5, 8]] */
    nd_array *m = arange_shaped(ND_FLOAT64, 2, SHAPE(3, 3));
    nd_array *mt = nd_transpose(m, NULL);
    ck_assert_int_eq(nd_copyto(m, mt, ND_CAST_NO), 0);
    ck_assert_values(m, 0, 3, 6, 1, 4, 7, 2, 5, 8);
    nd_free(m);
    nd_free(mt);
    /* m[1:, 1:] = m[:-1, :-1]: [[0, 1, 2], [3, 0, 1], [6, 3, 4]] */
    m = arange_shaped(ND_INT16, 2, SHAPE(3, 3));
    nd_array *r1 = nd_slice(m, 0, 1, ND_NONE, 1), *d1 = nd_slice(r1, 1, 1, ND_NONE, 1);
    nd_array *r0 = nd_slice(m, 0, ND_NONE, -1, 1), *s1 = nd_slice(r0, 1, ND_NONE, -1, 1);
    ck_assert_int_eq(nd_copyto(d1, s1, ND_CAST_NO), 0);
    ck_assert_values(m, 0, 1, 2, 3, 0, 1, 6, 3, 4);
    nd_free(r1);
    nd_free(d1);
    nd_free(r0);
    nd_free(s1);
    nd_free(m);
    /* m[:-1, :-1] = m[1:, 1:]: [[4, 5, 2], [7, 8, 5], [6, 7, 8]] */
    m = arange_shaped(ND_INT16, 2, SHAPE(3, 3));
    r1 = nd_slice(m, 0, 1, ND_NONE, 1);
    d1 = nd_slice(r1, 1, 1, ND_NONE, 1);
    r0 = nd_slice(m, 0, ND_NONE, -1, 1);
    s1 = nd_slice(r0, 1, ND_NONE, -1, 1);
    ck_assert_int_eq(nd_copyto(s1, d1, ND_CAST_NO), 0);
    ck_assert_values(m, 4, 5, 2, 7, 8, 5, 6, 7, 8);
    nd_free(r1);
    nd_free(d1);
    nd_free(r0);
    nd_free(s1);
    nd_free(m);
    /* Broadcasting a part of the destination over all of it: np.copyto(m, m[2])
     * and np.copyto(m, m[:, 2:3]). */
    m = arange_shaped(ND_INT32, 2, SHAPE(3, 3));
    nd_array *last = nd_slice(m, 0, 2, 3, 1);
    ck_assert_int_eq(nd_copyto(m, last, ND_CAST_NO), 0);
    ck_assert_values(m, 6, 7, 8, 6, 7, 8, 6, 7, 8);
    nd_free(last);
    nd_free(m);
    m = arange_shaped(ND_INT32, 2, SHAPE(3, 3));
    nd_array *lastcol = nd_slice(m, 1, 2, 3, 1);
    ck_assert_int_eq(nd_copyto(m, lastcol, ND_CAST_NO), 0);
    ck_assert_values(m, 2, 2, 2, 5, 5, 5, 8, 8, 8);
    nd_free(lastcol);
    nd_free(m);
}
END_TEST

START_TEST(copyto_read_only)
{
    nd_array *row = nd_arange(ND_FLOAT64, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 2, SHAPE(2, 3));
    nd_clear_error();
    ck_assert_int_eq(nd_copyto(b, row, ND_CAST_NO), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    nd_array *m = arange_shaped(ND_FLOAT64, 2, SHAPE(2, 2));
    nd_array *d = nd_diagonal(m, 0, 0, 1);
    nd_array *two = nd_zeros(ND_FLOAT64, 1, SHAPE(2));
    ck_assert_int_eq(nd_copyto(d, two, ND_CAST_NO), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_values(m, 0, 1, 2, 3);
    nd_array *v = nd_view(m);
    ck_assert_int_eq(nd_set_writeable(v, false), 0);
    ck_assert_int_eq(nd_copyto(v, two, ND_CAST_NO), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_values(m, 0, 1, 2, 3);
    nd_free(row);
    nd_free(b);
    nd_free(m);
    nd_free(d);
    nd_free(two);
    nd_free(v);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* fill                                                                     */
/* ------------------------------------------------------------------------ */

START_TEST(fill_values_and_views)
{
    nd_array *m = nd_zeros(ND_UINT64, 2, SHAPE(2, 3));
    nd_array *col = nd_slice(m, 1, 1, 2, 1);
    ck_assert_int_eq(nd_fill(col, 7), 0);
    ck_assert_values(m, 0, 7, 0, 0, 7, 0);
    nd_array *rev = nd_slice(m, 1, ND_NONE, ND_NONE, -2); /* columns 2 and 0 */
    ck_assert_int_eq(nd_fill(rev, 1), 0);
    ck_assert_values(m, 1, 7, 1, 1, 7, 1);
    nd_free(col);
    nd_free(rev);
    nd_free(m);

    // clang-format off
    struct { nd_dtype dt; double value, expected; } cases[] = {
        {ND_INT8, 300, 127}, {ND_INT8, -300, -128}, {ND_UINT8, -5, 0}, {ND_INT32, NAN, 0},
        {ND_INT16, -2.9, -2}, {ND_BOOL, NAN, 1}, {ND_BOOL, 0.25, 1}, {ND_BOOL, -0.0, 0},
        {ND_FLOAT32, 1e39, INFINITY}, {ND_FLOAT16, 65520, INFINITY}, {ND_FLOAT16, 0.1, 0.0999755859375},
        {ND_BFLOAT16, 0.1, 0.10009765625}, {ND_UINT32, 4294967296.0, 4294967295.0},
        {ND_FLOAT64, -0.0, -0.0},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *a = nd_empty(cases[i].dt, 1, SHAPE(5));
        ck_assert_int_eq(nd_fill(a, cases[i].value), 0);
        for (int64_t k = 0; k < 5; k++) {
            double got = get_d(a, &k);
            ck_assert_msg(got == cases[i].expected && !signbit(got) == !signbit(cases[i].expected),
                          "fill(%s, %g): %g, expected %g", names[cases[i].dt], cases[i].value, got,
                          cases[i].expected);
        }
        nd_free(a);
    }
    nd_array *bf = nd_zeros(ND_BFLOAT16, 1, SHAPE(2));
    ck_assert_int_eq(nd_fill(bf, 1.0 + 0x1p-8 + 0x1p-40), 0); /* rounds once: up */
    ck_assert_uint_eq(((uint16_t *)nd_data(bf))[1], 0x3f81);
    nd_free(bf);
    nd_array *s = nd_zeros(ND_INT64, 0, NULL);
    ck_assert_int_eq(nd_fill(s, -9), 0);
    ck_assert_values(s, -9);
    nd_free(s);
    nd_array *e = nd_zeros(ND_FLOAT32, 2, SHAPE(3, 0));
    ck_assert_int_eq(nd_fill(e, 3), 0);
    nd_free(e);
}
END_TEST

START_TEST(fill_read_only)
{
    nd_array *row = nd_arange(ND_INT32, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 2, SHAPE(2, 3));
    nd_clear_error();
    ck_assert_int_eq(nd_fill(b, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_values(row, 0, 1, 2);
    nd_free(b);
    nd_free(row);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* get / set                                                                */
/* ------------------------------------------------------------------------ */

START_TEST(elements_negative_indices)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    ck_assert(get_d(m, SHAPE(-1, -1)) == 11);
    ck_assert(get_d(m, SHAPE(-3, 0)) == 0);
    ck_assert(get_d(m, SHAPE(1, -4)) == 4);
    ck_assert(get_i(m, SHAPE(-2, 2)) == 6);
    ck_assert_int_eq(nd_set(m, SHAPE(-1, 0), -8), 0);
    ck_assert_int_eq(nd_set_int64(m, SHAPE(0, -1), -3), 0);
    ck_assert_values(m, 0, 1, 2, -3, 4, 5, 6, 7, -8, 9, 10, 11);
    /* Through a reversed view, index 0 is the last element. */
    nd_array *rev = nd_slice(m, 0, ND_NONE, ND_NONE, -1);
    ck_assert(get_d(rev, SHAPE(0, 0)) == -8);
    ck_assert(get_d(rev, SHAPE(-1, -1)) == -3);
    nd_free(rev);
    nd_array *s = nd_full(ND_FLOAT16, 0, NULL, 0);
    ck_assert_int_eq(nd_set(s, NULL, 0.1), 0);
    ck_assert(get_d(s, NULL) == 0.0999755859375);
    nd_free(s);
    nd_free(m);
}
END_TEST

START_TEST(elements_out_of_bounds)
{
    nd_array *a = nd_arange(ND_FLOAT64, 0, 3, 1);
    double d = 0;
    int64_t v = 0;
    // clang-format off
    const struct { int64_t index; const char *message; } cases[] = {
        {5, "index 5 is out of bounds for axis 0 with size 3"},
        {3, "index 3 is out of bounds for axis 0 with size 3"},
        {-4, "index -4 is out of bounds for axis 0 with size 3"},
        {INT64_MIN, "index -9223372036854775808 is out of bounds for axis 0 with size 3"},
        {INT64_MAX, "index 9223372036854775807 is out of bounds for axis 0 with size 3"},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_clear_error();
        ck_assert_int_eq(nd_get(a, &cases[i].index, &d), ND_ERR_INDEX);
        ck_assert_error(cases[i].message);
        ck_assert_int_eq(nd_last_status(), ND_ERR_INDEX);
        nd_clear_error();
        ck_assert_int_eq(nd_set(a, &cases[i].index, 1), ND_ERR_INDEX);
        ck_assert_error(cases[i].message);
        nd_clear_error();
        ck_assert_int_eq(nd_get_int64(a, &cases[i].index, &v), ND_ERR_INDEX);
        ck_assert_error(cases[i].message);
        nd_clear_error();
        ck_assert_int_eq(nd_set_int64(a, &cases[i].index, 1), ND_ERR_INDEX);
        ck_assert_error(cases[i].message);
    }
    ck_assert_values(a, 0, 1, 2);
    nd_array *m = nd_zeros(ND_INT8, 2, SHAPE(2, 3));
    ck_assert_int_eq(nd_get(m, SHAPE(0, 3), &d), ND_ERR_INDEX);
    ck_assert_error("index 3 is out of bounds for axis 1 with size 3");
    ck_assert_int_eq(nd_set(m, SHAPE(0, -4), 1), ND_ERR_INDEX);
    ck_assert_error("index -4 is out of bounds for axis 1 with size 3");
    ck_assert_int_eq(nd_get_int64(m, SHAPE(2, 0), &v), ND_ERR_INDEX);
    ck_assert_error("index 2 is out of bounds for axis 0 with size 2");
    nd_array *e = nd_zeros(ND_INT8, 1, SHAPE(0));
    ck_assert_int_eq(nd_get(e, SHAPE(0), &d), ND_ERR_INDEX);
    ck_assert_error("index 0 is out of bounds for axis 0 with size 0");
    nd_free(a);
    nd_free(m);
    nd_free(e);
}
END_TEST

START_TEST(elements_int64_exact)
{
    nd_array *a = nd_zeros(ND_INT64, 1, SHAPE(3));
    ck_assert_int_eq(nd_set_int64(a, SHAPE(0), INT64_MIN), 0);
    ck_assert_int_eq(nd_set_int64(a, SHAPE(1), INT64_MAX), 0);
    ck_assert_int_eq(nd_set_int64(a, SHAPE(2), (INT64_C(1) << 53) + 1), 0);
    ck_assert(get_i(a, SHAPE(0)) == INT64_MIN);
    ck_assert(get_i(a, SHAPE(1)) == INT64_MAX);
    ck_assert(get_i(a, SHAPE(2)) == (INT64_C(1) << 53) + 1);
    ck_assert(((int64_t *)nd_data(a))[1] == INT64_MAX);
    ck_assert(get_d(a, SHAPE(1)) == 0x1p63); /* float(np.int64(2**63 - 1)) */
    nd_free(a);

    /* uint64 above INT64_MAX: two's complement through the int64 forms. */
    nd_array *u = nd_zeros(ND_UINT64, 1, SHAPE(3));
    ck_assert_int_eq(nd_set_int64(u, SHAPE(0), -1), 0);
    ck_assert(((uint64_t *)nd_data(u))[0] == UINT64_MAX);
    ck_assert(get_i(u, SHAPE(0)) == -1);
    ck_assert(get_d(u, SHAPE(0)) == 18446744073709551616.0);
    ck_assert_int_eq(nd_set(u, SHAPE(1), 1.8e19), 0);
    ck_assert(((uint64_t *)nd_data(u))[1] == UINT64_C(18000000000000000000));
    ck_assert(get_i(u, SHAPE(1)) == (int64_t)(UINT64_C(18000000000000000000) - UINT64_MAX - 1));
    ck_assert_int_eq(nd_set_int64(u, SHAPE(2), INT64_MIN), 0);
    ck_assert(((uint64_t *)nd_data(u))[2] == UINT64_C(1) << 63);
    ck_assert(get_d(u, SHAPE(2)) == 0x1p63);
    nd_free(u);

    /* Every integer dtype's extremes through the int64 forms. */
    // clang-format off
    const struct { nd_dtype dt; int64_t lo, hi; } ranges[] = {
        {ND_INT8, INT8_MIN, INT8_MAX}, {ND_INT16, INT16_MIN, INT16_MAX},
        {ND_INT32, INT32_MIN, INT32_MAX}, {ND_UINT8, 0, UINT8_MAX}, {ND_UINT16, 0, UINT16_MAX},
        {ND_UINT32, 0, UINT32_MAX},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        nd_array *x = nd_zeros(ranges[i].dt, 1, SHAPE(2));
        ck_assert_int_eq(nd_set_int64(x, SHAPE(0), ranges[i].lo), 0);
        ck_assert_int_eq(nd_set_int64(x, SHAPE(1), ranges[i].hi), 0);
        ck_assert(get_i(x, SHAPE(0)) == ranges[i].lo && get_i(x, SHAPE(1)) == ranges[i].hi);
        ck_assert(get_d(x, SHAPE(0)) == (double)ranges[i].lo);
        ck_assert(get_d(x, SHAPE(1)) == (double)ranges[i].hi);
        nd_free(x);
    }
}
END_TEST

START_TEST(elements_conversions)
{
    /* int64 forms on floats: writes round to nearest even, reads truncate. */
    nd_array *f = nd_zeros(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_int_eq(nd_set_int64(f, SHAPE(0), (INT64_C(1) << 53) + 1), 0);
    ck_assert(get_d(f, SHAPE(0)) == 0x1p53);
    ck_assert_int_eq(nd_set(f, SHAPE(1), 2.7), 0);
    ck_assert_int_eq(nd_set(f, SHAPE(2), -2.7), 0);
    ck_assert(get_i(f, SHAPE(1)) == 2 && get_i(f, SHAPE(2)) == -2);
    nd_free(f);
    nd_array *f32 = nd_zeros(ND_FLOAT32, 1, SHAPE(1));
    ck_assert_int_eq(nd_set_int64(f32, SHAPE(0), 16777217), 0); /* np.float32: 16777216 */
    ck_assert(get_i(f32, SHAPE(0)) == 16777216);
    nd_free(f32);
    nd_array *h = nd_zeros(ND_FLOAT16, 1, SHAPE(3));
    // clang-format off
    ck_assert_int_eq(nd_set_int64(h, SHAPE(0), 2049), 0);          /* tie -> 2048 */
    ck_assert_int_eq(nd_set_int64(h, SHAPE(1), 2051), 0);          /* tie -> 2052 */
    ck_assert_int_eq(nd_set_int64(h, SHAPE(2), 70000), 0);         /* inf */
    // clang-format on
    ck_assert_values(h, 2048, 2052, INFINITY);
    ck_assert_int_eq(nd_set(h, SHAPE(0), -1.5), 0);
    ck_assert(get_i(h, SHAPE(0)) == -1);
    nd_free(h);
    /* nd_set converts as astype: saturating, NaN -> 0. */
    nd_array *i8 = nd_zeros(ND_INT8, 1, SHAPE(3));
    ck_assert_int_eq(nd_set(i8, SHAPE(0), 300), 0);
    ck_assert_int_eq(nd_set(i8, SHAPE(1), -1e100), 0);
    ck_assert_int_eq(nd_set(i8, SHAPE(2), NAN), 0);
    ck_assert_values(i8, 127, -128, 0);
    nd_free(i8);
    /* bool: nonzero is True, reads as 0/1. */
    nd_array *b = nd_zeros(ND_BOOL, 1, SHAPE(3));
    ck_assert_int_eq(nd_set(b, SHAPE(0), 0.5), 0);
    ck_assert_int_eq(nd_set_int64(b, SHAPE(1), 5), 0);
    ck_assert_int_eq(nd_set(b, SHAPE(2), NAN), 0);
    ck_assert_values(b, 1, 1, 1);
    ck_assert(get_i(b, SHAPE(1)) == 1);
    ck_assert(((uint8_t *)nd_data(b))[1] == 1);
    nd_free(b);
}
END_TEST

START_TEST(elements_read_only)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(2, 2));
    nd_array *d = nd_diagonal(m, 0, 0, 1);
    nd_array *b = nd_broadcast_to(m, 3, SHAPE(2, 2, 2));
    nd_array *ro[2] = {d, b};
    for (int i = 0; i < 2; i++) {
        int64_t zero[3] = {0, 0, 0};
        nd_clear_error();
        ck_assert_int_eq(nd_set(ro[i], zero, 5), ND_ERR_VALUE);
        ck_assert_error("assignment destination is read-only");
        nd_clear_error();
        ck_assert_int_eq(nd_set_int64(ro[i], zero, 5), ND_ERR_VALUE);
        ck_assert_error("assignment destination is read-only");
        ck_assert(get_d(ro[i], zero) == 0); /* reading is fine */
    }
    ck_assert_values(m, 0, 1, 2, 3);
    nd_free(m);
    nd_free(d);
    nd_free(b);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("copy");

    TCase *tc = tcase_create("copy");
    tcase_add_test(tc, copy_of_views);
    tcase_add_test(tc, copy_zero_d_empty_and_bits);
    tcase_add_test(tc, ascontiguousarray_view_or_copy);
    tcase_add_test(tc, ascontiguousarray_zero_d_becomes_one_d);
    suite_add_tcase(s, tc);

    tc = tcase_create("astype");
    tcase_add_test(tc, astype_all_pairs);
    tcase_add_test(tc, astype_rules_spelled_out);
    tcase_add_test(tc, astype_shapes);
    suite_add_tcase(s, tc);

    tc = tcase_create("copyto");
    tcase_add_test(tc, copyto_broadcasts);
    tcase_add_test(tc, copyto_broadcast_errors);
    tcase_add_test(tc, copyto_casting_rules);
    tcase_add_test(tc, copyto_overlap);
    tcase_add_test(tc, copyto_read_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("fill");
    tcase_add_test(tc, fill_values_and_views);
    tcase_add_test(tc, fill_read_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("elements");
    tcase_add_test(tc, elements_negative_indices);
    tcase_add_test(tc, elements_out_of_bounds);
    tcase_add_test(tc, elements_int64_exact);
    tcase_add_test(tc, elements_conversions);
    tcase_add_test(tc, elements_read_only);
    suite_add_tcase(s, tc);
    return s;
}
