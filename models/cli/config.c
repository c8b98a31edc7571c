/* The run's JSON files: config.json (what a model folder holds, a flat
 * object) and the reading side of train_state.json (where a checkpoint
 * stands). Both are read with libnd's bounded JSON reader and checked key
 * by key: exactly the keys the writer writes, each once, each of its type
 * and in its range; anything else is one line naming the key and byte. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int save_run_config(const char *path, const run_config *c)
{
    /* The experiment switches (transformer.h) are written only when on,
     * so every other model's config.json is as before. */
    char switches[96];
    snprintf(switches, sizeof switches, "%s%s",
             c->model.no_attention_scale ? "  \"attention_scale\": false,\n" : "",
             c->model.no_residual ? "  \"residual\": false,\n" : "");
    char text[1200];
    int len =
        snprintf(text, sizeof text,
                 "{\n"
                 "  \"vocab_size\": %lld,\n"
                 "  \"block_size\": %lld,\n"
                 "  \"n_layer\": %d,\n"
                 "  \"n_head\": %d,\n"
                 "  \"n_embd\": %lld,\n"
                 "  \"dropout\": %.17g,\n"
                 "  \"learned_positions\": %s,\n"
                 "  \"post_ln\": %s,\n"
                 "%s"
                 "  \"objective\": \"%s\",\n"
                 "  \"bidirectional\": %s,\n"
                 "  \"mask_rate\": %.17g,\n"
                 "  \"num_classes\": %lld,\n"
                 "  \"pooling\": \"%s\",\n"
                 "  \"tokenizer\": \"%s\",\n"
                 "  \"batch\": %lld,\n"
                 "  \"iters\": %lld,\n"
                 "  \"lr\": %.17g,\n"
                 "  \"seed\": %lld,\n"
                 "  \"precision\": \"%s\"\n"
                 "}\n",
                 (long long)c->model.vocab_size, (long long)c->model.block_size, c->model.n_layer,
                 c->model.n_head, (long long)c->model.n_embd, c->model.dropout,
                 c->model.learned_positions ? "true" : "false", c->model.post_ln ? "true" : "false",
                 switches, c->objective, c->model.bidirectional ? "true" : "false", c->mask_rate,
                 (long long)c->model.num_classes, pooling_name(c->model.pooling), c->tokenizer,
                 (long long)c->batch, (long long)c->iters, c->lr, (long long)c->seed,
                 precision_name(c->model.precision));
    return nd_write_atomic(path, text, (size_t)len);
}

/* ---- reading it back ----------------------------------------------------------------- */

/* The ranges of a model's shape (MAX_VOCAB, ...) are cli.h's, the same for
 * flags and files: they stop a hostile or mistyped config (n_embd 10000000)
 * before anything is allocated. */

/* The keys every config.json has (NREQUIRED), then those an encoder or a
 * classifier added (OBJECTIVE..POOLING: a file written before them is a
 * causal decoder), then the experiment switches, each on its own (absent:
 * true, the standard model), then the precision (a file written before mixed
 * precision trained in float32). */
// clang-format off
enum { VOCAB, BLOCK, LAYER, HEAD, EMBD, DROPOUT, LEARNED, POST_LN, TOKENIZER, BATCH, ITERS, LR,
       SEED, NREQUIRED, OBJECTIVE = NREQUIRED, BIDIRECTIONAL, MASK_RATE, NUM_CLASSES, POOLING,
       ATTENTION_SCALE, RESIDUAL, PRECISION, NKEYS };
static const char *const keys[NKEYS] = {
    "vocab_size", "block_size", "n_layer", "n_head", "n_embd", "dropout", "learned_positions",
    "post_ln", "tokenizer", "batch", "iters", "lr", "seed", "objective", "bidirectional",
    "mask_rate", "num_classes", "pooling", "attention_scale", "residual", "precision"};
// clang-format on

/* One line naming the key, the rule and the byte: "n_embd must be an
 * integer in [1, 65536] (got 10000000) at byte 80". */
static int bad(const nd_json_value *v, const char *key, const char *rule, const char *got)
{
    return nd_set_last_error(ND_ERR_VALUE, "%s must be %s (got %s) at byte %zu", key, rule, got,
                             nd_json_offset(v));
}

static int read_int(const nd_json_value *root, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    const nd_json_value *v = nd_json_member(root, key);
    char rule[80], got[40];
    snprintf(rule, sizeof rule, "an integer in [%lld, %lld]", (long long)lo, (long long)hi);
    if (nd_json_type_of(v) != ND_JSON_INT)
        return bad(v, key, rule, nd_json_type_name(nd_json_type_of(v)));
    if (nd_json_int(v, out) < 0 || *out < lo || *out > hi) {
        double x;
        nd_json_double(v, &x);
        snprintf(got, sizeof got, "%.17g", x);
        return bad(v, key, rule, got);
    }
    return 0;
}

/* A number in [lo, hi) (hi_open) or [lo, hi]; excludes NaN and infinities. */
static int read_double(const nd_json_value *root, const char *key, double lo, double hi,
                       bool hi_open, double *out)
{
    const nd_json_value *v = nd_json_member(root, key);
    char rule[80], got[40];
    snprintf(rule, sizeof rule, "a number in [%g, %g%s", lo, hi, hi_open ? ")" : "]");
    if (nd_json_double(v, out) < 0)
        return bad(v, key, rule, nd_json_type_name(nd_json_type_of(v)));
    if (!(*out >= lo && (hi_open ? *out < hi : *out <= hi))) {
        snprintf(got, sizeof got, "%.17g", *out);
        return bad(v, key, rule, got);
    }
    return 0;
}

static int read_bool(const nd_json_value *root, const char *key, bool *out)
{
    const nd_json_value *v = nd_json_member(root, key);
    if (nd_json_bool(v, out) < 0)
        return bad(v, key, "true or false", nd_json_type_name(nd_json_type_of(v)));
    return 0;
}

const char *pooling_name(transformer_pooling pooling)
{
    return pooling == TRANSFORMER_POOL_FIRST  ? "first"
           : pooling == TRANSFORMER_POOL_MEAN ? "mean"
                                              : "last";
}

const char *precision_name(transformer_precision precision)
{
    return precision == TRANSFORMER_BF16 ? "bf16" : "float32";
}

int parse_precision(const char *command, const char *value, transformer_precision *out)
{
    if (value && (strcmp(value, "float32") == 0 || strcmp(value, "fp32") == 0)) {
        *out = TRANSFORMER_FLOAT32;
        return 0;
    }
    if (value && strcmp(value, "bf16") == 0) {
        *out = TRANSFORMER_BF16;
        return 0;
    }
    fprintf(stderr, "shannon %s: --precision must be 'float32' (or 'fp32') or 'bf16', not '%s'\n",
            command, value ? value : "");
    return -1;
}

/* One of the strings in `allowed` (n of them): its index, or -1 after an
 * error naming them. */
static int read_choice(const nd_json_value *root, const char *key, int n,
                       const char *const *allowed, const char *rule)
{
    const nd_json_value *v = nd_json_member(root, key);
    const char *s = nd_json_string(v, NULL);
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, allowed[i]) == 0)
            return i;
    bad(v, key, rule, s ? s : nd_json_type_name(nd_json_type_of(v)));
    return -1;
}

/* objective, bidirectional, mask_rate, num_classes, pooling: all or none
 * (none: a causal decoder written before encoders existed). */
static int read_objective(const nd_json_value *root, run_config *c)
{
    snprintf(c->objective, sizeof c->objective, "causal");
    c->model.pooling = TRANSFORMER_POOL_LAST;
    int present = 0;
    for (int k = OBJECTIVE; k <= POOLING; k++)
        present += nd_json_member(root, keys[k]) != NULL;
    if (present == 0)
        return 0;
    for (int k = OBJECTIVE; k <= POOLING; k++)
        if (!nd_json_member(root, keys[k]))
            return nd_set_last_error(ND_ERR_VALUE, "missing key \"%s\" (with \"objective\")",
                                     keys[k]);
    static const char *const objectives[3] = {"causal", "mlm", "classify"};
    static const char *const poolings[3] = {"first", "last", "mean"};
    static const transformer_pooling pooling_of[3] = {TRANSFORMER_POOL_FIRST, TRANSFORMER_POOL_LAST,
                                                      TRANSFORMER_POOL_MEAN};
    int objective =
        read_choice(root, keys[OBJECTIVE], 3, objectives, "\"causal\", \"mlm\" or \"classify\"");
    int pooling = objective < 0 ? -1
                                : read_choice(root, keys[POOLING], 3, poolings,
                                              "\"first\", \"last\" or \"mean\"");
    if (pooling < 0 || read_bool(root, keys[BIDIRECTIONAL], &c->model.bidirectional) < 0 ||
        read_double(root, keys[MASK_RATE], 0, 1, true, &c->mask_rate) < 0 ||
        read_int(root, keys[NUM_CLASSES], 0, MAX_CLASSES, &c->model.num_classes) < 0)
        return ND_ERR_VALUE;
    snprintf(c->objective, sizeof c->objective, "%s", objectives[objective]);
    c->model.pooling = pooling_of[pooling];
    if ((strcmp(c->objective, "classify") == 0) != (c->model.num_classes > 0))
        return bad(nd_json_member(root, keys[NUM_CLASSES]), keys[NUM_CLASSES],
                   "positive exactly for a classifier", "another value");
    return 0;
}

int parse_run_config(const char *text, size_t len, const char *what, run_config *c)
{
    memset(c, 0, sizeof *c);
    /* A flat object of at most 21 keys: depth 1, a few dozen values, short strings. */
    /* A flat object of at most 19 keys: depth 1, a few dozen values, short strings. */
    nd_json_limits lim = {.max_bytes = 1 << 16, .max_depth = 1, .max_string = 64, .max_values = 64};
    nd_json *doc = nd_json_parse(text, len, &lim, what);
    if (!doc)
        return ND_ERR_VALUE;
    const nd_json_value *root = nd_json_root(doc);
    int64_t n_layer = 0, n_head = 0;
    int status = 0;
    if (nd_json_type_of(root) != ND_JSON_OBJECT)
        status = nd_set_last_error(ND_ERR_VALUE, "the file must hold one JSON object, not %s",
                                   nd_json_type_name(nd_json_type_of(root)));
    if (status == 0)
        status = nd_json_check_keys(root, NKEYS, keys);
    for (int k = 0; status == 0 && k < NREQUIRED; k++)
        if (!nd_json_member(root, keys[k]))
            status = nd_set_last_error(ND_ERR_VALUE, "missing key \"%s\"", keys[k]);
    bool ok = status == 0 && read_int(root, keys[VOCAB], 1, MAX_VOCAB, &c->model.vocab_size) == 0 &&
              read_int(root, keys[BLOCK], 1, MAX_BLOCK, &c->model.block_size) == 0 &&
              read_int(root, keys[LAYER], 1, TRANSFORMER_MAX_LAYERS, &n_layer) == 0 &&
              read_int(root, keys[HEAD], 1, MAX_HEADS, &n_head) == 0 &&
              read_int(root, keys[EMBD], 1, MAX_EMBD, &c->model.n_embd) == 0 &&
              read_double(root, keys[DROPOUT], 0, 1, true, &c->model.dropout) == 0 &&
              read_bool(root, keys[LEARNED], &c->model.learned_positions) == 0 &&
              read_bool(root, keys[POST_LN], &c->model.post_ln) == 0 &&
              read_int(root, keys[BATCH], 1, INT32_MAX, &c->batch) == 0 &&
              read_int(root, keys[ITERS], 0, INT64_MAX, &c->iters) == 0 &&
              read_double(root, keys[LR], 0, 1e6, false, &c->lr) == 0 &&
              read_int(root, keys[SEED], INT64_MIN, INT64_MAX, &c->seed) == 0;
    if (status == 0 && !ok)
        status = ND_ERR_VALUE;
    if (status == 0) {
        const nd_json_value *v = nd_json_member(root, keys[TOKENIZER]);
        const char *tokenizer = nd_json_string(v, NULL);
        if (!tokenizer || (strcmp(tokenizer, "char") != 0 && strcmp(tokenizer, "bpe") != 0 &&
                           strcmp(tokenizer, "gpt2") != 0))
            status = bad(v, "tokenizer", "\"char\", \"bpe\" or \"gpt2\"",
                         tokenizer ? tokenizer : nd_json_type_name(nd_json_type_of(v)));
        else
            strcpy(c->tokenizer, tokenizer);
    }
    if (status == 0)
        status = read_objective(root, c);
    /* The experiment switches: "attention_scale": false is no_attention_scale. */
    bool on = true;
    if (status == 0 && nd_json_member(root, keys[ATTENTION_SCALE])) {
        status = read_bool(root, keys[ATTENTION_SCALE], &on);
        c->model.no_attention_scale = !on;
    }
    if (status == 0 && nd_json_member(root, keys[RESIDUAL])) {
        status = read_bool(root, keys[RESIDUAL], &on);
        c->model.no_residual = !on;
    }
    if (status == 0 && nd_json_member(root, keys[PRECISION])) {
        static const char *const precisions[2] = {"float32", "bf16"};
        int p = read_choice(root, keys[PRECISION], 2, precisions, "\"float32\" or \"bf16\"");
        if (p < 0)
            status = ND_ERR_VALUE;
        else
            c->model.precision = p == 1 ? TRANSFORMER_BF16 : TRANSFORMER_FLOAT32;
    }
    if (status == 0) {
        c->model.n_layer = (int)n_layer;
        c->model.n_head = (int)n_head;
        status = transformer_config_check(&c->model);
    }
    nd_json_free(doc);
    return status < 0 ? ND_ERR_VALUE : 0;
}

int load_run_config(const char *command, const char *path, run_config *c)
{
    size_t len;
    char *text = nd_read_file(path, 1 << 16, &len);
    if (!text) {
        /* "no model in 'dir/config.json' (No such file or directory)" */
        const char *why = strrchr(nd_last_error(), ':');
        fprintf(stderr, "shannon %s: no model in '%s' (%s)\n", command, path,
                why ? why + 2 : nd_last_error());
        return -1;
    }
    int status = parse_run_config(text, len, path, c);
    free(text);
    if (status < 0) {
        const char *msg = nd_last_error();
        /* The JSON reader's messages start with the path already. */
        bool named = strncmp(msg, path, strlen(path)) == 0;
        fprintf(stderr, "shannon %s: %s%s%s%s\n", command, named ? "" : "'", named ? "" : path,
                named ? "" : "': ", msg);
        return -1;
    }
    return 0;
}

/* ---- train_state.json ------------------------------------------------------------------ */

/* "name": [state_high, state_low, inc_high, inc_low, has_uint32, uinteger] */
static int read_rng_state(const nd_json_value *root, const char *key, nd_rng_state *out)
{
    const nd_json_value *v = nd_json_member(root, key);
    const char *rule = "a list of 4 uint64 words, has_uint32 (0 or 1) and a uint32";
    if (nd_json_type_of(v) != ND_JSON_ARRAY || nd_json_count(v) != 6)
        return bad(v, key, rule, nd_json_type_name(nd_json_type_of(v)));
    uint64_t w[6];
    for (int i = 0; i < 6; i++)
        if (nd_json_uint(nd_json_item(v, i), &w[i]) < 0)
            return bad(nd_json_item(v, i), key, rule, "another value");
    if (w[4] > 1 || w[5] > UINT32_MAX)
        return bad(v, key, rule, "a value out of range");
    *out = (nd_rng_state){w[0], w[1], w[2], w[3], (int)w[4], (uint32_t)w[5]};
    return 0;
}

int parse_train_state(const char *text, size_t len, const char *what, train_state *s)
{
    /* micro_batches (the last) is absent in files from before data parallelism: 1 */
    static const char *const state_keys[7] = {"iter",         "eval_interval", "data_bytes",
                                              "data_fnv1a64", "batch_rng",     "dropout_rng",
                                              "micro_batches"};
    memset(s, 0, sizeof *s);
    nd_json_limits lim = {.max_bytes = 1 << 16, .max_depth = 2, .max_string = 64, .max_values = 64};
    nd_json *doc = nd_json_parse(text, len, &lim, what);
    if (!doc)
        return ND_ERR_VALUE;
    const nd_json_value *root = nd_json_root(doc);
    int status = 0;
    if (nd_json_type_of(root) != ND_JSON_OBJECT)
        status = nd_set_last_error(ND_ERR_VALUE, "the file must hold one JSON object, not %s",
                                   nd_json_type_name(nd_json_type_of(root)));
    if (status == 0)
        status = nd_json_check_keys(root, 7, state_keys);
    for (int k = 0; status == 0 && k < 6; k++)
        if (!nd_json_member(root, state_keys[k]))
            status = nd_set_last_error(ND_ERR_VALUE, "missing key \"%s\"", state_keys[k]);
    if (status == 0)
        status = read_int(root, "iter", 0, INT64_MAX, &s->iter);
    if (status == 0)
        status = read_int(root, "eval_interval", 1, INT64_MAX, &s->eval_interval);
    s->micro_batches = 1;
    if (status == 0 && nd_json_member(root, "micro_batches"))
        status = read_int(root, "micro_batches", 1, INT32_MAX, &s->micro_batches);
    if (status == 0)
        status = read_int(root, "data_bytes", 0, INT64_MAX, &s->data_bytes);
    if (status == 0) {
        /* the training text's FNV-1a hash, 16 hex digits (a JSON number
         * cannot hold every uint64 exactly in every reader) */
        const nd_json_value *v = nd_json_member(root, "data_fnv1a64");
        const char *hex = nd_json_string(v, NULL);
        char *end = NULL;
        if (hex && strlen(hex) == 16)
            s->data_hash = strtoull(hex, &end, 16);
        if (!hex || strlen(hex) != 16 || *end != '\0')
            status = bad(v, "data_fnv1a64", "16 hex digits",
                         hex ? hex : nd_json_type_name(nd_json_type_of(v)));
    }
    if (status == 0 && (read_rng_state(root, "batch_rng", &s->batch_rng) < 0 ||
                        read_rng_state(root, "dropout_rng", &s->dropout_rng) < 0))
        status = ND_ERR_VALUE;
    nd_json_free(doc);
    return status < 0 ? ND_ERR_VALUE : 0;
}
