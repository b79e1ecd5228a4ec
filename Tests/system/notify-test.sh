#!/bin/bash
# notify-test.sh BINARY: pkfrontd run under a stand-in service manager (notify_capture.py).
# Checks the sd_notify messages and their order: READY, STATUS, WATCHDOG, RELOADING (with
# MONOTONIC_USEC), READY again, STOPPING. Signals are sent only after READY has arrived.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "$1")
tmp=$(mktemp -d)
fake=""
trap '[ -n "$fake" ] && kill -TERM $fake 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
: > "$tmp/config.yaml"
"$bin" fake-api --demo --token notify-test-token > "$tmp/fake.json" 2>/dev/null &
fake=$!
for _ in $(seq 100); do [ -s "$tmp/fake.json" ] && break; sleep 0.1; done
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base_url"])' "$tmp/fake.json")
printf 'notify-test-token\n' > "$tmp/token"; chmod 600 "$tmp/token"
cat > "$tmp/drive.sh" <<DRIVE
#!/bin/bash
"$bin" run --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token" --state-dir "$tmp/state" --poll-interval 1s 2>"$tmp/stderr.log" &
p=\$!
for _ in \$(seq 100); do grep -q '"READY": "1"' "$tmp/capture.jsonl" 2>/dev/null && break; sleep 0.1; done
sleep 0.6                       # a few watchdog periods (WATCHDOG_USEC=400000)
kill -HUP \$p
for _ in \$(seq 100); do [ "\$(grep -c '"READY": "1"' "$tmp/capture.jsonl")" -ge 2 ] && break; sleep 0.1; done
kill -TERM \$p
wait \$p
DRIVE
chmod +x "$tmp/drive.sh"
python3 "$here/notify_capture.py" --timeout 30 --watchdog-usec 400000 --out "$tmp/capture.jsonl" \
    --expect READY=1 --expect WATCHDOG=1 --expect RELOADING=1 --expect STOPPING=1 -- "$tmp/drive.sh" >/dev/null
python3 - "$tmp/capture.jsonl" <<'CHECK'
import json, sys
msgs = [json.loads(l)["fields"] for l in open(sys.argv[1]) if l.strip()]
kinds = []
for m in msgs:
    for k in ("READY", "RELOADING", "STOPPING", "WATCHDOG"):
        if k in m: kinds.append(k)
first = lambda k, after=0: next(i for i, x in enumerate(kinds) if x == k and i >= after)
r1 = first("READY"); w = first("WATCHDOG", r1); rl = first("RELOADING", r1); r2 = first("READY", rl + 1); s = first("STOPPING", r2)
assert r1 < w and r1 < rl < r2 < s, kinds
assert "STATUS" in msgs[0] and msgs[0]["STATUS"].startswith("Fronting: Alex; first poll ok"), msgs[0]
reload = next(m for m in msgs if "RELOADING" in m)
assert reload["MONOTONIC_USEC"].isdigit() and int(reload["MONOTONIC_USEC"]) > 0, reload
assert kinds[-1] == "STOPPING" or "STOPPING" in kinds, kinds
print("ok - sd_notify order:", " ".join(k for i, k in enumerate(kinds) if k != "WATCHDOG" or kinds[i-1] != "WATCHDOG"))
CHECK
grep -q "daemon_started" "$tmp/stderr.log" && echo "ok - stderr fallback carries the PK_ fields without a journal" || { echo "not ok - stderr fallback"; cat "$tmp/stderr.log"; exit 1; }
