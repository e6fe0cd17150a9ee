#!/bin/sh
# GEMM benchmark, default build vs portable build (issue 2, item 2).
# Builds recurrent twice from a copy of this tree -- configure's default CPU
# flags, then RECURRENT_PORTABLE=1 -- into two temporary libraries, runs
# bench-gemm.R against each, and prints GFLOP/s side by side.
# Usage: sh inst/bench/bench-gemm.sh   (or: make bench)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${here}/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

# Build from a copy so no object file lands in the source tree.
mkdir "${work}/pkg"
(cd "${root}" && tar cf - --exclude=./.git --exclude='*.o' --exclude='*.so' .) |
  (cd "${work}/pkg" && tar xf -)

# run_build NAME PORTABLE: install, benchmark, record "name|flags|gflops".
run_build() {
  lib="${work}/lib-$1"
  mkdir -p "${lib}"
  echo "building the $1 build..." >&2
  if ! RECURRENT_PORTABLE=$2 R CMD INSTALL -l "${lib}" "${work}/pkg" \
      > "${work}/install-$1.log" 2>&1; then
    tail -n 30 "${work}/install-$1.log" >&2
    echo "bench-gemm: the $1 build failed" >&2
    exit 1
  fi
  # The CPU flags configure chose (warning switches left out).
  flags=$(sed -n 's/^PKG_CXXFLAGS *= *//p' "${work}/pkg/src/Makevars" |
    tr ' ' '\n' | grep -v '^-W' | grep . | tr '\n' ' ' || true)
  R_LIBS="${lib}" Rscript "${here}/bench-gemm.R" > "${work}/bench-$1.out"
  sed 's/^/  /' "${work}/bench-$1.out" >&2
  gflops=$(sed -n 's/^GFLOP\/s: *//p' "${work}/bench-$1.out")
  echo "$1|${flags:-(none)}|${gflops}" >> "${work}/table"
}

run_build default 0
run_build portable 1

echo
grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/^.*: /CPU: /' || true
echo "R CXX17FLAGS: $(R CMD config CXX17FLAGS | tr ' ' '\n' | grep '^-O' | tr '\n' ' ')"
awk -F'|' '
  BEGIN { printf "%-10s %-26s %8s\n", "build", "flags", "GFLOP/s" }
  { printf "%-10s %-26s %8.1f\n", $1, $2, $3; g[$1] = $3 }
  END { if (g["portable"] > 0) printf "default/portable: %.2fx\n", g["default"] / g["portable"] }
' "${work}/table"
