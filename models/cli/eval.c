/*
 * shannon eval: the mean cross-entropy (nats per token) of a model on a
 * text file, and its perplexity.
 *
 * The file is cut into consecutive windows of block+1 tokens (the last one
 * shorter); each window predicts its tokens 2..n from the ones before, so
 * every token after the first is predicted exactly once.
 */
#include "model_dir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int command_eval(int argc, char **argv)
{
    const char *dir = NULL, *data = NULL;
    int64_t threads = 0;
    option options[] = {
        {"--model", OPT_STRING, &dir, true, false},
        {"--data", OPT_STRING, &data, true, false},
        {"--threads", OPT_INT, &threads, false, false},
    };
    if (parse_options("eval", argc, argv, 2, options, sizeof options / sizeof options[0]) < 0)
        return 2;
    if (threads < 0 || nd_set_num_threads((int)threads) < 0) {
        fprintf(stderr, "shannon eval: --threads must be >= 0\n");
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
    const int64_t T = m.config.model.block_size;
    double total = 0;
    int64_t counted = 0;
    ag_no_grad_begin();
    for (size_t start = 0; start + 1 < n; start += (size_t)T) {
        int64_t t = (int64_t)(n - 1 - start) < T ? (int64_t)(n - 1 - start) : T;
        nd_array *x = nd_empty(ND_INT64, 2, (int64_t[]){1, t});
        nd_array *y = nd_empty(ND_INT64, 2, (int64_t[]){1, t});
        if (!x || !y) {
            nd_free(x);
            nd_free(y);
            break;
        }
        for (int64_t i = 0; i < t; i++) {
            ((int64_t *)nd_data(x))[i] = ids[start + (size_t)i];
            ((int64_t *)nd_data(y))[i] = ids[start + (size_t)i + 1];
        }
        ag_tensor *loss = gpt_loss(m.model, x, y, NULL);
        nd_free(x);
        nd_free(y);
        if (!loss) {
            fprintf(stderr, "shannon eval: %s\n", nd_last_error());
            ag_no_grad_end();
            ag_tape_reset();
            goto done;
        }
        total += (double)*(const float *)nd_data(ag_value(loss)) * (double)t;
        counted += t;
        ag_tape_reset();
    }
    ag_no_grad_end();
    {
        double loss = total / (double)counted;
        printf("loss=%.4f ppl=%.4f tokens=%lld\n", loss, exp(loss), (long long)counted);
        status = 0;
    }
done:
    free(ids);
    free(text);
    close_model_dir(&m);
    return status;
}
