#!/bin/bash
# bench/read.sh [RUNS]: listing and extracting an image of 100,000 small files
# (the "small" tree of make-trees.py, written by imapi2 mkimage with ISO 9660 +
# Joliet + Rock Ridge) with imapi2 against xorriso, 7-Zip and bsdtar.
#
# Listing: imapi2 ls, xorriso -indev IMG -find /, 7z l, bsdtar -tf.
# Extracting (Rock Ridge view, to tmpfs, deleted after each run): imapi2
# extract, xorriso -osirrox on -extract / DIR, 7z x (Joliet), bsdtar -xf.
# Each round runs every command once, in an order that rotates; one warm-up
# round is discarded. Reported by bench/summarize.py: medians and paired
# ratios against imapi2. Needs: python3, xorriso, 7zz (or 7z), bsdtar, /usr/bin/time.
# Opt-in: not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
TREES=${BENCH_TREES:-/tmp/imapi2-bench-trees}
OUT=${BENCH_OUT:-/dev/shm/imapi2-bench-read}
cargo build --release --locked -q -p imapi2-cli
BIN=$PWD/target/release/imapi2
[ -d "$TREES/small" ] || python3 bench/make-trees.py "$TREES"
mkdir -p "$OUT"
IMG=$OUT/small.iso
[ -f "$IMG" ] || "$BIN" mkimage -q -o "$IMG" "$TREES/small"
LOG=$(mktemp)
trap 'rm -f "$LOG"; rm -rf "$OUT"' EXIT

SEVENZIP=$(command -v 7zz || command -v 7z || echo 7z) # Debian's 7zip package: only 7zz

cmd_for() { # tool -> command line
  local x=$OUT/x
  case $1 in
    imapi2-ls)       echo "$BIN ls $IMG" ;;
    xorriso-find)    echo "xorriso -indev stdio:$IMG -find /" ;;
    7z-l)            echo "$SEVENZIP l $IMG" ;;
    bsdtar-t)        echo "bsdtar -tf $IMG" ;;
    imapi2-extract)  echo "$BIN extract -q $IMG $x" ;;
    xorriso-extract) echo "xorriso -osirrox on -indev stdio:$IMG -extract / $x" ;;
    7z-x)            echo "$SEVENZIP x -y -o$x $IMG" ;;
    bsdtar-x)        echo "sh -c 'mkdir -p $x && bsdtar -xf $IMG -C $x'" ;;
  esac
}

for phase in list extract; do
  if [ $phase = list ]; then
    TOOLS=(imapi2-ls xorriso-find 7z-l bsdtar-t)
  else
    TOOLS=(imapi2-extract xorriso-extract 7z-x bsdtar-x)
  fi
  for round in $(seq 0 "$RUNS"); do
    n=${#TOOLS[@]}
    for k in $(seq 0 $((n - 1))); do
      tool=${TOOLS[$(( (k + round) % n ))]}
      rm -rf "$OUT/x"
      /usr/bin/time -v -o "$OUT/time" sh -c "$(cmd_for "$tool")" >/dev/null 2>"$OUT/err" \
        || { echo "$tool failed:"; cat "$OUT/err"; exit 1; }
      wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/time")
      rss=$(awk -F': ' '/Maximum resident/{print $2}' "$OUT/time")
      size=$(du -sb "$OUT/x" 2>/dev/null | cut -f1 || echo 0)
      rm -rf "$OUT/x"
      [ "$round" = 0 ] && continue # warm-up
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$round" "$tool" "$wall" "$rss" "${size:-0}" >> "$LOG"
    done
  done
done
python3 bench/summarize.py "$LOG"
