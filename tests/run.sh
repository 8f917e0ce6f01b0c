#!/bin/sh
# run.sh - runs every ecflink test and prints one summary.
#
#   sh tests/run.sh BUILD_DIR [NAME...]
#
# Runs each unit test binary BUILD_DIR/tests/test_* (cmocka, with
# CMOCKA_MESSAGE_OUTPUT=TAP) and each integration script tests/it_*.sh
# (bash, with ECF_BUILD=BUILD_DIR), or only those whose name contains one
# of the NAMEs.  Prints each program's name and TAP output, counts its
# "ok" / "not ok" lines ("# SKIP" counts as skipped, "# TODO" failures as
# skipped too), and counts as one more failure a program that exits
# non-zero without a "not ok", prints no plan, or runs fewer or more tests
# than planned.  Each program may run ECF_TEST_TIMEOUT seconds (default
# 600).  Keeps going after failures; the last line of output is exactly
#
#   N passed, N failed[, N skipped]
#
# and the exit status is 1 if anything failed or nothing ran.
set -u

die() {
	echo "run.sh: $*" >&2
	exit 2
}

[ $# -ge 1 ] || die "usage: sh tests/run.sh BUILD_DIR [NAME...]"
src=$(cd "$(dirname "$0")/.." && pwd) || die "cannot find the source tree"
build=$(cd "$1" 2>/dev/null && pwd) || die "build directory $1 does not exist (make check-build)"
shift

ECF_BUILD=$build
CMOCKA_MESSAGE_OUTPUT=TAP
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ECF_BUILD CMOCKA_MESSAGE_OUTPUT ASAN_OPTIONS UBSAN_OPTIONS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecflink-run.XXXXXX") || die "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
skipped=0
programs=0
skips=

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# secs MS: prints MS milliseconds as seconds with 3 decimals.
secs() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

wanted() {
	[ $# -gt 1 ] || return 0
	n=$1
	shift
	for w in "$@"; do
		case $n in *"$w"*) return 0 ;; esac
	done
	return 1
}

# run_one NAME CMD [ARG...]: runs one test program and adds up its results.
run_one() {
	name=$1
	shift
	programs=$((programs + 1))
	t0=$(now_ms)
	timeout -k 10 "${ECF_TEST_TIMEOUT:-600}" "$@" >"$tmp/out" 2>&1 </dev/null
	rc=$?
	ms=$(($(now_ms) - t0))
	echo "### $name"
	cat "$tmp/out"
	# prints: passed failed skipped planned results has_plan not_ok skip_all
	set -- $(awk '
		/^ok([ \t]|$)/ {
			res++
			if (tolower($0) ~ /#[ \t]*skip/) s++; else p++
			next
		}
		/^not ok([ \t]|$)/ {
			res++
			# cmocka 1.1 writes a skipped test as "not ok N # SKIP name"
			if (tolower($0) ~ /#[ \t]*(todo|skip)/) s++; else { f++; nok++ }
			next
		}
		/^1\.\.[0-9]+/ {
			plan = 1
			n = substr($0, 4) + 0
			planned += n
			if (n == 0 && tolower($0) ~ /#[ \t]*skip/) { s++; skipall = 1 }
		}
		END { printf "%d %d %d %d %d %d %d %d\n",
			p, f, s, planned, res, plan, nok, skipall }' "$tmp/out")
	p=$1 f=$2 s=$3 planned=$4 res=$5 plan=$6 nok=$7 skipall=$8
	why=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${ECF_TEST_TIMEOUT:-600} s"
	elif [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		why="exited with status $rc"
	elif [ "$plan" -eq 0 ]; then
		why="printed no TAP plan"
	elif [ "$res" -eq 0 ] && [ "$skipall" -eq 0 ]; then
		why="printed no test results"
	elif [ "$res" -ne "$planned" ]; then
		why="planned $planned tests but ran $res"
	fi
	if [ -n "$why" ]; then
		f=$((f + 1))
		echo "not ok - $name $why"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$s" -gt 0 ]; then
		skips="$skips$(grep -iE '^(ok|not ok).*#[[:space:]]*(skip|todo)|^1\.\.0' \
			"$tmp/out" | sed "s|^|#   $name: |")
"
	fi
	echo "# $name: $p passed, $f failed, $s skipped ($(secs "$ms") s)"
	echo
}

start=$(now_ms)
for t in "$build"/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	wanted "$(basename "$t")" "$@" || continue
	run_one "tests/$(basename "$t")" "$t"
done
for t in "$src"/tests/check_*.sh; do
	[ -f "$t" ] || continue
	wanted "$(basename "$t")" "$@" || continue
	run_one "tests/$(basename "$t")" sh "$t" "$src"
done
# tests/long_*.sh: load and soak runs of minutes, for `make check-long` only
for t in "$src"/tests/long_*.sh; do
	[ -f "$t" ] && [ -n "${ECF_LONG:-}" ] || continue
	wanted "$(basename "$t")" "$@" || continue
	run_one "tests/$(basename "$t")" bash "$t"
done
for t in "$src"/tests/it_*.sh; do
	[ -f "$t" ] || continue
	wanted "$(basename "$t")" "$@" || continue
	run_one "tests/$(basename "$t")" bash "$t"
done
ms=$(($(now_ms) - start))

if [ -n "$skips" ]; then
	echo "# skipped:"
	printf '%s' "$skips"
fi
if [ "$programs" -eq 0 ]; then
	echo "# no test program ran (nothing in $build/tests/test_* or tests/it_*.sh)"
	failed=$((failed + 1))
fi
echo "# $programs programs, wall time $(secs "$ms") s"
line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
