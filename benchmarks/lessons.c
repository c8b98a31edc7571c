/*
 * lessons: the seed project's lessons about the Transformer, run as
 * experiments on a text (tinyshakespeare), through the models library's
 * public header as a user would write them. benchmarks/lessons.sh runs it
 * and draws the pictures; docs/tutorial/08-lessons.md reads the results.
 *
 *   lessons TEXT OUTDIR [--iters N] [--threads N] [--only NAME]
 *
 * (--only NAME runs one experiment and appends its lines to OUTDIR's
 * summary.csv and gradnorms.csv.)
 *
 * Every run is the same small character-level GPT trained the same way
 * (nanoGPT's recipe: AdamW with betas (0.9, 0.99), weight decay 0.1 on the
 * matrices, the global gradient norm clipped to 1, warmup then cosine decay
 * to lr/10), from the same initial seed and on the same batches, and differs
 * from a baseline in one switch only:
 *
 *   LayerNorm placement  pre-LN and post-LN, at 2 and 6 layers
 *   warmup               post-LN at 2 and 6 layers without warmup, and at 6
 *                        layers with a 5 times larger learning rate
 *   the attention scale  softmax(q k^T) v instead of softmax(q k^T / sqrt(d_k)) v
 *   residual connections x = f(x) instead of x = x + f(x)
 *   positions            learned instead of sinusoidal
 *
 * Before training, one forward and backward on the first batch measures the
 * gradient norm of each block's parameters at initialization (what the
 * residual connections are said to protect).
 *
 * Written into OUTDIR:
 *   curve_NAME.csv   iter,train_loss,val_loss,grad_norm,lr per iteration
 *                    (val_loss empty except every EVAL_EVERY iterations)
 *   gradnorms.csv    name,layer,grad_norm at initialization
 *   summary.csv      one line per run: its switches, the final validation
 *                    loss (VAL_FINAL fixed batches), the mean train loss of
 *                    the last 50 iterations, seconds, whether it diverged
 * and the summary as a table on standard output.
 */
#include <transformer.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The model and the run: nanoGPT's baby shakespeare_char shrunk so that
 * the twelve runs fit in about forty minutes on one loaded core. d_k = 32 as in
 * the baby model (128 / 4). */
#define EMBD 64
#define HEADS 2
#define BLOCK 64
#define BATCH 16
#define LR 2e-3
#define WARMUP 100
#define EVAL_EVERY 50
#define VAL_BATCHES 8 /* during training */
#define VAL_FINAL 40 /* at the end, the same 40 batches for every run */
#define SEED 1337

typedef struct experiment {
    const char *name;
    int n_layer;
    bool post_ln, no_scale, no_residual, learned;
    int64_t warmup;
    double lr; /* the peak learning rate */
} experiment;

static const experiment EXPERIMENTS[] = {
    {"pre_L2", 2, false, false, false, false, WARMUP, LR},
    {"post_L2", 2, true, false, false, false, WARMUP, LR},
    {"post_L2_nowarmup", 2, true, false, false, false, 0, LR},
    {"pre_L6", 6, false, false, false, false, WARMUP, LR},
    {"post_L6", 6, true, false, false, false, WARMUP, LR},
    {"post_L6_nowarmup", 6, true, false, false, false, 0, LR},
    {"pre_L6_noscale", 6, false, true, false, false, WARMUP, LR},
    {"pre_L6_noresidual", 6, false, false, true, false, WARMUP, LR},
    {"pre_L6_learned", 6, false, false, false, true, WARMUP, LR},
    /* warmup again at 5 times the learning rate, where it is said to matter
     * most, with pre-LN without warmup beside it */
    {"post_L6_lr1e-2", 6, true, false, false, false, WARMUP, 1e-2},
    {"post_L6_lr1e-2_nowarmup", 6, true, false, false, false, 0, 1e-2},
    {"pre_L6_lr1e-2_nowarmup", 6, false, false, false, false, 0, 1e-2},
};
#define NEXP (int)(sizeof EXPERIMENTS / sizeof EXPERIMENTS[0])

typedef struct corpus {
    int32_t *ids;
    size_t n, split; /* train: [0, split), validation: [split, n) */
    int64_t vocab;
} corpus;

/* Character level: each distinct byte of the text is one token, numbered
 * in byte order (nanoGPT's shakespeare_char prepare.py). */
static int read_corpus(const char *path, corpus *c)
{
    size_t len;
    char *text = nd_read_file(path, (size_t)1 << 30, &len);
    if (!text)
        return fprintf(stderr, "lessons: %s\n", nd_last_error()), -1;
    int map[256];
    bool seen[256] = {false};
    for (size_t i = 0; i < len; i++)
        seen[(unsigned char)text[i]] = true;
    c->vocab = 0;
    for (int b = 0; b < 256; b++)
        map[b] = seen[b] ? (int)c->vocab++ : -1;
    c->ids = malloc(len * sizeof *c->ids);
    if (!c->ids) {
        free(text);
        return fprintf(stderr, "lessons: out of memory\n"), -1;
    }
    for (size_t i = 0; i < len; i++)
        c->ids[i] = map[(unsigned char)text[i]];
    c->n = len;
    c->split = len * 9 / 10;
    free(text);
    return len > (size_t)(BLOCK + 1) * 20 ? 0 : (fprintf(stderr, "lessons: text too short\n"), -1);
}

/* x, y (BATCH, BLOCK) int64 from windows of ids[lo, hi) at offsets drawn
 * from rng: y is x shifted by one. */
static void make_batch(const corpus *c, size_t lo, size_t hi, nd_rng *rng, nd_array **x,
                       nd_array **y)
{
    const int64_t shape[2] = {BATCH, BLOCK};
    nd_array *at = nd_rng_integers(rng, (int64_t)lo, (int64_t)(hi - BLOCK - 1), false, ND_INT64, 1,
                                   (const int64_t[]){BATCH});
    *x = nd_empty(ND_INT64, 2, shape);
    *y = nd_empty(ND_INT64, 2, shape);
    if (!at || !*x || !*y) {
        nd_free(at);
        return;
    }
    const int64_t *off = nd_data(at);
    int64_t *px = nd_data(*x), *py = nd_data(*y);
    for (int64_t b = 0; b < BATCH; b++)
        for (int64_t t = 0; t < BLOCK; t++) {
            px[b * BLOCK + t] = c->ids[off[b] + t];
            py[b * BLOCK + t] = c->ids[off[b] + t + 1];
        }
    nd_free(at);
}

/* The mean loss over n validation batches drawn from a fixed seed (the
 * same batches for every run and every evaluation), without recording. */
static double val_loss(transformer_model *m, const corpus *c, int n)
{
    nd_rng *rng = nd_rng_new(4242);
    double sum = 0;
    ag_no_grad_begin();
    for (int i = 0; i < n; i++) {
        nd_array *x, *y;
        make_batch(c, c->split, c->n, rng, &x, &y);
        ag_tensor *loss = x && y ? transformer_lm_loss(m, x, y, NULL) : NULL;
        double v = NAN;
        if (loss)
            nd_get(ag_value(loss), NULL, &v);
        sum += v;
        nd_free(x);
        nd_free(y);
        ag_tape_reset();
    }
    ag_no_grad_end();
    nd_rng_free(rng);
    return sum / n;
}

/* sqrt(sum of squares) of an array, in float64. */
static double norm_of(const nd_array *g)
{
    nd_array *sq = nd_multiply(g, g);
    nd_array *s = sq ? nd_sum(sq, 0, NULL, false) : NULL;
    double v = NAN;
    if (s)
        nd_get(s, NULL, &v);
    nd_free(sq);
    nd_free(s);
    return sqrt(v);
}

/* The gradient norm of each block's 12 tensors ("transformer.h.L.") and
 * of the token embedding, after one backward on batch (x, y). */
static int init_grad_norms(transformer_model *m, const experiment *e, const nd_array *x,
                           const nd_array *y, FILE *out)
{
    ag_tensor *loss = transformer_lm_loss(m, x, y, NULL);
    if (!loss || ag_backward(loss) < 0)
        return fprintf(stderr, "lessons: %s\n", nd_last_error()), -1;
    double sq[TRANSFORMER_MAX_LAYERS] = {0}, wte = 0;
    for (int i = 0; i < transformer_num_tensors(m); i++) {
        const char *name;
        ag_tensor *p = transformer_tensor(m, i, &name);
        double n = ag_grad(p) ? norm_of(ag_grad(p)) : 0;
        int layer;
        if (sscanf(name, "transformer.h.%d.", &layer) == 1)
            sq[layer] += n * n;
        else if (strcmp(name, "transformer.wte.weight") == 0)
            wte = n;
        ag_zero_grad(p);
    }
    ag_tape_reset();
    fprintf(out, "%s,wte,%.6g\n", e->name, wte);
    printf("  gradient norm at init, block 0..%d:", e->n_layer - 1);
    for (int l = 0; l < e->n_layer; l++) {
        fprintf(out, "%s,%d,%.6g\n", e->name, l, sqrt(sq[l]));
        printf(" %.3g", sqrt(sq[l]));
    }
    printf("  (wte %.3g)\n", wte);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One experiment: init gradient norms, then iters steps; the curve into
 * OUTDIR/curve_NAME.csv, one line into summary. */
static int run(const experiment *e, const corpus *c, int64_t iters, const char *outdir,
               FILE *gradnorms, FILE *summary)
{
    transformer_config cfg = transformer_default_config();
    cfg.vocab_size = c->vocab;
    cfg.block_size = BLOCK;
    cfg.n_layer = e->n_layer;
    cfg.n_head = HEADS;
    cfg.n_embd = EMBD;
    cfg.post_ln = e->post_ln;
    cfg.no_attention_scale = e->no_scale;
    cfg.no_residual = e->no_residual;
    cfg.learned_positions = e->learned;
    transformer_model *m = transformer_new(&cfg, SEED);
    if (!m)
        return fprintf(stderr, "lessons: %s\n", nd_last_error()), -1;
    /* nanoGPT's two AdamW groups: decay the matrices, not the vectors. */
    ag_tensor *params[TRANSFORMER_MAX_TENSORS], *decay[TRANSFORMER_MAX_TENSORS],
        *no_decay[TRANSFORMER_MAX_TENSORS];
    int np = transformer_num_tensors(m), nd = 0, nn = 0;
    for (int i = 0; i < np; i++) {
        params[i] = transformer_tensor(m, i, NULL);
        if (nd_ndim(ag_value(params[i])) >= 2)
            decay[nd++] = params[i];
        else
            no_decay[nn++] = params[i];
    }
    ag_optimizer *od = ag_adamw_new(nd, decay, e->lr, 0.9, 0.99, 1e-8, 0.1);
    ag_optimizer *on = ag_adamw_new(nn, no_decay, e->lr, 0.9, 0.99, 1e-8, 0.0);
    char path[4200];
    snprintf(path, sizeof path, "%s/curve_%s.csv", outdir, e->name);
    FILE *curve = fopen(path, "w");
    nd_rng *batches = nd_rng_new(SEED); /* the same batches for every run */
    int status = od && on && curve && batches ? 0 : -1;
    if (status < 0)
        fprintf(stderr, "lessons: cannot start %s (%s)\n", e->name, nd_last_error());
    printf("%s: %d layers, %s, lr %g, warmup %lld, attention scale %s, residual %s, %s positions, "
           "%lld parameters\n",
           e->name, e->n_layer, e->post_ln ? "post-LN" : "pre-LN", e->lr, (long long)e->warmup,
           e->no_scale ? "off" : "on", e->no_residual ? "off" : "on",
           e->learned ? "learned" : "sinusoidal", (long long)transformer_num_parameters(m));
    nd_array *x = NULL, *y = NULL;
    if (status == 0) {
        make_batch(c, 0, c->split, batches, &x, &y);
        status = init_grad_norms(m, e, x, y, gradnorms);
    }
    if (curve)
        fprintf(curve, "iter,train_loss,val_loss,grad_norm,lr\n");
    const ag_lr_schedule schedule = {.kind = AG_LR_WARMUP_COSINE,
                                     .lr = e->lr,
                                     .warmup_iters = e->warmup,
                                     .lr_decay_iters = iters,
                                     .min_lr = e->lr / 10};
    double start = now(), tail = 0;
    int64_t ntail = 0;
    bool diverged = false;
    for (int64_t it = 0; status == 0 && it < iters; it++) {
        if (it > 0) { /* the first batch was drawn above */
            nd_free(x);
            nd_free(y);
            make_batch(c, 0, c->split, batches, &x, &y);
        }
        double lr = ag_lr_at(&schedule, it);
        ag_optimizer_set_lr(od, lr);
        ag_optimizer_set_lr(on, lr);
        ag_tensor *loss = transformer_lm_loss(m, x, y, NULL);
        if (!loss || ag_backward(loss) < 0) {
            fprintf(stderr, "lessons: %s: %s\n", e->name, nd_last_error());
            status = -1;
            break;
        }
        double l;
        nd_get(ag_value(loss), NULL, &l);
        double gn = ag_clip_grad_norm(np, params, 1.0);
        if (!isfinite(l) || !isfinite(gn)) {
            diverged = true; /* recorded, and the run stops: nothing more to learn */
            ag_tape_reset();
            break;
        }
        if (ag_optimizer_step(od) < 0 || ag_optimizer_step(on) < 0) {
            fprintf(stderr, "lessons: %s\n", nd_last_error());
            status = -1;
        }
        ag_optimizer_zero_grad(od);
        ag_optimizer_zero_grad(on);
        ag_tape_reset();
        if (it >= iters - 50) {
            tail += l;
            ntail++;
        }
        fprintf(curve, "%lld,%.5f,", (long long)it, l);
        if ((it + 1) % EVAL_EVERY == 0 || it == 0)
            fprintf(curve, "%.5f", val_loss(m, c, VAL_BATCHES));
        fprintf(curve, ",%.5g,%.5g\n", gn, lr);
    }
    if (status == 0) {
        double val = diverged ? NAN : val_loss(m, c, VAL_FINAL);
        double seconds = now() - start;
        fprintf(summary, "%s,%d,%s,%g,%lld,%s,%s,%s,%.4f,%.4f,%.0f,%s\n", e->name, e->n_layer,
                e->post_ln ? "post" : "pre", e->lr, (long long)e->warmup, e->no_scale ? "off" : "on",
                e->no_residual ? "off" : "on", e->learned ? "learned" : "sinusoidal", val,
                ntail ? tail / (double)ntail : NAN, seconds, diverged ? "yes" : "no");
        fflush(summary);
        fflush(gradnorms);
        printf("  final val loss %.4f, train loss (last 50) %.4f, %.0f s%s\n", val,
               ntail ? tail / (double)ntail : NAN, seconds, diverged ? ", DIVERGED" : "");
        fflush(stdout);
    }
    nd_free(x);
    nd_free(y);
    if (curve)
        fclose(curve);
    nd_rng_free(batches);
    ag_optimizer_free(od);
    ag_optimizer_free(on);
    transformer_free(m);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: lessons TEXT OUTDIR [--iters N] [--threads N] [--only NAME]\n");
        return argc < 3 ? 2 : 0;
    }
    int64_t iters = 600;
    int threads = 1;
    const char *only = NULL;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--iters") == 0)
            iters = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
        else
            return fprintf(stderr, "lessons: unknown option '%s'\n", argv[i]), 2;
    }
    if (iters < 1 || nd_set_num_threads(threads) < 0)
        return fprintf(stderr, "lessons: --iters must be positive, --threads >= 0\n"), 2;
    corpus c;
    if (read_corpus(argv[1], &c) < 0)
        return 1;
    char path[4200];
    /* --only adds one run to the files of an earlier one */
    snprintf(path, sizeof path, "%s/summary.csv", argv[2]);
    FILE *summary = fopen(path, only ? "a" : "w");
    snprintf(path, sizeof path, "%s/gradnorms.csv", argv[2]);
    FILE *gradnorms = fopen(path, only ? "a" : "w");
    if (!summary || !gradnorms || fseek(summary, 0, SEEK_END) < 0 ||
        fseek(gradnorms, 0, SEEK_END) < 0) {
        fprintf(stderr, "lessons: cannot write into '%s'\n", argv[2]);
        return 1;
    }
    if (ftell(summary) == 0)
        fprintf(summary, "name,layers,ln,lr,warmup,attention_scale,residual,positions,val_loss,"
                         "train_loss_last50,seconds,diverged\n");
    if (ftell(gradnorms) == 0)
        fprintf(gradnorms, "name,layer,grad_norm\n");
    printf("%zu characters, vocabulary %lld, %lld iterations of %d x %d tokens, lr %g, embd %d, "
           "heads %d\n",
           c.n, (long long)c.vocab, (long long)iters, BATCH, BLOCK, LR, EMBD, HEADS);
    int status = 0;
    for (int i = 0; status == 0 && i < NEXP; i++)
        if (!only || strcmp(only, EXPERIMENTS[i].name) == 0)
            status = run(&EXPERIMENTS[i], &c, iters, argv[2], gradnorms, summary);
    fclose(summary);
    fclose(gradnorms);
    free(c.ids);
    return status < 0 ? 1 : 0;
}
