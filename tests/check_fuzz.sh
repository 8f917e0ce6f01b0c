#!/bin/sh
# check_fuzz.sh - replays each fuzz target's committed corpus (tests/fuzz/T/)
# once through BUILD/fuzz/replay_T, the target built with the test build's
# ASan and UBSan (make check-build), so that every input the fuzzer once
# kept is checked on each `make check`; `make fuzz` looks for new ones.
#
#   sh tests/check_fuzz.sh [SRC]     (BUILD from $ECF_BUILD, default SRC/build/check)
set -u

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
build=${ECF_BUILD:-$src/build/check}
n=0
fails=0
# A leak inside libconfig 1.5 itself (see the file) is not ours to fix.
LSAN_OPTIONS=suppressions=$src/tests/fuzz/lsan.supp
export LSAN_OPTIONS
for t in proto config escape; do
	n=$((n + 1))
	bin=$build/fuzz/replay_$t
	files=$(find "$src/tests/fuzz/$t" -type f ! -name '*.supp' | sort)
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $t: $bin is missing (make check-build)"
		fails=$((fails + 1))
	elif [ -z "$files" ]; then
		echo "not ok $n - $t: no corpus in tests/fuzz/$t"
		fails=$((fails + 1))
	# shellcheck disable=SC2086 # file names without blanks
	elif out=$("$bin" $files 2>&1); then
		echo "ok $n - $t: $(printf '%s\n' "$out" | grep -c '^ok') corpus inputs replayed under ASan/UBSan"
	else
		echo "not ok $n - $t: a corpus input fails"
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
		fails=$((fails + 1))
	fi
done
echo "1..$n"
[ $fails -eq 0 ]
