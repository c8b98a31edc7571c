/* The NULL-argument walk shared by tests/nd/test_null_args.c and
 * tests/autograd/test_null_args.c.
 *
 * Each suite lists its cases in one X-macro table, a row per pointer
 * argument of every public function (tests/api_coverage.py fails the build's
 * tests when a function of the header has no row):
 *
 *   KIND(function, argument, call)
 *
 * where `call` passes NULL for `argument` and valid values for the rest, and
 * KIND says what the function must answer, by its return type:
 *   P  a pointer: NULL            I  an int status: negative
 *   B  bool: false                D  nd_dtype: -1
 *   L  int64_t: -1                Z  size_t: 0
 *   F  double: NaN                V  void: nothing (it must just not crash)
 *   N  (argument "-") no pointer argument: covered by the range rows or
 *      nothing to check; listed so that the walk is complete by construction.
 * Every kind but V and N must also leave a message in nd_last_error(); with
 * NULL_ARGS_NAME_THE_NULL defined to 1 (libnd's walk) the message must name
 * the NULL ("reshape: a is NULL"). libautograd keeps PyTorch's messages where
 * PyTorch has one for the case ("torch.cat(): expected a non-empty list of
 * Tensors"), so its walk asks only for a message. */
#ifndef NULL_ARGS_H
#define NULL_ARGS_H

#include <math.h>
#include <string.h>

#include "test_util.h"

#ifndef NULL_ARGS_NAME_THE_NULL
#define NULL_ARGS_NAME_THE_NULL 0
#endif

static void null_args_expect_message(const char *fn, const char *arg)
{
    ck_assert_msg(nd_last_error()[0] != '\0', "%s(%s = NULL): no message", fn, arg);
    if (NULL_ARGS_NAME_THE_NULL)
        ck_assert_msg(strstr(nd_last_error(), "NULL") != NULL,
                      "%s(%s = NULL): message \"%s\" does not name the NULL", fn, arg,
                      nd_last_error());
}

#define NULL_CASE_P(fn, arg, call)                                                \
    static void null_case_##fn##_##arg(void)                                      \
    {                                                                             \
        const void *r = (const void *)(call);                                     \
        ck_assert_msg(r == NULL, "%s(%s = NULL) did not return NULL", #fn, #arg); \
        null_args_expect_message(#fn, #arg);                                      \
    }
#define NULL_CASE_I(fn, arg, call)                                                                \
    static void null_case_##fn##_##arg(void)                                                      \
    {                                                                                             \
        long long r = (long long)(call);                                                          \
        ck_assert_msg(r < 0, "%s(%s = NULL) returned %lld, not a negative status", #fn, #arg, r); \
        null_args_expect_message(#fn, #arg);                                                      \
    }
#define NULL_CASE_B(fn, arg, call)                                        \
    static void null_case_##fn##_##arg(void)                              \
    {                                                                     \
        ck_assert_msg(!(call), "%s(%s = NULL) returned true", #fn, #arg); \
        null_args_expect_message(#fn, #arg);                              \
    }
#define NULL_CASE_D(fn, arg, call)                                                      \
    static void null_case_##fn##_##arg(void)                                            \
    {                                                                                   \
        ck_assert_msg((int)(call) == -1, "%s(%s = NULL) did not return -1", #fn, #arg); \
        null_args_expect_message(#fn, #arg);                                            \
    }
#define NULL_CASE_L NULL_CASE_D
#define NULL_CASE_Z(fn, arg, call)                                               \
    static void null_case_##fn##_##arg(void)                                     \
    {                                                                            \
        ck_assert_msg((call) == 0, "%s(%s = NULL) did not return 0", #fn, #arg); \
        null_args_expect_message(#fn, #arg);                                     \
    }
#define NULL_CASE_F(fn, arg, call)                                                           \
    static void null_case_##fn##_##arg(void)                                                 \
    {                                                                                        \
        ck_assert_msg(isnan((double)(call)), "%s(%s = NULL) did not return NaN", #fn, #arg); \
        null_args_expect_message(#fn, #arg);                                                 \
    }
#define NULL_CASE_V(fn, arg, call) \
    static void null_case_##fn##_##arg(void) { call; }
#define NULL_CASE_N(fn, arg, call) \
    static void null_case_##fn##_##arg(void) {}

/* The table row of a case: its name and its function. */
typedef struct null_case {
    const char *name;
    void (*run)(void);
} null_case;
#define NULL_CASE_ROW(fn, arg, call) {#fn "(" #arg ")", null_case_##fn##_##arg},

/* Expands TABLE into one function per row and the array `null_cases`. */
#define NULL_CASES_DEFINE(TABLE)                                                                \
    TABLE(NULL_CASE_P, NULL_CASE_I, NULL_CASE_B, NULL_CASE_D, NULL_CASE_L, NULL_CASE_Z,         \
          NULL_CASE_F, NULL_CASE_V, NULL_CASE_N)                                                \
    static const null_case null_cases[] = {TABLE(NULL_CASE_ROW, NULL_CASE_ROW, NULL_CASE_ROW,   \
                                                 NULL_CASE_ROW, NULL_CASE_ROW, NULL_CASE_ROW,   \
                                                 NULL_CASE_ROW, NULL_CASE_ROW, NULL_CASE_ROW)}; \
    static const int null_case_count = (int)(sizeof null_cases / sizeof null_cases[0]);

/* The Check test that runs row _i of the table, and test_suite(): suite
 * NAME with a tcase "null" looping over every row and a tcase "range"
 * running RANGE_TEST (a START_TEST of the file), both in the fixture
 * SETUP/TEARDOWN. After NULL_CASES_DEFINE. */
#define NULL_ARGS_SUITE(NAME, SETUP, TEARDOWN, RANGE_TEST)          \
    static void null_args_run_row(int i)                            \
    {                                                               \
        nd_clear_error();                                           \
        null_cases[i].run();                                        \
    }                                                               \
    START_TEST(null_argument) { null_args_run_row(_i); }            \
    END_TEST                                                        \
    Suite *test_suite(void)                                         \
    {                                                               \
        Suite *s = suite_create(NAME);                              \
        TCase *tc = tcase_create("null");                           \
        tcase_add_checked_fixture(tc, SETUP, TEARDOWN);             \
        tcase_add_loop_test(tc, null_argument, 0, null_case_count); \
        suite_add_tcase(s, tc);                                     \
        TCase *range = tcase_create("range");                       \
        tcase_add_checked_fixture(range, SETUP, TEARDOWN);          \
        tcase_add_test(range, RANGE_TEST);                          \
        suite_add_tcase(s, range);                                  \
        return s;                                                   \
    }

/* A call with a number out of its range (ndim, axis, dtype, count, enum)
 * must fail, with a message: RANGE_P for pointer results (NULL), RANGE_I
 * for statuses (negative). */
#define RANGE_P(call)                                                       \
    do {                                                                    \
        nd_clear_error();                                                   \
        const void *r_ = (const void *)(call);                              \
        ck_assert_msg(r_ == NULL, "%s did not fail", #call);                \
        ck_assert_msg(nd_last_error()[0] != '\0', "%s: no message", #call); \
    } while (0)
#define RANGE_I(call)                                                       \
    do {                                                                    \
        nd_clear_error();                                                   \
        long long r_ = (long long)(call);                                   \
        ck_assert_msg(r_ < 0, "%s did not fail", #call);                    \
        ck_assert_msg(nd_last_error()[0] != '\0', "%s: no message", #call); \
    } while (0)

#endif
