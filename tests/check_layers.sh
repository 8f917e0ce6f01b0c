#!/bin/sh
# check_layers.sh - the daemon's include order.
#
# Every file of daemon/ belongs to one layer below; a file may include
# common/ headers, its own header, and headers of LOWER layers only.  So
# nothing low reaches up, and no two files include each other, directly or
# around a circle.  A file that needs something higher takes a hook or a
# callback instead (spool_on_ready, redaction_sweep's function, the
# server's timers).  A new file goes into the list here, in the layer of
# what it needs.
#
#   sh tests/check_layers.sh [SOURCE_DIR]   TAP: one line per file
set -u

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# Bottom to top: "layer-name: module module ..." (a module is a file name
# without .c/.h).
LAYERS='
utilities: log config_check pwfile namecmp resetcode locks rundir mailrate tlsdiag fehint mta_helper
tokens, config reading, server health: tokens config_read ldhealth
configuration: config
mail texts: mailtext
connections, peers, audit file, sockets: ldconn live_config peer audit listen
directory operations: ldops
directory: directory txn trust linkfail
caches and request types: cache census request redaction
cache coherence: cachesync
decisions: decide
log lines: events
mail spool: spool
mail queue, MTA, settling: mailq mta settle
link credentials, retired-login alerts: linkcred retalert
handlers and sender: mailer mailcmd admin announce bulk lookup pamreq link share
whole-directory views: report lint
dispatch and reload: dispatch reload
event loop: server
start-up: main
'

layer_of() {
	printf '%s\n' "$LAYERS" | awk -v m="$1" -F': ' '
		NF == 2 { n++; split($2, a, " "); for (i in a) if (a[i] == m) { print n; exit } }'
}

layer_name() {
	printf '%s\n' "$LAYERS" | awk -v k="$1" -F': ' 'NF == 2 { n++; if (n == k) print $1 }'
}

pass=0
fail=0
n=0
for f in "$src"/daemon/*.c "$src"/daemon/*.h; do
	[ -e "$f" ] || continue
	file=daemon/$(basename "$f")
	mod=$(basename "$f" | sed 's/\.[ch]$//')
	me=$(layer_of "$mod")
	n=$((n + 1))
	if [ -z "$me" ]; then
		echo "not ok $n - $file: module \"$mod\" is in no layer; add it to LAYERS in tests/check_layers.sh"
		fail=$((fail + 1))
		continue
	fi
	bad=0
	for inc in $(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$f"); do
		[ -e "$src/common/$inc.h" ] && continue	# common/ is below every layer
		[ "$inc" = "$mod" ] && continue
		them=$(layer_of "$inc")
		if [ -z "$them" ]; then
			echo "# $file includes \"$inc.h\", which is neither in common/ nor in a layer"
			bad=1
		elif [ "$them" -ge "$me" ]; then
			echo "# $file includes \"$inc.h\": $mod is in layer $me ($(layer_name "$me")), $inc in layer $them ($(layer_name "$them")); a file may include only lower layers. Give $mod a hook or callback, or move what it needs down."
			bad=1
		fi
	done
	if [ $bad -eq 0 ]; then
		echo "ok $n - $file includes only lower layers"
		pass=$((pass + 1))
	else
		echo "not ok $n - $file reaches up the layers (see above)"
		fail=$((fail + 1))
	fi
done
echo "1..$n"
[ $fail -eq 0 ]
