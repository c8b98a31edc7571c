/* Parameters in safetensors files (ag_save_params / ag_load_params on top
 * of libnd's container): a round trip, and PyTorch's load_state_dict
 * messages for a wrong shape, a wrong dtype and a missing name, with
 * nothing changed by a failed load. */
#include "test_util.h"

#include <autograd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static void make_dir(void)
{
    dir = test_make_tmpdir("params");
    ck_assert_ptr_nonnull(dir);
}

static void remove_dir(void)
{
    test_remove_tree(dir);
    free(dir);
    dir = NULL;
}

static const char *path_of(const char *file) { return test_path(dir, file); }

/* Same dtype, shape and bytes. */
static void assert_same_array(const nd_array *got, const nd_array *want, const char *what)
{
    ck_assert_msg(got != NULL, "%s: NULL (%s)", what, nd_last_error());
    ck_assert_int_eq(nd_dtype_of(got), nd_dtype_of(want));
    ck_assert_int_eq(nd_ndim(got), nd_ndim(want));
    for (int d = 0; d < nd_ndim(got); d++)
        ck_assert_int_eq(nd_shape(got)[d], nd_shape(want)[d]);
    nd_array *g = nd_ascontiguousarray(got), *w = nd_ascontiguousarray(want);
    ck_assert_msg(memcmp(nd_data(g), nd_data(w), (size_t)nd_nbytes(g)) == 0, "%s: bytes differ",
                  what);
    nd_free(g);
    nd_free(w);
}

START_TEST(test_params_round_trip_and_mismatch_messages)
{
    nd_rng *rng = nd_rng_new(1);
    nd_array *vw = nd_rng_standard_normal(rng, ND_FLOAT32, 2, (const int64_t[]){3, 4});
    nd_array *vb = nd_rng_standard_normal(rng, ND_FLOAT64, 1, (const int64_t[]){4});
    ag_tensor *params[2] = {ag_param(vw), ag_param(vb)};
    const char *names[2] = {"w", "b"};
    const char *path = path_of("params.safetensors");
    ck_assert_int_eq(ag_save_params(path, 2, names, params, 0, NULL), 0);

    /* Into fresh parameters of the right shapes. */
    nd_array *zw = nd_zeros(ND_FLOAT32, 2, (const int64_t[]){3, 4});
    nd_array *zb = nd_zeros(ND_FLOAT64, 1, (const int64_t[]){4});
    ag_tensor *fresh[2] = {ag_param(zw), ag_param(zb)};
    ck_assert_int_eq(ag_load_params(path, 2, names, fresh), 0);
    assert_same_array(ag_value(fresh[0]), vw, "w");
    assert_same_array(ag_value(fresh[1]), vb, "b");

    /* Wrong shape, wrong dtype, missing name: an error, and nothing changes. */
    nd_array *tw = nd_zeros(ND_FLOAT32, 2, (const int64_t[]){4, 3});
    ag_tensor *wrong[2] = {ag_param(zb), ag_param(tw)};
    const char *swapped[2] = {"b", "w"};
    ck_assert_int_eq(ag_load_params(path, 2, swapped, wrong), ND_ERR_VALUE);
    ck_assert_error("size mismatch for w: copying a param with shape (3,4) from checkpoint, "
                    "the shape in current model is (4,3).");
    assert_same_array(ag_value(wrong[0]), zb, "unchanged");
    nd_array *wb = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){4});
    ag_tensor *wrong_dtype = ag_param(wb);
    ck_assert_int_eq(ag_load_params(path, 1, &names[1], &wrong_dtype), ND_ERR_TYPE);
    ck_assert_error("dtype mismatch for b: copying a param with dtype float64 from checkpoint, "
                    "the dtype in current model is float32.");
    const char *missing = "c";
    ck_assert_int_eq(ag_load_params(path, 1, &missing, &wrong_dtype), ND_ERR_KEY);
    ck_assert_error("Missing key(s) in state_dict: \"c\".");
    ck_assert_int_eq(ag_load_params(path_of("nope.safetensors"), 1, &missing, &wrong_dtype),
                     ND_ERR_IO);

    for (int i = 0; i < 2; i++) {
        ag_tensor_free(params[i]);
        ag_tensor_free(fresh[i]);
        ag_tensor_free(wrong[i]);
    }
    ag_tensor_free(wrong_dtype);
    nd_free(vw);
    nd_free(vb);
    nd_free(zw);
    nd_free(zb);
    nd_free(tw);
    nd_free(wb);
    nd_rng_free(rng);
}
END_TEST

/* The file is a plain safetensors file: libnd's container reads it. */
START_TEST(test_params_file_is_plain_safetensors)
{
    nd_array *v = nd_arange(ND_FLOAT32, 0, 6, 1);
    ag_tensor *p = ag_param(v);
    const char *name = "layer.weight", *meta[2] = {"iter", "7"};
    const char *path = path_of("plain.safetensors");
    ck_assert_int_eq(ag_save_params(path, 1, &name, &p, 1, meta), 0);
    nd_safetensors *st = nd_safetensors_load(path);
    ck_assert_msg(st != NULL, "%s", nd_last_error());
    ck_assert_str_eq(nd_safetensors_metadata(st, "iter"), "7");
    nd_array *got = nd_safetensors_get(st, name);
    assert_same_array(got, v, name);
    nd_free(got);
    nd_safetensors_free(st);
    ag_tensor_free(p);
    nd_free(v);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("params");
    tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, test_params_round_trip_and_mismatch_messages);
    tcase_add_test(tc, test_params_file_is_plain_safetensors);
    suite_add_tcase(s, tc);
    return s;
}
