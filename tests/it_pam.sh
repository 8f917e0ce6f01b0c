#!/bin/bash
# it_pam.sh - pam_ecflink.so through the real libpam (pam_start_confdir, by
# tests/tools/pamdrive), with the real syslog datagrams of a private
# /dev/log.
#
# Part 1 needs no daemon: a missing socket and tests/tools/fakesrv (hang,
# close, garbage, bad version, error replies, scripted results and the
# redaction exchange) check that the module fails closed within
# timeout_ms, maps every reply, splits the notice, honours PAM_SILENT and
# logs safely.  Part 2 runs the decision table of DESIGN.md against
# ecflinkd and the harness's slapd with tests/data/fixture.ldif.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
FAKE=$ECF_BUILD/tools/fakesrv
for f in "$MOD" "$DRIVE" "$FAKE" "$ECF_BUILD/tools/logsink"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
h_syslog_start
mkdir -p "$T/pam.d"
FSOCK=$T/fake.sock
DUMP=$T/requests.log

# svc NAME LINE...: writes the PAM service $T/pam.d/NAME.
svc() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$T/pam.d/$name"
}

# both NAME ARGS...: a service with auth and account lines of the module.
both() {
	local name=$1
	shift
	svc "$name" "auth required $MOD $*" "account required $MOD $*"
}

# drive ARG...: runs pamdrive on $T/pam.d; sets OUT (its stdout and
# stderr) and RC.
drive() {
	OUT=$("$DRIVE" -C "$T/pam.d" "$@" 2>&1) && RC=0 || RC=$?
}

# code PHASE: the PAM code pamdrive printed for PHASE.
code() {
	printf '%s\n' "$OUT" | sed -n "s/^$1: \(PAM_[A-Z_]*\) .*/\1/p"
}

# ms PHASE: the time PHASE took, in whole ms.
ms() {
	printf '%s\n' "$OUT" | sed -n "s/^$1: PAM_[A-Z_]* (\([0-9]*\)\.[0-9]* ms)/\1/p"
}

# own_ms PHASE: with pamdrive -w, the time PHASE took less its wait for a
# CPU (what timeout_ms bounds on a busy machine), in whole ms.
own_ms() {
	printf '%s\n' "$OUT" |
		sed -n "s/^$1: PAM_[A-Z_]* (\([0-9.]*\) ms; \([0-9.?]*\) ms waiting for a CPU;.*/\1 \2/p" |
		awk '{ printf "%d\n", $1 - ($2 == "?" ? 0 : $2) }'
}

# conv STYLE: the messages of that style, one per line.
conv() {
	printf '%s\n' "$OUT" | sed -n "s/^conv $1: //p"
}

# fake ARG...: (re)starts fakesrv on $FSOCK with ARG... and waits for it.
fake() {
	local i
	[ -z "${FAKE_PID:-}" ] || h_stop_pid "$FAKE_PID"
	rm -f "$DUMP"
	h_spawn "$T/fakesrv.log" "$FAKE" -t 300 -d "$DUMP" "$@" "$FSOCK"
	FAKE_PID=$H_LAST_PID
	for i in $(seq 50); do
		[ -S "$FSOCK" ] && return 0
		sleep 0.1
	done
	h_bail "fakesrv did not create $FSOCK" "$T/fakesrv.log"
}

# ---------------------------------------------------------------------------
# Part 1: no daemon.

A="socket=$FSOCK timeout_ms=300"

# Daemon away: no socket at all.
both nosock "socket=$T/none.sock timeout_ms=300 realm=pacer authenticate"
h_syslog_mark
drive -s nosock -u janedoe -p 'Jane!pacer1' auth account
t_is "$(code auth) $(code account)" "PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL" \
	"socket missing: auth and account fail closed"
t_is "$RC" 1 "socket missing: pamdrive reports failure"
h_syslog_wait_since 'pam_ecflink\(nosock:account\)' 1 || true
re="pam_ecflink\(nosock:auth\): ecflinkd unreachable at $T/none.sock"
re+=".*No such file or directory; failing closed"
t_is "$(h_syslog_count_since "$re")" 1 \
	"socket missing: one pam_syslog line for auth saying unreachable and why"
t_is "$(h_syslog_count_since 'pam_ecflink\(nosock:account\): ecflinkd unreachable')" 1 \
	"socket missing: one pam_syslog line for account"

# A daemon that accepts and never answers: bounded by timeout_ms.
fake -m hang
both hang "$A realm=pacer authenticate"
h_syslog_mark
drive -w -s hang -u janedoe -p 'Jane!pacer1' auth account
t_is "$(code auth) $(code account)" "PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL" \
	"hung daemon: auth and account fail closed"
a_ms=$(own_ms auth)
c_ms=$(own_ms account)
if [ -n "$a_ms" ] && [ -n "$c_ms" ] && [ "$a_ms" -ge 290 ] && [ "$a_ms" -lt 800 ] &&
	[ "$c_ms" -ge 290 ] && [ "$c_ms" -lt 800 ]; then
	t_pass "hung daemon: each phase gives up after timeout_ms=300 (+ < 500, less CPU wait): $a_ms, $c_ms ms"
else
	t_fail "hung daemon: each phase gives up after timeout_ms=300 (+ < 500 ms)" "$OUT"
fi
h_syslog_wait_since 'pam_ecflink\(hang:account\)' 1 || true
re='pam_ecflink\(hang:auth\): ecflinkd at .* did not answer the auth request within 300 ms'
t_is "$(h_syslog_count_since "$re")" 1 \
	"hung daemon: the log says it did not answer in time"

# A peer that closes, talks garbage, speaks another version, or reports an error.
for mode in close garbage badversion error; do
	fake -m "$mode" -e "directory unreachable"
	both "m$mode" "$A realm=cmecf authenticate"
	h_syslog_mark
	drive -s "m$mode" -u rsmith -p 'Smith#legacy' auth account
	t_is "$(code auth) $(code account)" "PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL" \
		"$mode reply: auth and account fail closed"
	h_syslog_wait_since "pam_ecflink\(m$mode:account\)" 1 || true
	case $mode in
	close)
		want='(did not take the auth request: send'
		want+='|garbled reply from ecflinkd at [^ ]+ to the auth request: '
		want+='(peer closed|recv))'
		;;
	garbage) want='garbled reply .*bad magic' ;;
	badversion) want='garbled reply .*version 99' ;;
	error) want='refused the auth request: .*error="directory unreachable"; failing closed' ;;
	esac
	t_is "$(h_syslog_count_since "pam_ecflink\(m$mode:auth\): .*$want")" 1 \
		"$mode reply: one log line says what was wrong"
done

# Reply mapping through libpam.
fake -m reply -A 0 -r 0
both gate "$A realm=cmecf"
drive -s gate -u rsmith auth
t_is "$(code auth)" PAM_AUTHINFO_UNAVAIL \
	"success for a password never sent is garbled, never PAM_SUCCESS"
grep -q 'password=absent' "$DUMP" && t_pass "without authenticate no password is sent" ||
	t_fail "without authenticate no password is sent" "$(cat "$DUMP")"

fake -m reply -A 0 -r 0 -E jdoe1 -O attorney
both auth "$A realm=pacer authenticate"
drive -s auth -u janedoe -p 'Jane!pacer1' -r 203.0.113.7 -t pts/1 -R frontend auth account setcred
t_is "$(code auth) $(code account) $(code setcred)" "PAM_SUCCESS PAM_SUCCESS PAM_SUCCESS" \
	"success replies: auth, account and setcred succeed"
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "account success sets ECF_LOGIN"
t_like "$OUT" '^env ECF_ROLE=attorney$' "account success sets ECF_ROLE"
re='^type=3 realm=2 user="janedoe" user_len=7 password=present flags=5 service=auth '
re+='rhost=203.0.113.7 tty=pts/1 ruser=frontend deadline_ms=300$'
t_like "$(sed -n 1p "$DUMP")" "$re" \
	"the auth request carries realm, user, password, flags (asking for the account answer too) and the PAM items"
t_like "$(sed -n 2p "$DUMP")" '^type=4 realm=2 user="janedoe" .*password=absent flags=1 ' \
	"the account request carries no password"
t_is "$(wc -l <"$DUMP")" 2 "one request per PAM call (setcred sends none)"

fake -m reply -A 2 -r 3 -M 'Use your PACER account.' -E x
drive -s auth -u jdoe1 -p anything auth account
t_is "$(code auth) $(code account)" "PAM_AUTH_ERR PAM_PERM_DENIED" \
	"AUTH_ERR and PERM_DENIED map to their PAM codes"
t_is "$(conv ERROR_MSG | sort -u)" "Use your PACER account." \
	"the daemon's message is shown as an error"
t_unlike "$OUT" '^env ' "no environment without success"
drive -S -s auth -u jdoe1 -p anything auth account
t_is "$(conv ERROR_MSG)" "" "PAM_SILENT suppresses the message"

fake -m reply -r 2 -y info -M 'Informational.'
drive -s auth -u jdoe1 -p anything account
t_is "$(conv TEXT_INFO)" "Informational." "an info message is PAM_TEXT_INFO"

fake -m reply -r 5
drive -s auth -u x -p y auth account
t_is "$(code auth) $(code account)" "PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL" \
	"the daemon's 'unavailable' result is PAM_AUTHINFO_UNAVAIL"
for r in 6 7 4294967295; do
	fake -m reply -A "$r" -r "$r"
	drive -s auth -u x -p y auth account
	t_is "$(code auth) $(code account)" "PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL" \
		"result $r out of place or range fails closed"
done

# One round trip per login: the auth reply answers the account phase too.
fake -W -m reply -A 0 -r 0 -E jdoe1 -O attorney
drive -s auth -u janedoe -p 'Jane!pacer1' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" \
	"account answered by the auth reply: both phases succeed"
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "account answered by the auth reply: ECF_LOGIN set"
t_is "$(cut -d' ' -f1 "$DUMP" | tr '\n' ' ')" "type=3 " \
	"a login is one request when the auth reply carries the account answer"
drive -s auth -u janedoe -p 'Jane!pacer1' auth account account
t_is "$(cut -d' ' -f1 "$DUMP" | tr '\n' ' ')" "type=3 type=3 type=4 " \
	"the kept answer serves one account phase; a second one asks"
svc acctonly "account required $MOD $A realm=pacer"
drive -s acctonly -u janedoe account
t_is "$(code account):$(tail -n1 "$DUMP" | cut -d' ' -f1)" "PAM_SUCCESS:type=4" \
	"an account-only stack asks with an ACCOUNT request"
svc mixred "auth required $MOD $A realm=pacer authenticate" \
	"account required $MOD $A realm=pacer redaction"
fake -W -m redaction -r 0 -E jdoe1 -O attorney
drive -s mixred -u janedoe -p 'Jane!pacer1' -a y auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" \
	"auth without redaction, account with it: both succeed"
t_is "$(cut -d' ' -f1 "$DUMP" | tr '\n' ' ')" "type=3 type=4 type=5 " \
	"an answer kept without the redaction argument is not used by an account line with it"
rm -f "$DUMP"
both redw "$A realm=pacer authenticate redaction"
drive -s redw -u janedoe -p 'Jane!pacer1' -a yes auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" \
	"redaction question in the auth reply, acknowledged: both succeed"
t_is "$(cut -d' ' -f1 "$DUMP" | tr '\n' ' ')" "type=3 type=5 " \
	"with redaction a login is the auth request and its own acknowledgement"
t_like "$(conv TEXT_INFO | head -n1)" 'Redaction rule line 001' \
	"the notice kept from the auth reply is shown in the account phase"
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "the acknowledgement sets ECF_LOGIN"
drive -s redw -u janedoe -p 'Jane!pacer1' -a no auth account
t_is "$(code account)" PAM_PERM_DENIED "declining the kept question denies the account phase"
fake -W -m reply -A 0 -r 3 -M 'PACER Search only.'
drive -s auth -u punlinked -p 'x' auth account
t_is "$(code auth) $(code account):$(conv ERROR_MSG | sort -u)" "PAM_SUCCESS PAM_PERM_DENIED:PACER Search only." \
	"a kept refusal is shown and returned by the account phase"
t_unlike "$OUT" '^env ' "a kept refusal sets no environment"
fake -W -m reply -A 2 -r 0 -E jdoe1
rm -f "$DUMP"
drive -s auth -u janedoe -p 'x' auth account
t_is "$(code auth) $(code account)" "PAM_AUTH_ERR PAM_SUCCESS" \
	"after a refused auth (nothing kept) the account phase asks for itself"
t_is "$(cut -d' ' -f1 "$DUMP" | tr '\n' ' ')" "type=3 type=4 " \
	"a refused auth carries no account answer: the account phase sends its request"
fake -W -m reply -A 0 -r 6
drive -s auth -u janedoe -p 'x' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_AUTHINFO_UNAVAIL" \
	"a kept redaction result for an account line without redaction fails closed"

# Unknown users: PAM_USER_UNKNOWN, or PAM_IGNORE with ignore_unknown_user
# (seen through a stack that goes on only after PAM_IGNORE).
fake -m reply -r 4
ign_stack() {
	svc "$1" "auth [success=done ignore=ignore default=die] $MOD $A $2" \
		"auth optional pam_echo.so stack-went-on" "auth required pam_deny.so"
}
ign_stack unk "authenticate"
ign_stack ign "authenticate ignore_unknown_user"
drive -s unk -u nosuch -p x auth
t_is "$(code auth):$(conv TEXT_INFO)" "PAM_USER_UNKNOWN:" "unknown user: PAM_USER_UNKNOWN"
drive -s ign -u nosuch -p x auth
t_is "$(code auth):$(conv TEXT_INFO)" "PAM_AUTH_ERR:stack-went-on" \
	"unknown user with ignore_unknown_user: PAM_IGNORE, the stack goes on"
fake -m reply -A 1 -r 0
ign_stack gate2 ""
drive -s gate2 -u tattorney03 auth
t_is "$(code auth):$(conv TEXT_INFO)" "PAM_AUTH_ERR:stack-went-on" \
	"without authenticate the daemon's IGNORE leaves the decision to the stack"

# User names: empty, odd bytes, 4 KiB, too long for the protocol.
fake -m reply -A 4 -r 4
drive -s auth -u '' -p x auth
t_is "$(code auth)" PAM_USER_UNKNOWN "empty user name: PAM_USER_UNKNOWN"
t_is "$([ -e "$DUMP" ] && echo sent)" "" "empty user name: nothing sent"
odd=$'a b"c\\d\ne\rf'
drive -s auth -u "$odd" -p x auth
t_is "$(code auth)" PAM_USER_UNKNOWN "odd user name reaches the daemon and is refused"
t_like "$(cat "$DUMP" 2>/dev/null)" 'user="a b\\"c\\\\d\\x0ae\\x0df" user_len=11' \
	"odd user name is sent byte for byte"
u4k=$(head -c 4096 /dev/zero | tr '\0' 'u')
drive -s auth -u "$u4k" -p x auth
t_like "$(cat "$DUMP" 2>/dev/null)" 'user_len=4096 ' "a 4 KiB user name is sent whole"
u20k=$(head -c 20000 /dev/zero | tr '\0' 'v')
h_syslog_mark
drive -s auth -u "$u20k" -p x auth account
t_is "$(code auth) $(code account)" "PAM_USER_UNKNOWN PAM_USER_UNKNOWN" \
	"a 20000-byte user name is refused as unknown"
h_syslog_wait_since 'user name of 20000 bytes' 2 || true
re='pam_ecflink\(auth:auth\): user name of 20000 bytes is longer than ecflinkd accepts '
re+='.*user="v+\.\.\."'
t_is "$(h_syslog_count_since "$re")" 1 \
	"the refusal is logged with the name cut short"
both oddlog "socket=$T/none.sock"
h_syslog_mark
drive -s oddlog -u "$odd" account
h_syslog_wait_since 'pam_ecflink\(oddlog:account\)' 1 || true
re='pam_ecflink\(oddlog:account\): .*user="a b\\"c\\\\d\\x0ae\\x0df"\)$'
t_is "$(h_syslog_count_since "$re")" 1 \
	"a user name with quotes, CR and LF stays escaped on one log line"

# Password handling.
both pw "$A realm=pacer authenticate"
fake -m reply -A 0 -r 0
drive -s pw -u janedoe auth
t_is "$(code auth)" PAM_AUTH_ERR "no password from the conversation: PAM_AUTH_ERR"
t_is "$([ -e "$DUMP" ] && echo sent)" "" "no password: nothing sent"
t_is "$(conv PROMPT_ECHO_OFF | head -n1)" "Password: " "the password prompt is 'Password: '"
svc ufp "auth required $MOD $A realm=pacer authenticate use_first_pass"
drive -s ufp -u janedoe -p 'Jane!pacer1' auth
t_is "$(code auth):$(conv PROMPT_ECHO_OFF)" "PAM_AUTH_ERR:" \
	"use_first_pass with no earlier password: no prompt, PAM_AUTH_ERR"

# Module arguments.
both badargs "$A realm=nowhere timeout_ms=abc frobnicate"
h_syslog_mark
drive -s badargs -u rsmith account
t_is "$(code account)" PAM_SUCCESS "bad arguments keep their defaults (realm=cmecf)"
t_like "$(sed -n 1p "$DUMP")" 'realm=1 .*deadline_ms=300$' \
	"a bad timeout_ms after a good one keeps the good one; bad realm keeps cmecf"
h_syslog_wait_since 'frobnicate' 1 || true
re='pam_ecflink\(badargs:account\): bad module argument argument="realm=nowhere"'
re+='.*using the default realm=cmecf'
t_is "$(h_syslog_count_since "$re")" 1 \
	"a bad realm is logged with the default used"
re='pam_ecflink\(badargs:account\): unknown module argument argument="frobnicate" ignored'
t_is "$(h_syslog_count_since "$re")" 1 \
	"an unknown argument is logged and ignored"

# Sessions.
# pamtester, an uninstrumented host, loads the module from /etc/pam.d (a
# private copy bound over it in this mount namespace).
fake -m reply -A 0 -r 0 -E jdoe1
mkdir -p "$T/etc-pam.d"
mount --bind "$T/etc-pam.d" /etc/pam.d || h_bail "cannot bind $T/etc-pam.d over /etc/pam.d"
for so in "$MOD" "$ECF_SRC/pam_module/pam_ecflink.so"; do
	if [ ! -e "$so" ]; then
		t_skip "pamtester loads $so" "not built (plain make builds it)"
		continue
	fi
	printf '%s\n' "auth required $so $A realm=pacer authenticate" \
		"account required $so $A realm=pacer" \
		"session required $so $A" "session optional pam_permit.so" \
		>/etc/pam.d/ecf-pamtester
	out=$(echo 'Jane!pacer1' | pamtester -v ecf-pamtester janedoe authenticate acct_mgmt \
		open_session close_session 2>&1)
	t_like "$out" 'successfully authenticated' "pamtester loads $so: auth succeeds"
	t_like "$out" 'account management done' "pamtester: account succeeds"
	t_like "$out" 'session has successfully been closed' \
		"pamtester: session phases pass (PAM_IGNORE)"
done
umount /etc/pam.d

# The redaction exchange.
notice=$T/notice.txt
for i in $(seq 12); do cat "$ECF_SRC/tests/data/redaction-notice.txt"; echo; done >"$notice"
fake -m redaction -r 0 -E jdoe1 -O attorney -f "$notice"
svc red "account required $MOD $A realm=pacer redaction"
drive -s red -u janedoe -a ' Yes ' account
t_is "$(code account)" PAM_SUCCESS "redaction acknowledged: account succeeds"
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "redaction acknowledged: ECF_LOGIN set"
t_is "$(tail -n1 "$DUMP" | sed 's/.* answer=//')" 1 \
	"redaction acknowledged: the daemon got answer 1"
t_like "$(tail -n1 "$DUMP")" '^type=5 .*deadline_ms=300 token=tok-' \
	"the acknowledgement carries the token and a fresh timeout_ms budget"
t_is "$(conv PROMPT_ECHO_ON)" "I understand the redaction rules above. [y/N]" \
	"the question is a PAM_PROMPT_ECHO_ON prompt"
longest=$(conv TEXT_INFO | sed 's/\\n/N/g' |
	awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
pieces=$(conv TEXT_INFO | wc -l)
if [ "$pieces" -gt 1 ] && [ "$longest" -lt 512 ]; then
	t_pass "the $(wc -c <"$notice")-byte notice came as $pieces messages, each < 512 bytes"
else
	t_fail "the notice is split into messages under PAM_MAX_MSG_SIZE" \
		"pieces=$pieces longest=$longest"
fi
conv TEXT_INFO | while IFS= read -r l; do printf '%b\n' "${l//%/%%}"; done >"$T/shown.txt"
cmp -s "$T/shown.txt" "$notice" && t_pass "the shown pieces put together are the notice" ||
	t_fail "the shown pieces put together are the notice" \
		"$(diff "$T/shown.txt" "$notice" | head -n 20)"
for a in y YES; do
	drive -s red -u janedoe -a "$a" account
	t_is "$(code account)" PAM_SUCCESS "answer '$a' acknowledges"
done
for a in n no '' yess; do
	drive -s red -u janedoe -a "$a" account
	t_is "$(code account)" PAM_PERM_DENIED "answer '$a' declines: PAM_PERM_DENIED"
done
t_is "$(tail -n1 "$DUMP" | sed 's/.* answer=//')" 0 "a decline is sent as answer 0"
drive -s red -u janedoe account
t_is "$(code account)" PAM_PERM_DENIED "no answer (conversation error) declines"
t_is "$(tail -n1 "$DUMP" | sed 's/.* answer=//')" 0 "a conversation error is sent as answer 0"
drive -N -s red -u janedoe account
t_is "$(code account)" PAM_PERM_DENIED "no conversation function declines"
t_is "$(tail -n1 "$DUMP" | sed 's/.* answer=//')" 0 "no conversation function is sent as answer 0"
drive -S -s red -u janedoe -a n account
t_like "$(conv TEXT_INFO | head -n1)" 'REDACTION' "PAM_SILENT still shows the notice"
t_is "$(conv ERROR_MSG)" "" "PAM_SILENT hides the refusal message"

# Benchmark figure (module + libpam + a trivial server), for the record.
fake -m reply -A 0 -r 0
out=$("$DRIVE" -C "$T/pam.d" -s auth -u janedoe -p x -n 500 auth account 2>&1)
t_like "$out" '^bench: n=500 failed=0 ' "500 transactions through libpam and the module"
t_diag "fake daemon: $out"
h_stop_pid "$FAKE_PID"
FAKE_PID=

# ---------------------------------------------------------------------------
# Part 2: the decision table against ecflinkd and slapd.

if [ ! -x "$ECF_BUILD/ecflinkd" ] || [ ! -x "$ECF_BUILD/ecflinkctl" ]; then
	t_skip "decision table against ecflinkd" "$ECF_BUILD/ecflinkd or ecflinkctl not built yet"
	t_done
fi
H_SLAPD_LOGLEVEL=stats
h_slapd_start
h_config >/dev/null
h_daemon_start
D="socket=$H_SOCK"
svc ecf-efile "auth required $MOD $D realm=pacer authenticate redaction" \
	"account required $MOD $D realm=pacer authenticate redaction"
svc ecf-legacy "auth required $MOD $D realm=cmecf authenticate" \
	"account required $MOD $D realm=cmecf authenticate"
svc ecf-gate "auth [success=done ignore=ignore default=die] $MOD $D realm=cmecf" \
	"auth optional pam_echo.so stack-went-on" "auth required pam_deny.so" \
	"account required $MOD $D realm=cmecf"

# dlines USER: ecflinkd's attempt lines for USER since the mark.
dlines() {
	h_syslog_since | grep -F "user=\"$1\"" |
		grep -E 'ecflinkd(\[[0-9]+\])?: event=(auth|account|redaction) '
}

# attempt N USER DESC PAMDRIVE-ARGS...: runs pamdrive and checks that
# ecflinkd wrote exactly N attempt lines for USER.
attempt() {
	local n=$1 user=$2 desc=$3
	shift 3
	h_syslog_mark
	drive -u "$user" "$@"
	h_syslog_wait_since "user=\"$user\"" "$n" || true
	sleep 0.2
	t_is "$(dlines "$user" | wc -l)" "$n" "$desc: $n syslog line(s)"
}

attempt 2 jdoe1 "linked legacy login" -s ecf-legacy -p 'any password' auth account
t_is "$(code auth) $(code account)" "PAM_AUTH_ERR PAM_PERM_DENIED" \
	"linked legacy login refused in auth and account"
t_like "$(conv ERROR_MSG | head -n1)" 'linked to a PACER account.*Log in with your PACER account' \
	"linked legacy login is told to use the PACER account"
re='event=auth .*linked_pacer="janedoe" alert=off result=deny reason=retired_credential'
t_like "$(dlines jdoe1 | head -n1)" "$re" \
	"the log says retired_credential and names the PACER login"
t_is "$(grep -c 'BIND dn="uid=jdoe1,' "$T/slapd.log")" 0 "no LDAP bind for a retired login"
attempt 2 jdoe1 "linked legacy login, silent" -S -s ecf-legacy -p x auth account
t_is "$(conv ERROR_MSG)" "" "PAM_SILENT: no message for the linked legacy login"
attempt 1 jdoe1 "linked legacy login without authenticate" -s ecf-gate auth
t_is "$(code auth):$(conv TEXT_INFO)" "PAM_AUTH_ERR:" \
	"without authenticate a retired login is still refused in auth"

attempt 1 tattorney03 "unlinked legacy login (allow)" -s ecf-legacy -p 'Legacy03!' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" \
	"unlinked legacy login after go-live with unlinked_legacy=allow"
t_like "$(dlines tattorney03)" 'event=auth .*account=allow account_reason=unlinked_legacy_allowed result=allow reason=password_ok ' \
	"one round trip: the auth request answered the account phase, on its one line"
svc ecf-acctonly "account required $MOD $D realm=cmecf"
attempt 1 tattorney03 "account-only stack" -s ecf-acctonly account
t_is "$(code account)" PAM_SUCCESS "an account-only stack asks ecflinkd and passes"
t_like "$(dlines tattorney03)" 'event=account .*result=allow' "an account-only stack sends its own ACCOUNT request"
attempt 1 tattorney03 "unlinked legacy login, gate only" -s ecf-gate auth
t_is "$(code auth):$(conv TEXT_INFO)" "PAM_AUTH_ERR:stack-went-on" \
	"without authenticate an allowed login gets PAM_IGNORE"

attempt 2 janedoe "linked PACER account" -s ecf-efile -p 'Jane!pacer1' -a y auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" "linked PACER account passes"
t_is "$(dlines janedoe | sed 's/.*event=\([a-z]*\) .*/\1/' | tr '\n' ' ')" "auth redaction " \
	"with redaction: the auth request (question included) and the acknowledgement, no ACCOUNT"
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "ECF_LOGIN names the linked CM/ECF login"
t_like "$OUT" '^env ECF_ROLE=attorney$' "ECF_ROLE is the CM/ECF role"
re='event=redaction .*notice=sha256:[0-9a-f]{64} result=accepted reason=acknowledged'
t_like "$(dlines janedoe | tail -n1)" "$re" \
	"the acknowledgement is logged with the notice version"
t_like "$(conv TEXT_INFO | head -n1)" 'REDACTION' "the notice is shown"
attempt 2 janedoe "redaction declined" -s ecf-efile -p 'Jane!pacer1' -a n auth account
t_is "$(code account)" PAM_PERM_DENIED "redaction declined: PAM_PERM_DENIED"
t_like "$(dlines janedoe | tail -n1)" 'event=redaction .*result=declined' "the decline is logged"
attempt 1 janedoe "redaction without a conversation" -N -s ecf-efile account
t_is "$(code account)" PAM_PERM_DENIED "no conversation function: PAM_PERM_DENIED"
attempt 1 janedoe "redaction, silent" -S -s ecf-efile -a yes account
t_is "$(code account)" PAM_SUCCESS "PAM_SILENT: the notice is still shown and acknowledged"
t_like "$(conv TEXT_INFO | head -n1)" 'REDACTION' "PAM_SILENT: the notice was shown"

attempt 1 punlinked "unlinked PACER account" -s ecf-efile -p 'Pat!pacer2' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_PERM_DENIED" \
	"unlinked PACER account: password fine, account denied"
t_like "$(conv ERROR_MSG)" 'PACER Search access only.*Link a CM/ECF account to my PACER account' \
	"unlinked PACER account is told how to link"
t_unlike "$OUT" '^env ' "no ECF_LOGIN for an unlinked account"

# Wrong password, unknown user, locked: the same to the user, not in the log.
attempt 1 rsmith "wrong password" -s ecf-legacy -p wrong auth
o1=$(conv ERROR_MSG)
c1=$(code auth)
r1=$(dlines rsmith | sed -n 's/.* reason=\([a-z_]*\).*/\1/p')
attempt 1 nosuchuser "unknown user" -s ecf-legacy -p wrong auth
o2=$(conv ERROR_MSG)
c2=$(code auth)
r2=$(dlines nosuchuser | sed -n 's/.* reason=\([a-z_]*\).*/\1/p')
attempt 1 tlocked "locked account" -s ecf-legacy -p wrong auth
o3=$(conv ERROR_MSG)
c3=$(code auth)
r3=$(dlines tlocked | sed -n 's/.* reason=\([a-z_]*\).*/\1/p')
t_is "$c1 $c2 $c3" "PAM_AUTH_ERR PAM_USER_UNKNOWN PAM_AUTH_ERR" \
	"wrong password, unknown user, locked: the codes of the table"
t_is "$o1|$o2|$o3" "||" "wrong password, unknown user, locked: nothing different to read"
t_is "$r1 $r2 $r3" "bad_password unknown_user locked" "the log tells them apart"

# Odd user names: one line each, escaped.
for u in 'a b' 'a"b' $'a\nb' "$u4k"; do
	h_syslog_mark
	drive -s ecf-legacy -u "$u" -p x auth
	h_syslog_wait_since 'ecflinkd.*event=auth' 1 || true
	sleep 0.1
	n=$(h_syslog_since | grep -c 'event=auth')
	raw=$(h_syslog_since | grep 'event=auth' | grep -c '\\n' || true)
	t_is "$(code auth) $n $raw" "PAM_USER_UNKNOWN 1 0" \
		"user name of ${#u} bytes: refused, one log line, no raw newline"
done

# The PACER and link searches go out together under the login as typed; a
# PACER entry found under another of its uid values gets the link searched
# again under its stored uid.
h_ldapmodify >"$T/alias.log" 2>&1 <<EOF || h_bail "cannot add a second uid to janedoe" "$T/alias.log"
dn: uid=janedoe,ou=pacer,dc=example,dc=org
changetype: modify
add: uid
uid: janedoe.alias
EOF
svc ecf-pacct "account required $MOD $D realm=pacer"
attempt 1 JaneDoe "PACER login in other case" -s ecf-pacct account
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "a PACER login typed in other case finds its link"
attempt 1 janedoe.alias "PACER login under a second uid" -s ecf-pacct account
t_is "$(code account)" PAM_SUCCESS "a PACER entry found under a second uid value is linked"
t_like "$OUT" '^env ECF_LOGIN=jdoe1$' "and its link is found under the stored uid"

# Latency through the real daemon (cached after the first lookup).
out=$("$DRIVE" -C "$T/pam.d" -s ecf-legacy -u rsmith -p 'Smith#legacy' -n 500 auth account 2>&1)
t_like "$out" '^bench: n=500 failed=0 ' "500 auth+account transactions through ecflinkd"
t_diag "ecflinkd: $out"

# Before go-live, and unlinked_legacy=deny (fresh daemons).
h_daemon_stop
h_config GOLIVE=2099-01-01T00:00:00-06:00 >/dev/null
h_daemon_start
attempt 1 tattorney03 "before go-live, legacy" -s ecf-legacy -p 'Legacy03!' auth account
t_is "$(code auth) $(code account)" "PAM_SUCCESS PAM_SUCCESS" \
	"before go-live a legacy login e-files"
attempt 1 tattorneythree "before go-live, PACER" -s ecf-efile -p 'Pacer3!pw' auth account
t_is "$(code account)" PAM_PERM_DENIED "before go-live a PACER account cannot e-file"
t_like "$(conv ERROR_MSG)" 'opens when the court goes live' \
	"and is told when it opens, not how to link"
h_daemon_stop
h_config UNLINKED_LEGACY=deny >/dev/null
h_daemon_start
attempt 2 tattorney03 "unlinked legacy, deny" -s ecf-legacy -p 'Legacy03!' auth account
t_unlike "$(code auth)" 'PAM_SUCCESS' "unlinked_legacy=deny: auth refused"
t_is "$(code account)" PAM_PERM_DENIED "unlinked_legacy=deny: account refused"

# The daemon goes away: fail closed.
h_daemon_stop
drive -s ecf-legacy -u rsmith -p 'Smith#legacy' auth account
t_is "$(code auth) $(code account)" "PAM_AUTHINFO_UNAVAIL PAM_AUTHINFO_UNAVAIL" \
	"daemon stopped: PAM_AUTHINFO_UNAVAIL"
t_done
