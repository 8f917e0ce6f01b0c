#!/bin/bash
# bench_link.sh - part of `make bench`: links per second and commit latency
# on the harness's private slapd, with the plain (unsanitized) build.
#
#   bash tests/bench_link.sh    BENCH_LINKS=N pairs (default 6000),
#                               BENCH_LINKERS=L clients (8),
#                               BENCH_LINK_SECS=S per run (3),
#                               BENCH_CTL_LINKS=C ecflinkctl links (50)
#
# Generates N unlinked pairs (PACER lbNNNNNN, CM/ECF lcNNNNNN, same display
# name, so no confirmation is asked) and links them, each pair once:
#   - C pairs with `ecflinkctl link`, one process per link, as a clerk;
#   - then whole links (LINK_PREPARE + LINK_COMMIT, two user binds, the
#     counter increment, the spooled notice with its fsyncs, the Modify)
#     over the socket from 1 and then L threads of tests/tools/loadgen -m
#     link, S seconds each after a short warm-up, as the web page calls:
#     1 and L clients, then L with the notices held in the spool.
# Prints links/s, the client's p50/p99 of the whole link and the daemon's
# own p50/p99 of the commit (the ms= field of its event=link lines), then
# checks that every committed link is in the directory, has its notice
# (tests/tools/sinkmail, one process a message as an MTA's sendmail) and
# a transaction ID of its own.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/build/bench-link
mkdir -p "$bench"
ln -sfn "$top/daemon/ecflinkd" "$bench/ecflinkd"
ln -sfn "$top/cli/ecflinkctl" "$bench/ecflinkctl"
ln -sfn "$top/build/obj/tools" "$bench/tools"
export ECF_BUILD=$bench
. "$top/tests/harness/lib.sh"
h_init "$@"

N=${BENCH_LINKS:-6000}
case $N in '' | *[!0-9]*) h_bail "BENCH_LINKS must be a number" ;; esac
[ "$N" -ge 8 ] || h_bail "BENCH_LINKS must be at least 8"

# The fixture plus N unlinked pairs; the password is shared (test data).
{
	cat "$top/tests/data/fixture.ldif"
	awk -v n="$N" 'BEGIN {
		for (i = 1; i <= n; i++) {
			printf "\ndn: uid=lb%06d,ou=pacer,dc=example,dc=org\n", i
			print "objectClass: inetOrgPerson\nobjectClass: pacerAccount"
			printf "uid: lb%06d\ncn: Link Bench %d\nsn: Bench\n", i, i
			printf "mail: lb%06d@example.org\npacerAccountNumber: %d\n", i, 6000000 + i
			print "userPassword: Bench!pw1"
			printf "\ndn: uid=lc%06d,ou=cmecf,dc=example,dc=org\n", i
			print "objectClass: inetOrgPerson\nobjectClass: ecfAccount"
			printf "uid: lc%06d\ncn: Link Bench %d\nsn: Bench\n", i, i
			print "ecfRole: attorney\nuserPassword: Legacy!pw1"
		}
	}'
} >"$T/links.ldif"
H_FIXTURE=$T/links.ldif H_SLAPADD_OPTS=-q h_slapd_start
h_syslog_start
# daemon_conf: writes the daemon's config, notices going out at up to
# $RATE a minute, prints its path.
daemon_conf() {
	h_config MAIL_EXTRA="sendmail = \"$ECF_BUILD/tools/sinkmail $T/mail -t -oi\"; rate_per_min = $RATE;"
}
RATE=10000
h_daemon_start "$(daemon_conf)"

# link_range FIRST LAST: links the pairs FIRST..LAST one after another,
# one ecflinkctl process each, as a clerk does.
link_range() {
	local i
	for ((i = $1; i <= $2; i++)); do
		printf 'Bench!pw1\nLegacy!pw1\n' |
			"$ECF_BUILD/ecflinkctl" -s "$H_SOCK" link "$(printf 'lb%06d' "$i")" \
				"$(printf 'lc%06d' "$i")" >/dev/null 2>>"$T/link.err" ||
			echo "link $i failed" >>"$T/link.err"
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# stats FROM_LINE: p50 and p99 of the commit ms= fields logged after line FROM_LINE.
stats() {
	tail -n "+$(($1 + 1))" "$H_SYSLOG" | grep -E 'event=link phase=commit .*result=ok' |
		sed -n 's/.* ms=\([0-9.]*\).*/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "- -"; exit }
			p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
			printf "%.2f %.2f\n", p50, p99 }'
}

# field NAME LINE: NAME's value in loadgen's "bench:" line.
field() { printf '%s\n' "$2" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

L=${BENCH_LINKERS:-8}
case $L in '' | *[!0-9]*) h_bail "BENCH_LINKERS must be a number" ;; esac
CTL=${BENCH_CTL_LINKS:-50}
[ "$CTL" -lt "$N" ] || h_bail "BENCH_LINKS must exceed BENCH_CTL_LINKS ($CTL)"
printf 'links on the harness slapd; %s cores, load average %s\n' "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"

# A process per link, as a clerk runs ecflinkctl.
mark=$(wc -l <"$H_SYSLOG")
t0=$(now_ms)
link_range 1 "$CTL"
t1=$(now_ms)
read -r p50 p99 <<<"$(stats "$mark")"
printf '  ecflinkctl, 1 at a time  %5d links %8.1f links/s               commit p50 %s ms  p99 %s ms\n' \
	"$CTL" "$(echo "$CTL $((t1 - t0))" | awk '{ printf "%.1f", $1 * 1000 / $2 }')" "$p50" "$p99"

# Whole links (prepare + commit) over the socket from threaded clients,
# as the web page makes them, each pair once: 1 client, then L, then L
# again with the notices held in the spool (mail.rate_per_min 1), to show
# what sending them costs on the same cores.
awk -v a=$((CTL + 1)) -v n="$N" 'BEGIN { for (i = a; i <= n; i++) printf "lb%06d lc%06d\n", i, i }' \
	>"$T/pairs"
per=$(((N - CTL) / 3))
first=1
for run in "1 10000" "$L 10000" "$L 1"; do
	read -r c rate <<<"$run"
	if [ "$rate" != "$RATE" ]; then
		h_daemon_stop
		RATE=$rate
		h_daemon_start "$(daemon_conf)"
	fi
	sed -n "${first},$((first + per - 1))p" "$T/pairs" >"$T/pairs.run"
	first=$((first + per))
	mark=$(wc -l <"$H_SYSLOG")
	out=$("$ECF_BUILD/tools/loadgen" -m link -S "$H_SOCK" -U "$T/pairs.run" -o -c "$c" \
		-p 'Bench!pw1' -P 'Legacy!pw1' -w 0.2 -t "${BENCH_LINK_SECS:-3}" 2>&1) ||
		echo "loadgen -c $c: $out" >>"$T/link.err"
	read -r p50 p99 <<<"$(stats "$mark")"
	[ "$rate" = 1 ] && what="notices held" || what="notices sent"
	printf '  socket, %d client(s), %s %5d links %7.1f links/s  p50 %s p99 %s ms  commit p50 %s ms  p99 %s ms\n' \
		"$c" "$what" "$(field n "$out")" "$(field rate "$out")" "$(field p50 "$out")" \
		"$(field p99 "$out")" "$p50" "$p99"
done
# The held notices go out now.
h_daemon_stop
RATE=10000
h_daemon_start "$(daemon_conf)"

txns=$(grep -E 'event=link phase=commit .*result=ok' "$H_SYSLOG" | sed -n 's/.* txn=\([0-9]*\).*/\1/p')
want=$(printf '%s\n' "$txns" | grep -c .)
dups=$(printf '%s\n' "$txns" | sort | uniq -d | wc -l)
linked=$(h_ldapsearch_root -b "$H_CMECF_BASE" '(ecfLinkedPacer=lb*)' 1.1 | grep -c '^dn:')
# Wait up to a minute for the notices, then count what is still queued.
for i in $(seq 600); do
	[ "$(grep -c '^From sinkmail' "$T/mail" 2>/dev/null)" -ge "$want" ] && break
	sleep 0.1
done
mails=$(grep -c '^From sinkmail' "$T/mail" 2>/dev/null || echo 0)
queued=$(find "$T/spool/pending" "$T/spool/ready" -type f | wc -l)
printf '  %d links committed, %d pairs linked in the directory; %d notices delivered, %d still queued; %d transaction IDs duplicated\n' \
	"$want" "$linked" "$mails" "$queued" "$dups"
if [ -s "$T/link.err" ] || [ "$linked" -ne "$want" ] || [ "$dups" -ne 0 ] ||
	[ $((mails + queued)) -ne "$want" ]; then
	echo "bench_link: some links failed or went wrong:" >&2
	head -5 "$T/link.err" >&2
	exit 1
fi
