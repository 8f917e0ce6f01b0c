#!/bin/sh
# deps.sh - installs the Debian packages that building, testing and the
# demo need (called by `make deps`, which `make check` and `make demo` run).
#
# The list: every Build-Depends (and Build-Depends-Indep/-Arch) of
# debian/control when it exists (versions, [arch] lists, <profiles> and
# :qualifiers stripped, debhelper-compat mapped to debhelper; of "a | b"
# alternatives any one installed will do, else the first is installed),
# plus the tools the tests and the demo run.  When
# all are installed it prints nothing and exits 0.  Otherwise it installs
# the missing ones with apt-get, as root or through `sudo -n`; without
# either it prints the command to run and exits 1.
#
# Installing slapd must not start a system slapd: a policy-rc.d that denies
# service starts is in place during the install (unless one exists).  The
# test harness never uses a system slapd anyway: it runs its own on a
# random port with its own configuration.
set -eu

cd "$(dirname "$0")/.."

TOOLS="build-essential pkg-config libldap2-dev libconfig-dev libcmocka-dev
libpam0g-dev libsystemd-dev libcrypt-dev libcurl4-openssl-dev slapd
ldap-utils pamtester util-linux procps coreutils tzdata dpkg-dev lintian
nettle-dev iproute2 chromium chromium-driver python3-selenium mmdebstrap gnutls-bin openssl"

# build_depends FILE: the package names of the Build-Depends* fields.
build_depends() {
	awk '
		/^#/ { next }
		/^[^ \t#]/ { infield = tolower($0) ~ /^build-depends(-indep|-arch)?:/ }
		infield {
			line = $0
			sub(/^[^ \t]*:/, "", line)
			print line
		}' "$1" | tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' \
		-e 's/<[^>]*>//g' -e 's/:[a-z0-9]*//g' -e 's/[[:space:]]//g' \
		-e 's/^debhelper-compat$/debhelper/' | grep -v '^$' || true
}

# installed PKG: true when dpkg knows PKG as installed.
installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

pkgs=$TOOLS
if [ -r debian/control ]; then
	pkgs="$pkgs $(build_depends debian/control)"
fi

missing=
for alts in $(printf '%s\n' $pkgs | sort -u); do
	ok=
	for p in $(echo "$alts" | tr '|' ' '); do
		installed "$p" && ok=1 && break
	done
	[ -n "$ok" ] || missing="$missing ${alts%%|*}"
done
[ -n "$missing" ] || exit 0

echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
	as_root=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root="sudo -n"
else
	echo "deps: not root and no password-less sudo; run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

# Deny service starts while installing (Debian's policy-rc.d interface), so
# that the slapd package does not start a server; leave an existing one.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	$as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 0755 $policy"
	own_policy=1
fi
cleanup() {
	[ -z "$own_policy" ] || $as_root rm -f "$policy"
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
install() {
	$as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
		apt-get install -y --no-install-recommends $missing
}
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
	$as_root apt-get update
	install
elif ! install; then
	echo "deps: apt-get install failed; updating the package lists and retrying"
	$as_root apt-get update
	install
fi
