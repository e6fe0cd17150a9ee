#!/bin/sh
# The portable build (this tree, kernels dispatched at load) against the last build with
# CPU flags (commit 87cfd72, whose configure added -march=native), built twice: with
# -march=native (this CPU) and with -march=haswell (what -march=native gives on an AVX2
# machine). All three are built here into temporary libraries, then
# inst/bench/bench-dispatch.R compares them in one run.
# Usage: sh inst/bench/bench-dispatch.sh [reference-commit]   (or: make bench)
# Needs a git checkout (for the reference's sources). BENCH_REFERENCE_LIBS="NATIVE_LIB
# HASWELL_LIB" reuses references built before (each build takes minutes); BENCH_ROUNDS
# sets the rounds (default 3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${here}/../.." && pwd)
rev=${1:-87cfd72}
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

build() {  # build NAME SRC_DIR: R CMD INSTALL into ${work}/NAME-lib, quiet unless it fails
  mkdir -p "${work}/$1-lib"
  R CMD INSTALL --no-test-load -l "${work}/$1-lib" "$2" > "${work}/$1.log" 2>&1 ||
    { tail -n 30 "${work}/$1.log" >&2; exit 1; }
}

if [ -n "${BENCH_REFERENCE_LIBS:-}" ]; then
  set -- ${BENCH_REFERENCE_LIBS}
  native_lib=$1
  haswell_lib=$2
else
  for flags in native haswell; do
    echo "building the reference (${rev}) with -march=${flags}..." >&2
    mkdir -p "${work}/${flags}-src"
    git -C "${root}" archive "${rev}" | tar -x -C "${work}/${flags}-src"
    # that configure tried "-march=native" then "-mavx2 -mfma"; try only the one wanted
    sed -i.orig "s/for flags in \"-march=native\" \"-mavx2 -mfma\"/for flags in \"-march=${flags}\"/" \
      "${work}/${flags}-src/configure"
    grep -q "for flags in \"-march=${flags}\"" "${work}/${flags}-src/configure" ||
      { echo "bench-dispatch.sh: ${rev}'s configure does not choose -march as expected" >&2; exit 1; }
    build "${flags}" "${work}/${flags}-src"
  done
  native_lib="${work}/native-lib"
  haswell_lib="${work}/haswell-lib"
fi

echo "building the portable build (this tree)..." >&2
mkdir -p "${work}/portable-src"
(cd "${root}" && tar cf - --exclude=./.git --exclude='*.o' --exclude='*.so' .) | (cd "${work}/portable-src" && tar xf -)
build portable "${work}/portable-src"

Rscript "${here}/bench-dispatch.R" "${native_lib}" "${work}/portable-lib" "${BENCH_ROUNDS:-3}" "${haswell_lib}"
