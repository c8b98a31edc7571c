/* The bounded JSON reader (nd_json_parse) and every accessor over what it
 * accepts. */
#include "fuzz_util.h"

#include <string.h>

#include "nd.h"

/* Visits every value; returns how many. */
static size_t walk(const nd_json_value *v)
{
    size_t n = 1;
    int64_t i64;
    uint64_t u64;
    double d;
    bool b;
    size_t len;
    switch (nd_json_type_of(v)) {
    case ND_JSON_INT:
        FUZZ_ASSERT(nd_json_double(v, &d) == 0);
        FUZZ_ASSERT(nd_json_int(v, &i64) == 0 || nd_json_uint(v, &u64) == 0);
        break;
    case ND_JSON_DOUBLE:
        FUZZ_ASSERT(nd_json_double(v, &d) == 0 && d == d && d - d == 0); /* finite */
        break;
    case ND_JSON_BOOL:
        FUZZ_ASSERT(nd_json_bool(v, &b) == 0);
        break;
    case ND_JSON_STRING: {
        const char *s = nd_json_string(v, &len);
        FUZZ_ASSERT(s && strlen(s) == len); /* no NUL inside */
        break;
    }
    case ND_JSON_ARRAY:
    case ND_JSON_OBJECT:
        for (int64_t k = 0; k < nd_json_count(v); k++) {
            if (nd_json_type_of(v) == ND_JSON_OBJECT) {
                const char *key = nd_json_key(v, k);
                FUZZ_ASSERT(key != NULL);
                /* Keys are unique: the first member with this key is k. */
                FUZZ_ASSERT(nd_json_member(v, key) == nd_json_item(v, k));
            }
            n += walk(nd_json_item(v, k));
        }
        break;
    default:
        break;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_json_limits lim = ND_JSON_DEFAULT_LIMITS;
    lim.max_depth = 32;
    nd_json *doc = nd_json_parse((const char *)data, size, &lim, "fuzz");
    if (!doc) {
        FUZZ_ASSERT(strncmp(nd_last_error(), "fuzz: ", 6) == 0 && !strchr(nd_last_error(), '\n'));
        return 0;
    }
    FUZZ_ASSERT(walk(nd_json_root(doc)) <= size);
    nd_json_free(doc);
    return 0;
}
