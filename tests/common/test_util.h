/* Helpers shared by the Check suites. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "nd.h"

/* Defined by each test_*.c file. */
Suite *test_suite(void);

/* Prints "SKIP: why" and exits 77, which meson reports as skipped. */
void test_skip(const char *why) __attribute__((noreturn));

/* The folder that holds the running test's sources (for its .py scripts):
 * $ND_TEST_SRCDIR. */
const char *test_srcdir(void);
/* The Python that sees Debian's numpy/torch: $ND_TEST_PYTHON or /usr/bin/python3. */
const char *test_python(void);
/* True if `import module` works in test_python(). */
bool test_python_has(const char *module);
/* Runs test_python() on srcdir/script with the arguments (a NULL-terminated
 * list); returns its exit status (-1 if it could not run). */
int test_run_python(const char *script, ...) __attribute__((sentinel));
/* A new empty temporary folder (malloc'd path, caller frees); removed with
 * everything in it by test_remove_tree. */
char *test_make_tmpdir(const char *tag);
void test_remove_tree(const char *path);
/* dir + "/" + file in one of four rotating static buffers, so up to four
 * paths can be used in one call. */
const char *test_path(const char *dir, const char *file);

/* Asserts a's dtype, ndim and shape. */
#define ck_assert_shape(a, dt, nd, ...) \
    test_assert_shape((a), (dt), (nd), (const int64_t[]){__VA_ARGS__}, __FILE__, __LINE__)
void test_assert_shape(const nd_array *a, nd_dtype dt, int ndim, const int64_t *shape,
                       const char *file, int line);
/* Asserts that a (any dtype, any strides) holds exactly the given values in
 * C order, read through nd_get as doubles. */
#define ck_assert_values(a, ...)                           \
    test_assert_values((a), (const double[]){__VA_ARGS__}, \
                       sizeof((const double[]){__VA_ARGS__}) / sizeof(double), __FILE__, __LINE__)
void test_assert_values(const nd_array *a, const double *expected, int64_t n, const char *file,
                        int line);
/* Asserts that the last libnd error is exactly `message`. */
#define ck_assert_error(message) ck_assert_str_eq(nd_last_error(), (message))

#endif
