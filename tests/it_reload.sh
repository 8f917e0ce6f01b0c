#!/bin/bash
# it_reload.sh - SIGHUP under load (issue 15): R reloads while 16 PAM
# clients log in for D seconds (D = 8, R = 20; ECF_LONG=1, as `make
# check-long` sets: D = 60, R = 100), one of them of a broken file.
#   - no login fails, during the reloads or the broken one;
#   - each reload is one event=reload line, the broken file's too
#     (result=error with its fault), and nothing else is logged;
#   - the running configuration is kept over the broken file;
#   - no configuration snapshot is leaked: RSS after the reloads is back to
#     where the same load without reloads left it, and ecflinkd (ASan with
#     LeakSanitizer) exits cleanly;
#   - prints logins/s and per-login p50 / p99 / max, without and with the
#     reloads.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
CTL=$ECF_BUILD/ecflinkctl
for f in "$MOD" "$DRIVE" "$CTL" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
D=8 R=20
[ "${ECF_LONG:-0}" = 1 ] && D=60 R=100
CLIENTS=16
BATCH=10

h_syslog_start
h_slapd_start
conf=$(h_config)
cp "$conf" "$T/good.conf"
# ASan keeps freed memory in quarantine (256 MB); without it, RSS tells
# whether freed snapshots are reused.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS
h_daemon_start "$conf"
mkdir -p "$T/pam.d"
cat >"$T/pam.d/ecf-efile" <<EOF2
auth    required $MOD realm=pacer authenticate socket=$H_SOCK
account required $MOD realm=pacer socket=$H_SOCK
EOF2
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$ECFLINKD_PID/status"; }

# load NAME SECONDS: CLIENTS processes log in (auth + account) for SECONDS
# in batches; sets OKS, FAILS (batches with a failure), MS, and writes
# every login's time (ms) to $T/NAME.lat.
load() {
	local name=$1 end=$(($(now_ms) + $2 * 1000)) t0 c pids=()
	t0=$(now_ms)
	for c in $(seq "$CLIENTS"); do
		(
			ok=0 bad=0 k=0
			while [ "$(now_ms)" -lt "$end" ]; do
				k=$((k + 1))
				if "$DRIVE" -C "$T/pam.d" -s ecf-efile -u janedoe -p 'Jane!pacer1' \
					-n "$BATCH" -L "$T/$name.$c.$k" auth account >/dev/null 2>&1; then
					ok=$((ok + BATCH))
				else
					bad=$((bad + 1))
				fi
			done
			echo "$ok $bad" >"$T/$name.$c"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	MS=$(($(now_ms) - t0))
	OKS=0 FAILS=0
	for c in $(seq "$CLIENTS"); do
		read -r ok bad <"$T/$name.$c"
		OKS=$((OKS + ok)) FAILS=$((FAILS + bad))
	done
	cat "$T/$name".*.* 2>/dev/null | sort -n >"$T/$name.lat"
}
# figures NAME: "N logins/s, p50 X ms, p99 Y ms, max Z ms"
figures() {
	awk -v ok="$OKS" -v ms="$MS" '{ v[NR] = $1 } END {
		if (NR == 0) { print "no logins"; exit }
		printf "%d logins/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", ok * 1000 / ms,
			v[int(NR * 0.5) + 1], v[p99 = (int(NR * 0.99) + 1 > NR ? NR : int(NR * 0.99) + 1)], v[NR] }' \
		"$T/$1.lat"
}

load warm 2
rss0=$(rss_kb)
load base $((D / 2))
base_fails=$FAILS
base=$(figures base)
rss1=$(rss_kb)
t_is "$base_fails" 0 "without reloads no login fails"

# The reloads, evenly spread, the middle one of a broken file.
h_syslog_mark
(
	step_ms=$((D * 1000 / (R + 1)))
	for i in $(seq "$R"); do
		sleep "$((step_ms / 1000)).$(printf '%03d' $((step_ms % 1000)))"
		if [ "$i" -eq $((R / 2)) ]; then
			printf 'ldap: { uris = [ "ldap://127.0.0.1:1" ];\n' >"$conf"	# cut short
			kill -HUP "$ECFLINKD_PID"
			for j in $(seq 50); do
				grep -q 'event=reload .*result=error' "$H_SYSLOG" && break
				sleep 0.1
			done
			cp "$T/good.conf" "$conf"
		else
			kill -HUP "$ECFLINKD_PID"
		fi
	done
) &
hup_pid=$!
load reload "$D"
wait "$hup_pid"
reload_fails=$FAILS
with=$(figures reload)
sleep 1
h_syslog_wait_since 'event=reload ' "$R" || true
rss2=$(rss_kb)
t_diag "$CLIENTS clients, auth + account of a linked PACER account:"
t_diag "  without reloads: $base"
t_diag "  with $R reloads in $D s: $with"
t_diag "  RSS: after warm-up ${rss0} kB, after the load without reloads ${rss1} kB," \
	"after the reloads ${rss2} kB"
t_is "$reload_fails" 0 "during $R reloads, the broken one too, no login fails"
t_is "$(h_syslog_count_since 'event=reload .*result=ok')" $((R - 1)) "each good reload: result=ok"
t_is "$(h_syslog_count_since 'event=reload .*result=error reason=config_invalid')" 1 \
	"the broken file: result=error reason=config_invalid"
t_like "$(h_syslog_since | grep 'event=reload .*result=error')" 'detail=".*ecflink.conf:.*running configuration is kept"' \
	"its line names the fault and says the running configuration is kept"
# A good reload also says which redaction notice it loaded.
others=$(h_syslog_since | grep 'ecflinkd\[' | grep -v 'event=\(reload\|auth\|account\) ' |
	grep -v 'redaction notice .* loaded, version sha256:')
t_is "$(printf '%s' "$others" | grep -c .)" 0 "and nothing else is logged (one line for the broken file)" \
	|| t_diag "$(printf '%s\n' "$others" | head -3)"
t_ok "the running configuration still answers" "$CTL" -s "$H_SOCK" ping
# Snapshots are freed and reused: no more than the load's own noise.
t_ok "RSS back to its level without reloads (${rss1} -> ${rss2} kB)" \
	test "$rss2" -le $((rss1 + rss1 / 10 + 2048))
h_daemon_stop
t_is "$H_DAEMON_RC" 0 "ecflinkd exits cleanly (LeakSanitizer finds no leaked snapshot)"
t_done
