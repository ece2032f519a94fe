#!/bin/bash
# bench/append.sh [RUNS]: what appending a session to a disc costs, on the
# 100,000-small-file tree of make-trees.py burnt to a virtual BD-R (ISO 9660
# + Joliet + Rock Ridge; BENCH_APPEND_FS=iso9660,joliet,rockridge,udf for the
# UDF bridge, whose every session also rewrites the UDF tree), then 100 new
# files appended with `burn --append`:
#   blocks   the new session's blocks against the blocks of the 100 files'
#            data plus the new session's metadata (its directories, path
#            tables and descriptors, which name all 100,100 files again):
#            the old files' data must be pointed at, never copied;
#   import   the seconds `burn --append` takes to import the old tree from
#            the recorder (its "imported" event), against the seconds
#            `imapi2 ls -l` takes on the medium's data file as an image
#            file (medians of RUNS, default 5).
# Needs: python3. Opt-in: not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
TREES=${BENCH_TREES:-/tmp/imapi2-bench-trees}
OUT=${BENCH_OUT:-/dev/shm/imapi2-bench-append}
cargo build --release --locked -q -p imapi2-cli
BIN=$PWD/target/release/imapi2
export XDG_CONFIG_HOME=$OUT/cfg
rm -rf "$OUT"; mkdir -p "$OUT/new"
trap 'rm -rf "$OUT"' EXIT
[ -d "$TREES/small" ] || python3 bench/make-trees.py "$TREES"
for i in $(seq 1 100); do head -c $((1000 + i * 37)) /dev/urandom > "$OUT/new/f$i.bin"; done
FS=(--fs "${BENCH_APPEND_FS:-iso9660,joliet,rockridge}")
"$BIN" burn -q --verify none --drive "virtual:$OUT/rec" --blank bd-r "${FS[@]}" "$TREES/small"
DATA=$(sed -n 's/^medium //p' "$OUT/rec/drive.state")/data.bin
"$BIN" info --drive "virtual:$OUT/rec" --json > "$OUT/first.json"
for r in $(seq 1 "$RUNS"); do
  /usr/bin/env time -f %e -o "$OUT/ls.time" "$BIN" ls -l "$DATA" > /dev/null
  cat "$OUT/ls.time" >> "$OUT/ls.all"
done
# The append, once per run, each onto a copy of the one-session disc.
cp -a "$OUT/rec" "$OUT/rec0"
for r in $(seq 1 "$RUNS"); do
  rm -rf "$OUT/rec"; cp -a "$OUT/rec0" "$OUT/rec"
  "$BIN" burn --json --verify none --drive "virtual:$OUT/rec" --append "new=$OUT/new" > "$OUT/events.$r"
done
python3 - "$OUT" "$RUNS" "$TREES/small" <<'PY'
import json, os, statistics, sys
out, runs, tree = sys.argv[1], int(sys.argv[2]), sys.argv[3]
blocks_of = lambda p: -(-os.path.getsize(p) // 2048)
old_data = sum(blocks_of(os.path.join(d, f)) for d, _, fs in os.walk(tree) for f in fs)
s1 = json.load(open(f"{out}/first.json"))["media"]["session_list"][0]
first = s1["last"] - s1["start"] + 1
ls = statistics.median(float(x) for x in open(f"{out}/ls.all").read().split())
imports, blocks, meta = [], None, None
for r in range(1, runs + 1):
    ev = [json.loads(l) for l in open(f"{out}/events.{r}")]
    imports.append(next(e["seconds"] for e in ev if e.get("event") == "imported"))
    blocks = next(e["total_sectors"] for e in ev if e.get("event") == "planned")
data = sum(blocks_of(f"{out}/new/{f}") for f in os.listdir(f"{out}/new"))
meta = first - old_data  # the first session's metadata: all 100,000 names
imp = statistics.median(imports)
print(f"file systems: {os.environ.get('BENCH_APPEND_FS', 'iso9660,joliet,rockridge')}")
print(f"first session {first} blocks ({old_data} of file data, {meta} of metadata)")
print(f"append 100 files: the session is {blocks} blocks against {data} blocks of new data plus "
      f"{meta} of metadata = {blocks / (data + meta):.2f}x (old data copied: "
      f"{'none' if blocks < data + 2 * meta else 'some'})")
print(f"import from the recorder {imp:.3f} s vs imapi2 ls -l on the image file {ls:.3f} s: "
      f"{imp / ls:.2f}x (medians of {runs})")
PY
