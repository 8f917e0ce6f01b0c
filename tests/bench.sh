#!/bin/bash
# bench.sh - `make bench`: auth + account transactions per second and their
# p50 / p99 latency, through the real libpam, for ecflink and what
# DESIGN.md "Performance model" compares it with, on one private slapd
# (loopback) holding the same data:
#
#   ecflink        pam_ecflink.so realm=pacer authenticate (auth + account)
#                  against the plain ecflinkd: "cold" = every login the
#                  first one since the daemon started, "warm" = every login
#                  seen within cache_ttl_s
#   raw libldap    tests/tools/ldapbench on kept connections: search the
#                  PACER account, search its linked CM/ECF account, bind as
#                  the user (what a daemon without a cache does); and a
#                  bind alone
#   nslcd          nslcd + pam_ldap (packages nslcd, libpam-ldapd), nslcd
#                  run privately in the harness's mount namespace
#   pam_permit     libpam itself, the ceiling
#
# at 1 and 4 parallel clients (separate processes, or threads for
# ldapbench), users picked at random from BENCH_USERS (default 10000)
# linked PACER accounts, BENCH_TX (default 3000) transactions per client.
# Prints a table and the ratios ecflink / nslcd and ecflink / raw libldap.
# Exit status 1 if any transaction failed.  Not part of `make check`.
#
# nslcd and pam_ldap: the installed ones when the packages are installed,
# otherwise copies unpacked (dpkg-deb -x, never installed: installing
# libpam-ldapd would run pam-auth-update on this machine's PAM stack) from
# `apt-get download nslcd libpam-ldapd` into build/bench/nslcd-root.  The
# nslcd.conf and /run/nslcd it uses exist only in the mount namespace (an
# overlay over /etc and /run); /etc/nsswitch.conf is not touched.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# The harness expects one directory holding the binaries; point it at the
# plain (unsanitized) build, as tests/demo.sh does.
bench=$top/build/bench
mkdir -p "$bench"
ln -sfn "$top/daemon/ecflinkd" "$bench/ecflinkd"
ln -sfn "$top/cli/ecflinkctl" "$bench/ecflinkctl"
ln -sfn "$top/pam_module/pam_ecflink.so" "$bench/pam_ecflink.so"
ln -sfn "$top/build/obj/tools" "$bench/tools"
export ECF_BUILD=$bench
. "$top/tests/harness/lib.sh"
h_init "$@"
set -o pipefail

N=${BENCH_USERS:-10000}
TX=${BENCH_TX:-3000}
RUN_LIMIT_S=${BENCH_RUN_LIMIT_S:-120}	# one measurement at most
USER_PW='Bench!pw1'			# tests/data/gen-users.sh
case "$N:$TX" in
*[!0-9:]* | :* | *:) echo "bench: BENCH_USERS and BENCH_TX must be numbers" >&2; exit 2 ;;
esac
[ "$N" -ge 4 ] && [ "$TX" -ge 10 ] ||
	{ echo "bench: BENCH_USERS must be >= 4 and BENCH_TX >= 10" >&2; exit 2; }
for f in ecflinkd ecflinkctl pam_ecflink.so tools/pamdrive tools/ldapbench tools/logsink; do
	[ -x "$ECF_BUILD/$f" ] ||
		{ echo "bench: $ECF_BUILD/$f is missing (make bench builds it)" >&2; exit 2; }
done

say() { printf '%s\n' "$*"; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "machine: $(nproc) cores, load average at start $LOAD0," \
	"$(uname -r), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "data: $N linked PACER accounts ($((2 * N)) bench entries); $TX transactions per client"

# --- data and slapd ---------------------------------------------------------

# The harness's cn=config, with a map large enough for BENCH_USERS and the
# indexes of schema/slapd-sample.ldif already there when slapadd loads the
# data (added online, they would be built while the bench runs).
eval "h_bench_orig_base_ldif() $(declare -f h_slapd_base_ldif | tail -n +2)"
h_slapd_base_ldif() {
	h_bench_orig_base_ldif | sed -e 's/^olcDbMaxSize: .*/olcDbMaxSize: 4294967296/' \
		-e 's/^olcDbIndex: objectClass eq$/&\nolcDbIndex: uid eq\nolcDbIndex: ecfLinkedPacer eq/'
}
h_slapd_base_ldif | grep -q '^olcDbIndex: ecfLinkedPacer eq$' ||
	{ echo "bench: cannot add the indexes to the harness's slapd config" >&2; exit 1; }

t0=$(ms_now)
sh "$top/tests/data/gen-users.sh" "$N" "$T/users.ldif" "$T/users" ||
	{ echo "bench: generating the bench data failed" >&2; exit 1; }
{ cat "$top/tests/data/fixture.ldif"; echo; cat "$T/users.ldif"; } >"$T/bench.ldif"
rm -f "$T/users.ldif"
export H_FIXTURE=$T/bench.ldif H_SLAPADD_OPTS=-q	# -q: generated data, ~50x faster
h_syslog_start
h_slapd_start
say "slapd on $SLAPD_URI loaded in $((($(ms_now) - t0) / 1000)) s (slapadd -n1)"
printf '%s' "$H_SVC_PW" >"$T/svc.pw"
chmod 0600 "$T/svc.pw"

# --- measuring ----------------------------------------------------------------

declare -A RATE P50 P99 FAILS
ROWS=()
BAD=0

# users_random FILE COUNT [FROM]: COUNT logins drawn at random (with
# repeats) from FROM (default: all bench logins).
users_random() {
	shuf -r -n "$2" "${3:-$T/users}" >"$1"
}

# summarize KEY LABEL WALL_MS FAILED SAMPLE_FILE...: records and prints one
# result from the merged per-transaction times.
summarize() {
	local key=$1 label=$2 wall=$3 failed=$4 line
	shift 4
	line=$(sort -n "$@" | awk -v wall="$wall" '
		{ t[n++] = $1 }
		END {
			if (n == 0 || wall <= 0) { print "0 0 0 0"; exit }
			printf "%d %.0f %.3f %.3f\n", n, n * 1000 / wall, t[int(n / 2)],
				t[int(n * 99 / 100)]
		}')
	set -- $line
	RATE[$key]=$2
	P50[$key]=$3
	P99[$key]=$4
	FAILS[$key]=$failed
	ROWS+=("$key|$label")
	[ "$failed" -eq 0 ] || BAD=1
	printf '  %-44s %7s tx/s  p50 %7s ms  p99 %7s ms  (%s tx%s)\n' "$label" "$2" "$3" "$4" \
		"$1" "$([ "$failed" -eq 0 ] || echo ", $failed FAILED")"
}

# pam_run KEY LABEL SERVICE CLIENTS LIST_PREFIX: CLIENTS pamdrive processes
# in parallel on SERVICE, client c taking its logins from LIST_PREFIX.c.
pam_run() {
	local key=$1 label=$2 svc=$3 clients=$4 list=$5 c pids=() n failed=0 t1 wall out
	t1=$(ms_now)
	for c in $(seq "$clients"); do
		n=$(wc -l <"$list.$c")
		timeout "$RUN_LIMIT_S" "$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s "$svc" \
			-p "$USER_PW" -U "$list.$c" -L "$T/samples.$c" -n "$n" auth account \
			>"$T/client.$c.out" 2>&1 &
		pids+=($!)
	done
	for c in $(seq "$clients"); do
		wait "${pids[c - 1]}"
	done
	wall=$(($(ms_now) - t1))
	for c in $(seq "$clients"); do
		out=$(sed -n 's/^bench: n=[0-9]* failed=\([0-9]*\) .*/\1/p' "$T/client.$c.out")
		if [ -z "$out" ]; then
			n=$(wc -l <"$list.$c")
			out=$n
			say "  client $c of $label gave no figures:" "$(tail -n 3 "$T/client.$c.out")"
		fi
		failed=$((failed + out))
	done
	summarize "$key" "$label" "$wall" "$failed" $(seq -f "$T/samples.%g" "$clients")
	rm -f $(seq -f "$T/samples.%g" "$clients")
}

# pam_random KEY LABEL SERVICE CLIENTS [FROM]: TX random logins per client.
pam_random() {
	local c
	for c in $(seq "$4"); do
		users_random "$T/list.$c" "$TX" "${5:-}"
	done
	pam_run "$1" "$2" "$3" "$4" "$T/list"
}

# ldap_run KEY LABEL MODE THREADS: ldapbench, TX random logins per thread.
ldap_run() {
	local key=$1 label=$2 mode=$3 threads=$4 t1 wall out failed
	users_random "$T/list.ldap" $((TX * threads))
	t1=$(ms_now)
	timeout "$RUN_LIMIT_S" "$ECF_BUILD/tools/ldapbench" -H "$SLAPD_URI" -D "$H_SVC_DN" \
		-y "$T/svc.pw" -b "$H_PACER_BASE" -c "$H_CMECF_BASE" -U "$T/list.ldap" \
		-p "$USER_PW" -t "$threads" -n "$TX" -m "$mode" -L "$T/samples.ldap" \
		>"$T/ldapbench.out" 2>&1
	wall=$(($(ms_now) - t1))
	failed=$(sed -n 's/^bench: n=[0-9]* failed=\([0-9]*\) .*/\1/p' "$T/ldapbench.out")
	if [ -z "$failed" ]; then
		failed=$((TX * threads))
		say "  ldapbench gave no figures:" "$(tail -n 3 "$T/ldapbench.out")"
	fi
	summarize "$key" "$label" "$wall" "$failed" "$T/samples.ldap"
	rm -f "$T/samples.ldap"
}

mkdir -p "$T/pam.d"
# Without an "other" service, libpam syslogs "no default config other" twice
# per pam_start from a private directory: a cost no real system pays.
for t in auth account password session; do
	echo "$t required pam_deny.so"
done >"$T/pam.d/other"

# --- slapd warm-up: every entry read once, whoever runs first -----------------
say "warm-up: slapd reads every bench entry once (raw libldap, untimed)"
timeout "$RUN_LIMIT_S" "$ECF_BUILD/tools/ldapbench" -H "$SLAPD_URI" -D "$H_SVC_DN" \
	-y "$T/svc.pw" -b "$H_PACER_BASE" -c "$H_CMECF_BASE" -U "$T/users" -p "$USER_PW" \
	-t 4 -n $(((N + 3) / 4)) -m full >"$T/warm.out" 2>&1 ||
	{ say "bench: the warm-up failed:"; tail -n 5 "$T/warm.out"; exit 1; }

# --- ecflink ---------------------------------------------------------------------
conf=$(h_config CACHE_TTL=600)
cat >"$T/pam.d/bench-ecflink" <<PAM
auth    required $ECF_BUILD/pam_ecflink.so realm=pacer authenticate socket=$T/ecflinkd.sock
account required $ECF_BUILD/pam_ecflink.so realm=pacer socket=$T/ecflinkd.sock
PAM
h_daemon_start "$conf"
out=$("$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s bench-ecflink -u bench000001 \
	-p "$USER_PW" auth account 2>&1)
printf '%s\n' "$out" | grep -q 'env ECF_LOGIN=ecfb000001' ||
	{ say "bench: a bench login through pam_ecflink does not work:" "$out"; exit 1; }
say "ecflink: cache_ttl_s 600, pool_size 4 (harness defaults otherwise), logging to" \
	"a syslog socket read by tests/tools/logsink"

# cold: a fresh daemon, distinct logins split among the clients
for clients in 1 4; do
	h_daemon_stop
	h_daemon_start "$conf"
	per=$((N / clients))
	[ "$per" -le "$TX" ] || per=$TX
	shuf "$T/users" | head -n $((per * clients)) |
		split -a 1 --numeric-suffixes=1 -l "$per" - "$T/cold."
	pam_run "ecflink-cold:$clients" "ecflink, cold cache, $clients client(s)" bench-ecflink \
		"$clients" "$T/cold"
done
# warm: W logins once more (untimed), then at random among them; W = all
# of them, or 4 * BENCH_TX when there are more (it bounds the time)
warm=$N
[ "$warm" -le $((4 * TX)) ] || warm=$((4 * TX))
shuf "$T/users" | head -n "$warm" >"$T/all"
split -a 1 --numeric-suffixes=1 -n l/4 "$T/all" "$T/all."
pids=()
for c in 1 2 3 4; do
	timeout "$RUN_LIMIT_S" "$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s bench-ecflink \
		-p "$USER_PW" -U "$T/all.$c" -n "$(wc -l <"$T/all.$c")" auth account \
		>"$T/all.$c.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"	# never a bare wait: slapd and ecflinkd are children too
for clients in 1 4; do
	pam_random "ecflink-warm:$clients" "ecflink, warm cache, $clients client(s)" \
		bench-ecflink "$clients" "$T/all"
done
h_daemon_stop

# --- raw libldap ---------------------------------------------------------------
for clients in 1 4; do
	ldap_run "raw-full:$clients" "raw libldap search+search+bind, $clients thr" full \
		"$clients"
done
for clients in 1 4; do
	ldap_run "raw-bind:$clients" "raw libldap bind only, $clients thr" bind "$clients"
done

# --- nslcd + pam_ldap ----------------------------------------------------------------
NSLCD_SKIP=

# nslcd_find: sets NSLCD and PAM_LDAP to the installed programs or to copies
# unpacked from the Debian packages; sets NSLCD_SKIP saying why not.
nslcd_find() {
	local root=$bench/nslcd-root dl=$T/debs multiarch
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
	NSLCD=/usr/sbin/nslcd
	PAM_LDAP=/lib/$multiarch/security/pam_ldap.so
	[ -x "$NSLCD" ] && [ -r "$PAM_LDAP" ] && return 0
	NSLCD=$root/usr/sbin/nslcd
	PAM_LDAP=$root/lib/$multiarch/security/pam_ldap.so
	[ -x "$NSLCD" ] && [ -r "$PAM_LDAP" ] && return 0
	mkdir -p "$dl" "$root"
	chmod 0777 "$dl"	# apt-get download works as _apt where it can
	if ! (cd "$dl" && timeout 120 apt-get download nslcd libpam-ldapd) >"$T/apt.log" 2>&1 ||
		! for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$root" || exit 1; done; then
		NSLCD_SKIP="nslcd comparison skipped: apt-get install nslcd libpam-ldapd"
		NSLCD_SKIP+=" (apt-get download failed: $(tail -n 1 "$T/apt.log"))"
		return 1
	fi
	[ -x "$NSLCD" ] && [ -r "$PAM_LDAP" ] && return 0
	NSLCD_SKIP="nslcd comparison skipped: the packages hold no $NSLCD or $PAM_LDAP"
	return 1
}

# nslcd_start: nslcd in the foreground on a private /etc/nslcd.conf and
# /run/nslcd, each on an overlay visible only in this mount namespace.
nslcd_start() {
	local d i
	for d in etc run; do
		mkdir -p "$T/ov-$d/up" "$T/ov-$d/work"
		mount -t overlay overlay -o \
			"lowerdir=/$d,upperdir=$T/ov-$d/up,workdir=$T/ov-$d/work" "/$d" 2>"$T/ov.err" || {
			NSLCD_SKIP="nslcd comparison skipped: no overlay over /$d: $(cat "$T/ov.err")"
			return 1
		}
	done
	rm -rf /run/nslcd
	mkdir -p /run/nslcd
	# written in the overlay: the real /etc never holds it
	cat >/etc/nslcd.conf <<EOF
# written by tests/bench.sh, visible only in its mount namespace
uri $SLAPD_URI/
base $H_BASE
base passwd $H_PACER_BASE
binddn $H_SVC_DN
bindpw $H_SVC_PW
bind_timelimit 5
timelimit 5
pam_authz_search (&(objectClass=ecfAccount)(ecfLinkedPacer=\$username))
EOF
	chmod 0600 /etc/nslcd.conf
	h_spawn "$T/nslcd.log" "$NSLCD" -n
	NSLCD_PID=$H_LAST_PID
	for i in $(seq 100); do
		[ -S /run/nslcd/socket ] && return 0
		kill -0 "$NSLCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	NSLCD_SKIP="nslcd comparison skipped: nslcd did not start: $(tail -n 2 "$T/nslcd.log")"
	return 1
}

if nslcd_find && nslcd_start; then
	cat >"$T/pam.d/bench-nslcd" <<PAM
auth    required $PAM_LDAP
account required $PAM_LDAP
PAM
	ok=$("$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s bench-nslcd -u bench000001 \
		-p "$USER_PW" auth account 2>&1)
	no=$("$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s bench-nslcd -u benchunlinked \
		-p "$USER_PW" auth account 2>&1)
	if ! printf '%s\n' "$ok" | grep -q '^account: PAM_SUCCESS' ||
		! printf '%s\n' "$no" | grep -q '^account: PAM_PERM_DENIED'; then
		NSLCD_SKIP="nslcd comparison skipped: pam_ldap does not behave: linked:"
		NSLCD_SKIP+=" $(echo $ok); unlinked: $(echo $no)"
	else
		say "nslcd: $NSLCD -n, default 5 threads; account = pam_authz_search for the link"
		for clients in 1 4; do
			pam_random "nslcd:$clients" "nslcd + pam_ldap, $clients client(s)" \
				bench-nslcd "$clients"
		done
	fi
	h_stop_pid "$NSLCD_PID"
fi
[ -z "$NSLCD_SKIP" ] || say "$NSLCD_SKIP"

# --- libpam alone ----------------------------------------------------------------------
cat >"$T/pam.d/bench-permit" <<PAM
auth    required pam_permit.so
account required pam_permit.so
PAM
for clients in 1 4; do
	pam_random "permit:$clients" "libpam + pam_permit, $clients client(s)" bench-permit \
		"$clients"
done

# --- the table -----------------------------------------------------------------------
say ""
say "N=$N users, $TX transactions per client; $(nproc) cores, load average" \
	"$LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
printf '%-36s %7s %9s %8s %8s\n' method clients tx/s "p50 ms" "p99 ms"
for row in "${ROWS[@]}"; do
	key=${row%%|*}
	label=${row#*|}
	label=${label%, *}
	printf '%-36s %7s %9s %8s %8s%s\n' "$label" "${key##*:}" "${RATE[$key]}" \
		"${P50[$key]}" "${P99[$key]}" \
		"$([ "${FAILS[$key]}" -eq 0 ] || echo "  ${FAILS[$key]} FAILED")"
done

# ratio A B: RATE[A] / RATE[B] with two decimals, or "n/a".
ratio() {
	if [ -n "${RATE[$1]:-}" ] && [ -n "${RATE[$2]:-}" ] && [ "${RATE[$2]}" -gt 0 ]; then
		awk -v a="${RATE[$1]}" -v b="${RATE[$2]}" 'BEGIN { printf "%.2f", a / b }'
	else
		echo n/a
	fi
}
say ""
for clients in 1 4; do
	say "at $clients client(s): ecflink warm / nslcd $(ratio "ecflink-warm:$clients" \
		"nslcd:$clients"), cold / nslcd $(ratio "ecflink-cold:$clients" "nslcd:$clients");" \
		"warm / raw search+bind $(ratio "ecflink-warm:$clients" "raw-full:$clients")," \
		"cold / raw search+bind $(ratio "ecflink-cold:$clients" "raw-full:$clients")"
done
say "(DESIGN.md goal: >= 5x nslcd, and at least raw libldap's search + bind rate)"
[ "$BAD" -eq 0 ] || say "bench: some transactions FAILED; see the rows marked FAILED"
exit "$BAD"
