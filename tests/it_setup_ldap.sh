#!/bin/bash
# it_setup_ldap.sh - schema/ecflink-setup-ldap against a slapd configured as
# Debian installs it (indexes and ACL rules of slapd.init.ldif, no ecflink
# schema) under a suffix other than the examples' and holding an
# nslcd-style POSIX account: -n changes nothing; a run loads everything; a
# second run changes nothing (cn=config and the data compared); the
# existing rules still work (anonymous reads, self write, anonymous
# auth); the service DN binds with the password the helper wrote;
# ecflinkd runs on the result and decides the example attorney's login.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

HELPER=$ECF_SRC/schema/ecflink-setup-ldap
DRIVE=$ECF_BUILD/tools/pamdrive
MOD=$ECF_BUILD/pam_ecflink.so
for f in "$DRIVE" "$MOD" "$ECF_BUILD/ecflinkd"; do
	[ -e "$f" ] || h_bail "$f is missing (make check-build)"
done

H_BASE=dc=iasb,dc=uscourts,dc=test
H_PACER_BASE=ou=pacer,$H_BASE
H_CMECF_BASE=ou=cmecf,$H_BASE
H_COUNTER_DN=cn=transactions,$H_BASE
H_SVC_DN=cn=ecflinkd,$H_BASE
H_ROOT_DN=cn=admin,$H_BASE
cat >"$T/pristine.ldif" <<EOF
dn: $H_BASE
objectClass: top
objectClass: dcObject
objectClass: organization
dc: iasb
o: Example Court

dn: ou=people,$H_BASE
objectClass: organizationalUnit
ou: people

dn: uid=nsuser,ou=people,$H_BASE
objectClass: account
objectClass: posixAccount
objectClass: shadowAccount
uid: nsuser
cn: nsuser
uidNumber: 20001
gidNumber: 20001
homeDirectory: /home/nsuser
loginShell: /bin/bash
userPassword: Ns-user-pw1
EOF
H_FIXTURE=$T/pristine.ldif H_SLAPD_PRISTINE=1 h_slapd_start
printf '%s' "$H_ROOT_PW" >"$T/root.pw"
: >"$T/ldap.secret"
chmod 0600 "$T/root.pw" "$T/ldap.secret"
export ECFLINK_SETUP_DATA=$ECF_SRC/schema ECFLINK_SCHEMA_LDIF=$ECF_SRC/schema/ecflink.ldif

# snapshot NAME: cn=config (without slapd's own bookkeeping) and the data,
# as root.
snapshot() {
	{
		ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$SLAPD_LDAPI" -b cn=config
		h_ldapsearch_root -b "$H_BASE" '(objectClass=*)' '*' +
	} 2>&1 | grep -vE '^(modifyTimestamp|modifiersName|entryCSN|contextCSN):' >"$T/$1"
}

setup() {
	"$HELPER" -H "$SLAPD_LDAPI" -y "$T/root.pw" -s "$T/ldap.secret" "$@"
}

snapshot before
out=$(setup -n 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "ecflink-setup-ldap -n exits 0" || t_diag "$out"
t_like "$out" "suffix $H_BASE, database olcDatabase=\{1\}mdb,cn=config" \
	"-n finds the suffix from namingContexts and its database"
t_like "$out" 'changes to make \(none made: -n\)' "-n says what it would do"
snapshot after-n
t_ok "-n changes nothing" cmp "$T/before" "$T/after-n"
t_is "$(stat -c %s "$T/ldap.secret")" 0 "-n writes no password"

out=$(setup 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "first run exits 0" || t_diag "$out"
t_like "$out" 'schema ecflink: loading' "first run loads the schema"
t_like "$out" 'index ecfLinkedPacer: adding' "first run adds the ecfLinkedPacer index"
t_like "$out" 'index uid: already there \(eq\)' "Debian's uid index is found in 'cn,uid eq'"
t_like "$out" 'entry uid=mlopez,ou=cmecf,'"$H_BASE"': adding' "first run adds the entries"
t_is "$(stat -c '%a %s' "$T/ldap.secret")" "600 24" \
	"the new bind password (24 bytes, no newline) went into the empty secret file"
snapshot first

out=$(setup 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "second run exits 0" || t_diag "$out"
t_like "$out" 'nothing to change' "second run says there is nothing to change"
snapshot second
t_ok "second run changes nothing in cn=config or the data" cmp "$T/first" "$T/second"
t_is "$(grep -c '^olcAccess:' "$T/second")" "$(($(grep -c '^olcAccess:' "$T/before") + 4))" \
	"four ACL rules added, none replaced"

out=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$SLAPD_LDAPI" \
	-b 'olcDatabase={1}mdb,cn=config' -s base olcAccess olcDbIndex 2>&1)
t_like "$out" '^olcAccess: \{0\}to dn.subtree="ou=cmecf,'"$H_BASE"'" attrs=userPassword' \
	"the ecflink rules come first"
t_like "$out" '^olcAccess: \{4\}to attrs=userPassword by self write by anonymous auth by \* none$' \
	"Debian's userPassword rule follows, unchanged"
t_like "$out" '^olcAccess: \{6\}to \* by \* read$' "Debian's 'to * by * read' is kept"
t_like "$out" '^olcDbIndex: uidNumber,gidNumber eq$' "existing indexes are kept"
t_like "$(grep '^olcUniqueURI' "$T/second")" \
	"^olcUniqueURI: serialize ldap:///ou=cmecf,$H_BASE\?ecfLinkedPacer\?sub$" \
	"slapo-unique with serialize"

# What nslcd does: anonymous searches of POSIX accounts, binds as a user.
out=$(ldapsearch -x -LLL -H "$SLAPD_URI" -b "$H_BASE" '(&(objectClass=posixAccount)(uid=nsuser))' \
	uid uidNumber gidNumber homeDirectory loginShell 2>&1)
t_like "$out" '^uidNumber: 20001$' "anonymous nslcd-style search still reads the POSIX account"
t_ok "anonymous auth: nsuser binds with its password" \
	ldapwhoami -x -H "$SLAPD_URI" -D "uid=nsuser,ou=people,$H_BASE" -w Ns-user-pw1
out=$(printf 'dn: uid=nsuser,ou=people,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: Ns-user-pw2\n' \
	"$H_BASE" | ldapmodify -x -H "$SLAPD_URI" -D "uid=nsuser,ou=people,$H_BASE" -w Ns-user-pw1 2>&1) &&
	rc=0 || rc=$?
t_is "$rc" 0 "self write: nsuser changes its own password" || t_diag "$out"
out=$(ldapsearch -x -LLL -H "$SLAPD_URI" -b "$H_CMECF_BASE" '(uid=aparker1)' '*' 2>&1)
t_like "$out" '^cn: Alex Parker$' "anonymous reads the example CM/ECF entry"
t_unlike "$out" 'ecfLinkedPacer|ecfLinkTransaction' "but not its link attributes"

t_ok "the service DN binds with the password in the secret file (as ldapwhoami -y)" \
	ldapwhoami -x -H "$SLAPD_URI" -D "$H_SVC_DN" -y "$T/ldap.secret"

# A filled-in secret file is hashed as it is: a new service entry takes it.
h_ldapmodify >/dev/null 2>&1 <<EOF
dn: $H_SVC_DN
changetype: delete
EOF
printf 'Own-chosen-pw\n' >"$T/ldap.secret"
out=$(setup 2>&1) && rc=0 || rc=$?
t_like "$rc $(printf '%s\n' "$out" | grep "entry $H_SVC_DN:")" "^0 .*entry $H_SVC_DN: adding" \
	"a deleted service entry is added again" || t_diag "$out"
t_ok "it takes the password already in the secret file (less its newline)" \
	ldapwhoami -x -H "$SLAPD_URI" -D "$H_SVC_DN" -w Own-chosen-pw
printf '%s' Own-chosen-pw >"$T/ldap.secret"

out=$("$HELPER" -H "$SLAPD_LDAPI" -b dc=nowhere,dc=test -E 2>&1) && rc=0 || rc=$?
t_like "$rc:$(printf '%s' "$out" | tail -n 1)" \
	'^1:ecflink-setup-ldap: no database of slapd .* has the suffix dc=nowhere,dc=test$' \
	"an unknown suffix is refused with a reason"
out=$("$HELPER" -H "$SLAPD_LDAPI" -x 2>&1) && rc=0 || rc=$?
t_like "$rc:$(printf '%s' "$out" | grep '^usage')" '^2:usage: ecflink-setup-ldap ' \
	"a bad option prints the usage"

# ecflinkd on what the helper made, deciding the example attorney's login.
H_SVC_PW=Own-chosen-pw
conf=$(h_config)
printf '%s' Own-chosen-pw >"$T/ldap.secret"
h_daemon_start "$conf"
mkdir -p "$T/pam.d"
printf '%s\n' "auth required $MOD realm=cmecf authenticate socket=$H_SOCK" \
	"account required $MOD realm=cmecf authenticate socket=$H_SOCK" >"$T/pam.d/ecf-legacy"
out=$("$DRIVE" -C "$T/pam.d" -s ecf-legacy -u mlopez -p Example-legacy-1 auth account 2>&1)
t_like "$out" '^auth: PAM_SUCCESS' "example attorney mlopez logs in (auth)"
t_like "$out" '^account: PAM_SUCCESS' "example attorney mlopez logs in (account)"
out=$("$DRIVE" -C "$T/pam.d" -s ecf-legacy -u aparker1 -p whatever auth 2>&1)
t_like "$out" '^auth: PAM_AUTH_ERR' "the linked example login aparker1 is refused"
t_done
