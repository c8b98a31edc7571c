/*
 * Helpers of the elementwise and reduce suites: arrays a test makes are
 * "held" and freed by the fixture's teardown (tcase_add_checked_fixture(tc,
 * NULL, release_all)), so each test reads as the computation it checks,
 * plus short ways to build small arrays and to expect an error.
 */
#ifndef HELD_ARRAYS_H
#define HELD_ARRAYS_H

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

#define MAX_HELD 256
static nd_array *held[MAX_HELD];
static int nheld;

/* Keeps a (which must not be NULL) until the test's teardown. */
static inline nd_array *hold(nd_array *a)
{
    ck_assert_msg(a != NULL, "unexpected NULL: %s", nd_last_error());
    ck_assert_int_lt(nheld, MAX_HELD);
    held[nheld++] = a;
    return a;
}

static inline void release_all(void)
{
    while (nheld > 0)
        nd_free(held[--nheld]);
}

/* A held 1-D array of dtype dt holding `values`, each cast as nd_astype. */
static inline nd_array *vec(nd_dtype dt, const double *values, int64_t n)
{
    nd_array *a = hold(nd_empty(dt, 1, &n));
    for (int64_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_set(a, &i, values[i]), 0);
    return a;
}
#define VEC(dt, ...) \
    vec((dt), (const double[]){__VA_ARGS__}, sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

/* A held reshape of a (a view). */
static inline nd_array *shaped(nd_array *a, int ndim, const int64_t *shape)
{
    return hold(nd_reshape(a, ndim, shape));
}
#define MAT(dt, rows, cols, ...) shaped(VEC(dt, __VA_ARGS__), 2, SHAPE(rows, cols))

/* A held arange(size) of dtype dt in the given shape. */
static inline nd_array *range(nd_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    return shaped(hold(nd_arange(dt, 0, (double)n, 1)), ndim, shape);
}

/* A call returning int that must fail with this status and message. */
#define ck_assert_fails(call, status, message) \
    do {                                       \
        nd_clear_error();                      \
        ck_assert_int_eq((call), (status));    \
        ck_assert_error(message);              \
    } while (0)

/* A call returning an array that must fail with this status and message. */
#define ck_assert_null(call, status, message)                       \
    do {                                                            \
        nd_clear_error();                                           \
        nd_array *result_ = (call);                                 \
        nd_free(result_);                                           \
        ck_assert_msg(result_ == NULL, "expected NULL: %s", #call); \
        ck_assert_int_eq(nd_last_status(), (status));               \
        ck_assert_error(message);                                   \
    } while (0)

#endif
