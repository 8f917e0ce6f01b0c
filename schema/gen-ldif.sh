#!/bin/sh
# gen-ldif.sh - writes the cn=config form (LDIF) of an OpenLDAP schema file
# in slapd.conf form to stdout, in the shape of Debian's
# /etc/ldap/schema/*.ldif: one "dn: cn=NAME,cn=schema,cn=config" entry with
# objectClass olcSchemaConfig, no version: or changetype: line, so that it
# loads with slapadd -n0 and with ldapadd -Y EXTERNAL -H ldapi:///.
#
#   sh schema/gen-ldif.sh [SCHEMA_FILE] > schema/ecflink.ldif
#
# SCHEMA_FILE defaults to ecflink.schema beside this script; NAME is its
# base name.  The leading comment block is copied; definitions are joined
# to one line each (whitespace collapsed) and folded at 76 columns.
set -eu
in=${1:-$(dirname "$0")/ecflink.schema}
name=$(basename "$in" .schema)
[ -r "$in" ] || { echo "gen-ldif.sh: cannot read $in" >&2; exit 1; }

awk -v name="$name" -v src="$(basename "$in")" '
function fold(line,    out) {
	out = substr(line, 1, 76)
	line = substr(line, 77)
	while (length(line) > 0) {
		out = out "\n " substr(line, 1, 75)
		line = substr(line, 76)
	}
	print out
}
function flush() {
	if (def == "")
		return
	gsub(/[ \t]+/, " ", def)
	sub(/^ /, "", def)
	sub(/ $/, "", def)
	kw = tolower(def)
	sub(/ .*/, "", kw)
	body = def
	sub(/^[^ ]+ /, "", body)
	if (kw == "attributetype")
		fold("olcAttributeTypes: " body)
	else if (kw == "objectclass")
		fold("olcObjectClasses: " body)
	else if (kw == "objectidentifier")
		fold("olcObjectIdentifier: " body)
	else {
		printf "gen-ldif.sh: %s:%d: unknown keyword %s\n", src, defline, kw \
			> "/dev/stderr"
		bad = 1
	}
	def = ""
}
BEGIN { header = 1 }
header && /^#/ { hdr = hdr $0 "\n"; next }
header {
	header = 0
	printf "# %s.ldif - generated from %s; do not edit.\n",
		name, src
	printf "#\n%s", hdr
	printf "dn: cn=%s,cn=schema,cn=config\n", name
	printf "objectClass: olcSchemaConfig\ncn: %s\n", name
}
/^#/ || /^[ \t]*$/ { flush(); next }
/^[ \t]/ { def = def " " $0; next }
{ flush(); def = $0; defline = NR }
END { flush(); exit bad }
' "$in"
