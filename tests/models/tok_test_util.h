/* Helpers of the tokenizer suites (test_tokenizer.c, test_gpt2_tokenizer.c):
 * whole files in and out, and encode/decode assertions. Header-only: each
 * suite is one executable. */
#ifndef TOK_TEST_UTIL_H
#define TOK_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tok.h"

/* The whole file (malloc'd, NUL-terminated) or NULL if it cannot be read. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static inline void spit(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

static inline char *path_in(const char *dir, const char *name)
{
    char *p;
    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

/* Encodes text and checks the ids are exactly `expected`. */
#define ck_assert_encodes(tok, text, ...)                                       \
    assert_encodes((tok), (text), strlen(text), (const int32_t[]){__VA_ARGS__}, \
                   sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))
static inline void assert_encodes(const tok_tokenizer *tok, const char *text, size_t len,
                                  const int32_t *expected, size_t n)
{
    int32_t *ids;
    size_t k;
    ck_assert_msg(tok_encode(tok, text, len, &ids, &k) == 0, "%s", tok_last_error());
    ck_assert_uint_eq(k, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(ids[i] == expected[i], "id %zu is %d, expected %d", i, ids[i], expected[i]);
    free(ids);
}

/* decode(encode(text)) == text; returns the number of ids. */
static inline size_t assert_round_trip(const tok_tokenizer *tok, const char *text, size_t len)
{
    int32_t *ids;
    size_t n;
    ck_assert_msg(tok_encode(tok, text, len, &ids, &n) == 0, "%s", tok_last_error());
    ck_assert_ptr_nonnull(ids);
    char *back;
    size_t blen;
    ck_assert_msg(tok_decode(tok, ids, n, &back, &blen) == 0, "%s", tok_last_error());
    ck_assert_uint_eq(blen, len);
    ck_assert(len == 0 || memcmp(back, text, len) == 0);
    ck_assert_int_eq(back[blen], '\0');
    free(ids);
    free(back);
    return n;
}

#endif
