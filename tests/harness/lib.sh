# lib.sh - test harness for ecflink's integration tests (bash).
#
# An integration test is a bash script printing TAP:
#
#   #!/bin/bash
#   . "$(dirname "$0")/harness/lib.sh"
#   h_init "$@"
#   h_syslog_start; h_slapd_start; h_daemon_start "$(h_config)"
#   t_ok "ping answers" "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" ping
#   t_done
#
# Everything runs as root inside a private mount namespace (unshare -m), so
# the private /dev/log and its mounts vanish with the test.  Every process
# the harness starts is recorded by pid and stopped at exit (TERM, up to
# 5 s, then KILL); no process is ever looked up by name.  $T (the test's
# temporary directory) is removed at exit unless ECF_KEEP=1.
#
# Functions (see each one's comment):
#   h_init  h_skip_all  h_bail  h_spawn  h_stop_pid  h_forget  h_free_port
#   h_urlencode
#   h_tls_certs  h_slapd_start  h_slapd_stop  h_slapd_pause  h_slapd_resume  h_ldapmodify
#   h_ldapsearch  h_ldapsearch_root  (h_slapd_base_ldif  h_slapd_launch)
#   h_syslog_start  h_syslog_count  h_syslog_wait  h_syslog_mark
#   h_syslog_since  h_syslog_count_since  h_syslog_wait_since
#   h_config  h_daemon_start  h_daemon_stop
#   t_ok  t_nok  t_is  t_like  t_unlike  t_pass  t_fail  t_skip  t_diag  t_done
#
# Scripts must not use set -e: t_ok and friends return 1 on failure.

# --- TAP ------------------------------------------------------------------

H_TESTS=0
H_FAILED=0

# t_pass DESC / t_fail DESC [DIAG...]: one result line.
t_pass() {
	H_TESTS=$((H_TESTS + 1))
	echo "ok $H_TESTS - $1"
}

t_fail() {
	H_TESTS=$((H_TESTS + 1))
	H_FAILED=$((H_FAILED + 1))
	echo "not ok $H_TESTS - $1"
	shift
	local l
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

# t_diag TEXT...: a diagnostic line (# TEXT).
t_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# t_ok DESC CMD [ARG...]: runs CMD; ok when it exits 0.  On failure shows
# the command, its status and its output.
t_ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then
		t_pass "$desc"
	else
		t_fail "$desc" "command: $*" "exit status: $rc" "output:" "$out"
	fi
	return "$rc"
}

# t_nok DESC CMD [ARG...]: runs CMD; ok when it exits non-zero.
t_nok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -ne 0 ]; then
		t_pass "$desc"
		return 0
	fi
	t_fail "$desc" "command: $*" "exit status: 0, wanted non-zero" "output:" "$out"
	return 1
}

# t_is GOT WANT DESC: ok when GOT and WANT are the same string.
t_is() {
	if [ "$1" = "$2" ]; then
		t_pass "$3"
		return 0
	fi
	t_fail "$3" "got:  '$1'" "want: '$2'"
	return 1
}

# t_like GOT REGEX DESC: ok when GOT matches the extended regex REGEX.
t_like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_pass "$3"
		return 0
	fi
	t_fail "$3" "got:  '$1'" "want: match for /$2/"
	return 1
}

# t_unlike GOT REGEX DESC: ok when GOT does not match REGEX.
t_unlike() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_pass "$3"
		return 0
	fi
	t_fail "$3" "got:  '$1'" "want: no match for /$2/"
	return 1
}

# t_skip DESC WHY: a skipped test, with the reason.
t_skip() {
	H_TESTS=$((H_TESTS + 1))
	echo "ok $H_TESTS - $1 # SKIP $2"
}

# t_done: prints the plan and exits 1 if any test failed, else 0.
t_done() {
	echo "1..$H_TESTS"
	[ "$H_FAILED" -eq 0 ] || t_diag "$H_FAILED of $H_TESTS failed"
	[ "$H_FAILED" -eq 0 ]
	exit $?
}

# h_skip_all WHY: the whole script is skipped (prints a plan of 0).
h_skip_all() {
	echo "# skip: $1"
	echo "1..0 # SKIP $1"
	exit 0
}

# h_bail WHY [FILE]: a harness failure: one failed test with WHY and the
# tail of FILE, then the plan; exits 1.
h_bail() {
	local why=$1
	if [ -n "${2:-}" ] && [ -r "$2" ]; then
		t_fail "harness: $why" "--- $2 (last 40 lines):" "$(tail -n 40 "$2")"
	else
		t_fail "harness: $why"
	fi
	echo "1..$H_TESTS"
	exit 1
}

# --- processes --------------------------------------------------------------

H_PIDS=()

# h_spawn OUTFILE CMD [ARG...]: starts CMD in the background with stdout and
# stderr to OUTFILE, records its pid and sets H_LAST_PID.
h_spawn() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 </dev/null &
	H_LAST_PID=$!
	H_PIDS+=("$H_LAST_PID")
}

# h_forget PID: drops PID from the list stopped at exit.
h_forget() {
	local p keep=()
	for p in "${H_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	H_PIDS=("${keep[@]}")
}

# h_stop_pid PID: SIGCONT (in case it is stopped) and SIGTERM, waits up to
# 5 s, then SIGKILL.  Sets H_STOP_RC to the exit status (143 for a TERM
# death, 137 after KILL) and forgets the pid.
h_stop_pid() {
	local pid=$1 i
	H_STOP_RC=0
	if kill -0 "$pid" 2>/dev/null; then
		# CONT first, for a process h_slapd_pause stopped; a CONT arriving
		# later can upset LeakSanitizer's exit-time thread stopping
		kill -CONT "$pid" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			# a zombie child is reaped by wait below; it still answers kill -0
			[ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null &&
			[ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; then
			echo "# harness: pid $pid ($(ps -o args= -p "$pid" 2>/dev/null))" \
				"ignored SIGTERM for 5 s; sending SIGKILL"
			grep -E '^(State|SigBlk|SigCgt)' "/proc/$pid/status" 2>/dev/null | sed 's/^/# /'
			sed 's/^/# /' "/proc/$pid/stack" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null && H_STOP_RC=0 || H_STOP_RC=$?
	h_forget "$pid"
}

h_cleanup() {
	local i
	for ((i = ${#H_PIDS[@]} - 1; i >= 0; i--)); do
		h_stop_pid "${H_PIDS[i]}"
	done
	[ -n "${T:-}" ] || return 0
	if mountpoint -q "$T/realdev" 2>/dev/null; then
		umount -R -l "$T/realdev" 2>/dev/null || umount -l "$T/realdev" 2>/dev/null
	fi
	if [ "${ECF_KEEP:-0}" = 1 ]; then
		echo "# harness: kept $T (ECF_KEEP=1)"
	else
		# --one-file-system: never descend into a mount that failed to go
		rm -rf --one-file-system "$T"
	fi
}

# h_free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
h_free_port() {
	local port i
	for i in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# --- init -------------------------------------------------------------------

# h_init "$@": enters a private mount namespace (re-executing the script
# under unshare -m, which needs root) or skips the whole script saying why;
# makes $T and the exit trap; exports ECF_SRC (the repository), ECF_BUILD
# (default $ECF_SRC/build/check), H_NOTICE and sanitizer options that make
# any ASan/UBSan report abort the program.
h_init() {
	set -u
	ECF_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	export ECF_SRC
	: "${ECF_BUILD:=$ECF_SRC/build/check}"
	ECF_BUILD=$(cd "$ECF_BUILD" 2>/dev/null && pwd || echo "$ECF_BUILD")
	export ECF_BUILD
	if [ -z "${ECF_IN_NS:-}" ]; then
		local why
		[ "$(id -u)" = 0 ] || h_skip_all "needs root for a private mount namespace (unshare -m)"
		why=$(unshare -m --propagation private true 2>&1) ||
			h_skip_all "unshare -m fails here: ${why:-no reason given}"
		ECF_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
	fi
	T=$(mktemp -d "${TMPDIR:-/tmp}/ecflink-test.XXXXXX") || h_bail "mktemp -d failed"
	chmod 0755 "$T"
	export T
	trap h_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1"
	export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
	export LC_ALL=C
	export LDAPNOINIT=1	# ignore ~/.ldaprc and /etc/ldap/ldap.conf
	H_NOTICE=$ECF_SRC/etc/redaction-notice.txt
	[ -r "$H_NOTICE" ] || H_NOTICE=$ECF_SRC/tests/data/redaction-notice.txt
	export H_NOTICE
}

# --- slapd ------------------------------------------------------------------

H_BASE=dc=example,dc=org
H_PACER_BASE=ou=pacer,$H_BASE
H_CMECF_BASE=ou=cmecf,$H_BASE
H_COUNTER_DN=cn=transactions,$H_BASE
H_SVC_DN=cn=ecflinkd,$H_BASE
H_SVC_PW='Svc!ecflinkd-test'
H_ROOT_DN=cn=admin,$H_BASE
H_ROOT_PW='Root!admin-test'
export H_BASE H_PACER_BASE H_CMECF_BASE H_COUNTER_DN H_SVC_DN H_SVC_PW H_ROOT_DN H_ROOT_PW

# The cn=config of a freshly installed Debian slapd (module{0} loads
# back_mdb, the data is olcDatabase={1}mdb with the indexes and ACL rules of
# /usr/share/slapd/slapd.init.ldif), with our schema; the ecflink settings
# are then applied online from schema/slapd-sample.ldif, as an
# administrator would.
h_slapd_base_ldif() {
	cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $T/slapd.pid
olcArgsFile: $T/slapd.args
olcLogLevel: ${H_SLAPD_LOGLEVEL:-none}$(
	[ -z "${H_TLS_DIR:-}" ] ||
		printf '\nolcTLSCACertificateFile: %s\nolcTLSCertificateFile: %s\nolcTLSCertificateKeyFile: %s' \
			"$H_TLS_DIR/ca.pem" "$H_TLS_DIR/server.pem" "$H_TLS_DIR/server.key")

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

include: file:///etc/ldap/schema/nis.ldif

$([ "${H_SLAPD_PRISTINE:-0}" = 1 ] || echo "include: file://$ECF_SRC/schema/ecflink.ldif")

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 500
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break
olcAccess: {1}to dn.exact="" by * read
olcAccess: {2}to dn.base="cn=Subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to *
  by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage
  by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $T/slapd.db
olcSuffix: $H_BASE
olcRootDN: $H_ROOT_DN
olcRootPW: $H_ROOT_PW
olcDbMaxSize: 268435456
olcDbIndex: objectClass eq
olcDbIndex: cn,uid eq
olcDbIndex: uidNumber,gidNumber eq
olcDbIndex: member,memberUid eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to attrs=shadowLastChange by self write by * read
olcAccess: {2}to * by * read
EOF
}

# h_urlencode STRING: percent-encodes everything but [A-Za-z0-9._-].
h_urlencode() {
	local s=$1 out= c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# h_slapd_start: builds a private slapd in $T/slapd.d (cn=config by
# slapadd -n0, tests/data/fixture.ldif by slapadd -n1), starts it on a free
# 127.0.0.1 port and on ldapi in $T, applies schema/slapd-sample.ldif over
# ldapi (SASL EXTERNAL) and waits until the service DN can bind.  Exports
# SLAPD_URI, SLAPD_LDAPI, SLAPD_PORT, SLAPD_PID.  Set H_FIXTURE to load
# another LDIF (H_SLAPADD_OPTS=-q loads a big one ~50x faster),
# H_SLAPD_LOGLEVEL (e.g. stats) for a slapd log in
# $T/slapd.log.  H_SLAPD_PRISTINE=1: slapd as Debian installs it, without
# the ecflink schema, the sample or a wait for the service DN (for
# ecflink-setup-ldap to set up).  H_SLAPD_INDEXED=1: the sample's indexes
# are in h_slapd_base_ldif already (make bench puts them there).  Called again after h_slapd_stop, it
# restarts the same directory (data and changes kept) on the same port.
h_slapd_start() {
	local tries port out=$T/slapd.log fixture=${H_FIXTURE:-$ECF_SRC/tests/data/fixture.ldif} drop
	if [ -n "${SLAPD_PORT:-}" ] && [ -e "$T/slapd.d/cn=config.ldif" ]; then
		h_slapd_launch "$SLAPD_PORT" || h_bail "slapd did not restart" "$out"
		h_slapd_wait svc || h_bail "the service DN cannot bind to slapd" "$out"
		return 0
	fi
	mkdir -p "$T/slapd.d" "$T/slapd.db"
	h_slapd_base_ldif >"$T/slapd-config.ldif"
	slapadd -n0 -F "$T/slapd.d" -l "$T/slapd-config.ldif" >"$T/slapadd.log" 2>&1 ||
		h_bail "slapadd -n0 of the harness's cn=config failed" "$T/slapadd.log"
	# shellcheck disable=SC2086 # H_SLAPADD_OPTS: words, e.g. -q
	slapadd -n1 ${H_SLAPADD_OPTS:-} -F "$T/slapd.d" -l "$fixture" >>"$T/slapadd.log" 2>&1 ||
		h_bail "slapadd -n1 of $fixture failed" "$T/slapadd.log"
	SLAPD_LDAPI="ldapi://$(h_urlencode "$T/ldapi")"
	export SLAPD_LDAPI
	for tries in 1 2 3 4 5; do
		port=$(h_free_port) || h_bail "no free TCP port found"
		h_slapd_launch "$port" && break
		# only a port someone took in between is worth another try
		grep -q 'Address already in use' "$out" || h_bail "slapd did not start" "$out"
	done
	[ -n "$SLAPD_PID" ] || h_bail "slapd could not bind a port in 5 tries" "$out"
	if [ "${H_SLAPD_PRISTINE:-0}" = 1 ]; then
		return 0
	fi
	# H_SLAPD_INDEXED=1: h_slapd_base_ldif already holds the sample's
	# index (added before slapadd, so a big load need not be indexed again)
	drop=
	[ "${H_SLAPD_INDEXED:-0}" != 1 ] || drop='/^add: olcDbIndex$/,/^-$/d'
	sed -e "s/@SUFFIX@/$H_BASE/g" -e 's/@DATABASE@/olcDatabase={1}mdb,cn=config/g' \
		-e "$drop" "$ECF_SRC/schema/slapd-sample.ldif" >"$T/slapd-sample.ldif"
	ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI" -f "$T/slapd-sample.ldif" \
		>"$T/sample.log" 2>&1 ||
		h_bail "applying schema/slapd-sample.ldif failed" "$T/sample.log"
	# syncprov: consumers replicate from it, and ecflinkd's cache follows
	# its change stream (schema/slapd-provider.ldif)
	ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI" -f "$ECF_SRC/schema/slapd-provider.ldif" \
		>"$T/provider.log" 2>&1 ||
		h_bail "applying schema/slapd-provider.ldif failed" "$T/provider.log"
	h_slapd_wait svc || h_bail "the service DN cannot bind to slapd" "$out"
}

# h_slapd_launch PORT: starts slapd on PORT and ldapi and waits until it
# answers on ldapi; on failure stops it, sets SLAPD_PID empty, returns 1.
h_slapd_launch() {
	SLAPD_PORT=$1
	SLAPD_URI="ldap://127.0.0.1:$1"
	export SLAPD_URI SLAPD_PORT
	local urls="$SLAPD_URI/ $SLAPD_LDAPI"
	if [ -n "${H_TLS_DIR:-}" ]; then
		[ -n "${SLAPD_TLS_PORT:-}" ] || SLAPD_TLS_PORT=$(h_free_port) || return 1
		SLAPD_TLS_URI="ldaps://127.0.0.1:$SLAPD_TLS_PORT"
		export SLAPD_TLS_PORT SLAPD_TLS_URI
		urls+=" $SLAPD_TLS_URI/"
	fi
	h_spawn "$T/slapd.log" slapd -d "${H_SLAPD_LOGLEVEL:-0}" -h "$urls" -F "$T/slapd.d"
	SLAPD_PID=$H_LAST_PID
	export SLAPD_PID
	h_slapd_wait ldapi && return 0
	h_stop_pid "$SLAPD_PID"
	SLAPD_PID=
	return 1
}

# h_slapd_wait ldapi|svc: waits up to 10 s for slapd to answer on ldapi
# (as root) or to a simple bind of the service DN.  Returns 1 if slapd
# exited or the time ran out.
h_slapd_wait() {
	local i
	for i in $(seq 100); do
		kill -0 "$SLAPD_PID" 2>/dev/null || return 1
		if [ "$1" = ldapi ]; then
			ldapwhoami -Q -Y EXTERNAL -H "$SLAPD_LDAPI" >/dev/null 2>&1 && return 0
		else
			ldapwhoami -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW" \
				>/dev/null 2>&1 && return 0
		fi
		sleep 0.1
	done
	return 1
}

# h_tls_certs: a test CA and certificates in $T/tls (certtool), exported
# as H_TLS_DIR, for h_slapd_start to serve ldaps:// and StartTLS (call it
# first): ca.pem (the CA that signs the others), ca2.pem (another CA),
# server.pem/server.key (for the IP address 127.0.0.1 only, so "localhost"
# is a name mismatch) and expired.pem (the same key, valid in 2020 only).
h_tls_certs() {
	local d=$T/tls
	command -v certtool >/dev/null || h_bail "certtool (gnutls-bin) is needed for TLS tests"
	mkdir -p "$d"
	{
		certtool --generate-privkey --key-type=ecdsa --outfile "$d/ca.key" &&
		printf 'cn = "ecflink test CA"\nca\ncert_signing_key\nexpiration_days = 30\n' \
			>"$d/ca.tmpl" &&
		certtool --generate-self-signed --load-privkey "$d/ca.key" \
			--template "$d/ca.tmpl" --outfile "$d/ca.pem" &&
		certtool --generate-privkey --key-type=ecdsa --outfile "$d/ca2.key" &&
		printf 'cn = "another CA"\nca\ncert_signing_key\nexpiration_days = 30\n' \
			>"$d/ca2.tmpl" &&
		certtool --generate-self-signed --load-privkey "$d/ca2.key" \
			--template "$d/ca2.tmpl" --outfile "$d/ca2.pem" &&
		certtool --generate-privkey --key-type=ecdsa --outfile "$d/server.key" &&
		printf 'cn = "127.0.0.1"\nip_address = "127.0.0.1"\ntls_www_server\n%s\n' \
			'expiration_days = 30' >"$d/server.tmpl" &&
		certtool --generate-certificate --load-privkey "$d/server.key" \
			--load-ca-certificate "$d/ca.pem" --load-ca-privkey "$d/ca.key" \
			--template "$d/server.tmpl" --outfile "$d/server.pem" &&
		printf 'cn = "127.0.0.1"\nip_address = "127.0.0.1"\ntls_www_server\n%s\n%s\n' \
			'activation_date = "2020-01-01 00:00:00 UTC"' \
			'expiration_date = "2020-06-01 00:00:00 UTC"' >"$d/expired.tmpl" &&
		certtool --generate-certificate --load-privkey "$d/server.key" \
			--load-ca-certificate "$d/ca.pem" --load-ca-privkey "$d/ca.key" \
			--template "$d/expired.tmpl" --outfile "$d/expired.pem"
	} >"$d/certtool.log" 2>&1 || h_bail "certtool could not make the test certificates" \
		"$d/certtool.log"
	H_TLS_DIR=$d
	export H_TLS_DIR
}

# h_slapd_stop: stops slapd (H_STOP_RC holds its exit status).
h_slapd_stop() {
	[ -n "${SLAPD_PID:-}" ] || return 0
	h_stop_pid "$SLAPD_PID"
	SLAPD_PID=
}

# h_slapd_pause / h_slapd_resume: SIGSTOP / SIGCONT slapd, a directory that
# hangs: connections are accepted by the kernel but never answered.
h_slapd_pause() {
	kill -STOP "$SLAPD_PID"
}

h_slapd_resume() {
	kill -CONT "$SLAPD_PID"
}

# h_ldapmodify [ARG...]: ldapmodify as the root DN, LDIF on stdin.
h_ldapmodify() {
	ldapmodify -x -H "$SLAPD_URI" -D "$H_ROOT_DN" -w "$H_ROOT_PW" "$@"
}

# h_ldapsearch ARG...: ldapsearch as the service DN, LDIF out, no wrapping.
h_ldapsearch() {
	ldapsearch -x -LLL -o ldif-wrap=no -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW" "$@"
}

# h_ldapsearch_root ARG...: the same as the root DN (ACLs do not apply).
h_ldapsearch_root() {
	ldapsearch -x -LLL -o ldif-wrap=no -H "$SLAPD_URI" -D "$H_ROOT_DN" -w "$H_ROOT_PW" "$@"
}

# --- syslog -----------------------------------------------------------------

# h_private_dev: replaces /dev in this mount namespace by a tmpfs holding
# what processes need (null zero full random urandom tty ptmx pts shm and
# the fd links), bound from the real /dev, so that /dev/log can be created.
h_private_dev() {
	local n
	mkdir -p "$T/realdev"
	mount --rbind /dev "$T/realdev" || return 1
	mount -t tmpfs -o mode=0755,nosuid tmpfs /dev || return 1
	for n in null zero full random urandom tty ptmx; do
		[ -e "$T/realdev/$n" ] || continue
		touch "/dev/$n" && mount --bind "$T/realdev/$n" "/dev/$n" || return 1
	done
	mkdir -p /dev/pts /dev/shm
	mount --rbind "$T/realdev/pts" /dev/pts || return 1
	mount --rbind "$T/realdev/shm" /dev/shm || return 1
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
}

# h_syslog_start: a private /dev/log (see h_private_dev; or a bind mount
# over an existing one) served by tests/tools/logsink, which writes one
# line per datagram to H_SYSLOG ($T/syslog.log).  Exports H_SYSLOG and
# H_SYSLOG_PID.
h_syslog_start() {
	local sink=$ECF_BUILD/tools/logsink sock i
	[ -x "$sink" ] || h_bail "$sink is missing (make check-build)"
	H_SYSLOG=$T/syslog.log
	: >"$H_SYSLOG"
	if [ -e /dev/log ] || [ -L /dev/log ]; then
		sock=$T/log
	else
		h_private_dev || h_bail "cannot set up a private /dev in the mount namespace"
		sock=/dev/log
	fi
	h_spawn "$T/logsink.err" "$sink" -r "$T/logsink.ready" "$sock" "$H_SYSLOG"
	H_SYSLOG_PID=$H_LAST_PID
	for i in $(seq 50); do
		[ -e "$T/logsink.ready" ] && break
		kill -0 "$H_SYSLOG_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -e "$T/logsink.ready" ] || h_bail "logsink did not bind $sock" "$T/logsink.err"
	if [ "$sock" != /dev/log ]; then
		mount --bind "$sock" /dev/log || h_bail "cannot bind-mount $sock over /dev/log"
	fi
	H_SYSLOG_MARK=0
	export H_SYSLOG H_SYSLOG_PID
}

# h_syslog_count PATTERN: prints how many lines of H_SYSLOG match the
# extended regex PATTERN.
h_syslog_count() {
	grep -cE -- "$1" "$H_SYSLOG" || true
}

# h_syslog_wait PATTERN N: waits up to 5 s until at least N lines match;
# returns 1 on time-out.
h_syslog_wait() {
	local i
	for i in $(seq 50); do
		[ "$(h_syslog_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# h_syslog_mark: remembers how many lines H_SYSLOG has, for the *_since
# functions, which look only at lines written after the mark.
h_syslog_mark() {
	H_SYSLOG_MARK=$(wc -l <"$H_SYSLOG")
}

# h_syslog_since: prints the lines written since h_syslog_mark.
h_syslog_since() {
	tail -n "+$((H_SYSLOG_MARK + 1))" "$H_SYSLOG"
}

# h_syslog_count_since PATTERN: like h_syslog_count, since the mark.
h_syslog_count_since() {
	h_syslog_since | grep -cE -- "$1" || true
}

# h_syslog_wait_since PATTERN N: like h_syslog_wait, since the mark.
h_syslog_wait_since() {
	local i
	for i in $(seq 50); do
		[ "$(h_syslog_count_since "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- ecflinkd ---------------------------------------------------------------

# h_config [NAME=VALUE...]: writes an ecflink.conf for ecflinkd against the
# harness's slapd and prints its path.  Also writes $T/ldap.secret (0600)
# and makes $T/spool; the notice file is H_NOTICE (set by h_init:
# etc/redaction-notice.txt, else tests/data/redaction-notice.txt).  Names:
#   CONF                path to write (default $T/ecflink.conf)
#   GOLIVE              court.golive (default 2015-11-01T00:00:00-06:00;
#                       "unset" leaves the key out)
#   TIMEZONE            court.timezone (default America/Chicago)
#   URIS                ldap.uris, space-separated (default SLAPD_URI)
#   WRITE_URI           ldap.write_uri (default SLAPD_URI)
#   UNLINKED_LEGACY CACHE_TTL POOL_SIZE TIMEOUT_MS NETWORK_TIMEOUT_MS DEBUG
#   SOCKET              socket.path (default $T/ecflinkd.sock)
#   COURT_EXTRA LDAP_EXTRA SOCKET_EXTRA POLICY_EXTRA REDACTION_EXTRA
#   MAIL_EXTRA LOG_EXTRA   raw settings added inside that group
#   EXTRA               raw text added at the end (e.g. a messages group)
h_config() {
	local kv CONF=$T/ecflink.conf GOLIVE=2015-11-01T00:00:00-06:00 TIMEZONE=America/Chicago
	local URIS=${SLAPD_URI:-ldap://127.0.0.1:389} WRITE_URI=${SLAPD_URI:-ldap://127.0.0.1:389}
	local UNLINKED_LEGACY=allow CACHE_TTL=30 POOL_SIZE=4 TIMEOUT_MS=3000
	local NETWORK_TIMEOUT_MS=1000 DEBUG=false SOCKET=$T/ecflinkd.sock
	local COURT_EXTRA= LDAP_EXTRA= SOCKET_EXTRA= POLICY_EXTRA= REDACTION_EXTRA=
	local MAIL_EXTRA= LOG_EXTRA= EXTRA= golive_line= uris= u
	for kv in "$@"; do
		case $kv in
		CONF=* | GOLIVE=* | TIMEZONE=* | URIS=* | WRITE_URI=* | UNLINKED_LEGACY=* | \
			CACHE_TTL=* | POOL_SIZE=* | TIMEOUT_MS=* | NETWORK_TIMEOUT_MS=* | \
			DEBUG=* | SOCKET=* | *_EXTRA=* | EXTRA=*)
			local "$kv"
			;;
		*)
			echo "h_config: unknown setting '$kv'" >&2
			return 1
			;;
		esac
	done
	printf '%s' "$H_SVC_PW" >"$T/ldap.secret"
	chmod 0600 "$T/ldap.secret"
	mkdir -p "$T/spool"
	[ "$GOLIVE" = unset ] || golive_line="golive = \"$GOLIVE\"; "
	for u in $URIS; do
		uris+="${uris:+, }\"$u\""
	done
	cat >"$CONF" <<EOF
# written by tests/harness/lib.sh h_config
court: {
	name = "SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT";
	timezone = "$TIMEZONE";
	${golive_line}$COURT_EXTRA
};
ldap: {
	uris = [ $uris ];
	write_uri = "$WRITE_URI";
	bind_dn = "$H_SVC_DN";
	bind_password_file = "$T/ldap.secret";
	pacer_base = "$H_PACER_BASE";
	cmecf_base = "$H_CMECF_BASE";
	counter_dn = "$H_COUNTER_DN";
	network_timeout_ms = $NETWORK_TIMEOUT_MS;
	timeout_ms = $TIMEOUT_MS;
	pool_size = $POOL_SIZE;
	$LDAP_EXTRA
};
socket: { path = "$SOCKET"; $SOCKET_EXTRA };
policy: { unlinked_legacy = "$UNLINKED_LEGACY"; cache_ttl_s = $CACHE_TTL; $POLICY_EXTRA };
redaction: { notice_file = "$H_NOTICE"; $REDACTION_EXTRA };
mail: { spool_dir = "$T/spool"; $MAIL_EXTRA };
log: { facility = "authpriv"; debug = $DEBUG; $LOG_EXTRA };
$EXTRA
EOF
	echo "$CONF"
}

# h_daemon_start [CONF]: starts ecflinkd -d -f CONF (default
# $T/ecflink.conf) with stderr to $T/ecflinkd.err and waits up to 10 s until
# "ecflinkctl -s SOCKET ping" succeeds.  Exports ECFLINKD_PID and H_SOCK
# (socket.path read back from CONF).
h_daemon_start() {
	local conf=${1:-$T/ecflink.conf} i
	[ -x "$ECF_BUILD/ecflinkd" ] || h_bail "$ECF_BUILD/ecflinkd is missing (make check-build)"
	[ -r "$conf" ] || h_bail "config $conf is missing (h_config writes one)"
	H_SOCK=$(sed -n 's/^socket: { path = "\([^"]*\)".*/\1/p' "$conf")
	: "${H_SOCK:=$T/ecflinkd.sock}"
	export H_SOCK
	h_spawn "$T/ecflinkd.err" "$ECF_BUILD/ecflinkd" -d -f "$conf"
	ECFLINKD_PID=$H_LAST_PID
	export ECFLINKD_PID
	for i in $(seq 100); do
		kill -0 "$ECFLINKD_PID" 2>/dev/null ||
			h_bail "ecflinkd exited at start" "$T/ecflinkd.err"
		"$ECF_BUILD/ecflinkctl" -s "$H_SOCK" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	h_bail "ecflinkd did not answer ping on $H_SOCK within 10 s" "$T/ecflinkd.err"
}

# h_daemon_stop: SIGTERM to ecflinkd, waits for it (5 s, then SIGKILL) and
# sets H_DAEMON_RC to its exit status (0 for a clean exit); also returns it.
h_daemon_stop() {
	[ -n "${ECFLINKD_PID:-}" ] || return 0
	h_stop_pid "$ECFLINKD_PID"
	H_DAEMON_RC=$H_STOP_RC
	ECFLINKD_PID=
	return "$H_DAEMON_RC"
}
