/* Opening a model folder written by `shannon train`.
 *
 * config.json is checked against the files before the model is built:
 * transformer_new allocates and fills what the config describes, so a 250-byte
 * config.json saying "n_embd": 10000000 would cost gigabytes before
 * ag_load_params could notice that model.safetensors holds something else.
 * The shapes that size the model (the embedding, the positions, the
 * number of blocks) are read from model.safetensors' header first, and the
 * file must hold at least as many values as the model has parameters: the
 * blocks' matrices grow as n_embd^2, so a config can ask for gigabytes
 * while the embedding it is checked against is small (vocab_size 1). With
 * that, what the model allocates is bounded by the file's size. */
#include "model_dir.h"

#include <stdio.h>
#include <stdlib.h>

/* labels.txt: exactly num_classes non-empty lines. */
static int load_labels(const char *command, const char *dir, model_dir *m)
{
    char path[4096];
    labeled lines;
    if (read_lines(command, join_path(path, sizeof path, dir, "labels.txt"), &lines) < 0)
        return -1;
    if ((int64_t)lines.n != m->config.model.num_classes) {
        fprintf(stderr, "shannon %s: '%s' has %zu labels but config.json says %lld\n", command,
                path, lines.n, (long long)m->config.model.num_classes);
        free_labeled(&lines);
        return -1;
    }
    m->labels = lines.texts; /* taken over */
    lines.texts = NULL;
    lines.n = 0;
    free_labeled(&lines);
    return 0;
}

/* One tensor's shape as "(65, 16)", or "missing". */
static const char *shape_text(const nd_safetensors *st, const char *name, char *buffer, size_t size)
{
    int ndim;
    const int64_t *shape;
    nd_dtype dtype;
    if (nd_safetensors_info(st, name, &dtype, &ndim, &shape) < 0)
        return "missing";
    size_t at = (size_t)snprintf(buffer, size, "(");
    for (int i = 0; i < ndim && at < size; i++)
        at += (size_t)snprintf(buffer + at, size - at, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (at < size)
        snprintf(buffer + at, size - at, ")");
    return buffer;
}

static bool has_shape(const nd_safetensors *st, const char *name, int64_t rows, int64_t cols)
{
    int ndim;
    const int64_t *shape;
    nd_dtype dtype;
    return nd_safetensors_info(st, name, &dtype, &ndim, &shape) == 0 && ndim == 2 &&
           shape[0] == rows && shape[1] == cols;
}

static bool has_tensor(const nd_safetensors *st, const char *name)
{
    int ndim;
    const int64_t *shape;
    nd_dtype dtype;
    return nd_safetensors_info(st, name, &dtype, &ndim, &shape) == 0;
}

int64_t config_num_parameters(const transformer_config *c)
{
    const int64_t C = c->n_embd;
    int64_t n = c->vocab_size * C + (c->learned_positions ? c->block_size * C : 0);
    // clang-format off
    n += (int64_t)c->n_layer * (12 * C * C + 13 * C);   /* the 12 tensors of a block */
    n += 2 * C;                                          /* ln_f */
    n += c->num_classes * (C + 1);                       /* the classifier */
    // clang-format on
    return n;
}

/* The number of values in all tensors of the file. */
static int64_t file_num_values(const nd_safetensors *st)
{
    int64_t total = 0;
    for (int i = 0; i < nd_safetensors_count(st); i++) {
        int ndim;
        const int64_t *shape;
        nd_dtype dtype;
        if (nd_safetensors_info(st, nd_safetensors_name(st, i), &dtype, &ndim, &shape) < 0)
            continue;
        int64_t size = 1;
        for (int d = 0; d < ndim; d++)
            size *= shape[d];
        total += size;
    }
    return total;
}

int check_model_files(const char *command, const char *dir, const run_config *config,
                      const tok_tokenizer *tok)
{
    char path[4200], config_path[4200], got[128];
    const transformer_config *c = &config->model;
    join_path(config_path, sizeof config_path, dir, "config.json");
    if (c->vocab_size > MAX_VOCAB || c->block_size > MAX_BLOCK || c->n_embd > MAX_EMBD ||
        c->n_head > MAX_HEADS) {
        fprintf(stderr,
                "shannon %s: '%s' asks for more than shannon allows (vocab_size <= %d, "
                "block_size <= %d, n_embd <= %d, n_head <= %d)\n",
                command, config_path, MAX_VOCAB, MAX_BLOCK, MAX_EMBD, MAX_HEADS);
        return -1;
    }
    if (tok && tok_vocab_size(tok) != c->vocab_size) {
        fprintf(stderr, "shannon %s: '%s' has %d tokens but '%s' says vocab_size %lld\n", command,
                join_path(path, sizeof path, dir, "tokenizer.json"), tok_vocab_size(tok),
                config_path, (long long)c->vocab_size);
        return -1;
    }
    nd_safetensors *st = nd_safetensors_load(join_path(path, sizeof path, dir, "model.safetensors"));
    if (!st) {
        fprintf(stderr, "shannon %s: cannot load '%s': %s\n", command, path, nd_last_error());
        return -1;
    }
    char last[64], beyond[64];
    snprintf(last, sizeof last, "transformer.h.%d.ln_1.weight", c->n_layer - 1);
    snprintf(beyond, sizeof beyond, "transformer.h.%d.ln_1.weight", c->n_layer);
    const char *problem = NULL;
    char detail[256];
    const int64_t needed = config_num_parameters(c), held = file_num_values(st);
    if (!has_shape(st, "transformer.wte.weight", c->vocab_size, c->n_embd)) {
        snprintf(detail, sizeof detail,
                 "vocab_size %lld and n_embd %lld, but transformer.wte.weight "
                 "is %s",
                 (long long)c->vocab_size, (long long)c->n_embd,
                 shape_text(st, "transformer.wte.weight", got, sizeof got));
        problem = detail;
    } else if (c->learned_positions &&
               !has_shape(st, "transformer.wpe.weight", c->block_size, c->n_embd)) {
        snprintf(detail, sizeof detail,
                 "learned positions of block_size %lld, but "
                 "transformer.wpe.weight is %s",
                 (long long)c->block_size,
                 shape_text(st, "transformer.wpe.weight", got, sizeof got));
        problem = detail;
    } else if (!c->learned_positions && has_tensor(st, "transformer.wpe.weight")) {
        problem = "sinusoidal positions, but the file has learned ones (transformer.wpe.weight)";
    } else if (!has_tensor(st, last) || has_tensor(st, beyond)) {
        snprintf(detail, sizeof detail, "n_layer %d, but the file has a different number of blocks",
                 c->n_layer);
        problem = detail;
    } else if (needed > held) {
        snprintf(detail, sizeof detail, "a model of %lld parameters, but the file holds %lld values",
                 (long long)needed, (long long)held);
        problem = detail;
    }
    nd_safetensors_free(st);
    if (problem) {
        fprintf(stderr, "shannon %s: '%s' does not match '%s': it says %s\n", command, config_path,
                path, problem);
        return -1;
    }
    return 0;
}

int model_tensors(const transformer_model *model, const char **names, ag_tensor **tensors)
{
    int n = transformer_num_tensors(model);
    for (int i = 0; i < n; i++)
        tensors[i] = transformer_tensor(model, i, &names[i]);
    return n;
}

int open_model_dir(const char *command, const char *dir, model_dir *m)
{
    char path[4200];
    *m = (model_dir){0};
    if (load_run_config(command, join_path(path, sizeof path, dir, "config.json"), &m->config) < 0)
        return -1;
    m->tok = tok_load(join_path(path, sizeof path, dir, "tokenizer.json"));
    if (!m->tok) {
        fprintf(stderr, "shannon %s: cannot load '%s': %s\n", command, path, tok_last_error());
        return -1;
    }
    if (check_model_files(command, dir, &m->config, m->tok) < 0) {
        close_model_dir(m);
        return -1;
    }
    m->model = transformer_new(&m->config.model, 0);
    if (!m->model) {
        fprintf(stderr, "shannon %s: cannot build the model of '%s': %s\n", command, dir,
                nd_last_error());
        close_model_dir(m);
        return -1;
    }
    if (transformer_load(m->model, join_path(path, sizeof path, dir, "model.safetensors"), false) <
        0) {
        fprintf(stderr, "shannon %s: cannot load '%s': %s\n", command, path, nd_last_error());
        close_model_dir(m);
        return -1;
    }
    if (m->config.model.num_classes > 0 && load_labels(command, dir, m) < 0) {
        close_model_dir(m);
        return -1;
    }
    return 0;
}

void close_model_dir(model_dir *m)
{
    transformer_free(m->model);
    tok_free(m->tok);
    for (int64_t i = 0; m->labels && i < m->config.model.num_classes; i++)
        free(m->labels[i]);
    free(m->labels);
    *m = (model_dir){0};
}
