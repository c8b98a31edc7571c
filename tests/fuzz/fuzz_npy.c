/* .npy loading (nd_load_npy): any bytes load into a consistent array or
 * fail with a one-line message, never crash, leak or over-allocate. */
#include "fuzz_util.h"

#include <string.h>

#include "nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_array *a = nd_load_npy(fuzz_file(data, size));
    if (!a) {
        FUZZ_ASSERT(nd_last_error()[0] && !strchr(nd_last_error(), '\n'));
        return 0;
    }
    /* The array is usable: its bytes fit in the file, a copy works. */
    FUZZ_ASSERT((size_t)nd_nbytes(a) <= size);
    nd_array *c = nd_copy(a);
    FUZZ_ASSERT(c != NULL);
    nd_free(c);
    nd_free(a);
    return 0;
}
