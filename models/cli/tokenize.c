/*
 * shannon tokenize: text -> token ids, or ids -> text with --decode.
 *
 *   shannon tokenize --tokenizer DIR|gpt2 [--decode] [--input FILE]
 *
 * Encoding reads the input as bytes (any bytes: every tokenizer here
 * round-trips them) and prints the ids space-separated on one line.
 * Decoding reads ids separated by whitespace and writes the bytes they
 * stand for, nothing else. Standard input by default.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

tok_tokenizer *open_tokenizer(const char *command, const char *spec)
{
    tok_tokenizer *tok = NULL;
    char path[4096];
    struct stat st;
    if (strcmp(spec, "gpt2") == 0) {
        if (!(tok = tok_gpt2_load(NULL)))
            fprintf(stderr,
                    "shannon %s: cannot load GPT-2's tokenizer: %s (run 'make "
                    "gpt2-tokenizer' or set SHANNON_GPT2_DIR)\n",
                    command, tok_last_error());
        return tok;
    }
    if (stat(spec, &st) < 0) {
        fprintf(stderr, "shannon %s: cannot open tokenizer '%s': %s\n", command, spec,
                strerror(errno));
        return NULL;
    }
    const char *file = spec;
    if (S_ISDIR(st.st_mode)) {
        file = join_path(path, sizeof path, spec, "tokenizer.json");
        if (stat(file, &st) < 0 &&
            stat(join_path(path, sizeof path, spec, "encoder.json"), &st) == 0) {
            if (!(tok = tok_gpt2_load(spec)))
                fprintf(stderr, "shannon %s: %s\n", command, tok_last_error());
            return tok;
        }
    }
    if (!(tok = tok_load(file)))
        fprintf(stderr, "shannon %s: %s\n", command, tok_last_error());
    return tok;
}

/* The whole of path (standard input when NULL) as bytes, malloc'd; *len
 * may be 0. NULL after a one-line message. */
static char *read_input(const char *path, size_t *len)
{
    FILE *fp = path ? fopen(path, "rb") : stdin;
    if (!fp) {
        fprintf(stderr, "shannon tokenize: cannot read '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 1 << 16;
    char *buf = malloc(cap + 1);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += k;
        if (n == cap) {
            char *b = cap <= SIZE_MAX / 4 ? realloc(buf, 2 * cap + 1) : NULL;
            if (!b)
                free(buf);
            buf = b;
            cap *= 2;
        }
    }
    bool failed = !buf || ferror(fp);
    if (failed)
        fprintf(stderr, "shannon tokenize: cannot read '%s': %s\n", path ? path : "<stdin>",
                buf ? strerror(errno) : "out of memory");
    if (path)
        fclose(fp);
    if (failed) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int encode(const tok_tokenizer *tok, const char *text, size_t len)
{
    int32_t *ids;
    size_t n;
    if (tok_encode(tok, text, len, &ids, &n) < 0) {
        fprintf(stderr, "shannon tokenize: %s\n", tok_last_error());
        return 1;
    }
    /* At most 11 characters per id ("-2147483648" cannot occur, but room
     * for it costs nothing) plus its separator. */
    char *out = malloc(12 * n + 2), *p = out;
    if (!out) {
        free(ids);
        fprintf(stderr, "shannon tokenize: out of memory for %zu ids\n", n);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char digits[12];
        int k = 0;
        uint32_t v = (uint32_t)ids[i];
        do
            digits[k++] = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        if (i)
            *p++ = ' ';
        while (k)
            *p++ = digits[--k];
    }
    *p++ = '\n';
    size_t total = (size_t)(p - out);
    bool ok = fwrite(out, 1, total, stdout) == total && fflush(stdout) == 0;
    free(out);
    free(ids);
    if (!ok)
        fprintf(stderr, "shannon tokenize: cannot write the ids: %s\n", strerror(errno));
    return ok ? 0 : 1;
}

static int decode(const tok_tokenizer *tok, const char *s, size_t len)
{
    int32_t *ids = malloc((len / 2 + 1) * sizeof *ids); /* an id and a separator: 2+ bytes */
    size_t n = 0;
    if (!ids) {
        fprintf(stderr, "shannon tokenize: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < len;) {
        if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
            i++;
            continue;
        }
        size_t start = i;
        int64_t v = 0;
        while (i < len && !(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) {
            if (s[i] < '0' || s[i] > '9' || i - start >= 10) {
                while (i < len && !(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) && i - start < 40)
                    i++;
                fprintf(stderr, "shannon tokenize: '%.*s' is not a token id\n", (int)(i - start),
                        s + start);
                free(ids);
                return 1;
            }
            v = 10 * v + (s[i++] - '0');
        }
        ids[n++] = v > INT32_MAX ? INT32_MAX : (int32_t)v; /* out of range either way */
    }
    char *text;
    size_t tlen;
    int status = tok_decode(tok, ids, n, &text, &tlen);
    free(ids);
    if (status < 0) {
        fprintf(stderr, "shannon tokenize: %s\n", tok_last_error());
        return 1;
    }
    bool ok = fwrite(text, 1, tlen, stdout) == tlen && fflush(stdout) == 0;
    free(text);
    if (!ok)
        fprintf(stderr, "shannon tokenize: cannot write the text: %s\n", strerror(errno));
    return ok ? 0 : 1;
}

int command_tokenize(int argc, char **argv)
{
    const char *spec = NULL, *input = NULL;
    bool want_decode = false;
    // clang-format off
    option options[] = {
        {"--tokenizer", OPT_STRING, &spec, true, .meta = "DIR|gpt2",
         .help = "gpt2: GPT-2's (encoder.json + vocab.bpe from $SHANNON_GPT2_DIR, else what "
                 "'make gpt2-tokenizer' fetched); DIR: a model folder, a folder holding GPT-2's "
                 "two files, or a tokenizer.json"},
        {"--input", OPT_STRING, &input, .meta = "FILE",
         .help = "the text (or, with --decode, the ids) to read (default: standard input)"},
        {"--decode", OPT_FLAG, &want_decode,
         .help = "read whitespace-separated ids and write the bytes they stand for"},
    };
    // clang-format on
    int parsed =
        parse_options("tokenize", argc, argv, 2, options, sizeof options / sizeof options[0]);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    tok_tokenizer *tok = open_tokenizer("tokenize", spec);
    if (!tok)
        return 1;
    size_t len;
    char *data = read_input(input, &len);
    int status = !data ? 1 : want_decode ? decode(tok, data, len) : encode(tok, data, len);
    free(data);
    tok_free(tok);
    return status;
}
