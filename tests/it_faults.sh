#!/bin/bash
# it_faults.sh - the daemon's own faults (issue 15), against the real slapd,
# the real ecflinkd, a real syslog socket and the real libpam:
#   1. SIGKILL of ecflinkd at a random moment of each of N links (30;
#      ECF_KILLS sets it), with a restart after each: no notice sent twice
#      (at most once), none lost, none for a link that did not happen; a
#      sendmail that outlives the daemon records its hand-over itself, and
#      the restart waits for one still at work;
#   2. `ecflinkctl mail`: the waiting notices, the tries kept over a
#      restart, `mail --retry`, the mail.warn_after_s line logged once;
#   3. the PAM cache follows an unlink and a link at once, whatever
#      policy.cache_ttl_s says.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

CTL=$ECF_BUILD/ecflinkctl
MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
for f in "$CTL" "$MOD" "$DRIVE" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
FAKE_SM=$ECF_SRC/tests/tools/fakesendmail.sh
[ -x "$FAKE_SM" ] || h_bail "$FAKE_SM is missing or not executable"
command -v logger >/dev/null || h_bail "logger (bsdutils) is needed to sync the syslog"
KILLS=${ECF_KILLS:-30}

h_syslog_start
h_slapd_start

pacer() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$H_PACER_BASE"
	printf 'objectClass: pacerAccount\nuid: %s\ncn: %s\nsn: %s\n' "$1" "$2" "${2##* }"
	printf 'mail: %s@example.org\npacerAccountNumber: %s\nuserPassword: %s\n\n' "$1" "$4" "$3"
}
cmecf() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$H_CMECF_BASE"
	printf 'objectClass: ecfAccount\nuid: %s\ncn: %s\nsn: %s\n' "$1" "$2" "${2##* }"
	printf 'userPassword: %s\necfRole: attorney\n\n' "$3"
}
{
	for i in $(seq -w 1 "$KILLS"); do
		pacer "kp$i" "Kim Killtest" 'Kp!pw' "4480$i"
		cmecf "kc$i" "Kim Killtest" 'Kc!pw'
	done
	for i in 1 2; do
		pacer "qp$i" "Quinn Queue" 'Qp!pw' "449000$i"
		cmecf "qc$i" "Quinn Queue" 'Qc!pw'
	done
	pacer kt1 "Kim Killtest" 'Kp!pw' 4481001
	cmecf kt1c "Kim Killtest" 'Kc!pw'
	pacer kt2 "Kim Killtest" 'Kp!pw' 4481002
	cmecf kt2c "Kim Killtest" 'Kc!pw'
	pacer kt3 "Kim Killtest" 'Kp!pw' 4481003
	cmecf kt3c "Kim Killtest" 'Kc!pw'
	pacer cachep "Cora Cache" 'Cachep!pw' 4491001
	cmecf cachec "Cora Cache" 'Cachec!pw'
} >"$T/more.ldif"
h_ldapmodify -f "$T/more.ldif" >"$T/more.log" 2>&1 || h_bail "adding test accounts failed" "$T/more.log"

MAIL=$T/mail
conf=$(h_config CACHE_TTL=600 MAIL_EXTRA="sendmail = \"$FAKE_SM $MAIL -t -oi\"; warn_after_s = 2;")
h_daemon_start "$conf"

# lnk PACER CMECF: links the two (passwords of the fixture) with --confirm.
lnk() {
	OUT=$(printf '%s\n%s\n' "$3" "$4" | "$CTL" -s "$H_SOCK" link --confirm "$1" "$2" 2>&1) &&
		RC=0 || RC=$?
}
ctl() { OUT=$("$CTL" -s "$H_SOCK" "$@" 2>&1) && RC=0 || RC=$?; }
attr() {
	h_ldapsearch_root -b "$1" -s base "(objectClass=*)" "$2" | sed -n "s/^$2: //p"
}
H_SYNC=0
log_sync() {
	H_SYNC=$((H_SYNC + 1))
	logger -u /dev/log -t it_faults "sync-$H_SYNC" 2>/dev/null
	h_syslog_wait "it_faults.*sync-$H_SYNC\$" 1 || t_diag "syslog marker sync-$H_SYNC not seen"
}
nsince() { h_syslog_since | grep -cE -- "$1"; }
wait_for() {
	local i
	for i in $(seq "${3:-100}"); do
		[ "$(nsince "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# kill_daemon: SIGKILL, reaped; restart_daemon: start it again.
kill_daemon() {
	kill -KILL "$ECFLINKD_PID" 2>/dev/null
	wait "$ECFLINKD_PID" 2>/dev/null
	h_forget "$ECFLINKD_PID"
	ECFLINKD_PID=
	rm -f "$H_SOCK"
}
spool_count() { find "$T/spool/$1" -name '*.msg' 2>/dev/null | wc -l; }

# --- 1. SIGKILL at a random moment of each link -------------------------------------------
# The issue's kills fell 0-40 ms after the link request started, on a build
# where a whole link took about that long.  Here (ASan) it takes L ms, so
# each kill falls at a random moment of 0 .. L+40 ms after `ecflinkctl link`
# starts: anywhere in the link, then in the sending of its notice.
mail_count() { grep -c '^From fakesendmail' "$MAIL" 2>/dev/null || true; }
tries_count() { wc -l <"$MAIL.attempts" 2>/dev/null || echo 0; }
t0=$(date +%s%N)
lnk kt1 kt1c 'Kp!pw' 'Kc!pw'
t_is "$RC" 0 "a link to time"
L=$((($(date +%s%N) - t0) / 1000000))
t_diag "one whole link takes $L ms here; kills fall 0-$((L + 40)) ms after it starts"
h_syslog_mark
cut=0
for i in $(seq -w 1 "$KILLS"); do
	delay_ms=$((RANDOM % (L + 41)))
	m0=$(mail_count) a0=$(tries_count)
	printf 'Kp!pw\nKc!pw\n' | "$CTL" -s "$H_SOCK" link --confirm "kp$i" "kc$i" \
		>"$T/kill-$i.out" 2>&1 &
	ctl_pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	kill_daemon
	wait "$ctl_pid" 2>/dev/null
	sleep 0.05
	a1=$(tries_count) m1=$(mail_count)
	# sendmail started, and fewer messages came out than were started.
	[ $((a1 - a0)) -gt $((m1 - m0)) ] && cut=$((cut + 1))
	echo "$i $delay_ms tries+$((a1 - a0)) mails+$((m1 - m0))" >>"$T/kills"
	h_daemon_start "$conf"
done
# Every notice of a made link leaves the spool: ready/ and pending/ empty.
for i in $(seq 200); do
	[ "$(spool_count ready)" -eq 0 ] && [ "$(spool_count pending)" -eq 0 ] && break
	sleep 0.1
done
t_is "$(spool_count ready) $(spool_count pending)" "0 0" \
	"after $KILLS killed links and restarts the spool is empty"
sleep 0.5
linked=0 dups=0 lost=0 ghosts=0
declare -A want=()
want[$(attr "uid=kt1c,$H_CMECF_BASE" ecfLinkTransaction)]=1
for i in $(seq -w 1 "$KILLS"); do
	tx=$(attr "uid=kc$i,$H_CMECF_BASE" ecfLinkTransaction)
	[ -n "$tx" ] || continue
	linked=$((linked + 1))
	want[$tx]=1
	n=$(grep -c "^Transaction ID: $tx\$" "$MAIL" 2>/dev/null)
	[ "$n" -eq 0 ] && lost=$((lost + 1))
	[ "$n" -gt 1 ] && dups=$((dups + n - 1))
done
for tx in $(sed -n 's/^Transaction ID: //p' "$MAIL" 2>/dev/null | sort -u); do
	[ -n "${want[$tx]:-}" ] || ghosts=$((ghosts + 1))
done
log_sync
resent=$(nsince 'event=mail .*result=resend reason=possible_duplicate')
t_diag "kill test: $KILLS kills, $linked links made, $cut kill(s) left a submission unfinished," \
	"$dups duplicate(s), $lost lost, $ghosts ghost(s), $resent resend(s) logged as" \
	"possible duplicates"
t_ok "some links were made despite the kills ($linked of $KILLS)" test "$linked" -gt 0
# The one instant left: the MTA has taken the message and the spool does not
# know yet (sendmail exited; or the kernel still tears the killed daemon down
# before it kills sendmail).  The issue's bound: never more than one.
t_ok "at most one notice was delivered twice ($dups)" test "$dups" -le 1
t_is "$lost" 0 "no notice of a made link was lost"
t_is "$ghosts" 0 "no notice went out for a link that was not made"
t_ok "every resend logged as a possible duplicate names its transaction" \
	test "$(nsince 'event=mail txn=[0-9]+ .*result=resend reason=possible_duplicate')" -eq "$resent"

# --- 1b. a submission that outlives the daemon ----------------------------------------------
# The MTA runs under a helper that records the hand-over itself, so a kill
# of ecflinkd while the MTA works neither loses the record nor leads the
# restarted daemon to send a second copy.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# wait_pid: waits up to 10 s for $MAIL.pid.
wait_pid() {
	local i
	for i in $(seq 100); do
		[ -s "$MAIL.pid" ] && break
		sleep 0.1
	done
	cat "$MAIL.pid" 2>/dev/null
}
attempts() { wc -l <"$MAIL.attempts"; }

# A slow MTA that accepts: killed daemon, the helper still records it.
touch "$MAIL.slow"
rm -f "$MAIL.pid"
lnk kt2 kt2c 'Kp!pw' 'Kc!pw'
t_is "$RC" 0 "a link whose sendmail takes 2 s"
tx=$(attr "uid=kt2c,$H_CMECF_BASE" ecfLinkTransaction)
smpid=$(wait_pid)
kill_daemon
t_ok "sendmail goes on after ecflinkd is killed ($smpid)" alive "${smpid:-0}"
for i in $(seq 50); do
	alive "${smpid:-0}" || break
	sleep 0.1
done
rm -f "$MAIL.slow"
t_is "$(spool_count ready)" 0 "once it accepted, the notice left the spool without ecflinkd"
h_syslog_mark
a0=$(attempts)
h_daemon_start "$conf"
sleep 1
log_sync
t_is "$(grep -c "^Transaction ID: $tx\$" "$MAIL")" 1 "after the restart it is not sent again"
t_is "$(attempts)" "$a0" "not even tried again"
t_is "$(nsince "event=mail txn=$tx .*result=sent reason=accepted detail=\"handed over by a submission that outlived")" 1 \
	"the restart logs it as sent by the submission that outlived the daemon"

# A hanging MTA: the restart waits for it, then sends again once it failed.
touch "$MAIL.hang"
rm -f "$MAIL.pid"
lnk kt3 kt3c 'Kp!pw' 'Kc!pw'
t_is "$RC" 0 "a link whose sendmail hangs"
tx=$(attr "uid=kt3c,$H_CMECF_BASE" ecfLinkTransaction)
smpid=$(wait_pid)
kill_daemon
rm -f "$MAIL.hang"
h_syslog_mark
a0=$(attempts)
h_daemon_start "$conf"
sleep 1.5
t_is "$(attempts)" "$a0" "while the earlier sendmail runs, the restart does not send it"
t_ok "that sendmail still runs ($smpid)" alive "${smpid:-0}"
kill -KILL "$smpid" 2>/dev/null
wait_for "event=mail txn=$tx .*result=sent" 1 || t_diag "no sent line for $tx"
t_is "$(nsince "event=mail txn=$tx .*result=resend reason=possible_duplicate")" 1 \
	"once it died, the notice is sent again, logged as a possible duplicate"
t_is "$(grep -c "^Transaction ID: $tx\$" "$MAIL")" 1 "and it is delivered once"

# --- 2. ecflinkctl mail ---------------------------------------------------------------------
ctl mail
t_is "$RC" 0 "mail with nothing waiting: exit 0"
t_like "$OUT" 'No notices are waiting' "mail says nothing is waiting"

touch "$MAIL.fail"
h_syslog_mark
lnk qp1 qc1 'Qp!pw' 'Qc!pw'
t_is "$RC" 0 "link while sendmail fails"
q1=$(printf '%s\n' "$OUT" | sed -n 's/^Transaction ID: //p')
wait_for "event=mail txn=$q1 .*tries=1 .*result=retry" 1 || t_diag "no retry line for $q1"
ctl mail
t_is "$RC" 0 "mail: exit 0"
t_like "$OUT" "$q1 +qp1@example.org +1 +" "mail lists the transaction, recipient and tries"
t_like "$OUT" "sendmail_exit: exit 75: fakesendmail: temporary failure" "mail shows the last error"
t_like "$OUT" "TRANSACTION +RECIPIENT +TRIES +NEXT TRY +LAST ERROR" "mail has a header"
t_like "$OUT" '1 notice waiting' "mail counts the waiting notices"

# The tries count survives a restart (the restart tries once more at start).
h_daemon_stop
h_syslog_mark
h_daemon_start "$conf"
wait_for "event=mail txn=$q1 .*tries=2 .*result=retry" 1 || t_diag "no second try for $q1"
t_is "$(nsince "event=mail txn=$q1 .*tries=2 .*result=retry")" 1 \
	"after a restart the count goes on (tries=2)"
ctl mail
t_like "$OUT" "$q1 +qp1@example.org +2 +" "mail shows tries 2 after the restart"

# Waiting longer than mail.warn_after_s (2 s here): one line, once.
wait_for "event=mail txn=$q1 .*result=waiting reason=overdue" 1 50 || true
t_is "$(nsince "event=mail txn=$q1 .*result=waiting reason=overdue")" 1 \
	"a notice waiting longer than mail.warn_after_s is logged"
ctl mail --retry
t_is "$RC" 0 "mail --retry: exit 0"
wait_for "event=mail txn=$q1 .*tries=3 .*result=retry" 1 || t_diag "mail --retry did not retry"
t_is "$(nsince "event=mail txn=$q1 .*tries=3 .*result=retry")" 1 "mail --retry tries at once"
log_sync
t_is "$(nsince 'event=mail_queue action=retry .*result=ok')" 1 "mail --retry is logged, once"
h_daemon_stop
h_syslog_mark
h_daemon_start "$conf"
sleep 1.5
log_sync
t_is "$(nsince "event=mail txn=$q1 .*result=waiting")" 0 \
	"the overdue line is not repeated after a restart"
rm -f "$MAIL.fail"
ctl mail --retry
wait_for "event=mail txn=$q1 .*result=sent" 1 || t_diag "not sent after the MTA came back"
t_is "$(grep -c "^Transaction ID: $q1\$" "$MAIL")" 1 "sent once the MTA takes it"
ctl mail
t_like "$OUT" 'No notices are waiting' "nothing waits any more"
t_is "$(find "$T/spool/state" -type f | wc -l)" 0 "no state is left for a sent notice"

AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
OUT=$("${AS[@]}" "$CTL" -s "$H_SOCK" mail 2>&1) && RC=0 || RC=$?
t_is "$RC" 1 "mail by a non-admin: exit 1"
t_like "$OUT" 'permission denied' "mail by a non-admin: permission denied"
OUT=$("$CTL" -s "$H_SOCK" mail --bogus 2>&1) && RC=0 || RC=$?
t_is "$RC" 2 "mail with an unknown option: usage, exit 2"

# --- 3. the PAM cache follows unlink and link at once -----------------------------------------
mkdir -p "$T/pam.d"
cat >"$T/pam.d/ecf-legacy" <<EOF2
auth    required $MOD realm=cmecf authenticate socket=$H_SOCK
account required $MOD realm=cmecf socket=$H_SOCK
EOF2
cat >"$T/pam.d/ecf-efile" <<EOF2
auth    required $MOD realm=pacer authenticate socket=$H_SOCK
account required $MOD realm=pacer socket=$H_SOCK
EOF2
pam() {
	local svc=$1 user=$2 pw=$3
	shift 3
	OUT=$("$DRIVE" -C "$T/pam.d" -s "$svc" -u "$user" -p "$pw" "$@" 2>&1) && RC=0 || RC=$?
}
code() { printf '%s\n' "$OUT" | sed -n "s/^$1: \(PAM_[A-Z_]*\) .*/\1/p"; }

# Before the link: both decisions made, so both accounts are cached.
pam ecf-efile cachep 'Cachep!pw' auth account
t_is "$(code account)" PAM_PERM_DENIED "before the link the PACER account may not e-file"
pam ecf-legacy cachec 'Cachec!pw' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" "before the link the legacy login works"
lnk cachep cachec 'Cachep!pw' 'Cachec!pw'
t_is "$RC" 0 "link within cache_ttl_s"
h_syslog_mark
pam ecf-efile cachep 'Cachep!pw' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" \
	"right after the link the PACER account e-files (no stale cache)"
pam ecf-legacy cachec 'Cachec!pw' auth
t_is "$(code auth)" PAM_AUTH_ERR "right after the link the legacy login is retired"
log_sync
t_is "$(nsince 'event=auth .*user="cachep".*account=allow account_reason=linked')" 1 \
	"the log says the PACER account is linked"
# Now both are cached as linked; unlink within cache_ttl_s.
ctl unlink --reason "cache test" cachec
t_is "$RC" 0 "unlink within cache_ttl_s"
h_syslog_mark
pam ecf-efile cachep 'Cachep!pw' auth account
t_is "$(code account)" PAM_PERM_DENIED "right after the unlink the PACER account may not e-file"
pam ecf-legacy cachec 'Cachec!pw' auth
t_is "$(code auth)" PAM_AUTH_ERR "right after the unlink the legacy login stays locked"
log_sync
t_is "$(nsince 'event=auth .*user="cachep".*account=deny account_reason=not_linked')" 1 \
	"the log says the PACER account is not linked"
t_is "$(nsince 'event=auth .*user="cachec".*result=deny reason=locked')" 1 \
	"the log says the legacy login is locked"

t_done
