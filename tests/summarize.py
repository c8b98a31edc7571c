#!/usr/bin/python3
"""Summarizes a `meson test` run from BUILD/meson-logs/testlog.json.

Prints each failed test's output, one line per test executable, and ends
with "N passed, N failed, N skipped" counting individual Check test cases
(a Check suite prints "NN%: Checks: N, Failures: F, Errors: E"); a test
without such a line counts as one. Exits 1 if anything failed.
"""
import json
import re
import sys

CHECK_LINE = re.compile(r"\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)")


def main(build):
    try:
        with open(f"{build}/meson-logs/testlog.json") as log:
            records = [json.loads(line) for line in log if line.strip()]
    except OSError as error:
        print(f"no test log: {error}")
        print("0 passed, 1 failed")
        return 1
    passed = failed = skipped = 0
    for record in records:
        output = (record.get("stdout") or "") + (record.get("stderr") or "")
        result = record.get("result", "FAIL")
        match = CHECK_LINE.search(output)
        if result == "SKIP":
            skipped += 1
            status = "SKIP"
        elif match:
            checks, failures, errors = map(int, match.groups())
            bad = failures + errors
            # A suite whose cases passed but that failed afterwards (a
            # sanitizer report at exit, a crash) counts one more failure.
            if bad == 0 and result != "OK":
                bad = 1
            passed += checks - min(bad, checks)
            failed += bad
            status = "ok" if result == "OK" else "FAIL"
        elif result == "OK":
            passed += 1
            status = "ok"
        else:
            failed += 1
            status = "FAIL"
        if status == "FAIL":
            print(f"---- {record['name']}: {result}\n{output.rstrip()}\n----")
        detail = f" ({match.group(0)})" if match else ""
        print(f"{status:4} {record['name']}{detail}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build"))
