/*
 * Losses: cross-entropy (fused and composed), negative log-likelihood, mean
 * squared error. Every loss is a 0-d tensor in the input's dtype, averaged
 * as torch's reduction='mean' averages.
 *
 * Cross-entropy of logits x (N, C) with targets t (N,), label smoothing e,
 * rows whose target is ignore_index left out, `count` rows counted:
 *
 *   logp  = x - max - log(sum(exp(x - max)))            per row
 *   loss  = 1/count sum_i [ (1 - e) (-logp_i[t_i]) + e mean_c(-logp_i[c]) ]
 *   dL/dx_i = dL/dy / count * (softmax(x_i) - q_i),
 *             q_i = (1 - e) onehot(t_i) + e / C,  0 for an ignored row.
 *
 * The fused forward saves the softmax p (N, C) and the targets as int64; the
 * backward is then one pass over p.
 */
#include "layers.h"

typedef struct loss_params {
    const nd_array *targets; /* read by the forward only: it saves an int64 copy */
    int64_t ignore_index;
    double smoothing;
} loss_params;

/* ---- targets ------------------------------------------------------------------------- */

/* Checks input (N, C) and integer targets (N,) as torch does. */
static int check_inputs(const nd_array *x, const nd_array *targets, const char *name)
{
    int status = layer_check_float(x, name);
    if (status < 0)
        return status;
    if (nd_ndim(x) != 2)
        return nd_set_last_error(ND_ERR_VALUE,
                                 "%s: expected input of shape (N, C), got a %d-d "
                                 "tensor",
                                 name, nd_ndim(x));
    if (!targets)
        return nd_set_last_error(ND_ERR_VALUE, "%s: targets are NULL", name);
    if (!nd_dtype_is_integer(nd_dtype_of(targets)))
        return nd_set_last_error(ND_ERR_TYPE, "expected scalar type Long but found %s",
                                 torch_dtype_name(nd_dtype_of(targets)));
    if (nd_ndim(targets) != 1)
        return nd_set_last_error(ND_ERR_VALUE, "1D target tensor expected, multi-target not "
                                               "supported");
    if (nd_shape(targets)[0] != nd_shape(x)[0])
        return nd_set_last_error(ND_ERR_VALUE,
                                 "Expected input batch_size (%lld) to match target "
                                 "batch_size (%lld).",
                                 (long long)nd_shape(x)[0], (long long)nd_shape(targets)[0]);
    return 0;
}

/* The targets as a contiguous int64 copy, each either ignore_index or a
 * class in [0, C) ("Target 5 is out of bounds."); *count gets the number
 * of rows that count. */
static nd_array *targets_int64(const nd_array *targets, int64_t classes, int64_t ignore_index,
                               int64_t *count)
{
    nd_array *t = nd_astype(targets, ND_INT64);
    if (!t)
        return NULL;
    const int64_t *tv = nd_data(t);
    *count = 0;
    for (int64_t i = 0; i < nd_size(t); i++) {
        if (tv[i] == ignore_index)
            continue;
        if (tv[i] < 0 || tv[i] >= classes) {
            nd_set_last_error(ND_ERR_INDEX, "Target %lld is out of bounds.", (long long)tv[i]);
            nd_free(t);
            return NULL;
        }
        (*count)++;
    }
    return t;
}

/* dL/dy / count, from the 0-d gradient of a loss and the saved int64
 * targets t, count being the rows whose target is not ignore_index. */
static double scaled_grad(const nd_array *dy, const nd_array *t, int64_t ignore_index)
{
    const int64_t *tv = nd_data(t);
    int64_t count = 0;
    for (int64_t i = 0; i < nd_size(t); i++)
        count += tv[i] != ignore_index;
    double g = 0;
    nd_get(dy, NULL, &g);
    return g / (double)count;
}

/* ---- the kernels, once per element type (loss_kernels.inc) ------------------------------ */

#define T float
#define cross_entropy_rows_T cross_entropy_rows_float
#define cross_entropy_backward_rows_T cross_entropy_backward_rows_float
#define nll_rows_T nll_rows_float
#define nll_backward_rows_T nll_backward_rows_float
#include "loss_kernels.inc"

#define T double
#define cross_entropy_rows_T cross_entropy_rows_double
#define cross_entropy_backward_rows_T cross_entropy_backward_rows_double
#define nll_rows_T nll_rows_double
#define nll_backward_rows_T nll_backward_rows_double
#include "loss_kernels.inc"

/* total / count as a 0-d array of dt (NaN when nothing counts, as torch). */
static nd_array *mean_loss(nd_dtype dt, double total, int64_t count)
{
    return nd_scalar(dt, count > 0 ? total / (double)count : NAN);
}

/* ---- cross_entropy (fused) -------------------------------------------------------------- */

/* logits (N, C) -> loss (); saves p = softmax(logits) (N, C) and targets (N,) int64. */
static nd_array *cross_entropy_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const loss_params *lp = ag_ctx_params(ctx);
    int64_t rows = nd_shape(x[0])[0], classes = nd_shape(x[0])[1], count;
    nd_array *targets = targets_int64(lp->targets, classes, lp->ignore_index, &count);
    nd_array *in = targets ? nd_ascontiguousarray(x[0]) : NULL;
    nd_array *z = in ? nd_empty_like(in) : NULL, *p = NULL, *y = NULL;
    if (!z)
        goto done;
    nd_dtype dt = nd_dtype_of(in);
    LAYER_CALL(dt, shift_rows, nd_data(z), nd_data(in), rows, classes); /* z = x - max */
    p = nd_exp(z);
    if (!p)
        goto done;
    double total = dt == ND_FLOAT32
                       ? cross_entropy_rows_float(nd_data(p), nd_data(z), nd_data(targets), rows,
                                                  classes, lp->ignore_index, lp->smoothing)
                       : cross_entropy_rows_double(nd_data(p), nd_data(z), nd_data(targets), rows,
                                                   classes, lp->ignore_index, lp->smoothing);
    if (ag_ctx_save(ctx, p) >= 0 && ag_ctx_save(ctx, targets) >= 0)
        y = mean_loss(dt, total, count);
done:
    nd_free(targets);
    nd_free(in);
    nd_free(z);
    nd_free(p);
    return y;
}

static int cross_entropy_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const loss_params *lp = ag_ctx_params(ctx);
    const nd_array *p = ag_ctx_saved(ctx, 0), *t = ag_ctx_saved(ctx, 1);
    int64_t rows = nd_shape(p)[0], classes = nd_shape(p)[1];
    if (!(dx[0] = nd_empty_like(p)))
        return nd_last_status();
    LAYER_CALL(nd_dtype_of(p), cross_entropy_backward_rows, nd_data(dx[0]), nd_data(p), nd_data(t),
               rows, classes, lp->ignore_index, lp->smoothing, scaled_grad(dy, t, lp->ignore_index));
    return 0;
}

static const ag_op cross_entropy_op = {"cross_entropy", cross_entropy_forward,
                                       cross_entropy_backward};

/* Checks the arguments shared by the fused and composed forms. */
static int check_cross_entropy(ag_tensor *logits, const nd_array *targets, double smoothing)
{
    int status = check_inputs(ag_value(logits), targets, "cross_entropy");
    if (status == 0 && !(smoothing >= 0 && smoothing <= 1))
        status = nd_set_last_error(ND_ERR_VALUE,
                                   "label_smoothing must be between 0.0 and 1.0. "
                                   "Got: %g",
                                   smoothing);
    return status;
}

ag_tensor *ag_cross_entropy_ex(ag_tensor *logits, const nd_array *targets, int64_t ignore_index,
                               double label_smoothing)
{
    if (logits && check_cross_entropy(logits, targets, label_smoothing) < 0)
        return NULL;
    loss_params p = {targets, ignore_index, label_smoothing};
    return ag_apply(&cross_entropy_op, 1, (ag_tensor *[]){logits}, &p, sizeof p);
}

ag_tensor *ag_cross_entropy(ag_tensor *logits, const nd_array *targets)
{
    return ag_cross_entropy_ex(logits, targets, -100, 0.0);
}

/* ---- cross_entropy (composed) ----------------------------------------------------------- */

/* The weights W (N, C) with loss = sum(W * log_softmax(x)):
 * W_i = -((1 - e) onehot(t_i) + e / C) / count, 0 for an ignored row. */
static nd_array *smoothed_targets(const nd_array *targets, nd_dtype dt, int64_t rows,
                                  int64_t classes, int64_t ignore_index, double e)
{
    int64_t count;
    nd_array *t = targets_int64(targets, classes, ignore_index, &count);
    nd_array *w = t ? nd_zeros(ND_FLOAT64, 2, (const int64_t[]){rows, classes}) : NULL;
    if (!w) {
        nd_free(t);
        return NULL;
    }
    const int64_t *tv = nd_data(t);
    double *wv = nd_data(w), scale = count > 0 ? 1.0 / (double)count : NAN;
    for (int64_t i = 0; i < rows; i++) {
        if (tv[i] == ignore_index)
            continue;
        for (int64_t c = 0; c < classes; c++)
            wv[i * classes + c] = -scale * e / (double)classes;
        wv[i * classes + tv[i]] -= scale * (1 - e);
    }
    nd_array *cast = nd_astype(w, dt);
    nd_free(t);
    nd_free(w);
    return cast;
}

ag_tensor *ag_cross_entropy_composed(ag_tensor *logits, const nd_array *targets,
                                     int64_t ignore_index, double label_smoothing)
{
    AG_REQUIRE(logits, NULL);
    if (check_cross_entropy(logits, targets, label_smoothing) < 0)
        return NULL;
    const nd_array *x = ag_value(logits);
    nd_array *w = smoothed_targets(targets, nd_dtype_of(x), nd_shape(x)[0], nd_shape(x)[1],
                                   ignore_index, label_smoothing);
    if (!w)
        return NULL;
    ag_tensor *weights = layer_constant(w);
    nd_free(w);
    ag_tensor *logp = ag_log_softmax_composed(logits, 1);
    return ag_sum(ag_mul(weights, logp), 0, NULL, false);
}

/* ---- nll_loss ---------------------------------------------------------------------------- */

/* log_probs (N, C) -> loss (); saves the targets (N,) as int64. */
static nd_array *nll_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const loss_params *lp = ag_ctx_params(ctx);
    int64_t rows = nd_shape(x[0])[0], classes = nd_shape(x[0])[1], count;
    nd_array *targets = targets_int64(lp->targets, classes, lp->ignore_index, &count);
    nd_array *in = targets ? nd_ascontiguousarray(x[0]) : NULL;
    nd_array *y = NULL;
    if (in && ag_ctx_save(ctx, targets) >= 0) {
        double total =
            nd_dtype_of(in) == ND_FLOAT32
                ? nll_rows_float(nd_data(in), nd_data(targets), rows, classes, lp->ignore_index)
                : nll_rows_double(nd_data(in), nd_data(targets), rows, classes, lp->ignore_index);
        y = mean_loss(nd_dtype_of(in), total, count);
    }
    nd_free(targets);
    nd_free(in);
    return y;
}

/* dL/dx[i, t_i] = -dL/dy / count, 0 elsewhere */
static int nll_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const loss_params *lp = ag_ctx_params(ctx);
    const nd_array *x = ag_ctx_input(ctx, 0), *t = ag_ctx_saved(ctx, 0);
    int64_t rows = nd_shape(x)[0], classes = nd_shape(x)[1];
    if (!(dx[0] = nd_zeros(nd_dtype_of(x), 2, nd_shape(x))))
        return nd_last_status();
    LAYER_CALL(nd_dtype_of(x), nll_backward_rows, nd_data(dx[0]), nd_data(t), rows, classes,
               lp->ignore_index, scaled_grad(dy, t, lp->ignore_index));
    return 0;
}

static const ag_op nll_op = {"nll_loss", nll_forward, nll_backward};

ag_tensor *ag_nll_loss(ag_tensor *log_probs, const nd_array *targets, int64_t ignore_index)
{
    if (log_probs && check_inputs(ag_value(log_probs), targets, "nll_loss") < 0)
        return NULL;
    loss_params p = {targets, ignore_index, 0.0};
    return ag_apply(&nll_op, 1, (ag_tensor *[]){log_probs}, &p, sizeof p);
}

/* ---- mse_loss ---------------------------------------------------------------------------- */

/* y = mean((a - b)^2) over the broadcast shape */
static nd_array *mse_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    nd_array *d = nd_subtract(x[0], x[1]);
    nd_array *y = d && nd_multiply_out(d, d, d) == 0 ? nd_mean(d, 0, NULL, false) : NULL;
    nd_free(d);
    return y;
}

/* dL/da = dL/dy * 2 (a - b) / size, dL/db = -dL/da (broadcast shape; the tape sums) */
static int mse_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    nd_array *d = nd_subtract(ag_ctx_input(ctx, 0), ag_ctx_input(ctx, 1));
    if (!d)
        return nd_last_status();
    double g = 0;
    nd_get(dy, NULL, &g);
    nd_array *s = nd_scalar(nd_dtype_of(d), 2 * g / (double)(nd_size(d) ? nd_size(d) : 1));
    int status = s ? nd_multiply_out(d, s, d) : nd_last_status();
    nd_free(s);
    if (status == 0 && ag_ctx_needs_grad(ctx, 1) && !(dx[1] = nd_negative(d)))
        status = nd_last_status();
    if (status == 0 && ag_ctx_needs_grad(ctx, 0))
        dx[0] = d, d = NULL;
    nd_free(d);
    return status;
}

static const ag_op mse_op = {"mse_loss", mse_forward, mse_backward};

ag_tensor *ag_mse_loss(ag_tensor *a, ag_tensor *b)
{
    if (a && b &&
        (layer_check_float(ag_value(a), "mse_loss") < 0 ||
         layer_check_float(ag_value(b), "mse_loss") < 0))
        return NULL;
    return ag_apply(&mse_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}
