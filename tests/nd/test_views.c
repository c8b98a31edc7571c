/* Views: geometry (shape, byte strides, where the data pointer lands),
 * sharing (view vs copy exactly when NumPy copies), flags and the errors of
 * every view function. Every expected shape, stride, offset, flag, value and
 * message below was printed by NumPy 1.24 for the same operation
 * (np.shares_memory decides view vs copy); the slice table was generated from
 * Python's own list slicing and NumPy's views of np.arange(n, dtype=int32). */
#include <string.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }
#define VALS(...) \
    (const double[]){__VA_ARGS__}, (int64_t)(sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

/* np.arange(n, dtype=dt).reshape(shape) */
static nd_array *arange_shaped(nd_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    nd_array *flat = nd_arange(dt, 0, (double)n, 1);
    ck_assert_ptr_nonnull(flat);
    nd_array *a = nd_reshape(flat, ndim, shape);
    ck_assert_ptr_nonnull(a);
    nd_free(flat);
    return a;
}

static int64_t offset_of(const nd_array *v, const nd_array *base)
{
    return (int64_t)((const char *)nd_data(v) - (const char *)nd_data(base));
}

static void check_strides(const nd_array *a, int ndim, const int64_t *strides, int line)
{
    for (int i = 0; i < ndim; i++)
        ck_assert_msg(nd_strides(a)[i] == strides[i], "line %d: strides[%d] = %lld, expected %lld",
                      line, i, (long long)nd_strides(a)[i], (long long)strides[i]);
}
#define ck_assert_strides(a, nd, ...) check_strides((a), (nd), SHAPE(__VA_ARGS__), __LINE__)

static void check_flags(const nd_array *a, bool c, bool f, bool w, int line)
{
    ck_assert_msg(nd_is_c_contiguous(a) == c, "line %d: C_CONTIGUOUS should be %d", line, c);
    ck_assert_msg(nd_is_f_contiguous(a) == f, "line %d: F_CONTIGUOUS should be %d", line, f);
    ck_assert_msg(nd_is_writeable(a) == w, "line %d: WRITEABLE should be %d", line, w);
}
#define ck_assert_flags(a, c, f, w) check_flags((a), (c), (f), (w), __LINE__)

/* True if any element of a (read as double) equals v. */
static bool contains(const nd_array *a, double v)
{
    int ndim = nd_ndim(a);
    int64_t index[ND_MAXDIMS] = {0};
    for (int64_t k = 0; k < nd_size(a); k++) {
        double x;
        ck_assert_int_eq(nd_get(a, index, &x), 0);
        if (x == v)
            return true;
        for (int d = ndim - 1; d >= 0; d--) {
            if (++index[d] < nd_shape(a)[d])
                break;
            index[d] = 0;
        }
    }
    return false;
}

static double get_at(const nd_array *a, const int64_t *index)
{
    double v = -12345;
    ck_assert_int_eq(nd_get(a, index, &v), 0);
    return v;
}

/* r must be a view of base with exactly this geometry, flags and values;
 * when writeable, a write through r[0, ..., 0] shows in base's memory. */
static void expect_view(nd_array *r, const nd_array *base, int ndim, const int64_t *shape,
                        const int64_t *strides, int64_t offset, bool c, bool f, bool w,
                        const double *vals, int64_t n, int line)
{
    ck_assert_msg(r != NULL, "line %d: NULL (%s)", line, nd_last_error());
    test_assert_shape(r, nd_dtype_of(base), ndim, shape, __FILE__, line);
    ck_assert_msg(nd_may_share_memory(r, base), "line %d: NumPy returns a view here", line);
    check_strides(r, ndim, strides, line);
    ck_assert_msg(offset_of(r, base) == offset, "line %d: data at byte %lld, expected %lld", line,
                  (long long)offset_of(r, base), (long long)offset);
    check_flags(r, c, f, w, line);
    test_assert_values(r, vals, n, __FILE__, line);
    if (w && n > 0) {
        int64_t zero[ND_MAXDIMS] = {0};
        double old = get_at(r, zero);
        ck_assert_int_eq(nd_set(r, zero, 1000), 0);
        ck_assert_msg(contains(base, 1000), "line %d: the write did not reach the base", line);
        ck_assert_int_eq(nd_set(r, zero, old), 0);
    }
}
#define EXPECT_VIEW(r, base, nd, shape, strides, off, c, f, w, vals) \
    expect_view((r), (base), (nd), shape, strides, (off), (c), (f), (w), vals, __LINE__)

/* r must be a fresh C-contiguous writeable copy with these values. */
static void expect_copy(nd_array *r, const nd_array *base, int ndim, const int64_t *shape,
                        const double *vals, int64_t n, int line)
{
    ck_assert_msg(r != NULL, "line %d: NULL (%s)", line, nd_last_error());
    test_assert_shape(r, nd_dtype_of(base), ndim, shape, __FILE__, line);
    ck_assert_msg(!nd_may_share_memory(r, base), "line %d: NumPy copies here", line);
    ck_assert_msg(nd_is_c_contiguous(r) && nd_is_writeable(r), "line %d: copy flags", line);
    int64_t stride = (int64_t)nd_itemsize(r);
    for (int i = ndim - 1; i >= 0; i--) {
        ck_assert_msg(nd_strides(r)[i] == stride, "line %d: copy strides[%d] = %lld", line, i,
                      (long long)nd_strides(r)[i]);
        stride *= shape[i];
    }
    test_assert_values(r, vals, n, __FILE__, line);
    if (n > 0) {
        int64_t zero[ND_MAXDIMS] = {0};
        ck_assert_int_eq(nd_set(r, zero, 1000), 0);
        ck_assert_msg(!contains(base, 1000), "line %d: the copy wrote into the base", line);
    }
}
#define EXPECT_COPY(r, base, nd, shape, vals) expect_copy((r), (base), (nd), shape, vals, __LINE__)

static void expect_error(const void *result, const char *message, nd_status status, int line)
{
    ck_assert_msg(result == NULL, "line %d: expected an error '%s'", line, message);
    ck_assert_msg(strcmp(nd_last_error(), message) == 0, "line %d: error '%s', expected '%s'", line,
                  nd_last_error(), message);
    ck_assert_msg(nd_last_status() == status, "line %d: status %d, expected %d", line,
                  nd_last_status(), status);
}
#define EXPECT_ERROR(call, message, status)              \
    do {                                                 \
        nd_clear_error();                                \
        nd_array *r_ = (call);                           \
        expect_error(r_, (message), (status), __LINE__); \
        nd_free(r_);                                     \
    } while (0)

/* ------------------------------------------------------------------------ */
/* reshape                                                                  */
/* ------------------------------------------------------------------------ */

START_TEST(reshape_contiguous_and_transposed)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4)); /* strides (16, 4) */
    nd_array *t23 = arange_shaped(ND_INT32, 2, SHAPE(2, 3));
    nd_array *r;

    r = nd_reshape(m, 3, SHAPE(2, -1, 3));
    EXPECT_VIEW(r, m, 3, SHAPE(2, 2, 3), SHAPE(24, 12, 4), 0, true, false, true,
                VALS(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    nd_free(r);
    r = nd_reshape(m, 2, SHAPE(3, 4)); /* same shape: a view, same strides */
    EXPECT_VIEW(r, m, 2, SHAPE(3, 4), SHAPE(16, 4), 0, true, false, true,
                VALS(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    nd_free(r);

    nd_array *t = nd_transpose(t23, NULL); /* (3, 2), strides (4, 12) */
    r = nd_reshape(t, 1, SHAPE(6));
    EXPECT_COPY(r, t23, 1, SHAPE(6), VALS(0, 3, 1, 4, 2, 5));
    nd_free(r);
    r = nd_reshape(t, 2, SHAPE(3, 2));
    EXPECT_VIEW(r, t23, 2, SHAPE(3, 2), SHAPE(4, 12), 0, false, true, true, VALS(0, 3, 1, 4, 2, 5));
    nd_free(r);
    r = nd_reshape(t, 4, SHAPE(1, 3, 2, 1));
    EXPECT_VIEW(r, t23, 4, SHAPE(1, 3, 2, 1), SHAPE(12, 4, 12, 12), 0, false, true, true,
                VALS(0, 3, 1, 4, 2, 5));
    nd_free(r);
    nd_free(t);

    nd_array *mt = nd_transpose(m, NULL); /* (4, 3), strides (4, 16) */
    r = nd_reshape(mt, 3, SHAPE(4, 3, 1));
    EXPECT_VIEW(r, m, 3, SHAPE(4, 3, 1), SHAPE(4, 16, 16), 0, false, true, true,
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_free(r);
    r = nd_reshape(mt, 3, SHAPE(2, 2, 3));
    EXPECT_VIEW(r, m, 3, SHAPE(2, 2, 3), SHAPE(8, 4, 16), 0, false, false, true,
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_free(r);
    r = nd_reshape(mt, 2, SHAPE(4, 3));
    EXPECT_VIEW(r, m, 2, SHAPE(4, 3), SHAPE(4, 16), 0, false, true, true,
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_free(r);
    r = nd_reshape(mt, 1, SHAPE(12));
    EXPECT_COPY(r, m, 1, SHAPE(12), VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_free(r), nd_free(mt), nd_free(m), nd_free(t23);
}
END_TEST

START_TEST(reshape_sliced)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *r;

    nd_array *even = nd_slice(m, 1, ND_NONE, ND_NONE, 2); /* m[:, ::2]: (3, 2), (16, 8) */
    r = nd_reshape(even, 1, SHAPE(6));
    EXPECT_VIEW(r, m, 1, SHAPE(6), SHAPE(8), 0, false, false, true, VALS(0, 2, 4, 6, 8, 10));
    nd_free(r);
    r = nd_reshape(even, 2, SHAPE(2, 3));
    EXPECT_VIEW(r, m, 2, SHAPE(2, 3), SHAPE(24, 8), 0, false, false, true, VALS(0, 2, 4, 6, 8, 10));
    nd_free(r);
    r = nd_reshape(even, 3, SHAPE(3, 2, 1));
    EXPECT_VIEW(r, m, 3, SHAPE(3, 2, 1), SHAPE(16, 8, 8), 0, false, false, true,
                VALS(0, 2, 4, 6, 8, 10));
    nd_free(r);
    r = nd_reshape(even, 2, SHAPE(3, 2));
    EXPECT_VIEW(r, m, 2, SHAPE(3, 2), SHAPE(16, 8), 0, false, false, true, VALS(0, 2, 4, 6, 8, 10));
    nd_free(r);
    nd_free(even);

    nd_array *left = nd_slice(m, 1, ND_NONE, 2, 1); /* m[:, :2]: (3, 2), (16, 4) */
    r = nd_reshape(left, 1, SHAPE(6));
    EXPECT_COPY(r, m, 1, SHAPE(6), VALS(0, 1, 4, 5, 8, 9));
    nd_free(r);
    r = nd_reshape(left, 3, SHAPE(3, 2, 1));
    EXPECT_VIEW(r, m, 3, SHAPE(3, 2, 1), SHAPE(16, 4, 4), 0, false, false, true,
                VALS(0, 1, 4, 5, 8, 9));
    nd_free(r);
    r = nd_reshape(left, 3, SHAPE(3, 1, 2));
    EXPECT_VIEW(r, m, 3, SHAPE(3, 1, 2), SHAPE(16, 8, 4), 0, false, false, true,
                VALS(0, 1, 4, 5, 8, 9));
    nd_free(r);
    nd_free(left);

    nd_array *mid = nd_slice(m, 1, 1, 3, 1); /* m[:, 1:3] */
    r = nd_reshape(mid, 3, SHAPE(1, 3, 2));
    EXPECT_VIEW(r, m, 3, SHAPE(1, 3, 2), SHAPE(48, 16, 4), 4, false, false, true,
                VALS(1, 2, 5, 6, 9, 10));
    nd_free(r);
    nd_free(mid);

    nd_array *flip = nd_slice(m, 0, ND_NONE, ND_NONE, -1); /* m[::-1] */
    r = nd_reshape(flip, 1, SHAPE(12));
    EXPECT_COPY(r, m, 1, SHAPE(12), VALS(8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3));
    nd_free(r);
    r = nd_reshape(flip, 3, SHAPE(3, 2, 2));
    EXPECT_VIEW(r, m, 3, SHAPE(3, 2, 2), SHAPE(-16, 8, 4), 32, false, false, true,
                VALS(8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3));
    nd_free(r);
    nd_free(flip);

    nd_array *mirror = nd_slice(m, 1, ND_NONE, ND_NONE, -1); /* m[:, ::-1] */
    r = nd_reshape(mirror, 1, SHAPE(12));
    EXPECT_COPY(r, m, 1, SHAPE(12), VALS(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8));
    nd_free(r);
    r = nd_reshape(mirror, 3, SHAPE(3, 2, 2));
    EXPECT_VIEW(r, m, 3, SHAPE(3, 2, 2), SHAPE(16, -8, -4), 12, false, false, true,
                VALS(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8));
    nd_free(r);
    nd_free(mirror);

    nd_array *row = nd_slice(m, 0, 1, 2, 1); /* m[1:2] */
    r = nd_reshape(row, 1, SHAPE(4));
    EXPECT_VIEW(r, m, 1, SHAPE(4), SHAPE(4), 16, true, true, true, VALS(4, 5, 6, 7));
    nd_free(r);
    nd_free(row);

    nd_array *col = nd_slice(m, 1, 1, 2, 1); /* m[:, 1:2] */
    r = nd_reshape(col, 1, SHAPE(3));
    EXPECT_VIEW(r, m, 1, SHAPE(3), SHAPE(16), 4, false, false, true, VALS(1, 5, 9));
    nd_free(r);
    r = nd_reshape(col, 2, SHAPE(1, 3));
    EXPECT_VIEW(r, m, 2, SHAPE(1, 3), SHAPE(48, 16), 4, false, false, true, VALS(1, 5, 9));
    nd_free(r);
    nd_free(col);

    nd_array *rows2 = nd_slice(m, 0, ND_NONE, ND_NONE, 2); /* m[::2, ::3] */
    nd_array *corners = nd_slice(rows2, 1, ND_NONE, ND_NONE, 3);
    r = nd_reshape(corners, 1, SHAPE(4));
    EXPECT_COPY(r, m, 1, SHAPE(4), VALS(0, 3, 8, 11));
    nd_free(r), nd_free(rows2), nd_free(corners), nd_free(m);
}
END_TEST

START_TEST(reshape_three_d)
{
    nd_array *c = arange_shaped(ND_INT32, 3, SHAPE(2, 3, 4)); /* strides (48, 16, 4) */
    nd_array *r;

    nd_array *t102 = nd_transpose(c, (int[]){1, 0, 2}); /* (3, 2, 4), (16, 48, 4) */
    r = nd_reshape(t102, 2, SHAPE(3, 8));
    EXPECT_COPY(r, c, 2, SHAPE(3, 8),
                VALS(0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21,
                     22, 23));
    nd_free(r);
    r = nd_reshape(t102, 2, SHAPE(6, 4));
    EXPECT_COPY(r, c, 2, SHAPE(6, 4),
                VALS(0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21,
                     22, 23));
    nd_free(r);
    r = nd_reshape(t102, 1, SHAPE(24));
    EXPECT_COPY(r, c, 1, SHAPE(24),
                VALS(0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21,
                     22, 23));
    nd_free(r);
    r = nd_reshape(t102, 4, SHAPE(3, 2, 2, 2));
    EXPECT_VIEW(r, c, 4, SHAPE(3, 2, 2, 2), SHAPE(16, 48, 8, 4), 0, false, false, true,
                VALS(0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21,
                     22, 23));
    nd_free(r);
    nd_free(t102);

    nd_array *t021 = nd_transpose(c, (int[]){0, 2, 1});
    r = nd_reshape(t021, 2, SHAPE(2, 12));
    EXPECT_COPY(r, c, 2, SHAPE(2, 12),
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15,
                     19, 23));
    nd_free(r);
    r = nd_reshape(t021, 2, SHAPE(8, 3));
    EXPECT_COPY(r, c, 2, SHAPE(8, 3),
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15,
                     19, 23));
    nd_free(r);
    nd_free(t021);

    nd_array *t210 = nd_transpose(c, NULL); /* (4, 3, 2), (4, 16, 48) */
    r = nd_reshape(t210, 2, SHAPE(4, 6));
    EXPECT_COPY(r, c, 2, SHAPE(4, 6),
                VALS(0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19,
                     11, 23));
    nd_free(r);
    r = nd_reshape(t210, 4, SHAPE(2, 2, 3, 2));
    EXPECT_VIEW(r, c, 4, SHAPE(2, 2, 3, 2), SHAPE(8, 4, 16, 48), 0, false, false, true,
                VALS(0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19,
                     11, 23));
    nd_free(r);
    nd_free(t210);

    nd_array *tail_rows = nd_slice(c, 1, 1, ND_NONE, 1); /* c[:, 1:, :] */
    r = nd_reshape(tail_rows, 2, SHAPE(2, 8));
    EXPECT_VIEW(r, c, 2, SHAPE(2, 8), SHAPE(48, 4), 16, false, false, true,
                VALS(4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23));
    nd_free(r);
    r = nd_reshape(tail_rows, 2, SHAPE(4, 4));
    EXPECT_COPY(r, c, 2, SHAPE(4, 4),
                VALS(4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23));
    nd_free(r);
    nd_free(tail_rows);

    nd_array *even_cols = nd_slice(c, 2, ND_NONE, ND_NONE, 2); /* c[:, :, ::2] */
    r = nd_reshape(even_cols, 2, SHAPE(2, 6));
    EXPECT_VIEW(r, c, 2, SHAPE(2, 6), SHAPE(48, 8), 0, false, false, true,
                VALS(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22));
    nd_free(r);
    r = nd_reshape(even_cols, 1, SHAPE(12));
    EXPECT_VIEW(r, c, 1, SHAPE(12), SHAPE(8), 0, false, false, true,
                VALS(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22));
    nd_free(r);
    nd_free(even_cols);

    nd_array *even_rows = nd_slice(c, 1, ND_NONE, ND_NONE, 2); /* c[:, ::2, :] */
    r = nd_reshape(even_rows, 1, SHAPE(16));
    EXPECT_COPY(r, c, 1, SHAPE(16), VALS(0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23));
    nd_free(r);
    r = nd_reshape(even_rows, 2, SHAPE(4, 4));
    EXPECT_COPY(r, c, 2, SHAPE(4, 4),
                VALS(0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23));
    nd_free(r), nd_free(even_rows), nd_free(c);
}
END_TEST

START_TEST(reshape_broadcast_and_scalars)
{
    nd_array *row = nd_arange(ND_INT32, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 2, SHAPE(4, 3)); /* strides (0, 4) */
    nd_array *r = nd_reshape(b, 1, SHAPE(12));
    EXPECT_COPY(r, row, 1, SHAPE(12), VALS(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2));
    nd_free(r);
    r = nd_reshape(b, 3, SHAPE(2, 2, 3)); /* still read-only */
    EXPECT_VIEW(r, row, 3, SHAPE(2, 2, 3), SHAPE(0, 0, 4), 0, false, false, false,
                VALS(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2));
    nd_free(r);
    r = nd_reshape(b, 3, SHAPE(4, 3, 1));
    EXPECT_VIEW(r, row, 3, SHAPE(4, 3, 1), SHAPE(0, 4, 4), 0, false, false, false,
                VALS(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2));
    nd_free(r), nd_free(b), nd_free(row);

    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *r0 = nd_slice(m, 0, ND_NONE, 1, 1);
    nd_array *first = nd_slice(r0, 1, ND_NONE, 1, 1); /* m[:1, :1] */
    r = nd_reshape(first, 0, NULL);
    EXPECT_VIEW(r, m, 0, SHAPE(0), SHAPE(0), 0, true, true, true, VALS(0));
    nd_free(r);
    nd_array *r2 = nd_slice(m, 0, 2, 3, 1);
    nd_array *last = nd_slice(r2, 1, 3, 4, 1); /* m[2:3, 3:4] */
    nd_array *scalar = nd_reshape(last, 0, NULL);
    ck_assert_int_eq(nd_ndim(scalar), 0);
    r = nd_reshape(scalar, 3, SHAPE(1, 1, 1));
    EXPECT_VIEW(r, m, 3, SHAPE(1, 1, 1), SHAPE(4, 4, 4), 44, true, true, true, VALS(11));
    nd_free(r);
    r = nd_reshape(scalar, 1, SHAPE(-1)); /* 0-d -> (1,) */
    EXPECT_VIEW(r, m, 1, SHAPE(1), SHAPE(4), 44, true, true, true, VALS(11));
    nd_free(r);
    r = nd_reshape(scalar, 2, SHAPE(1, -1));
    EXPECT_VIEW(r, m, 2, SHAPE(1, 1), SHAPE(4, 4), 44, true, true, true, VALS(11));
    nd_free(r);
    EXPECT_ERROR(nd_reshape(scalar, 1, SHAPE(2)), "cannot reshape array of size 1 into shape (2,)",
                 ND_ERR_VALUE);
    nd_free(r0), nd_free(first), nd_free(r2), nd_free(last), nd_free(scalar), nd_free(m);
}
END_TEST

START_TEST(reshape_empty)
{
    nd_array *z = nd_zeros(ND_INT32, 2, SHAPE(0, 3));
    nd_array *r = nd_reshape(z, 1, SHAPE(-1));
    ck_assert_shape(r, ND_INT32, 1, 0);
    nd_free(r);
    r = nd_reshape(z, 2, SHAPE(3, -1));
    ck_assert_shape(r, ND_INT32, 2, 3, 0);
    nd_free(r);
    r = nd_reshape(z, 3, SHAPE(5, 0, 2));
    ck_assert_shape(r, ND_INT32, 3, 5, 0, 2);
    ck_assert(nd_is_c_contiguous(r) && nd_is_f_contiguous(r));
    nd_free(r);
    EXPECT_ERROR(nd_reshape(z, 2, SHAPE(0, -1)),
                 "cannot reshape array of size 0 into shape (0,newaxis)", ND_ERR_VALUE);
    /* NumPy leaves leading unknown dimensions out of the message. */
    EXPECT_ERROR(nd_reshape(z, 2, SHAPE(-1, 0)), "cannot reshape array of size 0 into shape (0)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(z, 1, SHAPE(1)), "cannot reshape array of size 0 into shape (1,)",
                 ND_ERR_VALUE);
    nd_free(z);
}
END_TEST

START_TEST(reshape_errors)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    EXPECT_ERROR(nd_reshape(m, 1, SHAPE(5)), "cannot reshape array of size 12 into shape (5,)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 1, SHAPE(13)), "cannot reshape array of size 12 into shape (13,)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 2, SHAPE(5, -1)),
                 "cannot reshape array of size 12 into shape (5,newaxis)", ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 2, SHAPE(-1, 5)), "cannot reshape array of size 12 into shape (5)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 2, SHAPE(0, -1)),
                 "cannot reshape array of size 12 into shape (0,newaxis)", ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 3, SHAPE(2, -1, 0)),
                 "cannot reshape array of size 12 into shape (2,newaxis,0)", ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 0, NULL), "cannot reshape array of size 12 into shape ()",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 2, SHAPE(-1, -1)), "can only specify one unknown dimension",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_reshape(m, 3, SHAPE(2, -1, -1)), "can only specify one unknown dimension",
                 ND_ERR_VALUE);
    int64_t ones[33];
    for (int i = 0; i < 33; i++)
        ones[i] = 1;
    ones[0] = 12;
    EXPECT_ERROR(nd_reshape(m, 33, ones),
                 "maximum supported dimension for an ndarray is 32, found 33", ND_ERR_VALUE);
    nd_array *r = nd_reshape(m, 32, ones); /* 32 is fine */
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(nd_ndim(r), 32);
    ck_assert(nd_may_share_memory(r, m));
    nd_free(r);
    ck_assert_values(m, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11); /* untouched */
    nd_free(m);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* ravel                                                                    */
/* ------------------------------------------------------------------------ */

START_TEST(ravel_views_contiguous)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *r = nd_ravel(m);
    EXPECT_VIEW(r, m, 1, SHAPE(12), SHAPE(4), 0, true, true, true,
                VALS(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    nd_free(r);
    nd_array *row = nd_slice(m, 0, 1, 2, 1); /* m[1:2]: C-contiguous */
    r = nd_ravel(row);
    EXPECT_VIEW(r, m, 1, SHAPE(4), SHAPE(4), 16, true, true, true, VALS(4, 5, 6, 7));
    nd_free(r);
    nd_free(row);
    nd_array *scalar = nd_full(ND_INT32, 0, NULL, 7);
    r = nd_ravel(scalar);
    EXPECT_VIEW(r, scalar, 1, SHAPE(1), SHAPE(4), 0, true, true, true, VALS(7));
    nd_free(r);
    nd_free(scalar);
    nd_array *mt = nd_transpose(m, NULL);
    r = nd_ravel(mt);
    EXPECT_COPY(r, m, 1, SHAPE(12), VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_free(r);
    nd_free(mt);
    nd_array *flip = nd_slice(m, 0, ND_NONE, ND_NONE, -1);
    r = nd_ravel(flip);
    EXPECT_COPY(r, m, 1, SHAPE(12), VALS(8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3));
    nd_free(r);
    nd_free(flip);
    nd_array *line = nd_arange(ND_INT32, 0, 3, 1);
    nd_array *b = nd_broadcast_to(line, 2, SHAPE(2, 3));
    r = nd_ravel(b);
    EXPECT_COPY(r, line, 1, SHAPE(6), VALS(0, 1, 2, 0, 1, 2));
    nd_free(r), nd_free(b), nd_free(line), nd_free(m);
}
END_TEST

START_TEST(ravel_copies_unless_c_contiguous)
{
    /* np.ravel (order 'C') returns a view only of a C-contiguous array and
     * copies otherwise, even where reshape(-1) could give a view:
     * np.shares_memory(np.ravel(x[::2]), x) is False, and likewise for
     * x[::-1], m[:, ::2] and m[:, 1:2]. (nd.h says "a view when possible (as
     * nd_reshape)"; NumPy 1.24 copies in these cases.) */
    nd_array *x = nd_arange(ND_INT32, 0, 10, 1);
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *x2 = nd_slice(x, 0, ND_NONE, ND_NONE, 2);
    nd_array *r = nd_ravel(x2);
    EXPECT_COPY(r, x, 1, SHAPE(5), VALS(0, 2, 4, 6, 8));
    nd_free(r);
    nd_array *xr = nd_slice(x, 0, ND_NONE, ND_NONE, -1);
    r = nd_ravel(xr);
    EXPECT_COPY(r, x, 1, SHAPE(10), VALS(9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    nd_free(r);
    nd_array *even = nd_slice(m, 1, ND_NONE, ND_NONE, 2);
    r = nd_ravel(even);
    EXPECT_COPY(r, m, 1, SHAPE(6), VALS(0, 2, 4, 6, 8, 10));
    nd_free(r);
    nd_array *col = nd_slice(m, 1, 1, 2, 1);
    r = nd_ravel(col);
    EXPECT_COPY(r, m, 1, SHAPE(3), VALS(1, 5, 9));
    nd_free(r), nd_free(x), nd_free(m), nd_free(x2), nd_free(xr), nd_free(even), nd_free(col);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* transpose and swapaxes                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(transpose_permutations)
{
    nd_array *c = arange_shaped(ND_INT32, 3, SHAPE(2, 3, 4)); /* strides (48, 16, 4) */
    // clang-format off
    const struct { int axes[3]; bool null_axes; int64_t shape[3], strides[3]; bool f;
                   double first8[8]; } cases[] = {
        {{1, 0, 2}, false, {3, 2, 4}, {16, 48, 4}, false, {0, 1, 2, 3, 12, 13, 14, 15}},
        {{2, 0, 1}, false, {4, 2, 3}, {4, 48, 16}, false, {0, 4, 8, 12, 16, 20, 1, 5}},
        {{0, 2, 1}, false, {2, 4, 3}, {48, 4, 16}, false, {0, 4, 8, 1, 5, 9, 2, 6}},
        {{-1, -2, -3}, false, {4, 3, 2}, {4, 16, 48}, true, {0, 12, 4, 16, 8, 20, 1, 13}},
        {{2, 1, 0}, false, {4, 3, 2}, {4, 16, 48}, true, {0, 12, 4, 16, 8, 20, 1, 13}},
        {{0}, true, {4, 3, 2}, {4, 16, 48}, true, {0, 12, 4, 16, 8, 20, 1, 13}},
        {{0, 1, 2}, false, {2, 3, 4}, {48, 16, 4}, false, {0, 1, 2, 3, 4, 5, 6, 7}},
        {{-3, 1, -1}, false, {2, 3, 4}, {48, 16, 4}, false, {0, 1, 2, 3, 4, 5, 6, 7}},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *t = nd_transpose(c, cases[i].null_axes ? NULL : cases[i].axes);
        ck_assert_shape(t, ND_INT32, 3, cases[i].shape[0], cases[i].shape[1], cases[i].shape[2]);
        check_strides(t, 3, cases[i].strides, __LINE__);
        ck_assert_ptr_eq(nd_data(t), nd_data(c));
        bool identity = cases[i].strides[0] == 48 && cases[i].strides[1] == 16;
        ck_assert_flags(t, identity, cases[i].f, true);
        for (int k = 0; k < 8; k++) {
            int64_t idx[3] = {k / (cases[i].shape[1] * cases[i].shape[2]),
                              (k / cases[i].shape[2]) % cases[i].shape[1], k % cases[i].shape[2]};
            ck_assert_msg(get_at(t, idx) == cases[i].first8[k], "case %zu element %d", i, k);
        }
        nd_free(t);
    }
    /* Writes through a transpose land in the original. */
    nd_array *t = nd_transpose(c, NULL);
    ck_assert_int_eq(nd_set(t, (int64_t[]){3, 2, 1}, -1), 0); /* c[1, 2, 3] */
    ck_assert(get_at(c, (int64_t[]){1, 2, 3}) == -1);
    nd_free(t);
    nd_free(c);
}
END_TEST

START_TEST(transpose_small)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *t = nd_transpose(m, (int[]){-1, 0});
    EXPECT_VIEW(t, m, 2, SHAPE(4, 3), SHAPE(4, 16), 0, false, true, true,
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_array *tt = nd_transpose(t, NULL);
    EXPECT_VIEW(tt, m, 2, SHAPE(3, 4), SHAPE(16, 4), 0, true, false, true,
                VALS(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    nd_array *x = nd_arange(ND_FLOAT64, 0, 3, 1);
    nd_array *xt = nd_transpose(x, NULL);
    EXPECT_VIEW(xt, x, 1, SHAPE(3), SHAPE(8), 0, true, true, true, VALS(0, 1, 2));
    nd_array *xt0 = nd_transpose(x, (int[]){-1});
    EXPECT_VIEW(xt0, x, 1, SHAPE(3), SHAPE(8), 0, true, true, true, VALS(0, 1, 2));
    nd_array *s = nd_full(ND_INT32, 0, NULL, 5);
    nd_array *st = nd_transpose(s, NULL);
    EXPECT_VIEW(st, s, 0, SHAPE(0), SHAPE(0), 0, true, true, true, VALS(5));
    nd_free(m), nd_free(t), nd_free(tt), nd_free(x), nd_free(xt), nd_free(xt0), nd_free(s),
        nd_free(st);
}
END_TEST

START_TEST(transpose_errors)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    EXPECT_ERROR(nd_transpose(m, (int[]){0, 0}), "repeated axis in transpose", ND_ERR_VALUE);
    EXPECT_ERROR(nd_transpose(m, (int[]){1, 1}), "repeated axis in transpose", ND_ERR_VALUE);
    EXPECT_ERROR(nd_transpose(m, (int[]){1, -1}), "repeated axis in transpose", ND_ERR_VALUE);
    EXPECT_ERROR(nd_transpose(m, (int[]){0, 3}), "axis 3 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_transpose(m, (int[]){3, 0}), "axis 3 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_transpose(m, (int[]){2, -1}),
                 "axis 2 is out of bounds for array of dimension 2", ND_ERR_AXIS);
    EXPECT_ERROR(nd_transpose(m, (int[]){0, -3}),
                 "axis -3 is out of bounds for array of dimension 2", ND_ERR_AXIS);
    EXPECT_ERROR(nd_transpose(m, (int[]){-3, 1}),
                 "axis -3 is out of bounds for array of dimension 2", ND_ERR_AXIS);
    nd_free(m);
}
END_TEST

START_TEST(swapaxes_views_and_errors)
{
    nd_array *c = arange_shaped(ND_INT32, 3, SHAPE(2, 3, 4));
    nd_array *s = nd_swapaxes(c, 0, 2);
    ck_assert_shape(s, ND_INT32, 3, 4, 3, 2);
    ck_assert_strides(s, 3, 4, 16, 48);
    ck_assert_flags(s, false, true, true);
    ck_assert(get_at(s, (int64_t[]){3, 1, 1}) == 19); /* c[1, 1, 3] */
    nd_free(s);
    s = nd_swapaxes(c, -1, 0);
    ck_assert_strides(s, 3, 4, 16, 48);
    nd_free(s);
    s = nd_swapaxes(c, 1, 1);
    ck_assert_shape(s, ND_INT32, 3, 2, 3, 4);
    ck_assert_strides(s, 3, 48, 16, 4);
    ck_assert_ptr_eq(nd_data(s), nd_data(c));
    nd_free(s);
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    s = nd_swapaxes(m, 0, -1);
    EXPECT_VIEW(s, m, 2, SHAPE(4, 3), SHAPE(4, 16), 0, false, true, true,
                VALS(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    nd_free(s);
    s = nd_swapaxes(m, -1, -1);
    EXPECT_VIEW(s, m, 2, SHAPE(3, 4), SHAPE(16, 4), 0, true, false, true,
                VALS(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    nd_free(s);
    EXPECT_ERROR(nd_swapaxes(m, 0, 2), "axis2: axis 2 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_swapaxes(m, 2, 0), "axis1: axis 2 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_swapaxes(m, 5, 1), "axis1: axis 5 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_swapaxes(m, -3, 0), "axis1: axis -3 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_swapaxes(m, 0, -3), "axis2: axis -3 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    nd_free(m);
    nd_free(c);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* slice                                                                    */
/* ------------------------------------------------------------------------ */

#define N ND_NONE
/* {n, start, stop, step, length, offset (elements), stride (bytes)} of
 * np.arange(n, dtype=np.int32)[start:stop:step], checked against
 * list(range(n))[start:stop:step]. NumPy points empty results at the start
 * of the array with the stride of a step-1 slice. */
// clang-format off
static const struct { int64_t n, start, stop, step, len, off, stride; } slice_cases[] = {
    {10,N,N,1,10,0,4}, {10,N,-11,1,0,0,4}, {10,N,-10,1,0,0,4}, {10,N,-3,1,7,0,4},
    {10,N,-1,1,9,0,4}, {10,N,0,1,0,0,4}, {10,N,1,1,1,0,4}, {10,N,3,1,3,0,4},
    {10,N,9,1,9,0,4}, {10,N,10,1,10,0,4}, {10,N,11,1,10,0,4}, {10,-11,N,1,10,0,4},
    {10,-11,-11,1,0,0,4}, {10,-11,-10,1,0,0,4}, {10,-11,-3,1,7,0,4}, {10,-11,-1,1,9,0,4},
    {10,-11,0,1,0,0,4}, {10,-11,1,1,1,0,4}, {10,-11,3,1,3,0,4}, {10,-11,9,1,9,0,4},
    {10,-11,10,1,10,0,4}, {10,-11,11,1,10,0,4}, {10,-10,N,1,10,0,4}, {10,-10,-11,1,0,0,4},
    {10,-10,-10,1,0,0,4}, {10,-10,-3,1,7,0,4}, {10,-10,-1,1,9,0,4}, {10,-10,0,1,0,0,4},
    {10,-10,1,1,1,0,4}, {10,-10,3,1,3,0,4}, {10,-10,9,1,9,0,4}, {10,-10,10,1,10,0,4},
    {10,-10,11,1,10,0,4}, {10,-3,N,1,3,7,4}, {10,-3,-11,1,0,0,4}, {10,-3,-10,1,0,0,4},
    {10,-3,-3,1,0,0,4}, {10,-3,-1,1,2,7,4}, {10,-3,0,1,0,0,4}, {10,-3,1,1,0,0,4},
    {10,-3,3,1,0,0,4}, {10,-3,9,1,2,7,4}, {10,-3,10,1,3,7,4}, {10,-3,11,1,3,7,4},
    {10,-1,N,1,1,9,4}, {10,-1,-11,1,0,0,4}, {10,-1,-10,1,0,0,4}, {10,-1,-3,1,0,0,4},
    {10,-1,-1,1,0,0,4}, {10,-1,0,1,0,0,4}, {10,-1,1,1,0,0,4}, {10,-1,3,1,0,0,4},
    {10,-1,9,1,0,0,4}, {10,-1,10,1,1,9,4}, {10,-1,11,1,1,9,4}, {10,0,N,1,10,0,4},
    {10,0,-11,1,0,0,4}, {10,0,-10,1,0,0,4}, {10,0,-3,1,7,0,4}, {10,0,-1,1,9,0,4},
    {10,0,0,1,0,0,4}, {10,0,1,1,1,0,4}, {10,0,3,1,3,0,4}, {10,0,9,1,9,0,4},
    {10,0,10,1,10,0,4}, {10,0,11,1,10,0,4}, {10,1,N,1,9,1,4}, {10,1,-11,1,0,0,4},
    {10,1,-10,1,0,0,4}, {10,1,-3,1,6,1,4}, {10,1,-1,1,8,1,4}, {10,1,0,1,0,0,4},
    {10,1,1,1,0,0,4}, {10,1,3,1,2,1,4}, {10,1,9,1,8,1,4}, {10,1,10,1,9,1,4},
    {10,1,11,1,9,1,4}, {10,3,N,1,7,3,4}, {10,3,-11,1,0,0,4}, {10,3,-10,1,0,0,4},
    {10,3,-3,1,4,3,4}, {10,3,-1,1,6,3,4}, {10,3,0,1,0,0,4}, {10,3,1,1,0,0,4},
    {10,3,3,1,0,0,4}, {10,3,9,1,6,3,4}, {10,3,10,1,7,3,4}, {10,3,11,1,7,3,4},
    {10,9,N,1,1,9,4}, {10,9,-11,1,0,0,4}, {10,9,-10,1,0,0,4}, {10,9,-3,1,0,0,4},
    {10,9,-1,1,0,0,4}, {10,9,0,1,0,0,4}, {10,9,1,1,0,0,4}, {10,9,3,1,0,0,4},
    {10,9,9,1,0,0,4}, {10,9,10,1,1,9,4}, {10,9,11,1,1,9,4}, {10,10,N,1,0,0,4},
    {10,10,-11,1,0,0,4}, {10,10,-10,1,0,0,4}, {10,10,-3,1,0,0,4}, {10,10,-1,1,0,0,4},
    {10,10,0,1,0,0,4}, {10,10,1,1,0,0,4}, {10,10,3,1,0,0,4}, {10,10,9,1,0,0,4},
    {10,10,10,1,0,0,4}, {10,10,11,1,0,0,4}, {10,11,N,1,0,0,4}, {10,11,-11,1,0,0,4},
    {10,11,-10,1,0,0,4}, {10,11,-3,1,0,0,4}, {10,11,-1,1,0,0,4}, {10,11,0,1,0,0,4},
    {10,11,1,1,0,0,4}, {10,11,3,1,0,0,4}, {10,11,9,1,0,0,4}, {10,11,10,1,0,0,4},
    {10,11,11,1,0,0,4}, {10,N,N,-1,10,9,-4}, {10,N,-11,-1,10,9,-4}, {10,N,-10,-1,9,9,-4},
    {10,N,-3,-1,2,9,-4}, {10,N,-1,-1,0,0,4}, {10,N,0,-1,9,9,-4}, {10,N,1,-1,8,9,-4},
    {10,N,3,-1,6,9,-4}, {10,N,9,-1,0,0,4}, {10,N,10,-1,0,0,4}, {10,N,11,-1,0,0,4},
    {10,-11,N,-1,0,0,4}, {10,-11,-11,-1,0,0,4}, {10,-11,-10,-1,0,0,4}, {10,-11,-3,-1,0,0,4},
    {10,-11,-1,-1,0,0,4}, {10,-11,0,-1,0,0,4}, {10,-11,1,-1,0,0,4}, {10,-11,3,-1,0,0,4},
    {10,-11,9,-1,0,0,4}, {10,-11,10,-1,0,0,4}, {10,-11,11,-1,0,0,4}, {10,-10,N,-1,1,0,-4},
    {10,-10,-11,-1,1,0,-4}, {10,-10,-10,-1,0,0,4}, {10,-10,-3,-1,0,0,4}, {10,-10,-1,-1,0,0,4},
    {10,-10,0,-1,0,0,4}, {10,-10,1,-1,0,0,4}, {10,-10,3,-1,0,0,4}, {10,-10,9,-1,0,0,4},
    {10,-10,10,-1,0,0,4}, {10,-10,11,-1,0,0,4}, {10,-3,N,-1,8,7,-4}, {10,-3,-11,-1,8,7,-4},
    {10,-3,-10,-1,7,7,-4}, {10,-3,-3,-1,0,0,4}, {10,-3,-1,-1,0,0,4}, {10,-3,0,-1,7,7,-4},
    {10,-3,1,-1,6,7,-4}, {10,-3,3,-1,4,7,-4}, {10,-3,9,-1,0,0,4}, {10,-3,10,-1,0,0,4},
    {10,-3,11,-1,0,0,4}, {10,-1,N,-1,10,9,-4}, {10,-1,-11,-1,10,9,-4}, {10,-1,-10,-1,9,9,-4},
    {10,-1,-3,-1,2,9,-4}, {10,-1,-1,-1,0,0,4}, {10,-1,0,-1,9,9,-4}, {10,-1,1,-1,8,9,-4},
    {10,-1,3,-1,6,9,-4}, {10,-1,9,-1,0,0,4}, {10,-1,10,-1,0,0,4}, {10,-1,11,-1,0,0,4},
    {10,0,N,-1,1,0,-4}, {10,0,-11,-1,1,0,-4}, {10,0,-10,-1,0,0,4}, {10,0,-3,-1,0,0,4},
    {10,0,-1,-1,0,0,4}, {10,0,0,-1,0,0,4}, {10,0,1,-1,0,0,4}, {10,0,3,-1,0,0,4},
    {10,0,9,-1,0,0,4}, {10,0,10,-1,0,0,4}, {10,0,11,-1,0,0,4}, {10,1,N,-1,2,1,-4},
    {10,1,-11,-1,2,1,-4}, {10,1,-10,-1,1,1,-4}, {10,1,-3,-1,0,0,4}, {10,1,-1,-1,0,0,4},
    {10,1,0,-1,1,1,-4}, {10,1,1,-1,0,0,4}, {10,1,3,-1,0,0,4}, {10,1,9,-1,0,0,4},
    {10,1,10,-1,0,0,4}, {10,1,11,-1,0,0,4}, {10,3,N,-1,4,3,-4}, {10,3,-11,-1,4,3,-4},
    {10,3,-10,-1,3,3,-4}, {10,3,-3,-1,0,0,4}, {10,3,-1,-1,0,0,4}, {10,3,0,-1,3,3,-4},
    {10,3,1,-1,2,3,-4}, {10,3,3,-1,0,0,4}, {10,3,9,-1,0,0,4}, {10,3,10,-1,0,0,4},
    {10,3,11,-1,0,0,4}, {10,9,N,-1,10,9,-4}, {10,9,-11,-1,10,9,-4}, {10,9,-10,-1,9,9,-4},
    {10,9,-3,-1,2,9,-4}, {10,9,-1,-1,0,0,4}, {10,9,0,-1,9,9,-4}, {10,9,1,-1,8,9,-4},
    {10,9,3,-1,6,9,-4}, {10,9,9,-1,0,0,4}, {10,9,10,-1,0,0,4}, {10,9,11,-1,0,0,4},
    {10,10,N,-1,10,9,-4}, {10,10,-11,-1,10,9,-4}, {10,10,-10,-1,9,9,-4}, {10,10,-3,-1,2,9,-4},
    {10,10,-1,-1,0,0,4}, {10,10,0,-1,9,9,-4}, {10,10,1,-1,8,9,-4}, {10,10,3,-1,6,9,-4},
    {10,10,9,-1,0,0,4}, {10,10,10,-1,0,0,4}, {10,10,11,-1,0,0,4}, {10,11,N,-1,10,9,-4},
    {10,11,-11,-1,10,9,-4}, {10,11,-10,-1,9,9,-4}, {10,11,-3,-1,2,9,-4}, {10,11,-1,-1,0,0,4},
    {10,11,0,-1,9,9,-4}, {10,11,1,-1,8,9,-4}, {10,11,3,-1,6,9,-4}, {10,11,9,-1,0,0,4},
    {10,11,10,-1,0,0,4}, {10,11,11,-1,0,0,4}, {10,N,N,2,5,0,8}, {10,N,-11,2,0,0,4},
    {10,N,-10,2,0,0,4}, {10,N,-3,2,4,0,8}, {10,N,-1,2,5,0,8}, {10,N,0,2,0,0,4},
    {10,N,1,2,1,0,8}, {10,N,3,2,2,0,8}, {10,N,9,2,5,0,8}, {10,N,10,2,5,0,8},
    {10,N,11,2,5,0,8}, {10,-11,N,2,5,0,8}, {10,-11,-11,2,0,0,4}, {10,-11,-10,2,0,0,4},
    {10,-11,-3,2,4,0,8}, {10,-11,-1,2,5,0,8}, {10,-11,0,2,0,0,4}, {10,-11,1,2,1,0,8},
    {10,-11,3,2,2,0,8}, {10,-11,9,2,5,0,8}, {10,-11,10,2,5,0,8}, {10,-11,11,2,5,0,8},
    {10,-10,N,2,5,0,8}, {10,-10,-11,2,0,0,4}, {10,-10,-10,2,0,0,4}, {10,-10,-3,2,4,0,8},
    {10,-10,-1,2,5,0,8}, {10,-10,0,2,0,0,4}, {10,-10,1,2,1,0,8}, {10,-10,3,2,2,0,8},
    {10,-10,9,2,5,0,8}, {10,-10,10,2,5,0,8}, {10,-10,11,2,5,0,8}, {10,-3,N,2,2,7,8},
    {10,-3,-11,2,0,0,4}, {10,-3,-10,2,0,0,4}, {10,-3,-3,2,0,0,4}, {10,-3,-1,2,1,7,8},
    {10,-3,0,2,0,0,4}, {10,-3,1,2,0,0,4}, {10,-3,3,2,0,0,4}, {10,-3,9,2,1,7,8},
    {10,-3,10,2,2,7,8}, {10,-3,11,2,2,7,8}, {10,-1,N,2,1,9,8}, {10,-1,-11,2,0,0,4},
    {10,-1,-10,2,0,0,4}, {10,-1,-3,2,0,0,4}, {10,-1,-1,2,0,0,4}, {10,-1,0,2,0,0,4},
    {10,-1,1,2,0,0,4}, {10,-1,3,2,0,0,4}, {10,-1,9,2,0,0,4}, {10,-1,10,2,1,9,8},
    {10,-1,11,2,1,9,8}, {10,0,N,2,5,0,8}, {10,0,-11,2,0,0,4}, {10,0,-10,2,0,0,4},
    {10,0,-3,2,4,0,8}, {10,0,-1,2,5,0,8}, {10,0,0,2,0,0,4}, {10,0,1,2,1,0,8},
    {10,0,3,2,2,0,8}, {10,0,9,2,5,0,8}, {10,0,10,2,5,0,8}, {10,0,11,2,5,0,8},
    {10,1,N,2,5,1,8}, {10,1,-11,2,0,0,4}, {10,1,-10,2,0,0,4}, {10,1,-3,2,3,1,8},
    {10,1,-1,2,4,1,8}, {10,1,0,2,0,0,4}, {10,1,1,2,0,0,4}, {10,1,3,2,1,1,8},
    {10,1,9,2,4,1,8}, {10,1,10,2,5,1,8}, {10,1,11,2,5,1,8}, {10,3,N,2,4,3,8},
    {10,3,-11,2,0,0,4}, {10,3,-10,2,0,0,4}, {10,3,-3,2,2,3,8}, {10,3,-1,2,3,3,8},
    {10,3,0,2,0,0,4}, {10,3,1,2,0,0,4}, {10,3,3,2,0,0,4}, {10,3,9,2,3,3,8},
    {10,3,10,2,4,3,8}, {10,3,11,2,4,3,8}, {10,9,N,2,1,9,8}, {10,9,-11,2,0,0,4},
    {10,9,-10,2,0,0,4}, {10,9,-3,2,0,0,4}, {10,9,-1,2,0,0,4}, {10,9,0,2,0,0,4},
    {10,9,1,2,0,0,4}, {10,9,3,2,0,0,4}, {10,9,9,2,0,0,4}, {10,9,10,2,1,9,8},
    {10,9,11,2,1,9,8}, {10,10,N,2,0,0,4}, {10,10,-11,2,0,0,4}, {10,10,-10,2,0,0,4},
    {10,10,-3,2,0,0,4}, {10,10,-1,2,0,0,4}, {10,10,0,2,0,0,4}, {10,10,1,2,0,0,4},
    {10,10,3,2,0,0,4}, {10,10,9,2,0,0,4}, {10,10,10,2,0,0,4}, {10,10,11,2,0,0,4},
    {10,11,N,2,0,0,4}, {10,11,-11,2,0,0,4}, {10,11,-10,2,0,0,4}, {10,11,-3,2,0,0,4},
    {10,11,-1,2,0,0,4}, {10,11,0,2,0,0,4}, {10,11,1,2,0,0,4}, {10,11,3,2,0,0,4},
    {10,11,9,2,0,0,4}, {10,11,10,2,0,0,4}, {10,11,11,2,0,0,4}, {10,N,N,-2,5,9,-8},
    {10,N,-11,-2,5,9,-8}, {10,N,-10,-2,5,9,-8}, {10,N,-3,-2,1,9,-8}, {10,N,-1,-2,0,0,4},
    {10,N,0,-2,5,9,-8}, {10,N,1,-2,4,9,-8}, {10,N,3,-2,3,9,-8}, {10,N,9,-2,0,0,4},
    {10,N,10,-2,0,0,4}, {10,N,11,-2,0,0,4}, {10,-11,N,-2,0,0,4}, {10,-11,-11,-2,0,0,4},
    {10,-11,-10,-2,0,0,4}, {10,-11,-3,-2,0,0,4}, {10,-11,-1,-2,0,0,4}, {10,-11,0,-2,0,0,4},
    {10,-11,1,-2,0,0,4}, {10,-11,3,-2,0,0,4}, {10,-11,9,-2,0,0,4}, {10,-11,10,-2,0,0,4},
    {10,-11,11,-2,0,0,4}, {10,-10,N,-2,1,0,-8}, {10,-10,-11,-2,1,0,-8}, {10,-10,-10,-2,0,0,4},
    {10,-10,-3,-2,0,0,4}, {10,-10,-1,-2,0,0,4}, {10,-10,0,-2,0,0,4}, {10,-10,1,-2,0,0,4},
    {10,-10,3,-2,0,0,4}, {10,-10,9,-2,0,0,4}, {10,-10,10,-2,0,0,4}, {10,-10,11,-2,0,0,4},
    {10,-3,N,-2,4,7,-8}, {10,-3,-11,-2,4,7,-8}, {10,-3,-10,-2,4,7,-8}, {10,-3,-3,-2,0,0,4},
    {10,-3,-1,-2,0,0,4}, {10,-3,0,-2,4,7,-8}, {10,-3,1,-2,3,7,-8}, {10,-3,3,-2,2,7,-8},
    {10,-3,9,-2,0,0,4}, {10,-3,10,-2,0,0,4}, {10,-3,11,-2,0,0,4}, {10,-1,N,-2,5,9,-8},
    {10,-1,-11,-2,5,9,-8}, {10,-1,-10,-2,5,9,-8}, {10,-1,-3,-2,1,9,-8}, {10,-1,-1,-2,0,0,4},
    {10,-1,0,-2,5,9,-8}, {10,-1,1,-2,4,9,-8}, {10,-1,3,-2,3,9,-8}, {10,-1,9,-2,0,0,4},
    {10,-1,10,-2,0,0,4}, {10,-1,11,-2,0,0,4}, {10,0,N,-2,1,0,-8}, {10,0,-11,-2,1,0,-8},
    {10,0,-10,-2,0,0,4}, {10,0,-3,-2,0,0,4}, {10,0,-1,-2,0,0,4}, {10,0,0,-2,0,0,4},
    {10,0,1,-2,0,0,4}, {10,0,3,-2,0,0,4}, {10,0,9,-2,0,0,4}, {10,0,10,-2,0,0,4},
    {10,0,11,-2,0,0,4}, {10,1,N,-2,1,1,-8}, {10,1,-11,-2,1,1,-8}, {10,1,-10,-2,1,1,-8},
    {10,1,-3,-2,0,0,4}, {10,1,-1,-2,0,0,4}, {10,1,0,-2,1,1,-8}, {10,1,1,-2,0,0,4},
    {10,1,3,-2,0,0,4}, {10,1,9,-2,0,0,4}, {10,1,10,-2,0,0,4}, {10,1,11,-2,0,0,4},
    {10,3,N,-2,2,3,-8}, {10,3,-11,-2,2,3,-8}, {10,3,-10,-2,2,3,-8}, {10,3,-3,-2,0,0,4},
    {10,3,-1,-2,0,0,4}, {10,3,0,-2,2,3,-8}, {10,3,1,-2,1,3,-8}, {10,3,3,-2,0,0,4},
    {10,3,9,-2,0,0,4}, {10,3,10,-2,0,0,4}, {10,3,11,-2,0,0,4}, {10,9,N,-2,5,9,-8},
    {10,9,-11,-2,5,9,-8}, {10,9,-10,-2,5,9,-8}, {10,9,-3,-2,1,9,-8}, {10,9,-1,-2,0,0,4},
    {10,9,0,-2,5,9,-8}, {10,9,1,-2,4,9,-8}, {10,9,3,-2,3,9,-8}, {10,9,9,-2,0,0,4},
    {10,9,10,-2,0,0,4}, {10,9,11,-2,0,0,4}, {10,10,N,-2,5,9,-8}, {10,10,-11,-2,5,9,-8},
    {10,10,-10,-2,5,9,-8}, {10,10,-3,-2,1,9,-8}, {10,10,-1,-2,0,0,4}, {10,10,0,-2,5,9,-8},
    {10,10,1,-2,4,9,-8}, {10,10,3,-2,3,9,-8}, {10,10,9,-2,0,0,4}, {10,10,10,-2,0,0,4},
    {10,10,11,-2,0,0,4}, {10,11,N,-2,5,9,-8}, {10,11,-11,-2,5,9,-8}, {10,11,-10,-2,5,9,-8},
    {10,11,-3,-2,1,9,-8}, {10,11,-1,-2,0,0,4}, {10,11,0,-2,5,9,-8}, {10,11,1,-2,4,9,-8},
    {10,11,3,-2,3,9,-8}, {10,11,9,-2,0,0,4}, {10,11,10,-2,0,0,4}, {10,11,11,-2,0,0,4},
    {10,N,N,3,4,0,12}, {10,N,-11,3,0,0,4}, {10,N,-10,3,0,0,4}, {10,N,-3,3,3,0,12},
    {10,N,-1,3,3,0,12}, {10,N,0,3,0,0,4}, {10,N,1,3,1,0,12}, {10,N,3,3,1,0,12},
    {10,N,9,3,3,0,12}, {10,N,10,3,4,0,12}, {10,N,11,3,4,0,12}, {10,-11,N,3,4,0,12},
    {10,-11,-11,3,0,0,4}, {10,-11,-10,3,0,0,4}, {10,-11,-3,3,3,0,12}, {10,-11,-1,3,3,0,12},
    {10,-11,0,3,0,0,4}, {10,-11,1,3,1,0,12}, {10,-11,3,3,1,0,12}, {10,-11,9,3,3,0,12},
    {10,-11,10,3,4,0,12}, {10,-11,11,3,4,0,12}, {10,-10,N,3,4,0,12}, {10,-10,-11,3,0,0,4},
    {10,-10,-10,3,0,0,4}, {10,-10,-3,3,3,0,12}, {10,-10,-1,3,3,0,12}, {10,-10,0,3,0,0,4},
    {10,-10,1,3,1,0,12}, {10,-10,3,3,1,0,12}, {10,-10,9,3,3,0,12}, {10,-10,10,3,4,0,12},
    {10,-10,11,3,4,0,12}, {10,-3,N,3,1,7,12}, {10,-3,-11,3,0,0,4}, {10,-3,-10,3,0,0,4},
    {10,-3,-3,3,0,0,4}, {10,-3,-1,3,1,7,12}, {10,-3,0,3,0,0,4}, {10,-3,1,3,0,0,4},
    {10,-3,3,3,0,0,4}, {10,-3,9,3,1,7,12}, {10,-3,10,3,1,7,12}, {10,-3,11,3,1,7,12},
    {10,-1,N,3,1,9,12}, {10,-1,-11,3,0,0,4}, {10,-1,-10,3,0,0,4}, {10,-1,-3,3,0,0,4},
    {10,-1,-1,3,0,0,4}, {10,-1,0,3,0,0,4}, {10,-1,1,3,0,0,4}, {10,-1,3,3,0,0,4},
    {10,-1,9,3,0,0,4}, {10,-1,10,3,1,9,12}, {10,-1,11,3,1,9,12}, {10,0,N,3,4,0,12},
    {10,0,-11,3,0,0,4}, {10,0,-10,3,0,0,4}, {10,0,-3,3,3,0,12}, {10,0,-1,3,3,0,12},
    {10,0,0,3,0,0,4}, {10,0,1,3,1,0,12}, {10,0,3,3,1,0,12}, {10,0,9,3,3,0,12},
    {10,0,10,3,4,0,12}, {10,0,11,3,4,0,12}, {10,1,N,3,3,1,12}, {10,1,-11,3,0,0,4},
    {10,1,-10,3,0,0,4}, {10,1,-3,3,2,1,12}, {10,1,-1,3,3,1,12}, {10,1,0,3,0,0,4},
    {10,1,1,3,0,0,4}, {10,1,3,3,1,1,12}, {10,1,9,3,3,1,12}, {10,1,10,3,3,1,12},
    {10,1,11,3,3,1,12}, {10,3,N,3,3,3,12}, {10,3,-11,3,0,0,4}, {10,3,-10,3,0,0,4},
    {10,3,-3,3,2,3,12}, {10,3,-1,3,2,3,12}, {10,3,0,3,0,0,4}, {10,3,1,3,0,0,4},
    {10,3,3,3,0,0,4}, {10,3,9,3,2,3,12}, {10,3,10,3,3,3,12}, {10,3,11,3,3,3,12},
    {10,9,N,3,1,9,12}, {10,9,-11,3,0,0,4}, {10,9,-10,3,0,0,4}, {10,9,-3,3,0,0,4},
    {10,9,-1,3,0,0,4}, {10,9,0,3,0,0,4}, {10,9,1,3,0,0,4}, {10,9,3,3,0,0,4},
    {10,9,9,3,0,0,4}, {10,9,10,3,1,9,12}, {10,9,11,3,1,9,12}, {10,10,N,3,0,0,4},
    {10,10,-11,3,0,0,4}, {10,10,-10,3,0,0,4}, {10,10,-3,3,0,0,4}, {10,10,-1,3,0,0,4},
    {10,10,0,3,0,0,4}, {10,10,1,3,0,0,4}, {10,10,3,3,0,0,4}, {10,10,9,3,0,0,4},
    {10,10,10,3,0,0,4}, {10,10,11,3,0,0,4}, {10,11,N,3,0,0,4}, {10,11,-11,3,0,0,4},
    {10,11,-10,3,0,0,4}, {10,11,-3,3,0,0,4}, {10,11,-1,3,0,0,4}, {10,11,0,3,0,0,4},
    {10,11,1,3,0,0,4}, {10,11,3,3,0,0,4}, {10,11,9,3,0,0,4}, {10,11,10,3,0,0,4},
    {10,11,11,3,0,0,4}, {10,N,N,-3,4,9,-12}, {10,N,-11,-3,4,9,-12}, {10,N,-10,-3,3,9,-12},
    {10,N,-3,-3,1,9,-12}, {10,N,-1,-3,0,0,4}, {10,N,0,-3,3,9,-12}, {10,N,1,-3,3,9,-12},
    {10,N,3,-3,2,9,-12}, {10,N,9,-3,0,0,4}, {10,N,10,-3,0,0,4}, {10,N,11,-3,0,0,4},
    {10,-11,N,-3,0,0,4}, {10,-11,-11,-3,0,0,4}, {10,-11,-10,-3,0,0,4}, {10,-11,-3,-3,0,0,4},
    {10,-11,-1,-3,0,0,4}, {10,-11,0,-3,0,0,4}, {10,-11,1,-3,0,0,4}, {10,-11,3,-3,0,0,4},
    {10,-11,9,-3,0,0,4}, {10,-11,10,-3,0,0,4}, {10,-11,11,-3,0,0,4}, {10,-10,N,-3,1,0,-12},
    {10,-10,-11,-3,1,0,-12}, {10,-10,-10,-3,0,0,4}, {10,-10,-3,-3,0,0,4}, {10,-10,-1,-3,0,0,4},
    {10,-10,0,-3,0,0,4}, {10,-10,1,-3,0,0,4}, {10,-10,3,-3,0,0,4}, {10,-10,9,-3,0,0,4},
    {10,-10,10,-3,0,0,4}, {10,-10,11,-3,0,0,4}, {10,-3,N,-3,3,7,-12}, {10,-3,-11,-3,3,7,-12},
    {10,-3,-10,-3,3,7,-12}, {10,-3,-3,-3,0,0,4}, {10,-3,-1,-3,0,0,4}, {10,-3,0,-3,3,7,-12},
    {10,-3,1,-3,2,7,-12}, {10,-3,3,-3,2,7,-12}, {10,-3,9,-3,0,0,4}, {10,-3,10,-3,0,0,4},
    {10,-3,11,-3,0,0,4}, {10,-1,N,-3,4,9,-12}, {10,-1,-11,-3,4,9,-12}, {10,-1,-10,-3,3,9,-12},
    {10,-1,-3,-3,1,9,-12}, {10,-1,-1,-3,0,0,4}, {10,-1,0,-3,3,9,-12}, {10,-1,1,-3,3,9,-12},
    {10,-1,3,-3,2,9,-12}, {10,-1,9,-3,0,0,4}, {10,-1,10,-3,0,0,4}, {10,-1,11,-3,0,0,4},
    {10,0,N,-3,1,0,-12}, {10,0,-11,-3,1,0,-12}, {10,0,-10,-3,0,0,4}, {10,0,-3,-3,0,0,4},
    {10,0,-1,-3,0,0,4}, {10,0,0,-3,0,0,4}, {10,0,1,-3,0,0,4}, {10,0,3,-3,0,0,4},
    {10,0,9,-3,0,0,4}, {10,0,10,-3,0,0,4}, {10,0,11,-3,0,0,4}, {10,1,N,-3,1,1,-12},
    {10,1,-11,-3,1,1,-12}, {10,1,-10,-3,1,1,-12}, {10,1,-3,-3,0,0,4}, {10,1,-1,-3,0,0,4},
    {10,1,0,-3,1,1,-12}, {10,1,1,-3,0,0,4}, {10,1,3,-3,0,0,4}, {10,1,9,-3,0,0,4},
    {10,1,10,-3,0,0,4}, {10,1,11,-3,0,0,4}, {10,3,N,-3,2,3,-12}, {10,3,-11,-3,2,3,-12},
    {10,3,-10,-3,1,3,-12}, {10,3,-3,-3,0,0,4}, {10,3,-1,-3,0,0,4}, {10,3,0,-3,1,3,-12},
    {10,3,1,-3,1,3,-12}, {10,3,3,-3,0,0,4}, {10,3,9,-3,0,0,4}, {10,3,10,-3,0,0,4},
    {10,3,11,-3,0,0,4}, {10,9,N,-3,4,9,-12}, {10,9,-11,-3,4,9,-12}, {10,9,-10,-3,3,9,-12},
    {10,9,-3,-3,1,9,-12}, {10,9,-1,-3,0,0,4}, {10,9,0,-3,3,9,-12}, {10,9,1,-3,3,9,-12},
    {10,9,3,-3,2,9,-12}, {10,9,9,-3,0,0,4}, {10,9,10,-3,0,0,4}, {10,9,11,-3,0,0,4},
    {10,10,N,-3,4,9,-12}, {10,10,-11,-3,4,9,-12}, {10,10,-10,-3,3,9,-12}, {10,10,-3,-3,1,9,-12},
    {10,10,-1,-3,0,0,4}, {10,10,0,-3,3,9,-12}, {10,10,1,-3,3,9,-12}, {10,10,3,-3,2,9,-12},
    {10,10,9,-3,0,0,4}, {10,10,10,-3,0,0,4}, {10,10,11,-3,0,0,4}, {10,11,N,-3,4,9,-12},
    {10,11,-11,-3,4,9,-12}, {10,11,-10,-3,3,9,-12}, {10,11,-3,-3,1,9,-12}, {10,11,-1,-3,0,0,4},
    {10,11,0,-3,3,9,-12}, {10,11,1,-3,3,9,-12}, {10,11,3,-3,2,9,-12}, {10,11,9,-3,0,0,4},
    {10,11,10,-3,0,0,4}, {10,11,11,-3,0,0,4}, {10,N,N,7,2,0,28}, {10,N,-11,7,0,0,4},
    {10,N,-10,7,0,0,4}, {10,N,-3,7,1,0,28}, {10,N,-1,7,2,0,28}, {10,N,0,7,0,0,4},
    {10,N,1,7,1,0,28}, {10,N,3,7,1,0,28}, {10,N,9,7,2,0,28}, {10,N,10,7,2,0,28},
    {10,N,11,7,2,0,28}, {10,-11,N,7,2,0,28}, {10,-11,-11,7,0,0,4}, {10,-11,-10,7,0,0,4},
    {10,-11,-3,7,1,0,28}, {10,-11,-1,7,2,0,28}, {10,-11,0,7,0,0,4}, {10,-11,1,7,1,0,28},
    {10,-11,3,7,1,0,28}, {10,-11,9,7,2,0,28}, {10,-11,10,7,2,0,28}, {10,-11,11,7,2,0,28},
    {10,-10,N,7,2,0,28}, {10,-10,-11,7,0,0,4}, {10,-10,-10,7,0,0,4}, {10,-10,-3,7,1,0,28},
    {10,-10,-1,7,2,0,28}, {10,-10,0,7,0,0,4}, {10,-10,1,7,1,0,28}, {10,-10,3,7,1,0,28},
    {10,-10,9,7,2,0,28}, {10,-10,10,7,2,0,28}, {10,-10,11,7,2,0,28}, {10,-3,N,7,1,7,28},
    {10,-3,-11,7,0,0,4}, {10,-3,-10,7,0,0,4}, {10,-3,-3,7,0,0,4}, {10,-3,-1,7,1,7,28},
    {10,-3,0,7,0,0,4}, {10,-3,1,7,0,0,4}, {10,-3,3,7,0,0,4}, {10,-3,9,7,1,7,28},
    {10,-3,10,7,1,7,28}, {10,-3,11,7,1,7,28}, {10,-1,N,7,1,9,28}, {10,-1,-11,7,0,0,4},
    {10,-1,-10,7,0,0,4}, {10,-1,-3,7,0,0,4}, {10,-1,-1,7,0,0,4}, {10,-1,0,7,0,0,4},
    {10,-1,1,7,0,0,4}, {10,-1,3,7,0,0,4}, {10,-1,9,7,0,0,4}, {10,-1,10,7,1,9,28},
    {10,-1,11,7,1,9,28}, {10,0,N,7,2,0,28}, {10,0,-11,7,0,0,4}, {10,0,-10,7,0,0,4},
    {10,0,-3,7,1,0,28}, {10,0,-1,7,2,0,28}, {10,0,0,7,0,0,4}, {10,0,1,7,1,0,28},
    {10,0,3,7,1,0,28}, {10,0,9,7,2,0,28}, {10,0,10,7,2,0,28}, {10,0,11,7,2,0,28},
    {10,1,N,7,2,1,28}, {10,1,-11,7,0,0,4}, {10,1,-10,7,0,0,4}, {10,1,-3,7,1,1,28},
    {10,1,-1,7,2,1,28}, {10,1,0,7,0,0,4}, {10,1,1,7,0,0,4}, {10,1,3,7,1,1,28},
    {10,1,9,7,2,1,28}, {10,1,10,7,2,1,28}, {10,1,11,7,2,1,28}, {10,3,N,7,1,3,28},
    {10,3,-11,7,0,0,4}, {10,3,-10,7,0,0,4}, {10,3,-3,7,1,3,28}, {10,3,-1,7,1,3,28},
    {10,3,0,7,0,0,4}, {10,3,1,7,0,0,4}, {10,3,3,7,0,0,4}, {10,3,9,7,1,3,28},
    {10,3,10,7,1,3,28}, {10,3,11,7,1,3,28}, {10,9,N,7,1,9,28}, {10,9,-11,7,0,0,4},
    {10,9,-10,7,0,0,4}, {10,9,-3,7,0,0,4}, {10,9,-1,7,0,0,4}, {10,9,0,7,0,0,4},
    {10,9,1,7,0,0,4}, {10,9,3,7,0,0,4}, {10,9,9,7,0,0,4}, {10,9,10,7,1,9,28},
    {10,9,11,7,1,9,28}, {10,10,N,7,0,0,4}, {10,10,-11,7,0,0,4}, {10,10,-10,7,0,0,4},
    {10,10,-3,7,0,0,4}, {10,10,-1,7,0,0,4}, {10,10,0,7,0,0,4}, {10,10,1,7,0,0,4},
    {10,10,3,7,0,0,4}, {10,10,9,7,0,0,4}, {10,10,10,7,0,0,4}, {10,10,11,7,0,0,4},
    {10,11,N,7,0,0,4}, {10,11,-11,7,0,0,4}, {10,11,-10,7,0,0,4}, {10,11,-3,7,0,0,4},
    {10,11,-1,7,0,0,4}, {10,11,0,7,0,0,4}, {10,11,1,7,0,0,4}, {10,11,3,7,0,0,4},
    {10,11,9,7,0,0,4}, {10,11,10,7,0,0,4}, {10,11,11,7,0,0,4}, {10,N,N,-7,2,9,-28},
    {10,N,-11,-7,2,9,-28}, {10,N,-10,-7,2,9,-28}, {10,N,-3,-7,1,9,-28}, {10,N,-1,-7,0,0,4},
    {10,N,0,-7,2,9,-28}, {10,N,1,-7,2,9,-28}, {10,N,3,-7,1,9,-28}, {10,N,9,-7,0,0,4},
    {10,N,10,-7,0,0,4}, {10,N,11,-7,0,0,4}, {10,-11,N,-7,0,0,4}, {10,-11,-11,-7,0,0,4},
    {10,-11,-10,-7,0,0,4}, {10,-11,-3,-7,0,0,4}, {10,-11,-1,-7,0,0,4}, {10,-11,0,-7,0,0,4},
    {10,-11,1,-7,0,0,4}, {10,-11,3,-7,0,0,4}, {10,-11,9,-7,0,0,4}, {10,-11,10,-7,0,0,4},
    {10,-11,11,-7,0,0,4}, {10,-10,N,-7,1,0,-28}, {10,-10,-11,-7,1,0,-28}, {10,-10,-10,-7,0,0,4},
    {10,-10,-3,-7,0,0,4}, {10,-10,-1,-7,0,0,4}, {10,-10,0,-7,0,0,4}, {10,-10,1,-7,0,0,4},
    {10,-10,3,-7,0,0,4}, {10,-10,9,-7,0,0,4}, {10,-10,10,-7,0,0,4}, {10,-10,11,-7,0,0,4},
    {10,-3,N,-7,2,7,-28}, {10,-3,-11,-7,2,7,-28}, {10,-3,-10,-7,1,7,-28}, {10,-3,-3,-7,0,0,4},
    {10,-3,-1,-7,0,0,4}, {10,-3,0,-7,1,7,-28}, {10,-3,1,-7,1,7,-28}, {10,-3,3,-7,1,7,-28},
    {10,-3,9,-7,0,0,4}, {10,-3,10,-7,0,0,4}, {10,-3,11,-7,0,0,4}, {10,-1,N,-7,2,9,-28},
    {10,-1,-11,-7,2,9,-28}, {10,-1,-10,-7,2,9,-28}, {10,-1,-3,-7,1,9,-28}, {10,-1,-1,-7,0,0,4},
    {10,-1,0,-7,2,9,-28}, {10,-1,1,-7,2,9,-28}, {10,-1,3,-7,1,9,-28}, {10,-1,9,-7,0,0,4},
    {10,-1,10,-7,0,0,4}, {10,-1,11,-7,0,0,4}, {10,0,N,-7,1,0,-28}, {10,0,-11,-7,1,0,-28},
    {10,0,-10,-7,0,0,4}, {10,0,-3,-7,0,0,4}, {10,0,-1,-7,0,0,4}, {10,0,0,-7,0,0,4},
    {10,0,1,-7,0,0,4}, {10,0,3,-7,0,0,4}, {10,0,9,-7,0,0,4}, {10,0,10,-7,0,0,4},
    {10,0,11,-7,0,0,4}, {10,1,N,-7,1,1,-28}, {10,1,-11,-7,1,1,-28}, {10,1,-10,-7,1,1,-28},
    {10,1,-3,-7,0,0,4}, {10,1,-1,-7,0,0,4}, {10,1,0,-7,1,1,-28}, {10,1,1,-7,0,0,4},
    {10,1,3,-7,0,0,4}, {10,1,9,-7,0,0,4}, {10,1,10,-7,0,0,4}, {10,1,11,-7,0,0,4},
    {10,3,N,-7,1,3,-28}, {10,3,-11,-7,1,3,-28}, {10,3,-10,-7,1,3,-28}, {10,3,-3,-7,0,0,4},
    {10,3,-1,-7,0,0,4}, {10,3,0,-7,1,3,-28}, {10,3,1,-7,1,3,-28}, {10,3,3,-7,0,0,4},
    {10,3,9,-7,0,0,4}, {10,3,10,-7,0,0,4}, {10,3,11,-7,0,0,4}, {10,9,N,-7,2,9,-28},
    {10,9,-11,-7,2,9,-28}, {10,9,-10,-7,2,9,-28}, {10,9,-3,-7,1,9,-28}, {10,9,-1,-7,0,0,4},
    {10,9,0,-7,2,9,-28}, {10,9,1,-7,2,9,-28}, {10,9,3,-7,1,9,-28}, {10,9,9,-7,0,0,4},
    {10,9,10,-7,0,0,4}, {10,9,11,-7,0,0,4}, {10,10,N,-7,2,9,-28}, {10,10,-11,-7,2,9,-28},
    {10,10,-10,-7,2,9,-28}, {10,10,-3,-7,1,9,-28}, {10,10,-1,-7,0,0,4}, {10,10,0,-7,2,9,-28},
    {10,10,1,-7,2,9,-28}, {10,10,3,-7,1,9,-28}, {10,10,9,-7,0,0,4}, {10,10,10,-7,0,0,4},
    {10,10,11,-7,0,0,4}, {10,11,N,-7,2,9,-28}, {10,11,-11,-7,2,9,-28}, {10,11,-10,-7,2,9,-28},
    {10,11,-3,-7,1,9,-28}, {10,11,-1,-7,0,0,4}, {10,11,0,-7,2,9,-28}, {10,11,1,-7,2,9,-28},
    {10,11,3,-7,1,9,-28}, {10,11,9,-7,0,0,4}, {10,11,10,-7,0,0,4}, {10,11,11,-7,0,0,4},
    {1,N,N,1,1,0,4}, {1,N,-2,1,0,0,4}, {1,N,-1,1,0,0,4}, {1,N,0,1,0,0,4},
    {1,N,1,1,1,0,4}, {1,N,2,1,1,0,4}, {1,-2,N,1,1,0,4}, {1,-2,-2,1,0,0,4},
    {1,-2,-1,1,0,0,4}, {1,-2,0,1,0,0,4}, {1,-2,1,1,1,0,4}, {1,-2,2,1,1,0,4},
    {1,-1,N,1,1,0,4}, {1,-1,-2,1,0,0,4}, {1,-1,-1,1,0,0,4}, {1,-1,0,1,0,0,4},
    {1,-1,1,1,1,0,4}, {1,-1,2,1,1,0,4}, {1,0,N,1,1,0,4}, {1,0,-2,1,0,0,4},
    {1,0,-1,1,0,0,4}, {1,0,0,1,0,0,4}, {1,0,1,1,1,0,4}, {1,0,2,1,1,0,4},
    {1,1,N,1,0,0,4}, {1,1,-2,1,0,0,4}, {1,1,-1,1,0,0,4}, {1,1,0,1,0,0,4},
    {1,1,1,1,0,0,4}, {1,1,2,1,0,0,4}, {1,2,N,1,0,0,4}, {1,2,-2,1,0,0,4},
    {1,2,-1,1,0,0,4}, {1,2,0,1,0,0,4}, {1,2,1,1,0,0,4}, {1,2,2,1,0,0,4},
    {1,N,N,-1,1,0,-4}, {1,N,-2,-1,1,0,-4}, {1,N,-1,-1,0,0,4}, {1,N,0,-1,0,0,4},
    {1,N,1,-1,0,0,4}, {1,N,2,-1,0,0,4}, {1,-2,N,-1,0,0,4}, {1,-2,-2,-1,0,0,4},
    {1,-2,-1,-1,0,0,4}, {1,-2,0,-1,0,0,4}, {1,-2,1,-1,0,0,4}, {1,-2,2,-1,0,0,4},
    {1,-1,N,-1,1,0,-4}, {1,-1,-2,-1,1,0,-4}, {1,-1,-1,-1,0,0,4}, {1,-1,0,-1,0,0,4},
    {1,-1,1,-1,0,0,4}, {1,-1,2,-1,0,0,4}, {1,0,N,-1,1,0,-4}, {1,0,-2,-1,1,0,-4},
    {1,0,-1,-1,0,0,4}, {1,0,0,-1,0,0,4}, {1,0,1,-1,0,0,4}, {1,0,2,-1,0,0,4},
    {1,1,N,-1,1,0,-4}, {1,1,-2,-1,1,0,-4}, {1,1,-1,-1,0,0,4}, {1,1,0,-1,0,0,4},
    {1,1,1,-1,0,0,4}, {1,1,2,-1,0,0,4}, {1,2,N,-1,1,0,-4}, {1,2,-2,-1,1,0,-4},
    {1,2,-1,-1,0,0,4}, {1,2,0,-1,0,0,4}, {1,2,1,-1,0,0,4}, {1,2,2,-1,0,0,4},
    {1,N,N,2,1,0,8}, {1,N,-2,2,0,0,4}, {1,N,-1,2,0,0,4}, {1,N,0,2,0,0,4},
    {1,N,1,2,1,0,8}, {1,N,2,2,1,0,8}, {1,-2,N,2,1,0,8}, {1,-2,-2,2,0,0,4},
    {1,-2,-1,2,0,0,4}, {1,-2,0,2,0,0,4}, {1,-2,1,2,1,0,8}, {1,-2,2,2,1,0,8},
    {1,-1,N,2,1,0,8}, {1,-1,-2,2,0,0,4}, {1,-1,-1,2,0,0,4}, {1,-1,0,2,0,0,4},
    {1,-1,1,2,1,0,8}, {1,-1,2,2,1,0,8}, {1,0,N,2,1,0,8}, {1,0,-2,2,0,0,4},
    {1,0,-1,2,0,0,4}, {1,0,0,2,0,0,4}, {1,0,1,2,1,0,8}, {1,0,2,2,1,0,8},
    {1,1,N,2,0,0,4}, {1,1,-2,2,0,0,4}, {1,1,-1,2,0,0,4}, {1,1,0,2,0,0,4},
    {1,1,1,2,0,0,4}, {1,1,2,2,0,0,4}, {1,2,N,2,0,0,4}, {1,2,-2,2,0,0,4},
    {1,2,-1,2,0,0,4}, {1,2,0,2,0,0,4}, {1,2,1,2,0,0,4}, {1,2,2,2,0,0,4},
    {1,N,N,-2,1,0,-8}, {1,N,-2,-2,1,0,-8}, {1,N,-1,-2,0,0,4}, {1,N,0,-2,0,0,4},
    {1,N,1,-2,0,0,4}, {1,N,2,-2,0,0,4}, {1,-2,N,-2,0,0,4}, {1,-2,-2,-2,0,0,4},
    {1,-2,-1,-2,0,0,4}, {1,-2,0,-2,0,0,4}, {1,-2,1,-2,0,0,4}, {1,-2,2,-2,0,0,4},
    {1,-1,N,-2,1,0,-8}, {1,-1,-2,-2,1,0,-8}, {1,-1,-1,-2,0,0,4}, {1,-1,0,-2,0,0,4},
    {1,-1,1,-2,0,0,4}, {1,-1,2,-2,0,0,4}, {1,0,N,-2,1,0,-8}, {1,0,-2,-2,1,0,-8},
    {1,0,-1,-2,0,0,4}, {1,0,0,-2,0,0,4}, {1,0,1,-2,0,0,4}, {1,0,2,-2,0,0,4},
    {1,1,N,-2,1,0,-8}, {1,1,-2,-2,1,0,-8}, {1,1,-1,-2,0,0,4}, {1,1,0,-2,0,0,4},
    {1,1,1,-2,0,0,4}, {1,1,2,-2,0,0,4}, {1,2,N,-2,1,0,-8}, {1,2,-2,-2,1,0,-8},
    {1,2,-1,-2,0,0,4}, {1,2,0,-2,0,0,4}, {1,2,1,-2,0,0,4}, {1,2,2,-2,0,0,4},
    {1,N,N,7,1,0,28}, {1,N,-2,7,0,0,4}, {1,N,-1,7,0,0,4}, {1,N,0,7,0,0,4},
    {1,N,1,7,1,0,28}, {1,N,2,7,1,0,28}, {1,-2,N,7,1,0,28}, {1,-2,-2,7,0,0,4},
    {1,-2,-1,7,0,0,4}, {1,-2,0,7,0,0,4}, {1,-2,1,7,1,0,28}, {1,-2,2,7,1,0,28},
    {1,-1,N,7,1,0,28}, {1,-1,-2,7,0,0,4}, {1,-1,-1,7,0,0,4}, {1,-1,0,7,0,0,4},
    {1,-1,1,7,1,0,28}, {1,-1,2,7,1,0,28}, {1,0,N,7,1,0,28}, {1,0,-2,7,0,0,4},
    {1,0,-1,7,0,0,4}, {1,0,0,7,0,0,4}, {1,0,1,7,1,0,28}, {1,0,2,7,1,0,28},
    {1,1,N,7,0,0,4}, {1,1,-2,7,0,0,4}, {1,1,-1,7,0,0,4}, {1,1,0,7,0,0,4},
    {1,1,1,7,0,0,4}, {1,1,2,7,0,0,4}, {1,2,N,7,0,0,4}, {1,2,-2,7,0,0,4},
    {1,2,-1,7,0,0,4}, {1,2,0,7,0,0,4}, {1,2,1,7,0,0,4}, {1,2,2,7,0,0,4},
    {1,N,N,-7,1,0,-28}, {1,N,-2,-7,1,0,-28}, {1,N,-1,-7,0,0,4}, {1,N,0,-7,0,0,4},
    {1,N,1,-7,0,0,4}, {1,N,2,-7,0,0,4}, {1,-2,N,-7,0,0,4}, {1,-2,-2,-7,0,0,4},
    {1,-2,-1,-7,0,0,4}, {1,-2,0,-7,0,0,4}, {1,-2,1,-7,0,0,4}, {1,-2,2,-7,0,0,4},
    {1,-1,N,-7,1,0,-28}, {1,-1,-2,-7,1,0,-28}, {1,-1,-1,-7,0,0,4}, {1,-1,0,-7,0,0,4},
    {1,-1,1,-7,0,0,4}, {1,-1,2,-7,0,0,4}, {1,0,N,-7,1,0,-28}, {1,0,-2,-7,1,0,-28},
    {1,0,-1,-7,0,0,4}, {1,0,0,-7,0,0,4}, {1,0,1,-7,0,0,4}, {1,0,2,-7,0,0,4},
    {1,1,N,-7,1,0,-28}, {1,1,-2,-7,1,0,-28}, {1,1,-1,-7,0,0,4}, {1,1,0,-7,0,0,4},
    {1,1,1,-7,0,0,4}, {1,1,2,-7,0,0,4}, {1,2,N,-7,1,0,-28}, {1,2,-2,-7,1,0,-28},
    {1,2,-1,-7,0,0,4}, {1,2,0,-7,0,0,4}, {1,2,1,-7,0,0,4}, {1,2,2,-7,0,0,4},
    {0,N,N,1,0,0,0}, {0,N,-1,1,0,0,0}, {0,N,0,1,0,0,0}, {0,N,1,1,0,0,0},
    {0,-1,N,1,0,0,0}, {0,-1,-1,1,0,0,0}, {0,-1,0,1,0,0,0}, {0,-1,1,1,0,0,0},
    {0,0,N,1,0,0,0}, {0,0,-1,1,0,0,0}, {0,0,0,1,0,0,0}, {0,0,1,1,0,0,0},
    {0,1,N,1,0,0,0}, {0,1,-1,1,0,0,0}, {0,1,0,1,0,0,0}, {0,1,1,1,0,0,0},
    {0,N,N,-1,0,0,0}, {0,N,-1,-1,0,0,0}, {0,N,0,-1,0,0,0}, {0,N,1,-1,0,0,0},
    {0,-1,N,-1,0,0,0}, {0,-1,-1,-1,0,0,0}, {0,-1,0,-1,0,0,0}, {0,-1,1,-1,0,0,0},
    {0,0,N,-1,0,0,0}, {0,0,-1,-1,0,0,0}, {0,0,0,-1,0,0,0}, {0,0,1,-1,0,0,0},
    {0,1,N,-1,0,0,0}, {0,1,-1,-1,0,0,0}, {0,1,0,-1,0,0,0}, {0,1,1,-1,0,0,0},
    {0,N,N,2,0,0,0}, {0,N,-1,2,0,0,0}, {0,N,0,2,0,0,0}, {0,N,1,2,0,0,0},
    {0,-1,N,2,0,0,0}, {0,-1,-1,2,0,0,0}, {0,-1,0,2,0,0,0}, {0,-1,1,2,0,0,0},
    {0,0,N,2,0,0,0}, {0,0,-1,2,0,0,0}, {0,0,0,2,0,0,0}, {0,0,1,2,0,0,0},
    {0,1,N,2,0,0,0}, {0,1,-1,2,0,0,0}, {0,1,0,2,0,0,0}, {0,1,1,2,0,0,0},
    {0,N,N,-2,0,0,0}, {0,N,-1,-2,0,0,0}, {0,N,0,-2,0,0,0}, {0,N,1,-2,0,0,0},
    {0,-1,N,-2,0,0,0}, {0,-1,-1,-2,0,0,0}, {0,-1,0,-2,0,0,0}, {0,-1,1,-2,0,0,0},
    {0,0,N,-2,0,0,0}, {0,0,-1,-2,0,0,0}, {0,0,0,-2,0,0,0}, {0,0,1,-2,0,0,0},
    {0,1,N,-2,0,0,0}, {0,1,-1,-2,0,0,0}, {0,1,0,-2,0,0,0}, {0,1,1,-2,0,0,0},
};
// clang-format on
#undef N

START_TEST(slice_table)
{
    nd_array *bases[11] = {NULL};
    for (size_t i = 0; i < sizeof slice_cases / sizeof slice_cases[0]; i++) {
        int64_t n = slice_cases[i].n;
        if (!bases[n])
            bases[n] = nd_arange(ND_INT32, 0, (double)n, 1);
        nd_array *x = bases[n];
        nd_array *s = nd_slice(x, 0, slice_cases[i].start, slice_cases[i].stop, slice_cases[i].step);
        ck_assert_msg(s != NULL, "case %zu: %s", i, nd_last_error());
        ck_assert_msg(nd_shape(s)[0] == slice_cases[i].len,
                      "x=arange(%lld)[%lld:%lld:%lld]: length %lld, expected %lld (None = %lld)",
                      (long long)n, (long long)slice_cases[i].start, (long long)slice_cases[i].stop,
                      (long long)slice_cases[i].step, (long long)nd_shape(s)[0],
                      (long long)slice_cases[i].len, (long long)ND_NONE);
        ck_assert_msg(slice_cases[i].len == 0 || nd_strides(s)[0] == slice_cases[i].stride,
                      "x=arange(%lld)[%lld:%lld:%lld]: stride %lld, expected %lld", (long long)n,
                      (long long)slice_cases[i].start, (long long)slice_cases[i].stop,
                      (long long)slice_cases[i].step, (long long)nd_strides(s)[0],
                      (long long)slice_cases[i].stride);
        ck_assert_msg(offset_of(s, x) == 4 * slice_cases[i].off,
                      "x=arange(%lld)[%lld:%lld:%lld]: data at byte %lld, expected %lld",
                      (long long)n, (long long)slice_cases[i].start, (long long)slice_cases[i].stop,
                      (long long)slice_cases[i].step, (long long)offset_of(s, x),
                      (long long)(4 * slice_cases[i].off));
        bool contiguous = slice_cases[i].len <= 1 || slice_cases[i].stride == 4;
        ck_assert_flags(s, contiguous, contiguous, true);
        for (int64_t k = 0; k < slice_cases[i].len; k++) {
            int64_t v;
            ck_assert_int_eq(nd_get_int64(s, &k, &v), 0);
            ck_assert_int_eq(v, slice_cases[i].off + k * slice_cases[i].stride / 4);
        }
        nd_free(s);
    }
    for (int i = 0; i < 11; i++)
        nd_free(bases[i]);
}
END_TEST

START_TEST(empty_slice_strides_as_numpy)
{
    /* An empty slice gets the stride of a step-1 slice in NumPy 1.24:
     * np.arange(10, dtype=np.int32)[5:5:-2].strides == (4,), [8:2:3] too. */
    nd_array *x = nd_arange(ND_INT32, 0, 10, 1);
    for (size_t i = 0; i < sizeof slice_cases / sizeof slice_cases[0]; i++) {
        if (slice_cases[i].n != 10 || slice_cases[i].len != 0)
            continue;
        nd_array *s = nd_slice(x, 0, slice_cases[i].start, slice_cases[i].stop, slice_cases[i].step);
        ck_assert_msg(nd_strides(s)[0] == slice_cases[i].stride,
                      "x[%lld:%lld:%lld] (None = %lld): stride %lld, expected %lld",
                      (long long)slice_cases[i].start, (long long)slice_cases[i].stop,
                      (long long)slice_cases[i].step, (long long)ND_NONE,
                      (long long)nd_strides(s)[0], (long long)slice_cases[i].stride);
        nd_free(s);
    }
    /* 2-D: m[::-1][3:0] keeps the row stride of m[::-1] (-16). */
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *flip = nd_slice(m, 0, ND_NONE, ND_NONE, -1);
    nd_array *e = nd_slice(m, 1, 3, 1, 2); /* m[:, 3:1:2] */
    ck_assert_shape(e, ND_INT32, 2, 3, 0);
    ck_assert_strides(e, 2, 16, 4);
    nd_free(e);
    e = nd_slice(flip, 0, 3, 0, 1);
    ck_assert_shape(e, ND_INT32, 2, 0, 4);
    ck_assert_strides(e, 2, -16, 4);
    nd_free(e), nd_free(flip), nd_free(m), nd_free(x);
}
END_TEST

START_TEST(slice_extreme_bounds)
{
    /* Python clamps any int64: x[sys.maxsize::-1], x[-sys.maxsize:sys.maxsize],
     * x[::sys.maxsize] == [0], x[::-sys.maxsize] == [9], x[3:sys.maxsize:3]. */
    nd_array *x = nd_arange(ND_INT32, 0, 10, 1);
    nd_array *s = nd_slice(x, 0, INT64_MAX, ND_NONE, -1);
    ck_assert_values(s, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    nd_free(s);
    s = nd_slice(x, 0, -INT64_MAX, INT64_MAX, 1);
    ck_assert_values(s, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    nd_free(s);
    s = nd_slice(x, 0, ND_NONE, ND_NONE, INT64_MAX);
    ck_assert_values(s, 0);
    ck_assert_ptr_eq(nd_data(s), nd_data(x));
    nd_free(s);
    s = nd_slice(x, 0, ND_NONE, ND_NONE, -INT64_MAX);
    ck_assert_values(s, 9);
    ck_assert_int_eq(offset_of(s, x), 36);
    nd_free(s);
    s = nd_slice(x, 0, 3, INT64_MAX, 3);
    ck_assert_values(s, 3, 6, 9);
    ck_assert_int_eq(nd_strides(s)[0], 12);
    nd_free(s);
    s = nd_slice(x, 0, ND_NONE, -INT64_MAX, -1);
    ck_assert_values(s, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    nd_free(s);
    nd_free(x);
}
END_TEST

START_TEST(slice_two_d)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *s = nd_slice(m, 0, 1, 3, 1); /* m[1:3] */
    EXPECT_VIEW(s, m, 2, SHAPE(2, 4), SHAPE(16, 4), 16, true, false, true,
                VALS(4, 5, 6, 7, 8, 9, 10, 11));
    nd_free(s);
    s = nd_slice(m, 1, 1, 3, 1); /* m[:, 1:3] */
    EXPECT_VIEW(s, m, 2, SHAPE(3, 2), SHAPE(16, 4), 4, false, false, true, VALS(1, 2, 5, 6, 9, 10));
    nd_free(s);
    s = nd_slice(m, 1, ND_NONE, ND_NONE, -2); /* m[:, ::-2] */
    EXPECT_VIEW(s, m, 2, SHAPE(3, 2), SHAPE(16, -8), 12, false, false, true,
                VALS(3, 1, 7, 5, 11, 9));
    nd_free(s);
    s = nd_slice(m, 0, 1, 2, 1); /* m[1:2]: both flags */
    EXPECT_VIEW(s, m, 2, SHAPE(1, 4), SHAPE(16, 4), 16, true, true, true, VALS(4, 5, 6, 7));
    nd_free(s);
    s = nd_slice(m, 1, 2, 3, 1); /* m[:, 2:3] */
    EXPECT_VIEW(s, m, 2, SHAPE(3, 1), SHAPE(16, 4), 8, false, false, true, VALS(2, 6, 10));
    nd_free(s);
    nd_array *flip = nd_slice(m, 0, ND_NONE, ND_NONE, -1);
    s = nd_slice(flip, 1, 1, 2, 1); /* m[::-1, 1:2] */
    EXPECT_VIEW(s, m, 2, SHAPE(3, 1), SHAPE(-16, 4), 36, false, false, true, VALS(9, 5, 1));
    nd_free(s);
    nd_free(flip);
    nd_array *rows = nd_slice(m, 0, 2, 0, -1);
    s = nd_slice(rows, 1, 3, 0, -2); /* m[2:0:-1, 3:0:-2] */
    EXPECT_VIEW(s, m, 2, SHAPE(2, 2), SHAPE(-16, -8), 44, false, false, true, VALS(11, 9, 7, 5));
    nd_free(s);
    nd_free(rows);
    nd_array *mt = nd_transpose(m, NULL);
    s = nd_slice(mt, 0, 1, 3, 1); /* m.T[1:3] */
    EXPECT_VIEW(s, m, 2, SHAPE(2, 3), SHAPE(4, 16), 4, false, false, true, VALS(1, 5, 9, 2, 6, 10));
    nd_free(s);
    s = nd_slice(mt, 1, 1, 2, 1); /* m.T[:, 1:2] */
    EXPECT_VIEW(s, m, 2, SHAPE(4, 1), SHAPE(4, 16), 16, true, true, true, VALS(4, 5, 6, 7));
    nd_free(s);
    nd_free(mt);
    s = nd_slice(m, 0, 5, ND_NONE, 1); /* m[5:] */
    ck_assert_shape(s, ND_INT32, 2, 0, 4);
    ck_assert_strides(s, 2, 16, 4);
    ck_assert_flags(s, true, true, true);
    ck_assert_ptr_eq(nd_data(s), nd_data(m));
    nd_free(s);
    s = nd_slice(m, 1, 9, 1, 1); /* m[:, 9:1] */
    ck_assert_shape(s, ND_INT32, 2, 3, 0);
    ck_assert_strides(s, 2, 16, 4);
    ck_assert_ptr_eq(nd_data(s), nd_data(m));
    nd_free(s);
    /* Views of views: m[::2][::-1] and m[1:][:, 1:][1:, ::2]. */
    nd_array *every = nd_slice(m, 0, ND_NONE, ND_NONE, 2);
    s = nd_slice(every, 0, ND_NONE, ND_NONE, -1);
    EXPECT_VIEW(s, m, 2, SHAPE(2, 4), SHAPE(-32, 4), 32, false, false, true,
                VALS(8, 9, 10, 11, 0, 1, 2, 3));
    nd_free(s);
    nd_free(every);
    nd_array *a1 = nd_slice(m, 0, 1, ND_NONE, 1);
    nd_array *a2 = nd_slice(a1, 1, 1, ND_NONE, 1);
    nd_array *a3 = nd_slice(a2, 0, 1, ND_NONE, 1);
    s = nd_slice(a3, 1, ND_NONE, ND_NONE, 2);
    EXPECT_VIEW(s, m, 2, SHAPE(1, 2), SHAPE(16, 8), 36, false, false, true, VALS(9, 11));
    nd_free(s), nd_free(a1), nd_free(a2), nd_free(a3), nd_free(m);
}
END_TEST

START_TEST(slice_errors)
{
    nd_array *x = nd_arange(ND_INT64, 0, 10, 1);
    EXPECT_ERROR(nd_slice(x, 0, 0, 5, 0), "slice step cannot be zero", ND_ERR_VALUE);
    EXPECT_ERROR(nd_slice(x, 0, ND_NONE, ND_NONE, 0), "slice step cannot be zero", ND_ERR_VALUE);
    EXPECT_ERROR(nd_slice(x, 1, 0, 5, 1), "axis 1 is out of bounds for array of dimension 1",
                 ND_ERR_AXIS);
    nd_array *s = nd_full(ND_INT64, 0, NULL, 1);
    /* As NumPy indexing a 0-d array: np.zeros(())[0:1] raises IndexError. */
    EXPECT_ERROR(nd_slice(s, 0, 0, 1, 1),
                 "too many indices for array: array is 0-dimensional, but 1 were indexed",
                 ND_ERR_INDEX);
    nd_free(s);
    nd_free(x);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* squeeze and expand_dims                                                  */
/* ------------------------------------------------------------------------ */

START_TEST(squeeze_cases)
{
    /* q = np.arange(3, dtype=np.float32).reshape(1, 3, 1, 1), strides (12, 4, 4, 4) */
    nd_array *q = arange_shaped(ND_FLOAT32, 4, SHAPE(1, 3, 1, 1));
    nd_array *s = nd_squeeze(q, 0, NULL);
    EXPECT_VIEW(s, q, 1, SHAPE(3), SHAPE(4), 0, true, true, true, VALS(0, 1, 2));
    nd_free(s);
    s = nd_squeeze(q, 1, (int[]){0});
    EXPECT_VIEW(s, q, 3, SHAPE(3, 1, 1), SHAPE(4, 4, 4), 0, true, true, true, VALS(0, 1, 2));
    nd_free(s);
    s = nd_squeeze(q, 2, (int[]){0, -1});
    EXPECT_VIEW(s, q, 2, SHAPE(3, 1), SHAPE(4, 4), 0, true, true, true, VALS(0, 1, 2));
    nd_free(s);
    s = nd_squeeze(q, 2, (int[]){2, 3});
    EXPECT_VIEW(s, q, 2, SHAPE(1, 3), SHAPE(12, 4), 0, true, true, true, VALS(0, 1, 2));
    nd_free(s);
    s = nd_squeeze(q, 1, (int[]){-2});
    EXPECT_VIEW(s, q, 3, SHAPE(1, 3, 1), SHAPE(12, 4, 4), 0, true, true, true, VALS(0, 1, 2));
    nd_free(s);
    EXPECT_ERROR(nd_squeeze(q, 1, (int[]){1}),
                 "cannot select an axis to squeeze out which has size not equal to one",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_squeeze(q, 2, (int[]){0, 1}),
                 "cannot select an axis to squeeze out which has size not equal to one",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_squeeze(q, 2, (int[]){0, 0}), "duplicate value in 'axis'", ND_ERR_VALUE);
    EXPECT_ERROR(nd_squeeze(q, 2, (int[]){2, -2}), "duplicate value in 'axis'", ND_ERR_VALUE);
    EXPECT_ERROR(nd_squeeze(q, 1, (int[]){4}), "axis 4 is out of bounds for array of dimension 4",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_squeeze(q, 1, (int[]){-5}), "axis -5 is out of bounds for array of dimension 4",
                 ND_ERR_AXIS);
    nd_free(q);

    /* (1, 1) -> 0-d; 0-d stays 0-d; (1, 0, 1) -> (0,). */
    nd_array *one = nd_full(ND_INT16, 2, SHAPE(1, 1), 4);
    s = nd_squeeze(one, 0, NULL);
    EXPECT_VIEW(s, one, 0, SHAPE(0), SHAPE(0), 0, true, true, true, VALS(4));
    nd_array *again = nd_squeeze(s, 0, NULL);
    EXPECT_VIEW(again, one, 0, SHAPE(0), SHAPE(0), 0, true, true, true, VALS(4));
    nd_free(again), nd_free(s), nd_free(one);
    nd_array *empty = nd_zeros(ND_INT16, 3, SHAPE(1, 0, 1));
    s = nd_squeeze(empty, 0, NULL);
    ck_assert_shape(s, ND_INT16, 1, 0);
    nd_free(s);
    nd_free(empty);
    /* Squeezing keeps a read-only view read-only. */
    nd_array *row = nd_arange(ND_INT16, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 3, SHAPE(1, 1, 3));
    s = nd_squeeze(b, 0, NULL);
    EXPECT_VIEW(s, row, 1, SHAPE(3), SHAPE(2), 0, true, true, false, VALS(0, 1, 2));
    nd_free(s), nd_free(b), nd_free(row);
}
END_TEST

START_TEST(expand_dims_every_axis)
{
    /* f = np.arange(6, dtype=np.float32).reshape(2, 3), strides (12, 4) */
    nd_array *f = arange_shaped(ND_FLOAT32, 2, SHAPE(2, 3));
    // clang-format off
    const struct { int axis; int64_t shape[3], strides[3]; } cases[] = {
        {-3, {1, 2, 3}, {24, 12, 4}}, {-2, {2, 1, 3}, {12, 12, 4}}, {-1, {2, 3, 1}, {12, 4, 4}},
        {0, {1, 2, 3}, {24, 12, 4}},  {1, {2, 1, 3}, {12, 12, 4}},  {2, {2, 3, 1}, {12, 4, 4}},
    };
    // clang-format on
    for (size_t i = 0; i < 6; i++) {
        nd_array *e = nd_expand_dims(f, cases[i].axis);
        EXPECT_VIEW(e, f, 3, cases[i].shape, cases[i].strides, 0, true, false, true,
                    VALS(0, 1, 2, 3, 4, 5));
        nd_free(e);
    }
    EXPECT_ERROR(nd_expand_dims(f, 3), "axis 3 is out of bounds for array of dimension 3",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_expand_dims(f, -4), "axis -4 is out of bounds for array of dimension 3",
                 ND_ERR_AXIS);

    /* f[:, ::2]: (2, 2), strides (12, 8) */
    nd_array *fm = nd_slice(f, 1, ND_NONE, ND_NONE, 2);
    // clang-format off
    const struct { int axis; int64_t shape[3], strides[3]; } strided[] = {
        {-3, {1, 2, 2}, {24, 12, 8}}, {-2, {2, 1, 2}, {12, 16, 8}}, {-1, {2, 2, 1}, {12, 8, 8}},
        {0, {1, 2, 2}, {24, 12, 8}},  {1, {2, 1, 2}, {12, 16, 8}},  {2, {2, 2, 1}, {12, 8, 8}},
    };
    // clang-format on
    for (size_t i = 0; i < 6; i++) {
        nd_array *e = nd_expand_dims(fm, strided[i].axis);
        EXPECT_VIEW(e, f, 3, strided[i].shape, strided[i].strides, 0, false, false, true,
                    VALS(0, 2, 3, 5));
        nd_free(e);
    }
    nd_free(fm);

    /* f.T: (3, 2), strides (4, 12) */
    nd_array *ft = nd_transpose(f, NULL);
    // clang-format off
    const struct { int axis; int64_t shape[3], strides[3]; } fortran[] = {
        {-3, {1, 3, 2}, {12, 4, 12}}, {-2, {3, 1, 2}, {4, 24, 12}}, {-1, {3, 2, 1}, {4, 12, 12}},
        {0, {1, 3, 2}, {12, 4, 12}},  {1, {3, 1, 2}, {4, 24, 12}},  {2, {3, 2, 1}, {4, 12, 12}},
    };
    // clang-format on
    for (size_t i = 0; i < 6; i++) {
        nd_array *e = nd_expand_dims(ft, fortran[i].axis);
        EXPECT_VIEW(e, f, 3, fortran[i].shape, fortran[i].strides, 0, false, true, true,
                    VALS(0, 3, 1, 4, 2, 5));
        nd_free(e);
    }
    nd_free(ft);

    nd_array *s = nd_full(ND_FLOAT32, 0, NULL, 2);
    nd_array *e = nd_expand_dims(s, 0);
    EXPECT_VIEW(e, s, 1, SHAPE(1), SHAPE(4), 0, true, true, true, VALS(2));
    nd_free(e);
    e = nd_expand_dims(s, -1);
    EXPECT_VIEW(e, s, 1, SHAPE(1), SHAPE(4), 0, true, true, true, VALS(2));
    nd_free(e);
    EXPECT_ERROR(nd_expand_dims(s, 1), "axis 1 is out of bounds for array of dimension 1",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_expand_dims(s, -2), "axis -2 is out of bounds for array of dimension 1",
                 ND_ERR_AXIS);
    nd_free(s);
    nd_free(f);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* broadcast_to                                                             */
/* ------------------------------------------------------------------------ */

START_TEST(broadcast_to_views)
{
    nd_array *row = nd_arange(ND_FLOAT64, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 2, SHAPE(4, 3));
    EXPECT_VIEW(b, row, 2, SHAPE(4, 3), SHAPE(0, 8), 0, false, false, false,
                VALS(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2));
    nd_clear_error();
    ck_assert_int_eq(nd_set(b, (int64_t[]){0, 0}, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_set_int64(b, (int64_t[]){3, 2}, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_fill(b, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    /* The source stays writeable and its writes show through. */
    ck_assert(nd_is_writeable(row));
    ck_assert_int_eq(nd_set(row, (int64_t[]){1}, 7), 0);
    ck_assert_values(b, 0, 7, 2, 0, 7, 2, 0, 7, 2, 0, 7, 2);
    ck_assert_int_eq(nd_set(row, (int64_t[]){1}, 1), 0);
    nd_free(b);

    b = nd_broadcast_to(row, 3, SHAPE(2, 4, 3));
    ck_assert_shape(b, ND_FLOAT64, 3, 2, 4, 3);
    ck_assert_strides(b, 3, 0, 0, 8);
    nd_free(b);
    b = nd_broadcast_to(row, 1, SHAPE(3)); /* same shape */
    EXPECT_VIEW(b, row, 1, SHAPE(3), SHAPE(8), 0, true, true, false, VALS(0, 1, 2));
    nd_free(b);
    b = nd_broadcast_to(row, 2, SHAPE(0, 3));
    ck_assert_shape(b, ND_FLOAT64, 2, 0, 3);
    ck_assert_strides(b, 2, 0, 8);
    ck_assert_flags(b, true, true, false);
    nd_free(b);

    nd_array *col = arange_shaped(ND_FLOAT64, 2, SHAPE(3, 1));
    b = nd_broadcast_to(col, 2, SHAPE(3, 4));
    EXPECT_VIEW(b, col, 2, SHAPE(3, 4), SHAPE(8, 0), 0, false, false, false,
                VALS(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2));
    nd_free(b);
    b = nd_broadcast_to(col, 3, SHAPE(2, 3, 5));
    ck_assert_strides(b, 3, 0, 8, 0);
    ck_assert(get_at(b, (int64_t[]){1, 2, 4}) == 2);
    nd_free(b);
    b = nd_broadcast_to(col, 3, SHAPE(1, 3, 1));
    EXPECT_VIEW(b, col, 3, SHAPE(1, 3, 1), SHAPE(0, 8, 0), 0, true, true, false, VALS(0, 1, 2));
    nd_free(b);
    b = nd_broadcast_to(col, 2, SHAPE(3, 0));
    ck_assert_shape(b, ND_FLOAT64, 2, 3, 0);
    ck_assert_strides(b, 2, 8, 0);
    nd_free(b);

    nd_array *m = arange_shaped(ND_FLOAT64, 2, SHAPE(2, 3));
    b = nd_broadcast_to(m, 3, SHAPE(3, 2, 3));
    EXPECT_VIEW(b, m, 3, SHAPE(3, 2, 3), SHAPE(0, 24, 8), 0, false, false, false,
                VALS(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5));
    nd_free(b);

    nd_array *s = nd_full(ND_FLOAT64, 0, NULL, 5);
    b = nd_broadcast_to(s, 2, SHAPE(2, 3));
    EXPECT_VIEW(b, s, 2, SHAPE(2, 3), SHAPE(0, 0), 0, false, false, false, VALS(5, 5, 5, 5, 5, 5));
    nd_free(b);
    b = nd_broadcast_to(s, 0, NULL);
    EXPECT_VIEW(b, s, 0, SHAPE(0), SHAPE(0), 0, true, true, false, VALS(5));
    nd_free(b);

    /* A broadcast of a broadcast. */
    nd_array *b1 = nd_broadcast_to(row, 2, SHAPE(2, 3));
    b = nd_broadcast_to(b1, 3, SHAPE(2, 2, 3));
    EXPECT_VIEW(b, row, 3, SHAPE(2, 2, 3), SHAPE(0, 0, 8), 0, false, false, false,
                VALS(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2));
    nd_free(b), nd_free(b1), nd_free(s), nd_free(m), nd_free(col), nd_free(row);
}
END_TEST

START_TEST(broadcast_to_errors)
{
    nd_array *row = nd_arange(ND_FLOAT64, 0, 3, 1);
    EXPECT_ERROR(nd_broadcast_to(row, 1, SHAPE(4)),
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (3,)  and requested shape (4,)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(row, 1, SHAPE(1)),
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (3,)  and requested shape (1,)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(row, 2, SHAPE(3, 1)),
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (3,)  and requested shape (3,1)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(row, 3, SHAPE(3, 3, 0)),
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (3,)  and requested shape (3,3,0)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(row, 0, NULL), "cannot broadcast a non-scalar to a scalar array",
                 ND_ERR_VALUE);
    nd_array *col = arange_shaped(ND_FLOAT64, 2, SHAPE(3, 1));
    EXPECT_ERROR(nd_broadcast_to(col, 2, SHAPE(4, 3)),
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (3,1)  and requested shape (4,3)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(col, 1, SHAPE(3)),
                 "input operand has more dimensions than allowed by the axis remapping",
                 ND_ERR_VALUE);
    nd_array *m = arange_shaped(ND_FLOAT64, 2, SHAPE(2, 3));
    EXPECT_ERROR(nd_broadcast_to(m, 3, SHAPE(2, 3, 2)),
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (2,3)  and requested shape (2,3,2)",
                 ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(m, 2, SHAPE(2, -1)),
                 "all elements of broadcast shape must be non-negative", ND_ERR_VALUE);
    EXPECT_ERROR(nd_broadcast_to(m, 2, SHAPE(-1, 3)),
                 "all elements of broadcast shape must be non-negative", ND_ERR_VALUE);
    nd_free(row), nd_free(col), nd_free(m);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* as_strided                                                               */
/* ------------------------------------------------------------------------ */

#define OUTSIDE "as_strided: the requested view reaches outside the array's memory"

START_TEST(as_strided_windows)
{
    nd_array *x = nd_arange(ND_INT32, 0, 6, 1);
    /* Sliding windows of 3: shape (4, 3), strides (4, 4), neither C nor F. */
    nd_array *w = nd_as_strided(x, 2, SHAPE(4, 3), SHAPE(4, 4));
    EXPECT_VIEW(w, x, 2, SHAPE(4, 3), SHAPE(4, 4), 0, false, false, true,
                VALS(0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5));
    /* Windows share elements: a write shows in every window holding it. */
    ck_assert_int_eq(nd_set(w, (int64_t[]){0, 2}, 20), 0);
    ck_assert(get_at(w, (int64_t[]){2, 0}) == 20 && get_at(x, (int64_t[]){2}) == 20);
    ck_assert_int_eq(nd_set(x, (int64_t[]){2}, 2), 0);
    nd_free(w);
    /* Zero strides: one element repeated. */
    w = nd_as_strided(x, 2, SHAPE(2, 3), SHAPE(0, 0));
    EXPECT_VIEW(w, x, 2, SHAPE(2, 3), SHAPE(0, 0), 0, false, false, true, VALS(0, 0, 0, 0, 0, 0));
    nd_free(w);
    /* Reinterpreting the buffer as C and F matrices. */
    w = nd_as_strided(x, 2, SHAPE(2, 3), SHAPE(12, 4));
    EXPECT_VIEW(w, x, 2, SHAPE(2, 3), SHAPE(12, 4), 0, true, false, true, VALS(0, 1, 2, 3, 4, 5));
    nd_free(w);
    w = nd_as_strided(x, 2, SHAPE(3, 2), SHAPE(4, 12));
    EXPECT_VIEW(w, x, 2, SHAPE(3, 2), SHAPE(4, 12), 0, false, true, true, VALS(0, 3, 1, 4, 2, 5));
    nd_free(w);
    /* Negative strides from the last element: x[5:] walked backwards. */
    nd_array *last = nd_slice(x, 0, 5, ND_NONE, 1);
    w = nd_as_strided(last, 1, SHAPE(6), SHAPE(-4));
    EXPECT_VIEW(w, x, 1, SHAPE(6), SHAPE(-4), 20, false, false, true, VALS(5, 4, 3, 2, 1, 0));
    nd_free(w);
    nd_free(last);
    nd_array *tail = nd_slice(x, 0, 3, ND_NONE, 1);
    w = nd_as_strided(tail, 1, SHAPE(2), SHAPE(-12));
    EXPECT_VIEW(w, x, 1, SHAPE(2), SHAPE(-12), 12, false, false, true, VALS(3, 0));
    nd_free(w);
    /* 0-d and empty requests. */
    w = nd_as_strided(tail, 0, NULL, NULL);
    EXPECT_VIEW(w, x, 0, SHAPE(0), SHAPE(0), 12, true, true, true, VALS(3));
    nd_free(w);
    w = nd_as_strided(x, 2, SHAPE(0, 5), SHAPE(4, 4));
    ck_assert_ptr_nonnull(w);
    ck_assert_shape(w, ND_INT32, 2, 0, 5);
    nd_free(w);
    nd_free(tail);
    /* A read-only source gives a read-only result. */
    nd_array *b = nd_broadcast_to(x, 2, SHAPE(2, 6));
    w = nd_as_strided(b, 1, SHAPE(3), SHAPE(8));
    EXPECT_VIEW(w, x, 1, SHAPE(3), SHAPE(8), 0, false, false, false, VALS(0, 2, 4));
    nd_free(w), nd_free(b), nd_free(x);
}
END_TEST

START_TEST(as_strided_stays_inside)
{
    nd_array *x = nd_arange(ND_INT32, 0, 6, 1);
    EXPECT_ERROR(nd_as_strided(x, 2, SHAPE(5, 3), SHAPE(4, 4)), OUTSIDE, ND_ERR_VALUE);
    EXPECT_ERROR(nd_as_strided(x, 1, SHAPE(7), SHAPE(4)), OUTSIDE, ND_ERR_VALUE);
    EXPECT_ERROR(nd_as_strided(x, 1, SHAPE(2), SHAPE(-4)), OUTSIDE, ND_ERR_VALUE); /* before */
    EXPECT_ERROR(nd_as_strided(x, 2, SHAPE(2, 2), SHAPE(24, 0)), OUTSIDE, ND_ERR_VALUE);
    nd_array *tail = nd_slice(x, 0, 3, ND_NONE, 1);
    EXPECT_ERROR(nd_as_strided(tail, 1, SHAPE(2), SHAPE(-16)), OUTSIDE, ND_ERR_VALUE);
    EXPECT_ERROR(nd_as_strided(tail, 1, SHAPE(4), SHAPE(4)), OUTSIDE, ND_ERR_VALUE);
    /* Overflowing spans are refused, not wrapped around. */
    nd_clear_error();
    ck_assert_ptr_null(nd_as_strided(x, 1, SHAPE(2), SHAPE(INT64_MAX - 3)));
    ck_assert_ptr_null(nd_as_strided(x, 1, SHAPE(2), SHAPE(INT64_MIN + 4)));
    ck_assert_ptr_null(
        nd_as_strided(x, 2, SHAPE(INT64_C(1) << 40, INT64_C(1) << 40), SHAPE(INT64_C(1) << 30, 4)));
    ck_assert_ptr_null(nd_as_strided(x, 1, SHAPE(INT64_C(1) << 62), SHAPE(0)));
    /* Strides must be multiples of the item size. */
    nd_clear_error();
    ck_assert_ptr_null(nd_as_strided(x, 1, SHAPE(2), SHAPE(2)));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    ck_assert_ptr_null(nd_as_strided(x, 2, SHAPE(2, 2), SHAPE(8, 6)));
    /* Negative shapes are refused. */
    nd_clear_error();
    ck_assert_ptr_null(nd_as_strided(x, 1, SHAPE(-1), SHAPE(4)));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    /* An empty array has no element to point at. */
    nd_array *empty = nd_zeros(ND_INT32, 1, SHAPE(0));
    nd_clear_error();
    ck_assert_ptr_null(nd_as_strided(empty, 1, SHAPE(1), SHAPE(4)));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_free(empty), nd_free(tail), nd_free(x);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* diagonal                                                                 */
/* ------------------------------------------------------------------------ */

START_TEST(diagonal_two_d)
{
    nd_array *g = arange_shaped(ND_INT32, 2, SHAPE(3, 4)); /* strides (16, 4) */
    // clang-format off
    const struct { int64_t offset, len, data; double v[3]; } cases[] = {
        {0, 3, 0, {0, 5, 10}}, {1, 3, 4, {1, 6, 11}}, {2, 2, 8, {2, 7}}, {3, 1, 12, {3}},
        {-1, 2, 16, {4, 9}},   {-2, 1, 32, {8}},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *d = nd_diagonal(g, cases[i].offset, 0, 1);
        bool one = cases[i].len <= 1;
        expect_view(d, g, 1, &cases[i].len, SHAPE(20), cases[i].data, one, one, false, cases[i].v,
                    cases[i].len, __LINE__);
        nd_free(d);
    }
    const int64_t empty_offsets[] = {4, 7, -3, -5};
    for (size_t i = 0; i < 4; i++) {
        nd_array *d = nd_diagonal(g, empty_offsets[i], 0, 1);
        ck_assert_shape(d, ND_INT32, 1, 0);
        ck_assert_strides(d, 1, 20);
        ck_assert_flags(d, true, true, false);
        nd_free(d);
    }
    /* Offsets far beyond the array give an empty diagonal, not an overflow. */
    const int64_t huge[] = {INT64_MAX, INT64_MIN + 1, INT64_C(1) << 62, -(INT64_C(1) << 62)};
    for (size_t i = 0; i < 4; i++) {
        nd_array *d = nd_diagonal(g, huge[i], 0, 1);
        if (d)
            ck_assert_int_eq(nd_size(d), 0);
        nd_free(d);
    }
    /* Read-only, and the source's later writes show through. */
    nd_array *d = nd_diagonal(g, 0, 0, 1);
    nd_clear_error();
    ck_assert_int_eq(nd_set(d, (int64_t[]){0}, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_set(g, (int64_t[]){1, 1}, 50), 0);
    ck_assert_values(d, 0, 50, 10);
    ck_assert_int_eq(nd_set(g, (int64_t[]){1, 1}, 5), 0);
    nd_free(d);
    /* Axis order and negative axes: np.diagonal(g, 1, 1, 0) is g[i+1, i]. */
    d = nd_diagonal(g, 1, 1, 0);
    EXPECT_VIEW(d, g, 1, SHAPE(2), SHAPE(20), 16, false, false, false, VALS(4, 9));
    nd_free(d);
    d = nd_diagonal(g, 0, -1, -2);
    EXPECT_VIEW(d, g, 1, SHAPE(3), SHAPE(20), 0, false, false, false, VALS(0, 5, 10));
    nd_free(d);
    /* Of strided views: g[::-1, ::2] and g.T. */
    nd_array *flip = nd_slice(g, 0, ND_NONE, ND_NONE, -1);
    nd_array *fe = nd_slice(flip, 1, ND_NONE, ND_NONE, 2);
    d = nd_diagonal(fe, 0, 0, 1);
    EXPECT_VIEW(d, g, 1, SHAPE(2), SHAPE(-8), 32, false, false, false, VALS(8, 6));
    nd_free(d), nd_free(fe), nd_free(flip);
    nd_array *gt = nd_transpose(g, NULL);
    d = nd_diagonal(gt, 0, 0, 1);
    EXPECT_VIEW(d, g, 1, SHAPE(3), SHAPE(20), 0, false, false, false, VALS(0, 5, 10));
    nd_free(d), nd_free(gt), nd_free(g);
}
END_TEST

START_TEST(diagonal_three_d)
{
    nd_array *cube = arange_shaped(ND_INT32, 3, SHAPE(2, 3, 4)); /* strides (48, 16, 4) */
    nd_array *d = nd_diagonal(cube, 0, 0, 1); /* d[k, i] = cube[i, i, k] */
    EXPECT_VIEW(d, cube, 2, SHAPE(4, 2), SHAPE(4, 64), 0, false, false, false,
                VALS(0, 16, 1, 17, 2, 18, 3, 19));
    nd_free(d);
    d = nd_diagonal(cube, 0, 0, 2); /* d[j, i] = cube[i, j, i] */
    EXPECT_VIEW(d, cube, 2, SHAPE(3, 2), SHAPE(16, 52), 0, false, false, false,
                VALS(0, 13, 4, 17, 8, 21));
    nd_free(d);
    d = nd_diagonal(cube, 0, 2, 0);
    EXPECT_VIEW(d, cube, 2, SHAPE(3, 2), SHAPE(16, 52), 0, false, false, false,
                VALS(0, 13, 4, 17, 8, 21));
    nd_free(d);
    d = nd_diagonal(cube, 0, -1, 0);
    EXPECT_VIEW(d, cube, 2, SHAPE(3, 2), SHAPE(16, 52), 0, false, false, false,
                VALS(0, 13, 4, 17, 8, 21));
    nd_free(d);
    d = nd_diagonal(cube, 0, 1, 2);
    EXPECT_VIEW(d, cube, 2, SHAPE(2, 3), SHAPE(48, 20), 0, false, false, false,
                VALS(0, 5, 10, 12, 17, 22));
    nd_free(d);
    d = nd_diagonal(cube, 1, 1, 2);
    EXPECT_VIEW(d, cube, 2, SHAPE(2, 3), SHAPE(48, 20), 4, false, false, false,
                VALS(1, 6, 11, 13, 18, 23));
    nd_free(d);
    d = nd_diagonal(cube, -1, 2, 1);
    EXPECT_VIEW(d, cube, 2, SHAPE(2, 3), SHAPE(48, 20), 4, false, false, false,
                VALS(1, 6, 11, 13, 18, 23));
    nd_free(d);
    d = nd_diagonal(cube, -1, 0, 2); /* cube[i+1, j, i] */
    EXPECT_VIEW(d, cube, 2, SHAPE(3, 1), SHAPE(16, 52), 48, false, false, false, VALS(12, 16, 20));
    nd_free(d);
    nd_free(cube);
}
END_TEST

START_TEST(diagonal_errors)
{
    nd_array *g = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    EXPECT_ERROR(nd_diagonal(g, 0, 1, 1), "axis1 and axis2 cannot be the same", ND_ERR_VALUE);
    EXPECT_ERROR(nd_diagonal(g, 0, 1, -1), "axis1 and axis2 cannot be the same", ND_ERR_VALUE);
    EXPECT_ERROR(nd_diagonal(g, 0, 0, 2), "axis2: axis 2 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_diagonal(g, 0, 2, 0), "axis1: axis 2 is out of bounds for array of dimension 2",
                 ND_ERR_AXIS);
    EXPECT_ERROR(nd_diagonal(g, 0, 0, -3),
                 "axis2: axis -3 is out of bounds for array of dimension 2", ND_ERR_AXIS);
    EXPECT_ERROR(nd_diagonal(g, 0, -3, 0),
                 "axis1: axis -3 is out of bounds for array of dimension 2", ND_ERR_AXIS);
    nd_array *x = nd_arange(ND_INT32, 0, 3, 1);
    EXPECT_ERROR(nd_diagonal(x, 0, 0, 1), "diag requires an array of at least two dimensions",
                 ND_ERR_VALUE);
    nd_array *s = nd_full(ND_INT32, 0, NULL, 1);
    EXPECT_ERROR(nd_diagonal(s, 0, 0, 1), "diag requires an array of at least two dimensions",
                 ND_ERR_VALUE);
    nd_free(s), nd_free(x), nd_free(g);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Lifetimes, nd_view, sharing                                              */
/* ------------------------------------------------------------------------ */

START_TEST(views_outlive_their_base)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *v = nd_slice(m, 0, ND_NONE, ND_NONE, -1);
    nd_array *vv = nd_transpose(v, NULL);
    nd_array *d = nd_diagonal(m, 1, 0, 1);
    nd_array *b = nd_broadcast_to(m, 3, SHAPE(2, 3, 4));
    nd_free(m);
    nd_free(v);
    ck_assert_values(vv, 8, 4, 0, 9, 5, 1, 10, 6, 2, 11, 7, 3);
    ck_assert_int_eq(nd_set(vv, (int64_t[]){0, 0}, -8), 0); /* m[2, 0] */
    ck_assert_values(b, 0, 1, 2, 3, 4, 5, 6, 7, -8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, -8, 9, 10,
                     11);
    ck_assert_values(d, 1, 6, 11);
    nd_free(vv);
    nd_free(b);
    ck_assert_values(d, 1, 6, 11);
    nd_free(d);
    /* A long chain of views, freed from the base up. */
    nd_array *chain[8];
    chain[0] = arange_shaped(ND_FLOAT64, 2, SHAPE(4, 4));
    for (int i = 1; i < 8; i++)
        chain[i] = (i % 2) ? nd_transpose(chain[i - 1], NULL)
                           : nd_slice(chain[i - 1], 0, ND_NONE, ND_NONE, -1);
    for (int i = 0; i < 7; i++)
        nd_free(chain[i]);
    ck_assert_int_eq(nd_size(chain[7]), 16);
    ck_assert(contains(chain[7], 15) && contains(chain[7], 0));
    nd_free(chain[7]);
}
END_TEST

START_TEST(view_handles)
{
    nd_array *m = arange_shaped(ND_INT16, 2, SHAPE(2, 3));
    nd_array *even = nd_slice(m, 1, ND_NONE, ND_NONE, 2);
    nd_array *v = nd_view(even);
    EXPECT_VIEW(v, m, 2, SHAPE(2, 2), SHAPE(6, 4), 0, false, false, true, VALS(0, 2, 3, 5));
    ck_assert_ptr_ne(v, even);
    nd_free(even);
    ck_assert_values(v, 0, 2, 3, 5);
    nd_free(v);
    /* nd_view of a read-only view is read-only. */
    nd_array *d = nd_diagonal(m, 0, 0, 1);
    v = nd_view(d);
    ck_assert(!nd_is_writeable(v));
    nd_free(v);
    nd_free(d);
    /* Setting WRITEABLE false on one handle does not change another. */
    v = nd_view(m);
    ck_assert_int_eq(nd_set_writeable(v, false), 0);
    ck_assert(!nd_is_writeable(v) && nd_is_writeable(m));
    nd_clear_error();
    ck_assert_int_eq(nd_set(v, (int64_t[]){0, 0}, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    nd_array *vv = nd_slice(v, 0, ND_NONE, ND_NONE, 1); /* inherits read-only */
    ck_assert(!nd_is_writeable(vv));
    nd_free(vv);
    ck_assert_int_eq(nd_set_writeable(v, true), 0);
    ck_assert(nd_is_writeable(v));
    nd_free(v);
    nd_free(m);
}
END_TEST

START_TEST(may_share_memory_bounds)
{
    /* np.may_share_memory compares memory bounds. */
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *r0 = nd_slice(m, 0, 0, 1, 1), *r1 = nd_slice(m, 0, 1, 2, 1);
    ck_assert(!nd_may_share_memory(r0, r1));
    nd_array *even = nd_slice(m, 1, ND_NONE, ND_NONE, 2), *odd = nd_slice(m, 1, 1, ND_NONE, 2);
    ck_assert(nd_may_share_memory(even, odd)); /* interleaved: bounds overlap */
    nd_array *a = nd_slice(r0, 1, ND_NONE, 2, 1), *b = nd_slice(r0, 1, 2, ND_NONE, 1);
    ck_assert(!nd_may_share_memory(a, b)); /* m[0, :2] and m[0, 2:] */
    nd_array *c = nd_slice(r0, 1, ND_NONE, 3, 1);
    ck_assert(nd_may_share_memory(c, b)); /* m[0, :3] and m[0, 2:] */
    nd_array *none = nd_slice(m, 0, 0, 0, 1);
    ck_assert(!nd_may_share_memory(none, m)); /* empty: no memory */
    ck_assert(nd_may_share_memory(m, m));
    nd_array *other = nd_zeros(ND_INT32, 2, SHAPE(3, 4));
    ck_assert(!nd_may_share_memory(m, other));
    nd_free(r0), nd_free(r1), nd_free(even), nd_free(odd), nd_free(a), nd_free(b), nd_free(c),
        nd_free(none), nd_free(other), nd_free(m);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("views");

    TCase *tc = tcase_create("reshape");
    tcase_add_test(tc, reshape_contiguous_and_transposed);
    tcase_add_test(tc, reshape_sliced);
    tcase_add_test(tc, reshape_three_d);
    tcase_add_test(tc, reshape_broadcast_and_scalars);
    tcase_add_test(tc, reshape_empty);
    tcase_add_test(tc, reshape_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("ravel");
    tcase_add_test(tc, ravel_views_contiguous);
    tcase_add_test(tc, ravel_copies_unless_c_contiguous);
    suite_add_tcase(s, tc);

    tc = tcase_create("transpose");
    tcase_add_test(tc, transpose_permutations);
    tcase_add_test(tc, transpose_small);
    tcase_add_test(tc, transpose_errors);
    tcase_add_test(tc, swapaxes_views_and_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("slice");
    tcase_add_test(tc, slice_table);
    tcase_add_test(tc, empty_slice_strides_as_numpy);
    tcase_add_test(tc, slice_extreme_bounds);
    tcase_add_test(tc, slice_two_d);
    tcase_add_test(tc, slice_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("squeeze_expand");
    tcase_add_test(tc, squeeze_cases);
    tcase_add_test(tc, expand_dims_every_axis);
    suite_add_tcase(s, tc);

    tc = tcase_create("broadcast_to");
    tcase_add_test(tc, broadcast_to_views);
    tcase_add_test(tc, broadcast_to_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("as_strided");
    tcase_add_test(tc, as_strided_windows);
    tcase_add_test(tc, as_strided_stays_inside);
    suite_add_tcase(s, tc);

    tc = tcase_create("diagonal");
    tcase_add_test(tc, diagonal_two_d);
    tcase_add_test(tc, diagonal_three_d);
    tcase_add_test(tc, diagonal_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifetimes");
    tcase_add_test(tc, views_outlive_their_base);
    tcase_add_test(tc, view_handles);
    tcase_add_test(tc, may_share_memory_bounds);
    suite_add_tcase(s, tc);
    return s;
}
