/*
 * shannon train: nanoGPT's training loop on a text file.
 *
 *   text -> 90% train / 10% validation -> tokenizer -> token streams
 *   each iteration: a batch of B random windows of T+1 tokens, forward,
 *   cross-entropy, backward, clip the gradient norm to 1, AdamW (weight
 *   decay on matrices only), learning rate from warmup + cosine decay
 *   every eval interval: estimate train/val loss (20 random batches each,
 *   as nanoGPT's CPU runs), write a checkpoint
 *   at the end: train loss over 200 random batches, val loss over the whole
 *   validation split, every token once (as `shannon eval`)
 *
 * A checkpoint (checkpoint.c) holds the weights, the optimizer states, the
 * iteration and the random generators' states, published as one unit, so
 * --resume continues exactly where the run would have been: same batches,
 * same dropout masks, same losses. SIGINT/SIGTERM finish the step, write a
 * checkpoint and exit 128 + the signal; a loss, gradient or weight that is
 * no longer finite stops the run without writing over the last checkpoint.
 */
#include "checkpoint.h"
#include "distributed.h"
#include "model_dir.h"
#include "step.h"

#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* nanoGPT's shakespeare_char settings for what the command line leaves out. */
#define WARMUP_ITERS 100
#define WEIGHT_DECAY 0.1
#define BETA1 0.9
#define BETA2 0.99
#define GRAD_CLIP 1.0
#define EVAL_INTERVAL 250       /* default of --eval-interval */
#define EVAL_BATCHES 20         /* during training (nanoGPT's CPU eval_iters) */
#define FINAL_TRAIN_BATCHES 200 /* the final train loss; the final val loss reads
                                 * the whole validation split (text_loss) */

typedef struct trainer {
    const char *out;
    run_config config;
    transformer_model *model;
    tok_tokenizer *tok;
    int32_t *train_ids, *val_ids;
    size_t ntrain, nval;
    ag_optimizer *decay, *no_decay;     /* AdamW groups: matrices / vectors */
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    int nparams;
    nd_rng *batch_rng, *dropout_rng;
    int64_t iter;                       /* the next iteration to run */
    loss_row *rows;
    int64_t nrows, cap_rows;
    bool reference;
    checkpoint_dir dir;                 /* --out, locked while the run writes */
    int64_t eval_interval;
    uint64_t data_hash;                 /* the training text, as train_state.json records it */
    int64_t data_bytes;
    char *notes;                        /* notes.txt: the run's warnings; NULL: none */
    int64_t saved_iter;                 /* the iteration of the last checkpoint; -1: none */
    int64_t grad_accum;                 /* micro-batches per optimizer step on each rank */
    int64_t micro_batches;              /* per step over all ranks: grad_accum x ranks */
    train_step *step;                   /* the arena, accumulation and reduction */
    bool leader;                        /* rank 0: prints and writes */
} trainer;

/* ---- batches ------------------------------------------------------------------- */

int make_batch(nd_rng *rng, const int32_t *ids, size_t n, int64_t B, int64_t T,
                      nd_array **x, nd_array **y)
{
    nd_array *starts = nd_rng_integers(rng, 0, (int64_t)n - T, false, ND_INT64, 1, &B);
    *x = nd_empty(ND_INT64, 2, (int64_t[]){B, T});
    *y = nd_empty(ND_INT64, 2, (int64_t[]){B, T});
    if (!starts || !*x || !*y) {
        nd_free(starts);
        nd_free(*x);
        nd_free(*y);
        return -1;
    }
    const int64_t *s = nd_data(starts);
    int64_t *px = nd_data(*x), *py = nd_data(*y);
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            px[b * T + t] = ids[s[b] + t];
            py[b * T + t] = ids[s[b] + t + 1];
        }
    nd_free(starts);
    return 0;
}

/* The training loss of one batch: next-token cross-entropy (causal), or
 * the masked-token loss of x corrupted by BERT's rule with masks drawn
 * from mask_rng (mlm; y unused). */
static ag_tensor *batch_loss(trainer *t, const nd_array *x, const nd_array *y, nd_rng *mask_rng,
                             const transformer_forward_options *o)
{
    if (strcmp(t->config.objective, "mlm") != 0)
        return transformer_lm_loss(t->model, x, y, o);
    nd_array *in, *tg;
    if (mlm_mask_batch(t->tok, x, t->config.mask_rate, mask_rng, &in, &tg) < 0)
        return NULL;
    ag_tensor *loss = transformer_mlm_loss(t->model, in, tg, o);
    nd_free(in);
    nd_free(tg);
    return loss;
}

/* Mean loss over `batches` random batches of a split, without recording.
 * Its own generator (from the seed and the iteration) keeps the training
 * stream of batches independent of how often the loss is estimated. */
static double estimate_loss(trainer *t, const int32_t *ids, size_t n, int batches, uint64_t salt)
{
    nd_rng *rng = nd_rng_new((uint64_t)t->config.seed * 1000003u + salt);
    double *losses = calloc((size_t)batches, sizeof *losses), total = 0;
    /* Batch i is evaluated by rank i mod P (every rank draws every batch
     * to keep the generator in step) and the losses are added in batch
     * order: the same number for every P. MLM draws its masks from the
     * same generator while it evaluates, so there every rank does all. */
    int P = dist_size(), r = dist_rank();
    bool split = strcmp(t->config.objective, "mlm") != 0;
    ag_no_grad_begin();
    for (int i = 0; i < batches; i++) {
        nd_array *x, *y;
        if (!rng || !losses ||
            make_batch(rng, ids, n, t->config.batch, t->config.model.block_size, &x, &y) < 0) {
            total = NAN;
            break;
        }
        if (!split || i % P == r) {
            transformer_forward_options o = {.composed = t->reference};
            ag_tensor *loss = batch_loss(t, x, y, rng, &o);
            losses[i] = loss ? (double)*(const float *)nd_data(ag_value(loss)) : NAN;
        }
        nd_free(x);
        nd_free(y);
        ag_tape_reset();
    }
    ag_no_grad_end();
    nd_rng_free(rng);
    if (dist_failures(isnan(total)) > 0) {   /* one rank without memory: NaN on all */
        free(losses);
        return NAN;
    }
    if (split)
        dist_sum_doubles(losses, batches);
    for (int i = 0; i < batches; i++)
        total += losses[i];
    free(losses);
    return total / batches;
}

/* Micro-batch of the training stream (step.h): drawn on every rank, its
 * loss computed by the rank it belongs to. */
static int train_micro_batch(void *ctx, bool mine, const transformer_forward_options *o,
                             ag_tensor **loss)
{
    trainer *t = ctx;
    nd_array *x, *y;
    if (make_batch(t->batch_rng, t->train_ids, t->ntrain, t->config.batch,
                   t->config.model.block_size, &x, &y) < 0)
        return -1;
    if (mine) {
        transformer_forward_options with = *o;
        with.composed = t->reference;
        /* mlm: the masks come from the dropout generator, whose state the
         * checkpoint keeps, so --resume stays exact. */
        *loss = batch_loss(t, x, y, o->dropout_rng, &with);
    }
    nd_free(x);
    nd_free(y);
    return !mine || *loss ? 0 : -1;
}

/* ---- checkpoints and stopping ------------------------------------------------------ */

static checkpoint checkpoint_of(trainer *t)
{
    return (checkpoint){.config = &t->config, .tok = t->tok, .model = t->model, .decay = t->decay,
                        .no_decay = t->no_decay, .batch_rng = t->batch_rng,
                        .dropout_rng = t->dropout_rng, .iter = t->iter,
                        .eval_interval = t->eval_interval, .micro_batches = t->micro_batches, .data_hash = t->data_hash,
                        .data_bytes = t->data_bytes, .rows = t->rows, .nrows = t->nrows,
                        .notes = t->notes};
}

/* A checkpoint that resumes at iteration t->iter. */
static int save_checkpoint(trainer *t)
{
    /* Rank 0 writes (every rank holds the same state); all learn whether
     * it could, so a full disk stops every rank, not only rank 0. */
    checkpoint ck = checkpoint_of(t);
    if (dist_failures(t->leader && checkpoint_save("train", &t->dir, &ck) < 0) > 0)
        return -1;
    t->saved_iter = t->iter;
    return 0;
}

static int resume(trainer *t)
{
    checkpoint ck = checkpoint_of(t);
    if (checkpoint_load("train", &t->dir, &ck) < 0)
        return -1;
    t->iter = t->saved_iter = ck.iter;
    t->rows = ck.rows;
    t->nrows = t->cap_rows = ck.nrows;
    t->notes = ck.notes;
    t->eval_interval = ck.eval_interval;
    t->micro_batches = ck.micro_batches;
    t->data_hash = ck.data_hash;
    t->data_bytes = ck.data_bytes;
    return 0;
}

/* Adds a line to notes.txt (published with the next checkpoint). */
static int add_note(trainer *t, const char *line)
{
    size_t old = t->notes ? strlen(t->notes) : 0, add = strlen(line);
    char *grown = realloc(t->notes, old + add + 2);
    if (!grown)
        return -1;
    memcpy(grown + old, line, add);
    grown[old + add] = '\n';
    grown[old + add + 1] = '\0';
    t->notes = grown;
    return 0;
}

/* Weights about to be saved are all finite (float32 parameters). */
static bool weights_finite(const trainer *t)
{
    for (int i = 0; i < t->nparams; i++) {
        const nd_array *v = ag_value(t->params[i]);
        const float *p = nd_data(v);
        for (int64_t k = 0, n = nd_size(v); k < n; k++)
            if (!isfinite(p[k]))
                return false;
    }
    return true;
}

/* The first SIGINT/SIGTERM asks the loop to stop after its step (with a
 * checkpoint); a second one ends the process at once. Any thread of the
 * pool may run the handler, two at the same time: the compare-and-swap
 * (lock-free, so safe in a handler) makes exactly one signal the first. */
static atomic_int stop_signal;

static void on_signal(int sig)
{
    int none = 0;
    if (!atomic_compare_exchange_strong(&stop_signal, &none, sig)) {
        static const char msg[] = "\nshannon train: second signal; stopping at once\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        signal(sig, SIG_DFL);
        raise(sig);          /* delivered when this handler returns */
    }
}

static void catch_signals(bool on, struct sigaction saved[2])
{
    const int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        if (on) {
            struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, &saved[i]);
        } else {
            sigaction(sigs[i], &saved[i], NULL);
        }
    }
}

static int add_row(trainer *t, loss_row row)
{
    if (t->nrows == t->cap_rows) {
        int64_t cap = t->cap_rows ? t->cap_rows * 2 : 1024;
        loss_row *grown = realloc(t->rows, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        t->rows = grown;
        t->cap_rows = cap;
    }
    t->rows[t->nrows++] = row;
    return 0;
}

/* ---- setup ---------------------------------------------------------------------- */

size_t split_point(const char *text, size_t len)
{
    size_t at = len / 10 * 9 + len % 10 * 9 / 10;
    while (at < len && ((unsigned char)text[at] & 0xc0) == 0x80)
        at++;
    return at;
}

static int encode_split(trainer *t, const char *text, size_t len, int32_t **ids, size_t *n,
                        const char *what)
{
    if (tok_encode(t->tok, text, len, ids, n) < 0) {
        fprintf(stderr, "shannon train: cannot encode the %s text: %s\n", what, tok_last_error());
        return -1;
    }
    if ((int64_t)*n < t->config.model.block_size + 2) {
        fprintf(stderr, "shannon train: the %s text has %zu tokens, too few for --block %lld "
                "(use a longer file or a smaller --block)\n", what, *n,
                (long long)t->config.model.block_size);
        return -1;
    }
    return 0;
}

/* Flags given on the command line must agree with a model being resumed:
 * one line naming the first that does not. */
static int check_same(const char *out, const char *flag, bool given, long long stored, long long asked)
{
    if (given && stored != asked) {
        fprintf(stderr, "shannon train: '%s' holds a model with %s %lld, not %lld; drop the flag "
                "to resume it, or train into another --out\n", out, flag, stored, asked);
        return -1;
    }
    return 0;
}

static int check_same_real(const char *out, const char *flag, bool given, double stored, double asked)
{
    if (given && stored != asked) {
        fprintf(stderr, "shannon train: '%s' holds a model with %s %g, not %g; drop the flag "
                "to resume it, or train into another --out\n", out, flag, stored, asked);
        return -1;
    }
    return 0;
}

/* A flag such as --post-ln given for a model trained without it. */
static int check_same_flag(const char *out, const char *flag, bool given, bool stored)
{
    if (given && !stored) {
        fprintf(stderr, "shannon train: '%s' holds a model trained without %s; drop the flag to "
                "resume it, or train into another --out\n", out, flag);
        return -1;
    }
    return 0;
}

int make_adamw_groups(transformer_model *model, double lr, double weight_decay,
                      ag_optimizer **decay_opt, ag_optimizer **no_decay_opt, ag_tensor **params,
                      int *nparams)
{
    ag_tensor *decay[TRANSFORMER_MAX_TENSORS], *no_decay[TRANSFORMER_MAX_TENSORS];
    int nd = 0, nn = 0;
    *nparams = transformer_num_tensors(model);
    for (int i = 0; i < *nparams; i++) {
        ag_tensor *p = params[i] = transformer_tensor(model, i, NULL);
        /* As nanoGPT: decay the matrices (weights, embeddings), not the
         * biases and LayerNorm gains. */
        if (nd_ndim(ag_value(p)) >= 2)
            decay[nd++] = p;
        else
            no_decay[nn++] = p;
    }
    *decay_opt = ag_adamw_new(nd, decay, lr, BETA1, BETA2, 1e-8, weight_decay);
    *no_decay_opt = ag_adamw_new(nn, no_decay, lr, BETA1, BETA2, 1e-8, 0.0);
    return *decay_opt && *no_decay_opt ? 0 : -1;
}

static int make_optimizers(trainer *t, double lr)
{
    return make_adamw_groups(t->model, lr, WEIGHT_DECAY, &t->decay, &t->no_decay, t->params,
                             &t->nparams);
}

static void trainer_free(trainer *t)
{
    train_step_free(t->step);
    ag_optimizer_free(t->decay);
    ag_optimizer_free(t->no_decay);
    transformer_free(t->model);
    tok_free(t->tok);
    free(t->train_ids);
    free(t->val_ids);
    nd_rng_free(t->batch_rng);
    nd_rng_free(t->dropout_rng);
    free(t->rows);
    free(t->notes);
    checkpoint_dir_close(&t->dir);
}

/* ---- the command ------------------------------------------------------------------ */

/* The ranks of one run agree on what they train: the arena's size, the
 * batch, the step, the data. A rank given other flags or another file
 * would otherwise add gradients of another model. */
static int check_same_run(trainer *t, uint64_t hash)
{
    int64_t arena;
    train_step_values(t->step, &arena);
    double mine[6] = {(double)arena, (double)t->config.batch, (double)t->grad_accum,
                      (double)t->config.iters, (double)t->config.seed, (double)(hash >> 11)};
    int P = dist_size();
    double *all = malloc((size_t)P * sizeof mine);
    if (!all)
        return -1;
    dist_allgather_doubles(mine, 6, all);
    int bad = -1;
    for (int r = 1; r < P && bad < 0; r++)
        if (memcmp(all, all + 6 * r, sizeof mine) != 0)
            bad = r;
    free(all);
    if (bad >= 0 && t->leader)
        fprintf(stderr, "shannon train: rank %d was given another model, batch, step or text than "
                "rank 0 (every rank must run the same command on the same file)\n", bad);
    return bad >= 0 ? -1 : 0;
}

/* Stops the run for a loss, gradient or weight that is no longer finite,
 * keeping the last checkpoint (nothing is saved from here on). */
static void stop_not_finite(const trainer *t, const char *what, double value)
{
    fprintf(stderr, "shannon train: the %s became %g at iteration %lld (is --lr too high?); "
            "stopped, ", what, value, (long long)t->iter);
    if (t->saved_iter >= 0)
        fprintf(stderr, "the checkpoint of iteration %lld in '%s' is kept\n",
                (long long)t->saved_iter, t->out);
    else
        fprintf(stderr, "no checkpoint was written\n");
}

/* ---- model FLOPs utilization -------------------------------------------------------- */

/* nanoGPT's estimate_mfu (from the PaLM paper, appendix B): a training
 * step of one token costs 6N flops in the matrix products with the N
 * weights (2N forward, 4N backward), plus 12 L T C in attention (q k^T
 * and p v over the T positions of the context, forward and backward).
 * N leaves out the learned position table, which is read, not multiplied
 * (nanoGPT's get_num_params(non_embedding=True)); the tied token
 * embedding stays, as the LM head multiplies by it. */
static double flops_per_token(const trainer *t)
{
    const transformer_config *c = &t->config.model;
    double n = (double)transformer_num_parameters(t->model);
    if (c->learned_positions)
        n -= (double)(c->block_size * c->n_embd);
    return 6.0 * n + 12.0 * c->n_layer * (double)c->block_size * (double)c->n_embd;
}

/* The MFU of tokens_per_s: achieved model flops over the peak of this
 * machine for the run's precision (nd_peak_gflops: FMA or vdpbf16ps
 * chains on every thread, measured now, a few ms), times the ranks (each
 * rank is taken to run on a machine like this one). Prints how it was
 * made on stderr; *peak gets the peak in GFLOP/s. */
static double model_flops_utilization(const trainer *t, double tokens_per_s, double *peak)
{
    const bool bf16 = t->config.model.precision == TRANSFORMER_BF16;
    *peak = nd_peak_gflops(bf16 ? ND_BFLOAT16 : ND_FLOAT32) * dist_size();
    double per_token = flops_per_token(t), mfu = tokens_per_s * per_token / (*peak * 1e9);
    if (t->leader)
        fprintf(stderr, "shannon train: %.4g model flops per token (6N + 12LTC) x %.1f tokens/s = "
                "%.1f GFLOP/s; peak %.1f GFLOP/s (%s, %d thread%s%s, measured by %s chains): MFU "
                "%.1f%%\n", per_token, tokens_per_s, tokens_per_s * per_token / 1e9, *peak,
                precision_name(t->config.model.precision), nd_get_num_threads(),
                nd_get_num_threads() == 1 ? "" : "s", dist_size() > 1 ? " per rank" : "",
                bf16 ? "vdpbf16ps (or FMA where bf16 is widened)" : "FMA", 100 * mfu);
    return mfu;
}

/* --print-tape: one training step of the first batch, its forward recorded
 * on the tape, and the nodes of block 0 (between the embeddings and block
 * 1) listed with ag_tape_print, forward then backward; the backward is then
 * run, so the step is a real one, but nothing is trained or written.
 * Returns the exit status. */
static int print_tape_step(trainer *t)
{
    nd_array *x, *y;
    size_t marks[TRANSFORMER_MAX_LAYERS + 1];
    const int64_t B = t->config.batch, T = t->config.model.block_size;
    if (make_batch(t->batch_rng, t->train_ids, t->ntrain, B, T, &x, &y) < 0)
        return fprintf(stderr, "shannon train: %s\n", nd_last_error()), 1;
    transformer_forward_options o = {.dropout_rng = t->dropout_rng, .composed = t->reference,
                                     .tape_marks = marks};
    ag_tensor *loss = batch_loss(t, x, y, t->dropout_rng, &o);
    nd_free(x);
    nd_free(y);
    printf("block 0 of %lld, batch %lld x %lld tokens, n_embd %lld, n_head %lld\n",
           (long long)t->config.model.n_layer, (long long)B, (long long)T,
           (long long)t->config.model.n_embd, (long long)t->config.model.n_head);
    if (!loss || ag_tape_print(stdout, marks[0], marks[1] - marks[0]) < 0 || ag_backward(loss) < 0)
        return fprintf(stderr, "shannon train: %s\n", nd_last_error()), 1;
    printf("loss %.4f; the backward ran through %zu nodes\n",
           (double)*(const float *)nd_data(ag_value(loss)), ag_tape_size());
    return finish_output("train") < 0 ? 1 : 0;
}

static int run_train(int argc, char **argv)
{
    const char *data = NULL, *out = NULL, *tokenizer = "char";
    int64_t vocab = 4096, layers = 4, heads = 4, embd = 128, block = 64, batch = 12, iters = 2000;
    int64_t seed = 1337, threads = 0, stop_at = -1, eval_interval = EVAL_INTERVAL, grad_accum = 1;
    double lr = 1e-3, dropout_p = 0.0, mask_rate = 0.15;
    const char *objective = "causal", *precision = NULL;
    bool resume_flag = false, reference = false, learned = false, post_ln = false, print_tape = false;
    const int64_t MAX_ITERS = (int64_t)1 << 40;
    option options[] = {
        {"--data", OPT_STRING, &data, true, .meta = "FILE",
         .help = "the text to train on (UTF-8); its last 10% is the validation split"},
        {"--out", OPT_STRING, &out, true, .meta = "DIR",
         .help = "the model folder: checkpoints, config, tokenizer, loss.csv, loss.svg"},
        {"--tokenizer", OPT_STRING, &tokenizer, .meta = "char|bpe|gpt2",
         .help = "the characters of the text, byte-level BPE learned on it, or GPT-2's (50257)"},
        {"--vocab-size", OPT_INT, &vocab, .help = "the BPE vocabulary size",
         .min = 257, .max = MAX_VOCAB},
        {"--layers", OPT_INT, &layers, .help = "Transformer blocks", .min = 1, .max = TRANSFORMER_MAX_LAYERS},
        {"--heads", OPT_INT, &heads, .help = "attention heads per block (must divide --embd)",
         .min = 1, .max = MAX_HEADS},
        {"--embd", OPT_INT, &embd, .help = "the embedding width", .min = 1, .max = MAX_EMBD},
        {"--block", OPT_INT, &block, .help = "the context length in tokens", .min = 1, .max = MAX_BLOCK},
        {"--batch", OPT_INT, &batch, .help = "sequences per iteration", .min = 1, .max = 1 << 20},
        {"--iters", OPT_INT, &iters, .help = "iterations to train in all", .min = 1, .max = MAX_ITERS},
        {"--lr", OPT_DOUBLE, &lr, .help = "the peak learning rate (warmup, then cosine decay to lr/10)"},
        {"--dropout", OPT_DOUBLE, &dropout_p,
         .help = "dropout probability on embeddings and residual branches, in [0, 1)"},
        {"--seed", OPT_INT, &seed, .help = "seed of the initialization, the batches and dropout"},
        {"--threads", OPT_INT, &threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = 1024},
        {"--resume", OPT_FLAG, &resume_flag,
         .help = "continue the checkpoint in --out (flags given must match it)"},
        {"--reference", OPT_FLAG, &reference,
         .help = "use the composed reference ops instead of the fused ones (slower)"},
        {"--learned-positions", OPT_FLAG, &learned,
         .help = "learned position embeddings instead of sinusoidal ones"},
        {"--post-ln", OPT_FLAG, &post_ln, .help = "LayerNorm after each residual sum (post-LN)"},
        {"--eval-interval", OPT_INT, &eval_interval,
         .help = "estimate the loss and write a checkpoint every N iterations",
         .min = 1, .max = MAX_ITERS},
        {"--stop-at", OPT_INT, &stop_at,
         .help = "stop after iteration N with a checkpoint, as an interrupted run would",
         .min = 1, .max = MAX_ITERS},
        {"--objective", OPT_STRING, &objective, .meta = "causal|mlm",
         .help = "causal: a GPT (next token); mlm: a BERT-style encoder (masked tokens)"},
        {"--mask-rate", OPT_DOUBLE, &mask_rate,
         .help = "mlm: the share of tokens chosen for prediction, in (0, 1) (default 0.15)"},
        {"--print-tape", OPT_FLAG, &print_tape,
         .help = "print one step's tape for block 0 (forward, then backward) and exit"},
        {"--grad-accum", OPT_INT, &grad_accum,
         .help = "micro-batches of --batch per optimizer step on each rank (global batch: batch x "
                 "grad-accum x ranks)", .min = 1, .max = 1 << 20},
        {"--precision", OPT_STRING, &precision, .meta = "float32|bf16",
         .help = "bf16: matrix products on bf16 operands with float32 sums; float32 master weights, "
                 "optimizer, LayerNorm, softmax and loss (default float32; --resume: the model's)"},
    };
    enum { DATA, OUT, TOKENIZER, VOCAB, LAYERS, HEADS, EMBD, BLOCK, BATCH, ITERS, LR, DROPOUT, SEED,
           THREADS, RESUME, REFERENCE, LEARNED, POST_LN, EVAL_INTERVAL_FLAG, STOP_AT, OBJECTIVE,
           MASK_RATE, PRINT_TAPE, GRAD_ACCUM, PRECISION };
    int parsed = parse_options("train", argc, argv, 2, options, sizeof options / sizeof options[0]);
    if (parsed != 0)
        return dist_stop_early(parsed > 0 ? 0 : 2);
    /* Everything the flags alone decide, before any file is read. */
    if (strcmp(tokenizer, "char") != 0 && strcmp(tokenizer, "bpe") != 0 &&
        strcmp(tokenizer, "gpt2") != 0) {
        fprintf(stderr, "shannon train: --tokenizer must be 'char', 'bpe' or 'gpt2', not '%s'\n",
                tokenizer);
        return dist_stop_early(2);
    }
    if (check_objective("train", objective, mask_rate) < 0)
        return dist_stop_early(2);
    transformer_precision chosen = TRANSFORMER_FLOAT32;
    if (precision && parse_precision("train", precision, &chosen) < 0)
        return dist_stop_early(2);
    if (!(lr > 0) || !(dropout_p >= 0 && dropout_p < 1)) {
        fprintf(stderr, "shannon train: --lr must be positive and --dropout in [0, 1)\n");
        return dist_stop_early(2);
    }
    if (batch * block > (int64_t)1 << 24) {   /* both <= 2^20: no overflow */
        fprintf(stderr, "shannon train: --batch x --block must be at most %d tokens, not %lld\n",
                1 << 24, (long long)(batch * block));
        return dist_stop_early(2);
    }
    if (nd_set_num_threads((int)threads) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        return dist_stop_early(2);
    }

    const int P = dist_size();
    trainer t = {.out = out, .reference = reference, .saved_iter = -1, .eval_interval = eval_interval,
                 .grad_accum = grad_accum, .micro_batches = grad_accum * P, .leader = dist_rank() == 0};
    int status = 1;
    bool agreed = false;        /* passed the setup's agreement (dist_failures) */
    size_t len = 0;
    char *text = NULL;
    struct sigaction saved_signals[2];
    catch_signals(true, saved_signals);
    /* Rank 0 holds the folder locked; the others only read it. */
    int found = t.leader ? checkpoint_dir_open("train", out, &t.dir)
                         : checkpoint_dir_open_unlocked("train", out, &t.dir);
    if (found < 0)
        goto done;
    if (found == CHECKPOINT_FOREIGN) {
        fprintf(stderr, "shannon train: '%s' already holds a model that is not a shannon checkpoint "
                "(a plain config.json or model.safetensors); choose another --out\n", out);
        goto done;
    }
    if (found == CHECKPOINT_FOUND && !resume_flag) {
        fprintf(stderr, "shannon train: '%s' already holds a model; use --resume to continue it "
                "or choose another --out\n", out);
        goto done;
    }
    bool resuming = found == CHECKPOINT_FOUND;
    if (resume_flag && !resuming && t.leader)
        fprintf(stderr, "shannon train: nothing to resume in '%s' (no checkpoint yet); starting a "
                "new run\n", out);
    if (!resuming) {
        t.config = (run_config){.batch = batch, .iters = iters, .seed = seed, .lr = lr};
        t.config.model = (transformer_config){.vocab_size = 257, .block_size = block,
                                              .n_layer = (int)layers, .n_head = (int)heads,
                                              .n_embd = embd, .dropout = dropout_p,
                                              .learned_positions = learned, .post_ln = post_ln,
                                              .bidirectional = strcmp(objective, "mlm") == 0,
                                              .pooling = TRANSFORMER_POOL_LAST,
                                              .precision = chosen};
        snprintf(t.config.tokenizer, sizeof t.config.tokenizer, "%s", tokenizer);
        snprintf(t.config.objective, sizeof t.config.objective, "%s", objective);
        t.config.mask_rate = strcmp(objective, "mlm") == 0 ? mask_rate : 0;
        if (transformer_config_check(&t.config.model) < 0) {
            fprintf(stderr, "shannon train: %s\n", nd_last_error());
            status = 2;
            goto done;
        }
    }
    if (!(text = read_text_file("train", data, &len)))
        goto done;
    char path[4200];
    if (resuming) {
        if (load_run_config("train", checkpoint_file(&t.dir, "config.json", path, sizeof path),
                            &t.config) < 0)
            goto done;
        const run_config *c = &t.config;
        if (check_same(out, "--layers", options[LAYERS].seen, c->model.n_layer, layers) ||
            check_same(out, "--heads", options[HEADS].seen, c->model.n_head, heads) ||
            check_same(out, "--embd", options[EMBD].seen, c->model.n_embd, embd) ||
            check_same(out, "--block", options[BLOCK].seen, c->model.block_size, block) ||
            check_same(out, "--batch", options[BATCH].seen, c->batch, batch) ||
            check_same(out, "--seed", options[SEED].seen, c->seed, seed) ||
            check_same(out, "--vocab-size", options[VOCAB].seen && strcmp(c->tokenizer, "bpe") == 0,
                       c->model.vocab_size, vocab) ||
            check_same_real(out, "--dropout", options[DROPOUT].seen, c->model.dropout, dropout_p) ||
            check_same_flag(out, "--post-ln", post_ln, c->model.post_ln) ||
            check_same_flag(out, "--learned-positions", learned, c->model.learned_positions) ||
            (options[TOKENIZER].seen && strcmp(c->tokenizer, tokenizer) != 0 &&
             (fprintf(stderr, "shannon train: '%s' holds a %s-tokenizer model, not %s\n", out,
                      c->tokenizer, tokenizer), 1)) ||
            (options[OBJECTIVE].seen && strcmp(c->objective, objective) != 0 &&
             (fprintf(stderr, "shannon train: '%s' holds a %s model, not %s\n", out,
                      c->objective, objective), 1)))
            goto done;
        t.config.iters = options[ITERS].seen ? iters : c->iters;
        /* The weights are float32 in either precision: a resumed run may
         * change it (config.json records the new one). */
        if (options[PRECISION].seen)
            t.config.model.precision = chosen;
        if (options[LR].seen)
            t.config.lr = lr;
        t.tok = tok_load(checkpoint_file(&t.dir, "tokenizer.json", path, sizeof path));
        if (!t.tok) {
            fprintf(stderr, "shannon train: cannot load '%s': %s\n", path, tok_last_error());
            goto done;
        }
        if (check_model_files("train", checkpoint_file(&t.dir, NULL, path, sizeof path), &t.config,
                              t.tok) < 0)
            goto done;
    }
    size_t cut = split_point(text, len);
    if (!t.tok) {
        /* char: the vocabulary of the whole text (nanoGPT's shakespeare_char);
         * bpe: merges learned on the training part only; gpt2: GPT-2's own
         * files, nothing learned (`make gpt2-tokenizer` fetches them). */
        t.tok = strcmp(tokenizer, "char") == 0   ? tok_char_train(text, len)
                : strcmp(tokenizer, "gpt2") == 0 ? tok_gpt2_load(NULL)
                                                 : tok_bpe_train(text, cut, (int)vocab);
        /* An encoder needs [MASK] (and [CLS], [PAD] to be fine-tuned). */
        if (t.tok && strcmp(t.config.objective, "mlm") == 0 && tok_add_special_tokens(t.tok) < 0) {
            tok_free(t.tok);
            t.tok = NULL;
        }
        if (!t.tok) {
            fprintf(stderr, "shannon train: cannot build the tokenizer: %s\n", tok_last_error());
            goto done;
        }
        t.config.model.vocab_size = tok_vocab_size(t.tok);
    }
    if (transformer_config_check(&t.config.model) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        goto done;
    }
    if (encode_split(&t, text, cut, &t.train_ids, &t.ntrain, "training") < 0 ||
        encode_split(&t, text + cut, len - cut, &t.val_ids, &t.nval, "validation (last 10% of the file)") < 0)
        goto done;
    t.model = transformer_new(&t.config.model, (uint64_t)t.config.seed);
    t.batch_rng = nd_rng_new((uint64_t)t.config.seed);
    t.dropout_rng = nd_rng_new((uint64_t)t.config.seed + 1);
    if (!t.model || !t.batch_rng || !t.dropout_rng || make_optimizers(&t, t.config.lr) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        goto done;
    }
    uint64_t hash = text_hash(text, len);
    if (resuming) {
        if (resume(&t) < 0)
            goto done;
        if (options[EVAL_INTERVAL_FLAG].seen)
            t.eval_interval = eval_interval;
        if (hash != t.data_hash || (int64_t)len != t.data_bytes) {
            /* Allowed (a corpus grows, a file moves), but never silently. */
            char note[4400];
            snprintf(note, sizeof note, "iteration %lld: resumed on '%s' (%zu bytes, FNV-1a %016llx), "
                     "not the text of the checkpoint (%lld bytes, FNV-1a %016llx)", (long long)t.iter,
                     data, len, (unsigned long long)hash, (long long)t.data_bytes,
                     (unsigned long long)t.data_hash);
            if (t.leader)
                fprintf(stderr, "shannon train: warning: --data '%s' is not the text this model was "
                        "trained on; going on with it (noted in '%s/notes.txt')\n", data, out);
            if (add_note(&t, note) < 0) {
                fprintf(stderr, "shannon train: out of memory\n");
                goto done;
            }
        }
    }
    t.data_hash = hash;
    t.data_bytes = (int64_t)len;
    if (print_tape) {   /* one step's tape, nothing trained or written */
        status = print_tape_step(&t);
        goto done;
    }
    if (resuming) {
        /* The global batch a checkpoint was trained with is kept: under
         * another rank count, --grad-accum makes up the difference. */
        int64_t m = t.micro_batches;
        if (options[GRAD_ACCUM].seen ? grad_accum * P != m : m % P != 0) {
            fprintf(stderr, "shannon train: '%s' was trained with %lld micro-batches of --batch per "
                    "step (--grad-accum x ranks); with %d rank%s give --grad-accum %lld%s\n", out,
                    (long long)m, P, P > 1 ? "s" : "", (long long)(m / P ? m / P : 1),
                    m % P ? " (the rank count must divide it)" : "");
            status = 2;
            goto done;
        }
        t.grad_accum = m / P;
    }
    if (!(t.step = train_step_new(t.nparams, t.params, t.decay, t.no_decay, t.grad_accum, GRAD_CLIP))) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        goto done;
    }
    /* Every rank checked everything: they agree, or all stop. */
    agreed = true;
    if (dist_failures(false) > 0) {
        fprintf(stderr, "shannon train: rank %d of %d stops: another rank failed (its message is "
                "above)\n", dist_rank(), P);
        goto done;
    }
    if (check_same_run(&t, hash) < 0)
        goto done;
    /* One set of weights on every rank (the same seed or checkpoint gives
     * them already; the broadcast makes sure). */
    int64_t arena_size;
    float *arena = train_step_values(t.step, &arena_size);
    dist_broadcast(arena, arena_size * (int64_t)sizeof *arena);
    /* Only now touch the output folder. */
    if (dist_failures(t.leader && checkpoint_dir_prepare("train", &t.dir) < 0) > 0)
        goto done;
    if (t.leader)
        fprintf(stderr, "shannon train: %lld parameters, %s tokenizer (%lld tokens), %zu train / %zu "
            "val tokens\n", (long long)transformer_num_parameters(t.model), t.config.tokenizer,
            (long long)t.config.model.vocab_size, t.ntrain, t.nval);

    if (t.leader && P > 1)
        fprintf(stderr, "shannon train: %d ranks x --grad-accum %lld x --batch %lld = %lld sequences "
                "per step\n", P, (long long)t.grad_accum, (long long)t.config.batch,
                (long long)(t.micro_batches * t.config.batch));
    const int64_t B = t.config.batch * t.micro_batches, T = t.config.model.block_size;
    ag_lr_schedule schedule = {.kind = AG_LR_WARMUP_COSINE, .lr = t.config.lr,
                               .warmup_iters = WARMUP_ITERS < t.config.iters / 10 ? WARMUP_ITERS : t.config.iters / 10,
                               .lr_decay_iters = t.config.iters, .min_lr = t.config.lr / 10};
    progress bar;
    progress_start(&bar, t.iter, t.config.iters);
    bar.quiet = !t.leader;
    int signal_seen = 0;      /* the first signal any rank caught, agreed each step */
    double train_seconds = 0, last_loss = NAN, exposed_comm = 0;
    int64_t trained = 0;
    for (; t.iter < t.config.iters; t.iter++) {
        double lr_now = ag_lr_at(&schedule, t.iter);
        ag_optimizer_set_lr(t.decay, lr_now);
        ag_optimizer_set_lr(t.no_decay, lr_now);
        double start = now_seconds();
        step_result r;
        int stepped = train_step_run(t.step, "train", t.iter, train_micro_batch, &t, t.dropout_rng,
                                     stop_signal, &r);
        if (stepped < 0) {
            progress_finish(&bar);
            goto done;
        }
        last_loss = r.loss;
        signal_seen = r.stop_signal;
        exposed_comm += r.exposed_comm;
        if (stepped > 0) {
            progress_finish(&bar);
            if (t.leader)
                stop_not_finite(&t, isfinite(r.loss) ? "gradient norm" : "loss",
                                isfinite(r.loss) ? r.grad_norm : r.loss);
            goto done;
        }
        train_seconds += now_seconds() - start;
        trained++;
        loss_row row = {t.iter, last_loss, NAN, lr_now};
        bool stop = t.iter + 1 == stop_at;
        bool evaluate = (t.iter + 1) % t.eval_interval == 0 || t.iter + 1 == t.config.iters || stop;
        if (evaluate)
            row.val_loss = estimate_loss(&t, t.val_ids, t.nval, EVAL_BATCHES, (uint64_t)t.iter);
        if (add_row(&t, row) < 0)
            goto failed;
        progress_update(&bar, t.iter, last_loss, (double)trained * (double)(B * T) / train_seconds);
        if (evaluate || signal_seen) {
            int64_t done_iters = t.iter + 1;
            if (!weights_finite(&t)) {
                progress_finish(&bar);
                if (t.leader)
                    stop_not_finite(&t, "weights", NAN);
                goto done;
            }
            t.iter++;                         /* the checkpoint resumes after this one */
            int saved = save_checkpoint(&t);
            t.iter--;
            if (saved < 0) {
                progress_finish(&bar);
                goto done;
            }
            if (evaluate && t.leader)
                progress_note(&bar, "iter %lld: train loss %.4f, val loss %.4f (checkpoint saved)",
                              (long long)done_iters, last_loss, row.val_loss);
            if (signal_seen) {
                progress_finish(&bar);
                if (t.leader)
                    fprintf(stderr, "shannon train: interrupted (%s) after iteration %lld; checkpoint "
                            "saved, continue with --resume\n",
                            signal_seen == SIGINT ? "SIGINT" : "SIGTERM", (long long)done_iters);
                status = 128 + signal_seen;
                goto done;
            }
            if (stop) {
                progress_finish(&bar);
                if (t.leader)
                    fprintf(stderr, "shannon train: stopped after iteration %lld (--stop-at); "
                        "continue with --resume\n", (long long)done_iters);
                status = 0;
                goto done;
            }
        }
    }
    progress_finish(&bar);
    if (getenv("SHANNON_STEP_TIMING") && t.leader && trained > 0)   /* benchmarks/bench_mpi.sh */
        fprintf(stderr, "shannon train: step timing: %.6f s per step, %.6f s of it waiting for the "
                "gradient reduction after the backward\n", train_seconds / (double)trained,
                exposed_comm / (double)trained);
    if (!signal_seen) {
        double train_loss = estimate_loss(&t, t.train_ids, t.ntrain, FINAL_TRAIN_BATCHES, 1u << 30);
        double tps = train_seconds > 0 ? (double)trained * (double)(B * T) / train_seconds : 0;
        double peak = 0, mfu = model_flops_utilization(&t, tps, &peak);
        /* the whole validation split: rank 0 alone */
        if (t.leader && strcmp(t.config.objective, "mlm") == 0) {
            mlm_result m = mlm_text_eval(t.model, t.tok, t.val_ids, t.nval, t.config.batch,
                                         t.config.mask_rate);
            printf("train_loss=%.4f val_loss=%.4f val_accuracy=%.4f tokens_per_s=%.1f mfu=%.4f "
                   "peak_gflops=%.1f\n", train_loss, m.loss, m.accuracy, tps, mfu, peak);
        } else if (t.leader) {
            double val_loss = text_loss(t.model, t.val_ids, t.nval, t.config.batch, t.reference);
            printf("train_loss=%.4f val_loss=%.4f tokens_per_s=%.1f mfu=%.4f peak_gflops=%.1f\n",
                   train_loss, val_loss, tps, mfu, peak);
        }
    }
    if (signal_seen) {
        if (t.leader)
            fprintf(stderr, "shannon train: interrupted (%s) after the last iteration; the final "
                    "checkpoint is saved\n", signal_seen == SIGINT ? "SIGINT" : "SIGTERM");
        status = 128 + signal_seen;
    } else {
        status = 0;
    }
    goto done;
failed:
    progress_finish(&bar);
    fprintf(stderr, "shannon train: iteration %lld failed: %s\n", (long long)t.iter, nd_last_error());
    if (P > 1)
        dist_abort(1);   /* the others may wait in a collective */
done:
    if (!agreed)
        dist_failures(true);
    ag_tape_reset();
    trainer_free(&t);
    free(text);
    catch_signals(false, saved_signals);
    return status;
}

int command_train(int argc, char **argv)
{
    if (dist_start("train") < 0)
        return 1;
    int status = run_train(argc, argv);
    dist_end();
    return status;
}
