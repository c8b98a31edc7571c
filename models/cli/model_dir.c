/* Opening a model folder written by `shannon train`. */
#include "model_dir.h"

#include <stdio.h>

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
    const char *names[TRANSFORMER_MAX_TENSORS];
    ag_tensor *tensors[TRANSFORMER_MAX_TENSORS];
    int n = m->model ? transformer_num_tensors(m->model) : 0;
    for (int i = 0; i < n; i++)
        tensors[i] = transformer_tensor(m->model, i, &names[i]);
    if (!m->model ||
        ag_load_params(join_path(path, sizeof path, dir, "model.safetensors"), n, names, tensors) < 0) {
        fprintf(stderr, "shannon %s: cannot load '%s': %s\n", command, path, nd_last_error());
        close_model_dir(m);
        return -1;
    }
    return 0;
}

void close_model_dir(model_dir *m)
{
    transformer_free(m->model);
    tok_free(m->tok);
    *m = (model_dir){0};
}
