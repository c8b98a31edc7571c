/*
 * shannon eval: how good a model is on a file, by its kind.
 *
 *   causal      the mean cross-entropy (nats per token) and perplexity. The
 *               file is cut into consecutive windows of block+1 tokens (the
 *               last one shorter); each window predicts its tokens 2..n from
 *               the ones before, so every token after the first is
 *               predicted exactly once. `shannon train` reports its final
 *               validation loss the same way (text_loss).
 *   mlm         the masked-token loss, perplexity and accuracy over
 *               consecutive windows of block tokens, masks drawn by BERT's
 *               rule from a fixed seed (mlm_text_eval), so two evals agree.
 *   classify    FILE holds label<TAB>text lines: the accuracy.
 */
#include "model_dir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double text_loss(transformer_model *model, const int32_t *ids, size_t n, int64_t batch,
                 bool composed)
{
    const int64_t T = transformer_get_config(model)->block_size;
    double total = 0;
    int64_t counted = 0;
    ag_no_grad_begin();
    for (size_t start = 0; start + 1 < n;) {
        /* B full windows side by side, or the last, shorter one alone. */
        int64_t full = (int64_t)((n - 1 - start) / (size_t)T);
        int64_t B = full < batch ? full : batch, t = T;
        if (B == 0)
            B = 1, t = (int64_t)(n - 1 - start);
        nd_array *x = nd_empty(ND_INT64, 2, (int64_t[]){B, t});
        nd_array *y = nd_empty(ND_INT64, 2, (int64_t[]){B, t});
        ag_tensor *loss = NULL;
        if (x && y) {
            for (int64_t b = 0; b < B; b++)
                for (int64_t i = 0; i < t; i++) {
                    ((int64_t *)nd_data(x))[b * t + i] = ids[start + (size_t)(b * T + i)];
                    ((int64_t *)nd_data(y))[b * t + i] = ids[start + (size_t)(b * T + i) + 1];
                }
            transformer_forward_options o = {.composed = composed};
            loss = transformer_lm_loss(model, x, y, &o);
        }
        nd_free(x);
        nd_free(y);
        if (!loss) {
            ag_tape_reset();
            ag_no_grad_end();
            return NAN;
        }
        total += (double)*(const float *)nd_data(ag_value(loss)) * (double)(B * t);
        counted += B * t;
        start += (size_t)(B * t);
        ag_tape_reset();
    }
    ag_no_grad_end();
    return total / (double)counted;
}

/* The fixed seed of evaluation masks. */
#define MLM_EVAL_SEED 20240601u

int mlm_mask_batch(const tok_tokenizer *tok, const nd_array *x, double mask_rate, nd_rng *rng,
                   nd_array **input, nd_array **targets)
{
    /* Random replacements come from the ordinary tokens, never a special. */
    int64_t ordinary = tok_special_id(tok, TOK_MASK);
    return transformer_mask_tokens(x, mask_rate, tok_special_id(tok, TOK_MASK),
                                   tok_special_id(tok, TOK_PAD), ordinary, rng, input, targets);
}

mlm_result mlm_text_eval(transformer_model *model, const tok_tokenizer *tok, const int32_t *ids,
                         size_t n, int64_t batch, double mask_rate)
{
    const int64_t T = transformer_get_config(model)->block_size;
    mlm_result r = {NAN, NAN, 0};
    nd_rng *rng = nd_rng_new(MLM_EVAL_SEED);
    double total = 0;
    int64_t correct = 0, count = 0;
    for (size_t start = 0; rng && start < n;) {
        /* B full windows side by side, or the last, shorter one alone. */
        int64_t full = (int64_t)((n - start) / (size_t)T);
        int64_t B = full < batch ? full : batch, t = T;
        if (B == 0)
            B = 1, t = (int64_t)(n - start);
        nd_array *in = nd_empty(ND_INT64, 2, (int64_t[]){B, t});
        nd_array *tg = nd_empty(ND_INT64, 2, (int64_t[]){B, t});
        int status = in && tg ? 0 : -1;
        /* Window by window, so the masks do not depend on the batch size:
         * `train` (its --batch) and `eval` (32) score the same positions. */
        for (int64_t b = 0; b < B && status == 0; b++) {
            nd_array *x = nd_empty(ND_INT64, 2, (int64_t[]){1, t}), *i1 = NULL, *t1 = NULL;
            for (int64_t i = 0; x && i < t; i++)
                ((int64_t *)nd_data(x))[i] = ids[start + (size_t)(b * t + i)];
            status = x ? mlm_mask_batch(tok, x, mask_rate, rng, &i1, &t1) : -1;
            if (status == 0) {
                memcpy((int64_t *)nd_data(in) + b * t, nd_data(i1), (size_t)t * sizeof(int64_t));
                memcpy((int64_t *)nd_data(tg) + b * t, nd_data(t1), (size_t)t * sizeof(int64_t));
            }
            nd_free(x), nd_free(i1), nd_free(t1);
        }
        double sum;
        int64_t c, m;
        if (status == 0)
            status = transformer_mlm_score(model, in, tg, NULL, &sum, &c, &m);
        nd_free(in), nd_free(tg);
        ag_tape_reset();
        if (status < 0) {
            nd_rng_free(rng);
            return r;
        }
        total += sum, correct += c, count += m;
        start += (size_t)(B * t);
    }
    nd_rng_free(rng);
    if (count > 0)
        r = (mlm_result){total / (double)count, (double)correct / (double)count, count};
    return r;
}

/* A classifier on label<TAB>text lines. */
static int eval_classifier(const char *data, model_dir *m)
{
    labeled known = {.names = m->labels, .nnames = m->config.model.num_classes}, set;
    if (read_labeled("eval", data, &known, &set) < 0)
        return 1;
    nd_array *probs = classify_texts(m->model, m->tok, set.texts, set.n, 32);
    nd_array *best = probs ? nd_argmax(probs, 1) : NULL;
    int status = 1;
    if (best) {
        const int64_t *p = nd_data(best);
        size_t correct = 0;
        for (size_t i = 0; i < set.n; i++)
            correct += p[i] == set.labels[i];
        printf("accuracy=%.4f examples=%zu\n", (double)correct / (double)set.n, set.n);
        status = 0;
    } else {
        fprintf(stderr, "shannon eval: %s\n", nd_last_error());
    }
    nd_free(probs);
    nd_free(best);
    free_labeled(&set);
    return status;
}

int command_eval(int argc, char **argv)
{
    const char *dir = NULL, *data = NULL, *precision = NULL;
    int64_t threads = 0;
    // clang-format off
    option options[] = {
        {"--model", OPT_STRING, &dir, true, .meta = "DIR", .help = "a folder written by 'shannon train'"},
        {"--data", OPT_STRING, &data, true, .meta = "FILE", .help = "the text to measure the loss on"},
        {"--threads", OPT_INT, &threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = MAX_THREADS},
        {"--precision", OPT_STRING, &precision, .meta = "float32|bf16",
         .help = "the matrix products' arithmetic (default: the model's config.json)"},
    };
    // clang-format on
    int parsed = parse_options("eval", argc, argv, 2, options, sizeof options / sizeof options[0]);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    transformer_precision chosen = TRANSFORMER_FLOAT32;
    if (precision && parse_precision("eval", precision, &chosen) < 0)
        return 2;
    if (nd_set_num_threads((int)threads) < 0) {
        fprintf(stderr, "shannon eval: %s\n", nd_last_error());
        return 2;
    }
    /* The text before the model: a missing, binary or special file fails
     * fast, before anything large is read. */
    size_t len;
    char *text = read_text_file("eval", data, &len);
    if (!text)
        return 1;
    model_dir m;
    if (open_model_dir("eval", dir, &m) < 0) {
        free(text);
        return 1;
    }
    if (precision) /* else the precision config.json names */
        transformer_set_precision(m.model, chosen);
    if (transformer_keep_bf16_copies(m.model, NULL) < 0) { /* bf16: weights cast once */
        fprintf(stderr, "shannon eval: %s\n", nd_last_error());
        free(text);
        close_model_dir(&m);
        return 1;
    }
    if (m.config.model.num_classes > 0) { /* label<TAB>text lines, read as such */
        free(text);
        int s = eval_classifier(data, &m);
        close_model_dir(&m);
        return s;
    }
    int32_t *ids = NULL;
    size_t n = 0;
    int status = 1;
    if (tok_encode(m.tok, text, len, &ids, &n) < 0) {
        fprintf(stderr, "shannon eval: cannot encode '%s': %s\n", data, tok_last_error());
        goto done;
    }
    if (n < 2) {
        fprintf(stderr, "shannon eval: '%s' has %zu token%s; at least 2 are needed\n", data, n,
                n == 1 ? "" : "s");
        goto done;
    }
    if (strcmp(m.config.objective, "mlm") == 0) {
        mlm_result r = mlm_text_eval(m.model, m.tok, ids, n, 32, m.config.mask_rate);
        if (isnan(r.loss)) {
            fprintf(stderr, "shannon eval: %s\n", nd_last_error());
            goto done;
        }
        printf("loss=%.4f ppl=%.4f accuracy=%.4f masked=%lld\n", r.loss, exp(r.loss), r.accuracy,
               (long long)r.masked);
        status = 0;
        goto done;
    }
    double loss = text_loss(m.model, ids, n, 32, false);
    if (isnan(loss)) {
        fprintf(stderr, "shannon eval: %s\n", nd_last_error());
        goto done;
    }
    printf("loss=%.4f ppl=%.4f tokens=%zu\n", loss, exp(loss), n - 1);
    status = 0;
done:
    free(ids);
    free(text);
    close_model_dir(&m);
    return status;
}
