/* interop.h: what `shannon export` and `shannon import` share: GPT-2's
 * parameter names in the two foreign layouts and llm.c's file headers.
 *
 * Both formats carry exactly GPT-2's shape: learned positions, pre-LN,
 * GELU with the tanh approximation, LayerNorm eps 1e-5, a causal decoder
 * whose LM head is tied to wte. Shannon's model is that shape when
 * config.json says learned_positions, not post_ln, not bidirectional and
 * no classifier (layers.c: ag_gelu is the tanh form, LayerNorm eps 1e-5). */
#ifndef SHANNON_INTEROP_H
#define SHANNON_INTEROP_H

#include "model_dir.h"

/* llm.c's files (train_gpt2.py's write_model / write_tokenizer): an int32
 * header of 256 entries, then float32 parameters / length-prefixed tokens. */
#define LLMC_HEADER_INTS 256
#define LLMC_MODEL_MAGIC 20240326
#define LLMC_MODEL_VERSION 3 /* float32, padded vocabulary */
#define LLMC_TOKENIZER_MAGIC 20240328
#define LLMC_TOKENIZER_VERSION 2 /* with the EOT token id */
#define LLMC_VOCAB_MULTIPLE 128 /* wte is padded with zero rows to this */

/* The twelve tensors of block N in llm.c's order (each stacked over the
 * layers in its file), without "transformer.h.N.". */
#define LLMC_BLOCK_TENSORS 12
extern const char *const llmc_block_order[LLMC_BLOCK_TENSORS];

/* NULL if the format (a name for messages: "hf-gpt2") can carry the model
 * of config c, else why not, one clause ("it uses sinusoidal positions,
 * GPT-2's are learned"). */
const char *gpt2_shape_problem(const run_config *c);

/* Whether a parameter is one of GPT-2's Conv1D weights (c_attn, c_proj,
 * c_fc), which Hugging Face stores (in, out), transposed relative to
 * nn.Linear's (out, in). name without or with "transformer.". */
bool is_conv1d_weight(const char *name);

/* The model's parameter of that nanoGPT name, or NULL. */
ag_tensor *find_parameter(const transformer_model *model, const char *name);

/* llm.c's tokenizer file's name next to a model file: "x.bin" ->
 * "x_tokenizer.bin" (any other name: name + "_tokenizer.bin"). */
const char *llmc_tokenizer_path(char *buffer, size_t size, const char *model_path);

#endif
