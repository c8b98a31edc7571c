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
 * A checkpoint is model.safetensors, optimizer_*.safetensors and
 * train_state.json (iteration and random-generator states), each written
 * atomically, train_state.json last, so --resume continues exactly where
 * the run would have been: same batches, same dropout masks, same losses.
 */
#include "cli.h"

#include "tok.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    gpt_model *model;
    tok_tokenizer *tok;
    int32_t *train_ids, *val_ids;
    size_t ntrain, nval;
    ag_optimizer *decay, *no_decay;     /* AdamW groups: matrices / vectors */
    ag_tensor *params[GPT_MAX_TENSORS];
    int nparams;
    nd_rng *batch_rng, *dropout_rng;
    int64_t iter;                       /* the next iteration to run */
    loss_row *rows;
    int64_t nrows, cap_rows;
    bool reference;
} trainer;

/* ---- batches ------------------------------------------------------------------- */

/* x, y (B, T) int64: B windows at random offsets of ids, y shifted by one. */
static int make_batch(nd_rng *rng, const int32_t *ids, size_t n, int64_t B, int64_t T,
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

/* Mean loss over `batches` random batches of a split, without recording.
 * Its own generator (from the seed and the iteration) keeps the training
 * stream of batches independent of how often the loss is estimated. */
static double estimate_loss(trainer *t, const int32_t *ids, size_t n, int batches, uint64_t salt)
{
    nd_rng *rng = nd_rng_new((uint64_t)t->config.seed * 1000003u + salt);
    double total = 0;
    ag_no_grad_begin();
    for (int i = 0; i < batches; i++) {
        nd_array *x, *y;
        if (!rng || make_batch(rng, ids, n, t->config.batch, t->config.model.block_size, &x, &y) < 0) {
            total = NAN;
            break;
        }
        gpt_forward_options o = {.composed = t->reference};
        ag_tensor *loss = gpt_loss(t->model, x, y, &o);
        total += loss ? (double)*(const float *)nd_data(ag_value(loss)) : NAN;
        nd_free(x);
        nd_free(y);
        ag_tape_reset();
    }
    ag_no_grad_end();
    nd_rng_free(rng);
    return total / batches;
}

/* ---- checkpoints --------------------------------------------------------------- */

static int save_rng_state(FILE *f, const char *name, const nd_rng *rng, bool last)
{
    nd_rng_state s;
    if (nd_rng_get_state(rng, &s) < 0)
        return -1;
    fprintf(f, "  \"%s\": [%llu, %llu, %llu, %llu, %d, %u]%s\n", name,
            (unsigned long long)s.state_high, (unsigned long long)s.state_low,
            (unsigned long long)s.inc_high, (unsigned long long)s.inc_low, s.has_uint32,
            (unsigned)s.uinteger, last ? "" : ",");
    return 0;
}

static int save_checkpoint(trainer *t)
{
    char path[4096], meta_iter[32];
    snprintf(meta_iter, sizeof meta_iter, "%lld", (long long)t->iter);
    const char *meta[2] = {"iter", meta_iter};
    const char *names[GPT_MAX_TENSORS];
    ag_tensor *tensors[GPT_MAX_TENSORS];
    int n = gpt_num_tensors(t->model);
    for (int i = 0; i < n; i++)
        tensors[i] = gpt_tensor(t->model, i, &names[i]);
    if (ag_save_params(join_path(path, sizeof path, t->out, "model.safetensors"), n, names,
                       tensors, 1, meta) < 0 ||
        ag_optimizer_save(t->decay, join_path(path, sizeof path, t->out, "optimizer_decay.safetensors"), 1, meta) < 0 ||
        ag_optimizer_save(t->no_decay, join_path(path, sizeof path, t->out, "optimizer_no_decay.safetensors"), 1, meta) < 0)
        return -1;
    if (write_loss_csv(join_path(path, sizeof path, t->out, "loss.csv"), t->rows, t->nrows) < 0 ||
        write_loss_svg(join_path(path, sizeof path, t->out, "loss.svg"), t->rows, t->nrows) < 0)
        return -1;
    /* train_state.json last: a checkpoint counts once it is written. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return -1;
    fprintf(f, "{\n  \"iter\": %lld,\n", (long long)t->iter);
    int status = save_rng_state(f, "batch_rng", t->batch_rng, false) |
                 save_rng_state(f, "dropout_rng", t->dropout_rng, true);
    fprintf(f, "}\n");
    fclose(f);
    if (status == 0)
        status = nd_write_atomic(join_path(path, sizeof path, t->out, "train_state.json"), text, len);
    free(text);
    return status;
}

/* The iteration a checkpoint file says it belongs to, or -1. */
static int64_t checkpoint_iter(const char *path)
{
    nd_safetensors *st = nd_safetensors_load(path);
    const char *v = st ? nd_safetensors_metadata(st, "iter") : NULL;
    int64_t iter = v ? strtoll(v, NULL, 10) : -1;
    nd_safetensors_free(st);
    return iter;
}

static int resume(trainer *t)
{
    char path[4096];
    size_t len;
    char *text = nd_read_file(join_path(path, sizeof path, t->out, "train_state.json"), 1 << 16, &len);
    train_state state;
    if (!text || parse_train_state(text, len, path, &state) < 0 ||
        nd_rng_set_state(t->batch_rng, &state.batch_rng) < 0 ||
        nd_rng_set_state(t->dropout_rng, &state.dropout_rng) < 0) {
        fprintf(stderr, "shannon train: no usable checkpoint in '%s' (train_state.json: %s)\n",
                t->out, nd_last_error());
        free(text);
        return -1;
    }
    free(text);
    long long iter = state.iter;
    const char *files[3] = {"model.safetensors", "optimizer_decay.safetensors",
                            "optimizer_no_decay.safetensors"};
    for (int i = 0; i < 3; i++) {
        int64_t at = checkpoint_iter(join_path(path, sizeof path, t->out, files[i]));
        if (at != iter) {
            fprintf(stderr, "shannon train: checkpoint '%s' is %s (expected iteration %lld)\n",
                    path, at < 0 ? "missing or damaged" : "from another iteration", iter);
            return -1;
        }
    }
    const char *names[GPT_MAX_TENSORS];
    ag_tensor *tensors[GPT_MAX_TENSORS];
    int n = gpt_num_tensors(t->model);
    for (int i = 0; i < n; i++)
        tensors[i] = gpt_tensor(t->model, i, &names[i]);
    if (ag_load_params(join_path(path, sizeof path, t->out, "model.safetensors"), n, names, tensors) < 0 ||
        ag_optimizer_load(t->decay, join_path(path, sizeof path, t->out, "optimizer_decay.safetensors")) < 0 ||
        ag_optimizer_load(t->no_decay, join_path(path, sizeof path, t->out, "optimizer_no_decay.safetensors")) < 0) {
        fprintf(stderr, "shannon train: cannot resume from '%s': %s\n", t->out, nd_last_error());
        return -1;
    }
    t->iter = iter;
    /* The loss log up to the checkpoint (later rows belong to the stopped run). */
    loss_row *rows = NULL;
    int64_t nrows = 0;
    if (read_loss_csv(join_path(path, sizeof path, t->out, "loss.csv"), &rows, &nrows) == 0) {
        while (nrows > 0 && rows[nrows - 1].iter >= iter)
            nrows--;
        t->rows = rows;
        t->nrows = t->cap_rows = nrows;
    }
    return 0;
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

/* Splits text at floor(0.9 len), nanoGPT's data[:int(n * 0.9)], moved
 * forward to a UTF-8 character boundary. */
static size_t split_point(const char *text, size_t len)
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

/* Flags given on the command line must agree with a model being resumed. */
static int check_same(const char *out, const char *flag, bool given, long long stored, long long asked)
{
    if (given && stored != asked) {
        fprintf(stderr, "shannon train: '%s' holds a model with %s %lld, not %lld; drop the flag "
                "to resume it, or train into another --out\n", out, flag, stored, asked);
        return -1;
    }
    return 0;
}

static int make_optimizers(trainer *t, double lr)
{
    ag_tensor *decay[GPT_MAX_TENSORS], *no_decay[GPT_MAX_TENSORS];
    int nd = 0, nn = 0;
    t->nparams = gpt_num_tensors(t->model);
    for (int i = 0; i < t->nparams; i++) {
        ag_tensor *p = t->params[i] = gpt_tensor(t->model, i, NULL);
        /* As nanoGPT: decay the matrices (weights, embeddings), not the
         * biases and LayerNorm gains. */
        if (nd_ndim(ag_value(p)) >= 2)
            decay[nd++] = p;
        else
            no_decay[nn++] = p;
    }
    t->decay = ag_adamw_new(nd, decay, lr, BETA1, BETA2, 1e-8, WEIGHT_DECAY);
    t->no_decay = ag_adamw_new(nn, no_decay, lr, BETA1, BETA2, 1e-8, 0.0);
    return t->decay && t->no_decay ? 0 : -1;
}

static void trainer_free(trainer *t)
{
    ag_optimizer_free(t->decay);
    ag_optimizer_free(t->no_decay);
    gpt_free(t->model);
    tok_free(t->tok);
    free(t->train_ids);
    free(t->val_ids);
    nd_rng_free(t->batch_rng);
    nd_rng_free(t->dropout_rng);
    free(t->rows);
}

/* ---- the command ------------------------------------------------------------------ */

int command_train(int argc, char **argv)
{
    const char *data = NULL, *out = NULL, *tokenizer = "char";
    int64_t vocab = 4096, layers = 4, heads = 4, embd = 128, block = 64, batch = 12, iters = 2000;
    int64_t seed = 1337, threads = 0, stop_at = -1, eval_interval = EVAL_INTERVAL;
    double lr = 1e-3, dropout_p = 0.0;
    bool resume_flag = false, reference = false, learned = false, post_ln = false;
    option options[] = {
        {"--data", OPT_STRING, &data, true, false},      {"--out", OPT_STRING, &out, true, false},
        {"--tokenizer", OPT_STRING, &tokenizer, false, false},
        {"--vocab-size", OPT_INT, &vocab, false, false}, {"--layers", OPT_INT, &layers, false, false},
        {"--heads", OPT_INT, &heads, false, false},      {"--embd", OPT_INT, &embd, false, false},
        {"--block", OPT_INT, &block, false, false},      {"--batch", OPT_INT, &batch, false, false},
        {"--iters", OPT_INT, &iters, false, false},      {"--lr", OPT_DOUBLE, &lr, false, false},
        {"--dropout", OPT_DOUBLE, &dropout_p, false, false}, {"--seed", OPT_INT, &seed, false, false},
        {"--threads", OPT_INT, &threads, false, false},  {"--resume", OPT_FLAG, &resume_flag, false, false},
        {"--reference", OPT_FLAG, &reference, false, false},
        {"--learned-positions", OPT_FLAG, &learned, false, false},
        {"--post-ln", OPT_FLAG, &post_ln, false, false},
        /* Checkpoint (and estimate the loss) every N iterations. */
        {"--eval-interval", OPT_INT, &eval_interval, false, false},
        /* Stop after iteration N with a checkpoint, as an interrupted run
         * would; --resume then continues to --iters. */
        {"--stop-at", OPT_INT, &stop_at, false, false},
    };
    enum { DATA, OUT, TOKENIZER, VOCAB, LAYERS, HEADS, EMBD, BLOCK, BATCH, ITERS, LR, DROPOUT, SEED };
    if (parse_options("train", argc, argv, 2, options, sizeof options / sizeof options[0]) < 0)
        return 2;
    if (strcmp(tokenizer, "char") != 0 && strcmp(tokenizer, "bpe") != 0) {
        fprintf(stderr, "shannon train: --tokenizer must be 'char' or 'bpe', not '%s'\n", tokenizer);
        return 2;
    }
    if (batch < 1 || iters < 1 || block < 1 || threads < 0 || !(lr > 0) || vocab < 257 ||
        eval_interval < 1 ||
        vocab > 1 << 20 || layers < 1 || layers > GPT_MAX_LAYERS || heads < 1 || embd < 1) {
        fprintf(stderr, "shannon train: --batch, --iters, --block, --layers (<= %d), --heads, "
                "--embd and --lr must be positive, --threads >= 0, --vocab-size in [257, 2^20]\n",
                GPT_MAX_LAYERS);
        return 2;
    }
    if (nd_set_num_threads((int)threads) < 0)
        return 2;

    trainer t = {.out = out, .reference = reference};
    int status = 1;
    size_t len = 0;
    char *text = read_text_file("train", data, &len);
    if (!text)
        return 1;
    char path[4096];
    struct stat st;
    bool has_model = stat(join_path(path, sizeof path, out, "config.json"), &st) == 0;
    if (has_model && !resume_flag) {
        fprintf(stderr, "shannon train: '%s' already holds a model; use --resume to continue it "
                "or choose another --out\n", out);
        goto done;
    }
    if (resume_flag && has_model) {
        if (load_run_config("train", path, &t.config) < 0)
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
            (options[TOKENIZER].seen && strcmp(c->tokenizer, tokenizer) != 0 &&
             (fprintf(stderr, "shannon train: '%s' holds a %s-tokenizer model, not %s\n", out,
                      c->tokenizer, tokenizer), 1)))
            goto done;
        t.config.iters = options[ITERS].seen ? iters : c->iters;
        if (options[LR].seen)
            t.config.lr = lr;
        t.tok = tok_load(join_path(path, sizeof path, out, "tokenizer.json"));
        if (!t.tok) {
            fprintf(stderr, "shannon train: cannot load the tokenizer of '%s': %s\n", out, tok_last_error());
            goto done;
        }
    } else {
        t.config = (run_config){.batch = batch, .iters = iters, .seed = seed, .lr = lr};
        t.config.model = (gpt_config){.block_size = block, .n_layer = (int)layers, .n_head = (int)heads,
                                      .n_embd = embd, .dropout = dropout_p,
                                      .learned_positions = learned, .post_ln = post_ln};
        snprintf(t.config.tokenizer, sizeof t.config.tokenizer, "%s", tokenizer);
    }
    size_t cut = split_point(text, len);
    if (!t.tok) {
        /* char: the vocabulary of the whole text (nanoGPT's shakespeare_char);
         * bpe: merges learned on the training part only. */
        t.tok = strcmp(tokenizer, "char") == 0 ? tok_char_train(text, len)
                                               : tok_bpe_train(text, cut, (int)vocab);
        if (!t.tok) {
            fprintf(stderr, "shannon train: cannot build the tokenizer: %s\n", tok_last_error());
            goto done;
        }
        t.config.model.vocab_size = tok_vocab_size(t.tok);
    }
    if (gpt_config_check(&t.config.model) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        goto done;
    }
    if (encode_split(&t, text, cut, &t.train_ids, &t.ntrain, "training") < 0 ||
        encode_split(&t, text + cut, len - cut, &t.val_ids, &t.nval, "validation (last 10% of the file)") < 0)
        goto done;
    t.model = gpt_new(&t.config.model, (uint64_t)t.config.seed);
    t.batch_rng = nd_rng_new((uint64_t)t.config.seed);
    t.dropout_rng = nd_rng_new((uint64_t)t.config.seed + 1);
    if (!t.model || !t.batch_rng || !t.dropout_rng || make_optimizers(&t, t.config.lr) < 0) {
        fprintf(stderr, "shannon train: %s\n", nd_last_error());
        goto done;
    }
    if (resume_flag && has_model) {
        if (resume(&t) < 0)
            goto done;
    } else {
        /* Everything checked: only now touch the output folder. */
        if (make_folder(out) < 0 ||
            save_run_config(join_path(path, sizeof path, out, "config.json"), &t.config) < 0 ||
            tok_save(t.tok, join_path(path, sizeof path, out, "tokenizer.json")) < 0) {
            fprintf(stderr, "shannon train: cannot write into '%s'\n", out);
            goto done;
        }
    }
    fprintf(stderr, "shannon train: %lld parameters, %s tokenizer (%lld tokens), %zu train / %zu "
            "val tokens\n", (long long)gpt_num_parameters(t.model), t.config.tokenizer,
            (long long)t.config.model.vocab_size, t.ntrain, t.nval);

    const int64_t B = t.config.batch, T = t.config.model.block_size;
    ag_lr_schedule schedule = {.kind = AG_LR_WARMUP_COSINE, .lr = t.config.lr,
                               .warmup_iters = WARMUP_ITERS < t.config.iters / 10 ? WARMUP_ITERS : t.config.iters / 10,
                               .lr_decay_iters = t.config.iters, .min_lr = t.config.lr / 10};
    progress bar;
    progress_start(&bar, t.iter, t.config.iters);
    double train_seconds = 0, last_loss = NAN;
    int64_t trained = 0;
    for (; t.iter < t.config.iters; t.iter++) {
        double lr_now = ag_lr_at(&schedule, t.iter);
        ag_optimizer_set_lr(t.decay, lr_now);
        ag_optimizer_set_lr(t.no_decay, lr_now);
        double start = now_seconds();
        nd_array *x, *y;
        if (make_batch(t.batch_rng, t.train_ids, t.ntrain, B, T, &x, &y) < 0)
            goto failed;
        gpt_forward_options o = {.dropout_rng = t.dropout_rng, .composed = t.reference};
        ag_tensor *loss = gpt_loss(t.model, x, y, &o);
        nd_free(x);
        nd_free(y);
        if (!loss || ag_backward(loss) < 0 ||
            ag_clip_grad_norm(t.nparams, t.params, GRAD_CLIP) < 0 ||
            ag_optimizer_step(t.decay) < 0 || ag_optimizer_step(t.no_decay) < 0)
            goto failed;
        last_loss = *(const float *)nd_data(ag_value(loss));
        ag_optimizer_zero_grad(t.decay);
        ag_optimizer_zero_grad(t.no_decay);
        ag_tape_reset();
        train_seconds += now_seconds() - start;
        trained++;
        loss_row row = {t.iter, last_loss, NAN, lr_now};
        bool stop = t.iter + 1 == stop_at;
        bool evaluate = (t.iter + 1) % eval_interval == 0 || t.iter + 1 == t.config.iters || stop;
        if (evaluate)
            row.val_loss = estimate_loss(&t, t.val_ids, t.nval, EVAL_BATCHES, (uint64_t)t.iter);
        if (add_row(&t, row) < 0)
            goto failed;
        progress_update(&bar, t.iter, last_loss, (double)(trained * B * T) / train_seconds);
        if (evaluate) {
            int64_t done_iters = t.iter + 1;
            t.iter++;                         /* the checkpoint resumes after this one */
            int saved = save_checkpoint(&t);
            t.iter--;
            if (saved < 0) {
                progress_finish(&bar);
                fprintf(stderr, "shannon train: cannot write a checkpoint into '%s'\n", out);
                goto done;
            }
            progress_note(&bar, "iter %lld: train loss %.4f, val loss %.4f (checkpoint saved)",
                          (long long)done_iters, last_loss, row.val_loss);
            if (stop) {
                progress_finish(&bar);
                fprintf(stderr, "shannon train: stopped after iteration %lld (--stop-at); "
                        "continue with --resume\n", (long long)done_iters);
                status = 0;
                goto done;
            }
        }
    }
    progress_finish(&bar);
    {
        double train_loss = estimate_loss(&t, t.train_ids, t.ntrain, FINAL_TRAIN_BATCHES, 1u << 30);
        double val_loss = text_loss(t.model, t.val_ids, t.nval, B, t.reference);
        double tps = train_seconds > 0 ? (double)(trained * B * T) / train_seconds : 0;
        printf("train_loss=%.4f val_loss=%.4f tokens_per_s=%.1f\n", train_loss, val_loss, tps);
        status = 0;
    }
    goto done;
failed:
    progress_finish(&bar);
    fprintf(stderr, "shannon train: iteration %lld failed: %s\n", (long long)t.iter, nd_last_error());
done:
    ag_tape_reset();
    trainer_free(&t);
    free(text);
    return status;
}
