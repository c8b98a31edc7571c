/* Shape and indexing ops (ops/shape.c, ops/index.c): values, gradients by
 * gradcheck on non-contiguous and 0-size inputs, accumulation of repeated
 * indices, long lists joined in groups, and errors in PyTorch's words. */
#include "test_util.h"

#include <autograd.h>
#include <string.h>

static nd_array *random_array(uint64_t seed, int ndim, const int64_t *shape)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT64, ndim, shape);
    nd_rng_free(rng);
    return a;
}

static nd_array *int_array(int ndim, const int64_t *shape, const int64_t *values)
{
    return nd_from_data(ND_INT64, ndim, shape, values);
}

static nd_array *iota(nd_dtype dt, int ndim, const int64_t *shape)
{
    nd_array *flat = nd_arange(dt, 0, 100000, 1), *a = NULL;
    int64_t size = 1;
    for (int d = 0; d < ndim; d++)
        size *= shape[d];
    nd_array *head = nd_slice(flat, 0, 0, size, 1);
    a = nd_reshape(head, ndim, shape);
    nd_free(flat);
    nd_free(head);
    return a;
}

/* ---- gradcheck of every op ------------------------------------------------------------- */

static ag_tensor *f_reshape_of_transposed(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* (3,4) -> T (4,3), not contiguous -> (6,2) */
    return ag_reshape(ag_transpose(x[0], NULL), 2, (const int64_t[]){-1, 2});
}

static ag_tensor *f_permute(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* (2,3,4) -> (4,2,3), times itself reversed to be nonlinear */
    ag_tensor *p = ag_permute(x[0], 3, (const int[]){2, 0, -2});
    return ag_mul(p, ag_permute(ag_swapaxes(x[0], 0, 1), 3, (const int[]){2, 1, 0}));
}

static ag_tensor *f_swapaxes(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    return ag_mul(ag_swapaxes(x[0], 0, -1), ag_swapaxes(x[0], -1, 0));
}

static ag_tensor *f_slices(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* x (4,5) transposed (5,4): rows 0:2 times rows 3,2 (negative step) */
    ag_tensor *t = ag_transpose(x[0], NULL);
    ag_tensor *top = ag_slice(t, 0, 0, 2, 1), *back = ag_slice(t, 0, ND_NONE, 2, -1);
    ag_tensor *odd = ag_slice(ag_slice(t, 0, 1, ND_NONE, 2), -1, ND_NONE, ND_NONE, -1); /* (2,4) */
    return ag_add(ag_mul(top, back), odd);
}

static ag_tensor *f_concat(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* (3,2), T of (4,3) = (3,4), (3,0), (3,2) -> (3,8) */
    ag_tensor *parts[] = {x[0], ag_transpose(x[1], NULL), x[2], ag_mul(x[0], x[0])};
    return ag_concat(4, parts, -1);
}

static ag_tensor *f_concat_many(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* the 10 rows of x reversed by split + concat (groups of 8), times x */
    ag_tensor *rows[10], *reversed[10];
    if (ag_split(x[0], 10, NULL, 0, rows) < 0)
        return NULL;
    for (int i = 0; i < 10; i++)
        reversed[i] = rows[9 - i];
    return ag_mul(ag_concat(10, reversed, 0), x[0]);
}

static ag_tensor *f_stack(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    ag_tensor *parts[] = {x[0], ag_mul(x[1], x[1]), x[0]};
    return ag_stack(3, parts, -1);
}

static ag_tensor *f_stack_many(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* 11 rows (1,3) stacked on axis 1: (1,11,3) */
    ag_tensor *rows[11];
    if (ag_split(x[0], 11, NULL, 0, rows) < 0)
        return NULL;
    ag_tensor *s = ag_stack(11, rows, 1);
    return ag_mul(s, s);
}

static ag_tensor *f_split(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* (4,6) -> (4,1) (4,3) (4,2) -> cat(p2, p0 * p0, p1) */
    ag_tensor *p[3];
    if (ag_split(x[0], 3, (const int64_t[]){1, 3, 2}, -1, p) < 0)
        return NULL;
    return ag_concat(3, (ag_tensor *[]){p[2], ag_mul(p[0], p[0]), p[1]}, 1);
}

static ag_tensor *f_broadcast_to(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* (3,1) -> (2,3,4) times w (2,3,4), plus a -1 form */
    ag_tensor *b = ag_broadcast_to(x[0], 3, (const int64_t[]){2, 3, 4});
    ag_tensor *c = ag_broadcast_to(x[0], 3, (const int64_t[]){2, -1, 4});
    return ag_add(ag_mul(b, x[1]), ag_mul(c, c));
}

static ag_tensor *f_squeeze_expand(ag_tensor *const *x, void *ctx)
{
    (void)ctx; /* (2,1,3,1): squeeze all -> (2,3); squeeze (1, 2) keeps 2 -> (2,3,1) */
    ag_tensor *all = ag_squeeze(x[0], 0, NULL);
    ag_tensor *some = ag_squeeze(x[0], 2, (const int[]){1, 2});
    ag_tensor *back = ag_squeeze(ag_expand_dims(all, -1), 1, (const int[]){-1});
    return ag_add(ag_mul(ag_expand_dims(back, 2), some), ag_expand_dims(all, -1));
}

static ag_tensor *f_embedding(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    ag_tensor *e = ag_embedding(x[0], ag_value(x[1]));
    return ag_mul(e, e);
}

static ag_tensor *f_take(ag_tensor *const *x, void *ctx)
{
    const int *axis = ctx; /* from a transposed x */
    ag_tensor *t = ag_take(ag_swapaxes(x[0], 0, 1), ag_value(x[1]), *axis);
    return ag_mul(t, t);
}

static ag_tensor *f_take_along(ag_tensor *const *x, void *ctx)
{
    const int *axis = ctx;
    ag_tensor *t = ag_take_along_axis(x[0], ag_value(x[1]), *axis);
    return ag_mul(t, t);
}

#define GRADCHECK(fn, ctx, ...)                                                                  \
    do {                                                                                         \
        const nd_array *in_[] = {__VA_ARGS__};                                                   \
        ag_gradcheck_report r_;                                                                  \
        int ok_ = ag_gradcheck(fn, ctx, sizeof in_ / sizeof in_[0], in_, 1e-6, 1e-8, 1e-6, &r_); \
        ck_assert_msg(ok_ == 1, "%s: %d, input %d index %lld analytic %g numeric %g (%s)", #fn,  \
                      ok_, r_.input, (long long)r_.index, r_.analytic, r_.numeric,               \
                      nd_last_error());                                                          \
    } while (0)

START_TEST(test_shape_ops_gradcheck)
{
    nd_array *x34 = random_array(1, 2, (const int64_t[]){3, 4});
    nd_array *x234 = random_array(2, 3, (const int64_t[]){2, 3, 4});
    nd_array *x45 = random_array(3, 2, (const int64_t[]){4, 5});
    nd_array *x32 = random_array(4, 2, (const int64_t[]){3, 2});
    nd_array *x43 = random_array(5, 2, (const int64_t[]){4, 3});
    nd_array *x30 = random_array(6, 2, (const int64_t[]){3, 0});
    nd_array *x103 = random_array(7, 2, (const int64_t[]){10, 3});
    nd_array *x113 = random_array(8, 2, (const int64_t[]){11, 3});
    nd_array *x46 = random_array(9, 2, (const int64_t[]){4, 6});
    nd_array *x31 = random_array(10, 2, (const int64_t[]){3, 1});
    nd_array *x2131 = random_array(11, 4, (const int64_t[]){2, 1, 3, 1});
    GRADCHECK(f_reshape_of_transposed, NULL, x34);
    GRADCHECK(f_permute, NULL, x234);
    GRADCHECK(f_swapaxes, NULL, x234);
    GRADCHECK(f_slices, NULL, x45);
    GRADCHECK(f_concat, NULL, x32, x43, x30);
    GRADCHECK(f_concat_many, NULL, x103);
    GRADCHECK(f_stack, NULL, x43, x43);
    GRADCHECK(f_stack_many, NULL, x113);
    GRADCHECK(f_split, NULL, x46);
    GRADCHECK(f_broadcast_to, NULL, x31, x234);
    GRADCHECK(f_squeeze_expand, NULL, x2131);
    nd_array *arrays[] = {x34, x234, x45, x32, x43, x30, x103, x113, x46, x31, x2131};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        nd_free(arrays[i]);
}
END_TEST

START_TEST(test_index_ops_gradcheck)
{
    nd_array *w = random_array(12, 2, (const int64_t[]){5, 3});
    nd_array *ids = int_array(2, (const int64_t[]){2, 4}, (const int64_t[]){0, 4, 4, 1, 2, 0, 4, 3});
    GRADCHECK(f_embedding, NULL, w, ids);
    /* take from swapaxes(x (4,3,2)) = (3,4,2): axis 1 with negative and
     * repeated indices, axis 0 and axis -1 */
    nd_array *x = random_array(13, 3, (const int64_t[]){4, 3, 2});
    nd_array *take_ids =
        int_array(2, (const int64_t[]){2, 3}, (const int64_t[]){0, -1, 3, 3, 1, -4});
    nd_array *scalar_id = int_array(0, NULL, (const int64_t[]){-1});
    int axes[] = {1, 0, -1};
    GRADCHECK(f_take, &axes[0], x, take_ids);
    nd_array *rows = int_array(3, (const int64_t[]){2, 1, 2}, (const int64_t[]){2, -3, 0, 2});
    GRADCHECK(f_take, &axes[1], x, rows);
    GRADCHECK(f_take, &axes[2], x, scalar_id);
    /* take_along_axis: same shapes; a broadcast on axis 0; indices broadcast */
    nd_array *a = random_array(14, 2, (const int64_t[]){3, 4});
    nd_array *a1 = random_array(15, 2, (const int64_t[]){1, 4});
    nd_array *along = int_array(2, (const int64_t[]){3, 5},
                                (const int64_t[]){0, 1, 1, 3, -1, 2, 2, 2, 0, 3, 3, 0, 1, 0, 3});
    nd_array *row = int_array(2, (const int64_t[]){1, 2}, (const int64_t[]){3, 3});
    nd_array *col = int_array(2, (const int64_t[]){2, 4}, (const int64_t[]){0, 2, 1, 0, 2, 2, 1, 1});
    int last = 1, first = 0;
    GRADCHECK(f_take_along, &last, a, along);
    GRADCHECK(f_take_along, &last, a1, along);
    GRADCHECK(f_take_along, &last, a, row);
    GRADCHECK(f_take_along, &first, a, col);
    nd_array *arrays[] = {w, ids, x, rows, take_ids, scalar_id, a, a1, along, row, col};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        nd_free(arrays[i]);
}
END_TEST

/* ---- values ------------------------------------------------------------------------------- */

START_TEST(test_reshape_is_a_view_and_backward_reshapes)
{
    nd_array *v = iota(ND_FLOAT32, 2, (const int64_t[]){2, 3});
    ag_tensor *a = ag_param(v);
    ag_tensor *y = ag_reshape(a, 2, (const int64_t[]){3, -1});
    ck_assert_shape(ag_value(y), ND_FLOAT32, 2, 3, 2);
    ck_assert_ptr_eq(nd_data(ag_value(y)), nd_data(ag_value(a)));
    ck_assert_str_eq(ag_op_name(y), "reshape");
    nd_array *g = iota(ND_FLOAT32, 2, (const int64_t[]){3, 2});
    ck_assert_int_eq(ag_backward_ex(y, g, false), 0);
    ck_assert_shape(ag_grad(a), ND_FLOAT32, 2, 2, 3);
    ck_assert_values(ag_grad(a), 0, 1, 2, 3, 4, 5);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
    nd_free(g);
}
END_TEST

START_TEST(test_slice_negative_step_scatters_back)
{
    nd_array *v = iota(ND_FLOAT64, 1, (const int64_t[]){6});
    ag_tensor *a = ag_param(v);
    ag_tensor *y = ag_slice(a, 0, -2, ND_NONE, -2); /* a[-2::-2] = 4, 2, 0 */
    ck_assert_values(ag_value(y), 4, 2, 0);
    nd_array *g = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){3}, (const double[]){10, 20, 30});
    ck_assert_int_eq(ag_backward_ex(y, g, false), 0);
    ck_assert_values(ag_grad(a), 30, 0, 20, 0, 10, 0);
    /* An empty slice has a zero gradient. */
    ag_zero_grad(a);
    ag_tensor *e = ag_slice(a, 0, 3, 3, 1);
    ck_assert_shape(ag_value(e), ND_FLOAT64, 1, 0);
    ck_assert_int_eq(ag_backward(ag_sum(e, 0, NULL, false)), 0);
    ck_assert_values(ag_grad(a), 0, 0, 0, 0, 0, 0);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
    nd_free(g);
}
END_TEST

START_TEST(test_concat_and_stack_of_many)
{
    /* 12 tensors (1,2) holding i, 12 + i: groups of 8 and 4 */
    ag_tensor *t[12];
    nd_array *vals[12];
    for (int i = 0; i < 12; i++) {
        vals[i] = nd_from_data(ND_FLOAT64, 2, (const int64_t[]){1, 2}, (const double[]){i, 12 + i});
        t[i] = ag_param(vals[i]);
    }
    ag_tensor *c = ag_concat(12, t, 0), *s = ag_stack(12, t, -2);
    ck_assert_shape(ag_value(c), ND_FLOAT64, 2, 12, 2);
    ck_assert_shape(ag_value(s), ND_FLOAT64, 3, 1, 12, 2);
    nd_array *cv = nd_reshape(ag_value(c), 1, (const int64_t[]){24});
    nd_array *sv = nd_reshape(ag_value(s), 1, (const int64_t[]){24});
    for (int i = 0; i < 12; i++) {
        double x;
        nd_get(cv, (const int64_t[]){2 * i + 1}, &x);
        ck_assert_double_eq(x, 12 + i);
        nd_get(sv, (const int64_t[]){2 * i}, &x);
        ck_assert_double_eq(x, i);
    }
    /* L = sum(c * c) + 3 sum(s): dL/dt_i = 2 t_i + 3 */
    ag_tensor *loss =
        ag_add(ag_sum(ag_mul(c, c), 0, NULL, false), ag_mul_scalar(ag_sum(s, 0, NULL, false), 3));
    ck_assert_int_eq(ag_backward(loss), 0);
    for (int i = 0; i < 12; i++)
        ck_assert_values(ag_grad(t[i]), 2.0 * i + 3, 2.0 * (12 + i) + 3);
    ag_tape_reset();
    for (int i = 0; i < 12; i++) {
        ag_tensor_free(t[i]);
        nd_free(vals[i]);
    }
    nd_free(cv);
    nd_free(sv);
}
END_TEST

START_TEST(test_split_pieces_are_slices)
{
    nd_array *v = iota(ND_FLOAT64, 2, (const int64_t[]){2, 5});
    ag_tensor *a = ag_param(v), *p[3];
    ck_assert_int_eq(ag_split(a, 3, (const int64_t[]){2, 0, 3}, 1, p), 0);
    ck_assert_values(ag_value(p[0]), 0, 1, 5, 6);
    ck_assert_shape(ag_value(p[1]), ND_FLOAT64, 2, 2, 0);
    ck_assert_values(ag_value(p[2]), 2, 3, 4, 7, 8, 9);
    ck_assert_str_eq(ag_op_name(p[2]), "slice");
    /* only p[2] used: the gradient is zero elsewhere */
    ck_assert_int_eq(ag_backward(ag_sum(ag_mul_scalar(p[2], 2), 0, NULL, false)), 0);
    ck_assert_values(ag_grad(a), 0, 0, 2, 2, 2, 0, 0, 2, 2, 2);
    /* equal sections */
    ag_tensor *q[2];
    ck_assert_int_eq(ag_split(a, 2, NULL, 0, q), 0);
    ck_assert_values(ag_value(q[1]), 5, 6, 7, 8, 9);
    ck_assert_int_lt(ag_split(a, 2, NULL, 1, q), 0);
    ck_assert_error("array split does not result in an equal division");
    ck_assert_ptr_null(q[0]);
    ck_assert_ptr_null(q[1]);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

START_TEST(test_broadcast_to_sums_back)
{
    nd_array *v = nd_from_data(ND_FLOAT32, 2, (const int64_t[]){2, 1}, (const float[]){1, 2});
    ag_tensor *a = ag_param(v);
    ag_tensor *y = ag_broadcast_to(a, 3, (const int64_t[]){3, -1, 4});
    ck_assert_shape(ag_value(y), ND_FLOAT32, 3, 3, 2, 4);
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    ck_assert_shape(ag_grad(a), ND_FLOAT32, 2, 2, 1);
    ck_assert_values(ag_grad(a), 12, 12);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

START_TEST(test_squeeze_and_expand_dims_follow_torch)
{
    nd_array *v = iota(ND_FLOAT64, 3, (const int64_t[]){1, 3, 1});
    ag_tensor *a = ag_param(v);
    ck_assert_shape(ag_value(ag_squeeze(a, 0, NULL)), ND_FLOAT64, 1, 3);
    /* a listed axis of size 3 stays, as in PyTorch */
    ck_assert_shape(ag_value(ag_squeeze(a, 2, (const int[]){1, -1})), ND_FLOAT64, 2, 1, 3);
    ck_assert_shape(ag_value(ag_expand_dims(a, 3)), ND_FLOAT64, 4, 1, 3, 1, 1);
    ck_assert_shape(ag_value(ag_expand_dims(a, -4)), ND_FLOAT64, 4, 1, 1, 3, 1);
    /* 0-d: unsqueeze to (1,), squeeze back to () */
    nd_array *s = nd_scalar(ND_FLOAT64, 2.5);
    ag_tensor *b = ag_param(s);
    ag_tensor *e = ag_expand_dims(b, -1);
    ck_assert_shape(ag_value(e), ND_FLOAT64, 1, 1);
    ag_tensor *back = ag_squeeze(e, 1, (const int[]){0});
    ck_assert_int_eq(nd_ndim(ag_value(back)), 0);
    ck_assert_int_eq(ag_backward(ag_mul(back, back)), 0);
    ck_assert_values(ag_grad(b), 5);
    ag_tape_reset();
    ag_tensor_free(a);
    ag_tensor_free(b);
    nd_free(v);
    nd_free(s);
}
END_TEST

START_TEST(test_embedding_accumulates_repeated_rows)
{
    nd_array *w = iota(ND_FLOAT32, 2, (const int64_t[]){4, 2});
    nd_array *ids =
        nd_from_data(ND_INT32, 2, (const int64_t[]){2, 3}, (const int32_t[]){1, 3, 1, 1, 0, 3});
    ag_tensor *weight = ag_param(w);
    ag_tensor *y = ag_embedding(weight, ids);
    /* non-contiguous indices: the same rows, transposed */
    nd_array *ids_t = nd_transpose(ids, NULL);
    ag_tensor *y_t = ag_embedding(weight, ids_t);
    ck_assert_shape(ag_value(y_t), ND_FLOAT32, 3, 3, 2, 2);
    ck_assert_values(ag_value(y_t), 2, 3, 2, 3, 6, 7, 0, 1, 2, 3, 6, 7);
    nd_free(ids_t);
    nd_free(ids); /* the op keeps its own copy */
    ck_assert_shape(ag_value(y), ND_FLOAT32, 3, 2, 3, 2);
    ck_assert_values(ag_value(y), 2, 3, 6, 7, 2, 3, 2, 3, 0, 1, 6, 7);
    ck_assert_str_eq(ag_op_name(y), "embedding");
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    /* row 1 three times, row 3 twice, row 0 once, row 2 never */
    ck_assert_shape(ag_grad(weight), ND_FLOAT32, 2, 4, 2);
    ck_assert_values(ag_grad(weight), 1, 1, 3, 3, 0, 0, 2, 2);
    /* empty indices: (0, C) out, zero gradient */
    ag_zero_grad(weight);
    nd_array *none = nd_zeros(ND_INT64, 2, (const int64_t[]){0, 5});
    ag_tensor *z = ag_embedding(weight, none);
    ck_assert_shape(ag_value(z), ND_FLOAT32, 3, 0, 5, 2);
    ck_assert_int_eq(ag_backward(ag_sum(z, 0, NULL, false)), 0);
    ck_assert_values(ag_grad(weight), 0, 0, 0, 0, 0, 0, 0, 0);
    ag_tape_reset();
    ag_tensor_free(weight);
    nd_free(w);
    nd_free(none);
}
END_TEST

START_TEST(test_take_along_axis_accumulates_duplicates)
{
    nd_array *v = iota(ND_FLOAT64, 2, (const int64_t[]){2, 3});
    nd_array *ids =
        int_array(2, (const int64_t[]){2, 4}, (const int64_t[]){2, 2, 2, 0, 1, -1, 1, 1});
    ag_tensor *a = ag_param(v);
    ag_tensor *y = ag_take_along_axis(a, ids, 1);
    ck_assert_values(ag_value(y), 2, 2, 2, 0, 4, 5, 4, 4);
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    ck_assert_values(ag_grad(a), 1, 0, 3, 0, 3, 1);
    /* take with axis 1 and repeated indices */
    ag_zero_grad(a);
    nd_array *t_ids = int_array(1, (const int64_t[]){3}, (const int64_t[]){0, 0, -1});
    ag_tensor *t = ag_take(a, t_ids, 1);
    ck_assert_values(ag_value(t), 0, 0, 2, 3, 3, 5);
    ck_assert_int_eq(ag_backward(ag_sum(t, 0, NULL, false)), 0);
    ck_assert_values(ag_grad(a), 2, 0, 1, 2, 0, 1);
    /* take from a 0-d tensor, which counts as shape (1,) */
    nd_array *sv = nd_scalar(ND_FLOAT64, 1.5);
    ag_tensor *s = ag_param(sv);
    nd_array *s_ids = int_array(1, (const int64_t[]){3}, (const int64_t[]){0, -1, 0});
    ag_tensor *st = ag_take(s, s_ids, 0);
    ck_assert_values(ag_value(st), 1.5, 1.5, 1.5);
    ck_assert_int_eq(ag_backward(ag_sum(st, 0, NULL, false)), 0);
    ck_assert_int_eq(nd_ndim(ag_grad(s)), 0);
    ck_assert_values(ag_grad(s), 3);
    ag_tensor_free(s);
    nd_free(sv);
    nd_free(s_ids);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
    nd_free(ids);
    nd_free(t_ids);
}
END_TEST

START_TEST(test_zero_size_dims)
{
    nd_array *v = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){0, 3});
    ag_tensor *a = ag_param(v);
    ag_tensor *r = ag_reshape(a, 2, (const int64_t[]){3, 0});
    ag_tensor *p = ag_transpose(r, NULL);
    ag_tensor *c = ag_concat(2, (ag_tensor *[]){p, a}, 0);
    ag_tensor *s = ag_stack(2, (ag_tensor *[]){c, c}, 0);
    ag_tensor *b = ag_broadcast_to(ag_expand_dims(a, 0), 3, (const int64_t[]){4, 0, 3});
    ck_assert_shape(ag_value(s), ND_FLOAT64, 3, 2, 0, 3);
    ck_assert_shape(ag_value(b), ND_FLOAT64, 3, 4, 0, 3);
    nd_array *ids = nd_zeros(ND_INT64, 2, (const int64_t[]){0, 2});
    ag_tensor *t = ag_take(a, ids, 1);
    ck_assert_shape(ag_value(t), ND_FLOAT64, 3, 0, 0, 2);
    ag_tensor *loss = ag_add(ag_add(ag_sum(s, 0, NULL, false), ag_sum(b, 0, NULL, false)),
                             ag_sum(t, 0, NULL, false));
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_shape(ag_grad(a), ND_FLOAT64, 2, 0, 3);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
    nd_free(ids);
}
END_TEST

/* ---- errors ----------------------------------------------------------------------------------- */

START_TEST(test_errors_in_torch_words)
{
    nd_array *v = nd_zeros(ND_FLOAT32, 2, (const int64_t[]){2, 3});
    nd_array *v1 = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){2});
    nd_array *s = nd_scalar(ND_FLOAT32, 1);
    ag_tensor *x = ag_param(v), *x1 = ag_param(v1), *x0 = ag_param(s);
    ck_assert_ptr_null(ag_reshape(x, 1, (const int64_t[]){4}));
    ck_assert_error("shape '[4]' is invalid for input of size 6");
    ck_assert_ptr_null(ag_reshape(x, 2, (const int64_t[]){-1, -1}));
    ck_assert_error("only one dimension can be inferred");
    ck_assert_ptr_null(ag_reshape(x, 2, (const int64_t[]){-2, 3}));
    ck_assert_error("invalid shape dimension -2");
    ck_assert_ptr_null(ag_permute(x, 1, (const int[]){0}));
    ck_assert_error("permute(): number of dimensions in the tensor input does not match the length "
                    "of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to "
                    "len(dims) = 1");
    ck_assert_ptr_null(ag_permute(x, 2, (const int[]){0, -2}));
    ck_assert_error("permute(): duplicate dims are not allowed.");
    ck_assert_ptr_null(ag_transpose(x, (const int[]){0, 2}));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    ck_assert_ptr_null(ag_swapaxes(x, 0, -3));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got -3)");
    ck_assert_ptr_null(ag_slice(x, 1, 0, 2, 0));
    ck_assert_error("slice step cannot be zero");
    ck_assert_ptr_null(ag_slice(x0, 0, 0, 1, 1));
    ck_assert_error("slice() cannot be applied to a 0-dim tensor.");
    ck_assert_ptr_null(ag_concat(0, NULL, 0));
    ck_assert_error("torch.cat(): expected a non-empty list of Tensors");
    ck_assert_ptr_null(ag_concat(2, (ag_tensor *[]){x, x1}, 1));
    ck_assert_error("Tensors must have same number of dimensions: got 2 and 1");
    ck_assert_ptr_null(ag_concat(2, (ag_tensor *[]){x, ag_transpose(x, NULL)}, 1));
    ck_assert_error("Sizes of tensors must match except in dimension 1. Expected size 2 but got "
                    "size 3 for tensor number 1 in the list.");
    ck_assert_ptr_null(ag_concat(2, (ag_tensor *[]){x1, x0}, 0));
    ck_assert_error("zero-dimensional tensor (at position 1) cannot be concatenated");
    ag_tensor *many[10] = {x1, x1, x1, x1, x1, x1, x1, x1, x1, x};
    ck_assert_ptr_null(ag_concat(10, many, 0));
    ck_assert_error("Tensors must have same number of dimensions: got 1 and 2");
    ck_assert_ptr_null(ag_stack(10, many, 0));
    ck_assert_error("stack expects each tensor to be equal size, but got [2] at entry 0 and [2, 3] "
                    "at entry 9");
    ck_assert_ptr_null(ag_stack(0, NULL, 0));
    ck_assert_error("stack expects a non-empty TensorList");
    ck_assert_ptr_null(ag_stack(1, &x, 3));
    ck_assert_error("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
    ag_tensor *out[2] = {x, x};
    ck_assert_int_lt(ag_split(x, 2, (const int64_t[]){1, 3}, 1, out), 0);
    ck_assert_error("split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size "
                    "at dimension 1), but got split_sizes=[1, 3]");
    ck_assert_ptr_null(out[0]);
    ck_assert_int_lt(ag_split(x, 2, (const int64_t[]){-1, 4}, 1, out), 0);
    ck_assert_error("split_with_sizes expects split_sizes have only non-negative entries, but got "
                    "split_sizes=[-1, 4]");
    ck_assert_ptr_null(ag_broadcast_to(x, 1, (const int64_t[]){4}));
    ck_assert_error("the number of sizes provided (1) must be greater or equal to the number of "
                    "dimensions in the tensor (2)");
    ck_assert_ptr_null(ag_broadcast_to(x, 2, (const int64_t[]){4, 3}));
    ck_assert_error("The expanded size of the tensor (4) must match the existing size (2) at "
                    "non-singleton dimension 0.  Target sizes: [4, 3].  Tensor sizes: [2, 3]");
    ck_assert_ptr_null(ag_expand_dims(x, 3));
    ck_assert_error("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
    ck_assert_ptr_null(ag_squeeze(x, 1, (const int[]){3}));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got 3)");
    ck_assert_ptr_null(ag_squeeze(x, 2, (const int[]){1, -1}));
    ck_assert_error("dim 1 appears multiple times in the list of dims");
    /* indexing */
    nd_array *ids = int_array(1, (const int64_t[]){2}, (const int64_t[]){0, 2});
    nd_array *neg = int_array(1, (const int64_t[]){1}, (const int64_t[]){-1});
    nd_array *fl = nd_zeros(ND_FLOAT64, 1, (const int64_t[]){2});
    ck_assert_ptr_null(ag_embedding(x, ids));
    ck_assert_error("index out of range in self");
    ck_assert_ptr_null(ag_embedding(x, neg));
    ck_assert_error("index out of range in self");
    ck_assert_ptr_null(ag_embedding(x, fl));
    ck_assert_error("Expected tensor for argument #1 'indices' to have one of the following scalar "
                    "types: Long, Int; but got float64 instead (while checking arguments for "
                    "embedding)");
    ck_assert_ptr_null(ag_embedding(x1, ids));
    ck_assert_error("'weight' must be 2-D");
    ck_assert_ptr_null(ag_embedding(x, NULL));
    ck_assert_error("embedding: indices is NULL");
    ck_assert_ptr_null(ag_take(x, ids, 2));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    ck_assert_ptr_null(ag_take(x, ids, 0));
    ck_assert_error("index 2 is out of bounds for axis 0 with size 2");
    ck_assert_ptr_null(ag_take_along_axis(x, ids, 1));
    ck_assert_error("torch.take_along_dim(): input and indices should have the same number of "
                    "dimensions, but got 2 dimensions for input, and 1 dimensions for indices");
    /* a NULL input propagates without a new message */
    ck_assert_ptr_null(ag_squeeze(ag_reshape(NULL, 1, (const int64_t[]){2}), 0, NULL));
    ck_assert_ptr_null(ag_concat(10, (ag_tensor *[]){x1, x1, x1, x1, x1, x1, x1, x1, x1, NULL}, 0));
    ck_assert_ptr_null(ag_transpose(NULL, NULL));
    ck_assert_int_lt(ag_split(NULL, 2, NULL, 0, out), 0);
    ag_tape_reset();
    ag_tensor_free(x);
    ag_tensor_free(x1);
    ag_tensor_free(x0);
    nd_free(v);
    nd_free(v1);
    nd_free(s);
    nd_free(ids);
    nd_free(neg);
    nd_free(fl);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("shape");
    TCase *tc = tcase_create("ops");
    tcase_add_test(tc, test_shape_ops_gradcheck);
    tcase_add_test(tc, test_index_ops_gradcheck);
    tcase_add_test(tc, test_reshape_is_a_view_and_backward_reshapes);
    tcase_add_test(tc, test_slice_negative_step_scatters_back);
    tcase_add_test(tc, test_concat_and_stack_of_many);
    tcase_add_test(tc, test_split_pieces_are_slices);
    tcase_add_test(tc, test_broadcast_to_sums_back);
    tcase_add_test(tc, test_squeeze_and_expand_dims_follow_torch);
    tcase_add_test(tc, test_embedding_accumulates_repeated_rows);
    tcase_add_test(tc, test_take_along_axis_accumulates_duplicates);
    tcase_add_test(tc, test_zero_size_dims);
    tcase_add_test(tc, test_errors_in_torch_words);
    suite_add_tcase(s, tc);
    return s;
}
