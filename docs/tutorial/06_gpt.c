/*
 * Tutorial step 6: the full GPT, trained on a small corpus and sampled,
 * through the models library's public header as any program would use it.
 *
 *     token ids (B, T) -> embeddings + positions -> N blocks (step 5)
 *       -> final LayerNorm -> logits = x @ wte^T (B, T, V) -> cross-entropy
 *
 * The program
 *   1. turns a short text into character ids (the vocabulary is the
 *      characters that occur in it);
 *   2. builds a small GPT and checks that its first loss is ln V: an
 *      untrained model guesses nearly uniformly;
 *   3. trains it for STEPS steps (step 3's loop: forward, backward, clip,
 *      AdamW, reset the tape, with a warmup + cosine learning rate) and
 *      checks that the loss fell below LOSS_FLOOR;
 *   4. samples from it: every id is a character of the vocabulary, and the
 *      greedy continuation of a line's beginning is the text it learned;
 *   5. checks determinism: the same seed gives the same losses and the
 *      same samples, to the last bit.
 * docs/tutorial/06-gpt.md walks through it.
 */
#include <transformer.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The corpus: Jane Taylor's "The Star" (1806), public domain. Small enough
 * to learn by heart in a few seconds, which is the point: a falling loss
 * and a sample that recites it show every piece works together. */
static const char CORPUS[] = "Twinkle, twinkle, little star,\n"
                             "How I wonder what you are!\n"
                             "Up above the world so high,\n"
                             "Like a diamond in the sky.\n"
                             "\n"
                             "When the blazing sun is gone,\n"
                             "When he nothing shines upon,\n"
                             "Then you show your little light,\n"
                             "Twinkle, twinkle, all the night.\n"
                             "\n"
                             "Then the traveller in the dark,\n"
                             "Thanks you for your tiny spark,\n"
                             "He could not see which way to go,\n"
                             "If you did not twinkle so.\n"
                             "\n"
                             "In the dark blue sky you keep,\n"
                             "And often through my curtains peep,\n"
                             "For you never shut your eye,\n"
                             "Till the sun is in the sky.\n"
                             "\n"
                             "As your bright and tiny spark,\n"
                             "Lights the traveller in the dark,\n"
                             "Though I know not what you are,\n"
                             "Twinkle, twinkle, little star.\n";

// clang-format off
#define BLOCK 32          /* context: T characters                      */
#define BATCH 8           /* windows per step                           */
#define STEPS 600         /* training steps                             */
#define LR 1e-2           /* peak learning rate (a small model, a tiny text) */
#define WARMUP 50
#define SEED 42
#define LOSS_FLOOR 0.5    /* nats per character after training, the check */
// clang-format on

static int failures = 0;

static void check(bool ok, const char *what)
{
    printf("  [%s] %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

/* ---- 1. characters to ids ---------------------------------------------------------- */

typedef struct vocab {
    int64_t size;
    int id_of[256]; /* byte -> id, -1 if absent */
    char char_of[256]; /* id -> byte */
} vocab;

static vocab make_vocab(const char *text)
{
    vocab v = {.size = 0};
    bool seen[256] = {false};
    for (const char *p = text; *p; p++)
        seen[(unsigned char)*p] = true;
    for (int b = 0; b < 256; b++) {
        v.id_of[b] = seen[b] ? (int)v.size : -1;
        if (seen[b])
            v.char_of[v.size++] = (char)b;
    }
    return v;
}

/* ---- 3. one training run ------------------------------------------------------------- */

/* x, y (BATCH, BLOCK): windows of ids at random offsets, y shifted by one:
 * position t of x is trained to predict y[t] = the character after it. */
static void make_batch(const int32_t *ids, int64_t n, nd_rng *rng, nd_array **x, nd_array **y)
{
    nd_array *at = nd_rng_integers(rng, 0, n - BLOCK, false, ND_INT64, 1, (int64_t[]){BATCH});
    *x = nd_empty(ND_INT64, 2, (int64_t[]){BATCH, BLOCK});
    *y = nd_empty(ND_INT64, 2, (int64_t[]){BATCH, BLOCK});
    const int64_t *off = nd_data(at);
    int64_t *px = nd_data(*x), *py = nd_data(*y);
    for (int64_t b = 0; b < BATCH; b++)
        for (int64_t t = 0; t < BLOCK; t++) {
            px[b * BLOCK + t] = ids[off[b] + t];
            py[b * BLOCK + t] = ids[off[b] + t + 1];
        }
    nd_free(at);
}

/* Trains `steps` steps from the seed, writing each step's loss into
 * losses[]. Returns the model (the caller frees it). */
static transformer_model *train(const transformer_config *config, const int32_t *ids, int64_t n,
                                int steps, double *losses)
{
    transformer_model *model = transformer_new(config, SEED);
    /* the optimizer borrows the parameters; the model owns them */
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    int np = transformer_num_tensors(model);
    for (int i = 0; i < np; i++)
        params[i] = transformer_tensor(model, i, NULL);
    /* AdamW, without weight decay here (shannon train decays the matrices) */
    ag_optimizer *opt = ag_adamw_new(np, params, LR, 0.9, 0.99, 1e-8, 0.0);
    nd_rng *rng = nd_rng_new(SEED); /* which windows each step sees */
    for (int step = 0; step < steps; step++) {
        nd_array *x, *y;
        make_batch(ids, n, rng, &x, &y);
        ag_optimizer_set_lr(opt, ag_lr_warmup_cosine(step, LR, WARMUP, STEPS, LR / 10));
        // clang-format off
        ag_tensor *loss = transformer_lm_loss(model, x, y, NULL);   /* forward: records the tape */
        ag_backward(loss);                                          /* backward: walks it */
        ag_clip_grad_norm(np, params, 1.0);                         /* global norm <= 1 */
        ag_optimizer_step(opt);
        ag_optimizer_zero_grad(opt);
        nd_get(ag_value(loss), NULL, &losses[step]);
        ag_tape_reset();                                            /* frees the step's tensors */
        // clang-format on
        nd_free(x);
        nd_free(y);
    }
    nd_rng_free(rng);
    ag_optimizer_free(opt);
    return model;
}

/* ---- 4. sampling ---------------------------------------------------------------------- */

/* Continues the prompt by n characters into out (n + 1 bytes); returns
 * how many ids were outside the vocabulary (none, if all is well). */
static int sample(transformer_model *model, const vocab *v, const char *prompt, int n,
                  double temperature, uint64_t seed, char *out)
{
    int32_t p[64];
    int64_t np = 0;
    for (const char *c = prompt; *c && np < 64; c++)
        p[np++] = v->id_of[(unsigned char)*c];
    transformer_generate_options g = {.temperature = temperature, .top_k = 0, .top_p = 1.0};
    nd_rng *rng = nd_rng_new(seed);
    int32_t *ids = NULL;
    int bad = transformer_generate(model, p, np, n, &g, rng, &ids) < 0 ? n : 0;
    for (int i = 0; ids && i < n; i++) {
        bool valid = ids[i] >= 0 && ids[i] < v->size;
        bad += !valid;
        out[i] = valid ? v->char_of[ids[i]] : '?';
    }
    out[ids ? n : 0] = '\0';
    free(ids);
    nd_rng_free(rng);
    return bad;
}

int main(void)
{
    /* 1. The corpus as ids. */
    vocab v = make_vocab(CORPUS);
    const int64_t n = (int64_t)strlen(CORPUS);
    int32_t ids[sizeof CORPUS];
    for (int64_t i = 0; i < n; i++)
        ids[i] = v.id_of[(unsigned char)CORPUS[i]];
    printf("1. %lld characters, a vocabulary of V = %lld\n", (long long)n, (long long)v.size);

    /* 2. The model: a causal decoder, pre-LN, sinusoidal positions (the
     * defaults), shrunk to 2 blocks of 2 heads, C = 48. */
    transformer_config config = transformer_default_config();
    config.vocab_size = v.size;
    config.block_size = BLOCK;
    config.n_layer = 2;
    config.n_head = 2;
    config.n_embd = 48;
    if (transformer_config_check(&config) < 0) {
        printf("bad configuration: %s\n", nd_last_error());
        return 1;
    }
    double losses[STEPS];
    transformer_model *model = train(&config, ids, n, STEPS, losses);
    printf("2. %lld parameters; the first loss %.4f, ln V = %.4f\n",
           (long long)transformer_num_parameters(model), losses[0], log((double)v.size));
    check(fabs(losses[0] - log((double)v.size)) < 0.1,
          "the untrained model's loss is ln V (uniform guesses) within 0.1");

    /* 3. The fall: every 50 steps the mean of the last 10 losses. */
    printf("3. training, %d steps:", STEPS);
    double last = 0;
    for (int s = 0; s < STEPS; s++) {
        if (s % 50 == 49) {
            double m = 0;
            for (int k = s - 9; k <= s; k++)
                m += losses[k] / 10;
            printf(" %.3f", m);
            last = m;
        }
    }
    printf("\n");
    char what[128];
    snprintf(what, sizeof what, "the loss fell below %.2f (mean of the last 10 steps: %.4f)",
             LOSS_FLOOR, last);
    check(last < LOSS_FLOOR, what);

    /* 4. Sampling. Greedy (temperature 0) from the start of a line: the
     * model should recite what follows it in the text. */
    char text[128];
    int bad = sample(model, &v, "Up above the ", 14, 0.0, 1, text);
    printf("4. greedy after \"Up above the \": \"%s\"\n", text);
    check(bad == 0, "every sampled id is a character of the vocabulary");
    /* At least 12 of the 14 characters, not all: another machine's float
     * rounding (another BLAS kernel) may train a slightly different model. */
    const char *want = "world so high,";
    int same = 0;
    for (int i = 0; i < 14; i++)
        same += text[i] == want[i];
    snprintf(what, sizeof what,
             "the greedy continuation is the text it learned (%d of 14 "
             "characters of \"%s\")",
             same, want);
    check(same >= 12, what);
    bad = sample(model, &v, "Twinkle", 80, 0.8, 7, text);
    printf("   at temperature 0.8 after \"Twinkle\":\n---\nTwinkle%s\n---\n", text);
    check(bad == 0, "every id drawn at temperature 0.8 is in the vocabulary");

    /* 5. Determinism: the same seed, the same numbers. A second model
     * trained 20 steps from the same seed on the same batches. */
    double again[20];
    transformer_model *twin = train(&config, ids, n, 20, again);
    bool identical = true;
    for (int s = 0; s < 20; s++)
        identical = identical && again[s] == losses[s];
    /* ... and the same sample twice from the same generator seed */
    char text2[128];
    sample(model, &v, "Twinkle", 80, 0.8, 7, text2);
    printf("5. determinism\n");
    check(identical, "the same seed gives the same 20 losses, bit for bit");
    check(strcmp(text, text2) == 0, "the same sampling seed gives the same text");
    transformer_free(twin);
    transformer_free(model);
    printf("%s\n", failures ? "FAILED" : "all checks passed");
    return failures ? 1 : 0;
}
