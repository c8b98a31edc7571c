/* .npz loading (nd_load_npz): a zip of .npy files, stored or deflated. */
#include "fuzz_util.h"

#include <string.h>

#include "nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_npz *z = nd_load_npz(fuzz_file(data, size));
    if (!z) {
        FUZZ_ASSERT(nd_last_error()[0] && !strchr(nd_last_error(), '\n'));
        return 0;
    }
    for (int i = 0; i < nd_npz_count(z); i++) {
        const char *name = nd_npz_name(z, i);
        FUZZ_ASSERT(name != NULL);
        nd_array *a = nd_npz_get(z, name);
        FUZZ_ASSERT(a != NULL);
        nd_free(a);
    }
    nd_npz_free(z);
    return 0;
}
