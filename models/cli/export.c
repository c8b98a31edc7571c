/*
 * shannon export: a Shannon model folder in a format other programs read.
 *
 *   shannon export --format hf-gpt2 --model DIR --out OUTDIR
 *   shannon export --format llmc    --model DIR --out FILE.bin [--tokenizer-out FILE]
 *
 * hf-gpt2  OUTDIR/model.safetensors in Hugging Face's GPT2Model layout
 *          (wte.weight, wpe.weight, h.N.*, ln_f.*; the Conv1D weights
 *          c_attn, c_proj, c_fc stored (in, out), the transpose of
 *          nn.Linear's; no attn.bias buffers; metadata {"format": "pt"}),
 *          OUTDIR/config.json with GPT2Config's keys, and the tokenizer:
 *          GPT-2's as vocab.json + merges.txt (HF's names for encoder.json
 *          and vocab.bpe, byte for byte), any other as Shannon's own
 *          shannon-tokenizer.json (HF has no file for it).
 * llmc     llm.c's model file (train_gpt2.py's write_model, version 3:
 *          float32, wte padded with zero rows to a multiple of 128) and
 *          its tokenizer file (write_tokenizer, version 2) next to it.
 *
 * Both carry GPT-2's shape only (interop.h); anything else is refused in
 * one line before a file is written.
 */
#include "interop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const llmc_block_order[LLMC_BLOCK_TENSORS] = {"ln_1.weight",        "ln_1.bias",
                                                          "attn.c_attn.weight", "attn.c_attn.bias",
                                                          "attn.c_proj.weight", "attn.c_proj.bias",
                                                          "ln_2.weight",        "ln_2.bias",
                                                          "mlp.c_fc.weight",    "mlp.c_fc.bias",
                                                          "mlp.c_proj.weight",  "mlp.c_proj.bias"};

const char *gpt2_shape_problem(const run_config *c)
{
    if (c->model.num_classes > 0)
        return "it is a classifier (GPT-2 has only the tied LM head)";
    if (c->model.bidirectional || strcmp(c->objective, "causal") != 0)
        return "it is a bidirectional masked-LM encoder (GPT-2 is a causal decoder)";
    if (!c->model.learned_positions)
        return "it uses sinusoidal positions (GPT-2 learns them: wpe)";
    if (c->model.post_ln)
        return "it is post-LN (GPT-2 normalizes before each block: pre-LN)";
    if (c->model.no_attention_scale || c->model.no_residual)
        return "it is an experiment without the attention scale or the residual connections";
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool is_conv1d_weight(const char *name)
{
    return ends_with(name, ".c_attn.weight") || ends_with(name, ".c_proj.weight") ||
           ends_with(name, ".c_fc.weight");
}

ag_tensor *find_parameter(const transformer_model *model, const char *name)
{
    for (int i = 0; i < transformer_num_tensors(model); i++) {
        const char *n;
        ag_tensor *t = transformer_tensor(model, i, &n);
        if (strcmp(n, name) == 0)
            return t;
    }
    return NULL;
}

const char *llmc_tokenizer_path(char *buffer, size_t size, const char *model_path)
{
    size_t n = strlen(model_path);
    int keep = (int)(ends_with(model_path, ".bin") ? n - 4 : n);
    snprintf(buffer, size, "%.*s_tokenizer.bin", keep, model_path);
    return buffer;
}

/* ---- hf-gpt2 ------------------------------------------------------------------------ */

#define TRANSFORMER_PREFIX "transformer."

static int export_hf_safetensors(const model_dir *m, const char *path)
{
    int n = transformer_num_tensors(m->model);
    const char *names[TRANSFORMER_MAX_TENSORS];
    nd_array *arrays[TRANSFORMER_MAX_TENSORS] = {0};
    int status = 0;
    for (int i = 0; i < n && status == 0; i++) {
        const char *name;
        const nd_array *value = ag_value(transformer_tensor(m->model, i, &name));
        /* nanoGPT's "transformer.h.0.ln_1.weight" is GPT2Model's "h.0.ln_1.weight". */
        names[i] = strncmp(name, TRANSFORMER_PREFIX, strlen(TRANSFORMER_PREFIX)) == 0
                       ? name + strlen(TRANSFORMER_PREFIX)
                       : name;
        /* A view: nd_safetensors_save writes any strides in C order. */
        arrays[i] = is_conv1d_weight(name) ? nd_transpose(value, NULL)
                                           : nd_reshape(value, nd_ndim(value), nd_shape(value));
        if (!arrays[i])
            status = -1;
    }
    static const char *const meta[2] = {"format", "pt"};
    if (status == 0)
        status = nd_safetensors_save(path, n, names, (const nd_array *const *)arrays, 1, meta);
    for (int i = 0; i < n; i++)
        nd_free(arrays[i]);
    return status;
}

/* GPT2Config's keys as transformers writes them for "gpt2", with this
 * model's sizes. n_inner null means 4 * n_embd; "gelu_new" is the tanh
 * GELU. The EOT id is GPT-2's bos/eos; a tokenizer without one leaves
 * them null. */
static int export_hf_config(const model_dir *m, const char *path)
{
    const transformer_config *c = &m->config.model;
    char eot[24] = "null";
    if (tok_eot_id(m->tok) >= 0)
        snprintf(eot, sizeof eot, "%d", tok_eot_id(m->tok));
    char text[2048];
    int len =
        snprintf(text, sizeof text,
                 "{\n"
                 "  \"activation_function\": \"gelu_new\",\n"
                 "  \"architectures\": [\"GPT2LMHeadModel\"],\n"
                 "  \"attn_pdrop\": %.17g,\n"
                 "  \"bos_token_id\": %s,\n"
                 "  \"embd_pdrop\": %.17g,\n"
                 "  \"eos_token_id\": %s,\n"
                 "  \"initializer_range\": %g,\n"
                 "  \"layer_norm_epsilon\": %g,\n"
                 "  \"model_type\": \"gpt2\",\n"
                 "  \"n_ctx\": %lld,\n"
                 "  \"n_embd\": %lld,\n"
                 "  \"n_head\": %d,\n"
                 "  \"n_inner\": null,\n"
                 "  \"n_layer\": %d,\n"
                 "  \"n_positions\": %lld,\n"
                 "  \"resid_pdrop\": %.17g,\n"
                 "  \"scale_attn_weights\": true,\n"
                 "  \"tie_word_embeddings\": true,\n"
                 "  \"use_cache\": true,\n"
                 "  \"vocab_size\": %lld\n"
                 "}\n",
                 c->dropout, eot, c->dropout, eot, TRANSFORMER_INIT_STD, TRANSFORMER_LAYER_NORM_EPS,
                 (long long)c->block_size, (long long)c->n_embd, c->n_head, c->n_layer,
                 (long long)c->block_size, c->dropout, (long long)c->vocab_size);
    return nd_write_atomic(path, text, (size_t)len);
}

/* dir/from copied to out/to, byte for byte. */
static int copy_file(const char *command, const char *dir, const char *from, const char *out,
                     const char *to)
{
    char src[4200], dst[4200];
    size_t len;
    char *data = nd_read_file(join_path(src, sizeof src, dir, from), (size_t)1 << 30, &len);
    int status = data ? nd_write_atomic(join_path(dst, sizeof dst, out, to), data, len) : -1;
    free(data);
    if (status < 0)
        fprintf(stderr, "shannon %s: %s\n", command, nd_last_error());
    return status;
}

static int export_hf(const model_dir *m, const char *model_dir_path, const char *out)
{
    char path[4200];
    if (make_folder(out) < 0) {
        fprintf(stderr, "shannon export: cannot create the folder '%s'\n", out);
        return 1;
    }
    if (export_hf_safetensors(m, join_path(path, sizeof path, out, "model.safetensors")) < 0 ||
        export_hf_config(m, join_path(path, sizeof path, out, "config.json")) < 0) {
        fprintf(stderr, "shannon export: %s\n", nd_last_error());
        return 1;
    }
    if (tok_kind_of(m->tok) == TOK_GPT2) {
        /* The model folder holds GPT-2's files next to tokenizer.json (tok_save). */
        if (copy_file("export", model_dir_path, "encoder.json", out, "vocab.json") < 0 ||
            copy_file("export", model_dir_path, "vocab.bpe", out, "merges.txt") < 0)
            return 1;
    } else if (tok_save(m->tok, join_path(path, sizeof path, out, "shannon-tokenizer.json")) < 0) {
        fprintf(stderr, "shannon export: %s\n", tok_last_error());
        return 1;
    }
    return 0;
}

/* ---- llmc ------------------------------------------------------------------------------ */

static int write_floats(FILE *f, const nd_array *a)
{
    if (nd_dtype_of(a) != ND_FLOAT32 || !nd_is_c_contiguous(a))
        return nd_set_last_error(ND_ERR_TYPE, "a parameter is not a contiguous float32 array");
    size_t n = (size_t)nd_size(a);
    return fwrite(nd_data(a), sizeof(float), n, f) == n ? 0 : -1;
}

static int write_llmc_model(FILE *f, void *ctx)
{
    const transformer_model *model = ctx;
    const transformer_config *c = transformer_get_config(model);
    int64_t Vp =
        (c->vocab_size + LLMC_VOCAB_MULTIPLE - 1) / LLMC_VOCAB_MULTIPLE * LLMC_VOCAB_MULTIPLE;
    int32_t header[LLMC_HEADER_INTS] =
        {LLMC_MODEL_MAGIC, LLMC_MODEL_VERSION, (int32_t)c->block_size, (int32_t)c->vocab_size,
         c->n_layer,       c->n_head,          (int32_t)c->n_embd,     (int32_t)Vp};
    if (fwrite(header, sizeof header, 1, f) != 1 ||
        write_floats(f, ag_value(find_parameter(model, "transformer.wte.weight"))) < 0)
        return -1;
    /* The padded rows of wte: zeros, as pad_vocab writes them. */
    static const float zeros[1024];
    for (int64_t left = (Vp - c->vocab_size) * c->n_embd; left > 0; left -= 1024)
        if (fwrite(zeros, sizeof(float), (size_t)(left < 1024 ? left : 1024), f) == 0)
            return -1;
    if (write_floats(f, ag_value(find_parameter(model, "transformer.wpe.weight"))) < 0)
        return -1;
    for (int k = 0; k < LLMC_BLOCK_TENSORS; k++)
        for (int l = 0; l < c->n_layer; l++) {
            char name[96];
            snprintf(name, sizeof name, "transformer.h.%d.%s", l, llmc_block_order[k]);
            if (write_floats(f, ag_value(find_parameter(model, name))) < 0)
                return -1;
        }
    if (write_floats(f, ag_value(find_parameter(model, "transformer.ln_f.weight"))) < 0 ||
        write_floats(f, ag_value(find_parameter(model, "transformer.ln_f.bias"))) < 0)
        return -1;
    return 0;
}

static int write_llmc_tokenizer(FILE *f, void *ctx)
{
    const tok_tokenizer *tok = ctx;
    int n = tok_vocab_size(tok);
    int32_t header[LLMC_HEADER_INTS] = {LLMC_TOKENIZER_MAGIC, LLMC_TOKENIZER_VERSION, n,
                                        tok_eot_id(tok)};
    if (fwrite(header, sizeof header, 1, f) != 1)
        return -1;
    for (int32_t id = 0; id < n; id++) {
        size_t len;
        const char *bytes = tok_token_bytes(tok, id, &len);
        if (!bytes || len > 255)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "token %d is %zu bytes long; llm.c's tokenizer "
                                     "file holds at most 255",
                                     id, len);
        unsigned char byte = (unsigned char)len;
        if (fwrite(&byte, 1, 1, f) != 1 || fwrite(bytes, 1, len, f) != len)
            return -1;
    }
    return 0;
}

static int export_llmc(const model_dir *m, const char *out, const char *tokenizer_out)
{
    char path[4200];
    if (!tokenizer_out)
        tokenizer_out = llmc_tokenizer_path(path, sizeof path, out);
    if (nd_write_atomic_with(out, write_llmc_model, m->model) < 0 ||
        nd_write_atomic_with(tokenizer_out, write_llmc_tokenizer, m->tok) < 0) {
        fprintf(stderr, "shannon export: %s\n", nd_last_error());
        return 1;
    }
    return 0;
}

int command_export(int argc, char **argv)
{
    const char *format = NULL, *model = NULL, *out = NULL, *tokenizer_out = NULL;
    // clang-format off
    option options[] = {
        {"--format", OPT_STRING, &format, true, .meta = "hf-gpt2|llmc",
         .help = "hf-gpt2: a Hugging Face GPT-2 folder; llmc: llm.c's model and tokenizer files"},
        {"--model", OPT_STRING, &model, true, .meta = "DIR",
         .help = "the Shannon model folder to export (a GPT-2-shaped causal decoder)"},
        {"--out", OPT_STRING, &out, true, .meta = "PATH",
         .help = "hf-gpt2: the folder to write; llmc: the model file (X.bin)"},
        {"--tokenizer-out", OPT_STRING, &tokenizer_out, .meta = "FILE",
         .help = "llmc: the tokenizer file (default: X_tokenizer.bin next to X.bin)"},
    };
    // clang-format on
    int parsed = parse_options("export", argc, argv, 2, options, sizeof options / sizeof *options);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    bool hf = strcmp(format, "hf-gpt2") == 0;
    if (!hf && strcmp(format, "llmc") != 0) {
        fprintf(stderr, "shannon export: --format must be hf-gpt2 or llmc, not '%s'\n", format);
        return 2;
    }
    if (hf && tokenizer_out) {
        fprintf(stderr, "shannon export: --tokenizer-out is for --format llmc only (hf-gpt2 "
                        "writes the tokenizer into the --out folder)\n");
        return 2;
    }
    model_dir m;
    if (open_model_dir("export", model, &m) < 0)
        return 1;
    const char *problem = gpt2_shape_problem(&m.config);
    int status;
    if (problem) {
        fprintf(stderr, "shannon export: %s cannot carry the model in '%s': %s\n", format, model,
                problem);
        status = 1;
    } else {
        status = hf ? export_hf(&m, model, out) : export_llmc(&m, out, tokenizer_out);
    }
    close_model_dir(&m);
    return status;
}
