#!/usr/bin/env bash
# `cmake --install --prefix X` twice, to two places: each aegis.pc points into its own prefix
# (${pcfiledir}-based), and a program built with pkg-config's flags against the moved copy runs.
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/first" >/dev/null
cp -a "$work/first" "$work/moved"          # a tree installed in one place and moved elsewhere
rm -rf "$work/first"
pc=$(find "$work/moved" -name aegis.pc)
[ -n "$pc" ] || { echo "no aegis.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --cflags aegis)
libs=$(pkg-config --libs aegis)
includedir=$(pkg-config --variable=includedir aegis)
[ -f "$includedir/aegis/decide.h" ] || { echo "includedir $includedir has no aegis/decide.h"; exit 1; }
case " $cflags $libs " in
  *" -I$work/moved/"*) ;;
  *) echo "flags do not point into the moved prefix: $cflags $libs"; exit 1 ;;
esac
case "$cflags $libs" in
  *"/usr/local/include"*|*"$build"*) echo "flags point outside the prefix: $cflags $libs"; exit 1 ;;
esac
c++ -std=c++20 -o "$work/quick_start" "$source/examples/quick_start.cpp" $cflags $libs
"$work/quick_start" >/dev/null
echo "aegis.pc relocatable: $cflags $libs"
