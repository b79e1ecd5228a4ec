#!/bin/bash
# unit-network-check.sh UNIT: the unit must be able to reach the PluralKit API on the internet.
# This machine does not enforce IP filters, so no test could notice a unit that blocks the
# internet: check the file itself.
set -euo pipefail
unit=$1
fail() { echo "not ok - $*"; exit 1; }
if grep -Eq '^IPAddressDeny=.*any' "$unit"; then
    grep -Eq '^IPAddressAllow=.*(any|0\.0\.0\.0/0|::/0)' "$unit" || fail "IPAddressDeny=any without an allow-list that reaches the internet"
fi
families=$(grep -E '^RestrictAddressFamilies=' "$unit" | tail -1 | cut -d= -f2-)
if [ -n "$families" ]; then
    case " $families " in *" ~"*|"~"*) fail "RestrictAddressFamilies= is a deny-list: $families";; esac
    for f in AF_INET AF_INET6; do case " $families " in *" $f "*) ;; *) fail "RestrictAddressFamilies= lacks $f";; esac; done
fi
grep -Eq '^PrivateNetwork=(yes|true)' "$unit" && fail "PrivateNetwork= cuts the internet off"
grep -Eq '^LoadCredential=token:' "$unit" || fail "the token is not loaded with LoadCredential="
grep -Eiq '^Environment=.*PK_TOKEN' "$unit" && fail "a token in Environment="
echo "ok - $unit can reach the internet and keeps the token out of the unit"
