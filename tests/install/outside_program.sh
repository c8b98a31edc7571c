#!/bin/sh
# Installs the build into a temporary root and builds an outside program the
# way the README says: cc prog.c $(pkg-config --cflags --libs PACKAGE).
#   outside_program.sh BUILD_DIR PROGRAM [PACKAGE [EXPECTED_OUTPUT]]
# PACKAGE defaults to nd (with libnd's expected line); the program must
# print a line holding EXPECTED_OUTPUT.
set -eu
build_dir=$1
program=$2
package=${3:-nd}
expected=${4:-"cannot reshape array of size 12 into shape (5,)"}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build_dir" --destdir "$root" --no-rebuild --quiet >/dev/null
pcfile=$(find "$root" -name "$package.pc" | head -n 1)
[ -n "$pcfile" ] || { echo "$package.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pcfile")"
export PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs "$package")
echo "cc $(basename "$program") $flags"
# shellcheck disable=SC2086
cc -o "$root/prog" "$program" $flags
libdir=$(dirname "$(find "$root" -name "lib$package.so" | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$root/prog" > "$root/out.txt"
grep -qF "$expected" "$root/out.txt" || { cat "$root/out.txt"; exit 1; }
echo "outside program built against the installed lib$package and ran"
