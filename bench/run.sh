#!/bin/bash
# bench/run.sh [RUNS]: imapi2 mkimage against xorriso, genisoimage and the
# physical limit, on a 2 GiB / 2,000-file tree and a 100,000-small-file tree:
# ISO 9660 + Joliet + Rock Ridge (imapi2, xorriso, genisoimage), and with UDF
# (imapi2-bridge: + UDF 1.02 like genisoimage-udf; imapi2-udf: UDF 2.50 alone).
# imapi2-pipe writes the same image to standard output (`-o -`) through a pipe
# into the file, against imapi2 writing the file itself.
# BENCH_TOOLS="imapi2 xorriso ..." picks a subset.
#
# Each round runs every command once, in an order that rotates from round to
# round; outputs go to tmpfs (/dev/shm) and are deleted after each run, so no
# disk writeback lands on the next command. The sources are read from the page
# cache (a warm-up round is discarded). Reported: per command the median wall
# time and peak RSS (/usr/bin/time -v), and per competitor the median of the
# paired ratios (competitor time / imapi2 time in the same round).
# Needs: python3, xorriso, genisoimage, /usr/bin/time. Opt-in: not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
TREES=${BENCH_TREES:-/tmp/imapi2-bench-trees}
OUT=${BENCH_OUT:-/dev/shm/imapi2-bench}
cargo build --release --locked -q -p imapi2-cli
BIN=$PWD/target/release/imapi2
[ -d "$TREES/large" ] && [ -d "$TREES/small" ] || python3 bench/make-trees.py "$TREES"
mkdir -p "$OUT"
LOG=$(mktemp)
trap 'rm -f "$LOG"; rm -rf "$OUT"' EXIT

cmd_for() { # tool tree -> command line
  local tool=$1 tree=$TREES/$2 out=$OUT/out.iso
  case $tool in
    imapi2)      echo "$BIN mkimage -q -o $out $tree" ;;
    imapi2-pipe) echo "sh -c '$BIN mkimage -q -o - $tree | cat > $out'" ;;
    xorriso)     echo "xorriso -as mkisofs -quiet -R -J -o $out $tree" ;;
    genisoimage) echo "genisoimage -quiet -R -J -o $out $tree" ;;
    imapi2-bridge) echo "$BIN mkimage -q --fs iso9660,joliet,rockridge,udf -o $out $tree" ;;
    imapi2-udf)  echo "$BIN mkimage -q --fs udf --udf-revision 2.50 -o $out $tree" ;;
    genisoimage-udf) echo "genisoimage -quiet -R -J -udf -o $out $tree" ;;
    limit)       echo "sh -c 'find $tree -type f -print0 | xargs -0 cat > $out'" ;;
  esac
}

read -r -a TOOLS <<< "${BENCH_TOOLS:-imapi2 imapi2-pipe xorriso genisoimage imapi2-bridge genisoimage-udf imapi2-udf limit}"
for tree in large small; do
  for round in $(seq 0 "$RUNS"); do
    n=${#TOOLS[@]}
    for k in $(seq 0 $((n - 1))); do
      tool=${TOOLS[$(( (k + round) % n ))]}
      /usr/bin/time -v -o "$OUT/time" sh -c "$(cmd_for "$tool" "$tree")" >/dev/null 2>"$OUT/err" \
        || { echo "$tool on $tree failed:"; cat "$OUT/err"; exit 1; }
      wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/time")
      rss=$(awk -F': ' '/Maximum resident/{print $2}' "$OUT/time")
      size=$(stat -c %s "$OUT/out.iso")
      rm -f "$OUT/out.iso"
      [ "$round" = 0 ] && continue # warm-up
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tree" "$round" "$tool" "$wall" "$rss" "$size" >> "$LOG"
    done
  done
done
python3 bench/summarize.py "$LOG"
