#!/bin/bash
# catalog-test.sh CATALOG: journalctl --update-catalog accepts it (in a temporary root, never the
# host's). That every MESSAGE_ID the code uses has an entry is checked by the Swift test
# "every event kind and journal entry has its own MESSAGE_ID and a catalog entry".
set -euo pipefail
catalog=$(realpath "$1")
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog" "$root/var/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/"
out=$(journalctl --root="$root" --update-catalog 2>&1) || { echo "not ok - update-catalog: $out"; exit 1; }
[ -z "$out" ] || { echo "not ok - update-catalog complained: $out"; exit 1; }
[ -s "$root/var/lib/systemd/catalog/database" ] || { echo "not ok - no catalog database written"; exit 1; }
listed=$(journalctl --root="$root" --list-catalog 2>/dev/null)
for id in $(grep -Eo '^-- [0-9a-f]{32}' "$catalog" | cut -c4-); do
    echo "$listed" | grep -q "^$id " || { echo "not ok - catalog entry $id is not listed by journalctl --list-catalog"; exit 1; }
done
echo "ok - catalog accepted by journalctl --update-catalog; $(echo "$listed" | grep -c pkfrontd || true) entries, each listed"
