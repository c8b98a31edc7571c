/* model_dir.h: opening a trained model folder (config.json, tokenizer.json,
 * model.safetensors, and a classifier's labels.txt), shared by `sample`,
 * `eval`, `classify` and `finetune --from`. */
#ifndef SHANNON_MODEL_DIR_H
#define SHANNON_MODEL_DIR_H

#include "cli.h"
#include "tok.h"

typedef struct model_dir {
    run_config config;
    tok_tokenizer *tok;
    transformer_model *model;
    char **labels; /* a classifier's num_classes label names (labels.txt) */
} model_dir;

/* Loads everything or prints one line ("shannon sample: ...") and returns
 * -1 with nothing to free. */
int open_model_dir(const char *command, const char *dir, model_dir *m);
void close_model_dir(model_dir *m);

/* The model's parameters and their names (borrowed), in transformer_tensor's
 * order, as ag_save_params / ag_load_params take them; returns how many
 * (at most TRANSFORMER_MAX_TENSORS). */
int model_tensors(const transformer_model *model, const char **names, ag_tensor **tensors);

/* Checks a folder's config.json (already read into config) against its
 * tokenizer (if given) and model.safetensors' header, before anything
 * the config sizes is allocated: the upper bounds of cli.h, the
 * tokenizer's vocabulary, and the embedding, position and block shapes
 * that size the model. 0, or -1 after one line on stderr naming the
 * files. Used on DIR by sample/eval and on DIR/checkpoint-N by --resume. */
int check_model_files(const char *command, const char *dir, const run_config *config,
                      const tok_tokenizer *tok);
/* The number of parameters transformer_new makes for config (what
 * transformer_num_parameters will say), computed without allocating; the
 * config must be within cli.h's bounds (no overflow). */
int64_t config_num_parameters(const transformer_config *config);

#endif
