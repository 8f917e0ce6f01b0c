#!/bin/bash
# bench_link.sh - part of `make bench`: links per second and commit latency
# on the harness's private slapd, with the plain (unsanitized) build.
#
#   bash tests/bench_link.sh        (BENCH_LINKS=N pairs, default 400)
#
# Generates N unlinked pairs (PACER lbNNNNNN, CM/ECF lcNNNNNN, same display
# name, so no confirmation is asked), then links them with `ecflinkctl
# link`, first from 1 client, then the second half from BENCH_LINKERS (8)
# clients at once.
# Prints links/s (whole ecflinkctl runs: two requests, two user binds, the
# counter increment, the spooled notice with its fsyncs and the Modify) and
# the daemon's own p50/p99 of the commit, from the ms= field of its
# event=link lines.  Notices go to tests/tools/fakesendmail.sh.
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

N=${BENCH_LINKS:-400}
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
conf=$(h_config MAIL_EXTRA="sendmail = \"$top/tests/tools/fakesendmail.sh $T/mail -t -oi\";")
h_daemon_start "$conf"

# link_range FIRST LAST: links the pairs FIRST..LAST one after another.
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

L=${BENCH_LINKERS:-8}
case $L in '' | *[!0-9]*) h_bail "BENCH_LINKERS must be a number" ;; esac
half=$((N / 2))
per=$(((N - half) / L))
printf 'links on the harness slapd; %s cores, load average %s\n' "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"

mark=$(wc -l <"$H_SYSLOG")
t0=$(now_ms)
link_range 1 "$half"
t1=$(now_ms)
read -r p50 p99 <<<"$(stats "$mark")"
printf '  1 client   %4d links  %7.1f links/s  commit p50 %s ms  p99 %s ms\n' \
	"$half" "$(echo "$half $((t1 - t0))" | awk '{ printf "%.1f", $1 * 1000 / $2 }')" "$p50" "$p99"

mark=$(wc -l <"$H_SYSLOG")
t0=$(now_ms)
pids=()
for ((c = 0; c < L; c++)); do
	link_range $((half + 1 + c * per)) $((half + (c + 1) * per)) &
	pids+=($!)
done
# Only these: a bare wait would also wait for slapd and ecflinkd.
wait "${pids[@]}"
t1=$(now_ms)
read -r p50 p99 <<<"$(stats "$mark")"
printf '  %d clients  %4d links  %7.1f links/s  commit p50 %s ms  p99 %s ms\n' \
	"$L" $((L * per)) "$(echo "$((L * per)) $((t1 - t0))" | awk '{ printf "%.1f", $1 * 1000 / $2 }')" \
	"$p50" "$p99"

linked=$(h_ldapsearch_root -b "$H_CMECF_BASE" '(ecfLinkedPacer=lb*)' 1.1 | grep -c '^dn:')
want=$((half + L * per))
for i in $(seq 100); do
	[ "$(grep -c '^From fakesendmail' "$T/mail" 2>/dev/null)" -ge "$want" ] && break
	sleep 0.1
done
txns=$(grep -E 'event=link phase=commit .*result=ok' "$H_SYSLOG" | sed -n 's/.* txn=\([0-9]*\).*/\1/p')
dups=$(printf '%s\n' "$txns" | sort | uniq -d | wc -l)
printf '  %d of %d pairs linked; %d notices delivered; %d transaction IDs, %d duplicated\n' \
	"$linked" "$want" "$(grep -c '^From fakesendmail' "$T/mail" 2>/dev/null || echo 0)" \
	"$(printf '%s\n' "$txns" | grep -c .)" "$dups"
if [ -s "$T/link.err" ] || [ "$linked" -ne "$want" ] || [ "$dups" -ne 0 ]; then
	echo "bench_link: some links failed:" >&2
	head -5 "$T/link.err" >&2
	exit 1
fi
