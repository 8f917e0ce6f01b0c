#!/bin/bash
# it_harness.sh - tests the test harness itself and the schema files: the
# schema's two forms agree, the private slapd runs with the ecflink schema,
# the fixture and schema/slapd-sample.ldif (ACLs, slapo-unique with
# serialize, limits), Modify-Increment with post-read on the counter, and
# the private /dev/log sink.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

# unfold_olc FILE: the schema definitions of an LDIF file, one per line,
# without slapd's {N} ordering prefixes.
unfold_olc() {
	awk '/^ / { line = line substr($0, 2); next }
	     { if (line != "") print line; line = $0 }
	     END { if (line != "") print line }' "$1" |
		grep -E '^olc(AttributeTypes|ObjectClasses|ObjectIdentifier):' |
		sed -E 's/^([A-Za-z]+): \{[0-9]+\}/\1: /'
}

# --- schema files -------------------------------------------------------------

sh "$ECF_SRC/schema/gen-ldif.sh" >"$T/ecflink.ldif" 2>"$T/gen.err"
t_ok "schema/ecflink.ldif is what gen-ldif.sh makes of schema/ecflink.schema" \
	diff -u "$ECF_SRC/schema/ecflink.ldif" "$T/ecflink.ldif"

# slaptest's own conversion of the .schema must give the same definitions.
mkdir -p "$T/slaptest.d"
cat >"$T/slaptest.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include $ECF_SRC/schema/ecflink.schema
EOF
if slaptest -Q -f "$T/slaptest.conf" -F "$T/slaptest.d" >"$T/slaptest.log" 2>&1; then
	unfold_olc "$T/slaptest.d/cn=config/cn=schema/cn={4}ecflink.ldif" >"$T/olc.slaptest"
	unfold_olc "$ECF_SRC/schema/ecflink.ldif" >"$T/olc.ours"
	t_ok "slaptest's conversion of ecflink.schema has the definitions of ecflink.ldif" \
		diff -u "$T/olc.slaptest" "$T/olc.ours"
	t_is "$(grep -c . "$T/olc.ours")" 15 "ecflink.ldif defines 12 attribute types and 3 classes"
else
	t_fail "slaptest loads ecflink.schema after core cosine inetorgperson nis" \
		"$(cat "$T/slaptest.log")"
fi
t_unlike "$(cat "$ECF_SRC/schema/ecflink.ldif")" '^(version|changetype):' \
	"ecflink.ldif has no version: or changetype: line"

# ecflink.ldif also loads online, with ldapadd -Y EXTERNAL, into a running
# slapd that has only core, cosine, inetorgperson and nis (and no database).
mkdir -p "$T/online.d"
h_slapd_base_ldif | sed -e '/ecflink\.ldif/d' -e '/^dn: olcDatabase={1}mdb/,$d' \
	-e "s|$T/slapd\.|$T/online.|" >"$T/online.ldif"
if slapadd -n0 -F "$T/online.d" -l "$T/online.ldif" >"$T/online.log" 2>&1; then
	online_uri="ldapi://$(h_urlencode "$T/online.sock")"
	h_spawn "$T/online.log" slapd -d 0 -h "$online_uri" -F "$T/online.d"
	online_pid=$H_LAST_PID
	for i in $(seq 100); do
		ldapwhoami -Q -Y EXTERNAL -H "$online_uri" >/dev/null 2>&1 && break
		sleep 0.1
	done
	t_ok "ecflink.ldif loads with ldapadd -Y EXTERNAL on a running slapd" \
		ldapadd -Q -Y EXTERNAL -H "$online_uri" -f "$ECF_SRC/schema/ecflink.ldif"
	h_stop_pid "$online_pid"
else
	t_fail "slapadd -n0 of a bare cn=config" "$(cat "$T/online.log")"
fi

# --- slapd ------------------------------------------------------------------------

h_slapd_start
t_pass "private slapd started (slapadd -n0 with ecflink.ldif, sample applied online)"
t_like "$SLAPD_URI" '^ldap://127\.0\.0\.1:[0-9]+$' "SLAPD_URI is a loopback URI"

out=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$SLAPD_LDAPI" -b cn=schema,cn=config \
	'(cn=*ecflink)' olcObjectClasses 2>&1)
t_like "$out" "NAME 'ecfCounter'" "ecflink schema loaded in cn=schema,cn=config"

out=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$SLAPD_LDAPI" -b cn=config \
	'(|(objectClass=olcUniqueConfig)(olcSuffix=*))' olcUniqueURI olcLimits olcDbIndex 2>&1)
t_like "$out" 'olcUniqueURI: serialize ldap:///ou=cmecf,dc=example,dc=org\?ecfLinkedPacer\?sub' \
	"slapo-unique configured with serialize from slapd-sample.ldif"
t_like "$out" 'olcLimits: \{0\}dn.exact="cn=ecflinkd,dc=example,dc=org" size=unlimited' \
	"olcLimits for the service DN from slapd-sample.ldif"
t_like "$out" 'olcDbIndex: ecfLinkedPacer eq' "ecfLinkedPacer has an eq index"

out=$(h_ldapsearch -b "$H_CMECF_BASE" '(uid=tattorney03)' cn ecfRole 2>&1)
t_like "$out" '^cn: Train Attorney03$' "service DN finds CM/ECF tattorney03"
t_is "$(h_ldapsearch -b "$H_CMECF_BASE" '(objectClass=ecfAccount)' dn | grep -c '^dn:')" 5 \
	"fixture has 5 CM/ECF accounts"
t_is "$(h_ldapsearch -b "$H_PACER_BASE" '(objectClass=pacerAccount)' dn | grep -c '^dn:')" 3 \
	"fixture has 3 PACER accounts"
out=$(h_ldapsearch -b "$H_CMECF_BASE" '(ecfLinkedPacer=JANEDOE)' uid ecfLinkTransaction 2>&1)
t_like "$out" '^uid: jdoe1$' "(ecfLinkedPacer=JANEDOE) finds jdoe1 (case-insensitive)"
out=$(h_ldapsearch -b "$H_CMECF_BASE" '(ecfLinkTransaction>=999)' uid 2>&1)
t_like "$out" '^uid: jdoe1$' "ecfLinkTransaction has integer ordering"

# --- ACLs ------------------------------------------------------------------------

out=$(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: pwned\n' \
	"$H_SVC_DN" | ldapmodify -x -H "$SLAPD_URI" 2>&1)
t_like "$out" 'Insufficient access|Strong.*required|Confidentiality' \
	"anonymous cannot write the service DN's entry"

t_ok "PACER janedoe binds with its password" \
	ldapwhoami -x -H "$SLAPD_URI" -D "uid=janedoe,$H_PACER_BASE" -w 'Jane!pacer1'
t_nok "PACER janedoe does not bind with a wrong password" \
	ldapwhoami -x -H "$SLAPD_URI" -D "uid=janedoe,$H_PACER_BASE" -w 'wrong'

h_ldapmodify >"$T/m.log" 2>&1 <<EOF
dn: uid=rsmith,$H_CMECF_BASE
changetype: modify
replace: ecfLinkSecret
ecfLinkSecret: \$y\$j9T\$testhash
-
replace: ecfLinkSecretExpires
ecfLinkSecretExpires: 20991231000000Z
EOF
out=$(ldapsearch -x -LLL -H "$SLAPD_URI" -D "uid=rsmith,$H_CMECF_BASE" -w 'Smith#legacy' \
	-b "uid=rsmith,$H_CMECF_BASE" -s base '(objectClass=*)' '*' 2>&1)
t_like "$out" '^uid: rsmith$' "user rsmith reads its own entry"
t_unlike "$out" 'ecfLinkSecret' "user rsmith cannot read its ecfLinkSecret"
t_like "$out" '^userPassword:' \
	"user rsmith still reads its own userPassword (Debian's 'by self write' kept)"
out=$(ldapsearch -x -LLL -H "$SLAPD_URI" -D "uid=janedoe,$H_PACER_BASE" -w 'Jane!pacer1' \
	-b "uid=rsmith,$H_CMECF_BASE" -s base '(objectClass=*)' '*' 2>&1)
t_like "$out" '^uid: rsmith$' "user janedoe reads rsmith's entry (Debian's 'to * by * read')"
t_unlike "$out" 'ecfLinkSecret|userPassword' \
	"user janedoe cannot read rsmith's ecfLinkSecret or userPassword"
out=$(ldapsearch -x -LLL -H "$SLAPD_URI" -b "$H_CMECF_BASE" '(|(uid=rsmith)(uid=jdoe1))' '*' 2>&1)
t_like "$out" '^cn: Robert Smith$' "anonymous still reads entries (what nslcd does)"
t_unlike "$out" 'ecfLinkSecret|userPassword|ecfLinkedPacer' \
	"anonymous reads no password, reset code or link attribute"
out=$(h_ldapsearch -b "uid=rsmith,$H_CMECF_BASE" -s base '(objectClass=*)' '*' 2>&1)
t_like "$out" '^ecfLinkSecret: ' "service DN reads ecfLinkSecret"
t_like "$out" '^userPassword:' "service DN reads userPassword (to tell a locked account)"

# The link Modify of DESIGN "Directory model", as the service DN: retire
# the password and the reset code (replace with no values), set the link.
link() { # link LOGIN PACER: prints ldapmodify's output; status is its status
	ldapmodify -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW" \
		-e '!assert=(!(ecfLinkedPacer=*))' 2>&1 <<EOF
dn: uid=$1,$H_CMECF_BASE
changetype: modify
replace: ecfLinkedPacer
ecfLinkedPacer: $2
-
replace: ecfLinkTime
ecfLinkTime: 20251129120000Z
-
replace: ecfLinkTransaction
ecfLinkTransaction: 1000
-
replace: userPassword
-
replace: ecfLinkSecret
-
replace: ecfLinkSecretExpires
EOF
}
out=$(link rsmith janedoe)
t_like "$out" 'Constraint violation' \
	"slapo-unique refuses a second CM/ECF account linked to janedoe"
out=$(link rsmith punlinked) && rc=0 || rc=$?
t_is "$rc" 0 "service DN links rsmith to punlinked in one Modify (assertion control)"
[ "$rc" -eq 0 ] || t_diag "$out"
t_nok "rsmith's legacy password no longer binds" \
	ldapwhoami -x -H "$SLAPD_URI" -D "uid=rsmith,$H_CMECF_BASE" -w 'Smith#legacy'
out=$(h_ldapsearch -b "uid=rsmith,$H_CMECF_BASE" -s base '(objectClass=*)' ecfLinkSecret)
t_unlike "$out" 'ecfLinkSecret' "the link removed rsmith's ecfLinkSecret"
out=$(link rsmith tattorneythree)
t_like "$out" 'Assertion Failed' "a second link of rsmith fails the assertion control"
out=$(printf 'dn: uid=tlocked,%s\nchangetype: modify\nreplace: %s\n%s: x\n' \
	"$H_CMECF_BASE" ecfLinkedPacer ecfLinkedPacer | ldapmodify -x -H "$SLAPD_URI" -D "uid=clerk1,$H_CMECF_BASE" \
	-w 'Clerk1!' 2>&1)
t_like "$out" 'Insufficient access' "a user DN cannot write ecfLinkedPacer"

# --- counter -------------------------------------------------------------------

incr() {
	ldapmodify -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW" \
		-e postread=ecfNextTransaction 2>&1 <<EOF
dn: $H_COUNTER_DN
changetype: modify
increment: ecfNextTransaction
ecfNextTransaction: 1
EOF
}
t_like "$(incr)" '^ecfNextTransaction: 1001$' "Modify-Increment with post-read returns 1001"
t_like "$(incr)" '^ecfNextTransaction: 1002$' "the next increment returns 1002"

# --- limits -------------------------------------------------------------------

for i in $(seq 1 520); do
	printf 'dn: cn=bulk%d,ou=services,%s\nobjectClass: organizationalRole\ncn: bulk%d\n\n' \
		"$i" "$H_BASE" "$i"
done >"$T/bulk.ldif"
t_ok "520 more entries added" h_ldapmodify -a -f "$T/bulk.ldif"
n=$(h_ldapsearch -b "ou=services,$H_BASE" '(cn=bulk*)' dn 2>&1 | grep -c '^dn:')
t_is "$n" 520 "service DN reads past slapd's 500-entry size limit (olcLimits)"
ldapsearch -x -LLL -H "$SLAPD_URI" -D "uid=clerk1,$H_CMECF_BASE" -w 'Clerk1!' \
	-b "ou=services,$H_BASE" '(cn=bulk*)' dn >/dev/null 2>&1 && rc=0 || rc=$?
t_is "$rc" 4 "another user still hits the size limit (sizeLimitExceeded)"

# --- pause / resume -------------------------------------------------------------

h_slapd_pause
t_nok "a paused slapd does not answer within 2 s" \
	timeout 2 ldapwhoami -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW"
h_slapd_resume
t_ok "a resumed slapd answers" ldapwhoami -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW"

port=$SLAPD_PORT
h_slapd_stop
t_is "$H_STOP_RC" 0 "slapd exits 0 on SIGTERM"
t_nok "a stopped slapd refuses connections" \
	ldapwhoami -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w "$H_SVC_PW"
h_slapd_start
t_is "$SLAPD_PORT" "$port" "h_slapd_start after h_slapd_stop restarts on the same port"
t_like "$(incr)" '^ecfNextTransaction: 1003$' "the restarted slapd kept its data"

# --- syslog ---------------------------------------------------------------------

h_syslog_start
t_ok "/dev/log is a socket" test -S /dev/log
h_syslog_mark
logger -u /dev/log --socket-errors=on -t ecftest "hello from logger"
t_ok "logsink received logger's datagram" h_syslog_wait 'ecftest.*hello from logger$' 1
t_is "$(h_syslog_since | wc -l)" 1 "one datagram is one line"
h_syslog_mark
logger -u /dev/log --socket-errors=on -t ecftest "$(printf 'first\nfake: event=auth result=ok')"
h_syslog_wait_since 'ecftest' 1
t_is "$(h_syslog_since | wc -l)" 1 "a datagram with a newline stays on one line"
t_like "$(h_syslog_since)" 'first\\nfake: event=auth' "the newline shows as \\n"
t_is "$(h_syslog_count_since '^fake')" 0 "no forged line starts with the injected text"

# --- config / daemon --------------------------------------------------------------

conf=$(h_config GOLIVE=unset CACHE_TTL=0)
t_unlike "$(cat "$conf")" 'golive' "h_config GOLIVE=unset leaves court.golive out"
t_is "$(stat -c %a "$T/ldap.secret")" 600 "bind password file is mode 0600"
conf=$(h_config)
if [ -x "$ECF_BUILD/ecflinkd" ] && [ -x "$ECF_BUILD/ecflinkctl" ]; then
	t_ok "ecflinkd -t accepts the harness's config" "$ECF_BUILD/ecflinkd" -t -f "$conf"
	h_daemon_start "$conf"
	t_ok "ecflinkctl ping answers" "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" ping
	h_daemon_stop
	t_is "$H_DAEMON_RC" 0 "ecflinkd exits 0 on SIGTERM"
else
	t_skip "ecflinkd with the harness's config" "$ECF_BUILD/ecflinkd or ecflinkctl not built"
fi

h_slapd_stop
t_done
