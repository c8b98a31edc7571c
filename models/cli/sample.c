/*
 * shannon sample: text from a trained model, token by token with a KV cache
 * (transformer_generate: the prompt is fed once, each new token then costs
 * one position of work, and a full context slides by half a block).
 * Only the generated text is written to standard output.
 */
#include "model_dir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At most 2^30 new tokens: the whole text is kept (and decoded at the end),
 * and the buffer's size in bytes must not overflow. */
#define MAX_TOKENS ((int64_t)1 << 30)

int command_sample(int argc, char **argv)
{
    const char *dir = NULL, *prompt = "", *attention = NULL, *precision = NULL;
    int64_t tokens = 200, top_k = 0, seed = DEFAULT_SEED, threads = 0;
    double temperature = 0.8, top_p = 1.0;
    // clang-format off
    option options[] = {
        {"--model", OPT_STRING, &dir, true, .meta = "DIR", .help = "a folder written by 'shannon train'"},
        {"--prompt", OPT_STRING, &prompt, .help = "the text to continue (empty: a newline)"},
        {"--tokens", OPT_INT, &tokens, .help = "tokens to generate", .min = 0, .max = MAX_TOKENS},
        {"--temperature", OPT_DOUBLE, &temperature,
         .help = "divides the logits: < 1 sharper, > 1 flatter, 0 greedy"},
        {"--top-k", OPT_INT, &top_k, .help = "sample among the k most likely tokens (0: all)",
         .min = 0, .max = INT32_MAX},
        {"--top-p", OPT_DOUBLE, &top_p,
         .help = "sample among the most likely tokens whose probability reaches p, in (0, 1]"},
        {"--seed", OPT_INT, &seed, .help = "seed of the sampling"},
        {"--threads", OPT_INT, &threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = MAX_THREADS},
        {"--attention", OPT_STRING, &attention, .meta = "FILE.svg",
         .help = "also write the prompt's attention, one heat map per layer and head"},
        {"--precision", OPT_STRING, &precision, .meta = "float32|bf16",
         .help = "the matrix products' arithmetic (default: the model's config.json)"},
    };
    // clang-format on
    int parsed = parse_options("sample", argc, argv, 2, options, sizeof options / sizeof options[0]);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    if (temperature < 0 || !(top_p > 0 && top_p <= 1)) {
        fprintf(stderr, "shannon sample: --temperature must be >= 0, --top-p in (0, 1]\n");
        return 2;
    }
    transformer_precision chosen = TRANSFORMER_FLOAT32;
    if (precision && parse_precision("sample", precision, &chosen) < 0)
        return 2;
    if (nd_set_num_threads((int)threads) < 0) /* 0: the default, as in train */
        return 2;
    model_dir m;
    if (open_model_dir("sample", dir, &m) < 0)
        return 1;
    if (precision) /* else the precision config.json names */
        transformer_set_precision(m.model, chosen);
    /* bf16: each weight cast once, not before every token's forward */
    if (transformer_keep_bf16_copies(m.model, NULL) < 0) {
        fprintf(stderr, "shannon sample: %s\n", nd_last_error());
        close_model_dir(&m);
        return 1;
    }
    int32_t *ids = NULL;
    size_t nprompt = 0;
    if (tok_encode(m.tok, prompt, strlen(prompt), &ids, &nprompt) < 0) {
        fprintf(stderr, "shannon sample: cannot encode the prompt: %s\n", tok_last_error());
        close_model_dir(&m);
        return 1;
    }
    /* An empty prompt starts from a newline if the vocabulary has one
     * (nanoGPT's convention), else from token 0. */
    int32_t start = 0;
    if (nprompt == 0) {
        int32_t *nl = NULL;
        size_t n = 0;
        if (tok_encode(m.tok, "\n", 1, &nl, &n) == 0 && n == 1 && nl[0] != tok_unk_id(m.tok))
            start = nl[0];
        free(nl);
    }
    /* The prompt (or its start token); transformer_generate writes the new
     * tokens into a buffer of its own. */
    int32_t *all = realloc(ids, (nprompt + 1) * sizeof *all);
    if (all && nprompt == 0)
        all[nprompt++] = start;
    if (!all) {
        free(ids);
        close_model_dir(&m);
        fprintf(stderr, "shannon sample: out of memory\n");
        return 1;
    }
    if (attention &&
        write_attention_svg("sample", attention, m.model, m.tok, all, (int64_t)nprompt) < 0) {
        free(all);
        close_model_dir(&m);
        return 1;
    }
    nd_rng *rng = nd_rng_new((uint64_t)seed);
    int32_t *generated = NULL;
    transformer_generate_options g = {.temperature = temperature, .top_k = top_k, .top_p = top_p};
    int status = 0;
    if (!rng ||
        transformer_generate(m.model, all, (int64_t)nprompt, tokens, &g, rng, &generated) < 0) {
        fprintf(stderr, "shannon sample: %s\n", nd_last_error());
        status = 1;
    }
    char *text = NULL;
    size_t len = 0;
    if (status == 0 && tok_decode(m.tok, generated, (size_t)tokens, &text, &len) == 0) {
        fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
    } else if (status == 0) {
        fprintf(stderr, "shannon sample: %s\n", tok_last_error());
        status = 1;
    }
    free(text);
    free(all);
    free(generated);
    nd_rng_free(rng);
    close_model_dir(&m);
    return status;
}
