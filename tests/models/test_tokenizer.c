/* The tokenizers (tok.h): the character vocabulary against nanoGPT's
 * `sorted(list(set(data)))`, BPE merges against the textbook example and a
 * naive Python trainer (tokenizer_ref.py, also the reference for GPT-2's
 * pre-token split), round trips of random byte strings, the JSON file
 * (round trip, truncations, byte flips, hostile values), argument errors,
 * and a timed run on tinyshakespeare (timings are printed, never asserted). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "tok.h"
#include "tok_test_util.h"

#define SHAKESPEARE "/work/shared/data/tinyshakespeare.txt"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void assert_token(const tok_tokenizer *tok, int32_t id, const char *bytes, size_t len)
{
    size_t k;
    const char *b = tok_token_bytes(tok, id, &k);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(k, len);
    ck_assert(memcmp(b, bytes, len) == 0);
}

/* Two tokenizers with the same kind and the same bytes for every id. */
static void assert_same_tokenizer(const tok_tokenizer *a, const tok_tokenizer *b)
{
    ck_assert_int_eq(tok_kind_of(a), tok_kind_of(b));
    ck_assert_int_eq(tok_vocab_size(a), tok_vocab_size(b));
    ck_assert_int_eq(tok_unk_id(a), tok_unk_id(b));
    for (int32_t id = 0; id < tok_vocab_size(a); id++) {
        size_t la, lb;
        const char *ba = tok_token_bytes(a, id, &la), *bb = tok_token_bytes(b, id, &lb);
        ck_assert_uint_eq(la, lb);
        ck_assert(memcmp(ba, bb, la) == 0);
    }
}

/* The space-separated integers of one line (malloc'd; *n of them). */
static int64_t *parse_ints(const char *line, size_t *n)
{
    size_t cap = 16;
    int64_t *v = malloc(cap * sizeof *v);
    *n = 0;
    for (const char *p = line; *p && *p != '\n';) {
        char *end;
        long long x = strtoll(p, &end, 10);
        if (end == p)
            break;
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = x;
        p = end;
        while (*p == ' ')
            p++;
    }
    return v;
}

static bool have_python(void) { return access(test_python(), X_OK) == 0; }

/* ------------------------------------------------------------------------ */
/* Character tokenizer                                                      */
/* ------------------------------------------------------------------------ */

START_TEST(char_vocabulary_is_sorted_characters)
{
    /* sorted(set("hello world\nHi!")) =
     * ['\n', ' ', '!', 'H', 'd', 'e', 'h', 'i', 'l', 'o', 'r', 'w'] */
    const char *text = "hello world\nHi!";
    tok_tokenizer *tok = tok_char_train(text, strlen(text));
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(tok_kind_of(tok), TOK_CHAR);
    ck_assert_str_eq(tok_kind_name(tok_kind_of(tok)), "char");
    ck_assert_int_eq(tok_vocab_size(tok), 13);
    ck_assert_int_eq(tok_unk_id(tok), 12);
    const char *itos = "\n !Hdehilorw";
    for (int32_t i = 0; i < 12; i++)
        assert_token(tok, i, itos + i, 1);
    assert_token(tok, 12, "\xEF\xBF\xBD", 3);
    ck_assert_encodes(tok, "hello", 6, 5, 8, 8, 9);
    ck_assert_encodes(tok, "Hi world!\n", 3, 7, 1, 11, 9, 10, 8, 4, 2, 0);
    assert_encodes(tok, "", 0, NULL, 0);
    assert_round_trip(tok, text, strlen(text));
    tok_free(tok);
}
END_TEST

START_TEST(char_unknown_characters)
{
    const char *text = "abc \xC3\xA9"; /* "abc é" */
    tok_tokenizer *tok = tok_char_train(text, strlen(text));
    ck_assert_int_eq(tok_vocab_size(tok), 6); /* ' ' a b c é <unk> */
    /* 'z', 'ü' (U+00FC), a NUL, and an invalid byte are not in it. */
    const char probe[] = "az\xC3\xBC\0\xFF\xC3\xA9";
    assert_encodes(tok, probe, sizeof probe - 1, (const int32_t[]){1, 5, 5, 5, 5, 4}, 6);
    char *out;
    size_t len;
    ck_assert_int_eq(tok_decode(tok, (const int32_t[]){1, 5, 4}, 3, &out, &len), 0);
    ck_assert_uint_eq(len, 6);
    ck_assert_str_eq(out, "a\xEF\xBF\xBD\xC3\xA9");
    free(out);
    tok_free(tok);

    /* An empty text makes a vocabulary of <unk> alone. */
    tok = tok_char_train("", 0);
    ck_assert_int_eq(tok_vocab_size(tok), 1);
    ck_assert_encodes(tok, "xy", 0, 0);
    tok_free(tok);
}
END_TEST

START_TEST(char_any_bytes_round_trip)
{
    /* Non-ASCII, a NUL, invalid UTF-8 (a lone continuation, a truncated
     * sequence, an encoded surrogate, an overlong, 0xFF): all characters. */
    const char text[] =
        "na\xC3\xAFve \xE2\x82\xAC 5\0\x80\xE2\x82 \xED\xA0\x80\xC0\xAF\xFF\xF0\x9F\x98\x80!";
    size_t len = sizeof text - 1;
    tok_tokenizer *tok = tok_char_train(text, len);
    ck_assert_ptr_nonnull(tok);
    assert_round_trip(tok, text, len);
    /* ids increase with the code point: U+1F600 (last) < <unk>; the escaped
     * byte 0xFF (U+DCFF) comes after U+20AC and before U+1F600. */
    int32_t *ids;
    size_t n;
    ck_assert_int_eq(tok_encode(tok, "\xF0\x9F\x98\x80\xFF\xE2\x82\xAC", 8, &ids, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(ids[0], tok_vocab_size(tok) - 2);
    ck_assert_int_eq(ids[1], tok_vocab_size(tok) - 3);
    ck_assert_int_eq(ids[2], tok_vocab_size(tok) - 11); /* below the 8 escapes */
    free(ids);
    tok_free(tok);
}
END_TEST

/* The vocabulary and the ids are Python's (nanoGPT's prepare.py with the
 * text decoded using surrogateescape). */
START_TEST(char_matches_python)
{
    if (!have_python())
        return;
    char *dir = test_make_tmpdir("tokchar");
    char *in = path_in(dir, "text"), *out = path_in(dir, "ref");
    const char text[] = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
                        "Ça va? Ünïcödé — “quotes” 日本語 \xF0\x9F\x98\x80 tab\there\r\n"
                        "bad: \x80\xFE\xC3 \xED\xB2\x80 end\0nul";
    size_t len = sizeof text - 1;
    spit(in, text, len);
    ck_assert_int_eq(test_run_python("tokenizer_ref.py", "char", in, out, NULL), 0);
    size_t rlen;
    char *ref = slurp(out, &rlen);
    size_t ncp, nids;
    int64_t *cps = parse_ints(ref, &ncp);
    int64_t *want = parse_ints(strchr(ref, '\n') + 1, &nids);

    tok_tokenizer *tok = tok_char_train(text, len);
    ck_assert_int_eq(tok_vocab_size(tok), (int)ncp + 1);
    int32_t *ids;
    size_t n;
    ck_assert_int_eq(tok_encode(tok, text, len, &ids, &n), 0);
    ck_assert_uint_eq(n, nids);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(ids[i], want[i]);
    /* Each token is the character Python has at that index. */
    for (size_t i = 0; i < ncp; i++) {
        size_t k;
        const char *b = tok_token_bytes(tok, (int32_t)i, &k);
        int32_t *got;
        size_t gn;
        ck_assert_int_eq(tok_encode(tok, b, k, &got, &gn), 0);
        ck_assert_uint_eq(gn, 1);
        ck_assert_int_eq(got[0], (int32_t)i);
        free(got);
    }
    free(ids);
    tok_free(tok);
    free(cps);
    free(want);
    free(ref);
    test_remove_tree(dir);
    free(in), free(out), free(dir);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* BPE                                                                      */
/* ------------------------------------------------------------------------ */

/* Wikipedia's example: aaabdaaabac -> (aa)=Z -> (ab)=Y -> (ZY)=X: XdXac.
 * The second step is a tie, (Z,a) and (a,b) both twice: the lower pair
 * (97, 98) wins. */
START_TEST(bpe_textbook_example)
{
    const char *text = "aaabdaaabac";
    tok_tokenizer *tok = tok_bpe_train(text, strlen(text), 259);
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(tok_kind_of(tok), TOK_BPE);
    ck_assert_str_eq(tok_kind_name(TOK_BPE), "bpe");
    ck_assert_int_eq(tok_vocab_size(tok), 259);
    ck_assert_int_eq(tok_unk_id(tok), -1);
    assert_token(tok, 'q', "q", 1);
    assert_token(tok, 256, "aa", 2);
    assert_token(tok, 257, "ab", 2);
    assert_token(tok, 258, "aaab", 4);
    ck_assert_encodes(tok, "aaabdaaabac", 258, 'd', 258, 'a', 'c');
    /* " aab": (a,a) ranks before (a,b) */
    ck_assert_encodes(tok, "aaaa aab", 256, 256, ' ', 256, 'b');
    tok_free(tok);

    /* Asked for more than the text has: merges stop when the word is one
     * token. XdXac has 4 pairs of count 1; the lowest, (a, c), goes first. */
    tok = tok_bpe_train(text, strlen(text), 1000);
    ck_assert_int_eq(tok_vocab_size(tok), 263);
    assert_token(tok, 259, "ac", 2);
    ck_assert_encodes(tok, "aaabdaaabac", 262);
    tok_free(tok);

    /* Overlaps: "aaaa" holds (a,a) three times; merging makes "NN". */
    tok = tok_bpe_train("aaaa", 4, 258);
    ck_assert_int_eq(tok_vocab_size(tok), 258);
    assert_token(tok, 257, "aaaa", 4);
    ck_assert_encodes(tok, "aaaaaaa", 257, 256, 'a');
    tok_free(tok);
}
END_TEST

/* Merges never cross pre-tokens: with a large vocabulary every pre-token
 * becomes one token, so encoding shows the split, checked by hand here and
 * against Python's re below. */
START_TEST(bpe_pretokens_by_hand)
{
    const char *text = "Hello world's  end\n\n x2024!! ok ";
    tok_tokenizer *tok = tok_bpe_train(text, strlen(text), 2000);
    const char *want[] = {"Hello", " world", "'s", " ",   " end", "\n\n",
                          " x",    "2024",   "!!", " ok", " "};
    int32_t *ids;
    size_t n;
    ck_assert_int_eq(tok_encode(tok, text, strlen(text), &ids, &n), 0);
    ck_assert_uint_eq(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++)
        assert_token(tok, ids[i], want[i], strlen(want[i]));
    free(ids);
    tok_free(tok);
}
END_TEST

static void check_split_against_python(const char *dir, const char *text, size_t len)
{
    char *in = path_in(dir, "split.txt"), *out = path_in(dir, "split.ref");
    spit(in, text, len);
    ck_assert_int_eq(test_run_python("tokenizer_ref.py", "split", in, out, NULL), 0);
    size_t rlen;
    char *ref = slurp(out, &rlen);
    tok_tokenizer *tok = tok_bpe_train(text, len, TOK_MAX_VOCAB);
    int32_t *ids;
    size_t n;
    ck_assert_int_eq(tok_encode(tok, text, len, &ids, &n), 0);
    char *line = ref;
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(*line, "more pre-tokens than Python's");
        char *nl = strchr(line, '\n');
        size_t k;
        const char *b = tok_token_bytes(tok, ids[i], &k);
        ck_assert_uint_eq((size_t)(nl - line), 2 * k);
        for (size_t j = 0; j < k; j++) {
            unsigned x;
            sscanf(line + 2 * j, "%2x", &x);
            ck_assert_msg((unsigned char)b[j] == x, "pre-token %zu differs", i);
        }
        line = nl + 1;
    }
    ck_assert_msg(*line == '\0', "fewer pre-tokens than Python's");
    free(ids);
    tok_free(tok);
    free(ref), free(in), free(out);
}

START_TEST(bpe_pretokens_match_python_re)
{
    if (!have_python())
        return;
    char *dir = test_make_tmpdir("toksplit");
    const char fixed[] = "I'm here, they'll go; we've 're 'd 'S 'x ''s!'s  \t\n  word\n\nx "
                         "a1b2 3.14 $$$ \"quoted\" caf\xC3\xA9 \xE2\x80\x94"
                         "dash\r\n\x0b\x0c end  ";
    check_split_against_python(dir, fixed, sizeof fixed - 1);
    /* Random strings over the characters that matter to the split. */
    const char alphabet[] = " \t\n\r\x0b\x0c'srevmldaZ09!.,\x80\xC3\xFF\"";
    unsigned seed = 1234;
    for (int round = 0; round < 20; round++) {
        char buf[400];
        size_t len = (size_t)(rand_r(&seed) % (int)sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = alphabet[rand_r(&seed) % (int)(sizeof alphabet - 1)];
        check_split_against_python(dir, buf, len);
    }
    test_remove_tree(dir);
    free(dir);
}
END_TEST

/* The merges and the encoding equal a naive Python trainer's (a recount of
 * every pair at every step) on a slice of Shakespeare: the incremental
 * counts are exact, and ties break the same way. */
START_TEST(bpe_matches_python_trainer)
{
    size_t all;
    char *text = slurp(SHAKESPEARE, &all);
    if (!text || !have_python()) {
        free(text);
        return;
    }
    size_t len = all < 20000 ? all : 20000;
    char *dir = test_make_tmpdir("tokbpe");
    char *in = path_in(dir, "text"), *out = path_in(dir, "ref");
    spit(in, text, len);
    ck_assert_int_eq(test_run_python("tokenizer_ref.py", "bpe", in, "600", out, NULL), 0);
    size_t rlen;
    char *ref = slurp(out, &rlen);
    tok_tokenizer *tok = tok_bpe_train(text, len, 600);
    ck_assert_int_eq(tok_vocab_size(tok), 600);
    char *p = ref;
    for (int32_t id = 256; id < 600; id++) {
        size_t k;
        const char *b = tok_token_bytes(tok, id, &k);
        for (size_t j = 0; j < k; j++, p += 2) {
            unsigned x;
            ck_assert_int_eq(sscanf(p, "%2x", &x), 1);
            ck_assert_msg((unsigned char)b[j] == x, "token %d differs from Python's", id);
        }
        ck_assert_msg(*p == ' ' || *p == '\n', "token %d is shorter than Python's", id);
        p++;
    }
    size_t nwant;
    int64_t *want = parse_ints(strchr(ref, '\n') + 1, &nwant);
    int32_t *ids;
    size_t n;
    ck_assert_int_eq(tok_encode(tok, text, len, &ids, &n), 0);
    ck_assert_uint_eq(n, nwant);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(ids[i], want[i]);
    free(ids), free(want), free(ref);
    tok_free(tok);
    test_remove_tree(dir);
    free(in), free(out), free(dir), free(text);
}
END_TEST

/* A token never grows past TOK_MAX_TOKEN_BYTES, even on one endless word. */
START_TEST(bpe_token_length_limit)
{
    size_t len = 5000;
    char *text = malloc(len);
    memset(text, 'z', len);
    tok_tokenizer *tok = tok_bpe_train(text, len, 1000);
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_lt(tok_vocab_size(tok), 1000);
    for (int32_t id = 0; id < tok_vocab_size(tok); id++) {
        size_t k;
        tok_token_bytes(tok, id, &k);
        ck_assert_uint_le(k, TOK_MAX_TOKEN_BYTES);
    }
    ck_assert_uint_le(assert_round_trip(tok, text, len), len / 128);
    free(text);
    tok_free(tok);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Round trips of random byte strings                                       */
/* ------------------------------------------------------------------------ */

/* Random bytes of a few flavours: uniform, ASCII words and spaces, UTF-8
 * with broken sequences, runs of one byte. */
static size_t random_text(unsigned *seed, char *buf, size_t cap)
{
    size_t len = (size_t)rand_r(seed) % cap;
    int flavour = rand_r(seed) % 4;
    static const char *const pieces[] = {"the",      " ",    "  ", "\n", "'s", "é",
                                         "\xE2\x82", "\xFF", "\0", "42", "!",  "\xF0\x9F\x98\x80",
                                         "\x80",     "qu"};
    for (size_t i = 0; i < len;) {
        if (flavour == 0)
            buf[i++] = (char)rand_r(seed);
        else if (flavour == 3) {
            char c = (char)rand_r(seed);
            for (int k = rand_r(seed) % 300; k > 0 && i < len; k--)
                buf[i++] = c;
        } else {
            const char *piece = pieces[rand_r(seed) % 14];
            size_t k = piece[0] ? strlen(piece) : 1;
            for (size_t j = 0; j < k && i < len; j++)
                buf[i++] = piece[j];
        }
    }
    return len;
}

START_TEST(round_trip_random_bytes)
{
    /* A BPE trained on random text of every flavour (so its merges span
     * odd bytes too), and one trained on English. */
    unsigned seed = 99;
    static char corpus[200000];
    size_t clen = 0;
    while (clen + 2000 < sizeof corpus)
        clen += random_text(&seed, corpus + clen, 2000);
    tok_tokenizer *bpe = tok_bpe_train(corpus, clen, 1500);
    ck_assert_ptr_nonnull(bpe);
    const char *english = "It was the best of times, it was the worst of times; it's the age of "
                          "wisdom, it's the age of foolishness.\n";
    tok_tokenizer *bpe2 = tok_bpe_train(english, strlen(english), 400);
    ck_assert_ptr_nonnull(bpe2);
    assert_round_trip(bpe, "", 0);
    assert_round_trip(bpe2, "", 0);
    assert_round_trip(bpe, NULL, 0);
    for (int round = 0; round < 300; round++) {
        char buf[3000];
        size_t len = random_text(&seed, buf, sizeof buf);
        assert_round_trip(bpe, buf, len);
        assert_round_trip(bpe2, buf, len);
        /* A char tokenizer round-trips what it was trained on. */
        tok_tokenizer *ch = tok_char_train(buf, len);
        assert_round_trip(ch, buf, len);
        tok_free(ch);
    }
    tok_free(bpe);
    tok_free(bpe2);
}
END_TEST

START_TEST(decode_rejects_bad_ids)
{
    tok_tokenizer *tok = tok_bpe_train("abc", 3, 258);
    char *out = (char *)1;
    size_t len = 7;
    ck_assert_int_eq(tok_decode(tok, (const int32_t[]){97, 5000}, 2, &out, &len), ND_ERR_INDEX);
    ck_assert_str_eq(tok_last_error(), "token id 5000 out of range for a vocabulary of 258");
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_lt(tok_decode(tok, (const int32_t[]){-1}, 1, &out, &len), 0);
    ck_assert_str_eq(tok_last_error(), "token id -1 out of range for a vocabulary of 258");
    ck_assert_int_lt(tok_decode(tok, (const int32_t[]){258}, 1, &out, &len), 0);
    size_t k;
    ck_assert_ptr_null(tok_token_bytes(tok, 258, &k));
    ck_assert_str_eq(nd_last_error(), "token id 258 out of range for a vocabulary of 258");
    /* Zero ids decode to the empty string. */
    ck_assert_int_eq(tok_decode(tok, NULL, 0, &out, &len), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(out, "");
    free(out);
    tok_free(tok);
}
END_TEST

START_TEST(bad_arguments)
{
    ck_assert_ptr_null(tok_bpe_train("abc", 3, 100));
    ck_assert_str_eq(tok_last_error(), "vocab_size must be at least 256 (the byte tokens), got 100");
    ck_assert_ptr_null(tok_bpe_train("abc", 3, -5));
    ck_assert_ptr_null(tok_bpe_train("abc", 3, TOK_MAX_VOCAB + 1));
    ck_assert_str_eq(tok_last_error(), "vocab_size 1048577 is larger than the limit 1048576");
    ck_assert_ptr_null(tok_bpe_train(NULL, 3, 300));
    ck_assert_str_eq(tok_last_error(), "text is NULL but len is 3");
    ck_assert_ptr_null(tok_char_train(NULL, 5));
    ck_assert_str_eq(tok_last_error(), "text is NULL but len is 5");
    /* Empty text is fine: nothing to merge. */
    tok_tokenizer *tok = tok_bpe_train(NULL, 0, 4096);
    ck_assert_int_eq(tok_vocab_size(tok), 256);

    int32_t *ids = (int32_t *)1;
    size_t n = 9;
    ck_assert_int_lt(tok_encode(tok, NULL, 2, &ids, &n), 0);
    ck_assert_str_eq(tok_last_error(), "text is NULL but len is 2");
    ck_assert_ptr_null(ids);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_lt(tok_encode(NULL, "a", 1, &ids, &n), 0);
    ck_assert_int_lt(tok_encode(tok, "a", 1, NULL, &n), 0);
    char *text;
    ck_assert_int_lt(tok_decode(tok, NULL, 3, &text, &n), 0);
    ck_assert_int_lt(tok_decode(NULL, NULL, 0, &text, &n), 0);
    ck_assert_int_eq(tok_vocab_size(NULL), -1);
    ck_assert_int_eq(tok_kind_of(NULL), 0);
    ck_assert_ptr_null(tok_kind_name(0));
    ck_assert_int_lt(tok_save(NULL, "x"), 0);
    ck_assert_int_eq(tok_save(tok, "/nonexistent-dir/tok.json"), ND_ERR_IO);
    ck_assert_str_eq(tok_last_error(),
                     "cannot write '/nonexistent-dir/tok.json': No such file or directory");
    ck_assert_ptr_null(tok_load("/nonexistent-dir/tok.json"));
    ck_assert_str_eq(tok_last_error(), "cannot read '/nonexistent-dir/tok.json': "
                                       "No such file or directory");
    ck_assert_ptr_null(tok_load(NULL));
    tok_free(tok);
    tok_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

START_TEST(save_load_round_trip)
{
    char *dir = test_make_tmpdir("tokio");
    char *path = path_in(dir, "tokenizer.json");
    const char *text = "To be, or not to be, that is the question: caf\xC3\xA9 \xFF\n";
    tok_tokenizer *toks[2] = {tok_char_train(text, strlen(text)),
                              tok_bpe_train(text, strlen(text), 300)};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(tok_save(toks[k], path), 0);
        if (have_python())
            ck_assert_int_eq(test_run_python("tokenizer_ref.py", "json", path, NULL), 0);
        tok_tokenizer *back = tok_load(path);
        ck_assert_msg(back != NULL, "%s", tok_last_error());
        assert_same_tokenizer(toks[k], back);
        int32_t *a, *b;
        size_t na, nb;
        ck_assert_int_eq(tok_encode(toks[k], text, strlen(text), &a, &na), 0);
        ck_assert_int_eq(tok_encode(back, text, strlen(text), &b, &nb), 0);
        ck_assert_uint_eq(na, nb);
        ck_assert(memcmp(a, b, na * sizeof *a) == 0);
        free(a), free(b);
        tok_free(back);
    }
    /* Saving over a file replaces it, and leaves no temporary behind. */
    ck_assert_int_eq(tok_save(toks[1], path), 0);
    ck_assert_int_eq(tok_save(toks[0], path), 0);
    tok_tokenizer *back = tok_load(path);
    ck_assert_int_eq(tok_kind_of(back), TOK_CHAR);
    tok_free(back);
    char *cmd;
    ck_assert_int_ge(asprintf(&cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    tok_free(toks[0]);
    tok_free(toks[1]);
    test_remove_tree(dir);
    free(path), free(dir);
}
END_TEST

/* Loads path; it must fail with a one-line message starting with the
 * file's name and containing `part` (when not NULL). */
static void assert_load_fails(const char *path, const char *part)
{
    tok_tokenizer *tok = tok_load(path);
    ck_assert_msg(tok == NULL, "a bad file loaded");
    const char *msg = tok_last_error();
    ck_assert_msg(strstr(msg, path) != NULL && strchr(msg, '\n') == NULL, "message: %s", msg);
    if (part)
        ck_assert_msg(strstr(msg, part) != NULL, "message '%s' lacks '%s'", msg, part);
}

static void write_and_fail(const char *path, const char *content, const char *part)
{
    spit(path, content, strlen(content));
    assert_load_fails(path, part);
}

START_TEST(load_rejects_bad_values)
{
    char *dir = test_make_tmpdir("tokbad");
    char *path = path_in(dir, "t.json");
#define HEAD "{\"format\": \"shannon-tokenizer\", \"version\": 1, "
    write_and_fail(path, "", "expected a value, found the end of the input at byte 0");
    write_and_fail(path, "[1, 2]", "must hold one JSON object, not an array at byte 0");
    write_and_fail(path,
                   HEAD "\"kind\": \"bpe\", \"vocab_size\": 258, \"pretokenizer\": "
                        "\"gpt2-ascii\", \"merges\": [[97, 97], [256, 300]]}",
                   "merge 1 uses id 300, which is not below 257");
    write_and_fail(path,
                   HEAD "\"kind\": \"bpe\", \"vocab_size\": 258, \"pretokenizer\": "
                        "\"gpt2-ascii\", \"merges\": [[97, 97], [97, 97]]}",
                   "merge 1 repeats merge 0");
    write_and_fail(path,
                   HEAD "\"kind\": \"bpe\", \"vocab_size\": 300, \"pretokenizer\": "
                        "\"gpt2-ascii\", \"merges\": [[97, 97]]}",
                   "vocab_size is 300 but the merges make 257");
    write_and_fail(path, HEAD "\"kind\": \"bpe\", \"vocab_size\": 257, \"merges\": [[97, 97]]}",
                   "missing key \"pretokenizer\"");
    write_and_fail(path,
                   HEAD "\"kind\": \"bpe\", \"vocab_size\": 257, \"pretokenizer\": "
                        "\"gpt2-ascii\", \"merges\": [[97, 97]], \"chars\": []}",
                   "key \"chars\" does not belong to a bpe tokenizer");
    write_and_fail(path, HEAD "\"kind\": \"wordpiece\"}", "kind is \"wordpiece\"");
    write_and_fail(path, "{\"format\": \"shannon-tokenizer\", \"version\": 2}",
                   "version 2 is not supported");
    write_and_fail(path, "{\"format\": \"other\"}", "format is \"other\"");
    write_and_fail(path, "{\"kind\": \"char\", \"kind\": \"char\"}",
                   "duplicate key \"kind\" at byte 17");
    write_and_fail(path, "{\"colour\": 1}", "unknown key \"colour\"");
    /* Found by tests/fuzz/fuzz_tokenizer: a key with a newline made a
     * two-line message (assert_load_fails checks for one line). */
    write_and_fail(path, "{\"voc\\nab\": 1}", "unknown key \"voc\\nab\" at byte 1");
    write_and_fail(path, HEAD "\"kind\": \"char\", \"vocab_size\": 99999999999999999}",
                   "vocab_size out of range [1, 2147483647]");
    write_and_fail(path, HEAD "\"kind\": \"char\", \"vocab_size\": 1.5}",
                   "vocab_size must be an integer, not a number");
    write_and_fail(path,
                   HEAD "\"kind\": \"char\", \"vocab_size\": 3, \"unk_id\": 2, "
                        "\"chars\": [98, 97]}",
                   "not in increasing order");
    write_and_fail(path,
                   HEAD "\"kind\": \"char\", \"vocab_size\": 3, \"unk_id\": 2, "
                        "\"chars\": [97, 55296]}",
                   "chars[1] = 55296 is not a character");
    write_and_fail(path,
                   HEAD "\"kind\": \"char\", \"vocab_size\": 3, \"unk_id\": 0, "
                        "\"chars\": [97, 98]}",
                   "unk_id is 0");
    write_and_fail(path,
                   HEAD "\"kind\": \"char\", \"vocab_size\": 1, \"unk_id\": 0, "
                        "\"chars\": []} x",
                   "unexpected 'x' after the JSON value at byte 105");
    /* A chain of merges that doubles a token each time: 2^40 bytes if
     * believed; rejected at the limit. */
    {
        char *s = NULL;
        size_t cap = 0;
        FILE *m = open_memstream(&s, &cap);
        fprintf(m,
                HEAD "\"kind\": \"bpe\", \"vocab_size\": %d, \"pretokenizer\": "
                     "\"gpt2-ascii\", \"merges\": [[97, 97]",
                256 + 40);
        for (int i = 1; i < 40; i++)
            fprintf(m, ", [%d, %d]", 255 + i, 255 + i);
        fprintf(m, "]}");
        fclose(m);
        write_and_fail(path, s, "merge 8 makes a token of 512 bytes, more than the limit 256");
        free(s);
    }
    /* Deeply nested brackets are an error at the reader's depth limit, not a
     * stack overflow. */
    {
        char *s = malloc(200001);
        memcpy(s, HEAD "\"merges\": ", strlen(HEAD "\"merges\": "));
        size_t at = strlen(HEAD "\"merges\": ");
        memset(s + at, '[', 200000 - at);
        s[200000] = '\0';
        write_and_fail(path, s, "nesting deeper than 3 levels at byte 58");
        free(s);
    }
#undef HEAD
    test_remove_tree(dir);
    free(path), free(dir);
}
END_TEST

/* Every truncation and many random byte changes of a valid file: each loads
 * into a working tokenizer or fails with a one-line message; nothing
 * crashes or leaks (the sanitizer build checks). */
START_TEST(load_survives_corruption)
{
    char *dir = test_make_tmpdir("tokfuzz");
    char *good = path_in(dir, "good.json"), *bad = path_in(dir, "bad.json");
    const char *text = "one two three two one, \xC3\xA9t\xC3\xA9 \x80!";
    tok_tokenizer *toks[2] = {tok_char_train(text, strlen(text)),
                              tok_bpe_train(text, strlen(text), 280)};
    unsigned seed = 7;
    static const char bytes[] = "0123456789[]{},:\" -.eabcz\n\x00\xFF";
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(tok_save(toks[k], good), 0);
        size_t len;
        char *data = slurp(good, &len);
        for (size_t cut = 0; cut < len; cut++) {
            spit(bad, data, cut);
            /* Cutting only trailing whitespace leaves a valid file. */
            bool valid = strspn(data + cut, " \n") == len - cut;
            tok_tokenizer *t = tok_load(bad);
            ck_assert_msg((t != NULL) == valid, "cut at %zu: %s", cut, tok_last_error());
            if (!t)
                assert_load_fails(bad, NULL);
            tok_free(t);
        }
        for (int round = 0; round < 1500; round++) {
            char *copy = malloc(len);
            memcpy(copy, data, len);
            for (int flips = 1 + rand_r(&seed) % 3; flips > 0; flips--)
                copy[rand_r(&seed) % (int)len] = bytes[rand_r(&seed) % (int)(sizeof bytes - 1)];
            spit(bad, copy, len);
            tok_tokenizer *t = tok_load(bad);
            if (t) { /* still a consistent tokenizer */
                assert_round_trip(t, "", 0);
                if (tok_kind_of(t) == TOK_BPE)
                    assert_round_trip(t, text, strlen(text));
                char *out;
                size_t olen;
                int32_t last = tok_vocab_size(t) - 1;
                ck_assert_int_eq(tok_decode(t, &last, 1, &out, &olen), 0);
                free(out);
            } else
                assert_load_fails(bad, NULL);
            tok_free(t);
            free(copy);
        }
        free(data);
    }
    tok_free(toks[0]);
    tok_free(toks[1]);
    test_remove_tree(dir);
    free(good), free(bad), free(dir);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Shakespeare                                                              */
/* ------------------------------------------------------------------------ */

START_TEST(shakespeare_char)
{
    size_t len;
    char *text = slurp(SHAKESPEARE, &len);
    if (!text) {
        printf("shakespeare_char: %s is missing, skipped\n", SHAKESPEARE);
        return;
    }
    tok_tokenizer *tok = tok_char_train(text, len);
    /* nanoGPT's shakespeare_char: 65 characters, '\n' first, then ' ', '!'. */
    ck_assert_int_eq(tok_vocab_size(tok), 66);
    assert_token(tok, 0, "\n", 1);
    assert_token(tok, 1, " ", 1);
    assert_token(tok, 2, "!", 1);
    assert_token(tok, 64, "z", 1);
    ck_assert_uint_eq(assert_round_trip(tok, text, len), len);
    ck_assert_encodes(tok, "hii there", 46, 47, 47, 1, 58, 46, 43, 56, 43); /* nanoGPT's README */
    tok_free(tok);
    free(text);
}
END_TEST

START_TEST(shakespeare_bpe_4096)
{
    size_t len;
    char *text = slurp(SHAKESPEARE, &len);
    if (!text) {
        printf("shakespeare_bpe_4096: %s is missing, skipped\n", SHAKESPEARE);
        return;
    }
    double t0 = now_s();
    tok_tokenizer *tok = tok_bpe_train(text, len, 4096);
    double t_train = now_s() - t0;
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(tok_vocab_size(tok), 4096);

    int32_t *ids;
    size_t n;
    t0 = now_s();
    ck_assert_int_eq(tok_encode(tok, text, len, &ids, &n), 0);
    double t_encode = now_s() - t0;
    char *back;
    size_t blen;
    t0 = now_s();
    ck_assert_int_eq(tok_decode(tok, ids, n, &back, &blen), 0);
    double t_decode = now_s() - t0;
    ck_assert_uint_eq(blen, len);
    ck_assert(memcmp(back, text, len) == 0);
    double ratio = (double)len / (double)n;
    ck_assert_msg(ratio > 2.0, "%.2f bytes per token", ratio);

    /* The saved tokenizer encodes the same. */
    char *dir = test_make_tmpdir("tokshake");
    char *path = path_in(dir, "tokenizer.json");
    ck_assert_int_eq(tok_save(tok, path), 0);
    tok_tokenizer *again = tok_load(path);
    ck_assert_ptr_nonnull(again);
    int32_t *ids2;
    size_t n2;
    ck_assert_int_eq(tok_encode(again, text, len, &ids2, &n2), 0);
    ck_assert_uint_eq(n2, n);
    ck_assert(memcmp(ids, ids2, n * sizeof *ids) == 0);
    printf("tokenizer: bpe on %zu bytes of tinyshakespeare: train 4096 ids %.3f s, "
           "encode %.3f s (%.1f MB/s), decode %.4f s, %zu tokens, %.2f bytes/token\n",
           len, t_train, t_encode, (double)len / t_encode / 1e6, t_decode, n, ratio);
    fflush(stdout);
    free(ids2);
    tok_free(again);
    test_remove_tree(dir);
    free(path), free(dir);
    free(back);
    free(ids);
    tok_free(tok);
    free(text);
}
END_TEST

/* [MASK] [CLS] [SEP] [PAD]: the last four ids of either kind; every other
 * id keeps its meaning, text never encodes to them, and they survive
 * tok_save / tok_load. */
START_TEST(special_tokens)
{
    char *dir = test_make_tmpdir("tokspecial");
    char *path = path_in(dir, "tok.json");
    const char *text = "abca [MASK] bb";
    for (int kind = 0; kind < 2; kind++) {
        tok_tokenizer *tok =
            kind == 0 ? tok_char_train(text, strlen(text)) : tok_bpe_train(text, strlen(text), 260);
        int V = tok_vocab_size(tok), unk = tok_unk_id(tok);
        int32_t *before;
        size_t nbefore;
        ck_assert_int_eq(tok_encode(tok, text, strlen(text), &before, &nbefore), 0);
        ck_assert_int_eq(tok_special_id(tok, TOK_MASK), -1);
        ck_assert_int_eq(tok_add_special_tokens(tok), 0);
        ck_assert_int_eq(tok_add_special_tokens(tok), 0); /* once only */
        ck_assert_int_eq(tok_vocab_size(tok), V + 4);
        ck_assert_int_eq(tok_unk_id(tok), unk);
        ck_assert_int_eq(tok_special_id(tok, TOK_MASK), V);
        ck_assert_int_eq(tok_special_id(tok, TOK_PAD), V + 3);
        ck_assert_int_eq(tok_special_id(tok, (tok_special)4), -1);
        assert_token(tok, V + 1, "[CLS]", 5);
        /* The same ids as before: "[MASK]" in the text is characters. */
        int32_t *after;
        size_t nafter;
        ck_assert_int_eq(tok_encode(tok, text, strlen(text), &after, &nafter), 0);
        ck_assert_uint_eq(nafter, nbefore);
        ck_assert(memcmp(after, before, nafter * sizeof *after) == 0);
        if (kind == 0) /* a character outside the vocabulary is still <unk> */
            ck_assert_encodes(tok, "z", unk);
        ck_assert_int_eq(tok_save(tok, path), 0);
        tok_tokenizer *back = tok_load(path);
        ck_assert_msg(back != NULL, "%s", tok_last_error());
        assert_same_tokenizer(tok, back);
        ck_assert_int_eq(tok_special_id(back, TOK_SEP), V + 2);
        tok_free(back);
        free(before);
        free(after);
        tok_free(tok);
    }
    /* A file whose special tokens are not exactly the four: an error. */
    write_and_fail(path,
                   "{\"format\": \"shannon-tokenizer\", \"version\": 1, \"kind\": \"char\", "
                   "\"vocab_size\": 6, \"special_tokens\": [\"[MASK]\", \"[CLS]\", \"[PAD]\", \"[SEP]\"], "
                   "\"unk_id\": 1, \"chars\": [97]}",
                   "special_tokens must be");
    write_and_fail(path,
                   "{\"format\": \"shannon-tokenizer\", \"version\": 1, \"kind\": \"char\", "
                   "\"vocab_size\": 6, \"special_tokens\": [\"[BOS]\"], "
                   "\"unk_id\": 1, \"chars\": [97]}",
                   "\"[BOS]\" is not a special token");
    free(path);
    test_remove_tree(dir);
    free(dir);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("tokenizer");
    TCase *tc = tcase_create("char");
    tcase_add_test(tc, char_vocabulary_is_sorted_characters);
    tcase_add_test(tc, char_unknown_characters);
    tcase_add_test(tc, char_any_bytes_round_trip);
    tcase_add_test(tc, char_matches_python);
    suite_add_tcase(s, tc);
    tc = tcase_create("bpe");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bpe_textbook_example);
    tcase_add_test(tc, bpe_pretokens_by_hand);
    tcase_add_test(tc, bpe_pretokens_match_python_re);
    tcase_add_test(tc, bpe_matches_python_trainer);
    tcase_add_test(tc, bpe_token_length_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, round_trip_random_bytes);
    tcase_add_test(tc, decode_rejects_bad_ids);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, load_rejects_bad_values);
    tcase_add_test(tc, load_survives_corruption);
    tcase_add_test(tc, special_tokens);
    suite_add_tcase(s, tc);
    tc = tcase_create("shakespeare");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, shakespeare_char);
    tcase_add_test(tc, shakespeare_bpe_4096);
    suite_add_tcase(s, tc);
    return s;
}
