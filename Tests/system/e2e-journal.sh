#!/bin/bash
# e2e-journal.sh BINARY — run inside journald-sandbox.sh: `pkfrontd run` against `pkfrontd
# fake-api`; switches logged through the fake's control interface must appear as journal entries
# that `journalctl PK_EVENT=switch` and `journalctl PK_MEMBER_ID=<id>` find.
set -euo pipefail
bin=$(realpath "$1")
. "$(dirname "$0")/fake-lib.sh"
fail() { echo "not ok - $*"; journalctl --no-pager -o short-monotonic SYSLOG_IDENTIFIER=pkfrontd | tail -20; exit 1; }

start_fake "$bin"
: > "$tmp/config.yaml"
run=$(cat /proc/sys/kernel/random/uuid)

"$bin" run --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/state" --poll-interval 1s &
daemon=$!
for _ in $(seq 100); do
    journalctl --sync
    [ -n "$(journalctl -o cat --no-pager _PID=$daemon PK_EVENT=daemon_started)" ] && break; sleep 0.1
done
[ -n "$(journalctl -o cat --no-pager _PID=$daemon PK_EVENT=daemon_started)" ] || fail "daemon_started entry"
journalctl -o json --no-pager _PID=$daemon PK_EVENT=daemon_started | python3 -c 'import json,sys; e=[json.loads(l) for l in sys.stdin]; assert len(e)==1 and e[0]["PK_EVENT_SEQ"].isdigit(), e' || fail "daemon_started has a PK_EVENT_SEQ"
echo "ok - daemon_started in the journal, with a PK_EVENT_SEQ"

state=$(curl -s "$root/_control/state")
kit=$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print([m["id"] for m in s["systems"][0]["members"] if m["name"]=="Kit"][0])' "$state")
sleep 1.5   # let the first poll set the baseline
curl -s -X POST "$root/_control/switches" -d '{"members":["Sam","Kit"]}' > /dev/null
curl -s -X POST "$root/_control/switches" -d '{"members":[]}' > /dev/null
for _ in $(seq 100); do
    journalctl --sync
    [ "$(journalctl -o cat --no-pager _PID=$daemon PK_EVENT=switch | wc -l)" -ge 2 ] && break; sleep 0.1
done
journalctl -o json --no-pager _PID=$daemon PK_EVENT=switch | python3 -c '
import json, sys
e = [json.loads(l) for l in sys.stdin]
assert len(e) == 2, e
first, second = e
assert first["MESSAGE"] == "Sam and Kit are fronting (was: Alex)", first["MESSAGE"]
assert second["MESSAGE"].startswith("Nobody is fronting (was: Sam and Kit)"), second["MESSAGE"]
assert int(first["PK_EVENT_SEQ"]) < int(second["PK_EVENT_SEQ"]), e
assert first["MESSAGE_ID"] == "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e01" and first["PRIORITY"] == "5", first
assert isinstance(first["PK_MEMBER_ID"], list) and len(first["PK_MEMBER_ID"]) == 3, first["PK_MEMBER_ID"]
assert first["PK_SYSTEM"] and first["PK_SWITCH_ID"], first
print("ok - two switch entries with PK_EVENT_SEQ, MESSAGE_ID, PK_SYSTEM, PK_SWITCH_ID, repeated PK_MEMBER_ID")'
[ -n "$(journalctl -o cat --no-pager _PID=$daemon PK_MEMBER_ID=$kit PK_EVENT=fronter_added)" ] || fail "journalctl PK_MEMBER_ID=$kit finds Kit's fronter_added"
echo "ok - journalctl PK_MEMBER_ID=$kit finds Kit's entries"
[ -n "$(journalctl -o cat --no-pager _PID=$daemon PK_EVENT=front_cleared)" ] || fail "front_cleared entry"
echo "ok - front_cleared after the switch-out"
! journalctl -o json --no-pager _PID=$daemon | grep -qF "$(cat "$tmp/token")" || fail "the token leaked into the journal"
echo "ok - the token is in no entry"
