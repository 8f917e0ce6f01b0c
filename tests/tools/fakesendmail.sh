#!/bin/sh
# fakesendmail.sh - a test stand-in for "sendmail -t -oi" that records what
# it is given.
#
#   fakesendmail.sh OUTFILE [sendmail options...]
#   FAKESENDMAIL_OUT=OUTFILE fakesendmail.sh [sendmail options...]
#
# Appends the message on standard input to OUTFILE, after a separator line
# "From fakesendmail <options>" (mbox style, so `grep -c '^From fakesendmail'`
# counts the messages), and exits 0.  Every run, accepted or not, also
# appends "<epoch-ms> <pid>" to OUTFILE.attempts, and writes what it
# inherited to OUTFILE.env: its open descriptors ("fd N" lines) and its
# SigBlk/SigIgn masks from /proc.
#
# Markers beside OUTFILE change what it does:
#   OUTFILE.fail  prints "fakesendmail: temporary failure" on stderr and
#                 exits 75 (EX_TEMPFAIL) without taking the message
#   OUTFILE.hang  writes its pid to OUTFILE.pid and sleeps 60 s (as the
#                 same process, so killing that pid ends it)
#   OUTFILE.slow  writes its pid to OUTFILE.pid, waits 2 s, then takes the
#                 message as usual
set -u

if [ -n "${FAKESENDMAIL_OUT:-}" ]; then
	out=$FAKESENDMAIL_OUT
else
	[ $# -ge 1 ] || { echo "usage: fakesendmail.sh OUTFILE [options]" >&2; exit 64; }
	out=$1
	shift
fi

echo "$(($(date +%s%N) / 1000000)) $$" >>"$out.attempts"
{
	for fd in /proc/$$/fd/*; do
		echo "fd ${fd##*/}"
	done
	# Read by the shell itself: a child (grep) would catch the shell
	# while it waits for that child, with SIGCHLD blocked.
	while IFS= read -r line; do
		case $line in SigBlk:* | SigIgn:*) printf '%s\n' "$line" ;; esac
	done </proc/$$/status
} >"$out.env" 2>/dev/null
if [ -e "$out.hang" ]; then
	echo "$$" >"$out.pid"
	exec sleep 60
fi
if [ -e "$out.slow" ]; then
	echo "$$" >"$out.pid"
	sleep 2
fi
if [ -e "$out.fail" ]; then
	echo "fakesendmail: temporary failure" >&2
	exit 75
fi
msg=$(cat) || exit 74
# One write(2) with O_APPEND: as an MTA queues, a message is in whole or not
# at all, even when this process is killed.
printf 'From fakesendmail %s\n%s\n\n' "$*" "$msg" >>"$out" || exit 73
exit 0
