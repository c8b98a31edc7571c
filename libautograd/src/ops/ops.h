/*
 * ops.h: what the built-in ops share. Built-in ops are written with the same
 * public API a user's custom op uses (autograd.h: ag_op, ag_apply, ag_ctx_*),
 * on libnd's public API (nd.h); nothing here reaches into the tape.
 */
#ifndef AG_OPS_H
#define AG_OPS_H

#include "autograd.h"
#include "../check.h"

/* PyTorch's dimension wrapping: dim in [-ndim, ndim - 1] (a 0-d tensor
 * counts as 1-d), returned in [0, ndim - 1]; a negative status otherwise,
 * with "Dimension out of range (expected to be in range of [-2, 1], but got
 * 3)". */
static inline int ag_wrap_dim(int dim, int ndim)
{
    int n = ndim > 0 ? ndim : 1;
    if (dim < -n || dim >= n)
        return nd_set_last_error(ND_ERR_INDEX,
                                 "Dimension out of range (expected to be in "
                                 "range of [%d, %d], but got %d)",
                                 -n, n - 1, dim);
    return dim < 0 ? dim + n : dim;
}

/* A list of n dims (n <= ND_MAXDIMS) wrapped as ag_wrap_dim into wrapped[],
 * in the given order; a dim listed twice fails with torch's "dim 0 appears
 * multiple times in the list of dims". Returns 0 or a negative status. */
static inline int ag_wrap_dims(int n, const int *dims, int ndim, int *wrapped)
{
    bool seen[ND_MAXDIMS] = {0};
    for (int i = 0; i < n; i++) {
        int d = ag_wrap_dim(dims[i], ndim);
        if (d < 0)
            return d;
        if (seen[d])
            return nd_set_last_error(ND_ERR_VALUE,
                                     "dim %d appears multiple times in the list "
                                     "of dims",
                                     d);
        seen[d] = true;
        wrapped[i] = d;
    }
    return 0;
}

/* The dtype as torch names it in messages ("Float", "Long", ...). */
static inline const char *torch_dtype_name(nd_dtype dt)
{
    // clang-format off
    switch (dt) {
    case ND_BOOL: return "Bool";
    case ND_INT8: return "Char";
    case ND_INT16: return "Short";
    case ND_INT32: return "Int";
    case ND_INT64: return "Long";
    case ND_UINT8: return "Byte";
    case ND_UINT16: return "UInt16";
    case ND_UINT32: return "UInt32";
    case ND_UINT64: return "UInt64";
    case ND_FLOAT16: return "Half";
    case ND_BFLOAT16: return "BFloat16";
    case ND_FLOAT32: return "Float";
    case ND_FLOAT64: return "Double";
    }
    // clang-format on
    return "?";
}

#endif /* AG_OPS_H */
