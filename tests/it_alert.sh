#!/bin/bash
# it_alert.sh - the retired-credential alert (DESIGN.md "Many servers",
# invariant 5), with two ecflinkd on one directory, each with its own spool
# and socket, both mailing through tests/tools/fakesendmail.sh.
#
#   1. mail.alert_retired off: a retired CM/ECF login (jdoe1, linked to
#      PACER janedoe) is refused, logged at warning with alert=off, and no
#      mail goes out, nothing is written to the entry.
#   2. On: the first attempt mails janedoe's address once, naming the
#      client address and the court-time date; more attempts within
#      policy.alert_interval_s, through the same daemon and through the
#      second one, mail nothing more (alert=skipped_recent).
#   3. With ecfRetiredAlert set back past the interval (ldapmodify, no
#      sleeping), the next attempt mails again; two attempts at once on the
#      two daemons give one mail.
#      A daemon with policy.alert_interval_s = 60 goes by its own interval.
#   4. A PACER owner without a mail: alert=no_address, still refused.
# The PAM answer is a refusal every time.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
FAKE_SM=$ECF_SRC/tests/tools/fakesendmail.sh
for f in "$MOD" "$DRIVE" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
h_syslog_start
h_slapd_start

MAIL=$T/mail
DN="uid=jdoe1,$H_CMECF_BASE"
OWNER="uid=janedoe,$H_PACER_BASE"
TO=janedoe@example.org
RHOST=203.0.113.7

# daemon NAME ALERT [h_config setting...]: starts ecflinkd NAME with its own
# socket, spool ($T/NAME.spool) and config; mail.alert_retired = ALERT.
# Sets NAME_SOCK and NAME_DPID.
daemon() {
	local name=$1 alert=$2 conf
	shift 2
	conf=$(h_config CONF="$T/$name.conf" SOCKET="$T/$name.sock" \
		MAIL_EXTRA="sendmail = \"$FAKE_SM $MAIL -t -oi\"; alert_retired = $alert;" "$@")
	mkdir -p "$T/$name.spool"
	sed -i "s|spool_dir = \"$T/spool\"|spool_dir = \"$T/$name.spool\"|" "$conf"
	h_daemon_start "$conf"
	printf -v "${name}_SOCK" '%s' "$T/$name.sock"
	printf -v "${name}_DPID" '%s' "$ECFLINKD_PID"
	ECFLINKD_PID=
}

# try SOCK [RHOST]: one auth phase of jdoe1 with a password, through the PAM
# module; sets CODE (the auth result) and LINE (ecflinkd's line for it).
try() {
	local sock=$1 rhost=${2:-} args=()
	mkdir -p "$T/pam.d"
	printf '%s\n' "auth required $MOD socket=$sock timeout_ms=5000 realm=cmecf authenticate" \
		>"$T/pam.d/legacy-$(basename "$sock")"
	[ -z "$rhost" ] || args=(-r "$rhost")
	h_syslog_mark
	OUT=$("$DRIVE" -C "$T/pam.d" -s "legacy-$(basename "$sock")" -u jdoe1 \
		-p 'Old-password-1' "${args[@]}" auth 2>&1)
	CODE=$(printf '%s\n' "$OUT" | sed -n 's/^auth: \(PAM_[A-Z_]*\) .*/\1/p')
	h_syslog_wait_since 'event=auth .*user="jdoe1"' 1 || t_diag "no line for jdoe1"
	LINE=$(h_syslog_since | grep 'event=auth .*user="jdoe1"')
}

mail_count() { if [ -e "$MAIL" ]; then grep -c '^From fakesendmail' "$MAIL"; else echo 0; fi; }
mails_to() { if [ -e "$MAIL" ]; then grep -c "^To: $1\$" "$MAIL"; else echo 0; fi; }
mail_wait() {
	local i
	for i in $(seq 100); do
		[ "$(mail_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# queued: messages waiting in both daemons' spools.
queued() {
	find "$T"/*.spool -name '*.msg' | wc -l
}
last_alert() {
	h_ldapsearch_root -b "$DN" -s base '(objectClass=*)' ecfRetiredAlert |
		sed -n 's/^ecfRetiredAlert: //p'
}
# set_last TIME: the entry's last alert, as another daemon would have left it.
set_last() {
	printf 'dn: %s\nchangetype: modify\nreplace: ecfRetiredAlert\necfRetiredAlert: %s\n' \
		"$DN" "$1" | h_ldapmodify >/dev/null
}
# The syslog priority of a line: <PRI> = facility*8 + severity (authpriv = 10).
WARNING='^<84>'

# --- 1. off -------------------------------------------------------------------------------
daemon off false
try "$off_SOCK" "$RHOST"
t_is "$CODE" PAM_AUTH_ERR "alert off: the retired login is refused"
t_like "$LINE" 'linked_pacer="janedoe" alert=off result=deny reason=retired_credential' \
	"alert off: the line says retired_credential and alert=off"
t_like "$LINE" "$WARNING" "alert off: the line is a warning (authpriv.warning)"
t_unlike "$(h_syslog_since | grep 'event=auth ')" '^<86>' "alert off: no info line beside it"
t_is "$(h_syslog_count_since 'event=auth .*user="jdoe1"')" 1 "alert off: one line per attempt"
t_is "$(last_alert)" "" "alert off: nothing written to the entry"
sleep 0.5
t_is "$(mail_count)$(queued)" 00 "alert off: no mail, nothing spooled"
h_stop_pid "$off_DPID"

# --- 2. on: one mail per interval, whichever daemon -----------------------------------------
daemon x true
daemon y true
day0=$(TZ=America/Chicago date +%m/%d/%Y)
try "$x_SOCK" "$RHOST"
day1=$(TZ=America/Chicago date +%m/%d/%Y)
t_is "$CODE" PAM_AUTH_ERR "alert on: the retired login is still refused"
t_like "$LINE" "$WARNING" "alert on: the line is a warning"
t_like "$LINE" 'alert=mailed alert_txn=[0-9]+ result=deny reason=retired_credential' \
	"alert on: the line says alert=mailed with its Transaction ID"
txn=$(printf '%s\n' "$LINE" | sed -n 's/.*alert_txn=\([0-9]*\).*/\1/p')
t_like "$(last_alert)" '^[0-9]{14}\.[0-9]{6}Z$' "alert on: the claim is on the entry (ecfRetiredAlert)"
mail_wait 1 || t_diag "no mail within 10 s"
t_is "$(mail_count)" 1 "alert on: one mail"
t_is "$(mails_to "$TO")" 1 "alert on: to the linked PACER account's address"
body=$(tr '\n' ' ' <"$MAIL")
t_like "$body" "Subject: Your old CM/ECF login was tried: SOUTHERN DISTRICT OF IOWA" \
	"alert mail: the subject names the court"
t_like "$body" "Message-ID: <ecflink\\.alert\\.$txn\\.[0-9]+@" \
	"alert mail: its Message-ID carries the Transaction ID of the log line"
t_like "$body" "old CM/ECF login \\(jdoe1\\) for the SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT" \
	"alert mail: it names the retired login and the court"
t_like "$body" "on ($day0|$day1) [0-9]{2}:[0-9]{2}:[0-9]{2} C[SD]T from $RHOST\\." \
	"alert mail: the date in the court's time zone and the client address"
t_like "$body" "If it was not you, contact the court\\." "alert mail: what to do"

try "$x_SOCK" "$RHOST"
t_is "$CODE" PAM_AUTH_ERR "again on the same daemon: refused"
t_like "$LINE" 'alert=skipped_recent result=deny reason=retired_credential' \
	"again on the same daemon: alert=skipped_recent"
try "$y_SOCK" "$RHOST"
t_is "$CODE" PAM_AUTH_ERR "again on the second daemon: refused"
t_like "$LINE" 'alert=skipped_recent result=deny reason=retired_credential' \
	"again on the second daemon: alert=skipped_recent (the claim is shared)"
t_like "$LINE" "$WARNING" "again on the second daemon: still a warning"
sleep 0.5
t_is "$(mail_count)$(queued)" 10 "within the interval: still one mail, nothing spooled"

# --- 3. past the interval -------------------------------------------------------------------
set_last 20200101000000Z
try "$y_SOCK"
t_is "$CODE" PAM_AUTH_ERR "past the interval: refused"
t_like "$LINE" 'alert=mailed alert_txn=[0-9]+ ' "past the interval: mailed again (second daemon)"
mail_wait 2 || t_diag "no second mail within 10 s"
t_is "$(mails_to "$TO")" 2 "past the interval: a second mail"
t_like "$(sed -n '/^From fakesendmail/h; /^From fakesendmail/!H; ${x;p}' "$MAIL" | tr '\n' ' ')" \
	'from an unknown address\.' "no client address: the mail says an unknown address"
t_unlike "$(last_alert)" '^20200101' "past the interval: the claim replaced the old time"
try "$x_SOCK" "$RHOST"
t_like "$LINE" 'alert=skipped_recent ' "right after: the first daemon skips"

# two attempts at once, one on each daemon
set_last 20200101000000Z
h_syslog_mark
mkdir -p "$T/pam.d"
"$DRIVE" -C "$T/pam.d" -s "legacy-x.sock" -u jdoe1 -p x -r "$RHOST" auth >"$T/rx.out" 2>&1 &
px=$!
"$DRIVE" -C "$T/pam.d" -s "legacy-y.sock" -u jdoe1 -p x -r "$RHOST" auth >"$T/ry.out" 2>&1 &
py=$!
wait "$px" "$py"
h_syslog_wait_since 'event=auth .*user="jdoe1"' 2 || t_diag "not two lines"
t_is "$(grep -h '^auth:' "$T/rx.out" "$T/ry.out" | sed 's/^auth: \(PAM_[A-Z_]*\).*/\1/' |
	tr '\n' ' ')" "PAM_AUTH_ERR PAM_AUTH_ERR " "at once: both refused"
t_is "$(h_syslog_count_since 'event=auth .*user="jdoe1".* alert=mailed ')" 1 \
	"at once on two daemons: exactly one mails"
t_is "$(h_syslog_count_since 'event=auth .*user="jdoe1".* alert=skipped_recent ')" 1 \
	"at once on two daemons: the other skips"
mail_wait 3 || t_diag "no third mail within 10 s"
sleep 0.5
t_is "$(mails_to "$TO")$(queued)" 30 "at once on two daemons: one mail more, nothing left"

# policy.alert_interval_s is what counts: 60 s on a third daemon
daemon z true POLICY_EXTRA="alert_interval_s = 60;"
set_last "$(date -u -d '-30 sec' +%Y%m%d%H%M%SZ)"
try "$z_SOCK" "$RHOST"
t_like "$LINE" 'alert=skipped_recent result=deny' "interval 60 s: an alert 30 s ago is recent"
set_last "$(date -u -d '-90 sec' +%Y%m%d%H%M%SZ)"
try "$z_SOCK" "$RHOST"
t_like "$LINE" 'alert=mailed alert_txn=[0-9]+ result=deny' "interval 60 s: one 90 s ago is not"
mail_wait 4 || t_diag "no fourth mail within 10 s"
sleep 0.5
t_is "$(mails_to "$TO")$(queued)" 40 "interval 60 s: one mail more"
try "$x_SOCK" "$RHOST"
t_like "$LINE" 'alert=skipped_recent ' "the default interval: the first daemon still skips it"
h_stop_pid "$z_DPID"

# --- 4. no address --------------------------------------------------------------------------
set_last 20200101000000Z
printf 'dn: %s\nchangetype: modify\ndelete: mail\n' "$OWNER" | h_ldapmodify >/dev/null
try "$x_SOCK" "$RHOST"
t_is "$CODE" PAM_AUTH_ERR "no address: refused"
t_like "$LINE" 'alert=no_address alert_detail="PACER account janedoe has no usable mail"' \
	"no address: alert=no_address says why"
t_is "$(last_alert)" 20200101000000Z "no address: no claim made"
sleep 0.5
t_is "$(mail_count)$(queued)" 40 "no address: no mail"

t_done
