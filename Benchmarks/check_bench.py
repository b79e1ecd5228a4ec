#!/usr/bin/env python3
"""Check time over growing rule files: is `pkfrontd check` linear in the file's size?

Generates files of growing size of three kinds — realistic rules (templates that are fine),
templates full of unknown variables (one diagnostic per tag), and deeply nested sections (refused
at the limit) — runs `pkfrontd check` on each (best of --repeat runs) and prints seconds,
peak memory, and time per KB and per tag. Linear checking shows as a flat per-tag column.
Not a test: it prints figures, it asserts nothing. There is no anchor: no other PluralKit tool
checks rule files.

    python3 Benchmarks/check_bench.py --pkfrontd .build/release/pkfrontd
"""
import argparse, os, resource, subprocess, tempfile, time

def realistic(rules):
    out = ["aliases:\n  Art Club: \"100000000000000001\"\nrules:\n"]
    for k in range(rules):
        out.append(f"""  - name: rule {k}
    when: switch
    if:
      fronters: {{ include: Alex }}
    do:
      - log: "{{{{ fronter_names }}}} fronting (was {{{{ previous_names or 'nobody' }}}}), {{{{#fronters}}}}{{{{name}}}} {{{{/fronters}}}}"
      - system: {{ tag: "| {{{{ first.name or '?' }}}}" }}
""")
    return "".join(out), rules * 6

def unknown(tags, per_template=500):
    out = ["rules:\n"]
    left, k = tags, 0
    while left > 0:
        n = min(per_template, left)
        t = "".join("{{nope%d}}" % j for j in range(n))
        out.append(f"  - name: r{k}\n    when: switch\n    do:\n      - log: \"{t}\"\n")
        left -= n; k += 1
    return "".join(out), tags

def nested(depth):
    t = "{{#fronters}}" * depth + "x" + "{{/fronters}}" * depth
    return f"rules:\n  - name: deep\n    when: switch\n    do:\n      - log: \"{t}\"\n", depth * 2

def run(binary, path, repeat):
    best, peak, rc = None, 0, None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        p = subprocess.run([binary, "check", "--quiet", "--state-dir", os.path.dirname(path) + "/state", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        rc = p.returncode
        best = elapsed if best is None else min(best, elapsed)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return best, peak, rc

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pkfrontd", default=".build/release/pkfrontd")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cases = [("realistic", realistic, [100, 400, 1600, 3000]),
             ("unknown variables", unknown, [1000, 5000, 25000, 50000, 90000]),
             ("nested sections", nested, [30, 600, 5000, 20000])]
    print(f"pkfrontd check, best of {args.repeat} ({args.pkfrontd})")
    print(f"{'kind':<18} {'size':>8} {'KB':>7} {'tags':>7} {'exit':>4} {'seconds':>8} {'ms/KB':>7} {'us/tag':>7}")
    with tempfile.TemporaryDirectory() as d:
        for name, make, sizes in cases:
            for size in sizes:
                text, tags = make(size)
                path = os.path.join(d, f"{name.replace(' ', '-')}-{size}.yaml")
                with open(path, "w") as f: f.write(text)
                kb = len(text.encode()) / 1024
                seconds, _, rc = run(args.pkfrontd, path, args.repeat)
                print(f"{name:<18} {size:>8} {kb:>7.0f} {tags:>7} {rc:>4} {seconds:>8.3f} {seconds*1000/kb:>7.2f} {seconds*1e6/max(tags,1):>7.1f}")
    print(f"peak RSS of the largest child: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024:.0f} MB")

if __name__ == "__main__":
    main()
