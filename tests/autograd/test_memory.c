/* Memory over a long training run: 1,000 steps of a small transformer
 * block (embedding, layer_norm, attention, gelu, dropout, cross_entropy,
 * reshape/swapaxes/transpose, AdamW, clip_grad_norm, a warmup-cosine
 * schedule) leave the tape empty after every reset, and the memory the
 * process uses is FLAT: the heap in use and the resident set after step
 * 1000 are those after step 100, within a small bound. The sanitizer build
 * runs this suite too, and its leak check at exit sees every allocation
 * (CK_FORK=no). The composed twins of the layers are run the same way,
 * fewer steps. */
#include "test_util.h"

#include <autograd.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
/* The allocator's live bytes (sanitizer/allocator_interface.h, which gcc
 * does not install): what malloc handed out and nobody freed yet. */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#define UNDER_ASAN 0
#endif

/* The process's resident set in bytes: field 2 of /proc/self/statm, in
 * pages. */
static long resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = -1;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2)
            resident = -1;
        fclose(f);
    }
    ck_assert_int_ge(resident, 0);
    return resident * sysconf(_SC_PAGESIZE);
}

/* The heap bytes in use (allocated, not yet freed). */
static long heap_in_use(void)
{
#if UNDER_ASAN
    return (long)__sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return (long)(mi.uordblks + mi.hblkhd);
#endif
}

/* ---- the model: one pre-norm transformer block over tokens ------------------------------------ */

enum { V = 16, T = 8, B = 4, C = 16, H = 2, D = C / H, HIDDEN = 4 * C };

enum {
    // clang-format off
    WTE, WPE, LN1_W, LN1_B, WQ, WK, WV, WO, LN2_W, LN2_B, FC_W, FC_B, PROJ_W, LNF_W, LNF_B,
    NPARAMS
    // clang-format on
};

typedef struct model {
    ag_tensor *p[NPARAMS];
    bool fused; /* the fused layers, or their *_composed twins */
    nd_rng *dropout; /* the dropout masks' generator */
} model;

static ag_tensor *param(nd_dtype dt, int ndim, const int64_t *shape, double std, nd_rng *rng)
{
    nd_array *z = nd_zeros(dt, ndim, shape);
    ag_tensor *t = ag_param(z);
    nd_free(z);
    /* std 0: ones (a layer norm's weight) */
    ck_assert_int_eq(std > 0 ? ag_init_normal(t, 0, std, rng) : ag_init_ones(t), 0);
    return t;
}

static model model_new(bool fused, uint64_t seed)
{
    nd_rng *rng = nd_rng_new(seed);
    model m = {.fused = fused, .dropout = nd_rng_new(seed + 1)};
    const int64_t vc[] = {V, C}, tc[] = {T, C}, cc[] = {C, C}, ch[] = {C, HIDDEN},
                  hc[] = {HIDDEN, C}, c[] = {C}, h[] = {HIDDEN};
    m.p[WTE] = param(ND_FLOAT32, 2, vc, 0.1, rng);
    m.p[WPE] = param(ND_FLOAT32, 2, tc, 0.1, rng);
    m.p[WQ] = param(ND_FLOAT32, 2, cc, 0.1, rng);
    m.p[WK] = param(ND_FLOAT32, 2, cc, 0.1, rng);
    m.p[WV] = param(ND_FLOAT32, 2, cc, 0.1, rng);
    m.p[WO] = param(ND_FLOAT32, 2, cc, 0.1, rng);
    m.p[FC_W] = param(ND_FLOAT32, 2, ch, 0.1, rng);
    m.p[FC_B] = param(ND_FLOAT32, 1, h, 0.02, rng);
    m.p[PROJ_W] = param(ND_FLOAT32, 2, hc, 0.1, rng);
    for (int i = 0; i < 3; i++) { /* the layer norms: weight 1, bias small */
        int w = (const int[]){LN1_W, LN2_W, LNF_W}[i];
        m.p[w] = param(ND_FLOAT32, 1, c, 0, rng);
        m.p[w + 1] = param(ND_FLOAT32, 1, c, 0.02, rng);
    }
    nd_rng_free(rng);
    return m;
}

static void model_free(model *m)
{
    for (int i = 0; i < NPARAMS; i++)
        ag_tensor_free(m->p[i]);
    nd_rng_free(m->dropout);
}

static ag_tensor *norm(const model *m, ag_tensor *x, int w)
{
    return m->fused ? ag_layer_norm(x, m->p[w], m->p[w + 1], 1e-5)
                    : ag_layer_norm_composed(x, m->p[w], m->p[w + 1], 1e-5);
}

/* (B, T, C) -> (B, H, T, D) */
static ag_tensor *heads(ag_tensor *x)
{
    return ag_swapaxes(ag_reshape(x, 4, (const int64_t[]){B, T, H, D}), 1, 2);
}

/* The mean cross-entropy of next-token logits for tokens (B, T). */
static ag_tensor *model_loss(const model *m, const nd_array *tokens, const nd_array *positions,
                             const nd_array *targets)
{
    ag_tensor *x = ag_add(ag_embedding(m->p[WTE], tokens), /* (B, T, C) */
                          ag_embedding(m->p[WPE], positions)); /* + (T, C) */

    /* x = x + attention(ln1(x)) Wo */
    ag_tensor *h = norm(m, x, LN1_W);
    ag_tensor *q = heads(ag_matmul(h, m->p[WQ])), *k = heads(ag_matmul(h, m->p[WK])),
              *v = heads(ag_matmul(h, m->p[WV]));
    ag_tensor *att = m->fused ? ag_attention(q, k, v, true, NULL)
                              : ag_attention_composed(q, k, v, true, NULL); /* (B, H, T, D) */
    att = ag_reshape(ag_swapaxes(att, 1, 2), 3, (const int64_t[]){B, T, C});
    x = ag_add(x, ag_dropout(ag_matmul(att, m->p[WO]), 0.1, m->dropout));

    /* x = x + gelu(ln2(x) Wfc + bfc) Wproj */
    h = ag_add(ag_matmul(norm(m, x, LN2_W), m->p[FC_W]), m->p[FC_B]);
    h = m->fused ? ag_gelu(h) : ag_gelu_composed(h);
    x = ag_add(x, ag_matmul(h, m->p[PROJ_W]));

    /* logits = lnf(x) wte^T (tied weights), (B*T, V) */
    ag_tensor *logits = ag_matmul(norm(m, x, LNF_W), ag_transpose(m->p[WTE], NULL));
    logits = ag_reshape(logits, 2, (const int64_t[]){B * T, V});
    return m->fused ? ag_cross_entropy(logits, targets)
                    : ag_cross_entropy_composed(logits, targets, -100, 0.0);
}

/* ---- the run ----------------------------------------------------------------------------------- */

typedef struct run_result {
    double first_loss, last_loss;
    long heap_at_100, heap_at_end, rss_at_100, rss_at_end;
} run_result;

/* `steps` steps on fresh random batches of a sequence task (each token is
 * followed by token + 1 mod V). */
static run_result run(bool fused, int steps)
{
    model m = model_new(fused, 11);
    ag_optimizer *opt = ag_adamw_new(NPARAMS, m.p, 3e-3, 0.9, 0.95, 1e-8, 0.01);
    ck_assert_ptr_nonnull(opt);
    nd_rng *data = nd_rng_new(12);
    nd_array *positions = nd_arange(ND_INT64, 0, T, 1);
    nd_array *one = nd_scalar(ND_INT64, 1), *vocab = nd_scalar(ND_INT64, V);
    const ag_lr_schedule schedule = {.kind = AG_LR_WARMUP_COSINE,
                                     .lr = 3e-3,
                                     .warmup_iters = 50,
                                     .lr_decay_iters = steps,
                                     .min_lr = 3e-4};
    run_result r = {NAN, NAN, 0, 0, 0, 0};
    for (int step = 1; step <= steps; step++) {
        /* tokens: a random start per row, then counting up mod V. */
        nd_array *start = nd_rng_integers(data, 0, V, false, ND_INT64, 2, (const int64_t[]){B, 1});
        nd_array *tokens = nd_add(start, positions);
        nd_mod_out(tokens, vocab, tokens);
        nd_array *next = nd_add(tokens, one);
        nd_mod_out(next, vocab, next);
        nd_array *targets = nd_reshape(next, 1, (const int64_t[]){B * T});

        ag_tensor *loss = model_loss(&m, tokens, positions, targets);
        ck_assert_msg(loss != NULL, "step %d: %s", step, ag_last_error());
        double value = NAN;
        ck_assert_int_eq(nd_get(ag_value(loss), NULL, &value), 0);
        ck_assert_int_eq(ag_backward(loss), 0);
        ck_assert_double_ge(ag_clip_grad_norm(NPARAMS, m.p, 1.0), 0);
        ck_assert_int_eq(ag_optimizer_set_lr(opt, ag_lr_at(&schedule, step - 1)), 0);
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        ag_optimizer_zero_grad(opt);
        ag_tape_reset();
        ck_assert_uint_eq(ag_tape_size(), 0);
        nd_free(start);
        nd_free(tokens);
        nd_free(next);
        nd_free(targets);

        if (step == 1)
            r.first_loss = value;
        r.last_loss = value;
        if (step == 100) {
            r.heap_at_100 = heap_in_use();
            r.rss_at_100 = resident_bytes();
        }
    }
    r.heap_at_end = heap_in_use();
    r.rss_at_end = resident_bytes();
    nd_free(positions);
    nd_free(one);
    nd_free(vocab);
    nd_rng_free(data);
    ag_optimizer_free(opt);
    model_free(&m);
    return r;
}

static void check_flat(const run_result *r, int steps)
{
    printf("%d steps: loss %.4f -> %.4f; heap in use %ld -> %ld bytes, resident %ld -> %ld "
           "KiB (step 100 -> %d)\n",
           steps, r->first_loss, r->last_loss, r->heap_at_100, r->heap_at_end, r->rss_at_100 >> 10,
           r->rss_at_end >> 10, steps);
    /* Steady state: each step frees all it made, so the heap in use after
     * the last step is the heap after step 100. ASan's count is exact (it
     * measures no change); glibc's mallinfo2 counts the chunks its
     * per-thread caches hold as in use, so it drifts by a few hundred
     * bytes as they fill. */
    ck_assert_int_lt(labs(r->heap_at_end - r->heap_at_100), UNDER_ASAN ? 4 << 10 : 64 << 10);
    /* Under ASan the allocator quarantines freed memory, so only the
     * release build measures the resident set. */
    if (!UNDER_ASAN)
        ck_assert_int_lt(r->rss_at_end - r->rss_at_100, 2 << 20);
    /* And the model learned the sequence task (ln 16 = 2.77 at the start). */
    ck_assert_double_lt(r->last_loss, 0.5 * r->first_loss);
}

START_TEST(test_fused_block_1000_steps_flat_memory)
{
    run_result r = run(true, 1000);
    check_flat(&r, 1000);
}
END_TEST

START_TEST(test_composed_block_300_steps_flat_memory)
{
    run_result r = run(false, 300);
    check_flat(&r, 300);
}
END_TEST

START_TEST(test_reset_after_a_failed_op_leaves_nothing)
{
    /* An op that fails midway (a shape error after a few good ops) leaves
     * the tape consistent: reset empties it and nothing leaks. */
    nd_array *a = nd_ones(ND_FLOAT32, 2, (const int64_t[]){3, 4});
    ag_tensor *p = ag_param(a);
    for (int i = 0; i < 100; i++) {
        ag_tensor *bad = ag_matmul(ag_tanh(ag_mul(p, p)), p); /* (3,4) @ (3,4) */
        ck_assert_ptr_null(bad);
        ck_assert_uint_eq(ag_tape_size(), 2);
        ag_tape_reset();
        ck_assert_uint_eq(ag_tape_size(), 0);
    }
    ag_tensor_free(p);
    nd_free(a);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("long run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_fused_block_1000_steps_flat_memory);
    tcase_add_test(tc, test_composed_block_300_steps_flat_memory);
    tcase_add_test(tc, test_reset_after_a_failed_op_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}
