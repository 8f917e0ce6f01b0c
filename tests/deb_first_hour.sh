#!/bin/bash
# deb_first_hour.sh - a sysadmin's first hour, run by tests/deb.sh check as
# root inside a fresh bookworm chroot (mmdebstrap: slapd, ldap-utils,
# pamtester and the packages' dependencies) in its own mount, PID and
# network namespaces, with only what the packages ship:
#
#   slapd configured for the court's domain (dpkg-reconfigure, as the
#   admin answers apt's questions) and started as its init script would;
#   dpkg -i of the four packages; an nslcd-style POSIX account; the setup
#   helper twice (the second run changes nothing); the sed line it prints;
#   ecflinkd started as the unit would (User=, RuntimeDirectory=,
#   ExecStartPre=, ExecStart=), trusting ecflink-web as README.Debian
#   says and handing that group its private socket; the example
#   attorney's login through pamtester and the sample PAM service;
#   anonymous reads and binds as nslcd does them; dpkg -r stops the
#   daemon without systemd.
#
#   bash deb_first_hour.sh DEB_DIR
#
# TAP on stdout; "# time: STEP SECONDS" lines give each step's duration.
set -u
DEBS=$1
SUFFIX=dc=court,dc=example
ADMIN_DN=cn=admin,$SUFFIX
ADMIN_PW=Admin-test-pw1
UNIT=/lib/systemd/system/ecflinkd.service
N=0
FAILED=0
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/#   /'
}

# check DESC CMD...: ok when CMD exits 0; its output on failure.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "exit status: $?" "$out"
		return 1
	fi
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:  '$1'" "want: '$2'"; return 1; fi
}

# like GOT REGEX DESC
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: match for /$2/"
		return 1
	fi
}

T0=$(date +%s%N)
step() { # step NAME: prints the time since the last step
	local t
	t=$(date +%s%N)
	printf '# time: %s %d.%02d s\n' "$1" $(((t - T0) / 1000000000)) $(((t - T0) / 10000000 % 100))
	T0=$t
}

bail() {
	not_ok "$1" "${2:-}"
	echo "1..$N"
	exit 1
}

# --- slapd as apt's questions and its init script leave it ------------------

debconf-set-selections <<EOF
slapd slapd/no_configuration boolean false
slapd slapd/domain string court.example
slapd shared/organization string Example Court
slapd slapd/password1 password $ADMIN_PW
slapd slapd/password2 password $ADMIN_PW
slapd slapd/purge_database boolean true
slapd slapd/move_old_database boolean true
EOF
out=$(dpkg-reconfigure -f noninteractive slapd 2>&1) ||
	bail "dpkg-reconfigure slapd for court.example" "$out"
mkdir -p /run/slapd && chown openldap:openldap /run/slapd
out=$(slapd -h "ldap:/// ldapi:///" -u openldap -g openldap -F /etc/ldap/slapd.d 2>&1) ||
	bail "slapd starts" "$out"
for i in $(seq 50); do
	ldapwhoami -Q -Y EXTERNAL -H ldapi:/// >/dev/null 2>&1 && break
	sleep 0.1
done
check "Debian's slapd answers on ldapi:/// for root (SASL EXTERNAL)" \
	ldapwhoami -Q -Y EXTERNAL -H ldapi:/// || bail "no slapd"
step slapd

# An account nslcd would serve, as the directory already had it.
ldapadd -x -H ldapi:/// -D "$ADMIN_DN" -w "$ADMIN_PW" >/dev/null <<EOF
dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: uid=nsuser,ou=people,$SUFFIX
objectClass: account
objectClass: posixAccount
uid: nsuser
cn: nsuser
uidNumber: 20001
gidNumber: 20001
homeDirectory: /home/nsuser
loginShell: /bin/bash
userPassword: Ns-user-pw1
EOF

# --- the packages -------------------------------------------------------------

out=$(dpkg -i "$DEBS"/ecflink-schema_*.deb "$DEBS"/ecflinkd_*.deb \
	"$DEBS"/libpam-ecflink_*.deb "$DEBS"/ecflink-web_*.deb 2>&1)
check "dpkg -i of the four packages in a fresh bookworm root" test $? -eq 0 ||
	bail "install" "$out"
like " $(id -nG ecflink) " ' ecflink-web ' \
	"ecflink-web's postinst put ecflinkd's user into the group ecflink-web"
step install

# --- ecflink-setup-ldap -------------------------------------------------------

(umask 077 && printf '%s' "$ADMIN_PW" >/root/admin.pw)
dump() {
	slapcat -n 0 -o ldif-wrap=no | grep -vE '^(modifyTimestamp|modifiersName|entryCSN|contextCSN):'
	slapcat -n 1 -o ldif-wrap=no | grep -vE '^(modifyTimestamp|modifiersName|entryCSN|contextCSN):'
}
out=$(ecflink-setup-ldap -y /root/admin.pw 2>&1)
check "ecflink-setup-ldap sets up Debian's slapd" test $? -eq 0 || bail "setup" "$out"
printf '%s\n' "$out" | sed 's/^/#   /'
like "$out" "suffix $SUFFIX, database olcDatabase=\{1\}mdb,cn=config" \
	"it finds the suffix from namingContexts"
is "$(stat -c '%U:%G %a %s' /etc/ecflink/ldap.secret)" "root:ecflink 640 24" \
	"it wrote a password (no newline) into ldap.secret, keeping its owner and mode"
step setup-ldap
dump >/root/first.ldif
out=$(ecflink-setup-ldap -y /root/admin.pw 2>&1)
like "$(printf '%s' "$out" | grep 'nothing to change')" 'nothing to change' \
	"a second run has nothing to change" || printf '%s\n' "$out" | sed 's/^/#   /'
dump >/root/second.ldif
check "the second run changed nothing (slapcat of cn=config and the data)" \
	cmp /root/first.ldif /root/second.ldif
check "the service DN binds with ldap.secret as ldapwhoami -y reads it" \
	ldapwhoami -x -H ldap://127.0.0.1/ -D "cn=ecflinkd,$SUFFIX" -y /etc/ecflink/ldap.secret

sedline=$(printf '%s\n' "$out" | sed -n "s/^    \(sed -i .*\)/\1/p")
like "$sedline" "^sed -i 's\|dc=example,dc=org\|$SUFFIX\|' /etc/ecflink/ecflink.conf$" \
	"the helper prints the sed line for ecflink.conf"
eval "$sedline"
is "$(grep -c 'dc=example,dc=org' /etc/ecflink/ecflink.conf)" 0 "the sed line did its job"
# README.Debian's first step for the web pages: trust ecflink-web.
sed -i 's|^\([[:space:]]*\)#frontend_group = "ecflink-web";|\1frontend_group = "ecflink-web";|' \
	/etc/ecflink/ecflink.conf
like "$(grep frontend_group /etc/ecflink/ecflink.conf)" '^[[:space:]]*frontend_group = "ecflink-web";' \
	"the shipped comment's frontend_group line, uncommented, trusts ecflink-web"
check "ecflinkd -t accepts the configuration" ecflinkd -t -f /etc/ecflink/ecflink.conf

# --- ecflinkd as its unit starts it -------------------------------------------

unit() { sed -n "s/^$1=//p" "$UNIT" | head -n 1; }
user=$(unit User)
group=$(unit Group)
rtdir=/run/$(unit RuntimeDirectory)
mkdir -p "$rtdir"
chown "$user:$group" "$rtdir"
chmod "$(unit RuntimeDirectoryMode)" "$rtdir"
AS="setpriv --reuid=$user --regid=$group --init-groups --"
# shellcheck disable=SC2046 # the unit's command lines are words
check "ExecStartPre ($(unit ExecStartPre)) passes as $user" $AS $(unit ExecStartPre)
$AS $(unit ExecStart) >/root/ecflinkd.out 2>&1 &
pid=$!
for i in $(seq 100); do
	ecflinkctl ping >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
check "ecflinkctl ping answers ecflinkd started as the unit would" ecflinkctl ping ||
	sed 's/^/#   /' /root/ecflinkd.out
is "$(stat -c '%U:%G %a' "$rtdir/ecflinkd-private.sock" 2>&1)" "$user:ecflink-web 660" \
	"the private socket belongs to the group ecflink-web (0660), for the web front end" ||
	sed 's/^/#   /' /root/ecflinkd.out
step daemon

# --- the first login ------------------------------------------------------------

cp /usr/share/doc/libpam-ecflink/examples/ecf-legacy /etc/pam.d/
out=$(printf '%s\n' Example-legacy-1 | pamtester ecf-legacy mlopez authenticate acct_mgmt 2>&1)
check "pamtester: example attorney mlopez logs in through the sample ecf-legacy" \
	test $? -eq 0 || printf '%s\n' "$out" | sed 's/^/#   /'
out=$(printf '%s\n' whatever | pamtester ecf-legacy aparker1 authenticate 2>&1)
like "$out" 'PACER' "pamtester: the linked example login aparker1 is refused, pointing to PACER"
step login

# --- what nslcd does still works ----------------------------------------------

out=$(ldapsearch -x -LLL -H ldap://127.0.0.1/ -b "$SUFFIX" \
	'(&(objectClass=posixAccount)(uid=nsuser))' uidNumber homeDirectory 2>&1)
like "$out" '^uidNumber: 20001$' "anonymous nslcd-style search still finds the POSIX account"
check "anonymous auth: nsuser binds with its password" \
	ldapwhoami -x -H ldap://127.0.0.1/ -D "uid=nsuser,ou=people,$SUFFIX" -w Ns-user-pw1
out=$(ldapsearch -x -LLL -H ldap://127.0.0.1/ -D "uid=nsuser,ou=people,$SUFFIX" -w Ns-user-pw1 \
	-b "uid=nsuser,ou=people,$SUFFIX" -s base userPassword 2>&1)
like "$out" '^userPassword' "self: nsuser still reads its own userPassword (by self write)"

# --- removal without systemd ----------------------------------------------------

check "the daemon still runs before removal" kill -0 "$pid"
out=$(dpkg -r ecflink-web libpam-ecflink ecflinkd 2>&1)
check "dpkg -r ecflinkd" test $? -eq 0 || printf '%s\n' "$out" | sed 's/^/#   /'
for i in $(seq 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
wait "$pid" 2>/dev/null
check "prerm stopped the daemon without systemd" test ! -d "/proc/$pid"
step remove

echo "1..$N"
[ "$FAILED" -eq 0 ]
