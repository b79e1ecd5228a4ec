#!/bin/bash
# token-leaks.sh BINARY — run inside journald-sandbox.sh. Feeds `pkfrontd run` (and `check`) a token
# that the HTTP library would refuse in a header — a comment line with CRLF, a CR, a NUL, a second
# line — through every source (--token-file, the systemd credential, PK_TOKEN, the config's
# token_file), an API URL with a password in it, and a token pasted where a path belongs. Each
# must stop the start with exit 78 and a message; then the journal, stderr, stdout and every file
# in the state directories are searched for the token and the password: zero hits.
set -euo pipefail
bin=$(realpath "$1")
. "$(dirname "$0")/fake-lib.sh"
fail() { echo "not ok - $*"; exit 1; }

token=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(48)).decode())')
secret_pass="hunter2-$(cat /proc/sys/kernel/random/uuid)"
start_fake "$bin" --token "$token"
: > "$tmp/config.yaml"

write() {  # write FILE CONTENT-as-printf-format
    printf "$2" > "$1"; chmod 600 "$1"
}
n=0
expect78() {  # expect78 NAME ENV... -- ARGS...: pkfrontd run exits 78
    local name=$1; shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
    n=$((n+1))
    set +e
    env "${envs[@]}" "$bin" run --config "$tmp/config.yaml" --state-dir "$tmp/state-$n" "$@" > "$tmp/out-$n" 2> "$tmp/err-$n" < /dev/null &
    daemon=$!
    wait "$daemon"; rc=$?; daemon=""
    set -e
    [ $rc = 78 ] || { cat "$tmp/err-$n"; fail "$name: exit 78 (got $rc)"; }
    echo "ok - $name: refused with exit 78"
}
contents=("# token\r\n$token\r\n" "$token\r" "$token\000\n" "$token\n$token\n")
names=("comment line + CRLF" "a CR" "a NUL" "two lines")
for i in "${!contents[@]}"; do
    write "$tmp/token-$i" "${contents[$i]}"
    expect78 "token file with ${names[$i]} (--token-file)" X=1 -- --api-url "$base" --token-file "$tmp/token-$i"
    mkdir -p "$tmp/creds-$i"; cp "$tmp/token-$i" "$tmp/creds-$i/token"
    expect78 "token with ${names[$i]} (systemd credential)" CREDENTIALS_DIRECTORY="$tmp/creds-$i" -- --api-url "$base"
    printf 'token_file: %s\n' "$tmp/token-$i" > "$tmp/config-$i.yaml"
    expect78 "token with ${names[$i]} (config token_file)" X=1 -- --api-url "$base" --config "$tmp/config-$i.yaml"
done
expect78 "PK_TOKEN with a newline" PK_TOKEN="$(printf '%s\nsecond' "$token")" -- --api-url "$base"
expect78 "PK_TOKEN with a CR" PK_TOKEN="$(printf '%s\rX' "$token")" -- --api-url "$base"
write "$tmp/good-token" "$token\n"
expect78 "an API URL with a user name and password" X=1 -- --api-url "http://user:$secret_pass@127.0.0.1:1/v2" --token-file "$tmp/good-token"
expect78 "an API URL with port 70000" X=1 -- --api-url "http://127.0.0.1:70000/v2" --token-file "$tmp/good-token"
expect78 "the token pasted as --token-file" X=1 -- --api-url "$base" --token-file "$token"
expect78 "the token pasted as --config" X=1 -- --api-url "$base" --token-file "$tmp/good-token" --config "$token"

# check with the same bad tokens: it says why it cannot use the token, never the token.
for i in "${!contents[@]}"; do
    set +e
    "$bin" check --config "$tmp/config.yaml" --api-url "$base" --token-file "$tmp/token-$i" --state-dir "$tmp/none" rules/examples > "$tmp/check-out-$i" 2> "$tmp/check-err-$i"
    set -e
    cat "$tmp/check-out-$i" "$tmp/check-err-$i" | grep -q "token file" || { cat "$tmp/check-err-$i"; fail "check says what is wrong with the token (${names[$i]})"; }
done
echo "ok - check names the problem with each bad token"

# A good token, for contrast, with the API failing: every poll failure is logged and stored.
"$bin" run --config "$tmp/config.yaml" --state-dir "$tmp/state-good" --api-url "$base" --token-file "$tmp/good-token" --poll-interval 1s > "$tmp/out-good" 2> "$tmp/err-good" &
daemon=$!
curl -s -X POST "$root/_control/faults" -d '{"kind":"bad_gateway","count":1000}' > /dev/null
for _ in $(seq 400); do
    journalctl --sync
    [ -n "$(journalctl -o cat --no-pager _PID=$daemon PK_EVENT=api_unreachable)" ] && break; sleep 0.1
done
[ -n "$(journalctl -o cat --no-pager _PID=$daemon PK_EVENT=api_unreachable)" ] || fail "api_unreachable with a good token during an outage"
kill -TERM "$daemon"; wait "$daemon" || true; daemon=""
echo "ok - a good token during an outage: api_unreachable logged"

journalctl --sync
# journald records every process's command line (_CMDLINE); a token typed on the command line is
# there by the user's hand, outside pkfrontd's reach, so that field is left out of the search.
journalctl -o export --no-pager | grep -a -v '^_CMDLINE=' > "$tmp/journal.export"
[ "$(journalctl -o cat --no-pager SYSLOG_IDENTIFIER=pkfrontd PK_EVENT=startup_failed | wc -l)" -ge "$n" ] || fail "each refusal is a startup_failed entry"
hits=0
for needle in "$token" "$secret_pass" "${token:0:24}"; do
    c=$(grep -c -a -F -- "$needle" "$tmp/journal.export" "$tmp"/out-* "$tmp"/err-* "$tmp"/check-* 2>/dev/null | awk -F: '{s+=$NF} END {print s+0}' || true)
    s=$(find "$tmp" -path "$tmp/state-*" -type f -exec grep -l -a -F -- "$needle" {} + 2>/dev/null | wc -l || true)
    hits=$((hits + c + s))
done
[ "$hits" = 0 ] || { grep -a -F -- "${token:0:24}" "$tmp/journal.export" "$tmp"/err-* | head; fail "the token or password appeared $hits times"; }
echo "ok - $n refusals and an outage: the token and the password appear nowhere (journal, stdout, stderr, state databases)"
