#!/bin/sh
# CPU time of each compile command of an install log, run again one at a time:
#   R CMD INSTALL -l LIB . > install.log 2>&1; sh tools/time-compile.sh install.log
# Prints "user+sys seconds  file" per object, slowest first, and the total.
set -eu
log=${1:?usage: sh tools/time-compile.sh INSTALL_LOG}
cd "$(dirname "$0")/../src"
out=$(mktemp)
grep -E '^(g\+\+|gcc|clang|c\+\+).* -c ' "${log}" | while IFS= read -r cmd; do
  obj=$(echo "${cmd}" | sed -n 's/.* -o \([^ ]*\).*/\1/p')
  /usr/bin/time -f "%U %S ${obj}" -o "${out}.one" sh -c "${cmd} -o /dev/null" >/dev/null 2>&1 || true
  awk '{printf "%6.2f  %s\n", $1 + $2, $3}' "${out}.one" >> "${out}"
done
sort -rn "${out}"
awk '{s += $1} END {printf "%6.2f  total CPU seconds (user+sys)\n", s}' "${out}"
rm -f "${out}" "${out}.one"
