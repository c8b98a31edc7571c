/*
 * check.h: the NULL-argument check every public function of libautograd
 * starts with (the tape's files and the ops alike). Defined in tensor.c.
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

#endif /* AG_CHECK_H */
