/* Every public function of transformer.h and tok.h given NULL for each of
 * its pointer arguments (the rest valid) answers with its error value and a
 * message, never a crash: one row per pointer argument (tests/common/
 * null_args.h has the row kinds), and tests/api_coverage.py checks that
 * every function of both headers has a row. A second case gives numbers out
 * of their range (sizes, counts, ids, enums). */
#include <stdlib.h>

#include "null_args.h"
#include "tok.h"
#include "transformer.h"

#define NULL_ARGS_V 5 /* the test model's vocabulary, block 4 */

static transformer_config CONFIG;
static transformer_model *M; /* a causal decoder with a 2-class head */
static transformer_kv_cache *CACHE;
static nd_array *IDX; /* int64 (1, 2) zeros: ids, targets (all chosen) */
static nd_array *LABELS; /* int64 (1,) zeros */
static nd_array *LOGITS; /* float32 (V,) zeros */
static nd_array *OUT_A, *OUT_B; /* what a mask_tokens row may return */
static const int32_t TOKENS[8] = {0, 1, 2, 3, 4, 0, 1, 2};
static int32_t TOKEN, *GENERATED;
static double LOSS;
static int64_t COUNT;
static const char *NAME;
static char *TEXT;
static int32_t *IDS;
static size_t LEN;
static nd_rng *RNG;
static tok_tokenizer *TOK; /* a char tokenizer of "abc" */
static char *TMPDIR;
static char MODEL_PATH[4096]; /* M saved (transformer_save) */
static char TOK_PATH[4096]; /* TOK saved (tok_save) */
static char WRITE_PATH[4096]; /* a file the rows may write */

static void setup(void)
{
    CONFIG = transformer_default_config();
    CONFIG.vocab_size = NULL_ARGS_V;
    CONFIG.block_size = 4;
    CONFIG.n_layer = 1;
    CONFIG.n_head = 1;
    CONFIG.n_embd = 4;
    CONFIG.num_classes = 2;
    M = transformer_new(&CONFIG, 0);
    ck_assert_ptr_nonnull(M);
    CACHE = transformer_kv_cache_new(M);
    ck_assert_ptr_nonnull(CACHE);
    IDX = nd_zeros(ND_INT64, 2, (const int64_t[]){1, 2});
    LABELS = nd_zeros(ND_INT64, 1, (const int64_t[]){1});
    LOGITS = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){NULL_ARGS_V});
    RNG = nd_rng_new(0);
    TOK = tok_char_train("abc", 3);
    ck_assert_ptr_nonnull(TOK);
    TMPDIR = test_make_tmpdir("models_null_args");
    /* Real files, so that the load rows fail on their NULL, not on a
     * missing file. */
    snprintf(MODEL_PATH, sizeof MODEL_PATH, "%s/model.safetensors", TMPDIR);
    ck_assert_int_eq(transformer_save(M, MODEL_PATH, 0, NULL), 0);
    snprintf(TOK_PATH, sizeof TOK_PATH, "%s/tokenizer.json", TMPDIR);
    ck_assert_int_eq(tok_save(TOK, TOK_PATH), 0);
    snprintf(WRITE_PATH, sizeof WRITE_PATH, "%s/written", TMPDIR);
    nd_clear_error();
}

static void teardown(void)
{
    ag_tape_reset();
    nd_free(OUT_A);
    nd_free(OUT_B);
    OUT_A = OUT_B = NULL;
    free(GENERATED);
    free(TEXT);
    free(IDS);
    GENERATED = NULL, TEXT = NULL, IDS = NULL;
    transformer_kv_cache_free(CACHE);
    transformer_free(M);
    nd_free(IDX);
    nd_free(LABELS);
    nd_free(LOGITS);
    nd_rng_free(RNG);
    tok_free(TOK);
    test_remove_tree(TMPDIR);
    free(TMPDIR);
}

/* clang-format off */
#define MODELS_NULL_TABLE(P, I, B, D, L, Z, F, V, N) \
    N(transformer_default_config, none, 0) \
    I(transformer_config_check, config, transformer_config_check(NULL)) \
    P(transformer_new, config, transformer_new(NULL, 0)) \
    V(transformer_free, model, transformer_free(NULL)) \
    P(transformer_get_config, model, transformer_get_config(NULL)) \
    I(transformer_num_tensors, model, transformer_num_tensors(NULL)) \
    I(transformer_set_precision, model, transformer_set_precision(NULL, TRANSFORMER_FLOAT32)) \
    I(transformer_keep_bf16_copies, model, transformer_keep_bf16_copies(NULL, NULL)) \
    P(transformer_tensor, model, transformer_tensor(NULL, 0, &NAME)) \
    /* transformer_tensor's name may be NULL: the range case checks it */ \
    L(transformer_num_parameters, model, transformer_num_parameters(NULL)) \
    I(transformer_save, model, transformer_save(NULL, WRITE_PATH, 0, NULL)) \
    I(transformer_save, path, transformer_save(M, NULL, 0, NULL)) \
    I(transformer_save, meta, transformer_save(M, WRITE_PATH, 1, NULL)) \
    I(transformer_load, model, transformer_load(NULL, MODEL_PATH, false)) \
    I(transformer_load, path, transformer_load(M, NULL, false)) \
    /* options NULL is valid everywhere (all zero) */ \
    P(transformer_forward, model, transformer_forward(NULL, IDX, NULL)) \
    P(transformer_forward, idx, transformer_forward(M, NULL, NULL)) \
    P(transformer_hidden, model, transformer_hidden(NULL, IDX, NULL)) \
    P(transformer_hidden, idx, transformer_hidden(M, NULL, NULL)) \
    P(transformer_lm_loss, model, transformer_lm_loss(NULL, IDX, IDX, NULL)) \
    P(transformer_lm_loss, idx, transformer_lm_loss(M, NULL, IDX, NULL)) \
    P(transformer_lm_loss, targets, transformer_lm_loss(M, IDX, NULL, NULL)) \
    P(transformer_mlm_logits, model, transformer_mlm_logits(NULL, IDX, IDX, NULL)) \
    P(transformer_mlm_logits, idx, transformer_mlm_logits(M, NULL, IDX, NULL)) \
    P(transformer_mlm_logits, targets, transformer_mlm_logits(M, IDX, NULL, NULL)) \
    P(transformer_mlm_loss, model, transformer_mlm_loss(NULL, IDX, IDX, NULL)) \
    P(transformer_mlm_loss, idx, transformer_mlm_loss(M, NULL, IDX, NULL)) \
    P(transformer_mlm_loss, targets, transformer_mlm_loss(M, IDX, NULL, NULL)) \
    I(transformer_mlm_score, model, transformer_mlm_score(NULL, IDX, IDX, NULL, &LOSS, &COUNT, &COUNT)) \
    I(transformer_mlm_score, idx, transformer_mlm_score(M, NULL, IDX, NULL, &LOSS, &COUNT, &COUNT)) \
    I(transformer_mlm_score, targets, transformer_mlm_score(M, IDX, NULL, NULL, &LOSS, &COUNT, &COUNT)) \
    I(transformer_mlm_score, loss_sum, transformer_mlm_score(M, IDX, IDX, NULL, NULL, &COUNT, &COUNT)) \
    I(transformer_mlm_score, correct, transformer_mlm_score(M, IDX, IDX, NULL, &LOSS, NULL, &COUNT)) \
    I(transformer_mlm_score, count, transformer_mlm_score(M, IDX, IDX, NULL, &LOSS, &COUNT, NULL)) \
    I(transformer_mask_tokens, ids, transformer_mask_tokens(NULL, 0.5, 4, -1, 4, RNG, &OUT_A, &OUT_B)) \
    I(transformer_mask_tokens, rng, transformer_mask_tokens(IDX, 0.5, 4, -1, 4, NULL, &OUT_A, &OUT_B)) \
    I(transformer_mask_tokens, input, transformer_mask_tokens(IDX, 0.5, 4, -1, 4, RNG, NULL, &OUT_B)) \
    I(transformer_mask_tokens, targets, transformer_mask_tokens(IDX, 0.5, 4, -1, 4, RNG, &OUT_A, NULL)) \
    P(transformer_classify_logits, model, transformer_classify_logits(NULL, IDX, NULL)) \
    P(transformer_classify_logits, idx, transformer_classify_logits(M, NULL, NULL)) \
    P(transformer_classify_probs, model, transformer_classify_probs(NULL, IDX, NULL)) \
    P(transformer_classify_probs, idx, transformer_classify_probs(M, NULL, NULL)) \
    P(transformer_classify_loss, model, transformer_classify_loss(NULL, IDX, LABELS, NULL)) \
    P(transformer_classify_loss, idx, transformer_classify_loss(M, NULL, LABELS, NULL)) \
    P(transformer_classify_loss, labels, transformer_classify_loss(M, IDX, NULL, NULL)) \
    P(transformer_attention_maps, model, transformer_attention_maps(NULL, IDX)) \
    P(transformer_attention_maps, idx, transformer_attention_maps(M, NULL)) \
    P(transformer_kv_cache_new, model, transformer_kv_cache_new(NULL)) \
    V(transformer_kv_cache_free, cache, transformer_kv_cache_free(NULL)) \
    L(transformer_kv_cache_length, cache, transformer_kv_cache_length(NULL)) \
    V(transformer_kv_cache_clear, cache, transformer_kv_cache_clear(NULL)) \
    P(transformer_kv_cache_feed, model, transformer_kv_cache_feed(NULL, CACHE, TOKENS, 1)) \
    P(transformer_kv_cache_feed, cache, transformer_kv_cache_feed(M, NULL, TOKENS, 1)) \
    P(transformer_kv_cache_feed, tokens, transformer_kv_cache_feed(M, CACHE, NULL, 1)) \
    I(transformer_sample, logits, transformer_sample(NULL, 1.0, 0, 1.0, RNG, &TOKEN)) \
    I(transformer_sample, rng, transformer_sample(LOGITS, 1.0, 0, 1.0, NULL, &TOKEN)) \
    I(transformer_sample, token, transformer_sample(LOGITS, 1.0, 0, 1.0, RNG, NULL)) \
    /* transformer_generate's options NULL means temperature 0.8, all tokens */ \
    I(transformer_generate, model, transformer_generate(NULL, TOKENS, 1, 1, NULL, RNG, &GENERATED)) \
    I(transformer_generate, prompt, transformer_generate(M, NULL, 1, 1, NULL, RNG, &GENERATED)) \
    I(transformer_generate, rng, transformer_generate(M, TOKENS, 1, 1, NULL, NULL, &GENERATED)) \
    I(transformer_generate, out, transformer_generate(M, TOKENS, 1, 1, NULL, RNG, NULL)) \
    N(tok_last_error, none, 0) \
    P(tok_char_train, text, tok_char_train(NULL, 3)) \
    P(tok_bpe_train, text, tok_bpe_train(NULL, 3, 300)) \
    /* tok_gpt2_load's dir NULL means tok_gpt2_default_dir() */ \
    N(tok_gpt2_load, none, 0) \
    N(tok_gpt2_default_dir, none, 0) \
    V(tok_free, tok, tok_free(NULL)) \
    I(tok_encode, tok, tok_encode(NULL, "ab", 2, &IDS, &LEN)) \
    I(tok_encode, text, tok_encode(TOK, NULL, 2, &IDS, &LEN)) \
    I(tok_encode, ids, tok_encode(TOK, "ab", 2, NULL, &LEN)) \
    I(tok_encode, n, tok_encode(TOK, "ab", 2, &IDS, NULL)) \
    I(tok_decode, tok, tok_decode(NULL, TOKENS, 2, &TEXT, &LEN)) \
    I(tok_decode, ids, tok_decode(TOK, NULL, 2, &TEXT, &LEN)) \
    I(tok_decode, text, tok_decode(TOK, TOKENS, 2, NULL, &LEN)) \
    I(tok_decode, len, tok_decode(TOK, TOKENS, 2, &TEXT, NULL)) \
    I(tok_vocab_size, tok, tok_vocab_size(NULL)) \
    Z(tok_kind_of, tok, tok_kind_of(NULL)) /* 0: no kind */ \
    N(tok_kind_name, none, 0) \
    I(tok_unk_id, tok, tok_unk_id(NULL)) \
    I(tok_eot_id, tok, tok_eot_id(NULL)) \
    P(tok_token_bytes, tok, tok_token_bytes(NULL, 0, &LEN)) \
    P(tok_token_bytes, len, tok_token_bytes(TOK, 0, NULL)) \
    I(tok_add_special_tokens, tok, tok_add_special_tokens(NULL)) \
    I(tok_special_id, tok, tok_special_id(NULL, TOK_MASK)) \
    N(tok_special_name, none, 0) \
    I(tok_save, tok, tok_save(NULL, WRITE_PATH)) \
    I(tok_save, path, tok_save(TOK, NULL)) \
    P(tok_load, path, tok_load(NULL))

/* clang-format on */
NULL_CASES_DEFINE(MODELS_NULL_TABLE)

/* ---- out-of-range numbers ------------------------------------------------------------- */

/* CONFIG with one field changed must be refused by transformer_new. */
#define BAD_CONFIG(field, value)                \
    do {                                        \
        transformer_config c_ = CONFIG;         \
        c_.field = value;                       \
        RANGE_I(transformer_config_check(&c_)); \
        RANGE_P(transformer_new(&c_, 0));       \
    } while (0)

START_TEST(out_of_range_numbers)
{
    BAD_CONFIG(vocab_size, 0);
    BAD_CONFIG(vocab_size, -5);
    BAD_CONFIG(block_size, 0);
    BAD_CONFIG(n_layer, 0);
    BAD_CONFIG(n_layer, TRANSFORMER_MAX_LAYERS + 1);
    BAD_CONFIG(n_head, -1);
    BAD_CONFIG(n_head, 3); /* n_embd 4 is no multiple of 3 */
    BAD_CONFIG(n_embd, 0);
    BAD_CONFIG(dropout, 1.0);
    BAD_CONFIG(dropout, NAN);
    BAD_CONFIG(num_classes, -1);
    BAD_CONFIG(pooling, (transformer_pooling)99);

    RANGE_P(transformer_tensor(M, -1, &NAME));
    RANGE_I(transformer_set_precision(M, (transformer_precision)99));
    RANGE_P(transformer_tensor(M, transformer_num_tensors(M), &NAME));
    ck_assert_ptr_nonnull(transformer_tensor(M, 0, NULL)); /* name is optional */
    RANGE_I(transformer_save(M, WRITE_PATH, -1, NULL));
    RANGE_I(transformer_load(M, WRITE_PATH, false)); /* no such file */

    nd_array *long_idx = nd_zeros(ND_INT64, 2, (const int64_t[]){1, 5}); /* T > block 4 */
    nd_array *flat_idx = nd_zeros(ND_INT64, 1, (const int64_t[]){2});
    nd_array *bad_id = nd_full(ND_INT64, 2, (const int64_t[]){1, 2}, NULL_ARGS_V);
    nd_array *bad_label = nd_full(ND_INT64, 1, (const int64_t[]){1}, 2);
    nd_array *empty = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){0});
    RANGE_P(transformer_forward(M, long_idx, NULL));
    RANGE_P(transformer_forward(M, flat_idx, NULL));
    RANGE_P(transformer_forward(M, bad_id, NULL));
    RANGE_P(transformer_lm_loss(M, IDX, flat_idx, NULL));
    RANGE_P(transformer_classify_loss(M, IDX, bad_label, NULL));
    RANGE_P(transformer_attention_maps(M, long_idx));
    RANGE_I(transformer_mask_tokens(IDX, 0.0, 4, -1, 4, RNG, &OUT_A, &OUT_B));
    RANGE_I(transformer_mask_tokens(IDX, 1.0, 4, -1, 4, RNG, &OUT_A, &OUT_B));
    RANGE_I(transformer_mask_tokens(IDX, NAN, 4, -1, 4, RNG, &OUT_A, &OUT_B));
    RANGE_I(transformer_mask_tokens(IDX, 0.5, 4, -1, 0, RNG, &OUT_A, &OUT_B));

    RANGE_P(transformer_kv_cache_feed(M, CACHE, TOKENS, 0));
    RANGE_P(transformer_kv_cache_feed(M, CACHE, TOKENS, -1));
    RANGE_P(transformer_kv_cache_feed(M, CACHE, TOKENS, 5)); /* past block 4 */
    ck_assert_int_eq(transformer_kv_cache_length(CACHE), 0); /* unchanged by the failures */
    const int32_t out_of_vocab[1] = {NULL_ARGS_V};
    RANGE_P(transformer_kv_cache_feed(M, CACHE, out_of_vocab, 1));
    ck_assert_int_eq(transformer_kv_cache_length(CACHE), 0);

    RANGE_I(transformer_sample(LOGITS, -1.0, 0, 1.0, RNG, &TOKEN));
    RANGE_I(transformer_sample(LOGITS, NAN, 0, 1.0, RNG, &TOKEN));
    RANGE_I(transformer_sample(LOGITS, 1.0, -1, 1.0, RNG, &TOKEN));
    RANGE_I(transformer_sample(LOGITS, 1.0, 0, 0.0, RNG, &TOKEN));
    RANGE_I(transformer_sample(LOGITS, 1.0, 0, 1.5, RNG, &TOKEN));
    RANGE_I(transformer_sample(LOGITS, 1.0, 0, NAN, RNG, &TOKEN));
    RANGE_I(transformer_sample(empty, 0.0, 0, 1.0, RNG, &TOKEN));
    RANGE_I(transformer_sample(IDX, 0.0, 0, 1.0, RNG, &TOKEN)); /* not (V,) */
    ck_assert_int_eq(transformer_sample(LOGITS, 0.0, 0, 1.0, NULL, &TOKEN), 0); /* greedy: no rng */
    ck_assert_int_eq(TOKEN, 0);

    RANGE_I(transformer_generate(M, TOKENS, 0, 1, NULL, RNG, &GENERATED));
    RANGE_I(transformer_generate(M, TOKENS, -1, 1, NULL, RNG, &GENERATED));
    RANGE_I(transformer_generate(M, TOKENS, 1, -1, NULL, RNG, &GENERATED));
    RANGE_I(transformer_generate(M, out_of_vocab, 1, 1, NULL, RNG, &GENERATED));
    ck_assert_ptr_null(GENERATED);
    RANGE_I(transformer_generate(M, TOKENS, 1, 1, &(transformer_generate_options){.temperature = -1},
                                 RNG, &GENERATED));
    ck_assert_ptr_null(GENERATED);

    RANGE_P(tok_bpe_train("ab", 2, 100));
    RANGE_P(tok_bpe_train("ab", 2, -1));
    RANGE_P(tok_bpe_train("ab", 2, TOK_MAX_VOCAB + 1));
    const int32_t bad_ids[2][1] = {{-1}, {4}}; /* "abc" has ids 0..3 (<unk> = 3) */
    for (int i = 0; i < 2; i++) {
        RANGE_I(tok_decode(TOK, bad_ids[i], 1, &TEXT, &LEN));
        ck_assert_ptr_null(TEXT);
        RANGE_P(tok_token_bytes(TOK, bad_ids[i][0], &LEN));
    }
    ck_assert_int_eq(tok_encode(TOK, NULL, 0, &IDS, &LEN), 0); /* NULL text of length 0 is fine */
    ck_assert_uint_eq(LEN, 0);
    ck_assert_ptr_nonnull(IDS);
    ck_assert_ptr_null(tok_kind_name((tok_kind)99));
    ck_assert_ptr_null(tok_special_name((tok_special)-1));
    ck_assert_ptr_null(tok_special_name((tok_special)TOK_NUM_SPECIAL));
    ck_assert_int_eq(tok_special_id(TOK, TOK_MASK), -1); /* none added yet */
    ck_assert_int_eq(tok_add_special_tokens(TOK), 0);
    ck_assert_int_eq(tok_special_id(TOK, (tok_special)99), -1);
    ck_assert_int_eq(tok_special_id(TOK, TOK_PAD), 7);
    RANGE_P(tok_load(WRITE_PATH)); /* no such file */
    RANGE_I(tok_save(TOK, "/nonexistent-folder/tokenizer.json"));

    nd_free(long_idx);
    nd_free(flat_idx);
    nd_free(bad_id);
    nd_free(bad_label);
    nd_free(empty);
}
END_TEST

NULL_ARGS_SUITE("models_null_args", setup, teardown, out_of_range_numbers)
