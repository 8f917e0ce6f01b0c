#!/bin/bash
# deb.sh - builds and tests the Debian packages.
#
#   sh tests/deb.sh build   copies the tree (git ls-files -co) to
#                           build/deb/ecflink-VERSION, runs
#                           dpkg-buildpackage -us -uc -b there (the .debs
#                           land in build/deb/) and lintian -I --pedantic
#                           on the .changes; prints lintian's summary.
#   sh tests/deb.sh check   build, then as root: lintian clean, the
#                           contents of each .deb, dpkg -i of all four,
#                           the user, modes and overrides postinst makes,
#                           systemd-analyze verify, debian/tests/smoke (the
#                           installed daemon and PAM module against a
#                           private slapd), no shipped file naming an
#                           unshipped one, tests/deb_first_hour.sh in a
#                           fresh mmdebstrap chroot (slapd, the setup
#                           helper twice, ecflinkd as its unit starts it,
#                           a pamtester login, nslcd-style reads), dpkg -r,
#                           dpkg -P, nothing left.
#                           TAP; ends with "N passed, N failed".
#
# check installs and purges ecflinkd, libpam-ecflink and ecflink-schema on
# this machine (any installed copy is purged first, so a re-run after a
# failed run starts clean); it never touches a system slapd.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/build/deb
PKGS="libpam-ecflink ecflink-web ecflinkd ecflink-schema"

die() {
	echo "deb.sh: $*" >&2
	exit 1
}

# --- build --------------------------------------------------------------

# copy_tree DIR: the tracked and untracked (not ignored) files of the
# repository, without build products, copied into DIR.
copy_tree() {
	local f
	(cd "$SRC" && git ls-files -co --exclude-standard) >"$OUT/files.all" ||
		die "git ls-files failed in $SRC (the build copies a git tree)"
	while IFS= read -r f; do
		case $f in
		build/* | daemon/ecflinkd | daemon/ecflink-mta | cli/ecflinkctl) continue ;;
		pam_module/pam_ecflink.so) continue ;;
		web/ecflink-web) continue ;;
		*.o | *.a | *.d) continue ;;
		esac
		[ -f "$SRC/$f" ] && printf '%s\n' "$f"
	done <"$OUT/files.all" >"$OUT/files"
	(cd "$SRC" && tar -cf - -T "$OUT/files") | tar -xf - -C "$1" ||
		die "copying the tree to $1 failed"
}

# lintian_summary: one line counting lintian.log's tags by kind.
lintian_summary() {
	local k n line=
	for k in E:errors W:warnings I:info P:pedantic O:overridden; do
		n=$(grep -c "^${k%%:*}: " "$OUT/lintian.log")
		line+="${line:+, }$n ${k#*:}"
	done
	echo "lintian: $line"
}

# do_build: the packages and lintian.log; returns 1 when the build fails,
# 2 when lintian reports an error or a warning.
do_build() {
	local ver arch dir rc
	ver=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version) ||
		die "cannot read the version from debian/changelog"
	arch=$(dpkg --print-architecture)
	dir=$OUT/ecflink-$ver
	CHANGES=$OUT/ecflink_${ver}_$arch.changes
	rm -rf "$OUT"
	mkdir -p "$dir"
	copy_tree "$dir"
	echo "# dpkg-buildpackage -us -uc -b in $dir (log: $OUT/build.log)"
	# noautodbgsym: the three packages only, no -dbgsym beside them.
	if ! (cd "$dir" && DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
		echo "# dpkg-buildpackage failed; last lines of $OUT/build.log:"
		tail -n 30 "$OUT/build.log" | sed 's/^/#   /'
		return 1
	fi
	lintian -I --pedantic --show-overrides --fail-on error,warning "$CHANGES" \
		>"$OUT/lintian.log" 2>&1 && rc=0 || rc=$?
	sed 's/^/# /' "$OUT/lintian.log"
	echo "# $(lintian_summary)"
	ls -l "$OUT"/*.deb | sed 's/^/# /'
	[ "$rc" -eq 0 ] || return 2
}

# --- check helpers ------------------------------------------------------

# dpkg_locked CMD...: runs a dpkg command, waiting up to 2 minutes while
# another dpkg or apt holds the lock.
dpkg_locked() {
	local i out rc
	for i in $(seq 60); do
		out=$("$@" 2>&1) && rc=0 || rc=$?
		if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q 'lock'; then
			sleep 2
			continue
		fi
		printf '%s\n' "$out"
		return "$rc"
	done
	printf '%s\n' "$out"
	return "$rc"
}

# purge_all: purges whatever is installed of the four packages.
purge_all() {
	local p have=
	for p in $PKGS; do
		dpkg-query -W -f '${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -qv '^not-installed$' && have+=" $p"
	done
	[ -z "$have" ] || dpkg_locked dpkg -P $have
}

# deb_files DEB: the non-directory paths in DEB, one per line, sorted.
deb_files() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort
}

# expect_files DEB LIST: ok when DEB holds exactly the files in LIST.
expect_files() {
	local got
	got=$(deb_files "$1")
	t_is "$got" "$(printf '%s\n' $2 | sort)" "dpkg -c $(basename "$1"): the expected files"
}

# mode_of PATH: "owner:group octal-mode".
mode_of() {
	stat -c '%U:%G %a' "$1" 2>&1
}

# run_smoke: runs debian/tests/smoke and re-numbers its TAP into ours.
run_smoke() {
	local line rc n0=$H_TESTS f0=$H_FAILED
	bash "$SRC/debian/tests/smoke" >"$OUT/smoke.log" 2>&1 && rc=0 || rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) t_pass "smoke: ${line#ok * - }" ;;
		"not ok "*) t_fail "smoke: ${line#not ok * - }" ;;
		1..*) ;;
		"#"*) echo "$line" ;;
		*) echo "#   $line" ;;
		esac
	done <"$OUT/smoke.log"
	if [ "$H_TESTS" -eq "$n0" ]; then
		t_fail "smoke: ran" "debian/tests/smoke printed no result (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$H_FAILED" -eq "$f0" ]; then
		t_fail "smoke: exits 0" "exit status $rc"
	fi
}

# leftovers LIST: the paths of LIST (dpkg -L output) that still exist and
# that no installed package owns.
leftovers() {
	local p
	while IFS= read -r p; do
		[ -n "$p" ] && [ "$p" != /. ] || continue
		[ -e "$p" ] || [ -L "$p" ] || continue
		dpkg -S "$p" >/dev/null 2>&1 && continue
		printf '%s\n' "$p"
	done <"$1"
}

# check_references DEB...: no file of the packages names a file they do
# not ship: no source-tree path (DESIGN.md, tests/..., schema/..., etc/...
# without its leading slash) and no path of ours (/etc/ecflink...,
# /usr/share/doc/*ecflink*, /etc/pam.d/ecf-*, ...) that is neither in a
# package nor made by postinst or at run time.
check_references() {
	local x=$OUT/contents deb f ours=$OUT/ours hits=$OUT/refs
	rm -rf "$x"
	mkdir -p "$x"
	for deb in "$@"; do
		dpkg-deb -x "$deb" "$x" || { t_fail "dpkg-deb -x $deb"; return; }
	done
	find "$x" -name '*.gz' -exec gzip -df {} +
	(cd "$x" && find . -type f -o -type l) | sed 's/^\.//; s/\.gz$//' | sort >"$ours"
	# made by postinst or at run time
	printf '%s\n' /etc/ecflink/ldap.secret /run/ecflink /run/ecflink/ecflinkd.sock \
		/run/ecflink/ecflinkd-private.sock /var/spool/ecflink /etc/ecflink >>"$ours"
	: >"$hits"
	while IFS= read -r f; do
		# man pages: \- is a hyphen, \fB and \& mark up
		sed 's/\\-/-/g; s/\\&//g; s/\\f[BIRP]//g' "$x$f" >"$OUT/plain"
		grep -aHnoE --label="$f" '(^|[^/A-Za-z0-9_.-])((DESIGN|STYLE)\.md|(tests|schema|daemon|cli|common|pam_module|debian)/[A-Za-z0-9_.-]+|etc/(pam\.d/ecf|ecflink\.conf|ecflinkd\.service|redaction))' \
			<"$OUT/plain" >>"$hits"
		grep -aoE '/(etc|usr|lib|var|run)/[A-Za-z0-9_./-]*(ecflink|ecf-)[A-Za-z0-9_.-]*' "$OUT/plain" |
			sed 's/[.]$//' | sort -u | while IFS= read -r p; do
				case $p in */ | *\*) continue ;; esac
				grep -qxF "$p" "$ours" || grep -q "^$p/" "$ours" ||
					echo "$f: names $p, which no package ships" >>"$hits"
			done
	done < <(grep -vE '\.(so|mo)$|/(ecflinkd|ecflinkctl|ecflink-mta)$|/copyright$|/changelog$' "$ours" |
		while IFS= read -r f; do [ -f "$x$f" ] && echo "$f"; done)
	t_is "$(cat "$hits")" "" "no shipped file names a file the packages do not ship"
}

# first_hour: builds a fresh bookworm root with mmdebstrap and runs
# tests/deb_first_hour.sh in it (own mount, PID and network namespaces),
# re-numbering its TAP into ours.
first_hour() {
	local r=$OUT/chroot deps line rc n0=$H_TESTS f0=$H_FAILED t0 t1
	if ! command -v mmdebstrap >/dev/null; then
		t_fail "first hour in a fresh chroot" "mmdebstrap is not installed (make deps)"
		return
	fi
	deps=$(for p in "$OUT"/*.deb; do dpkg-deb -f "$p" Depends; done | tr ',' '\n' |
		sed 's/([^)]*)//g; s/|.*//; s/[[:space:]]//g' | grep -vE '^(ecflinkd|)$' | sort -u |
		tr '\n' ',')
	rm -rf --one-file-system "$r"
	t0=$(date +%s)
	if ! mmdebstrap --variant=apt --include="${deps}slapd,ldap-utils,pamtester" bookworm "$r" \
		>"$OUT/mmdebstrap.log" 2>&1; then
		t_fail "mmdebstrap of a bookworm root with slapd" "$(tail -n 20 "$OUT/mmdebstrap.log")"
		return
	fi
	t1=$(date +%s)
	echo "# time: mmdebstrap (bookworm, slapd, the packages' dependencies) $((t1 - t0)) s"
	mkdir -p "$r/root/debs"
	cp "$OUT"/*.deb "$r/root/debs/"
	cp "$SRC/tests/deb_first_hour.sh" "$r/root/"
	unshare --mount --net --pid --fork --mount-proc="$r/proc" \
		sh -c 'ip link set lo up && exec chroot "$1" bash /root/deb_first_hour.sh /root/debs' \
		sh "$r" >"$OUT/first-hour.log" 2>&1 && rc=0 || rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) t_pass "first hour: ${line#ok * - }" ;;
		"not ok "*) t_fail "first hour: ${line#not ok * - }" ;;
		1..*) ;;
		"#"*) echo "$line" ;;
		*) echo "#   $line" ;;
		esac
	done <"$OUT/first-hour.log"
	echo "# time: first hour in all $(($(date +%s) - t0)) s"
	if [ "$H_TESTS" -eq "$n0" ]; then
		t_fail "first hour: ran" "tests/deb_first_hour.sh printed no result (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$H_FAILED" -eq "$f0" ]; then
		t_fail "first hour: exits 0" "exit status $rc"
	fi
	rm -rf --one-file-system "$r"
}

# --- check --------------------------------------------------------------

do_check() {
	local multiarch deb_d deb_pam deb_schema deb_web rc out p unit man
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	. "$SRC/tests/harness/lib.sh"
	export LC_ALL=C

	echo "# purging leftovers of an earlier run"
	purge_all | sed 's/^/# /'

	do_build && rc=0 || rc=$?
	t_is "$([ "$rc" -ne 1 ] && echo built)" built "dpkg-buildpackage -us -uc -b" ||
		{ t_skip "the rest" "no packages"; summary; }
	t_is "$rc" 0 "lintian: no errors, no warnings"
	t_is "$(grep -E '^[IP]: ' "$OUT/lintian.log")" "" \
		"lintian: no info or pedantic tag left (fixed or overridden with a reason)"

	deb_d=$(ls "$OUT"/ecflinkd_*.deb)
	deb_pam=$(ls "$OUT"/libpam-ecflink_*.deb)
	deb_schema=$(ls "$OUT"/ecflink-schema_*.deb)
	deb_web=$(ls "$OUT"/ecflink-web_*.deb)
	expect_files "$deb_d" "
		/etc/ecflink/ecflink.conf /etc/ecflink/redaction-notice.txt
		/lib/systemd/system/ecflinkd.service
		/usr/bin/ecflinkctl /usr/libexec/ecflink/ecflink-mta /usr/sbin/ecflinkd
		/usr/share/doc/ecflinkd/README.Debian.gz /usr/share/doc/ecflinkd/README.md.gz
		/usr/share/doc/ecflinkd/changelog.gz
		/usr/share/doc/ecflinkd/copyright /usr/share/lintian/overrides/ecflinkd
		/usr/share/man/man5/ecflink.conf.5.gz /usr/share/man/man8/ecflinkctl.8.gz
		/usr/share/man/man8/ecflinkd.8.gz"
	expect_files "$deb_pam" "
		/lib/$multiarch/security/pam_ecflink.so
		/usr/share/doc/libpam-ecflink/changelog.gz /usr/share/doc/libpam-ecflink/copyright
		/usr/share/doc/libpam-ecflink/examples/ecf-efile
		/usr/share/doc/libpam-ecflink/examples/ecf-legacy
		/usr/share/lintian/overrides/libpam-ecflink
		/usr/share/man/man8/pam_ecflink.8.gz"
	expect_files "$deb_schema" "
		/etc/ldap/schema/ecflink.ldif /etc/ldap/schema/ecflink.schema
		/usr/sbin/ecflink-setup-ldap /usr/share/man/man8/ecflink-setup-ldap.8.gz
		/usr/share/ecflink-schema/slapd-provider.ldif /usr/share/ecflink-schema/slapd-consumer.ldif
		/usr/share/ecflink-schema/entries.ldif /usr/share/ecflink-schema/slapd-sample.ldif
		/usr/share/doc/ecflink-schema/changelog.gz /usr/share/doc/ecflink-schema/copyright
		/usr/share/doc/ecflink-schema/examples/entries.ldif
		/usr/share/doc/ecflink-schema/examples/slapd-sample.ldif
		/usr/share/doc/ecflink-schema/examples/slapd-provider.ldif
		/usr/share/doc/ecflink-schema/examples/slapd-consumer.ldif"
	expect_files "$deb_web" "
		/lib/systemd/system/ecflink-web.service /usr/sbin/ecflink-web
		/usr/share/doc/ecflink-web/changelog.gz /usr/share/doc/ecflink-web/copyright
		/usr/share/lintian/overrides/ecflink-web /usr/share/man/man8/ecflink-web.8.gz"
	t_is "$(cd "$OUT" && ls ./*.deb | sed 's|^\./||; s/_.*//' | sort | tr '\n' ' ')" \
		"ecflink-schema ecflink-web ecflinkd libpam-ecflink " \
		"the build leaves the four packages only (no -dbgsym)"
	check_references "$deb_d" "$deb_pam" "$deb_schema" "$deb_web"
	out=$(for p in "$deb_d" "$deb_pam" "$deb_schema" "$deb_web"; do dpkg-deb -c "$p"; done)
	t_unlike "$out" '\./usr/local|test_|/tools/|pamdrive|logsink|\.o$|\.a$' \
		"no /usr/local, test binaries or objects in the packages"
	t_like "$(dpkg-deb -c "$deb_d" | grep '/var/spool/ecflink/$')" '^drwxr-xr-x root/root' \
		"ecflinkd ships /var/spool/ecflink 0755 root (postinst overrides it)"

	out=$(dpkg_locked dpkg -i "$deb_schema" "$deb_d" "$deb_pam" "$deb_web") && rc=0 || rc=$?
	t_is "$rc" 0 "dpkg -i of the four packages" || t_diag "$out"
	for p in $PKGS; do
		dpkg -L "$p" 2>/dev/null
	done | sort -u >"$OUT/dpkg-L"

	t_like "$(getent passwd ecflink)" \
		'^ecflink:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' \
		"system user ecflink (home /nonexistent, nologin)"
	t_ok "system group ecflink" getent group ecflink
	t_ok "system group ecflink-admin" getent group ecflink-admin
	t_is "$(mode_of /etc/ecflink/ecflink.conf)" "root:ecflink 640" "ecflink.conf is 0640 root:ecflink"
	t_is "$(dpkg-statoverride --list /etc/ecflink/ecflink.conf)" \
		"root ecflink 640 /etc/ecflink/ecflink.conf" "ecflink.conf's statoverride"
	t_is "$(mode_of /etc/ecflink/ldap.secret) $(stat -c %s /etc/ecflink/ldap.secret 2>&1)" \
		"root:ecflink 640 0" "ldap.secret exists, empty, 0640 root:ecflink"
	t_is "$(mode_of /var/spool/ecflink)" "ecflink:ecflink 750" "/var/spool/ecflink is 0750 ecflink"
	t_is "$(grep '^/etc/pam\.d' "$OUT/dpkg-L")" "" "no file installed into /etc/pam.d"
	unit=/etc/systemd/system/multi-user.target.wants/ecflinkd.service
	t_ok "ecflinkd.service is enabled" test -L "$unit"
	t_like "$(getent passwd ecflink-web)" \
		'^ecflink-web:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' \
		"system user ecflink-web (home /nonexistent, nologin)"
	t_is "$(id -nG ecflink-web 2>&1)" "ecflink-web" \
		"ecflink-web is in its own group only (not ecflink, which may read ldap.secret)"
	t_ok "ecflink-web.service is not enabled (ecflinkd must trust it first)" \
		test ! -e /etc/systemd/system/multi-user.target.wants/ecflink-web.service
	t_like "$(cat /lib/systemd/system/ecflink-web.service)" \
		'LoadCredential=ecflink.conf:/etc/ecflink/ecflink.conf' \
		"ecflink-web.service gets the configuration as a credential"
	for p in User=ecflink-web NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= \
		PrivateDevices=yes MemoryDenyWriteExecute=yes RestrictAddressFamilies= \
		SystemCallFilter=@system-service; do
		grep -q "^$p" /lib/systemd/system/ecflink-web.service || echo "missing $p"
	done >"$OUT/web-unit.missing"
	t_is "$(cat "$OUT/web-unit.missing")" "" "ecflink-web.service is sandboxed"

	if command -v systemd-analyze >/dev/null; then
		# Documentation= is checked with man(1) when man-db is there.
		man=no
		command -v man >/dev/null && man=yes
		for unit in ecflinkd ecflink-web; do
			out=$(systemd-analyze verify --man=$man "/lib/systemd/system/$unit.service" \
				2>&1) && rc=0 || rc=$?
			out=$(printf '%s\n' "$out" | grep "$unit\.service")
			t_is "$rc:$out" "0:" "systemd-analyze verify $unit.service"
		done
	else
		t_skip "systemd-analyze verify of the units" "systemd is not installed"
	fi

	run_smoke
	first_hour

	# The upgrade path: configure again over an existing user, overrides and
	# a filled-in password file; an administrator's own override stays.
	printf 'not-a-real-password\n' >/etc/ecflink/ldap.secret
	dpkg-statoverride --remove /etc/ecflink/ecflink.conf >/dev/null 2>&1
	dpkg-statoverride --update --add root root 0600 /etc/ecflink/ecflink.conf
	out=$(dpkg_locked dpkg -i "$deb_schema" "$deb_d" "$deb_pam" "$deb_web") && rc=0 || rc=$?
	t_is "$rc" 0 "dpkg -i again over the installed packages (upgrade path)" || t_diag "$out"
	t_is "$(mode_of /etc/ecflink/ecflink.conf)" "root:root 600" \
		"reinstall keeps the administrator's statoverride of ecflink.conf"
	t_is "$(cat /etc/ecflink/ldap.secret) $(mode_of /etc/ecflink/ldap.secret)" \
		"not-a-real-password root:ecflink 640" "reinstall keeps the filled-in ldap.secret"

	out=$(dpkg_locked dpkg -r $PKGS) && rc=0 || rc=$?
	t_is "$rc" 0 "dpkg -r of the four packages" || t_diag "$out"
	t_ok "remove: the binaries are gone" test ! -e /usr/sbin/ecflinkd -a ! -e /usr/bin/ecflinkctl \
		-a ! -e /usr/sbin/ecflink-web \
		-a ! -e "/lib/$multiarch/security/pam_ecflink.so"
	t_ok "remove: the configuration and the password file stay" \
		test -e /etc/ecflink/ecflink.conf -a -e /etc/ecflink/ldap.secret
	t_is "$(dpkg-query -W -f '${db:Status-Status}' ecflinkd 2>&1)" config-files \
		"remove: ecflinkd is in state config-files"

	out=$(dpkg_locked dpkg -P $PKGS) && rc=0 || rc=$?
	t_is "$rc" 0 "dpkg -P of the four packages" || t_diag "$out"
	t_is "$(leftovers "$OUT/dpkg-L")" "" "purge: nothing of dpkg -L is left"
	t_ok "purge: /etc/ecflink and /var/spool/ecflink are gone" \
		test ! -e /etc/ecflink -a ! -e /var/spool/ecflink
	t_is "$(dpkg-statoverride --list | grep -E '/etc/ecflink|/var/spool/ecflink')" "" \
		"purge: the statoverrides are gone"
	t_is "$(find /etc/systemd /var/lib/systemd -name '*ecflinkd*' -o -name '*ecflink-web*' \
		2>/dev/null)" "" \
		"purge: no unit enablement or deb-systemd-helper state is left"
	t_ok "purge: no test PAM service is left" test ! -e /etc/pam.d/ecflink-smoke
	t_ok "purge: the ecflink user and ecflink-admin group are kept (README.Debian)" \
		sh -c 'getent passwd ecflink >/dev/null && getent group ecflink-admin >/dev/null'
	summary
}

summary() {
	echo "$((H_TESTS - H_FAILED)) passed, $H_FAILED failed"
	[ "$H_FAILED" -eq 0 ]
	exit $?
}

case ${1:-} in
build)
	do_build
	exit $?
	;;
check)
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			exec sudo -n bash "$0" "$@"
		fi
		die "check installs and purges packages with dpkg: run it as root" \
			"(or with password-less sudo)"
	fi
	# One check at a time on a machine: a second one's purge would pull
	# the packages from under the first.
	exec 9>/run/lock/ecflink-check-deb.lock
	flock -w 1200 9 || die "another deb.sh check holds /run/lock/ecflink-check-deb.lock"
	do_check
	;;
*)
	die "usage: sh tests/deb.sh build|check"
	;;
esac
