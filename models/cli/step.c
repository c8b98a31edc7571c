/*
 * step.c: the optimizer step of train and finetune.
 *
 * The parameter arena. Every parameter's value sits in one float32 block
 * and every gradient in another (ag_param_bind), in the model's tensor
 * order, each tensor starting on a 64-byte boundary. A step's gradient
 * reduction is then a few large collectives over one buffer, and the
 * optimizer, the clipping and the checkpoint read the same memory they
 * always did through the parameters.
 *
 * The order of the sums. A global batch is M = K·P micro-batches (K per
 * rank, P ranks); micro-batch j runs on rank j mod P. G_j is the gradient
 * of micro-batch j's loss times 1/M, computed by a backward into a
 * gradient with no previous value (so its bits do not depend on what came
 * before). A rank accumulates its micro-batches in order,
 *     S_r = ((G_r + G_{r+P}) + G_{r+2P}) + ...
 * and the ranks' sums are added by the reduction. With P = 1 this is
 * ((G_0 + G_1) + G_2) + ..., the sequential accumulation. On one node the
 * reduction adds in rank order, ((S_0 + S_1) + S_2) + ... (distributed.c),
 * so with K = 1 any P gives the sequential sum: `-np 4 --batch B` equals
 * `--batch B --grad-accum 4` bit for bit. MPI_Iallreduce (several nodes)
 * keeps that for P = 2 (a + b = b + a) and reassociates beyond, which
 * moves the last bits only; so does K > 1 with P > 1.
 * The reported loss is the mean of the M micro-batch losses added in j
 * order on every rank (they are gathered, not reduced), so it is the same
 * for every P.
 *
 * Overlap (the MPI_Iallreduce path; the shared-memory window reduces
 * after the backward, at memory speed). On the last micro-batch of a step,
 * the backward reports each
 * parameter whose gradient is final (ag_set_grad_ready_hook: the last
 * layer first, the embedding last); when every parameter of a bucket (a
 * run of the arena of about SHANNON_BUCKET_MB, default an eighth of the
 * arena between 1 and 64 MB) is final, its reduction starts while the
 * backward computes the layers below.
 *
 * ZeRO-1 (--zero 1, P > 1). Each rank owns a slice of the arena, cut at
 * norm-chunk starts (setup_zero), and keeps the AdamW state of that slice
 * only (ag_optimizer_set_range). The reduction leaves the sum in the
 * owner's slice only (reduce-scatter; the same rank-order sums), the norm
 * is put together from every rank's chunk sums with ag_clip_grad_norm's
 * bits (clip_slice), each rank updates its slice, and the values are
 * all-gathered. Every number is the one --zero 0 computes: the runs are
 * bit-identical. Checkpoints gather the state into rank 0
 * (train_step_whole_state).
 */
#include "step.h"

#include "distributed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN_FLOATS 16 /* 64 bytes */

struct train_step {
    int n;
    ag_tensor **params;
    ag_optimizer *decay, *no_decay;
    // clang-format off
    int64_t accum;           /* K */
    double grad_clip;
    int rank, size;
    nd_array *values, *grads;    /* the arena: 1-D float32 */
    float *sum;                  /* K > 1: S_r so far */
    int64_t total;
    int64_t *offset, *count;     /* per parameter */
    int *bucket_of;              /* per parameter */
    int nbuckets;
    int64_t *bucket_end;
    int *pending;                /* per bucket: parameters not final yet */
    bool *done;                  /* per parameter, this step */
    dist_reducer *reducer;
    /* ZeRO-1 (P > 1): this rank owns [bound[rank], bound[rank+1]) of the arena. */
    bool zero;
    int64_t *bound;              /* P + 1 */
    ag_optimizer **group;        /* per parameter: decay or no_decay */
    int *index;                  /* per parameter: its index in its group */
    int64_t *first_chunk;        /* per parameter: its first norm chunk's number */
    // clang-format on
    int64_t nchunks;
    double *chunk_sums, *sum_squares;
};

static int64_t round_up(int64_t n) { return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

/* A view of elements [at, at + count) of a 1-D arena, in the shape of v. */
static nd_array *arena_view(nd_array *arena, int64_t at, int64_t count, const nd_array *v)
{
    nd_array *slice = nd_slice(arena, 0, at, at + count, 1);
    nd_array *shaped = slice ? nd_reshape(slice, nd_ndim(v), nd_shape(v)) : NULL;
    nd_free(slice);
    return shaped;
}

/* Buckets of whole parameters, about `bytes` each. */
static int make_buckets(train_step *s)
{
    int64_t bytes = s->total * 4 / 8;
    bytes = bytes < (1 << 20) ? 1 << 20 : bytes > (64 << 20) ? 64 << 20 : bytes;
    const char *env = getenv("SHANNON_BUCKET_MB");
    if (env && atof(env) > 0)
        bytes = (int64_t)(atof(env) * (1 << 20));
    s->bucket_end = malloc((size_t)(s->n + 1) * sizeof *s->bucket_end);
    s->bucket_of = malloc((size_t)s->n * sizeof *s->bucket_of);
    s->pending = calloc((size_t)s->n + 1, sizeof *s->pending);
    s->done = calloc((size_t)s->n, sizeof *s->done);
    if (!s->bucket_end || !s->bucket_of || !s->pending || !s->done)
        return -1;
    int64_t start = 0;
    s->nbuckets = 0;
    for (int i = 0; i < s->n; i++) {
        s->bucket_of[i] = s->nbuckets;
        int64_t end = i + 1 < s->n ? s->offset[i + 1] : s->total;
        if ((end - start) * 4 >= bytes || i + 1 == s->n) {
            s->bucket_end[s->nbuckets++] = end;
            start = end;
        }
    }
    return 0;
}

/* Parameter i's elements inside [lo, hi) of the arena, as a range of the
 * parameter: [*begin, *end) (empty: begin == end). */
static void part_of(const train_step *s, int i, int64_t lo, int64_t hi, int64_t *begin, int64_t *end)
{
    int64_t b = lo > s->offset[i] ? lo : s->offset[i];
    int64_t e = hi < s->offset[i] + s->count[i] ? hi : s->offset[i] + s->count[i];
    *begin = b < e ? b - s->offset[i] : 0;
    *end = b < e ? e - s->offset[i] : 0;
}

/* ZeRO-1. The arena is cut into P slices at the starts of norm chunks (a
 * parameter's elements from its start in runs of AG_NORM_CHUNK), cut k
 * the start nearest k/P of the arena (not before cut k-1): a chunk lies in
 * one slice, so every chunk's sum of squares is computed whole, by one
 * rank, with the bits ag_clip_grad_norm gives it. Each parameter's
 * optimizer state is narrowed to its part of this rank's slice. */
static int setup_zero(train_step *s)
{
    const int P = s->size;
    s->bound = malloc((size_t)(P + 1) * sizeof *s->bound);
    s->group = malloc((size_t)s->n * sizeof *s->group);
    s->index = malloc((size_t)s->n * sizeof *s->index);
    s->first_chunk = malloc((size_t)s->n * sizeof *s->first_chunk);
    s->sum_squares = malloc((size_t)s->n * sizeof *s->sum_squares);
    if (!s->bound || !s->group || !s->index || !s->first_chunk || !s->sum_squares)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory");
    s->nchunks = 0;
    for (int i = 0; i < s->n; i++) {
        s->first_chunk[i] = s->nchunks;
        s->nchunks += (s->count[i] + AG_NORM_CHUNK - 1) / AG_NORM_CHUNK;
    }
    if (!(s->chunk_sums = malloc((size_t)(s->nchunks > 0 ? s->nchunks : 1) * sizeof *s->chunk_sums)))
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory");
    s->bound[0] = 0;
    for (int k = 1; k < P; k++) {
        int64_t target = s->total * k / P, cut = s->total;
        for (int i = 0; i < s->n; i++)
            for (int64_t at = s->offset[i]; at < s->offset[i] + s->count[i]; at += AG_NORM_CHUNK)
                if (at >= s->bound[k - 1] && llabs(at - target) < llabs(cut - target))
                    cut = at;
        s->bound[k] = cut;
    }
    s->bound[P] = s->total;
    if (dist_reducer_shard(s->reducer, s->bound) < 0)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory (or a ZeRO-1 slice of 2^31 floats "
                                                "or more: use more ranks)");
    int64_t lo = s->bound[s->rank], hi = s->bound[s->rank + 1];
    for (int i = 0; i < s->n; i++) {
        s->group[i] = s->decay;
        if ((s->index[i] = ag_optimizer_index(s->decay, s->params[i])) < 0) {
            s->group[i] = s->no_decay;
            s->index[i] = ag_optimizer_index(s->no_decay, s->params[i]);
        }
        int64_t begin, end;
        part_of(s, i, lo, hi, &begin, &end);
        if (s->index[i] < 0)
            return nd_set_last_error(ND_ERR_VALUE, "ZeRO-1: parameter %d is in neither AdamW group",
                                     i);
        if (ag_optimizer_set_range(s->group[i], s->index[i], begin, end) < 0)
            return -1;
    }
    s->zero = true;
    return 0;
}

/* Whether every rank was given this --zero (ranks that disagree would run
 * different collectives): how many ranks say 1 is 0 or all. Collective. */
static bool same_zero_everywhere(int zero)
{
    int ones = dist_failures(zero == 1);
    if (ones == 0 || ones == dist_size())
        return true;
    nd_set_last_error(ND_ERR_VALUE, "the ranks were given different --zero values (every rank "
                                    "must run the same command)");
    return false;
}

train_step *train_step_new(int n, ag_tensor *const *params, ag_optimizer *decay,
                           ag_optimizer *no_decay, int64_t grad_accum, double grad_clip, int zero)
{
    train_step *s = calloc(1, sizeof *s);
    if (!s) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    *s = (train_step){.n = n,
                      .decay = decay,
                      .no_decay = no_decay,
                      .accum = grad_accum,
                      .grad_clip = grad_clip,
                      .rank = dist_rank(),
                      .size = dist_size()};
    s->params = malloc((size_t)n * sizeof *s->params);
    s->offset = malloc((size_t)n * sizeof *s->offset);
    s->count = malloc((size_t)n * sizeof *s->count);
    if (!s->params || !s->offset || !s->count)
        goto oom;
    for (int i = 0; i < n; i++) {
        s->params[i] = params[i];
        const nd_array *v = ag_value(params[i]);
        if (nd_dtype_of(v) != ND_FLOAT32) {
            nd_set_last_error(ND_ERR_TYPE, "the parameter arena holds float32 parameters only");
            train_step_free(s);
            return NULL;
        }
        s->offset[i] = s->total;
        s->count[i] = nd_size(v);
        s->total += round_up(s->count[i]);
    }
    if (make_buckets(s) < 0)
        goto oom;
    /* The gradients live where the reduction wants them (a shared-memory
     * window when the ranks share a node). */
    s->reducer = dist_reducer_new(s->total, s->nbuckets, s->bucket_end);
    if (!s->reducer)
        goto oom;
    s->values = nd_zeros(ND_FLOAT32, 1, &s->total);
    s->grads = nd_from_buffer(ND_FLOAT32, 1, &s->total, NULL, dist_reducer_data(s->reducer), true);
    if (!s->values || !s->grads)
        goto fail;
    if (grad_accum > 1 && !(s->sum = malloc((size_t)s->total * sizeof *s->sum)))
        goto oom;
    for (int i = 0; i < n; i++) {
        const nd_array *v = ag_value(params[i]);
        nd_array *value = arena_view(s->values, s->offset[i], s->count[i], v);
        nd_array *grad = arena_view(s->grads, s->offset[i], s->count[i], v);
        int status = value && grad ? ag_param_bind(params[i], value, grad) : -1;
        nd_free(value);
        nd_free(grad);
        if (status < 0)
            goto fail;
    }
    if (s->size > 1 && !same_zero_everywhere(zero))
        goto fail;
    if (zero == 1 && s->size > 1 && setup_zero(s) < 0)
        goto fail;
    return s;
oom:
    nd_set_last_error(ND_ERR_MEMORY, "out of memory");
fail:
    train_step_free(s);
    return NULL;
}

void train_step_free(train_step *s)
{
    if (!s)
        return;
    nd_free(s->values);
    nd_free(s->grads);
    dist_reducer_free(s->reducer); /* the parameters' gradient views must not be read after */
    free(s->sum);
    free(s->params);
    free(s->offset);
    free(s->count);
    free(s->bucket_of);
    free(s->bucket_end);
    free(s->pending);
    free(s->done);
    free(s->bound);
    free(s->group);
    free(s->index);
    free(s->first_chunk);
    free(s->chunk_sums);
    free(s->sum_squares);
    free(s);
}

float *train_step_values(train_step *s, int64_t *n)
{
    *n = s->total;
    return nd_data(s->values);
}

int train_step_keep_bf16_copies(const train_step *s, transformer_model *model, const char *command)
{
    /* ZeRO-1: a rank updates its slice and gathers the rest, which its
     * optimizers' copies would miss. */
    if (s->zero || transformer_get_config(model)->precision != TRANSFORMER_BF16)
        return 0;
    if (transformer_keep_bf16_copies(model, s->decay) < 0 ||
        transformer_keep_bf16_copies(model, s->no_decay) < 0) {
        fprintf(stderr, "shannon %s: %s\n", command, nd_last_error());
        return -1;
    }
    return 0;
}

/* Parameter i's gradient for this step is final on this rank: a parameter
 * the last backward did not reach contributes zeros, and with K > 1 the
 * earlier micro-batches' sum is added (S + G_last); its bucket may start. */
static void param_final(train_step *s, int i)
{
    if (s->done[i])
        return;
    s->done[i] = true;
    float *g = (float *)nd_data(s->grads) + s->offset[i];
    if (!ag_grad(s->params[i]))
        memset(g, 0, (size_t)s->count[i] * sizeof *g);
    if (s->sum) {
        const float *acc = s->sum + s->offset[i];
        for (int64_t k = 0; k < s->count[i]; k++)
            g[k] = acc[k] + g[k];
    }
    if (--s->pending[s->bucket_of[i]] == 0)
        dist_reducer_ready(s->reducer, s->bucket_of[i]);
    else
        dist_reducer_progress(s->reducer);
}

static void on_grad_ready(ag_tensor *param, void *ctx)
{
    train_step *s = ctx;
    /* The arena's tensors are few (TRANSFORMER_MAX_TENSORS): a scan. */
    for (int i = 0; i < s->n; i++)
        if (s->params[i] == param) {
            param_final(s, i);
            return;
        }
}

/* After a micro-batch that is not this rank's last: S += G (S = G first). */
static void accumulate_micro(train_step *s, bool first)
{
    float *g = nd_data(s->grads);
    for (int i = 0; i < s->n; i++) {
        if (!ag_grad(s->params[i]))
            memset(g + s->offset[i], 0, (size_t)s->count[i] * sizeof *g);
        ag_zero_grad(s->params[i]); /* the next backward writes a fresh G */
    }
    if (first) {
        memcpy(s->sum, g, (size_t)s->total * sizeof *g);
    } else {
        for (int64_t k = 0; k < s->total; k++)
            s->sum[k] = s->sum[k] + g[k];
    }
}

static int failed(const train_step *s, const char *command, int64_t it)
{
    fprintf(stderr, "shannon %s: iteration %lld failed%s: %s\n", command, (long long)it,
            s->size > 1 ? " on one rank; stopping every rank" : "", nd_last_error());
    ag_set_grad_ready_hook(NULL, NULL);
    ag_tape_reset();
    if (s->size > 1)
        dist_abort(1);
    return -1;
}

/* ZeRO-1's clipping: each rank holds the reduced gradient of its slice
 * only. It sums the squares of the norm chunks there, every rank gets all
 * chunks' sums (each chunk's from the one rank that holds it, zeros from
 * the rest: exact), adds each parameter's in order, and the total and
 * coefficient come from ag_clip_coef_f32: the bits ag_clip_grad_norm
 * gives with the whole gradients (--zero 0). The rank scales its slice.
 * Returns the total norm, or -1 with nd_last_error set. */
static double clip_slice(train_step *s)
{
    int64_t lo = s->bound[s->rank], hi = s->bound[s->rank + 1];
    float *g = nd_data(s->grads);
    for (int64_t c = 0; c < s->nchunks; c++)
        s->chunk_sums[c] = 0;
    for (int i = 0; i < s->n; i++) {
        int64_t end = s->offset[i] + s->count[i], c = s->first_chunk[i];
        for (int64_t at = s->offset[i]; at < end; at += AG_NORM_CHUNK, c++)
            if (at >= lo && at < hi)
                s->chunk_sums[c] =
                    ag_sum_squares_f32(g + at, end - at < AG_NORM_CHUNK ? end - at : AG_NORM_CHUNK);
    }
    dist_sum_doubles(s->chunk_sums, (int)s->nchunks);
    for (int i = 0; i < s->n; i++) {
        int64_t chunks = (s->count[i] + AG_NORM_CHUNK - 1) / AG_NORM_CHUNK;
        double sum = 0;
        for (int64_t c = 0; c < chunks; c++)
            sum += s->chunk_sums[s->first_chunk[i] + c];
        s->sum_squares[i] = sum;
    }
    double coef, total = ag_clip_coef_f32(s->n, s->sum_squares, s->grad_clip, &coef);
    if (total >= 0 && coef != 1.0) { /* as ag_clip_grad_norm: g * (float)coef */
        const float c = (float)coef;
        for (int64_t k = lo; k < hi; k++)
            g[k] = g[k] * c;
    }
    return total;
}

int train_step_run(train_step *s, const char *command, int64_t it, micro_batch_fn fn, void *ctx,
                   nd_rng *dropout_rng, int stop_signal, step_result *result)
{
    const int64_t K = s->accum, P = s->size, M = K * P;
    *result = (step_result){.loss = NAN, .grad_norm = NAN};
    nd_array *seeds = NULL;
    if (M > 1 && !(seeds = nd_rng_integers(dropout_rng, 0, INT64_MAX, false, ND_INT64, 1, &M)))
        return failed(s, command, it);
    double *mine = malloc((size_t)(K + 1) * sizeof *mine),
           *all = malloc((size_t)(K + 1) * (size_t)P * sizeof *all);
    if (!mine || !all) {
        free(mine), free(all), nd_free(seeds);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        return failed(s, command, it);
    }
    for (int i = 0; i < s->n; i++)
        s->done[i] = false;
    for (int b = 0; b < s->nbuckets; b++)
        s->pending[b] = 0;
    for (int i = 0; i < s->n; i++)
        s->pending[s->bucket_of[i]]++;
    int64_t k = 0;
    for (int64_t j = 0; j < M; j++) {
        bool is_mine = j % P == s->rank, last = is_mine && k == K - 1;
        nd_rng *rng = M > 1 && is_mine ? nd_rng_new((uint64_t)((const int64_t *)nd_data(seeds))[j])
                                       : dropout_rng;
        transformer_forward_options o = {.dropout_rng = rng};
        ag_tensor *loss = NULL;
        int status = rng ? fn(ctx, is_mine, &o, &loss) : -1;
        if (status == 0 && is_mine) {
            mine[k] = loss ? *(const float *)nd_data(ag_value(loss)) : NAN;
            ag_tensor *scaled = M > 1 ? ag_mul_scalar(loss, 1.0 / (double)M) : loss;
            if (last && P > 1)
                ag_set_grad_ready_hook(on_grad_ready, s);
            status = ag_backward(scaled);
            ag_set_grad_ready_hook(NULL, NULL);
        }
        if (rng != dropout_rng)
            nd_rng_free(rng);
        if (status < 0) {
            free(mine), free(all), nd_free(seeds);
            return failed(s, command, it);
        }
        if (is_mine) {
            ag_tape_reset();
            if (!last)
                accumulate_micro(s, k == 0);
            k++;
        }
    }
    nd_free(seeds);
    for (int i = 0; i < s->n; i++)
        param_final(s, i);
    dist_reducer_wait(s->reducer);
    result->exposed_comm = dist_reducer_exposed_seconds(s->reducer);
    /* Every gradient now holds the global sum (ZeRO-1: in this rank's
     * slice; the rest is stale and never read); a parameter no backward
     * reached gets it too (zeros, or the other ranks' part). */
    for (int i = 0; i < s->n; i++)
        if (!ag_grad(s->params[i])) {
            nd_array *g = arena_view(s->grads, s->offset[i], s->count[i], ag_value(s->params[i]));
            int status = g ? ag_set_grad(s->params[i], g) : -1;
            nd_free(g);
            if (status < 0) {
                free(mine), free(all);
                return failed(s, command, it);
            }
        }
    /* The losses in micro-batch order, and the signals, from every rank. */
    mine[K] = stop_signal;
    dist_allgather_doubles(mine, (int)K + 1, all);
    double total = 0;
    int signal = 0;
    for (int64_t j = 0; j < M; j++)
        total += all[(j % P) * (K + 1) + j / P];
    for (int64_t r = 0; r < P; r++)
        if (!signal && all[r * (K + 1) + K] != 0)
            signal = (int)all[r * (K + 1) + K];
    free(mine), free(all);
    result->loss = total / (double)M;
    result->stop_signal = signal;
    if (!isfinite(result->loss))
        return 1;
    /* Without ZeRO the clip factor goes to the optimizers, which read the
     * gradients scaled: one pass over them fewer than scaling them first,
     * the same bits. */
    double coef = 1;
    double norm = s->zero ? clip_slice(s) : ag_clip_grad_coef(s->n, s->params, s->grad_clip, &coef);
    if (norm < 0)
        return failed(s, command, it);
    result->grad_norm = norm;
    if (!isfinite(norm))
        return 1;
    if (coef != 1 && (ag_optimizer_set_grad_scale(s->decay, coef) < 0 ||
                      ag_optimizer_set_grad_scale(s->no_decay, coef) < 0))
        return failed(s, command, it);
    /* ZeRO-1: each optimizer updates this rank's slice (its state covers
     * nothing else), then every rank gets every slice. */
    if (ag_optimizer_step(s->decay) < 0 || ag_optimizer_step(s->no_decay) < 0)
        return failed(s, command, it);
    if (s->zero)
        dist_reducer_allgather(s->reducer, nd_data(s->values));
    ag_optimizer_zero_grad(s->decay);
    ag_optimizer_zero_grad(s->no_decay);
    return 0;
}

void train_step_whole_state(train_step *s, bool whole)
{
    if (!s->zero)
        return;
    for (int i = 0; i < s->n; i++) {
        ag_optimizer *o = s->group[i];
        int j = s->index[i];
        int64_t begin, end, step;
        part_of(s, i, s->bound[s->rank], s->bound[s->rank + 1], &begin, &end);
        if (!whole) {
            /* Back to this rank's slice: nothing to exchange. If rank 0
             * cannot (out of memory) it keeps the whole state, which is
             * still right: the parts it does not own are updated from
             * stale gradients, but the all-gather overwrites those values
             * and the next save overwrites that state. */
            if (s->rank == 0)
                (void)ag_optimizer_set_range(o, j, begin, end);
            continue;
        }
        /* Rank 0's own part stays where it is in the whole buffer, so the
         * gather writes the others' parts around it. */
        if (s->rank == 0 && ag_optimizer_set_range(o, j, 0, s->count[i]) < 0) {
            /* the others wait in the gather */
            fprintf(stderr, "shannon: cannot gather the optimizer state: %s\n", nd_last_error());
            dist_abort(1);
        }
        nd_array *buf[2];
        ag_optimizer_state(o, j, &step, &buf[0], &buf[1]);
        for (int b = 0; b < 2; b++)
            if (buf[b]) { /* every rank has one or none: all took the same steps */
                float *data = nd_data(buf[b]);
                dist_gather_floats(s->rank == 0 ? data + begin : data, end - begin, data, begin);
            }
    }
}

void train_step_report_memory(const train_step *s, const char *command)
{
    if (s->size == 1)
        return;
    double mine =
        (double)(ag_optimizer_state_bytes(s->decay) + ag_optimizer_state_bytes(s->no_decay));
    double *all = malloc((size_t)s->size * sizeof *all);
    if (!all) {
        fprintf(stderr, "shannon %s: out of memory\n", command);
        dist_abort(1);
    }
    dist_allgather_doubles(&mine, 1, all);
    if (s->rank == 0) {
        fprintf(stderr, "shannon %s: optimizer state per rank (AdamW moments, --zero %d):", command,
                s->zero ? 1 : 0);
        for (int r = 0; r < s->size; r++)
            fprintf(stderr, " %.0f", all[r]);
        fprintf(stderr, " bytes\n");
    }
    free(all);
}
