/* The CLI's config.json reader (parse_run_config in models/cli/config.c):
 * whatever it accepts is a configuration the model code accepts too. */
#include "fuzz_util.h"

#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_config c;
    if (parse_run_config((const char *)data, size, "config.json", &c) < 0) {
        FUZZ_ASSERT(nd_last_error()[0] && !strchr(nd_last_error(), '\n'));
        return 0;
    }
    FUZZ_ASSERT(transformer_config_check(&c.model) == 0);
    FUZZ_ASSERT(strcmp(c.tokenizer, "char") == 0 || strcmp(c.tokenizer, "bpe") == 0);
    FUZZ_ASSERT(c.batch >= 1 && c.iters >= 0 && c.lr >= 0);
    return 0;
}
