/*
 * naive_bayes: the bag-of-words baseline of the fortunes task, written
 * against libnd. Multinomial naive Bayes with add-one smoothing over
 * lower-cased words (runs of ASCII letters and digits, or single bytes
 * >= 0x80 joined into words):
 *
 *   log p(k | doc) = log prior_k + sum_w count(doc, w) log p(w | k) + const
 *   log p(w | k)   = log((n_kw + 1) / (n_k + |V|))
 *
 * so that prediction is one matrix product, counts (N, V) @ log p(w|k)^T
 * (V, K), plus the log prior, and an argmax.
 *
 *   naive_bayes TRAIN.tsv TEST.tsv   ->   accuracy=<f> majority=<f> examples=<int>
 */
#include <ctype.h>
#include <nd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORD 64

typedef struct vocab {
    char **words;
    size_t n, cap;
} vocab;

typedef struct doc_set {
    size_t n;
    int *label;
    char **text;
} doc_set;

static char *labels[64];
static int nlabels;

static int label_id(const char *name, int add)
{
    for (int k = 0; k < nlabels; k++)
        if (strcmp(labels[k], name) == 0)
            return k;
    if (!add || nlabels == 64)
        return -1;
    labels[nlabels] = strdup(name);
    return nlabels++;
}

static int read_set(const char *path, doc_set *s, int add_labels)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0, room = 0;
    ssize_t len;
    *s = (doc_set){0};
    while ((len = getline(&line, &cap, f)) > 0) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        int k = label_id(line, add_labels);
        if (k < 0)
            continue;
        if (s->n == room) {
            room = room ? 2 * room : 1024;
            s->label = realloc(s->label, room * sizeof *s->label);
            s->text = realloc(s->text, room * sizeof *s->text);
        }
        s->label[s->n] = k;
        s->text[s->n++] = strdup(tab + 1);
    }
    free(line);
    fclose(f);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls fn on each lower-cased word of text. */
static void each_word(const char *text, void (*fn)(const char *, void *), void *ctx)
{
    char w[MAX_WORD];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        if (*p && (isalnum(*p) || *p >= 0x80)) {
            if (k + 1 < MAX_WORD)
                w[k++] = (char)tolower(*p);
            continue;
        }
        if (k) {
            w[k] = '\0';
            fn(w, ctx);
            k = 0;
        }
        if (!*p)
            break;
    }
}

static void add_word(const char *w, void *ctx)
{
    vocab *v = ctx;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 4096;
        v->words = realloc(v->words, v->cap * sizeof *v->words);
    }
    v->words[v->n++] = strdup(w);
}

typedef struct counter {
    const vocab *v;
    float *row;
} counter;

static void count_word(const char *w, void *ctx)
{
    counter *c = ctx;
    char *const *hit = bsearch(&w, c->v->words, c->v->n, sizeof *c->v->words, cmp_str);
    if (hit)
        c->row[hit - c->v->words] += 1.0f;
}

/* counts (N, V) float32 of a set's documents. */
static nd_array *count_matrix(const doc_set *s, const vocab *v)
{
    nd_array *m = nd_zeros(ND_FLOAT32, 2, (int64_t[]){(int64_t)s->n, (int64_t)v->n});
    for (size_t i = 0; m && i < s->n; i++) {
        counter c = {v, (float *)nd_data(m) + i * v->n};
        each_word(s->text[i], count_word, &c);
    }
    return m;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: naive_bayes TRAIN.tsv TEST.tsv\n");
        return 2;
    }
    doc_set train, test;
    if (read_set(argv[1], &train, 1) < 0 || read_set(argv[2], &test, 0) < 0 || !train.n || !test.n) {
        fprintf(stderr, "naive_bayes: cannot read the sets\n");
        return 1;
    }
    /* The vocabulary: the training words, sorted, distinct. */
    vocab v = {0};
    for (size_t i = 0; i < train.n; i++)
        each_word(train.text[i], add_word, &v);
    qsort(v.words, v.n, sizeof *v.words, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (k && strcmp(v.words[k - 1], v.words[i]) == 0)
            free(v.words[i]);
        else
            v.words[k++] = v.words[i];
    }
    v.n = k;
    const int64_t K = nlabels, V = (int64_t)v.n;

    /* n_kw: per class, the summed word counts = onehot(labels)^T @ counts. */
    nd_array *x = count_matrix(&train, &v);
    nd_array *onehot = nd_zeros(ND_FLOAT32, 2, (int64_t[]){(int64_t)train.n, K});
    for (size_t i = 0; i < train.n; i++)
        ((float *)nd_data(onehot))[i * (size_t)K + (size_t)train.label[i]] = 1.0f;
    nd_array *ot = nd_transpose(onehot, NULL);
    nd_array *nkw = nd_matmul(ot, x); /* (K, V) */
    nd_array *one = nd_scalar(ND_FLOAT32, 1.0);
    nd_array *smoothed = nd_add(nkw, one);
    nd_array *nk = nd_sum(smoothed, 1, (int[]){1}, true); /* (K, 1) */
    nd_array *pw = nd_divide(smoothed, nk);
    nd_array *logpw = nd_log(pw);
    nd_array *logpwt = nd_transpose(logpw, NULL); /* (V, K) */
    nd_array *docs = nd_sum(onehot, 1, (int[]){0}, false); /* (K,) */
    nd_array *n = nd_scalar(ND_FLOAT32, (double)train.n);
    nd_array *prior = nd_divide(docs, n);
    nd_array *logprior = nd_log(prior);

    nd_array *xt = count_matrix(&test, &v);
    nd_array *scores0 = nd_matmul(xt, logpwt); /* (N, K) */
    nd_array *scores = nd_add(scores0, logprior);
    nd_array *best = nd_argmax(scores, 1);
    if (!best) {
        fprintf(stderr, "naive_bayes: %s\n", nd_last_error());
        return 1;
    }
    size_t correct = 0, top = 0;
    const float *d = nd_data(docs);
    for (int64_t c = 1; c < K; c++)
        top = d[c] > d[top] ? (size_t)c : top;
    size_t majority = 0;
    for (size_t i = 0; i < test.n; i++) {
        correct += ((const int64_t *)nd_data(best))[i] == test.label[i];
        majority += (size_t)test.label[i] == top;
    }
    printf("accuracy=%.4f majority=%.4f examples=%zu vocabulary=%lld classes=%lld\n",
           (double)correct / (double)test.n, (double)majority / (double)test.n, test.n,
           (long long)V, (long long)K);
    nd_array *all[] = {x,      onehot, ot, nkw,   one,      smoothed, nk,      pw,     logpw,
                       logpwt, docs,   n,  prior, logprior, xt,       scores0, scores, best};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        nd_free(all[i]);
    return 0;
}
