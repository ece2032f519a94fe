#!/usr/bin/env python3
"""summarize.py LOG: medians and paired ratios from bench/run.sh's log
(TREE ROUND TOOL WALL_SECONDS MAX_RSS_KB OUTPUT_BYTES per line) as a Markdown table."""
import collections
import statistics
import sys

rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines() if l]
by = collections.defaultdict(dict)  # (tree, round) -> tool -> (wall, rss, size)
for tree, rnd, tool, wall, rss, size in rows:
    by[(tree, int(rnd))][tool] = (float(wall), int(rss), int(size))
trees = sorted({t for t, _ in by}, key=lambda t: ["large", "small"].index(t) if t in ("large", "small") else 9)
tools = ["imapi2", "xorriso", "genisoimage", "limit"]
print("| tree | command | median wall s | median peak RSS MiB | output MB | median of paired ratios (this / imapi2) |")
print("|---|---|---|---|---|---|")
for tree in trees:
    rounds = sorted(r for t, r in by if t == tree)
    for tool in tools:
        walls = [by[(tree, r)][tool][0] for r in rounds if tool in by[(tree, r)]]
        rsss = [by[(tree, r)][tool][1] / 1024 for r in rounds if tool in by[(tree, r)]]
        size = by[(tree, rounds[0])][tool][2] / 1e6
        ratios = [by[(tree, r)][tool][0] / max(by[(tree, r)]["imapi2"][0], 1e-3) for r in rounds]
        print("| %s | %s | %.2f | %.1f | %.0f | %s |" % (
            tree, tool, statistics.median(walls), statistics.median(rsss), size,
            "1.00" if tool == "imapi2" else "%.2f" % statistics.median(ratios)))
print()
print("%d rounds per tree after one warm-up round; wall times from /usr/bin/time -v." % len(rounds))
