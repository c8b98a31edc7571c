/*
 * shannon import: a GPT-2 checkpoint of another program as a Shannon model
 * folder (config.json, tokenizer.json, model.safetensors) that `sample`,
 * `eval` and `finetune --from` open.
 *
 *   shannon import --format hf-gpt2 --from DIR      --out OUTDIR [--tokenizer SPEC]
 *   shannon import --format llmc    --from FILE.bin --out OUTDIR [--tokenizer SPEC]
 *
 * hf-gpt2  DIR/config.json (GPT2Config: vocab_size, n_positions, n_embd,
 *          n_layer, n_head; activation "gelu_new", layer_norm_epsilon
 *          1e-5, n_inner null or 4 n_embd), DIR/model.safetensors
 *          (GPT2Model's names, or GPT2LMHeadModel's with "transformer.";
 *          attn.bias / attn.masked_bias buffers and a tied lm_head.weight
 *          are skipped) and the tokenizer: vocab.json + merges.txt (or
 *          encoder.json + vocab.bpe) for GPT-2's, shannon-tokenizer.json
 *          for Shannon's own.
 * llmc     llm.c's version-3 model file and, unless --tokenizer names
 *          one, its tokenizer file (FILE_tokenizer.bin): GPT-2's tokens
 *          (compared with `make gpt2-tokenizer`'s files) or a character
 *          vocabulary. The file holds only each token's bytes, no merges,
 *          so another BPE cannot be rebuilt from it (--tokenizer DIR then).
 *
 * Every shape is checked against the config (or the header) before the
 * model is built; each problem is one line and exit status 1.
 */
#include "interop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool file_exists(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    return stat(join_path(path, sizeof path, dir, name), &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder `out` from a built model: config.json, tokenizer.json (and
 * GPT-2's files), model.safetensors. */
static int write_model_folder(const char *out, const transformer_model *model,
                              const tok_tokenizer *tok)
{
    char path[4200];
    run_config rc = {.model = *transformer_get_config(model),
                     .mask_rate = 0.15,
                     .batch = 12,
                     .iters = 0,
                     .lr = 6e-4,
                     .seed = 0};
    snprintf(rc.tokenizer, sizeof rc.tokenizer, "%s", tok_kind_name(tok_kind_of(tok)));
    snprintf(rc.objective, sizeof rc.objective, "causal");
    if (make_folder(out) < 0) {
        fprintf(stderr, "shannon import: cannot create the folder '%s'\n", out);
        return -1;
    }
    if (tok_save(tok, join_path(path, sizeof path, out, "tokenizer.json")) < 0) {
        fprintf(stderr, "shannon import: %s\n", tok_last_error());
        return -1;
    }
    if (transformer_save(model, join_path(path, sizeof path, out, "model.safetensors"), 0, NULL) < 0 ||
        save_run_config(join_path(path, sizeof path, out, "config.json"), &rc) < 0) {
        fprintf(stderr, "shannon import: %s\n", nd_last_error());
        return -1;
    }
    return 0;
}

/* Whether shannon can build GPT-2 of these sizes; else false after one line. */
static bool buildable(const char *what, int64_t V, int64_t T, int64_t L, int64_t H, int64_t C)
{
    if (V < 1 || V > MAX_VOCAB || T < 1 || T > MAX_BLOCK || L < 1 || L > TRANSFORMER_MAX_LAYERS ||
        H < 1 || H > MAX_HEADS || C < 1 || C > MAX_EMBD || C % H != 0) {
        fprintf(stderr,
                "shannon import: '%s' describes a model shannon cannot build: vocab_size "
                "%lld, n_positions %lld, n_layer %lld, n_head %lld, n_embd %lld (limits %d, %d, "
                "%d, %d, %d; n_embd a multiple of n_head)\n",
                what, (long long)V, (long long)T, (long long)L, (long long)H, (long long)C,
                MAX_VOCAB, MAX_BLOCK, TRANSFORMER_MAX_LAYERS, MAX_HEADS, MAX_EMBD);
        return false;
    }
    return true;
}

/* GPT-2's shape with these sizes, or NULL after one line. */
static transformer_model *new_gpt2(const char *what, int64_t V, int64_t T, int64_t L, int64_t H,
                                   int64_t C, double dropout)
{
    if (!buildable(what, V, T, L, H, C))
        return NULL;
    transformer_config c = {.vocab_size = V,
                            .block_size = T,
                            .n_layer = (int)L,
                            .n_head = (int)H,
                            .n_embd = C,
                            .dropout = dropout,
                            .learned_positions = true,
                            .pooling = TRANSFORMER_POOL_LAST};
    transformer_model *model = transformer_new(&c, 0);
    if (!model)
        fprintf(stderr, "shannon import: cannot build the model: %s\n", nd_last_error());
    return model;
}

/* The tokenizer --tokenizer names, checked against the vocabulary size. */
static tok_tokenizer *tokenizer_of_size(const char *spec, int64_t V)
{
    tok_tokenizer *tok = open_tokenizer("import", spec);
    if (tok && tok_vocab_size(tok) != V) {
        fprintf(stderr,
                "shannon import: the tokenizer '%s' has %d tokens but the model's "
                "vocab_size is %lld\n",
                spec, tok_vocab_size(tok), (long long)V);
        tok_free(tok);
        return NULL;
    }
    return tok;
}

/* ---- hf-gpt2 ------------------------------------------------------------------------ */

static int read_config_int(const nd_json_value *root, const char *key, const char *alt,
                           const char *path, int64_t *out)
{
    const nd_json_value *v = nd_json_member(root, key);
    if (!v && alt)
        v = nd_json_member(root, alt);
    if (nd_json_int(v, out) < 0) {
        fprintf(stderr, "shannon import: '%s': %s must be an integer (%s)\n", path, key,
                nd_last_error());
        return -1;
    }
    return 0;
}

/* What GPT2Config says must match Shannon's GPT-2, or one line. */
static int check_hf_config(const nd_json_value *root, const char *path, int64_t C, double *dropout)
{
    const char *act = nd_json_string(nd_json_member(root, "activation_function"), NULL);
    if (act && strcmp(act, "gelu_new") != 0 && strcmp(act, "gelu_pytorch_tanh") != 0) {
        fprintf(stderr,
                "shannon import: '%s': activation_function \"%s\" is not GPT-2's tanh "
                "GELU (\"gelu_new\"), the only one shannon's model computes\n",
                path, act);
        return -1;
    }
    double eps = TRANSFORMER_LAYER_NORM_EPS;
    const nd_json_value *v = nd_json_member(root, "layer_norm_epsilon");
    if (v && (nd_json_double(v, &eps) < 0 || fabs(eps - TRANSFORMER_LAYER_NORM_EPS) > 1e-12)) {
        fprintf(stderr,
                "shannon import: '%s': layer_norm_epsilon must be %g, shannon's "
                "LayerNorm eps (got %g)\n",
                path, TRANSFORMER_LAYER_NORM_EPS, eps);
        return -1;
    }
    int64_t inner;
    v = nd_json_member(root, "n_inner");
    if (v && nd_json_type_of(v) != ND_JSON_NULL && (nd_json_int(v, &inner) < 0 || inner != 4 * C)) {
        fprintf(stderr,
                "shannon import: '%s': n_inner must be null or 4 * n_embd (%lld), "
                "shannon's MLP width\n",
                path, (long long)(4 * C));
        return -1;
    }
    const char *type = nd_json_string(nd_json_member(root, "model_type"), NULL);
    if (nd_json_member(root, "model_type") && (!type || strcmp(type, "gpt2") != 0)) {
        fprintf(stderr, "shannon import: '%s': model_type must be \"gpt2\"\n", path);
        return -1;
    }
    *dropout = 0;
    v = nd_json_member(root, "resid_pdrop");
    if (v && (nd_json_double(v, dropout) < 0 || !(*dropout >= 0 && *dropout < 1))) {
        fprintf(stderr, "shannon import: '%s': resid_pdrop must be a number in [0, 1)\n", path);
        return -1;
    }
    return 0;
}

/* The HF name of a Shannon parameter in a file with or without GPT2LMHeadModel's prefix. */
static const char *hf_name(const char *name, bool prefixed)
{
    return prefixed ? name : name + strlen("transformer.");
}

/* Whether a tensor of the file is one shannon ignores: the causal-mask
 * buffers and a tied LM head. */
static bool skipped(const char *name)
{
    size_t n = strlen(name);
    return (n >= 10 && strcmp(name + n - 10, ".attn.bias") == 0) ||
           (n >= 17 && strcmp(name + n - 17, ".attn.masked_bias") == 0) ||
           strcmp(name, "lm_head.weight") == 0;
}

/* Every tensor of the model found in st with the shape the config gives
 * (transposed for Conv1D), nothing else in st; then copied in. */
static int fill_from_safetensors(transformer_model *model, const nd_safetensors *st,
                                 const char *st_path, const char *config_path)
{
    bool prefixed = nd_safetensors_info(st, "transformer.wte.weight", NULL, NULL, NULL) == 0;
    int n = transformer_num_tensors(model), used = 0;
    for (int i = 0; i < n; i++) {
        const char *name;
        const nd_array *want = ag_value(transformer_tensor(model, i, &name));
        const char *file_name = hf_name(name, prefixed);
        bool conv = is_conv1d_weight(name);
        nd_dtype dtype;
        int ndim;
        const int64_t *shape;
        if (nd_safetensors_info(st, file_name, &dtype, &ndim, &shape) < 0) {
            fprintf(stderr, "shannon import: '%s' has no tensor '%s', which '%s' implies\n",
                    st_path, file_name, config_path);
            return -1;
        }
        const int64_t *ws = nd_shape(want);
        bool same = ndim == nd_ndim(want) &&
                    (ndim == 1 ? shape[0] == ws[0]
                               : shape[0] == ws[conv ? 1 : 0] && shape[1] == ws[conv ? 0 : 1]);
        if (!same || !nd_dtype_is_float(dtype)) {
            char got[64] = "", need[64];
            for (int d = 0, at = 0; d < ndim && d < 4; d++)
                at += snprintf(got + at, sizeof got - (size_t)at, "%s%lld", d ? ", " : "",
                               (long long)shape[d]);
            if (nd_ndim(want) == 1)
                snprintf(need, sizeof need, "%lld", (long long)ws[0]);
            else
                snprintf(need, sizeof need, "%lld, %lld", (long long)ws[conv ? 1 : 0],
                         (long long)ws[conv ? 0 : 1]);
            fprintf(stderr,
                    "shannon import: '%s' does not match '%s': %s is (%s) %s, the config "
                    "needs (%s) float\n",
                    st_path, config_path, file_name, got, nd_dtype_name(dtype), need);
            return -1;
        }
        used++;
    }
    for (int i = 0; i < nd_safetensors_count(st); i++) {
        const char *name = nd_safetensors_name(st, i);
        const char *bare = strncmp(name, "transformer.", 12) == 0 ? name + 12 : name;
        if (skipped(bare))
            continue;
        char full[256];
        snprintf(full, sizeof full, "transformer.%s", bare);
        if (!find_parameter(model, full)) {
            fprintf(stderr,
                    "shannon import: '%s' has a tensor '%s' that GPT-2 of '%s' lacks "
                    "(another architecture, or more layers than n_layer)\n",
                    st_path, name, config_path);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        const char *name;
        ag_tensor *t = transformer_tensor(model, i, &name);
        nd_array *a = nd_safetensors_get(st, hf_name(name, prefixed));
        nd_array *view = a && is_conv1d_weight(name) ? nd_transpose(a, NULL) : NULL;
        int status = a ? nd_copyto(ag_param_value(t), view ? view : a, ND_CAST_SAME_KIND) : -1;
        nd_free(view);
        nd_free(a);
        if (status < 0) {
            fprintf(stderr, "shannon import: '%s': %s\n", st_path, nd_last_error());
            return -1;
        }
    }
    return 0;
}

/* GPT-2's tokenizer files under either pair of names, or Shannon's. */
static tok_tokenizer *hf_tokenizer(const char *dir, const char *out, int64_t V)
{
    char path[4200];
    if (file_exists(dir, "encoder.json") && file_exists(dir, "vocab.bpe"))
        return tokenizer_of_size(dir, V);
    if (file_exists(dir, "vocab.json") && file_exists(dir, "merges.txt")) {
        /* tok_gpt2_load reads encoder.json + vocab.bpe: HF's vocab.json and
         * merges.txt are those files renamed. They go into the new folder
         * under GPT-2's names, which is where tok_save keeps them anyway. */
        static const char *const pairs[2][2] = {{"vocab.json", "encoder.json"},
                                                {"merges.txt", "vocab.bpe"}};
        if (make_folder(out) < 0) {
            fprintf(stderr, "shannon import: cannot create the folder '%s'\n", out);
            return NULL;
        }
        for (int k = 0; k < 2; k++) {
            char dst[4200];
            size_t len;
            char *data =
                nd_read_file(join_path(path, sizeof path, dir, pairs[k][0]), (size_t)1 << 30, &len);
            int status =
                data ? nd_write_atomic(join_path(dst, sizeof dst, out, pairs[k][1]), data, len) : -1;
            free(data);
            if (status < 0) {
                fprintf(stderr, "shannon import: %s\n", nd_last_error());
                return NULL;
            }
        }
        return tokenizer_of_size(out, V);
    }
    if (file_exists(dir, "shannon-tokenizer.json"))
        return tokenizer_of_size(join_path(path, sizeof path, dir, "shannon-tokenizer.json"), V);
    fprintf(stderr,
            "shannon import: '%s' holds no tokenizer (vocab.json + merges.txt, "
            "encoder.json + vocab.bpe, or shannon-tokenizer.json); name one with --tokenizer\n",
            dir);
    return NULL;
}

static int import_hf(const char *dir, const char *out, const char *tokenizer)
{
    char config_path[4200], st_path[4200];
    join_path(config_path, sizeof config_path, dir, "config.json");
    join_path(st_path, sizeof st_path, dir, "model.safetensors");
    nd_json *doc = nd_json_load(config_path, NULL);
    if (!doc) {
        fprintf(stderr, "shannon import: %s\n", nd_last_error());
        return 1;
    }
    const nd_json_value *root = nd_json_root(doc);
    int64_t V, T, L, H, C;
    double dropout = 0;
    bool ok = read_config_int(root, "vocab_size", NULL, config_path, &V) == 0 &&
              read_config_int(root, "n_positions", "n_ctx", config_path, &T) == 0 &&
              read_config_int(root, "n_layer", NULL, config_path, &L) == 0 &&
              read_config_int(root, "n_head", NULL, config_path, &H) == 0 &&
              read_config_int(root, "n_embd", NULL, config_path, &C) == 0 &&
              check_hf_config(root, config_path, C, &dropout) == 0;
    nd_json_free(doc);
    if (!ok)
        return 1;
    nd_safetensors *st = nd_safetensors_load(st_path);
    if (!st) {
        fprintf(stderr, "shannon import: cannot load '%s': %s\n", st_path, nd_last_error());
        return 1;
    }
    /* The embedding's shape before the model is allocated: a config that
     * disagrees with the file costs nothing. */
    nd_dtype dtype;
    int ndim;
    const int64_t *shape;
    const char *wte = nd_safetensors_info(st, "wte.weight", NULL, NULL, NULL) == 0
                          ? "wte.weight"
                          : "transformer.wte.weight";
    if (nd_safetensors_info(st, wte, &dtype, &ndim, &shape) < 0 || ndim != 2 || shape[0] != V ||
        shape[1] != C) {
        fprintf(stderr,
                "shannon import: '%s' does not match '%s': vocab_size %lld and n_embd %lld "
                "need wte.weight (%lld, %lld)\n",
                st_path, config_path, (long long)V, (long long)C, (long long)V, (long long)C);
        nd_safetensors_free(st);
        return 1;
    }
    transformer_model *model = new_gpt2(config_path, V, T, L, H, C, dropout);
    tok_tokenizer *tok = NULL;
    int status = 1;
    if (model && fill_from_safetensors(model, st, st_path, config_path) == 0 &&
        (tok = tokenizer ? tokenizer_of_size(tokenizer, V) : hf_tokenizer(dir, out, V)) &&
        write_model_folder(out, model, tok) == 0)
        status = 0;
    nd_safetensors_free(st);
    tok_free(tok);
    transformer_free(model);
    return status;
}

/* ---- llmc ------------------------------------------------------------------------------ */

/* The bytes of ids 0..n-1 in llm.c's tokenizer file: offsets[i] into data,
 * lens[i]. */
typedef struct llmc_tokens {
    char *file;
    int32_t n, eot;
    size_t *offsets;
    unsigned char *lens;
} llmc_tokens;

static int read_llmc_tokenizer(const char *path, int64_t V, llmc_tokens *t)
{
    size_t len;
    *t = (llmc_tokens){0};
    t->file = nd_read_file(path, (size_t)1 << 30, &len);
    if (!t->file) {
        fprintf(stderr,
                "shannon import: %s (llm.c's tokenizer file; or name one with "
                "--tokenizer)\n",
                nd_last_error());
        return -1;
    }
    int32_t header[LLMC_HEADER_INTS];
    if (len < sizeof header) {
        fprintf(stderr,
                "shannon import: '%s' is truncated: %zu bytes, shorter than llm.c's "
                "1024-byte header\n",
                path, len);
        return -1;
    }
    memcpy(header, t->file, sizeof header);
    if (header[0] != LLMC_TOKENIZER_MAGIC || (header[1] != 1 && header[1] != 2)) {
        fprintf(stderr,
                "shannon import: '%s' is not llm.c's tokenizer file: magic %d version %d "
                "(expected %d, version 1 or 2)\n",
                path, header[0], header[1], LLMC_TOKENIZER_MAGIC);
        return -1;
    }
    if (header[2] != V) {
        fprintf(stderr, "shannon import: '%s' has %d tokens but the model's vocab_size is %lld\n",
                path, header[2], (long long)V);
        return -1;
    }
    t->n = header[2];
    t->eot = header[1] == 1 ? TOK_GPT2_EOT : header[3];
    t->offsets = malloc((size_t)t->n * sizeof *t->offsets);
    t->lens = malloc((size_t)t->n);
    if (!t->offsets || !t->lens) {
        fprintf(stderr, "shannon import: out of memory\n");
        return -1;
    }
    size_t at = sizeof header;
    for (int32_t i = 0; i < t->n; i++) {
        if (at >= len || len - at - 1 < (unsigned char)t->file[at]) {
            fprintf(stderr,
                    "shannon import: '%s' is truncated: token %d of %d runs past its end "
                    "(%zu bytes)\n",
                    path, i, t->n, len);
            return -1;
        }
        t->lens[i] = (unsigned char)t->file[at];
        t->offsets[i] = at + 1;
        at += 1 + t->lens[i];
    }
    if (at != len) {
        fprintf(stderr, "shannon import: '%s' has %zu bytes after its %d tokens\n", path, len - at,
                t->n);
        return -1;
    }
    return 0;
}

static void free_llmc_tokens(llmc_tokens *t)
{
    free(t->file);
    free(t->offsets);
    free(t->lens);
}

/* A character vocabulary's tokenizer.json for tokens that are each one
 * UTF-8 character (a lone byte >= 0x80 stands for U+DC80 + byte), in
 * increasing order, then <unk> (U+FFFD): what export writes for a char
 * tokenizer. NULL if the tokens are not that. */
static tok_tokenizer *char_tokenizer(const llmc_tokens *t, const char *out)
{
    char path[4200];
    if (t->n < 2 || t->lens[t->n - 1] != 3 ||
        memcmp(t->file + t->offsets[t->n - 1], "\xEF\xBF\xBD", 3))
        return NULL;
    size_t cap = 64 + 9 * (size_t)t->n, at = 0;
    char *json = malloc(cap);
    if (!json)
        return NULL;
    at += (size_t)snprintf(json, cap,
                           "{\"format\": \"shannon-tokenizer\", \"version\": 1, \"kind\": "
                           "\"char\", \"vocab_size\": %d, \"unk_id\": %d, \"chars\": [",
                           t->n, t->n - 1);
    for (int32_t i = 0; i + 1 < t->n; i++) {
        const unsigned char *b = (const unsigned char *)t->file + t->offsets[i];
        int n = t->lens[i];
        uint32_t cp;
        if (n == 1)
            cp = b[0] < 0x80 ? b[0] : 0xDC00u + b[0];
        else if (n == 2 && (b[0] & 0xE0) == 0xC0)
            cp = (uint32_t)(b[0] & 0x1F) << 6 | (b[1] & 0x3F);
        else if (n == 3 && (b[0] & 0xF0) == 0xE0)
            cp = (uint32_t)(b[0] & 0x0F) << 12 | (uint32_t)(b[1] & 0x3F) << 6 | (b[2] & 0x3F);
        else if (n == 4 && (b[0] & 0xF8) == 0xF0)
            cp = (uint32_t)(b[0] & 0x07) << 18 | (uint32_t)(b[1] & 0x3F) << 12 |
                 (uint32_t)(b[2] & 0x3F) << 6 | (b[3] & 0x3F);
        else {
            free(json);
            return NULL;
        }
        at += (size_t)snprintf(json + at, cap - at, "%s%u", i ? ", " : "", cp);
    }
    at += (size_t)snprintf(json + at, cap - at, "]}\n");
    /* tok_load checks the rest (order, range, the bytes' validity). */
    join_path(path, sizeof path, out, "tokenizer.json");
    tok_tokenizer *tok = NULL;
    if (make_folder(out) == 0 && nd_write_atomic(path, json, at) == 0)
        tok = tok_load(path);
    free(json);
    return tok;
}

static bool same_tokens(const tok_tokenizer *tok, const llmc_tokens *t)
{
    if (!tok || tok_vocab_size(tok) != t->n)
        return false;
    for (int32_t i = 0; i < t->n; i++) {
        size_t len;
        const char *b = tok_token_bytes(tok, i, &len);
        if (!b || len != t->lens[i] || memcmp(b, t->file + t->offsets[i], len) != 0)
            return false;
    }
    return true;
}

static tok_tokenizer *llmc_tokenizer(const char *path, const char *out, int64_t V)
{
    llmc_tokens t;
    tok_tokenizer *tok = NULL;
    if (read_llmc_tokenizer(path, V, &t) == 0) {
        tok = tok_gpt2_load(NULL);
        if (!same_tokens(tok, &t)) {
            tok_free(tok);
            tok = char_tokenizer(&t, out);
            if (!same_tokens(tok, &t)) {
                tok_free(tok);
                tok = NULL;
                fprintf(stderr,
                        "shannon import: the tokens of '%s' are neither GPT-2's (from "
                        "'%s': run 'make gpt2-tokenizer') nor a character vocabulary; llm.c's "
                        "file has no merges to rebuild a BPE from: name it with --tokenizer\n",
                        path, tok_gpt2_default_dir());
            }
        }
    }
    free_llmc_tokens(&t);
    return tok;
}

static int import_llmc(const char *from, const char *out, const char *tokenizer)
{
    size_t len;
    char *file = nd_read_file(from, (size_t)1 << 40, &len);
    if (!file) {
        fprintf(stderr, "shannon import: %s\n", nd_last_error());
        return 1;
    }
    int32_t h[LLMC_HEADER_INTS];
    if (len < sizeof h) {
        fprintf(stderr,
                "shannon import: '%s' is truncated: %zu bytes, shorter than llm.c's "
                "1024-byte header\n",
                from, len);
        free(file);
        return 1;
    }
    memcpy(h, file, sizeof h);
    if (h[0] != LLMC_MODEL_MAGIC || h[1] != LLMC_MODEL_VERSION) {
        fprintf(stderr,
                "shannon import: '%s' is not a float32 llm.c model: magic %d version %d "
                "(expected %d version %d%s)\n",
                from, h[0], h[1], LLMC_MODEL_MAGIC, LLMC_MODEL_VERSION,
                h[0] == LLMC_MODEL_MAGIC && h[1] == 5 ? "; 5 is bfloat16" : "");
        free(file);
        return 1;
    }
    int64_t T = h[2], V = h[3], L = h[4], H = h[5], C = h[6], Vp = h[7];
    if (Vp < V) {
        fprintf(stderr, "shannon import: '%s': padded_vocab_size %lld is below vocab_size %lld\n",
                from, (long long)Vp, (long long)V);
        free(file);
        return 1;
    }
    if (!buildable(from, V, T, L, H, C) || Vp > MAX_VOCAB + LLMC_VOCAB_MULTIPLE) {
        if (Vp > MAX_VOCAB + LLMC_VOCAB_MULTIPLE)
            fprintf(stderr, "shannon import: '%s': padded_vocab_size %lld is out of range\n", from,
                    (long long)Vp);
        free(file);
        return 1;
    }
    /* The exact size the header promises, checked before the model is
     * allocated: (Vp + T) C, then 12 L C^2 + 13 L C, then 2 C floats. */
    int64_t floats = (Vp + T) * C + L * (12 * C * C + 13 * C) + 2 * C;
    int64_t need = 4 * (int64_t)LLMC_HEADER_INTS + 4 * floats;
    if ((int64_t)len != need) {
        fprintf(stderr,
                "shannon import: '%s' is %s: %zu bytes, but its header (vocab %lld padded "
                "%lld, %lld positions, %lld layers, %lld channels) needs %lld\n",
                from, (int64_t)len < need ? "truncated" : "too long", len, (long long)V,
                (long long)Vp, (long long)T, (long long)L, (long long)C, (long long)need);
        free(file);
        return 1;
    }
    transformer_model *model = new_gpt2(from, V, T, L, H, C, 0);
    if (!model) {
        free(file);
        return 1;
    }
    /* Parameters in llm.c's order, wte's padded rows skipped. */
    const char *at = file + sizeof h;
    int status = 0;
    for (int k = -2; k < LLMC_BLOCK_TENSORS * (int)L + 2 && status == 0; k++) {
        char name[96];
        if (k == -2)
            snprintf(name, sizeof name, "transformer.wte.weight");
        else if (k == -1)
            snprintf(name, sizeof name, "transformer.wpe.weight");
        else if (k < LLMC_BLOCK_TENSORS * (int)L)
            snprintf(name, sizeof name, "transformer.h.%d.%s", k % (int)L,
                     llmc_block_order[k / (int)L]);
        else
            snprintf(name, sizeof name, "transformer.ln_f.%s",
                     k == LLMC_BLOCK_TENSORS * (int)L ? "weight" : "bias");
        nd_array *value = ag_param_value(find_parameter(model, name));
        memcpy(nd_data(value), at, (size_t)nd_nbytes(value));
        at += nd_nbytes(value) + (k == -2 ? 4 * (Vp - V) * C : 0);
    }
    free(file);
    char path[4200];
    tok_tokenizer *tok = tokenizer
                             ? tokenizer_of_size(tokenizer, V)
                             : llmc_tokenizer(llmc_tokenizer_path(path, sizeof path, from), out, V);
    status = tok && write_model_folder(out, model, tok) == 0 ? 0 : 1;
    tok_free(tok);
    transformer_free(model);
    return status;
}

int command_import(int argc, char **argv)
{
    const char *format = NULL, *from = NULL, *out = NULL, *tokenizer = NULL;
    // clang-format off
    option options[] = {
        {"--format", OPT_STRING, &format, true, .meta = "hf-gpt2|llmc",
         .help = "hf-gpt2: a Hugging Face GPT-2 folder; llmc: llm.c's model file (version 3)"},
        {"--from", OPT_STRING, &from, true, .meta = "PATH",
         .help = "hf-gpt2: the folder; llmc: the model file X.bin (tokenizer: X_tokenizer.bin)"},
        {"--out", OPT_STRING, &out, true, .meta = "DIR",
         .help = "the Shannon model folder to write (config.json, tokenizer.json, model.safetensors)"},
        {"--tokenizer", OPT_STRING, &tokenizer, .meta = "DIR|FILE|gpt2",
         .help = "use this tokenizer instead of the one next to the checkpoint"},
    };
    // clang-format on
    int parsed = parse_options("import", argc, argv, 2, options, sizeof options / sizeof *options);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    if (strcmp(format, "hf-gpt2") == 0)
        return import_hf(from, out, tokenizer);
    if (strcmp(format, "llmc") == 0)
        return import_llmc(from, out, tokenizer);
    fprintf(stderr, "shannon import: --format must be hf-gpt2 or llmc, not '%s'\n", format);
    return 2;
}
