#!/bin/sh
# check_events.sh - every syslog line of an attempt is built in
# daemon/events.c, and ecflinkd(8)'s LOGGING section names every event and
# every field that file writes, and no event it does not write.
#
#   sh tests/check_events.sh [SOURCE_DIR]   TAP
set -u

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
ev=$src/daemon/events.c
man=$src/daemon/ecflinkd.8
n=0
fails=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
}

# The LOGGING section of the man page, up to the next .SH.
section=$(sed -n '/^\.SH LOGGING/,/^\.SH [A-Z]/p' "$man")
[ -n "$section" ] || { echo "1..0 # SKIP cannot find .SH LOGGING in $man"; exit 1; }

# 1. Nobody else builds a line.
others=$(grep -l 'kv_init\|log_event(' "$src"/daemon/*.c | grep -v '/events\.c$\|/log\.c$')
if [ -z "$others" ]; then
	ok "only events.c builds key=value lines"
else
	nok "key=value lines built outside events.c: $(echo $others)"
fi

# 2. Every field events.c writes is described.
fields=$(grep -o '\(kv_[a-z]*\|uid_field\)(&\{0,1\}kv, "[a-z_]*"' "$ev" | sed 's/.*"\([a-z_]*\)"/\1/' | sort -u)
[ -n "$fields" ] || nok "found no fields in $ev"
for f in $fields; do
	if printf '%s\n' "$section" | grep -q "\\\\fB$f\\\\fR\\|\\\\fB$f="; then
		ok "field $f is in ecflinkd(8)"
	else
		nok "field $f (daemon/events.c) is not described in ecflinkd(8) LOGGING"
	fi
done

# 3. Every event name, whether events.c or a caller names it, is listed,
# and every listed one is written.
names=$( (sed -n 's/.*begin(&kv, "\([a-z_]*\)").*/\1/p' "$ev"
	sed -n 's/.*begin(&kv, p->type == PT_AUTH ? "\([a-z]*\)" : "\([a-z]*\)").*/\1\n\2/p' "$ev"
	sed -n 's/.*\.action = "\([a-z_]*\)".*/\1/p' "$src"/daemon/*.c
	sed -n 's/.*bulk_begin([^"]*"\([a-z_]*\)".*/\1/p' "$src"/daemon/*.c
	sed -n 's/^[[:space:]]*{ PT_[A-Z_]*, [A-Z_|() ]*, "\([a-z_]*\)".*/\1/p' "$src"/daemon/dispatch.c
	) | sort -u)
[ -n "$names" ] || nok "found no event names in daemon/"
for e in $names; do
	if printf '%s\n' "$section" | grep -q "event=$e\\b"; then
		ok "event=$e is in ecflinkd(8)"
	else
		nok "event=$e is written but not listed in ecflinkd(8) LOGGING"
	fi
done
for e in $(printf '%s\n' "$section" | grep -o 'event=[a-z_]*' | sed 's/event=//' | sort -u); do
	if printf '%s\n' "$names" | grep -qx "$e"; then
		ok "event=$e of ecflinkd(8) is written by the daemon"
	else
		nok "ecflinkd(8) lists event=$e, which the daemon never writes"
	fi
done
echo "1..$n"
[ $fails -eq 0 ]
