#!/bin/sh
# Installs the build into a temporary root and builds an outside program the
# way the README says: cc prog.c $(pkg-config --cflags --libs nd).
set -eu
build_dir=$1
program=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build_dir" --destdir "$root" --no-rebuild --quiet >/dev/null
pcfile=$(find "$root" -name nd.pc | head -n 1)
[ -n "$pcfile" ] || { echo "nd.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pcfile")"
export PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs nd)
echo "cc outside_program.c $flags"
# shellcheck disable=SC2086
cc -o "$root/prog" "$program" $flags
libdir=$(dirname "$(find "$root" -name 'libnd.so' | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$root/prog" > "$root/out.txt"
grep -q "cannot reshape array of size 12 into shape (5,)" "$root/out.txt"
echo "outside program built against the installed libnd and ran"
