/* safetensors loading (nd_safetensors_load): header limits, JSON schema,
 * dtype names, shape x itemsize against the offsets, tiling of the data. */
#include "fuzz_util.h"

#include <string.h>

#include "nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_safetensors *st = nd_safetensors_load(fuzz_file(data, size));
    if (!st) {
        FUZZ_ASSERT(strncmp(nd_last_error(), "safetensors: ", 13) == 0 &&
                    !strchr(nd_last_error(), '\n'));
        return 0;
    }
    size_t total = 0;
    for (int i = 0; i < nd_safetensors_count(st); i++) {
        nd_array *a = nd_safetensors_get(st, nd_safetensors_name(st, i));
        FUZZ_ASSERT(a != NULL);
        total += (size_t)nd_nbytes(a);
        nd_free(a);
    }
    FUZZ_ASSERT(total <= size); /* the tensors tile the data, inside the file */
    for (int i = 0; i < nd_safetensors_metadata_count(st); i++)
        FUZZ_ASSERT(nd_safetensors_metadata(st, nd_safetensors_metadata_key(st, i)) != NULL);
    nd_safetensors_free(st);
    return 0;
}
