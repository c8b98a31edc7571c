/* tokenizer/bpe.c: byte-level BPE. The pre-tokenizer, training (merges
 * learned from pre-token counts with incremental pair counts and a lazy
 * max-heap), and encoding (merges applied by rank with a min-heap, a cache
 * of the pre-tokens already encoded). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tok_internal.h"

/* ------------------------------------------------------------------------ */
/* Pre-tokenizer: GPT-2's regex with ASCII classes (see tok.h)              */
/* ------------------------------------------------------------------------ */

enum { C_SPACE, C_LETTER, C_DIGIT, C_OTHER };

static inline int byte_class(unsigned c)
{
    if (c >= 0x80 || (unsigned)((c | 0x20) - 'a') < 26u)
        return C_LETTER;
    if ((unsigned)(c - '0') < 10u)
        return C_DIGIT;
    if (c == ' ' || (c >= '\t' && c <= '\r'))
        return C_SPACE;
    return C_OTHER;
}

size_t tok_pretoken_end(const unsigned char *s, size_t len, size_t i)
{
    size_t c = tok_contraction_len(s, len, i); /* 's|'t|'re|'ve|'m|'ll|'d */
    if (c)
        return i + c;
    /* ' ?L+| ?N+| ?[^\sLN]+': an optional space, then a run of one class. */
    size_t j = i + (s[i] == ' ' && i + 1 < len && byte_class(s[i + 1]) != C_SPACE);
    int k = byte_class(s[j]);
    if (k != C_SPACE) {
        size_t e = j + 1;
        while (e < len && byte_class(s[e]) == k)
            e++;
        return e;
    }
    /* '\s+(?!\S)|\s+': a whitespace run, less its last character when a
     * non-space follows (that space then starts the next word). */
    size_t e = i + 1;
    while (e < len && byte_class(s[e]) == C_SPACE)
        e++;
    return e == len || e - i == 1 ? e : e - 1;
}

/* ------------------------------------------------------------------------ */
/* A map from byte strings (slices of the caller's text) to entries        */
/* ------------------------------------------------------------------------ */

typedef struct word {
    const unsigned char *p;
    size_t len;
    uint64_t hash;
    int64_t count; /* training: occurrences; encoding: ids start in the output */
    size_t n_ids; /* encoding: how many ids */
} word;

typedef struct wordmap {
    word *w;
    size_t n, cap; /* entries */
    int32_t *slot; /* index into w, -1 empty */
    size_t nslots; /* a power of two, at least 2n */
} wordmap;

static void wordmap_free(wordmap *m)
{
    free(m->w);
    free(m->slot);
}

/* The entry of p[0..len) (created with zero count if new), or NULL when
 * memory runs out (message set). */
static word *wordmap_find(wordmap *m, const unsigned char *p, size_t len)
{
    if (2 * (m->n + 1) > m->nslots) {
        size_t ns = m->nslots ? 2 * m->nslots : 1024;
        int32_t *slot = malloc(ns * sizeof *slot);
        word *w = realloc(m->w, ns / 2 * sizeof *w);
        if (!slot || !w) {
            free(slot);
            if (w)
                m->w = w;
            nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu distinct pre-tokens", m->n);
            return NULL;
        }
        memset(slot, 0xFF, ns * sizeof *slot);
        for (size_t k = 0; k < m->n; k++) {
            size_t i = w[k].hash & (ns - 1);
            while (slot[i] >= 0)
                i = (i + 1) & (ns - 1);
            slot[i] = (int32_t)k;
        }
        free(m->slot);
        m->slot = slot;
        m->nslots = ns;
        m->w = w;
        m->cap = ns / 2;
    }
    uint64_t h = tok_hash_bytes(p, len);
    size_t i = h & (m->nslots - 1);
    for (; m->slot[i] >= 0; i = (i + 1) & (m->nslots - 1)) {
        word *e = &m->w[m->slot[i]];
        if (e->hash == h && e->len == len && memcmp(e->p, p, len) == 0)
            return e;
    }
    m->slot[i] = (int32_t)m->n;
    word *e = &m->w[m->n++];
    *e = (word){.p = p, .len = len, .hash = h};
    return e;
}

/* ------------------------------------------------------------------------ */
/* The tokenizer from its merges                                            */
/* ------------------------------------------------------------------------ */

tok_tokenizer *tok_bpe_from_merges(int32_t *merges, int32_t n_merges, const char *what)
{
    tok_tokenizer *tok = NULL;
    int32_t vocab = 256 + n_merges;
    if (n_merges < 0 || n_merges > TOK_MAX_VOCAB - 256) {
        nd_set_last_error(ND_ERR_VALUE, "%s%d merges make a vocabulary larger than the limit %d",
                          what, n_merges, TOK_MAX_VOCAB);
        goto fail;
    }
    tok = calloc(1, sizeof *tok);
    size_t *off = malloc(((size_t)vocab + 1) * sizeof *off);
    if (!tok || !off) {
        free(off);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory for a vocabulary of %d", vocab);
        goto fail;
    }
    tok->kind = TOK_BPE;
    tok->vocab_size = vocab;
    tok->off = off;
    tok->merges = merges;
    tok->n_merges = n_merges;
    merges = NULL; /* tok owns it now */
    /* Validate while computing the token lengths: ids below the new id (so
     * the merges form a DAG), lengths within the limit, no pair twice. */
    off[0] = 0;
    for (int32_t i = 0; i < 256; i++)
        off[i + 1] = (size_t)i + 1;
    for (int32_t i = 0; i < n_merges; i++) {
        int32_t a = tok->merges[2 * i], b = tok->merges[2 * i + 1], id = 256 + i;
        if (a < 0 || a >= id || b < 0 || b >= id) {
            nd_set_last_error(ND_ERR_VALUE, "%smerge %d uses id %d, which is not below %d", what, i,
                              a < 0 || a >= id ? a : b, id);
            goto fail;
        }
        size_t len = (off[a + 1] - off[a]) + (off[b + 1] - off[b]);
        if (len > TOK_MAX_TOKEN_BYTES) {
            nd_set_last_error(ND_ERR_VALUE,
                              "%smerge %d makes a token of %zu bytes, more than the limit %d", what,
                              i, len, TOK_MAX_TOKEN_BYTES);
            goto fail;
        }
        int32_t before = tok_pairmap_get(&tok->ranks, a, b);
        if (before >= 0) {
            nd_set_last_error(ND_ERR_VALUE, "%smerge %d repeats merge %d", what, i, before);
            goto fail;
        }
        if (tok_pairmap_put(&tok->ranks, a, b, i) < 0)
            goto fail;
        off[id + 1] = off[id] + len;
    }
    tok->bytes = malloc(off[vocab] ? off[vocab] : 1);
    if (!tok->bytes) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory for a vocabulary of %d", vocab);
        goto fail;
    }
    for (int32_t i = 0; i < 256; i++)
        tok->bytes[i] = (char)i;
    for (int32_t i = 0; i < n_merges; i++) {
        int32_t a = tok->merges[2 * i], b = tok->merges[2 * i + 1];
        size_t la = off[a + 1] - off[a];
        memcpy(tok->bytes + off[256 + i], tok->bytes + off[a], la);
        memcpy(tok->bytes + off[256 + i] + la, tok->bytes + off[b], off[b + 1] - off[b]);
    }
    return tok;
fail:
    free(merges);
    tok_free(tok);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */

/* A pair of adjacent tokens: how often it occurs (summed over the words,
 * weighted by word count) and the words it may occur in (a superset: a
 * word stays listed after its occurrences are merged away). */
typedef struct pair {
    int32_t a, b;
    int64_t count;
    int32_t *where;
    uint32_t nwhere, capwhere;
    int32_t last_word; /* the last word appended to where (no repeats in a row) */
    int32_t touched; /* the merge step that last raised count */
    bool too_long; /* merging would make a token over TOK_MAX_TOKEN_BYTES */
} pair;

typedef struct heap_entry {
    int64_t count;
    int32_t pair;
} heap_entry;

typedef struct trainer {
    /* words: pre-tokens with counts; symbols of word w are
     * sym[start[w] .. start[w] + len[w]), shrinking as merges apply */
    wordmap words;
    int32_t *sym;
    size_t *start;
    uint32_t *len;
    int32_t *stamp; /* the merge step that last visited the word */
    /* pairs */
    pair *pairs;
    size_t npairs, cappairs;
    tok_pairmap index; /* (a, b) -> index into pairs */
    int32_t *touched; /* pairs whose count rose in this merge step */
    size_t ntouched, captouched;
    /* a max-heap by (count, then lowest a, then lowest b); entries go stale
     * when a count changes and are checked when they reach the top */
    heap_entry *heap;
    size_t nheap, capheap;
    size_t *toklen; /* bytes per token id */
} trainer;

static bool heap_above(const trainer *t, heap_entry x, heap_entry y)
{
    if (x.count != y.count)
        return x.count > y.count;
    const pair *p = &t->pairs[x.pair], *q = &t->pairs[y.pair];
    return p->a != q->a ? p->a < q->a : p->b < q->b;
}

static int heap_push(trainer *t, heap_entry e)
{
    if (t->nheap == t->capheap) {
        size_t nc = t->capheap ? 2 * t->capheap : 4096;
        heap_entry *h = realloc(t->heap, nc * sizeof *h);
        if (!h)
            return nd_set_last_error(ND_ERR_MEMORY, "out of memory for the pair heap");
        t->heap = h, t->capheap = nc;
    }
    size_t i = t->nheap++;
    while (i > 0 && heap_above(t, e, t->heap[(i - 1) / 2])) {
        t->heap[i] = t->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    t->heap[i] = e;
    return 0;
}

static heap_entry heap_pop(trainer *t)
{
    heap_entry top = t->heap[0], last = t->heap[--t->nheap];
    size_t i = 0, n = t->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_above(t, t->heap[c + 1], t->heap[c]))
            c++;
        if (!heap_above(t, t->heap[c], last))
            break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (n > 0)
        t->heap[i] = last;
    return top;
}

/* The index of pair (a, b), created with count 0 if new; -1 on no memory. */
static int32_t pair_index(trainer *t, int32_t a, int32_t b)
{
    int32_t p = tok_pairmap_get(&t->index, a, b);
    if (p >= 0)
        return p;
    if (t->npairs == t->cappairs) {
        size_t nc = t->cappairs ? 2 * t->cappairs : 4096;
        pair *ps = realloc(t->pairs, nc * sizeof *ps);
        if (!ps) {
            nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu pairs", t->npairs);
            return -1;
        }
        t->pairs = ps, t->cappairs = nc;
    }
    p = (int32_t)t->npairs;
    if (tok_pairmap_put(&t->index, a, b, p) < 0)
        return -1;
    t->pairs[t->npairs++] = (pair){.a = a, .b = b, .last_word = -1, .touched = -1};
    return p;
}

/* count(a, b) += c for an occurrence in word w during merge step `step`. */
static int pair_add(trainer *t, int32_t a, int32_t b, int64_t c, int32_t w, int32_t step)
{
    int32_t p = pair_index(t, a, b);
    if (p < 0)
        return ND_ERR_MEMORY;
    pair *q = &t->pairs[p];
    q->count += c;
    if (q->last_word != w) {
        if (q->nwhere == q->capwhere) {
            uint32_t nc = q->capwhere ? 2 * q->capwhere : 4;
            int32_t *wh = realloc(q->where, nc * sizeof *wh);
            if (!wh)
                return nd_set_last_error(ND_ERR_MEMORY, "out of memory for pair lists");
            q->where = wh, q->capwhere = nc;
        }
        q->where[q->nwhere++] = w;
        q->last_word = w;
    }
    if (c > 0 && q->touched != step) {
        q->touched = step;
        if (t->ntouched == t->captouched) {
            size_t nc = t->captouched ? 2 * t->captouched : 1024;
            int32_t *tt = realloc(t->touched, nc * sizeof *tt);
            if (!tt)
                return nd_set_last_error(ND_ERR_MEMORY, "out of memory for pair lists");
            t->touched = tt, t->captouched = nc;
        }
        t->touched[t->ntouched++] = p;
    }
    return 0;
}

static void pair_sub(trainer *t, int32_t a, int32_t b, int64_t c)
{
    int32_t p = tok_pairmap_get(&t->index, a, b);
    assert(p >= 0);
    t->pairs[p].count -= c;
}

/* Replaces every occurrence of pair p (left to right, non-overlapping) by
 * token id `id` in every word that holds it, updating the neighbours' pair
 * counts: x a b y becomes x N y, so (x,a), (a,b), (b,y) lose the word's
 * count and (x,N), (N,y) gain it. */
static int apply_merge(trainer *t, int32_t p, int32_t id, int32_t step)
{
    int32_t a = t->pairs[p].a, b = t->pairs[p].b;
    int32_t *where = t->pairs[p].where; /* not appended to below: N != a, b */
    uint32_t nwhere = t->pairs[p].nwhere;
    t->ntouched = 0;
    for (uint32_t k = 0; k < nwhere; k++) {
        int32_t w = where[k];
        if (t->stamp[w] == step)
            continue;
        t->stamp[w] = step;
        int32_t *s = t->sym + t->start[w];
        int64_t c = t->words.w[w].count;
        uint32_t n = t->len[w], out = 0;
        for (uint32_t r = 0; r < n;) {
            if (r + 1 < n && s[r] == a && s[r + 1] == b) {
                if (out > 0) {
                    pair_sub(t, s[out - 1], a, c);
                    if (pair_add(t, s[out - 1], id, c, w, step) < 0)
                        return ND_ERR_MEMORY;
                }
                if (r + 2 < n) {
                    pair_sub(t, b, s[r + 2], c);
                    if (pair_add(t, id, s[r + 2], c, w, step) < 0)
                        return ND_ERR_MEMORY;
                }
                pair_sub(t, a, b, c);
                s[out++] = id;
                r += 2;
            } else
                s[out++] = s[r++];
        }
        t->len[w] = out;
    }
    pair *q = &t->pairs[p];
    assert(q->count == 0);
    free(q->where);
    q->where = NULL;
    q->nwhere = q->capwhere = 0;
    for (size_t k = 0; k < t->ntouched; k++) {
        pair *r = &t->pairs[t->touched[k]];
        if (r->count > 0 && !r->too_long && heap_push(t, (heap_entry){r->count, t->touched[k]}) < 0)
            return ND_ERR_MEMORY;
    }
    return 0;
}

/* The pair to merge next, or -1 when none is left: the top of the heap once
 * its entry is current (a stale entry is pushed again with the pair's count
 * now, or dropped at count 0). */
static int32_t best_pair(trainer *t)
{
    while (t->nheap > 0) {
        heap_entry e = heap_pop(t);
        pair *q = &t->pairs[e.pair];
        if (q->count != e.count) {
            if (q->count > 0 && heap_push(t, (heap_entry){q->count, e.pair}) < 0)
                return -2;
            continue;
        }
        if (t->toklen[q->a] + t->toklen[q->b] > TOK_MAX_TOKEN_BYTES) {
            q->too_long = true;
            continue;
        }
        return e.pair;
    }
    return -1;
}

static void trainer_free(trainer *t)
{
    wordmap_free(&t->words);
    free(t->sym), free(t->start), free(t->len), free(t->stamp);
    for (size_t p = 0; p < t->npairs; p++)
        free(t->pairs[p].where);
    free(t->pairs);
    tok_pairmap_free(&t->index);
    free(t->touched), free(t->heap), free(t->toklen);
}

/* Counts the pre-tokens, lays out their bytes as symbols, counts the pairs
 * and fills the heap. */
static int trainer_init(trainer *t, const unsigned char *s, size_t len, int n_merges)
{
    for (size_t i = 0; i < len;) {
        size_t e = tok_pretoken_end(s, len, i);
        word *w = wordmap_find(&t->words, s + i, e - i);
        if (!w)
            return ND_ERR_MEMORY;
        w->count++;
        i = e;
    }
    size_t nw = t->words.n, total = 0;
    for (size_t w = 0; w < nw; w++)
        total += t->words.w[w].len;
    t->sym = malloc((total ? total : 1) * sizeof *t->sym);
    t->start = malloc((nw ? nw : 1) * sizeof *t->start);
    t->len = malloc((nw ? nw : 1) * sizeof *t->len);
    t->stamp = malloc((nw ? nw : 1) * sizeof *t->stamp);
    t->toklen = malloc((256 + (size_t)n_merges) * sizeof *t->toklen);
    if (!t->sym || !t->start || !t->len || !t->stamp || !t->toklen)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu pre-token bytes", total);
    for (int i = 0; i < 256; i++)
        t->toklen[i] = 1;
    size_t at = 0;
    for (size_t w = 0; w < nw; w++) {
        const word *wd = &t->words.w[w];
        if (wd->len > UINT32_MAX)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "a pre-token of %zu bytes is too long to train on", wd->len);
        t->start[w] = at;
        t->len[w] = (uint32_t)wd->len;
        t->stamp[w] = -1;
        for (size_t k = 0; k < wd->len; k++)
            t->sym[at + k] = wd->p[k];
        for (size_t k = 0; k + 1 < wd->len; k++)
            if (pair_add(t, wd->p[k], wd->p[k + 1], wd->count, (int32_t)w, -1) < 0)
                return ND_ERR_MEMORY;
        at += wd->len;
    }
    for (size_t p = 0; p < t->npairs; p++)
        if (heap_push(t, (heap_entry){t->pairs[p].count, (int32_t)p}) < 0)
            return ND_ERR_MEMORY;
    return 0;
}

tok_tokenizer *tok_bpe_train(const char *text, size_t len, int vocab_size)
{
    if (!text && len > 0) {
        nd_set_last_error(ND_ERR_VALUE, "text is NULL but len is %zu", len);
        return NULL;
    }
    if (vocab_size < 256) {
        nd_set_last_error(ND_ERR_VALUE, "vocab_size must be at least 256 (the byte tokens), got %d",
                          vocab_size);
        return NULL;
    }
    if (vocab_size > TOK_MAX_VOCAB) {
        nd_set_last_error(ND_ERR_VALUE, "vocab_size %d is larger than the limit %d", vocab_size,
                          TOK_MAX_VOCAB);
        return NULL;
    }
    if (len > (size_t)INT32_MAX) {
        nd_set_last_error(ND_ERR_VALUE, "a training text of %zu bytes is larger than the limit %d",
                          len, INT32_MAX);
        return NULL;
    }
    int n_merges = vocab_size - 256;
    trainer t = {0};
    int32_t *merges = malloc(2 * ((size_t)n_merges + 1) * sizeof *merges);
    if (!merges) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory for %d merges", n_merges);
        return NULL;
    }
    int done = 0;
    if (trainer_init(&t, (const unsigned char *)text, len, n_merges) < 0)
        goto fail;
    for (; done < n_merges; done++) {
        int32_t p = best_pair(&t);
        if (p == -2)
            goto fail;
        if (p < 0)
            break; /* no pair left to merge */
        int32_t id = 256 + done;
        merges[2 * done] = t.pairs[p].a;
        merges[2 * done + 1] = t.pairs[p].b;
        t.toklen[id] = t.toklen[t.pairs[p].a] + t.toklen[t.pairs[p].b];
        if (apply_merge(&t, p, id, done) < 0)
            goto fail;
    }
    trainer_free(&t);
    return tok_bpe_from_merges(merges, done, "");
fail:
    trainer_free(&t);
    free(merges);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */
/* ------------------------------------------------------------------------ */

/* Scratch for encoding one pre-token: its symbols as a linked list (sym -1:
 * merged into its left neighbour) and a min-heap of candidate merges keyed
 * (rank << 32 | position), so the lowest rank, then the leftmost, is next. */
typedef struct encoder {
    int32_t *sym, *next, *prev;
    uint64_t *heap;
    size_t cap, nheap;
} encoder;

static void enc_push(encoder *e, uint64_t key)
{
    size_t i = e->nheap++;
    while (i > 0 && key < e->heap[(i - 1) / 2]) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = key;
}

static uint64_t enc_pop(encoder *e)
{
    uint64_t top = e->heap[0], last = e->heap[--e->nheap];
    size_t i = 0, n = e->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && e->heap[c + 1] < e->heap[c])
            c++;
        if (e->heap[c] >= last)
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n > 0)
        e->heap[i] = last;
    return top;
}

static void enc_candidate(encoder *e, const tok_pairmap *ranks, int32_t pos, int32_t right)
{
    int32_t r = tok_pairmap_get(ranks, e->sym[pos], e->sym[right]);
    if (r >= 0)
        enc_push(e, (uint64_t)r << 32 | (uint32_t)pos);
}

/* Appends the ids of the pre-token p[0..n) (2 <= n <= INT32_MAX) to out. */
static int encode_word(const tok_tokenizer *tok, encoder *e, const unsigned char *p, size_t n,
                       tok_ivec *out)
{
    if (n > e->cap) {
        size_t nc = n > 2 * e->cap ? n : 2 * e->cap;
        free(e->sym), free(e->next), free(e->prev), free(e->heap);
        e->sym = malloc(nc * sizeof *e->sym);
        e->next = malloc(nc * sizeof *e->next);
        e->prev = malloc(nc * sizeof *e->prev);
        e->heap = malloc(3 * nc * sizeof *e->heap); /* n - 1 + 2 per merge */
        e->cap = nc;
        if (!e->sym || !e->next || !e->prev || !e->heap) {
            e->cap = 0;
            return nd_set_last_error(ND_ERR_MEMORY, "out of memory for a pre-token of %zu bytes", n);
        }
    }
    int32_t L = (int32_t)n;
    for (int32_t k = 0; k < L; k++) {
        e->sym[k] = tok_byte_id(tok, p[k]);
        e->next[k] = k + 1;
        e->prev[k] = k - 1;
    }
    e->nheap = 0;
    for (int32_t k = 0; k + 1 < L; k++)
        enc_candidate(e, &tok->ranks, k, k + 1);
    while (e->nheap > 0) {
        uint64_t key = enc_pop(e);
        int32_t r = (int32_t)(key >> 32), k = (int32_t)(uint32_t)key, q;
        /* Stale if k was merged away, is last, or now starts another pair
         * (a rank names one pair, so an equal rank is the same pair). */
        if (e->sym[k] < 0 || (q = e->next[k]) >= L ||
            tok_pairmap_get(&tok->ranks, e->sym[k], e->sym[q]) != r)
            continue;
        e->sym[k] = tok_merge_id(tok, r);
        e->sym[q] = -1;
        e->next[k] = e->next[q];
        if (e->next[k] < L)
            e->prev[e->next[k]] = k;
        if (e->prev[k] >= 0)
            enc_candidate(e, &tok->ranks, e->prev[k], k);
        if (e->next[k] < L)
            enc_candidate(e, &tok->ranks, k, e->next[k]);
    }
    if (tok_ivec_reserve(out, n) < 0)
        return ND_ERR_MEMORY;
    for (int32_t k = 0; k < L; k = e->next[k])
        out->v[out->n++] = e->sym[k];
    return 0;
}

int tok_bpe_encode(const tok_tokenizer *tok, const unsigned char *s, size_t len, int32_t **ids,
                   size_t *n)
{
    tok_ivec out = {0};
    wordmap cache = {0}; /* pre-token -> its ids, already in out */
    encoder enc = {0};
    /* bpe splits with ASCII classes, gpt2 with Unicode ones (tok.h). */
    size_t (*pretoken_end)(const unsigned char *, size_t, size_t) =
        tok->kind == TOK_GPT2 ? tok_gpt2_pretoken_end : tok_pretoken_end;
    int status = tok_ivec_reserve(&out, len / 3 + 16);
    for (size_t i = 0; i < len && status == 0;) {
        size_t e = pretoken_end(s, len, i), wl = e - i;
        const unsigned char *p = s + i;
        i = e;
        if (wl == 1) {
            status = tok_ivec_reserve(&out, 1);
            if (status == 0)
                out.v[out.n++] = tok_byte_id(tok, p[0]);
            continue;
        }
        if (wl > (size_t)INT32_MAX) {
            status = nd_set_last_error(ND_ERR_VALUE,
                                       "a pre-token of %zu bytes is too long to encode", wl);
            break;
        }
        word *w = wordmap_find(&cache, p, wl);
        if (!w) {
            status = ND_ERR_MEMORY;
            break;
        }
        if (w->n_ids > 0) { /* seen before: copy its ids */
            status = tok_ivec_reserve(&out, w->n_ids);
            if (status == 0) {
                memcpy(out.v + out.n, out.v + w->count, w->n_ids * sizeof *out.v);
                out.n += w->n_ids;
            }
            continue;
        }
        size_t at = out.n;
        status = encode_word(tok, &enc, p, wl, &out);
        w->count = (int64_t)at;
        w->n_ids = out.n - at;
    }
    wordmap_free(&cache);
    free(enc.sym), free(enc.next), free(enc.prev), free(enc.heap);
    if (status < 0) {
        free(out.v);
        return status;
    }
    *ids = out.v;
    *n = out.n;
    return 0;
}
