#!/bin/bash
# demo.sh - `make demo`: a private slapd with the sample court, ecflinkd, and
# the e-file logins a court will see, through the real libpam and the
# pam_ecflink.so that `make` built, with the syslog lines each one wrote.
# Everything runs in a temporary directory and stops when the demo ends.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# The harness expects one directory holding the binaries; point it at the
# plain (unsanitized) build, as an administrator would run it.
demo=$top/build/demo
mkdir -p "$demo"
ln -sfn "$top/daemon/ecflinkd" "$demo/ecflinkd"
ln -sfn "$top/cli/ecflinkctl" "$demo/ecflinkctl"
ln -sfn "$top/pam_module/pam_ecflink.so" "$demo/pam_ecflink.so"
ln -sfn "$top/build/obj/tools" "$demo/tools"
ln -sfn "$top/web/ecflink-web" "$demo/ecflink-web"
export ECF_BUILD=$demo
. "$top/tests/harness/lib.sh"
h_init "$@"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/  /'
}
# pam LABEL SERVICE USER PASSWORD [ANSWER]: one login through libpam.
pam() {
	local svc=$1 user=$2 pw=$3
	shift 3
	printf '$ login to %s as %s\n' "$svc" "$user"
	"$ECF_BUILD/tools/pamdrive" -C "$T/pam.d" -s "$svc" -u "$user" -p "$pw" \
		-r 203.0.113.7 -t web "$@" auth account 2>&1 | sed 's/^/  /'
}
logs() {
	printf '  syslog:\n'
	h_syslog_since | grep 'ecflinkd\[' | sed 's/^<[0-9]*>/    /'
	h_syslog_mark
}

say "Starting a private slapd with the sample court (tests/data/fixture.ldif)"
h_syslog_start
h_slapd_start
echo "slapd on $SLAPD_URI; schema/ecflink.ldif and schema/slapd-sample.ldif loaded"
# Notices go to a stand-in for sendmail that files them under $T/mail.
WEB_PORT=$(h_free_port) || h_bail "no free TCP port for ecflink-web"
conf=$(h_config MAIL_EXTRA="sendmail = \"$top/tests/tools/fakesendmail.sh $T/mail -t -oi\";" \
	EXTRA="web: { listen = \"127.0.0.1:$WEB_PORT\"; base_url = \"http://127.0.0.1:$WEB_PORT\"; contact = \"Clerk's Office, 110 E. Court Ave., Des Moines, IA 50309, (515) 284-6230\"; };")
h_daemon_start "$conf"
echo "ecflinkd running (pid $ECFLINKD_PID) with $conf"
h_syslog_mark

say "The court and its accounts"
run "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" ping
run "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" show tattorney03
run "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" show tattorneythree
logs


mkdir -p "$T/pam.d"
cat >"$T/pam.d/ecf-legacy" <<PAM
auth    required $ECF_BUILD/pam_ecflink.so realm=cmecf authenticate socket=$H_SOCK
account required $ECF_BUILD/pam_ecflink.so realm=cmecf socket=$H_SOCK
PAM
cat >"$T/pam.d/ecf-efile" <<PAM
auth    required $ECF_BUILD/pam_ecflink.so realm=pacer authenticate socket=$H_SOCK
account required $ECF_BUILD/pam_ecflink.so realm=pacer redaction socket=$H_SOCK
PAM
say "PAM services (a private copy of etc/pam.d/ecf-legacy and ecf-efile)"
sed 's/^/  /' "$T/pam.d/ecf-legacy" "$T/pam.d/ecf-efile"

say "Before linking, tattorney03's legacy login still e-files"
pam ecf-legacy tattorney03 'Legacy03!'
logs

say "The attorney links the accounts: PACER password, then CM/ECF password"
echo "(the names differ, so ecflinkctl shows both and needs a confirmation: in a"
echo " terminal it asks; from a script, --confirm gives it)"
printf '$ ecflinkctl link tattorneythree tattorney03\n'
# In a terminal the passwords are read without echo and the question is
# asked there; here they come as lines, and --confirm gives the answer.
printf 'Pacer3!pw\nLegacy03!\n' |
	"$ECF_BUILD/ecflinkctl" -s "$H_SOCK" link tattorneythree tattorney03 2>&1 | sed 's/^/  /'
printf '$ ecflinkctl link --confirm tattorneythree tattorney03\n'
printf 'Pacer3!pw\nLegacy03!\n' |
	"$ECF_BUILD/ecflinkctl" -s "$H_SOCK" link --confirm tattorneythree tattorney03 2>&1 |
	sed 's/^/  /'
logs

say "The notice mailed to the PACER account's address"
for i in $(seq 50); do [ -s "$T/mail" ] && break; sleep 0.1; done
sed -e '/^From fakesendmail/d' -e 's/^/  /' "$T/mail" 2>/dev/null || echo "  (no mail yet)"
logs

say "The old CM/ECF login is retired: refused, whatever password it brings"
pam ecf-legacy tattorney03 'Legacy03!'
logs

say "The PACER login e-files as tattorney03: redaction notice, then ECF_LOGIN"
pam ecf-efile tattorneythree 'Pacer3!pw' -a yes
logs

say "PACER punlinked is not linked: PACER Search only"
pam ecf-efile punlinked 'Pat!pacer2'
logs

say "A wrong password and an unknown login look alike to the user; the log tells them apart"
pam ecf-legacy rsmith 'wrong'
pam ecf-legacy nosuchuser 'whatever'
logs

say "The linking web pages: ecflink-web on http://127.0.0.1:$WEB_PORT/"
h_spawn "$T/ecflink-web.err" "$ECF_BUILD/ecflink-web" -d -f "$conf"
WEB_PID=$H_LAST_PID
for i in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT") 2>/dev/null && break
	sleep 0.1
done
echo "ecflink-web running (pid $WEB_PID): http://127.0.0.1:$WEB_PORT/"
echo "(a front end of ecflinkd's socket; run as root here, a member of"
echo " socket.frontend_group in production)"
echo "PACER punlinked links CM/ECF rsmith through the pages:"
/usr/bin/python3 "$top/tests/web/walk.py" "http://127.0.0.1:$WEB_PORT" punlinked 'Pat!pacer2' \
	rsmith 'Smith#legacy'
logs
if [ -t 0 ]; then
	printf '\nOpen http://127.0.0.1:%s/ in a browser on this machine (PACER\n' "$WEB_PORT"
	printf 'janedoe / Jane!pacer1 is linked; the rest are linked by now).\n'
	printf 'Press Enter to stop the demo. '
	read -r _
fi
h_stop_pid "$WEB_PID"

say "ecflinkd away: the module fails closed"
h_daemon_stop
pam ecf-efile tattorneythree 'Pacer3!pw' -a yes
printf '  syslog:\n'
h_syslog_since | grep -E 'pam_ecflink|ecflinkd\[' | sed 's/^<[0-9]*>/    /'

say "Done; everything started for the demo has been stopped"
