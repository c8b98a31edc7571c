/* nd_repr/nd_str against NumPy 1.24's repr()/str(), byte for byte, on the
 * random arrays print_cases.py writes (all 13 dtypes, 0-d to 4-d, empty
 * and summarized arrays, transposed and negative-stride views). Every
 * mismatch is printed, expected against got. Skipped without numpy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* dir/name+extension, whole and NUL-terminated (malloc'd), or NULL. */
static char *read_all(const char *dir, const char *name, const char *extension, size_t *length)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, extension);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1)) != NULL) {
        if (fread(text, 1, (size_t)size, f) == (size_t)size) {
            text[size] = '\0';
            if (length)
                *length = (size_t)size;
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    return text;
}

/* The view print_cases.py names: see its docstring. */
static nd_array *make_view(nd_array *base, const char *view)
{
    if (strcmp(view, "T") == 0)
        return nd_transpose(base, NULL);
    if (strcmp(view, "rev") == 0)
        return nd_slice(base, 0, ND_NONE, ND_NONE, -1);
    if (strcmp(view, "step") == 0)
        return nd_slice(base, nd_ndim(base) - 1, ND_NONE, ND_NONE, 2);
    return nd_view(base);
}

/* Compares one text; prints and counts a mismatch. */
static int compare(const char *what, const char *line, const char *expected, char *got)
{
    int failed = got == NULL || strcmp(expected, got) != 0;
    if (failed)
        printf("MISMATCH %s of %s\n--- numpy\n%s\n--- libnd\n%s\n\n", what, line, expected,
               got ? got : nd_last_error());
    free(got);
    return failed;
}

/* One line of cases.txt: NAME DTYPE VIEW NDIM DIMS...; returns the number
 * of mismatches (or 1 if the case cannot be read). */
static int check_case(const char *dir, const char *line)
{
    char name[64], dtype_name[32], view[16];
    int ndim, used;
    int64_t shape[ND_MAXDIMS];
    if (sscanf(line, "%63s %31s %15s %d%n", name, dtype_name, view, &ndim, &used) != 4 ||
        ndim < 0 || ndim > 4) {
        printf("BAD CASE LINE: %s\n", line);
        return 1;
    }
    const char *p = line + used;
    for (int i = 0; i < ndim; i++) {
        long long d;
        int n;
        if (sscanf(p, "%lld%n", &d, &n) != 1) {
            printf("BAD CASE LINE: %s\n", line);
            return 1;
        }
        shape[i] = d;
        p += n;
    }
    nd_dtype dt;
    ck_assert_int_eq(nd_dtype_from_name(dtype_name, &dt), 0);

    size_t nbytes;
    char *data = read_all(dir, name, ".bin", &nbytes);
    char *expected_repr = read_all(dir, name, ".repr", NULL);
    char *expected_str = read_all(dir, name, ".str", NULL);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_nonnull(expected_repr);
    ck_assert_ptr_nonnull(expected_str);

    nd_array *base = nd_from_data(dt, ndim, shape, data);
    ck_assert_ptr_nonnull(base);
    ck_assert_uint_eq((uint64_t)nd_nbytes(base), nbytes);
    nd_array *a = make_view(base, view);
    ck_assert_ptr_nonnull(a);

    int failures = compare("repr", line, expected_repr, nd_repr(a)) +
                   compare("str", line, expected_str, nd_str(a));
    nd_free(a);
    nd_free(base);
    free(data);
    free(expected_repr);
    free(expected_str);
    return failures;
}

START_TEST(repr_and_str_match_numpy)
{
    char *dir = test_make_tmpdir("print");
    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(test_run_python("print_cases.py", dir, NULL), 0);

    char *index = read_all(dir, "cases", ".txt", NULL);
    ck_assert_ptr_nonnull(index);
    int cases = 0, failures = 0;
    for (char *line = strtok(index, "\n"); line; line = strtok(NULL, "\n")) {
        failures += check_case(dir, line);
        cases++;
    }
    printf("repr/str vs numpy: %d mismatches in %d arrays (%d texts)\n", failures, cases, 2 * cases);
    free(index);
    test_remove_tree(dir);
    free(dir);
    ck_assert_int_ge(cases, 500);
    ck_assert_int_eq(failures, 0);
}
END_TEST

Suite *test_suite(void)
{
    if (!test_python_has("numpy"))
        test_skip("numpy cannot be imported");
    Suite *s = suite_create("print_numpy");
    TCase *tc = tcase_create("print_numpy");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, repr_and_str_match_numpy);
    suite_add_tcase(s, tc);
    return s;
}
