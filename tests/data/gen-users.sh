#!/bin/sh
# gen-users.sh - bench data for `make bench` (tests/bench.sh).
#
#   sh tests/data/gen-users.sh N LDIF USERS
#
# Writes to LDIF N PACER accounts, bench000001 ... (bench1000000 ...
# past 999999) under ou=pacer, each
# linked by a CM/ECF account ecfb000001 ... under ou=cmecf (ecfLinkedPacer),
# plus one PACER account benchunlinked that no CM/ECF account links, and to
# USERS the N linked PACER logins, one a line.  The entries of dc=example,dc=org
# this adds to are those of tests/data/fixture.ldif; append LDIF to it and
# load both with slapadd.  Every bench PACER account is also a posixAccount
# (uidNumber 200000 + i), so that nslcd, which only knows posix accounts,
# can be measured on the same entries.
#
# TEST DATA ONLY: all bench accounts share the password "Bench!pw1", in
# clear text so that slapd can compare it on bind.
set -eu

[ $# -eq 3 ] || { echo "usage: gen-users.sh N LDIF USERS" >&2; exit 2; }
case $1 in
'' | *[!0-9]*) echo "gen-users.sh: N must be a number, got '$1'" >&2; exit 2 ;;
esac
[ "$1" -ge 1 ] && [ "$1" -le 9999999 ] ||
	{ echo "gen-users.sh: N must be in 1..9999999, got $1" >&2; exit 2; }

awk -v n="$1" -v users="$3" '
function pacer(login, i) {
	printf "dn: uid=%s,ou=pacer,dc=example,dc=org\n", login
	print "objectClass: inetOrgPerson"
	print "objectClass: pacerAccount"
	print "objectClass: posixAccount"
	printf "uid: %s\ncn: Bench User %s\nsn: User\ngivenName: Bench\n", login, i
	printf "mail: %s@example.org\npacerAccountNumber: %d\n", login, 5000000 + i
	printf "uidNumber: %d\ngidNumber: 100\nhomeDirectory: /nonexistent\n", 200000 + i
	print "userPassword: Bench!pw1\n"
}
BEGIN {
	for (i = 1; i <= n; i++) {
		p = sprintf("bench%06d", i)
		c = sprintf("ecfb%06d", i)
		pacer(p, i)
		printf "dn: uid=%s,ou=cmecf,dc=example,dc=org\n", c
		print "objectClass: inetOrgPerson"
		print "objectClass: ecfAccount"
		printf "uid: %s\ncn: Bench Filer %s\nsn: Filer\ngivenName: Bench\n", c, i
		printf "ecfRole: attorney\necfLinkedPacer: %s\n", p
		printf "ecfLinkTime: 20151102150405Z\necfLinkTransaction: %d\n\n", 100000 + i
		print p > users
	}
	pacer("benchunlinked", 0)
}' >"$2"
