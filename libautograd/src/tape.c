/*
 * The tape: recording ops, the backward pass, and the arena that a reset
 * frees in one go.
 *
 * Each thread has its own tape. An op run through ag_apply appends a node
 * (op, inputs, output, context) when grad mode is on and an input requires a
 * gradient. Nodes are appended in execution order, so the tape read
 * backwards is a reverse topological order of the graph: when a node is
 * reached, every use of its output has already sent back its gradient.
 *
 * Memory: node and tensor structs, and the op parameters, come from an arena
 * of large blocks that the reset rewinds without freeing, so a training loop
 * reaches a steady state where recording an op costs no malloc beyond
 * libnd's arrays. Those arrays (values, saved activations, gradients) are
 * released with their tensor or node.
 */
#include "ag_internal.h"

#include <pthread.h>
#include <stdalign.h>

#define ARENA_BLOCK ((size_t)64 << 10)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    alignas(16) unsigned char data[];
} arena_block;

typedef struct tape {
    arena_block *first, *current;
    ag_node **nodes;
    size_t nnodes, capacity;
    ag_tensor *tensors; /* every tape tensor, newest first */
    int no_grad_depth;
} tape;

static _Thread_local tape the_tape;

const char *ag_last_error(void) { return nd_last_error(); }

/* ---- a thread's tape is released when the thread ends ---------------------------- */

static pthread_key_t tape_key;
static pthread_once_t tape_key_once = PTHREAD_ONCE_INIT;

/* Runs at thread exit (pthread key destructor, while the thread's
 * thread-local storage is still valid): the tensors, the arena blocks and
 * the node array go, so threads that train briefly leak nothing. */
static void release_thread_tape(void *unused)
{
    (void)unused;
    tape *t = &the_tape;
    ag_tape_reset();
    for (arena_block *b = t->first, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(t->nodes);
    *t = (tape){0};
}

static void make_tape_key(void) { pthread_key_create(&tape_key, release_thread_tape); }

/* Registers this thread's tape for release at exit (once per thread). */
static void watch_thread(void)
{
    pthread_once(&tape_key_once, make_tape_key);
    if (!pthread_getspecific(tape_key))
        pthread_setspecific(tape_key, &the_tape);
}

/* ---- the arena ------------------------------------------------------------------ */

void *ag_arena_alloc(size_t size)
{
    tape *t = &the_tape;
    size = (size + 15) & ~(size_t)15;
    while (t->current && t->current->used + size > t->current->size)
        t->current = t->current->next; /* blocks kept from before a reset */
    if (!t->current) {
        watch_thread();
        size_t block = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        arena_block *b = malloc(sizeof *b + block);
        if (!b) {
            ag_error(ND_ERR_MEMORY, "out of memory recording an op");
            return NULL;
        }
        b->next = NULL;
        b->used = 0;
        b->size = block;
        /* Append after the last block so the list keeps its order. */
        arena_block **link = &t->first;
        while (*link)
            link = &(*link)->next;
        *link = b;
        t->current = b;
    }
    void *p = t->current->data + t->current->used;
    t->current->used += size;
    memset(p, 0, size);
    return p;
}

static void release_saved(ag_node *node)
{
    for (int i = 0; i < node->ctx.nsaved; i++) {
        nd_free(node->ctx.saved[i]);
        node->ctx.saved[i] = NULL;
    }
    node->ctx.nsaved = 0;
    node->released = true;
}

void ag_tape_reset(void)
{
    tape *t = &the_tape;
    for (size_t i = 0; i < t->nnodes; i++) {
        ag_node *node = t->nodes[i];
        release_saved(node);
        /* the references ag_apply took on parameter and constant inputs */
        for (int k = 0; k < node->ctx.n; k++)
            if (!node->inputs[k]->on_tape)
                ag_tensor_release(node->inputs[k]);
    }
    t->nnodes = 0;
    for (ag_tensor *x = t->tensors; x; x = x->next) {
        nd_free(x->value);
        nd_free(x->grad);
    }
    t->tensors = NULL;
    for (arena_block *b = t->first; b; b = b->next)
        b->used = 0;
    t->current = t->first;
}

size_t ag_tape_size(void) { return the_tape.nnodes; }

/* ---- grad mode ----------------------------------------------------------------- */

void ag_no_grad_begin(void) { the_tape.no_grad_depth++; }
void ag_no_grad_end(void)
{
    if (the_tape.no_grad_depth > 0)
        the_tape.no_grad_depth--;
}
bool ag_is_grad_enabled(void) { return the_tape.no_grad_depth == 0; }

/* ---- tensors on the tape ---------------------------------------------------------- */

/* A new tape tensor owning `value` (taken, freed with the tape). */
static ag_tensor *tape_tensor(nd_array *value, bool requires_grad)
{
    ag_tensor *x = ag_arena_alloc(sizeof *x);
    if (!x) {
        nd_free(value);
        return NULL;
    }
    x->value = value;
    x->requires_grad = requires_grad;
    x->on_tape = true;
    x->next = the_tape.tensors;
    the_tape.tensors = x;
    return x;
}

ag_tensor *ag_detach(ag_tensor *t)
{
    AG_REQUIRE(t, NULL);
    nd_array *view = nd_view(t->value);
    return view ? tape_tensor(view, false) : NULL;
}

static int push_node(ag_node *node)
{
    tape *t = &the_tape;
    if (t->nnodes == t->capacity) {
        watch_thread();
        size_t capacity = t->capacity ? t->capacity * 2 : 1024;
        ag_node **nodes = realloc(t->nodes, capacity * sizeof *nodes);
        if (!nodes)
            return ag_error(ND_ERR_MEMORY, "out of memory recording an op");
        t->nodes = nodes;
        t->capacity = capacity;
    }
    t->nodes[t->nnodes++] = node;
    return 0;
}

/* ---- applying an op ------------------------------------------------------------------ */

ag_tensor *ag_apply(const ag_op *op, int n, ag_tensor *const *inputs, const void *params,
                    size_t params_size)
{
    AG_REQUIRE(op, NULL);
    if (n > 0)
        AG_REQUIRE(inputs, NULL);
    if (params_size > 0)
        AG_REQUIRE(params, NULL);
    if (n < 0 || n > AG_MAX_INPUTS) {
        ag_error(ND_ERR_VALUE, "ag_apply: an op takes 0 to %d inputs", AG_MAX_INPUTS);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!inputs[i]) {
            /* An earlier op failed: keep its message, just propagate. */
            if (nd_last_status() == ND_OK)
                ag_error(ND_ERR_VALUE, "%s: input %d is NULL", op->name, i);
            return NULL;
        }
    bool record = false;
    for (int i = 0; i < n; i++)
        record = record || inputs[i]->requires_grad;
    record = record && ag_is_grad_enabled();

    /* An unrecorded op still gets a context for its forward; whatever it
     * saves is dropped right after. */
    ag_node scratch = {0};
    ag_node *node = record ? ag_arena_alloc(sizeof *node) : &scratch;
    if (!node)
        return NULL;
    node->op = op;
    ag_ctx *ctx = &node->ctx;
    ctx->node = record ? node : NULL;
    ctx->n = n;
    for (int i = 0; i < n; i++) {
        node->inputs[i] = inputs[i];
        ctx->inputs[i] = inputs[i]->value;
        ctx->needs_grad[i] = record && inputs[i]->requires_grad;
    }
    if (params_size > 0) {
        void *copy = record ? ag_arena_alloc(params_size) : malloc(params_size);
        if (!copy)
            return NULL;
        memcpy(copy, params, params_size);
        ctx->params = copy;
    }

    nd_array *value = op->forward(ctx, n, ctx->inputs);
    if (!record) {
        release_saved(node);
        free((void *)ctx->params);
    }
    if (!value) {
        if (record)
            release_saved(node);
        return NULL;
    }
    ag_tensor *out = tape_tensor(value, record);
    if (!out || !record) {
        if (record)
            release_saved(node);
        return out;
    }
    ctx->output = value;
    node->output = out;
    out->node = node;
    if (push_node(node) < 0) {
        release_saved(node);
        return NULL;
    }
    /* The backward reads the inputs' values and writes their gradients: a
     * parameter or constant the caller frees before it runs must live on
     * until the reset, which drops these references. */
    for (int i = 0; i < n; i++)
        if (!inputs[i]->on_tape)
            ag_tensor_retain(inputs[i]);
    return out;
}

/* ---- the context ------------------------------------------------------------------------ */

/* Contexts exist only inside an op's forward and backward; the checks
 * guard against a custom op passing something else. */
int ag_ctx_save(ag_ctx *ctx, const nd_array *a)
{
    AG_REQUIRE(ctx, ND_ERR_VALUE);
    AG_REQUIRE(a, ND_ERR_VALUE);
    if (ctx->nsaved == AG_MAX_SAVED)
        return ag_error(ND_ERR_VALUE, "an op may save at most %d arrays", AG_MAX_SAVED);
    nd_array *handle = nd_view(a);
    if (!handle)
        return nd_last_status();
    ctx->saved[ctx->nsaved] = handle;
    return ctx->nsaved++;
}

const nd_array *ag_ctx_saved(const ag_ctx *ctx, int index)
{
    AG_REQUIRE(ctx, NULL);
    return index >= 0 && index < ctx->nsaved ? ctx->saved[index] : NULL;
}

const nd_array *ag_ctx_input(const ag_ctx *ctx, int index)
{
    AG_REQUIRE(ctx, NULL);
    return index >= 0 && index < ctx->n ? ctx->inputs[index] : NULL;
}

const nd_array *ag_ctx_output(const ag_ctx *ctx)
{
    AG_REQUIRE(ctx, NULL);
    return ctx->output;
}

int ag_ctx_num_inputs(const ag_ctx *ctx)
{
    AG_REQUIRE(ctx, ND_ERR_VALUE);
    return ctx->n;
}

const void *ag_ctx_params(const ag_ctx *ctx)
{
    AG_REQUIRE(ctx, NULL);
    return ctx->params;
}

bool ag_ctx_needs_grad(const ag_ctx *ctx, int index)
{
    AG_REQUIRE(ctx, false);
    return index >= 0 && index < ctx->n && ctx->needs_grad[index];
}

/* ---- the backward pass --------------------------------------------------------------------- */

nd_array *ag_reduce_to_shape(const nd_array *grad, int ndim, const int64_t *shape)
{
    AG_REQUIRE(grad, NULL);
    if (ndim > 0)
        AG_REQUIRE(shape, NULL);
    int gnd = nd_ndim(grad);
    const int64_t *gshape = nd_shape(grad);
    int axes[ND_MAXDIMS], naxes = 0;
    int lead = gnd - ndim;
    if (lead < 0) {
        ag_error(ND_ERR_VALUE, "gradient of rank %d cannot be reduced to rank %d", gnd, ndim);
        return NULL;
    }
    for (int d = 0; d < gnd; d++)
        if (d < lead || (shape[d - lead] == 1 && gshape[d] != 1))
            axes[naxes++] = d;
        else if (shape[d - lead] != gshape[d]) {
            ag_error(ND_ERR_VALUE, "gradient of a broadcast shape does not match the input");
            return NULL;
        }
    if (naxes == 0)
        return nd_view(grad);
    nd_array *sum = nd_sum(grad, naxes, axes, false);
    if (!sum)
        return NULL;
    nd_array *result = nd_reshape(sum, ndim, shape);
    nd_free(sum);
    return result;
}

/* Adds g (taken) into x's gradient. The first gradient is kept as is when
 * it is a private array, so the common case copies nothing. A tape
 * tensor's first gradient is kept as is even when other arrays share it
 * (add's backward hands the same dL/dy to both inputs): a tape tensor's
 * gradient is only read, by its producer's backward, and then dropped, so
 * the one write it could see is a second gradient here, which then goes
 * into a new array. Copying it up front cost a pass per residual
 * connection. A leaf's gradient is the caller's to change in place
 * (clipping, the optimizer), so it is always its own array. */
static int accumulate(ag_tensor *x, nd_array *g, bool g_is_private)
{
    const nd_array *value = x->value;
    nd_array *shaped = ag_reduce_to_shape(g, nd_ndim(value), nd_shape(value));
    bool reduced = shaped && nd_data(shaped) != nd_data(g);
    nd_free(g);
    if (!shaped)
        return nd_last_status();
    if (!x->grad) {
        x->grad_shared = false;
        if (x->grad_storage) /* copied into the caller's storage as it is */
            return ag_grad_adopt(x, shaped);
        bool writable = (g_is_private || reduced) && nd_is_writeable(shaped);
        if (nd_dtype_of(shaped) == nd_dtype_of(value) && nd_is_c_contiguous(shaped) &&
            (writable || x->on_tape)) {
            x->grad = shaped;
            x->grad_shared = !writable;
            return 0;
        }
        x->grad = nd_astype(shaped, nd_dtype_of(value));
        nd_free(shaped);
        return x->grad ? 0 : nd_last_status();
    }
    if (!x->grad_shared) {
        int status = nd_add_out(x->grad, shaped, x->grad);
        nd_free(shaped);
        return status;
    }
    nd_array *sum = nd_empty_like(x->grad);
    int status = sum ? nd_add_out(x->grad, shaped, sum) : nd_last_status();
    nd_free(shaped);
    if (status < 0) {
        nd_free(sum);
        return status;
    }
    nd_free(x->grad);
    x->grad = sum;
    x->grad_shared = false;
    return 0;
}

/* True if g shares memory with anything the tape or the op still holds. */
static bool shares_memory(const nd_array *g, const ag_node *node, const nd_array *grad_output,
                          nd_array *const *grads, int self)
{
    if (nd_may_share_memory(g, grad_output) || nd_may_share_memory(g, node->ctx.output))
        return true;
    for (int i = 0; i < node->ctx.n; i++)
        if (nd_may_share_memory(g, node->ctx.inputs[i]) ||
            (i != self && grads[i] && nd_may_share_memory(g, grads[i])))
            return true;
    for (int i = 0; i < node->ctx.nsaved; i++)
        if (nd_may_share_memory(g, node->ctx.saved[i]))
            return true;
    return false;
}

static int run_node(ag_node *node, bool retain_graph)
{
    if (node->released)
        return ag_error(ND_ERR_VALUE,
                        "Trying to backward through the graph a second time (or "
                        "directly access saved tensors after they have already been freed). "
                        "Saved intermediate values of the graph are freed when you call "
                        ".backward() or autograd.grad(). Specify retain_graph=True if you need "
                        "to backward through the graph a second time or if you need to access "
                        "saved tensors after calling backward.");
    nd_array *grad_output = node->output->grad;
    nd_array *grads[AG_MAX_INPUTS] = {0};
    int status = node->op->backward(&node->ctx, grad_output, grads);
    for (int i = 0; i < node->ctx.n && status == 0; i++) {
        if (!node->ctx.needs_grad[i] || !grads[i])
            continue;
        bool private = !shares_memory(grads[i], node, grad_output, grads, i);
        status = accumulate(node->inputs[i], grads[i], private);
        grads[i] = NULL;
    }
    for (int i = 0; i < node->ctx.n; i++)
        nd_free(grads[i]);
    /* A tape tensor's gradient is only needed until its producer ran. */
    nd_free(node->output->grad);
    node->output->grad = NULL;
    if (!retain_graph)
        release_saved(node);
    return status;
}

/* ---- the grad-ready hook --------------------------------------------------------------- */

static _Thread_local ag_grad_ready_fn ready_fn;
static _Thread_local void *ready_ctx;
static _Thread_local uint64_t ready_stamp;

void ag_set_grad_ready_hook(ag_grad_ready_fn fn, void *ctx)
{
    ready_fn = fn;
    ready_ctx = ctx;
}

static bool hooked_leaf(const ag_tensor *x) { return x && !x->on_tape && x->requires_grad; }

/* Nodes run in reverse order of recording, so a leaf's gradient is final
 * once the EARLIEST node reading it has run: marks each leaf with that
 * node's index (a stamp tells this backward's marks from older ones). */
static void mark_first_uses(tape *t, size_t start)
{
    ready_stamp++;
    for (size_t i = 0; i < start; i++) {
        ag_node *node = t->nodes[i];
        for (int k = 0; k < node->ctx.n; k++) {
            ag_tensor *x = node->inputs[k];
            if (hooked_leaf(x) && x->ready_stamp != ready_stamp) {
                x->ready_stamp = ready_stamp;
                x->ready_node = i;
            }
        }
    }
}

/* After node i: the hook for each leaf whose last contribution it was. */
static void fire_ready(tape *t, size_t i)
{
    ag_node *node = t->nodes[i];
    for (int k = 0; k < node->ctx.n; k++) {
        ag_tensor *x = node->inputs[k];
        if (hooked_leaf(x) && x->ready_stamp == ready_stamp && x->ready_node == i) {
            x->ready_stamp = 0; /* once, even if the node reads it twice */
            if (x->grad)
                ready_fn(x, ready_ctx);
        }
    }
}

int ag_backward_ex(ag_tensor *output, const nd_array *grad_output, bool retain_graph)
{
    if (!output)
        return ag_error(ND_ERR_VALUE, "backward: the output is NULL");
    if (!output->requires_grad)
        return ag_error(ND_ERR_VALUE, "element 0 of tensors does not require grad and does not "
                                      "have a grad_fn");
    nd_array *seed;
    if (grad_output) {
        bool same = nd_ndim(grad_output) == nd_ndim(output->value);
        for (int d = 0; d < nd_ndim(grad_output) && same; d++)
            same = nd_shape(grad_output)[d] == nd_shape(output->value)[d];
        if (!same)
            return ag_error(ND_ERR_VALUE, "Mismatch in shape: grad_output and output must have "
                                          "the same shape");
        seed = nd_astype(grad_output, nd_dtype_of(output->value));
    } else {
        if (nd_size(output->value) != 1)
            return ag_error(ND_ERR_VALUE, "grad can be implicitly created only for scalar outputs");
        seed = nd_ones_like(output->value);
    }
    if (!seed)
        return nd_last_status();
    if (!output->node) { /* a leaf: its gradient is the seed */
        return accumulate(output, seed, true);
    }
    nd_free(output->grad);
    output->grad = seed;
    output->grad_shared = false;
    /* Walk back from the output's node: later nodes cannot lead to it. */
    tape *t = &the_tape;
    size_t start = t->nnodes;
    while (start > 0 && t->nodes[start - 1] != output->node)
        start--;
    int status = 0;
    ag_grad_ready_fn hook = ready_fn;
    if (hook)
        mark_first_uses(t, start);
    for (size_t i = start; i > 0 && status == 0; i--) {
        ag_node *node = t->nodes[i - 1];
        if (node->output->grad)
            status = run_node(node, retain_graph);
        if (hook && status == 0)
            fire_ready(t, i - 1);
    }
    /* On failure, drop whatever gradients of tape tensors are in flight. */
    if (status < 0)
        for (size_t i = start; i > 0; i--) {
            nd_free(t->nodes[i - 1]->output->grad);
            t->nodes[i - 1]->output->grad = NULL;
        }
    return status;
}

int ag_backward(ag_tensor *loss) { return ag_backward_ex(loss, NULL, false); }

/* ---- the tape made visible ------------------------------------------------------------------ */

_Static_assert(AG_NODE_MAX_ARRAYS == AG_MAX_INPUTS && AG_NODE_MAX_ARRAYS == AG_MAX_SAVED,
               "ag_tape_node_info holds a node's inputs and saved arrays");

/* Which of the node's inputs a (saved or output) array is a view of: its
 * index, -1 if none. */
static int view_of_input(const ag_ctx *ctx, const nd_array *a)
{
    for (int k = 0; k < ctx->n; k++)
        if (nd_may_share_memory(a, ctx->inputs[k]))
            return k;
    return -1;
}

int ag_tape_node(size_t i, ag_tape_node_info *info)
{
    AG_REQUIRE(info, ND_ERR_VALUE);
    const tape *t = &the_tape;
    if (i >= t->nnodes)
        return ag_error(ND_ERR_INDEX, "node %zu is past the tape's %zu nodes", i, t->nnodes);
    const ag_node *node = t->nodes[i];
    const ag_ctx *ctx = &node->ctx;
    *info = (ag_tape_node_info){.op = node->op->name,
                                .ninputs = ctx->n,
                                .output = ctx->output,
                                .nsaved = ctx->nsaved,
                                .released = node->released};
    for (int k = 0; k < ctx->n; k++)
        info->inputs[k] = ctx->inputs[k];
    /* Bytes of its own: a view of an input (a reshape, a slice) or a saved
     * view of an input or the output costs nothing beyond what they hold. */
    info->bytes_held = view_of_input(ctx, ctx->output) < 0 ? nd_nbytes(ctx->output) : 0;
    for (int k = 0; k < ctx->nsaved; k++) {
        const nd_array *s = ctx->saved[k];
        info->saved[k] = s;
        if (view_of_input(ctx, s) < 0 && !nd_may_share_memory(s, ctx->output))
            info->bytes_held += nd_nbytes(s);
    }
    return 0;
}

/* "(64,32)" */
static void print_shape(FILE *out, const char *prefix, const nd_array *a)
{
    fprintf(out, " %s(", prefix);
    for (int d = 0; d < nd_ndim(a); d++)
        fprintf(out, d ? ",%lld" : "%lld", (long long)nd_shape(a)[d]);
    fputc(')', out);
}

/* The saved arrays, named by what they are views of, else shape and dtype. */
static void print_saved(FILE *out, const char *label, const ag_node *node)
{
    const ag_ctx *ctx = &node->ctx;
    if (node->released) {
        fprintf(out, "  %s: freed by the backward", label);
        return;
    }
    if (ctx->nsaved == 0)
        return;
    fprintf(out, "  %s:", label);
    for (int k = 0; k < ctx->nsaved; k++) {
        const nd_array *s = ctx->saved[k];
        int input = view_of_input(ctx, s);
        if (k)
            fputc(',', out);
        if (input >= 0)
            fprintf(out, " input %d", input);
        else if (nd_may_share_memory(s, ctx->output))
            fprintf(out, " output");
        else {
            print_shape(out, "", s);
            fprintf(out, " %s", nd_dtype_name(nd_dtype_of(s)));
        }
    }
}

int ag_tape_print(FILE *out, size_t first, size_t count)
{
    AG_REQUIRE(out, ND_ERR_VALUE);
    const tape *t = &the_tape;
    if (first > t->nnodes || (count > 0 && count > t->nnodes - first))
        return ag_error(ND_ERR_INDEX, "nodes %zu..%zu are past the tape's %zu nodes", first,
                        first + count - 1, t->nnodes);
    if (count == 0)
        count = t->nnodes - first;
    if (count > INT32_MAX)
        return ag_error(ND_ERR_VALUE, "ag_tape_print: at most %d nodes at a time", INT32_MAX);
    int64_t total = 0;
    fprintf(out, "forward: %zu nodes (#%zu..#%zu), in recording order\n", count, first,
            first + count - 1);
    for (size_t i = first; i < first + count; i++) {
        const ag_node *node = t->nodes[i];
        ag_tape_node_info info;
        ag_tape_node(i, &info);
        total += info.bytes_held;
        fprintf(out, "  #%zu %s", i, info.op);
        for (int k = 0; k < info.ninputs; k++)
            print_shape(out, "", info.inputs[k]);
        fprintf(out, " ->");
        print_shape(out, "", info.output);
        print_saved(out, "saved", node);
        fprintf(out, "  held %lld B\n", (long long)info.bytes_held);
    }
    fprintf(out, "held in all: %lld B\n", (long long)total);
    fprintf(out, "backward: the same %zu nodes in reverse, as ag_backward visits them\n", count);
    for (size_t i = first + count; i > first; i--) {
        const ag_node *node = t->nodes[i - 1];
        const ag_ctx *ctx = &node->ctx;
        fprintf(out, "  #%zu %s", i - 1, node->op->name);
        print_shape(out, "d", ctx->output);
        fprintf(out, " ->");
        for (int k = 0; k < ctx->n; k++)
            if (ctx->needs_grad[k])
                print_shape(out, "d", ctx->inputs[k]);
            else
                fprintf(out, " -");
        print_saved(out, "uses saved", node);
        fputc('\n', out);
    }
    if (ferror(out))
        return ag_error(ND_ERR_IO, "ag_tape_print: cannot write the listing");
    return (int)count;
}
