#!/bin/bash
# rules-check.sh BINARY — `pkfrontd check` as a user runs it, against `pkfrontd fake-api --demo`:
#   - the example rules pass with no warnings when names are checked live (a token is given);
#   - without a token or a cache they pass with warnings only;
#   - after the daemon has polled once, the cached member list resolves every name offline;
#   - a reload (SIGHUP) refuses a broken rule file and swaps in a valid one;
#   - a broken file gives file:line:column errors and exit status 1;
#   - `run` refuses to start (exit 78) with a broken rule file.
set -euo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
. "$here/fake-lib.sh"
fail() { echo "not ok - $*"; exit 1; }
unset PK_TOKEN CREDENTIALS_DIRECTORY PKFRONTD_STATE_DIR PKFRONTD_API_URL PKFRONTD_RULES STATE_DIRECTORY
: > "$tmp/config.yaml"

start_fake "$bin"
examples=(rules/examples/*.yaml)

# 1. Live names: no warnings at all.
"$bin" check --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/none" "${examples[@]}" > "$tmp/live.out" \
    || { cat "$tmp/live.out"; fail "check with a token exits 0"; }
grep -q "warning:\|error:" "$tmp/live.out" && { cat "$tmp/live.out"; fail "no warnings with live names"; }
[ "$(grep -c ': valid, ' "$tmp/live.out")" = "${#examples[@]}" ] || fail "every example valid"
echo "ok - ${#examples[@]} examples, live names: valid, no warnings"

# 1b. A token file others may read is still used by check (run refuses it), with a note on stderr.
cp "$tmp/token" "$tmp/token-644"; chmod 644 "$tmp/token-644"
"$bin" check --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token-644" --state-dir "$tmp/none" --quiet "${examples[@]}" > "$tmp/644.out" 2> "$tmp/644.err" \
    || fail "check with a mode-644 token exits 0"
[ -s "$tmp/644.out" ] && { cat "$tmp/644.out"; fail "no warnings with a mode-644 token"; }
grep -q "chmod 600" "$tmp/644.err" || fail "a note says to chmod 600 the token file"
echo "ok - a mode-644 token file is used by check, with a note to chmod 600 it"

# 2. Offline, nothing cached: warnings only.
"$bin" check --config "$tmp/config.yaml" --state-dir "$tmp/none" "${examples[@]}" > "$tmp/offline.out" \
    || { cat "$tmp/offline.out"; fail "check without a token exits 0"; }
grep -q "error:" "$tmp/offline.out" && fail "no errors offline"
grep -q "warning: member 'Alex' was not checked" "$tmp/offline.out" || fail "names are warnings offline"
echo "ok - offline: $(grep -c 'warning:' "$tmp/offline.out") warnings, no errors"

# 3. The daemon caches the member list on its first poll; check then resolves names offline.
"$bin" run --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/state" \
    --rules rules/examples --poll-interval 1s 2> "$tmp/run.log" &
daemon=$!
for _ in $(seq 100); do
    "$bin" check --config "$tmp/config.yaml" --state-dir "$tmp/state" --quiet "${examples[@]}" > "$tmp/cached.out" 2>&1 && [ ! -s "$tmp/cached.out" ] && break
    sleep 0.2
done
[ -s "$tmp/cached.out" ] && { cat "$tmp/cached.out"; fail "cached names resolve every example"; }
kill -TERM "$daemon"; wait "$daemon" || true; daemon=""
echo "ok - after one poll the cached member list resolves every name offline"

# 4. Reload (SIGHUP): a broken file is refused and the running rules stay; a valid one is swapped in.
logs() {  # the daemon's log lines: the journal when there is one, else its stderr
    if [ -S /run/systemd/journal/socket ]; then journalctl --sync 2>/dev/null; journalctl -o cat --no-pager _PID="$daemon"
    else cat "$tmp/reload.log"; fi
}
wait_for() {  # wait_for PATTERN: until the daemon logged a line matching PATTERN
    for _ in $(seq 100); do logs | grep -q "$1" && return 0; sleep 0.1; done
    logs; fail "daemon log shows '$1'"
}
cp rules/examples/log-every-switch.yaml "$tmp/live-rules.yaml"
"$bin" run --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/state" \
    --rules "$tmp/live-rules.yaml" --poll-interval 1s 2> "$tmp/reload.log" &
daemon=$!
wait_for "started"
printf 'rules:\n  - name: half written\n    when: switch\n' > "$tmp/live-rules.yaml"
kill -HUP "$daemon"
wait_for "reload failed, keeping the running configuration"
logs | grep -q "live-rules.yaml:2:5: error: rule 'half written' has no \`do:\`" || { logs; fail "the reload names the problem"; }
[ "$(logs | grep "reload failed, keeping the running configuration" | grep -c "PK_EVENT_SEQ=[0-9]")" = 1 ] || { logs; fail "one reload_failed entry, with a sequence number"; }
# A hostile file (600 nested sections; it crashed the daemon and stalled it for 35 s) is refused
# on reload, and the daemon goes on polling: a switch logged right after still reaches the log.
python3 -c 'import sys; t="{{#fronters}}"*600+"x"+"{{/fronters}}"*600; open(sys.argv[1],"w").write("rules:\n  - name: deep\n    when: switch\n    do:\n      - log: \""+t+"\"\n")' "$tmp/live-rules.yaml"
kill -HUP "$daemon"
for _ in $(seq 100); do [ "$(logs | grep -c "reload failed, keeping the running configuration")" -ge 2 ] && break; sleep 0.1; done
logs | grep -q "live-rules.yaml:5:.*sections are nested more than 32 deep" || { logs; fail "the hostile reload is refused with its place"; }
curl -s -X POST "$root/_control/switches" -d '{"members":["Robin"]}' > /dev/null
wait_for "Robin is fronting"
cp rules/examples/display-name-follows-first-fronter.yaml "$tmp/live-rules.yaml"
kill -HUP "$daemon"
wait_for "configuration reloaded (1 reload; 2 rules loaded)"
kill -TERM "$daemon"; wait "$daemon" || true; daemon=""
echo "ok - reload refuses a broken and a hostile rule file (keeps the running rules, keeps polling) and swaps in a valid one"

# 5. A broken file: every problem with its place, exit 1.
printf 'rules:\n  - name: broken\n    when: swtich\n    do:\n      - autoproxy: { server: Art Clob, mode: front }\n' > "$tmp/broken.yaml"
set +e
"$bin" check --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/none" "$tmp/broken.yaml" > "$tmp/broken.out"
rc=$?
set -e
[ $rc = 1 ] || fail "broken file exits 1 (got $rc)"
grep -q "^$tmp/broken.yaml:3:11: error: unknown trigger 'swtich' (did you mean 'switch'?)" "$tmp/broken.out" || { cat "$tmp/broken.out"; fail "trigger error at 3:11"; }
grep -q "^$tmp/broken.yaml:5:30: error: unknown server 'Art Clob'" "$tmp/broken.out" || { cat "$tmp/broken.out"; fail "server error at 5:30"; }
echo "ok - broken file: file:line:column errors, exit 1"

# 6. run refuses a broken rule file (EX_CONFIG, so systemd does not restart-loop).
set +e
"$bin" run --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/state" --rules "$tmp/broken.yaml" 2> "$tmp/refused.log"
rc=$?
set -e
[ $rc = 78 ] || { cat "$tmp/refused.log"; fail "run with broken rules exits 78 (got $rc)"; }
echo "ok - run refuses broken rules with exit 78"

# 7. Hostile templates: nesting past 32 and more than 1000 tags in one template are refused with
#    their place (check: exit 1; run: exit 78), instead of crashing (exit 139).
python3 -c 'import sys; t="{{#fronters}}"*600+"x"+"{{/fronters}}"*600; open(sys.argv[1],"w").write("rules:\n  - name: deep\n    when: switch\n    do:\n      - log: \""+t+"\"\n")' "$tmp/deep.yaml"
python3 -c 'import sys; t="{{first.name}}"*1001; open(sys.argv[1],"w").write("rules:\n  - name: many\n    when: switch\n    do:\n      - log: \""+t+"\"\n")' "$tmp/many.yaml"
for f in deep many; do
    set +e
    "$bin" check --config "$tmp/config.yaml" --state-dir "$tmp/none" "$tmp/$f.yaml" > "$tmp/$f.out" 2>&1
    rc=$?
    "$bin" run --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/state" --rules "$tmp/$f.yaml" 2> "$tmp/$f.log"
    rrc=$?
    set -e
    [ $rc = 1 ] || { cat "$tmp/$f.out"; fail "check on $f.yaml exits 1 (got $rc)"; }
    [ $rrc = 78 ] || { cat "$tmp/$f.log"; fail "run on $f.yaml exits 78 (got $rrc)"; }
    grep -q "^$tmp/$f.yaml:5:" "$tmp/$f.out" || { cat "$tmp/$f.out"; fail "$f.yaml: the problem has its line"; }
done
echo "ok - 600 nested sections and 1001 tags: check exits 1 and run 78, each with file:line:column"
