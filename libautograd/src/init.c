/*
 * init.c: parameter initializers, as torch.nn.init, drawing from libnd's
 * NumPy-compatible generator.
 *
 * Every initializer fills a parameter's value in place: it draws a fresh
 * float64 array of the value's shape (rng.uniform / rng.normal, exactly as
 * numpy.random.default_rng would), then copies it in with rounding to the
 * value's dtype. The scale of each scheme comes from the fans of the
 * weight; see autograd.h for the (out, in, k...) convention.
 */
#include "ag_internal.h"

#include <math.h>

/* The value an initializer may write: a float array owned by the caller. */
static nd_array *writable_value(ag_tensor *t, const char *what)
{
    nd_array *v = ag_param_value(t);
    if (!v) {
        ag_error(ND_ERR_VALUE, "%s: expected a parameter or constant (got %s)", what,
                 t ? "a tensor made by an op" : "NULL");
        return NULL;
    }
    if (!nd_dtype_is_float(nd_dtype_of(v))) {
        ag_error(ND_ERR_TYPE, "%s: expected a floating point tensor (got %s)", what,
                 nd_dtype_name(nd_dtype_of(v)));
        return NULL;
    }
    return v;
}

/* Copies a freshly drawn float64 array (taken) into v, rounding to v's dtype. */
static int fill_from(nd_array *v, nd_array *draws)
{
    if (!draws)
        return nd_last_status();
    int status = nd_copyto(v, draws, ND_CAST_UNSAFE);
    nd_free(draws);
    return status;
}

static int fill_uniform(nd_array *v, double lo, double hi, nd_rng *rng)
{
    return fill_from(v, nd_rng_uniform(rng, lo, hi, ND_FLOAT64, nd_ndim(v), nd_shape(v)));
}

static int fill_normal(nd_array *v, double mean, double std, nd_rng *rng)
{
    return fill_from(v, nd_rng_normal(rng, mean, std, ND_FLOAT64, nd_ndim(v), nd_shape(v)));
}

int ag_init_zeros(ag_tensor *t)
{
    nd_array *v = writable_value(t, "zeros_");
    return v ? nd_fill(v, 0.0) : nd_last_status();
}

int ag_init_ones(ag_tensor *t)
{
    nd_array *v = writable_value(t, "ones_");
    return v ? nd_fill(v, 1.0) : nd_last_status();
}

int ag_init_normal(ag_tensor *t, double mean, double std, nd_rng *rng)
{
    nd_array *v = writable_value(t, "normal_");
    return v ? fill_normal(v, mean, std, rng) : nd_last_status();
}

int ag_init_uniform(ag_tensor *t, double lo, double hi, nd_rng *rng)
{
    nd_array *v = writable_value(t, "uniform_");
    if (!v)
        return nd_last_status();
    if (!(lo <= hi))
        return ag_error(ND_ERR_VALUE,
                        "uniform_ expects to return a [from, to) range, but "
                        "found from=%g > to=%g",
                        lo, hi);
    return fill_uniform(v, lo, hi, rng);
}

/* torch.nn.init.calculate_gain */
double ag_init_gain(ag_nonlinearity nonlinearity, double param)
{
    switch (nonlinearity) {
    case AG_NONLINEARITY_TANH:
        return 5.0 / 3.0;
    case AG_NONLINEARITY_RELU:
        return sqrt(2.0);
    case AG_NONLINEARITY_LEAKY_RELU:
        return sqrt(2.0 / (1.0 + param * param));
    case AG_NONLINEARITY_LINEAR:
    case AG_NONLINEARITY_SIGMOID:
        return 1.0;
    }
    ag_error(ND_ERR_VALUE, "Unsupported nonlinearity %d", (int)nonlinearity);
    return NAN;
}

/* torch.nn.init._calculate_fan_in_and_fan_out: for shape (out, in, k1, ...),
 * fan_in = in * k1 * ..., fan_out = out * k1 * ... */
int ag_init_fans(const nd_array *value, int64_t *fan_in, int64_t *fan_out)
{
    AG_REQUIRE(value, ND_ERR_VALUE);
    AG_REQUIRE(fan_in, ND_ERR_VALUE);
    AG_REQUIRE(fan_out, ND_ERR_VALUE);
    int ndim = nd_ndim(value);
    const int64_t *shape = nd_shape(value);
    if (ndim < 2)
        return ag_error(ND_ERR_VALUE, "Fan in and fan out can not be computed for tensor with "
                                      "fewer than 2 dimensions");
    int64_t receptive = 1;
    for (int d = 2; d < ndim; d++)
        receptive *= shape[d];
    if (fan_in)
        *fan_in = shape[1] * receptive;
    if (fan_out)
        *fan_out = shape[0] * receptive;
    return 0;
}

/* Fills v with uniform draws of standard deviation std, U[-sqrt(3) std,
 * sqrt(3) std), or normal ones, N(0, std^2). */
static int fill_scaled(nd_array *v, double std, bool uniform, nd_rng *rng)
{
    double bound = sqrt(3.0) * std;
    return uniform ? fill_uniform(v, -bound, bound, rng) : fill_normal(v, 0.0, std, rng);
}

/* Glorot & Bengio (2010): std = gain * sqrt(2 / (fan_in + fan_out)). */
static int xavier(ag_tensor *t, double gain, bool uniform, nd_rng *rng)
{
    nd_array *v = writable_value(t, uniform ? "xavier_uniform_" : "xavier_normal_");
    int64_t fan_in, fan_out;
    if (!v || ag_init_fans(v, &fan_in, &fan_out) < 0)
        return nd_last_status();
    if (fan_in + fan_out == 0)
        return ag_error(ND_ERR_VALUE, "xavier: fan_in + fan_out is 0 (an empty tensor)");
    return fill_scaled(v, gain * sqrt(2.0 / (double)(fan_in + fan_out)), uniform, rng);
}

int ag_init_xavier_uniform(ag_tensor *t, double gain, nd_rng *rng)
{
    return xavier(t, gain, true, rng);
}

int ag_init_xavier_normal(ag_tensor *t, double gain, nd_rng *rng)
{
    return xavier(t, gain, false, rng);
}

/* He et al. (2015): std = gain / sqrt(fan). An empty tensor is left alone,
 * as PyTorch does (with a warning). */
static int kaiming(ag_tensor *t, double a, ag_fan_mode mode, ag_nonlinearity nonlinearity,
                   bool uniform, nd_rng *rng)
{
    nd_array *v = writable_value(t, uniform ? "kaiming_uniform_" : "kaiming_normal_");
    int64_t fan_in, fan_out;
    if (!v || ag_init_fans(v, &fan_in, &fan_out) < 0)
        return nd_last_status();
    if (mode != AG_FAN_IN && mode != AG_FAN_OUT)
        return ag_error(ND_ERR_VALUE, "Mode %d not supported, please use one of fan_in, fan_out",
                        (int)mode);
    double gain = ag_init_gain(nonlinearity, a);
    if (isnan(gain))
        return nd_last_status();
    if (nd_size(v) == 0)
        return 0;
    double fan = (double)(mode == AG_FAN_IN ? fan_in : fan_out);
    return fill_scaled(v, gain / sqrt(fan), uniform, rng);
}

int ag_init_kaiming_uniform(ag_tensor *t, double a, ag_fan_mode mode, ag_nonlinearity nonlinearity,
                            nd_rng *rng)
{
    return kaiming(t, a, mode, nonlinearity, true, rng);
}

int ag_init_kaiming_normal(ag_tensor *t, double a, ag_fan_mode mode, ag_nonlinearity nonlinearity,
                           nd_rng *rng)
{
    return kaiming(t, a, mode, nonlinearity, false, rng);
}
