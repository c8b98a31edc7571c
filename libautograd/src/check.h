/*
 * check.h: the argument checks libautograd's files share (the tape's files
 * and the ops alike): the NULL check every public function starts with
 * (defined in tensor.c), and shape equality.
 */
#ifndef AG_CHECK_H
#define AG_CHECK_H

#include "autograd.h"

/* The argument check at the top of a public function: a NULL `ptr` returns
 * `fail` with "<function>: <ptr> is NULL" (the name without "ag_"). As for
 * ops given the NULL result of a failed op (autograd.h, rule 5), an error
 * already pending on this thread is kept: it says what failed first. */
#define AG_REQUIRE(ptr, fail)                 \
    do {                                      \
        if ((ptr) == NULL) {                  \
            ag_null_argument(__func__, #ptr); \
            return fail;                      \
        }                                     \
    } while (0)
void ag_null_argument(const char *func, const char *name);

/* a and b have the same shape (dtypes and strides aside). */
static inline bool ag_same_shape(const nd_array *a, const nd_array *b)
{
    if (nd_ndim(a) != nd_ndim(b))
        return false;
    for (int d = 0; d < nd_ndim(a); d++)
        if (nd_shape(a)[d] != nd_shape(b)[d])
            return false;
    return true;
}

#endif /* AG_CHECK_H */
