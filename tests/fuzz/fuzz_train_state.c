/* train_state.json (parse_train_state in models/cli/config.c, then
 * nd_rng_set_state as --resume does): accepted states give working
 * generators. */
#include "fuzz_util.h"

#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    train_state s;
    if (parse_train_state((const char *)data, size, "train_state.json", &s) < 0) {
        FUZZ_ASSERT(nd_last_error()[0] && !strchr(nd_last_error(), '\n'));
        return 0;
    }
    FUZZ_ASSERT(s.iter >= 0);
    nd_rng *rng = nd_rng_new(0);
    FUZZ_ASSERT(rng != NULL);
    if (nd_rng_set_state(rng, &s.batch_rng) == 0) {
        nd_rng_state back;
        FUZZ_ASSERT(nd_rng_get_state(rng, &back) == 0);
        FUZZ_ASSERT(back.state_high == s.batch_rng.state_high &&
                    back.state_low == s.batch_rng.state_low &&
                    back.inc_high == s.batch_rng.inc_high && back.inc_low == s.batch_rng.inc_low);
        nd_array *x = nd_rng_random(rng, ND_FLOAT64, 1, (const int64_t[]){4});
        FUZZ_ASSERT(x != NULL);
        nd_free(x);
    } else {
        FUZZ_ASSERT(nd_last_error()[0] && !strchr(nd_last_error(), '\n'));
    }
    nd_rng_free(rng);
    return 0;
}
