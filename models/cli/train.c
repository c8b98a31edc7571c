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
#define EVAL_INTERVAL 250 /* default of --eval-interval */
#define EVAL_BATCHES 20 /* during training (nanoGPT's CPU eval_iters) */
/* The final train loss reads FINAL_TRAIN_BATCHES random batches; the final
 * val loss reads the whole validation split (text_loss). */
#define FINAL_TRAIN_BATCHES 200
#define FINAL_TRAIN_SALT (1u << 30) /* estimate_loss's salt for them: no iteration's */
#define ADAM_EPS 1e-8
#define MAX_BATCH_TOKENS (1 << 24) /* --batch x --block */
/* A new run's vocabulary until its tokenizer is built and sets the real
 * one (config_from_flags checks the rest of the shape before the text is
 * read). */
#define VOCAB_BEFORE_TOKENIZER 257

typedef struct trainer {
    const char *out;
    run_config config;
    transformer_model *model;
    tok_tokenizer *tok;
    int32_t *train_ids, *val_ids;
    size_t ntrain, nval;
    ag_optimizer *decay, *no_decay; /* AdamW groups: matrices / vectors */
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    int nparams;
    nd_rng *batch_rng, *dropout_rng;
    int64_t iter; /* the next iteration to run */
    loss_row *rows;
    int64_t nrows, cap_rows;
    bool reference;
    checkpoint_dir dir; /* --out, locked while the run writes */
    int64_t eval_interval;
    uint64_t data_hash; /* the training text, as train_state.json records it */
    int64_t data_bytes;
    char *notes; /* notes.txt: the run's warnings; NULL: none */
    int64_t saved_iter; /* the iteration of the last checkpoint; -1: none */
    int64_t grad_accum; /* micro-batches per optimizer step on each rank */
    int64_t micro_batches; /* per step over all ranks: grad_accum x ranks */
    train_step *step; /* the arena, accumulation and reduction */
    bool leader; /* rank 0: prints and writes */
    char *text; /* --data, len bytes */
    size_t len;
    int64_t bpe_vocab; /* --vocab-size, for a new BPE tokenizer */
    bool resuming; /* --out holds a checkpoint: continue it */
    bool agreed; /* passed the ranks' agreement (dist_failures) */
} trainer;

/* ---- batches ------------------------------------------------------------------- */

int make_batch(nd_rng *rng, const int32_t *ids, size_t n, int64_t B, int64_t T, nd_array **x,
               nd_array **y)
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
    if (dist_failures(isnan(total)) > 0) { /* one rank without memory: NaN on all */
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
    return (checkpoint){.config = &t->config,
                        .tok = t->tok,
                        .model = t->model,
                        .decay = t->decay,
                        .no_decay = t->no_decay,
                        .batch_rng = t->batch_rng,
                        .dropout_rng = t->dropout_rng,
                        .iter = t->iter,
                        .eval_interval = t->eval_interval,
                        .micro_batches = t->micro_batches,
                        .data_hash = t->data_hash,
                        .data_bytes = t->data_bytes,
                        .rows = t->rows,
                        .nrows = t->nrows,
                        .notes = t->notes};
}

/* A checkpoint that resumes at iteration t->iter. */
static int save_checkpoint(trainer *t)
{
    /* Rank 0 writes (every rank holds the same state); all learn whether
     * it could, so a full disk stops every rank, not only rank 0. */
    checkpoint ck = checkpoint_of(t);
    /* ZeRO-1: rank 0 gathers the whole optimizer state for the files. */
    train_step_whole_state(t->step, true);
    int failures = dist_failures(t->leader && checkpoint_save("train", &t->dir, &ck) < 0);
    train_step_whole_state(t->step, false);
    if (failures > 0)
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
        raise(sig); /* delivered when this handler returns */
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
        fprintf(stderr,
                "shannon train: the %s text has %zu tokens, too few for --block %lld "
                "(use a longer file or a smaller --block)\n",
                what, *n, (long long)t->config.model.block_size);
        return -1;
    }
    return 0;
}

/* Flags given on the command line must agree with a model being resumed:
 * one line naming the first that does not. */
static int check_same(const char *out, const char *flag, bool given, long long stored,
                      long long asked)
{
    if (given && stored != asked) {
        fprintf(stderr,
                "shannon train: '%s' holds a model with %s %lld, not %lld; drop the flag "
                "to resume it, or train into another --out\n",
                out, flag, stored, asked);
        return -1;
    }
    return 0;
}

static int check_same_real(const char *out, const char *flag, bool given, double stored,
                           double asked)
{
    if (given && stored != asked) {
        fprintf(stderr,
                "shannon train: '%s' holds a model with %s %g, not %g; drop the flag "
                "to resume it, or train into another --out\n",
                out, flag, stored, asked);
        return -1;
    }
    return 0;
}

/* A flag such as --post-ln given for a model trained without it. */
static int check_same_flag(const char *out, const char *flag, bool given, bool stored)
{
    if (given && !stored) {
        fprintf(stderr,
                "shannon train: '%s' holds a model trained without %s; drop the flag to "
                "resume it, or train into another --out\n",
                out, flag);
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
    *decay_opt = ag_adamw_new(nd, decay, lr, BETA1, BETA2, ADAM_EPS, weight_decay);
    *no_decay_opt = ag_adamw_new(nn, no_decay, lr, BETA1, BETA2, ADAM_EPS, 0.0);
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
    free(t->text);
    checkpoint_dir_close(&t->dir);
}

/* ---- the ranks' agreement, a stop, --print-tape -------------------------------------- */

/* The ranks of one run agree on what they train: the arena's size, the
 * batch, the step, the data. A rank given other flags or another file
 * would otherwise add gradients of another model. */
static int check_same_run(trainer *t, uint64_t hash)
{
    int64_t arena;
    train_step_values(t->step, &arena);
    double mine[6] = {(double)arena,           (double)t->config.batch, (double)t->grad_accum,
                      (double)t->config.iters, (double)t->config.seed,  (double)(hash >> 11)};
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
        fprintf(stderr,
                "shannon train: rank %d was given another model, batch, step or text than "
                "rank 0 (every rank must run the same command on the same file)\n",
                bad);
    return bad >= 0 ? -1 : 0;
}

/* Stops the run for a loss, gradient or weight that is no longer finite,
 * keeping the last checkpoint (nothing is saved from here on). */
static void stop_not_finite(const trainer *t, const char *what, double value)
{
    fprintf(stderr,
            "shannon train: the %s became %g at iteration %lld (is --lr too high?); "
            "stopped, ",
            what, value, (long long)t->iter);
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
        fprintf(stderr,
                "shannon train: %.4g model flops per token (6N + 12LTC) x %.1f tokens/s = "
                "%.1f GFLOP/s; peak %.1f GFLOP/s (%s, %d thread%s%s, measured by %s chains): MFU "
                "%.1f%%\n",
                per_token, tokens_per_s, tokens_per_s * per_token / 1e9, *peak,
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
    transformer_forward_options o = {.dropout_rng = t->dropout_rng,
                                     .composed = t->reference,
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

/* ---- flags ------------------------------------------------------------------------ */

/* The command line of `shannon train`: each flag's value (its default until
 * parse_train_flags reads it) and the table that read them, which
 * flag_given asks by name. */
typedef struct train_flags {
    const char *data, *out, *tokenizer, *objective, *precision;
    transformer_precision chosen_precision; /* --precision parsed (float32 if not given) */
    int64_t vocab, layers, heads, embd, block, batch, iters, seed, threads, stop_at, eval_interval,
        grad_accum, zero;
    double lr, dropout_p, mask_rate;
    bool resume_flag, reference, learned, post_ln, print_tape, no_scale, no_residual;
    option options[40];
    int noptions;
} train_flags;

static bool flag_given(const train_flags *f, const char *name)
{
    return option_given(f->options, f->noptions, name);
}

/* Fills f from argv: 0, 1 after --help, -1 after a one-line error. */
static int parse_train_flags(train_flags *f, int argc, char **argv)
{
    *f = (train_flags){.tokenizer = "char",
                       .objective = "causal",
                       .vocab = DEFAULT_BPE_VOCAB,
                       .layers = 4,
                       .heads = 4,
                       .embd = 128,
                       .block = 64,
                       .batch = 12,
                       .iters = 2000,
                       .seed = DEFAULT_SEED,
                       .stop_at = -1,
                       .eval_interval = EVAL_INTERVAL,
                       .grad_accum = 1,
                       .lr = 1e-3,
                       .mask_rate = 0.15};
    // clang-format off
    const option options[] = {
        {"--data", OPT_STRING, &f->data, true, .meta = "FILE",
         .help = "the text to train on (UTF-8); its last 10% is the validation split"},
        {"--out", OPT_STRING, &f->out, true, .meta = "DIR",
         .help = "the model folder: checkpoints, config, tokenizer, loss.csv, loss.svg"},
        {"--tokenizer", OPT_STRING, &f->tokenizer, .meta = "char|bpe|gpt2",
         .help = "the characters of the text, byte-level BPE learned on it, or GPT-2's (50257)"},
        {"--vocab-size", OPT_INT, &f->vocab, .help = "the BPE vocabulary size",
         .min = MIN_BPE_VOCAB, .max = MAX_VOCAB},
        {"--layers", OPT_INT, &f->layers, .help = "Transformer blocks", .min = 1, .max = TRANSFORMER_MAX_LAYERS},
        {"--heads", OPT_INT, &f->heads, .help = "attention heads per block (must divide --embd)",
         .min = 1, .max = MAX_HEADS},
        {"--embd", OPT_INT, &f->embd, .help = "the embedding width", .min = 1, .max = MAX_EMBD},
        {"--block", OPT_INT, &f->block, .help = "the context length in tokens", .min = 1, .max = MAX_BLOCK},
        {"--batch", OPT_INT, &f->batch, .help = "sequences per iteration", .min = 1, .max = MAX_BATCH},
        {"--iters", OPT_INT, &f->iters, .help = "iterations to train in all", .min = 1, .max = MAX_ITERS},
        {"--lr", OPT_DOUBLE, &f->lr, .help = "the peak learning rate (warmup, then cosine decay to lr/10)"},
        {"--dropout", OPT_DOUBLE, &f->dropout_p,
         .help = "dropout probability on embeddings and residual branches, in [0, 1)"},
        {"--seed", OPT_INT, &f->seed, .help = "seed of the initialization, the batches and dropout"},
        {"--threads", OPT_INT, &f->threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = MAX_THREADS},
        {"--resume", OPT_FLAG, &f->resume_flag,
         .help = "continue the checkpoint in --out (flags given must match it)"},
        {"--reference", OPT_FLAG, &f->reference,
         .help = "use the composed reference ops instead of the fused ones (slower)"},
        {"--learned-positions", OPT_FLAG, &f->learned,
         .help = "learned position embeddings instead of sinusoidal ones"},
        {"--post-ln", OPT_FLAG, &f->post_ln, .help = "LayerNorm after each residual sum (post-LN)"},
        {"--eval-interval", OPT_INT, &f->eval_interval,
         .help = "estimate the loss and write a checkpoint every N iterations",
         .min = 1, .max = MAX_ITERS},
        {"--stop-at", OPT_INT, &f->stop_at,
         .help = "stop after iteration N with a checkpoint, as an interrupted run would",
         .min = 1, .max = MAX_ITERS},
        {"--objective", OPT_STRING, &f->objective, .meta = "causal|mlm",
         .help = "causal: a GPT (next token); mlm: a BERT-style encoder (masked tokens)"},
        {"--mask-rate", OPT_DOUBLE, &f->mask_rate,
         .help = "mlm: the share of tokens chosen for prediction, in (0, 1)"},
        {"--print-tape", OPT_FLAG, &f->print_tape,
         .help = "print one step's tape for block 0 (forward, then backward) and exit"},
        {"--grad-accum", OPT_INT, &f->grad_accum,
         .help = "micro-batches of --batch per optimizer step on each rank (global batch: batch x "
                 "grad-accum x ranks)", .min = 1, .max = MAX_GRAD_ACCUM},
        {"--zero", OPT_INT, &f->zero, .meta = "0|1",
         .help = ZERO_HELP, .min = 0, .max = 1},
        /* Experiment switches (docs/tutorial/08-lessons.md): models that
         * show what the scale and the skip connections are for. */
        {"--precision", OPT_STRING, &f->precision, .meta = "float32|bf16",
         .help = "bf16: matrix products on bf16 operands with float32 sums; float32 master weights, "
                 "optimizer, LayerNorm, softmax and loss (default float32; --resume: the model's)"},
        {"--no-attention-scale", OPT_FLAG, &f->no_scale,
         .help = "experiment: attention without the 1/sqrt(d_k) scale, softmax(q k^T) v"},
        {"--no-residual", OPT_FLAG, &f->no_residual,
         .help = "experiment: blocks without residual connections (x = f(x), not x + f(x))"},
    };
    // clang-format on
    _Static_assert(sizeof options <= sizeof f->options, "train_flags.options: room for every row");
    f->noptions = (int)(sizeof options / sizeof options[0]);
    memcpy(f->options, options, sizeof options);
    return parse_options("train", argc, argv, 2, f->options, f->noptions);
}

/* Everything the flags alone decide, before any file is read: 0, or -1
 * after a one-line error. */
static int check_train_flags(train_flags *f)
{
    if (strcmp(f->tokenizer, "char") != 0 && strcmp(f->tokenizer, "bpe") != 0 &&
        strcmp(f->tokenizer, "gpt2") != 0) {
        fprintf(stderr, "shannon train: --tokenizer must be 'char', 'bpe' or 'gpt2', not '%s'\n",
                f->tokenizer);
        return -1;
    }
    if (check_objective("train", f->objective, f->mask_rate) < 0)
        return -1;
    f->chosen_precision = TRANSFORMER_FLOAT32;
    if (f->precision && parse_precision("train", f->precision, &f->chosen_precision) < 0)
        return -1;
    if (!(f->lr > 0) || !(f->dropout_p >= 0 && f->dropout_p < 1)) {
        fprintf(stderr, "shannon train: --lr must be positive and --dropout in [0, 1)\n");
        return -1;
    }
    if (f->batch * f->block > MAX_BATCH_TOKENS) { /* both <= 2^20: no overflow */
        fprintf(stderr, "shannon train: --batch x --block must be at most %d tokens, not %lld\n",
                MAX_BATCH_TOKENS, (long long)(f->batch * f->block));
        return -1;
    }
    if (nd_set_num_threads((int)f->threads) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        return -1;
    }
    return 0;
}

/* ---- run setup or resume ------------------------------------------------------------ */

/* Opens --out (rank 0 holds it locked; the others only read it) and
 * decides whether this run resumes the checkpoint in it. 0, or -1 after a
 * one-line error. */
static int open_model_folder(trainer *t, const train_flags *f)
{
    int found = t->leader ? checkpoint_dir_open("train", f->out, &t->dir)
                          : checkpoint_dir_open_unlocked("train", f->out, &t->dir);
    if (found < 0)
        return -1;
    if (found == CHECKPOINT_FOREIGN) {
        fprintf(stderr,
                "shannon train: '%s' already holds a model that is not a shannon checkpoint "
                "(a plain config.json or model.safetensors); choose another --out\n",
                f->out);
        return -1;
    }
    if (found == CHECKPOINT_FOUND && !f->resume_flag) {
        fprintf(stderr,
                "shannon train: '%s' already holds a model; use --resume to continue it "
                "or choose another --out\n",
                f->out);
        return -1;
    }
    t->resuming = found == CHECKPOINT_FOUND;
    if (f->resume_flag && !t->resuming && t->leader)
        fprintf(stderr,
                "shannon train: nothing to resume in '%s' (no checkpoint yet); starting a "
                "new run\n",
                f->out);
    return 0;
}

/* A new run's config.json from the flags (the vocabulary comes with the
 * tokenizer). 0, or -1 after a one-line error. */
static int config_from_flags(trainer *t, const train_flags *f)
{
    bool mlm = strcmp(f->objective, "mlm") == 0;
    t->config = (run_config){.batch = f->batch, .iters = f->iters, .seed = f->seed, .lr = f->lr};
    t->config.model = (transformer_config){.vocab_size = VOCAB_BEFORE_TOKENIZER,
                                           .block_size = f->block,
                                           .n_layer = (int)f->layers,
                                           .n_head = (int)f->heads,
                                           .n_embd = f->embd,
                                           .dropout = f->dropout_p,
                                           .learned_positions = f->learned,
                                           .no_attention_scale = f->no_scale,
                                           .no_residual = f->no_residual,
                                           .post_ln = f->post_ln,
                                           .bidirectional = mlm,
                                           .pooling = TRANSFORMER_POOL_LAST,
                                           .precision = f->chosen_precision};
    snprintf(t->config.tokenizer, sizeof t->config.tokenizer, "%s", f->tokenizer);
    snprintf(t->config.objective, sizeof t->config.objective, "%s", f->objective);
    t->config.mask_rate = mlm ? f->mask_rate : 0;
    if (transformer_config_check(&t->config.model) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        return -1;
    }
    return 0;
}

/* Every flag given must agree with the model being resumed: 0, or -1
 * after one line naming the first that does not. */
static int check_flags_match(const train_flags *f, const run_config *c)
{
    const char *out = f->out;
    if (check_same(out, "--layers", flag_given(f, "--layers"), c->model.n_layer, f->layers) ||
        check_same(out, "--heads", flag_given(f, "--heads"), c->model.n_head, f->heads) ||
        check_same(out, "--embd", flag_given(f, "--embd"), c->model.n_embd, f->embd) ||
        check_same(out, "--block", flag_given(f, "--block"), c->model.block_size, f->block) ||
        check_same(out, "--batch", flag_given(f, "--batch"), c->batch, f->batch) ||
        check_same(out, "--seed", flag_given(f, "--seed"), c->seed, f->seed) ||
        check_same(out, "--vocab-size",
                   flag_given(f, "--vocab-size") && strcmp(c->tokenizer, "bpe") == 0,
                   c->model.vocab_size, f->vocab) ||
        check_same_real(out, "--dropout", flag_given(f, "--dropout"), c->model.dropout,
                        f->dropout_p) ||
        check_same_flag(out, "--post-ln", f->post_ln, c->model.post_ln) ||
        check_same_flag(out, "--learned-positions", f->learned, c->model.learned_positions) ||
        check_same_flag(out, "--no-attention-scale", f->no_scale, c->model.no_attention_scale) ||
        check_same_flag(out, "--no-residual", f->no_residual, c->model.no_residual))
        return -1;
    if (flag_given(f, "--tokenizer") && strcmp(c->tokenizer, f->tokenizer) != 0) {
        fprintf(stderr, "shannon train: '%s' holds a %s-tokenizer model, not %s\n", out,
                c->tokenizer, f->tokenizer);
        return -1;
    }
    if (flag_given(f, "--objective") && strcmp(c->objective, f->objective) != 0) {
        fprintf(stderr, "shannon train: '%s' holds a %s model, not %s\n", out, c->objective,
                f->objective);
        return -1;
    }
    return 0;
}

/* A resumed run's config.json and tokenizer from the checkpoint; --iters
 * and --lr may change, the other flags must match. 0, or -1 after a
 * one-line error. */
static int config_from_checkpoint(trainer *t, const train_flags *f)
{
    char path[4200];
    if (load_run_config("train", checkpoint_file(&t->dir, "config.json", path, sizeof path),
                        &t->config) < 0 ||
        check_flags_match(f, &t->config) < 0)
        return -1;
    if (flag_given(f, "--iters"))
        t->config.iters = f->iters;
    /* The weights are float32 in either precision: a resumed run may
     * change it (config.json records the new one). */
    if (flag_given(f, "--precision"))
        t->config.model.precision = f->chosen_precision;
    if (flag_given(f, "--lr"))
        t->config.lr = f->lr;
    t->tok = tok_load(checkpoint_file(&t->dir, "tokenizer.json", path, sizeof path));
    if (!t->tok) {
        fprintf(stderr, "shannon train: cannot load '%s': %s\n", path, tok_last_error());
        return -1;
    }
    return check_model_files("train", checkpoint_file(&t->dir, NULL, path, sizeof path), &t->config,
                             t->tok);
}

/* A new run's tokenizer, from the text (the training part for BPE), and
 * the model's vocabulary with it. 0, or -1 after a one-line error. */
static int build_tokenizer(trainer *t, size_t cut)
{
    const char *kind = t->config.tokenizer;
    /* char: the vocabulary of the whole text (nanoGPT's shakespeare_char);
     * bpe: merges learned on the training part only; gpt2: GPT-2's own
     * files, nothing learned (`make gpt2-tokenizer` fetches them). */
    t->tok = strcmp(kind, "char") == 0   ? tok_char_train(t->text, t->len)
             : strcmp(kind, "gpt2") == 0 ? tok_gpt2_load(NULL)
                                         : tok_bpe_train(t->text, cut, (int)t->bpe_vocab);
    /* An encoder needs [MASK] (and [CLS], [PAD] to be fine-tuned). */
    if (t->tok && strcmp(t->config.objective, "mlm") == 0 && tok_add_special_tokens(t->tok) < 0) {
        tok_free(t->tok);
        t->tok = NULL;
    }
    if (!t->tok) {
        fprintf(stderr, "shannon train: cannot build the tokenizer: %s\n", tok_last_error());
        return -1;
    }
    t->config.model.vocab_size = tok_vocab_size(t->tok);
    return 0;
}

/* The token streams of both splits, the model, the generators and the
 * optimizers, as a new run starts them (a resumed one then loads its
 * checkpoint over them). 0, or -1 after a one-line error. */
static int build_model(trainer *t, size_t cut)
{
    if (transformer_config_check(&t->config.model) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        return -1;
    }
    if (encode_split(t, t->text, cut, &t->train_ids, &t->ntrain, "training") < 0 ||
        encode_split(t, t->text + cut, t->len - cut, &t->val_ids, &t->nval,
                     "validation (last 10% of the file)") < 0)
        return -1;
    t->model = transformer_new(&t->config.model, (uint64_t)t->config.seed);
    t->batch_rng = nd_rng_new((uint64_t)t->config.seed);
    t->dropout_rng = nd_rng_new((uint64_t)t->config.seed + 1);
    if (!t->model || !t->batch_rng || !t->dropout_rng || make_optimizers(t, t->config.lr) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        return -1;
    }
    return 0;
}

/* The checkpoint's weights, optimizer and generator states, rows and
 * notes over the new run's; a resume on another text is allowed (a corpus
 * grows, a file moves) but noted. 0, or -1 after a one-line error. */
static int restore_checkpoint(trainer *t, const train_flags *f, uint64_t hash)
{
    if (resume(t) < 0)
        return -1;
    if (flag_given(f, "--eval-interval"))
        t->eval_interval = f->eval_interval;
    if (hash == t->data_hash && (int64_t)t->len == t->data_bytes)
        return 0;
    char note[4400];
    snprintf(note, sizeof note,
             "iteration %lld: resumed on '%s' (%zu bytes, FNV-1a %016llx), "
             "not the text of the checkpoint (%lld bytes, FNV-1a %016llx)",
             (long long)t->iter, f->data, t->len, (unsigned long long)hash,
             (long long)t->data_bytes, (unsigned long long)t->data_hash);
    if (t->leader)
        fprintf(stderr,
                "shannon train: warning: --data '%s' is not the text this model was "
                "trained on; going on with it (noted in '%s/notes.txt')\n",
                f->data, f->out);
    if (add_note(t, note) < 0) {
        fprintf(stderr, "shannon train: out of memory\n");
        return -1;
    }
    return 0;
}

/* From the flags to a model ready for its first step (new or resumed):
 * 0, or the exit status after a one-line error. */
static int set_up_run(trainer *t, const train_flags *f)
{
    if (open_model_folder(t, f) < 0)
        return 1;
    if (!t->resuming && config_from_flags(t, f) < 0)
        return 2;
    if (!(t->text = read_text_file("train", f->data, &t->len)))
        return 1;
    if (t->resuming && config_from_checkpoint(t, f) < 0)
        return 1;
    size_t cut = split_point(t->text, t->len);
    if ((!t->tok && build_tokenizer(t, cut) < 0) || build_model(t, cut) < 0)
        return 1;
    uint64_t hash = text_hash(t->text, t->len);
    if (t->resuming && restore_checkpoint(t, f, hash) < 0)
        return 1;
    t->data_hash = hash;
    t->data_bytes = (int64_t)t->len;
    return 0;
}

/* The step's arena and the ranks' agreement: the same micro-batches per
 * step as the checkpoint, the same run on every rank, one set of weights;
 * only then is the output folder touched. 0, or the exit status. */
static int join_ranks(trainer *t, const train_flags *f)
{
    const int P = dist_size();
    if (t->resuming) {
        /* The global batch a checkpoint was trained with is kept: under
         * another rank count, --grad-accum makes up the difference. */
        int64_t m = t->micro_batches;
        if (flag_given(f, "--grad-accum") ? f->grad_accum * P != m : m % P != 0) {
            fprintf(stderr,
                    "shannon train: '%s' was trained with %lld micro-batches of --batch per "
                    "step (--grad-accum x ranks); with %d rank%s give --grad-accum %lld%s\n",
                    f->out, (long long)m, P, P > 1 ? "s" : "", (long long)(m / P ? m / P : 1),
                    m % P ? " (the rank count must divide it)" : "");
            return 2;
        }
        t->grad_accum = m / P;
    }
    t->step = train_step_new(t->nparams, t->params, t->decay, t->no_decay, t->grad_accum, GRAD_CLIP,
                             (int)f->zero);
    if (!t->step) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        return 1;
    }
    /* Every rank checked everything: they agree, or all stop. */
    t->agreed = true;
    if (dist_failures(false) > 0) {
        fprintf(stderr,
                "shannon train: rank %d of %d stops: another rank failed (its message is "
                "above)\n",
                dist_rank(), P);
        return 1;
    }
    if (check_same_run(t, t->data_hash) < 0)
        return 1;
    /* One set of weights on every rank (the same seed or checkpoint gives
     * them already; the broadcast makes sure). */
    int64_t arena_size;
    float *arena = train_step_values(t->step, &arena_size);
    dist_broadcast(arena, arena_size * (int64_t)sizeof *arena);
    if (dist_failures(train_step_keep_bf16_copies(t->step, t->model, "train") < 0) > 0)
        return 1;
    if (dist_failures(t->leader && checkpoint_dir_prepare("train", &t->dir) < 0) > 0)
        return 1;
    if (t->leader)
        fprintf(stderr,
                "shannon train: %lld parameters, %s tokenizer (%lld tokens), %zu train / %zu "
                "val tokens\n",
                (long long)transformer_num_parameters(t->model), t->config.tokenizer,
                (long long)t->config.model.vocab_size, t->ntrain, t->nval);
    if (t->leader && P > 1)
        fprintf(stderr,
                "shannon train: %d ranks x --grad-accum %lld x --batch %lld = %lld sequences "
                "per step\n",
                P, (long long)t->grad_accum, (long long)t->config.batch,
                (long long)(t->micro_batches * t->config.batch));
    return 0;
}

/* ---- the step loop and its checkpoints ---------------------------------------------- */

/* What the step loop measured, for the report. */
typedef struct step_timing {
    int64_t steps; /* steps run by this invocation */
    double seconds; /* their time, evaluations and checkpoints left out */
    double exposed_comm; /* of it, waiting for the gradient reduction */
} step_timing;

/* run_steps: every iteration ran; on to the report. */
enum { ALL_STEPS_RUN = -1 };

/* After iteration t->iter: weights checked finite, a checkpoint that
 * resumes after it, the losses on the progress line. 0, or the exit
 * status (1: nothing more is written). */
static int checkpoint_step(trainer *t, progress *bar, const loss_row *row, bool evaluated)
{
    if (!weights_finite(t)) {
        progress_finish(bar);
        if (t->leader)
            stop_not_finite(t, "weights", NAN);
        return 1;
    }
    t->iter++; /* the checkpoint resumes after this one */
    int saved = save_checkpoint(t);
    t->iter--;
    if (saved < 0) {
        progress_finish(bar);
        return 1;
    }
    if (evaluated && t->leader)
        progress_note(bar, "iter %lld: train loss %.4f, val loss %.4f (checkpoint saved)",
                      (long long)(t->iter + 1), row->train_loss, row->val_loss);
    return 0;
}

/* The steps from t->iter to the last (or --stop-at, or a signal), a
 * checkpoint every eval interval. ALL_STEPS_RUN, or the exit status. */
static int run_steps(trainer *t, int64_t stop_at, step_timing *timing)
{
    const int64_t B = t->config.batch * t->micro_batches, T = t->config.model.block_size;
    const int64_t warmup = WARMUP_ITERS < t->config.iters / 10 ? WARMUP_ITERS : t->config.iters / 10;
    ag_lr_schedule schedule = {.kind = AG_LR_WARMUP_COSINE,
                               .lr = t->config.lr,
                               .warmup_iters = warmup,
                               .lr_decay_iters = t->config.iters,
                               .min_lr = t->config.lr / 10};
    progress bar;
    progress_start(&bar, t->iter, t->config.iters);
    bar.quiet = !t->leader;
    for (; t->iter < t->config.iters; t->iter++) {
        double lr_now = ag_lr_at(&schedule, t->iter);
        ag_optimizer_set_lr(t->decay, lr_now);
        ag_optimizer_set_lr(t->no_decay, lr_now);
        double start = now_seconds();
        step_result r;
        int stepped = train_step_run(t->step, "train", t->iter, train_micro_batch, t,
                                     t->dropout_rng, stop_signal, &r);
        if (stepped != 0) {
            progress_finish(&bar);
            if (stepped > 0 && t->leader)
                stop_not_finite(t, isfinite(r.loss) ? "gradient norm" : "loss",
                                isfinite(r.loss) ? r.grad_norm : r.loss);
            return 1;
        }
        timing->seconds += now_seconds() - start;
        timing->exposed_comm += r.exposed_comm;
        timing->steps++;
        loss_row row = {t->iter, r.loss, NAN, lr_now};
        bool stop = t->iter + 1 == stop_at;
        bool evaluate =
            (t->iter + 1) % t->eval_interval == 0 || t->iter + 1 == t->config.iters || stop;
        if (evaluate)
            row.val_loss = estimate_loss(t, t->val_ids, t->nval, EVAL_BATCHES, (uint64_t)t->iter);
        if (add_row(t, row) < 0) {
            progress_finish(&bar);
            fprintf(stderr, "shannon train: iteration %lld failed: %s\n", (long long)t->iter,
                    nd_last_error());
            if (dist_size() > 1)
                dist_abort(1); /* the others may wait in a collective */
            return 1;
        }
        progress_update(&bar, t->iter, r.loss,
                        (double)timing->steps * (double)(B * T) / timing->seconds);
        if (!evaluate && !r.stop_signal)
            continue;
        int status = checkpoint_step(t, &bar, &row, evaluate);
        if (status != 0)
            return status;
        if (r.stop_signal) {
            progress_finish(&bar);
            if (t->leader)
                fprintf(stderr,
                        "shannon train: interrupted (%s) after iteration %lld; checkpoint "
                        "saved, continue with --resume\n",
                        r.stop_signal == SIGINT ? "SIGINT" : "SIGTERM", (long long)(t->iter + 1));
            return 128 + r.stop_signal;
        }
        if (stop) {
            progress_finish(&bar);
            if (t->leader)
                fprintf(stderr,
                        "shannon train: stopped after iteration %lld (--stop-at); "
                        "continue with --resume\n",
                        (long long)(t->iter + 1));
            return 0;
        }
    }
    progress_finish(&bar);
    train_step_report_memory(t->step, "train");
    return ALL_STEPS_RUN;
}

/* ---- report ------------------------------------------------------------------------ */

/* The last line on stdout: the train loss over FINAL_TRAIN_BATCHES random
 * batches, the validation loss over the whole split (rank 0 alone; mlm
 * adds the accuracy), the throughput. Returns the exit status, 0. */
static int report_final(trainer *t, const step_timing *timing)
{
    const int64_t tokens_per_step = t->config.batch * t->micro_batches * t->config.model.block_size;
    if (getenv("SHANNON_STEP_TIMING") && t->leader && timing->steps > 0) /* benchmarks/bench_mpi.sh */
        fprintf(stderr,
                "shannon train: step timing: %.6f s per step, %.6f s of it waiting for the "
                "gradient reduction after the backward\n",
                timing->seconds / (double)timing->steps,
                timing->exposed_comm / (double)timing->steps);
    double train_loss =
        estimate_loss(t, t->train_ids, t->ntrain, FINAL_TRAIN_BATCHES, FINAL_TRAIN_SALT);
    double tps =
        timing->seconds > 0 ? (double)timing->steps * (double)tokens_per_step / timing->seconds : 0;
    double peak = 0, mfu = model_flops_utilization(t, tps, &peak);
    if (t->leader && strcmp(t->config.objective, "mlm") == 0) {
        mlm_result m = mlm_text_eval(t->model, t->tok, t->val_ids, t->nval, t->config.batch,
                                     t->config.mask_rate);
        printf("train_loss=%.4f val_loss=%.4f val_accuracy=%.4f tokens_per_s=%.1f mfu=%.4f "
               "peak_gflops=%.1f\n",
               train_loss, m.loss, m.accuracy, tps, mfu, peak);
    } else if (t->leader) {
        double val_loss = text_loss(t->model, t->val_ids, t->nval, t->config.batch, t->reference);
        printf("train_loss=%.4f val_loss=%.4f tokens_per_s=%.1f mfu=%.4f peak_gflops=%.1f\n",
               train_loss, val_loss, tps, mfu, peak);
    }
    return 0;
}

/* ---- the command ------------------------------------------------------------------ */

static int run_train(int argc, char **argv)
{
    train_flags f;
    int parsed = parse_train_flags(&f, argc, argv);
    if (parsed != 0)
        return dist_stop_early(parsed > 0 ? 0 : 2);
    if (check_train_flags(&f) < 0)
        return dist_stop_early(2);

    const int P = dist_size();
    trainer t = {.out = f.out,
                 .reference = f.reference,
                 .saved_iter = -1,
                 .eval_interval = f.eval_interval,
                 .grad_accum = f.grad_accum,
                 .micro_batches = f.grad_accum * P,
                 .bpe_vocab = f.vocab,
                 .leader = dist_rank() == 0};
    struct sigaction saved_signals[2];
    catch_signals(true, saved_signals);
    int status = set_up_run(&t, &f);
    if (status == 0 && f.print_tape) {
        status = print_tape_step(&t); /* one step's tape, nothing trained or written */
    } else if (status == 0 && (status = join_ranks(&t, &f)) == 0) {
        step_timing timing = {0};
        status = run_steps(&t, f.stop_at, &timing);
        if (status == ALL_STEPS_RUN)
            status = report_final(&t, &timing);
    }
    if (!t.agreed)
        dist_failures(true); /* the others learn that this rank stopped in the setup */
    ag_tape_reset();
    trainer_free(&t);
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
