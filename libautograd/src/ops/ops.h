/*
 * ops.h: what the built-in ops share. Built-in ops are written with the same
 * public API a user's custom op uses (autograd.h: ag_op, ag_apply, ag_ctx_*),
 * on libnd's public API (nd.h); nothing here reaches into the tape.
 */
#ifndef AG_OPS_H
#define AG_OPS_H

#include "autograd.h"

/* Releases up to n arrays (NULLs are fine) and returns status: for the
 * error paths of a backward that built several temporaries. */
static inline int ag_free_arrays(int status, int n, nd_array **arrays)
{
    for (int i = 0; i < n; i++) {
        nd_free(arrays[i]);
        arrays[i] = NULL;
    }
    return status;
}

#endif /* AG_OPS_H */
