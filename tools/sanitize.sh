#!/bin/sh
# Builds recurrent with AddressSanitizer and UndefinedBehaviorSanitizer into a
# library of its own and runs the testthat suite against that build.
#
#   sh tools/sanitize.sh            (or: make sanitize)
#
# Environment (all optional):
#   SANITIZE_LIB   library to install the instrumented build into
#                  (default: a fresh temporary directory, removed afterwards)
#   SANITIZE_LOG   where the test output goes (default: $TMPDIR/recurrent-sanitize-tests.log)
#   SANITIZE_FLAGS compiler flags (default below)
#   NICE           prefix for the heavy commands (default: "nice -n 10")
#
# How it works, and why this way (GCC 12, R 4.x on Debian):
# - The R binary is not built with ASan, so the ASan runtime must be the first
#   library loaded: R runs with LD_PRELOAD=$(gcc -print-file-name=libasan.so).
#   Without it, loading the instrumented recurrent.so fails ("ASan runtime does
#   not come first in initial library list").
# - detect_leaks=0: R itself never frees much of what it allocates at exit, so
#   LeakSanitizer would report R, not recurrent.
# - The flags go in through a private Makevars file (R_MAKEVARS_USER), so the
#   user's ~/.R/Makevars and the worktree's objects are left alone: the build
#   happens in a copy of the sources, into its own library, with RECURRENT_PORTABLE=1
#   (no -march=native) so that the instrumented build is the portable one.
# - UBSan keeps running after a report, so that one run lists every finding; its
#   reports are counted from the log ("runtime error:"). ASan stops the process at
#   its first report, which the test runner shows as a crash.
# The result is the last lines: ASan reports, UBSan reports and the suite's
# "N passed, M failed". Exit status 1 if any report or failure.

set -u
here=$(cd "$(dirname "$0")/.." && pwd)
NICE=${NICE-"nice -n 10"}
FLAGS=${SANITIZE_FLAGS:-"-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer"}
LOG=${SANITIZE_LOG:-"${TMPDIR:-/tmp}/recurrent-sanitize-tests.log"}

CC=${CC:-gcc}
libasan=$($CC -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
  echo "sanitize: cannot find libasan.so ($CC -print-file-name=libasan.so gave '$libasan')" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/recurrent-sanitize.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
lib=${SANITIZE_LIB:-"$work/lib"}
mkdir -p "$lib" "$work/src"

# A copy of the sources without compiled objects (those are built without ASan).
(cd "$here" && tar cf - --exclude='./src/*.o' --exclude='./src/*/*.o' --exclude='./src/*/*/*.o' \
   --exclude='./src/*.so' --exclude='./src/.build-stamp' --exclude='./.git' .) |
  (cd "$work/src" && tar xf -)

cat > "$work/Makevars" <<EOF
CXXFLAGS = $FLAGS
CXX17FLAGS = $FLAGS
CFLAGS = $FLAGS
LDFLAGS = -fsanitize=address,undefined
EOF

echo "sanitize: building with $FLAGS into $lib"
if ! R_MAKEVARS_USER="$work/Makevars" RECURRENT_PORTABLE=1 $NICE R CMD INSTALL --preclean --no-test-load \
     -l "$lib" "$work/src" > "$work/install.log" 2>&1; then
  tail -40 "$work/install.log"
  echo "sanitize: the instrumented build failed" >&2
  exit 2
fi
grep -c -- "-fsanitize=address" "$work/install.log" | sed 's/^/sanitize: compiler calls with -fsanitize: /'

echo "sanitize: running the tests (log: $LOG)"
LD_PRELOAD="$libasan" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:print_summary=1:allow_user_segv_handler=1" \
UBSAN_OPTIONS="print_stacktrace=1" \
R_LIBS="$lib" $NICE Rscript "$here/tools/run-tests.R" > "$LOG" 2>&1
status=$?

asan=$(grep -c "ERROR: AddressSanitizer" "$LOG")
ubsan=$(grep -c "runtime error:" "$LOG")
echo "sanitize: AddressSanitizer reports: $asan"
echo "sanitize: UndefinedBehaviorSanitizer reports: $ubsan"
if [ "$ubsan" -gt 0 ]; then grep "runtime error:" "$LOG" | sort | uniq -c | sort -rn | head -20; fi
if [ "$asan" -gt 0 ]; then grep -A12 "ERROR: AddressSanitizer" "$LOG" | head -40; fi
tail -1 "$LOG"
if [ "$status" -ne 0 ] || [ "$asan" -gt 0 ] || [ "$ubsan" -gt 0 ]; then exit 1; fi
exit 0
