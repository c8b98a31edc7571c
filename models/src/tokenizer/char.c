/* tokenizer/char.c: the character tokenizer. A character is a code point of
 * the UTF-8 text, or an invalid byte b as U+DC00 + b (Python's
 * surrogateescape), so the vocabulary sorted by code point is exactly
 * Python's sorted(set(text.decode("utf-8", "surrogateescape"))). */
#include <stdlib.h>
#include <string.h>

#include "tok_internal.h"

size_t tok_utf8_next(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned c = s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* Lead byte: the sequence length and the range its second byte must be
     * in (which rules out overlongs, surrogates and > U+10FFFF at once, as
     * Unicode's table of well-formed sequences does). */
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        goto invalid;
    if (i + n > len || s[i + 1] < lo || s[i + 1] > hi)
        goto invalid;
    uint32_t v = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            goto invalid;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    *cp = v;
    return n;
invalid:
    *cp = TOK_ESCAPE_BASE + c;
    return 1;
}

/* The bytes of a character: its UTF-8, or the raw byte it escapes. */
static size_t char_bytes(uint32_t cp, char out[4])
{
    if (cp >= TOK_ESCAPE_BASE + 0x80 && cp <= TOK_ESCAPE_BASE + 0xFF) {
        out[0] = (char)(cp - TOK_ESCAPE_BASE);
        return 1;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A character the decoder can produce: a scalar value, or an escape. */
static bool is_character(uint32_t cp)
{
    if (cp > TOK_MAX_CODE_POINT)
        return false;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return cp >= TOK_ESCAPE_BASE + 0x80 && cp <= TOK_ESCAPE_BASE + 0xFF;
    return true;
}

static const char unk_bytes[] = "\xEF\xBF\xBD"; /* U+FFFD */

tok_tokenizer *tok_char_from_code_points(uint32_t *cps, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_character(cps[i])) {
            nd_set_last_error(ND_ERR_VALUE, "%schars[%zu] = %u is not a character", what, i,
                              (unsigned)cps[i]);
            goto fail;
        }
        if (i > 0 && cps[i] <= cps[i - 1]) {
            nd_set_last_error(ND_ERR_VALUE, "%schars are not in increasing order at index %zu",
                              what, i);
            goto fail;
        }
    }
    /* n <= number of characters (about 1.1 million), so n + 1 fits int32. */
    tok_tokenizer *tok = calloc(1, sizeof *tok);
    size_t *off = malloc((n + 2) * sizeof *off);
    char *bytes = malloc(4 * n + sizeof unk_bytes);
    if (!tok || !off || !bytes) {
        free(tok), free(off), free(bytes);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory for a vocabulary of %zu characters", n);
        goto fail;
    }
    tok->kind = TOK_CHAR;
    tok->vocab_size = (int32_t)(n + 1);
    tok->cps = cps;
    tok->off = off;
    tok->bytes = bytes;
    for (int i = 0; i < 128; i++)
        tok->ascii[i] = -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        off[i] = at;
        at += char_bytes(cps[i], bytes + at);
        if (cps[i] < 128)
            tok->ascii[cps[i]] = (int32_t)i;
    }
    off[n] = at;
    memcpy(bytes + at, unk_bytes, 3);
    off[n + 1] = at + 3;
    return tok;
fail:
    free(cps);
    return NULL;
}

tok_tokenizer *tok_char_train(const char *text, size_t len)
{
    if (!text && len > 0) {
        nd_set_last_error(ND_ERR_VALUE, "text is NULL but len is %zu", len);
        return NULL;
    }
    /* One bit per code point marks the characters seen; walking the bits in
     * order gives them sorted. */
    size_t nbits = TOK_MAX_CODE_POINT + 1;
    uint64_t *seen = calloc(nbits / 64, sizeof *seen);
    if (!seen) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tok_utf8_next(s, len, i, &cp);
        seen[cp / 64] |= 1ULL << (cp % 64);
    }
    size_t n = 0;
    for (size_t w = 0; w < nbits / 64; w++)
        n += (size_t)__builtin_popcountll(seen[w]);
    uint32_t *cps = malloc((n ? n : 1) * sizeof *cps);
    if (!cps) {
        free(seen);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    size_t k = 0;
    for (size_t w = 0; w < nbits / 64; w++)
        for (uint64_t bits = seen[w]; bits; bits &= bits - 1)
            cps[k++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    free(seen);
    return tok_char_from_code_points(cps, n, "");
}

int tok_char_encode(const tok_tokenizer *tok, const unsigned char *s, size_t len, int32_t **ids,
                    size_t *n)
{
    /* At most one id per byte. */
    int32_t *out = malloc((len ? len : 1) * sizeof *out);
    if (!out)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu token ids", len);
    int32_t unk = tok->vocab_size - 1 - tok->n_special;
    size_t nchars = (size_t)unk, k = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 128) {
            int32_t id = tok->ascii[s[i++]];
            out[k++] = id >= 0 ? id : unk;
            continue;
        }
        uint32_t cp;
        i += tok_utf8_next(s, len, i, &cp);
        size_t lo = 0, hi = nchars; /* binary search in the sorted code points */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (tok->cps[mid] < cp)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[k++] = lo < nchars && tok->cps[lo] == cp ? (int32_t)lo : unk;
    }
    *ids = out;
    *n = k;
    return 0;
}
