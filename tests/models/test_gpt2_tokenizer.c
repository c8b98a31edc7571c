/* GPT-2's tokenizer (tok.h, kind gpt2).
 *
 * Always: a small vocabulary written here in GPT-2's file format (ids
 * permuted, keys escaped), encoded by hand-worked merges; every kind of bad
 * file as a one-line error; tokenizer.json with the files beside it.
 *
 * With GPT-2's own files (`make gpt2-tokenizer`; these cases are left out,
 * with a message, when the files are missing): the golden cases,
 * tinyshakespeare's 90/10 split by characters (301,966 and 36,059 tokens,
 * nanoGPT's data/shakespeare readme), texts whose ids node's reference gave
 * (whitespace, contractions, marks, emoji; the full comparison with node
 * is gpt2_reference_test.py), <|endoftext|>, decode(encode(x)) == x for
 * random bytes, and save/load writing the two files back byte for byte. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tok.h"
#include "tok_test_util.h"

#define SHAKESPEARE "/work/shared/data/tinyshakespeare.txt"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* A small vocabulary in GPT-2's format                                     */
/* ------------------------------------------------------------------------ */

/* GPT-2's byte alphabet, written out independently of the library: the
 * printable bytes stand for themselves, the other 68 become U+0100... */
static unsigned alphabet(unsigned b)
{
    unsigned extra = 256;
    for (unsigned x = 0; x < 256; x++) {
        int printable = (x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE;
        if (x == b)
            return printable ? x : extra;
        extra += !printable;
    }
    return 0;
}

/* Byte b has id (b + 7) % 256, then "ab" 256, "abc" 257, "bc" 258, and the
 * extra entries given (a JSON fragment). skip_byte < 0: all bytes. */
static char *small_encoder(int skip_byte, const char *extra)
{
    size_t cap = 1 << 14, n = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    n += (size_t)sprintf(s + n, "{");
    for (unsigned b = 0; b < 256; b++)
        if ((int)b != skip_byte) /* every key escaped: the reader must undo \u */
            n += (size_t)sprintf(s + n, "\"\\u%04x\": %u, ", alphabet(b), (b + 7) % 256);
    n += (size_t)sprintf(s + n, "\"ab\": 256, \"abc\": 257, \"bc\": 258%s}", extra);
    return s;
}

static char *tmp;

/* Writes name in dir. */
static void put(const char *dir, const char *name, const char *text)
{
    char *path = path_in(dir, name);
    spit(path, text, strlen(text));
    free(path);
}

static tok_tokenizer *load_small(const char *encoder, const char *merges)
{
    put(tmp, "encoder.json", encoder);
    put(tmp, "vocab.bpe", merges);
    return tok_gpt2_load(tmp);
}

static void setup(void) { tmp = test_make_tmpdir("gpt2-tok"); }
static void teardown(void)
{
    test_remove_tree(tmp);
    free(tmp);
}

#define SMALL_MERGES "#version: 0.2\na b\nab c\nb c\n"

START_TEST(small_vocabulary_merges_by_rank)
{
    char *enc = small_encoder(-1, "");
    tok_tokenizer *tok = load_small(enc, SMALL_MERGES);
    ck_assert_msg(tok != NULL, "%s", tok_last_error());
    ck_assert_int_eq(tok_vocab_size(tok), 259);
    ck_assert_int_eq(tok_kind_of(tok), TOK_GPT2);
    ck_assert_str_eq(tok_kind_name(TOK_GPT2), "gpt2");
    ck_assert_int_eq(tok_eot_id(tok), -1); /* this file has no <|endoftext|> */
    ck_assert_int_eq(tok_unk_id(tok), -1);
    /* "abc": (a,b) rank 0 before (b,c) rank 2, then (ab,c) rank 1.
     * " abc": the space (id 39) stays alone: no merge has it.
     * " bc": only (b,c). "abx": ab, then x (id ('x'+7)%256 = 127). */
    ck_assert_encodes(tok, "abc abc bc", 257, 39, 257, 39, 258);
    ck_assert_encodes(tok, "abx", 256, 127);
    ck_assert_encodes(tok, "cab", 106, 256);
    ck_assert_encodes(tok, "\xff", 6); /* an invalid byte: its own token */
    size_t len;
    const char *b = tok_token_bytes(tok, 257, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert(memcmp(b, "abc", 3) == 0);
    b = tok_token_bytes(tok, 39, &len); /* the space, spelled U+0120 in the file */
    ck_assert(len == 1 && b[0] == ' ');
    assert_round_trip(tok, "a\x80\xc3\xa9 b\x00c", 8);
    tok_free(tok);
    free(enc);
}
END_TEST

/* The first line of the error for this pair of files; checks that the load
 * fails with a message containing `part`. */
static void assert_load_error(const char *encoder, const char *merges, const char *part)
{
    tok_tokenizer *tok = load_small(encoder, merges);
    ck_assert_msg(tok == NULL, "loaded, expected an error with '%s'", part);
    const char *msg = tok_last_error();
    ck_assert_msg(strstr(msg, part) != NULL, "error '%s' lacks '%s'", msg, part);
    ck_assert_msg(strchr(msg, '\n') == NULL, "error '%s' is more than one line", msg);
}

START_TEST(bad_files_are_one_line_errors)
{
    char *enc = small_encoder(-1, "");
    char *dup = small_encoder(-1, ", \"ba\": 256");
    char *big = small_encoder(-1, ", \"ba\": 300");
    char *cjk = small_encoder(-1, ", \"\\u4e00\": 259");
    char *noz = small_encoder('z', ", \"z!\": 129");
    size_t n = strlen(enc);

    /* Files missing, truncated, not JSON. */
    char *missing;
    ck_assert_int_ge(asprintf(&missing, "%s/nowhere", tmp), 0);
    ck_assert_ptr_null(tok_gpt2_load(missing));
    ck_assert_ptr_nonnull(
        strstr(tok_last_error(), "nowhere/encoder.json': No such file or directory"));
    free(missing);
    char saved = enc[n / 2];
    enc[n / 2] = '\0';
    assert_load_error(enc, SMALL_MERGES, "but the file ends (truncated?)");
    enc[n / 2] = saved;
    enc[n - 1] = ',';
    assert_load_error(enc, SMALL_MERGES, "expected '\"'");
    enc[n - 1] = '}';
    assert_load_error("[1, 2]", SMALL_MERGES, "expected '{' at byte 0");
    assert_load_error("{\"a\": 1.5}", SMALL_MERGES, "expected a token id");
    assert_load_error("{\"a\": 1}", SMALL_MERGES, "has 1 tokens, fewer than the 256 bytes");
    /* An empty key first (the model-folder fuzzer): the key buffer must
     * exist before the first copy into it, even of 0 bytes (UBSan). */
    assert_load_error("{\"\": 0}", SMALL_MERGES, "has 1 tokens, fewer than the 256 bytes");

    /* Ids and keys that do not make a vocabulary. */
    assert_load_error(dup, SMALL_MERGES, "id 256 appears twice");
    assert_load_error(big, SMALL_MERGES, "id 300 is not below the number of tokens 260");
    assert_load_error(cjk, SMALL_MERGES, "U+4E00 is not a character of GPT-2's byte alphabet");
    assert_load_error(noz, SMALL_MERGES, "has no token for the byte 0x7A");

    /* Merges that are malformed, unknown, repeated, or out of order. */
    assert_load_error(enc, "a b\n", "expected a first line \"#version: 0.2\"");
    assert_load_error(enc, "#version: 0.2\na b c\n", "expected two tokens separated by one space");
    assert_load_error(enc, "#version: 0.2\nab\n", "expected two tokens separated by one space");
    assert_load_error(enc, "#version: 0.2\na  b\n", "expected a token");
    assert_load_error(enc, "#version: 0.2\na q\n",
                      "line 2: merge 0 uses or makes a token that is not "
                      "in encoder.json: 'a q'");
    assert_load_error(enc, "#version: 0.2\na b\nb c\na b\n", "line 4: merge 2 repeats merge 0");
    assert_load_error(enc, "#version: 0.2\na b\nb c\nab c\na bc\n",
                      "merge 3 makes token 257, which "
                      "merge 2 makes already");
    assert_load_error(enc, "#version: 0.2\nab c\na b\n",
                      "merge 0 uses token 256, which the later merge "
                      "1 makes");
    free(enc), free(dup), free(big), free(cjk), free(noz);
}
END_TEST

START_TEST(tokenizer_json_with_the_files_beside_it)
{
    char *enc = small_encoder(-1, ", \"<|endoftext|>\": 259");
    tok_tokenizer *tok = load_small(enc, SMALL_MERGES "\n");
    ck_assert_msg(tok != NULL, "%s", tok_last_error());
    ck_assert_int_eq(tok_eot_id(tok), 259);
    char *out, *json;
    ck_assert_int_ge(asprintf(&out, "%s/model", tmp), 0);
    ck_assert_int_ge(asprintf(&json, "%s/model/tokenizer.json", tmp), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", out);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(tok_save(tok, json), 0);
    /* The two files written back byte for byte. */
    size_t a, b;
    snprintf(cmd, sizeof cmd, "%s/encoder.json", out);
    char *e2 = slurp(cmd, &a);
    ck_assert_ptr_nonnull(e2);
    ck_assert_uint_eq(a, strlen(enc));
    ck_assert(memcmp(e2, enc, a) == 0);
    snprintf(cmd, sizeof cmd, "%s/vocab.bpe", out);
    char *m2 = slurp(cmd, &b);
    ck_assert_str_eq(m2, SMALL_MERGES "\n");
    char *j = slurp(json, &a);
    ck_assert_ptr_nonnull(strstr(j, "\"kind\": \"gpt2\""));
    tok_tokenizer *back = tok_load(json);
    ck_assert_msg(back != NULL, "%s", tok_last_error());
    ck_assert_int_eq(tok_kind_of(back), TOK_GPT2);
    ck_assert_encodes(back, "abc abc bc", 257, 39, 257, 39, 258);
    tok_free(back);

    /* A tokenizer.json that disagrees with its files, or holds BPE keys. */
    const char *wrong = "{\"format\": \"shannon-tokenizer\", \"version\": 1, \"kind\": \"gpt2\", "
                        "\"vocab_size\": 50257}";
    put(out, "tokenizer.json", wrong);
    ck_assert_ptr_null(tok_load(json));
    ck_assert_ptr_nonnull(strstr(tok_last_error(), "vocab_size is 50257 but encoder.json has 260"));
    const char *extra = "{\"format\": \"shannon-tokenizer\", \"version\": 1, \"kind\": \"gpt2\", "
                        "\"vocab_size\": 260, \"merges\": [[1, 2]]}";
    put(out, "tokenizer.json", extra);
    ck_assert_ptr_null(tok_load(json));
    ck_assert_ptr_nonnull(
        strstr(tok_last_error(), "key \"merges\" does not belong to a gpt2 tokenizer"));
    tok_free(tok);
    free(enc), free(e2), free(m2), free(j), free(out), free(json);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* GPT-2's own files                                                        */
/* ------------------------------------------------------------------------ */

static tok_tokenizer *gpt2;

static void setup_gpt2(void)
{
    gpt2 = tok_gpt2_load(NULL);
    ck_assert_msg(gpt2 != NULL, "%s", tok_last_error());
}
static void teardown_gpt2(void)
{
    tok_free(gpt2);
    gpt2 = NULL;
}

START_TEST(golden_cases)
{
    ck_assert_int_eq(tok_vocab_size(gpt2), 50257);
    ck_assert_encodes(gpt2, "hello world", 31373, 995);
    ck_assert_encodes(gpt2, "Hello, world!", 15496, 11, 995, 0);
    ck_assert_encodes(gpt2, " the", 262);
    assert_encodes(gpt2, "", 0, NULL, 0);
}
END_TEST

START_TEST(cases_from_the_reference)
{
    /* Ids from node running gpt-3-encoder's Encoder.js. */
    // clang-format off
    ck_assert_encodes(gpt2, "  hello", 220, 23748);
    ck_assert_encodes(gpt2, "hello\n\nworld", 31373, 198, 198, 6894);
    ck_assert_encodes(gpt2, "I'm  'S ok'll", 40, 1101, 220, 705, 50, 12876, 1183);
    ck_assert_encodes(gpt2, "x\u3000\u3000y", 87, 5099, 222, 5099, 222, 88);
    ck_assert_encodes(gpt2, "a\ufeff\ufeffb", 64, 171, 119, 123, 171, 119, 123, 65);   /* \s in JavaScript */
    ck_assert_encodes(gpt2, "a\xc2\x85" "b", 64, 126, 227, 65);   /* not \s in JavaScript */
    ck_assert_encodes(gpt2, "n\u0303o \u0905\u093e", 77, 136, 225, 78, 28225, 227, 48077);   /* marks */
    ck_assert_encodes(gpt2, "\u00bd + \u2167 = 12345678", 23141, 1343, 2343, 227, 100, 796, 17031, 2231, 30924);
    ck_assert_encodes(gpt2, " \U0001F389\U0001F389 !!", 12520, 236, 231, 8582, 236, 231, 37867);
    ck_assert_encodes(gpt2, "end  ", 437, 220, 220);
    // clang-format on
    /* <|endoftext|> is never made from text, and decodes to its text. */
    ck_assert_encodes(gpt2, "<|endoftext|>", 27, 91, 437, 1659, 5239, 91, 29);
    ck_assert_int_eq(tok_eot_id(gpt2), TOK_GPT2_EOT);
    char *text;
    size_t len;
    ck_assert_int_eq(tok_decode(gpt2, (const int32_t[]){31373, TOK_GPT2_EOT}, 2, &text, &len), 0);
    ck_assert_str_eq(text, "hello<|endoftext|>");
    free(text);
    ck_assert_int_eq(tok_decode(gpt2, (const int32_t[]){50257}, 1, &text, &len), ND_ERR_INDEX);
    ck_assert_str_eq(tok_last_error(), "token id 50257 out of range for a vocabulary of 50257");
}
END_TEST

static size_t count_ids(const char *text, size_t len)
{
    int32_t *ids;
    size_t n;
    ck_assert_msg(tok_encode(gpt2, text, len, &ids, &n) == 0, "%s", tok_last_error());
    assert_round_trip(gpt2, text, len);
    free(ids);
    return n;
}

START_TEST(tinyshakespeare_split)
{
    size_t len;
    char *text = slurp(SHAKESPEARE, &len);
    if (!text) {
        printf("tinyshakespeare_split: %s is missing; not checked\n", SHAKESPEARE);
        return;
    }
    /* nanoGPT's prepare.py: n = len(data) in characters, the first
     * int(n * 0.9) characters train, the rest validate. */
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)text[i] & 0xC0) != 0x80;
    size_t cut_chars = (size_t)((double)chars * 0.9), cut = 0;
    for (size_t c = 0; cut < len; cut++)
        if (((unsigned char)text[cut] & 0xC0) != 0x80 && c++ == cut_chars)
            break;
    ck_assert_uint_eq(count_ids(text, cut), 301966);
    ck_assert_uint_eq(count_ids(text + cut, len - cut), 36059);
    free(text);
}
END_TEST

START_TEST(round_trip_random_bytes)
{
    /* Pure random bytes (mostly invalid UTF-8), and random mixes of pieces
     * that stress the pre-tokenizer: spaces, Unicode spaces, marks, emoji,
     * truncated sequences, contractions, digits. */
    static const char *const atoms[] = {// clang-format off
        " ", "  ", "\n", "\t", "\r\n", "\xc2\xa0", "\xe3\x80\x80", "\xef\xbb\xbf", "'s", "'", "'ll",
        "a", "Z", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x8e\x89", "\xcc\x81", "7", "\xd9\xa3", "!",
        ",", "\xe2\x82", "\xf0\x9f", "\x80", "\xff", "\xed\xa0\x80", "\xc0\xaf", "<|endoftext|>"};
    // clang-format on
    unsigned seed = 7;
    char buf[4096];
    for (int round = 0; round < 400; round++) {
        size_t len = 0;
        if (round % 2 == 0) {
            len = (size_t)rand_r(&seed) % sizeof buf;
            for (size_t i = 0; i < len; i++)
                buf[i] = (char)rand_r(&seed);
        } else {
            size_t want = (size_t)rand_r(&seed) % 3000;
            while (len < want) {
                const char *a = atoms[rand_r(&seed) % (sizeof atoms / sizeof *atoms)];
                memcpy(buf + len, a, strlen(a));
                len += strlen(a);
            }
        }
        assert_round_trip(gpt2, buf, len);
    }
}
END_TEST

START_TEST(save_writes_the_files_back)
{
    char *json;
    ck_assert_int_ge(asprintf(&json, "%s/tokenizer.json", tmp), 0);
    ck_assert_int_eq(tok_save(gpt2, json), 0);
    static const char *const names[] = {"encoder.json", "vocab.bpe"};
    for (int f = 0; f < 2; f++) {
        char a[4096], b[4096];
        snprintf(a, sizeof a, "%s/%s", tok_gpt2_default_dir(), names[f]);
        snprintf(b, sizeof b, "%s/%s", tmp, names[f]);
        size_t la, lb;
        char *x = slurp(a, &la), *y = slurp(b, &lb);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        ck_assert_uint_eq(la, lb);
        ck_assert_msg(memcmp(x, y, la) == 0, "%s differs from %s", b, a);
        free(x), free(y);
    }
    tok_tokenizer *back = tok_load(json);
    ck_assert_msg(back != NULL, "%s", tok_last_error());
    ck_assert_encodes(back, "Hello, world!", 15496, 11, 995, 0);
    tok_free(back);
    free(json);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("gpt2_tokenizer");
    TCase *tc = tcase_create("small vocabulary");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, small_vocabulary_merges_by_rank);
    tcase_add_test(tc, bad_files_are_one_line_errors);
    tcase_add_test(tc, tokenizer_json_with_the_files_beside_it);
    suite_add_tcase(s, tc);

    tok_tokenizer *probe = tok_gpt2_load(NULL);
    if (!probe) {
        printf("GPT-2's tokenizer files are not available (%s); its cases are skipped: run "
               "'make gpt2-tokenizer'\n",
               tok_last_error());
        return s;
    }
    tok_free(probe);
    tc = tcase_create("gpt2");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup_gpt2, teardown_gpt2);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, golden_cases);
    tcase_add_test(tc, cases_from_the_reference);
    tcase_add_test(tc, tinyshakespeare_split);
    tcase_add_test(tc, round_trip_random_bytes);
    tcase_add_test(tc, save_writes_the_files_back);
    suite_add_tcase(s, tc);
    return s;
}
