/*
 * bench_gpt_step: times full GPT training steps in Shannon, the C half of
 * benchmarks/bench_gpt.py (which runs PyTorch on the same step beside it).
 *
 *   bench_gpt_step --vocab V --layers L --heads H --embd C --block T
 *                  --batch B --steps N --threads K
 *                  [--warmup W] [--batches FILE.npy] [--seed S]
 *                  [--save-weights FILE.safetensors] [--positions learned|sinusoidal]
 *                  [--precision float32|bf16]
 *
 * One step is nanoGPT's: loss = transformer_lm_loss(x, y); ag_backward(loss);
 * clip the global gradient norm to 1.0; AdamW on two groups (matrices with
 * weight decay 0.1, vectors without; lr 1e-3, betas (0.9, 0.99)); zero the
 * gradients; ag_tape_reset. W warm-up steps (default 2) run first and are
 * not timed, then N timed ones.
 *
 * Batches: --batches names an int64 .npy of shape (nb, 2, B, T) (inputs and
 * targets; bench_gpt.py writes it so PyTorch sees the very same tokens);
 * without it, 4 random batches are drawn from nd_rng_new(seed). Step s
 * (warm-up included) uses batch s % nb.
 *
 * --save-weights writes the freshly initialized parameters (nanoGPT's
 * names) and exits without training, so the PyTorch twin can start from
 * the same weights (the weights `shannon train --seed S` starts from, for
 * the same shape and --positions; sinusoidal is the default as there).
 *
 * Output: one line, key=value pairs, for bench_gpt.py to parse:
 *   RESULT impl=shannon ... tok_s_mean=.. tok_s_best=.. peak_rss_mb=.. ...
 * tok_s_mean is N*B*T over the time of all N steps; tok_s_best is B*T over
 * the fastest single step (the machine may be shared). The fwd/bwd/opt
 * columns split the mean step: transformer_lm_loss, ag_backward, and the rest (clip,
 * AdamW, zero_grad, tape reset). peak_rss_mb is getrusage's ru_maxrss.
 *
 * --precision bf16 trains as `shannon train --precision bf16` does
 * (transformer.h: bf16 matrix operands, float32 sums and master weights);
 * benchmarks/bench_bf16_step.sh runs both precisions side by side.
 */
#include <transformer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_gpt_step: %s: %s\n", what, nd_last_error());
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_gpt_step --vocab V --layers L --heads H --embd C --block T "
                    "--batch B --steps N --threads K [--warmup W] [--batches FILE.npy] "
                    "[--seed S] [--save-weights FILE] [--positions learned|sinusoidal] "
                    "[--precision float32|bf16]\n");
}

typedef struct options {
    transformer_config config;
    int64_t batch, steps, warmup, threads, seed;
    const char *batches_path, *save_path;
} options;

/* 0, or -1 after printing the usage. */
static int parse(int argc, char **argv, options *o)
{
    *o = (options){.config = transformer_default_config(),
                   .batch = 12,
                   .steps = 10,
                   .warmup = 2,
                   .threads = 1,
                   .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *key = argv[i];
        if (i + 1 == argc) {
            usage();
            return -1;
        }
        const char *value = argv[++i];
        long long v = strtoll(value, NULL, 10);
        if (!strcmp(key, "--vocab"))
            o->config.vocab_size = v;
        else if (!strcmp(key, "--layers"))
            o->config.n_layer = (int)v;
        else if (!strcmp(key, "--heads"))
            o->config.n_head = (int)v;
        else if (!strcmp(key, "--embd"))
            o->config.n_embd = v;
        else if (!strcmp(key, "--block"))
            o->config.block_size = v;
        else if (!strcmp(key, "--batch"))
            o->batch = v;
        else if (!strcmp(key, "--steps"))
            o->steps = v;
        else if (!strcmp(key, "--warmup"))
            o->warmup = v;
        else if (!strcmp(key, "--threads"))
            o->threads = v;
        else if (!strcmp(key, "--seed"))
            o->seed = v;
        else if (!strcmp(key, "--batches"))
            o->batches_path = value;
        else if (!strcmp(key, "--save-weights"))
            o->save_path = value;
        else if (!strcmp(key, "--precision") && (!strcmp(value, "float32") || !strcmp(value, "bf16")))
            o->config.precision = !strcmp(value, "bf16") ? TRANSFORMER_BF16 : TRANSFORMER_FLOAT32;
        else if (!strcmp(key, "--positions") &&
                 (!strcmp(value, "learned") || !strcmp(value, "sinusoidal")))
            o->config.learned_positions = !strcmp(value, "learned");
        else {
            usage();
            return -1;
        }
    }
    if (o->batch < 1 || o->steps < 1 || o->warmup < 0 || o->threads < 1) {
        usage();
        return -1;
    }
    return 0;
}

/* The batches (nb, 2, B, T) int64: loaded, or nb = 4 random ones. */
static nd_array *make_batches(const options *o)
{
    const int64_t B = o->batch, T = o->config.block_size;
    if (!o->batches_path) {
        nd_rng *rng = nd_rng_new((uint64_t)o->seed);
        nd_array *a = rng ? nd_rng_integers(rng, 0, o->config.vocab_size, false, ND_INT64, 4,
                                            (int64_t[]){4, 2, B, T})
                          : NULL;
        nd_rng_free(rng);
        return a;
    }
    nd_array *a = nd_load_npy(o->batches_path);
    if (a && (nd_ndim(a) != 4 || nd_shape(a)[1] != 2 || nd_shape(a)[2] != B || nd_shape(a)[3] != T)) {
        nd_set_last_error(ND_ERR_VALUE, "%s must have shape (nb, 2, %lld, %lld)", o->batches_path,
                          (long long)B, (long long)T);
        nd_free(a);
        return NULL;
    }
    return a;
}

/* batches[s % nb, which] as a (B, T) view. */
static nd_array *pick(const nd_array *batches, int64_t s, int64_t which)
{
    int64_t i = s % nd_shape(batches)[0];
    nd_array *a = nd_slice(batches, 0, i, i + 1, 1);
    nd_array *b = a ? nd_slice(a, 1, which, which + 1, 1) : NULL;
    nd_array *c = b ? nd_squeeze(b, 2, (int[]){0, 1}) : NULL;
    nd_free(a);
    nd_free(b);
    return c;
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o) < 0)
        return 2;
    if (nd_set_num_threads((int)o.threads) < 0)
        return fail("threads");
    transformer_model *m = transformer_new(&o.config, (uint64_t)o.seed);
    if (!m)
        return fail("transformer_new");
    int n = transformer_num_tensors(m);
    const char *names[TRANSFORMER_MAX_TENSORS];
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    for (int i = 0; i < n; i++)
        params[i] = transformer_tensor(m, i, &names[i]);
    if (o.save_path) {
        int rc = ag_save_params(o.save_path, n, names, params, 0, NULL);
        transformer_free(m);
        return rc < 0 ? fail("save") : 0;
    }
    nd_array *batches = make_batches(&o);
    if (!batches)
        return fail("batches");

    /* nanoGPT's groups: weight decay on matrices (embeddings included). */
    ag_tensor *decay[TRANSFORMER_MAX_TENSORS], *no_decay[TRANSFORMER_MAX_TENSORS];
    int ndecay = 0, nno = 0;
    for (int i = 0; i < n; i++) {
        if (nd_ndim(ag_value(params[i])) >= 2)
            decay[ndecay++] = params[i];
        else
            no_decay[nno++] = params[i];
    }
    ag_optimizer *opt_decay = ag_adamw_new(ndecay, decay, 1e-3, 0.9, 0.99, 1e-8, 0.1);
    ag_optimizer *opt_plain = ag_adamw_new(nno, no_decay, 1e-3, 0.9, 0.99, 1e-8, 0.0);
    if (!opt_decay || !opt_plain)
        return fail("optimizer");
    /* bf16: the optimizers keep the weights' bf16 copies, as shannon train's do */
    if (o.config.precision == TRANSFORMER_BF16 && (transformer_keep_bf16_copies(m, opt_decay) < 0 ||
                                                   transformer_keep_bf16_copies(m, opt_plain) < 0))
        return fail("bf16 copies");

    const int64_t total = o.warmup + o.steps, tokens = o.batch * o.config.block_size;
    double t_fwd = 0, t_bwd = 0, t_opt = 0, best = 1e300, loss_first = 0, loss_last = 0;
    for (int64_t s = 0; s < total; s++) {
        nd_array *x = pick(batches, s, 0), *y = pick(batches, s, 1);
        if (!x || !y)
            return fail("batch");
        double t0 = now();
        ag_tensor *loss = transformer_lm_loss(m, x, y, NULL);
        if (!loss)
            return fail("transformer_lm_loss");
        double t1 = now();
        if (ag_backward(loss) < 0)
            return fail("backward");
        double t2 = now();
        /* clip as shannon train does: the factor applied inside AdamW */
        double coef;
        if (ag_clip_grad_coef(n, params, 1.0, &coef) < 0 ||
            ag_optimizer_set_grad_scale(opt_decay, coef) < 0 ||
            ag_optimizer_set_grad_scale(opt_plain, coef) < 0)
            return fail("clip");
        if (ag_optimizer_step(opt_decay) < 0 || ag_optimizer_step(opt_plain) < 0)
            return fail("AdamW step");
        ag_optimizer_zero_grad(opt_decay);
        ag_optimizer_zero_grad(opt_plain);
        double value;
        nd_get(ag_value(loss), NULL, &value);
        ag_tape_reset();
        double t3 = now();
        nd_free(x);
        nd_free(y);
        if (s == 0)
            loss_first = value;
        loss_last = value;
        if (s >= o.warmup) {
            t_fwd += t1 - t0;
            t_bwd += t2 - t1;
            t_opt += t3 - t2;
            if (t3 - t0 < best)
                best = t3 - t0;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mean = (t_fwd + t_bwd + t_opt) / (double)o.steps;
    printf("RESULT impl=shannon vocab=%lld layers=%d heads=%d embd=%lld block=%lld batch=%lld "
           "threads=%lld precision=%s steps=%lld params=%lld tok_s_mean=%.1f tok_s_best=%.1f "
           "step_ms_mean=%.2f step_ms_best=%.2f fwd_ms=%.2f bwd_ms=%.2f opt_ms=%.2f "
           "peak_rss_mb=%.1f loss_first=%.6f loss_last=%.6f\n",
           (long long)o.config.vocab_size, o.config.n_layer, o.config.n_head,
           (long long)o.config.n_embd, (long long)o.config.block_size, (long long)o.batch,
           (long long)o.threads, o.config.precision == TRANSFORMER_BF16 ? "bf16" : "float32",
           (long long)o.steps, (long long)transformer_num_parameters(m), (double)tokens / mean,
           (double)tokens / best, 1e3 * mean, 1e3 * best, 1e3 * t_fwd / (double)o.steps,
           1e3 * t_bwd / (double)o.steps, 1e3 * t_opt / (double)o.steps,
           (double)ru.ru_maxrss / 1024.0, loss_first, loss_last);
    ag_optimizer_free(opt_decay);
    ag_optimizer_free(opt_plain);
    nd_free(batches);
    transformer_free(m);
    return 0;
}
