#!/usr/bin/env python3
"""summarize.py LOG: medians and paired ratios from bench/run.sh's log
(TREE ROUND TOOL WALL_SECONDS MAX_RSS_KB OUTPUT_BYTES per line) as a Markdown table.

Each command is paired with the imapi2 command that makes the same file systems:
imapi2 (ISO 9660 + Joliet + Rock Ridge) for xorriso, genisoimage and the limit,
imapi2-bridge (the same + UDF 1.02) for genisoimage-udf and imapi2-udf."""
import collections
import statistics
import sys

BASE = {"xorriso": "imapi2", "genisoimage": "imapi2", "limit": "imapi2",
        "genisoimage-udf": "imapi2-bridge", "imapi2-udf": "imapi2-bridge",
        # bench/read.sh
        "xorriso-find": "imapi2-ls", "7z-l": "imapi2-ls", "bsdtar-t": "imapi2-ls",
        "xorriso-extract": "imapi2-extract", "7z-x": "imapi2-extract", "bsdtar-x": "imapi2-extract"}
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines() if l]
by = collections.defaultdict(dict)  # (tree, round) -> tool -> (wall, rss, size)
tools = []
for tree, rnd, tool, wall, rss, size in rows:
    by[(tree, int(rnd))][tool] = (float(wall), int(rss), int(size))
    if tool not in tools:
        tools.append(tool)
order = ["imapi2", "xorriso", "genisoimage", "imapi2-bridge", "genisoimage-udf", "imapi2-udf", "limit",
         "imapi2-ls", "xorriso-find", "7z-l", "bsdtar-t",
         "imapi2-extract", "xorriso-extract", "7z-x", "bsdtar-x"]
tools.sort(key=lambda t: order.index(t) if t in order else len(order))
KNOWN = ["large", "small", "list", "extract"]
trees = sorted({t for t, _ in by}, key=lambda t: KNOWN.index(t) if t in KNOWN else 9)
print("| tree or task | command | median wall s | median peak RSS MiB | output MB | paired with | median of paired ratios (this / that) |")
print("|---|---|---|---|---|---|---|")
for tree in trees:
    rounds = sorted(r for t, r in by if t == tree)
    for tool in tools:
        have = [r for r in rounds if tool in by[(tree, r)]]
        if not have:
            continue  # this command belongs to another tree or task
        walls = [by[(tree, r)][tool][0] for r in have]
        rsss = [by[(tree, r)][tool][1] / 1024 for r in have]
        size = by[(tree, have[0])][tool][2] / 1e6
        base = BASE.get(tool)
        paired = [r for r in have if base in by[(tree, r)]]
        if base and paired:
            ratios = [by[(tree, r)][tool][0] / max(by[(tree, r)][base][0], 1e-3) for r in paired]
            ratio, against = "%.2f" % statistics.median(ratios), base
        else:
            ratio, against = "1.00", "-"
        print("| %s | %s | %.2f | %.1f | %.0f | %s | %s |" % (
            tree, tool, statistics.median(walls), statistics.median(rsss), size, against, ratio))
print()
print("%d rounds per tree after one warm-up round; wall times from /usr/bin/time -v." % len(rounds))
