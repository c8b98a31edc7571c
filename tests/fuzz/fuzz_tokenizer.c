/* tokenizer.json, both kinds (char and BPE), through tok_load: a file that
 * loads gives a tokenizer that round-trips every byte string. */
#include "fuzz_util.h"

#include <string.h>

#include "tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tok_tokenizer *tok = tok_load(fuzz_file(data, size));
    if (!tok) {
        FUZZ_ASSERT(tok_last_error()[0] && !strchr(tok_last_error(), '\n'));
        return 0;
    }
    static const char text[] = "Hello, world! caf\xc3\xa9 \xff\x80 the the then 12345\n";
    int32_t *ids;
    size_t n;
    FUZZ_ASSERT(tok_encode(tok, text, sizeof text - 1, &ids, &n) == 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(ids[i] >= 0 && ids[i] < tok_vocab_size(tok));
    char *back;
    size_t len;
    FUZZ_ASSERT(tok_decode(tok, ids, n, &back, &len) == 0);
    /* BPE round-trips every byte; a char tokenizer maps unknown characters
     * to its unk token, so only BPE can be held to the exact text. */
    if (tok_kind_of(tok) == TOK_BPE)
        FUZZ_ASSERT(len == sizeof text - 1 && memcmp(back, text, len) == 0);
    free(back);
    free(ids);
    tok_free(tok);
    return 0;
}
