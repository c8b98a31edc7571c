/* Placeholder until the training suite lands: reports itself skipped. */
#include "test_util.h"

Suite *test_suite(void)
{
    test_skip("the training suite is being written");
}
