/* config.json: what a model folder holds, in a flat JSON object. The reader
 * accepts exactly what the writer writes (string keys; numbers, strings
 * and booleans as values) and rejects anything else with one line. */
#include "cli.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int save_run_config(const char *path, const run_config *c)
{
    char text[1024];
    int len = snprintf(text, sizeof text,
                       "{\n"
                       "  \"vocab_size\": %lld,\n"
                       "  \"block_size\": %lld,\n"
                       "  \"n_layer\": %d,\n"
                       "  \"n_head\": %d,\n"
                       "  \"n_embd\": %lld,\n"
                       "  \"dropout\": %.17g,\n"
                       "  \"learned_positions\": %s,\n"
                       "  \"post_ln\": %s,\n"
                       "  \"objective\": \"%s\",\n"
                       "  \"bidirectional\": %s,\n"
                       "  \"mask_rate\": %.17g,\n"
                       "  \"num_classes\": %lld,\n"
                       "  \"pooling\": \"%s\",\n"
                       "  \"tokenizer\": \"%s\",\n"
                       "  \"batch\": %lld,\n"
                       "  \"iters\": %lld,\n"
                       "  \"lr\": %.17g,\n"
                       "  \"seed\": %lld\n"
                       "}\n",
                       (long long)c->model.vocab_size, (long long)c->model.block_size,
                       c->model.n_layer, c->model.n_head, (long long)c->model.n_embd,
                       c->model.dropout, c->model.learned_positions ? "true" : "false",
                       c->model.post_ln ? "true" : "false", c->objective,
                       c->model.bidirectional ? "true" : "false", c->mask_rate,
                       (long long)c->model.num_classes, pooling_name(c->model.pooling),
                       c->tokenizer, (long long)c->batch,
                       (long long)c->iters, c->lr, (long long)c->seed);
    return write_file_atomic(path, text, (size_t)len);
}

/* ---- a strict reader for flat objects ------------------------------------------------- */

typedef struct json_value {
    char key[32];
    char text[64];      /* the raw number, the string's content, or true/false */
    bool is_string;
} json_value;

static const char *skip_space(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Parses `{"k": v, ...}` into at most max values; -1 on any syntax error. */
static int parse_flat_object(const char *p, json_value *values, int max)
{
    int n = 0;
    p = skip_space(p);
    if (*p++ != '{')
        return -1;
    p = skip_space(p);
    if (*p == '}')
        return 0;
    for (;;) {
        if (n == max || *p++ != '"')
            return -1;
        size_t k = 0;
        while (*p && *p != '"' && k + 1 < sizeof values[n].key)
            values[n].key[k++] = *p++;
        values[n].key[k] = '\0';
        if (*p++ != '"')
            return -1;
        p = skip_space(p);
        if (*p++ != ':')
            return -1;
        p = skip_space(p);
        size_t t = 0;
        values[n].is_string = *p == '"';
        if (values[n].is_string) {
            p++;
            while (*p && *p != '"' && *p != '\\' && t + 1 < sizeof values[n].text)
                values[n].text[t++] = *p++;
            if (*p++ != '"')
                return -1;
        } else {
            while (*p && (isalnum((unsigned char)*p) || strchr("+-.", *p)) && t + 1 < sizeof values[n].text)
                values[n].text[t++] = *p++;
            if (t == 0)
                return -1;
        }
        values[n].text[t] = '\0';
        n++;
        p = skip_space(p);
        if (*p == '}')
            return skip_space(p + 1)[0] == '\0' ? n : -1;
        if (*p++ != ',')
            return -1;
        p = skip_space(p);
    }
}

static const json_value *find(const json_value *v, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].key, key) == 0)
            return &v[i];
    return NULL;
}

static bool read_int(const json_value *v, int n, const char *key, int64_t *out)
{
    const json_value *x = find(v, n, key);
    char *end;
    if (!x || x->is_string)
        return false;
    *out = strtoll(x->text, &end, 10);
    return *end == '\0';
}

static bool read_double(const json_value *v, int n, const char *key, double *out)
{
    const json_value *x = find(v, n, key);
    char *end;
    if (!x || x->is_string)
        return false;
    *out = strtod(x->text, &end);
    return *end == '\0' && isfinite(*out);
}

static bool read_bool(const json_value *v, int n, const char *key, bool *out)
{
    const json_value *x = find(v, n, key);
    if (!x || x->is_string || (strcmp(x->text, "true") && strcmp(x->text, "false")))
        return false;
    *out = strcmp(x->text, "true") == 0;
    return true;
}

const char *pooling_name(transformer_pooling pooling)
{
    return pooling == TRANSFORMER_POOL_FIRST ? "first" : pooling == TRANSFORMER_POOL_MEAN ? "mean"
                                                                                        : "last";
}

/* The keys an encoder or a classifier added; a config.json written before
 * them is a causal decoder. */
static bool read_objective(const json_value *v, int n, run_config *c)
{
    const json_value *objective = find(v, n, "objective"), *pooling = find(v, n, "pooling");
    snprintf(c->objective, sizeof c->objective, "causal");
    c->model.pooling = TRANSFORMER_POOL_LAST;
    if (!objective)
        return true;
    if (!objective->is_string || (strcmp(objective->text, "causal") && strcmp(objective->text, "mlm") &&
                                  strcmp(objective->text, "classify")))
        return false;
    snprintf(c->objective, sizeof c->objective, "%.15s", objective->text);
    if (!pooling || !pooling->is_string)
        return false;
    c->model.pooling = strcmp(pooling->text, "first") == 0 ? TRANSFORMER_POOL_FIRST
                     : strcmp(pooling->text, "mean") == 0  ? TRANSFORMER_POOL_MEAN
                     : strcmp(pooling->text, "last") == 0  ? TRANSFORMER_POOL_LAST
                                                           : (transformer_pooling)-1;
    return read_bool(v, n, "bidirectional", &c->model.bidirectional) &&
           read_double(v, n, "mask_rate", &c->mask_rate) &&
           read_int(v, n, "num_classes", &c->model.num_classes) &&
           (int)c->model.pooling >= 0 &&
           (strcmp(c->objective, "classify") == 0) == (c->model.num_classes > 0);
}

int load_run_config(const char *command, const char *path, run_config *c)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "shannon %s: no model in '%s' (cannot open it)\n", command, path);
        return -1;
    }
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    json_value v[32];
    int n = parse_flat_object(text, v, 32);
    int64_t n_layer = 0, n_head = 0;
    const json_value *tokenizer = n > 0 ? find(v, n, "tokenizer") : NULL;
    memset(c, 0, sizeof *c);
    bool ok = n > 0 && read_int(v, n, "vocab_size", &c->model.vocab_size) &&
              read_int(v, n, "block_size", &c->model.block_size) &&
              read_int(v, n, "n_layer", &n_layer) && read_int(v, n, "n_head", &n_head) &&
              read_int(v, n, "n_embd", &c->model.n_embd) &&
              read_double(v, n, "dropout", &c->model.dropout) &&
              read_bool(v, n, "learned_positions", &c->model.learned_positions) &&
              read_bool(v, n, "post_ln", &c->model.post_ln) && tokenizer && tokenizer->is_string &&
              (strcmp(tokenizer->text, "char") == 0 || strcmp(tokenizer->text, "bpe") == 0) &&
              read_int(v, n, "batch", &c->batch) && read_int(v, n, "iters", &c->iters) &&
              read_double(v, n, "lr", &c->lr) && read_int(v, n, "seed", &c->seed) &&
              read_objective(v, n, c) &&
              n_layer > 0 && n_layer <= 1024 && n_head > 0 && n_head <= 1024;
    if (!ok) {
        fprintf(stderr, "shannon %s: '%s' is not a valid shannon config.json\n", command, path);
        return -1;
    }
    c->model.n_layer = (int)n_layer;
    c->model.n_head = (int)n_head;
    strcpy(c->tokenizer, tokenizer->text);   /* "char" or "bpe", checked above */
    if (transformer_config_check(&c->model) < 0) {
        fprintf(stderr, "shannon %s: '%s': %s\n", command, path, nd_last_error());
        return -1;
    }
    return 0;
}
