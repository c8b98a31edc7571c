/*
 * interop_check: the C side of interop_test.sh (shannon export / import).
 *
 *   interop_check make DIR TOKENIZER LAYERS HEADS EMBD BLOCK [post-ln]
 *       a model folder of random weights (transformer_new, seed 1):
 *       TOKENIZER "gpt2" (GPT-2's files, vocab 50257) or "charN" (a
 *       character vocabulary of N - 1 code points from U+10000, + <unk>)
 *   interop_check compare DIR_A DIR_B
 *       the two folders' parameters bit for bit (names, shapes, bytes),
 *       their tokenizers token for token, and the logits of one sequence
 *       of 16 tokens, bit for bit
 *   interop_check loss DIR ID...
 *       the LM loss (%.9g) of the ids as one window (n <= block + 1),
 *       as `shannon eval` computes it (the composed reference ops)
 *
 * Exit status 0 when everything holds, 1 with one line otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"
#include "transformer.h"

static int fail(const char *what)
{
    fprintf(stderr, "interop_check: %s\n", what);
    return 1;
}

static const char *join(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
    return buf;
}

/* The model of a folder: config.json's shape, model.safetensors' values. */
static transformer_model *open_model(const char *dir)
{
    char path[4200];
    nd_json *doc = nd_json_load(join(path, sizeof path, dir, "config.json"), NULL);
    const nd_json_value *r = nd_json_root(doc);
    int64_t v[5];
    static const char *const keys[5] = {"vocab_size", "block_size", "n_layer", "n_head", "n_embd"};
    bool learned = false, post_ln = false, ok = doc != NULL;
    for (int k = 0; k < 5 && ok; k++)
        ok = nd_json_int(nd_json_member(r, keys[k]), &v[k]) == 0;
    ok = ok && nd_json_bool(nd_json_member(r, "learned_positions"), &learned) == 0 &&
         nd_json_bool(nd_json_member(r, "post_ln"), &post_ln) == 0;
    nd_json_free(doc);
    if (!ok)
        return NULL;
    transformer_config c = transformer_default_config();
    c.vocab_size = v[0], c.block_size = v[1], c.n_layer = (int)v[2], c.n_head = (int)v[3];
    c.n_embd = v[4], c.learned_positions = learned, c.post_ln = post_ln;
    transformer_model *m = transformer_new(&c, 0);
    if (m && transformer_load(m, join(path, sizeof path, dir, "model.safetensors"), false) < 0) {
        transformer_free(m);
        return NULL;
    }
    return m;
}

static int make(int argc, char **argv)
{
    char path[4200];
    const char *dir = argv[2], *tokspec = argv[3];
    tok_tokenizer *tok = NULL;
    int64_t V;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
        return fail("cannot create the folder");
    if (strcmp(tokspec, "gpt2") == 0) {
        if (!(tok = tok_gpt2_load(NULL)))
            return fail(tok_last_error());
    } else {
        /* "charN": code points U+10000.. (all valid, none a surrogate). */
        V = strtoll(tokspec + 4, NULL, 10);
        FILE *f = fopen(join(path, sizeof path, dir, "tokenizer.json"), "w");
        if (!f || V < 2)
            return fail("bad charN");
        fprintf(f,
                "{\"format\": \"shannon-tokenizer\", \"version\": 1, \"kind\": \"char\", "
                "\"vocab_size\": %lld, \"unk_id\": %lld, \"chars\": [",
                (long long)V, (long long)V - 1);
        for (int64_t i = 0; i + 1 < V; i++)
            fprintf(f, "%s%lld", i ? ", " : "", (long long)(0x10000 + i));
        fprintf(f, "]}\n");
        fclose(f);
        if (!(tok = tok_load(path)))
            return fail(tok_last_error());
    }
    V = tok_vocab_size(tok);
    transformer_config c = transformer_default_config();
    c.vocab_size = V, c.n_layer = atoi(argv[4]), c.n_head = atoi(argv[5]);
    c.n_embd = atoi(argv[6]), c.block_size = atoi(argv[7]), c.learned_positions = true;
    c.post_ln = argc > 8 && strcmp(argv[8], "post-ln") == 0;
    transformer_model *m = transformer_new(&c, 1);
    FILE *f = fopen(join(path, sizeof path, dir, "config.json"), "w");
    int status = !m || !f;
    if (f) {
        fprintf(f,
                "{\"vocab_size\": %lld, \"block_size\": %lld, \"n_layer\": %d, \"n_head\": %d, "
                "\"n_embd\": %lld, \"dropout\": 0, \"learned_positions\": true, \"post_ln\": %s, "
                "\"objective\": \"causal\", \"bidirectional\": false, \"mask_rate\": 0.15, "
                "\"num_classes\": 0, \"pooling\": \"last\", \"tokenizer\": \"%s\", \"batch\": 1, "
                "\"iters\": 0, \"lr\": 0.0006, \"seed\": 1}\n",
                (long long)V, (long long)c.block_size, c.n_layer, c.n_head, (long long)c.n_embd,
                c.post_ln ? "true" : "false", tok_kind_name(tok_kind_of(tok)));
        status |= fclose(f) != 0;
    }
    status = status || tok_save(tok, join(path, sizeof path, dir, "tokenizer.json")) < 0 ||
             transformer_save(m, join(path, sizeof path, dir, "model.safetensors"), 0, NULL) < 0;
    transformer_free(m);
    tok_free(tok);
    return status ? fail("cannot write the model folder") : 0;
}

static int compare(char **argv)
{
    char pa[4200], pb[4200], msg[512];
    nd_safetensors *a = nd_safetensors_load(join(pa, sizeof pa, argv[2], "model.safetensors"));
    nd_safetensors *b = nd_safetensors_load(join(pb, sizeof pb, argv[3], "model.safetensors"));
    tok_tokenizer *ta = tok_load(join(pa, sizeof pa, argv[2], "tokenizer.json"));
    tok_tokenizer *tb = tok_load(join(pb, sizeof pb, argv[3], "tokenizer.json"));
    int status = !a || !b || !ta || !tb;
    snprintf(msg, sizeof msg, "cannot open the folders");
    if (!status && nd_safetensors_count(a) != nd_safetensors_count(b)) {
        status = 1;
        snprintf(msg, sizeof msg, "%d tensors against %d", nd_safetensors_count(a),
                 nd_safetensors_count(b));
    }
    for (int i = 0; !status && i < nd_safetensors_count(a); i++) {
        const char *name = nd_safetensors_name(a, i);
        nd_array *x = nd_safetensors_get(a, name), *y = nd_safetensors_get(b, name);
        status = !x || !y || nd_ndim(x) != nd_ndim(y) ||
                 memcmp(nd_shape(x), nd_shape(y), (size_t)nd_ndim(x) * sizeof(int64_t)) != 0 ||
                 nd_nbytes(x) != nd_nbytes(y) ||
                 memcmp(nd_data(x), nd_data(y), (size_t)nd_nbytes(x));
        if (status)
            snprintf(msg, sizeof msg, "parameter %s differs", name);
        nd_free(x);
        nd_free(y);
    }
    if (!status && (tok_kind_of(ta) != tok_kind_of(tb) || tok_vocab_size(ta) != tok_vocab_size(tb))) {
        status = 1;
        snprintf(msg, sizeof msg, "the tokenizers differ: %s %d against %s %d",
                 tok_kind_name(tok_kind_of(ta)), tok_vocab_size(ta), tok_kind_name(tok_kind_of(tb)),
                 tok_vocab_size(tb));
    }
    for (int32_t id = 0; !status && id < tok_vocab_size(ta); id++) {
        size_t la, lb;
        const char *x = tok_token_bytes(ta, id, &la), *y = tok_token_bytes(tb, id, &lb);
        if (la != lb || memcmp(x, y, la) != 0) {
            status = 1;
            snprintf(msg, sizeof msg, "token %d differs", id);
        }
    }
    nd_safetensors_free(a);
    nd_safetensors_free(b);
    tok_free(ta);
    tok_free(tb);
    transformer_model *ma = status ? NULL : open_model(argv[2]);
    transformer_model *mb = status ? NULL : open_model(argv[3]);
    if (!status && (!ma || !mb)) {
        status = 1;
        snprintf(msg, sizeof msg, "cannot load a model: %s", nd_last_error());
    }
    int64_t V = ma ? transformer_get_config(ma)->vocab_size : 1, T = 16, shape[2] = {1, T};
    nd_array *idx = nd_empty(ND_INT64, 2, shape);
    for (int64_t t = 0; t < T; t++)
        ((int64_t *)nd_data(idx))[t] = (t * 7919 + 13) % V;
    if (!status) {
        ag_no_grad_begin();
        ag_tensor *la = transformer_forward(ma, idx, NULL);
        nd_array *ca = la ? nd_copy(ag_value(la)) : NULL;
        ag_tensor *lb = transformer_forward(mb, idx, NULL);
        status = !ca || !lb || nd_nbytes(ca) != nd_nbytes(ag_value(lb)) ||
                 memcmp(nd_data(ca), nd_data(ag_value(lb)), (size_t)nd_nbytes(ca)) != 0;
        if (status)
            snprintf(msg, sizeof msg, "the logits differ");
        else
            printf("identical: %lld parameters, tokenizer, logits (1, %lld, %lld)\n",
                   (long long)transformer_num_parameters(ma), (long long)T, (long long)V);
        nd_free(ca);
        ag_tape_reset();
        ag_no_grad_end();
    }
    nd_free(idx);
    transformer_free(ma);
    transformer_free(mb);
    return status ? fail(msg) : 0;
}

static int loss(int argc, char **argv)
{
    transformer_model *m = open_model(argv[2]);
    int64_t n = argc - 3, shape[2] = {1, n - 1};
    if (!m || n < 2 || n - 1 > transformer_get_config(m)->block_size) {
        transformer_free(m);
        return fail("cannot load the model, or not 2..block+1 ids");
    }
    nd_array *x = nd_empty(ND_INT64, 2, shape), *y = nd_empty(ND_INT64, 2, shape);
    for (int64_t i = 0; i + 1 < n; i++) {
        ((int64_t *)nd_data(x))[i] = atoll(argv[3 + i]);
        ((int64_t *)nd_data(y))[i] = atoll(argv[4 + i]);
    }
    ag_no_grad_begin();
    transformer_forward_options o = {.composed = true};
    ag_tensor *l = transformer_lm_loss(m, x, y, &o);
    if (l)
        printf("%.9g\n", (double)*(const float *)nd_data(ag_value(l)));
    ag_tape_reset();
    ag_no_grad_end();
    nd_free(x);
    nd_free(y);
    transformer_free(m);
    return l ? 0 : fail(nd_last_error());
}

int main(int argc, char **argv)
{
    if (argc >= 8 && strcmp(argv[1], "make") == 0)
        return make(argc, argv);
    if (argc == 4 && strcmp(argv[1], "compare") == 0)
        return compare(argv);
    if (argc >= 5 && strcmp(argv[1], "loss") == 0)
        return loss(argc, argv);
    return fail("usage: make DIR TOKENIZER LAYERS HEADS EMBD BLOCK [post-ln] | compare A B | "
                "loss DIR ID...");
}
