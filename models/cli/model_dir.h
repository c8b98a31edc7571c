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
    char **labels;             /* a classifier's num_classes label names (labels.txt) */
} model_dir;

/* Loads everything or prints one line ("shannon sample: ...") and returns
 * -1 with nothing to free. */
int open_model_dir(const char *command, const char *dir, model_dir *m);
void close_model_dir(model_dir *m);

#endif
