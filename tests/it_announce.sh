#!/bin/bash
# it_announce.sh - the seed's texts against the real slapd, the real
# ecflinkd, a real syslog socket and the real libpam: the go-live
# announcement (`ecflinkctl announce`: refused before go-live and without
# court.link_url; one mail per unlinked CM/ECF account with a mail
# address; run twice, nobody is told twice; --again; mail.rate_per_min;
# a crash between spool and directory settled at the next start), the
# refusal to link from a PACER account that is not upgraded and its count
# in `report`, and the shipped redaction notice and acknowledgement
# through PAM with the version the log records.
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

# --- accounts --------------------------------------------------------------------
# cmecf LOGIN CN PASSWORD [MAIL [EXTRA-LINE]]: LDIF of one CM/ECF entry.
cmecf() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$H_CMECF_BASE"
	printf 'objectClass: ecfAccount\nuid: %s\ncn: %s\nsn: %s\n' "$1" "$2" "${2##* }"
	printf 'userPassword: %s\necfRole: attorney\n' "$3"
	[ -z "${4:-}" ] || printf 'mail: %s\n' "$4"
	[ -z "${5:-}" ] || printf '%b\n' "$5"
	printf '\n'
}
# pacer LOGIN CN PASSWORD ACCOUNT [EXTRA-LINE]
pacer() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$H_PACER_BASE"
	printf 'objectClass: pacerAccount\nuid: %s\ncn: %s\nsn: %s\n' "$1" "$2" "${2##* }"
	printf 'mail: %s@example.org\npacerAccountNumber: %s\nuserPassword: %s\n' "$1" "$4" "$3"
	[ -z "${5:-}" ] || printf '%s\n' "$5"
	printf '\n'
}
{
	for i in 1 2 3 4; do
		cmecf "ann$i" "Anna Nounce$i" 'Ann!pw' "ann$i@example.org"
	done
	# Linked already: never told.
	cmecf ann5 "Anna Linked" 'x' "ann5@example.org" \
		'ecfLinkedPacer: janedoe2\necfLinkTime: 20151102150405Z\necfLinkTransaction: 998'
	# A mail value no message may go to.
	cmecf annbad "Anna Bad" 'Ann!pw' "ann bad@example.org"
	pacer pnu1 "Nora Upgrade" 'Pnu1!pw' 4480001 'pacerUpgraded: FALSE'
	cmecf cnu1 "Nora Upgrade" 'Cnu1!pw'
	pacer pup1 "Uma Upgraded" 'Pup1!pw' 4480002 'pacerUpgraded: TRUE'
	cmecf cup1 "Uma Upgraded" 'Cup1!pw'
} >"$T/more.ldif"
h_ldapmodify -f "$T/more.ldif" >"$T/more.log" 2>&1 || h_bail "adding test accounts failed" "$T/more.log"
# Unlinked CM/ECF accounts without a usable address: the fixture's
# tattorney03, rsmith, tlocked, clerk1, and cnu1, cup1, annbad.
NO_ADDRESS=7

MAIL=$T/mail
URL=https://ecf.iasb.uscourts.example/cgi-bin/link
CONF=$T/ecflink.conf
# conf GOLIVE RATE [LINK_URL]: (re)writes $CONF.
conf() {
	local extra=
	[ -z "${3:-}" ] || extra="link_url = \"$3\";"
	h_config CONF="$CONF" GOLIVE="$1" COURT_EXTRA="$extra" \
		MAIL_EXTRA="sendmail = \"$FAKE_SM $MAIL -t -oi\"; rate_per_min = $2;" >/dev/null
}

ctl() { OUT=$("$CTL" -s "$H_SOCK" "$@" 2>&1) && RC=0 || RC=$?; }
H_SYNC=0
log_sync() {
	H_SYNC=$((H_SYNC + 1))
	logger -u /dev/log -t it_announce "sync-$H_SYNC" 2>/dev/null
	h_syslog_wait "it_announce.*sync-$H_SYNC\$" 1 || t_diag "syslog marker sync-$H_SYNC not seen"
}
since() { h_syslog_since | grep -E -- "$1"; }
nsince() { h_syslog_since | grep -cE -- "$1"; }
attr() {
	h_ldapsearch_root -b "$1" -s base "(objectClass=*)" "$2" | sed -n "s/^$2: //p"
}
mail_count() { grep -c '^From fakesendmail' "$MAIL" 2>/dev/null || true; }
# mails_to ADDR: delivered messages addressed to ADDR.
mails_to() { grep -c "^To: $1\$" "$MAIL" 2>/dev/null || true; }
mail_wait() {
	local i
	for i in $(seq 100); do
		[ "$(mail_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
queued() { ls "$T/spool/$1" 2>/dev/null | grep -c '\.msg$' || true; }
reload() {
	h_syslog_mark
	kill -HUP "$ECFLINKD_PID"
	h_syslog_wait_since 'event=reload .*result=ok' 1 || t_diag "no event=reload result=ok"
}

# --- 1. before go-live, and without court.link_url --------------------------------
conf 2099-01-01T00:00:00-06:00 100 "$URL"
h_daemon_start "$CONF"
h_syslog_mark
ctl announce
t_is "$RC" 1 "before go-live: announce exits 1"
t_like "$OUT" 'not live yet \(go-live: January 1, 2099' "before go-live: it says the court is not live yet"
t_unlike "$OUT" 'spooled' "before go-live: no count of a run that never started"
log_sync
t_like "$(since 'event=announce ')" 'event=announce admin_uid=0 again=no told=0 already=0 no_address=0 raced=0 more=no result=deny reason=before_golive' \
	"before go-live: one event=announce line, reason=before_golive"
t_is "$(queued pending)$(queued announce)" 00 "before go-live: nothing spooled"

conf 2015-11-01T00:00:00-06:00 2
reload
h_syslog_mark
ctl announce
t_is "$RC" 1 "without court.link_url: announce exits 1"
t_like "$OUT" 'court.link_url is not set' "without court.link_url: it names the key"
log_sync
t_like "$(since 'event=announce ')" 'result=deny reason=no_link_url' \
	"without court.link_url: logged reason=no_link_url"

setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$H_SOCK" announce \
	>"$T/nobody.out" 2>&1 && RC=0 || RC=$?
t_is "$RC" 1 "a user outside socket.admin_group: refused"
t_like "$(cat "$T/nobody.out")" 'needs root or socket.admin_group' \
	"a user outside socket.admin_group is told who may"

# --- 2. the announcement, at most 2 a minute ---------------------------------------
conf 2015-11-01T00:00:00-06:00 2 "$URL"
reload
h_syslog_mark
ctl announce
t_is "$RC" 0 "announce exits 0"
t_like "$OUT" '^4 announcements spooled' "announce: 4 spooled (ann1..ann4)"
t_like "$OUT" "^$NO_ADDRESS unlinked accounts without a usable mail address skipped\$" \
	"announce: $NO_ADDRESS accounts without a usable address counted"
log_sync
l=$(since 'event=announce ')
t_is "$(printf '%s\n' "$l" | grep -c .)" 1 "announce: one event=announce line"
t_like "$l" "again=no told=4 already=0 no_address=$NO_ADDRESS raced=0 more=no txns=[0-9]+-[0-9]+ result=ok reason=done ms=" \
	"announce: the line counts told, skipped and the transactions"
declare -A TOLD
for i in 1 2 3 4; do
	TOLD[$i]=$(attr "uid=ann$i,$H_CMECF_BASE" ecfAnnounced)
	t_like "${TOLD[$i]}" '^[0-9]+$' "ann$i carries ecfAnnounced (its Transaction ID)"
done
t_is "$(printf '%s\n' "${TOLD[@]}" | sort -u | wc -l)" 4 "each announcement has its own Transaction ID"
t_is "$(attr "uid=ann5,$H_CMECF_BASE" ecfAnnounced)" "" "a linked account is not told"
t_is "$(attr "uid=annbad,$H_CMECF_BASE" ecfAnnounced)" "" "an account with an unusable address is not marked"
mail_wait 2 || true
sleep 2
t_is "$(mail_count)" 2 "mail.rate_per_min = 2: two are sent at once, and no more within 2 s"
t_is "$(queued announce)" 2 "the other two wait in announce/"
t_is "$(queued pending)" 0 "nothing is left pending"
log_sync
t_is "$(nsince 'event=mail txn=[0-9]+ to="ann[1-4]@example.org" tries=1 result=sent reason=accepted')" 2 \
	"two event=mail result=sent lines"
first=$(sed -n '/^From fakesendmail/,/^From fakesendmail/p' "$MAIL" | sed '$d')
[ -n "$first" ] || first=$(cat "$MAIL")
t_like "$first" '^Subject: Linking is open: SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT$' \
	"the announcement's subject names the court"
t_like "$first" '^Message-ID: <ecflink\.announce\.[0-9]+\.[0-9]+@' "its Message-ID names the announcement"
t_like "$first" 'is now live on NextGen CM/ECF, and linking is open\.$' "it says linking is open"
t_like "$first" "^   $URL\$" "it gives the court's linking page"
t_like "$first" '^3\. Choose Utilities > NextGen Release 1\.1 Menu Items > Link a CM/ECF$' \
	"it gives the steps"
t_like "$first" 'link your CM/ECF account ann[1-4] to your$' "it names the CM/ECF login to link"

# --- 3. twice: nobody is told twice ---------------------------------------------------
h_syslog_mark
ctl announce
t_is "$RC" 0 "announce again: exits 0"
t_like "$OUT" '^0 announcements spooled' "announce again: nothing spooled"
t_like "$OUT" '^4 accounts told before skipped \(--again tells them again\)$' \
	"announce again: the 4 told before are skipped, and it says how to tell them again"
log_sync
t_like "$(since 'event=announce ')" 'told=0 already=4 .*result=ok reason=done' \
	"announce again: logged told=0 already=4"
for i in 1 2 3 4; do
	t_is "$(attr "uid=ann$i,$H_CMECF_BASE" ecfAnnounced)" "${TOLD[$i]}" \
		"announce again: ann$i's ecfAnnounced is unchanged"
done
t_is "$(queued announce)$(queued pending)" 20 "announce again: nothing new in the spool"

# A restart keeps the waiting two; a higher rate lets them out.
h_daemon_stop
conf 2015-11-01T00:00:00-06:00 100 "$URL"
h_daemon_start "$CONF"
if mail_wait 4; then
	t_pass "after a restart the two waiting announcements are sent"
else
	t_fail "after a restart the two waiting announcements are sent" "$(tail -n 5 "$H_SYSLOG")"
fi
for i in 1 2 3 4; do
	t_is "$(mails_to "ann$i@example.org")" 1 "ann$i got exactly one announcement"
done

# --- 4. --again ------------------------------------------------------------------------
h_syslog_mark
ctl announce --again
t_is "$RC" 0 "announce --again exits 0"
t_like "$OUT" '^4 announcements spooled' "announce --again: the 4 are told again"
mail_wait 8 || true
for i in 1 2 3 4; do
	n=$(attr "uid=ann$i,$H_CMECF_BASE" ecfAnnounced)
	if [ "$n" -gt "${TOLD[$i]}" ]; then
		t_pass "announce --again: ann$i's ecfAnnounced moved on ($n)"
	else
		t_fail "announce --again: ann$i's ecfAnnounced moved on" "was ${TOLD[$i]}, now $n"
	fi
	t_is "$(mails_to "ann$i@example.org")" 2 "announce --again: ann$i got its second one, once"
done
t_is "$(mails_to "ann5@example.org")" 0 "the linked account was never told"

# --- 5. a crash between the spool and the directory -------------------------------------
# Transaction 88888: the entry carries it (the Modify was made, the move to
# announce/ was not); 77777: no entry does (the Modify never happened).
h_daemon_stop
h_ldapmodify >"$T/crash.log" 2>&1 <<LDIF || t_diag "setting ecfAnnounced by hand failed: $(cat "$T/crash.log")"
dn: uid=ann1,$H_CMECF_BASE
changetype: modify
replace: ecfAnnounced
ecfAnnounced: 88888
LDIF
for n in 88888 77777; do
	printf 'From: ecflink@localhost\nTo: crash%s@example.org\nSubject: x\n\nx\n' "$n" \
		>"$T/spool/pending/$n.msg"
done
h_syslog_mark
h_daemon_start "$CONF"
h_syslog_wait_since 'event=mail txn=88888 .*result=sent' 1 || true
log_sync
t_like "$(since 'event=mail txn=88888 ')" 'result=sent' \
	"a pending announcement whose entry carries it is sent after the restart"
t_like "$(since 'event=mail txn=77777 ')" 'result=dropped reason=link_not_made' \
	"a pending announcement no entry carries is dropped"
t_is "$(mails_to crash77777@example.org)" 0 "the dropped one is not sent"
t_is "$(mails_to crash88888@example.org)" 1 "the settled one is sent once"

# --- 6. a PACER account that is not upgraded --------------------------------------------
lnk() {
	local p1=$1 p2=$2
	shift 2
	OUT=$(printf '%s\n%s\n' "$p1" "$p2" | "$CTL" -s "$H_SOCK" link "$@" 2>&1) && RC=0 || RC=$?
}
h_syslog_mark
lnk 'wrong' 'Cnu1!pw' pnu1 cnu1
t_is "$RC" 1 "not upgraded, wrong PACER password: refused"
t_unlike "$OUT" 'upgrade' "not upgraded, wrong PACER password: nothing said about upgrading"
lnk 'Pnu1!pw' 'Cnu1!pw' pnu1 cnu1
t_is "$RC" 1 "not upgraded: link exits 1"
t_like "$OUT" 'upgrade your PACER account at pacer\.gov first' \
	"not upgraded: told to upgrade at pacer.gov first"
log_sync
t_like "$(since 'event=link .*pacer="pnu1"' | tail -n 1)" \
	'phase=prepare pacer="pnu1" cmecf="cnu1" peer_uid=0 result=deny reason=pacer_not_upgraded' \
	"not upgraded: logged reason=pacer_not_upgraded"
t_is "$(attr "uid=cnu1,$H_CMECF_BASE" ecfLinkedPacer)" "" "not upgraded: nothing linked"
lnk 'Pup1!pw' 'Cup1!pw' pup1 cup1
t_is "$RC" 0 "pacerUpgraded: TRUE links"
t_is "$(attr "uid=cup1,$H_CMECF_BASE" ecfLinkedPacer)" pup1 "pacerUpgraded: TRUE: linked"

OUT=$("$CTL" -s "$H_SOCK" -T 30000 report 2>&1) && RC=0 || RC=$?
t_is "$RC" 0 "report exits 0"
t_is "$(printf '%s\n' "$OUT" | grep '^  not upgraded')" "$(printf '%-24s%8s' '  not upgraded' 1)" \
	"report counts the one PACER account not upgraded"
OUT=$("$CTL" -s "$H_SOCK" -T 30000 report --json 2>&1) && RC=0 || RC=$?
t_like "$OUT" '"pacer":\{[^}]*"not_upgraded":1\}' "report --json: not_upgraded 1"

# --- 7. the redaction notice and its acknowledgement, through PAM ----------------------
mkdir -p "$T/pam.d"
echo "account required $MOD realm=pacer redaction socket=$H_SOCK" >"$T/pam.d/ecf-red"
t_is "$H_NOTICE" "$ECF_SRC/etc/redaction-notice.txt" "the daemon reads the shipped notice"
t_like "$(cat "$H_NOTICE")" 'and in criminal cases, home addresses,' \
	"the shipped notice names home addresses in criminal cases"
t_like "$(cat "$H_NOTICE")" '^This requirement applies to all documents, including attachments\.$' \
	"the shipped notice applies to all documents, including attachments"
h_syslog_mark
OUT=$("$DRIVE" -C "$T/pam.d" -s ecf-red -u janedoe -a y account 2>&1) && RC=0 || RC=$?
t_like "$OUT" '^account: PAM_SUCCESS' "PAM: the notice acknowledged, the account phase passes"
t_is "$(printf '%s\n' "$OUT" | sed -n 's/^conv PROMPT_ECHO_ON: //p')" \
	"I understand that, if I file, I must comply with the redaction rules. I have read this notice. [y/N] " \
	"PAM: the acknowledgement is the procedure's sentence"
printf '%s\n' "$OUT" | sed -n 's/^conv TEXT_INFO: //p' |
	while IFS= read -r l; do printf '%b\n' "${l//%/%%}"; done >"$T/shown.txt"
if cmp -s "$T/shown.txt" "$H_NOTICE"; then
	t_pass "PAM: the text shown is the shipped notice, whole"
else
	t_fail "PAM: the text shown is the shipped notice, whole" "$(diff "$T/shown.txt" "$H_NOTICE" | head)"
fi
ver="sha256:$(sha256sum "$H_NOTICE" | cut -d' ' -f1)"
h_syslog_wait_since 'event=redaction ' 1 || true
t_like "$(since 'event=redaction ')" "user=\"janedoe\" .*notice=$ver result=accepted" \
	"the acknowledgement is logged with the notice's version ($ver)"

h_daemon_stop
t_is "$H_DAEMON_RC" 0 "ecflinkd stops cleanly"
t_done
