#!/usr/bin/env python3
"""Idle-poll benchmark: pkfrontd against the anchor, pluralkit.py 1.2.1, in one run.

Both poll the same fake PluralKit (`pkfrontd fake-api --demo`, loopback only) for the current
fronters once per second for a fixed time, and this prints, side by side:
  - requests per poll tick (from the fake's request log),
  - CPU time per tick (user + system, from /proc, over the steady window),
  - peak resident memory (VmHWM).
pkfrontd runs as the daemon it is (`pkfrontd run`, with its SQLite state and event outbox);
pluralkit.py runs the loop a pluralkit.py user would write (`client.get_fronters()` every second).

Usage: poll_bench.py [--pkfrontd PATH] [--seconds N]   (installs pluralkit==1.2.1 with pip if missing)
"""
import argparse, json, os, signal, subprocess, sys, tempfile, time, urllib.request

PY_POLLER = r'''
import sys, time
import pluralkit.v2.client as pkclient
pkclient.SERVER = sys.argv[1]
from pluralkit import Client
client = Client(sys.argv[2], async_mode=False, user_agent="poll-bench")
while True:
    start = time.monotonic()
    try:
        members = client.get_fronters()
    except Exception as error:
        print("poll failed:", error, file=sys.stderr)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - start)))
'''

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks   # utime + stime

def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def requests(root):
    with urllib.request.urlopen(root + "/_control/requests") as r:
        return json.load(r)

def measure(name, command, env, root, seconds, warmup=5):
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(warmup)
        cpu0, n0, t0 = cpu_seconds(proc.pid), len(requests(root)), time.monotonic()
        time.sleep(seconds)
        cpu1, n1, t1 = cpu_seconds(proc.pid), len(requests(root)), time.monotonic()
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    ticks = (t1 - t0) / 1.0
    return {"name": name, "ticks": ticks, "requests_per_tick": (n1 - n0) / ticks,
            "cpu_ms_per_tick": (cpu1 - cpu0) * 1000 / ticks, "peak_rss_mb": rss}

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--pkfrontd", default=os.path.join(here, "..", ".build", "release", "pkfrontd"))
    ap.add_argument("--seconds", type=int, default=30)
    a = ap.parse_args()
    try:
        import pluralkit  # noqa: F401
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pluralkit==1.2.1"])
    import importlib.metadata
    anchor_version = importlib.metadata.version("pluralkit")

    tmp = tempfile.mkdtemp(prefix="pkbench-")
    fake = subprocess.Popen([a.pkfrontd, "fake-api", "--demo"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        info = json.loads(fake.stdout.readline())
        base, token = info["base_url"], info["token"]
        root = base[: -len("/v2")]
        token_file = os.path.join(tmp, "token")
        with open(token_file, "w") as f:
            f.write(token + "\n")
        os.chmod(token_file, 0o600)
        config = os.path.join(tmp, "config.yaml")
        open(config, "w").close()
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        results = [
            measure("pkfrontd run (Swift)", [a.pkfrontd, "run", "--config", config, "--api-url", base, "--token-file",
                    token_file, "--state-dir", os.path.join(tmp, "state"), "--poll-interval", "1s"], env, root, a.seconds),
            measure(f"pluralkit.py {anchor_version} loop", [sys.executable, "-c", PY_POLLER, base, token], env, root, a.seconds),
        ]
    finally:
        fake.send_signal(signal.SIGTERM)
        fake.wait(10)
    print(f"idle polling, 1 poll/s for {a.seconds} s against the fake PluralKit on loopback")
    print(f"{'':32} {'requests/tick':>14} {'CPU ms/tick':>12} {'peak RSS MB':>12}")
    for r in results:
        print(f"{r['name']:32} {r['requests_per_tick']:14.2f} {r['cpu_ms_per_tick']:12.2f} {r['peak_rss_mb']:12.1f}")
    swift, anchor = results
    if swift["cpu_ms_per_tick"] > 0:
        print(f"pluralkit.py uses {anchor['cpu_ms_per_tick'] / swift['cpu_ms_per_tick']:.1f}x the CPU per tick "
              f"and {anchor['peak_rss_mb'] / swift['peak_rss_mb']:.1f}x the memory")

if __name__ == "__main__":
    main()
