#!/bin/bash
# it_setup_upgrade.sh - schema/ecflink-setup-ldap on a directory set up by
# an older version: its ecflink schema lacks the attributes of the shared
# link throttle and the retired-login alert (ecfLinkFailure,
# ecfRetiredAlert), and ecfAccount does not allow them.  -n tells the
# upgrade and makes none; a run adds the attribute types and replaces the
# object class in place, with entries already using it; the result equals
# the shipped schema; a second run changes nothing; the entries then take
# the new attributes.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

HELPER=$ECF_SRC/schema/ecflink-setup-ldap
H_BASE=dc=upgrade,dc=test
H_ROOT_DN=cn=admin,$H_BASE
printf 'dn: %s\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\n%s\n' \
	"$H_BASE" 'dc: upgrade
o: Example Court' >"$T/pristine.ldif"
H_FIXTURE=$T/pristine.ldif H_SLAPD_PRISTINE=1 h_slapd_start
printf '%s' "$H_ROOT_PW" >"$T/root.pw"
: >"$T/ldap.secret"
chmod 0600 "$T/root.pw" "$T/ldap.secret"
export ECFLINK_SETUP_DATA=$ECF_SRC/schema

# unwrapped: the shipped schema/ecflink.ldif, comments dropped and each
# value on one line.
unwrapped() {
	awk '/^#/ { next }
		/^ / { line = line substr($0, 2); next }
		{ if (NR > 1) print line; line = $0 }
		END { print line }' "$ECF_SRC/schema/ecflink.ldif"
}

# The older schema: the shipped one less the two attribute types and
# their place in ecfAccount's MAY.
unwrapped | grep -v "NAME 'ecfLinkFailure'\|NAME 'ecfRetiredAlert'" |
	sed 's/ \$ ecfLinkFailure \$ ecfRetiredAlert//' >"$T/old.ldif"
t_is "$(grep -c 'ecfLinkFailure\|ecfRetiredAlert' "$T/old.ldif")" 0 "the older schema is made"

setup() {
	"$HELPER" -H "$SLAPD_LDAPI" -y "$T/root.pw" -s "$T/ldap.secret" "$@"
}
# schema ATTR: the loaded ecflink schema's values of ATTR, "{n}" dropped.
schema() {
	ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$SLAPD_LDAPI" -b cn=schema,cn=config \
		'(cn=*ecflink)' "$1" | sed -n "s/^$1: {[0-9]*}//p"
}
# shipped ATTR: the same values in the shipped schema/ecflink.ldif.
shipped() {
	unwrapped | sed -n "s/^$1: //p"
}

# As the older version left it: its schema, and the example entries (its
# ACL rules named only the attributes it knew: none are loaded here).
out=$(ldapadd -Q -Y EXTERNAL -H "$SLAPD_LDAPI" -f "$T/old.ldif" 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "the older schema loads" || t_diag "$out"
sed -e "s|@SUFFIX@|$H_BASE|g" -e 's|@SERVICE_PASSWORD_HASH@|{SSHA}unused|' \
	"$ECF_SRC/schema/entries.ldif" >"$T/entries.ldif"
out=$(ldapadd -x -H "$SLAPD_URI" -D "$H_ROOT_DN" -y "$T/root.pw" -f "$T/entries.ldif" 2>&1) &&
	rc=0 || rc=$?
t_is "$rc" 0 "the example entries load under it" || t_diag "$out"
t_like "$(schema olcObjectClasses)" "NAME 'ecfAccount'" "the older ecfAccount is loaded"
n_cmecf=$(h_ldapsearch_root -b "$H_BASE" '(objectClass=ecfAccount)' dn | grep -c '^dn:')
t_ok "entries use the older ecfAccount ($n_cmecf)" test "$n_cmecf" -gt 0
out=$(printf 'dn: uid=mlopez,ou=cmecf,%s\nchangetype: modify\nadd: ecfLinkFailure\necfLinkFailure: 20261207120000.000000Z\n' \
	"$H_BASE" | h_ldapmodify 2>&1) && rc=0 || rc=$?
t_ok "before the upgrade an entry cannot hold ecfLinkFailure (rc $rc)" test "$rc" -ne 0

export ECFLINK_SCHEMA_LDIF=$ECF_SRC/schema/ecflink.ldif
schema olcAttributeTypes >"$T/types.before"
UPGRADE="schema ecflink: loaded by an older version; adding or updating ecfLinkFailure ecfRetiredAlert ecfAccount\(changed\)"
out=$(setup -n 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "-n exits 0" || t_diag "$out"
t_like "$out" "$UPGRADE" "-n names what the upgrade adds and changes"
t_like "$out" '^ +delete: olcObjectClasses$' "-n shows the Modify it would make"
t_like "$out" 'changes to make \(none made: -n\)' "-n makes none"
schema olcAttributeTypes >"$T/types.after-n"
t_ok "-n changes nothing" cmp "$T/types.before" "$T/types.after-n"

out=$(setup 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "the upgrade run exits 0" || t_diag "$out"
t_like "$out" "$UPGRADE" "the run upgrades the schema"
t_like "$out" 'entry uid=mlopez,ou=cmecf,.*: already there' "and leaves the entries alone"
t_is "$(schema olcAttributeTypes | sort)" "$(shipped olcAttributeTypes | sort)" \
	"the attribute types are now the shipped ones"
t_is "$(schema olcObjectClasses)" "$(shipped olcObjectClasses)" \
	"the object classes are now the shipped ones, in their order"

out=$(setup 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "a second run exits 0" || t_diag "$out"
t_like "$out" "schema ecflink: already loaded, as in " "a second run finds the schema current"
t_like "$out" 'nothing to change' "a second run changes nothing"

out=$(printf 'dn: uid=mlopez,ou=cmecf,%s\nchangetype: modify\nadd: ecfLinkFailure\necfLinkFailure: 20261207120000.000000Z\n-\nadd: ecfRetiredAlert\necfRetiredAlert: 20261207120000Z\n' \
	"$H_BASE" | h_ldapmodify 2>&1) && rc=0 || rc=$?
t_is "$rc" 0 "an existing CM/ECF entry now takes ecfLinkFailure and ecfRetiredAlert" ||
	t_diag "$out"
t_is "$(h_ldapsearch_root -b "$H_BASE" '(objectClass=ecfAccount)' dn | grep -c '^dn:')" \
	"$n_cmecf" "every entry still has its ecfAccount class"
t_done
