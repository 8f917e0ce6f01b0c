#!/bin/bash
# it_daemon.sh - ecflinkd against a real slapd and a real syslog socket:
# LOOKUP answers, one log line per request, bad frames, slow clients, a hung
# directory, reload, shutdown, and no thread or LDAP connection per request.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"
h_syslog_start
h_slapd_start
conf=$(h_config)
h_daemon_start "$conf"
ctl() { "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" "$@"; }
rawsend() { "$ECF_BUILD/tools/rawsend" "$@" "$H_SOCK"; }
# A PING frame: magic ECF1, version, type, body length, PT_DEADLINE_MS=3000.
ping_frame() { printf 'ECF1\x00%b\x00\x01\x00\x00\x00\x0a\x00\x03\x00\x00\x00\x04\x00\x00\x0b\xb8' "${1:-\x01}"; }
# account_frame MS FLAGS: an ACCOUNT request for PACER janedoe with
# PT_DEADLINE_MS=MS (one byte) and PT_FLAGS=FLAGS (one byte).
account_frame() {
	printf 'ECF1\x00\x01\x00\x04\x00\x00\x00\x2c'
	printf '\x00\x03\x00\x00\x00\x04\x00\x00\x00%b' "$1"
	printf '\x00\x04\x00\x00\x00\x04\x00\x00\x00\x02'
	printf '\x00\x05\x00\x00\x00\x08janedoe\x00'
	printf '\x00\x0b\x00\x00\x00\x04\x00\x00\x00%b' "$2"
}

# --- ecflinkd -t ---------------------------------------------------------------
out=$("$ECF_BUILD/ecflinkd" -t -f "$conf" 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "ecflinkd -t accepts the harness config"
t_like "$out" "configuration OK" "ecflinkd -t says the config is OK"
t_unlike "$out" "newline" "no newline warning for a password file written with printf '%s'"
# A password file ending in a newline: the daemon takes it, ldapwhoami -y
# would not; -t says so and how to write it.
printf '%s\n' "$H_SVC_PW" >"$T/ldap.secret"
out=$("$ECF_BUILD/ecflinkd" -t -f "$conf" 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "ecflinkd -t accepts a password file ending in one newline"
t_like "$out" "^warning: ldap.bind_password_file $T/ldap.secret ends in a newline: .*ldapwhoami -y.*printf '%s' PASSWORD > $T/ldap.secret\$" \
	"ecflinkd -t warns that ldapwhoami -y would send that newline, and says how to write it"
printf '%s' "$H_SVC_PW" >"$T/ldap.secret"
t_unlike "$out" "helper" "no warning about the mail helper beside the built daemon"
# A daemon without its mail helper (copied alone, none installed): -t
# names the helper it looked for.
mkdir -p "$T/alone"
cp "$ECF_BUILD/ecflinkd" "$T/alone/"
out=$("$T/alone/ecflinkd" -t -f "$conf" 2>&1) && rc=0 || rc=$?
if [ -x /usr/local/libexec/ecflink/ecflink-mta ]; then
	t_skip "ecflinkd -t without its mail helper" "an ecflink-mta is installed in /usr/local/libexec/ecflink"
	t_skip "the missing helper is named" "an ecflink-mta is installed in /usr/local/libexec/ecflink"
else
	t_is "$rc" 0 "ecflinkd -t without its mail helper still accepts the config"
	t_like "$out" "^warning: mail.sendmail runs under the helper /usr/local/libexec/ecflink/ecflink-mta: No such file or directory; notices stay in the spool" \
		"and warns that notices would stay in the spool, naming the missing helper"
fi
sed 's/pool_size = 4;/pool_size = 0;/' "$conf" >"$T/bad.conf"
out=$("$ECF_BUILD/ecflinkd" -t -f "$T/bad.conf" 2>&1) && rc=0 || rc=$?
t_is "$rc" 1 "ecflinkd -t rejects pool_size = 0"
line=$(grep -n 'pool_size' "$T/bad.conf" | cut -d: -f1)
t_like "$out" "^$T/bad.conf:$line: ldap.pool_size: .*1\.\.256" "the fault names file, line, key and range"
sed 's/^ldap: {/ldap: {\n\tpool_sise = 4;/' "$conf" >"$T/typo.conf"
out=$("$ECF_BUILD/ecflinkd" -t -f "$T/typo.conf" 2>&1) && rc=0 || rc=$?
line=$(grep -n 'pool_sise' "$T/typo.conf" | cut -d: -f1)
t_like "$out" "typo.conf:$line: ldap.pool_sise: unknown key" "a misspelt key is named with its line"
out=$("$ECF_BUILD/ecflinkd" -f "$T/bad.conf" 2>&1) && rc=0 || rc=$?
t_is "$rc" 1 "ecflinkd refuses to start on a bad config"

# auth_frame PASSWORD(5 bytes): AUTH for CM/ECF rsmith, verifying PASSWORD.
auth_frame() {
	printf 'ECF1\x00\x01\x00\x03\x00\x00\x00\x37'
	printf '\x00\x03\x00\x00\x00\x04\x00\x00\x0b\xb8'
	printf '\x00\x04\x00\x00\x00\x04\x00\x00\x00\x01'
	printf '\x00\x05\x00\x00\x00\x07rsmith\x00'
	printf '\x00\x06\x00\x00\x00\x06%s\x00' "$1"
	printf '\x00\x0b\x00\x00\x00\x04\x00\x00\x00\x01'
}

# --- requests whose deadline runs out as a worker opens its connection ----------
# A half-opened LDAP connection must never serve later requests unbound.
for ms in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	account_frame "\\x$(printf %02x "$ms")" '\x00' | rawsend >/dev/null
done
bad=0
for i in $(seq 16); do ctl show jdoe1 >/dev/null 2>&1 || bad=$((bad + 1)); done
t_is "$bad" 0 "requests with 1..16 ms deadlines leave every worker usable"

# --- LOOKUP through ecflinkctl show ------------------------------------------------
out=$(ctl show jdoe1)
t_like "$out" '^cmecf jdoe1 \(Jane Doe\): linked to PACER janedoe$' "show: a linked CM/ECF login"
t_like "$out" 'transaction: +999' "show: its link transaction"
out=$(ctl show tattorney03)
t_like "$out" '^cmecf tattorney03 \(Train Attorney03\): not linked; the CM/ECF password still works' \
	"show: an unlinked CM/ECF login"
out=$(ctl show tlocked)
t_like "$out" 'tlocked \(Terry Locked\): not linked; no usable CM/ECF password \(locked\)' \
	"show: a CM/ECF login without a password is locked"
out=$(ctl show janedoe)
t_like "$out" '^pacer janedoe \(Jane Doe\): linked to CM/ECF jdoe1 \(Jane Doe\)' "show: a linked PACER account"
out=$(ctl -r pacer show tattorneythree)
t_like "$out" 'pacer tattorneythree \(Train Attorneythree\): not linked to a CM/ECF account' \
	"show -r pacer: an unlinked PACER account"
t_like "$out" 'PACER account: +4412345' "show: the PACER account number"
out=$(ctl -r cmecf show tattorneythree) && rc=0 || rc=$?
t_is "$rc" 4 "show -r cmecf of a PACER login: not found, exit 4"
t_like "$out" 'no such CM/ECF login' "show says which realm it searched"
out=$(ctl show 'nobody*') && rc=0 || rc=$?
t_is "$rc" 4 "a filter metacharacter is escaped, not a wildcard"
for odd in ' jdoe1' 'jdoe1 ' 'Jane  Doe'; do
	out=$(ctl show "$odd") && rc=0 || rc=$?
	t_is "$rc" 4 "'$odd': a login LDAP would match with other spacing is refused"
done
h_ldapmodify >/dev/null 2>&1 <<EOF
dn: uid=rsmith,$H_CMECF_BASE
changetype: modify
add: mail
mail: rsmith@example.org
EOF
t_like "$(ctl show rsmith)" '^  mail: +rsmith@example\.org$' "show on a CM/ECF entry shows its mail"

# --- one log line per request ---------------------------------------------------
h_syslog_mark
ctl show rsmith >/dev/null
h_syslog_wait_since 'ecflinkd\[[0-9]+\]: event=lookup' 1
sleep 0.2
t_is "$(h_syslog_count_since 'ecflinkd\[[0-9]+\]: event=')" 1 "exactly one event line for one lookup"
t_like "$(h_syslog_since)" 'event=lookup realm=any user="rsmith" peer_uid=0 state=legacy_unlinked result=ok ms=[0-9.]+' \
	"the lookup line has realm, user, peer, state, result and time"
h_syslog_mark
ctl show "$(printf 'evil\nevent=auth result=allow')" >/dev/null 2>&1
sleep 0.3
t_is "$(h_syslog_count_since 'ecflinkd\[[0-9]+\]: event=auth')" 0 "a newline in a user name cannot forge a log line"
t_like "$(h_syslog_since)" 'user="evil\\x0aevent=auth result=allow"' "the newline is logged escaped"

# --- permissions -----------------------------------------------------------------
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" show jdoe1 2>&1) && rc=0 || rc=$?
t_is "$rc" 1 "show is refused to a user outside socket.admin_group"
t_like "$out" 'permission denied' "the refusal says why"
t_ok "ping works for any local user" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ECF_BUILD/ecflinkctl" -s "$H_SOCK" ping
t_is "$(stat -c %a "$H_SOCK")" 666 "the socket is mode 0666"

# A local user who is not a login front end cannot use the socket as a fast
# password oracle: link_max_failures (5) guesses per login, then throttled.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
h_syslog_mark
out=$(auth_frame wrong | as_nobody "$ECF_BUILD/tools/rawsend" -n 5 "$H_SOCK")
t_like "$out" 'result=2 reason=-$' "a non-root uid's wrong password: a plain deny, no reason"
out=$(auth_frame wrong | as_nobody "$ECF_BUILD/tools/rawsend" "$H_SOCK")
h_syslog_wait_since 'event=auth .*peer_uid=65534 .*reason=throttled' 1
t_is "$(h_syslog_count_since 'event=auth .*peer_uid=65534 .*reason=bad_password') $(h_syslog_count_since 'event=auth .*peer_uid=65534 .*reason=throttled')" \
	"5 1" "its five guesses at one login are checked, the sixth is not"
out=$(auth_frame wrong | rawsend)
t_like "$out" 'result=2 reason=bad_password' "root (sshd, login front ends) is not throttled by it"

# One round trip per login: an AUTH asking for it (PF_WITH_ACCOUNT) is
# answered with the account phase too, for root and front ends only; an
# "other" peer gets what it got before, and asks ACCOUNT for itself.
# auth_acct_frame: AUTH for CM/ECF rsmith with its right password, flags 5.
auth_acct_frame() {
	printf 'ECF1\x00\x01\x00\x03\x00\x00\x00\x3e'
	printf '\x00\x03\x00\x00\x00\x04\x00\x00\x0b\xb8'
	printf '\x00\x04\x00\x00\x00\x04\x00\x00\x00\x01'
	printf '\x00\x05\x00\x00\x00\x07rsmith\x00'
	printf '\x00\x06\x00\x00\x00\x0dSmith#legacy\x00'
	printf '\x00\x0b\x00\x00\x00\x04\x00\x00\x00\x05'
}
h_syslog_mark
out=$(auth_acct_frame | rawsend)
t_like "$out" '^status=0 .* result=0 reason=password_ok account_result=0 account_reason=unlinked_legacy_allowed env_login=rsmith$' \
	"root's AUTH is answered with the account phase and its environment"
h_syslog_wait_since 'event=auth ' 1 || true
sleep 0.2
t_like "$(h_syslog_since | grep 'event=auth ')" 'user="rsmith" .*account=allow account_reason=unlinked_legacy_allowed result=allow reason=password_ok ' \
	"the account answer is logged on the AUTH's one line"
t_is "$(h_syslog_count_since 'ecflinkd\[[0-9]+\]: event=')" 1 "one request, one line"
# (uid 65533: 65534's guesses at rsmith above are throttled)
out=$(auth_acct_frame | setpriv --reuid=65533 --regid=65533 --clear-groups \
	"$ECF_BUILD/tools/rawsend" "$H_SOCK")
t_like "$out" '^status=0 .* result=0 reason=-$' \
	"an \"other\" peer's AUTH gets no account answer, no environment, no reason"

# One local user cannot use up the redaction tokens everybody needs.
h_syslog_mark
out=$(as_nobody "$ECF_BUILD/tools/askd" -r pacer -u janedoe -p 'Jane!pacer1' -R -n 1100 \
	"$H_SOCK" account)
t_like "$out" 'result=6 ' "a non-root uid gets redaction questions (1100 asked)"
out=$(account_frame '\xc8' '\x02' | rawsend)
t_like "$out" 'result=6 ' "another uid still gets its question"
t_like "$(h_syslog_since)" 'uid 65534 holds 1024 pending tokens; its oldest was dropped' \
	"the flooding uid's own oldest tokens are dropped, and the log says so"
t_is "$(h_syslog_count_since 'event=redaction .*peer_uid=65534 .*result=declined')" 76 \
	"each dropped question is logged once, as declined"

# --- malformed frames ------------------------------------------------------------
out=$(ping_frame | rawsend)
t_like "$out" '^status=0 ' "a hand-built PING frame is answered"
out=$(ping_frame '\x07' | rawsend)
t_like "$out" 'status=2 .*version 7 not supported; ecflinkd speaks 1' "a wrong version gets an explicit error reply"
out=$(printf 'ECF1\x00\x01\x00\x01\x00\x00\x00\x06\x00\x63\x00\x00\x00\x00' | rawsend)
t_like "$out" 'status=1 .*unknown field tag' "an unknown field is refused with a reason"
out=$(printf 'ECF1\x00\x01\x00\x01\x7f\x00\x00\x00' | rawsend)
t_like "$out" 'status=1 .*larger than the protocol limit' "an oversized length is refused before any allocation"
out=$(head -c 300 /dev/urandom | rawsend)
t_like "$out" '^no reply' "random bytes get no reply and do not crash the daemon"
h_syslog_mark
out=$(printf 'ECF1\x00\x01\x00\x01\x00\x00\x00\x0a\x00\x03' | rawsend)
t_like "$out" '^no reply' "a frame cut short gets no reply"
h_syslog_wait_since 'event=request .*reason=client_closed' 1
t_is "$(h_syslog_count_since 'event=request .*reason=client_closed')" 1 "a frame cut short is logged once"
t_ok "ecflinkd still answers after bad frames" ctl ping

# A silent client holds no worker: with it connected, requests still run.
h_syslog_mark
ping_frame | rawsend -k 6000 >"$T/slow.out" 2>&1 &
slow=$!
sleep 0.5
t_ok "a silent client does not block others" ctl show jdoe1
wait "$slow"
t_like "$(h_syslog_since)" 'reason=client_timeout' "a client silent for 5 s is dropped and logged"

# --- threads and LDAP connections are not made per request ---------------------
port=${SLAPD_URI##*:}
port=${port%/}
threads0=$(ls "/proc/$ECFLINKD_PID/task" | wc -l)
for i in $(seq 60); do ctl show jdoe1 >/dev/null; ctl -r pacer show punlinked >/dev/null; done
conns1=$(ss -Htn state established "( dport = :$port )" | wc -l)
for i in $(seq 60); do ctl show jdoe1 >/dev/null; ctl -r pacer show punlinked >/dev/null; done
conns2=$(ss -Htn state established "( dport = :$port )" | wc -l)
threads1=$(ls "/proc/$ECFLINKD_PID/task" | wc -l)
t_is "$threads1" "$threads0" "240 requests create no thread ($threads0 threads before and after)"
t_is "$conns2" "$conns1" "120 more requests open no new LDAP connection ($conns1 kept open)"
# per worker: searches, user binds (read URIs), writes and legacy user
# binds (write_uri); and one for the cache's change stream
[ "$conns1" -ge 1 ] && [ "$conns1" -le 17 ] && t_pass "at most four LDAP connections per worker and the cache's stream ($conns1 for pool_size 4)" ||
	t_fail "at most four LDAP connections per worker and the cache's stream" "got $conns1 for pool_size 4"

# --- a hung directory -------------------------------------------------------------
h_slapd_pause
h_syslog_mark
start=$(date +%s%N)
out=$(ctl -T 1500 show rsmith 2>&1) && rc=0 || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
h_slapd_resume
t_is "$rc" 1 "a hung directory gives a clear failure"
t_like "$out" 'directory unavailable' "the failure says the directory is unavailable"
if [ "$ms" -lt 2500 ]; then t_pass "answered within the 1500 ms deadline + margin ($ms ms)"; else
	t_fail "answered within the 1500 ms deadline + margin" "took $ms ms"; fi
h_syslog_wait_since 'event=lookup .*result=error' 1
t_is "$(h_syslog_count_since 'event=lookup .*result=error')" 1 "the failure is one log line"
t_ok "after the directory resumes, lookups work again" ctl show rsmith

# --- reload ---------------------------------------------------------------------
h_config CONF="$conf" GOLIVE=unset >/dev/null
h_syslog_mark
kill -HUP "$ECFLINKD_PID"
h_syslog_wait_since 'event=reload .*result=ok' 1
t_like "$(ctl ping)" 'go-live: not set' "SIGHUP applies a new config"
cp "$T/bad.conf" "$conf"
h_syslog_mark
kill -HUP "$ECFLINKD_PID"
h_syslog_wait_since 'event=reload .*result=error' 1
t_like "$(h_syslog_since)" 'ldap.pool_size: must be' "a bad config on reload is logged with its fault"
t_ok "and the running config is kept" ctl ping

# --- one daemon per socket, clean stop -----------------------------------------------
h_config CONF="$T/second.conf" >/dev/null
out=$("$ECF_BUILD/ecflinkd" -f "$T/second.conf" 2>&1) && rc=0 || rc=$?
t_is "$rc" 1 "a second ecflinkd on the same socket refuses to start"
t_like "$out" 'another ecflinkd already answers' "and says why"
h_daemon_stop && rc=0 || rc=$?
t_is "$rc" 0 "SIGTERM stops ecflinkd with status 0"
t_nok "the socket is removed at exit" test -e "$H_SOCK"
t_unlike "$(cat "$T/ecflinkd.err")" 'ERROR: (Address|Leak)Sanitizer|runtime error' "no sanitizer report"

# --- without systemd: the socket's directory is made at start ---------------------
# As root with daemon.user, as ecflinkd(8) "Running without systemd" says.
chmod 0755 "$T"
conf=$(h_config CONF="$T/norun.conf" SOCKET="$T/norun/ecflinkd.sock" \
	EXTRA='daemon: { user = "nobody"; };')
h_daemon_start "$conf"
t_is "$(stat -c '%U %a' "$T/norun" 2>&1)" "nobody 755" \
	"a missing socket directory is made at start, 0755, owned by daemon.user"
t_is "$(ps -o user= -p "$ECFLINKD_PID")" nobody "the daemon then runs as daemon.user"
h_daemon_stop && rc=0 || rc=$?
t_is "$rc" 0 "and stops cleanly"
t_nok "removing its socket from its own directory" test -e "$T/norun/ecflinkd.sock"
conf=$(h_config CONF="$T/nodir.conf" SOCKET="$T/no/such/ecflinkd.sock")
out=$("$ECF_BUILD/ecflinkd" -d -f "$conf" 2>&1) && rc=0 || rc=$?
t_like "$rc:$(printf '%s' "$out" | tail -n 1)" \
	"^1:ecflinkd: socket.path .*: cannot create directory $T/no/such: No such file or directory\$" \
	"only the last directory is made: a missing parent is an error naming it"
t_done
