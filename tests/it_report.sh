#!/bin/bash
# it_report.sh - ecflinkctl report and lint against a real slapd: exact
# numbers on a fixture with known problems (tests/data/lint.ldif), text and
# JSON, the linter's exit status, admin-only access, one log line per
# request, and a CM/ECF base larger than slapd's 500-entry size limit read
# in pages.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"
h_syslog_start
H_SLAPD_LOGLEVEL=stats	# slapd logs each search operation: the pages can be counted
h_slapd_start
h_ldapmodify -a -f "$ECF_SRC/tests/data/lint.ldif" >"$T/lint-load.log" 2>&1 ||
	h_bail "loading tests/data/lint.ldif failed" "$T/lint-load.log"
conf=$(h_config)
h_daemon_start "$conf"
ctl() { "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" -T 30000 "$@"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$ECF_BUILD/ecflinkctl" -s "$H_SOCK" "$@"; }
# row LABEL N: one line of the report's table, as ecflinkd writes it.
row() { printf '%-24s%8s\n' "$1" "$2"; }
# json_ok DESC TEXT: TEXT is one valid JSON document (python3's parser when
# there is one; otherwise only its outline is checked).
json_ok() {
	if command -v python3 >/dev/null 2>&1; then
		if printf '%s' "$2" | python3 -m json.tool >/dev/null 2>"$T/json.err"; then
			t_pass "$1"
		else
			t_fail "$1" "python3 -m json.tool: $(cat "$T/json.err")" "text: $2"
		fi
	else
		t_like "$2" '^\{.*\}$' "$1 (outline only: no python3 here)"
	fi
}
# one_line EVENT REGEX DESC: after a request, exactly one line event=EVENT
# was logged since the mark, and it matches REGEX.
one_line() {
	h_syslog_wait_since "ecflinkd\[[0-9]+\]: event=$1 " 1
	sleep 0.2
	t_is "$(h_syslog_count_since 'ecflinkd\[[0-9]+\]: event=')" 1 "$3: exactly one log line"
	t_like "$(h_syslog_since | grep -E 'ecflinkd\[[0-9]+\]: event=')" "$2" "$3: its fields"
}

# --- report --------------------------------------------------------------------
h_syslog_mark
out=$(ctl report) && rc=0 || rc=$?
t_is "$rc" 0 "report exits 0"
# Go-live 2015-11-01T00:00:00-06:00 is 01:00 CDT in Chicago (DST ended at 02:00).
want=$(
	echo "Court: SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT"
	echo "Go-live: 11/01/2015 01:00 CDT (live)"
	echo
	row "CM/ECF accounts" 15
	row "  linked" 2
	row "    to a missing PACER" 1
	row "  not linked" 11
	row "  locked (no password)" 2
	row "  reset code pending" 1
	row "  reset code expired" 1
	row "PACER accounts" 4
	row "  linked" 1
	row "  not linked" 3
	row "  not upgraded" 0
	echo
	echo "Links per day, America/Chicago dates"
	row "  2015-11-02" 1
	row "  2015-11-03" 1
)
t_is "$out" "$want" "report: the table has the fixture's exact numbers"
one_line report 'event=report admin_uid=0 cmecf=15 pacer=4 result=ok ms=[0-9.]+$' "report"

# Every date shown to people is in the court's zone (America/Chicago),
# wherever ecflinkctl runs: here under TZ=UTC.
out=$(TZ=UTC ctl ping)
t_like "$out" 'go-live: 11/01/2015 01:00:00 CDT' "ping, run under TZ=UTC, shows go-live in the court's zone"
out=$(TZ=UTC ctl report)
t_like "$out" 'Go-live: 11/01/2015 01:00 CDT' "report, run under TZ=UTC, shows go-live in the court's zone"
out=$(TZ=UTC ctl show jdoe1)
t_like "$out" 'linked on: +[0-9/]{10} [0-9:]{8} C[SD]T' "show, run under TZ=UTC, shows the link time in the court's zone"

out=$(ctl report --json) && rc=0 || rc=$?
t_is "$rc" 0 "report --json exits 0"
json_ok "report --json is valid JSON" "$out"
want='{"court":"SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT","golive":"2015-11-01T06:00:00Z","live":true,'
want+='"cmecf":{"total":15,"linked":2,"linked_missing_pacer":1,"not_linked":11,"locked":2,'
want+='"reset_pending":1,"reset_expired":1},"pacer":{"total":4,"linked":1,"not_linked":3,"not_upgraded":0},'
want+='"days_with_links":2,"links_per_day":[{"date":"2015-11-02","links":1},'
want+='{"date":"2015-11-03","links":1}]}'
t_is "$out" "$want" "report --json: the same numbers"

# --- lint ------------------------------------------------------------------------
h_syslog_mark
out=$(ctl lint) && rc=0 || rc=$?
t_is "$rc" 6 "lint with findings exits 6 (1 stays for a refused or failed request)"
t_like "$out" '^Checked: 15 CM/ECF accounts under ou=cmecf' "lint: says how many CM/ECF accounts it read"
t_like "$out" '^  CM/ECF logins with characters outside A-Z a-z 0-9 \. _ - +2$' \
	"lint: 2 logins with bad characters"
t_like "$out" '^  CM/ECF accounts without mail +6$' "lint: 6 CM/ECF accounts without mail"
t_like "$out" '^  PACER accounts without mail .* +1$' "lint: 1 PACER account without mail"
t_like "$out" '^  CM/ECF display names \(cn\) on several accounts +2$' "lint: 2 accounts share a display name"
t_like "$out" '^  CM/ECF mail addresses on several logins +2$' "lint: 2 logins share a mail address"
t_like "$out" '^  CM/ECF links to a PACER login that does not exist +1$' "lint: 1 dangling link"
t_like "$out" '^  bad user +space$' "lint lists the login with a space"
t_like "$out" '^  amy@firm +@$' "lint lists the login with an @"
t_like "$out" '^  nomail1 +Nora Nomail$' "lint lists the account without mail"
t_like "$out" '^  pnomail +Paula Nomail$' "lint lists the PACER account without mail"
t_like "$(printf '%s\n' "$out" | grep -E '^  dup[12] ' | tr '\n' '|')" \
	'^  dup1 +Dana Dup\|  dup2 +DANA  dup\|$' "lint lists both accounts named Dana Dup (case and blanks folded)"
t_like "$(printf '%s\n' "$out" | grep -E '^  share[12] ' | tr '\n' '|')" \
	'^  share1 +Shared@Example.org\|  share2 +shared@example.ORG\|$' \
	"lint lists both logins sharing a mail (case folded)"
t_like "$out" '^  dangle1 +ghostpacer$' "lint lists the dangling link and its PACER login"
t_like "$out" '^14 findings\.$' "lint ends with the total"
one_line lint 'event=lint admin_uid=0 cmecf=15 pacer=4 findings=14 result=ok ms=[0-9.]+$' "lint"

out=$(ctl lint --json) && rc=0 || rc=$?
t_is "$rc" 6 "lint --json with findings exits 6"
json_ok "lint --json is valid JSON" "$out"
t_like "$out" '"cmecf_accounts":15,"pacer_accounts":4,' "lint --json: accounts read"
t_like "$out" '"findings":14,' "lint --json: 14 findings"
want='"bad_login":\{"count":2,"entries":\[\{"login":"amy@firm","value":"@"\},'
want+='\{"login":"bad user","value":"space"\}\],"listed":2\}'
t_like "$out" "$want" \
	"lint --json: bad logins with their characters"
t_like "$out" '"cmecf_no_mail":\{"count":6,' "lint --json: 6 without mail"
t_like "$out" '"pacer_no_mail":\{"count":1,"entries":\[\{"login":"pnomail","value":"Paula Nomail"\}\]' \
	"lint --json: the PACER account without mail"
t_like "$out" '"duplicate_name":\{"count":2,' "lint --json: 2 duplicate names"
t_like "$out" '"shared_mail":\{"count":2,' "lint --json: 2 shared mails"
t_like "$out" '"dangling_link":\{"count":1,"entries":\[\{"login":"dangle1","value":"ghostpacer"\}\]' \
	"lint --json: the dangling link"
t_like "$out" '"truncated":false\}$' "lint --json: nothing cut"

# --- admin only --------------------------------------------------------------------
for cmd in report lint; do
	h_syslog_mark
	out=$(nobody "$cmd" 2>&1) && rc=0 || rc=$?
	t_is "$rc" 1 "$cmd is refused to a user outside socket.admin_group"
	t_like "$out" "permission denied.*needs root or socket.admin_group" "$cmd: the refusal says why"
	one_line "$cmd" "event=$cmd admin_uid=65534 result=denied reason=not_admin ms=" "$cmd refused"
done

# --- a clean directory ------------------------------------------------------------------
{
	for u in "bad user" amy@firm share2 dup2 nomail1 dangle1; do
		printf 'dn: uid=%s,%s\nchangetype: delete\n\n' "$u" "$H_CMECF_BASE"
	done
	printf 'dn: uid=pnomail,%s\nchangetype: delete\n\n' "$H_PACER_BASE"
	for u in tattorney03 jdoe1 rsmith tlocked clerk1; do
		printf 'dn: uid=%s,%s\nchangetype: modify\nadd: mail\nmail: %s@example.org\n\n' \
			"$u" "$H_CMECF_BASE" "$u"
	done
} >"$T/clean.ldif"
h_ldapmodify -f "$T/clean.ldif" >"$T/clean.log" 2>&1 || h_bail "cleaning the fixture failed" "$T/clean.log"
out=$(ctl lint) && rc=0 || rc=$?
t_is "$rc" 0 "lint of a clean directory exits 0"
t_like "$out" '^No findings\.$' "and says so"
out=$(ctl lint --json) && rc=0 || rc=$?
t_is "$rc" 0 "lint --json of a clean directory exits 0"
t_like "$out" '"findings":0,' "lint --json: 0 findings"

# --- more entries than slapd's size limit: paged reads ------------------------------------
N=1200
for i in $(seq "$N"); do
	printf 'dn: uid=bulk%04d,%s\nobjectClass: inetOrgPerson\nobjectClass: ecfAccount\n' "$i" "$H_CMECF_BASE"
	printf 'uid: bulk%04d\ncn: Bulk User %04d\nsn: User\nuserPassword: Bulk!%04d\necfRole: attorney\n\n' \
		"$i" "$i" "$i"
done >"$T/bulk.ldif"
h_ldapmodify -a -f "$T/bulk.ldif" >"$T/bulk.log" 2>&1 || h_bail "loading $N entries failed" "$T/bulk.log"
total=$((9 + N))
t_is "$(ldapsearch -x -LLL -H "$SLAPD_URI" -D "uid=rsmith,$H_CMECF_BASE" -w 'Smith#legacy' \
	-b "$H_CMECF_BASE" '(objectClass=ecfAccount)' 1.1 2>/dev/null | grep -c '^dn:')" 500 \
	"slapd's default size limit cuts an ordinary user's search at 500 entries"
t_is "$(h_ldapsearch -b "$H_CMECF_BASE" '(objectClass=ecfAccount)' 1.1 | grep -c '^dn:')" "$total" \
	"schema/slapd-sample.ldif lifts it for the service DN (olcLimits)"
mark=$(wc -l <"$T/slapd.log")
out=$(ctl report) && rc=0 || rc=$?
t_is "$rc" 0 "report of $total CM/ECF accounts exits 0"
t_is "$(printf '%s\n' "$out" | grep '^CM/ECF accounts')" "$(row "CM/ECF accounts" "$total")" \
	"report counts all $total CM/ECF accounts"
t_is "$(printf '%s\n' "$out" | grep '^  not linked' | head -1)" "$(row "  not linked" $((6 + N)))" \
	"report: $((6 + N)) not linked"
sleep 0.3
pages=$(tail -n "+$((mark + 1))" "$T/slapd.log" |
	grep -cE 'SRCH base="ou=cmecf,dc=example,dc=org" scope=2 deref=0 filter="\(objectClass=ecfAccount\)"')
t_is "$pages" 3 "the CM/ECF base was read in 3 pages of at most 500 entries"
h_syslog_mark
out=$(ctl lint) && rc=0 || rc=$?
t_is "$rc" 6 "lint with $N accounts without mail exits 6"
t_like "$out" "^  CM/ECF accounts without mail +$N\$" "lint counts all $N"
t_is "$(printf '%s\n' "$out" | grep -cE '^  bulk[0-9]{4} +Bulk User')" 50 "lint lists the first 50"
t_like "$out" "^  \.\.\. $((N - 50)) more not listed\$" "and says how many it left out"
one_line lint "event=lint admin_uid=0 cmecf=$total pacer=3 findings=$N result=ok ms=" "lint of $total"
out=$(ctl lint --json) && rc=0 || rc=$?
json_ok "lint --json of $total accounts is valid JSON" "$out"
t_like "$out" "\"cmecf_no_mail\":\\{\"count\":$N,.*\"listed\":50\\}" "lint --json: count $N, 50 listed"
t_like "$out" '"truncated":true\}$' "lint --json says the listing was cut"

# --- the size limit not lifted: a clear error -----------------------------------------------
printf 'dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcLimits\n' >"$T/limits.ldif"
ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI" -f "$T/limits.ldif" >"$T/limits.log" 2>&1 ||
	h_bail "removing olcLimits failed" "$T/limits.log"
h_syslog_mark
out=$(ctl report 2>&1) && rc=0 || rc=$?
t_is "$rc" 1 "without olcLimits for the service DN, report fails"
t_like "$out" 'stopped after [0-9]+ entries: .*olcLimits' "and the message says which limit to lift"
one_line report 'event=report admin_uid=0 result=error reason=ldap_error detail=".*olcLimits' "report failure"

h_daemon_stop && rc=0 || rc=$?
t_is "$rc" 0 "ecflinkd stops cleanly (no sanitizer or leak report)"
t_done
