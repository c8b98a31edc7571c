/*
 * shannon eval: the mean cross-entropy (nats per token) of a model on a
 * text file, and its perplexity.
 *
 * The file is cut into consecutive windows of block+1 tokens (the last one
 * shorter); each window predicts its tokens 2..n from the ones before, so
 * every token after the first is predicted exactly once. `shannon train`
 * reports its final validation loss the same way (text_loss).
 */
#include "model_dir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double text_loss(gpt_model *model, const int32_t *ids, size_t n, int64_t batch, bool composed)
{
    const int64_t T = gpt_get_config(model)->block_size;
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
            gpt_forward_options o = {.composed = composed};
            loss = gpt_loss(model, x, y, &o);
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

int command_eval(int argc, char **argv)
{
    const char *dir = NULL, *data = NULL;
    int64_t threads = 0;
    option options[] = {
        {"--model", OPT_STRING, &dir, true, .meta = "DIR", .help = "a folder written by 'shannon train'"},
        {"--data", OPT_STRING, &data, true, .meta = "FILE", .help = "the text to measure the loss on"},
        {"--threads", OPT_INT, &threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = 1024},
    };
    int parsed = parse_options("eval", argc, argv, 2, options, sizeof options / sizeof options[0]);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    if (nd_set_num_threads((int)threads) < 0) {
        fprintf(stderr, "shannon eval: %s\n", nd_last_error());
        return 2;
    }
    size_t len;
    char *text = read_text_file("eval", data, &len);
    if (!text)
        return 1;
    model_dir m;
    if (open_model_dir("eval", dir, &m) < 0) {
        free(text);
        return 1;
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
