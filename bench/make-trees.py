#!/usr/bin/env python3
"""make-trees.py OUT: the two benchmark trees.

OUT/large: 2,000 files of random data, about 2 GiB in all, spread over 20 directories.
OUT/small: 100,000 files of 1 to 4 KiB in a 10 x 10 x 10 tree (100 files per leaf).
Content is pseudo-random and different per file (no deduplication helps anyone).
"""
import os
import random
import sys


def main():
    out = sys.argv[1]
    rng = random.Random(2026)
    pool = rng.randbytes(16 << 20)
    large = os.path.join(out, "large")
    total = 2 << 30
    weights = [rng.random() + 0.05 for _ in range(2000)]
    scale = total / sum(weights)
    for i, w in enumerate(weights):
        d = os.path.join(large, "dir%02d" % (i % 20))
        os.makedirs(d, exist_ok=True)
        size = max(1, int(w * scale))
        with open(os.path.join(d, "file%04d.bin" % i), "wb") as f:
            f.write(i.to_bytes(4, "little"))
            left = size - 4
            off = rng.randrange(len(pool))
            while left > 0:
                n = min(left, len(pool) - off)
                f.write(pool[off:off + n])
                left -= n
                off = 0
    small = os.path.join(out, "small")
    count = 0
    for a in range(10):
        for b in range(10):
            for c in range(10):
                d = os.path.join(small, "a%d" % a, "b%d" % b, "c%d" % c)
                os.makedirs(d, exist_ok=True)
                for k in range(100):
                    size = rng.randint(1024, 4096)
                    off = rng.randrange(len(pool) - size)
                    with open(os.path.join(d, "f%03d.dat" % k), "wb") as f:
                        f.write(count.to_bytes(4, "little") + pool[off:off + size - 4])
                    count += 1
    print("large: 2000 files, %d bytes; small: %d files" % (
        sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(large) for f in fs), count))


if __name__ == "__main__":
    main()
