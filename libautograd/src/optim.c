/*
 * optim.c: SGD, Adam and AdamW as PyTorch 1.13 computes them, gradient
 * clipping by global norm, setting a gradient, and the optimizer state on
 * disk (safetensors).
 *
 * Matching torch.optim to the last bits takes three things:
 *  - the same formulas in the same order of operations: PyTorch runs each
 *    update as a chain of in-place tensor ops (mul_, add_ with alpha,
 *    addcmul_, addcdiv_), each rounded to the tensor's dtype, and the fused
 *    loops below perform exactly that chain per element (the comment over
 *    each loop names the ops);
 *  - the arithmetic in the parameter's dtype: a Python number meeting a
 *    float32 tensor is rounded to float32 first, so every hyperparameter
 *    is cast to T before the loop;
 *  - the scalar part (bias corrections, step sizes) in double, as Python
 *    computes it.
 * Each parameter is updated by one pass over contiguous memory; buffers are
 * made on a parameter's first update and reused afterwards.
 */
#include "ag_internal.h"
#include "bf16.h" /* libnd/src/bf16.h: nd_bf16_round */
#include "vectorize.h" /* libnd/src/vectorize.h: ND_VECTORIZE */

#include <math.h>
#include <stdio.h>

typedef enum opt_kind { OPT_SGD, OPT_ADAM, OPT_ADAMW } opt_kind;

static const char *const kind_names[] = {"sgd", "adam", "adamw"};

/* What PyTorch keeps in optimizer.state[p]. */
// clang-format off
typedef struct param_state {
    int64_t step;      /* updates this parameter received (Adam's bias corrections) */
    nd_array *buf1;    /* SGD: momentum_buffer; Adam: exp_avg */
    nd_array *buf2;    /* Adam: exp_avg_sq */
    bool fresh;        /* buf1 was made by this step (SGD: buf = d, no dampening) */
    /* ag_optimizer_set_range: the buffers hold elements [begin, end) of
     * the flattened parameter (1-D) and a step updates only those; not
     * ranged: the whole parameter, buffers in its shape. */
    bool ranged;
    int64_t begin, end;
    nd_array *copy;    /* ag_optimizer_set_copy: bf16 copy rewritten by each update, or NULL */
} param_state;
// clang-format on

// clang-format off
struct ag_optimizer {
    opt_kind kind;
    int n;
    ag_tensor **params;      /* borrowed */
    param_state *state;      /* n entries */
    double lr, momentum, dampening, weight_decay, beta1, beta2, eps;
    bool nesterov;
    int64_t steps;
    double grad_scale;       /* ag_optimizer_set_grad_scale: the next step's; else 1 */
};
// clang-format on

/* ---- the update loops ------------------------------------------------------------------ */

/* The per-step scalars of Adam, in double (rounded to T by the loop). */
// clang-format off
typedef struct adam_scalars {
    double decay;          /* AdamW: 1 - lr wd; Adam: 1 */
    double wd;             /* Adam's L2 term; 0 for AdamW */
    double beta1, one_minus_beta1, beta2, one_minus_beta2;
    double bc2_sqrt;       /* sqrt(1 - beta2^t) */
    double eps;
    double neg_step_size;  /* -lr / (1 - beta1^t) */
    double grad_scale;     /* each gradient read as g * scale (clipping); 1: as it is */
} adam_scalars;
// clang-format on

/* Which of PyTorch's CPU kernels round once and which twice decides the
 * last bits. Measured on torch 1.13 (its kernels are built with FMA):
 *   x.add_(y, alpha=a)         fma(a, y, x)          (Vectorized fmadd)
 *   x.addcmul_(y, z, value=a)  fma(a * y, z, x)      (contracted by the compiler)
 *   x.addcdiv_(y, z, value=a)  x + (a * y) / z
 *   x.mul_(a), x.sqrt(), x / a plain, each rounded.
 * The loops are cloned for AVX-512, AVX2 (hardware FMA, vectorized) and
 * baseline x86-64 (where fma() is exact in software) by libnd's
 * ND_VECTORIZE, as libnd's kernels are.
 *
 * The loops, sgd_loop_T, adam_loop_T and sum_squares_T (the sum of squares
 * of gradient clipping), are plain functions written once in
 * optim_loops.inc and included here for float32 and float64 with T, FMA and
 * SQRT, and each name_T defined as name_f32 or name_f64 (layers.h's
 * scheme). */
#define T float
#define FMA fmaf
#define SQRT sqrtf
#define sgd_loop_T sgd_loop_f32
#define adam_loop_T adam_loop_f32
#define sum_squares_T sum_squares_f32
#include "optim_loops.inc"

#define T double
#define FMA fma
#define SQRT sqrt
#define sgd_loop_T sgd_loop_f64
#define adam_loop_T adam_loop_f64
#define sum_squares_T sum_squares_f64
#include "optim_loops.inc"

/* ---- construction ------------------------------------------------------------------------ */

static bool finite_nonneg(double x) { return x >= 0 && !isnan(x); }

/* PyTorch's "Invalid <what>: <value>" unless ok. */
static bool valid(bool ok, const char *what, double value)
{
    if (!ok)
        ag_error(ND_ERR_VALUE, "Invalid %s: %g", what, value);
    return ok;
}

/* Checks the parameter list and makes an optimizer with the hyperparameters
 * of `h` (already checked by the caller). */
static ag_optimizer *optimizer_new(const ag_optimizer *h, int n, ag_tensor *const *params)
{
    if (n <= 0 || !params) {
        ag_error(ND_ERR_VALUE, "optimizer got an empty parameter list");
        return NULL;
    }
    if (!valid(finite_nonneg(h->lr), "learning rate", h->lr))
        return NULL;
    for (int i = 0; i < n; i++) {
        ag_tensor *t = params[i];
        if (!ag_param_value(t) ||
            !(nd_dtype_of(t->value) == ND_FLOAT32 || nd_dtype_of(t->value) == ND_FLOAT64)) {
            ag_error(ND_ERR_TYPE,
                     "optimizer can only optimize float32/float64 parameters "
                     "(parameter %d is %s)",
                     i,
                     t ? (t->on_tape ? "a tensor made by an op"
                                     : nd_dtype_name(nd_dtype_of(t->value)))
                       : "NULL");
            return NULL;
        }
        for (int j = 0; j < i; j++)
            if (params[j] == t) {
                ag_error(ND_ERR_VALUE, "optimizer got parameter %d twice (also at %d)", i, j);
                return NULL;
            }
    }
    ag_optimizer *o = malloc(sizeof *o);
    if (o) {
        *o = *h;
        o->grad_scale = 1;
        o->n = n;
        o->params = malloc((size_t)n * sizeof *o->params);
        o->state = calloc((size_t)n, sizeof *o->state);
    }
    if (!o || !o->params || !o->state) {
        ag_optimizer_free(o);
        ag_error(ND_ERR_MEMORY, "out of memory creating an optimizer");
        return NULL;
    }
    memcpy(o->params, params, (size_t)n * sizeof *params);
    return o;
}

ag_optimizer *ag_sgd_new(int n, ag_tensor *const *params, double lr, double momentum,
                         double dampening, double weight_decay, bool nesterov)
{
    if (!valid(finite_nonneg(momentum), "momentum value", momentum) ||
        !valid(finite_nonneg(weight_decay), "weight_decay value", weight_decay))
        return NULL;
    if (nesterov && (momentum <= 0 || dampening != 0)) {
        ag_error(ND_ERR_VALUE, "Nesterov momentum requires a momentum and zero dampening");
        return NULL;
    }
    ag_optimizer h = {.kind = OPT_SGD,
                      .lr = lr,
                      .momentum = momentum,
                      .dampening = dampening,
                      .weight_decay = weight_decay,
                      .nesterov = nesterov};
    return optimizer_new(&h, n, params);
}

static ag_optimizer *adam_new(opt_kind kind, int n, ag_tensor *const *params, double lr,
                              double beta1, double beta2, double eps, double weight_decay)
{
    if (!valid(finite_nonneg(eps), "epsilon value", eps) ||
        !valid(beta1 >= 0 && beta1 < 1, "beta parameter at index 0", beta1) ||
        !valid(beta2 >= 0 && beta2 < 1, "beta parameter at index 1", beta2) ||
        !valid(finite_nonneg(weight_decay), "weight_decay value", weight_decay))
        return NULL;
    ag_optimizer h = {.kind = kind,
                      .lr = lr,
                      .beta1 = beta1,
                      .beta2 = beta2,
                      .eps = eps,
                      .weight_decay = weight_decay};
    return optimizer_new(&h, n, params);
}

ag_optimizer *ag_adam_new(int n, ag_tensor *const *params, double lr, double beta1, double beta2,
                          double eps, double weight_decay)
{
    return adam_new(OPT_ADAM, n, params, lr, beta1, beta2, eps, weight_decay);
}

ag_optimizer *ag_adamw_new(int n, ag_tensor *const *params, double lr, double beta1, double beta2,
                           double eps, double weight_decay)
{
    return adam_new(OPT_ADAMW, n, params, lr, beta1, beta2, eps, weight_decay);
}

void ag_optimizer_free(ag_optimizer *opt)
{
    if (!opt)
        return;
    for (int i = 0; opt->state && i < opt->n; i++) {
        nd_free(opt->state[i].buf1);
        nd_free(opt->state[i].buf2);
        nd_free(opt->state[i].copy);
    }
    free(opt->state);
    free(opt->params);
    free(opt);
}

/* ---- the step ------------------------------------------------------------------------------ */

/* A zero state buffer for a parameter of value `value`: its shape, or
 * 1-D over the elements of st's range. */
static nd_array *state_buffer(const nd_array *value, const param_state *st)
{
    int64_t len = st->end - st->begin;
    return st->ranged ? nd_zeros(nd_dtype_of(value), 1, &len) : nd_zeros_like(value);
}

/* Checks parameter i and makes its buffers if this is its first update, so
 * that a failing step changes nothing. */
static int prepare(ag_optimizer *o, int i)
{
    ag_tensor *t = o->params[i];
    param_state *st = &o->state[i];
    st->fresh = false;
    if (!t->grad)
        return 0;
    if (!ag_same_shape(t->grad, t->value) || nd_dtype_of(t->grad) != nd_dtype_of(t->value) ||
        !nd_is_c_contiguous(t->grad))
        return ag_error(ND_ERR_VALUE,
                        "optimizer: the gradient of parameter %d does not match "
                        "its value (shape, dtype or layout)",
                        i);
    if (!nd_is_c_contiguous(t->value) || !nd_is_writeable(t->value))
        return ag_error(ND_ERR_VALUE,
                        "optimizer: parameter %d is not a contiguous writeable "
                        "array",
                        i);
    bool needs_buf1 = o->kind != OPT_SGD || o->momentum != 0;
    if (needs_buf1 && !st->buf1) {
        st->buf1 = state_buffer(t->value, st);
        st->fresh = true;
    }
    if (o->kind != OPT_SGD && !st->buf2)
        st->buf2 = state_buffer(t->value, st);
    if ((needs_buf1 && !st->buf1) || (o->kind != OPT_SGD && !st->buf2))
        return nd_last_status();
    return 0;
}

/* Each element's update is independent of the others', so a parameter is
 * cut into pieces that run on libnd's pool (nd_parallel_for); pieces of at
 * least ELEMENTS_PER_THREAD keep small parameters (biases, norm gains) on
 * the calling thread, where waking a worker would cost more than the loop.
 * The result is the same for any number of threads. */
#define ELEMENTS_PER_THREAD (1 << 15)

typedef struct update_task {
    const ag_optimizer *o;
    ag_tensor *t;
    const param_state *st;
    adam_scalars adam; /* Adam / AdamW only */
} update_task;

/* Elements [begin, end) of the state's buffers: of the value and the
 * gradient, [first + begin, first + end), first being where a range
 * starts (0 without one). */
static void update_range(const update_task *u, int64_t begin, int64_t end)
{
    const ag_optimizer *o = u->o;
    int64_t n = end - begin;
    bool f32 = nd_dtype_of(u->t->value) == ND_FLOAT32;
    size_t item = f32 ? sizeof(float) : sizeof(double);
    size_t offset = (size_t)begin * item;
    size_t at = (size_t)(begin + (u->st->ranged ? u->st->begin : 0)) * item;
    char *p = (char *)nd_data(u->t->value) + at;
    const char *g = (const char *)nd_data(u->t->grad) + at;
    char *buf1 = u->st->buf1 ? (char *)nd_data(u->st->buf1) + offset : NULL;
    if (o->kind == OPT_SGD) {
        if (f32)
            sgd_loop_f32(n, (float *)p, (const float *)g, (float *)buf1, u->st->fresh,
                         (float)-o->lr, (float)o->momentum, (float)(1 - o->dampening),
                         (float)o->weight_decay, o->nesterov, (float)o->grad_scale);
        else
            sgd_loop_f64(n, (double *)p, (const double *)g, (double *)buf1, u->st->fresh, -o->lr,
                         o->momentum, 1 - o->dampening, o->weight_decay, o->nesterov, o->grad_scale);
        return;
    }
    char *buf2 = (char *)nd_data(u->st->buf2) + offset;
    if (f32)
        adam_loop_f32(n, (float *)p, (const float *)g, (float *)buf1, (float *)buf2, &u->adam);
    else
        adam_loop_f64(n, (double *)p, (const double *)g, (double *)buf1, (double *)buf2, &u->adam);
}

/* x rounded to bfloat16 (nd_astype's rounding, nearest even). */
ND_VECTORIZE static void round_to_bf16(uint16_t *restrict out, const float *restrict x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = nd_bf16_round(x[i]);
}

/* With a copy, the update runs block by block and each block of the new
 * value is rounded into the copy while it is still in cache: the copy
 * costs its 2-byte store per element, not another pass over the value. */
#define COPY_BLOCK 8192

static void update_piece(void *ctx, int64_t begin, int64_t end)
{
    const update_task *u = ctx;
    if (!u->st->copy) {
        update_range(u, begin, end);
        return;
    }
    int64_t first = u->st->ranged ? u->st->begin : 0;
    for (int64_t b = begin; b < end; b += COPY_BLOCK) {
        int64_t e = end - b < COPY_BLOCK ? end : b + COPY_BLOCK;
        update_range(u, b, e);
        round_to_bf16((uint16_t *)nd_data(u->st->copy) + first + b,
                      (const float *)nd_data(u->t->value) + first + b, e - b);
    }
}

/* The Python side of torch's Adam step, in double. */
static adam_scalars adam_step_scalars(const ag_optimizer *o, int64_t step)
{
    double t_step = (double)step;
    double bias_correction1 = 1 - pow(o->beta1, t_step);
    double bias_correction2 = 1 - pow(o->beta2, t_step);
    bool adamw = o->kind == OPT_ADAMW;
    return (adam_scalars){
        .decay = adamw ? 1 - o->lr * o->weight_decay : 1,
        .wd = adamw ? 0 : o->weight_decay,
        .beta1 = o->beta1,
        .one_minus_beta1 = 1 - o->beta1,
        .beta2 = o->beta2,
        .one_minus_beta2 = 1 - o->beta2,
        .bc2_sqrt = sqrt(bias_correction2),
        .eps = o->eps,
        .neg_step_size = -(o->lr / bias_correction1),
        .grad_scale = o->grad_scale,
    };
}

static void update(const ag_optimizer *o, ag_tensor *t, const param_state *st)
{
    update_task task = {.o = o, .t = t, .st = st};
    if (o->kind != OPT_SGD)
        task.adam = adam_step_scalars(o, st->step);
    int64_t n = st->ranged ? st->end - st->begin : nd_size(t->value);
    nd_parallel_for(n, ELEMENTS_PER_THREAD, update_piece, &task);
}

int ag_optimizer_step(ag_optimizer *opt)
{
    if (!opt)
        return ag_error(ND_ERR_VALUE, "optimizer step: the optimizer is NULL");
    for (int i = 0; i < opt->n; i++) {
        int status = prepare(opt, i);
        if (status < 0)
            return status;
    }
    for (int i = 0; i < opt->n; i++) {
        ag_tensor *t = opt->params[i];
        param_state *st = &opt->state[i];
        if (!t->grad)
            continue; /* as PyTorch: no gradient, no update, no step */
        st->step++;
        update(opt, t, st);
        st->fresh = false;
    }
    opt->steps++;
    opt->grad_scale = 1;
    return 0;
}

int ag_optimizer_set_grad_scale(ag_optimizer *opt, double scale)
{
    if (!opt)
        return ag_error(ND_ERR_VALUE, "set_grad_scale: the optimizer is NULL");
    if (!(scale >= 0 && scale <= 1))
        return ag_error(ND_ERR_VALUE, "set_grad_scale: the scale must be in [0, 1], got %g", scale);
    opt->grad_scale = scale;
    return 0;
}

int ag_optimizer_set_copy(ag_optimizer *opt, int i, nd_array *copy)
{
    if (!opt)
        return ag_error(ND_ERR_VALUE, "set_copy: the optimizer is NULL");
    if (i < 0 || i >= opt->n)
        return ag_error(ND_ERR_INDEX, "set_copy: parameter %d out of range for %d parameters", i,
                        opt->n);
    const nd_array *value = opt->params[i]->value;
    if (copy && (nd_dtype_of(value) != ND_FLOAT32 || nd_dtype_of(copy) != ND_BFLOAT16 ||
                 !ag_same_shape(copy, value) || !nd_is_c_contiguous(copy) ||
                 !nd_is_c_contiguous(value) || !nd_is_writeable(copy)))
        return ag_error(ND_ERR_VALUE,
                        "set_copy: parameter %d's copy must be a writeable C-contiguous "
                        "bfloat16 array of its shape, and the parameter float32 and "
                        "C-contiguous",
                        i);
    nd_array *held = NULL;
    if (copy) {
        if (!(held = nd_view(copy)))
            return nd_last_status();
        round_to_bf16(nd_data(held), nd_data(value), nd_size(value));
    }
    nd_free(opt->state[i].copy);
    opt->state[i].copy = held;
    return 0;
}

void ag_optimizer_zero_grad(ag_optimizer *opt)
{
    for (int i = 0; opt && i < opt->n; i++)
        ag_zero_grad(opt->params[i]);
}

int ag_optimizer_set_lr(ag_optimizer *opt, double lr)
{
    if (!opt)
        return ag_error(ND_ERR_VALUE, "set_lr: the optimizer is NULL");
    if (!valid(finite_nonneg(lr), "learning rate", lr))
        return nd_last_status();
    opt->lr = lr;
    return 0;
}

double ag_optimizer_get_lr(const ag_optimizer *opt)
{
    AG_REQUIRE(opt, NAN);
    return opt->lr;
}

int64_t ag_optimizer_step_count(const ag_optimizer *opt)
{
    AG_REQUIRE(opt, -1);
    return opt->steps;
}

const char *ag_optimizer_name(const ag_optimizer *opt)
{
    AG_REQUIRE(opt, NULL);
    return kind_names[opt->kind];
}

/* ---- sharded state (ZeRO-1) ---------------------------------------------------------------- */

int ag_optimizer_index(const ag_optimizer *opt, const ag_tensor *param)
{
    AG_REQUIRE(opt, -1);
    for (int i = 0; opt && i < opt->n; i++)
        if (opt->params[i] == param)
            return i;
    return -1;
}

/* *out = buf moved to a new range: the elements both ranges hold are
 * kept, the others start at zero. NULL stays NULL. */
static int move_buffer(const nd_array *buf, const nd_array *value, const param_state *from,
                       const param_state *to, nd_array **out)
{
    *out = NULL;
    if (!buf)
        return 0;
    if (!(*out = state_buffer(value, to)))
        return nd_last_status();
    int64_t lo = from->begin > to->begin ? from->begin : to->begin;
    int64_t hi = from->end < to->end ? from->end : to->end;
    size_t item = nd_itemsize(value);
    if (hi > lo)
        memcpy((char *)nd_data(*out) + (size_t)(lo - to->begin) * item,
               (const char *)nd_data(buf) + (size_t)(lo - from->begin) * item,
               (size_t)(hi - lo) * item);
    return 0;
}

int ag_optimizer_set_range(ag_optimizer *opt, int i, int64_t begin, int64_t end)
{
    if (!opt || i < 0 || i >= opt->n)
        return ag_error(ND_ERR_VALUE, "optimizer set_range: no parameter %d in %s", i,
                        opt ? "this optimizer" : "a NULL optimizer");
    const nd_array *value = opt->params[i]->value;
    int64_t size = nd_size(value);
    if (begin < 0 || begin > end || end > size)
        return ag_error(ND_ERR_VALUE,
                        "optimizer set_range: [%lld, %lld) is not a range of the "
                        "%lld elements of parameter %d",
                        (long long)begin, (long long)end, (long long)size, i);
    param_state *st = &opt->state[i];
    param_state from = *st, to = *st;
    if (!from.ranged)
        from.begin = 0, from.end = size;
    to.begin = begin;
    to.end = end;
    to.ranged = !(begin == 0 && end == size);
    nd_array *buf1 = NULL, *buf2 = NULL;
    int status = move_buffer(st->buf1, value, &from, &to, &buf1);
    if (status == 0)
        status = move_buffer(st->buf2, value, &from, &to, &buf2);
    if (status < 0) { /* nothing changed */
        nd_free(buf1);
        nd_free(buf2);
        return status;
    }
    nd_free(st->buf1);
    nd_free(st->buf2);
    to.buf1 = buf1;
    to.buf2 = buf2;
    *st = to;
    return 0;
}

int ag_optimizer_state(ag_optimizer *opt, int i, int64_t *step, nd_array **buf1, nd_array **buf2)
{
    if (!opt || i < 0 || i >= opt->n || !step || !buf1 || !buf2)
        return ag_error(ND_ERR_VALUE,
                        "optimizer state: bad arguments (NULL optimizer or "
                        "output, or no parameter %d)",
                        i);
    *step = opt->state[i].step;
    *buf1 = opt->state[i].buf1;
    *buf2 = opt->state[i].buf2;
    return 0;
}

int64_t ag_optimizer_state_bytes(const ag_optimizer *opt)
{
    AG_REQUIRE(opt, -1);
    int64_t bytes = 0;
    for (int i = 0; i < opt->n; i++)
        bytes += (opt->state[i].buf1 ? nd_nbytes(opt->state[i].buf1) : 0) +
                 (opt->state[i].buf2 ? nd_nbytes(opt->state[i].buf2) : 0);
    return bytes;
}

/* ---- gradients ------------------------------------------------------------------------------ */

int ag_set_grad(ag_tensor *param, const nd_array *grad)
{
    if (!param || param->on_tape)
        return ag_error(ND_ERR_VALUE, "set_grad: expected a parameter or constant (got %s)",
                        param ? "a tensor made by an op" : "NULL");
    if (grad && !ag_same_shape(grad, param->value))
        return ag_error(ND_ERR_VALUE, "assigned grad has data of a different size");
    if (grad && nd_dtype_of(grad) != nd_dtype_of(param->value))
        return ag_error(ND_ERR_TYPE, "assigned grad has data of a different type");
    nd_array *copy = NULL;
    if (grad && !(copy = nd_copy(grad)))
        return nd_last_status();
    nd_free(param->grad);
    param->grad = NULL;
    return copy ? ag_grad_adopt(param, copy) : 0;
}


/* A gradient's sum of squares is the sum, in order, of the sums of chunks
 * of NORM_CHUNK elements; the chunks are shared out across the pool. Fixed
 * chunks, not one per thread, so the norm is the same whatever the number
 * of threads (training resumes bit-identically on another thread count),
 * and whatever the number of processes holding the chunks (ZeRO-1). */
#define NORM_CHUNK AG_NORM_CHUNK

double ag_sum_squares_f32(const float *x, int64_t n)
{
    if ((!x && n > 0) || n < 0 || n > NORM_CHUNK) {
        ag_error(ND_ERR_VALUE, "sum_squares: expected at most %d elements (got %lld)", NORM_CHUNK,
                 (long long)n);
        return -1;
    }
    return n > 0 ? sum_squares_f32(x, n) : 0;
}

typedef struct norm_task {
    const nd_array *g;
    double *chunk_sums;
} norm_task;

static void norm_piece(void *ctx, int64_t begin, int64_t end)
{
    const norm_task *t = ctx;
    int64_t n = nd_size(t->g);
    for (int64_t c = begin; c < end; c++) {
        int64_t first = c * NORM_CHUNK, len = n - first < NORM_CHUNK ? n - first : NORM_CHUNK;
        t->chunk_sums[c] = nd_dtype_of(t->g) == ND_FLOAT32
                               ? sum_squares_f32((const float *)nd_data(t->g) + first, len)
                               : sum_squares_f64((const double *)nd_data(t->g) + first, len);
    }
}

/* sqrt(sum g^2) of one gradient, accumulated in double; -1 if out of
 * memory. */
static double grad_norm(const nd_array *g)
{
    int64_t chunks = (nd_size(g) + NORM_CHUNK - 1) / NORM_CHUNK;
    double one_chunk,
        *chunk_sums = chunks <= 1 ? &one_chunk : malloc((size_t)chunks * sizeof(double));
    if (!chunk_sums) {
        ag_error(ND_ERR_MEMORY, "clip_grad_norm: out of memory");
        return -1;
    }
    norm_task task = {g, chunk_sums};
    nd_parallel_for(chunks, ELEMENTS_PER_THREAD / NORM_CHUNK, norm_piece, &task);
    double sum = 0;
    for (int64_t c = 0; c < chunks; c++)
        sum += chunk_sums[c];
    if (chunk_sums != &one_chunk)
        free(chunk_sums);
    return sqrt(sum);
}

typedef struct scale_task {
    nd_array *g;
    double coef;
} scale_task;

/* g *= coef, in g's dtype. */
static void scale_piece(void *ctx, int64_t begin, int64_t end)
{
    const scale_task *t = ctx;
    if (nd_dtype_of(t->g) == ND_FLOAT32) {
        float *x = nd_data(t->g), c = (float)t->coef;
        for (int64_t k = begin; k < end; k++)
            x[k] = x[k] * c;
    } else {
        double *x = nd_data(t->g);
        for (int64_t k = begin; k < end; k++)
            x[k] = x[k] * t->coef;
    }
}

/* One gradient's norm, rounded to its dtype as PyTorch's per-tensor
 * norm is, squared in double (the stacked norms' norm). */
static double norm_squared(double norm, bool f32)
{
    if (f32)
        norm = (float)norm;
    return norm * norm;
}

/* The total norm sqrt(sum) and the clip coefficient, min(1, max_norm /
 * (total + 1e-6)), in float32 when every gradient is. */
static double clip_total(double sum, bool all_f32, double max_norm, double *coef)
{
    double total = sqrt(sum);
    if (all_f32) {
        total = (float)total;
        float denom = (float)total + 1e-6f;
        *coef = (1.0f / denom) * (float)max_norm;
    } else {
        *coef = (1.0 / (total + 1e-6)) * max_norm;
    }
    if (*coef > 1.0)
        *coef = 1.0;
    return total;
}

double ag_clip_coef_f32(int n, const double *sum_squares, double max_norm, double *coef)
{
    if (n < 0 || (n > 0 && !sum_squares) || !coef || !finite_nonneg(max_norm)) {
        ag_error(ND_ERR_VALUE,
                 "clip_coef: expected n >= 0 sums of squares, an output and a "
                 "non-negative max_norm (got n=%d, max_norm=%g)",
                 n, max_norm);
        return -1;
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += norm_squared(sqrt(sum_squares[i]), true);
    return clip_total(sum, true, max_norm, coef);
}

/* torch.nn.utils.clip_grad_norm_ with norm_type 2:
 *   total = norm(stack([norm(g) for g in grads]))
 *   coef = clamp(max_norm / (total + 1e-6), max=1);  g *= coef
 * In float32 when every gradient is (the rounding of each norm and of the
 * coefficient as PyTorch's float32 tensors do; max_norm / x is computed as
 * x.reciprocal() * max_norm, Tensor.__rtruediv__). */
/* The total norm (0 without any gradient, -1 with an error set) and in
 * *coef the clip factor (1 without any gradient). */
static double clip_norm(int n, ag_tensor *const *params, double max_norm, double *coef)
{
    *coef = 1;
    if (n < 0 || (n > 0 && !params) || !finite_nonneg(max_norm)) {
        ag_error(ND_ERR_VALUE,
                 "clip_grad_norm: expected n >= 0 parameters and a non-negative "
                 "max_norm (got n=%d, max_norm=%g)",
                 n, max_norm);
        return -1;
    }
    bool all_f32 = true, any = false;
    for (int i = 0; i < n; i++) {
        if (!params[i]) {
            ag_error(ND_ERR_VALUE, "clip_grad_norm: parameter %d is NULL", i);
            return -1;
        }
        const nd_array *g = params[i]->grad;
        if (g && !nd_is_c_contiguous(g)) {
            ag_error(ND_ERR_VALUE,
                     "clip_grad_norm: the gradient of parameter %d is not "
                     "contiguous",
                     i);
            return -1;
        }
        any = any || g;
        all_f32 = all_f32 && (!g || nd_dtype_of(g) == ND_FLOAT32);
    }
    if (!any)
        return 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        const nd_array *g = params[i]->grad;
        if (!g)
            continue;
        double norm = grad_norm(g);
        if (norm < 0)
            return -1;
        sum += norm_squared(norm, nd_dtype_of(g) == ND_FLOAT32);
    }
    return clip_total(sum, all_f32, max_norm, coef);
}

double ag_clip_grad_coef(int n, ag_tensor *const *params, double max_norm, double *coef)
{
    if (!coef) {
        ag_error(ND_ERR_VALUE, "clip_grad_coef: the output coef is NULL");
        return -1;
    }
    return clip_norm(n, params, max_norm, coef);
}

double ag_clip_grad_norm(int n, ag_tensor *const *params, double max_norm)
{
    double coef, total = clip_norm(n, params, max_norm, &coef);
    if (total < 0)
        return total;
    /* g * 1 == g for every float, so an unclipped step leaves the
     * gradients untouched without a pass over them. */
    for (int i = 0; i < n && coef != 1.0; i++) {
        scale_task task = {params[i]->grad, coef};
        if (task.g)
            nd_parallel_for(nd_size(task.g), ELEMENTS_PER_THREAD, scale_piece, &task);
    }
    return total;
}

/* ---- state on disk ------------------------------------------------------------------------ */

#define MAX_STATE_ARRAYS 3 /* step, and up to two buffers */
#define NAME_LEN 48

/* The names and arrays of the state of parameter i (borrowed buffers; the
 * step array is new and returned in *step_array). */
static int state_arrays(const ag_optimizer *o, int i, char names[][NAME_LEN],
                        const nd_array **arrays, nd_array **step_array)
{
    const param_state *st = &o->state[i];
    int k = 0;
    *step_array = NULL;
    if (st->step == 0 && !st->buf1)
        return 0;
    *step_array = nd_from_data(ND_INT64, 0, NULL, &st->step);
    if (!*step_array)
        return nd_last_status();
    snprintf(names[k], NAME_LEN, "state.%d.step", i);
    arrays[k++] = *step_array;
    const char *b1 = o->kind == OPT_SGD ? "momentum_buffer" : "exp_avg";
    if (st->buf1) {
        snprintf(names[k], NAME_LEN, "state.%d.%s", i, b1);
        arrays[k++] = st->buf1;
    }
    if (st->buf2) {
        snprintf(names[k], NAME_LEN, "state.%d.exp_avg_sq", i);
        arrays[k++] = st->buf2;
    }
    return k;
}

/* The hyperparameters as metadata pairs, doubles with 17 significant
 * digits so that they read back bit for bit. */
enum { NUM_HYPER = 9 };
// clang-format off
static const char *const hyper_keys[NUM_HYPER] = {"lr", "momentum", "dampening", "weight_decay",
                                                  "nesterov", "beta1", "beta2", "eps", "step"};
// clang-format on
static void hyper_metadata(const ag_optimizer *o, char values[NUM_HYPER][32],
                           const char *pairs[2 * NUM_HYPER])
{
    // clang-format off
    double v[NUM_HYPER] = {o->lr, o->momentum, o->dampening, o->weight_decay, o->nesterov,
                           o->beta1, o->beta2, o->eps, (double)o->steps};
    // clang-format on
    for (int k = 0; k < NUM_HYPER; k++) {
        snprintf(values[k], 32, "%.17g", v[k]);
        pairs[2 * k] = hyper_keys[k];
        pairs[2 * k + 1] = values[k];
    }
}

int ag_optimizer_save(const ag_optimizer *opt, const char *path, int nmeta,
                      const char *const *metadata)
{
    if (!opt || !path || nmeta < 0 || (nmeta > 0 && !metadata))
        return ag_error(ND_ERR_VALUE, "optimizer save: bad arguments (NULL optimizer, path "
                                      "or metadata)");
    for (int i = 0; i < opt->n; i++)
        if (opt->state[i].ranged)
            return ag_error(ND_ERR_VALUE,
                            "optimizer save: the state of parameter %d holds "
                            "elements [%lld, %lld) only (ag_optimizer_set_range); gather the whole "
                            "state first",
                            i, (long long)opt->state[i].begin, (long long)opt->state[i].end);
    int cap = opt->n * MAX_STATE_ARRAYS;
    // clang-format off
    char (*names)[NAME_LEN] = malloc((size_t)cap * NAME_LEN);
    // clang-format on
    const char **name_ptrs = malloc((size_t)cap * sizeof *name_ptrs);
    const nd_array **arrays = malloc((size_t)cap * sizeof *arrays);
    nd_array **steps = calloc((size_t)opt->n, sizeof *steps);
    const char **meta = malloc((size_t)(2 * (nmeta + NUM_HYPER + 2)) * sizeof *meta);
    int status = 0, count = 0;
    if (!names || !name_ptrs || !arrays || !steps || !meta)
        status = ag_error(ND_ERR_MEMORY, "out of memory saving an optimizer");
    for (int i = 0; status == 0 && i < opt->n; i++) {
        int k = state_arrays(opt, i, names + count, arrays + count, &steps[i]);
        if (k < 0)
            status = k;
        else
            count += k;
    }
    if (status == 0) {
        char hyper[NUM_HYPER][32], nparams[24];
        snprintf(nparams, sizeof nparams, "%d", opt->n);
        int m = 0;
        meta[m++] = "optimizer";
        meta[m++] = kind_names[opt->kind];
        meta[m++] = "num_params";
        meta[m++] = nparams;
        hyper_metadata(opt, hyper, meta + m);
        m += 2 * NUM_HYPER;
        for (int k = 0; k < 2 * nmeta; k++)
            meta[m++] = metadata[k];
        for (int k = 0; k < count; k++)
            name_ptrs[k] = names[k];
        status = nd_safetensors_save(path, count, name_ptrs, arrays, m / 2, meta);
    }
    for (int i = 0; steps && i < opt->n; i++)
        nd_free(steps[i]);
    free(steps);
    free(names);
    free(name_ptrs);
    free(arrays);
    free(meta);
    return status;
}

/* A metadata value parsed as a double ("%.17g" reads back exactly). */
static int meta_double(const nd_safetensors *st, const char *key, double *out)
{
    const char *s = nd_safetensors_metadata(st, key);
    char *end;
    if (!s)
        return ag_error(ND_ERR_VALUE, "optimizer load: the file has no '%s' in its metadata", key);
    *out = strtod(s, &end);
    if (end == s || *end)
        return ag_error(ND_ERR_VALUE, "optimizer load: metadata '%s' is not a number ('%s')", key,
                        s);
    return 0;
}

/* The state of parameter i from the file, checked against the parameter;
 * buffers are new arrays (NULL if the file has none). */
static int read_state(const ag_optimizer *o, const nd_safetensors *st, int i, param_state *out)
{
    char name[NAME_LEN];
    const char *b1 = o->kind == OPT_SGD ? "momentum_buffer" : "exp_avg";
    const char *bufs[2] = {b1, o->kind == OPT_SGD ? NULL : "exp_avg_sq"};
    nd_array **dst[2] = {&out->buf1, &out->buf2};
    memset(out, 0, sizeof *out);
    out->ranged = o->state[i].ranged; /* a ranged parameter keeps its range of the state */
    out->begin = o->state[i].begin;
    out->end = o->state[i].end;
    snprintf(name, sizeof name, "state.%d.step", i);
    nd_dtype dt;
    int ndim;
    const int64_t *shape;
    if (nd_safetensors_info(st, name, &dt, &ndim, &shape) < 0)
        return 0; /* no state yet: this parameter never had a gradient */
    if (dt != ND_INT64 || ndim != 0)
        return ag_error(ND_ERR_VALUE, "optimizer load: %s must be an int64 scalar", name);
    nd_array *step = nd_safetensors_get(st, name);
    if (!step)
        return nd_last_status();
    out->step = *(const int64_t *)nd_data(step);
    nd_free(step);
    int status = out->step >= 0 ? 0 : ag_error(ND_ERR_VALUE, "optimizer load: %s is negative", name);
    const nd_array *value = o->params[i]->value;
    for (int b = 0; b < 2 && status == 0 && bufs[b]; b++) {
        snprintf(name, sizeof name, "state.%d.%s", i, bufs[b]);
        if (nd_safetensors_info(st, name, &dt, &ndim, &shape) < 0) {
            if (o->kind != OPT_SGD)
                return ag_error(ND_ERR_VALUE, "optimizer load: the file has no %s", name);
            nd_clear_error();
            continue;
        }
        nd_array *a = nd_safetensors_get(st, name);
        if (!a)
            return nd_last_status();
        *dst[b] = a;
        if (!ag_same_shape(a, value) || dt != nd_dtype_of(value))
            status = ag_error(ND_ERR_VALUE,
                              "optimizer load: %s does not match parameter %d "
                              "(shape or dtype)",
                              name, i);
    }
    if (out->ranged) {
        param_state whole = {.begin = 0, .end = nd_size(value)};
        for (int b = 0; b < 2 && status == 0; b++) {
            nd_array *part;
            status = move_buffer(*dst[b], value, &whole, out, &part);
            nd_free(*dst[b]);
            *dst[b] = part;
        }
    }
    return status;
}

int ag_optimizer_load(ag_optimizer *opt, const char *path)
{
    if (!opt || !path)
        return ag_error(ND_ERR_VALUE, "optimizer load: bad arguments (NULL optimizer or path)");
    nd_safetensors *st = nd_safetensors_load(path);
    if (!st)
        return nd_last_status();
    int status = 0;
    const char *kind = nd_safetensors_metadata(st, "optimizer");
    const char *nparams = nd_safetensors_metadata(st, "num_params");
    char expect_n[24];
    snprintf(expect_n, sizeof expect_n, "%d", opt->n);
    if (!kind || strcmp(kind, kind_names[opt->kind]) != 0)
        status = ag_error(ND_ERR_VALUE,
                          "optimizer load: the file holds the state of "
                          "optimizer '%s', not '%s'",
                          kind ? kind : "(none)", kind_names[opt->kind]);
    else if (!nparams || strcmp(nparams, expect_n) != 0)
        status = ag_error(ND_ERR_VALUE,
                          "optimizer load: loaded state dict contains a parameter "
                          "group that doesn't match the size of optimizer's group (%s vs %d)",
                          nparams ? nparams : "?", opt->n);
    double hyper[NUM_HYPER] = {0};
    for (int k = 0; k < NUM_HYPER && status == 0; k++)
        status = meta_double(st, hyper_keys[k], &hyper[k]);
    if (status == 0 && !(hyper[8] >= 0 && hyper[8] < 0x1p53 && hyper[8] == floor(hyper[8])))
        status = ag_error(ND_ERR_VALUE, "optimizer load: metadata 'step' is not a step count");
    param_state *fresh = status == 0 ? calloc((size_t)opt->n, sizeof *fresh) : NULL;
    if (status == 0 && !fresh)
        status = ag_error(ND_ERR_MEMORY, "out of memory loading an optimizer");
    for (int i = 0; status == 0 && i < opt->n; i++)
        status = read_state(opt, st, i, &fresh[i]);
    if (status == 0) { /* everything checked: swap the state in */
        for (int i = 0; i < opt->n; i++) {
            nd_free(opt->state[i].buf1);
            nd_free(opt->state[i].buf2);
            opt->state[i] = fresh[i];
        }
        opt->lr = hyper[0];
        opt->momentum = hyper[1];
        opt->dampening = hyper[2];
        opt->weight_decay = hyper[3];
        opt->nesterov = hyper[4] != 0;
        opt->beta1 = hyper[5];
        opt->beta2 = hyper[6];
        opt->eps = hyper[7];
        opt->steps = (int64_t)hyper[8];
    } else {
        for (int i = 0; fresh && i < opt->n; i++) {
            nd_free(fresh[i].buf1);
            nd_free(fresh[i].buf2);
        }
    }
    free(fresh);
    nd_safetensors_free(st);
    return status;
}
