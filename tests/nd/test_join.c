/* Joining, splitting and rearranging: concatenate, stack, split, pad, tile,
 * repeat, flip, roll. Expected values and messages are NumPy 1.24's (the
 * differential test indexing_vs_numpy.py covers the random cases; these
 * are the edges spelled out). */
#include <stdlib.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

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

/* ---- concatenate, stack ----------------------------------------------------- */

START_TEST(concatenate_axes_and_views)
{
    nd_array *a = arange_shaped(ND_INT32, 2, SHAPE(2, 3));
    nd_array *t = nd_transpose(a, NULL); /* (3, 2) */
    nd_array *b = arange_shaped(ND_INT32, 2, SHAPE(3, 1));
    const nd_array *both[] = {t, b};
    nd_array *r = nd_concatenate(2, both, -1);
    ck_assert_shape(r, ND_INT32, 2, 3, 3);
    ck_assert_values(r, 0, 3, 0, 1, 4, 1, 2, 5, 2);
    ck_assert(!nd_may_share_memory(r, a));
    nd_free(r);
    /* an empty piece contributes nothing */
    nd_array *empty = nd_zeros(ND_INT32, 2, SHAPE(0, 3));
    const nd_array *with_empty[] = {a, empty, a};
    r = nd_concatenate(3, with_empty, 0);
    ck_assert_shape(r, ND_INT32, 2, 4, 3);
    ck_assert_values(r, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5);
    nd_free(r);
    nd_free(empty);
    nd_free(a);
    nd_free(t);
    nd_free(b);
}
END_TEST

START_TEST(concatenate_promotes)
{
    nd_array *a = nd_full(ND_INT8, 1, SHAPE(1), -1);
    nd_array *b = nd_full(ND_UINT16, 1, SHAPE(1), 7);
    nd_array *c = nd_full(ND_FLOAT16, 1, SHAPE(1), 0.5);
    const nd_array *abc[] = {a, b, c};
    nd_array *r = nd_concatenate(3, abc, 0);
    /* NumPy: result_type(int8, uint16, float16) is float32, not a left fold */
    ck_assert_shape(r, ND_FLOAT32, 1, 3);
    ck_assert_values(r, -1, 7, 0.5);
    nd_free(r);
    const nd_array *ab[] = {a, b};
    r = nd_concatenate(2, ab, 0);
    ck_assert_shape(r, ND_INT32, 1, 2);
    nd_free(r);
    nd_array *bf = nd_full(ND_BFLOAT16, 1, SHAPE(1), 2);
    const nd_array *half_bf[] = {c, bf};
    r = nd_concatenate(2, half_bf, 0);
    ck_assert_shape(r, ND_FLOAT32, 1, 2);
    ck_assert_values(r, 0.5, 2);
    nd_free(r);
    nd_free(a);
    nd_free(b);
    nd_free(c);
    nd_free(bf);
}
END_TEST

START_TEST(concatenate_errors)
{
    nd_array *a = arange_shaped(ND_INT64, 2, SHAPE(2, 3));
    nd_array *b = arange_shaped(ND_INT64, 2, SHAPE(2, 2));
    nd_array *v = arange_shaped(ND_INT64, 1, SHAPE(3));
    nd_array *s = nd_zeros(ND_INT64, 0, NULL);
    ck_assert_ptr_null(nd_concatenate(0, NULL, 0));
    ck_assert_error("need at least one array to concatenate");
    const nd_array *ab[] = {a, b};
    ck_assert_ptr_null(nd_concatenate(2, ab, 0));
    ck_assert_error("all the input array dimensions except for the concatenation axis must "
                    "match exactly, but along dimension 1, the array at index 0 has size 3 and "
                    "the array at index 1 has size 2");
    const nd_array *av[] = {a, v};
    ck_assert_ptr_null(nd_concatenate(2, av, 0));
    ck_assert_error("all the input arrays must have same number of dimensions, but the array "
                    "at index 0 has 2 dimension(s) and the array at index 1 has 1 dimension(s)");
    const nd_array *ss[] = {s, s};
    ck_assert_ptr_null(nd_concatenate(2, ss, 0));
    ck_assert_error("zero-dimensional arrays cannot be concatenated");
    const nd_array *aa[] = {a, a};
    ck_assert_ptr_null(nd_concatenate(2, aa, 2));
    ck_assert_error("axis 2 is out of bounds for array of dimension 2");
    ck_assert_int_eq(nd_last_status(), ND_ERR_AXIS);
    ck_assert_ptr_null(nd_stack(2, ab, 0));
    ck_assert_error("all input arrays must have the same shape");
    ck_assert_ptr_null(nd_stack(0, NULL, 0));
    ck_assert_error("need at least one array to stack");
    ck_assert_ptr_null(nd_stack(2, aa, 3));
    ck_assert_error("axis 3 is out of bounds for array of dimension 3");
    nd_free(a);
    nd_free(b);
    nd_free(v);
    nd_free(s);
}
END_TEST

START_TEST(stack_new_axis)
{
    nd_array *a = arange_shaped(ND_FLOAT32, 2, SHAPE(2, 2));
    nd_array *b = nd_full(ND_FLOAT32, 2, SHAPE(2, 2), 9);
    const nd_array *ab[] = {a, b};
    nd_array *r = nd_stack(2, ab, -1);
    ck_assert_shape(r, ND_FLOAT32, 3, 2, 2, 2);
    ck_assert_values(r, 0, 9, 1, 9, 2, 9, 3, 9);
    nd_free(r);
    r = nd_stack(2, ab, 0);
    ck_assert_shape(r, ND_FLOAT32, 3, 2, 2, 2);
    ck_assert_values(r, 0, 1, 2, 3, 9, 9, 9, 9);
    nd_free(r);
    /* 0-d inputs stack into 1-d */
    nd_array *s = nd_full(ND_INT16, 0, NULL, 4);
    const nd_array *ss[] = {s, s, s};
    r = nd_stack(3, ss, 0);
    ck_assert_shape(r, ND_INT16, 1, 3);
    ck_assert_values(r, 4, 4, 4);
    nd_free(r);
    nd_free(s);
    nd_free(a);
    nd_free(b);
}
END_TEST

/* ---- split ------------------------------------------------------------------- */

START_TEST(split_views_and_sizes)
{
    nd_array *a = arange_shaped(ND_INT64, 1, SHAPE(7));
    int count = -1;
    nd_array **p = nd_array_split(a, 3, 0, &count);
    ck_assert_int_eq(count, 3);
    ck_assert_values(p[0], 0, 1, 2); /* 7 = 3 + 2 + 2 */
    ck_assert_values(p[1], 3, 4);
    ck_assert_values(p[2], 5, 6);
    ck_assert(nd_may_share_memory(p[1], a)); /* views, as NumPy's */
    nd_free_arrays(p, count);

    p = nd_array_split(a, 9, 0, &count); /* more sections than elements */
    ck_assert_int_eq(count, 9);
    ck_assert_int_eq(nd_size(p[6]), 1);
    ck_assert_int_eq(nd_size(p[7]), 0);
    nd_free_arrays(p, count);

    ck_assert_ptr_null(nd_split(a, 2, 0, &count));
    ck_assert_error("array split does not result in an equal division");
    ck_assert_ptr_null(nd_array_split(a, 0, 0, &count));
    ck_assert_error("number sections must be larger than 0.");

    /* indices: negative, past the end, decreasing */
    p = nd_split_indices(a, 3, (const int64_t[]){-2, 9, 3}, 0, &count);
    ck_assert_int_eq(count, 4);
    ck_assert_values(p[0], 0, 1, 2, 3, 4);
    ck_assert_values(p[1], 5, 6);
    ck_assert_int_eq(nd_size(p[2]), 0);
    ck_assert_values(p[3], 3, 4, 5, 6);
    nd_free_arrays(p, count);
    nd_free(a);

    nd_array *m = arange_shaped(ND_UINT8, 2, SHAPE(2, 4));
    p = nd_split(m, 2, -1, &count);
    ck_assert_int_eq(count, 2);
    ck_assert_shape(p[1], ND_UINT8, 2, 2, 2);
    ck_assert_values(p[1], 2, 3, 6, 7);
    nd_free_arrays(p, count);
    nd_free(m);
    nd_free_arrays(NULL, 0);
}
END_TEST

/* ---- pad --------------------------------------------------------------------- */

START_TEST(pad_modes)
{
    nd_array *a = arange_shaped(ND_INT32, 1, SHAPE(3));
    nd_array *r = nd_pad(a, SHAPE(2, 1), ND_PAD_CONSTANT, 7.9);
    ck_assert_values(r, 7, 7, 0, 1, 2, 7); /* value truncated to int32 */
    nd_free(r);
    r = nd_pad(a, SHAPE(2, 3), ND_PAD_EDGE, 0);
    ck_assert_values(r, 0, 0, 0, 1, 2, 2, 2, 2);
    nd_free(r);
    /* reflect repeats when the pad is wider than the array */
    r = nd_pad(a, SHAPE(5, 5), ND_PAD_REFLECT, 0);
    ck_assert_values(r, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1);
    nd_free(r);
    nd_free(a);

    /* 2-d: corners come from both axes */
    nd_array *m = arange_shaped(ND_FLOAT64, 2, SHAPE(2, 2));
    r = nd_pad(m, SHAPE(1, 0, 0, 1), ND_PAD_EDGE, 0);
    ck_assert_shape(r, ND_FLOAT64, 2, 3, 3);
    ck_assert_values(r, 0, 1, 1, 0, 1, 1, 2, 3, 3);
    nd_free(r);
    r = nd_pad(m, SHAPE(1, 1, 1, 1), ND_PAD_CONSTANT, -1);
    ck_assert_values(r, -1, -1, -1, -1, -1, 0, 1, -1, -1, 2, 3, -1, -1, -1, -1, -1);
    nd_free(r);
    nd_free(m);

    /* size-1 axis reflects as edge */
    nd_array *one = nd_full(ND_INT8, 1, SHAPE(1), 5);
    r = nd_pad(one, SHAPE(2, 2), ND_PAD_REFLECT, 0);
    ck_assert_values(r, 5, 5, 5, 5, 5);
    nd_free(r);
    nd_free(one);
}
END_TEST

START_TEST(pad_edges_and_errors)
{
    nd_array *e = nd_zeros(ND_FLOAT32, 2, SHAPE(0, 3));
    nd_array *r = nd_pad(e, SHAPE(1, 1, 0, 0), ND_PAD_CONSTANT, 4);
    ck_assert_shape(r, ND_FLOAT32, 2, 2, 3);
    ck_assert_values(r, 4, 4, 4, 4, 4, 4);
    nd_free(r);
    r = nd_pad(e, SHAPE(0, 0, 2, 2), ND_PAD_EDGE, 0); /* padding a non-empty axis */
    ck_assert_shape(r, ND_FLOAT32, 2, 0, 7);
    nd_free(r);
    ck_assert_ptr_null(nd_pad(e, SHAPE(1, 0, 0, 0), ND_PAD_REFLECT, 0));
    ck_assert_error("can't extend empty axis 0 using modes other than 'constant' or 'empty'");
    ck_assert_ptr_null(nd_pad(e, SHAPE(0, -1, 0, 0), ND_PAD_CONSTANT, 0));
    ck_assert_error("index can't contain negative values");
    nd_free(e);
    nd_array *s = nd_full(ND_INT64, 0, NULL, 3);
    r = nd_pad(s, NULL, ND_PAD_EDGE, 0);
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 3);
    nd_free(r);
    nd_free(s);
}
END_TEST

/* ---- tile, repeat ------------------------------------------------------------ */

START_TEST(tile_shapes)
{
    nd_array *a = arange_shaped(ND_INT16, 1, SHAPE(3));
    nd_array *r = nd_tile(a, 2, SHAPE(2, 2));
    ck_assert_shape(r, ND_INT16, 2, 2, 6);
    ck_assert_values(r, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2);
    nd_free(r);
    r = nd_tile(a, 0, NULL); /* a copy */
    ck_assert_shape(r, ND_INT16, 1, 3);
    ck_assert(!nd_may_share_memory(r, a));
    nd_free(r);
    r = nd_tile(a, 1, SHAPE(0));
    ck_assert_shape(r, ND_INT16, 1, 0);
    nd_free(r);
    ck_assert_ptr_null(nd_tile(a, 1, SHAPE(-1)));
    ck_assert_error("negative dimensions are not allowed");
    nd_free(a);
    /* reps shorter than ndim: leading 1s */
    nd_array *m = arange_shaped(ND_UINT8, 2, SHAPE(2, 2));
    nd_array *t = nd_transpose(m, NULL);
    r = nd_tile(t, 1, SHAPE(2));
    ck_assert_shape(r, ND_UINT8, 2, 2, 4);
    ck_assert_values(r, 0, 2, 0, 2, 1, 3, 1, 3);
    nd_free(r);
    nd_free(t);
    nd_free(m);
}
END_TEST

START_TEST(repeat_scalar_and_each)
{
    nd_array *m = arange_shaped(ND_FLOAT16, 2, SHAPE(2, 2));
    nd_array *r = nd_repeat(m, 2, 1);
    ck_assert_shape(r, ND_FLOAT16, 2, 2, 4);
    ck_assert_values(r, 0, 0, 1, 1, 2, 2, 3, 3);
    nd_free(r);
    r = nd_repeat_each(m, 2, SHAPE(0, 3), 0);
    ck_assert_shape(r, ND_FLOAT16, 2, 3, 2);
    ck_assert_values(r, 2, 3, 2, 3, 2, 3);
    nd_free(r);
    ck_assert_ptr_null(nd_repeat_each(m, 3, SHAPE(1, 1, 1), 0));
    ck_assert_error("operands could not be broadcast together with shape (2,) (3,)");
    ck_assert_ptr_null(nd_repeat_each(m, 2, SHAPE(1, -1), 0));
    ck_assert_error("repeats may not contain negative values.");
    ck_assert_ptr_null(nd_repeat(m, -1, 0));
    ck_assert_error("negative dimensions are not allowed");
    ck_assert_ptr_null(nd_repeat(m, 1, 2));
    ck_assert_error("axis 2 is out of bounds for array of dimension 2");
    nd_free(m);
    nd_array *s = nd_full(ND_BOOL, 0, NULL, 1); /* 0-d counts as (1,) */
    r = nd_repeat(s, 3, 0);
    ck_assert_shape(r, ND_BOOL, 1, 3);
    ck_assert_values(r, 1, 1, 1);
    nd_free(r);
    nd_free(s);
}
END_TEST

/* ---- flip, roll -------------------------------------------------------------- */

START_TEST(flip_is_a_view)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(2, 3));
    nd_array *f = nd_flip(m, 0, NULL);
    ck_assert_values(f, 5, 4, 3, 2, 1, 0);
    ck_assert_int_eq(nd_strides(f)[0], -12);
    ck_assert_int_eq(nd_strides(f)[1], -4);
    ck_assert(nd_may_share_memory(f, m));
    nd_array *g = nd_flip(f, 1, (const int[]){-1}); /* flipping back */
    ck_assert_values(g, 3, 4, 5, 0, 1, 2);
    ck_assert_int_eq(nd_set(g, (const int64_t[]){0, 0}, 42), 0);
    ck_assert_values(m, 0, 1, 2, 42, 4, 5);
    nd_free(g);
    nd_free(f);
    ck_assert_ptr_null(nd_flip(m, 2, (const int[]){0, -2}));
    ck_assert_error("repeated axis");
    nd_free(m);
    nd_array *e = nd_zeros(ND_INT8, 1, SHAPE(0));
    f = nd_flip(e, 0, NULL);
    ck_assert_shape(f, ND_INT8, 1, 0);
    nd_free(f);
    nd_free(e);
}
END_TEST

START_TEST(roll_shifts)
{
    nd_array *m = arange_shaped(ND_INT64, 2, SHAPE(2, 3));
    nd_array *r = nd_roll(m, 1, 1);
    ck_assert_values(r, 2, 0, 1, 5, 3, 4);
    nd_free(r);
    r = nd_roll(m, -7, -1); /* -7 mod 3 = 2 */
    ck_assert_values(r, 1, 2, 0, 4, 5, 3);
    nd_free(r);
    r = nd_roll_flat(m, 2);
    ck_assert_shape(r, ND_INT64, 2, 2, 3);
    ck_assert_values(r, 4, 5, 0, 1, 2, 3);
    nd_free(r);
    nd_free(m);
    nd_array *e = nd_zeros(ND_INT64, 2, SHAPE(0, 2));
    r = nd_roll(e, 5, 0);
    ck_assert_shape(r, ND_INT64, 2, 0, 2);
    nd_free(r);
    nd_free(e);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("join");
    TCase *tc = tcase_create("concatenate");
    tcase_add_test(tc, concatenate_axes_and_views);
    tcase_add_test(tc, concatenate_promotes);
    tcase_add_test(tc, concatenate_errors);
    tcase_add_test(tc, stack_new_axis);
    suite_add_tcase(s, tc);
    tc = tcase_create("split");
    tcase_add_test(tc, split_views_and_sizes);
    suite_add_tcase(s, tc);
    tc = tcase_create("rearrange");
    tcase_add_test(tc, pad_modes);
    tcase_add_test(tc, pad_edges_and_errors);
    tcase_add_test(tc, tile_shapes);
    tcase_add_test(tc, repeat_scalar_and_each);
    tcase_add_test(tc, flip_is_a_view);
    tcase_add_test(tc, roll_shifts);
    suite_add_tcase(s, tc);
    return s;
}
