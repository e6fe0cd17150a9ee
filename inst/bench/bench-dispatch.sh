#!/bin/sh
# The portable build (this tree, kernels dispatched at load) against the last
# -march=native build (commit 87cfd72, whose configure added -march=native),
# both built here into temporary libraries, then inst/bench/bench-dispatch.R.
# Usage: sh inst/bench/bench-dispatch.sh [native-commit]   (or: make bench)
# Needs a git checkout (for the native build's sources).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${here}/../.." && pwd)
rev=${1:-87cfd72}
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT
mkdir -p "${work}/native-src" "${work}/native-lib" "${work}/portable-src" "${work}/portable-lib"

echo "building the -march=native reference (${rev})..." >&2
git -C "${root}" archive "${rev}" | tar -x -C "${work}/native-src"
R CMD INSTALL --no-test-load -l "${work}/native-lib" "${work}/native-src" > "${work}/native.log" 2>&1 ||
  { tail -n 30 "${work}/native.log" >&2; exit 1; }

echo "building the portable build (this tree)..." >&2
(cd "${root}" && tar cf - --exclude=./.git --exclude='*.o' --exclude='*.so' .) | (cd "${work}/portable-src" && tar xf -)
R CMD INSTALL --no-test-load -l "${work}/portable-lib" "${work}/portable-src" > "${work}/portable.log" 2>&1 ||
  { tail -n 30 "${work}/portable.log" >&2; exit 1; }

Rscript "${here}/bench-dispatch.R" "${work}/native-lib" "${work}/portable-lib"
