#!/bin/bash
# it_link.sh - linking (issue 5) against the real slapd, the real ecflinkd,
# a real syslog socket and the real libpam: the happy path, what the user
# and the clerk see, every refusal with its own reason in the log,
# throttling, races (in one daemon and across two daemons), the mail
# notice through a recording sendmail (failures, SIGKILL, reconciliation
# of pending notices), link-only reset codes and unlink.
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

h_syslog_start
h_slapd_start

# --- more accounts --------------------------------------------------------------
# pacer LOGIN CN PASSWORD ACCOUNT / cmecf LOGIN CN PASSWORD: LDIF of one entry.
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
	for i in 01 02 03 04 05 06 07 08; do
		pacer "crp$i" "Robert Smith" 'Crp!pw' "44100$i"
		cmecf "cme$i" "Olive One" 'Cme!pw'
	done
	pacer pone "Olive One" 'Pone!pw' 4420001
	for i in 01 02 03 04 05 06 07 08 09 10; do
		pacer "xp$i" "Xavier Pacer" 'Xp!pw' "44500$i"
		cmecf "xa$i" "Xavier Pacer" 'Xc!pw'
		cmecf "xb$i" "Xavier Pacer" 'Xc!pw'
	done
	pacer pthr1 "Thora Throttle" 'Pthr1!pw' 4460001
	cmecf cthr1 "Thora Throttle" 'Cthr1!pw'
	for i in 1 2; do
		pacer "pok$i" "Oscar Okay" 'Pok!pw' "447000$i"
		cmecf "cok$i" "Oscar Okay" 'Cok!pw'
	done
	for i in 1 2 3; do
		pacer "pm$i" "Mona Mail" 'Pm!pw' "443000$i"
		cmecf "cm$i" "Mona Mail" 'Cm!pw'
	done
	cmecf cref1 "Rita Ref" 'Cref1!pw'
	cmecf cpam1 "Paula Pam" 'Cpam1!pw'
} >"$T/more.ldif"
h_ldapmodify -f "$T/more.ldif" >"$T/more.log" 2>&1 || h_bail "adding test accounts failed" "$T/more.log"

MAIL=$T/mail
conf=$(h_config MAIL_EXTRA="sendmail = \"$FAKE_SM $MAIL -t -oi\";")
h_daemon_start "$conf"
mkdir -p "$T/pam.d"
cat >"$T/pam.d/ecf-legacy" <<EOF
auth    required $MOD realm=cmecf authenticate socket=$H_SOCK
account required $MOD realm=cmecf socket=$H_SOCK
EOF
cat >"$T/pam.d/ecf-efile" <<EOF
auth    required $MOD realm=pacer authenticate socket=$H_SOCK
account required $MOD realm=pacer socket=$H_SOCK
EOF

# --- helpers ----------------------------------------------------------------------
# AS: the command prefix that runs ecflinkctl (empty: as root).
AS=()
as_uid() { AS=(setpriv --reuid="$1" --regid="$1" --clear-groups); }
as_root() { AS=(); }

# lnk SOCK PACER_PW CMECF_SECRET ARG...: ecflinkctl link ARG... with the two
# secrets on stdin; sets OUT (stdout and stderr) and RC.
lnk_s() {
	local sock=$1 p1=$2 p2=$3
	shift 3
	OUT=$(printf '%s\n%s\n' "$p1" "$p2" | "${AS[@]}" "$CTL" -s "$sock" link "$@" 2>&1) &&
		RC=0 || RC=$?
}
lnk() { lnk_s "$H_SOCK" "$@"; }

# ctl ARG...: ecflinkctl ARG... (as AS); sets OUT and RC.
ctl() {
	OUT=$("${AS[@]}" "$CTL" -s "$H_SOCK" "$@" 2>&1) && RC=0 || RC=$?
}

# log_sync: waits until every line sent to syslog so far has been written
# (a marker datagram queues behind them).
H_SYNC=0
log_sync() {
	H_SYNC=$((H_SYNC + 1))
	logger -u /dev/log -t it_link "sync-$H_SYNC" 2>/dev/null
	h_syslog_wait "it_link.*sync-$H_SYNC\$" 1 || t_diag "syslog marker sync-$H_SYNC not seen"
}

# since PATTERN: the event lines since the mark that match PATTERN.
since() { h_syslog_since | grep -E -- "$1"; }
nsince() { h_syslog_since | grep -cE -- "$1"; }

# one_line DESC REGEX: exactly one event=link line since the mark, matching.
one_line() {
	local l
	log_sync
	l=$(since 'ecflinkd\[[0-9]+\]: event=link ')
	t_is "$(printf '%s' "$l" | grep -c .)" 1 "$1: one event=link line"
	t_like "$l" "$2" "$1: the line says $2"
}

# attr DN ATTR: the values of ATTR in DN (as the root DN), one per line.
attr() {
	h_ldapsearch_root -b "$1" -s base "(objectClass=*)" "$2" |
		sed -n "s/^$2: //p"
}

# pam SERVICE USER PASSWORD PHASE...: sets OUT and RC.
pam() {
	local svc=$1 user=$2 pw=$3
	shift 3
	OUT=$("$DRIVE" -C "$T/pam.d" -s "$svc" -u "$user" -p "$pw" "$@" 2>&1) && RC=0 || RC=$?
}
code() { printf '%s\n' "$OUT" | sed -n "s/^$1: \(PAM_[A-Z_]*\) .*/\1/p"; }

# mail_wait N: waits up to 10 s until $MAIL holds N messages.
mail_count() { grep -c '^From fakesendmail' "$MAIL" 2>/dev/null || true; }
mail_wait() {
	local i
	for i in $(seq 100); do
		[ "$(mail_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# txn_mails N: how many delivered messages carry Transaction ID N.
txn_mails() { grep -c "^Transaction ID: $1\$" "$MAIL" 2>/dev/null || true; }

# wait_for PATTERN N [TENTHS]: waits until the syslog since the mark has N
# matching lines (default 10 s).
wait_for() {
	local i
	for i in $(seq "${3:-100}"); do
		[ "$(nsince "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_extra CONF: a second ecflinkd on the socket CONF names, with its own
# stderr file; sets XPID and XSOCK.
start_extra() {
	local i
	XSOCK=$(sed -n 's/^socket: { path = "\([^"]*\)".*/\1/p' "$1")
	h_spawn "$1.err" "$ECF_BUILD/ecflinkd" -d -f "$1"
	XPID=$H_LAST_PID
	for i in $(seq 100); do
		kill -0 "$XPID" 2>/dev/null || h_bail "second ecflinkd exited at start" "$1.err"
		"$CTL" -s "$XSOCK" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	h_bail "second ecflinkd did not answer on $XSOCK" "$1.err"
}

# extra_conf NAME SETTING...: a config for another daemon with its own
# socket and spool directory.
extra_conf() {
	local name=$1 c
	shift
	c=$(h_config CONF="$T/$name.conf" SOCKET="$T/$name.sock" "$@")
	mkdir -p "$T/spool-$name"
	sed -i "s|spool_dir = \"$T/spool\"|spool_dir = \"$T/spool-$name\"|" "$c"
	echo "$c"
}

BADCRED='The login or password \(or reset code\) is not correct'

# --- 1. happy path ------------------------------------------------------------------
h_syslog_mark
lnk 'Pacer3!pw' 'Legacy03!' tattorneythree tattorney03
t_is "$RC" 3 "link without --confirm, names differ: exit 3"
t_like "$OUT" 'Train Attorney03' "the CM/ECF name is shown"
t_like "$OUT" 'Train Attorneythree' "the PACER name is shown"
t_like "$OUT" 'Do you want to link these accounts\? CM/ECF Train Attorney03 / PACER Train Attorneythree' \
	"the question names both accounts"
t_is "$(attr "uid=tattorney03,$H_CMECF_BASE" ecfLinkedPacer)" "" "not confirmed: nothing linked"
log_sync
t_is "$(nsince 'event=link .*result=ok')" 0 "not confirmed: no link logged as ok"
t_is "$(nsince 'event=link phase=commit pacer="tattorneythree" cmecf="tattorney03" .*result=deny reason=not_confirmed')" 1 \
	"the unconfirmed attempt is logged at once, as one line"

h_syslog_mark
lnk 'Pacer3!pw' 'Legacy03!' --confirm tattorneythree tattorney03
t_is "$RC" 0 "link --confirm: exit 0"
t_like "$OUT" 'Your PACER account has been linked to your CM/ECF account' "link says it is done"
t_like "$OUT" '^Transaction ID: 1000$' "link prints Transaction ID 1000"
E="uid=tattorney03,$H_CMECF_BASE"
t_is "$(attr "$E" ecfLinkedPacer)" tattorneythree "the entry has ecfLinkedPacer"
t_like "$(attr "$E" ecfLinkTime)" '^[0-9]{14}Z$' "the entry has ecfLinkTime"
t_is "$(attr "$E" ecfLinkTransaction)" 1000 "the entry has ecfLinkTransaction 1000"
t_is "$(h_ldapsearch_root -b "$E" -s base '(objectClass=*)' userPassword | grep -c '^userPassword')" 0 \
	"the legacy userPassword is gone"
t_is "$(attr "$H_COUNTER_DN" ecfNextTransaction)" 1001 "the transaction counter advanced to 1001"
one_line "linked" 'event=link phase=commit pacer="tattorneythree" cmecf="tattorney03" '\
'peer_uid=0 names=equivalent txn=1000 result=ok reason=linked'
t_nok "the old CM/ECF password no longer binds" \
	ldapwhoami -x -H "$SLAPD_URI" -D "$E" -w 'Legacy03!'

# --- 6a. the notice ------------------------------------------------------------------
if mail_wait 1; then
	t_pass "the notice arrives within 10 s"
else
	t_fail "the notice arrives within 10 s" "$(tail -n 5 "$H_SYSLOG")"
fi
body=$(sed -n '/^$/,$p' "$MAIL" | sed '/^$/d')
t_like "$(grep '^To:' "$MAIL")" '^To: tattorneythree@example.org$' "the notice goes to the PACER mail"
t_like "$body" '^Account Number: 4412345$' "body: Account Number"
t_like "$body" '^Court: SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT$' "body: Court"
t_like "$body" \
	'^Date/Time Submitted: [01][0-9]/[0-3][0-9]/20[0-9]{2} [0-2][0-9]:[0-5][0-9]:[0-5][0-9] C[SD]T$' \
	"body: Date/Time Submitted in the court's time zone"
t_like "$body" '^Transaction ID: 1000$' "body: Transaction ID"
t_like "$body" '^Request: Link$' "body: Request"
t_like "$body" '^Transaction Status: Processed$' "body: Transaction Status"
t_like "$body" '^Comment: Your PACER account has been linked to your CM/ECF account$' "body: Comment"
t_is "$(printf '%s\n' "$body" | sed -n 1p)" \
	"This email is notification that the change you requested to your NextGen CM/ECF account has been processed. The status is listed below." \
	"body: the procedure's opening sentence comes first"
t_like "$(printf '%s\n' "$body" | tail -n 1)" \
	'^NOTE: Each time you log in to e-file with your PACER account, you will be asked to read and acknowledge the redaction notice ' \
	"body: the closing NOTE about the redaction notice at each login"
t_is "$(printf '%s\n' "$body" | grep -c .)" 9 \
	"the body has exactly nine lines: the sentence, the seven facts, the NOTE"
t_is "$(ls "$T/spool/ready" | wc -l)" 0 "ready/ is empty after delivery"
wait_for 'event=mail txn=1000 .*result=sent' 1 50
t_is "$(nsince 'event=mail txn=1000 .*result=sent')" 1 "one event=mail result=sent line"

# --- 2. after the link, through PAM ---------------------------------------------------------
h_syslog_mark
pam ecf-legacy tattorney03 'Legacy03!' auth
t_is "$(code auth)" PAM_AUTH_ERR "PAM: the legacy login with its old password is refused"
t_like "$OUT" 'conv ERROR_MSG: .*linked to a PACER account' "PAM: the user is told the login is linked"
log_sync
t_like "$(since 'event=auth ')" 'user="tattorney03".*result=deny reason=retired_credential' \
	"PAM: logged as retired_credential"
pam ecf-efile tattorneythree 'Pacer3!pw' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" "PAM: the PACER login passes"
t_like "$OUT" '^env ECF_LOGIN=tattorney03$' "PAM: ECF_LOGIN names the linked CM/ECF login"

# --- 3. refusals ------------------------------------------------------------------------
# A peer of its own: these failures must not throttle the later sections.
as_uid 3001
# refused DESC EXIT MSG_REGEX REASON PACER PACER_PW CMECF CMECF_PW
refused() {
	local desc=$1 want=$2 msg=$3 reason=$4
	shift 4
	h_syslog_mark
	lnk "$2" "$4" --confirm "$1" "$3"
	t_is "$RC" "$want" "$desc: exit $want"
	t_like "$OUT" "$msg" "$desc: the user is told why"
	one_line "$desc" "pacer=\"$1\" cmecf=\"$3\" .*result=deny reason=$reason( |$)"
}
refused "CM/ECF already linked" 1 'already linked' cmecf_already_linked \
	punlinked 'Pat!pacer2' jdoe1 'whatever'
refused "PACER already linked" 1 'already linked to CM/ECF account jdoe1' pacer_already_linked \
	janedoe 'Jane!pacer1' rsmith 'Smith#legacy'
refused "wrong PACER password" 1 "$BADCRED" bad_pacer_password \
	punlinked 'wrong' cref1 'Cref1!pw'
m1=$OUT
refused "wrong CM/ECF password" 1 "$BADCRED" bad_cmecf_password \
	punlinked 'Pat!pacer2' cref1 'wrong'
m2=$OUT
refused "unknown CM/ECF login" 1 "$BADCRED" unknown_cmecf \
	punlinked 'Pat!pacer2' nosuchlogin 'whatever'
m3=$OUT
t_is "$m2" "$m1" "wrong CM/ECF and wrong PACER password read the same"
t_is "$m3" "$m1" "an unknown CM/ECF login reads the same as a wrong password"
as_uid 3002
refused "locked CM/ECF account" 1 "$BADCRED" cmecf_locked \
	punlinked 'Pat!pacer2' tlocked 'anything'
t_is "$(attr "uid=cref1,$H_CMECF_BASE" ecfLinkedPacer)$(attr "uid=tlocked,$H_CMECF_BASE" ecfLinkedPacer)" \
	"" "no refusal linked anything"
as_root

# Before go-live: a daemon of its own with court.golive in the future.
gconf=$(extra_conf golive GOLIVE=2099-01-01T00:00:00-06:00 MAIL_EXTRA="sendmail = \"$FAKE_SM $MAIL -t -oi\";")
start_extra "$gconf"
h_syslog_mark
lnk_s "$XSOCK" 'Pat!pacer2' 'Cref1!pw' --confirm punlinked cref1
t_is "$RC" 1 "before go-live: exit 1"
t_like "$OUT" 'Linking opens when the court goes live on January 1, 2099' "before go-live: says when"
one_line "before go-live" 'pacer="punlinked" cmecf="cref1" .*result=deny reason=before_golive'
h_stop_pid "$XPID"
t_is "$H_STOP_RC" 0 "the go-live daemon stops cleanly"

# --- 4. throttling ---------------------------------------------------------------------
as_uid 4001
h_syslog_mark
ok=0
for i in 1 2 3 4 5; do
	lnk 'Pthr1!pw' 'wrong' --confirm pthr1 cthr1
	[ "$RC" = 1 ] && ok=$((ok + 1))
done
log_sync
t_is "$ok $(nsince 'cmecf="cthr1" .*reason=bad_cmecf_password')" "5 5" \
	"five wrong CM/ECF passwords: five refusals logged as bad_cmecf_password"
# The CM/ECF login is locked out, whoever asks: another peer, the right password.
as_uid 4002
h_syslog_mark
lnk 'Pthr1!pw' 'Cthr1!pw' --confirm pthr1 cthr1
t_is "$RC" 1 "sixth attempt with the right password (another peer): refused"
t_is "$OUT" "$m1" "throttled reads the same as a wrong password"
one_line "throttled login" 'cmecf="cthr1" .*result=deny reason=throttled'
t_is "$(attr "uid=cthr1,$H_CMECF_BASE" ecfLinkedPacer)" "" "throttled: nothing linked"
# The peer has a budget across all logins (policy.peer_max_failures, 20):
# 15 more failures on logins that do not exist, then it is locked out too.
as_uid 4001
for i in $(seq 15); do
	lnk 'Pat!pacer2' 'x' --confirm punlinked "nosuch$i"
done
h_syslog_mark
lnk 'Pok!pw' 'Cok!pw' --confirm pok2 cok2
t_is "$RC" 1 "the throttled peer is refused for another, good pair"
one_line "throttled peer" 'pacer="pok2" cmecf="cok2" peer_uid=4001 .*reason=throttled'
# "Already linked" never counts: 6 of them on one login from one peer, and
# 3 more on another login, then a good link of that login from that peer.
as_uid 4003
h_syslog_mark
for i in 1 2 3 4 5 6; do
	lnk 'Jane!pacer1' 'wrong' --confirm janedoe cok1
done
for i in 1 2 3; do
	lnk 'Pat!pacer2' 'wrong' --confirm punlinked jdoe1
done
log_sync
t_is "$(nsince 'reason=pacer_already_linked') $(nsince 'reason=cmecf_already_linked')" "6 3" \
	"nine 'already linked' refusals logged as such"
h_syslog_mark
lnk 'Pok!pw' 'Cok!pw' pok1 cok1
t_is "$RC" 0 "after nine 'already linked' refusals the same peer links that login" || t_diag "$OUT"
t_unlike "$OUT" 'Do you want to link' "the same names: no confirmation asked"
one_line "exact names" 'pacer="pok1" cmecf="cok1" peer_uid=4003 names=exact txn=[0-9]+ result=ok reason=linked'
t_is "$(attr "uid=cok1,$H_CMECF_BASE" ecfLinkedPacer)" pok1 "cok1 is linked to pok1"
as_root

# --- 5. concurrency --------------------------------------------------------------------
# race NAME: waits for the background links writing $T/race.NAME.* and sets
# WINNERS (how many exited 0), LOSERS1 (exit 1 with an "already linked"
# message) and OTHERS (anything else, with its output).
race_collect() {
	local f rc p
	for p in "${RACE_PIDS[@]}"; do
		wait "$p"
	done
	RACE_PIDS=()
	WINNERS=0 LOSERS1=0 OTHERS=
	for f in "$T"/race."$1".*.rc; do
		rc=$(cat "$f")
		if [ "$rc" = 0 ]; then
			WINNERS=$((WINNERS + 1))
		elif [ "$rc" = 1 ] && grep -qE 'already linked|linked by another request' "${f%.rc}.out"; then
			LOSERS1=$((LOSERS1 + 1))
		else
			OTHERS+="$(basename "${f%.rc}"): exit $rc: $(cat "${f%.rc}.out")"$'\n'
		fi
	done
}
# race_one NAME SOCK UID PACER PACER_PW CMECF CMECF_PW: one background link.
# With RACE_GATE set, the secrets are written only once that file exists
# (ecflinkctl is started and waiting on its stdin by then): see race_go.
race_one() {
	local name=$1 sock=$2 uid=$3
	(
		{
			if [ -n "${RACE_GATE:-}" ]; then
				for _ in $(seq 1000); do
					[ -e "$RACE_GATE" ] && break
					sleep 0.005
				done
			fi
			printf '%s\n%s\n' "$5" "$7"
		} |
			setpriv --reuid="$uid" --regid="$uid" --clear-groups \
				"$CTL" -s "$sock" link --confirm "$4" "$6" >"$T/race.$name.out" 2>&1
		echo $? >"$T/race.$name.rc"
	) &
	RACE_PIDS+=("$!")
}
RACE_PIDS=()
# race_go: lets the gated racers go at once.
race_go() {
	sleep 0.2
	touch "$RACE_GATE"
}
h_syslog_mark
for i in 01 02 03 04 05 06 07 08; do
	race_one "cm.$i" "$H_SOCK" "50$i" "crp$i" 'Crp!pw' rsmith 'Smith#legacy'
done
race_collect cm
t_is "$WINNERS $LOSERS1" "1 7" "8 racing links of rsmith: one wins, seven are told 'already linked'" ||
	t_diag "$OTHERS"
t_is "$(attr "uid=rsmith,$H_CMECF_BASE" ecfLinkedPacer | wc -l)" 1 "rsmith holds exactly one ecfLinkedPacer"
t_is "$(h_ldapsearch_root -b "$H_CMECF_BASE" '(ecfLinkedPacer=crp*)' 1.1 | grep -c '^dn:')" 1 \
	"the directory holds exactly one link of the racing PACER accounts"
log_sync
t_is "$(nsince 'event=link .*cmecf="rsmith" .*result=ok')"\
" $(nsince 'event=link .*cmecf="rsmith" .*reason=cmecf_already_linked')" \
	"1 7" "the log has one ok and seven cmecf_already_linked lines"

h_syslog_mark
for i in 01 02 03 04 05 06 07 08; do
	race_one "pa.$i" "$H_SOCK" "51$i" pone 'Pone!pw' "cme$i" 'Cme!pw'
done
race_collect pa
t_is "$WINNERS $LOSERS1" "1 7" "8 racing links of PACER pone: one wins, seven are told 'already linked'" ||
	t_diag "$OTHERS"
t_is "$(h_ldapsearch_root -b "$H_CMECF_BASE" '(ecfLinkedPacer=pone)' 1.1 | grep -c '^dn:')" 1 \
	"the directory holds exactly one link of pone"
log_sync
t_is "$(nsince 'event=link .*pacer="pone" .*result=ok')"\
" $(nsince 'event=link .*pacer="pone" .*reason=pacer_already_linked')" \
	"1 7" "the log has one ok and seven pacer_already_linked lines"

# Two daemons on one slapd: only slapo-unique (serialize) can stop two
# links of one PACER account to two CM/ECF entries.
xconf=$(extra_conf second MAIL_EXTRA="sendmail = \"$FAKE_SM $T/mail2 -t -oi\";")
start_extra "$xconf"
h_syslog_mark
bad= wins=0
for i in 01 02 03 04 05 06 07 08 09 10; do
	RACE_GATE=$T/gate.x$i
	race_one "x$i.a" "$H_SOCK" "52$i" "xp$i" 'Xp!pw' "xa$i" 'Xc!pw'
	race_one "x$i.b" "$XSOCK" "53$i" "xp$i" 'Xp!pw' "xb$i" 'Xc!pw'
	race_go
	race_collect "x$i"
	n=$(h_ldapsearch_root -b "$H_CMECF_BASE" "(ecfLinkedPacer=xp$i)" 1.1 | grep -c '^dn:')
	[ "$WINNERS $LOSERS1 $n" = "1 1 1" ] ||
		bad+="round $i: winners $WINNERS, refused $LOSERS1, links $n; $OTHERS"$'\n'
done
RACE_GATE=
t_is "$bad" "" "two daemons racing one PACER account, 10 rounds: always exactly one link"
# The guard itself, deterministically: slapo-unique refuses a second
# CM/ECF entry naming a PACER login that one already holds.
loser=xa01
[ "$(attr "uid=xa01,$H_CMECF_BASE" ecfLinkedPacer)" = xp01 ] && loser=xb01
out=$(printf 'dn: uid=%s,%s\nchangetype: modify\nadd: ecfLinkedPacer\necfLinkedPacer: xp01\n' \
	"$loser" "$H_CMECF_BASE" | ldapmodify -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW" 2>&1) && rc=0 || rc=$?
t_like "$rc $out" '^19 .*Constraint violation' "slapo-unique refuses a second entry linked to one PACER login"
log_sync
xl='pacer="xp[0-9]+" .*reason=pacer_already_linked'
t_diag "cross-daemon losers refused by slapo-unique at the Modify:" \
	"$(nsince "event=link phase=commit $xl .*Constraint violation"), by the write-side search:" \
	"$(since "event=link phase=commit $xl" | grep -vc detail=), at prepare:" \
	"$(nsince "event=link phase=prepare $xl")"
h_stop_pid "$XPID"
t_is "$H_STOP_RC" 0 "the second daemon stops cleanly"

# --- 6b. sendmail failing, then a restart ----------------------------------------------
# lnk_txn: the Transaction ID in OUT.
lnk_txn() { printf '%s\n' "$OUT" | sed -n 's/^Transaction ID: //p'; }
before=$(mail_count)
touch "$MAIL.fail"
h_syslog_mark
lnk 'Pm!pw' 'Cm!pw' --confirm pm1 cm1
t_is "$RC" 0 "link while sendmail fails: still linked"
tx1=$(lnk_txn)
wait_for "event=mail txn=$tx1 .*result=retry" 1 || true
t_like "$(since "event=mail txn=$tx1 ")" "result=retry" "sendmail failing: logged result=retry"
t_ok "the notice stays in ready/" test -e "$T/spool/ready/$tx1.msg"
cp "$T/spool/ready/$tx1.msg" "$T/saved.msg" 2>/dev/null
rm -f "$MAIL.fail"
h_syslog_mark
h_daemon_stop
t_is "$H_DAEMON_RC" 0 "ecflinkd stops cleanly"
log_sync
t_is "$(nsince 'phase=prepare .*reason=daemon_stopped')" 0 \
	"no preparation was left behind for the stop to log"
h_daemon_start "$conf"
wait_for "event=mail txn=$tx1 .*result=sent" 1 || true
t_is "$(txn_mails "$tx1")" 1 "after the restart the notice is delivered, once"
t_is "$(ls "$T/spool/ready" | wc -l)" 0 "ready/ is empty again"

# --- 6c. SIGKILL after the commit ----------------------------------------------------------
touch "$MAIL.fail"
lnk 'Pm!pw' 'Cm!pw' --confirm pm2 cm2
t_is "$RC" 0 "second link while sendmail fails"
tx2=$(lnk_txn)
kill -KILL "$ECFLINKD_PID"
wait "$ECFLINKD_PID" 2>/dev/null
h_forget "$ECFLINKD_PID"
ECFLINKD_PID=
t_is "$(txn_mails "$tx2")" 0 "killed before any delivery"
rm -f "$MAIL.fail"
rm -f "$H_SOCK"
h_syslog_mark
h_daemon_start "$conf"
wait_for "event=mail txn=$tx2 .*result=sent" 1 || true
sleep 0.3
t_is "$(txn_mails "$tx2")" 1 "after SIGKILL and a restart the notice is delivered, exactly once"

# --- 6d. reconciling pending/ at start -------------------------------------------------------
touch "$MAIL.fail"
lnk 'Pm!pw' 'Cm!pw' --confirm pm3 cm3
t_is "$RC" 0 "third link while sendmail fails"
tx3=$(lnk_txn)
h_daemon_stop
# As if ecflinkd had died between the Modify and marking the notice ready.
mv "$T/spool/ready/$tx3.msg" "$T/spool/pending/$tx3.msg"
# A notice whose link never happened (the same format, another number).
sed "s/\b$tx1\b/99999/g" "$T/saved.msg" >"$T/spool/pending/99999.msg"
t_like "$(cat "$T/spool/pending/99999.msg")" '^Transaction ID: 99999$' "a fake pending notice for txn 99999"
rm -f "$MAIL.fail"
h_syslog_mark
h_daemon_start "$conf"
wait_for "event=mail txn=$tx3 .*result=sent" 1 || true
log_sync
t_like "$(since 'event=mail txn=99999 ')" 'result=dropped reason=link_not_made' \
	"a pending notice with no link is dropped: link_not_made"
t_is "$(txn_mails 99999)" 0 "the dropped notice is not sent"
t_is "$(txn_mails "$tx3")" 1 "a pending notice whose link exists is sent, once"
t_is "$(ls "$T/spool/pending" "$T/spool/ready" | grep -c '\.msg$')" 0 "pending/ and ready/ are empty"

# --- 8. unlink ----------------------------------------------------------------------------------
ctl unlink rsmith
t_is "$RC" 2 "unlink without --reason: usage, exit 2"
as_uid 65534
ctl unlink --reason "test" rsmith
t_is "$RC" 1 "unlink by a non-admin: exit 1"
t_like "$OUT" 'permission denied' "unlink by a non-admin: permission denied"
as_root
t_is "$(attr "uid=rsmith,$H_CMECF_BASE" ecfLinkedPacer | wc -l)" 1 "rsmith is still linked"
h_syslog_mark
ctl unlink --reason "attorney asked, ticket 42" rsmith
t_is "$RC" 0 "unlink --reason: exit 0"
log_sync
t_is "$(nsince 'event=unlink ')" 1 "one event=unlink line"
t_like "$(since 'event=unlink ')" \
	'admin_uid=0 cmecf="rsmith" pacer="crp[0-9]+" txn=[0-9]+ note="attorney asked, ticket 42" result=ok reason=unlinked' \
	"the unlink line names admin, logins, transaction and the reason"
ctl show rsmith
t_like "$OUT" 'rsmith \(Robert Smith\): not linked' "show: rsmith is not linked any more"
h_syslog_mark
pam ecf-legacy rsmith 'Smith#legacy' auth
t_is "$(code auth)" PAM_AUTH_ERR "PAM: the unlinked legacy login stays refused"
log_sync
t_like "$(since 'event=auth ')" 'user="rsmith".*result=deny reason=locked' "PAM: logged as locked"

# --- 7. reset codes -----------------------------------------------------------------------------
as_uid 65534
ctl reset-link-code rsmith
t_is "$RC" 1 "reset-link-code by a non-admin: exit 1"
t_like "$OUT" 'permission denied' "reset-link-code by a non-admin: permission denied"
as_root
h_syslog_mark
TZ=UTC ctl reset-link-code rsmith
t_is "$RC" 0 "reset-link-code: exit 0"
t_like "$OUT" 'valid until [0-9/]{10} [0-9:]{8} C[SD]T' \
	"run under TZ=UTC, reset-link-code shows the expiry in the court's zone"
code1=$(printf '%s\n' "$OUT" | tail -n 1)
t_like "$code1" '^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$' "the code is alone on the last line"
log_sync
t_like "$(since 'event=reset_link_code ')" 'admin_uid=0 cmecf="rsmith" expires=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}-0[56]:00 result=ok reason=issued' \
	"the issue is logged, its expiry in ISO 8601 with the court's offset"
low=$(printf '%s' "$code1" | tr -d - | tr 'A-Z' 'a-z')
h_syslog_mark
lnk 'Pat!pacer2' "$low" --reset-code --confirm punlinked rsmith
t_is "$RC" 0 "the code (lower case, no dashes) links punlinked to rsmith" || t_diag "$OUT"
one_line "link with a reset code" 'pacer="punlinked" cmecf="rsmith" .*result=ok'
t_is "$(attr "uid=rsmith,$H_CMECF_BASE" ecfLinkSecret | wc -l)" 0 \
	"the link spends the code (ecfLinkSecret gone)"
ctl unlink --reason "linked the wrong account" rsmith
t_is "$RC" 0 "unlink again"
h_syslog_mark
lnk 'Pat!pacer2' "$code1" --reset-code --confirm punlinked rsmith
t_is "$RC" 1 "a spent code is refused"
t_like "$OUT" "$BADCRED" "a spent code reads like a wrong password"
one_line "spent code" 'cmecf="rsmith" .*result=deny reason=(bad_reset_code|no_reset_code)'

ctl reset-link-code --ttl 72h rsmith
code2=$(printf '%s\n' "$OUT" | tail -n 1)
t_like "$code2" '^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$' "a second code is issued"
printf 'dn: uid=rsmith,%s\nchangetype: modify\nreplace: %s\n%s: 20200101000000Z\n' \
	"$H_CMECF_BASE" ecfLinkSecretExpires ecfLinkSecretExpires | h_ldapmodify >/dev/null
h_syslog_mark
lnk 'Pat!pacer2' "$code2" --reset-code --confirm punlinked rsmith
t_is "$RC" 1 "an expired code is refused"
one_line "expired code" 'cmecf="rsmith" .*result=deny reason=expired_reset_code'

ctl reset-link-code jdoe1
t_is "$RC" 1 "no reset code for a linked account: exit 1"
t_like "$OUT" 'already linked to PACER janedoe' "the clerk is told it is linked"
ctl reset-link-code cpam1
code3=$(printf '%s\n' "$OUT" | tail -n 1)
h_syslog_mark
lnk 'Pat!pacer2' 'AAAAA-BBBBB-CCCCC-DDDDD' --reset-code --confirm punlinked cpam1
t_is "$RC" 1 "a wrong reset code is refused"
one_line "wrong code" 'cmecf="cpam1" .*result=deny reason=bad_reset_code'
h_syslog_mark
pam ecf-legacy cpam1 "$code3" auth
t_is "$(code auth)" PAM_AUTH_ERR "PAM: a reset code is not a login password"
log_sync
t_like "$(since 'event=auth ')" 'user="cpam1".*result=deny reason=bad_password' "PAM: logged as bad_password"
pam ecf-legacy cpam1 "$(printf '%s' "$code3" | tr -d -)" auth
t_is "$(code auth)" PAM_AUTH_ERR "PAM: nor is it without its dashes"
pam ecf-legacy cpam1 'Cpam1!pw' auth
t_is "$(code auth)" PAM_SUCCESS "PAM: the account's own password still works"

leaks=0
for c in "$code1" "$code2" "$code3"; do
	[ -n "$c" ] || continue
	for form in "$c" "$(printf '%s' "$c" | tr -d -)" "$(printf '%s' "$c" | tr -d - | tr 'A-Z' 'a-z')"; do
		leaks=$((leaks + $(grep -ciF -- "$form" "$H_SYSLOG" || true)))
	done
done
t_is "$leaks" 0 "no reset code appears anywhere in syslog"

h_daemon_stop
t_is "$H_DAEMON_RC" 0 "ecflinkd exits cleanly (no sanitizer report)"
t_done
