/*
 * transformer.h: one Transformer on libautograd, of which a GPT (decoder),
 * a BERT-style masked-LM encoder and a sequence classifier are
 * configurations.
 *
 * The model of "Attention Is All You Need" as GPT-2 and BERT use it,
 * written the way the original NumPy project wrote it, one function per
 * idea:
 *
 *   x = wte[idx] + position(t)                    token + positional encoding
 *   for each block:  x = x + attn(ln_1(x))        pre-LN (post-LN selectable:
 *                    x = x + mlp(ln_2(x))          x = ln_1(x + attn(x)) ...)
 *   h = ln_f(x)                                   final LayerNorm
 *
 * and one of three heads on h:
 *
 *   LM          logits = h @ wte^T at every position (tied to the embedding)
 *   MLM         the same tied head, evaluated only at the masked positions:
 *               their rows of h are gathered first, then multiplied by
 *               wte^T (M rows instead of B*T: the head is the largest
 *               matrix product of a small model)
 *   classifier  logits = pool(h) @ W^T + b, W (K, C) "classifier.weight",
 *               b (K,) "classifier.bias"; pool takes the first token (an
 *               encoder's [CLS]), the last real token (a decoder, which
 *               has seen the whole sequence only there), or the mean of
 *               the real tokens
 *
 * attn is multi-head self-attention with 1/sqrt(d_k) scaling (switchable
 * off, as the residual connections are, for experiments), causal (a
 * decoder: position t sees 0..t) or bidirectional (an encoder: every
 * position sees every real position); padding is masked out of the keys and
 * out of the pooling. mlp is Linear(C, 4C) -> GELU -> Linear(4C, C).
 * Parameters are named and shaped as nanoGPT's (Linear weights (out, in),
 * used as x @ W^T), so weights move between this model and PyTorch by name.
 *
 * Generation with a KV cache runs the same layer code as training, under
 * no-grad, one chunk of new positions at a time.
 *
 * Ownership: a transformer_model owns its parameters (ag_tensor, freed by
 * transformer_free). Tensors returned by the forward functions belong to
 * the calling thread's autograd tape (ag_tape_reset frees them).
 * Errors: NULL or a negative status, with nd_last_error() saying why.
 * NULL arguments: every pointer argument must be non-NULL unless its
 * comment says otherwise (the forward options, a generate options, the
 * name of transformer_tensor, the rng of a greedy transformer_sample, and
 * the objects given to transformer_free, transformer_kv_cache_free and
 * transformer_kv_cache_clear, where NULL does nothing); a NULL elsewhere is
 * an error like any other (NULL, a negative status, or -1 for a count),
 * never a crash. tests/models/test_null_args.c walks every function.
 */
#ifndef TRANSFORMER_H
#define TRANSFORMER_H

#include <autograd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libtransformer is built with hidden visibility: what this header
 * declares is exported, the internals of models/src are not. */
#pragma GCC visibility push(default)

/* The deepest model and the most parameter tensors it can have. */
#define TRANSFORMER_MAX_LAYERS 64
#define TRANSFORMER_MAX_TENSORS (5 + 12 * TRANSFORMER_MAX_LAYERS)
/* The target that means "no prediction here" (torch's ignore_index). */
#define TRANSFORMER_IGNORE (-100)
/* GPT-2's: every LayerNorm's eps (layer_norm_epsilon) and the standard
 * deviation of the normal init (initializer_range). */
#define TRANSFORMER_LAYER_NORM_EPS 1e-5
#define TRANSFORMER_INIT_STD 0.02

/* How the classification head reduces a sequence to one vector. */
typedef enum transformer_pooling {
    /* clang-format off */
    TRANSFORMER_POOL_FIRST = 0,   /* the first token (an encoder's [CLS]) */
    TRANSFORMER_POOL_LAST = 1,    /* the last real token (a decoder) */
    TRANSFORMER_POOL_MEAN = 2     /* the mean over the real tokens */
    /* clang-format on */
} transformer_pooling;

/* The arithmetic of the model's matrix products (its Linear layers and the
 * tied LM/MLM head):
 *   FLOAT32  float32 operands and sums.
 *   BF16     mixed precision, as torch's CPU autocast with bfloat16: the
 *            parameters stay float32 (the master weights the optimizer
 *            updates); each forward pass casts every weight matrix it
 *            multiplies by to bfloat16 ONCE (ag_to_dtype, round to nearest
 *            even, an op on the tape whose backward widens the weight's
 *            gradient exactly back to float32), rounds each Linear's input
 *            activation to bfloat16 the same way, and multiplies with
 *            float32 sums into a float32 result (autograd.h, "Mixed
 *            precision"). Embedding lookups, biases, LayerNorm, GELU, the
 *            attention (its q k^T and p v products included), softmax, the
 *            loss and the optimizer stay float32. */
typedef enum transformer_precision {
    TRANSFORMER_FLOAT32 = 0,
    TRANSFORMER_BF16 = 1
} transformer_precision;

typedef struct transformer_config {
    /* clang-format off */
    int64_t vocab_size;
    int64_t block_size;       /* the longest context, T_max */
    int n_layer;
    int n_head;
    int64_t n_embd;           /* C; a multiple of n_head (d_k = C / n_head) */
    double dropout;           /* on embeddings and residual branches */
    bool learned_positions;   /* false: sinusoidal, as in the original paper */
    bool post_ln;             /* false: pre-LN (GPT-2); true: post-LN */
    bool bidirectional;       /* false: causal decoder (GPT); true: encoder (BERT) */
    int64_t num_classes;      /* > 0: a classification head over that many labels */
    transformer_pooling pooling;   /* the classification head's pooling */
    /* clang-format on */
    /* Experiment switches, for measuring what each piece is for
     * (docs/tutorial/08-lessons.md); both false in every real model.
     * no_attention_scale: softmax(q k^T + mask) v instead of
     *   softmax(q k^T / sqrt(d_k) + mask) v (the fused op is run on
     *   q * sqrt(d_k), which cancels its scale).
     * no_residual: each block's sublayers are chained without the skip
     *   connections: pre-LN x = attn(ln_1(x)), x = mlp(ln_2(x)); post-LN
     *   x = ln_1(attn(x)), x = ln_2(mlp(x)). */
    bool no_attention_scale;
    bool no_residual;
    transformer_precision precision; /* 0 (a zeroed config): float32 */
} transformer_config;

/* nanoGPT's CPU "baby" shakespeare_char model: a causal decoder of 4
 * layers, 4 heads, 128 embd, block 64, dropout 0, no classification head;
 * vocab_size must still be set. */
transformer_config transformer_default_config(void);
/* 0, or a negative status with a one-line reason ("n_embd (100) must be a
 * multiple of n_head (3)"). */
int transformer_config_check(const transformer_config *config);

typedef struct transformer_model transformer_model;

/* A new model with GPT-2's initialization: weights and embeddings
 * N(0, 0.02), the residual projections (attn.c_proj, mlp.c_proj)
 * N(0, 0.02 / sqrt(2 n_layer)), biases 0, LayerNorm weights 1, the
 * classifier N(0, 0.02) and 0; drawn from nd_rng_new(seed) in parameter
 * order (the classifier last, so a model with and without one share every
 * other value for one seed). */
transformer_model *transformer_new(const transformer_config *config, uint64_t seed);
void transformer_free(transformer_model *model); /* NULL is fine */
/* The model's configuration (borrowed); NULL for a NULL model. */
const transformer_config *transformer_get_config(const transformer_model *model);
/* Changes the precision of a model's later forward passes (the parameters
 * are float32 either way, so a model trained in one precision runs in the
 * other: `shannon sample --precision float32` on a bf16-trained model).
 * 0, or ND_ERR_VALUE for a NULL model or a value that is not a
 * transformer_precision. */
int transformer_set_precision(transformer_model *model, transformer_precision precision);
/* bf16 without a cast of every weight before each forward: each 2-D
 * parameter of the model that `opt` updates gets a bf16 copy, which opt's
 * steps rewrite in the pass that updates the weight
 * (ag_optimizer_set_copy), and bf16 forward passes use the copy
 * (ag_to_dtype_from). With opt NULL, for inference (sampling, eval): a
 * model in bf16 precision gets copies of every 2-D weight as it is now,
 * which nothing rewrites (a float32 model gets none). The copies are right
 * while the weights change only through opt's steps (or not at all):
 * transformer_load and transformer_set_precision drop them; after writing
 * weights any other way (by hand, a ZeRO gather) call this again. With
 * several optimizers call it for each. 0, or a negative status
 * (ND_ERR_VALUE for a NULL model, ND_ERR_MEMORY). */
int transformer_keep_bf16_copies(transformer_model *model, ag_optimizer *opt);

/* The parameters in a fixed order, with nanoGPT's names
 * ("transformer.h.0.attn.c_attn.weight"), the classifier's two last
 * ("classifier.weight", "classifier.bias"). Borrowed. The count is -1 for
 * a NULL model; transformer_tensor is NULL for an i outside
 * [0, transformer_num_tensors) (ND_ERR_INDEX) and sets *name unless name is
 * NULL. */
int transformer_num_tensors(const transformer_model *model);
ag_tensor *transformer_tensor(const transformer_model *model, int i, const char **name);
/* Number of scalars in all parameters; -1 for a NULL model. */
int64_t transformer_num_parameters(const transformer_model *model);

/* Saves every parameter to a safetensors file (metadata: n_meta key/value
 * pairs, may be 0). Loads them back by name into a model of the same
 * configuration; with skip_classifier the file may lack the classifier
 * (a body pre-trained without one: the new head keeps its init). 0 or a
 * negative status ("no tensor named 'transformer.wte.weight' in ..."). */
int transformer_save(const transformer_model *model, const char *path, int n_meta,
                     const char *const *meta);
int transformer_load(transformer_model *model, const char *path, bool skip_classifier);

/* Options of a forward pass (NULL means all zero). */
typedef struct transformer_forward_options {
    nd_rng *dropout_rng; /* dropout is applied only with an rng and dropout > 0 */
    bool composed; /* the reference path: composed ops instead of fused */
    /* NULL, or a bool (B, T) array: true marks padding, which no position
     * attends to and no pooling counts. Every row needs a real token. */
    const nd_array *padding;
    /* NULL, or n_layer + 1 entries: the forward writes ag_tape_size() where
     * each block begins (after the embeddings) and, last, where the last
     * block ends (before ln_f), so nodes tape_marks[l] .. tape_marks[l+1]-1
     * of ag_tape_node / ag_tape_print are block l's ops. */
    size_t *tape_marks;
} transformer_forward_options;

/* Logits (B, T, V) of the LM head for token ids idx (B, T) of any integer
 * dtype, T <= block_size ("Cannot forward sequence of length 65, block
 * size is only 64"). options may be NULL. */
ag_tensor *transformer_forward(transformer_model *model, const nd_array *idx,
                               const transformer_forward_options *options);
/* The final hidden states ln_f(x): (B*T, C), row b*T + t. */
ag_tensor *transformer_hidden(transformer_model *model, const nd_array *idx,
                              const transformer_forward_options *options);
/* Mean cross-entropy of the LM head against targets (B, T) (for a decoder
 * the next tokens); positions whose target is TRANSFORMER_IGNORE count for
 * nothing. */
ag_tensor *transformer_lm_loss(transformer_model *model, const nd_array *idx,
                               const nd_array *targets, const transformer_forward_options *options);

/* ---- masked language modelling ---------------------------------------------------- */

/* The MLM head's logits (M, V) at the M positions where targets (B, T) is
 * not TRANSFORMER_IGNORE, in row-major order: those rows of the hidden
 * states are gathered, then multiplied by wte^T. No position chosen is an
 * error ("no masked position in the batch"). */
ag_tensor *transformer_mlm_logits(transformer_model *model, const nd_array *idx,
                                  const nd_array *targets,
                                  const transformer_forward_options *options);
/* Mean cross-entropy over the masked positions only (BERT's loss). */
ag_tensor *transformer_mlm_loss(transformer_model *model, const nd_array *idx,
                                const nd_array *targets, const transformer_forward_options *options);

/* Scores the MLM head without recording (no-grad): over the masked
 * positions of targets, *loss_sum gets the summed cross-entropy (nats),
 * *correct how many argmax predictions equal the target, *count how many
 * positions there were. 0 or a negative status. */
int transformer_mlm_score(transformer_model *model, const nd_array *idx, const nd_array *targets,
                          const transformer_forward_options *options, double *loss_sum,
                          int64_t *correct, int64_t *count);

/* BERT's corruption of a batch, in place on a copy: for each sequence of
 * ids (B, T), each position that is not padding (pad_id; -1: none) is
 * chosen with probability mask_rate, and at least one per sequence; a
 * chosen token becomes mask_id with probability 0.8, a uniform random id
 * in [0, random_below) with 0.1, and stays with 0.1. Returns the corrupted
 * ids in *input and the targets in *targets (the original id at chosen
 * positions, TRANSFORMER_IGNORE elsewhere), both new int64 (B, T) arrays.
 * mask_rate in (0, 1). */
int transformer_mask_tokens(const nd_array *ids, double mask_rate, int64_t mask_id, int64_t pad_id,
                            int64_t random_below, nd_rng *rng, nd_array **input, nd_array **targets);

/* ---- sequence classification ---------------------------------------------------------- */

/* Class logits (B, K) of the classification head (num_classes > 0, else
 * "the model has no classification head"). Pooling over the real tokens
 * of options->padding (all tokens without it). */
ag_tensor *transformer_classify_logits(transformer_model *model, const nd_array *idx,
                                       const transformer_forward_options *options);
/* Class probabilities (B, K): softmax of the logits. */
ag_tensor *transformer_classify_probs(transformer_model *model, const nd_array *idx,
                                      const transformer_forward_options *options);
/* Mean cross-entropy of the class logits against labels (B,) in [0, K). */
ag_tensor *transformer_classify_loss(transformer_model *model, const nd_array *idx,
                                     const nd_array *labels,
                                     const transformer_forward_options *options);

/* ---- seeing inside ---------------------------------------------------------------- */

/* The attention probabilities of every layer and head for token ids idx
 * (B, T) of any integer dtype: a new float32 (L, B, H, T, T) array whose
 * [l, b, h, t, s] is how much query t of head h in layer l attends to key
 * s; each row sums to 1 over the keys it may see (s <= t for a causal
 * model) and is 0 elsewhere. They are the P that the fused attention op
 * of the model's own forward (layers.c, no dropout) saves for its
 * backward, read from the tape with ag_tape_node, so the pictures show
 * exactly what training differentiates. Records one forward: grad mode
 * must be on ("transformer_attention_maps records a forward: grad mode is
 * off"), and this thread's tape is reset before and after (not to be
 * called in the middle of a training step). NULL with the error set on
 * failure (the forward's errors, e.g. T > block_size). */
nd_array *transformer_attention_maps(transformer_model *model, const nd_array *idx);

/* ---- generation with a KV cache ------------------------------------------------ */

/* Keys and values of every layer for the tokens seen so far, so each new
 * token costs one position of work instead of re-running the prefix. Only
 * for a causal model ("a KV cache needs a causal model"). */
typedef struct transformer_kv_cache transformer_kv_cache;

transformer_kv_cache *transformer_kv_cache_new(const transformer_model *model);
void transformer_kv_cache_free(transformer_kv_cache *cache);
/* Number of positions cached (0..block_size); -1 for a NULL cache. */
int64_t transformer_kv_cache_length(const transformer_kv_cache *cache);
/* Forgets every position (NULL does nothing). */
void transformer_kv_cache_clear(transformer_kv_cache *cache);
/* Feeds n tokens at the next positions through the model's own layers
 * (no-grad) and returns the LM logits (V,) float32 after the last one (a
 * new array). Fails, the cache unchanged, when it would pass block_size.
 * Resets the calling thread's tape when done: not to be called in the
 * middle of a training step. */
nd_array *transformer_kv_cache_feed(transformer_model *model, transformer_kv_cache *cache,
                                    const int32_t *tokens, int64_t n);

/* Draws the next token from logits (V,): divided by temperature (> 0;
 * 0 means greedy), restricted to the top_k most likely (0: all) and to the
 * smallest set whose probability reaches top_p (1: all). rng may be NULL
 * only when temperature is 0 (greedy draws nothing). 0, or ND_ERR_VALUE
 * for an empty or non-(V,) logits, a NULL token, or a number out of its
 * range (temperature < 0 or NaN, top_k < 0, top_p outside (0, 1]). */
int transformer_sample(const nd_array *logits, double temperature, int64_t top_k, double top_p,
                       nd_rng *rng, int32_t *token);

typedef struct transformer_generate_options {
    /* clang-format off */
    double temperature;       /* 0: greedy */
    int64_t top_k;            /* 0: all */
    double top_p;             /* 1: all; 0 is read as 1 */
    /* clang-format on */
} transformer_generate_options;

/* Continues prompt[0..n_prompt) (n_prompt >= 1) by n_new tokens drawn with
 * transformer_sample. The prompt's last block_size tokens are fed at
 * once; when the context is full, the cache is refilled with the last
 * half block and generation goes on (a sliding window). On success *out
 * is a new malloc'd array of the n_new generated ids (free()). Resets the
 * calling thread's tape. */
int transformer_generate(transformer_model *model, const int32_t *prompt, int64_t n_prompt,
                         int64_t n_new, const transformer_generate_options *options, nd_rng *rng,
                         int32_t **out);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif /* TRANSFORMER_H */
