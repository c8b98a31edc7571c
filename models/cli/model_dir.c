/* Opening a model folder written by `shannon train`. */
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
    m->labels = lines.texts;   /* taken over */
    lines.texts = NULL;
    lines.n = 0;
    free_labeled(&lines);
    return 0;
}

int open_model_dir(const char *command, const char *dir, model_dir *m)
{
    char path[4096];
    *m = (model_dir){0};
    if (load_run_config(command, join_path(path, sizeof path, dir, "config.json"), &m->config) < 0)
        return -1;
    m->tok = tok_load(join_path(path, sizeof path, dir, "tokenizer.json"));
    if (!m->tok) {
        fprintf(stderr, "shannon %s: cannot load '%s': %s\n", command, path, tok_last_error());
        return -1;
    }
    if (tok_vocab_size(m->tok) != m->config.model.vocab_size) {
        fprintf(stderr, "shannon %s: '%s' has %d tokens but config.json says %lld\n", command, path,
                tok_vocab_size(m->tok), (long long)m->config.model.vocab_size);
        close_model_dir(m);
        return -1;
    }
    m->model = transformer_new(&m->config.model, 0);
    if (!m->model ||
        transformer_load(m->model, join_path(path, sizeof path, dir, "model.safetensors"), false) < 0) {
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
