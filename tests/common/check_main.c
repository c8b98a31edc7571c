/* The main() of every Check suite: each tests/<layer>/test_*.c defines
 * test_suite(), which may call test_skip() first when a prerequisite (NumPy)
 * is missing. The exit status tells meson: 0 pass, 1 fail, 77 skipped. */
#include <check.h>
#include <stdlib.h>

#include "test_util.h"

int main(void)
{
    SRunner *runner = srunner_create(test_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
