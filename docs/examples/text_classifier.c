/*
 * text_classifier: an encoder classifier from an outside program, written
 * against the installed headers only:
 *
 *     cc text_classifier.c $(pkg-config --cflags --libs transformer)
 *
 * A character tokenizer with the encoder's special tokens, a 2-layer
 * bidirectional Transformer with a classification head over [CLS], trained
 * for a few AdamW steps on a toy task (is a line made of the letters a-e or
 * of v-z?), saved, loaded into a fresh model, and asked again: the
 * predictions must be the same. Exits non-zero if anything fails or the
 * task is not learned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tok.h>
#include <transformer.h>

#define N_EXAMPLES 16
#define T 10 /* [CLS] + up to 9 characters, padded with [PAD] */

static const char *texts[N_EXAMPLES] = {
    "abc", "edcba", "bad",  "cab",  "deed", "aced", "bead", "abba",
    "xyz", "zzyx",  "wavy", "yxwv", "vow",  "zyx",  "wwxy", "vxz",
};
static const int64_t labels[N_EXAMPLES] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};

/* [CLS] text [PAD]...: ids (N, T) and padding (N, T), true at [PAD]. */
static int encode_batch(const tok_tokenizer *tok, nd_array **ids, nd_array **padding)
{
    *ids = nd_zeros(ND_INT64, 2, (int64_t[]){N_EXAMPLES, T});
    *padding = nd_zeros(ND_BOOL, 2, (int64_t[]){N_EXAMPLES, T});
    if (!*ids || !*padding)
        return -1;
    int64_t *x = nd_data(*ids);
    bool *pad = nd_data(*padding);
    for (int i = 0; i < N_EXAMPLES; i++) {
        int32_t *t;
        size_t n;
        if (tok_encode(tok, texts[i], strlen(texts[i]), &t, &n) < 0 || n > T - 1)
            return -1;
        x[i * T] = tok_special_id(tok, TOK_CLS);
        for (int j = 1; j < T; j++) {
            bool real = (size_t)j <= n;
            x[i * T + j] = real ? t[j - 1] : tok_special_id(tok, TOK_PAD);
            pad[i * T + j] = !real;
        }
        free(t);
    }
    return 0;
}

/* The predicted class of each example (argmax of the logits). */
static int predict(transformer_model *model, const nd_array *ids, const nd_array *padding,
                   int64_t out[N_EXAMPLES])
{
    transformer_forward_options o = {.padding = padding};
    ag_no_grad_begin();
    ag_tensor *logits = transformer_classify_logits(model, ids, &o);
    nd_array *best = logits ? nd_argmax(ag_value(logits), 1) : NULL;
    ag_no_grad_end();
    if (best)
        memcpy(out, nd_data(best), sizeof(int64_t) * N_EXAMPLES);
    nd_free(best);
    ag_tape_reset();
    return best ? 0 : -1;
}

int main(void)
{
    const char *alphabet = "abcdevwxyz";
    tok_tokenizer *tok = tok_char_train(alphabet, strlen(alphabet));
    if (!tok || tok_add_special_tokens(tok) < 0)
        return 1;
    transformer_config c = transformer_default_config();
    c.vocab_size = tok_vocab_size(tok);
    c.block_size = T;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 32;
    c.bidirectional = true; /* an encoder */
    c.num_classes = 2;
    c.pooling = TRANSFORMER_POOL_FIRST; /* read [CLS] */
    transformer_model *model = transformer_new(&c, 42);
    nd_array *ids = NULL, *padding = NULL;
    nd_array *y = nd_from_data(ND_INT64, 1, (int64_t[]){N_EXAMPLES}, labels);
    if (!model || !y || encode_batch(tok, &ids, &padding) < 0) {
        fprintf(stderr, "setup failed: %s\n", nd_last_error());
        return 1;
    }

    /* Train: AdamW over every parameter, 40 full-batch steps. */
    int n = transformer_num_tensors(model);
    ag_tensor **params = malloc((size_t)n * sizeof *params);
    for (int i = 0; i < n; i++)
        params[i] = transformer_tensor(model, i, NULL);
    ag_optimizer *opt = ag_adamw_new(n, params, 3e-3, 0.9, 0.99, 1e-8, 0.01);
    transformer_forward_options o = {.padding = padding};
    double first = 0, last = 0;
    for (int step = 0; step < 40 && opt; step++) {
        ag_tensor *loss = transformer_classify_loss(model, ids, y, &o);
        if (!loss || ag_backward(loss) < 0 || ag_optimizer_step(opt) < 0) {
            fprintf(stderr, "step %d failed: %s\n", step, nd_last_error());
            return 1;
        }
        nd_get(ag_value(loss), NULL, step == 0 ? &first : &last);
        ag_optimizer_zero_grad(opt);
        ag_tape_reset();
    }
    printf("loss %.4f -> %.4f\n", first, last);

    /* Save, load into a new model, and predict with both. */
    int64_t before[N_EXAMPLES], after[N_EXAMPLES];
    char path[] = "/tmp/text_classifier_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    transformer_model *again = transformer_new(&c, 0);
    int ok = predict(model, ids, padding, before) == 0 &&
             transformer_save(model, path, 0, NULL) == 0 && again &&
             transformer_load(again, path, false) == 0 && predict(again, ids, padding, after) == 0;
    remove(path);
    if (!ok) {
        fprintf(stderr, "save/load failed: %s\n", nd_last_error());
        return 1;
    }
    int correct = 0, same = 0;
    for (int i = 0; i < N_EXAMPLES; i++) {
        correct += before[i] == labels[i];
        same += before[i] == after[i];
    }
    printf("accuracy %d/%d, %d/%d predictions the same after reload\n", correct, N_EXAMPLES, same,
           N_EXAMPLES);

    ag_optimizer_free(opt);
    free(params);
    transformer_free(model);
    transformer_free(again);
    tok_free(tok);
    nd_free(ids);
    nd_free(padding);
    nd_free(y);
    return correct == N_EXAMPLES && same == N_EXAMPLES && last < first ? 0 : 1;
}
