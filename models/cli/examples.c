/*
 * Labeled examples for classification: label<TAB>text files, the label
 * names (labels.txt in a model folder), padded batches, and class
 * probabilities. Shared by finetune, eval and classify.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void free_labeled(labeled *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->texts[i]);
    for (int64_t i = 0; i < l->nnames; i++)
        free(l->names[i]);
    free(l->texts);
    free(l->labels);
    free(l->names);
    *l = (labeled){0};
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t find_name(const labeled *l, const char *name)
{
    char *const *hit = bsearch(&name, l->names, (size_t)l->nnames, sizeof *l->names, by_string);
    return hit ? hit - l->names : -1;
}

/* Splits the file into lines (a final \r dropped, empty lines skipped) and
 * calls take(line, number) on each; -1 if take fails. */
static int each_line(char *text, size_t len, int (*take)(void *, char *, size_t), void *ctx)
{
    size_t number = 0;
    for (char *p = text; p < text + len;) {
        char *end = memchr(p, '\n', (size_t)(text + len - p));
        if (!end)
            end = text + len;
        *end = '\0';
        number++;
        if (end > p && end[-1] == '\r')
            end[-1] = '\0';
        if (*p && take(ctx, p, number) < 0)
            return -1;
        p = end + 1;
    }
    return 0;
}

typedef struct reader {
    const char *command, *path;
    const labeled *known;
    labeled *out;
    size_t cap;
    bool with_labels;
    char **raw_labels; /* per line, while the classes are not known yet */
} reader;

static int take_line(void *ctx, char *line, size_t number)
{
    reader *r = ctx;
    labeled *l = r->out;
    char *text = line, *label = NULL;
    if (r->with_labels) {
        char *tab = strchr(line, '\t');
        if (!tab) {
            fprintf(stderr, "shannon %s: line %zu of '%s' has no tab (expected label<TAB>text)\n",
                    r->command, number, r->path);
            return -1;
        }
        *tab = '\0';
        label = line;
        text = tab + 1;
        if (!*label) {
            fprintf(stderr, "shannon %s: line %zu of '%s' has an empty label\n", r->command, number,
                    r->path);
            return -1;
        }
    }
    if (l->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        char **t = realloc(l->texts, r->cap * sizeof *t);
        int64_t *y = t ? realloc(l->labels, r->cap * sizeof *y) : NULL;
        char **raw = y ? realloc(r->raw_labels, r->cap * sizeof *raw) : NULL;
        if (t)
            l->texts = t;
        if (y)
            l->labels = y;
        if (raw)
            r->raw_labels = raw;
        if (!raw) {
            fprintf(stderr, "shannon %s: out of memory reading '%s'\n", r->command, r->path);
            return -1;
        }
    }
    l->texts[l->n] = strdup(text);
    r->raw_labels[l->n] = label; /* points into the file's buffer */
    l->labels[l->n] = -1;
    if (r->with_labels && r->known && (l->labels[l->n] = find_name(r->known, label)) < 0) {
        free(l->texts[l->n]);
        fprintf(stderr,
                "shannon %s: label '%s' on line %zu of '%s' does not occur in the "
                "training file\n",
                r->command, label, number, r->path);
        return -1;
    }
    l->n++;
    return 0;
}

static int read_any(const char *command, const char *path, const labeled *known, bool with_labels,
                    labeled *out)
{
    *out = (labeled){0};
    size_t len = 0;
    char *text = NULL;
    if (path) {
        text = read_text_file(command, path, &len);
    } else { /* standard input */
        FILE *f = open_memstream(&text, &len);
        char chunk[65536];
        size_t k;
        while (f && (k = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            fwrite(chunk, 1, k, f);
        if (f)
            fclose(f);
    }
    if (!text)
        return -1;
    reader r = {command, path ? path : "standard input", known, out, 0, with_labels, NULL};
    int status = each_line(text, len, take_line, &r);
    if (status == 0 && out->n == 0) {
        fprintf(stderr, "shannon %s: '%s' holds no example\n", command, r.path);
        status = -1;
    }
    if (status == 0 && with_labels && !known) {
        /* The classes: the distinct labels, sorted. */
        char **names = malloc(out->n * sizeof *names);
        int64_t k = 0;
        for (size_t i = 0; names && i < out->n; i++)
            names[i] = r.raw_labels[i];
        if (names) {
            qsort(names, out->n, sizeof *names, by_string);
            for (size_t i = 0; i < out->n; i++)
                if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
                    names[k++] = names[i];
            for (int64_t i = 0; i < k; i++)
                names[i] = strdup(names[i]);
        }
        out->names = names;
        out->nnames = k;
        for (size_t i = 0; names && i < out->n; i++)
            out->labels[i] = find_name(out, r.raw_labels[i]);
    }
    free(r.raw_labels);
    free(text);
    if (status < 0)
        free_labeled(out);
    return status;
}

int read_labeled(const char *command, const char *path, const labeled *known, labeled *out)
{
    return read_any(command, path, known, true, out);
}

int read_lines(const char *command, const char *path, labeled *out)
{
    return read_any(command, path, NULL, false, out);
}

int save_labels(const char *path, const labeled *l)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return -1;
    for (int64_t i = 0; i < l->nnames; i++)
        fprintf(f, "%s\n", l->names[i]);
    fclose(f);
    int status = nd_write_atomic(path, text, len);
    free(text);
    return status;
}

int encode_examples(const tok_tokenizer *tok, const transformer_config *c, char *const *texts,
                    size_t B, nd_array **ids, nd_array **padding)
{
    const int64_t T = c->block_size;
    const bool cls = c->pooling == TRANSFORMER_POOL_FIRST && tok_special_id(tok, TOK_CLS) >= 0;
    const int64_t pad_id = tok_special_id(tok, TOK_PAD) >= 0 ? tok_special_id(tok, TOK_PAD) : 0;
    /* The longest row fixes the batch's width (at most the block). */
    int32_t **enc = calloc(B, sizeof *enc);
    size_t *n = calloc(B, sizeof *n);
    int64_t width = 1;
    int status = enc && n ? 0 : -1;
    for (size_t b = 0; b < B && status == 0; b++) {
        status = tok_encode(tok, texts[b], strlen(texts[b]), &enc[b], &n[b]);
        int64_t w = (int64_t)n[b] + cls;
        width = w > width ? w : width;
    }
    width = width < T ? width : T;
    *ids = status == 0 ? nd_empty(ND_INT64, 2, (int64_t[]){(int64_t)B, width}) : NULL;
    *padding = *ids ? nd_zeros(ND_BOOL, 2, (int64_t[]){(int64_t)B, width}) : NULL;
    if (*padding) {
        int64_t *x = nd_data(*ids);
        bool *pad = nd_data(*padding);
        for (size_t b = 0; b < B; b++) {
            int64_t t = 0;
            if (cls)
                x[b * width + t++] = tok_special_id(tok, TOK_CLS);
            for (size_t i = 0; i < n[b] && t < width; i++)
                x[b * width + t++] = enc[b][i];
            if (t == 0) /* an empty text: one padding-free token to read */
                x[b * width + t++] = pad_id;
            for (; t < width; t++) {
                x[b * width + t] = pad_id;
                pad[b * width + t] = true;
            }
        }
    } else {
        nd_free(*ids);
        *ids = NULL;
        status = -1;
    }
    for (size_t b = 0; enc && b < B; b++)
        free(enc[b]);
    free(enc);
    free(n);
    return status;
}

nd_array *classify_texts(transformer_model *model, const tok_tokenizer *tok, char *const *texts,
                         size_t n, int64_t batch)
{
    const transformer_config *c = transformer_get_config(model);
    nd_array *probs = nd_empty(ND_FLOAT32, 2, (int64_t[]){(int64_t)n, c->num_classes});
    if (!probs)
        return NULL;
    ag_no_grad_begin();
    for (size_t at = 0; at < n; at += (size_t)batch) {
        size_t B = n - at < (size_t)batch ? n - at : (size_t)batch;
        nd_array *ids, *padding;
        if (encode_examples(tok, c, texts + at, B, &ids, &padding) < 0) {
            nd_free(probs);
            probs = NULL;
            break;
        }
        transformer_forward_options o = {.padding = padding};
        ag_tensor *p = transformer_classify_probs(model, ids, &o);
        nd_array *dst = p ? nd_slice(probs, 0, (int64_t)at, (int64_t)(at + B), 1) : NULL;
        int status = dst ? nd_copyto(dst, ag_value(p), ND_CAST_SAME_KIND) : -1;
        nd_free(dst);
        nd_free(ids);
        nd_free(padding);
        ag_tape_reset();
        if (status < 0) {
            nd_free(probs);
            probs = NULL;
            break;
        }
    }
    ag_no_grad_end();
    return probs;
}
