#!/bin/bash
# Runs INSIDE the booted container (systemd is PID 1 there): pkfrontd under a real service manager.
set -euo pipefail
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; journalctl -u pkfrontd.service --no-pager -o short-monotonic | tail -30; exit 1; }
status() { systemctl show -p StatusText --value pkfrontd.service; }

# The fake PluralKit inside the container (networking here is loopback only), with the same
# token as the one LoadCredential= hands the service; a drop-in points the unit at it.
systemd-run --unit=fakepk /usr/local/bin/pkfrontd fake-api --demo --port 8765 --token "$(cat /etc/pkfrontd/token)" >/dev/null
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8765/_control/state && break; sleep 0.1; done
mkdir -p /run/systemd/system/pkfrontd.service.d
printf '[Service]\nEnvironment=PKFRONTD_API_URL=http://127.0.0.1:8765/v2\nExecStart=\nExecStart=/usr/local/bin/pkfrontd run --poll-interval 1s\n' > /run/systemd/system/pkfrontd.service.d/api.conf
control() { curl -s -X "$1" "http://127.0.0.1:8765/_control/$2" ${3:+-d "$3"} >/dev/null; }
switch_entries() { journalctl --sync; journalctl -u pkfrontd.service -o cat --no-pager PK_EVENT=switch | grep -c "$1" || true; }

# A rule that acts: autoproxy in the demo's Work server follows the first fronter.
cat > /etc/pkfrontd/rules.yaml <<'YAML'
aliases: { Work: "100000000000000002" }
settings: { settle: 0s }
allow: [exec]
rules:
  - name: Autoproxy follows the front
    when: switch
    do:
      - autoproxy: { server: Work, mode: member, member: "{{ first.id }}" }
  - name: Run a hook
    when: switch
    do:
      - exec: { command: ["/usr/bin/printenv", "PK_EVENT", "FIRST"], environment: { FIRST: "{{ first.name }}" } }
YAML
api() { curl -s -H "Authorization: $(cat /etc/pkfrontd/token)" "http://127.0.0.1:8765/v2/$1"; }

systemctl daemon-reload
systemctl start pkfrontd.service                      # Type=notify: returns only after READY=1 (after the first poll)
[ "$(systemctl is-active pkfrontd.service)" = active ] && ok "active after READY=1" || not_ok "active after READY=1"
case "$(status)" in "Fronting: Alex; "*) ok "STATUS= shown: $(status)";; *) not_ok "STATUS= shown (got '$(status)')";; esac
control POST switches '{"members":["Sam","Kit"]}'
for _ in $(seq 50); do [ "$(switch_entries 'Sam and Kit are fronting')" -ge 1 ] && break; sleep 0.2; done
[ "$(switch_entries 'Sam and Kit are fronting')" = 1 ] && ok "a logged switch appears in journalctl -u pkfrontd PK_EVENT=switch" || not_ok "switch in the journal"
sam=$(api systems/@me/members | python3 -c 'import json,sys; print(next(m["id"] for m in json.load(sys.stdin) if m["name"]=="Sam"))')
autoproxy_member() { api "systems/@me/autoproxy?guild_id=100000000000000002" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("autoproxy_member"))'; }
for _ in $(seq 50); do [ "$(autoproxy_member)" = "$sam" ] && break; sleep 0.2; done
[ "$(autoproxy_member)" = "$sam" ] && ok "the autoproxy rule's PATCH reached the fake (autoproxy member $sam)" || not_ok "the autoproxy rule's PATCH reached the fake (got '$(autoproxy_member)')"
journalctl --sync
journalctl -u pkfrontd.service -o json --no-pager "PK_RULE=Autoproxy follows the front" | python3 -c '
import json,sys
e=[json.loads(l) for l in sys.stdin]; a=[x for x in e if x.get("PK_ACTION")=="autoproxy"]
assert len(a)>=1, e
x=a[-1]; assert x["CODE_FILE"]=="/etc/pkfrontd/rules.yaml" and x["CODE_LINE"]=="8", x
assert "test-token" not in json.dumps(e), "the token leaked into an action entry"
print("ok - journalctl -u pkfrontd PK_RULE=... shows the action entry:", x["MESSAGE"])' || not_ok "the action entry in the journal"
hook() { journalctl --sync; journalctl -u pkfrontd.service -o cat --no-pager "PK_RULE=Run a hook" PK_ACTION=exec; }
for _ in $(seq 50); do hook | grep -q "exited with status 0" && break; sleep 0.2; done
hook | grep -qx "rule 'Run a hook': stdout: switch" && hook | grep -qx "rule 'Run a hook': stdout: Sam" \
    && hook | grep -q "rule 'Run a hook': exec: /usr/bin/printenv exited with status 0" \
    && ok "an exec rule runs under the unit's sandbox: its output and exit status in the journal" || not_ok "exec under the unit (got: $(hook))"
out=$(/usr/local/bin/pkfrontd why "Autoproxy follows the front" --state-dir /var/lib/pkfrontd) && echo "$out" | grep -q "Autoproxy follows the front ran" \
    && ok "pkfrontd why as root on the unit's state directory" || not_ok "pkfrontd why as root (got: $out)"
out=$(/usr/local/bin/pkfrontd pending --state-dir /var/lib/pkfrontd) && echo "$out" | grep -q "^rules paused by the circuit breaker: none" \
    && ok "pkfrontd pending as root on the unit's state directory" || not_ok "pkfrontd pending as root (got: $out)"

systemctl reload pkfrontd.service                     # ExecReload= sends SIGHUP: RELOADING=1 ... READY=1
case "$(status)" in *"reloads: 1") ok "reload round-trip";; *) not_ok "reload round-trip (got '$(status)')";; esac

journalctl --sync
journalctl -u pkfrontd.service -o json --no-pager PK_EVENT=daemon_started | python3 -c '
import json,sys
e=[json.loads(l) for l in sys.stdin]; assert len(e)==1, e; x=e[0]
assert x["PK_TOKEN_SOURCE"]=="systemd credential /run/credentials/pkfrontd.service/token", x  # LoadCredential=
assert x["_UID"]!="0", x                                   # DynamicUser=
assert x["PK_STATE_DIR"]=="/var/lib/pkfrontd", x           # StateDirectory=
assert x["_SYSTEMD_UNIT"]=="pkfrontd.service" and x["_TRANSPORT"]=="journal", x
assert x["MESSAGE_ID"]=="6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0b" and x["SYSLOG_IDENTIFIER"]=="pkfrontd", x
assert x["PRIORITY"]=="6" and "CODE_FILE" in x and "CODE_LINE" in x, x
assert x["PK_EVENT_SEQ"].isdigit(), x                      # through the outbox, like every event
assert "test-token" not in json.dumps(x), "the token leaked into the journal"
print("ok - daemon_started entry: credential, dynamic user", x["_UID"], ", state dir, PK_ fields")'
[ -n "$(journalctl -u pkfrontd.service -o cat --no-pager PK_EVENT=rules_reloaded)" ] && ok "rules_reloaded entry" || not_ok "rules_reloaded entry"
! journalctl -u pkfrontd.service -o json --no-pager | grep -q "test-token-for-the-container" && ok "token in no journal entry" || not_ok "token in no journal entry"

if [ -f /usr/lib/systemd/catalog/pkfrontd.catalog ]; then
    journalctl --update-catalog
    journalctl -u pkfrontd.service -x --no-pager PK_EVENT=daemon_started | grep -q "PK_TOKEN_SOURCE= says where the token came from" \
        && ok "journalctl -x shows the catalog text" || not_ok "journalctl -x shows the catalog text"
fi

# Watchdog: shorten WatchdogSec, freeze the daemon, expect a restart by the watchdog.
mkdir -p /run/systemd/system/pkfrontd.service.d
printf '[Service]\nWatchdogSec=4s\nTimeoutAbortSec=2s\nRestartSec=1s\n' > /run/systemd/system/pkfrontd.service.d/wd.conf
systemctl daemon-reload; systemctl restart pkfrontd.service
sleep 6
[ "$(systemctl show -p NRestarts --value pkfrontd.service)" = 0 ] && ok "a live daemon keeps feeding the watchdog" || not_ok "a live daemon keeps feeding the watchdog"
systemctl kill -s SIGSTOP pkfrontd.service
for _ in $(seq 40); do [ "$(systemctl show -p NRestarts --value pkfrontd.service)" -ge 1 ] && break; sleep 0.5; done
[ "$(systemctl show -p NRestarts --value pkfrontd.service)" -ge 1 ] && ok "frozen daemon restarted by the watchdog" || not_ok "frozen daemon restarted by the watchdog"
journalctl -u pkfrontd.service --no-pager -o cat | grep -q "Failed with result 'watchdog'" && ok "journal shows the watchdog failure" || not_ok "journal shows the watchdog failure"
for _ in $(seq 40); do [ "$(systemctl is-active pkfrontd.service)" = active ] && break; sleep 0.5; done
[ "$(systemctl is-active pkfrontd.service)" = active ] && ok "active again after the restart" || not_ok "active again after the restart"
control POST switches '{"members":["Robin"]}'
for _ in $(seq 50); do [ "$(switch_entries 'Robin is fronting')" -ge 1 ] && break; sleep 0.2; done
[ "$(switch_entries 'Robin is fronting')" -ge 1 ] && ok "events keep coming after the watchdog restart" || not_ok "events after the watchdog restart"
[ "$(switch_entries 'Sam and Kit are fronting')" = 1 ] && ok "no event repeated after the restart" || not_ok "no event repeated after the restart"

systemctl stop pkfrontd.service
[ "$(systemctl is-active pkfrontd.service || true)" = inactive ] && ok "clean stop" || not_ok "clean stop"
[ "$(systemctl show -p Result --value pkfrontd.service)" = success ] && ok "stop result: success" || not_ok "stop result"
journalctl --sync
[ -n "$(journalctl -u pkfrontd.service -o cat --no-pager PK_EVENT=daemon_stopping)" ] && ok "daemon_stopping entry" || not_ok "daemon_stopping entry"
systemctl stop fakepk.service
echo "inner tests passed"
