/*
 * bench_gpt2_tokenizer: the C half of bench_gpt2_tokenizer.py. Encodes the
 * pieces of a file with GPT-2's tokenizer on this one thread, each piece a
 * separate tok_encode call (so each starts with an empty word cache, as the
 * JavaScript reference's pieces do not: its cache lives for the process;
 * this side is the one at a disadvantage), and prints one line:
 *
 *   pieces=<n> bytes=<n> tokens=<n> seconds=<f> mb_per_s=<f> whole_mb_per_s=<f>
 *
 * whole_mb_per_s is the whole file encoded in one call. The best of
 * --repeat runs is taken for each.
 *
 * usage: bench_gpt2_tokenizer FILE PIECE_BYTES... [--repeat N]
 *   FILE: the text; the PIECE_BYTES (decimal, one per argument, summing to
 *   the file's size) cut it into the pieces, in order.
 *   GPT-2's files come from tok_gpt2_default_dir() ($SHANNON_GPT2_DIR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tok.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_gpt2_tokenizer FILE PIECE_BYTES... [--repeat N]\n");
        return 2;
    }
    int repeat = 3, npieces = argc - 2;
    if (argc >= 5 && strcmp(argv[argc - 2], "--repeat") == 0) {
        repeat = atoi(argv[argc - 1]);
        npieces -= 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    fseek(fp, 0, SEEK_END);
    size_t len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *text = malloc(len + 1);
    if (!text || fread(text, 1, len, fp) != len) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(fp);
    size_t *size = malloc((size_t)npieces * sizeof *size), total = 0;
    for (int i = 0; i < npieces; i++)
        total += size[i] = strtoull(argv[2 + i], NULL, 10);
    if (total != len) {
        fprintf(stderr, "the pieces sum to %zu bytes, the file has %zu\n", total, len);
        return 1;
    }
    tok_tokenizer *tok = tok_gpt2_load(NULL);
    if (!tok) {
        fprintf(stderr, "%s\n", tok_last_error());
        return 1;
    }
    double best = 1e30, best_whole = 1e30;
    size_t tokens = 0;
    for (int r = 0; r < repeat; r++) {
        tokens = 0;
        double t0 = now_s();
        size_t at = 0;
        for (int i = 0; i < npieces; i++) {
            int32_t *ids;
            size_t n;
            if (tok_encode(tok, text + at, size[i], &ids, &n) < 0) {
                fprintf(stderr, "%s\n", tok_last_error());
                return 1;
            }
            tokens += n;
            at += size[i];
            free(ids);
        }
        double t = now_s() - t0;
        best = t < best ? t : best;
        int32_t *ids;
        size_t n;
        t0 = now_s();
        if (tok_encode(tok, text, len, &ids, &n) < 0) {
            fprintf(stderr, "%s\n", tok_last_error());
            return 1;
        }
        t = now_s() - t0;
        best_whole = t < best_whole ? t : best_whole;
        free(ids);
    }
    printf("pieces=%d bytes=%zu tokens=%zu seconds=%.4f mb_per_s=%.2f whole_mb_per_s=%.2f\n",
           npieces, len, tokens, best, (double)len / 1e6 / best, (double)len / 1e6 / best_whole);
    tok_free(tok);
    free(size);
    free(text);
    return 0;
}
