#!/bin/bash
# bench/burn.sh [RUNS]: burning a folder, unpaced, on the trees of
# make-trees.py (2 GiB in 2,000 files; 100,000 small files):
#   imapi2   imapi2 burn --verify none to a virtual BD-RE (a new recorder on
#            tmpfs each run: the image is built while it is written)
#   xorriso  xorriso -outdev stdio:FILE -map DIR / -commit (libburn's
#            file-backed drive, FILE on tmpfs)
#   limit    find | xargs cat > FILE (reading the sources, writing the bytes)
# Rounds rotate the order; a warm-up round is discarded; reported by
# bench/summarize.py as medians and paired ratios against imapi2.
#
# bench/burn.sh rss [GIB]: peak RSS of `imapi2 burn` of a GIB-GiB tree
# (default 20) of sparse files to a virtual BD-R on disk.
# bench/burn.sh paced: a paced DVD+R at 16x and a BD-R at 12x fed the
# 100,000-small-file tree: underruns, average speed, lowest drive buffer fill.
# The trees are made on tmpfs (BENCH_TREES, default /dev/shm/imapi2-bench-trees,
# 2.4 GB), so that the sources are in memory in every round: on a disk-backed
# /tmp, page-cache eviction between rounds made single runs vary 0.7-4 s.
# Needs: python3, xorriso, /usr/bin/time. Opt-in: not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-7}
TREES=${BENCH_TREES:-/dev/shm/imapi2-bench-trees}
OUT=${BENCH_OUT:-/dev/shm/imapi2-bench-burn}
cargo build --release --locked -q -p imapi2-cli
BIN=$PWD/target/release/imapi2
export XDG_CONFIG_HOME=$OUT/cfg
mkdir -p "$OUT"
trap 'rm -rf "$OUT"' EXIT

if [ "$MODE" = rss ]; then
  GIB=${2:-20}
  DISK=${BENCH_DISK:-/tmp/imapi2-bench-rss}
  rm -rf "$DISK"; mkdir -p "$DISK/tree"
  for i in $(seq 1 "$GIB"); do truncate -s 1G "$DISK/tree/f$i.bin"; done
  /usr/bin/time -v -o "$DISK/time" "$BIN" burn -q --verify none \
    --drive "virtual:$DISK/rec" --blank bd-r "$DISK/tree"
  awk -F': ' '/Elapsed \(wall clock\)|Maximum resident/{print}' "$DISK/time"
  rm -rf "$DISK"
  exit 0
fi

if [ "$MODE" = paced ]; then
  [ -d "$TREES/small" ] || python3 bench/make-trees.py "$TREES"
  for spec in "dvd+r 16x" "bd-r 12x"; do
    set -- $spec
    rm -rf "$OUT/rec"
    "$BIN" virtual create "$OUT/rec" --media "$1" --pace "$2" >/dev/null
    "$BIN" burn --json --verify none --drive "virtual:$OUT/rec" "$TREES/small" > "$OUT/events"
    "$BIN" info --drive "virtual:$OUT/rec" --json > "$OUT/info"
    python3 - "$1" "$2" "$OUT/events" "$OUT/info" <<'PY'
import json, sys
media, pace, events, info = sys.argv[1:]
ev = [json.loads(l) for l in open(events)]
w = [e for e in ev if e.get("current_action") == "IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA"]
first = w[0]["elapsed_time"] if w else 0
low = [e for e in w if e["elapsed_time"] - first >= 1 and e.get("device_buffer_size")]
fill = min((1 - e["device_buffer_free"] / e["device_buffer_size"] for e in low), default=None)
d = json.load(open(info))
drive = d.get("drive", d)
secs = drive.get("writing_seconds") or 0
sectors = w[-1]["sector_count"] if w else 0
one_x = {"dvd+r": 1385000, "bd-r": 4496000}[media]
nominal = float(pace.rstrip("x")) * one_x
speed = sectors * 2048 / secs if secs else 0
print(f"{media} at {pace}: {drive.get('underruns')} underruns, average {speed / nominal * 100:.1f}% "
      f"of nominal ({speed / 1e6:.2f} MB/s over {secs:.1f} s), lowest drive buffer fill after "
      f"the first second {'n/a' if fill is None else f'{fill * 100:.0f}%'}")
PY
  done
  exit 0
fi

RUNS=$MODE
[ -d "$TREES/large" ] && [ -d "$TREES/small" ] || python3 bench/make-trees.py "$TREES"
LOG=$(mktemp)
cmd_for() { # tool tree -> command line
  local tree=$TREES/$2
  case $1 in
    imapi2)  echo "$BIN burn -q --verify none --drive virtual:$OUT/rec --blank bd-re $tree" ;;
    xorriso) echo "xorriso -outdev stdio:$OUT/out.iso -map $tree / -commit" ;;
    limit)   echo "sh -c 'find $tree -type f -print0 | xargs -0 cat > $OUT/out.iso'" ;;
  esac
}
TOOLS=(imapi2 xorriso limit)
for tree in large small; do
  for round in $(seq 0 "$RUNS"); do
    n=${#TOOLS[@]}
    for k in $(seq 0 $((n - 1))); do
      tool=${TOOLS[$(( (k + round) % n ))]}
      rm -rf "$OUT/rec" "$OUT/out.iso"
      /usr/bin/time -v -o "$OUT/time" sh -c "$(cmd_for "$tool" "$tree")" >/dev/null 2>"$OUT/err" \
        || { echo "$tool on $tree failed:"; cat "$OUT/err"; exit 1; }
      wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/time")
      rss=$(awk -F': ' '/Maximum resident/{print $2}' "$OUT/time")
      # Only the output this tool made exists; du fails on the other.
      size=$( (du -sb "$OUT/rec" "$OUT/out.iso" 2>/dev/null || true) | awk '{s+=$1} END {printf "%d", s}')
      rm -rf "$OUT/rec" "$OUT/out.iso"
      [ "$round" = 0 ] && continue # warm-up
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "burn-$tree" "$round" "$tool" "$wall" "$rss" "$size" >> "$LOG"
    done
  done
done
python3 bench/summarize.py "$LOG"
rm -f "$LOG"
