#!/bin/bash
# it_web.sh - ecflink-web (issue 13): its configuration checks, then the
# linking pages in headless Chromium (Debian's chromium, chromium-driver
# and python3-selenium) and over plain HTTP, against the real ecflinkd and
# the harness's slapd.  tests/web/test_web.py drives the browser and
# prints its own TAP; the screenshots go to $ECF_BUILD/it_web/screens.
#
# ecflink-web runs as nobody:nogroup and the daemons' socket.frontend_group
# is nogroup, so it is a front end exactly as the packaged one is (a
# member of that group, not root).
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

WEB=$ECF_BUILD/ecflink-web
PY=/usr/bin/python3
for f in "$WEB" "$ECF_BUILD/ecflinkd" "$ECF_BUILD/ecflinkctl"; do
	[ -x "$f" ] || h_bail "$f is missing (make check-build)"
done
for f in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || h_bail "$f is missing: make deps installs chromium and chromium-driver"
done
"$PY" -c 'import selenium' 2>/dev/null ||
	h_bail "python3-selenium is missing: make deps installs it"
command -v setpriv >/dev/null || h_bail "setpriv (util-linux) is needed"
getent group nogroup >/dev/null && getent passwd nobody >/dev/null ||
	h_bail "the test runs ecflink-web as nobody:nogroup; this system has neither"

# --- configuration -------------------------------------------------------------
cat >"$T/seal.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#fff" stroke="#c9a227" stroke-width="4"/><text x="32" y="38" font-size="14" text-anchor="middle" fill="#162e51">SEAL</text></svg>
SVG
chmod 0644 "$T/seal.svg"
CONTACT="Clerk's Office, 110 E. Court Ave., Des Moines, IA 50309, (515) 284-6230"

# webconf NAME PORT [EXTRA]: a web group for the instance NAME.
webconf() {
	cat <<W
web: {
	listen = "127.0.0.1:$2";
	base_url = "http://127.0.0.1:$2";
	contact = "$CONTACT";
	logo = "$T/seal.svg";
	session_idle_s = 600;
	timeout_ms = 5000;
	$3
};
W
}

h_syslog_start
h_slapd_start
PORT_A=$(h_free_port) || h_bail "no free port"
PORT_B=$(h_free_port) || h_bail "no free port"
[ "$PORT_A" != "$PORT_B" ] || PORT_B=$((PORT_A + 1))
conf_a=$(h_config CONF="$T/a.conf" SOCKET="$T/a.sock" POLICY_EXTRA='eligible_roles = [ "attorney" ];' SOCKET_EXTRA='frontend_group = "nogroup";' \
	EXTRA="$(webconf a "$PORT_A" 'trust_header = "REMOTE_USER"; trusted_proxies = [ "127.0.0.1" ];')")
# B: a court that is not live yet, whose SSO header may come only from a
# proxy that is not the one the test uses.
conf_b=$(h_config CONF="$T/b.conf" SOCKET="$T/b.sock" GOLIVE=2099-01-01T00:00:00-06:00 \
	SOCKET_EXTRA='frontend_group = "nogroup";' \
	EXTRA="$(webconf b "$PORT_B" 'trust_header = "REMOTE_USER"; trusted_proxies = [ "192.0.2.0/24" ];')")
chmod 0644 "$conf_a" "$conf_b"

out=$("$ECF_BUILD/ecflinkd" -t -f "$conf_a" 2>&1)
t_like "$out" "configuration OK" "ecflinkd -t ignores the web group"
out=$("$WEB" -t -f "$conf_a" 2>&1)
t_like "$out" "configuration OK for ecflink-web" "ecflink-web -t accepts the web group" || t_diag "$out"

# bad CONF_TEXT REGEX DESC: ecflink-web -t fails on it with that message.
bad() {
	printf '%s\n' "$1" >"$T/bad.conf"
	local o rc
	o=$("$WEB" -t -f "$T/bad.conf" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -ne 1 ]; then
		t_fail "$3" "exit status $rc, wanted 1" "$o"
		return
	fi
	t_like "$o" "$2" "$3"
}
court='court: { name = "X COURT"; };'
bad "$court
web: { listen = \"localhost:80\"; };" \
	"^$T/bad.conf:2: web.listen: \"localhost:80\" is not ADDRESS:PORT" "-t: a listen address by name"
bad "$court
web: {
	colour = \"blue\";
};" "^$T/bad.conf:3: web.colour: unknown key; known keys in web are: listen, " "-t: an unknown key"
bad "$court
web: { trusted_proxies = [ \"10.0.0.0/33\" ]; };" \
	"bad.conf:2: web.trusted_proxies: entry 1 is not an IPv4 or IPv6 address" "-t: a bad network"
bad "$court
web: { trust_header = \"REMOTE_USER\"; };" \
	"web.trust_header: set web.trusted_proxies too" "-t: a trusted header needs trusted proxies"
bad "$court
web: { session_idle_s = 5; };" "web.session_idle_s: 5 is out of range; use 60..86400" \
	"-t: an idle timeout out of range"
bad "$court
web: { logo = \"$T/nothing.png\"; };" "web.logo: $T/nothing.png: No such file or directory" \
	"-t: a logo that is not there"
bad "web: { };" "court.name: required key missing" "-t: court.name is required"
bad "$court
web: { base_url = \"ftp://x/\"; };" "web.base_url: \"ftp://x/\" is not an http:// or https:// URL" \
	"-t: a base URL that is not http"
bad "$court
web = 5;" "^$T/bad.conf:2: web: must be a group" "-t: web must be a group"
out=$("$WEB" -t -f "$conf_a" -x 2>&1)
t_like "$out" "usage: ecflink-web" "an unknown option prints the usage"

# --- the daemons and the web front ends ------------------------------------------
h_daemon_start "$conf_a"
SOCK_A=$H_SOCK
PID_A=$ECFLINKD_PID
h_daemon_start "$conf_b"
PID_B=$ECFLINKD_PID

# web_start NAME CONF PORT: ecflink-web as nobody:nogroup in the foreground.
web_start() {
	local i
	h_spawn "$T/web-$1.err" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$WEB" -d -f "$2"
	eval "WEB_PID_$1=\$H_LAST_PID"
	for i in $(seq 100); do
		kill -0 "$H_LAST_PID" 2>/dev/null || h_bail "ecflink-web $1 exited at start" "$T/web-$1.err"
		(exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null && return 0
		sleep 0.1
	done
	h_bail "ecflink-web $1 did not listen on port $3 within 10 s" "$T/web-$1.err"
}
web_start a "$conf_a" "$PORT_A"
web_start b "$conf_b" "$PORT_B"
# setpriv execs ecflink-web, so the pid is the server's own.
t_is "$(ps -o user=,group= -p "$WEB_PID_a" | tr -s ' ')" "nobody nogroup" \
	"ecflink-web runs as nobody:nogroup, a member of socket.frontend_group only"
h_syslog_wait 'ecflink-web\[[0-9]+\]: event=start listen=127.0.0.1:'"$PORT_A" 1
t_is "$?" 0 "ecflink-web logs its start to syslog"

OUT=$ECF_BUILD/it_web
rm -rf "$OUT"
mkdir -p "$OUT/screens"
export WEB_A="http://127.0.0.1:$PORT_A" WEB_B="http://127.0.0.1:$PORT_B" SOCK_A PID_A
export H_SYSLOG OUT CONTACT HOME="$T/home"
mkdir -p "$HOME"
# The browser test prints its own TAP (and plan); run.sh adds both up.
"$PY" "$ECF_SRC/tests/web/test_web.py" 2>"$T/test_web.err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
	t_fail "tests/web/test_web.py ran to the end" "exit status $rc" "$(tail -n 30 "$T/test_web.err")"
fi
[ -s "$T/test_web.err" ] && t_diag "test_web.py stderr (last lines):" "$(tail -n 15 "$T/test_web.err")"

# The web never logs a password, and nobody's process left no core.
t_is "$(grep -c 'Pacer3!pw\|Legacy03!\|WrongPw' "$H_SYSLOG")" 0 "no password appears in syslog"
h_stop_pid "$WEB_PID_a"
t_is "$H_STOP_RC" 0 "ecflink-web stops cleanly on SIGTERM (no sanitizer report)" ||
	t_diag "$(tail -n 30 "$T/web-a.err")"
h_stop_pid "$WEB_PID_b"
t_is "$H_STOP_RC" 0 "the second ecflink-web stops cleanly" || t_diag "$(tail -n 30 "$T/web-b.err")"
t_done
