#!/bin/bash
# bench.sh - `make bench`: logins per second and their p50 / p99 latency,
# measured the way login front ends call PAM, for ecflink and what
# DESIGN.md "Performance model" compares it with, on one private slapd
# (loopback) holding the same data, then the ratios next to their targets
# (issue 14) and build/bench/results.json.
#
#   bash tests/bench.sh            N=20000 linked pairs (BENCH_USERS)
#   N=1000000 bash tests/bench.sh  the same, then the scale section: cold
#                                  p50 at 10k, 100k ... N pairs (each a
#                                  fresh slapd loaded with slapadd) and
#                                  ecflinkd's RSS after N decisions
#
# The load: tests/tools/loadgen, one process of 1, 4 and 16 client
# threads with every module loaded once (dlopen), each transaction the
# whole pam_start -> pam_authenticate -> pam_acct_mgmt -> pam_end, BENCH_
# SECONDS (default 2) timed after BENCH_WARMUP (0.5) s untimed; each figure
# is the median of BENCH_RUNS (3) runs.  Rows:
#
#   pam_permit          libpam itself, the ceiling
#   ecflink cold        cache off (cache_ttl_s 0); and "cold, big cache":
#                       cache_ttl_s 600 (a cache larger than the run's
#                       logins), a fresh daemon per run, each login once
#   ecflink warm        every login already in the cache
#   ecflink refusal     a retired (linked) CM/ECF login, refused from the cache
#   ecflink 2 trips     cache off, the account phase asking again (the
#                       module as it was before one round trip per login)
#   ecflink exec        one pamdrive process per login, as sshd forks one
#                       (cache off)
#   daemon AUTH         ecflinkd's AUTH straight over its socket (cache off)
#   raw libldap         tests/tools/ldapbench on kept connections: search
#                       the PACER account + search its linked CM/ECF
#                       account + bind as the user; and a bind alone
#   nslcd + pam_ldap    nslcd run privately in the harness's mount namespace
#
# Exit status 1 if any transaction failed or went other than expected.
# Not part of `make check`.
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

NUSERS=${BENCH_USERS:-20000}
SCALE_N=${N:-}
SECS=${BENCH_SECONDS:-2}
WARM=${BENCH_WARMUP:-0.5}
RUNS=${BENCH_RUNS:-3}
CLIENTS=${BENCH_CLIENTS:-1 4 16}
USER_PW='Bench!pw1'			# tests/data/gen-users.sh
JSON=$bench/results.json
num() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
num "$NUSERS" && [ "$NUSERS" -ge 100 ] || h_bail "BENCH_USERS must be a number >= 100"
[ -z "$SCALE_N" ] || { num "$SCALE_N" && [ "$SCALE_N" -ge 10000 ]; } ||
	h_bail "N must be a number >= 10000"
num "$RUNS" && [ "$RUNS" -ge 1 ] || h_bail "BENCH_RUNS must be a number >= 1"
for f in ecflinkd ecflinkctl pam_ecflink.so tools/pamdrive tools/ldapbench tools/loadgen \
	tools/logsink; do
	[ -x "$ECF_BUILD/$f" ] || h_bail "$ECF_BUILD/$f is missing (make bench builds it)"
done
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
PAM_PERMIT=/lib/$MULTIARCH/security/pam_permit.so
MOD=$ECF_BUILD/pam_ecflink.so

say() { printf '%s\n' "$*"; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE="$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -r)"
say "machine: $MACHINE; load average at start $LOAD0"
say "runs: $SECS s timed after $WARM s warm-up, median of $RUNS, at $CLIENTS client thread(s)"

# --- data and slapd ---------------------------------------------------------

# The harness's cn=config, with a map large enough for the data and the
# indexes of schema/slapd-sample.ldif already there when slapadd loads it
# (added online, they would be built while the bench runs).
eval "h_bench_orig_base_ldif() $(declare -f h_slapd_base_ldif | tail -n +2)"
h_slapd_base_ldif() {
	h_bench_orig_base_ldif | sed -e 's/^olcDbMaxSize: .*/olcDbMaxSize: 34359738368/' \
		-e 's/^olcDbIndex: objectClass eq$/&\nolcDbIndex: ecfLinkedPacer eq/'
}
# The sample's index in the config slapadd loads with, so that a million
# entries are indexed as they load, not by slapd afterwards.
H_SLAPD_INDEXED=1
h_slapd_base_ldif | grep -q '^olcDbIndex: ecfLinkedPacer eq$' ||
	h_bail "cannot add the ecfLinkedPacer index to the harness's slapd config"
h_slapd_base_ldif | grep -Eq '^olcDbIndex: ([a-zA-Z]+,)*uid(,[a-zA-Z]+)* eq' ||
	h_bail "the harness's slapd config has no equality index on uid"

# load_slapd PAIRS: (re)starts slapd holding the fixture and PAIRS linked
# pairs (slapadd -q); $T/users lists their PACER logins, $T/cmecf_users
# their CM/ECF logins.
load_slapd() {
	local t0
	t0=$(ms_now)
	[ -z "${SLAPD_PID:-}" ] || h_slapd_stop
	rm -rf "$T/slapd.db" "$T/slapd.d"
	sh "$top/tests/data/gen-users.sh" "$1" "$T/users.ldif" "$T/users" ||
		h_bail "generating the bench data failed"
	sed 's/^bench/ecfb/' "$T/users" >"$T/cmecf_users"
	{ cat "$top/tests/data/fixture.ldif"; echo; cat "$T/users.ldif"; } >"$T/bench.ldif"
	rm -f "$T/users.ldif"
	H_FIXTURE=$T/bench.ldif H_SLAPADD_OPTS=-q h_slapd_start
	rm -f "$T/bench.ldif"
	say "slapd on $SLAPD_URI: $1 linked pairs loaded in $((($(ms_now) - t0) / 1000)) s (slapadd -q)"
}

h_syslog_start
load_slapd "$NUSERS"
printf '%s' "$H_SVC_PW" >"$T/svc.pw"
chmod 0600 "$T/svc.pw"

# slapd_warm: every bench entry read once (raw libldap, untimed), so no
# row pays for slapd's first reads.
slapd_warm() {
	timeout 1800 "$ECF_BUILD/tools/ldapbench" -H "$SLAPD_URI" -D "$H_SVC_DN" \
		-y "$T/svc.pw" -b "$H_PACER_BASE" -c "$H_CMECF_BASE" -U "$T/users" \
		-p "$USER_PW" -t 4 -n $((($(wc -l <"$T/users") + 3) / 4)) -m full \
		>"$T/warm.out" 2>&1 || { say "bench: the slapd warm-up failed:"; tail -n 5 "$T/warm.out"; exit 1; }
}
say "warm-up: slapd reads every bench entry once"
slapd_warm

# --- measuring ----------------------------------------------------------------

declare -A RATE P50 P99 FAILS
ROWS=()
BAD=0

# median V...: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# field NAME LINE: the value of NAME=... in a "bench:" line (units dropped).
field() { printf '%s\n' "$2" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

# measure KEY LABEL HOOK CMD...: runs HOOK (a function run before each run,
# or ":") then CMD, RUNS times; records the median ops/s, p50 and p99.
measure() {
	local key=$1 label=$2 hook=$3 i out rates=() p50s=() p99s=() failed=0 f
	shift 3
	for ((i = 0; i < RUNS; i++)); do
		$hook
		out=$("$@" 2>&1 | tail -n 1)	# loadgen and ldapbench end on time
		if ! printf '%s\n' "$out" | grep -q '^bench: n='; then
			say "  $label: no figures: $out"
			failed=$((failed + 1))
			continue
		fi
		f=$(field failed "$out")
		failed=$((failed + f))
		rates+=("$(field rate "$out")")
		p50s+=("$(field p50 "$out")")
		p99s+=("$(field p99 "$out")")
	done
	[ "${#rates[@]}" -gt 0 ] || { rates=(0); p50s=(0); p99s=(0); }
	RATE[$key]=$(median "${rates[@]}")
	P50[$key]=$(median "${p50s[@]}")
	P99[$key]=$(median "${p99s[@]}")
	FAILS[$key]=$failed
	ROWS+=("$key|$label")
	[ "$failed" -eq 0 ] || BAD=1
	printf '  %-40s %8s/s  p50 %7s ms  p99 %7s ms  (runs: %s/s)%s\n' "$label" \
		"${RATE[$key]}" "${P50[$key]}" "${P99[$key]}" "${rates[*]}" \
		"$([ "$failed" -eq 0 ] || echo "  $failed FAILED")"
}

# lg C ARG...: loadgen with C clients and the common settings.
lg() {
	local c=$1
	shift
	"$ECF_BUILD/tools/loadgen" -c "$c" -t "$SECS" -w "$WARM" -p "$USER_PW" "$@"
}

mkdir -p "$T/pam.d"
# Every real system has an "other" service; without one libpam syslogs
# "no default config other" twice per pam_start from a private directory.
for t in auth account password session; do
	echo "$t required pam_deny.so"
done >"$T/pam.d/other"
cat >"$T/pam.d/bench-permit" <<PAM
auth    required pam_permit.so
account required pam_permit.so
PAM

# --- the rows -------------------------------------------------------------------
for c in $CLIENTS; do
	measure "permit:$c" "libpam + pam_permit, $c client(s)" : \
		lg "$c" -m pam -C "$T/pam.d" -s bench-permit -M "$PAM_PERMIT" -U "$T/users"
done

# ecflink_service NAME REALM: auth (password checked) + account through the module.
ecflink_service() {
	cat >"$T/pam.d/$1" <<PAM
auth    required $MOD realm=$2 authenticate socket=$T/ecflinkd.sock
account required $MOD realm=$2 socket=$T/ecflinkd.sock
PAM
}
ecflink_service bench-ecflink pacer
ecflink_service bench-legacy cmecf
say "ecflink: pool_size 4 (the default), logging to a syslog socket read by tests/tools/logsink"

# cache off: every login cold
h_config CONF="$T/off.conf" CACHE_TTL=0 >/dev/null
h_daemon_start "$T/off.conf"
out=$("$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s bench-ecflink -u bench000001 \
	-p "$USER_PW" auth account 2>&1)
printf '%s\n' "$out" | grep -q 'env ECF_LOGIN=ecfb000001' ||
	h_bail "a bench login through pam_ecflink does not work: $out"
for c in $CLIENTS; do
	measure "cold:$c" "ecflink cold (cache off), $c client(s)" : \
		lg "$c" -m pam -C "$T/pam.d" -s bench-ecflink -M "$MOD" -U "$T/users"
done
# The same with the account phase asking again (a socket= spelled
# differently on the account line, so the kept answer does not fit): what
# the one round trip per login saves.
sed 's|^account .*|account required '"$MOD"' realm=pacer socket='"$T"'//ecflinkd.sock|' \
	"$T/pam.d/bench-ecflink" >"$T/pam.d/bench-twotrips"
for c in $CLIENTS; do
	measure "cold2:$c" "ecflink cold, two round trips, $c client(s)" : \
		lg "$c" -m pam -C "$T/pam.d" -s bench-twotrips -M "$MOD" -U "$T/users"
done
for c in $CLIENTS; do
	measure "sock:$c" "daemon AUTH over the socket, $c client(s)" : \
		lg "$c" -m sock -S "$H_SOCK" -U "$T/users"
done
for c in $CLIENTS; do
	measure "exec:$c" "ecflink cold, process per login, $c client(s)" : \
		lg "$c" -m exec -X "$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s bench-ecflink \
		-U "$T/users"
done
h_daemon_stop

# a cache bigger than the run's logins, each login seen once: a fresh
# daemon per run, the logins shuffled and split among the clients
h_config CONF="$T/big.conf" CACHE_TTL=600 >/dev/null
fresh_daemon() {
	h_daemon_stop
	h_daemon_start "$T/big.conf"
	shuf "$T/users" >"$T/once"
}
for c in $CLIENTS; do
	measure "coldbig:$c" "ecflink cold (big cache, once), $c client(s)" fresh_daemon \
		lg "$c" -m pam -C "$T/pam.d" -s bench-ecflink -M "$MOD" -U "$T/once" -o
done

# warm: W logins (all, or 20000 when there are more) seen once, untimed,
# then drawn at random among them; the same for the retired CM/ECF logins
warm=$(wc -l <"$T/users")
[ "$warm" -le 20000 ] || warm=20000
shuf "$T/users" | head -n "$warm" >"$T/warm"
sed 's/^bench/ecfb/' "$T/warm" >"$T/warm_cmecf"
"$ECF_BUILD/tools/loadgen" -m sock -S "$H_SOCK" -U "$T/warm" -p "$USER_PW" -o -t 3600 -w 0 \
	>"$T/preload.out" 2>&1 || h_bail "loading the cache failed: $(tail -n 3 "$T/preload.out")"
"$ECF_BUILD/tools/loadgen" -m sock -S "$H_SOCK" -r cmecf -A PAM_AUTH_ERR -U "$T/warm_cmecf" \
	-p "$USER_PW" -o -t 3600 -w 0 >"$T/preload.out" 2>&1 ||
	h_bail "loading the cache with the retired logins failed: $(tail -n 3 "$T/preload.out")"
say "ecflink warm: $warm PACER and $warm retired CM/ECF logins in the cache (cache_ttl_s 600)"
for c in $CLIENTS; do
	measure "warm:$c" "ecflink warm, $c client(s)" : \
		lg "$c" -m pam -C "$T/pam.d" -s bench-ecflink -M "$MOD" -U "$T/warm"
done
for c in $CLIENTS; do
	measure "refusal:$c" "ecflink refusal of a retired login, $c client(s)" : \
		lg "$c" -m pam -C "$T/pam.d" -s bench-legacy -M "$MOD" -A PAM_AUTH_ERR \
		-U "$T/warm_cmecf"
done
RSS_20K=$(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$ECFLINKD_PID/status")
h_daemon_stop

# raw libldap
ldb() {
	local c=$1
	shift
	"$ECF_BUILD/tools/ldapbench" -H "$SLAPD_URI" -D "$H_SVC_DN" -y "$T/svc.pw" \
		-b "$H_PACER_BASE" -c "$H_CMECF_BASE" -U "$T/users" -p "$USER_PW" -t "$c" \
		-s "$SECS" -w "$WARM" "$@"
}
for c in $CLIENTS; do
	measure "rawfull:$c" "raw libldap search+search+bind, $c thread(s)" : ldb "$c" -m full
done
for c in $CLIENTS; do
	measure "rawbind:$c" "raw libldap bind alone, $c thread(s)" : ldb "$c" -m bind
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
		for c in $CLIENTS; do
			measure "nslcd:$c" "nslcd + pam_ldap, $c client(s)" : \
				lg "$c" -m pam -C "$T/pam.d" -s bench-nslcd -M "$PAM_LDAP" \
				-U "$T/users"
		done
	fi
	h_stop_pid "$NSLCD_PID"
fi
[ -z "$NSLCD_SKIP" ] || say "$NSLCD_SKIP"

# --- the table -----------------------------------------------------------------------
say ""
say "N=$NUSERS linked pairs; $MACHINE; load average $LOAD0 at start," \
	"$(cut -d' ' -f1-3 /proc/loadavg) at the end"
say "median of $RUNS runs of $SECS s (after $WARM s warm-up); ops/s, p50 and p99 in ms"
printf '%-44s %7s %9s %8s %8s\n' row clients ops/s "p50 ms" "p99 ms"
for row in "${ROWS[@]}"; do
	key=${row%%|*}
	label=${row#*|}
	label=${label%, *}
	printf '%-44s %7s %9s %8s %8s%s\n' "$label" "${key##*:}" "${RATE[$key]}" \
		"${P50[$key]}" "${P99[$key]}" \
		"$([ "${FAILS[$key]}" -eq 0 ] || echo "  ${FAILS[$key]} FAILED")"
done

# --- ratios and targets --------------------------------------------------------------
TARGETS=()
# target NAME VALUE OP GOAL: records and prints one target; VALUE "" = n/a.
target() {
	local name=$1 v=$2 op=$3 goal=$4 met
	if [ -z "$v" ]; then
		met=n/a
	else
		met=$(awk -v v="$v" -v g="$goal" -v op="$op" \
			'BEGIN { print ((op == ">=" ? v >= g : v <= g) ? "met" : "MISSED") }')
	fi
	TARGETS+=("$name|$v|$op|$goal|$met")
	printf '  %-52s %9s  target %s %-8s %s\n' "$name" "${v:-n/a}" "$op" "$goal" "$met"
}
# ratio A B [FIELD]: A / B of RATE (or P50, P99) with two decimals, or "".
ratio() {
	local -n arr=${3:-RATE}
	[ -n "${arr[$1]:-}" ] && [ -n "${arr[$2]:-}" ] && [ "${FAILS[$1]}" -eq 0 ] &&
		[ "${FAILS[$2]}" -eq 0 ] || return 0
	awk -v a="${arr[$1]}" -v b="${arr[$2]}" 'BEGIN { if (b > 0) printf "%.2f", a / b }'
}
say ""
say "ratios (same run, same machine):"
for c in $CLIENTS; do
	target "cold (cache off) / raw search+search+bind, $c cl" "$(ratio "cold:$c" "rawfull:$c")" ">=" 0.9
	target "cold (big cache) / raw search+search+bind, $c cl" \
		"$(ratio "coldbig:$c" "rawfull:$c")" ">=" 0.9
done
for c in $CLIENTS; do
	[ "$c" = 1 ] && continue
	target "cold (cache off) / nslcd, $c cl" "$(ratio "cold:$c" "nslcd:$c")" ">=" 3.5
done
for c in $CLIENTS; do
	target "warm / nslcd, $c cl" "$(ratio "warm:$c" "nslcd:$c")" ">=" 5
	target "warm p99 / nslcd p99, $c cl" "$(ratio "warm:$c" "nslcd:$c" P99)" "<=" 0.25
done
for c in $CLIENTS; do
	v=
	[ -n "${P50[refusal:$c]:-}" ] && [ -n "${P50[permit:$c]:-}" ] &&
		[ "${FAILS[refusal:$c]}" -eq 0 ] && [ "${FAILS[permit:$c]}" -eq 0 ] && v=$(awk -v a="${P50[refusal:$c]}" -v b="${P50[permit:$c]}" \
		'BEGIN { printf "%.3f", a - b }')
	target "refusal p50 - pam_permit p50 (ms), $c cl" "$v" "<=" 0.060
done
for c in $CLIENTS; do
	say "  one round trip / two, cold, $c cl: $(ratio "cold:$c" "cold2:$c")"
done
for c in $CLIENTS; do
	target "daemon AUTH / raw search+search+bind, $c cl" "$(ratio "sock:$c" "rawfull:$c")" ">=" 1.2
done
say "ecflinkd RSS after the warm rows ($warm + $warm logins cached): $RSS_20K"

# --- scale: N pairs -----------------------------------------------------------------
SCALE_ROWS=()
if [ -n "$SCALE_N" ]; then
	say ""
	say "scale: cold p50 (cache off, 4 clients) at growing directory sizes, up to N=$SCALE_N"
	sizes=
	for s in 10000 100000 1000000 "$SCALE_N"; do
		[ "$s" -le "$SCALE_N" ] && case " $sizes " in *" $s "*) ;; *) sizes+="$s " ;; esac
	done
	for s in $sizes; do
		load_slapd "$s"
		h_config CONF="$T/off.conf" CACHE_TTL=0 >/dev/null	# the new slapd's port
		h_daemon_start "$T/off.conf"
		measure "scale:$s" "ecflink cold at $s pairs, 4 clients" : \
			lg 4 -m pam -C "$T/pam.d" -s bench-ecflink -M "$MOD" -U "$T/users"
		SCALE_ROWS+=("$s")
		h_daemon_stop
	done
	target "cold p50 at $s / at 10000" "$(ratio "scale:$s" "scale:10000" P50)" "<=" 1.3
	# RSS after SCALE_N decisions, each a distinct login, default cache size
	h_config CONF="$T/default.conf" >/dev/null
	sed -i 's/cache_ttl_s = [0-9]*;//' "$T/default.conf"
	h_daemon_start "$T/default.conf"
	t0=$(ms_now)
	"$ECF_BUILD/tools/loadgen" -m sock -S "$H_SOCK" -U "$T/users" -p "$USER_PW" -o -c 1 \
		-t 36000 -w 0 >"$T/rss.out" 2>&1 || say "  decisions for the RSS figure: $(tail -n 1 "$T/rss.out")"
	decisions=$(field n "$(tail -n 1 "$T/rss.out")")
	RSS_KB=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$ECFLINKD_PID/status")
	HWM_KB=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$ECFLINKD_PID/status")
	say "  ecflinkd after ${decisions:-no} decisions in $((($(ms_now) - t0) / 1000)) s (default" \
		"cache): RSS $((RSS_KB / 1024)) MiB, peak $((HWM_KB / 1024)) MiB"
	v=
	[ -z "$decisions" ] || v=$((RSS_KB / 1024))
	target "ecflinkd RSS after ${decisions:-no} decisions (MiB)" "$v" "<=" 64
	h_daemon_stop
fi

# --- results.json --------------------------------------------------------------------
{
	printf '{\n  "machine": "%s",\n  "users": %s,\n  "seconds": %s,\n  "warmup": %s,\n' \
		"$MACHINE" "$NUSERS" "$SECS" "$WARM"
	printf '  "runs": %s,\n  "rows": [\n' "$RUNS"
	sep=
	for row in "${ROWS[@]}"; do
		key=${row%%|*}
		label=${row#*|}
		printf '%s    {"key": "%s", "row": "%s", "clients": %s, "ops_per_s": %s, ' "$sep" \
			"${key%%:*}" "${label%, *}" "${key##*:}" "${RATE[$key]}"
		printf '"p50_ms": %s, "p99_ms": %s, "failed": %s}' "${P50[$key]}" "${P99[$key]}" \
			"${FAILS[$key]}"
		sep=$',\n'
	done
	printf '\n  ],\n  "targets": [\n'
	sep=
	for t in "${TARGETS[@]}"; do
		IFS='|' read -r name v op goal met <<<"$t"
		printf '%s    {"target": "%s", "value": %s, "op": "%s", "goal": %s, "met": "%s"}' \
			"$sep" "$name" "${v:-null}" "$op" "$goal" "$met"
		sep=$',\n'
	done
	printf '\n  ]\n}\n'
} >"$JSON"
say ""
say "wrote $JSON"
[ "$BAD" -eq 0 ] || say "bench: some transactions FAILED; see the rows marked FAILED"
exit "$BAD"
