#!/bin/sh
# tests/format_check.sh SOURCE_ROOT: the C files that tests/format_files.txt
# names are as clang-format leaves them (the style is .clang-format at the
# root: the tree's own, 4 spaces, 100 columns, `// clang-format off` around
# tables aligned by hand). Fails listing every file that is not, with the
# command that formats it. Skipped (exit 77) without clang-format.
#
# format_files.txt holds paths or globs, one a line ('#' starts a comment);
# the line `all` means every .c and .h of the source folders, less the
# paths given as `!PATH`.
set -eu
root=$1
cd "$root"
command -v clang-format >/dev/null 2>&1 || { echo "clang-format is not installed: skipped"; exit 77; }

list=tests/format_files.txt
entries=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
if printf '%s\n' "$entries" | grep -qx 'all'; then
    files=$(find libnd libautograd models tests docs benchmarks tools -name '*.[ch]' | sort)
    for skip in $(printf '%s\n' "$entries" | sed -n 's/^!//p'); do
        files=$(printf '%s\n' "$files" | grep -vx "$skip" || true)
    done
else
    files=$(printf '%s\n' "$entries" | grep -v '^!')
fi

n=0
for f in $files; do       # unquoted: a glob in the list expands here
    [ -f "$f" ] || { echo "format_files.txt: no such file: $f"; exit 1; }
    n=$((n + 1))
done
# One clang-format process for every file (one per file took 15-19 s of
# CPU): --dry-run --Werror reports each change as FILE:LINE:COL: error.
status=0
report=$(clang-format --style=file --dry-run --Werror $files 2>&1) || status=$?
bad=$(printf '%s\n' "$report" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' |
      sort -u | tr '\n' ' ')
# A failure that names no file (a bad .clang-format, a crash) must not pass.
if [ $status -ne 0 ] && [ -z "$bad" ]; then
    echo "clang-format failed:"
    printf '%s\n' "$report" | head -20
    exit 1
fi
bad=${bad% }
[ -n "$bad" ] && bad=" $bad"
if [ -n "$bad" ]; then
    echo "not formatted as .clang-format says ($(clang-format --version)):"
    for f in $bad; do
        echo "  $f"
    done
    echo "format them with: clang-format -i$bad"
    exit 1
fi
echo "$n files formatted as .clang-format says"
