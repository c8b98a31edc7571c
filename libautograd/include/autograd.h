/*
 * autograd.h: libautograd, tape-based reverse-mode automatic differentiation
 * on top of libnd.
 *
 * The model, in five rules (docs/autograd.md has the long form):
 *
 *  1. A tensor (ag_tensor) holds a value (an nd_array), a gradient created
 *     on demand, and whether it requires a gradient. Values are float32 or
 *     float64; integer arrays enter only as constants (indices, targets);
 *     bfloat16 values are made by ag_to_dtype for mixed precision.
 *  2. Two kinds of tensors, two owners:
 *       - parameters and constants, made by ag_param / ag_const, belong to
 *         the caller, live across steps, and are released with
 *         ag_tensor_free(). They are reference-counted: the caller holds
 *         one reference and every op recorded on a tape with the tensor as
 *         an input holds another, until ag_tape_reset(). So a tensor freed
 *         while the tape still needs it (a constant freed right after the
 *         op that used it, before ag_backward) stays alive, and the
 *         backward reads the right value; the tape's reset frees it. The
 *         caller must not use a tensor after its own ag_tensor_free();
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
 *     a failed expression can be checked once at the end (the message of
 *     the first failure is kept; a NULL with no error pending says "add: b
 *     is NULL"). Every function checks its pointer arguments: accessors of a
 *     NULL tensor return NULL / false / -1 / NaN as documented, with the
 *     message set. The rule by return type:
 *       pointer        NULL;
 *       int (status)   a negative ND_ERR_* status;
 *       int64_t count  -1 (a count is never negative);
 *       double         NaN when the value may be any number (a rate, a
 *                      gain: test with isnan); -1 when it is never
 *                      negative (a norm or a sum of squares:
 *                      ag_clip_grad_norm, ag_sum_squares_f32,
 *                      ag_clip_coef_f32), because there NaN is a result
 *                      (a gradient that overflowed) the caller must tell
 *                      apart from an error;
 *       bool           false (documented per function).
 */
#ifndef AG_AUTOGRAD_H
#define AG_AUTOGRAD_H

#include <nd.h>
#include <stdio.h>

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
/* Drops the caller's reference to a parameter or constant; NULL is fine.
 * The tensor is freed now, or by the ag_tape_reset that drops the last
 * reference of a recorded op (rule 2). Tape tensors are not released this
 * way (the call is ignored): ag_tape_reset frees them. */
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
/* Puts a parameter's value and gradient in caller storage: a parameter
 * arena, where all parameters of a model sit in one contiguous buffer (and
 * all gradients in another) so an optimizer step, a gradient reduction
 * across processes or a checkpoint reads one block.
 *   value (may be NULL: unchanged): the parameter's current value is copied
 *     into it, and from then on the parameter's value IS that memory;
 *   grad (may be NULL: unchanged): from then on gradients are written
 *     there: a backward reaching the parameter while it has no gradient
 *     copies its contribution in (so the bits are those an unbound
 *     parameter would get), later contributions are added; ag_grad returns
 *     a view of it. A gradient the parameter already has is copied in.
 *     ag_zero_grad still forgets the gradient (ag_grad returns NULL) but
 *     leaves the storage's bytes as they are.
 * Each storage must be a writeable C-contiguous array of the parameter's
 * shape and dtype (typically a reshaped slice of the arena); the tensor
 * keeps its own handle on it (the caller may nd_free its own), so memory
 * from nd_from_buffer must outlive the tensor. Binding again moves the
 * parameter to the new storage the same way. Errors (nothing changes): a
 * tape tensor or NULL param, storage of another shape or dtype, read-only
 * or non-contiguous storage. */
AG_API int ag_param_bind(ag_tensor *param, const nd_array *value, const nd_array *grad);
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
/* A callback for data-parallel training, which starts reducing a group of
 * gradients while the backward still computes the others: during every
 * ag_backward / ag_backward_ex on this thread, fn(param, ctx) is called
 * once for each leaf tensor (parameter or constant requiring a gradient)
 * that the backward reached, as soon as its gradient is final for this
 * backward, i.e. right after the earliest recorded node that reads it ran
 * (nodes run in reverse order, so no later contribution can come). Leaves
 * complete in reverse order of first use: the last layer first, an
 * embedding last. fn must not record ops, run a backward or reset the tape;
 * it may read and write the gradient's memory. Leaves the backward does
 * not reach get no call. fn NULL turns the hook off (the default). */
typedef void (*ag_grad_ready_fn)(ag_tensor *param, void *ctx);
AG_API void ag_set_grad_ready_hook(ag_grad_ready_fn fn, void *ctx);
/* Frees every tensor created by ops on this thread since the last reset,
 * with its value, gradient and saved activations. Parameters and constants
 * are untouched (their gradients too). */
AG_API void ag_tape_reset(void);
/* How many nodes the tape of this thread holds (for tests and memory
 * checks). */
AG_API size_t ag_tape_size(void);

/* The tape made visible. Node i of this thread's tape (0 <= i <
 * ag_tape_size(), in recording order) described in *info: its op's name,
 * its input and output values, the arrays its forward saved for the
 * backward (NULL once a backward freed them: `released`), and the bytes it
 * holds of its own: the output's (0 when the output is a view of an input,
 * e.g. a reshape) plus each saved array that is not a view of an input or
 * of the output. The arrays belong to the tape: valid until the next
 * ag_tape_reset, read-only. Returns 0; a negative status for a NULL info or
 * an index past the tape ("node 7 is past the tape's 5 nodes"). */
#define AG_NODE_MAX_ARRAYS 8
typedef struct ag_tape_node_info {
    const char *op;
    int ninputs;
    const nd_array *inputs[AG_NODE_MAX_ARRAYS];
    const nd_array *output;
    int nsaved;
    const nd_array *saved[AG_NODE_MAX_ARRAYS];
    bool released;
    int64_t bytes_held;
} ag_tape_node_info;
AG_API int ag_tape_node(size_t i, ag_tape_node_info *info);
/* Prints nodes first .. first+count-1 of this thread's tape to out, twice:
 * the forward in recording order, one line per node
 *   "  #12 layer_norm  (64,32) (32) (32) -> (64,32)  saved: (64) float32,
 *    (64) float32  held 16896 B"
 * (saved arrays that are views of an input or the output are named so:
 * "input 0", "output"), then the backward, the same nodes in reverse, the
 * order in which ag_backward visits them, each line giving the gradient it
 * receives and the ones it sends:
 *   "  #12 layer_norm  d(64,32) -> d(64,32) d(32) d(32)  uses saved: ..."
 * (inputs that need no gradient are "-"). count 0 means every node from
 * first on. Returns how many nodes were printed, or a negative status: a
 * NULL out, a range past the tape, a failed write. */
AG_API int ag_tape_print(FILE *out, size_t first, size_t count);

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
AG_API ag_tensor *ag_apply(const ag_op *op, int n, ag_tensor *const *inputs, const void *params,
                           size_t params_size);

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
    /* clang-format off */
    int input;          /* which input holds the worst element (-1: none) */
    int64_t index;      /* its flat C-order index */
    double analytic;    /* dL/dx from the backward */
    double numeric;     /* the central-difference estimate */
    double error;       /* |analytic - numeric| - (atol + rtol |numeric|): > 0 fails */
    /* clang-format on */
} ag_gradcheck_report;

/* Checks every backward fn runs through against central differences in
 * float64: floating inputs are copied as float64 parameters (integer ones
 * become constants), L = sum(v * fn(x)) for a fixed random v, and each
 * element of each parameter is perturbed by +-eps. Returns 1 if every
 * element satisfies |analytic - numeric| <= atol + rtol |numeric|, 0 if
 * not, a negative status on error; *report (may be NULL) describes the
 * worst element. Resets this thread's tape before and after. */
AG_API int ag_gradcheck(ag_function fn, void *ctx, int n, const nd_array *const *inputs, double eps,
                        double atol, double rtol, ag_gradcheck_report *report);

/* ------------------------------------------------------------------------ */
/* Ops: arithmetic, matmul, linear and casts                                */
/* ------------------------------------------------------------------------ */

/* Arithmetic (ops/arithmetic.c), matmul and linear (ops/matmul.c), casts
 * (ops/cast.c). Inputs broadcast as in NumPy; NULL in gives NULL out. */

/* clang-format off */
AG_API ag_tensor *ag_add(ag_tensor *a, ag_tensor *b);   /* a + b */
AG_API ag_tensor *ag_sub(ag_tensor *a, ag_tensor *b);   /* a - b */
AG_API ag_tensor *ag_mul(ag_tensor *a, ag_tensor *b);   /* a * b */
AG_API ag_tensor *ag_div(ag_tensor *a, ag_tensor *b);   /* a / b */
AG_API ag_tensor *ag_neg(ag_tensor *a);                 /* -a */
/* clang-format on */
/* a + s and a * s with a scalar in a's dtype (float32 stays float32). */
AG_API ag_tensor *ag_add_scalar(ag_tensor *a, double s);
AG_API ag_tensor *ag_mul_scalar(ag_tensor *a, double s);
/* numpy.matmul semantics: 1-D promotion, batch axes broadcast. */
AG_API ag_tensor *ag_matmul(ag_tensor *a, ag_tensor *b);
/* torch.nn.functional.linear: x (..., in) @ weight^T + bias, weight
 * (out, in) as PyTorch stores it, bias (out,) or NULL. One op whose
 * backward writes dW (out, in) and db directly, each with one gemm or sum
 * over all rows: what a Linear layer should use rather than the
 * matmul/transpose/add it equals. */
AG_API ag_tensor *ag_linear(ag_tensor *x, ag_tensor *weight, ag_tensor *bias);
/* A Linear stored in `dtype`: ag_to_dtype(ag_linear(x, weight, bias),
 * dtype), the same values and gradients. For bf16 x and weight (mixed
 * precision, below) with a float32 bias or none, and ND_BFLOAT16: one
 * node, each float32 sum plus its bias rounded once as it is stored (the
 * output of a Linear that only feeds products, e.g. GPT's c_attn, whose
 * q, k and v are bf16 operands); its gradient arrives in bf16 and is the
 * backward gemms' operand as it is, dL/db its float32 column sums. Any
 * other case: the composition. Errors as ag_linear's, and dtype not a
 * float dtype ("linear_to: expected a floating point dtype, got int32"). */
AG_API ag_tensor *ag_linear_to(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, nd_dtype dtype);

/*
 * Mixed precision (bf16 operands, float32 sums), as torch's CPU autocast
 * with bfloat16. A float32 model keeps float32 master weights; each matmul
 * operand is cast to bfloat16 with ag_to_dtype, and
 *
 *   y = ag_linear(ag_to_dtype(x, ND_BFLOAT16), w16, b)
 *   with w16 = ag_to_dtype(W, ND_BFLOAT16) made ONCE per step
 *
 * is a Linear layer. The rule for ag_matmul(a, b) and ag_linear(x, W, b)
 * when BOTH matrix operands are bfloat16 (any other mix is NumPy's
 * promotion: a bf16 operand next to a float32 one is widened):
 *  - forward: bf16 products summed in float32, the output FLOAT32
 *    (nd_matmul_dtype(..., ND_FLOAT32)), not rounded to bf16 (torch's
 *    autocast rounds it; here the float32 ops that follow get the sums);
 *    ag_linear's bias (float32) is added in float32;
 *  - backward: dL/dy (float32) is rounded to bf16 once and is the operand
 *    of the gradient gemms, which sum in float32: dL/dx = dy16 @ W16,
 *    dL/dW = dy16^T @ x16 (ag_matmul: dy16 @ b^T, a^T @ dy16). Each
 *    gradient is rounded to its input's dtype (bf16) exactly once, after
 *    every float32 sum (ag_matmul's broadcast batch axes are summed by the
 *    tape in float32 first). The bias gradient is the float32 sum of dL/dy
 *    over the rows (not rounded). ag_to_dtype's backward then widens the
 *    bf16 gradient exactly to the float32 master weight.
 * A bf16 tensor used k times (one weight copy serving several products)
 * receives the sum of its k gradients (the tape adds them, each addition
 * in float32 rounded once to bf16) and its cast's backward runs once.
 * The products run on libnd's AVX512_BF16 kernel, or widened to float32
 * where the CPU lacks it (or ND_BF16_GEMM=fallback); both paths give the
 * same values up to float32 summation order.
 */

/* torch's x.to(dtype): x's value converted by nd_astype (to bfloat16 and
 * float16: round to nearest even, overflow to inf, NaN stays NaN). The
 * backward converts dL/dy to x's dtype: dL/dx = dL/dy as x's dtype (the
 * rounding counts as the identity). To x's own dtype: returns x itself,
 * nothing recorded. To an integer or bool dtype: not recorded, the result
 * does not require a gradient (torch's x.long()). NULL with ND_ERR_VALUE
 * "to_dtype: x is NULL" for a NULL x (a message already set by the call
 * that made the NULL is kept, so chains report their first failure), and
 * ND_ERR_TYPE "to(): invalid dtype 99" for an invalid dtype. The op is
 * named "to_dtype". */
AG_API ag_tensor *ag_to_dtype(ag_tensor *x, nd_dtype dtype);
/* ag_to_dtype(x, value's dtype) when the cast is already at hand: value
 * must hold x's value cast, as the copy an optimizer rewrites after each
 * update does (ag_optimizer_set_copy); the op's output is a view of it
 * (nothing converted), its backward ag_to_dtype's. The caller vouches for
 * the values: a copy made before x last changed gives the old weights.
 * NULL with ND_ERR_VALUE for a NULL argument, or a value of another shape
 * or of a non-float dtype or x's own. The op is named "to_dtype". */
AG_API ag_tensor *ag_to_dtype_from(ag_tensor *x, const nd_array *value);

/* ------------------------------------------------------------------------ */
/* Ops: elementwise and unary math                                          */
/* ------------------------------------------------------------------------ */

/* Unary math (ops/unary.c). One float tensor in, one of the same shape and
 * dtype out; NULL in gives NULL out. Gradients at the edges are PyTorch's:
 * relu and abs have gradient 0 at 0 (abs also at NaN); log, sqrt and rsqrt
 * give inf/NaN outside their domain as torch does, without an error. */
/* clang-format off */
AG_API ag_tensor *ag_exp(ag_tensor *a);       /* e^a */
AG_API ag_tensor *ag_log(ag_tensor *a);       /* ln a */
AG_API ag_tensor *ag_sqrt(ag_tensor *a);      /* a^(1/2) */
AG_API ag_tensor *ag_rsqrt(ag_tensor *a);     /* 1 / sqrt(a) */
AG_API ag_tensor *ag_tanh(ag_tensor *a);
AG_API ag_tensor *ag_sigmoid(ag_tensor *a);   /* 1 / (1 + e^-a) */
/* torch.nn.functional.softplus(a, beta, threshold), a smooth relu:
 *   y = log(1 + e^(beta a)) / beta, and y = a where beta a > threshold
 * (torch's defaults: beta 1, threshold 20). dL/da = dL/dy * sigmoid(beta a),
 * dL/dy in the linear region. beta is not checked (0 gives NaN, as torch). */
AG_API ag_tensor *ag_softplus(ag_tensor *a, double beta, double threshold);
AG_API ag_tensor *ag_relu(ag_tensor *a);      /* max(a, 0); NaN stays NaN */
AG_API ag_tensor *ag_abs(ag_tensor *a);       /* |a| */
AG_API ag_tensor *ag_square(ag_tensor *a);    /* a^2 */
/* clang-format on */
/* a^b elementwise, a and b broadcast (torch.pow). dL/da is 0 where b == 0
 * and dL/db is 0 where a == 0 and b >= 0 (torch's choices: 0^0 and 0^b
 * have finite gradients). A negative a with a non-integer b gives NaN. */
AG_API ag_tensor *ag_pow(ag_tensor *a, ag_tensor *b);
/* a^p for a number p, computed in a's dtype (float32 stays float32);
 * p == 0 gives ones with gradient 0. */
AG_API ag_tensor *ag_pow_scalar(ag_tensor *a, double p);

/* Elementwise selection (ops/elementwise.c). Inputs broadcast as in NumPy,
 * the result has result_type of the tensor inputs. */

/* torch.maximum / torch.minimum: NaN in either input gives NaN. At a tie
 * (a == b) the gradient is split equally, dL/dy / 2 to each input, as in
 * torch 1.13; with a NaN both inputs receive dL/dy. */
AG_API ag_tensor *ag_maximum(ag_tensor *a, ag_tensor *b);
AG_API ag_tensor *ag_minimum(ag_tensor *a, ag_tensor *b);
/* torch.where(cond, a, b): a where cond, else b; cond (bool, else "where
 * expected condition to be a boolean tensor, but got a tensor with dtype
 * Float") broadcasts with a and b. cond is borrowed for the call only: a
 * copy is kept for the backward. dL/da = dL/dy where cond, dL/db elsewhere. */
AG_API ag_tensor *ag_where(const nd_array *cond, ag_tensor *a, ag_tensor *b);
/* torch.masked_fill (out of place): value where mask, else a; mask (bool,
 * else "masked_fill_ only supports boolean masks, but got mask with dtype
 * Float") broadcasts with a, and is copied as ag_where's cond. The gradient
 * is 0 where filled. */
AG_API ag_tensor *ag_masked_fill(ag_tensor *a, const nd_array *mask, double value);
/* torch.clamp(a, lo, hi): lo or hi NAN means no bound on that side (both
 * NAN: "torch.clamp: At least one of 'min' or 'max' must not be None");
 * +-INFINITY works too. The bounds are cast to a's dtype. The gradient
 * passes where lo <= a <= hi, bounds included, and is 0 elsewhere and at
 * NaN; lo > hi gives hi everywhere with gradient 0 (as torch). */
AG_API ag_tensor *ag_clamp(ag_tensor *a, double lo, double hi);

/* ------------------------------------------------------------------------ */
/* Ops: reductions                                                          */
/* ------------------------------------------------------------------------ */

/* Reductions (ops/reduce.c) over naxes axes (naxes 0: all), keepdims
 * keeping them as size 1. Axes are checked in torch's words: "Dimension out
 * of range (expected to be in range of [-2, 1], but got 3)", "dim 0 appears
 * multiple times in the list of dims"; a 0-d tensor takes dim 0 or -1. */

/* Sum / mean over naxes axes (naxes 0: all), as nd_sum / nd_mean.
 * dL/da is dL/dy (divided by the count for the mean) broadcast back. */
AG_API ag_tensor *ag_sum(ag_tensor *a, int naxes, const int *axes, bool keepdims);
AG_API ag_tensor *ag_mean(ag_tensor *a, int naxes, const int *axes, bool keepdims);

/* torch.var(a, dim, correction=correction, keepdim): the sum of squared
 * deviations from the mean over N - correction (torch's default correction
 * is 1, the unbiased estimate; 0 is the population variance). N <=
 * correction gives inf/NaN as torch. */
AG_API ag_tensor *ag_var(ag_tensor *a, int naxes, const int *axes, int correction, bool keepdims);
/* torch.amax / torch.amin: the largest / smallest element over the axes.
 * The gradient is split evenly among the elements equal to the result (a
 * row with two maxima sends dL/dy / 2 to each), as torch's amax; NaN
 * propagates, and a NaN result gives NaN gradients to its row. An empty
 * reduction fails: "amax(): Expected reduction dim 1 to have non-zero
 * size." */
AG_API ag_tensor *ag_max(ag_tensor *a, int naxes, const int *axes, bool keepdims);
AG_API ag_tensor *ag_min(ag_tensor *a, int naxes, const int *axes, bool keepdims);
/* torch.logsumexp: log(sum(exp(a))) over the axes, without overflow; all
 * -inf gives -inf; an empty reduction gives -inf (log of an empty sum), as
 * torch (nd_logsumexp fails there, as scipy). dL/da = dL/dy * softmax(a)
 * over the axes. */
AG_API ag_tensor *ag_logsumexp(ag_tensor *a, int naxes, const int *axes, bool keepdims);

/* ------------------------------------------------------------------------ */
/* Ops: shapes and indexing                                                 */
/* ------------------------------------------------------------------------ */

/* Shapes (ops/shape.c). Each returns a new tape tensor whose value may be a
 * libnd VIEW of the input's value (reshape, permute, slice, squeeze, ...):
 * tape values are never modified, so sharing is safe. Axes count from the
 * end when negative; an axis out of range fails with PyTorch's "Dimension
 * out of range (expected to be in range of [-2, 1], but got 3)". dtype is
 * kept (concat/stack promote mixed inputs as NumPy). */

/* a.reshape(shape): the same elements in C order, a view when the strides
 * allow (numpy.reshape's rule). One size may be -1 (inferred). Errors: "only
 * one dimension can be inferred", "invalid shape dimension -2", "shape '[4]'
 * is invalid for input of size 6". */
AG_API ag_tensor *ag_reshape(ag_tensor *a, int ndim, const int64_t *shape);
/* torch.permute(a, axes): output axis d is input axis axes[d]; naxes must be
 * a's ndim ("permute(): number of dimensions in the tensor input does not
 * match the length of the desired ordering of dimensions i.e. input.dim() =
 * 2 is not equal to len(dims) = 1"), no repeats ("permute(): duplicate dims
 * are not allowed."). Backward: dy permuted by the inverse permutation. */
AG_API ag_tensor *ag_permute(ag_tensor *a, int naxes, const int *axes);
/* numpy.transpose(a, axes): axes holds a's ndim entries (as ag_permute), or
 * is NULL to reverse the axes (a.T). Recorded as "permute". */
AG_API ag_tensor *ag_transpose(ag_tensor *a, const int *axes);
/* a.swapaxes(d1, d2) (torch.transpose(a, d1, d2)): view. */
AG_API ag_tensor *ag_swapaxes(ag_tensor *a, int d1, int d2);
/* a[..., start:stop:step, ...] on one axis with NumPy's slice semantics:
 * ND_NONE for an omitted bound, negative bounds count from the end, out of
 * range bounds clamp, step may be negative (a[::-1]); step 0: "slice step
 * cannot be zero"; a 0-d a: "slice() cannot be applied to a 0-dim tensor.".
 * View. Backward: dy written into zeros of a's shape at the sliced
 * positions. */
AG_API ag_tensor *ag_slice(ag_tensor *a, int axis, int64_t start, int64_t stop, int64_t step);
/* torch.cat(tensors, axis): n >= 1 tensors of one rank (not 0-d), equal
 * sizes except along axis. Copy. Any n (more than ag_apply's 8 are joined in
 * groups, recorded as several "concat" nodes). Errors: "torch.cat(): expected
 * a non-empty list of Tensors", "zero-dimensional tensor (at position 0)
 * cannot be concatenated", "Tensors must have same number of dimensions: got
 * 2 and 1", "Sizes of tensors must match except in dimension 1. Expected
 * size 2 but got size 3 for tensor number 1 in the list.". Backward: slices
 * of dy. */
AG_API ag_tensor *ag_concat(int n, ag_tensor *const *tensors, int axis);
/* torch.stack(tensors, axis): n >= 1 tensors of one shape joined along a new
 * axis in [-(ndim+1), ndim]. Copy; any n, as ag_concat. Errors: "stack
 * expects a non-empty TensorList", "stack expects each tensor to be equal
 * size, but got [2, 3] at entry 0 and [2, 2] at entry 1". */
AG_API ag_tensor *ag_stack(int n, ag_tensor *const *tensors, int axis);
/* torch.split(a, sizes, axis): n pieces along axis, piece i of length
 * sizes[i] (each >= 0, summing to the axis length: "split_with_sizes expects
 * split_sizes to sum exactly to 6 (input tensor's size at dimension 0), but
 * got split_sizes=[2, 3]"). sizes NULL: n equal pieces (the axis length must
 * divide: "array split does not result in an equal division"). Each piece
 * is one ag_slice of a (a view; its own node, so backpropagating through k
 * pieces adds k slice gradients). Writes the n tape tensors to outputs[] and
 * returns 0, or a negative status with every outputs[i] NULL. */
AG_API int ag_split(ag_tensor *a, int n, const int64_t *sizes, int axis, ag_tensor **outputs);
/* torch.broadcast_to(a, shape) / a.expand(shape): read-only view; at least
 * a's ndim sizes, -1 keeps a's size. Errors: "the number of sizes provided
 * (1) must be greater or equal to the number of dimensions in the tensor
 * (2)", "The expanded size of the tensor (4) must match the existing size
 * (2) at non-singleton dimension 0.  Target sizes: [4, 3].  Tensor sizes:
 * [2, 3]". Backward: dy summed over the broadcast axes (the tape's
 * reduction). */
AG_API ag_tensor *ag_broadcast_to(ag_tensor *a, int ndim, const int64_t *shape);
/* a.unsqueeze(axis) (numpy.expand_dims): a size-1 axis inserted at axis in
 * [-(ndim+1), ndim]. View. */
AG_API ag_tensor *ag_expand_dims(ag_tensor *a, int axis);
/* a.squeeze(axes), PyTorch's rule: naxes 0 removes every size-1 axis;
 * listed axes are removed if their size is 1 and KEPT otherwise (NumPy
 * would fail); an axis listed twice: "dim 0 appears multiple times in the
 * list of dims". View. */
AG_API ag_tensor *ag_squeeze(ag_tensor *a, int naxes, const int *axes);

/* Indexing (ops/index.c). indices: an nd_array of any integer dtype and any
 * shape (not a tensor: it gets no gradient); the forward copies it, so the
 * caller may reuse or free it right after the call. Not an integer dtype:
 * "Expected tensor for argument #1 'indices' to have one of the following
 * scalar types: Long, Int; but got float64 instead (while checking
 * arguments for embedding)". Backwards scatter-add dy into zeros of the
 * input's shape; repeated indices ACCUMULATE. */

/* torch.nn.functional.embedding: rows of weight (V, C) picked by indices,
 * shape indices.shape + (C,). Indices must lie in [0, V) ("index out of
 * range in self"; no counting from the end); weight must be 2-D ("'weight'
 * must be 2-D"). Backward: dweight = zeros (V, C) with each dy row added to
 * row indices[j] (nd_add_at; contiguous rows). */
AG_API ag_tensor *ag_embedding(ag_tensor *weight, const nd_array *indices);
/* numpy.take(a, indices, axis): shape a.shape[:axis] + indices.shape +
 * a.shape[axis+1:]; negative indices count from the end; out of range:
 * "index 5 is out of bounds for axis 0 with size 3". Copy. */
AG_API ag_tensor *ag_take(ag_tensor *a, const nd_array *indices, int axis);
/* numpy.take_along_axis / torch.take_along_dim(a, indices, axis) (torch.gather
 * with broadcasting): indices has a's ndim ("torch.take_along_dim(): input
 * and indices should have the same number of dimensions, but got 2
 * dimensions for input, and 1 dimensions for indices") and broadcasts
 * against a on the other axes; negative indices count from the end. Copy. */
AG_API ag_tensor *ag_take_along_axis(ag_tensor *a, const nd_array *indices, int axis);

/* ------------------------------------------------------------------------ */
/* Ops: fused and composed network layers                                   */
/* ------------------------------------------------------------------------ */

/*
 * Every composite layer exists twice on purpose. The plain name is the FUSED
 * op: one tape node with a hand-written backward over contiguous rows (the
 * fast path a training step runs). The *_composed twin builds the same
 * function from primitive ops (the readable path; its graph is the math).
 * Both take float32 or float64 and compute in that dtype; the tests prove
 * they agree with each other and with PyTorch. Errors use PyTorch's words;
 * an op given a NULL input returns NULL.
 */

/* softmax(a)_i = exp(a_i) / sum_j exp(a_j) along `axis` (negative counts
 * from the end; "Dimension out of range (expected to be in range of
 * [-2, 1], but got 3)"), computed as exp(a - max) so it never overflows.
 * Same shape and dtype as a. The fused op saves its output for the
 * backward: dL/da = y * (dL/dy - sum(dL/dy * y)). Integer input fails
 * ("softmax: expected a floating point tensor, got int64"). */
AG_API ag_tensor *ag_softmax(ag_tensor *a, int axis);
/* log_softmax(a) = a - logsumexp(a) along axis; the fused op saves its
 * output: dL/da = dL/dy - exp(y) * sum(dL/dy). */
AG_API ag_tensor *ag_log_softmax(ag_tensor *a, int axis);
/* The same functions from primitives: exp(a - max) / sum(...), and
 * (a - max) - log(sum(exp(a - max))). */
AG_API ag_tensor *ag_softmax_composed(ag_tensor *a, int axis);
AG_API ag_tensor *ag_log_softmax_composed(ag_tensor *a, int axis);

/* Cross-entropy of logits (N, C) against integer class targets (N,) (any
 * integer dtype), averaged over N: a 0-d tensor of the logits' dtype,
 * mean_i (logsumexp(logits_i) - logits_i[targets_i]). torch's
 * F.cross_entropy(logits, targets). Errors: "Expected input batch_size (3)
 * to match target batch_size (2).", "Target 5 is out of bounds." (IndexError),
 * "expected scalar type Long but found Float" for non-integer targets. */
AG_API ag_tensor *ag_cross_entropy(ag_tensor *logits, const nd_array *targets);
/* The full form, torch's F.cross_entropy(logits, targets,
 * ignore_index=ignore_index, label_smoothing=label_smoothing) with
 * reduction 'mean': rows whose target is ignore_index count for nothing
 * and the mean runs over the others (all ignored gives NaN, as torch);
 * with smoothing e the loss of a row is
 *   (1 - e) * nll_i + e * mean_c(-log_softmax(logits_i)_c).
 * label_smoothing in [0, 1] ("label_smoothing must be between 0.0 and 1.0.
 * Got: 1.5"). The fused op saves the softmax probabilities (N, C). */
AG_API ag_tensor *ag_cross_entropy_ex(ag_tensor *logits, const nd_array *targets,
                                      int64_t ignore_index, double label_smoothing);
/* The same from primitives: log_softmax_composed, a one-hot/smoothing
 * weight matrix built from targets (a constant), mul, sum, div. */
AG_API ag_tensor *ag_cross_entropy_composed(ag_tensor *logits, const nd_array *targets,
                                            int64_t ignore_index, double label_smoothing);
/* torch's F.nll_loss(log_probs, targets, ignore_index=ignore_index):
 * log_probs (N, C), targets (N,): -mean over non-ignored rows of
 * log_probs[i, targets_i], a 0-d tensor. */
AG_API ag_tensor *ag_nll_loss(ag_tensor *log_probs, const nd_array *targets, int64_t ignore_index);
/* Mean squared error, mean((a - b)^2) over the broadcast shape of a and b,
 * a 0-d tensor (torch's F.mse_loss with reduction 'mean'). */
AG_API ag_tensor *ag_mse_loss(ag_tensor *a, ag_tensor *b);

/* Layer normalization over the last axis (torch's F.layer_norm(x, (C,),
 * weight, bias, eps)): x (..., C); weight and bias (C,) or NULL (then 1
 * and 0), same dtype as x ("expected scalar type Float but found Double").
 *   y = (x - mean) * rstd * weight + bias,  rstd = 1 / sqrt(var + eps),
 * with the biased variance. The fused op saves mean and rstd, one per row
 * ((B*T,) for x (B, T, C)), for the backward. A weight or bias that does
 * not fit: "Expected weight to be of same shape as normalized_shape, but
 * got weight of shape [3] and normalized_shape = [4]" (bias alike). */
AG_API ag_tensor *ag_layer_norm(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, double eps);
/* LayerNorm stored in `dtype`: ag_to_dtype(ag_layer_norm(x, weight, bias,
 * eps), dtype), the same values and gradients. For float32 x and
 * ND_BFLOAT16 (mixed precision, where the norm's output is a product's
 * operand) one node and one pass: y rounded as it is written; its gradient
 * arrives in bf16, x's and the parameters' are float32. dtype x's own:
 * ag_layer_norm. Errors as ag_layer_norm's, and dtype not a float dtype
 * ("layer_norm_to: expected a floating point dtype, got int32"). */
AG_API ag_tensor *ag_layer_norm_to(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, double eps,
                                   nd_dtype dtype);
AG_API ag_tensor *ag_layer_norm_composed(ag_tensor *x, ag_tensor *weight, ag_tensor *bias,
                                         double eps);
/* RMS normalization over the last axis: y = x * rstd * weight with
 * rstd = 1 / sqrt(mean(x^2) + eps); weight (C,) or NULL. The fused op
 * saves rstd per row. (torch 1.13 has no rms_norm; the tests write the
 * formula in torch.) */
AG_API ag_tensor *ag_rms_norm(ag_tensor *x, ag_tensor *weight, double eps);
AG_API ag_tensor *ag_rms_norm_composed(ag_tensor *x, ag_tensor *weight, double eps);

/* GELU, tanh approximation (GPT-2; torch's F.gelu(x, approximate='tanh')):
 *   y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * Same shape and dtype as a; the fused op saves the tanh. */
AG_API ag_tensor *ag_gelu(ag_tensor *a);
AG_API ag_tensor *ag_gelu_composed(ag_tensor *a);
/* GELU (tanh) stored in `dtype`: ag_to_dtype(ag_gelu(a), dtype), the same
 * values and gradients. For float32 a and ND_BFLOAT16 (mixed precision,
 * where GELU's output is the next product's operand) one node and one
 * pass: y rounded as it is written, no float32 y; it saves tanh(u) as
 * ag_gelu does, its gradient arrives in bf16 and a's is float32. dtype
 * a's own: ag_gelu(a). A bfloat16 a (a Linear stored as bf16,
 * ag_linear_to) is computed in float32: ag_to_dtype(ag_gelu(ag_to_dtype(a,
 * ND_FLOAT32)), dtype), for ND_BFLOAT16 one node again, a widened as it
 * is read and its gradient (bf16) rounded as it is written. Errors: a not
 * float32, float64 or bfloat16, dtype not a float dtype ("gelu_to:
 * expected a floating point dtype, got int32"). */
AG_API ag_tensor *ag_gelu_to(ag_tensor *a, nd_dtype dtype);
/* GELU, exact form (torch's F.gelu(x)): y = 0.5 x (1 + erf(x / sqrt(2))). */
AG_API ag_tensor *ag_gelu_erf(ag_tensor *a);
AG_API ag_tensor *ag_gelu_erf_composed(ag_tensor *a);
/* SiLU (swish): y = x * sigmoid(x) (torch's F.silu). */
AG_API ag_tensor *ag_silu(ag_tensor *a);
AG_API ag_tensor *ag_silu_composed(ag_tensor *a);

/* Inverted dropout: each element is zeroed with probability p and the kept
 * ones are scaled by 1 / (1 - p), so the expectation is unchanged. The mask
 * is drawn with nd_rng_random(rng, a's dtype, a's shape) (element kept iff
 * u >= p), so it is deterministic given the rng's state, but NOT the mask
 * torch would draw (different generators). The backward multiplies by the
 * same mask. Training switch: with rng NULL or p == 0 it is the identity
 * and returns `a` itself (nothing recorded); p == 1 gives zeros. p outside
 * [0, 1]: "dropout probability has to be between 0 and 1, but got 1.5". */
AG_API ag_tensor *ag_dropout(ag_tensor *a, double p, nd_rng *rng);

/* Scaled dot-product attention:
 *   out = softmax(q k^T / sqrt(D) + mask) v
 * q (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv), leading (batch, head)
 * axes broadcast as in matmul; out (..., Tq, Dv); one dtype for all three.
 * All three bfloat16 is mixed precision: bf16 products summed in float32,
 * the softmax in float32, P rounded to bf16 for P v, out float32, and q, k,
 * v's gradients bf16 (each rounded once, as ag_matmul's); the composed twin
 * casts P with ag_to_dtype at the same point.
 * causal: query i may attend key j only if j <= i + (Tk - Tq), i.e. the
 * queries are the LAST Tq positions (the usual t attends to <= t when
 * Tq == Tk, and a decoding step with a KV cache sees every cached key).
 * padding_mask: NULL, or a bool array (B, Tk), true = that key is masked
 * out for every query of batch row b (B is q's first axis, or 1).
 * A query row whose keys are all masked gets zero attention weights (out
 * 0, no gradient) in the fused op; torch's math (and the composed twin,
 * which fills masked scores with -inf) gives NaN there. The fused op saves
 * the attention probabilities P (..., Tq, Tk); its backward:
 *   dV = P^T dO, dP = dO V^T, dS = P * (dP - rowsum(dP * P)) / sqrt(D),
 *   dQ = dS K, dK = dS^T Q. */
AG_API ag_tensor *ag_attention(ag_tensor *q, ag_tensor *k, ag_tensor *v, bool causal,
                               const nd_array *padding_mask);
/* The same from primitives: matmul, mul_scalar, masked_fill, softmax,
 * matmul. */
AG_API ag_tensor *ag_attention_composed(ag_tensor *q, ag_tensor *k, ag_tensor *v, bool causal,
                                        const nd_array *padding_mask);
/* Multi-head self-attention straight from a packed projection: qkv (B, T,
 * 3C) holds q, k, v side by side along its last axis (GPT-2's c_attn
 * output), each third split into n_head heads of D = C / n_head; returns
 * (B, T, C), the heads' outputs side by side. Values and gradients equal
 *   q = qkv[..., 0:C] reshaped to (B, T, H, D), transposed to (B, H, T, D),
 *       cast to operand_dtype (k, v from the next two thirds alike),
 *   ag_attention(q, k, v, causal, padding_mask) transposed back to (B, T, H, D)
 *       and reshaped to (B, T, C),
 * with no op per step: q, k, v are views of qkv in its own dtype (one
 * rounded copy each in bf16), dL/dqkv one write per third backward.
 * operand_dtype is qkv's dtype or ND_BFLOAT16 (mixed precision as
 * ag_attention's on bf16 operands: the output float32, dL/dqkv in qkv's
 * dtype). qkv float32 or float64, or bfloat16 with operand_dtype
 * ND_BFLOAT16 (ag_linear_to's bf16 projection: q, k, v are views of it,
 * no copy; the output bf16, P v's float32 sums rounded once as the
 * product writes them, what the next Linear reads; dL/dqkv bf16); padding_mask
 * NULL or bool (B or 1, T). Errors: qkv not (B, T, 3C) ("expected qkv of
 * shape (B, T, 3C)"), C not divisible by n_head (torch's "embed_dim must
 * be divisible by num_heads"), another operand dtype, a bad mask. */
AG_API ag_tensor *ag_attention_packed(ag_tensor *qkv, int64_t n_head, bool causal,
                                      const nd_array *padding_mask, nd_dtype operand_dtype);

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
    /* clang-format off */
    AG_NONLINEARITY_LINEAR,      /* gain 1 (also conv, identity) */
    AG_NONLINEARITY_SIGMOID,     /* gain 1 */
    AG_NONLINEARITY_TANH,        /* gain 5/3 */
    AG_NONLINEARITY_RELU,        /* gain sqrt(2) */
    AG_NONLINEARITY_LEAKY_RELU   /* gain sqrt(2 / (1 + a^2)), a the negative slope */
    /* clang-format on */
} ag_nonlinearity;

/* torch.nn.init.calculate_gain(nonlinearity, param): `param` is the leaky
 * ReLU's negative slope (ignored otherwise). NaN with "Unsupported
 * nonlinearity 99" for a value outside the enum. */
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
/* Mixed precision: a bfloat16 copy of parameter i (float32, C-contiguous)
 * that the optimizer keeps current. copy (writeable, C-contiguous,
 * bfloat16, the parameter's shape) is filled now with the value rounded to
 * nearest even, and each step that updates the parameter rewrites it in
 * the same pass as the update (for a ranged state, the range only): one
 * read of the weights per step fewer than casting them before each
 * forward (ag_to_dtype_from uses the copy). The optimizer keeps a view
 * (the array may be freed by the caller); NULL drops the copy. Returns 0,
 * or a negative status with nothing changed (ND_ERR_INDEX for i out of
 * range, ND_ERR_VALUE for the rest). */
AG_API int ag_optimizer_set_copy(ag_optimizer *opt, int i, nd_array *copy);
/* The next ag_optimizer_step reads every gradient as g * scale, rounded to
 * g's dtype, the values ag_clip_grad_norm's in-place scaling by the same
 * factor leaves, so the update has the bits of clipping and then stepping,
 * without a pass that writes the gradients (they keep their values). For
 * one step; the step resets it to 1. scale in [0, 1] (ag_clip_grad_coef's
 * coef); else ND_ERR_VALUE, as for a NULL optimizer. */
AG_API int ag_optimizer_set_grad_scale(ag_optimizer *opt, double scale);
/* Drops the gradients of all its parameters (ag_zero_grad, i.e. PyTorch's
 * zero_grad(set_to_none=True)): the next step skips any parameter the next
 * backward does not reach. */
AG_API void ag_optimizer_zero_grad(ag_optimizer *opt);
/* The learning rate the next step uses (set it from a schedule before each
 * step). set_lr rejects a negative or NaN lr. */
AG_API int ag_optimizer_set_lr(ag_optimizer *opt, double lr);
AG_API double ag_optimizer_get_lr(const ag_optimizer *opt); /* NULL opt: NaN */
/* How many times ag_optimizer_step succeeded (restored by
 * ag_optimizer_load). */
AG_API int64_t ag_optimizer_step_count(const ag_optimizer *opt); /* NULL opt: -1 */
/* "sgd", "adam" or "adamw"; NULL for a NULL opt. */
AG_API const char *ag_optimizer_name(const ag_optimizer *opt);

/*
 * Sharded state (ZeRO-1: each of P processes keeps the optimizer state of
 * one slice of the parameters, updates that slice, and the processes then
 * exchange the updated values). The element math is ag_optimizer_step's,
 * so a slice's update has the bits the whole update has there.
 */
/* Index of param among the optimizer's parameters, or -1 (no error set;
 * for a NULL optimizer -1 with an error set). */
AG_API int ag_optimizer_index(const ag_optimizer *opt, const ag_tensor *param);
/* From now on parameter i's state covers elements [begin, end) of its
 * value in C order (0 <= begin <= end <= its size), its buffers 1-D of
 * end - begin elements, and ag_optimizer_step updates those elements only
 * (the rest of the value is left alone; the gradient is read there only).
 * State already held for elements in both ranges is kept, the rest starts
 * at zero; the whole range [0, size) is the ordinary state again.
 * ag_optimizer_load keeps the range's part of the file's state;
 * ag_optimizer_save refuses a ranged state (gather it into the whole
 * range first). Returns 0, or a negative status with nothing changed
 * (bad index or range, out of memory). */
AG_API int ag_optimizer_set_range(ag_optimizer *opt, int i, int64_t begin, int64_t end);
/* Parameter i's state, borrowed and writeable: its update count and its
 * buffers (SGD: momentum_buffer, NULL; Adam/AdamW: exp_avg, exp_avg_sq;
 * NULL until its first update), each in the parameter's shape, or 1-D
 * over its range. Valid until the next set_range, load or free. Returns
 * 0, or a negative status for a NULL optimizer or output or a bad i. */
AG_API int ag_optimizer_state(ag_optimizer *opt, int i, int64_t *step, nd_array **buf1,
                              nd_array **buf2);
/* Bytes of state buffers the optimizer holds now (-1 for NULL). */
AG_API int64_t ag_optimizer_state_bytes(const ag_optimizer *opt);

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
/* ag_clip_grad_norm without the pass that scales the gradients: returns
 * the same total norm and sets *coef to the factor it would multiply every
 * gradient by (1: no clipping; 1 without any gradient), leaving them as
 * they are. Hand it to ag_optimizer_set_grad_scale: the step then reads
 * each gradient scaled, with the bits the clipped gradient would have. -1
 * with an error set for bad arguments (as ag_clip_grad_norm, and a NULL
 * coef). */
AG_API double ag_clip_grad_coef(int n, ag_tensor *const *params, double max_norm, double *coef);

/* The pieces of ag_clip_grad_norm for float32 gradients held in parts
 * (ZeRO-1: each process holds the reduced gradient of a slice). A
 * gradient's sum of squares is taken in chunks of AG_NORM_CHUNK elements
 * from its start, the chunks' sums added in order from 0; with those sums,
 * ag_clip_coef_f32 gives the bits ag_clip_grad_norm gives. */
#define AG_NORM_CHUNK 8192
/* sum x[k]^2 over one chunk (n <= AG_NORM_CHUNK elements), in double, as
 * ag_clip_grad_norm sums it; -1 with an error set for n out of range or a
 * NULL x. */
AG_API double ag_sum_squares_f32(const float *x, int64_t n);
/* The total norm of n float32 gradients whose sums of squares are
 * sum_squares[i] (each the in-order sum of its chunks), returned, and
 * *coef = min(1, max_norm / (norm + 1e-6)) in float32, the factor
 * ag_clip_grad_norm multiplies every gradient by (g * (float)coef).
 * -1 with an error set for bad arguments. */
AG_API double ag_clip_coef_f32(int n, const double *sum_squares, double max_norm, double *coef);

/*
 * Learning-rate schedules (schedule.c): pure functions of the step (the
 * number of optimizer steps taken before this one, from 0), so a resumed
 * run recomputes the same rate. Set it with ag_optimizer_set_lr before
 * each step.
 */
typedef enum ag_lr_kind {
    /* clang-format off */
    AG_LR_CONSTANT,        /* lr */
    AG_LR_STEP,            /* torch's StepLR: lr * gamma^floor(step / step_size) */
    AG_LR_WARMUP_COSINE    /* nanoGPT's get_lr: linear warmup, cosine to min_lr */
    /* clang-format on */
} ag_lr_kind;

typedef struct ag_lr_schedule {
    ag_lr_kind kind;
    /* clang-format off */
    double lr;                 /* the base (peak) rate */
    int64_t step_size;         /* AG_LR_STEP: steps per decay (> 0) */
    double gamma;              /* AG_LR_STEP: factor per decay */
    int64_t warmup_iters;      /* AG_LR_WARMUP_COSINE */
    int64_t lr_decay_iters;    /* AG_LR_WARMUP_COSINE: where min_lr is reached */
    double min_lr;             /* AG_LR_WARMUP_COSINE */
    /* clang-format on */
} ag_lr_schedule;

/* The rate at `step` for a schedule; NaN (with an error set) for an
 * invalid schedule (unknown kind, step_size <= 0, negative iters). */
AG_API double ag_lr_at(const ag_lr_schedule *s, int64_t step);
/* lr * gamma^floor(step / step_size) (StepLR's closed form); NaN with the
 * error set for step_size <= 0 or a negative step. */
AG_API double ag_lr_step_decay(int64_t step, double lr, int64_t step_size, double gamma);
/* nanoGPT's get_lr(it):
 *   it < warmup_iters:    lr * (it + 1) / (warmup_iters + 1)
 *   it > lr_decay_iters:  min_lr
 *   else: ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters),
 *         min_lr + 0.5 (1 + cos(pi ratio)) (lr - min_lr)
 * (ratio 0 when lr_decay_iters == warmup_iters); NaN with the error set for
 * a negative step, warmup_iters or lr_decay_iters. */
AG_API double ag_lr_warmup_cosine(int64_t step, double lr, int64_t warmup_iters,
                                  int64_t lr_decay_iters, double min_lr);

/*
 * Parameters on disk (safetensors.c), in the safetensors format through
 * libnd's container (nd.h: nd_safetensors_save / nd_safetensors_load, the
 * format, its validation rules; readable by Hugging Face's safetensors and
 * a few lines of Python). Files are written atomically (nd_write_atomic):
 * a crash leaves the old file or the new one, never half of one.
 */
/* Saves the values of n parameters under their names (a model's state
 * dict), with optional metadata as nd_safetensors_save (which lays out and
 * checks names and metadata). */
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
