/* tokenizer/gpt2.c: GPT-2's tokenizer. Its pre-tokenizer (GPT-2's regex,
 * hand-matched, with the Unicode classes of gpt2_unicode.c), reading
 * encoder.json and vocab.bpe into the BPE tables that bpe.c's encoder runs
 * on, and writing them back.
 *
 * Why bpe.c's encoder is exact here. GPT-2's reference (encoder.py, and
 * gpt-3-encoder's Encoder.js) repeats: take the lowest-ranked pair present
 * in the word, merge all its occurrences left to right in one pass. bpe.c
 * instead merges one pair at a time, lowest rank first, leftmost first
 * (tiktoken's order). The two agree whenever every merge is ranked after
 * the merges that make its two parts: then a merge of rank r only creates
 * pairs of rank > r, so the remaining occurrences of r still come first,
 * left to right, exactly the reference's pass. Loading checks that
 * condition (and that each token is made by at most one merge); GPT-2's
 * vocab.bpe meets it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gpt2.h"
#include "tok_internal.h"

#ifndef SHANNON_GPT2_DIR
#define SHANNON_GPT2_DIR "third_party/gpt2"
#endif

#define ENCODER_FILE "encoder.json"
#define MERGES_FILE "vocab.bpe"
#define MAX_FILE_BYTES ((size_t)64 << 20)

/* ------------------------------------------------------------------------ */
/* The pre-tokenizer                                                        */
/* ------------------------------------------------------------------------ */

static int class_of(uint32_t cp)
{
    if (cp < 128)
        return tok_gpt2_ascii[cp];
    int lo = 0, hi = tok_gpt2_n_ranges - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < tok_gpt2_ranges[mid].lo)
            hi = mid - 1;
        else if (cp > tok_gpt2_ranges[mid].hi)
            lo = mid + 1;
        else
            return (int)tok_gpt2_ranges[mid].cls;
    }
    return GPT2_O;
}

/* The class of the character at s[i] (i < len), its length in *n. An
 * invalid byte is one character, U+DC80 + ... (a surrogate, in no range):
 * "other", like the U+FFFD a UTF-8 decoder would make of it. */
static inline int char_at(const unsigned char *s, size_t len, size_t i, size_t *n)
{
    if (s[i] < 0x80) {
        *n = 1;
        return tok_gpt2_ascii[s[i]];
    }
    uint32_t cp;
    *n = tok_utf8_next(s, len, i, &cp);
    return class_of(cp);
}

/* The regex tries its alternatives in order at s[i]; the first that
 * matches wins, and each one is greedy:
 *   's|'t|'re|'ve|'m|'ll|'d   a contraction;
 *   ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'   an optional U+0020, then
 *       a run of letters, of numbers, or of "other" characters (the space
 *       only when such a character follows it);
 *   '\s+(?!\S)'   a whitespace run, backtracking one character so that it
 *       ends at the end of the text or before whitespace: the whole run at
 *       the end of the text, else the run less its last character, which
 *       then starts the next match (" " joins the next word) - or nothing
 *       when the run is one character;
 *   '\s+'   that one whitespace character, before a non-space. */
size_t tok_gpt2_pretoken_end(const unsigned char *s, size_t len, size_t i)
{
    size_t c = tok_contraction_len(s, len, i);
    if (c)
        return i + c;
    size_t n0, nj;
    int k = char_at(s, len, i, &n0);
    size_t j = i;
    nj = n0;
    if (s[i] == ' ' && i + 1 < len) {
        size_t n1;
        int k1 = char_at(s, len, i + 1, &n1);
        if (k1 != GPT2_S)
            j = i + 1, k = k1, nj = n1;
    }
    if (k != GPT2_S) {
        size_t e = j + nj, m;
        while (e < len && char_at(s, len, e, &m) == k)
            e += m;
        return e;
    }
    size_t last = i, e = i + n0, m; /* last: where the run's last character starts */
    while (e < len && char_at(s, len, e, &m) == GPT2_S) {
        last = e;
        e += m;
    }
    return e == len || last == i ? e : last;
}

/* ------------------------------------------------------------------------ */
/* GPT-2's byte alphabet                                                    */
/* ------------------------------------------------------------------------ */

/* bytes_to_unicode() of GPT-2's encoder.py: the printable bytes ! .. ~,
 * U+00A1 .. U+00AC and U+00AE .. U+00FF stand for themselves; the other 68
 * bytes, in increasing order, become U+0100, U+0101, ... (so a space is
 * U+0120 'Ġ'). The inverse maps the 324 code points below U+0144. */
#define ALPHABET_END 0x144

static void byte_alphabet(uint32_t to_cp[256], int16_t to_byte[ALPHABET_END])
{
    uint32_t extra = 256;
    for (int i = 0; i < ALPHABET_END; i++)
        to_byte[i] = -1;
    for (uint32_t b = 0; b < 256; b++) {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        to_cp[b] = printable ? b : extra++;
        to_byte[to_cp[b]] = (int16_t)b;
    }
}

/* ------------------------------------------------------------------------ */
/* Reading the two files                                                    */
/* ------------------------------------------------------------------------ */

/* The whole file (at most MAX_FILE_BYTES) as a malloc'd buffer, or NULL
 * with the error set. */
static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        nd_set_last_error(ND_ERR_IO, "could not read '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    /* A regular file's size sizes the buffer (one byte more, to see the
     * end in one read); a pipe starts at 64 KB and doubles. */
    struct stat st;
    size_t first = 64 << 10;
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= MAX_FILE_BYTES)
        first = (size_t)st.st_size + 1;
    for (;;) {
        if (len == cap) {
            if (cap > MAX_FILE_BYTES) {
                nd_set_last_error(ND_ERR_VALUE, "'%s' is larger than %zu bytes", path,
                                  MAX_FILE_BYTES);
                break;
            }
            cap = cap ? 2 * cap : first;
            char *b = realloc(buf, cap);
            if (!b) {
                nd_set_last_error(ND_ERR_MEMORY, "out of memory reading '%s'", path);
                break;
            }
            buf = b;
        }
        size_t k = fread(buf + len, 1, cap - len, fp);
        len += k;
        if (k == 0) {
            if (ferror(fp)) {
                nd_set_last_error(ND_ERR_IO, "could not read '%s': %s", path, strerror(errno));
                break;
            }
            fclose(fp);
            *n = len;
            return buf;
        }
    }
    free(buf);
    fclose(fp);
    return NULL;
}

/* The state of loading: the two files, what has been parsed of them, and
 * the tokenizer being filled. */
typedef struct loader {
    const char *path; /* the file being parsed, for messages */
    const char *s;
    size_t n, i;
    uint32_t to_cp[256];
    int16_t to_byte[ALPHABET_END];
    /* encoder.json's entries in file order: the bytes of entry k are
     * keys[koff[k] .. koff[k+1]), its id kid[k] */
    char *keys;
    size_t nkeys_bytes, capkeys;
    size_t *koff;
    int32_t *kid;
    size_t nentries, capentries;
    /* token bytes -> id, over tok->bytes: open addressing, -1 empty */
    int32_t *slot;
    size_t nslots;
    tok_tokenizer *tok;
} loader;

static int fail_at(loader *L, const char *msg)
{
    if (L->i >= L->n)
        return nd_set_last_error(ND_ERR_VALUE, "'%s': %s, but the file ends (truncated?)", L->path,
                                 msg);
    return nd_set_last_error(ND_ERR_VALUE, "'%s': %s at byte %zu", L->path, msg, L->i);
}

static void skip_ws(loader *L)
{
    while (L->i < L->n &&
           (L->s[L->i] == ' ' || L->s[L->i] == '\n' || L->s[L->i] == '\r' || L->s[L->i] == '\t'))
        L->i++;
}

static bool accept(loader *L, char c)
{
    skip_ws(L);
    if (L->i < L->n && L->s[L->i] == c) {
        L->i++;
        return true;
    }
    return false;
}

/* Appends the byte that code point cp stands for to out[*k] (a token of at
 * most TOK_MAX_TOKEN_BYTES). */
static int put_alphabet_byte(loader *L, uint32_t cp, unsigned char *out, size_t *k)
{
    if (cp >= ALPHABET_END || L->to_byte[cp] < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "U+%04X is not a character of GPT-2's byte alphabet",
                 (unsigned)cp);
        return fail_at(L, msg);
    }
    if (*k == TOK_MAX_TOKEN_BYTES) {
        char msg[64];
        snprintf(msg, sizeof msg, "a token longer than %d bytes", TOK_MAX_TOKEN_BYTES);
        return fail_at(L, msg);
    }
    out[(*k)++] = (unsigned char)L->to_byte[cp];
    return 0;
}

/* The code point of the (valid UTF-8) character at the cursor, which
 * moves past it. */
static int utf8_char(loader *L, uint32_t *cp)
{
    size_t m = tok_utf8_next((const unsigned char *)L->s, L->n, L->i, cp);
    if (m == 1 && (unsigned char)L->s[L->i] >= 0x80) /* an invalid byte, as U+DC80.. */
        return fail_at(L, "invalid UTF-8");
    L->i += m;
    return 0;
}

static int hex4(loader *L, uint32_t *v)
{
    if (L->n - L->i < 4)
        return fail_at(L, "bad \\u escape");
    *v = 0;
    for (int d = 0; d < 4; d++) {
        char c = L->s[L->i++];
        char lower = (char)(c | 0x20);
        int x = c >= '0' && c <= '9'           ? c - '0'
                : lower >= 'a' && lower <= 'f' ? lower - 'a' + 10
                                               : -1;
        if (x < 0)
            return fail_at(L, "bad \\u escape");
        *v = 16 * *v + (uint32_t)x;
    }
    return 0;
}

/* A JSON string of alphabet characters (escapes allowed) as the bytes they
 * stand for. */
static int parse_key(loader *L, unsigned char *out, size_t *k)
{
    *k = 0;
    if (!accept(L, '"'))
        return fail_at(L, "expected '\"'");
    const unsigned char *s = (const unsigned char *)L->s;
    for (;;) {
        if (L->i >= L->n)
            return fail_at(L, "unterminated string");
        unsigned char c = s[L->i];
        if (c == '"') {
            L->i++;
            return 0;
        }
        uint32_t cp;
        if (c == '\\') {
            if (L->i + 1 >= L->n)
                return fail_at(L, "unterminated string");
            char e = L->s[L->i + 1];
            L->i += 2;
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *at = e ? strchr(from, e) : NULL;
            if (at)
                cp = (unsigned char)to[at - from];
            else if (e == 'u') {
                if (hex4(L, &cp) < 0)
                    return ND_ERR_VALUE;
            } else {
                L->i -= 2;
                return fail_at(L, "bad escape");
            }
        } else if (c < 0x20) {
            return fail_at(L, "control character in a string");
        } else if (utf8_char(L, &cp) < 0) {
            return ND_ERR_VALUE;
        }
        if (put_alphabet_byte(L, cp, out, k) < 0)
            return ND_ERR_VALUE;
    }
}

static int parse_id(loader *L, int32_t *id)
{
    skip_ws(L);
    int64_t v = 0;
    size_t digits = 0;
    while (L->i < L->n && L->s[L->i] >= '0' && L->s[L->i] <= '9' && digits < 10) {
        v = 10 * v + (L->s[L->i++] - '0');
        digits++;
    }
    if (digits == 0 || v >= TOK_MAX_VOCAB || (L->i < L->n && strchr("0123456789.eE", L->s[L->i])))
        return fail_at(L, "expected a token id (an integer below 1048576)");
    *id = (int32_t)v;
    return 0;
}

static int add_entry(loader *L, const unsigned char *key, size_t k, int32_t id)
{
    if (L->nentries == TOK_MAX_VOCAB)
        return fail_at(L, "more than 1048576 tokens");
    if (L->nentries + 1 >= L->capentries) {
        size_t nc = L->capentries ? 2 * L->capentries : 1024;
        size_t *koff = realloc(L->koff, nc * sizeof *koff);
        if (koff)
            L->koff = koff;
        int32_t *kid = realloc(L->kid, nc * sizeof *kid);
        if (kid)
            L->kid = kid;
        if (!koff || !kid)
            return nd_set_last_error(ND_ERR_MEMORY, "out of memory reading '%s'", L->path);
        L->capentries = nc;
    }
    if (L->nkeys_bytes + k > L->capkeys || !L->keys) { /* "" first: memcpy needs a buffer */
        size_t nc = L->capkeys ? 2 * L->capkeys : 4096;
        if (nc < L->nkeys_bytes + k)
            nc = L->nkeys_bytes + k;
        char *keys = realloc(L->keys, nc);
        if (!keys)
            return nd_set_last_error(ND_ERR_MEMORY, "out of memory reading '%s'", L->path);
        L->keys = keys, L->capkeys = nc;
    }
    if (L->nentries == 0)
        L->koff[0] = 0;
    memcpy(L->keys + L->nkeys_bytes, key, k);
    L->nkeys_bytes += k;
    L->kid[L->nentries++] = id;
    L->koff[L->nentries] = L->nkeys_bytes;
    return 0;
}

/* encoder.json: one object {"token": id, ...}. */
static int parse_encoder(loader *L)
{
    if (!accept(L, '{'))
        return fail_at(L, "expected '{'");
    if (!accept(L, '}')) {
        do {
            unsigned char key[TOK_MAX_TOKEN_BYTES];
            size_t k;
            int32_t id = 0;
            if (parse_key(L, key, &k) < 0)
                return ND_ERR_VALUE;
            if (!accept(L, ':'))
                return fail_at(L, "expected ':'");
            int status;
            if ((status = parse_id(L, &id)) < 0 || (status = add_entry(L, key, k, id)) < 0)
                return status;
        } while (accept(L, ','));
        if (!accept(L, '}'))
            return fail_at(L, "expected ',' or '}'");
    }
    skip_ws(L);
    if (L->i < L->n)
        return fail_at(L, "unexpected data after the object");
    if (L->nentries < 256)
        return nd_set_last_error(ND_ERR_VALUE, "'%s' has %zu tokens, fewer than the 256 bytes",
                                 L->path, L->nentries);
    return 0;
}

/* The id of the token with bytes p[0..k), or -1. */
static int32_t lookup(const loader *L, const void *p, size_t k)
{
    const tok_tokenizer *tok = L->tok;
    size_t mask = L->nslots - 1;
    for (size_t i = tok_hash_bytes(p, k) & mask; L->slot[i] >= 0; i = (i + 1) & mask) {
        int32_t id = L->slot[i];
        if (tok->off[id + 1] - tok->off[id] == k && memcmp(tok->bytes + tok->off[id], p, k) == 0)
            return id;
    }
    return -1;
}

/* The vocabulary in id order (off, bytes), checked: the ids are exactly
 * 0 .. n-1, no token twice, every byte has its one-byte token. */
static int build_vocabulary(loader *L)
{
    tok_tokenizer *tok = L->tok;
    size_t n = L->nentries;
    tok->off = calloc(n + 1, sizeof *tok->off);
    tok->bytes = malloc(L->nkeys_bytes ? L->nkeys_bytes : 1);
    for (L->nslots = 1024; L->nslots < 2 * n; L->nslots *= 2)
        ;
    L->slot = malloc(L->nslots * sizeof *L->slot);
    if (!tok->off || !tok->bytes || !L->slot)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory for a vocabulary of %zu", n);
    /* off[id + 1] = length of id, then prefix sums; a length of 0 marks an
     * id not seen yet (tokens are never empty). */
    for (size_t k = 0; k < n; k++) {
        int32_t id = L->kid[k];
        size_t len = L->koff[k + 1] - L->koff[k];
        if (len == 0)
            return nd_set_last_error(ND_ERR_VALUE, "'%s': entry %zu is an empty token", L->path, k);
        if ((size_t)id >= n)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "'%s': id %d is not below the number of tokens %zu", L->path,
                                     (int)id, n);
        if (tok->off[id + 1])
            return nd_set_last_error(ND_ERR_VALUE, "'%s': id %d appears twice", L->path, (int)id);
        tok->off[id + 1] = len;
    }
    for (size_t id = 0; id < n; id++)
        tok->off[id + 1] += tok->off[id];
    for (size_t k = 0; k < n; k++)
        memcpy(tok->bytes + tok->off[L->kid[k]], L->keys + L->koff[k], L->koff[k + 1] - L->koff[k]);
    tok->vocab_size = (int32_t)n;
    memset(L->slot, 0xFF, L->nslots * sizeof *L->slot);
    for (int32_t id = 0; id < (int32_t)n; id++) {
        size_t k = tok->off[id + 1] - tok->off[id];
        const char *p = tok->bytes + tok->off[id];
        int32_t before = lookup(L, p, k);
        if (before >= 0)
            return nd_set_last_error(ND_ERR_VALUE, "'%s': ids %d and %d are the same token",
                                     L->path, (int)before, (int)id);
        size_t i = tok_hash_bytes((const unsigned char *)p, k) & (L->nslots - 1);
        while (L->slot[i] >= 0)
            i = (i + 1) & (L->nslots - 1);
        L->slot[i] = id;
    }
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        tok->byte_id[b] = lookup(L, &c, 1);
        if (tok->byte_id[b] < 0)
            return nd_set_last_error(ND_ERR_VALUE, "'%s' has no token for the byte 0x%02X (U+%04X)",
                                     L->path, b, (unsigned)L->to_cp[b]);
    }
    tok->eot = lookup(L, "<|endoftext|>", 13);
    return 0;
}

/* One token of a vocab.bpe line: alphabet characters up to a space or the
 * end of the line, as bytes. */
static int merge_part(loader *L, size_t end, unsigned char *out, size_t *k)
{
    *k = 0;
    while (L->i < end && L->s[L->i] != ' ') {
        uint32_t cp;
        if (utf8_char(L, &cp) < 0 || put_alphabet_byte(L, cp, out, k) < 0)
            return ND_ERR_VALUE;
    }
    return *k ? 0 : fail_at(L, "expected a token");
}

/* vocab.bpe: a first line "#version: ..." then one merge "A B" per line,
 * rank = line number - 1. Fills ranks and merge_id and checks the order
 * bpe.c's encoder needs (see the top of this file). */
static int parse_merges(loader *L)
{
    tok_tokenizer *tok = L->tok;
    if (L->n == 0 || L->s[0] != '#')
        return fail_at(L, "expected a first line \"#version: 0.2\"");
    const char *nl = memchr(L->s, '\n', L->n);
    L->i = nl ? (size_t)(nl - L->s) + 1 : L->n;
    int32_t *made_by = malloc((size_t)tok->vocab_size * sizeof *made_by);
    size_t cap = 0;
    int status = made_by ? 0 : nd_set_last_error(ND_ERR_MEMORY, "out of memory");
    if (made_by)
        memset(made_by, 0xFF, (size_t)tok->vocab_size * sizeof *made_by);
    for (size_t line = 2; status == 0 && L->i < L->n; line++) {
        nl = memchr(L->s + L->i, '\n', L->n - L->i);
        size_t end = nl ? (size_t)(nl - L->s) : L->n, start = L->i;
        if (end > start && L->s[end - 1] == '\r')
            end--;
        if (end == start) { /* an empty line (the file's last) */
            L->i = nl ? end + 1 : L->n;
            continue;
        }
        unsigned char a[TOK_MAX_TOKEN_BYTES], b[TOK_MAX_TOKEN_BYTES], ab[2 * TOK_MAX_TOKEN_BYTES];
        size_t ka, kb;
        if ((status = merge_part(L, end, a, &ka)) < 0)
            break;
        if (L->i == end) {
            status = fail_at(L, "expected two tokens separated by one space");
            break;
        }
        L->i++; /* the space */
        if ((status = merge_part(L, end, b, &kb)) < 0)
            break;
        if (L->i != end) {
            status = fail_at(L, "expected two tokens separated by one space");
            break;
        }
        int32_t r = tok->n_merges;
        if (r == TOK_MAX_VOCAB) {
            status = fail_at(L, "too many merges");
            break;
        }
        memcpy(ab, a, ka);
        memcpy(ab + ka, b, kb);
        int32_t ia = lookup(L, a, ka), ib = lookup(L, b, kb), iab = lookup(L, ab, ka + kb);
        if (ia < 0 || ib < 0 || iab < 0) {
            status = nd_set_last_error(ND_ERR_VALUE,
                                       "'%s' line %zu: merge %d uses or makes a token "
                                       "that is not in " ENCODER_FILE ": '%.*s'",
                                       L->path, line, (int)r, (int)(end - start), L->s + start);
            break;
        }
        if (tok_pairmap_get(&tok->ranks, ia, ib) >= 0) {
            status =
                nd_set_last_error(ND_ERR_VALUE, "'%s' line %zu: merge %d repeats merge %d", L->path,
                                  line, (int)r, (int)tok_pairmap_get(&tok->ranks, ia, ib));
            break;
        }
        if (made_by[iab] >= 0) {
            status = nd_set_last_error(ND_ERR_VALUE,
                                       "'%s' line %zu: merge %d makes token %d, which "
                                       "merge %d makes already",
                                       L->path, line, (int)r, (int)iab, (int)made_by[iab]);
            break;
        }
        if ((size_t)r == cap) {
            cap = cap ? 2 * cap : 65536;
            int32_t *m = realloc(tok->merge_id, cap * sizeof *m);
            if (!m) {
                status = nd_set_last_error(ND_ERR_MEMORY, "out of memory");
                break;
            }
            tok->merge_id = m;
        }
        if ((status = tok_pairmap_put(&tok->ranks, ia, ib, r)) < 0)
            break;
        tok->merge_id[r] = iab;
        made_by[iab] = r;
        tok->n_merges++;
        L->i = nl ? end + 1 + (L->s[end] == '\r') : L->n;
    }
    /* Every merge after the merges that make its parts. */
    for (size_t k = 0; status == 0 && k < tok->ranks.cap; k++) {
        if (tok->ranks.keys[k] == UINT64_MAX)
            continue;
        int32_t a = (int32_t)(tok->ranks.keys[k] >> 32), b = (int32_t)(uint32_t)tok->ranks.keys[k];
        int32_t r = tok->ranks.vals[k], later = made_by[a] > made_by[b] ? made_by[a] : made_by[b];
        if (later >= r)
            status =
                nd_set_last_error(ND_ERR_VALUE,
                                  "'%s': merge %d uses token %d, which the later "
                                  "merge %d makes (merges must come after those of their parts)",
                                  L->path, (int)r, (int)(made_by[a] >= r ? a : b), (int)later);
    }
    free(made_by);
    return status;
}

tok_tokenizer *tok_gpt2_load(const char *dir)
{
    if (!dir)
        dir = tok_gpt2_default_dir();
    char *paths[2] = {NULL, NULL};
    loader L = {0};
    L.tok = calloc(1, sizeof *L.tok);
    if (!L.tok || asprintf(&paths[0], "%s/" ENCODER_FILE, dir) < 0 ||
        asprintf(&paths[1], "%s/" MERGES_FILE, dir) < 0) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
        goto fail;
    }
    tok_tokenizer *tok = L.tok;
    tok->kind = TOK_GPT2;
    for (int f = 0; f < 2; f++)
        if (!(tok->file[f] = slurp(paths[f], &tok->file_len[f])))
            goto fail;
    byte_alphabet(L.to_cp, L.to_byte);
    L.path = paths[0], L.s = tok->file[0], L.n = tok->file_len[0], L.i = 0;
    if (parse_encoder(&L) < 0 || build_vocabulary(&L) < 0)
        goto fail;
    L.path = paths[1], L.s = tok->file[1], L.n = tok->file_len[1], L.i = 0;
    if (parse_merges(&L) < 0)
        goto fail;
    free(L.keys), free(L.koff), free(L.kid), free(L.slot);
    free(paths[0]), free(paths[1]);
    return tok;
fail:
    free(L.keys), free(L.koff), free(L.kid), free(L.slot);
    free(paths[0]), free(paths[1]);
    tok_free(L.tok);
    return NULL;
}

const char *tok_gpt2_default_dir(void)
{
    const char *env = getenv("SHANNON_GPT2_DIR");
    return env && *env ? env : SHANNON_GPT2_DIR;
}

/* ------------------------------------------------------------------------ */
/* The tokenizer file: tokenizer.json with the two files beside it          */
/* ------------------------------------------------------------------------ */

/* The folder of path ("." when it has none), malloc'd. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

tok_tokenizer *tok_gpt2_load_beside(const char *json_path, const char *what)
{
    char *dir = folder_of(json_path);
    if (!dir) {
        nd_set_last_error(ND_ERR_MEMORY, "%sout of memory", what);
        return NULL;
    }
    tok_tokenizer *tok = tok_gpt2_load(dir);
    free(dir);
    return tok;
}

int tok_gpt2_save(const tok_tokenizer *tok, const char *json_path)
{
    static const char *const names[2] = {ENCODER_FILE, MERGES_FILE};
    char *dir = folder_of(json_path), *path = NULL;
    int status = dir ? 0 : ND_ERR_MEMORY;
    for (int f = 0; f < 2 && status == 0; f++) {
        if (asprintf(&path, "%s/%s", dir, names[f]) < 0) {
            path = NULL;
            status = ND_ERR_MEMORY;
            break;
        }
        status = nd_write_atomic(path, tok->file[f], tok->file_len[f]);
        free(path);
        path = NULL;
    }
    int k = 0;
    if (status == 0 && (k = asprintf(&path,
                                     "{\n  \"format\": \"shannon-tokenizer\",\n"
                                     "  \"version\": 1,\n  \"kind\": \"gpt2\",\n"
                                     "  \"vocab_size\": %d\n}\n",
                                     (int)tok->vocab_size)) < 0) {
        path = NULL;
        status = ND_ERR_MEMORY;
    }
    if (status == 0)
        status = nd_write_atomic(json_path, path, (size_t)k);
    else if (status == ND_ERR_MEMORY)
        nd_set_last_error(ND_ERR_MEMORY, "out of memory writing '%s'", json_path);
    free(path);
    free(dir);
    return status;
}
