#!/bin/bash
# nspawn-systemd-test.sh BINARY UNIT_FILE INNER_TEST_SCRIPT [CATALOG_FILE]
# Boots *this machine's own OS* as a systemd-nspawn container (systemd as PID 1) on a
# throw-away overlay (lower = host /, upper = tmpfs), installs BINARY as
# /usr/local/bin/pkfrontd and UNIT_FILE under /etc/systemd/system, runs INNER_TEST_SCRIPT inside
# the container (nsenter), powers the container off and removes every trace.
# Needs root and Debian's systemd-container package (systemd-nspawn).
# NEVER replace this with a bare `unshare --pid ... /lib/systemd/systemd` on the host root:
# that systemd runs tmpfiles/sysctl/postgres etc. against the real host (it wipes /tmp).
set -euo pipefail
if [ "${_NSP_INNER:-}" != 1 ]; then
    export _NSP_INNER=1
    exec unshare --mount --propagation private -- "$0" "$@"
fi
BIN=$(realpath "$1"); UNIT=$(realpath "$2"); TEST=$(realpath "$3")
MACHINE=pkfci$$
work=$(mktemp -d /tmp/nspawn-ci.XXXXXX)
mount -t tmpfs -o size=2g,mode=0755 tmpfs "$work"
mkdir "$work/upper" "$work/work" "$work/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$work/root"
R=$work/root
install -D -m 0755 "$BIN"  "$R/usr/local/bin/pkfrontd"
install -D -m 0644 "$UNIT" "$R/etc/systemd/system/$(basename "$UNIT")"
install -D -m 0755 "$TEST" "$R/usr/local/bin/ci-inner-test"
if [ -n "${4:-}" ]; then install -D -m 0644 "$(realpath "$4")" "$R/usr/lib/systemd/catalog/pkfrontd.catalog"; fi
install -d -m 0755 "$R/etc/pkfrontd"; printf 'test-token-for-the-container-0123456789abcdefghijklmnopqrstuvwxyz\n' > "$R/etc/pkfrontd/token"; chmod 0600 "$R/etc/pkfrontd/token"
# keep the boot small and side-effect free (all of this is inside the overlay only)
for u in postgresql.service postgresql@.service getty@.service console-getty.service \
         serial-getty@.service apt-daily.timer apt-daily-upgrade.timer man-db.timer \
         e2scrub_all.timer e2scrub_reap.service dpkg-db-backup.timer systemd-timesyncd.service \
         cron.service ssh.service; do
    ln -sf /dev/null "$R/etc/systemd/system/$u"
done
# Give the container its own cgroup subtree (else it writes init.scope etc. at the host root).
cg=pkf-nspawn-$$; orig_sd=$(sed -n 's/^[0-9]*:name=systemd://p' /proc/self/cgroup)
orig_v2=$(sed -n 's/^0:://p' /proc/self/cgroup)
for h in systemd unified; do
    [ -d "/sys/fs/cgroup/$h" ] && mkdir -p "/sys/fs/cgroup/$h/$cg" && echo $$ > "/sys/fs/cgroup/$h/$cg/cgroup.procs"
done
nsp=""
cleanup() {
    set +e
    if [ -n "$nsp" ] && kill -0 "$nsp" 2>/dev/null; then
        kill -TERM "$nsp"                       # nspawn -b turns SIGTERM into an orderly shutdown
        for _ in $(seq 100); do kill -0 "$nsp" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$nsp" 2>/dev/null; wait "$nsp" 2>/dev/null
    fi
    [ -n "$orig_sd" ] && echo $$ > "/sys/fs/cgroup/systemd$orig_sd/cgroup.procs"
    [ -n "$orig_v2" ] && echo $$ > "/sys/fs/cgroup/unified$orig_v2/cgroup.procs"
    for h in systemd unified; do
        [ -d "/sys/fs/cgroup/$h/$cg" ] && find "/sys/fs/cgroup/$h/$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    umount "$R" 2>/dev/null; umount "$work" 2>/dev/null; rmdir "$work" 2>/dev/null
    rm -rf "/run/systemd/nspawn/propagate/$MACHINE" 2>/dev/null
}
trap cleanup EXIT
systemd-nspawn -D "$R" -b -M "$MACHINE" --register=no --keep-unit --link-journal=no \
    --private-network --console=pipe </dev/null >"$work/console.log" 2>&1 &
nsp=$!
cpid=""
for _ in $(seq 300); do
    c=$(pgrep -P "$nsp" | head -1 || true)
    if [ -n "$c" ] && [ "$(cat /proc/$c/comm 2>/dev/null)" = systemd ]; then cpid=$c; break; fi
    kill -0 "$nsp" 2>/dev/null || break
    sleep 0.1
done
[ -n "$cpid" ] || { echo "container did not start"; cat "$work/console.log"; exit 1; }
# PID 1 is up before its API socket is: wait for /run/systemd/private inside the container
for _ in $(seq 300); do [ -S "/proc/$cpid/root/run/systemd/private" ] && break; sleep 0.1; done
state=$(timeout 90 nsenter -t "$cpid" -a systemctl is-system-running --wait 2>&1 || true)
echo "container $MACHINE booted: $state"
[ "$state" = running ] || nsenter -t "$cpid" -a systemctl --failed --no-pager || true
rc=0
nsenter -t "$cpid" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/local/bin/ci-inner-test || rc=$?
nsenter -t "$cpid" -a systemctl poweroff --no-block || true
for _ in $(seq 150); do kill -0 "$nsp" 2>/dev/null || break; sleep 0.2; done
kill -0 "$nsp" 2>/dev/null || { wait "$nsp" 2>/dev/null || true; nsp=""; }   # else cleanup() stops it
exit $rc
