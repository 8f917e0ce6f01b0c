#!/bin/bash
# it_logstall.sh - a syslog reader that stops reading must not stall
# logins (issue 15).  The harness's private /dev/log is read by logsink;
# stopping it (SIGSTOP) is journald or rsyslog stalled: datagrams pile up
# in the socket until its queue is full and every send(2) blocks.
#
# PAM logins (auth + account of a linked PACER account, 4 clients) run for
# S seconds with the reader running, then for S seconds with it stopped
# (S = 5 with log.queue_lines = 256; ECF_LONG=1, as `make check-long` sets:
# 30 with the default 4096).  Decisions must go on
# without a failure; after the reader is back, one line says how many log
# lines were dropped, and the lines written plus those dropped are exactly
# the one per login.  Prints both rates.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
for f in "$MOD" "$DRIVE" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
command -v logger >/dev/null || h_bail "logger (bsdutils) is needed to sync the syslog"
S=5
[ "${ECF_LONG:-0}" = 1 ] && S=30
CLIENTS=4
BATCH=20

h_syslog_start
h_slapd_start
# slapd has logged ("slapd starting") and stays connected to that reader.
# ecflinkd, libpam and the test log to a second one bound over /dev/log:
# that is the reader stopped below, so a stalled slapd (which would be on
# another host, with its own syslog) plays no part.
h_spawn "$T/logsink2.err" "$ECF_BUILD/tools/logsink" -r "$T/logsink2.ready" "$T/log2" \
	"$T/syslog2.log"
H_SYSLOG_PID=$H_LAST_PID
for i in $(seq 50); do
	[ -e "$T/logsink2.ready" ] && break
	sleep 0.1
done
[ -e "$T/logsink2.ready" ] || h_bail "the second logsink did not start" "$T/logsink2.err"
mount --bind "$T/log2" /dev/log || h_bail "cannot bind $T/log2 over /dev/log"
H_SYSLOG=$T/syslog2.log
# The default queue (4096 lines) outlasts a 5 s stall; a small one is full
# within it.  The 30 s run keeps the default.
QUEUE=256
[ "$S" -ge 30 ] && QUEUE=4096
h_daemon_start "$(h_config LOG_EXTRA="queue_lines = $QUEUE;")"
mkdir -p "$T/pam.d"
cat >"$T/pam.d/ecf-efile" <<EOF2
auth    required $MOD realm=pacer authenticate socket=$H_SOCK
account required $MOD realm=pacer socket=$H_SOCK
EOF2
# libpam logs every transaction when a service directory has no "other".
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
H_SYNC=0
log_sync() {
	H_SYNC=$((H_SYNC + 1))
	logger -u /dev/log -t it_logstall "sync-$H_SYNC" 2>/dev/null
	h_syslog_wait "it_logstall.*sync-$H_SYNC\$" 1 || t_diag "syslog marker sync-$H_SYNC not seen"
}

# load SECONDS: CLIENTS processes log in for SECONDS, in batches of BATCH
# (auth + account); sets OKS (logins that passed), FAILS (batches with a
# failure) and MS (the time it took).
load() {
	local end=$(($(now_ms) + $1 * 1000)) t0 c pids=()
	t0=$(now_ms)
	for c in $(seq "$CLIENTS"); do
		(
			ok=0 bad=0
			while [ "$(now_ms)" -lt "$end" ]; do
				if "$DRIVE" -C "$T/pam.d" -s ecf-efile -u janedoe -p 'Jane!pacer1' \
					-n "$BATCH" auth account >/dev/null 2>&1; then
					ok=$((ok + BATCH))
				else
					bad=$((bad + 1))
				fi
			done
			echo "$ok $bad" >"$T/load.$c"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	MS=$(($(now_ms) - t0))
	OKS=0 FAILS=0
	for c in $(seq "$CLIENTS"); do
		read -r ok bad <"$T/load.$c"
		OKS=$((OKS + ok)) FAILS=$((FAILS + bad))
	done
}
rate() { echo "$(($1 * 1000 / $2)) logins/s"; }

load "$S"
base_ok=$OKS base_ms=$MS
t_is "$FAILS" 0 "reader running: no login failed ($OKS in $MS ms)"
log_sync
h_syslog_mark

kill -STOP "$H_SYSLOG_PID"
load "$S"
kill -CONT "$H_SYSLOG_PID"
stall_ok=$OKS stall_ms=$MS
t_diag "4 clients, auth + account: reader running $(rate "$base_ok" "$base_ms")," \
	"reader stopped $(rate "$stall_ok" "$stall_ms") ($stall_ok logins in $stall_ms ms)"
t_is "$FAILS" 0 "reader stopped: no login failed"
# Blocked in syslog(), the daemon would have managed about ten lines' worth.
t_ok "reader stopped: logins went on ($stall_ok)" test "$stall_ok" -ge 100

h_syslog_wait_since 'ecflinkd\[[0-9]+\]: syslog did not keep up; dropped [0-9]+ log lines?$' 1 ||
	h_syslog_wait_since 'dropped [0-9]+ log line' 1 || true
log_sync
summary=$(h_syslog_since | grep -E 'ecflinkd\[[0-9]+\]: syslog did not keep up; dropped [0-9]+ log lines?$')
t_is "$(printf '%s' "$summary" | grep -c .)" 1 "one line says how many lines were dropped"
dropped=$(printf '%s' "$summary" | sed -n 's/.*dropped \([0-9]*\) log line.*/\1/p')
written=$(h_syslog_count_since 'ecflinkd\[[0-9]+\]: event=(auth|account) ')
t_diag "while the reader was stopped: $written lines written later, ${dropped:-0} dropped"
t_ok "lines were dropped, not waited for (${dropped:-0})" test "${dropped:-0}" -gt 0
# (root's logins are one round trip: one event=auth line each, the
# account answer on it)
t_is "$((written + ${dropped:-0}))" "$stall_ok" \
	"the lines written and dropped are the one per login"

# The reader back: logins and their lines as before.
h_syslog_mark
load 1
t_is "$FAILS" 0 "after the stall: no login failed"
log_sync
t_is "$(h_syslog_count_since 'ecflinkd\[[0-9]+\]: event=(auth|account) ')" "$OKS" \
	"after the stall every login is logged again"
t_is "$(h_syslog_count_since 'dropped [0-9]+ log line')" 0 "and nothing is dropped"

h_daemon_stop
t_is "$H_DAEMON_RC" 0 "ecflinkd stops cleanly"
t_done
