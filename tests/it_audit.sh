#!/bin/bash
# it_audit.sh - the audit file (audit.file): a link, a retired-credential
# attempt, a redaction answer, a reset code and an unlink are appended as
# hash-chained JSON lines; ecflinkctl audit-verify passes the file as
# written and names the first record after a removal, an edit and a swap;
# a rotation (rename, SIGHUP) starts a new file whose first record
# continues the old chain.
. "$(dirname "$0")/harness/lib.sh"
h_init "$@"

MOD=$ECF_BUILD/pam_ecflink.so
DRIVE=$ECF_BUILD/tools/pamdrive
CTL=$ECF_BUILD/ecflinkctl
h_syslog_start
h_slapd_start
mkdir -p "$T/audit" "$T/pam.d"
AUDIT=$T/audit/audit.jsonl
h_daemon_start "$(h_config EXTRA="audit: { file = \"$AUDIT\"; };")"

D="socket=$H_SOCK"
printf '%s\n' "auth required $MOD $D realm=pacer authenticate redaction" \
	"account required $MOD $D realm=pacer authenticate redaction" >"$T/pam.d/ecf-efile"
printf '%s\n' "auth required $MOD $D realm=cmecf authenticate" \
	"account required $MOD $D realm=cmecf" >"$T/pam.d/ecf-legacy"

verify() { OUT=$("$CTL" audit-verify "$1" 2>&1) && RC=0 || RC=$?; }

t_like "$(head -n1 "$AUDIT")" '^\{"seq":1,"time":"[0-9T:-]+Z","event":"chain_start","follows":"nothing","prev":"0{64}"\}$' \
	"a new audit file starts its chain with a chain_start record"

OUT=$(printf '%s\n%s\n' 'Pacer3!pw' 'Legacy03!' |
	"$CTL" -s "$H_SOCK" link --confirm tattorneythree tattorney03 2>&1)
t_like "$OUT" 'has been linked' "tattorney03 is linked"
"$DRIVE" -C "$T/pam.d" -s ecf-legacy -u tattorney03 -p 'Legacy03!' auth >/dev/null 2>&1
"$DRIVE" -C "$T/pam.d" -s ecf-efile -u janedoe -p 'Jane!pacer1' -a y auth account \
	>/dev/null 2>&1
OUT=$("$CTL" -s "$H_SOCK" reset-link-code rsmith 2>&1)
t_like "$OUT" 'Link reset code' "a reset code is issued"
OUT=$("$CTL" -s "$H_SOCK" unlink --reason "ticket 7" tattorney03 2>&1)
t_like "$OUT" 'no longer linked' "tattorney03 is unlinked"

for ev in link retired_credential redaction reset_link_code unlink; do
	t_is "$(grep -c "\"event\":\"$ev\"" "$AUDIT")" 1 "one $ev record"
done
t_like "$(grep '"event":"link"' "$AUDIT")" \
	'"pacer":"tattorneythree","cmecf":"tattorney03","txn":[0-9]+,"peer_uid":0,"prev":"[0-9a-f]{64}"\}$' \
	"the link record names both logins and the transaction"
t_like "$(grep '"event":"unlink"' "$AUDIT")" '"note":"ticket 7"' "the unlink record keeps the reason"
t_unlike "$(cat "$AUDIT")" 'Legacy03|Pacer3|Jane!|"code"' "no password or code is in the file"
N=$(wc -l <"$AUDIT")
t_is "$N" 6 "six records in all"

verify "$AUDIT"
t_is "$RC" 0 "audit-verify passes the file as written"
t_like "$OUT" "6 records, chain intact \\(records 1 to 6\\)" "audit-verify says how many records it checked"

# tampering: each on a copy
sed '3d' "$AUDIT" >"$T/removed"
verify "$T/removed"
t_is "$RC" 1 "a removed record fails the check"
t_like "$OUT" ':3: BROKEN: record 4 follows record 2: 1 record\(s\) removed' \
	"the removal is named at the line after the gap"
sed '3s/"cmecf":"tattorney03"/"cmecf":"someoneelse"/' "$AUDIT" >"$T/edited"
t_like "$(sed -n 3p "$T/edited")" '"cmecf":"someoneelse"' "(the copy's third record really was edited)"
verify "$T/edited"
t_is "$RC" 1 "an edited record fails the check"
t_like "$OUT" ':3: BROKEN: the line before this one \(record 3\) was edited' \
	"the edited record is named, by line and record"
awk 'NR == 4 { l = $0; next } NR == 5 { print; print l; next } { print }' "$AUDIT" >"$T/swapped"
verify "$T/swapped"
t_is "$RC" 1 "swapped records fail the check"
t_like "$OUT" ':4: BROKEN: record 5 follows record 3' "the swap is named where the order breaks"

# rotation: rename, SIGHUP, a new record in a new file
LAST=$(tail -n1 "$AUDIT" | tr -d '\n' | sha256sum | cut -c1-64)
mv "$AUDIT" "$T/audit/audit.jsonl.1"
h_syslog_mark
kill -HUP "$ECFLINKD_PID"
for i in $(seq 100); do [ -s "$AUDIT" ] && break; sleep 0.1; done
t_ok "the reload reopened the audit file under its name" test -s "$AUDIT"
"$CTL" -s "$H_SOCK" reset-link-code rsmith >/dev/null 2>&1
t_like "$(head -n1 "$AUDIT")" "^\\{\"seq\":7,.*\"event\":\"chain_start\",\"follows\":\"previous_file\",\"prev\":\"$LAST\"\\}\$" \
	"after a rotation the new file's first record names the old file's last hash"
verify "$AUDIT"
t_is "$RC" 0 "the new file verifies on its own"
cat "$T/audit/audit.jsonl.1" "$AUDIT" >"$T/joined"
verify "$T/joined"
t_is "$RC" 0 "the old and new files verify as one chain"

t_done
