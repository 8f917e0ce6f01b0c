#!/bin/bash
# it_trust.sh - the socket's trust boundary (issue 11) against the real
# slapd, ecflinkd, libpam and syslog, with the attacks run as real
# unprivileged uids (setpriv): what "other" local users are told and may
# claim, the throttle keys (Unicode spellings, made-up PACER logins,
# spraying), the default for unlinked legacy logins, a PACER account
# without mail, and floods while root logs in.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

# The unprivileged processes must reach the binaries they run: a tree
# cloned under /root (0700) is not reachable, so they are copied into $T.
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$ECF_BUILD/ecflinkctl"; then
	mkdir -p "$T/build"
	cp -a "$ECF_BUILD/ecflinkctl" "$ECF_BUILD/pam_ecflink.so" "$ECF_BUILD/ecflinkd" \
		"$ECF_BUILD/ecflink-mta" "$ECF_BUILD/tools" "$T/build/" || h_bail "cannot copy the binaries into $T/build"
	chmod -R a+rX "$T/build"
	t_diag "uid 65534 cannot reach $ECF_BUILD: the binaries run from a copy in $T/build"
	ECF_BUILD=$T/build
fi
CTL=$ECF_BUILD/ecflinkctl
MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
ASK=$ECF_BUILD/tools/askd
for f in "$CTL" "$MOD" "$DRIVE" "$ASK" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
command -v setpriv >/dev/null || h_bail "setpriv (util-linux) is needed to act as other uids"
command -v logger >/dev/null || h_bail "logger (bsdutils) is needed to sync the syslog"
# The unprivileged processes must reach them and $T.
for d in "$ECF_BUILD" "$T"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$d" ||
		h_bail "uid 65534 cannot reach $d; run the tests from a world-searchable tree"
done

h_syslog_start
h_slapd_start

# --- accounts ---------------------------------------------------------------------
pacer() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$H_PACER_BASE"
	printf 'objectClass: pacerAccount\nuid: %s\ncn: %s\nsn: %s\n' "$1" "$2" "${2##* }"
	[ "${4:-}" = nomail ] || printf 'mail: %s@example.org\n' "$1"
	printf 'pacerAccountNumber: 99%s\nuserPassword: %s\n\n' "${#1}$RANDOM" "$3"
}
cmecf() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$H_CMECF_BASE"
	printf 'objectClass: ecfAccount\nuid: %s\ncn: %s\nsn: %s\n' "$1" "$2" "${2##* }"
	printf 'userPassword: %s\necfRole: attorney\n\n' "$3"
}
{
	for i in $(seq -w 1 30); do
		pacer "sp$i" "Sam Spray" 'Sp!pw'
	done
	pacer pnomail "Nora Nomail" 'Pnm!pw' nomail
	cmecf cnomail "Nora Nomail" 'Cnm!pw'
	pacer pvict "Victor Victim" 'Pv!pw'
	cmecf cvict "Victor Victim" 'Cv!pw'
	# A cn that would turn a terminal red and clear it.
	printf 'dn: uid=cesc,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$H_CMECF_BASE"
	printf 'objectClass: ecfAccount\nuid: cesc\nsn: Esc\ncn:: %s\n' \
		"$(printf 'Eve \033[31mRed\033[2J' | base64 -w0)"
	printf 'userPassword: Cesc!pw\necfRole: attorney\n\n'
} >"$T/more.ldif"
h_ldapmodify -f "$T/more.ldif" >"$T/more.log" 2>&1 || h_bail "adding test accounts failed" "$T/more.log"

# The harness writes unlinked_legacy = "allow"; this daemon runs on the default.
conf=$(h_config)
sed -i 's/unlinked_legacy = "allow"; //' "$conf"
grep -q unlinked_legacy "$conf" && h_bail "could not drop unlinked_legacy from $conf"
h_daemon_start "$conf"
PRIV=${H_SOCK%.sock}-private.sock
mkdir -p "$T/pam.d"
chmod 0755 "$T/pam.d"
cat >"$T/pam.d/ecf-legacy" <<EOF
auth    required $MOD realm=cmecf authenticate socket=$H_SOCK
account required $MOD realm=cmecf socket=$H_SOCK
EOF
cat >"$T/pam.d/ecf-efile" <<EOF
auth    required $MOD realm=pacer authenticate socket=$H_SOCK
account required $MOD realm=pacer socket=$H_SOCK
EOF

# --- helpers ------------------------------------------------------------------------
H_SYNC=0
log_sync() {
	H_SYNC=$((H_SYNC + 1))
	logger -u /dev/log -t it_trust "sync-$H_SYNC" 2>/dev/null
	h_syslog_wait "it_trust.*sync-$H_SYNC\$" 1 || t_diag "syslog marker sync-$H_SYNC not seen"
}
since() { h_syslog_since | grep -E -- "$1"; }
nsince() { h_syslog_since | grep -cE -- "$1"; }

# as UID CMD...: runs CMD as an unprivileged uid with no groups.
as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}
# ask UID ARGS...: askd as UID (0: root) against the public socket; sets OUT.
ask() {
	local uid=$1
	shift
	if [ "$uid" = 0 ]; then
		OUT=$("$ASK" "$@" 2>&1)
	else
		OUT=$(as "$uid" "$ASK" "$@" 2>&1)
	fi
}
field() { printf '%s\n' "$OUT" | sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" | head -n 1; }
# lnk UID PACER_PW CMECF_PW ARG...: ecflinkctl link as UID; sets OUT and RC.
lnk() {
	local uid=$1 p1=$2 p2=$3 pre=()
	shift 3
	[ "$uid" = 0 ] || pre=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
	OUT=$(printf '%s\n%s\n' "$p1" "$p2" | "${pre[@]}" "$CTL" -s "$H_SOCK" link "$@" 2>&1) &&
		RC=0 || RC=$?
}
attr() {
	h_ldapsearch_root -b "$1" -s base "(objectClass=*)" "$2" | sed -n "s/^$2: //p"
}

# --- ecflinkd -t and the bind password file -----------------------------------------
cp -p "$T/ldap.secret" "$T/ldap.secret.good"
chmod 0660 "$T/ldap.secret"
OUT=$("$ECF_BUILD/ecflinkd" -t -f "$conf" 2>&1) && RC=0 || RC=$?
t_is "$RC" 1 "ecflinkd -t rejects a group-writable password file"
t_like "$OUT" "ldap.bind_password_file: $T/ldap.secret has mode 0660, so its group can change" \
	"and says why"
chmod 0640 "$T/ldap.secret"
chgrp nogroup "$T/ldap.secret"
OUT=$("$ECF_BUILD/ecflinkd" -t -f "$conf" 2>&1) && RC=0 || RC=$?
t_is "$RC" 1 "ecflinkd -t rejects a password file in a foreign group"
t_like "$OUT" "is in group [0-9]+, not root's or the daemon's" "and says why"
cp -p "$T/ldap.secret.good" "$T/ldap.secret"
t_ok "the root-owned 0600 file passes" "$ECF_BUILD/ecflinkd" -t -f "$conf"

# --- ecflinkctl escapes what it prints from LDAP ------------------------------------------
OUT=$("$CTL" -s "$H_SOCK" show cesc 2>&1)
t_like "$OUT" 'cesc \(Eve \\x1b\[31mRed\\x1b\[2J\)' "show: a cn with escape sequences is printed escaped"
t_is "$(printf '%s' "$OUT" | tr -d -c '\033' | wc -c)" 0 "show: no raw ESC byte reaches the terminal"

# --- the private socket -------------------------------------------------------------
t_is "$(stat -c %a "$H_SOCK") $(stat -c %a "$PRIV")" "666 660" \
	"the public socket is 0666, the private one beside it 0660"
t_ok "root reaches the private socket" "$CTL" -s "$PRIV" ping
t_nok "another uid cannot open the private socket" as 65534 "$CTL" -s "$PRIV" ping

# --- 1. unlinked legacy logins are denied by default ---------------------------------
h_syslog_mark
OUT=$("$DRIVE" -C "$T/pam.d" -s ecf-legacy -u rsmith -p 'Smith#legacy' auth 2>&1)
t_like "$OUT" '^auth: PAM_AUTH_ERR' "default policy: an unlinked legacy login is refused"
t_like "$OUT" 'conv ERROR_MSG: .*Log in with your PACER account and link it' \
	"the user is told to log in with PACER and link"
log_sync
t_is "$(nsince 'event=auth .*user="rsmith" .*result=deny reason=unlinked_legacy_denied')" 1 \
	"logged as unlinked_legacy_denied"

# --- 2. what "other" peers are told -----------------------------------------------
ask 0 -r pacer -u janedoe -p 'Jane!pacer1' "$H_SOCK" account
t_like "$OUT" 'result=0 reason=linked .*env_login=jdoe1 env_role=attorney' \
	"root: the account phase carries reason, ECF_LOGIN and ECF_ROLE"
h_syslog_mark
ask 65534 -r pacer -u janedoe -p 'Jane!pacer1' -s evil-svc -h 203.0.113.66 -t pts/9 \
	"$H_SOCK" account
t_is "$OUT" 'status=0 result=0 reason=- message="-" env_login=- env_role=- token=-' \
	"other, with the password: allow, and no reason, ENV or role"
ask 65534 -r pacer -u janedoe "$H_SOCK" account
t_is "$(field result) $(field reason)" "3 -" "other, without a password: denied, no reason"
ask 65534 -r pacer -u janedoe -A "$H_SOCK" auth
t_is "$(field result) $(field reason)" "2 -" "other, auth without a password: denied"
ask 65534 -r cmecf -u nosuchuser -A -p x "$H_SOCK" auth
t_is "$(field result) $(field reason)" "2 -" "other: an unknown login reads as a plain deny"
ask 65534 -r cmecf -u jdoe1 -A -p x "$H_SOCK" auth
t_is "$(field result) $(field reason) $(field message)" '2 - "-"' \
	"other: a retired login reads as a plain deny, without the court's message"
log_sync
l=$(since 'event=account .*user="janedoe" .*peer_uid=65534' | head -n 1)
t_like "$l" 'claimed_service=evil-svc realm=pacer user="janedoe" claimed_rhost=203.0.113.66 claimed_tty=pts/9 ' \
	"other's service, rhost and tty are logged as claims"
t_unlike "$l" ' (service|rhost|tty)=' "no unqualified service=, rhost= or tty= for other"
t_like "$l" 'peer_class=other .*result=allow reason=linked' "the log keeps the true reason"
t_is "$(nsince 'peer_uid=65534 .*reason=password_required')" 2 \
	"the two password-less requests are logged as password_required"

# --- 3. a forged redaction acknowledgement --------------------------------------------
h_syslog_mark
ask 65534 -r pacer -u janedoe -p 'Jane!pacer1' -R -s sshd "$H_SOCK" account
tok=$(field token)
t_is "$(field result)" 6 "other, with the password: the notice is asked"
ask 65534 -T "$tok" -a 1 "$H_SOCK" ack
t_is "$(field result) $(field env_login)" "0 -" "its yes is answered, without ENV"
log_sync
t_is "$(nsince 'event=redaction .*result=accepted')" 0 "no redaction line says accepted"
t_is "$(nsince 'event=redaction claimed_service=sshd realm=pacer user="janedoe" .*peer_uid=65534 .*result=not_recorded reason=untrusted_peer')" 1 \
	"it is logged as not_recorded, with the service as a claim"
h_syslog_mark
ask 0 -r pacer -u janedoe -R -s sshd "$H_SOCK" account
ask 0 -T "$(field token)" -a 1 "$H_SOCK" ack
log_sync
t_is "$(nsince 'event=redaction service=sshd .*peer_uid=0 .*result=accepted')" 1 \
	"root's acknowledgement is recorded as accepted"

# --- 4. link reasons on the wire --------------------------------------------------
h_syslog_mark
ask 65534 -u punlinked -p wrong -c cref1 -C x "$H_SOCK" prepare
t_is "$(field result) $(field reason)" "4 refused" \
	"other: a wrong PACER password reads 'refused' on the wire"
ask 65534 -u nosuchpacer -p x -c rsmith -C x "$H_SOCK" prepare
t_is "$(field result) $(field reason)" "4 refused" "other: an unknown PACER login reads 'refused'"
log_sync
t_is "$(nsince 'event=link .*reason=bad_pacer_password') $(nsince 'event=link .*reason=unknown_pacer')" \
	"1 1" "the log keeps both true reasons"
ask 0 -u punlinked -p wrong -c cref1 -C x "$H_SOCK" prepare
t_is "$(field reason)" bad_pacer_password "root is told the true reason"

# --- 5. Unicode and case spellings after a lockout ---------------------------------------
h_syslog_mark
for i in 1 2 3 4 5; do
	lnk 5001 'Pat!pacer2' 'wrong' --confirm punlinked rsmith
done
lnk 5001 'Pat!pacer2' 'Smith#legacy' --confirm punlinked rsmith
t_is "$RC" 1 "rsmith locked after five wrong CM/ECF passwords"
log_sync
t_is "$(nsince 'cmecf="rsmith" .*reason=bad_cmecf_password') $(nsince 'cmecf="rsmith" .*reason=throttled')" \
	"5 1" "five bad_cmecf_password, then throttled"
fw=$'\xef\xbd\x92smith'           # fullwidth r
id=$'rsmith\xe3\x80\x80'          # ideographic space
mx=$'RSMIT\xef\xbc\xa8\xe2\x81\x9f' # fullwidth H, medium mathematical space
n=0
for v in "$fw" "$id" "$mx"; do
	n=$((n + 1))
	h_syslog_mark
	ask 5002 -u punlinked -p 'Pat!pacer2' -c "$v" -C 'Smith#legacy' "$H_SOCK" prepare
	t_is "$(field result) $(field reason) $(field token)" "4 refused -" \
		"spelling $n of rsmith with the right password: refused, no token"
	log_sync
	t_is "$(nsince 'event=link .*reason=invalid_login')" 1 "spelling $n: logged as invalid_login"
	OUT=$("$DRIVE" -C "$T/pam.d" -s ecf-legacy -u "$v" -p 'Smith#legacy' auth 2>&1)
	t_like "$OUT" '^auth: PAM_USER_UNKNOWN' "spelling $n through PAM: an unknown login"
done
h_syslog_mark
lnk 0 'Pat!pacer2' 'Smith#legacy' --confirm punlinked RSMITH
t_is "$RC" 1 "RSMITH (ASCII case) from root: refused while rsmith is locked"
log_sync
t_is "$(nsince 'cmecf="RSMITH" .*reason=throttled')" 1 "it shares rsmith's count (keyed on the DN)"
t_is "$(attr "uid=rsmith,$H_CMECF_BASE" ecfLinkedPacer)" "" "rsmith is not linked"

# --- 6. made-up PACER logins cannot lock an attorney out -------------------------------
h_syslog_mark
for i in 1 2 3 4 5 6 7; do
	ask 5003 -u "madeup$i" -p x -c cvict -C x "$H_SOCK" prepare
done
log_sync
t_is "$(nsince 'cmecf="cvict" .*reason=unknown_pacer')" 7 "seven made-up PACER logins against cvict"
lnk 0 'Pv!pw' 'Cv!pw' --confirm pvict cvict
t_is "$RC" 0 "the real attorney links at once afterwards" || t_diag "$OUT"
t_is "$(attr "uid=cvict,$H_CMECF_BASE" ecfLinkedPacer)" pvict "cvict is linked to pvict"

# --- 7. spraying from one uid stops after the budget ----------------------------------
h_syslog_mark
t0=$(date +%s%N)
for i in $(seq -w 1 30); do
	ask 5004 -r pacer -u "sp$i" -A -p 'guess1' "$H_SOCK" auth
done
t1=$(date +%s%N)
log_sync
bad=$(nsince 'event=auth .*peer_uid=5004 .*reason=bad_password')
thr=$(nsince 'event=auth .*peer_uid=5004 .*reason=throttled')
t_is "$bad $thr" "20 10" "30 accounts sprayed: 20 password checks, then throttled"
ask 5004 -r pacer -u sp30 -A -p 'Sp!pw' "$H_SOCK" auth
t_is "$(field result)" 2 "the sprayer is refused even with a right password"
ask 5005 -r pacer -u sp30 -A -p 'Sp!pw' "$H_SOCK" auth
t_is "$(field result)" 0 "another uid logs in to sp30 (the lockout is the sprayer's)"
t_diag "spray: 30 requests in $(((t1 - t0) / 1000000)) ms, 20 reached LDAP"

# --- 8. a PACER account without mail -------------------------------------------------
before=$(attr "$H_COUNTER_DN" ecfNextTransaction)
h_syslog_mark
lnk 0 'Pnm!pw' 'Cnm!pw' --confirm pnomail cnomail
t_is "$RC" 1 "a PACER account without mail cannot link"
t_like "$OUT" 'Your PACER account has no email address' "the user is told why"
log_sync
t_is "$(nsince 'event=link .*pacer="pnomail" .*reason=no_pacer_mail')" 1 "logged as no_pacer_mail"
t_is "$(attr "$H_COUNTER_DN" ecfNextTransaction)" "$before" "the transaction counter did not move"

# --- 9. floods while root logs in ------------------------------------------------
# flood SECONDS UID...: four flooding processes spread over the uids.
flood() {
	local secs=$1 i=0 uid
	shift
	FLOOD_PIDS=()
	for i in 0 1 2 3; do
		uid=${*:$((i % $# + 1)):1}
		as "$uid" "$ASK" -r pacer -u janedoe -F "$secs" "$H_SOCK" account \
			>"$T/flood.$i" 2>&1 &
		FLOOD_PIDS+=("$!")
		H_PIDS+=("$!")
	done
}
flood_wait() {
	local p
	for p in "${FLOOD_PIDS[@]}"; do
		wait "$p"
		h_forget "$p"
	done
}
n=0
for uids in "65534" "5101 5102 5103 5104"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # the uids are words
	set -- $uids
	h_syslog_mark
	flood 8 "$@"
	sleep 0.5
	OUT=$("$DRIVE" -C "$T/pam.d" -s ecf-efile -u janedoe -p 'Jane!pacer1' -n 400 auth account 2>&1)
	flood_wait
	failed=$(printf '%s\n' "$OUT" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
	if ! t_is "$failed" 0 "flood $n ($# uid(s)): none of root's 400 PAM logins failed"; then
		t_diag "$OUT"
		log_sync
		t_diag "root's failed lines: $(since 'pam_ecflink|user="janedoe" .*peer_uid=0 ' |
			grep -v 'result=allow' | head -n 5)"
	fi
	t_diag "flood $n: root $(printf '%s\n' "$OUT" | grep '^bench:'); attackers:" \
		"$(cat "$T"/flood.* | tr '\n' ' ')"
	sleep 10.5
	log_sync
	drops=$(nsince 'event=drop ')
	other=$(nsince 'event=request .*peer_uid=(65534|510[1-4]) ')
	t_like "$drops" '^[1-9]$|^1[0-2]$' "flood $n: a few drop-summary lines ($drops)"
	t_is "$other" 0 "flood $n: no line per refused connection"
	t_diag "flood $n: $(since 'event=drop ' | sed 's/.*event=drop //' | tr '\n' ';')"
done

# --- 10. a front end left out of socket.frontend_group ------------------------------
# An "other" uid sending PAM requests with a client address at a front
# end's rate (30 within 60 s) is named once, with what to do; root never.
h_syslog_mark
ask 4242 -r pacer -u janedoe -p 'Jane!pacer1' -A -h 198.51.100.7 -n 29 "$H_SOCK" auth
t_like "$OUT" 'result=0 ' "uid 4242's logins with a client address are answered"
ask 4242 -r pacer -u janedoe -p 'Jane!pacer1' -A -n 29 "$H_SOCK" auth
ask 0 -r pacer -u janedoe -p 'Jane!pacer1' -A -h 198.51.100.8 -n 40 "$H_SOCK" auth
log_sync
t_is "$(nsince 'event=frontend_hint')" 0 \
	"29 requests with a client address (and 29 without, and root's 40): no hint yet"
ask 4242 -r pacer -u janedoe -p 'Jane!pacer1' -A -h 198.51.100.9 -n 31 "$H_SOCK" auth
t_like "$OUT" 'result=0 ' "the hint refuses nothing"
log_sync
l=$(since 'event=frontend_hint')
t_like "$l" 'event=frontend_hint peer_uid=4242 peer_class=other count=30 window_s=60 result=warning reason=not_in_frontend_group detail=".*socket.frontend_group.*one failure budget"' \
	"the 30th names the uid once, with what to do"
t_is "$(printf '%s\n' "$l" | grep -c .)" 1 "once per uid, however many follow"

t_done
