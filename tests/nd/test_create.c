/* Creation: shapes, strides, flags and fills of the constructors, ranges
 * with exactly NumPy 1.24's values, wrapping caller memory without copying,
 * and the errors for impossible shapes. Expected values were printed by
 * NumPy 1.24 (np.arange, np.linspace, np.eye, np.empty(...).strides, the
 * ValueError texts). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static int64_t get_i64(const nd_array *a, const int64_t *index)
{
    int64_t v = 0;
    ck_assert_int_eq(nd_get_int64(a, index, &v), 0);
    return v;
}

static void assert_strides(const nd_array *a, int ndim, const int64_t *strides)
{
    ck_assert_int_eq(nd_ndim(a), ndim);
    for (int i = 0; i < ndim; i++)
        ck_assert_msg(nd_strides(a)[i] == strides[i], "strides[%d] = %lld, expected %lld", i,
                      (long long)nd_strides(a)[i], (long long)strides[i]);
}
#define ck_assert_strides(a, nd, ...) assert_strides((a), (nd), (const int64_t[]){__VA_ARGS__})

/* A fresh array: C-contiguous, writeable, 64-byte aligned, owning. */
static void assert_fresh(const nd_array *a)
{
    ck_assert(nd_is_c_contiguous(a));
    ck_assert(nd_is_writeable(a));
    ck_assert_uint_eq((uintptr_t)nd_data(a) % 64, 0);
    ck_assert_int_eq(nd_nbytes(a), nd_size(a) * (int64_t)nd_itemsize(a));
}

/* ------------------------------------------------------------------------ */
/* empty / zeros / ones / full                                              */
/* ------------------------------------------------------------------------ */

START_TEST(zeros_geometry)
{
    /* np.zeros((2, 3, 4), np.int16).strides == (24, 8, 2) */
    nd_array *a = nd_zeros(ND_INT16, 3, (int64_t[]){2, 3, 4});
    ck_assert_shape(a, ND_INT16, 3, 2, 3, 4);
    ck_assert_strides(a, 3, 24, 8, 2);
    ck_assert_int_eq(nd_size(a), 24);
    ck_assert_uint_eq(nd_itemsize(a), 2);
    ck_assert_int_eq(nd_nbytes(a), 48);
    assert_fresh(a);
    ck_assert(!nd_is_f_contiguous(a));
    for (int i = 0; i < 48; i++)
        ck_assert_uint_eq(((unsigned char *)nd_data(a))[i], 0);
    nd_free(a);

    /* Every dtype: zeros are all-zero bytes, ones read back as 1. */
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++) {
        nd_array *z = nd_zeros((nd_dtype)dt, 2, (int64_t[]){3, 5});
        nd_array *o = nd_ones((nd_dtype)dt, 2, (int64_t[]){3, 5});
        ck_assert_shape(z, (nd_dtype)dt, 2, 3, 5);
        ck_assert_shape(o, (nd_dtype)dt, 2, 3, 5);
        size_t item = nd_dtype_itemsize((nd_dtype)dt);
        ck_assert_strides(z, 2, (int64_t)(5 * item), (int64_t)item);
        ck_assert_strides(o, 2, (int64_t)(5 * item), (int64_t)item);
        assert_fresh(z);
        assert_fresh(o);
        for (size_t i = 0; i < 15 * item; i++)
            ck_assert_uint_eq(((unsigned char *)nd_data(z))[i], 0);
        ck_assert_values(o, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        ck_assert_values(z, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        nd_free(z);
        nd_free(o);
    }
    /* The bit patterns of one: 0x3c00 in float16, 0x3f80 in bfloat16. */
    nd_array *h = nd_ones(ND_FLOAT16, 1, (int64_t[]){2});
    ck_assert_uint_eq(((uint16_t *)nd_data(h))[1], 0x3c00);
    nd_array *bf = nd_ones(ND_BFLOAT16, 1, (int64_t[]){2});
    ck_assert_uint_eq(((uint16_t *)nd_data(bf))[1], 0x3f80);
    nd_array *b = nd_ones(ND_BOOL, 1, (int64_t[]){2});
    ck_assert_uint_eq(((uint8_t *)nd_data(b))[0], 1);
    nd_free(h), nd_free(bf), nd_free(b);
}
END_TEST

START_TEST(empty_geometry)
{
    nd_array *a = nd_empty(ND_FLOAT64, 2, (int64_t[]){4, 7});
    ck_assert_shape(a, ND_FLOAT64, 2, 4, 7);
    ck_assert_strides(a, 2, 56, 8);
    assert_fresh(a);
    /* Uninitialized but usable memory. */
    ck_assert_int_eq(nd_fill(a, 2.5), 0);
    ck_assert(((double *)nd_data(a))[27] == 2.5);
    nd_free(a);
    nd_array *big = nd_empty(ND_UINT8, 1, (int64_t[]){1 << 20});
    ck_assert_int_eq(nd_nbytes(big), 1 << 20);
    memset(nd_data(big), 0xab, 1 << 20);
    nd_free(big);
}
END_TEST

START_TEST(zero_d_arrays)
{
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++) {
        nd_array *z = nd_zeros((nd_dtype)dt, 0, NULL);
        ck_assert_ptr_nonnull(z);
        ck_assert_int_eq(nd_ndim(z), 0);
        ck_assert_int_eq(nd_size(z), 1);
        ck_assert_int_eq(nd_nbytes(z), (int64_t)nd_dtype_itemsize((nd_dtype)dt));
        ck_assert(nd_is_c_contiguous(z) && nd_is_f_contiguous(z) && nd_is_writeable(z));
        ck_assert_values(z, 0);
        nd_free(z);
    }
    nd_array *o = nd_ones(ND_INT32, 0, NULL);
    ck_assert_values(o, 1);
    nd_array *e = nd_empty(ND_FLOAT32, 0, NULL);
    ck_assert_int_eq(nd_size(e), 1);
    nd_array *f = nd_full(ND_FLOAT64, 0, NULL, -7.25);
    ck_assert_values(f, -7.25);
    /* A shape pointer with ndim 0 is ignored. */
    nd_array *g = nd_zeros(ND_INT8, 0, (int64_t[]){5});
    ck_assert_int_eq(nd_ndim(g), 0);
    ck_assert_int_eq(nd_size(g), 1);
    nd_array *like = nd_full_like(f, 3);
    ck_assert_int_eq(nd_ndim(like), 0);
    ck_assert_values(like, 3);
    nd_free(o), nd_free(e), nd_free(f), nd_free(g), nd_free(like);
}
END_TEST

START_TEST(zero_size_arrays)
{
    const int64_t shapes[][3] = {{0, 3, 1}, {3, 0, 1}, {2, 0, 4}, {2, 3, 0}, {0, 0, 0}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        nd_array *a = nd_zeros(ND_INT32, 3, shapes[i]);
        ck_assert_shape(a, ND_INT32, 3, shapes[i][0], shapes[i][1], shapes[i][2]);
        ck_assert_int_eq(nd_size(a), 0);
        ck_assert_int_eq(nd_nbytes(a), 0);
        ck_assert(nd_is_c_contiguous(a) && nd_is_f_contiguous(a)); /* empty: both */
        ck_assert(nd_is_writeable(a));
        ck_assert_int_eq(nd_fill(a, 1), 0);
        nd_array *copy = nd_copy(a);
        ck_assert_int_eq(nd_size(copy), 0);
        nd_free(copy);
        nd_free(a);
    }
    nd_array *e = nd_empty(ND_FLOAT64, 1, (int64_t[]){0});
    nd_array *o = nd_ones(ND_FLOAT64, 1, (int64_t[]){0});
    nd_array *f = nd_full(ND_FLOAT64, 2, (int64_t[]){0, 5}, 1);
    ck_assert_int_eq(nd_size(e), 0);
    ck_assert_int_eq(nd_size(o), 0);
    ck_assert_shape(f, ND_FLOAT64, 2, 0, 5);
    nd_array *like = nd_ones_like(f);
    ck_assert_shape(like, ND_FLOAT64, 2, 0, 5);
    nd_free(e), nd_free(o), nd_free(f), nd_free(like);
}
END_TEST

START_TEST(zero_size_strides_as_numpy)
{
    /* NumPy 1.24 gives freshly created empty arrays all-zero strides:
     * np.empty((2, 0, 4), np.int32).strides == (0, 0, 0), likewise zeros,
     * ones, full, eye(3, 0), linspace(0, 1, 0), arange(0). */
    nd_array *a = nd_empty(ND_INT32, 3, (int64_t[]){2, 0, 4});
    ck_assert_strides(a, 3, 0, 0, 0);
    nd_array *b = nd_zeros(ND_FLOAT64, 2, (int64_t[]){0, 3});
    ck_assert_strides(b, 2, 0, 0);
    nd_array *c = nd_ones(ND_FLOAT64, 1, (int64_t[]){0});
    ck_assert_strides(c, 1, 0);
    nd_array *d = nd_eye(ND_FLOAT64, 3, 0, 0);
    ck_assert_strides(d, 2, 0, 0);
    nd_array *e = nd_arange(ND_INT64, 0, 0, 1);
    ck_assert_strides(e, 1, 0);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d), nd_free(e);
}
END_TEST

START_TEST(thirty_two_dims)
{
    int64_t shape[ND_MAXDIMS];
    for (int i = 0; i < ND_MAXDIMS; i++)
        shape[i] = (i % 8 == 0) ? 2 : 1; /* 16 elements */
    nd_array *a = nd_ones(ND_UINT8, ND_MAXDIMS, shape);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(nd_ndim(a), 32);
    ck_assert_int_eq(nd_size(a), 16);
    ck_assert_int_eq(nd_strides(a)[31], 1);
    ck_assert_int_eq(nd_strides(a)[24], 1);
    ck_assert_int_eq(nd_strides(a)[16], 2);
    ck_assert_int_eq(nd_strides(a)[0], 8);
    ck_assert(nd_is_c_contiguous(a));
    nd_free(a);
}
END_TEST

START_TEST(full_casts_as_astype)
{
    /* The value is cast as nd_astype casts: ints saturate (nd.h), NaN -> 0,
     * bool is nonzero, floats round to nearest even. */
    nd_array *a = nd_full(ND_INT8, 1, (int64_t[]){3}, 300.0);
    ck_assert_values(a, 127, 127, 127);
    nd_array *b = nd_full(ND_INT8, 1, (int64_t[]){2}, -300.0);
    ck_assert_values(b, -128, -128);
    nd_array *c = nd_full(ND_UINT8, 1, (int64_t[]){2}, -1.0);
    ck_assert_values(c, 0, 0);
    nd_array *d = nd_full(ND_INT32, 1, (int64_t[]){2}, NAN);
    ck_assert_values(d, 0, 0);
    nd_array *e = nd_full(ND_INT32, 1, (int64_t[]){2}, -2.9); /* truncates */
    ck_assert_values(e, -2, -2);
    nd_array *f = nd_full(ND_BOOL, 1, (int64_t[]){3}, NAN);
    ck_assert_values(f, 1, 1, 1);
    nd_array *g = nd_full(ND_BOOL, 1, (int64_t[]){1}, -0.0);
    ck_assert_values(g, 0);
    nd_array *h = nd_full(ND_FLOAT16, 1, (int64_t[]){2}, 0.1);
    ck_assert_uint_eq(((uint16_t *)nd_data(h))[0], 0x2e66);
    nd_array *h_inf = nd_full(ND_FLOAT16, 1, (int64_t[]){1}, 65520.0);
    ck_assert_values(h_inf, INFINITY);
    nd_array *bf = nd_full(ND_BFLOAT16, 1, (int64_t[]){1}, 1.0 + 0x1p-8 + 0x1p-40);
    ck_assert_uint_eq(((uint16_t *)nd_data(bf))[0], 0x3f81); /* rounded once */
    nd_array *f32 = nd_full(ND_FLOAT32, 1, (int64_t[]){1}, 1e39);
    ck_assert_values(f32, INFINITY);
    nd_array *u64 = nd_full(ND_UINT64, 1, (int64_t[]){1}, 1e19);
    ck_assert_uint_eq(((uint64_t *)nd_data(u64))[0], UINT64_C(10000000000000000000));
    ck_assert_int_eq(get_i64(u64, (int64_t[]){0}), INT64_C(-8446744073709551616));
    nd_array *i64_max = nd_full(ND_INT64, 1, (int64_t[]){1}, 0x1p63);
    ck_assert(get_i64(i64_max, (int64_t[]){0}) == INT64_MAX);
    nd_array *i64_min = nd_full(ND_INT64, 1, (int64_t[]){1}, -0x1p63);
    ck_assert(get_i64(i64_min, (int64_t[]){0}) == INT64_MIN);
    nd_array *u64_max = nd_full(ND_UINT64, 1, (int64_t[]){1}, 1e30);
    ck_assert_uint_eq(((uint64_t *)nd_data(u64_max))[0], UINT64_MAX);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d), nd_free(e), nd_free(f), nd_free(g), nd_free(h),
        nd_free(h_inf), nd_free(bf), nd_free(f32), nd_free(u64), nd_free(i64_max), nd_free(i64_min),
        nd_free(u64_max);
}
END_TEST

START_TEST(like_functions)
{
    /* A non-contiguous source: the (3, 2) transpose of a (2, 3) int16. */
    nd_array *flat = nd_arange(ND_INT16, 0, 6, 1);
    nd_array *m = nd_reshape(flat, 2, (int64_t[]){2, 3});
    nd_array *t = nd_transpose(m, NULL);
    nd_array *e = nd_empty_like(t);
    nd_array *z = nd_zeros_like(t);
    nd_array *o = nd_ones_like(t);
    nd_array *f = nd_full_like(t, -4.7);
    nd_array *all[4] = {e, z, o, f};
    for (int i = 0; i < 4; i++) {
        ck_assert_shape(all[i], ND_INT16, 2, 3, 2);
        ck_assert_strides(all[i], 2, 4, 2); /* nd.h: C order */
        assert_fresh(all[i]);
        ck_assert(!nd_may_share_memory(all[i], m));
    }
    ck_assert_values(z, 0, 0, 0, 0, 0, 0);
    ck_assert_values(o, 1, 1, 1, 1, 1, 1);
    ck_assert_values(f, -4, -4, -4, -4, -4, -4);
    ck_assert_values(m, 0, 1, 2, 3, 4, 5); /* the source is untouched */
    nd_free(flat), nd_free(m), nd_free(t);
    for (int i = 0; i < 4; i++)
        nd_free(all[i]);

    nd_array *bf = nd_zeros(ND_BFLOAT16, 1, (int64_t[]){3});
    nd_array *bf1 = nd_full_like(bf, 3.140625);
    ck_assert_shape(bf1, ND_BFLOAT16, 1, 3);
    ck_assert_uint_eq(((uint16_t *)nd_data(bf1))[2], 0x4049);
    nd_free(bf);
    nd_free(bf1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Shape errors                                                             */
/* ------------------------------------------------------------------------ */

#define TOO_BIG                                                             \
    "array is too big; `arr.size * arr.dtype.itemsize` is larger than the " \
    "maximum possible size."

START_TEST(negative_dimensions)
{
    nd_clear_error();
    ck_assert_ptr_null(nd_zeros(ND_FLOAT32, 1, (int64_t[]){-1}));
    ck_assert_error("negative dimensions are not allowed");
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    nd_clear_error();
    ck_assert_ptr_null(nd_empty(ND_INT8, 2, (int64_t[]){2, -3}));
    ck_assert_error("negative dimensions are not allowed");
    nd_clear_error();
    ck_assert_ptr_null(nd_ones(ND_INT8, 3, (int64_t[]){0, -1, 5}));
    ck_assert_error("negative dimensions are not allowed");
    nd_clear_error();
    ck_assert_ptr_null(nd_full(ND_INT8, 1, (int64_t[]){INT64_MIN}, 1));
    ck_assert_error("negative dimensions are not allowed");
    nd_clear_error();
    ck_assert_ptr_null(nd_from_data(ND_INT8, 1, (int64_t[]){-2}, "ab"));
    ck_assert_error("negative dimensions are not allowed");
    nd_clear_error();
    ck_assert_ptr_null(nd_eye(ND_FLOAT64, -1, ND_NONE, 0)); /* np.eye(-1) */
    ck_assert_error("negative dimensions are not allowed");
    nd_clear_error();
    ck_assert_ptr_null(nd_eye(ND_FLOAT64, 2, -3, 0));
    ck_assert_error("negative dimensions are not allowed");
    char buffer[16];
    nd_clear_error();
    ck_assert_ptr_null(nd_from_buffer(ND_INT8, 1, (int64_t[]){-1}, NULL, buffer, true));
    ck_assert_error("negative dimensions are not allowed");
}
END_TEST

START_TEST(too_many_dimensions)
{
    int64_t shape[40];
    for (int i = 0; i < 40; i++)
        shape[i] = 1;
    nd_clear_error();
    ck_assert_ptr_null(nd_zeros(ND_FLOAT32, 33, shape));
    ck_assert_error("maximum supported dimension for an ndarray is 32, found 33");
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    ck_assert_ptr_null(nd_empty(ND_FLOAT32, 40, shape));
    ck_assert_error("maximum supported dimension for an ndarray is 32, found 40");
    ck_assert_ptr_null(nd_full(ND_INT8, 33, shape, 1));
    ck_assert_error("maximum supported dimension for an ndarray is 32, found 33");
    char buffer[8] = {0};
    ck_assert_ptr_null(nd_from_data(ND_INT8, 33, shape, buffer));
    ck_assert_error("maximum supported dimension for an ndarray is 32, found 33");
    ck_assert_ptr_null(nd_from_buffer(ND_INT8, 33, shape, NULL, buffer, true));
    ck_assert_error("maximum supported dimension for an ndarray is 32, found 33");
    nd_clear_error();
    ck_assert_ptr_null(nd_zeros(ND_FLOAT32, -1, shape)); /* a negative ndim is refused */
    ck_assert_int_ne(nd_last_status(), ND_OK);
}
END_TEST

START_TEST(size_overflow)
{
    /* All ValueError in NumPy 1.24 (np.empty(shape, dtype)). */
    // clang-format off
    const struct { nd_dtype dt; int ndim; int64_t shape[3]; } cases[] = {
        {ND_FLOAT64, 2, {INT64_C(1) << 32, INT64_C(1) << 32}},          /* 2^67 bytes */
        {ND_INT8, 2, {INT64_C(1) << 32, INT64_C(1) << 32}},             /* 2^64 elements */
        {ND_FLOAT64, 1, {INT64_C(1) << 60}},                            /* 2^63 bytes */
        {ND_INT8, 3, {INT64_C(1) << 32, INT64_C(1) << 32, INT64_C(1) << 32}},
        {ND_FLOAT64, 3, {INT64_C(1) << 31, INT64_C(1) << 31, 2}},
        {ND_INT16, 1, {INT64_MAX}},
        /* NumPy checks the product of the dimensions even when one is 0. */
        {ND_FLOAT64, 3, {0, INT64_C(1) << 62, INT64_C(1) << 62}},
        {ND_INT8, 3, {INT64_C(1) << 62, INT64_C(1) << 62, 0}},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_clear_error();
        nd_array *a = nd_zeros(cases[i].dt, cases[i].ndim, cases[i].shape);
        ck_assert_msg(a == NULL, "case %zu: created", i);
        ck_assert_msg(strcmp(nd_last_error(), TOO_BIG) == 0, "case %zu: '%s'", i, nd_last_error());
        ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
        nd_clear_error();
        ck_assert_ptr_null(nd_empty(cases[i].dt, cases[i].ndim, cases[i].shape));
        ck_assert_error(TOO_BIG);
    }
    double dummy = 0;
    ck_assert_ptr_null(
        nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){INT64_C(1) << 60}, NULL, &dummy, true));
    ck_assert_error(TOO_BIG);
    ck_assert_ptr_null(
        nd_from_data(ND_FLOAT64, 2, (int64_t[]){INT64_C(1) << 32, INT64_C(1) << 32}, &dummy));
    ck_assert_error(TOO_BIG);
    /* Ranges whose length cannot be allocated fail cleanly. */
    nd_clear_error();
    ck_assert_ptr_null(nd_eye(ND_FLOAT64, INT64_C(1) << 32, INT64_C(1) << 32, 0));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_clear_error();
    ck_assert_ptr_null(nd_linspace(ND_FLOAT64, 0, 1, INT64_C(1) << 62, true));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, 1e300, 1));
    ck_assert_int_ne(nd_last_status(), ND_OK);
}
END_TEST

START_TEST(invalid_dtype)
{
    const nd_dtype bad[] = {(nd_dtype)13, (nd_dtype)42, (nd_dtype)-1};
    for (size_t i = 0; i < 3; i++) {
        nd_clear_error();
        ck_assert_ptr_null(nd_zeros(bad[i], 1, (int64_t[]){1}));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        ck_assert_str_ne(nd_last_error(), "");
        nd_clear_error();
        ck_assert_ptr_null(nd_empty(bad[i], 0, NULL));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        nd_clear_error();
        ck_assert_ptr_null(nd_ones(bad[i], 1, (int64_t[]){2}));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        nd_clear_error();
        ck_assert_ptr_null(nd_full(bad[i], 1, (int64_t[]){2}, 1));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        nd_clear_error();
        ck_assert_ptr_null(nd_arange(bad[i], 0, 3, 1));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        nd_clear_error();
        ck_assert_ptr_null(nd_linspace(bad[i], 0, 3, 4, true));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        nd_clear_error();
        ck_assert_ptr_null(nd_eye(bad[i], 2, ND_NONE, 0));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        int64_t data[2] = {0, 0};
        nd_clear_error();
        ck_assert_ptr_null(nd_from_data(bad[i], 1, (int64_t[]){2}, data));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        nd_clear_error();
        ck_assert_ptr_null(nd_from_buffer(bad[i], 1, (int64_t[]){2}, NULL, data, true));
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* arange                                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(arange_float32)
{
    /* np.arange(0, 1, 0.1, dtype=np.float32), exact (as float.hex()). */
    nd_array *a = nd_arange(ND_FLOAT32, 0, 1, 0.1);
    ck_assert_shape(a, ND_FLOAT32, 1, 10);
    ck_assert_strides(a, 1, 4);
    assert_fresh(a);
    ck_assert_values(a, 0.0, 0x1.99999ap-4, 0x1.99999ap-3, 0x1.333334p-2, 0x1.99999ap-2, 0x1p-1,
                     0x1.333334p-1, 0x1.666666p-1, 0x1.99999ap-1, 0x1.cccccep-1);
    /* np.arange(1, 2, 0.25, dtype=np.float32) */
    nd_array *b = nd_arange(ND_FLOAT32, 1, 2, 0.25);
    ck_assert_values(b, 1.0, 1.25, 1.5, 1.75);
    nd_free(a);
    nd_free(b);
}
END_TEST

START_TEST(arange_float64)
{
    /* np.arange(-3, 3, 0.7).tolist(): 9 elements, start + i * delta. */
    nd_array *a = nd_arange(ND_FLOAT64, -3, 3, 0.7);
    ck_assert_shape(a, ND_FLOAT64, 1, 9);
    ck_assert_strides(a, 1, 8);
    ck_assert_values(a, -3.0, -2.3, -1.5999999999999996, -0.8999999999999995, -0.1999999999999993,
                     0.5000000000000009, 1.200000000000001, 1.9000000000000012, 2.6000000000000014);
    /* np.arange(0, 1, 0.1) */
    nd_array *b = nd_arange(ND_FLOAT64, 0, 1, 0.1);
    ck_assert_values(b, 0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001,
                     0.7000000000000001, 0.8, 0.9);
    /* Negative step: np.arange(1, -1, -0.3) */
    nd_array *c = nd_arange(ND_FLOAT64, 1, -1, -0.3);
    ck_assert_values(c, 1.0, 0.7, 0.3999999999999999, 0.09999999999999987, -0.20000000000000018,
                     -0.5000000000000002, -0.8000000000000003);
    /* ceil((1e-5 - 0) / 1e-6) = ceil(10.000000000000002) = 11 elements. */
    nd_array *d = nd_arange(ND_FLOAT64, 0, 1e-5, 1e-6);
    ck_assert_values(d, 0.0, 1e-06, 2e-06, 3e-06, 4e-06, 4.9999999999999996e-06, 6e-06, 7e-06,
                     8e-06, 9e-06, 9.999999999999999e-06);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d);
}
END_TEST

START_TEST(arange_float16)
{
    /* np.arange(0, 1, 0.3, dtype=np.float16): delta = f16(0.3) - f16(0) and
     * 3 * delta rounds to 0.900390625. */
    nd_array *a = nd_arange(ND_FLOAT16, 0, 1, 0.3);
    ck_assert_shape(a, ND_FLOAT16, 1, 4);
    ck_assert_strides(a, 1, 2);
    ck_assert_values(a, 0.0, 0.300048828125, 0.60009765625, 0.900390625);
    nd_array *b = nd_arange(ND_FLOAT16, -1.5, 1.5, 0.5);
    ck_assert_values(b, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0);
    nd_free(a);
    nd_free(b);
}
END_TEST

START_TEST(arange_integers)
{
    nd_array *a = nd_arange(ND_INT64, 10, 0, -3);
    ck_assert_shape(a, ND_INT64, 1, 4);
    ck_assert_values(a, 10, 7, 4, 1);
    /* np.arange(0.5, 5, 1.5, dtype=np.int32): 3 elements, first int(0.5) = 0,
     * delta int(2.0) - int(0.5) = 2. */
    nd_array *b = nd_arange(ND_INT32, 0.5, 5, 1.5);
    ck_assert_values(b, 0, 2, 4);
    nd_array *c = nd_arange(ND_INT8, -5, 5, 3);
    ck_assert_shape(c, ND_INT8, 1, 4);
    ck_assert_strides(c, 1, 1);
    ck_assert_values(c, -5, -2, 1, 4);
    nd_array *d = nd_arange(ND_INT64, 2.5, 7, 2); /* [2, 4, 6] */
    ck_assert_values(d, 2, 4, 6);
    nd_array *e = nd_arange(ND_INT64, -2.5, 3, 1); /* [-2, -1, 0, 1, 2, 3] */
    ck_assert_values(e, -2, -1, 0, 1, 2, 3);
    nd_array *f = nd_arange(ND_UINT16, 0, 5, 1);
    ck_assert_shape(f, ND_UINT16, 1, 5);
    ck_assert_values(f, 0, 1, 2, 3, 4);
    nd_array *g = nd_arange(ND_UINT8, 0, 256, 85);
    ck_assert_values(g, 0, 85, 170, 255);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d), nd_free(e), nd_free(f), nd_free(g);
}
END_TEST

START_TEST(arange_bool)
{
    nd_array *a = nd_arange(ND_BOOL, 0, 2, 1); /* [False, True] */
    ck_assert_shape(a, ND_BOOL, 1, 2);
    ck_assert_values(a, 0, 1);
    nd_free(a);
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_BOOL, 0, 3, 1));
    ck_assert_error("arange() is only supported for booleans when the result has at most length 2.");
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE); /* a TypeError in NumPy */
}
END_TEST

START_TEST(arange_empty_and_errors)
{
    const double cases[][3] = {{5, 0, 1}, {0, 0, 1}, {0, 5, -1}, {1, 1, -0.5}, {0, 1, -1e-9}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *a = nd_arange(ND_FLOAT64, cases[i][0], cases[i][1], cases[i][2]);
        ck_assert_shape(a, ND_FLOAT64, 1, 0);
        ck_assert_int_eq(nd_size(a), 0);
        nd_free(a);
        nd_array *b = nd_arange(ND_INT32, cases[i][0], cases[i][1], cases[i][2]);
        ck_assert_shape(b, ND_INT32, 1, 0);
        nd_free(b);
    }
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, 1, 0));
    ck_assert_error("division by zero");
    ck_assert_ptr_null(nd_arange(ND_INT32, 0, 0, 0));
    ck_assert_error("division by zero");
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, 1, -0.0));
    ck_assert_error("division by zero");
    /* np.arange(0, np.inf) and np.arange(0, np.nan) raise ValueError. */
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, INFINITY, 1));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, NAN, 1));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, 1, NAN));
    ck_assert_int_ne(nd_last_status(), ND_OK);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* linspace and eye                                                         */
/* ------------------------------------------------------------------------ */

START_TEST(linspace_float)
{
    nd_array *a = nd_linspace(ND_FLOAT64, 0, 1, 7, true);
    ck_assert_shape(a, ND_FLOAT64, 1, 7);
    assert_fresh(a);
    ck_assert_values(a, 0.0, 0.16666666666666666, 0.3333333333333333, 0.5, 0.6666666666666666,
                     0.8333333333333333, 1.0);
    nd_array *b = nd_linspace(ND_FLOAT64, 0, 1, 7, false);
    ck_assert_values(b, 0.0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855,
                     0.5714285714285714, 0.7142857142857142, 0.8571428571428571);
    nd_array *c = nd_linspace(ND_FLOAT32, 0, 1, 7, true);
    ck_assert_shape(c, ND_FLOAT32, 1, 7);
    ck_assert_values(c, 0.0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666865348816,
                     0.8333333134651184, 1.0);
    /* i * step + start, computed in float64: not exactly 0 in the middle. */
    nd_array *d = nd_linspace(ND_FLOAT64, -0.1, 0.7, 9, true);
    ck_assert_values(d, -0.1, -1.3877787807814457e-17, 0.09999999999999998, 0.19999999999999998,
                     0.29999999999999993, 0.3999999999999999, 0.5, 0.6, 0.7);
    nd_array *e = nd_linspace(ND_FLOAT64, 1, 0, 5, true);
    ck_assert_values(e, 1.0, 0.75, 0.5, 0.25, 0.0);
    nd_array *f = nd_linspace(ND_FLOAT64, 2, 2, 3, true);
    ck_assert_values(f, 2, 2, 2);
    nd_array *g = nd_linspace(ND_FLOAT64, 0, 1, 2, false);
    ck_assert_values(g, 0, 0.5);
    nd_array *h = nd_linspace(ND_FLOAT16, 0, 1, 5, true);
    ck_assert_shape(h, ND_FLOAT16, 1, 5);
    ck_assert_values(h, 0, 0.25, 0.5, 0.75, 1);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d), nd_free(e), nd_free(f), nd_free(g), nd_free(h);
}
END_TEST

START_TEST(linspace_small_and_errors)
{
    nd_array *one = nd_linspace(ND_FLOAT32, 3, 7, 1, true);
    ck_assert_shape(one, ND_FLOAT32, 1, 1);
    ck_assert_values(one, 3);
    nd_array *one_open = nd_linspace(ND_FLOAT64, 3, 7, 1, false);
    ck_assert_values(one_open, 3);
    nd_array *none = nd_linspace(ND_FLOAT32, 3, 7, 0, true);
    ck_assert_shape(none, ND_FLOAT32, 1, 0);
    nd_array *none_open = nd_linspace(ND_INT32, 3, 7, 0, false);
    ck_assert_shape(none_open, ND_INT32, 1, 0);
    nd_clear_error();
    ck_assert_ptr_null(nd_linspace(ND_FLOAT32, 0, 1, -1, true));
    ck_assert_error("Number of samples, -1, must be non-negative.");
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    ck_assert_ptr_null(nd_linspace(ND_FLOAT64, 0, 1, -12, false));
    ck_assert_error("Number of samples, -12, must be non-negative.");
    nd_free(one), nd_free(one_open), nd_free(none), nd_free(none_open);
}
END_TEST

START_TEST(linspace_integer_floors)
{
    /* NumPy 1.24 floors for integer dtypes (np.linspace(-1, 1, 5, dtype=int)
     * is [-1, -1, 0, 0, 1]; truncation would give [-1, 0, 0, 0, 1]). */
    nd_array *a = nd_linspace(ND_INT64, -1, 1, 5, true);
    ck_assert_shape(a, ND_INT64, 1, 5);
    ck_assert_values(a, -1, -1, 0, 0, 1);
    nd_array *b = nd_linspace(ND_INT32, 0, 10, 4, true);
    ck_assert_values(b, 0, 3, 6, 10);
    nd_array *c = nd_linspace(ND_INT16, -7, 7, 6, true);
    ck_assert_values(c, -7, -5, -2, 1, 4, 7);
    nd_array *d = nd_linspace(ND_INT8, 0.5, 3.5, 4, true);
    ck_assert_values(d, 0, 1, 2, 3);
    /* bool is not an integer dtype there: cast, nonzero -> True. */
    nd_array *e = nd_linspace(ND_BOOL, 0, 1, 3, true);
    ck_assert_values(e, 0, 1, 1);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d), nd_free(e);
}
END_TEST

START_TEST(eye_shapes_and_offsets)
{
    nd_array *a = nd_eye(ND_INT32, 3, ND_NONE, 0);
    ck_assert_shape(a, ND_INT32, 2, 3, 3);
    ck_assert_strides(a, 2, 12, 4);
    assert_fresh(a);
    ck_assert_values(a, 1, 0, 0, 0, 1, 0, 0, 0, 1);
    nd_array *b = nd_eye(ND_FLOAT64, 3, 4, 1);
    ck_assert_shape(b, ND_FLOAT64, 2, 3, 4);
    ck_assert_values(b, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
    nd_array *c = nd_eye(ND_FLOAT32, 3, 2, -1);
    ck_assert_shape(c, ND_FLOAT32, 2, 3, 2);
    ck_assert_values(c, 0, 0, 1, 0, 0, 1);
    nd_array *d = nd_eye(ND_FLOAT32, 2, 2, 5);
    ck_assert_values(d, 0, 0, 0, 0);
    nd_array *e = nd_eye(ND_UINT8, 4, ND_NONE, -3);
    ck_assert_values(e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
    nd_array *f = nd_eye(ND_FLOAT64, 2, 3, -2);
    ck_assert_values(f, 0, 0, 0, 0, 0, 0);
    nd_array *g = nd_eye(ND_FLOAT64, 0, ND_NONE, 0);
    ck_assert_shape(g, ND_FLOAT64, 2, 0, 0);
    nd_array *h = nd_eye(ND_FLOAT64, 3, 0, 0);
    ck_assert_shape(h, ND_FLOAT64, 2, 3, 0);
    nd_array *i = nd_eye(ND_BOOL, 2, ND_NONE, 0);
    ck_assert_values(i, 1, 0, 0, 1);
    nd_array *j = nd_eye(ND_FLOAT16, 3, ND_NONE, 0);
    ck_assert_uint_eq(((uint16_t *)nd_data(j))[4], 0x3c00);
    ck_assert_uint_eq(((uint16_t *)nd_data(j))[3], 0);
    nd_array *k = nd_eye(ND_BFLOAT16, 2, 3, 1);
    ck_assert_values(k, 0, 1, 0, 0, 0, 1);
    nd_array *l = nd_eye(ND_INT64, 1, ND_NONE, 0);
    ck_assert_values(l, 1);
    nd_array *m = nd_eye(ND_INT64, 2, 3, -5);
    ck_assert_values(m, 0, 0, 0, 0, 0, 0);
    nd_free(a), nd_free(b), nd_free(c), nd_free(d), nd_free(e), nd_free(f), nd_free(g), nd_free(h),
        nd_free(i), nd_free(j), nd_free(k), nd_free(l), nd_free(m);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* from_data                                                                */
/* ------------------------------------------------------------------------ */

START_TEST(from_data_copies_every_dtype)
{
    unsigned char bytes[6 * 8];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 37 + 11);
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++) {
        if (dt == ND_BOOL)
            continue; /* bool bytes must be 0/1 */
        size_t item = nd_dtype_itemsize((nd_dtype)dt);
        nd_array *a = nd_from_data((nd_dtype)dt, 2, (int64_t[]){2, 3}, bytes);
        ck_assert_shape(a, (nd_dtype)dt, 2, 2, 3);
        ck_assert_strides(a, 2, (int64_t)(3 * item), (int64_t)item);
        assert_fresh(a);
        ck_assert_ptr_ne(nd_data(a), bytes);
        ck_assert_int_eq(memcmp(nd_data(a), bytes, 6 * item), 0);
        nd_free(a);
    }
    unsigned char flags[4] = {0, 1, 1, 0};
    nd_array *b = nd_from_data(ND_BOOL, 1, (int64_t[]){4}, flags);
    ck_assert_values(b, 0, 1, 1, 0);
    nd_free(b);
}
END_TEST

START_TEST(from_data_is_independent)
{
    int16_t data[6] = {1, -2, 3, -4, 5, -6};
    nd_array *a = nd_from_data(ND_INT16, 2, (int64_t[]){3, 2}, data);
    ck_assert_shape(a, ND_INT16, 2, 3, 2);
    data[0] = 99; /* a owns a copy */
    ck_assert_values(a, 1, -2, 3, -4, 5, -6);
    ck_assert_int_eq(nd_set(a, (int64_t[]){2, 1}, 42), 0);
    ck_assert_int_eq(data[5], -6);
    int64_t big[2] = {INT64_MIN, INT64_MAX};
    nd_array *b = nd_from_data(ND_INT64, 1, (int64_t[]){2}, big);
    ck_assert(get_i64(b, (int64_t[]){0}) == INT64_MIN);
    ck_assert(get_i64(b, (int64_t[]){1}) == INT64_MAX);
    double scalar = 6.5;
    nd_array *c = nd_from_data(ND_FLOAT64, 0, NULL, &scalar);
    ck_assert_int_eq(nd_ndim(c), 0);
    ck_assert_values(c, 6.5);
    nd_free(a), nd_free(b), nd_free(c);
}
END_TEST

START_TEST(from_data_null_and_empty)
{
    nd_array *empty = nd_from_data(ND_INT16, 1, (int64_t[]){0}, NULL);
    ck_assert_shape(empty, ND_INT16, 1, 0);
    nd_array *empty2 = nd_from_data(ND_FLOAT32, 3, (int64_t[]){4, 0, 2}, NULL);
    ck_assert_shape(empty2, ND_FLOAT32, 3, 4, 0, 2);
    nd_clear_error();
    ck_assert_ptr_null(nd_from_data(ND_INT16, 1, (int64_t[]){2}, NULL));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_clear_error();
    ck_assert_ptr_null(nd_from_data(ND_INT16, 0, NULL, NULL)); /* 0-d has one element */
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_free(empty);
    nd_free(empty2);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* from_buffer                                                              */
/* ------------------------------------------------------------------------ */

#define ALIGN_MSG "from_buffer: data and strides must be aligned to the item size"

static void assert_error_starts_with(const char *prefix)
{
    ck_assert_msg(strncmp(nd_last_error(), prefix, strlen(prefix)) == 0,
                  "error '%s' does not start with '%s'", nd_last_error(), prefix);
}

START_TEST(from_buffer_writes_through)
{
    double *memory = malloc(6 * sizeof(double));
    for (int i = 0; i < 6; i++)
        memory[i] = i;
    nd_array *a = nd_from_buffer(ND_FLOAT64, 2, (int64_t[]){2, 3}, NULL, memory, true);
    ck_assert_shape(a, ND_FLOAT64, 2, 2, 3);
    ck_assert_strides(a, 2, 24, 8);
    ck_assert_ptr_eq(nd_data(a), memory);
    ck_assert(nd_is_c_contiguous(a) && !nd_is_f_contiguous(a) && nd_is_writeable(a));
    ck_assert_values(a, 0, 1, 2, 3, 4, 5);
    /* array -> memory */
    ck_assert_int_eq(nd_set(a, (int64_t[]){1, 2}, -5), 0);
    ck_assert(memory[5] == -5);
    ck_assert_int_eq(nd_fill(a, 8), 0);
    for (int i = 0; i < 6; i++)
        ck_assert(memory[i] == 8);
    /* memory -> array */
    memory[3] = 30;
    ck_assert_values(a, 8, 8, 8, 30, 8, 8);
    /* copyto into caller memory */
    nd_array *src = nd_arange(ND_INT32, 0, 3, 1);
    ck_assert_int_eq(nd_copyto(a, src, ND_CAST_SAFE), 0);
    for (int i = 0; i < 6; i++)
        ck_assert(memory[i] == i % 3);
    /* A view of it also writes through, and outlives the handle. */
    nd_array *rev = nd_slice(a, 1, ND_NONE, ND_NONE, -1);
    nd_free(a);
    ck_assert_values(rev, 2, 1, 0, 2, 1, 0);
    ck_assert_int_eq(nd_set(rev, (int64_t[]){0, 0}, 77), 0);
    ck_assert(memory[2] == 77);
    nd_free(rev);
    nd_free(src);
    ck_assert(memory[2] == 77 && memory[0] == 0); /* still ours, untouched by nd_free */
    free(memory); /* a double free would be caught by ASan */
}
END_TEST

START_TEST(from_buffer_strided)
{
    int32_t memory[12];
    for (int i = 0; i < 12; i++)
        memory[i] = i;
    /* Column 1 of a 4x3 matrix in caller memory. */
    nd_array *col = nd_from_buffer(ND_INT32, 1, (int64_t[]){4}, (int64_t[]){12}, memory + 1, true);
    ck_assert_values(col, 1, 4, 7, 10);
    ck_assert(!nd_is_c_contiguous(col) && !nd_is_f_contiguous(col));
    ck_assert_int_eq(nd_set(col, (int64_t[]){3}, -10), 0);
    ck_assert_int_eq(memory[10], -10);
    /* The same memory as (3, 4) read in Fortran order: F-contiguous. */
    nd_array *f = nd_from_buffer(ND_INT32, 2, (int64_t[]){3, 4}, (int64_t[]){4, 12}, memory, true);
    ck_assert(!nd_is_c_contiguous(f) && nd_is_f_contiguous(f));
    ck_assert_values(f, 0, 3, 6, 9, 1, 4, 7, -10, 2, 5, 8, 11);
    ck_assert(nd_may_share_memory(f, col));
    /* Negative strides: memory read backwards from its last element. */
    nd_array *back =
        nd_from_buffer(ND_INT32, 1, (int64_t[]){12}, (int64_t[]){-4}, memory + 11, true);
    ck_assert_values(back, 11, -10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    ck_assert_int_eq(nd_strides(back)[0], -4);
    /* Zero strides: one element seen three times. */
    nd_array *same = nd_from_buffer(ND_INT32, 1, (int64_t[]){3}, (int64_t[]){0}, memory + 2, true);
    ck_assert_values(same, 2, 2, 2);
    /* Size-1 axes ignore their stride for contiguity (NumPy's flags). */
    nd_array *row =
        nd_from_buffer(ND_INT32, 2, (int64_t[]){1, 3}, (int64_t[]){400, 4}, memory, true);
    ck_assert(nd_is_c_contiguous(row) && nd_is_f_contiguous(row));
    nd_array *column =
        nd_from_buffer(ND_INT32, 2, (int64_t[]){3, 1}, (int64_t[]){4, 400}, memory, true);
    ck_assert(nd_is_c_contiguous(column) && nd_is_f_contiguous(column));
    /* Disjoint halves do not share memory; overlapping wraps do. */
    nd_array *lo = nd_from_buffer(ND_INT32, 1, (int64_t[]){6}, NULL, memory, true);
    nd_array *hi = nd_from_buffer(ND_INT32, 1, (int64_t[]){6}, NULL, memory + 6, true);
    ck_assert(!nd_may_share_memory(lo, hi));
    ck_assert(nd_may_share_memory(lo, f) && nd_may_share_memory(hi, f));
    nd_free(col), nd_free(f), nd_free(back), nd_free(same), nd_free(row), nd_free(column),
        nd_free(lo), nd_free(hi);
    /* Stack memory: nd_free never frees it (ASan would report a bad free). */
    ck_assert_int_eq(memory[0], 0);
}
END_TEST

START_TEST(from_buffer_zero_d_and_empty)
{
    float value = 1.5f;
    nd_array *s = nd_from_buffer(ND_FLOAT32, 0, NULL, NULL, &value, true);
    ck_assert_int_eq(nd_ndim(s), 0);
    ck_assert_values(s, 1.5);
    ck_assert_int_eq(nd_set(s, NULL, 2.0), 0);
    ck_assert(value == 2.0f);
    nd_free(s);
    ck_assert(value == 2.0f);
    float two[2] = {0, 0};
    nd_array *e = nd_from_buffer(ND_FLOAT32, 2, (int64_t[]){0, 2}, NULL, two, true);
    ck_assert_shape(e, ND_FLOAT32, 2, 0, 2);
    ck_assert_int_eq(nd_size(e), 0);
    nd_free(e);
}
END_TEST

START_TEST(from_buffer_read_only)
{
    int16_t memory[6] = {1, 2, 3, 4, 5, 6};
    nd_array *ro = nd_from_buffer(ND_INT16, 2, (int64_t[]){2, 3}, NULL, memory, false);
    ck_assert(!nd_is_writeable(ro));
    ck_assert_values(ro, 1, 2, 3, 4, 5, 6);
    nd_clear_error();
    ck_assert_int_eq(nd_set(ro, (int64_t[]){0, 0}, 9), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_set_int64(ro, (int64_t[]){0, 0}, 9), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_fill(ro, 9), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    nd_array *src = nd_zeros(ND_INT16, 1, (int64_t[]){3});
    ck_assert_int_eq(nd_copyto(ro, src, ND_CAST_SAFE), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_set_writeable(ro, true), ND_ERR_VALUE);
    ck_assert_error("cannot set WRITEABLE flag to True of this array");
    ck_assert(!nd_is_writeable(ro));
    ck_assert_int_eq(nd_set_writeable(ro, false), 0);
    /* Every view of it is read-only too, for good. */
    nd_array *v = nd_slice(ro, 1, 1, ND_NONE, 1);
    ck_assert(!nd_is_writeable(v));
    ck_assert_int_eq(nd_set_writeable(v, true), ND_ERR_VALUE);
    ck_assert_error("cannot set WRITEABLE flag to True of this array");
    ck_assert_int_eq(nd_set(v, (int64_t[]){0, 0}, 1), ND_ERR_VALUE);
    nd_array *r = nd_reshape(ro, 1, (int64_t[]){6});
    ck_assert(!nd_is_writeable(r));
    ck_assert_int_eq(nd_set_writeable(r, true), ND_ERR_VALUE);
    nd_array *t = nd_transpose(ro, NULL);
    ck_assert(!nd_is_writeable(t));
    nd_array *h = nd_view(ro);
    ck_assert(!nd_is_writeable(h));
    ck_assert_int_eq(nd_set_writeable(h, true), ND_ERR_VALUE);
    /* A copy owns writeable memory. */
    nd_array *c = nd_copy(ro);
    ck_assert(nd_is_writeable(c));
    ck_assert_int_eq(nd_set(c, (int64_t[]){0, 0}, 9), 0);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(memory[i], i + 1);
    nd_free(ro), nd_free(src), nd_free(v), nd_free(r), nd_free(t), nd_free(h), nd_free(c);
}
END_TEST

START_TEST(from_buffer_writeable_toggle)
{
    uint8_t memory[4] = {1, 2, 3, 4};
    nd_array *a = nd_from_buffer(ND_UINT8, 1, (int64_t[]){4}, NULL, memory, true);
    ck_assert_int_eq(nd_set_writeable(a, false), 0);
    ck_assert(!nd_is_writeable(a));
    ck_assert_int_eq(nd_set(a, (int64_t[]){0}, 9), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_set_writeable(a, true), 0); /* the memory itself is writeable */
    ck_assert(nd_is_writeable(a));
    ck_assert_int_eq(nd_set(a, (int64_t[]){0}, 9), 0);
    ck_assert_uint_eq(memory[0], 9);
    nd_free(a);
}
END_TEST

START_TEST(from_buffer_alignment)
{
    double *memory = malloc(8 * sizeof(double));
    for (int i = 0; i < 8; i++)
        memory[i] = i;
    nd_clear_error();
    ck_assert_ptr_null(nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){2}, NULL, (char *)memory + 1, true));
    assert_error_starts_with(ALIGN_MSG);
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    ck_assert_ptr_null(nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){2}, NULL, (char *)memory + 4, true));
    assert_error_starts_with(ALIGN_MSG);
    ck_assert_ptr_null(nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){2}, (int64_t[]){12}, memory, true));
    assert_error_starts_with(ALIGN_MSG);
    ck_assert_ptr_null(
        nd_from_buffer(ND_FLOAT64, 2, (int64_t[]){2, 2}, (int64_t[]){16, -4}, memory + 4, true));
    assert_error_starts_with(ALIGN_MSG);
    ck_assert_ptr_null(nd_from_buffer(ND_FLOAT16, 1, (int64_t[]){3}, (int64_t[]){3}, memory, true));
    assert_error_starts_with(ALIGN_MSG);
    ck_assert_ptr_null(nd_from_buffer(ND_INT32, 1, (int64_t[]){3}, NULL, (char *)memory + 2, true));
    assert_error_starts_with(ALIGN_MSG);
    /* Aligned to the item size is enough: float32 at a 4-byte offset, int8
     * with any stride. */
    nd_array *f =
        nd_from_buffer(ND_FLOAT32, 1, (int64_t[]){2}, (int64_t[]){12}, (char *)memory + 4, true);
    ck_assert_ptr_nonnull(f);
    nd_array *b =
        nd_from_buffer(ND_INT8, 1, (int64_t[]){5}, (int64_t[]){3}, (char *)memory + 1, true);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(nd_strides(b)[0], 3);
    nd_free(f);
    nd_free(b);
    free(memory);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("create");

    TCase *tc = tcase_create("constructors");
    tcase_add_test(tc, zeros_geometry);
    tcase_add_test(tc, empty_geometry);
    tcase_add_test(tc, zero_d_arrays);
    tcase_add_test(tc, zero_size_arrays);
    tcase_add_test(tc, zero_size_strides_as_numpy);
    tcase_add_test(tc, thirty_two_dims);
    tcase_add_test(tc, full_casts_as_astype);
    tcase_add_test(tc, like_functions);
    suite_add_tcase(s, tc);

    tc = tcase_create("shape_errors");
    tcase_add_test(tc, negative_dimensions);
    tcase_add_test(tc, too_many_dimensions);
    tcase_add_test(tc, size_overflow);
    tcase_add_test(tc, invalid_dtype);
    suite_add_tcase(s, tc);

    tc = tcase_create("arange");
    tcase_add_test(tc, arange_float32);
    tcase_add_test(tc, arange_float64);
    tcase_add_test(tc, arange_float16);
    tcase_add_test(tc, arange_integers);
    tcase_add_test(tc, arange_bool);
    tcase_add_test(tc, arange_empty_and_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("linspace_eye");
    tcase_add_test(tc, linspace_float);
    tcase_add_test(tc, linspace_small_and_errors);
    tcase_add_test(tc, linspace_integer_floors);
    tcase_add_test(tc, eye_shapes_and_offsets);
    suite_add_tcase(s, tc);

    tc = tcase_create("from_data");
    tcase_add_test(tc, from_data_copies_every_dtype);
    tcase_add_test(tc, from_data_is_independent);
    tcase_add_test(tc, from_data_null_and_empty);
    suite_add_tcase(s, tc);

    tc = tcase_create("from_buffer");
    tcase_add_test(tc, from_buffer_writes_through);
    tcase_add_test(tc, from_buffer_strided);
    tcase_add_test(tc, from_buffer_zero_d_and_empty);
    tcase_add_test(tc, from_buffer_read_only);
    tcase_add_test(tc, from_buffer_writeable_toggle);
    tcase_add_test(tc, from_buffer_alignment);
    suite_add_tcase(s, tc);
    return s;
}
