/* Placeholder until the einsum suite lands: reports itself skipped. */
#include "test_util.h"

Suite *test_suite(void)
{
    test_skip("the einsum suite is being written");
}
