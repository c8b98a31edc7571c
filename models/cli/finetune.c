/*
 * shannon finetune: a trained model, trained further.
 *
 *   --from DIR --data FILE
 *       continued language-model training on new text with the source's
 *       objective (causal or mlm) and tokenizer: a fresh AdamW, a lower
 *       learning rate (the source's / 10 unless --lr), a short warmup (5%
 *       of --iters), cosine decay. FILE is split 90/10 as `train` splits;
 *       the validation loss of the new text is printed before and after.
 *
 *   --task classify --train FILE --valid FILE
 *       label<TAB>text lines, one example each. A new classification head
 *       over the training file's labels on the body of --from (an encoder
 *       reads its [CLS] token, a decoder its last real token), the whole
 *       network trained. Without --from the same architecture starts from
 *       random init (the flags of `train`; an encoder unless --objective
 *       causal), so the value of pre-training can be measured.
 *
 * Nothing is written into --out before every input has been checked; an
 * --out that already holds a model is refused.
 */
#include "distributed.h"
#include "model_dir.h"
#include "step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GRAD_CLIP 1.0
#define CLASSIFY_WEIGHT_DECAY 0.01 /* BERT's fine-tuning */
#define LM_WEIGHT_DECAY 0.1 /* nanoGPT's */

typedef struct run {
    const char *out;
    run_config config;
    transformer_model *model;
    tok_tokenizer *tok;
    ag_optimizer *decay, *no_decay;
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    int nparams;
    nd_rng *batch_rng, *dropout_rng;
    int64_t grad_accum;
    int64_t zero; /* --zero: 1 shards the AdamW moments over the ranks */
    loss_row *rows;
    train_step *step; /* the arena, accumulation and reduction (step.h) */
    bool leader; /* rank 0: prints and writes */
    bool agreed; /* joined the ranks' agreement before training */
} run;

static void run_free(run *r)
{
    train_step_free(r->step);
    ag_optimizer_free(r->decay);
    ag_optimizer_free(r->no_decay);
    transformer_free(r->model);
    tok_free(r->tok);
    nd_rng_free(r->batch_rng);
    nd_rng_free(r->dropout_rng);
    free(r->rows);
}

/* What a micro-batch function (step.h) of finetune reads: the run and the
 * task's data. */
typedef struct micro_data {
    run *r;
    void *data;
} micro_data;

/* iters optimizer steps of grad_accum micro-batches per rank each (step.c),
 * warmup + cosine from lr to lr / 10, gradient norm clipped to 1. Returns
 * the items (tokens or examples) per second, or NAN (message printed). */
static double train_steps(run *r, micro_batch_fn micro, micro_data *md, double items_per_micro)
{
    const int64_t iters = r->config.iters, M = r->grad_accum * dist_size();
    ag_lr_schedule schedule = {.kind = AG_LR_WARMUP_COSINE,
                               .lr = r->config.lr,
                               .warmup_iters = iters / 20,
                               .lr_decay_iters = iters,
                               .min_lr = r->config.lr / 10};
    r->rows = calloc((size_t)iters, sizeof *r->rows);
    r->step = train_step_new(r->nparams, r->params, r->decay, r->no_decay, r->grad_accum, GRAD_CLIP,
                             (int)r->zero);
    if (!r->rows || !r->step)
        fprintf(stderr, "shannon finetune: %s\n", r->step ? "out of memory" : nd_last_error());
    /* Every rank got here, or all stop (a rank that failed before joins
     * this agreement from command_finetune's end). */
    r->agreed = true;
    if (dist_failures(!r->rows || !r->step) > 0) {
        if (r->rows && r->step)
            fprintf(stderr,
                    "shannon finetune: rank %d stops: another rank failed (its message is "
                    "above)\n",
                    dist_rank());
        return NAN;
    }
    /* One set of weights on every rank. */
    int64_t n;
    float *values = train_step_values(r->step, &n);
    dist_broadcast(values, n * (int64_t)sizeof *values);
    if (dist_failures(train_step_keep_bf16_copies(r->step, r->model, "finetune") < 0) > 0)
        return NAN;
    progress bar;
    progress_start(&bar, 0, iters);
    bar.quiet = !r->leader;
    double seconds = 0;
    for (int64_t it = 0; it < iters; it++) {
        double lr = ag_lr_at(&schedule, it), start = now_seconds();
        ag_optimizer_set_lr(r->decay, lr);
        ag_optimizer_set_lr(r->no_decay, lr);
        step_result res;
        int status = train_step_run(r->step, "finetune", it, micro, md, r->dropout_rng, 0, &res);
        if (status != 0) {
            progress_finish(&bar);
            if (status > 0 && r->leader)
                fprintf(stderr,
                        "shannon finetune: the %s became %g at iteration %lld (is --lr too "
                        "high?); stopped\n",
                        isfinite(res.loss) ? "gradient norm" : "loss",
                        isfinite(res.loss) ? res.grad_norm : res.loss, (long long)it);
            return NAN;
        }
        seconds += now_seconds() - start;
        r->rows[it] = (loss_row){it, res.loss, NAN, lr};
        progress_update(&bar, it, r->rows[it].train_loss,
                        (double)(it + 1) * (double)M * items_per_micro / seconds);
    }
    progress_finish(&bar);
    train_step_report_memory(r->step, "finetune");
    return seconds > 0 ? (double)iters * (double)M * items_per_micro / seconds : 0;
}

/* config.json, tokenizer.json, model.safetensors, loss.csv, loss.svg (and
 * labels.txt for a classifier), each written atomically. */
static int save_run(run *r, const labeled *classes)
{
    char path[4096];
    if (make_folder(r->out) < 0 ||
        save_run_config(join_path(path, sizeof path, r->out, "config.json"), &r->config) < 0 ||
        tok_save(r->tok, join_path(path, sizeof path, r->out, "tokenizer.json")) < 0 ||
        (classes && save_labels(join_path(path, sizeof path, r->out, "labels.txt"), classes) < 0) ||
        transformer_save(r->model, join_path(path, sizeof path, r->out, "model.safetensors"), 0,
                         NULL) < 0 ||
        write_loss_csv(join_path(path, sizeof path, r->out, "loss.csv"), r->rows, r->config.iters) <
            0 ||
        write_loss_svg(join_path(path, sizeof path, r->out, "loss.svg"), r->rows, r->config.iters) <
            0) {
        fprintf(stderr, "shannon finetune: cannot write into '%s'\n", r->out);
        return -1;
    }
    return 0;
}

/* ---- continued language-model training --------------------------------------------- */

typedef struct lm_data {
    int32_t *train_ids, *val_ids;
    size_t ntrain, nval;
} lm_data;

static int lm_micro_batch(void *ctx, bool mine, const transformer_forward_options *o,
                          ag_tensor **loss)
{
    run *r = ((micro_data *)ctx)->r;
    lm_data *d = ((micro_data *)ctx)->data;
    nd_array *x, *y;
    if (make_batch(r->batch_rng, d->train_ids, d->ntrain, r->config.batch,
                   r->config.model.block_size, &x, &y) < 0)
        return -1;
    if (mine && strcmp(r->config.objective, "mlm") == 0) {
        nd_array *in = NULL, *tg = NULL;
        *loss = mlm_mask_batch(r->tok, x, r->config.mask_rate, o->dropout_rng, &in, &tg) < 0
                    ? NULL
                    : transformer_mlm_loss(r->model, in, tg, o);
        nd_free(in);
        nd_free(tg);
    } else if (mine) {
        *loss = transformer_lm_loss(r->model, x, y, o);
    }
    nd_free(x);
    nd_free(y);
    return !mine || *loss ? 0 : -1;
}

/* The validation loss of the new text, as `eval` computes it. */
static double lm_val_loss(run *r, const lm_data *d)
{
    if (strcmp(r->config.objective, "mlm") == 0)
        return mlm_text_eval(r->model, r->tok, d->val_ids, d->nval, r->config.batch,
                             r->config.mask_rate)
            .loss;
    return text_loss(r->model, d->val_ids, d->nval, r->config.batch, false);
}

static int finetune_lm(run *r, const char *data_path)
{
    lm_data d = {0};
    size_t len;
    char *text = read_text_file("finetune", data_path, &len);
    if (!text)
        return 1;
    size_t cut = split_point(text, len);
    int status = 1;
    const int64_t T = r->config.model.block_size;
    if (tok_encode(r->tok, text, cut, &d.train_ids, &d.ntrain) < 0 ||
        tok_encode(r->tok, text + cut, len - cut, &d.val_ids, &d.nval) < 0) {
        fprintf(stderr, "shannon finetune: cannot encode '%s': %s\n", data_path, tok_last_error());
        goto done;
    }
    if ((int64_t)d.ntrain < T + 2 || (int64_t)d.nval < 2) {
        fprintf(stderr,
                "shannon finetune: '%s' has %zu training and %zu validation tokens, too "
                "few for the model's block of %lld\n",
                data_path, d.ntrain, d.nval, (long long)T);
        goto done;
    }
    /* Rank 0 alone evaluates and writes. */
    double before = r->leader ? lm_val_loss(r, &d) : 0;
    double tps = train_steps(r, lm_micro_batch, &(micro_data){r, &d}, (double)(r->config.batch * T));
    if (isnan(before) || isnan(tps))
        goto done;
    status = 0;
    if (!r->leader)
        goto done;
    status = 1;
    double after = lm_val_loss(r, &d);
    if (save_run(r, NULL) < 0)
        goto done;
    printf("before_val_loss=%.4f val_loss=%.4f tokens_per_s=%.1f\n", before, after, tps);
    status = 0;
done:
    free(d.train_ids);
    free(d.val_ids);
    free(text);
    return status;
}

/* ---- classification ---------------------------------------------------------------- */

static int classify_micro_batch(void *ctx, bool mine, const transformer_forward_options *o,
                                ag_tensor **loss)
{
    run *r = ((micro_data *)ctx)->r;
    const labeled *set = ((micro_data *)ctx)->data;
    const int64_t B = r->config.batch;
    nd_array *pick = nd_rng_integers(r->batch_rng, 0, (int64_t)set->n, false, ND_INT64, 1, &B);
    if (!mine || !pick) {
        nd_free(pick);
        return pick ? 0 : -1;
    }
    nd_array *labels = nd_empty(ND_INT64, 1, &B), *ids = NULL, *padding = NULL;
    char **texts = malloc((size_t)B * sizeof *texts);
    if (labels && texts) {
        const int64_t *p = nd_data(pick);
        for (int64_t b = 0; b < B; b++) {
            texts[b] = set->texts[p[b]];
            ((int64_t *)nd_data(labels))[b] = set->labels[p[b]];
        }
        if (encode_examples(r->tok, &r->config.model, texts, (size_t)B, &ids, &padding) == 0) {
            transformer_forward_options with = *o;
            with.padding = padding;
            *loss = transformer_classify_loss(r->model, ids, labels, &with);
        }
    }
    free(texts);
    nd_free(pick), nd_free(labels), nd_free(ids), nd_free(padding);
    return *loss ? 0 : -1;
}

/* Accuracy of the model on a set, and its mean loss (cross-entropy of the
 * probabilities) when loss is not NULL. */
static double set_accuracy(run *r, const labeled *set, double *loss)
{
    nd_array *probs = classify_texts(r->model, r->tok, set->texts, set->n, 32);
    nd_array *best = probs ? nd_argmax(probs, 1) : NULL;
    double accuracy = NAN, total = 0;
    if (best) {
        const int64_t *p = nd_data(best), K = r->config.model.num_classes;
        const float *q = nd_data(probs);
        size_t correct = 0;
        for (size_t i = 0; i < set->n; i++) {
            correct += p[i] == set->labels[i];
            total -= log(fmax((double)q[(int64_t)i * K + set->labels[i]], 1e-30));
        }
        accuracy = (double)correct / (double)set->n;
    }
    if (loss)
        *loss = total / (double)set->n;
    nd_free(probs);
    nd_free(best);
    return accuracy;
}

static int finetune_classify(run *r, labeled *train, labeled *valid)
{
    double tps =
        train_steps(r, classify_micro_batch, &(micro_data){r, train}, (double)r->config.batch);
    if (isnan(tps))
        return 1;
    if (!r->leader) /* rank 0 alone evaluates and writes */
        return 0;
    double train_loss, val_accuracy = set_accuracy(r, valid, NULL);
    set_accuracy(r, train, &train_loss);
    /* The majority baseline: the most frequent training label, on valid. */
    int64_t *count = calloc((size_t)train->nnames, sizeof *count), top = 0;
    for (size_t i = 0; count && i < train->n; i++)
        count[train->labels[i]]++;
    for (int64_t k = 1; count && k < train->nnames; k++)
        top = count[k] > count[top] ? k : top;
    size_t hits = 0;
    for (size_t i = 0; i < valid->n; i++)
        hits += valid->labels[i] == top;
    free(count);
    if (isnan(val_accuracy) || save_run(r, train) < 0)
        return 1;
    printf("train_loss=%.4f val_accuracy=%.4f majority=%.4f examples_per_s=%.1f\n", train_loss,
           val_accuracy, (double)hits / (double)valid->n, tps);
    return 0;
}

/* A tokenizer and a model from random init for the classification task:
 * the tokenizer learned on the training texts, with the special tokens. */
static int scratch_classifier(run *r, const labeled *train, const char *tokenizer, int64_t vocab)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (size_t i = 0; f && i < train->n; i++)
        fprintf(f, "%s\n", train->texts[i]);
    if (f)
        fclose(f);
    r->tok = !text                            ? NULL
             : strcmp(tokenizer, "char") == 0 ? tok_char_train(text, len)
             : strcmp(tokenizer, "gpt2") == 0 ? tok_gpt2_load(NULL) /* GPT-2's, not learned */
                                              : tok_bpe_train(text, len, (int)vocab);
    free(text);
    if (!r->tok || tok_add_special_tokens(r->tok) < 0) {
        fprintf(stderr, "shannon finetune: cannot build the tokenizer: %s\n", tok_last_error());
        return -1;
    }
    snprintf(r->config.tokenizer, sizeof r->config.tokenizer, "%s", tokenizer);
    r->config.model.vocab_size = tok_vocab_size(r->tok);
    return 0;
}

/* ---- the command ------------------------------------------------------------------------ */

static int run_finetune(int argc, char **argv)
{
    const char *out = NULL, *from = NULL, *data = NULL, *task = NULL, *train_path = NULL,
               *valid_path = NULL, *tokenizer = "char", *objective = "mlm", *precision = NULL;
    int64_t iters = 0, batch = 0, grad_accum = 1, seed = DEFAULT_SEED, threads = 0,
            vocab = DEFAULT_BPE_VOCAB, zero = 0;
    int64_t layers = 4, heads = 4, embd = 128, block = 64;
    double lr = 0, dropout_p = 0.1;
    bool learned = false, post_ln = false;
    // clang-format off
    option options[] = {
        {"--out", OPT_STRING, &out, true, .meta = "DIR", .help = "the new model folder"},
        {"--from", OPT_STRING, &from, .meta = "DIR",
         .help = "the pre-trained model to start from (omitted: random init, flags as in train)"},
        {"--data", OPT_STRING, &data, .meta = "FILE",
         .help = "continue language-model training on this text (with --from)"},
        {"--task", OPT_STRING, &task, .meta = "classify",
         .help = "train a classification head and the whole network on --train"},
        {"--train", OPT_STRING, &train_path, .meta = "FILE",
         .help = "the training examples, one label<TAB>text per line"},
        {"--valid", OPT_STRING, &valid_path, .meta = "FILE",
         .help = "the validation examples, same format; every label must occur in --train"},
        {"--iters", OPT_INT, &iters, .help = "iterations (0: the task's default)",
         .min = 0, .max = MAX_ITERS},
        {"--lr", OPT_DOUBLE, &lr, .help = "the peak learning rate (0: the fine-tuning default)"},
        {"--batch", OPT_INT, &batch, .help = "sequences per micro-batch (0: the default)",
         .min = 0, .max = MAX_BATCH},
        {"--grad-accum", OPT_INT, &grad_accum, .help = "micro-batches per optimizer step",
         .min = 1, .max = MAX_GRAD_ACCUM},
        {"--seed", OPT_INT, &seed, .help = "seed of the head's init, the batches and dropout"},
        {"--threads", OPT_INT, &threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = MAX_THREADS},
        {"--zero", OPT_INT, &zero, .meta = "0|1",
         .help = ZERO_HELP, .min = 0, .max = 1},
        {"--precision", OPT_STRING, &precision, .meta = "float32|bf16",
         .help = "bf16: matrix products on bf16 operands with float32 sums, float32 master weights "
                 "(default: --from's, else float32)"},
        /* the architecture of a classifier from random init (as train) */
        {"--tokenizer", OPT_STRING, &tokenizer, .meta = "char|bpe|gpt2",
         .help = "without --from: the tokenizer, learned on --train's texts (gpt2: GPT-2's)"},
        {"--vocab-size", OPT_INT, &vocab, .help = "without --from: the BPE vocabulary size",
         .min = MIN_BPE_VOCAB, .max = MAX_VOCAB},
        {"--layers", OPT_INT, &layers, .help = "without --from: Transformer blocks",
         .min = 1, .max = TRANSFORMER_MAX_LAYERS},
        {"--heads", OPT_INT, &heads, .help = "without --from: attention heads per block",
         .min = 1, .max = MAX_HEADS},
        {"--embd", OPT_INT, &embd, .help = "without --from: the embedding width",
         .min = 1, .max = MAX_EMBD},
        {"--block", OPT_INT, &block, .help = "without --from: the context length in tokens",
         .min = 1, .max = MAX_BLOCK},
        {"--dropout", OPT_DOUBLE, &dropout_p, .help = "without --from: dropout probability, in [0, 1)"},
        {"--objective", OPT_STRING, &objective, .meta = "causal|mlm",
         .help = "without --from: a decoder (last-token pooling) or an encoder (first token)"},
        {"--learned-positions", OPT_FLAG, &learned,
         .help = "without --from: learned position embeddings"},
        {"--post-ln", OPT_FLAG, &post_ln, .help = "without --from: post-LN blocks"},
    };
    // clang-format on
    /* The flags that describe a model from random init, which --from excludes. */
    static const char *const arch_flags[] = {"--tokenizer", "--vocab-size", "--layers",
                                             "--heads",     "--embd",       "--block",
                                             "--dropout",   "--objective",  "--learned-positions",
                                             "--post-ln"};
    const int noptions = sizeof options / sizeof options[0];
    int parsed = parse_options("finetune", argc, argv, 2, options, noptions);
    if (parsed != 0)
        return dist_stop_early(parsed > 0 ? 0 : 2);
    const bool classify = task != NULL;
    if (classify && strcmp(task, "classify") != 0) {
        fprintf(stderr, "shannon finetune: --task must be classify, not '%s'\n", task);
        return dist_stop_early(2);
    }
    if (classify ? (!train_path || !valid_path || data)
                 : (!data || !from || train_path || valid_path)) {
        fprintf(stderr, "shannon finetune: give --from DIR --data FILE, or --task classify --train "
                        "FILE --valid FILE [--from DIR]\n");
        return dist_stop_early(2);
    }
    for (size_t k = 0; k < sizeof arch_flags / sizeof *arch_flags; k++)
        if (from && option_given(options, noptions, arch_flags[k])) {
            fprintf(stderr,
                    "shannon finetune: %s describes a model from random init; --from "
                    "takes the architecture of '%s'\n",
                    arch_flags[k], from);
            return dist_stop_early(2);
        }
    if (check_objective("finetune", objective, 0.15) < 0)
        return dist_stop_early(2);
    transformer_precision chosen = TRANSFORMER_FLOAT32;
    if (precision && parse_precision("finetune", precision, &chosen) < 0)
        return dist_stop_early(2);
    if (strcmp(tokenizer, "char") != 0 && strcmp(tokenizer, "bpe") != 0 &&
        strcmp(tokenizer, "gpt2") != 0) {
        fprintf(stderr, "shannon finetune: --tokenizer must be 'char', 'bpe' or 'gpt2', not '%s'\n",
                tokenizer);
        return dist_stop_early(2);
    }
    if (iters < 0 || batch < 0 || grad_accum < 1 || threads < 0 || lr < 0 || layers < 1 ||
        layers > TRANSFORMER_MAX_LAYERS || heads < 1 || embd < 1 || block < 1 ||
        vocab < MIN_BPE_VOCAB || vocab > 1 << 20 || nd_set_num_threads((int)threads) < 0) {
        fprintf(stderr,
                "shannon finetune: --iters, --batch, --grad-accum, --lr, --layers (<= %d), "
                "--heads, --embd, --block must be positive, --threads >= 0, --vocab-size in "
                "[%d, 2^20]\n",
                TRANSFORMER_MAX_LAYERS, MIN_BPE_VOCAB);
        return dist_stop_early(2);
    }
    char path[4096];
    struct stat st;
    if (stat(join_path(path, sizeof path, out, "config.json"), &st) == 0) {
        fprintf(stderr, "shannon finetune: '%s' already holds a model; choose another --out\n", out);
        return dist_stop_early(1);
    }

    run r = {.out = out, .grad_accum = grad_accum, .zero = zero, .leader = dist_rank() == 0};
    labeled train = {0}, valid = {0};
    int status = 1;
    model_dir source = {0};
    if (classify && (read_labeled("finetune", train_path, NULL, &train) < 0 ||
                     read_labeled("finetune", valid_path, &train, &valid) < 0))
        goto done;
    if (from) {
        if (open_model_dir("finetune", from, &source) < 0)
            goto done;
        if (!classify && source.config.model.num_classes > 0) {
            fprintf(stderr,
                    "shannon finetune: '%s' is a classifier; --data continues a language "
                    "model\n",
                    from);
            goto done;
        }
        r.config = source.config;
        r.tok = source.tok;
        source.tok = NULL;
    } else {
        r.config.model = (transformer_config){.block_size = block,
                                              .n_layer = (int)layers,
                                              .n_head = (int)heads,
                                              .n_embd = embd,
                                              .dropout = dropout_p,
                                              .learned_positions = learned,
                                              .post_ln = post_ln,
                                              .bidirectional = strcmp(objective, "mlm") == 0};
        if (scratch_classifier(&r, &train, tokenizer, vocab) < 0)
            goto done;
    }
    if (classify) {
        /* A new head: an encoder reads [CLS], a decoder its last real token. */
        r.config.model.num_classes = train.nnames;
        r.config.model.pooling =
            r.config.model.bidirectional ? TRANSFORMER_POOL_FIRST : TRANSFORMER_POOL_LAST;
        snprintf(r.config.objective, sizeof r.config.objective, "classify");
    }
    /* Fine-tuning defaults: a tenth of the source's rate for more LM
     * training; for a classifier 5e-4 with or without --from, so the two
     * compare at one setting. */
    r.config.lr = lr > 0 ? lr : classify ? 5e-4 : r.config.lr / 10;
    r.config.iters = iters > 0 ? iters : classify ? 300 : 200;
    r.config.batch = batch > 0 ? batch : classify ? 16 : r.config.batch;
    r.config.seed = seed;
    if (precision)
        r.config.model.precision = chosen;
    r.model = transformer_new(&r.config.model, (uint64_t)seed);
    if (!r.model) {
        fprintf(stderr, "shannon finetune: %s\n", nd_last_error());
        goto done;
    }
    if (from && transformer_load(r.model, join_path(path, sizeof path, from, "model.safetensors"),
                                 classify) < 0) {
        fprintf(stderr, "shannon finetune: cannot load '%s': %s\n", path, nd_last_error());
        goto done;
    }
    r.batch_rng = nd_rng_new((uint64_t)seed);
    r.dropout_rng = nd_rng_new((uint64_t)seed + 1);
    if (!r.batch_rng || !r.dropout_rng ||
        make_adamw_groups(r.model, r.config.lr, classify ? CLASSIFY_WEIGHT_DECAY : LM_WEIGHT_DECAY,
                          &r.decay, &r.no_decay, r.params, &r.nparams) < 0) {
        fprintf(stderr, "shannon finetune: %s\n", nd_last_error());
        goto done;
    }
    if (r.leader)
        fprintf(stderr, "shannon finetune: %lld parameters, %s%s, lr %g, %lld iterations\n",
                (long long)transformer_num_parameters(r.model), from ? "from " : "random init",
                from ? from : "", r.config.lr, (long long)r.config.iters);
    status = classify ? finetune_classify(&r, &train, &valid) : finetune_lm(&r, data);
done:
    if (!r.agreed)
        dist_failures(true);
    ag_tape_reset();
    run_free(&r);
    close_model_dir(&source);
    free_labeled(&train);
    free_labeled(&valid);
    return status;
}

int command_finetune(int argc, char **argv)
{
    if (dist_start("finetune") < 0)
        return 1;
    int status = run_finetune(argc, argv);
    dist_end();
    return status;
}
