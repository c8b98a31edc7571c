/* .npy/.npz round trips through libnd alone: every dtype, 0-d, size-0,
 * Fortran order, strided sources; atomic saves; clean I/O errors. (Files
 * written and read by real NumPy are checked in numpy/npy_vs_numpy.py.) */
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/stat.h>

#include "test_util.h"

static char *tmpdir;
static char path[4096];

static void setup(void) { tmpdir = test_make_tmpdir("npy"); }

static void teardown(void)
{
    test_remove_tree(tmpdir);
    free(tmpdir);
}

static const char *file(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* Asserts a and b have the same dtype, shape and bytes element by element. */
static void assert_same(const nd_array *a, const nd_array *b)
{
    ck_assert_int_eq(nd_dtype_of(a), nd_dtype_of(b));
    ck_assert_int_eq(nd_ndim(a), nd_ndim(b));
    for (int i = 0; i < nd_ndim(a); i++)
        ck_assert_int_eq(nd_shape(a)[i], nd_shape(b)[i]);
    nd_array *ca = nd_copy(a), *cb = nd_copy(b);
    ck_assert_int_eq(memcmp(nd_data(ca), nd_data(cb), (size_t)nd_nbytes(ca)), 0);
    nd_free(ca);
    nd_free(cb);
}

START_TEST(every_dtype_round_trips)
{
    const int64_t shapes[][3] = {{0}, {5}, {2, 3}, {2, 0, 4}};
    const int ndims[] = {0, 1, 2, 3};
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++)
        for (int s = 0; s < 4; s++) {
            nd_array *range = nd_arange(ND_FLOAT64, -7, 17, 1);
            nd_array *source = nd_astype(range, (nd_dtype)dt);
            int64_t n = 1;
            for (int i = 0; i < ndims[s]; i++)
                n *= shapes[s][i];
            nd_array *part = nd_slice(source, 0, 0, n, 1);
            nd_array *a = nd_reshape(part, ndims[s], shapes[s]);
            ck_assert_int_eq(nd_save_npy(file("a.npy"), a), 0);
            nd_array *back = nd_load_npy(file("a.npy"));
            ck_assert_msg(back != NULL, "%s: %s", nd_dtype_name((nd_dtype)dt), nd_last_error());
            assert_same(a, back);
            nd_free(range);
            nd_free(source);
            nd_free(part);
            nd_free(a);
            nd_free(back);
        }
}
END_TEST

START_TEST(fortran_order_and_strided_sources)
{
    nd_array *flat = nd_arange(ND_INT32, 0, 24, 1);
    nd_array *a = nd_reshape(flat, 3, (int64_t[]){2, 3, 4});
    nd_array *f = nd_transpose(a, NULL); /* F-contiguous: saved in Fortran order */
    ck_assert_int_eq(nd_save_npy(file("f.npy"), f), 0);
    nd_array *back = nd_load_npy(file("f.npy"));
    assert_same(f, back);
    ck_assert(nd_is_f_contiguous(back) && !nd_is_c_contiguous(back));
    nd_array *strided = nd_slice(a, 2, ND_NONE, ND_NONE, -3);
    ck_assert_int_eq(nd_save_npy(file("s.npy"), strided), 0);
    nd_array *back2 = nd_load_npy(file("s.npy"));
    assert_same(strided, back2);
    ck_assert(nd_is_c_contiguous(back2));
    nd_free(flat);
    nd_free(a);
    nd_free(f);
    nd_free(back);
    nd_free(strided);
    nd_free(back2);
}
END_TEST

START_TEST(npz_round_trips_and_names)
{
    nd_array *a = nd_linspace(ND_FLOAT32, 0, 1, 7, true);
    nd_array *b = nd_eye(ND_BOOL, 3, ND_NONE, 1);
    const char *names[] = {"weights", "mask"};
    const nd_array *arrays[] = {a, b};
    for (int compressed = 0; compressed < 2; compressed++) {
        int status = (compressed ? nd_savez_compressed : nd_savez)(file("z.npz"), 2, names, arrays);
        ck_assert_int_eq(status, 0);
        nd_npz *z = nd_load_npz(file("z.npz"));
        ck_assert_ptr_nonnull(z);
        ck_assert_int_eq(nd_npz_count(z), 2);
        ck_assert_str_eq(nd_npz_name(z, 0), "weights");
        ck_assert_str_eq(nd_npz_name(z, 1), "mask");
        ck_assert_ptr_null(nd_npz_name(z, 2));
        for (int i = 0; i < 2; i++) {
            nd_array *got = nd_npz_get(z, names[i]);
            assert_same(arrays[i], got);
            nd_free(got);
        }
        ck_assert_ptr_null(nd_npz_get(z, "bias"));
        ck_assert_error("bias is not a file in the archive");
        ck_assert_int_eq(nd_last_status(), ND_ERR_KEY);
        nd_npz_free(z);
    }
    const char *twice[] = {"x", "x"};
    ck_assert_int_lt(nd_savez(file("bad.npz"), 2, twice, arrays), 0);
    nd_free(a);
    nd_free(b);
}
END_TEST

START_TEST(saves_are_atomic_and_errors_are_clean)
{
    nd_array *a = nd_ones(ND_FLOAT64, 1, (int64_t[]){3});
    ck_assert_ptr_null(nd_load_npy(file("missing.npy")));
    char expected[4200];
    snprintf(expected, sizeof expected, "[Errno 2] No such file or directory: '%s'", path);
    ck_assert_error(expected);
    ck_assert_int_eq(nd_last_status(), ND_ERR_IO);
    ck_assert_int_eq(nd_save_npy(file("no/such/dir.npy"), a), ND_ERR_IO);
    /* Saving over a directory fails at the rename, after the data was
     * written: the temporary file must be gone and nothing else touched. */
    ck_assert_int_eq(nd_save_npy(file("keep.npy"), a), 0);
    ck_assert_int_eq(mkdir(file("dir.npy"), 0755), 0);
    ck_assert_int_lt(nd_save_npy(file("dir.npy"), a), 0);
    DIR *dir = opendir(tmpdir);
    int entries = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        ck_assert_msg(!strstr(e->d_name, ".tmp"), "temporary file left: %s", e->d_name);
        entries += e->d_name[0] != '.';
    }
    closedir(dir);
    ck_assert_int_eq(entries, 2); /* keep.npy and dir.npy */
    nd_array *kept = nd_load_npy(file("keep.npy"));
    ck_assert_values(kept, 1, 1, 1);
    ck_assert_ptr_null(nd_load_npy(tmpdir)); /* a directory is not a file */
    ck_assert_ptr_null(nd_load_npz(file("keep.npy"))); /* an .npy is not a zip */
    ck_assert(strstr(nd_last_error(), "not a valid .npz (zip) file"));
    nd_free(a);
    nd_free(kept);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("npy");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_dtype_round_trips);
    tcase_add_test(tc, fortran_order_and_strided_sources);
    tcase_add_test(tc, npz_round_trips_and_names);
    tcase_add_test(tc, saves_are_atomic_and_errors_are_clean);
    suite_add_tcase(s, tc);
    return s;
}
