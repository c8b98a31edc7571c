/* tokenizer/tok.c: the entry points the kinds share: encode and decode
 * (argument checks, then the kind's encoder: bpe.c serves bpe and gpt2;
 * decoding is one table for all), the accessors, and freeing. */
#include <stdlib.h>
#include <string.h>

#include "tok_internal.h"

const char *tok_last_error(void) { return nd_last_error(); }

void tok_free(tok_tokenizer *tok)
{
    if (!tok)
        return;
    free(tok->off);
    free(tok->bytes);
    free(tok->cps);
    free(tok->merges);
    tok_pairmap_free(&tok->ranks);
    free(tok->merge_id);
    free(tok->file[0]);
    free(tok->file[1]);
    free(tok);
}

/* The accessors' answer to a NULL tok: -1 with the message set. */
static int null_tok(const char *fn)
{
    nd_set_last_error(ND_ERR_VALUE, "%s: tok is NULL", fn);
    return -1;
}

int tok_vocab_size(const tok_tokenizer *tok)
{
    return tok ? tok->vocab_size : null_tok("tok_vocab_size");
}

tok_kind tok_kind_of(const tok_tokenizer *tok)
{
    if (!tok) {
        null_tok("tok_kind_of");
        return (tok_kind)0;
    }
    return tok->kind;
}

const char *tok_kind_name(tok_kind kind)
{
    return kind == TOK_CHAR ? "char" : kind == TOK_BPE ? "bpe" : kind == TOK_GPT2 ? "gpt2" : NULL;
}

int tok_unk_id(const tok_tokenizer *tok)
{
    if (!tok)
        return null_tok("tok_unk_id");
    return tok->kind == TOK_CHAR ? tok->vocab_size - 1 - tok->n_special : -1;
}

static const char *const special_names[TOK_NUM_SPECIAL] = {"[MASK]", "[CLS]", "[SEP]", "[PAD]"};

const char *tok_special_name(tok_special which)
{
    return (int)which >= 0 && (int)which < TOK_NUM_SPECIAL ? special_names[which] : NULL;
}

int tok_special_id(const tok_tokenizer *tok, tok_special which)
{
    if (!tok)
        return null_tok("tok_special_id");
    if (!tok->n_special || !tok_special_name(which))
        return -1;
    return tok->vocab_size - tok->n_special + (int)which;
}

int tok_add_special_tokens(tok_tokenizer *tok)
{
    if (!tok)
        return nd_set_last_error(ND_ERR_VALUE, "tok_add_special_tokens: tok is NULL");
    if (tok->n_special)
        return 0;
    size_t V = (size_t)tok->vocab_size, end = tok->off[V], extra = 0;
    for (int i = 0; i < TOK_NUM_SPECIAL; i++)
        extra += strlen(special_names[i]);
    size_t *off = realloc(tok->off, (V + TOK_NUM_SPECIAL + 1) * sizeof *off);
    if (!off)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory adding special tokens");
    tok->off = off;
    char *bytes = realloc(tok->bytes, end + extra);
    if (!bytes)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory adding special tokens");
    tok->bytes = bytes;
    for (int i = 0; i < TOK_NUM_SPECIAL; i++) {
        size_t k = strlen(special_names[i]);
        memcpy(bytes + off[V + (size_t)i], special_names[i], k);
        off[V + (size_t)i + 1] = off[V + (size_t)i] + k;
    }
    tok->n_special = TOK_NUM_SPECIAL;
    tok->vocab_size += TOK_NUM_SPECIAL;
    return 0;
}

int tok_eot_id(const tok_tokenizer *tok)
{
    if (!tok)
        return null_tok("tok_eot_id");
    return tok->kind == TOK_GPT2 ? tok->eot : -1;
}

static int check_id(const tok_tokenizer *tok, int32_t id)
{
    if (id < 0 || id >= tok->vocab_size)
        return nd_set_last_error(ND_ERR_INDEX, "token id %d out of range for a vocabulary of %d",
                                 (int)id, (int)tok->vocab_size);
    return 0;
}

const char *tok_token_bytes(const tok_tokenizer *tok, int32_t id, size_t *len)
{
    if (!tok || !len) {
        nd_set_last_error(ND_ERR_VALUE, "tok_token_bytes: tok and len must not be NULL");
        return NULL;
    }
    *len = 0;
    if (check_id(tok, id) < 0)
        return NULL;
    *len = tok->off[id + 1] - tok->off[id];
    return tok->bytes + tok->off[id];
}

int tok_encode(const tok_tokenizer *tok, const char *text, size_t len, int32_t **ids, size_t *n)
{
    if (!ids || !n)
        return nd_set_last_error(ND_ERR_VALUE, "tok_encode: ids and n must not be NULL");
    *ids = NULL;
    *n = 0;
    if (!tok)
        return nd_set_last_error(ND_ERR_VALUE, "tok_encode: tok is NULL");
    if (!text && len > 0)
        return nd_set_last_error(ND_ERR_VALUE, "text is NULL but len is %zu", len);
    const unsigned char *s = (const unsigned char *)text;
    return tok->kind == TOK_CHAR ? tok_char_encode(tok, s, len, ids, n)
                                 : tok_bpe_encode(tok, s, len, ids, n);
}

int tok_decode(const tok_tokenizer *tok, const int32_t *ids, size_t n, char **text, size_t *len)
{
    if (!text || !len)
        return nd_set_last_error(ND_ERR_VALUE, "tok_decode: text and len must not be NULL");
    *text = NULL;
    *len = 0;
    if (!tok)
        return nd_set_last_error(ND_ERR_VALUE, "tok_decode: tok is NULL");
    if (!ids && n > 0)
        return nd_set_last_error(ND_ERR_VALUE, "ids is NULL but n is %zu", n);
    /* Tokens are at most TOK_MAX_TOKEN_BYTES long, so the sum cannot
     * overflow before the allocation fails. */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (check_id(tok, ids[i]) < 0)
            return ND_ERR_INDEX;
        total += tok->off[ids[i] + 1] - tok->off[ids[i]];
    }
    char *out = malloc(total + 1);
    if (!out)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory for a text of %zu bytes", total);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = tok->off[ids[i]], k = tok->off[ids[i] + 1] - b;
        memcpy(out + at, tok->bytes + b, k);
        at += k;
    }
    out[at] = '\0';
    *text = out;
    *len = at;
    return 0;
}
