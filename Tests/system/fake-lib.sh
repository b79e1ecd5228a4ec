# fake-lib.sh — sourced by the system tests that run `pkfrontd fake-api --demo`.
# Sets up $tmp (a scratch directory), a cleanup trap that stops $daemon and $fake and removes
# $tmp, and start_fake BINARY [ARGS...], which starts the fake and sets $fake (its pid), $base (its API
# URL), $root (base without /v2) and writes the token to $tmp/token (mode 600).
tmp=$(mktemp -d)
fake=""; daemon=""
cleanup() {
    [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    [ -n "$fake" ] && kill -TERM "$fake" 2>/dev/null && wait "$fake" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

start_fake() {  # start_fake BINARY [FAKE-API ARGS...]
    local bin=$1; shift
    "$bin" fake-api --demo "$@" > "$tmp/fake.json" 2>"$tmp/fake.log" &
    fake=$!
    for _ in $(seq 100); do [ -s "$tmp/fake.json" ] && break; sleep 0.1; done
    base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base_url"])' "$tmp/fake.json")
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$tmp/fake.json" > "$tmp/token"
    chmod 600 "$tmp/token"
    root=${base%/v2}
}
