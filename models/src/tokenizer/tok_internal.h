/* tokenizer/tok_internal.h: the tokenizer object and the helpers its files
 * share (private to models/src/tokenizer/). */
#ifndef TOK_INTERNAL_H
#define TOK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nd.h"
#include "tok.h"

/* An open-addressing map from a pair of ids (left, right) to an int32 value:
 * BPE's merge ranks, and training's pair indices. Capacity is a power of
 * two, at most half full; key UINT64_MAX marks an empty slot. */
typedef struct tok_pairmap {
    uint64_t *keys;
    int32_t *vals;
    size_t cap, n;
} tok_pairmap;

static inline uint64_t tok_pair_key(int32_t a, int32_t b)
{
    return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
}

/* A 64-bit mix (splitmix64's finalizer): spreads pair keys over the table. */
static inline uint64_t tok_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A hash of the bytes p[0..n) (8 at a time through tok_mix64). */
static inline uint64_t tok_hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = tok_mix64(h ^ v);
    }
    uint64_t v = 0;
    memcpy(&v, p, n);
    return tok_mix64(h ^ v);
}

/* The value of (a, b), or -1 if absent. */
static inline int32_t tok_pairmap_get(const tok_pairmap *m, int32_t a, int32_t b)
{
    if (m->cap == 0)
        return -1;
    uint64_t key = tok_pair_key(a, b);
    size_t mask = m->cap - 1;
    for (size_t i = tok_mix64(key) & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == UINT64_MAX)
            return -1;
    }
}

/* containers.c: sets (a, b) -> val (inserting or overwriting). 0, or
 * ND_ERR_MEMORY. */
int tok_pairmap_put(tok_pairmap *m, int32_t a, int32_t b, int32_t val);
void tok_pairmap_free(tok_pairmap *m);

struct tok_tokenizer {
    tok_kind kind;
    int32_t vocab_size;
    int32_t n_special; /* 0, or TOK_NUM_SPECIAL: the last ids are [MASK] [CLS] [SEP] [PAD] */
    /* The bytes of token i are bytes[off[i] .. off[i+1]). */
    size_t *off;
    char *bytes;

    /* char: the code points of ids 0 .. vocab_size - 2, increasing, and a
     * direct table for ASCII (-1: not in the vocabulary). */
    uint32_t *cps;
    int32_t ascii[128];

    /* bpe: merges[2i], merges[2i+1] make id 256 + i; ranks maps a pair to
     * its merge index i. */
    int32_t *merges;
    int32_t n_merges;
    tok_pairmap ranks;

    /* gpt2 (the same encoder as bpe, other ids): the one-byte token of byte
     * b is byte_id[b], merge i makes merge_id[i], ranks maps a pair of ids
     * to its merge index; the two files as read, which tok_save writes
     * back byte for byte (file[0] encoder.json, file[1] vocab.bpe). bpe
     * needs no tables: byte b is id b, merge i makes 256 + i. */
    int32_t byte_id[256];
    int32_t *merge_id;
    int32_t eot; /* the id of "<|endoftext|>", -1 if encoder.json has none */
    char *file[2];
    size_t file_len[2];
};

static inline int32_t tok_byte_id(const tok_tokenizer *tok, unsigned char b)
{
    return tok->kind == TOK_GPT2 ? tok->byte_id[b] : (int32_t)b;
}

static inline int32_t tok_merge_id(const tok_tokenizer *tok, int32_t rank)
{
    return tok->kind == TOK_GPT2 ? tok->merge_id[rank] : 256 + rank;
}

/* U+DC80 + (byte - 0x80): how an invalid UTF-8 byte is a character. */
#define TOK_ESCAPE_BASE 0xDC00u
#define TOK_MAX_CODE_POINT 0x10FFFFu

/* Decodes the character at s[i] (i < len) into *cp and returns its length
 * in bytes: a valid UTF-8 sequence (strict, as Python decodes: no overlongs,
 * no surrogates, nothing above U+10FFFF), or one invalid byte b as
 * U+DC00 + b. */
size_t tok_utf8_next(const unsigned char *s, size_t len, size_t i, uint32_t *cp);

/* The length of the contraction 's|'t|'re|'ve|'m|'ll|'d at s[i] (i < len),
 * 0 if there is none: the first alternatives of GPT-2's regex, the same
 * for both pre-tokenizers (case-sensitive: "'S" is no contraction). */
static inline size_t tok_contraction_len(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] != '\'' || i + 1 >= len)
        return 0;
    unsigned d = s[i + 1];
    if (d == 's' || d == 't' || d == 'm' || d == 'd')
        return 2;
    if (i + 2 < len) {
        unsigned e = s[i + 2];
        if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l'))
            return 3;
    }
    return 0;
}

/* The end of the pre-token that starts at s[i] (i < len): GPT-2's split with
 * ASCII classes, as tok.h describes. Always > i. */
size_t tok_pretoken_end(const unsigned char *s, size_t len, size_t i);

/* The end of the pre-token that starts at s[i] (i < len): GPT-2's split
 * with its Unicode classes (gpt2.c). Always > i. */
size_t tok_gpt2_pretoken_end(const unsigned char *s, size_t len, size_t i);

/* A GPT-2 tokenizer from the encoder.json and vocab.bpe next to the
 * tokenizer file json_path (tok_load of a "gpt2" file), and tok_save of
 * one: both files, then json_path. `what` prefixes messages. */
tok_tokenizer *tok_gpt2_load_beside(const char *json_path, const char *what);
int tok_gpt2_save(const tok_tokenizer *tok, const char *json_path);

/* Tokenizers from their defining data, validated (training and tok_load
 * both end here). Both take ownership of the array (freed on error too) and
 * report errors with `what` as the message prefix ("" or "file 'x': "). */
tok_tokenizer *tok_char_from_code_points(uint32_t *cps, size_t n, const char *what);
tok_tokenizer *tok_bpe_from_merges(int32_t *merges, int32_t n_merges, const char *what);

/* Encoders of each kind (arguments already checked). */
int tok_char_encode(const tok_tokenizer *tok, const unsigned char *s, size_t len, int32_t **ids,
                    size_t *n);
int tok_bpe_encode(const tok_tokenizer *tok, const unsigned char *s, size_t len, int32_t **ids,
                   size_t *n);

/* A growable int32 array (encoders' output). */
typedef struct tok_ivec {
    int32_t *v;
    size_t n, cap;
} tok_ivec;

/* containers.c: makes room for `extra` more; 0 or ND_ERR_MEMORY (with the
 * message set). */
int tok_ivec_reserve(tok_ivec *a, size_t extra);

#endif
