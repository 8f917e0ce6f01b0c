#!/bin/bash
# it_tls.sh - TLS to LDAP (issue 11): a test CA and server certificates
# made by certtool, slapd serving ldaps:// and StartTLS, and ecflinkd
# logging in through each, verifying certificates by default and failing
# closed, with one log line naming the URI and the cause, for the wrong
# CA, a name mismatch and an expired certificate; ecflinkd -t refusing
# plain ldap:// to a host other than loopback.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
for f in "$MOD" "$DRIVE" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done
command -v openssl >/dev/null || h_bail "openssl is needed to serve an expired certificate"
command -v logger >/dev/null || h_bail "logger (bsdutils) is needed to sync the syslog"

h_syslog_start
h_tls_certs
h_slapd_start
TLS=$H_TLS_DIR

mkdir -p "$T/pam.d"
cat >"$T/pam.d/efile" <<EOF
auth    required $MOD realm=pacer authenticate socket=$T/ecflinkd.sock
EOF

H_SYNC=0
log_sync() {
	H_SYNC=$((H_SYNC + 1))
	logger -u /dev/log -t it_tls "sync-$H_SYNC" 2>/dev/null
	h_syslog_wait "it_tls.*sync-$H_SYNC\$" 1 || t_diag "syslog marker sync-$H_SYNC not seen"
}

# login DESC URI LDAP_EXTRA: a daemon on URI with LDAP_EXTRA, one PAM login
# of janedoe; sets CODE and LINES (the event=auth lines it wrote).
login() {
	local desc=$1 uri=$2 extra=$3 conf out
	conf=$(h_config URIS="$uri" WRITE_URI="$uri" LDAP_EXTRA="$extra")
	h_daemon_start "$conf"
	h_syslog_mark
	out=$("$DRIVE" -C "$T/pam.d" -s efile -u janedoe -p 'Jane!pacer1' auth 2>&1)
	CODE=$(printf '%s\n' "$out" | sed -n 's/^auth: \(PAM_[A-Z_]*\) .*/\1/p')
	log_sync
	LINES=$(h_syslog_since | grep -E 'ecflinkd\[[0-9]+\]: event=auth ')
	h_daemon_stop
	t_is "$H_DAEMON_RC" 0 "$desc: ecflinkd stops cleanly (no sanitizer report)"
}

# --- good certificates --------------------------------------------------------
login "ldaps" "$SLAPD_TLS_URI" "ca_file = \"$TLS/ca.pem\";"
t_is "$CODE" PAM_SUCCESS "ldaps:// with the test CA: the login works"
login "starttls" "$SLAPD_URI" "ca_file = \"$TLS/ca.pem\"; starttls = true;"
t_is "$CODE" PAM_SUCCESS "StartTLS on ldap:// with the test CA: the login works"

# --- faults: fail closed, one line naming the URI and the cause -------------------------
# fault DESC URI LDAP_EXTRA REGEX: the login fails closed with one line.
fault() {
	local desc=$1 re=$4
	login "$@"
	t_is "$CODE" PAM_AUTHINFO_UNAVAIL "$desc: the login fails closed"
	t_is "$(printf '%s\n' "$LINES" | grep -c .)" 1 "$desc: one log line"
	t_like "$LINES" "result=error reason=ldap_unavailable detail=.*$re" \
		"$desc: the line names the URI and the cause"
}
fault "wrong CA" "$SLAPD_TLS_URI" "ca_file = \"$TLS/ca2.pem\";" \
	"TLS to ldaps://127\\.0\\.0\\.1:$SLAPD_TLS_PORT: the server's certificate \\(CN=127\\.0\\.0\\.1, issued by CN=ecflink test CA\\) is not trusted by $TLS/ca2\\.pem"
fault "StartTLS, wrong CA" "$SLAPD_URI" "ca_file = \"$TLS/ca2.pem\"; starttls = true;" \
	"StartTLS with $SLAPD_URI: .*TLS to $SLAPD_URI: the server's certificate .* is not trusted by $TLS/ca2\\.pem"
fault "no ca_file (verified against the system store by default)" "$SLAPD_TLS_URI" "" \
	"TLS to ldaps://127\\.0\\.0\\.1:$SLAPD_TLS_PORT: .*not trusted by the system's CA store"
fault "name mismatch" "ldaps://localhost:$SLAPD_TLS_PORT" "ca_file = \"$TLS/ca.pem\";" \
	"TLS to ldaps://localhost:$SLAPD_TLS_PORT: the server's certificate \\(CN=127\\.0\\.0\\.1\\) does not name localhost"

port=$(h_free_port) || h_bail "no free TCP port for the expired certificate"
h_spawn "$T/s_server.log" openssl s_server -quiet -accept "127.0.0.1:$port" \
	-cert "$TLS/expired.pem" -key "$TLS/server.key"
for i in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
fault "expired certificate" "ldaps://127.0.0.1:$port" "ca_file = \"$TLS/ca.pem\";" \
	"TLS to ldaps://127\\.0\\.0\\.1:$port: the server's certificate \\(CN=127\\.0\\.0\\.1\\) expired on 2020-06-01 00:00:00 UTC"

# --- no password in clear text beyond loopback -------------------------------------
conf=$(h_config URIS="ldap://192.0.2.10" WRITE_URI="ldap://192.0.2.10")
out=$("$ECF_BUILD/ecflinkd" -t -f "$conf" 2>&1) && rc=0 || rc=$?
t_is "$rc" 1 "ecflinkd -t refuses plain ldap:// to a remote host"
t_like "$out" 'ldap.uris: "ldap://192.0.2.10" would carry the bind password and users'"'"' passwords in clear text to 192.0.2.10; use ldaps://, set ldap.starttls = true, or set ldap.allow_plaintext = true' \
	"and says why and what to do"
conf=$(h_config URIS="ldap://192.0.2.10" WRITE_URI="ldap://192.0.2.10" \
	LDAP_EXTRA="allow_plaintext = true;")
t_ok "ldap.allow_plaintext = true allows it" "$ECF_BUILD/ecflinkd" -t -f "$conf"
conf=$(h_config URIS="ldap://192.0.2.10" WRITE_URI="ldap://192.0.2.10" \
	LDAP_EXTRA="starttls = true;")
t_ok "so does StartTLS" "$ECF_BUILD/ecflinkd" -t -f "$conf"

t_done
