/* Views: geometry (shape, byte strides, data pointer), sharing, flags and
 * errors of every view function. Random chains are also compared with
 * NumPy in numpy/views_vs_numpy.py. */
#include "test_util.h"

static nd_array *grid(void)   /* np.arange(12, dtype=np.int32).reshape(3, 4) */
{
    nd_array *flat = nd_arange(ND_INT32, 0, 12, 1);
    nd_array *a = nd_reshape(flat, 2, (int64_t[]){3, 4});
    nd_free(flat);
    return a;
}

START_TEST(reshape_views_and_copies)
{
    nd_array *a = grid();
    ck_assert_int_eq(nd_strides(a)[0], 16);
    nd_array *b = nd_reshape(a, 3, (int64_t[]){2, -1, 3});
    ck_assert_shape(b, ND_INT32, 3, 2, 2, 3);
    ck_assert(nd_data(b) == nd_data(a));   /* a view */
    nd_array *t = nd_transpose(a, NULL);
    nd_array *flat = nd_reshape(t, 1, (int64_t[]){12});
    ck_assert(!nd_may_share_memory(flat, a));   /* a.T.reshape(12) copies */
    ck_assert_values(flat, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    nd_array *every_other = nd_slice(a, 1, ND_NONE, ND_NONE, 2);
    nd_array *merged = nd_reshape(every_other, 1, (int64_t[]){6});   /* uniform stride: view */
    ck_assert(nd_may_share_memory(merged, a));
    ck_assert_int_eq(nd_strides(merged)[0], 8);
    ck_assert_values(merged, 0, 2, 4, 6, 8, 10);
    nd_array *r = nd_ravel(t);
    ck_assert(!nd_may_share_memory(r, a));
    nd_array *first = nd_slice(r, 0, 0, 1, 1);
    nd_array *scalar = nd_reshape(first, 0, NULL);   /* size 1 -> 0-d */
    ck_assert_int_eq(nd_ndim(scalar), 0);
    ck_assert_values(scalar, 0);
    nd_free(first);
    ck_assert_ptr_null(nd_reshape(a, 1, (int64_t[]){5}));
    ck_assert_error("cannot reshape array of size 12 into shape (5,)");
    ck_assert_ptr_null(nd_reshape(a, 2, (int64_t[]){5, -1}));
    ck_assert_error("cannot reshape array of size 12 into shape (5,newaxis)");
    ck_assert_ptr_null(nd_reshape(a, 2, (int64_t[]){-1, -1}));
    ck_assert_error("can only specify one unknown dimension");
    nd_free(scalar);
    nd_free(a); nd_free(b); nd_free(t); nd_free(flat); nd_free(every_other);
    nd_free(merged); nd_free(r);
}
END_TEST

START_TEST(transpose_and_swapaxes)
{
    nd_array *a = grid();
    nd_array *t = nd_transpose(a, (int[]){-1, 0});
    ck_assert_shape(t, ND_INT32, 2, 4, 3);
    ck_assert_int_eq(nd_strides(t)[0], 4);
    ck_assert_int_eq(nd_strides(t)[1], 16);
    ck_assert(!nd_is_c_contiguous(t) && nd_is_f_contiguous(t));
    ck_assert_values(t, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    ck_assert_ptr_null(nd_transpose(a, (int[]){0, 0}));
    ck_assert_error("repeated axis in transpose");
    ck_assert_ptr_null(nd_transpose(a, (int[]){0, 2}));
    ck_assert_error("axis 2 is out of bounds for array of dimension 2");
    ck_assert_int_eq(nd_last_status(), ND_ERR_AXIS);
    nd_array *s = nd_swapaxes(a, 0, 1);
    ck_assert_values(s, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    ck_assert_ptr_null(nd_swapaxes(a, 0, 2));
    ck_assert_error("axis2: axis 2 is out of bounds for array of dimension 2");
    nd_free(a); nd_free(t); nd_free(s);
}
END_TEST

START_TEST(slices_follow_python)
{
    nd_array *a = nd_arange(ND_INT64, 0, 10, 1);
    struct { int64_t start, stop, step; int64_t n; int64_t first; } cases[] = {
        {ND_NONE, ND_NONE, -1, 10, 9},   /* a[::-1] */
        {2, 8, 3, 2, 2},                 /* a[2:8:3] -> 2, 5 */
        {-3, ND_NONE, 1, 3, 7},          /* a[-3:] */
        {-100, 100, 1, 10, 0},           /* clamped */
        {8, 2, 1, 0, 0},                 /* empty */
        {ND_NONE, -11, -1, 10, 9},       /* a[:-11:-1] */
        {5, ND_NONE, -2, 3, 5},          /* a[5::-2] -> 5, 3, 1 */
        {100, ND_NONE, -3, 4, 9},        /* a[100::-3] -> 9, 6, 3, 0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *s = nd_slice(a, 0, cases[i].start, cases[i].stop, cases[i].step);
        ck_assert_int_eq(nd_shape(s)[0], cases[i].n);
        ck_assert_int_eq(nd_strides(s)[0], 8 * cases[i].step);
        if (cases[i].n > 0) {
            int64_t v;
            nd_get_int64(s, (int64_t[]){0}, &v);
            ck_assert_int_eq(v, cases[i].first);
        }
        nd_free(s);
    }
    nd_array *rev = nd_slice(a, 0, ND_NONE, ND_NONE, -3);
    ck_assert_values(rev, 9, 6, 3, 0);
    ck_assert_ptr_null(nd_slice(a, 0, 0, 5, 0));
    ck_assert_error("slice step cannot be zero");
    ck_assert_ptr_null(nd_slice(a, 1, 0, 5, 1));
    ck_assert_error("axis 1 is out of bounds for array of dimension 1");
    nd_free(rev);
    nd_free(a);
}
END_TEST

START_TEST(squeeze_and_expand_dims)
{
    nd_array *flat = nd_arange(ND_FLOAT32, 0, 3, 1);
    nd_array *a = nd_reshape(flat, 4, (int64_t[]){1, 3, 1, 1});
    nd_array *all = nd_squeeze(a, 0, NULL);
    ck_assert_shape(all, ND_FLOAT32, 1, 3);
    nd_array *some = nd_squeeze(a, 2, (int[]){0, -1});
    ck_assert_shape(some, ND_FLOAT32, 2, 3, 1);
    ck_assert_ptr_null(nd_squeeze(a, 1, (int[]){1}));
    ck_assert_error("cannot select an axis to squeeze out which has size not equal to one");
    for (int axis = -2; axis <= 1; axis++) {
        nd_array *e = nd_expand_dims(flat, axis);
        int where = axis < 0 ? axis + 2 : axis;
        ck_assert_int_eq(nd_ndim(e), 2);
        ck_assert_int_eq(nd_shape(e)[where], 1);
        ck_assert_int_eq(nd_shape(e)[1 - where], 3);
        ck_assert(nd_is_c_contiguous(e));
        nd_free(e);
    }
    ck_assert_ptr_null(nd_expand_dims(flat, 2));
    ck_assert_error("axis 2 is out of bounds for array of dimension 2");
    nd_array *first = nd_slice(flat, 0, 0, 1, 1);
    nd_array *scalar = nd_squeeze(first, 0, NULL);
    ck_assert_int_eq(nd_ndim(scalar), 0);
    ck_assert_values(scalar, 0);
    nd_free(scalar);
    nd_free(first);
    nd_free(flat); nd_free(a); nd_free(all); nd_free(some);
}
END_TEST

START_TEST(broadcast_to_is_readonly_stride_zero)
{
    nd_array *row = nd_arange(ND_FLOAT64, 0, 3, 1);
    nd_array *b = nd_broadcast_to(row, 2, (int64_t[]){4, 3});
    ck_assert_shape(b, ND_FLOAT64, 2, 4, 3);
    ck_assert_int_eq(nd_strides(b)[0], 0);
    ck_assert_int_eq(nd_strides(b)[1], 8);
    ck_assert(!nd_is_writeable(b));
    ck_assert_values(b, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2);
    ck_assert_int_eq(nd_set(b, (int64_t[]){0, 0}, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_ptr_null(nd_broadcast_to(row, 1, (int64_t[]){4}));
    ck_assert_error("operands could not be broadcast together with remapped shapes "
                    "[original->remapped]: (3,)  and requested shape (4,)");
    ck_assert_ptr_null(nd_broadcast_to(row, 0, NULL));
    ck_assert_error("cannot broadcast a non-scalar to a scalar array");
    nd_array *empty = nd_broadcast_to(row, 2, (int64_t[]){0, 3});
    ck_assert_int_eq(nd_size(empty), 0);
    nd_free(row); nd_free(b); nd_free(empty);
}
END_TEST

START_TEST(as_strided_windows_stay_inside)
{
    nd_array *a = nd_arange(ND_INT32, 0, 6, 1);
    /* Sliding windows of 3: shape (4, 3), strides (4, 4). */
    nd_array *w = nd_as_strided(a, 2, (int64_t[]){4, 3}, (int64_t[]){4, 4});
    ck_assert_values(w, 0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5);
    ck_assert_ptr_null(nd_as_strided(a, 2, (int64_t[]){5, 3}, (int64_t[]){4, 4}));
    ck_assert_error("as_strided: the requested view reaches outside the array's memory");
    nd_array *tail = nd_slice(a, 0, 3, ND_NONE, 1);
    ck_assert_ptr_null(nd_as_strided(tail, 1, (int64_t[]){2}, (int64_t[]){-16}));   /* before start */
    nd_array *back = nd_as_strided(tail, 1, (int64_t[]){2}, (int64_t[]){-12});
    ck_assert_values(back, 3, 0);
    ck_assert_ptr_null(nd_as_strided(a, 1, (int64_t[]){2}, (int64_t[]){INT64_MAX - 3}));
    ck_assert_ptr_null(nd_as_strided(a, 1, (int64_t[]){2}, (int64_t[]){2}));   /* misaligned */
    nd_free(a); nd_free(w); nd_free(tail); nd_free(back);
}
END_TEST

START_TEST(diagonal_views)
{
    nd_array *a = grid();
    nd_array *d = nd_diagonal(a, 0, 0, 1);
    ck_assert_values(d, 0, 5, 10);
    ck_assert_int_eq(nd_strides(d)[0], 20);
    ck_assert(!nd_is_writeable(d));
    nd_array *up = nd_diagonal(a, 2, 0, 1);
    ck_assert_values(up, 2, 7);
    nd_array *down = nd_diagonal(a, -1, 0, 1);
    ck_assert_values(down, 4, 9);
    nd_array *none = nd_diagonal(a, 7, 0, 1);
    ck_assert_int_eq(nd_size(none), 0);
    nd_array *flat = nd_arange(ND_INT32, 0, 3, 1);
    ck_assert_ptr_null(nd_diagonal(flat, 0, 0, 1));
    ck_assert_error("diag requires an array of at least two dimensions");
    ck_assert_ptr_null(nd_diagonal(a, 0, 1, 1));
    ck_assert_error("axis1 and axis2 cannot be the same");
    /* 3-D: the diagonal becomes the last axis. */
    nd_array *cube_flat = nd_arange(ND_INT32, 0, 8, 1);
    nd_array *cube = nd_reshape(cube_flat, 3, (int64_t[]){2, 2, 2});
    nd_array *cd = nd_diagonal(cube, 0, 0, 2);   /* cd[j, i] = cube[i, j, i] */
    ck_assert_shape(cd, ND_INT32, 2, 2, 2);
    ck_assert_values(cd, 0, 5, 2, 7);
    nd_free(a); nd_free(d); nd_free(up); nd_free(down); nd_free(none); nd_free(flat);
    nd_free(cube_flat); nd_free(cube); nd_free(cd);
}
END_TEST

START_TEST(views_outlive_their_base)
{
    nd_array *a = grid();
    nd_array *v = nd_slice(a, 0, ND_NONE, ND_NONE, -1);
    nd_array *vv = nd_transpose(v, NULL);
    nd_free(a);
    nd_free(v);
    ck_assert_values(vv, 8, 4, 0, 9, 5, 1, 10, 6, 2, 11, 7, 3);
    nd_free(vv);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("views");
    TCase *tc = tcase_create("views");
    tcase_add_test(tc, reshape_views_and_copies);
    tcase_add_test(tc, transpose_and_swapaxes);
    tcase_add_test(tc, slices_follow_python);
    tcase_add_test(tc, squeeze_and_expand_dims);
    tcase_add_test(tc, broadcast_to_is_readonly_stride_zero);
    tcase_add_test(tc, as_strided_windows_stay_inside);
    tcase_add_test(tc, diagonal_views);
    tcase_add_test(tc, views_outlive_their_base);
    suite_add_tcase(s, tc);
    return s;
}
