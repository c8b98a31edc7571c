/* Placeholder until the matmul suite lands: reports itself skipped. */
#include "test_util.h"

Suite *test_suite(void)
{
    test_skip("the matmul suite is being written");
}
