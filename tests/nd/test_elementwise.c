/*
 * Edge cases of the elementwise operations (nd.h, "Elementwise operations
 * (ufuncs)"): the `_out` forms and aliasing, NumPy 1.24's value-based
 * casting of 0-d operands, empty and size-1 shapes, strided and transposed
 * views, NaN, integer wrap-around and division, the 16-bit floats, and
 * every TypeError text. Expected values and messages are NumPy 1.24's
 * (checked with Debian's /usr/bin/python3); bfloat16 results are the
 * float32 result rounded once to nearest even, as ml_dtypes computes them.
 * tests/nd/test_ops_vs_numpy.c covers random cases; this suite pins the
 * corners by name.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "held_arrays.h"
#include "../vmath.h" /* libnd/src/vmath.h (nd_ops_inc is libnd/src/ops) */

/* ---- helpers ------------------------------------------------------------------------- */

/* A held 1-D array holding exact 64-bit integers (as nd_set_int64). */
static nd_array *vec64(nd_dtype dt, const int64_t *values, int64_t n)
{
    nd_array *a = hold(nd_empty(dt, 1, &n));
    for (int64_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_set_int64(a, &i, values[i]), 0);
    return a;
}
#define VEC64(dt, ...)                          \
    vec64((dt), (const int64_t[]){__VA_ARGS__}, \
          sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static nd_array *scalar(nd_dtype dt, double value) { return hold(nd_scalar(dt, value)); }

/* Asserts exact 64-bit values in C order (uint64 read as two's complement). */
static void assert_int64s(const nd_array *a, const int64_t *expected, int64_t n)
{
    ck_assert_int_eq(nd_size(a), n);
    int64_t index[ND_MAXDIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        int64_t v;
        ck_assert_int_eq(nd_get_int64(a, index, &v), 0);
        ck_assert_msg(v == expected[k], "element %lld is %lld, expected %lld", (long long)k,
                      (long long)v, (long long)expected[k]);
        for (int d = nd_ndim(a) - 1; d >= 0; d--) {
            if (++index[d] < nd_shape(a)[d])
                break;
            index[d] = 0;
        }
    }
}
#define ck_assert_int64s(a, ...)                       \
    assert_int64s((a), (const int64_t[]){__VA_ARGS__}, \
                  sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

/* The bit patterns of a contiguous 16-bit float array. */
static uint16_t bits16(const nd_array *a, int64_t i)
{
    ck_assert(nd_is_c_contiguous(a) && nd_itemsize(a) == 2);
    return ((const uint16_t *)nd_data(a))[i];
}

static const char *const no_loop_suffix =
    " not supported for the input types, and the inputs could not be safely coerced to any "
    "supported types according to the casting rule ''safe''";

/* NumPy's TypeError for an op with no loop for its inputs. */
static const char *no_loop(const char *op)
{
    static char message[256];
    snprintf(message, sizeof message, "ufunc '%s'%s", op, no_loop_suffix);
    return message;
}

/* ---- _out and aliasing ------------------------------------------------------------------ */

START_TEST(out_is_first_input)
{
    /* a += b with b broadcast along the rows. */
    nd_array *a = range(ND_INT32, 2, SHAPE(2, 3));
    nd_array *b = VEC(ND_INT32, 10, 20, 30);
    ck_assert_int_eq(nd_add_out(a, b, a), 0);
    ck_assert_shape(a, ND_INT32, 2, 2, 3);
    ck_assert_values(a, 10, 21, 32, 13, 24, 35);
    /* a = a * a (both inputs are the output). */
    ck_assert_int_eq(nd_multiply_out(a, a, a), 0);
    ck_assert_values(a, 100, 441, 1024, 169, 576, 1225);
    /* Unary in place, with a cast-free float loop. */
    nd_array *x = VEC(ND_FLOAT64, 1, 4, 9);
    ck_assert_int_eq(nd_sqrt_out(x, x), 0);
    ck_assert_values(x, 1, 2, 3);
}
END_TEST

START_TEST(out_is_second_input)
{
    nd_array *a = VEC(ND_FLOAT32, 10, 20, 30);
    nd_array *b = VEC(ND_FLOAT32, 1, 2, 3);
    ck_assert_int_eq(nd_subtract_out(a, b, b), 0); /* b = a - b */
    ck_assert_values(b, 9, 18, 27);
    ck_assert_values(a, 10, 20, 30);
    ck_assert_int_eq(nd_divide_out(a, b, b), 0); /* b = a / b */
    ck_assert_values(b, 10.0f / 9, 20.0f / 18, 30.0f / 27);
    nd_array *c = VEC(ND_INT8, 1, 0, 1);
    ck_assert_int_eq(nd_where_out(c, a, b, b), 0); /* b = where(c, a, b) */
    ck_assert_values(b, 10, 20.0f / 18, 30);
}
END_TEST

START_TEST(out_partially_overlaps_input)
{
    /* x[1:] = x[1:] + x[:-1]: NumPy reads both inputs before writing, so
     * the result is not a running sum. */
    nd_array *x = hold(nd_arange(ND_FLOAT64, 0, 6, 1));
    nd_array *tail = hold(nd_slice(x, 0, 1, ND_NONE, 1));
    nd_array *head = hold(nd_slice(x, 0, 0, -1, 1));
    ck_assert_int_eq(nd_add_out(tail, head, tail), 0);
    ck_assert_values(x, 0, 1, 3, 5, 7, 9);
    /* The other order: x[1:] = x[:-1] + x[1:]. */
    nd_array *y = hold(nd_arange(ND_INT64, 0, 6, 1));
    nd_array *ytail = hold(nd_slice(y, 0, 1, ND_NONE, 1));
    nd_array *yhead = hold(nd_slice(y, 0, 0, -1, 1));
    ck_assert_int_eq(nd_add_out(yhead, ytail, ytail), 0);
    ck_assert_values(y, 0, 1, 3, 5, 7, 9);
    /* Reversed view into the array itself: x = x[::-1] + x. */
    nd_array *z = hold(nd_arange(ND_FLOAT64, 0, 6, 1));
    nd_array *zrev = hold(nd_slice(z, 0, ND_NONE, ND_NONE, -1));
    ck_assert_int_eq(nd_add_out(zrev, z, z), 0);
    ck_assert_values(z, 5, 5, 5, 5, 5, 5);
    nd_array *w = hold(nd_arange(ND_INT16, 0, 6, 1));
    nd_array *wrev = hold(nd_slice(w, 0, ND_NONE, ND_NONE, -1));
    ck_assert_int_eq(nd_negative_out(wrev, w), 0);
    ck_assert_values(w, -5, -4, -3, -2, -1, 0);
    /* A transposed view of a square matrix into the matrix: m = m.T - m. */
    nd_array *m = range(ND_INT32, 2, SHAPE(3, 3));
    nd_array *mt = hold(nd_transpose(m, NULL));
    ck_assert_int_eq(nd_subtract_out(mt, m, m), 0);
    ck_assert_values(m, 0, 2, 4, -2, 0, 2, -4, -2, 0);
}
END_TEST

START_TEST(out_overlaps_input_of_other_dtype)
{
    /* The same memory seen as int16 (input) and int32 (output): writing
     * out[0] clobbers in[0] and in[1]. Long enough (3000 > one cast
     * buffer) that only reading the input first gives NumPy's result. */
    enum { N = 3000 };
    int32_t *memory = calloc(N, sizeof(int32_t));
    ck_assert_ptr_nonnull(memory);
    int16_t *as16 = (int16_t *)memory;
    for (int i = 0; i < N; i++)
        as16[i] = (int16_t)(i % 1000);
    nd_array *in = hold(nd_from_buffer(ND_INT16, 1, SHAPE(N), NULL, memory, true));
    nd_array *out = hold(nd_from_buffer(ND_INT32, 1, SHAPE(N), NULL, memory, true));
    ck_assert(nd_may_share_memory(in, out));
    ck_assert_int_eq(nd_add_out(in, in, out), 0);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(memory[i], 2 * (i % 1000));
    release_all();
    free(memory);
}
END_TEST

START_TEST(out_dtype_same_kind_casts)
{
    nd_array *a = VEC(ND_INT64, 100, 1, 2);
    nd_array *b = VEC(ND_INT64, 100, 2, 3);
    nd_array *i8 = hold(nd_zeros(ND_INT8, 1, SHAPE(3)));
    ck_assert_int_eq(nd_add_out(a, b, i8), 0); /* int64 -> int8 wraps */
    ck_assert_values(i8, -56, 3, 5);
    nd_array *f32 = hold(nd_zeros(ND_FLOAT32, 1, SHAPE(3)));
    ck_assert_int_eq(nd_add_out(a, b, f32), 0); /* int -> float: safe */
    ck_assert_values(f32, 200, 3, 5);
    nd_array *x = VEC(ND_FLOAT64, 1e300, 0.1, -1);
    ck_assert_int_eq(nd_multiply_out(x, x, f32), 0); /* float64 -> float32 */
    ck_assert_values(f32, INFINITY, (float)(0.1 * 0.1), 1);
    /* bool results into numbers. */
    ck_assert_int_eq(nd_less_out(a, b, i8), 0);
    ck_assert_values(i8, 0, 1, 1);
    ck_assert_int_eq(nd_isnan_out(x, f32), 0);
    ck_assert_values(f32, 0, 0, 0);
    /* uint8 -> int8 is same_kind too ('u' to 'i'). */
    nd_array *u = VEC(ND_UINT8, 200, 1, 2);
    ck_assert_int_eq(nd_positive_out(u, i8), 0);
    ck_assert_values(i8, -56, 1, 2);
}
END_TEST

START_TEST(out_dtype_unsafe_refused)
{
    nd_array *x = VEC(ND_FLOAT64, 1.5, 2.5, 3.5);
    nd_array *ints = VEC(ND_INT64, 7, 8, 9);
    ck_assert_fails(nd_add_out(x, x, ints), ND_ERR_TYPE,
                    "Cannot cast ufunc 'add' output from dtype('float64') to dtype('int64') "
                    "with casting rule 'same_kind'");
    ck_assert_values(ints, 7, 8, 9); /* untouched */
    ck_assert_fails(nd_divide_out(ints, ints, ints), ND_ERR_TYPE,
                    "Cannot cast ufunc 'divide' output from dtype('float64') to dtype('int64') "
                    "with casting rule 'same_kind'");
    nd_array *flags = hold(nd_zeros(ND_BOOL, 1, SHAPE(3)));
    ck_assert_fails(nd_add_out(ints, ints, flags), ND_ERR_TYPE,
                    "Cannot cast ufunc 'add' output from dtype('int64') to dtype('bool') with "
                    "casting rule 'same_kind'");
    nd_array *h = VEC(ND_FLOAT16, 1, 2, 3);
    nd_array *u8 = hold(nd_zeros(ND_UINT8, 1, SHAPE(3)));
    ck_assert_fails(nd_exp_out(h, u8), ND_ERR_TYPE,
                    "Cannot cast ufunc 'exp' output from dtype('float16') to dtype('uint8') with "
                    "casting rule 'same_kind'");
    /* int8 results fit a uint8 `out` only under 'unsafe' ('i' -> 'u'). */
    nd_array *s = VEC(ND_INT8, -1, 0, 1);
    ck_assert_fails(nd_negative_out(s, u8), ND_ERR_TYPE,
                    "Cannot cast ufunc 'negative' output from dtype('int8') to dtype('uint8') "
                    "with casting rule 'same_kind'");
    ck_assert_values(u8, 0, 0, 0);
}
END_TEST

START_TEST(out_wrong_shape)
{
    nd_array *a = VEC(ND_FLOAT64, 1, 2, 3);
    nd_array *m = range(ND_FLOAT64, 2, SHAPE(2, 3));
    nd_array *four = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(4)));
    ck_assert_fails(nd_add_out(a, a, four), ND_ERR_VALUE,
                    "operands could not be broadcast together with shapes (3,) (3,) (4,) ");
    nd_array *three = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(3)));
    ck_assert_fails(nd_add_out(m, a, three), ND_ERR_VALUE,
                    "non-broadcastable output operand with shape (3,) doesn't match the "
                    "broadcast shape (2,3)");
    nd_array *zero_d = hold(nd_zeros(ND_FLOAT64, 0, NULL));
    ck_assert_fails(nd_add_out(a, a, zero_d), ND_ERR_VALUE,
                    "non-broadcastable output operand with shape () doesn't match the "
                    "broadcast shape (3,)");
    ck_assert_fails(nd_exp_out(m, three), ND_ERR_VALUE,
                    "non-broadcastable output operand with shape (3,) doesn't match the "
                    "broadcast shape (2,3)");
    nd_array *col = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(3, 1)));
    nd_array *row = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(1, 4)));
    nd_array *t = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(4, 3)));
    ck_assert_fails(nd_add_out(col, row, t), ND_ERR_VALUE,
                    "operands could not be broadcast together with shapes (3,1) (1,4) (4,3) ");
    ck_assert_values(three, 0, 0, 0);
}
END_TEST

START_TEST(out_read_only)
{
    nd_array *a = VEC(ND_FLOAT64, 1, 2, 3);
    nd_array *ro = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(3)));
    ck_assert_int_eq(nd_set_writeable(ro, false), 0);
    /* NumPy: np.add(a, a, out=ro) and `ro += a` both say this. */
    ck_assert_fails(nd_add_out(a, a, ro), ND_ERR_VALUE, "output array is read-only");
    ck_assert_fails(nd_add_out(ro, a, ro), ND_ERR_VALUE, "output array is read-only");
    ck_assert_fails(nd_negative_out(a, ro), ND_ERR_VALUE, "output array is read-only");
    nd_array *b = hold(nd_broadcast_to(a, 2, SHAPE(2, 3)));
    ck_assert_fails(nd_add_out(b, b, b), ND_ERR_VALUE, "output array is read-only");
    ck_assert_fails(nd_where_out(a, a, a, ro), ND_ERR_VALUE, "output array is read-only");
    ck_assert_fails(nd_clip_out(a, a, a, ro), ND_ERR_VALUE, "output array is read-only");
    ck_assert_values(ro, 0, 0, 0);
    ck_assert_values(a, 1, 2, 3);
}
END_TEST

START_TEST(out_larger_than_inputs)
{
    /* The inputs broadcast to out's shape (NumPy allows it). */
    nd_array *a = VEC(ND_INT32, 1, 2, 3);
    nd_array *out = hold(nd_zeros(ND_INT32, 2, SHAPE(2, 3)));
    ck_assert_int_eq(nd_add_out(a, a, out), 0);
    ck_assert_values(out, 2, 4, 6, 2, 4, 6);
    nd_array *f = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(2, 2)));
    ck_assert_int_eq(nd_add_out(scalar(ND_FLOAT64, 1), scalar(ND_FLOAT64, 2), f), 0);
    ck_assert_values(f, 3, 3, 3, 3);
    ck_assert_int_eq(nd_exp_out(VEC(ND_FLOAT64, 0, 0), f), 0);
    ck_assert_values(f, 1, 1, 1, 1);
    ck_assert_int_eq(nd_where_out(VEC(ND_BOOL, 1, 0), scalar(ND_INT64, 1), scalar(ND_FLOAT64, 2), f),
                     0);
    ck_assert_values(f, 1, 2, 1, 2);
    nd_array *col = VEC(ND_FLOAT64, 10, 20);
    nd_array *c = shaped(col, 2, SHAPE(2, 1));
    ck_assert_int_eq(nd_clip_out(c, scalar(ND_FLOAT64, 0), scalar(ND_FLOAT64, 15), f), 0);
    ck_assert_values(f, 10, 10, 15, 15);
}
END_TEST

START_TEST(out_null_and_null_inputs)
{
    nd_array *a = VEC(ND_FLOAT64, 1);
    ck_assert_fails(nd_add_out(a, a, NULL), ND_ERR_VALUE, "add: out is NULL");
    ck_assert_fails(nd_exp_out(a, NULL), ND_ERR_VALUE, "exp: out is NULL");
    ck_assert_null(nd_add(a, NULL), ND_ERR_VALUE, "add: input 1 is NULL");
    ck_assert_null(nd_sqrt(NULL), ND_ERR_VALUE, "sqrt: input 0 is NULL");
    ck_assert_null(nd_where(NULL, a, a), ND_ERR_VALUE, "where: an input is NULL");
    ck_assert_null(nd_clip(NULL, a, a), ND_ERR_VALUE, "clip: a is NULL");
}
END_TEST

START_TEST(out_of_float16_result_is_rounded_first)
{
    /* NumPy's 'ee->e' loop rounds to float16 before the cast to out. */
    nd_array *big = VEC(ND_FLOAT16, 2048);
    nd_array *one = VEC(ND_FLOAT16, 1);
    nd_array *out = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(1)));
    ck_assert_int_eq(nd_add_out(big, one, out), 0);
    ck_assert_values(out, 2048);
    ck_assert_int_eq(nd_exp_out(one, out), 0);
    ck_assert_values(out, 2.71875);
    nd_array *b = VEC(ND_BFLOAT16, 256);
    ck_assert_int_eq(nd_add_out(b, VEC(ND_BFLOAT16, 1), out), 0);
    ck_assert_values(out, 256); /* 257 is not a bfloat16 */
}
END_TEST

typedef nd_array *(*binary_fn)(const nd_array *, const nd_array *);
typedef int (*binary_out_fn)(const nd_array *, const nd_array *, nd_array *);
typedef nd_array *(*unary_fn)(const nd_array *);
typedef int (*unary_out_fn)(const nd_array *, nd_array *);
// clang-format off
#define BINARY(op, ints) {#op, nd_##op, nd_##op##_out, ints}
#define UNARY(op, ints) {#op, nd_##op, nd_##op##_out, ints}
// clang-format on

/* Asserts that two arrays of one dtype and shape hold the same bytes in C
 * order (NaN payloads included). */
static void assert_same_bytes(const char *op, const nd_array *a, const nd_array *b)
{
    ck_assert_msg(nd_dtype_of(a) == nd_dtype_of(b) && nd_size(a) == nd_size(b), "%s: dtype/size",
                  op);
    nd_array *ca = hold(nd_copy(a)), *cb = hold(nd_copy(b));
    ck_assert_msg(memcmp(nd_data(ca), nd_data(cb), (size_t)nd_nbytes(ca)) == 0, "%s: values differ",
                  op);
}

/* The operands of every_out_form_matches: x (which 0) and y (which 1). */
static nd_array *out_form_floats(int which)
{
    return which == 0 ? VEC(ND_FLOAT64, -2.5, -1, 0, 0.5, 3, NAN, 7)
                      : VEC(ND_FLOAT64, 2, -0.5, 1.5, 0, 3, 1, -4);
}

static nd_array *out_form_ints(int which)
{
    return which == 0 ? VEC(ND_INT32, -7, -1, 0, 3, 9, 12, 100)
                      : VEC(ND_INT32, 2, 1, 5, 0, 3, 31, 4);
}

START_TEST(every_out_form_matches)
{
    /* Each nd_<op>_out gives nd_<op>'s result: into a fresh out, into a
     * reversed view, and in place over either input where the dtypes
     * allow. Integer-only ops run on int32, the rest on float64. */
    // clang-format off
    static const struct { const char *name; binary_fn fn; binary_out_fn out; bool ints; } binaries[] = {
#define ND_BINARY(name, numpy_name, ufunc) BINARY(name, false),
#define ND_BINARY_INT(name, numpy_name, ufunc) BINARY(name, true),
#define ND_UNARY(name, numpy_name, ufunc)
#include "elementwise.def"
    };
    static const struct { const char *name; unary_fn fn; unary_out_fn out; bool ints; } unaries[] = {
#define ND_BINARY(name, numpy_name, ufunc)
#define ND_UNARY(name, numpy_name, ufunc) UNARY(name, false),
#define ND_UNARY_INT(name, numpy_name, ufunc) UNARY(name, true),
#include "elementwise.def"
    };
    // clang-format on
    for (size_t i = 0; i < sizeof binaries / sizeof binaries[0]; i++) {
        const char *op = binaries[i].name;
        release_all(); /* keep the held list short */
        nd_array *x = binaries[i].ints ? out_form_ints(0) : out_form_floats(0);
        nd_array *y = binaries[i].ints ? out_form_ints(1) : out_form_floats(1);
        nd_array *want = hold(binaries[i].fn(x, y));
        nd_array *out = hold(nd_full_like(want, 99));
        ck_assert_msg(binaries[i].out(x, y, out) == 0, "%s: %s", op, nd_last_error());
        assert_same_bytes(op, want, out);
        nd_array *rev = hold(nd_slice(out, 0, ND_NONE, ND_NONE, -1));
        nd_array *xr = hold(nd_slice(x, 0, ND_NONE, ND_NONE, -1));
        nd_array *yr = hold(nd_slice(y, 0, ND_NONE, ND_NONE, -1));
        ck_assert_int_eq(binaries[i].out(xr, yr, rev), 0);
        assert_same_bytes(op, want, out);
        if (nd_dtype_of(want) != nd_dtype_of(x))
            continue;
        nd_array *in_place = hold(nd_copy(x));
        ck_assert_int_eq(binaries[i].out(in_place, y, in_place), 0);
        assert_same_bytes(op, want, in_place);
        in_place = hold(nd_copy(y));
        ck_assert_int_eq(binaries[i].out(x, in_place, in_place), 0);
        assert_same_bytes(op, want, in_place);
    }
    for (size_t i = 0; i < sizeof unaries / sizeof unaries[0]; i++) {
        const char *op = unaries[i].name;
        release_all();
        nd_array *x = unaries[i].ints ? out_form_ints(0) : out_form_floats(0);
        nd_array *want = hold(unaries[i].fn(x));
        nd_array *out = hold(nd_full_like(want, 99));
        ck_assert_msg(unaries[i].out(x, out) == 0, "%s: %s", op, nd_last_error());
        assert_same_bytes(op, want, out);
        nd_array *rev = hold(nd_slice(out, 0, ND_NONE, ND_NONE, -1));
        ck_assert_int_eq(unaries[i].out(hold(nd_slice(x, 0, ND_NONE, ND_NONE, -1)), rev), 0);
        assert_same_bytes(op, want, out);
        if (nd_dtype_of(want) != nd_dtype_of(x))
            continue;
        nd_array *in_place = hold(nd_copy(x));
        ck_assert_int_eq(unaries[i].out(in_place, in_place), 0);
        assert_same_bytes(op, want, in_place);
    }
}
END_TEST

/* ---- 0-d operands and dtypes -------------------------------------------------------------- */

START_TEST(value_based_casting_of_floats)
{
    nd_array *r = hold(nd_multiply(VEC(ND_FLOAT32, 1, 2), scalar(ND_FLOAT64, 3.5)));
    ck_assert_shape(r, ND_FLOAT32, 1, 2);
    ck_assert_values(r, 3.5, 7);
    /* float16 keeps float16 while the value fits float16's range. */
    r = hold(nd_multiply(VEC(ND_FLOAT16, 1), scalar(ND_FLOAT64, 1e-8)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_values(r, 0);
    r = hold(nd_add(VEC(ND_FLOAT16, 1, 2), scalar(ND_FLOAT64, 70000)));
    ck_assert_shape(r, ND_FLOAT32, 1, 2);
    ck_assert_values(r, 70001, 70002);
    /* A 0-d of a higher kind is not value-based: int8 + 1.5 is float64. */
    r = hold(nd_add(VEC(ND_INT8, 1, 2), scalar(ND_FLOAT64, 1.5)));
    ck_assert_shape(r, ND_FLOAT64, 1, 2);
    ck_assert_values(r, 2.5, 3.5);
    /* Two 0-d operands promote by dtype. */
    r = hold(nd_add(scalar(ND_FLOAT32, 1), scalar(ND_FLOAT64, 1)));
    ck_assert_shape(r, ND_FLOAT64, 0);
    ck_assert_values(r, 2);
}
END_TEST

START_TEST(value_based_casting_of_ints)
{
    nd_array *i8 = VEC(ND_INT8, 1, 2);
    nd_array *u8 = VEC(ND_UINT8, 1, 2);
    nd_array *r = hold(nd_add(i8, scalar(ND_INT64, 1000)));
    ck_assert_shape(r, ND_INT16, 1, 2);
    ck_assert_values(r, 1001, 1002);
    r = hold(nd_add(u8, scalar(ND_INT64, -1)));
    ck_assert_shape(r, ND_INT16, 1, 2);
    ck_assert_values(r, 0, 1);
    r = hold(nd_add(i8, scalar(ND_INT64, 100)));
    ck_assert_shape(r, ND_INT8, 1, 2);
    ck_assert_values(r, 101, 102);
    r = hold(nd_add(i8, scalar(ND_INT64, -129)));
    ck_assert_shape(r, ND_INT16, 1, 2);
    ck_assert_values(r, -128, -127);
    r = hold(nd_add(u8, scalar(ND_INT64, 300)));
    ck_assert_shape(r, ND_UINT16, 1, 2);
    ck_assert_values(r, 301, 302);
    r = hold(nd_add(u8, scalar(ND_BOOL, 1)));
    ck_assert_shape(r, ND_UINT8, 1, 2);
    ck_assert_values(r, 2, 3);
    r = hold(nd_add(VEC(ND_BOOL, 1), scalar(ND_INT64, 5))); /* higher kind */
    ck_assert_shape(r, ND_INT64, 1, 1);
    ck_assert_values(r, 6);
    r = hold(nd_add(scalar(ND_INT8, 1), scalar(ND_INT64, 1000))); /* both 0-d */
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 1001);
    /* The 0-d value wraps in the chosen dtype like any other element. */
    r = hold(nd_add(VEC(ND_INT8, 100), scalar(ND_INT64, 100)));
    ck_assert_shape(r, ND_INT8, 1, 1);
    ck_assert_values(r, -56);
}
END_TEST

START_TEST(small_unsigned_resolvers)
{
    /* A 0-d value that fits the signed type of its unsigned min type (300:
     * uint16, fits int16) next to an unsigned array: add, subtract,
     * multiply, maximum, minimum, fmax, fmin, where, clip and result_type
     * take NumPy's result_type (uint16); floor_divide, mod, power, the
     * bitwise ops and shifts search the loops (int16). */
    nd_array *u8 = VEC(ND_UINT8, 0, 2);
    nd_array *big = scalar(ND_INT64, 300);
    nd_array *uniform[] = {hold(nd_add(u8, big)),
                           hold(nd_subtract(u8, big)),
                           hold(nd_multiply(u8, big)),
                           hold(nd_maximum(u8, big)),
                           hold(nd_minimum(big, u8)),
                           hold(nd_fmax(u8, big)),
                           hold(nd_fmin(u8, big)),
                           hold(nd_where(u8, u8, big)),
                           hold(nd_clip(u8, scalar(ND_INT64, 0), big))};
    for (size_t i = 0; i < sizeof uniform / sizeof uniform[0]; i++)
        ck_assert_msg(nd_dtype_of(uniform[i]) == ND_UINT16, "case %zu: %s", i,
                      nd_dtype_name(nd_dtype_of(uniform[i])));
    ck_assert_values(uniform[1], 65236, 65238); /* 0 - 300 wraps in uint16 */
    ck_assert_values(uniform[7], 300, 2);
    const nd_array *pair[2] = {u8, big};
    ck_assert_int_eq(nd_result_type_arrays(2, pair), ND_UINT16);
    nd_array *searched[] = {hold(nd_floor_divide(u8, big)), hold(nd_mod(u8, big)),
                            hold(nd_power(u8, big)), hold(nd_bitwise_and(u8, big)),
                            hold(nd_left_shift(u8, big))};
    for (size_t i = 0; i < sizeof searched / sizeof searched[0]; i++)
        ck_assert_msg(nd_dtype_of(searched[i]) == ND_INT16, "case %zu: %s", i,
                      nd_dtype_name(nd_dtype_of(searched[i])));
    ck_assert_values(searched[1], 0, 2);
    /* uint16 array with 0-d 70000: uint32 / int32 likewise. */
    nd_array *u16 = VEC(ND_UINT16, 1);
    ck_assert_int_eq(nd_dtype_of(hold(nd_add(u16, scalar(ND_INT64, 70000)))), ND_UINT32);
    ck_assert_int_eq(nd_dtype_of(hold(nd_bitwise_or(u16, scalar(ND_INT64, 70000)))), ND_INT32);
    /* A signed array keeps the signed type either way. */
    nd_array *i8 = VEC(ND_INT8, 1);
    ck_assert_int_eq(nd_dtype_of(hold(nd_add(i8, scalar(ND_INT64, 200)))), ND_INT16);
    ck_assert_int_eq(nd_dtype_of(hold(nd_mod(i8, scalar(ND_INT64, 200)))), ND_INT16);
    ck_assert_int_eq(nd_dtype_of(hold(nd_add(i8, scalar(ND_UINT64, 100)))), ND_INT8);
    /* Against bool the 0-d value is of a higher kind: plain promotion. */
    ck_assert_int_eq(nd_dtype_of(hold(nd_add(VEC(ND_BOOL, 1), scalar(ND_UINT8, 100)))), ND_UINT8);
}
END_TEST

START_TEST(result_type_arrays)
{
    const nd_array *two[2] = {VEC(ND_INT8, 1), scalar(ND_INT64, 1000)};
    ck_assert_int_eq(nd_result_type_arrays(2, two), ND_INT16);
    two[0] = scalar(ND_INT8, 1);
    ck_assert_int_eq(nd_result_type_arrays(2, two), ND_INT64);
    const nd_array *three[3] = {VEC(ND_FLOAT32, 1), scalar(ND_FLOAT64, 1), VEC(ND_INT8, 1)};
    ck_assert_int_eq(nd_result_type_arrays(3, three), ND_FLOAT32);
    two[0] = VEC(ND_UINT64, 1);
    two[1] = scalar(ND_INT64, -1);
    ck_assert_int_eq(nd_result_type_arrays(2, two), ND_FLOAT64);
    two[0] = VEC(ND_BOOL, 1);
    two[1] = scalar(ND_INT64, 3);
    ck_assert_int_eq(nd_result_type_arrays(2, two), ND_INT64);
    const nd_array *one[1] = {scalar(ND_BFLOAT16, 1)};
    ck_assert_int_eq(nd_result_type_arrays(1, one), ND_BFLOAT16);
    nd_clear_error();
    ck_assert_int_eq((int)nd_result_type_arrays(0, one), -1);
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
}
END_TEST

START_TEST(scalar_values)
{
    nd_array *s = scalar(ND_INT8, 300); /* saturates as nd_astype */
    ck_assert_shape(s, ND_INT8, 0);
    ck_assert_values(s, 127);
    ck_assert_values(scalar(ND_INT32, -1.9), -1);
    ck_assert_values(scalar(ND_BOOL, NAN), 1);
    ck_assert_values(scalar(ND_FLOAT16, 0.1), nd_half_to_float(nd_double_to_half(0.1)));
    ck_assert_values(scalar(ND_BFLOAT16, 1.00390625), 1); /* tie to even */
    ck_assert(nd_is_c_contiguous(s) && nd_is_writeable(s));
}
END_TEST

START_TEST(mixed_dtypes)
{
    /* (1, 2) of dtype a plus (0.5, 1) of dtype b (0.5 becomes 0 in an
     * integer b, 2 becomes true in a bool a). */
    // clang-format off
    struct { nd_dtype a, b, want; double first, second; } cases[] = {
        {ND_INT8, ND_FLOAT16, ND_FLOAT16, 1.5, 3},     {ND_INT16, ND_FLOAT16, ND_FLOAT32, 1.5, 3},
        {ND_INT64, ND_UINT64, ND_FLOAT64, 1, 3},       {ND_BFLOAT16, ND_FLOAT16, ND_FLOAT32, 1.5, 3},
        {ND_BFLOAT16, ND_INT8, ND_BFLOAT16, 1, 3},     {ND_BFLOAT16, ND_FLOAT32, ND_FLOAT32, 1.5, 3},
        {ND_UINT8, ND_INT8, ND_INT16, 1, 3},           {ND_INT32, ND_FLOAT32, ND_FLOAT64, 1.5, 3},
        {ND_BOOL, ND_UINT16, ND_UINT16, 1, 2},         {ND_UINT32, ND_INT32, ND_INT64, 1, 3},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *r = hold(nd_add(VEC(cases[i].a, 1, 2), VEC(cases[i].b, 0.5, 1)));
        ck_assert_msg(nd_dtype_of(r) == cases[i].want, "%s + %s gave %s", nd_dtype_name(cases[i].a),
                      nd_dtype_name(cases[i].b), nd_dtype_name(nd_dtype_of(r)));
        ck_assert_values(r, cases[i].first, cases[i].second);
    }
    /* uint64 + int64 in float64: 2^64 - 1 rounds to 2^64. */
    nd_array *r = hold(nd_add(VEC64(ND_UINT64, -1), VEC64(ND_INT64, 0)));
    ck_assert_shape(r, ND_FLOAT64, 1, 1);
    ck_assert_values(r, 18446744073709551616.0);
}
END_TEST

/* ---- shapes and layouts ----------------------------------------------------------------------- */

START_TEST(zero_d_operands)
{
    nd_array *r = hold(nd_add(scalar(ND_INT32, 2), scalar(ND_INT32, 3)));
    ck_assert_shape(r, ND_INT32, 0);
    ck_assert_values(r, 5);
    r = hold(nd_negative(scalar(ND_FLOAT32, 2)));
    ck_assert_shape(r, ND_FLOAT32, 0);
    ck_assert_values(r, -2);
    r = hold(nd_where(scalar(ND_BOOL, 0), scalar(ND_INT8, 1), scalar(ND_INT8, 2)));
    ck_assert_shape(r, ND_INT8, 0);
    ck_assert_values(r, 2);
    r = hold(nd_add(scalar(ND_INT32, 2), range(ND_INT32, 2, SHAPE(2, 2))));
    ck_assert_shape(r, ND_INT32, 2, 2, 2);
    ck_assert_values(r, 2, 3, 4, 5);
    nd_array *out = hold(nd_zeros(ND_INT32, 0, NULL));
    ck_assert_int_eq(nd_subtract_out(scalar(ND_INT32, 2), scalar(ND_INT32, 5), out), 0);
    ck_assert_values(out, -3);
}
END_TEST

START_TEST(empty_operands)
{
    nd_array *e = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(0)));
    nd_array *r = hold(nd_add(e, e));
    ck_assert_shape(r, ND_FLOAT64, 1, 0);
    r = hold(nd_add(e, VEC(ND_FLOAT64, 1))); /* size 1 stretches to 0 */
    ck_assert_shape(r, ND_FLOAT64, 1, 0);
    nd_array *e30 = hold(nd_zeros(ND_INT8, 2, SHAPE(3, 0)));
    r = hold(nd_add(e30, hold(nd_zeros(ND_INT16, 2, SHAPE(1, 0)))));
    ck_assert_shape(r, ND_INT16, 2, 3, 0);
    r = hold(nd_equal(e30, hold(nd_zeros(ND_INT8, 2, SHAPE(3, 1)))));
    ck_assert_shape(r, ND_BOOL, 2, 3, 0);
    r = hold(nd_exp(e30));
    ck_assert_shape(r, ND_FLOAT16, 2, 3, 0);
    ck_assert_null(nd_add(e30, VEC(ND_INT8, 1, 2, 3)), ND_ERR_VALUE,
                   "operands could not be broadcast together with shapes (3,0) (3,) ");
    ck_assert_null(nd_add(e, VEC(ND_FLOAT64, 1, 2)), ND_ERR_VALUE,
                   "operands could not be broadcast together with shapes (0,) (2,) ");
    ck_assert_int_eq(nd_multiply_out(e, e, e), 0);
    ck_assert_int_eq(nd_where_out(e, e, e, e), 0);
    /* Type errors are still reported for empty operands. */
    ck_assert_null(nd_bitwise_and(e, e), ND_ERR_TYPE, no_loop("bitwise_and"));
}
END_TEST

START_TEST(size_one_broadcasting)
{
    nd_array *col = MAT(ND_INT32, 3, 1, 0, 10, 20);
    nd_array *row = MAT(ND_INT32, 1, 4, 1, 2, 3, 4);
    nd_array *r = hold(nd_add(col, row));
    ck_assert_shape(r, ND_INT32, 2, 3, 4);
    ck_assert_values(r, 1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24);
    r = hold(nd_multiply(VEC(ND_INT32, 2), VEC(ND_INT32, 1, 2, 3, 4, 5)));
    ck_assert_values(r, 2, 4, 6, 8, 10);
    /* Three operands, a rank-3 result from ranks 1, 2 and 3. */
    nd_array *cond = shaped(VEC(ND_BOOL, 1, 0), 3, SHAPE(2, 1, 1));
    r = hold(nd_where(cond, row, col));
    ck_assert_shape(r, ND_INT32, 3, 2, 3, 4);
    // clang-format off
    ck_assert_values(r, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4,
                        0, 0, 0, 0, 10, 10, 10, 10, 20, 20, 20, 20);
    // clang-format on
    ck_assert_null(nd_where(hold(nd_ones(ND_BOOL, 2, SHAPE(2, 3))), VEC(ND_INT8, 1, 2, 3, 4),
                            VEC(ND_INT8, 1, 2)),
                   ND_ERR_VALUE,
                   "operands could not be broadcast together with shapes (2,3) (4,) (2,) ");
    ck_assert_null(nd_clip(range(ND_INT8, 2, SHAPE(2, 3)), VEC(ND_INT8, 1, 2), NULL), ND_ERR_VALUE,
                   "operands could not be broadcast together with shapes (2,3) (2,) ");
}
END_TEST

START_TEST(negative_strides)
{
    nd_array *x = hold(nd_arange(ND_FLOAT64, 0, 6, 1));
    nd_array *rev2 = hold(nd_slice(x, 0, ND_NONE, ND_NONE, -2)); /* 5, 3, 1 */
    nd_array *r = hold(nd_add(rev2, VEC(ND_FLOAT64, 0, 1, 2)));
    ck_assert_values(r, 5, 4, 3);
    r = hold(nd_negative(hold(nd_slice(x, 0, ND_NONE, ND_NONE, -1))));
    ck_assert_values(r, -5, -4, -3, -2, -1, 0);
    ck_assert_int_eq(nd_strides(r)[0], 8); /* NumPy: a fresh, forward result */
    /* Both axes of a matrix walked backwards, one of them with step 2. */
    nd_array *m = range(ND_FLOAT64, 2, SHAPE(3, 4));
    nd_array *v = hold(nd_slice(hold(nd_slice(m, 0, ND_NONE, ND_NONE, -1)), 1, ND_NONE, ND_NONE, 2));
    r = hold(nd_sqrt(v));
    ck_assert_shape(r, ND_FLOAT64, 2, 3, 2);
    ck_assert_values(r, sqrt(8), sqrt(10), 2, sqrt(6), 0, sqrt(2));
    ck_assert_int_eq(nd_strides(r)[0], 16);
    ck_assert_int_eq(nd_strides(r)[1], 8);
    /* Casting through buffers on a reversed float16 view. */
    nd_array *h = hold(nd_arange(ND_FLOAT16, 0, 5, 1));
    r = hold(nd_multiply(hold(nd_slice(h, 0, ND_NONE, ND_NONE, -1)), VEC(ND_INT8, 2)));
    ck_assert_shape(r, ND_FLOAT16, 1, 5);
    ck_assert_values(r, 8, 6, 4, 2, 0);
}
END_TEST

START_TEST(transposed_layouts)
{
    nd_array *a = range(ND_FLOAT64, 2, SHAPE(2, 3));
    nd_array *t = hold(nd_transpose(a, NULL));
    /* Unary of a transposed array: F-contiguous, as NumPy's order='K'. */
    nd_array *r = hold(nd_exp(t));
    ck_assert_shape(r, ND_FLOAT64, 2, 3, 2);
    ck_assert(nd_is_f_contiguous(r) && !nd_is_c_contiguous(r));
    ck_assert_values(r, 1, exp(3), exp(1), exp(4), exp(2), exp(5));
    r = hold(nd_add(t, t));
    ck_assert(nd_is_f_contiguous(r) && !nd_is_c_contiguous(r));
    ck_assert_values(r, 0, 6, 2, 8, 4, 10);
    r = hold(nd_add(t, scalar(ND_FLOAT64, 1)));
    ck_assert(nd_is_f_contiguous(r) && !nd_is_c_contiguous(r));
    r = hold(nd_less(t, scalar(ND_FLOAT64, 2)));
    ck_assert(nd_is_f_contiguous(r));
    ck_assert_values(r, 1, 0, 1, 0, 0, 0);
    /* A transposed operand with a C-contiguous one: where the operands
     * disagree, C order wins, whichever comes first (nditer; NumPy returns
     * a C-contiguous a.T + b and b + a.T), and values are right. */
    nd_array *c = range(ND_FLOAT64, 2, SHAPE(3, 2));
    r = hold(nd_add(c, t));
    ck_assert(nd_is_c_contiguous(r));
    ck_assert_values(r, 0, 4, 3, 7, 6, 10);
    r = hold(nd_subtract(t, c));
    ck_assert(nd_is_c_contiguous(r) && !nd_is_f_contiguous(r));
    ck_assert_values(r, 0, 2, -1, 1, -2, 0);
    /* Two transposed operands agree: F order. */
    nd_array *t2 = hold(nd_transpose(range(ND_FLOAT64, 2, SHAPE(2, 3)), NULL));
    r = hold(nd_multiply(t, t2));
    ck_assert(nd_is_f_contiguous(r) && !nd_is_c_contiguous(r));
    /* Writing into a transposed out. */
    nd_array *o = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(2, 3)));
    ck_assert_int_eq(nd_add_out(c, c, hold(nd_transpose(o, NULL))), 0);
    ck_assert_values(o, 0, 4, 8, 2, 6, 10);
}
END_TEST

/* Element (i, j) of a 2-D array as a double. */
static double at2(const nd_array *a, int64_t i, int64_t j)
{
    double v;
    ck_assert_int_eq(nd_get(a, (const int64_t[]){i, j}, &v), 0);
    return v;
}

/* With an operand read across the grain and both axes >= 32, the engine
 * walks 16-row tiles and prefetches the next tile. Ragged edges (rows not a
 * multiple of 16, columns not of 512), rows and columns reversed, a
 * broadcast row and a transposed output, element by element. */
START_TEST(tiled_walks_cover_every_element)
{
    const int64_t shapes[][2] = {{33, 40}, {70, 1100}, {517, 35}};
    for (int s = 0; s < 3; s++)
        for (int dt = 0; dt < 2; dt++) {
            int64_t R = shapes[s][0], C = shapes[s][1];
            nd_dtype dtype = dt ? ND_FLOAT64 : ND_FLOAT32;
            nd_array *a = range(dtype, 2, SHAPE(C, R));
            nd_array *at = hold(nd_transpose(a, NULL)); /* (R, C), read across */
            nd_array *b = hold(nd_multiply(range(dtype, 2, SHAPE(R, C)), scalar(dtype, 3)));
            nd_array *row = range(dtype, 1, SHAPE(C));
            nd_array *rows_reversed = hold(nd_slice(at, 0, ND_NONE, ND_NONE, -1));
            nd_array *cols_reversed = hold(nd_slice(at, 1, ND_NONE, ND_NONE, -1));
            nd_array *sum = hold(nd_add(at, b));
            nd_array *difference = hold(nd_subtract(rows_reversed, b));
            nd_array *product = hold(nd_multiply(cols_reversed, row));
            nd_array *o = hold(nd_zeros(dtype, 2, SHAPE(C, R)));
            ck_assert_int_eq(nd_add_out(b, at, hold(nd_transpose(o, NULL))), 0);
            for (int64_t i = 0; i < R; i++)
                for (int64_t j = 0; j < C; j++) {
                    double x = at2(a, j, i), y = at2(b, i, j);
                    ck_assert_msg(at2(sum, i, j) == x + y, "sum (%lld, %lld) of %lldx%lld",
                                  (long long)i, (long long)j, (long long)R, (long long)C);
                    ck_assert(at2(difference, i, j) == at2(a, j, R - 1 - i) - y);
                    double p = at2(a, C - 1 - j, i) * (double)j; /* rounded as the dtype */
                    ck_assert(at2(product, i, j) == (dt ? p : (double)(float)p));
                    ck_assert(at2(o, j, i) == y + x);
                }
            release_all();
        }
}
END_TEST

/* ---- NaN ----------------------------------------------------------------------------------------- */

START_TEST(nan_maximum_minimum)
{
    static const nd_dtype floats[] = {ND_FLOAT16, ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64};
    for (int i = 0; i < 4; i++) {
        nd_array *a = VEC(floats[i], 1, NAN, 3, NAN);
        nd_array *b = VEC(floats[i], NAN, 2, 1, NAN);
        ck_assert_values(hold(nd_maximum(a, b)), NAN, NAN, 3, NAN);
        ck_assert_values(hold(nd_minimum(a, b)), NAN, NAN, 1, NAN);
        ck_assert_values(hold(nd_fmax(a, b)), 1, 2, 3, NAN);
        ck_assert_values(hold(nd_fmin(a, b)), 1, 2, 1, NAN);
        nd_array *r = hold(nd_clip(a, scalar(floats[i], 0), scalar(floats[i], 2)));
        ck_assert_shape(r, floats[i], 1, 4);
        ck_assert_values(r, 1, NAN, 2, NAN);
    }
    /* Long contiguous runs take the vector branches. */
    nd_array *big = hold(nd_zeros(ND_FLOAT32, 1, SHAPE(1000)));
    int64_t at = 777;
    ck_assert_int_eq(nd_set(big, &at, NAN), 0);
    nd_array *m = hold(nd_maximum(big, scalar(ND_FLOAT32, 1)));
    double v;
    ck_assert_int_eq(nd_get(m, &at, &v), 0);
    ck_assert(isnan(v));
    at = 776;
    ck_assert_int_eq(nd_get(m, &at, &v), 0);
    ck_assert(v == 1);
    /* Integers and bool: plain max/min (fmax aliases maximum). */
    ck_assert_values(hold(nd_fmax(VEC(ND_INT8, 1, 3), VEC(ND_INT8, 2, 2))), 2, 3);
    ck_assert_values(hold(nd_maximum(VEC(ND_BOOL, 1, 0), VEC(ND_BOOL, 0, 0))), 1, 0);
    nd_array *r = hold(nd_maximum(VEC(ND_INT8, -1), VEC(ND_UINT8, 200)));
    ck_assert_shape(r, ND_INT16, 1, 1);
    ck_assert_values(r, 200);
}
END_TEST

START_TEST(nan_sign_and_predicates)
{
    nd_array *x = VEC(ND_FLOAT64, NAN, -0.0, 0.0, -3, 4, INFINITY, -INFINITY);
    ck_assert_values(hold(nd_sign(x)), NAN, 0, 0, -1, 1, 1, -1);
    ck_assert_values(hold(nd_sign(VEC(ND_FLOAT16, NAN, -2.5, 0))), NAN, -1, 0);
    ck_assert_values(hold(nd_sign(VEC(ND_BFLOAT16, NAN, -2.5, 0))), NAN, -1, 0);
    ck_assert_values(hold(nd_sign(VEC(ND_INT8, -5, 0, 7))), -1, 0, 1);
    ck_assert_values(hold(nd_sign(VEC(ND_UINT8, 0, 7))), 0, 1);
    ck_assert_values(hold(nd_isnan(x)), 1, 0, 0, 0, 0, 0, 0);
    ck_assert_values(hold(nd_isinf(x)), 0, 0, 0, 0, 0, 1, 1);
    ck_assert_values(hold(nd_isfinite(x)), 0, 1, 1, 1, 1, 0, 0);
    ck_assert_values(hold(nd_signbit(x)), 0, 1, 0, 1, 0, 0, 1);
    ck_assert_values(hold(nd_isinf(VEC(ND_FLOAT16, INFINITY, -INFINITY, 1))), 1, 1, 0);
    nd_array *r = hold(nd_isnan(VEC(ND_INT8, 1, 2)));
    ck_assert_shape(r, ND_BOOL, 1, 2);
    ck_assert_values(r, 0, 0);
    ck_assert_values(hold(nd_isfinite(VEC(ND_UINT64, 1))), 1);
    ck_assert_values(hold(nd_signbit(VEC(ND_INT8, -1, 1))), 1, 0);
    /* Logical ops: NaN is nonzero, -0.0 is zero. */
    nd_array *y = VEC(ND_FLOAT64, NAN, 0.0, -0.0);
    ck_assert_values(hold(nd_logical_not(y)), 0, 1, 1);
    ck_assert_values(hold(nd_logical_and(y, VEC(ND_INT8, 1, 1, 1))), 1, 0, 0);
    ck_assert_values(hold(nd_logical_xor(y, VEC(ND_INT8, 1, 1, 0))), 0, 1, 0);
    ck_assert_values(hold(nd_where(y, scalar(ND_INT8, 1), scalar(ND_INT8, 2))), 1, 2, 2);
}
END_TEST

START_TEST(nan_comparisons)
{
    static const nd_dtype floats[] = {ND_FLOAT16, ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64};
    for (int i = 0; i < 4; i++) {
        nd_array *a = VEC(floats[i], NAN, 1, NAN);
        nd_array *b = VEC(floats[i], NAN, NAN, 1);
        ck_assert_values(hold(nd_equal(a, b)), 0, 0, 0);
        ck_assert_values(hold(nd_not_equal(a, b)), 1, 1, 1);
        ck_assert_values(hold(nd_less(a, b)), 0, 0, 0);
        ck_assert_values(hold(nd_less_equal(a, b)), 0, 0, 0);
        ck_assert_values(hold(nd_greater(a, b)), 0, 0, 0);
        ck_assert_values(hold(nd_greater_equal(a, b)), 0, 0, 0);
        ck_assert_values(hold(nd_equal(a, a)), 0, 1, 0);
    }
    /* Comparisons of mixed signedness are exact (int8 -1 < uint64 max). */
    nd_array *r = hold(nd_less(VEC(ND_INT8, -1), VEC64(ND_UINT64, -1)));
    ck_assert_shape(r, ND_BOOL, 1, 1);
    ck_assert_values(r, 1);
}
END_TEST

/* ---- integers ------------------------------------------------------------------------------------ */

START_TEST(integer_overflow_wraps)
{
    ck_assert_values(hold(nd_add(VEC(ND_INT8, 127), VEC(ND_INT8, 1))), -128);
    ck_assert_values(hold(nd_subtract(VEC(ND_UINT8, 0), VEC(ND_UINT8, 1))), 255);
    ck_assert_values(hold(nd_multiply(VEC(ND_INT16, 300), VEC(ND_INT16, 300))), 24464);
    ck_assert_int64s(hold(nd_multiply(VEC64(ND_INT64, INT64_MIN), VEC64(ND_INT64, -1))), INT64_MIN);
    ck_assert_int64s(hold(nd_add(VEC64(ND_INT64, INT64_MAX), VEC64(ND_INT64, 1))), INT64_MIN);
    ck_assert_int64s(hold(nd_subtract(VEC64(ND_UINT64, 0), VEC64(ND_UINT64, 1))), -1);
    ck_assert_int64s(hold(nd_add(VEC64(ND_UINT64, -1), VEC64(ND_UINT64, 2))), 1);
    ck_assert_values(hold(nd_square(VEC(ND_INT8, 16))), 0);
    /* absolute and negative of the minimum wrap to themselves. */
    ck_assert_values(hold(nd_absolute(VEC(ND_INT8, -128, -1, 5))), -128, 1, 5);
    ck_assert_int64s(hold(nd_abs(VEC64(ND_INT64, INT64_MIN))), INT64_MIN);
    ck_assert_values(hold(nd_negative(VEC(ND_INT32, INT32_MIN))), INT32_MIN);
    /* negative of unsigned: 2^bits - x. */
    ck_assert_values(hold(nd_negative(VEC(ND_UINT8, 0, 1, 255))), 0, 255, 1);
    ck_assert_int64s(hold(nd_negative(VEC64(ND_UINT64, 1))), -1);
    ck_assert_values(hold(nd_absolute(VEC(ND_UINT16, 65535))), 65535);
    /* Long runs take the vector branches; the wrap is the same. */
    nd_array *big = hold(nd_full(ND_INT8, 1, SHAPE(1000), 100));
    nd_array *r = hold(nd_add(big, big));
    int64_t at = 999;
    double v;
    ck_assert_int_eq(nd_get(r, &at, &v), 0);
    ck_assert(v == -56);
}
END_TEST

START_TEST(integer_division_by_zero)
{
    nd_array *a = VEC(ND_INT8, 7, -7, 0, -128);
    nd_array *b = VEC(ND_INT8, 0, 0, 0, -1);
    ck_assert_values(hold(nd_floor_divide(a, b)), 0, 0, 0, -128);
    ck_assert_values(hold(nd_mod(a, b)), 0, 0, 0, 0);
    ck_assert_int64s(hold(nd_floor_divide(VEC64(ND_INT64, INT64_MIN), VEC64(ND_INT64, -1))),
                     INT64_MIN);
    ck_assert_int64s(hold(nd_mod(VEC64(ND_INT64, INT64_MIN), VEC64(ND_INT64, -1))), 0);
    ck_assert_values(hold(nd_mod(VEC(ND_INT32, INT32_MIN), VEC(ND_INT32, -1))), 0);
    nd_array *u = VEC(ND_UINT8, 7, 200);
    nd_array *ud = VEC(ND_UINT8, 0, 7);
    ck_assert_values(hold(nd_floor_divide(u, ud)), 0, 28);
    ck_assert_values(hold(nd_mod(u, ud)), 0, 4);
    /* Through a 0-d divisor (the scalar branch of the loops). */
    nd_array *r = hold(nd_floor_divide(hold(nd_arange(ND_INT32, -3, 4, 1)), scalar(ND_INT32, 0)));
    ck_assert_values(r, 0, 0, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(integer_division_signs)
{
    nd_array *a = VEC(ND_INT32, 7, -7, 7, -7, 6, -6);
    nd_array *b = VEC(ND_INT32, 3, 3, -3, -3, 3, -3);
    ck_assert_values(hold(nd_floor_divide(a, b)), 2, -3, -3, 2, 2, 2);
    ck_assert_values(hold(nd_mod(a, b)), 1, 2, -2, -1, 0, 0);
    nd_array *r = hold(nd_true_divide(VEC(ND_INT8, 1, 2, -1, 0), VEC(ND_INT8, 2, 0, 0, 0)));
    ck_assert_shape(r, ND_FLOAT64, 1, 4);
    ck_assert_values(r, 0.5, INFINITY, -INFINITY, NAN);
    r = hold(nd_divide(VEC(ND_INT64, 1, 2), VEC(ND_INT64, 2, 0)));
    ck_assert_shape(r, ND_FLOAT64, 1, 2);
    ck_assert_values(r, 0.5, INFINITY);
    r = hold(nd_divide(VEC(ND_BOOL, 1), VEC(ND_BOOL, 1)));
    ck_assert_shape(r, ND_FLOAT64, 1, 1);
    r = hold(nd_divide(VEC(ND_INT8, 1), VEC(ND_FLOAT16, 2)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_values(r, 0.5);
    /* reciprocal of integers is integer division (1 / x). */
    ck_assert_values(hold(nd_reciprocal(VEC(ND_INT32, 1, 2, -1, -2))), 1, 0, -1, 0);
}
END_TEST

START_TEST(float_division_by_zero)
{
    nd_array *a = VEC(ND_FLOAT64, 1, -1, 0, INFINITY);
    nd_array *zero = VEC(ND_FLOAT64, 0, 0, 0, 0);
    ck_assert_values(hold(nd_floor_divide(a, zero)), INFINITY, -INFINITY, NAN, INFINITY);
    ck_assert_values(hold(nd_mod(a, zero)), NAN, NAN, NAN, NAN);
    ck_assert_values(hold(nd_divide(a, zero)), INFINITY, -INFINITY, NAN, INFINITY);
    nd_array *f = VEC(ND_FLOAT32, 1, -1, 0);
    ck_assert_values(hold(nd_floor_divide(f, VEC(ND_FLOAT32, 0, 0, 0))), INFINITY, -INFINITY, NAN);
    /* The remainder takes the divisor's sign, including for zeros. */
    nd_array *x = VEC(ND_FLOAT64, 7, -7, 7, -7, -0.0, 0.0);
    nd_array *y = VEC(ND_FLOAT64, 3, 3, -3, -3, 3, -3);
    nd_array *m = hold(nd_mod(x, y));
    ck_assert_values(m, 1, 2, -2, -1, 0, 0);
    ck_assert_values(hold(nd_signbit(m)), 0, 0, 1, 1, 0, 1);
    ck_assert_values(hold(nd_floor_divide(x, y)), 2, -3, -3, 2, -0.0, -0.0);
    /* By infinity: x % inf is x for x >= 0, inf for x < 0 (NumPy's divmod). */
    nd_array *inf = VEC(ND_FLOAT64, INFINITY, INFINITY);
    ck_assert_values(hold(nd_mod(VEC(ND_FLOAT64, 5, -5), inf)), 5, INFINITY);
    ck_assert_values(hold(nd_floor_divide(VEC(ND_FLOAT64, 5, -5), inf)), 0, -1);
}
END_TEST

START_TEST(shifts_past_the_width)
{
    nd_array *r = hold(nd_left_shift(VEC(ND_INT8, 1, 1, 1, -1), VEC(ND_INT8, 7, 8, 100, 1)));
    ck_assert_shape(r, ND_INT8, 1, 4);
    ck_assert_values(r, -128, 0, 0, -2);
    ck_assert_values(hold(nd_right_shift(VEC(ND_INT8, -128, -1, 64, 127),
                                         VEC(ND_INT8, 8, 100, 7, 100))),
                     -1, -1, 0, 0);
    ck_assert_int64s(hold(nd_left_shift(VEC64(ND_UINT64, 1), VEC64(ND_UINT64, 64))), 0);
    ck_assert_int64s(hold(nd_right_shift(VEC64(ND_UINT64, -1), VEC64(ND_UINT64, 63))), 1);
    ck_assert_int64s(hold(nd_right_shift(VEC64(ND_INT64, INT64_MIN), VEC64(ND_INT64, 64))), -1);
    ck_assert_values(hold(nd_left_shift(VEC(ND_UINT8, 255), VEC(ND_UINT8, 1))), 254);
    /* Negative counts: NumPy gives 0 for << and the sign for >>. */
    ck_assert_values(hold(nd_left_shift(VEC(ND_INT32, 1), VEC(ND_INT32, -1))), 0);
    ck_assert_values(hold(nd_right_shift(VEC(ND_INT32, -8, 8), VEC(ND_INT32, -1, -1))), -1, 0);
    ck_assert_null(nd_left_shift(VEC(ND_FLOAT64, 1), VEC(ND_INT64, 1)), ND_ERR_TYPE,
                   no_loop("left_shift"));
}
END_TEST

START_TEST(integer_power)
{
    nd_clear_error();
    ck_assert_null(nd_power(VEC(ND_INT64, 2, 3), VEC(ND_INT64, -1, 2)), ND_ERR_VALUE,
                   "Integers to negative integer powers are not allowed.");
    ck_assert_null(nd_power(VEC(ND_UINT8, 2, 3), VEC(ND_INT8, -1, 2)), ND_ERR_VALUE,
                   "Integers to negative integer powers are not allowed.");
    ck_assert_null(nd_power(VEC(ND_INT8, 2), scalar(ND_INT64, -1)), ND_ERR_VALUE,
                   "Integers to negative integer powers are not allowed.");
    nd_array *out = VEC(ND_INT64, 5, 5);
    ck_assert_fails(nd_power_out(VEC(ND_INT64, 2, 3), VEC(ND_INT64, 2, -2), out), ND_ERR_VALUE,
                    "Integers to negative integer powers are not allowed.");
    nd_array *r = hold(nd_power(VEC(ND_INT8, 2, 3), VEC(ND_INT8, 7, 0)));
    ck_assert_shape(r, ND_INT8, 1, 2);
    ck_assert_values(r, -128, 1); /* 2**7 wraps */
    ck_assert_values(hold(nd_power(VEC(ND_INT64, 0, -1, 1, 2), VEC(ND_INT64, 0, 3, 63, 62))), 1, -1,
                     1, 4611686018427387904.0);
    r = hold(nd_power(VEC(ND_BOOL, 1), VEC(ND_BOOL, 1)));
    ck_assert_shape(r, ND_INT8, 1, 1);
    ck_assert_values(r, 1);
    /* A float exponent or base: no restriction. */
    r = hold(nd_power(VEC(ND_FLOAT32, 2), scalar(ND_INT64, -1)));
    ck_assert_shape(r, ND_FLOAT32, 1, 1);
    ck_assert_values(r, 0.5);
    ck_assert_values(hold(nd_power(VEC(ND_FLOAT64, 2, 0, -8), VEC(ND_FLOAT64, -1, -1, 0.5))), 0.5,
                     INFINITY, NAN);
}
END_TEST

START_TEST(bool_arithmetic)
{
    nd_array *t = VEC(ND_BOOL, 1, 1, 0);
    nd_array *u = VEC(ND_BOOL, 1, 0, 0);
    nd_array *r = hold(nd_add(t, u)); /* logical or */
    ck_assert_shape(r, ND_BOOL, 1, 3);
    ck_assert_values(r, 1, 1, 0);
    ck_assert_values(hold(nd_multiply(t, u)), 1, 0, 0);
    ck_assert_values(hold(nd_bitwise_xor(t, u)), 0, 1, 0);
    ck_assert_values(hold(nd_invert(t)), 0, 0, 1);
    r = hold(nd_absolute(t));
    ck_assert_shape(r, ND_BOOL, 1, 3);
    /* bool with an int subtracts as int. */
    r = hold(nd_subtract(t, VEC(ND_INT64, 1, 1, 1)));
    ck_assert_shape(r, ND_INT64, 1, 3);
    ck_assert_values(r, 0, 0, -1);
    r = hold(nd_sqrt(VEC(ND_BOOL, 1)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_values(r, 1);
}
END_TEST

START_TEST(invert_and_bitwise)
{
    ck_assert_values(hold(nd_invert(VEC(ND_UINT8, 0, 5))), 255, 250);
    ck_assert_values(hold(nd_invert(VEC(ND_INT8, 5, -1))), -6, 0);
    ck_assert_int64s(hold(nd_invert(VEC64(ND_UINT64, 0))), -1);
    nd_array *r = hold(nd_bitwise_xor(VEC(ND_INT8, -1), VEC(ND_UINT8, 255)));
    ck_assert_shape(r, ND_INT16, 1, 1);
    ck_assert_values(r, -256);
    ck_assert_values(hold(nd_bitwise_and(VEC(ND_INT32, 12), VEC(ND_INT32, 10))), 8);
    ck_assert_values(hold(nd_bitwise_or(VEC(ND_INT32, 12), VEC(ND_INT32, 10))), 14);
}
END_TEST

/* ---- TypeErrors -------------------------------------------------------------------------------------- */

START_TEST(type_errors_of_bool)
{
    nd_array *t = VEC(ND_BOOL, 1);
    ck_assert_null(nd_subtract(t, t), ND_ERR_TYPE,
                   "numpy boolean subtract, the `-` operator, is not supported, use the "
                   "bitwise_xor, the `^` operator, or the logical_xor function instead.");
    ck_assert_null(nd_negative(t), ND_ERR_TYPE,
                   "The numpy boolean negative, the `-` operator, is not supported, use the "
                   "`~` operator or the logical_not function instead.");
    ck_assert_null(nd_sign(t), ND_ERR_TYPE,
                   "ufunc 'sign' did not contain a loop with signature matching types "
                   "<class 'numpy.dtype[bool_]'> -> None");
    ck_assert_null(nd_positive(t), ND_ERR_TYPE,
                   "ufunc 'positive' did not contain a loop with signature matching types "
                   "<class 'numpy.dtype[bool_]'> -> None");
    nd_array *out = VEC(ND_BOOL, 0);
    ck_assert_fails(nd_subtract_out(t, t, out), ND_ERR_TYPE,
                    "numpy boolean subtract, the `-` operator, is not supported, use the "
                    "bitwise_xor, the `^` operator, or the logical_xor function instead.");
    /* 0-d bools too (NumPy checks dtypes, not values). */
    ck_assert_null(nd_subtract(scalar(ND_BOOL, 1), t), ND_ERR_TYPE,
                   "numpy boolean subtract, the `-` operator, is not supported, use the "
                   "bitwise_xor, the `^` operator, or the logical_xor function instead.");
}
END_TEST

START_TEST(type_errors_of_floats)
{
    nd_array *f = VEC(ND_FLOAT64, 1);
    nd_array *i = VEC(ND_INT64, 1);
    ck_assert_null(nd_bitwise_and(f, f), ND_ERR_TYPE, no_loop("bitwise_and"));
    ck_assert_null(nd_bitwise_or(i, f), ND_ERR_TYPE, no_loop("bitwise_or"));
    ck_assert_null(nd_bitwise_xor(VEC(ND_FLOAT16, 1), i), ND_ERR_TYPE, no_loop("bitwise_xor"));
    ck_assert_null(nd_invert(f), ND_ERR_TYPE, no_loop("invert"));
    ck_assert_null(nd_right_shift(i, VEC(ND_BFLOAT16, 1)), ND_ERR_TYPE, no_loop("right_shift"));
    /* int64 with uint64 promotes to float64, which has no bitwise loop. */
    ck_assert_null(nd_bitwise_and(i, VEC(ND_UINT64, 1)), ND_ERR_TYPE, no_loop("bitwise_and"));
    nd_array *out = VEC(ND_FLOAT64, 0);
    ck_assert_fails(nd_invert_out(f, out), ND_ERR_TYPE, no_loop("invert"));
    ck_assert_values(out, 0);
}
END_TEST

/* ---- float16 and bfloat16 ------------------------------------------------------------------------- */

START_TEST(float16_rounds_once)
{
    nd_array *r = hold(nd_add(VEC(ND_FLOAT16, 2048, 2048, 60000), VEC(ND_FLOAT16, 1, 3, 10000)));
    ck_assert_shape(r, ND_FLOAT16, 1, 3);
    ck_assert_values(r, 2048, 2052, INFINITY); /* ties to even; overflow */
    /* Bit patterns NumPy gives (computed in float32, rounded once). */
    r = hold(nd_multiply(VEC(ND_FLOAT16, 0.1), VEC(ND_FLOAT16, 3)));
    ck_assert_uint_eq(bits16(r, 0), 13516);
    r = hold(nd_exp(VEC(ND_FLOAT16, 1)));
    ck_assert_uint_eq(bits16(r, 0), 16752);
    r = hold(nd_sqrt(VEC(ND_FLOAT16, 2)));
    ck_assert_uint_eq(bits16(r, 0), 15784);
    r = hold(nd_divide(VEC(ND_FLOAT16, 1), VEC(ND_FLOAT16, 3)));
    ck_assert_uint_eq(bits16(r, 0), 13653);
    /* int8 computes float-only functions in float16. */
    r = hold(nd_exp(VEC(ND_UINT8, 1)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_uint_eq(bits16(r, 0), 16752);
    r = hold(nd_sqrt(VEC(ND_INT16, 4)));
    ck_assert_shape(r, ND_FLOAT32, 1, 1);
    r = hold(nd_sqrt(VEC(ND_INT32, 4)));
    ck_assert_shape(r, ND_FLOAT64, 1, 1);
    ck_assert_values(r, 2);
}
END_TEST

START_TEST(bfloat16_rounds_once)
{
    /* 1 + 2^-8 is halfway between bfloat16 neighbours 1 and 1 + 2^-7: ties
     * to even give 1; 1 + 3 * 2^-8 ties up to 1 + 2^-6. */
    nd_array *one = VEC(ND_BFLOAT16, 1, 1);
    nd_array *r = hold(nd_add(one, VEC(ND_BFLOAT16, 0.00390625, 0.01171875)));
    ck_assert_shape(r, ND_BFLOAT16, 1, 2);
    ck_assert_values(r, 1, 1.015625);
    /* Every result is the float32 result rounded once. */
    nd_array *x = VEC(ND_BFLOAT16, 0.1, 3, -7.5, 1000);
    nd_array *y = VEC(ND_BFLOAT16, 3, 0.7, 2.25, 1e-3);
    nd_array *ops[4] = {hold(nd_multiply(x, y)), hold(nd_divide(x, y)), hold(nd_exp(y)),
                        hold(nd_sqrt(x))};
    for (int64_t i = 0; i < 4; i++) {
        double xv, yv;
        ck_assert_int_eq(nd_get(x, &i, &xv), 0);
        ck_assert_int_eq(nd_get(y, &i, &yv), 0);
        float want[4] = {(float)xv * (float)yv, (float)xv / (float)yv, expf((float)yv),
                         sqrtf((float)xv)};
        for (int k = 0; k < 4; k++) {
            ck_assert_int_eq(nd_dtype_of(ops[k]), ND_BFLOAT16);
            uint16_t expect = nd_float_to_bfloat16(want[k]);
            ck_assert_msg(bits16(ops[k], i) == expect || (isnan(want[k]) && k == 3),
                          "op %d element %lld: 0x%04x, expected 0x%04x", k, (long long)i,
                          bits16(ops[k], i), expect);
        }
    }
    /* bfloat16 + float16 is float32, exact. */
    r = hold(nd_add(VEC(ND_BFLOAT16, 1), VEC(ND_FLOAT16, 0.0009765625)));
    ck_assert_shape(r, ND_FLOAT32, 1, 1);
    ck_assert_values(r, 1.0009765625);
}
END_TEST

/* ---- float functions at special values -------------------------------------------------------- */

START_TEST(float_functions_at_special_values)
{
    ck_assert_values(hold(nd_sqrt(VEC(ND_FLOAT64, -1, -0.0, INFINITY))), NAN, 0, INFINITY);
    ck_assert_values(hold(nd_signbit(hold(nd_sqrt(VEC(ND_FLOAT64, -0.0))))), 1);
    ck_assert_values(hold(nd_log(VEC(ND_FLOAT64, 0, -1, INFINITY))), -INFINITY, NAN, INFINITY);
    ck_assert_values(hold(nd_log1p(VEC(ND_FLOAT64, 1e-20, -1, -2))), 1e-20, -INFINITY, NAN);
    ck_assert_values(hold(nd_expm1(VEC(ND_FLOAT64, 1e-20, -INFINITY, INFINITY))), 1e-20, -1,
                     INFINITY);
    ck_assert_values(hold(nd_exp(VEC(ND_FLOAT32, -INFINITY, 1000))), 0, INFINITY);
    /* float32 exp's underflow: 0 from -104 down (below half the smallest
     * subnormal), subnormal results above it within 1 subnormal step of
     * expf, NaN kept. The vector exp selects the 0 instead of computing it. */
    const float tail[] = {-INFINITY, -1e30f, -200, -104, -103.9f, -103.5f, -100, -95, -88, -87.5f};
    nd_array *t = hold(nd_empty(ND_FLOAT32, 1, SHAPE(10)));
    memcpy(nd_data(t), tail, sizeof tail);
    const float *e = nd_data(hold(nd_exp(t)));
    for (int i = 0; i < 10; i++)
        ck_assert_msg(fabsf(e[i] - expf(tail[i])) <=
                          (tail[i] < -87.3f ? 1.5e-45f : 2e-7f * expf(tail[i])),
                      "exp(%g) = %g, expf gives %g", tail[i], e[i], expf(tail[i]));
    ck_assert(e[3] == 0 && e[4] > 0);
    ck_assert_values(hold(nd_exp(VEC(ND_FLOAT32, NAN, -NAN))), NAN, NAN);
    ck_assert_values(hold(nd_exp(VEC(ND_FLOAT16, 12))), INFINITY); /* overflows float16 */
    /* glibc's cbrt(27) is 3 + 1 ulp (NumPy's SIMD one gives 3): 1 ulp allowed. */
    nd_array *c = hold(nd_cbrt(VEC(ND_FLOAT64, -8, 27, -INFINITY)));
    double c27;
    ck_assert_int_eq(nd_get(c, SHAPE(1), &c27), 0);
    ck_assert(fabs(c27 - 3) <= 4.5e-16);
    ck_assert_int_eq(nd_set(c, SHAPE(1), 3), 0);
    ck_assert_values(c, -2, 3, -INFINITY);
    ck_assert_values(hold(nd_arcsin(VEC(ND_FLOAT64, 2))), NAN);
    ck_assert_values(hold(nd_arccosh(VEC(ND_FLOAT64, 0.5))), NAN);
    ck_assert_values(hold(nd_arctanh(VEC(ND_FLOAT64, 1, -1, 2))), INFINITY, -INFINITY, NAN);
    ck_assert_values(hold(nd_tanh(VEC(ND_FLOAT64, 1000, -1000))), 1, -1);
    ck_assert_values(hold(nd_erf(VEC(ND_FLOAT64, 0, INFINITY, -INFINITY))), 0, 1, -1);
    ck_assert_values(hold(nd_reciprocal(VEC(ND_FLOAT64, 0, -0.0, 4))), INFINITY, -INFINITY, 0.25);
    ck_assert_values(hold(nd_arctan2(VEC(ND_FLOAT64, 0, -0.0), VEC(ND_FLOAT64, -0.0, -1))), M_PI,
                     -M_PI);
    ck_assert_values(hold(nd_hypot(VEC(ND_FLOAT64, 1e300, INFINITY), VEC(ND_FLOAT64, 1e300, NAN))),
                     1e300 * sqrt(2.0), INFINITY);
    nd_array *r = hold(nd_hypot(VEC(ND_INT8, 3), VEC(ND_INT8, 4)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_values(r, 5);
    /* copysign takes b's sign bit: -0.0 and -inf are negative, NaN's sign
     * bit (here clear) counts; a NaN magnitude keeps its NaN. */
    r = hold(nd_copysign(VEC(ND_FLOAT64, 1, -2, 3, 4, NAN),
                         VEC(ND_FLOAT64, -0.0, NAN, -INFINITY, 0, -1)));
    ck_assert_values(r, -1, 2, -3, 4, NAN);
    ck_assert_values(hold(nd_signbit(hold(nd_copysign(VEC(ND_FLOAT32, 0), VEC(ND_FLOAT32, -5))))),
                     1);
    r = hold(nd_copysign(VEC(ND_INT16, 7), VEC(ND_INT8, -1)));
    ck_assert_shape(r, ND_FLOAT32, 1, 1);
    ck_assert_values(r, -7);
    r = hold(nd_exp2(VEC(ND_INT8, 10)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_values(r, 1024);
    r = hold(nd_log2(VEC(ND_UINT16, 8)));
    ck_assert_shape(r, ND_FLOAT32, 1, 1);
    ck_assert_values(r, 3);
    r = hold(nd_log10(VEC(ND_INT64, 1000)));
    ck_assert_shape(r, ND_FLOAT64, 1, 1);
    ck_assert_values(r, 3);
}
END_TEST

START_TEST(rounding_functions)
{
    nd_array *x = VEC(ND_FLOAT64, -1.5, -0.5, 0.5, 1.5, 2.5, NAN, -INFINITY);
    ck_assert_values(hold(nd_floor(x)), -2, -1, 0, 1, 2, NAN, -INFINITY);
    ck_assert_values(hold(nd_ceil(x)), -1, -0.0, 1, 2, 3, NAN, -INFINITY);
    ck_assert_values(hold(nd_trunc(x)), -1, -0.0, 0, 1, 2, NAN, -INFINITY);
    ck_assert_values(hold(nd_rint(x)), -2, -0.0, 0, 2, 2, NAN, -INFINITY); /* half to even */
    ck_assert_values(hold(nd_round(x)), -2, -0.0, 0, 2, 2, NAN, -INFINITY);
    ck_assert_values(hold(nd_signbit(hold(nd_ceil(VEC(ND_FLOAT64, -0.5))))), 1);
    nd_array *h = hold(nd_rint(VEC(ND_FLOAT16, 0.5, 1.5, 2.5, -0.5, -1.5)));
    ck_assert_shape(h, ND_FLOAT16, 1, 5);
    ck_assert_values(h, 0, 2, 2, -0.0, -2);
    /* Integers go through the smallest float holding them (NumPy). */
    nd_array *r = hold(nd_floor(VEC(ND_INT32, 3, -3)));
    ck_assert_shape(r, ND_FLOAT64, 1, 2);
    ck_assert_values(r, 3, -3);
    r = hold(nd_floor(VEC(ND_INT8, 1, 2)));
    ck_assert_shape(r, ND_FLOAT16, 1, 2);
    r = hold(nd_square(VEC(ND_FLOAT16, 3)));
    ck_assert_shape(r, ND_FLOAT16, 1, 1);
    ck_assert_values(r, 9);
}
END_TEST

/* ---- where and clip -------------------------------------------------------------------------------- */

START_TEST(where_dtypes)
{
    nd_array *c = VEC(ND_INT64, 1, 0, 2);
    nd_array *r = hold(nd_where(c, VEC(ND_INT8, 1), VEC(ND_FLOAT32, 2.5)));
    ck_assert_shape(r, ND_FLOAT32, 1, 3);
    ck_assert_values(r, 1, 2.5, 1);
    r = hold(nd_where(c, VEC(ND_INT8, 1), scalar(ND_FLOAT64, 2.5))); /* higher kind */
    ck_assert_shape(r, ND_FLOAT64, 1, 3);
    r = hold(nd_where(c, VEC(ND_INT8, 1), scalar(ND_INT64, 2))); /* value-based */
    ck_assert_shape(r, ND_INT8, 1, 3);
    ck_assert_values(r, 1, 2, 1);
    r = hold(nd_where(c, VEC(ND_FLOAT16, 0.5), VEC(ND_BFLOAT16, 1.5)));
    ck_assert_shape(r, ND_FLOAT32, 1, 3);
    ck_assert_values(r, 0.5, 1.5, 0.5);
    r = hold(nd_where(c, VEC(ND_BFLOAT16, 0.5), VEC(ND_BFLOAT16, 3)));
    ck_assert_shape(r, ND_BFLOAT16, 1, 3);
    ck_assert_values(r, 0.5, 3, 0.5);
    r = hold(nd_where(c, VEC64(ND_UINT64, -1), VEC64(ND_UINT64, 7)));
    ck_assert_int64s(r, -1, 7, -1);
    r = hold(nd_where(c, VEC(ND_BOOL, 1), VEC(ND_BOOL, 0)));
    ck_assert_shape(r, ND_BOOL, 1, 3);
    ck_assert_values(r, 1, 0, 1);
    /* A where into an out of another dtype. */
    nd_array *out = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(3)));
    ck_assert_int_eq(nd_where_out(c, VEC(ND_INT8, -1), VEC(ND_UINT8, 200), out), 0);
    ck_assert_values(out, -1, 200, -1);
}
END_TEST

START_TEST(clip_cases)
{
    nd_array *a = VEC(ND_INT8, 1, 7, 5, -3);
    nd_array *r = hold(nd_clip(a, scalar(ND_INT64, 0), scalar(ND_INT64, 4)));
    ck_assert_shape(r, ND_INT8, 1, 4);
    ck_assert_values(r, 1, 4, 4, 0);
    /* lo > hi: hi wins, as minimum(maximum(a, lo), hi). */
    r = hold(nd_clip(a, VEC(ND_INT64, 0, 0, 6, 0), scalar(ND_INT64, 4)));
    ck_assert_shape(r, ND_INT64, 1, 4);
    ck_assert_values(r, 1, 4, 4, 0);
    r = hold(nd_clip(a, scalar(ND_FLOAT64, 0.5), scalar(ND_INT64, 4)));
    ck_assert_shape(r, ND_FLOAT64, 1, 4);
    ck_assert_values(r, 1, 4, 4, 0.5);
    r = hold(nd_clip(VEC(ND_UINT8, 1, 7, 5, 3), NULL, scalar(ND_INT64, 4)));
    ck_assert_shape(r, ND_UINT8, 1, 4);
    ck_assert_values(r, 1, 4, 4, 3);
    r = hold(nd_clip(VEC(ND_FLOAT32, -INFINITY, INFINITY), scalar(ND_FLOAT64, -1), NULL));
    ck_assert_values(r, -1, INFINITY);
    /* NaN bounds in arrays give NaN (NumPy 1.24 treats a *scalar* NaN bound
     * as no bound, a deprecated special case of np.clip's Python wrapper). */
    r = hold(nd_clip(VEC(ND_FLOAT64, 1, 2), VEC(ND_FLOAT64, NAN, 0), VEC(ND_FLOAT64, 3, NAN)));
    ck_assert_values(r, NAN, NAN);
    ck_assert_null(nd_clip(a, NULL, NULL), ND_ERR_VALUE, "One of max or min must be given");
    ck_assert_fails(nd_clip_out(a, NULL, NULL, a), ND_ERR_VALUE, "One of max or min must be given");
    /* In place. */
    ck_assert_int_eq(nd_clip_out(a, scalar(ND_INT8, -1), scalar(ND_INT8, 2), a), 0);
    ck_assert_values(a, 1, 2, 2, -1);
}
END_TEST

/* ---- threads -------------------------------------------------------------------------------------- */

START_TEST(threads_give_identical_results)
{
    /* Large enough (and shaped) to go through the pool: a contiguous add,
     * a transposed float16 exp (cast buffers per thread) and a power. */
    int64_t n = 1 << 19;
    nd_array *x = hold(nd_arange(ND_FLOAT32, 0, (double)n, 1));
    nd_array *y = hold(nd_arange(ND_FLOAT32, (double)n, 0, -1));
    nd_array *h = shaped(hold(nd_astype(hold(nd_linspace(ND_FLOAT64, -3, 3, n, true)), ND_FLOAT16)),
                         2, SHAPE(1024, 512));
    nd_array *ht = hold(nd_transpose(h, NULL));
    nd_array *k = hold(nd_arange(ND_INT32, 0, (double)n, 1));
    nd_array *results[2][3];
    for (int t = 0; t < 2; t++) {
        ck_assert_int_eq(nd_set_num_threads(t + 1), 0);
        results[t][0] = hold(nd_add(x, y));
        results[t][1] = hold(nd_exp(ht));
        results[t][2] = hold(nd_multiply(k, k));
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(nd_nbytes(results[0][i]), nd_nbytes(results[1][i]));
        ck_assert_int_eq(memcmp(nd_data(results[0][i]), nd_data(results[1][i]),
                                (size_t)nd_nbytes(results[0][i])),
                         0);
    }
    ck_assert_values(hold(nd_slice(results[1][0], 0, 0, 3, 1)), n, n, n);
    int64_t last[2] = {511, 1023};
    double v;
    ck_assert_int_eq(nd_get(results[1][1], last, &v), 0);
    ck_assert_int_eq(nd_float_to_half((float)v), nd_float_to_half(expf(3.0f)));
}
END_TEST

/* ---------------------------------------------------------------------------------------------------- */

START_TEST(bfloat16_times_a_float_scalar_stays_bfloat16)
{
    /* As PyTorch's bf16 tensor * 0.5: the scalar does not widen the array. */
    nd_array *x = nd_full(ND_BFLOAT16, 1, (const int64_t[]){3}, 3.0);
    nd_array *half = nd_scalar(ND_FLOAT64, 0.5), *big = nd_scalar(ND_FLOAT64, 1e6);
    nd_array *y = nd_multiply(x, half), *z = nd_add(x, big);
    ck_assert_shape(y, ND_BFLOAT16, 1, 3);
    ck_assert_values(y, 1.5, 1.5, 1.5);
    /* 1e6 does not fit float16, so the old rule (float32) applies */
    ck_assert_shape(z, ND_FLOAT32, 1, 3);
    nd_free(x);
    nd_free(half);
    nd_free(big);
    nd_free(y);
    nd_free(z);
}
END_TEST

/* nd_parallel_for: every index visited exactly once, pieces contiguous
 * and at least min_per_thread long, and a call from inside a piece of a
 * split call runs its whole range on that thread. */
typedef struct visit_log {
    int visits[1000];
    int64_t pieces[8][2];
    int npieces;
    pthread_mutex_t lock;
    int nested_calls;
} visit_log;

static void nested_piece(void *ctx, int64_t begin, int64_t end)
{
    int64_t *range = ctx;
    range[0] = begin, range[1] = end;
}

static void visit_piece(void *ctx, int64_t begin, int64_t end)
{
    visit_log *log = ctx;
    for (int64_t i = begin; i < end; i++)
        log->visits[i]++;
    int64_t nested[2] = {-1, -1};
    nd_parallel_for(500, 1, nested_piece, nested);
    pthread_mutex_lock(&log->lock);
    if (log->npieces < 8) {
        log->pieces[log->npieces][0] = begin;
        log->pieces[log->npieces][1] = end;
        log->npieces++;
    }
    log->nested_calls += nested[0] == 0 && nested[1] == 500;
    pthread_mutex_unlock(&log->lock);
}

START_TEST(parallel_for_covers_the_range_once)
{
    for (int threads = 1; threads <= 2; threads++) {
        ck_assert_int_eq(nd_set_num_threads(threads), 0);
        for (int64_t min_per_thread = 1; min_per_thread <= 600; min_per_thread += 599) {
            visit_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
            nd_parallel_for(1000, min_per_thread, visit_piece, &log);
            for (int i = 0; i < 1000; i++)
                ck_assert_int_eq(log.visits[i], 1);
            /* 2 threads and pieces of at least 600 of 1000: one piece */
            int expected = min_per_thread == 600 ? 1 : nd_get_num_threads();
            ck_assert_int_eq(log.npieces, expected);
            if (expected > 1) /* nested inside a split call: serial */
                ck_assert_int_eq(log.nested_calls, expected);
            for (int k = 0; k < log.npieces; k++)
                ck_assert_int_ge(log.pieces[k][1] - log.pieces[k][0], min_per_thread);
        }
    }
    visit_log empty = {.lock = PTHREAD_MUTEX_INITIALIZER};
    nd_parallel_for(0, 1, visit_piece, &empty); /* nothing to do: fn is not called */
    ck_assert_int_eq(empty.npieces, 0);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

/* Adds 1 to every counter of its range (each index is one piece's alone). */
static void count_piece(void *ctx, int64_t begin, int64_t end)
{
    int *counts = ctx;
    for (int64_t i = begin; i < end; i++)
        counts[i]++;
}

typedef struct job_stream {
    int calls, failures;
} job_stream;

/* Many small jobs back to back, the way a training step issues them: the
 * workers are caught spinning, sleeping, or between the two. */
static void *run_job_stream(void *arg)
{
    job_stream *stream = arg;
    int counts[257];
    for (int call = 0; call < stream->calls; call++) {
        int64_t n = 1 + call % 257;
        memset(counts, 0, sizeof counts);
        nd_parallel_for(n, 1 + call % 5, count_piece, counts);
        for (int64_t i = 0; i < n; i++)
            stream->failures += counts[i] != 1;
        if (call % 500 == 499)
            usleep(300); /* longer than the workers spin: they sleep */
    }
    return NULL;
}

/* Job after job, from one user thread and then from two at once (the second
 * runs its jobs serially while the first owns the pool): every index of
 * every job is run exactly once. */
START_TEST(parallel_for_back_to_back_jobs)
{
    ck_assert_int_eq(nd_set_num_threads(2), 0);
    job_stream one = {5000, 0};
    run_job_stream(&one);
    ck_assert_int_eq(one.failures, 0);
    job_stream streams[2] = {{3000, 0}, {3000, 0}};
    pthread_t other;
    ck_assert_int_eq(pthread_create(&other, NULL, run_job_stream, &streams[1]), 0);
    run_job_stream(&streams[0]);
    pthread_join(other, NULL);
    ck_assert_int_eq(streams[0].failures + streams[1].failures, 0);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

/* libnd's vector exp without range handling (vmath.h, for callers that
 * bound the argument: GELU's tanh) has nd_vexpf's bits over all of
 * [-87, 87]: every 389th float32 there, the ends and 0. */
START_TEST(exp_in_range_has_the_bits_of_exp)
{
    const float ends[] = {-87.0f, 87.0f, 0.0f, -0.0f, 1e-30f, -1e-30f};
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(nd_float_to_bits(nd_vexpf_in_range(ends[i])),
                          nd_float_to_bits(nd_vexpf(ends[i])));
    int64_t checked = 0, differ = 0; /* counted: a ck_assert per value costs a write each */
    float first = 0;
    for (int sign = 0; sign < 2; sign++)
        for (int32_t bits = 0; bits <= nd_float_to_bits(87.0f); bits += 389, checked++) {
            float x = sign ? -nd_bits_to_float(bits) : nd_bits_to_float(bits);
            if (nd_float_to_bits(nd_vexpf_in_range(x)) != nd_float_to_bits(nd_vexpf(x)))
                first = differ++ ? first : x;
        }
    ck_assert_msg(differ == 0, "%lld values differ, the first exp(%a)", (long long)differ,
                  (double)first);
    ck_assert_int_gt(checked, 5000000);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("elementwise");
    struct {
        const char *name;
        const TTest *tests[16];
    } groups[] = {
        {"out",
         {out_is_first_input, out_is_second_input, out_partially_overlaps_input,
          out_overlaps_input_of_other_dtype, out_dtype_same_kind_casts, out_dtype_unsafe_refused,
          out_wrong_shape, out_read_only, out_larger_than_inputs, out_null_and_null_inputs,
          out_of_float16_result_is_rounded_first, every_out_form_matches}},
        {"dtypes",
         {value_based_casting_of_floats, value_based_casting_of_ints, small_unsigned_resolvers,
          result_type_arrays, scalar_values, mixed_dtypes, float16_rounds_once,
          bfloat16_rounds_once, bfloat16_times_a_float_scalar_stays_bfloat16}},
        {"shapes",
         {zero_d_operands, empty_operands, size_one_broadcasting, negative_strides,
          transposed_layouts, tiled_walks_cover_every_element, threads_give_identical_results,
          parallel_for_covers_the_range_once, parallel_for_back_to_back_jobs}},
        {"nan", {nan_maximum_minimum, nan_sign_and_predicates, nan_comparisons}},
        {"integers",
         {integer_overflow_wraps, integer_division_by_zero, integer_division_signs,
          float_division_by_zero, shifts_past_the_width, integer_power, bool_arithmetic,
          invert_and_bitwise}},
        {"errors", {type_errors_of_bool, type_errors_of_floats}},
        {"where_clip", {where_dtypes, clip_cases}},
        {"functions",
         {float_functions_at_special_values, rounding_functions, exp_in_range_has_the_bits_of_exp}},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        TCase *tc = tcase_create(groups[g].name);
        tcase_add_checked_fixture(tc, NULL, release_all);
        for (int i = 0; i < 16 && groups[g].tests[i]; i++)
            tcase_add_test(tc, groups[g].tests[i]);
        suite_add_tcase(s, tc);
    }
    return s;
}
