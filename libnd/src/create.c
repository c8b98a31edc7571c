/* Creation: every function here returns a new C-contiguous buffer. */
#include "nd_internal.h"

#include <math.h>

nd_array *nd_empty(nd_dtype dt, int ndim, const int64_t *shape)
{
    return nd_alloc_array(dt, ndim, shape);
}

nd_array *nd_full(nd_dtype dt, int ndim, const int64_t *shape, double value)
{
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (a)
        nd_fill(a, value);
    return a;
}

nd_array *nd_zeros(nd_dtype dt, int ndim, const int64_t *shape)
{
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (a) /* all-zero bytes are 0 in every dtype, +0.0 included */
        memset(a->data, 0, (size_t)nd_nbytes(a));
    return a;
}

nd_array *nd_ones(nd_dtype dt, int ndim, const int64_t *shape)
{
    return nd_full(dt, ndim, shape, 1.0);
}

nd_array *nd_empty_like(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return nd_empty(a->dtype, a->ndim, a->shape);
}
nd_array *nd_zeros_like(const nd_array *a) { return nd_full_like(a, 0.0); }
nd_array *nd_ones_like(const nd_array *a) { return nd_full_like(a, 1.0); }

nd_array *nd_full_like(const nd_array *a, double value)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return nd_full(a->dtype, a->ndim, a->shape, value);
}

nd_array *nd_from_data(nd_dtype dt, int ndim, const int64_t *shape, const void *c_order_data)
{
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (!a)
        return NULL;
    int64_t n = nd_size(a);
    if (n > 0 && !c_order_data) {
        nd_free(a);
        nd_set_error(ND_ERR_VALUE, "from_data: data is NULL for %lld elements", (long long)n);
        return NULL;
    }
    /* The cast loop from a dtype to itself copies, and for bool also maps
     * any nonzero byte to 1. */
    nd_get_cast_loop(dt, dt)(c_order_data, (int64_t)nd_itemsize(a), a->data,
                             (int64_t)nd_itemsize(a), n);
    return a;
}

/* ---- ranges ---------------------------------------------------------------- */

/* NumPy computes the first two elements by converting start and start + step
 * to the dtype, then fills element i as first + i * (second - first) in the
 * dtype's own arithmetic (float for the 16-bit floats). The loops below
 * reproduce that, rounding included: fill_float32 and fill_float64 are
 * written once, in create_fill.inc, with T and FN(name) = name_<dtype>.
 * Integer arithmetic wraps as NumPy's does; it is done in uint64 because
 * signed overflow is undefined in C. */
#define T float
#define FN(name) name##_float32
#include "create_fill.inc"

#define T double
#define FN(name) name##_float64
#include "create_fill.inc"

static void fill_16bit_float(char *data, int64_t n, nd_dtype dt)
{
    float start = (float)nd_load_double(dt, data);
    float delta = (float)nd_load_double(dt, data + 2) - start;
    for (int64_t i = 2; i < n; i++)
        nd_store_double(dt, data + 2 * i, (double)(start + (float)i * delta));
}

static void fill_integer(char *data, int64_t n, nd_dtype dt)
{
    size_t itemsize = nd_dtype_itemsize(dt);
    uint64_t start = (uint64_t)nd_load_int64(dt, data);
    uint64_t delta = (uint64_t)nd_load_int64(dt, data + itemsize) - start;
    for (int64_t i = 2; i < n; i++)
        nd_store_int64(dt, data + (size_t)i * itemsize, (int64_t)(start + (uint64_t)i * delta));
}

nd_array *nd_arange(nd_dtype dt, double start, double stop, double step)
{
    if (!nd_dtype_valid(dt)) {
        nd_set_error(ND_ERR_TYPE, "data type %d not understood", (int)dt);
        return NULL;
    }
    if (step == 0) {
        nd_set_error(ND_ERR_VALUE, "division by zero"); /* NumPy's ZeroDivisionError */
        return NULL;
    }
    /* NumPy's PyArray_Arange: a quotient that underflows to zero (an
     * infinite step, or a tiny span over a huge step) still has its first
     * element when the step points from start towards stop: arange(0, 5,
     * inf) is [0.]; with the sign of the zero saying which way it pointed,
     * arange(0, -5, inf) is empty. */
    double delta = stop - start, quotient = delta / step;
    double length = quotient == 0 && delta != 0 ? (signbit(quotient) ? 0 : 1) : ceil(quotient);
    if (isnan(length)) {
        nd_set_error(ND_ERR_VALUE, "arange: cannot compute length");
        return NULL;
    }
    if (length >= 9.2e18) {
        nd_set_error(ND_ERR_VALUE, "Maximum allowed size exceeded");
        return NULL;
    }
    int64_t n = length > 0 ? (int64_t)length : 0;
    if (dt == ND_BOOL && n > 2) {
        nd_set_error(ND_ERR_TYPE, "arange() is only supported for booleans when the result "
                                  "has at most length 2.");
        return NULL;
    }
    nd_array *a = nd_alloc_array(dt, 1, &n);
    if (!a || n == 0)
        return a;
    size_t itemsize = nd_itemsize(a);
    nd_store_double(dt, a->data, start);
    if (n > 1)
        nd_store_double(dt, a->data + itemsize, start + step);
    if (dt == ND_FLOAT32)
        fill_float32(a->data, n);
    else if (dt == ND_FLOAT64)
        fill_float64(a->data, n);
    else if (dt == ND_FLOAT16 || dt == ND_BFLOAT16)
        fill_16bit_float(a->data, n, dt);
    else if (dt != ND_BOOL)
        fill_integer(a->data, n, dt);
    return a;
}

nd_array *nd_linspace(nd_dtype dt, double start, double stop, int64_t num, bool endpoint)
{
    if (num < 0) {
        nd_set_error(ND_ERR_VALUE, "Number of samples, %lld, must be non-negative.", (long long)num);
        return NULL;
    }
    nd_array *y = nd_alloc_array(ND_FLOAT64, 1, &num);
    if (!y)
        return NULL;
    /* NumPy: y = arange(num) * step + start in float64; when the step
     * underflows to 0 it scales by delta after dividing instead. */
    double *values = (double *)y->data;
    int64_t div = endpoint ? num - 1 : num;
    double delta = stop - start;
    double step = div > 0 ? delta / (double)div : NAN;
    for (int64_t i = 0; i < num; i++) {
        if (div > 0 && step != 0)
            values[i] = (double)i * step + start;
        else if (div > 0)
            values[i] = (double)i / (double)div * delta + start;
        else
            values[i] = (double)i * delta + start;
    }
    if (endpoint && num > 1)
        values[num - 1] = stop;
    /* For integer dtypes NumPy floors before casting (so -0.5 -> -1). */
    if (nd_dtype_is_integer(dt))
        for (int64_t i = 0; i < num; i++)
            values[i] = floor(values[i]);
    if (dt == ND_FLOAT64)
        return y;
    nd_array *result = nd_astype(y, dt);
    nd_free(y);
    return result;
}

nd_array *nd_eye(nd_dtype dt, int64_t n, int64_t m, int64_t k)
{
    if (m == ND_NONE)
        m = n;
    int64_t shape[2] = {n, m};
    nd_array *a = nd_zeros(dt, 2, shape);
    if (!a)
        return NULL;
    _Alignas(8) char one[8];
    nd_store_double(dt, one, 1.0);
    size_t itemsize = nd_itemsize(a);
    /* a[i, i + k] for every i that keeps both indices in range. */
    for (int64_t i = k < 0 ? -k : 0; i < n && i + k < m; i++)
        memcpy(a->data + (size_t)(i * a->strides[0] + (i + k) * a->strides[1]), one, itemsize);
    return a;
}
