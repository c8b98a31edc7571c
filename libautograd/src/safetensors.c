/*
 * safetensors.c: a model's parameters on disk, on top of libnd's
 * safetensors container (nd_safetensors_*): a state dict of named values,
 * written atomically, and loaded back with PyTorch's load_state_dict
 * checks (all of them before anything changes).
 */
#include "ag_internal.h"

#include <stdio.h>

/* ---- parameters ---------------------------------------------------------------------------- */

int ag_save_params(const char *path, int n, const char *const *names, ag_tensor *const *params,
                   int nmeta, const char *const *metadata)
{
    if (n < 0 || (n > 0 && !params))
        return ag_error(ND_ERR_VALUE, "save_params: bad arguments (negative count or NULL "
                                      "params)");
    const nd_array **values = malloc((size_t)(n ? n : 1) * sizeof *values);
    if (!values)
        return ag_error(ND_ERR_MEMORY, "save_params: out of memory");
    int status = 0;
    for (int i = 0; i < n && status == 0; i++)
        if (!(values[i] = ag_value(params[i])))
            status = ag_error(ND_ERR_VALUE, "save_params: parameter %d is NULL", i);
    if (status == 0)
        status = nd_safetensors_save(path, n, names, values, nmeta, metadata);
    free(values);
    return status;
}

/* "(3,4)", "(3,)", "()" */
static const char *tuple_str(int ndim, const int64_t *shape, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? ",%lld" : "%lld", (long long)shape[d]);
    if (at < size)
        snprintf(buf + at, size - at, ndim == 1 ? ",)" : ")");
    return buf;
}

/* Can the named tensor of st be copied into param? */
static int check_param(const nd_safetensors *st, const char *name, ag_tensor *param)
{
    nd_array *value = ag_param_value(param);
    if (!name || !value)
        return ag_error(ND_ERR_VALUE, "load_params: a NULL name, or a parameter that is NULL "
                                      "or made by an op");
    nd_dtype dt;
    int ndim;
    const int64_t *shape;
    if (nd_safetensors_info(st, name, &dt, &ndim, &shape) < 0)
        return ag_error(ND_ERR_KEY, "Missing key(s) in state_dict: \"%s\".", name);
    bool same = ndim == nd_ndim(value);
    for (int d = 0; same && d < ndim; d++)
        same = shape[d] == nd_shape(value)[d];
    char file_shape[256], model_shape[256];
    if (!same)
        return ag_error(ND_ERR_VALUE,
                        "size mismatch for %s: copying a param with shape %s from "
                        "checkpoint, the shape in current model is %s.",
                        name, tuple_str(ndim, shape, file_shape, sizeof file_shape),
                        tuple_str(nd_ndim(value), nd_shape(value), model_shape, sizeof model_shape));
    if (dt != nd_dtype_of(value))
        return ag_error(ND_ERR_TYPE,
                        "dtype mismatch for %s: copying a param with dtype %s from "
                        "checkpoint, the dtype in current model is %s.",
                        name, nd_dtype_name(dt), nd_dtype_name(nd_dtype_of(value)));
    return 0;
}

int ag_load_params(const char *path, int n, const char *const *names, ag_tensor *const *params)
{
    if (n < 0 || (n > 0 && (!names || !params)))
        return ag_error(ND_ERR_VALUE, "load_params: bad arguments (negative count or NULL "
                                      "names or params)");
    nd_safetensors *st = nd_safetensors_load(path);
    if (!st)
        return nd_last_status();
    int status = 0;
    for (int i = 0; i < n && status == 0; i++)
        status = check_param(st, names[i], params[i]);
    for (int i = 0; i < n && status == 0; i++) {
        nd_array *a = nd_safetensors_get(st, names[i]);
        status = a ? nd_copyto(ag_param_value(params[i]), a, ND_CAST_NO) : nd_last_status();
        nd_free(a);
    }
    nd_safetensors_free(st);
    return status;
}
