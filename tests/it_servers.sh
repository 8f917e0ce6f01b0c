#!/bin/bash
# it_servers.sh - several directory servers (DESIGN.md "Many servers"): the
# harness's slapd as the provider (syncprov), Debian slapd consumers of it
# (olcSyncrepl), and ecflinkd reading from a list of URIs.
#
#   1. A first URI that refuses, one that accepts and never answers (a
#      listening socket nobody accepts on), and one that stops mid-way
#      (SIGSTOP): every login still succeeds through the next URI, well
#      within the caller's deadline; one log line names each URI that went
#      down; after SIGCONT the probe finds it and the daemon goes back.
#   2. A lagging consumer (refreshOnly, every ten minutes): once a link is
#      made through one daemon, the retired CM/ECF password is refused by a
#      second daemon that reads from the lagging consumer, at once.
#   5. Link-credential failures are counted at the provider: three through
#      one daemon and two through another lock the CM/ECF login.
#   3. With ldap.write_uri down, PACER logins go on from the consumer, a
#      legacy login the consumer shows linked is still refused, and other
#      legacy logins fail closed with provider_unavailable.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
CTL=$ECF_BUILD/ecflinkctl
for f in "$MOD" "$DRIVE" "$CTL"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
h_syslog_start
h_slapd_start
PROVIDER=$SLAPD_URI

# (The harness applies schema/slapd-provider.ldif: the provider offers
# replication and a change stream.)

# consumer NAME TYPE: starts a syncrepl consumer of the provider in
# $T/NAME.d on a free port, replicating as the root DN; TYPE is
# refreshAndPersist or refreshOnly (then every ten minutes).  Waits (up to
# 30 s) until tattorney03 has arrived.  Sets NAME_URI and NAME_PID.
consumer() {
	local name=$1 type=$2 port i extra=
	[ "$type" = refreshOnly ] && extra=" interval=00:00:10:00"
	mkdir -p "$T/$name.d" "$T/$name.db"
	h_slapd_base_ldif | sed -e "s|$T/slapd.pid|$T/$name.pid|; s|$T/slapd.args|$T/$name.args|" \
		-e "s|$T/slapd.db|$T/$name.db|" -e 's|^olcModuleLoad: back_mdb$|&\nolcModuleLoad: syncprov|' \
		>"$T/$name-config.ldif"
	# the sample's olcSyncrepl value, filled in, on the new database entry
	sed -e "s|@PROVIDER@|$PROVIDER|; s|@BASE@|$H_BASE|" \
		-e "s|@DN@|$H_ROOT_DN|; s|@PW@|$H_ROOT_PW|; s|type=refreshAndPersist|type=$type$extra|" \
		"$ECF_SRC/schema/slapd-consumer.ldif" |
		awk '/^olcSyncrepl:/ { on = 1; print; next } on && /^ / { print; next } { on = 0 }' \
		>>"$T/$name-config.ldif"
	# a change stream for the ecflinkd that read from it (slapd-consumer.ldif)
	printf '\n' >>"$T/$name-config.ldif"
	printf '%s\n' "dn: olcOverlay=syncprov,olcDatabase={1}mdb,cn=config" \
		"objectClass: olcOverlayConfig" "objectClass: olcSyncProvConfig" \
		"olcOverlay: syncprov" >>"$T/$name-config.ldif"
	slapadd -n0 -F "$T/$name.d" -l "$T/$name-config.ldif" >"$T/$name-slapadd.log" 2>&1 ||
		h_bail "slapadd -n0 of the $name consumer failed" "$T/$name-slapadd.log"
	port=$(h_free_port) || h_bail "no free port"
	h_spawn "$T/$name.log" slapd -d 0 -h "ldap://127.0.0.1:$port/" -F "$T/$name.d"
	printf -v "${name}_PID" '%s' "$H_LAST_PID"
	printf -v "${name}_URI" '%s' "ldap://127.0.0.1:$port"
	# Usually under a second; a first attempt that fails is retried after
	# 1 s (the sample's retry="1 10 5 +"), so allow a busy machine 30 s.
	for i in $(seq 300); do
		ldapsearch -x -LLL -H "ldap://127.0.0.1:$port" -D "$H_ROOT_DN" -w "$H_ROOT_PW" \
			-b "uid=tattorney03,$H_CMECF_BASE" -s base 1.1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	h_bail "the $name consumer did not replicate within 30 s" "$T/$name.log"
}

# pam SOCK SERVICE USER PASSWORD: one whole PAM login through pamdrive
# (auth, then account) with a private service file; sets OUT, RC, CODE
# (auth/account codes) and MS (whole ms both phases took).
pam() {
	local sock=$1 svc=$2 user=$3 pw=$4 realm=pacer t0 t1
	[ "$svc" = legacy ] && realm=cmecf
	mkdir -p "$T/pam.d"
	printf '%s\n' "auth required $MOD socket=$sock timeout_ms=5000 realm=$realm authenticate" \
		"account required $MOD socket=$sock timeout_ms=5000 realm=$realm" \
		>"$T/pam.d/$svc"
	t0=$(date +%s%N)
	OUT=$("$DRIVE" -C "$T/pam.d" -s "$svc" -u "$user" -p "$pw" auth account 2>&1) &&
		RC=0 || RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	CODE=$(printf '%s\n' "$OUT" | sed -n 's/^\(auth\|account\): \(PAM_[A-Z_]*\) .*/\2/p' |
		tr '\n' ' ')
}

# daemon NAME URIS WRITE_URI [h_config setting...]: starts ecflinkd NAME
# with its own socket and config; sets NAME_SOCK and NAME_DPID.
daemon() {
	local name=$1 uris=$2 wuri=$3 conf
	shift 3
	conf=$(h_config CONF="$T/$name.conf" SOCKET="$T/$name.sock" URIS="$uris" \
		WRITE_URI="$wuri" TIMEOUT_MS=2000 NETWORK_TIMEOUT_MS=500 CACHE_TTL=0 \
		LDAP_EXTRA="probe_interval_s = 1;" "$@")
	h_daemon_start "$conf"
	printf -v "${name}_SOCK" '%s' "$T/$name.sock"
	printf -v "${name}_DPID" '%s' "$ECFLINKD_PID"
	ECFLINKD_PID=
}

consumer live refreshAndPersist
t_like "$(ldapsearch -x -LLL -H "$live_URI" -D "$H_SVC_DN" -w "$H_SVC_PW" \
	-b "$H_PACER_BASE" '(uid=janedoe)' uid)" 'uid: janedoe' \
	"the consumer replicated the PACER base from the provider"

# --- 1. failover -------------------------------------------------------------------------

# a healthy baseline through the consumer
daemon base "$live_URI" "$PROVIDER"
pam "$base_SOCK" pacer janedoe 'Jane!pacer1'
t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " "baseline: janedoe logs in through the consumer"
pam "$base_SOCK" pacer janedoe 'Jane!pacer1'
BASE_MS=$MS
t_diag "baseline login: $BASE_MS ms"

# refused: nothing listens on the first URI
DEAD="ldap://127.0.0.1:$(h_free_port)"
h_syslog_mark
daemon refused "$DEAD $live_URI" "$PROVIDER"
for i in 1 2 3; do
	pam "$refused_SOCK" pacer janedoe 'Jane!pacer1'
	t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " \
		"refused first URI, login $i: success through the second, within the deadline"
	t_diag "refused first URI, login $i: $MS ms"
done
h_syslog_wait_since "LDAP server $DEAD is down" 1 ||
	t_diag "no down line for $DEAD"
t_is "$(h_syslog_count_since "LDAP server $DEAD is down")" 1 \
	"one log line says the refusing server is down"

# black hole: a socket that listens and never accepts
h_spawn "$T/hole.log" python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
time.sleep(3600)'
HOLE_PID=$H_LAST_PID
for i in $(seq 50); do [ -s "$T/hole.log" ] && break; sleep 0.1; done
HOLE="ldap://127.0.0.1:$(head -n1 "$T/hole.log")"
h_syslog_mark
daemon hole "$HOLE $live_URI" "$PROVIDER"
for i in 1 2 3; do
	pam "$hole_SOCK" pacer janedoe 'Jane!pacer1'
	t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " \
		"black-holed first URI, login $i: success within the deadline"
	t_diag "black-holed first URI, login $i: $MS ms"
done
t_is "$(h_syslog_count_since "LDAP server $HOLE is down")" 1 \
	"the black hole is marked down once: later logins do not wait for it"
t_like "$(h_syslog_since | grep "LDAP server $HOLE is down" | head -n1)" \
	"is down: .*(Timed out|Can't contact|timeout)" "the down line names the black hole and the cause"
h_stop_pid "$HOLE_PID"

# hung mid-operation: the first URI stops after the daemon connected to it
consumer standby refreshAndPersist
daemon hung "$standby_URI $live_URI" "$PROVIDER"
pam "$hung_SOCK" pacer janedoe 'Jane!pacer1'
t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " "before the hang: success through the first URI"
h_syslog_mark
kill -STOP "$standby_PID"
for i in 1 2 3; do
	pam "$hung_SOCK" pacer janedoe 'Jane!pacer1'
	t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " \
		"first URI stopped (SIGSTOP), login $i: success within the deadline"
	t_diag "first URI stopped, login $i: $MS ms"
done
t_is "$(h_syslog_count_since "LDAP server $standby_URI is down")" 1 \
	"one line says the stopped server is down"
h_syslog_mark
kill -CONT "$standby_PID"
h_syslog_wait_since "LDAP server $standby_URI answers again" 1 ||
	t_diag "no 'answers again' line within the wait"
t_is "$(h_syslog_count_since "LDAP server $standby_URI answers again")" 1 \
	"after SIGCONT the probe finds the first URI answering (one line)"
# Back on the first URI: logins now go on while the second one is stopped,
# and nothing even notices it is.
pam "$hung_SOCK" pacer janedoe 'Jane!pacer1'
h_syslog_mark
kill -STOP "$live_PID"
pam "$hung_SOCK" pacer janedoe 'Jane!pacer1'
t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " "back on the first URI: the second may stop unnoticed"
t_diag "back on the first URI, second stopped: $MS ms"
t_is "$(h_syslog_count_since "LDAP server $live_URI is down")" 0 \
	"back on the first URI: no request touched the stopped second one"
kill -CONT "$live_PID"

# --- 2. a lagging consumer ----------------------------------------------------------------

consumer lag refreshOnly
# (a short lockout, so that section 2 can link tattorney03 after section 5)
daemon x "$PROVIDER" "$PROVIDER" POLICY_EXTRA="link_lockout_s = 4;"
daemon y "$lag_URI" "$PROVIDER" POLICY_EXTRA="link_lockout_s = 4;"

# --- 5. one throttle for all daemons ------------------------------------------------------
# link_max_failures is 5: three wrong CM/ECF passwords through X and two
# through Y lock tattorney03 for linking, though neither daemon alone
# counted five.

# try SOCK CMECF_PASSWORD: root links tattorneythree to tattorney03; sets OUT.
try() {
	OUT=$(printf '%s\n%s\n' 'Pacer3!pw' "$2" |
		"$CTL" -s "$1" link --confirm tattorneythree tattorney03 2>&1)
}
h_syslog_mark
for s in "$x_SOCK" "$x_SOCK" "$x_SOCK" "$y_SOCK" "$y_SOCK"; do
	try "$s" 'not-the-password'
done
t_is "$(h_syslog_since | grep -c 'event=link phase=prepare .*cmecf="tattorney03".* reason=bad_cmecf_password')" 5 \
	"five wrong CM/ECF passwords, three through X and two through Y"
t_is "$(ldapsearch -x -LLL -o ldif-wrap=no -H "$PROVIDER" -D "$H_ROOT_DN" -w "$H_ROOT_PW" \
	-b "uid=tattorney03,$H_CMECF_BASE" -s base ecfLinkFailure | grep -c '^ecfLinkFailure: ')" 5 \
	"the provider holds the five failures (ecfLinkFailure)"
h_syslog_mark
try "$y_SOCK" 'Legacy03!'
t_unlike "$OUT" 'has been linked' "then even the right password is refused through Y"
try "$x_SOCK" 'Legacy03!'
t_unlike "$OUT" 'has been linked' "and through X"
t_is "$(h_syslog_since | grep -c 'cmecf="tattorney03".* reason=throttled detail="5 failed link-credential checks at ldap.write_uri lock it')" 2 \
	"both daemons log reason=throttled, counting the provider's five"
sleep 4.2

# --- 2 (cont.) ----------------------------------------------------------------------------
pam "$y_SOCK" legacy tattorney03 'Legacy03!'
t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " "before the link, tattorney03's legacy password works through Y"
OUT=$(printf '%s\n%s\n' 'Pacer3!pw' 'Legacy03!' |
	"$CTL" -s "$x_SOCK" link --confirm tattorneythree tattorney03 2>&1)
t_like "$OUT" 'has been linked' "the link is made through daemon X"
t_like "$(ldapsearch -x -LLL -H "$lag_URI" -D "$H_ROOT_DN" -w "$H_ROOT_PW" \
	-b "uid=tattorney03,$H_CMECF_BASE" -s base userPassword)" '^userPassword' \
	"the lagging consumer still holds the retired password"
h_syslog_mark
pam "$y_SOCK" legacy tattorney03 'Legacy03!'
t_unlike "$CODE" 'PAM_SUCCESS' "at once, daemon Y refuses the retired password ($CODE)"
t_like "$(h_syslog_since | grep 'user="tattorney03"' | head -n1)" 'reason=retired_credential' \
	"daemon Y reads the link at the provider: retired_credential"

# --- 3. the provider down -----------------------------------------------------------------

h_syslog_mark
kill -STOP "$SLAPD_PID"
pam "$y_SOCK" pacer janedoe 'Jane!pacer1'
t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " "provider stopped: PACER logins go on from the consumer"
pam "$y_SOCK" legacy jdoe1 'whatever'
t_unlike "$CODE" 'PAM_SUCCESS' "provider stopped: a legacy login the consumer shows linked is refused"
t_like "$(h_syslog_since | grep 'user="jdoe1"' | head -n1)" 'reason=retired_credential' \
	"provider stopped: jdoe1 still reads retired_credential"
pam "$y_SOCK" legacy rsmith 'Smith#legacy'
t_like "$CODE" 'PAM_AUTHINFO_UNAVAIL' "provider stopped: an unlinked legacy login fails closed"
t_like "$(h_syslog_since | grep 'user="rsmith"' | head -n1)" \
	"reason=provider_unavailable detail=\"ldap.write_uri $PROVIDER does not answer" \
	"provider stopped: the log names the provider"
OUT=$(printf '%s\n%s\n' 'Pat!pacer2' 'Smith#legacy' |
	"$CTL" -s "$y_SOCK" link --confirm punlinked rsmith 2>&1)
t_like "$OUT" 'temporarily unavailable' "provider stopped: linking is temporarily unavailable"
kill -CONT "$SLAPD_PID"

# --- 4. the cache follows the change stream ------------------------------------------------

h_syslog_mark
daemon z "$live_URI" "$PROVIDER" CACHE_TTL=30
h_syslog_wait_since "change stream from $live_URI is current" 1 ||
	t_diag "no 'change stream is current' line"
t_is "$(h_syslog_count_since "account cache in use: change stream from $live_URI is current")" 1 \
	"daemon Z follows the consumer's change stream (one line)"
pam "$z_SOCK" pacer punlinked 'Pat!pacer2'
t_is "$CODE" "PAM_SUCCESS PAM_PERM_DENIED " "before the link, Z says punlinked is not linked (and caches it)"
pam "$z_SOCK" pacer punlinked 'Pat!pacer2'
# (one round trip: the account answer rides on the auth line)
t_like "$(h_syslog_since | grep 'user="punlinked"' | tail -n1)" 'reason=not_linked' \
	"(the second answer, from the cache, is still not_linked)"
OUT=$(printf '%s\n%s\n' 'Pat!pacer2' 'Smith#legacy' |
	"$CTL" -s "$x_SOCK" link --confirm punlinked rsmith 2>&1)
t_like "$OUT" 'has been linked' "punlinked is linked to rsmith through daemon X"
t0=$(date +%s%N)
for i in $(seq 50); do
	pam "$z_SOCK" pacer punlinked 'Pat!pacer2'
	[ "$CODE" = "PAM_SUCCESS PAM_SUCCESS " ] && break
	sleep 0.1
done
WAIT=$((($(date +%s%N) - t0) / 1000000))
t_is "$CODE" "PAM_SUCCESS PAM_SUCCESS " "Z sees the link without waiting out its 30 s cache"
t_diag "Z's first linked answer came $WAIT ms after the link"
t_ok "Z's stale answer ended within 5 s of the link ($WAIT ms)" test "$WAIT" -le 5000

t_done
