/*
 * autograd.h: libautograd, tape-based reverse-mode automatic differentiation
 * on top of libnd.
 *
 * The model, in five rules (docs/autograd.md has the long form):
 *
 *  1. A tensor (ag_tensor) holds a value (an nd_array), a gradient created
 *     on demand, and whether it requires a gradient. Values are float32 or
 *     float64; integer arrays enter only as constants (indices, targets).
 *  2. Two kinds of tensors, two owners:
 *       - parameters and constants, made by ag_param / ag_const, belong to
 *         the caller, live across steps, and are released with
 *         ag_tensor_free();
 *       - every tensor an op returns belongs to the TAPE of the calling
 *         thread. ag_tape_reset() frees all of them (values, saved
 *         activations, gradients) in one go, like an arena; the caller never
 *         frees them. A training step is: forward, ag_backward, optimizer
 *         step, ag_tape_reset.
 *     Borrowed pointers (ag_value, ag_grad) live as long as their tensor.
 *  3. Each op records a node on the tape: which op, its inputs, its output,
 *     and what its backward needs. ag_backward(loss) walks the tape in
 *     reverse and ACCUMULATES into the .grad of every tensor that requires
 *     one (several backward calls add up, as in PyTorch, until
 *     ag_zero_grad). Broadcasting in a forward is undone in the backward by
 *     summing the gradient back to each input's shape.
 *  4. After a backward the saved activations of the graph are freed, so the
 *     same graph cannot be back-propagated twice unless the first call
 *     passed retain_graph (ag_backward_ex).
 *  5. Errors: a function returning a pointer returns NULL, one returning int
 *     a negative status; ag_last_error() (= nd_last_error(), thread-local)
 *     says why in PyTorch's words. An op given a NULL input returns NULL, so
 *     a failed expression can be checked once at the end.
 */
#ifndef AG_AUTOGRAD_H
#define AG_AUTOGRAD_H

#include <nd.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AG_API __attribute__((visibility("default")))
#else
#define AG_API
#endif

typedef struct ag_tensor ag_tensor;

/* The message of the last error on this thread (shared with libnd). */
AG_API const char *ag_last_error(void);

/* ------------------------------------------------------------------------ */
/* Tensors                                                                  */
/* ------------------------------------------------------------------------ */

/* A parameter: a copy of value (float32 or float64), requires_grad. Owned
 * by the caller (ag_tensor_free). */
AG_API ag_tensor *ag_param(const nd_array *value);
/* A constant: a copy of value (any dtype), no gradient. Owned by the
 * caller. */
AG_API ag_tensor *ag_const(const nd_array *value);
/* Releases a parameter or constant; NULL is fine. Tape tensors are not
 * released this way (the call is ignored): ag_tape_reset frees them. */
AG_API void ag_tensor_free(ag_tensor *t);

AG_API const nd_array *ag_value(const ag_tensor *t);
/* The value of a parameter or constant, writeable in place (optimizers,
 * initializers, loading weights). NULL for tape tensors, whose values are
 * inputs of recorded nodes and must not change. */
AG_API nd_array *ag_param_value(ag_tensor *t);
/* The accumulated gradient (same shape and dtype as the value); NULL until
 * a backward reached the tensor. For tape tensors gradients are only kept
 * while the backward runs (as PyTorch's non-leaf tensors). */
AG_API const nd_array *ag_grad(const ag_tensor *t);
AG_API bool ag_requires_grad(const ag_tensor *t);
/* Turns gradient tracking of a parameter or constant on or off (a constant
 * must be float to track). */
AG_API int ag_set_requires_grad(ag_tensor *t, bool requires_grad);
/* Forgets the gradient (ag_grad returns NULL until the next backward). */
AG_API void ag_zero_grad(ag_tensor *t);
/* The name of the op that produced t ("add", "matmul", ...), or NULL for a
 * parameter or constant. */
AG_API const char *ag_op_name(const ag_tensor *t);

/* ------------------------------------------------------------------------ */
/* The tape                                                                 */
/* ------------------------------------------------------------------------ */

/* dL/dx for every x that requires a gradient and that loss depends on,
 * accumulated into ag_grad(x). loss must have one element ("grad can be
 * implicitly created only for scalar outputs"). Frees the graph's saved
 * activations afterwards. */
AG_API int ag_backward(ag_tensor *loss);
/* The general form: grad_output (same shape as output; NULL means ones for
 * a one-element output) and whether to keep the graph for another
 * backward. */
AG_API int ag_backward_ex(ag_tensor *output, const nd_array *grad_output, bool retain_graph);
/* Frees every tensor created by ops on this thread since the last reset,
 * with its value, gradient and saved activations. Parameters and constants
 * are untouched (their gradients too). */
AG_API void ag_tape_reset(void);
/* How many nodes the tape of this thread holds (for tests and memory
 * checks). */
AG_API size_t ag_tape_size(void);

/* No-grad scopes (torch.no_grad()): between begin and end, ops record
 * nothing and return tensors that do not require grad. Nestable. */
AG_API void ag_no_grad_begin(void);
AG_API void ag_no_grad_end(void);
AG_API bool ag_is_grad_enabled(void);
/* A tape tensor with t's value (shared, not copied) and no history. */
AG_API ag_tensor *ag_detach(ag_tensor *t);

/* ------------------------------------------------------------------------ */
/* Writing an op (built-in ops use exactly this)                            */
/* ------------------------------------------------------------------------ */

/* What a node keeps between its forward and its backward. */
typedef struct ag_ctx ag_ctx;

/* An op: a name and a pair of functions.
 *
 * forward(ctx, n, inputs) computes the output value from the input values
 * and returns it as a new array (NULL with an error set on failure). It may
 * save arrays for the backward with ag_ctx_save.
 *
 * backward(ctx, grad_output, grad_inputs) receives dL/d(output) (the
 * output's shape and dtype) and stores in grad_inputs[i] a NEW array with
 * dL/d(input i) for every i where ag_ctx_needs_grad(ctx, i) (others stay
 * NULL). A gradient may have the broadcast shape of the forward: the tape
 * sums it down to the input's shape. Returns 0 or a negative status. */
typedef struct ag_op {
    const char *name;
    nd_array *(*forward)(ag_ctx *ctx, int n, const nd_array *const *inputs);
    int (*backward)(ag_ctx *ctx, const nd_array *grad_output, nd_array **grad_inputs);
} ag_op;

/* Runs op on n tensors (up to 8) and records it: the output requires a
 * gradient if any input does and grad mode is on. `params` (params_size
 * bytes, may be NULL) is copied into the node for the op to read with
 * ag_ctx_params, e.g. an axis or an epsilon. */
AG_API ag_tensor *ag_apply(const ag_op *op, int n, ag_tensor *const *inputs,
                           const void *params, size_t params_size);

/* Keeps a new handle on `a` for the backward (it is freed with the graph);
 * returns its index for ag_ctx_saved, or a negative status. */
AG_API int ag_ctx_save(ag_ctx *ctx, const nd_array *a);
AG_API const nd_array *ag_ctx_saved(const ag_ctx *ctx, int index);
/* The forward's inputs and output, valid in the backward too (tape tensors
 * live until the reset, so they need not be saved). */
AG_API const nd_array *ag_ctx_input(const ag_ctx *ctx, int index);
AG_API const nd_array *ag_ctx_output(const ag_ctx *ctx);
AG_API int ag_ctx_num_inputs(const ag_ctx *ctx);
AG_API const void *ag_ctx_params(const ag_ctx *ctx);
AG_API bool ag_ctx_needs_grad(const ag_ctx *ctx, int index);

/* Sums a gradient of a broadcast shape down to `ndim`/`shape` (what the
 * tape does after every backward; exposed for ops that need it inside). */
AG_API nd_array *ag_reduce_to_shape(const nd_array *grad, int ndim, const int64_t *shape);

/* ------------------------------------------------------------------------ */
/* Gradient check                                                           */
/* ------------------------------------------------------------------------ */

/* A function of tensors to check: builds its output from inputs[0..n-1]
 * with ag_* ops. ctx is passed through. */
typedef ag_tensor *(*ag_function)(ag_tensor *const *inputs, void *ctx);

typedef struct ag_gradcheck_report {
    int input;          /* which input holds the worst element (-1: none) */
    int64_t index;      /* its flat C-order index */
    double analytic;    /* dL/dx from the backward */
    double numeric;     /* the central-difference estimate */
    double error;       /* |analytic - numeric| - (atol + rtol |numeric|): > 0 fails */
} ag_gradcheck_report;

/* Checks every backward fn runs through against central differences in
 * float64: floating inputs are copied as float64 parameters (integer ones
 * become constants), L = sum(v * fn(x)) for a fixed random v, and each
 * element of each parameter is perturbed by +-eps. Returns 1 if every
 * element satisfies |analytic - numeric| <= atol + rtol |numeric|, 0 if
 * not, a negative status on error; *report (may be NULL) describes the
 * worst element. Resets this thread's tape before and after. */
AG_API int ag_gradcheck(ag_function fn, void *ctx, int n, const nd_array *const *inputs,
                        double eps, double atol, double rtol, ag_gradcheck_report *report);

/* ------------------------------------------------------------------------ */
/* Ops: arithmetic (ops/arithmetic.c), matmul (ops/matmul.c), sum/mean      */
/* (ops/reduce.c). Inputs broadcast as in NumPy; NULL in gives NULL out.    */
/* ------------------------------------------------------------------------ */

AG_API ag_tensor *ag_add(ag_tensor *a, ag_tensor *b);   /* a + b */
AG_API ag_tensor *ag_sub(ag_tensor *a, ag_tensor *b);   /* a - b */
AG_API ag_tensor *ag_mul(ag_tensor *a, ag_tensor *b);   /* a * b */
AG_API ag_tensor *ag_div(ag_tensor *a, ag_tensor *b);   /* a / b */
AG_API ag_tensor *ag_neg(ag_tensor *a);                 /* -a */
/* a + s and a * s with a scalar in a's dtype (float32 stays float32). */
AG_API ag_tensor *ag_add_scalar(ag_tensor *a, double s);
AG_API ag_tensor *ag_mul_scalar(ag_tensor *a, double s);
/* numpy.matmul semantics: 1-D promotion, batch axes broadcast. */
AG_API ag_tensor *ag_matmul(ag_tensor *a, ag_tensor *b);
/* Sum / mean over naxes axes (naxes 0: all), as nd_sum / nd_mean. */
AG_API ag_tensor *ag_sum(ag_tensor *a, int naxes, const int *axes, bool keepdims);
AG_API ag_tensor *ag_mean(ag_tensor *a, int naxes, const int *axes, bool keepdims);

/* ------------------------------------------------------------------------ */
/* Ops: elementwise and unary math                                          */
/* ------------------------------------------------------------------------ */

/* (section of ops/elementwise.c, ops/unary.c: declarations land here) */

/* ------------------------------------------------------------------------ */
/* Ops: reductions, shapes and indexing                                     */
/* ------------------------------------------------------------------------ */

/* (section of ops/reduce.c, ops/shape.c, ops/index.c: declarations land here) */

/* ------------------------------------------------------------------------ */
/* Ops: fused and composed network layers                                   */
/* ------------------------------------------------------------------------ */

/* (section of ops/softmax.c, ops/loss.c, ops/norm.c, ops/activation.c, ops/attention.c, ops/dropout.c: declarations land here) */

/* ------------------------------------------------------------------------ */
/* Training: init, optimizers, schedules, clipping, safetensors             */
/* ------------------------------------------------------------------------ */

/*
 * Parameter initializers (init.c), as torch.nn.init. Each fills the value
 * of a parameter or constant IN PLACE (ag_param_value) with draws from a
 * libnd generator, which follows numpy.random.default_rng: the values are
 * rng.uniform(lo, hi, shape) / rng.normal(mean, std, shape), drawn in
 * float64 and rounded to the tensor's dtype (float32 or float64). The
 * gradient is untouched. Errors: NULL tensor or tape tensor, non-float
 * value, NULL rng; a negative status and ag_last_error() say why.
 *
 * Fans, for a weight of shape (out, in, k1, k2, ...) as PyTorch stores a
 * Linear (out_features, in_features) or Conv (out, in, kh, kw) weight:
 *     receptive = k1 * k2 * ...   (1 for a 2-D weight)
 *     fan_in  = shape[1] * receptive
 *     fan_out = shape[0] * receptive
 * which is torch.nn.init._calculate_fan_in_and_fan_out. Note the
 * convention: a weight used as x @ W with W of shape (in, out) has its fans
 * swapped; pass AG_FAN_OUT to kaiming to get the fan of its input side.
 */
typedef enum ag_fan_mode { AG_FAN_IN, AG_FAN_OUT } ag_fan_mode;
typedef enum ag_nonlinearity {
    AG_NONLINEARITY_LINEAR,      /* gain 1 (also conv, identity) */
    AG_NONLINEARITY_SIGMOID,     /* gain 1 */
    AG_NONLINEARITY_TANH,        /* gain 5/3 */
    AG_NONLINEARITY_RELU,        /* gain sqrt(2) */
    AG_NONLINEARITY_LEAKY_RELU   /* gain sqrt(2 / (1 + a^2)), a the negative slope */
} ag_nonlinearity;

/* torch.nn.init.calculate_gain(nonlinearity, param): `param` is the leaky
 * ReLU's negative slope (ignored otherwise). */
AG_API double ag_init_gain(ag_nonlinearity nonlinearity, double param);
/* The fans above. Fewer than 2 dimensions: ND_ERR_VALUE "Fan in and fan
 * out can not be computed for tensor with fewer than 2 dimensions". */
AG_API int ag_init_fans(const nd_array *value, int64_t *fan_in, int64_t *fan_out);

AG_API int ag_init_zeros(ag_tensor *t);
AG_API int ag_init_ones(ag_tensor *t);
/* N(mean, std^2); std >= 0. */
AG_API int ag_init_normal(ag_tensor *t, double mean, double std, nd_rng *rng);
/* U[lo, hi); lo <= hi. */
AG_API int ag_init_uniform(ag_tensor *t, double lo, double hi, nd_rng *rng);
/* Glorot: std = gain * sqrt(2 / (fan_in + fan_out)); uniform draws from
 * U[-sqrt(3) std, sqrt(3) std), normal ones from N(0, std^2). */
AG_API int ag_init_xavier_uniform(ag_tensor *t, double gain, nd_rng *rng);
AG_API int ag_init_xavier_normal(ag_tensor *t, double gain, nd_rng *rng);
/* He: std = ag_init_gain(nonlinearity, a) / sqrt(fan), fan chosen by mode;
 * uniform draws from U[-sqrt(3) std, sqrt(3) std), normal ones from
 * N(0, std^2). As in PyTorch, a tensor with no elements is left alone
 * (its fans may be 0). */
AG_API int ag_init_kaiming_uniform(ag_tensor *t, double a, ag_fan_mode mode,
                                   ag_nonlinearity nonlinearity, nd_rng *rng);
AG_API int ag_init_kaiming_normal(ag_tensor *t, double a, ag_fan_mode mode,
                                  ag_nonlinearity nonlinearity, nd_rng *rng);

/*
 * Optimizers (optim.c): PyTorch 1.13's SGD, Adam and AdamW (the default
 * for-loop implementation, amsgrad and maximize off), with the same update
 * rules in the same operation order, computed in each parameter's dtype
 * (float32 parameters in float32, hyperparameters rounded to float32 as
 * PyTorch does, one rounding wherever PyTorch's kernels fuse a multiply-add),
 * so results match torch.optim bit for bit (tests/autograd/
 * test_optim_vs_torch.c: 11 configurations, 20 steps, float32 and float64).
 *
 * An optimizer BORROWS its parameters (an array of n ag_param tensors it
 * copies the pointers of): they must outlive it. It owns its state (step
 * counts, moment / momentum buffers), created for a parameter on the first
 * step that parameter has a gradient; later steps allocate nothing.
 * A parameter whose gradient is NULL (never reached, or ag_zero_grad) is
 * skipped by a step, its state and step count untouched, as in PyTorch.
 *
 * Constructor errors, in PyTorch's words: "optimizer got an empty parameter
 * list", "Invalid learning rate: -1", "Invalid momentum value: -1",
 * "Invalid weight_decay value: -1", "Invalid epsilon value: -1", "Invalid
 * beta parameter at index 0: 1", "Nesterov momentum requires a momentum
 * and zero dampening"; a NULL, tape or non-float tensor, or the same
 * tensor twice, is rejected too.
 */
typedef struct ag_optimizer ag_optimizer;

/* torch.optim.SGD: with d = grad + weight_decay * p,
 *   momentum: buf = d on the first step, then buf = momentum * buf +
 *             (1 - dampening) * d; d = nesterov ? d + momentum * buf : buf
 *   p -= lr * d */
AG_API ag_optimizer *ag_sgd_new(int n, ag_tensor *const *params, double lr, double momentum,
                                double dampening, double weight_decay, bool nesterov);
/* torch.optim.Adam (L2 penalty: grad += weight_decay * p), t = the
 * parameter's step count:
 *   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps) */
AG_API ag_optimizer *ag_adam_new(int n, ag_tensor *const *params, double lr, double beta1,
                                 double beta2, double eps, double weight_decay);
/* torch.optim.AdamW: decoupled weight decay, p *= 1 - lr * weight_decay,
 * then Adam's update without the L2 term (PyTorch's default wd: 1e-2). */
AG_API ag_optimizer *ag_adamw_new(int n, ag_tensor *const *params, double lr, double beta1,
                                  double beta2, double eps, double weight_decay);
/* Frees the optimizer and its state, not the parameters; NULL is fine. */
AG_API void ag_optimizer_free(ag_optimizer *opt);

/* One update of every parameter that has a gradient. A gradient's shape
 * must be its parameter's. Returns 0 or a negative status. */
AG_API int ag_optimizer_step(ag_optimizer *opt);
/* Drops the gradients of all its parameters (ag_zero_grad, i.e. PyTorch's
 * zero_grad(set_to_none=True)): the next step skips any parameter the next
 * backward does not reach. */
AG_API void ag_optimizer_zero_grad(ag_optimizer *opt);
/* The learning rate the next step uses (set it from a schedule before each
 * step). set_lr rejects a negative or NaN lr. */
AG_API int ag_optimizer_set_lr(ag_optimizer *opt, double lr);
AG_API double ag_optimizer_get_lr(const ag_optimizer *opt);
/* How many times ag_optimizer_step succeeded (restored by
 * ag_optimizer_load). */
AG_API int64_t ag_optimizer_step_count(const ag_optimizer *opt);
/* "sgd", "adam" or "adamw". */
AG_API const char *ag_optimizer_name(const ag_optimizer *opt);

/* Sets a parameter's gradient to a copy of grad (PyTorch's p.grad = g);
 * NULL drops it. grad must have the value's shape ("assigned grad has data
 * of a different size") and dtype ("assigned grad has data of a different
 * type"). Only for parameters and constants, not tape tensors. */
AG_API int ag_set_grad(ag_tensor *param, const nd_array *grad);

/* torch.nn.utils.clip_grad_norm_(params, max_norm) with norm_type 2: the
 * norm of all gradients taken together (parameters without one are
 * skipped) is returned, and if it exceeds max_norm every gradient is
 * multiplied by max_norm / (norm + 1e-6). Computed in float32 when every
 * gradient is float32 (as PyTorch), else in float64. Returns 0 if no
 * parameter has a gradient, -1 with an error set on bad arguments
 * (NULL params, negative or NaN max_norm). */
AG_API double ag_clip_grad_norm(int n, ag_tensor *const *params, double max_norm);

/*
 * Learning-rate schedules (schedule.c): pure functions of the step (the
 * number of optimizer steps taken before this one, from 0), so a resumed
 * run recomputes the same rate. Set it with ag_optimizer_set_lr before
 * each step.
 */
typedef enum ag_lr_kind {
    AG_LR_CONSTANT,        /* lr */
    AG_LR_STEP,            /* torch's StepLR: lr * gamma^floor(step / step_size) */
    AG_LR_WARMUP_COSINE    /* nanoGPT's get_lr: linear warmup, cosine to min_lr */
} ag_lr_kind;

typedef struct ag_lr_schedule {
    ag_lr_kind kind;
    double lr;                 /* the base (peak) rate */
    int64_t step_size;         /* AG_LR_STEP: steps per decay (> 0) */
    double gamma;              /* AG_LR_STEP: factor per decay */
    int64_t warmup_iters;      /* AG_LR_WARMUP_COSINE */
    int64_t lr_decay_iters;    /* AG_LR_WARMUP_COSINE: where min_lr is reached */
    double min_lr;             /* AG_LR_WARMUP_COSINE */
} ag_lr_schedule;

/* The rate at `step` for a schedule; NaN (with an error set) for an
 * invalid schedule (unknown kind, step_size <= 0, negative iters). */
AG_API double ag_lr_at(const ag_lr_schedule *s, int64_t step);
/* lr * gamma^floor(step / step_size) (StepLR's closed form). */
AG_API double ag_lr_step_decay(int64_t step, double lr, int64_t step_size, double gamma);
/* nanoGPT's get_lr(it):
 *   it < warmup_iters:    lr * (it + 1) / (warmup_iters + 1)
 *   it > lr_decay_iters:  min_lr
 *   else: ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters),
 *         min_lr + 0.5 (1 + cos(pi ratio)) (lr - min_lr)
 * (ratio 0 when lr_decay_iters == warmup_iters). */
AG_API double ag_lr_warmup_cosine(int64_t step, double lr, int64_t warmup_iters,
                                  int64_t lr_decay_iters, double min_lr);

/*
 * safetensors (safetensors.c): named arrays in Hugging Face's format, an
 * 8-byte little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"key": "value", ...},
 *    "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 * padded with spaces to a multiple of 8, then the data (offsets count from
 * its start, C order, little-endian). dtypes: F64 F32 F16 BF16 I64 I32 I16
 * I8 U64 U32 U16 U8 BOOL (libnd's dtypes one for one).
 *
 * Files are written atomically: a temporary file in the same folder,
 * fsync'd and renamed over `path`, so a crash leaves the old file or the
 * new one, never half of one. The reader is strict: a malformed, truncated
 * or hostile file (header past the end, bad JSON, unknown dtype, shapes
 * that do not match their byte ranges, overlapping or gapped offsets,
 * duplicate names, invalid UTF-8, nesting) fails with a one-line
 * ND_ERR_VALUE "safetensors: ..." message, reads nothing outside the file
 * and allocates at most about the file's size.
 */
typedef struct ag_safetensors ag_safetensors;

/* Writes n arrays (any strides; written in C order) under distinct,
 * non-empty UTF-8 names (not "__metadata__"), with nmeta key/value string
 * pairs given as metadata[2 i], metadata[2 i + 1] (metadata may be NULL
 * when nmeta is 0). Arrays are laid out by decreasing item size, then by
 * name, as the reference implementation does, so every tensor is aligned
 * to its item size in the file. */
AG_API int ag_save_safetensors(const char *path, int n, const char *const *names,
                               const nd_array *const *arrays, int nmeta,
                               const char *const *metadata);
/* Reads and validates a whole file; free with ag_safetensors_free. */
AG_API ag_safetensors *ag_safetensors_load(const char *path);
AG_API void ag_safetensors_free(ag_safetensors *st);   /* NULL is fine */
/* The tensors, in the header's order: count, i-th name (borrowed; NULL if
 * out of range). */
AG_API int ag_safetensors_count(const ag_safetensors *st);
AG_API const char *ag_safetensors_name(const ag_safetensors *st, int i);
/* A new C-contiguous array with a copy of the named tensor; NULL with
 * ND_ERR_KEY "safetensors: no tensor named 'x'" if absent. */
AG_API nd_array *ag_safetensors_get(const ag_safetensors *st, const char *name);
/* The named tensor's dtype and shape without copying its data (shape is
 * borrowed); ND_ERR_KEY if absent. */
AG_API int ag_safetensors_info(const ag_safetensors *st, const char *name, nd_dtype *dtype,
                               int *ndim, const int64_t **shape);
/* The metadata: count, i-th key, and the value of a key (borrowed; NULL if
 * absent). */
AG_API int ag_safetensors_metadata_count(const ag_safetensors *st);
AG_API const char *ag_safetensors_metadata_key(const ag_safetensors *st, int i);
AG_API const char *ag_safetensors_metadata(const ag_safetensors *st, const char *key);

/* Saves the values of n parameters under their names (a model's state
 * dict), with optional metadata as ag_save_safetensors. */
AG_API int ag_save_params(const char *path, int n, const char *const *names,
                          ag_tensor *const *params, int nmeta, const char *const *metadata);
/* Copies the named tensors of a file into the values of n parameters,
 * after checking all of them first, so a failed load changes nothing:
 *   ND_ERR_KEY   "Missing key(s) in state_dict: \"w\"."
 *   ND_ERR_VALUE "size mismatch for w: copying a param with shape (3,4)
 *                 from checkpoint, the shape in current model is (4,3)."
 *   ND_ERR_TYPE  "dtype mismatch for w: copying a param with dtype float64
 *                 from checkpoint, the dtype in current model is float32."
 * Tensors of the file that are not asked for are ignored. Gradients are
 * untouched. */
AG_API int ag_load_params(const char *path, int n, const char *const *names,
                          ag_tensor *const *params);

/* (Defined in optim.c.) The optimizer's whole state in one safetensors
 * file: per parameter i its step count "state.<i>.step" (int64) and
 * buffers "state.<i>.exp_avg",
 * "state.<i>.exp_avg_sq" (Adam/AdamW) or "state.<i>.momentum_buffer"
 * (SGD), written bit for bit; the kind, parameter count, step count and
 * every hyperparameter (lr included, printed with 17 digits) in the
 * metadata, plus nmeta caller pairs (e.g. the data loader's position).
 * Loading into an optimizer of the same kind over the same parameter
 * shapes restores all of it, hyperparameters included (as PyTorch's
 * load_state_dict), so the next steps are bit-identical to an
 * uninterrupted run. Everything is checked before anything changes. */
AG_API int ag_optimizer_save(const ag_optimizer *opt, const char *path, int nmeta,
                             const char *const *metadata);
AG_API int ag_optimizer_load(ag_optimizer *opt, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* AG_AUTOGRAD_H */
