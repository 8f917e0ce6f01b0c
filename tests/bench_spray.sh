#!/bin/bash
# bench_spray.sh - part of `make bench`: how many real LDAP password
# checks one local user (uid 65534, class "other") gets by spraying wrong
# passwords over 200 PACER accounts, 4 processes of 250 AUTH requests each
# (tests/tools/askd -L), with the plain build; or with the daemon in DIR:
#
#   bash tests/bench_spray.sh [DIR]
#
# Prints the guesses sent, how many reached LDAP (event=auth
# reason=bad_password) and how many were refused unchecked
# (reason=throttled), and the rate of real checks.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ddir=${1:-$top/daemon}
bench=$top/build/bench-spray
mkdir -p "$bench"
ln -sfn "$ddir/ecflinkd" "$bench/ecflinkd"
ln -sfn "$top/cli/ecflinkctl" "$bench/ecflinkctl"
ln -sfn "$top/build/obj/tools" "$bench/tools"
export ECF_BUILD=$bench
. "$top/tests/harness/lib.sh"
h_init "$@"
[ -x "$ECF_BUILD/tools/askd" ] || h_bail "$ECF_BUILD/tools/askd is missing (make O=build/obj tests)"

h_syslog_start
h_slapd_start
for i in $(seq -w 1 200); do
	printf 'dn: uid=m%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$i" "$H_PACER_BASE"
	printf 'objectClass: pacerAccount\nuid: m%s\ncn: M %s\nsn: M\nmail: m%s@example.org\n' \
		"$i" "$i" "$i"
	printf 'pacerAccountNumber: 77%s\nuserPassword: Right!pw\n\n' "$i"
done >"$T/m.ldif"
h_ldapmodify -f "$T/m.ldif" >"$T/m.log" 2>&1 || h_bail "adding 200 accounts failed" "$T/m.log"
h_daemon_start "$(h_config)"
seq -f 'm%03g' 1 200 >"$T/users"
chmod 0755 "$T"
t0=$(date +%s%N)
pids=()
for p in 0 1 2 3; do
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ECF_BUILD/tools/askd" -r pacer \
		-L "$T/users" -A -p "wrong$p" -n 250 "$H_SOCK" auth >/dev/null &
	pids+=("$!")
done
wait "${pids[@]}"
t1=$(date +%s%N)
logger -u /dev/log -t bench_spray done
h_syslog_wait 'bench_spray.*done' 1
bad=$(h_syslog_count 'event=auth .*peer_uid=65534 .*reason=bad_password')
thr=$(h_syslog_count 'event=auth .*peer_uid=65534 .*reason=throttled')
ms=$(((t1 - t0) / 1000000 + 1))
t_diag "spray by one uid: 1000 guesses in $ms ms; $bad reached LDAP ($((bad * 1000 / ms))/s)," \
	"$thr refused unchecked"
t_pass "spray measured"
t_done
