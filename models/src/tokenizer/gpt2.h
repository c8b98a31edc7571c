/* tokenizer/gpt2.h: the Unicode classes of GPT-2's pre-tokenizer (private
 * to models/src/tokenizer/; the table is generated, see gpt2_unicode.c). */
#ifndef TOK_GPT2_H
#define TOK_GPT2_H

#include <stdint.h>

/* The classes the regex
 *     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * tells apart: other, letter, number, whitespace (JavaScript's \s). */
enum { GPT2_O = 0, GPT2_L = 1, GPT2_N = 2, GPT2_S = 3 };

typedef struct tok_gpt2_range {
    uint32_t lo, hi; /* inclusive code points */
    uint32_t cls; /* GPT2_L, GPT2_N or GPT2_S */
} tok_gpt2_range;

/* Sorted, disjoint ranges; a code point in none of them is GPT2_O. */
extern const tok_gpt2_range tok_gpt2_ranges[];
extern const int tok_gpt2_n_ranges;
/* The class of each ASCII code point (the same data, one lookup). */
extern const unsigned char tok_gpt2_ascii[128];

#endif
