#!/usr/bin/env python3
"""udf_fixtures.py: UDF volumes with virtual and sparable partitions that hold
files, for the reader tests. No tool here writes files into them (udfclient
refuses VAT volumes, wrudf crashes), so this script edits volumes that
mkudffs made, the smallest edits that give a reader something to get wrong:

  vat IN OUT     IN: `mkudffs --media-type=cdr|bdr` (VAT, root only).
                 Adds hello.txt (embedded data), sub/ and sub/blocks.bin
                 (3 blocks of data), moves the file set descriptor and the
                 root to other blocks, maps the data blocks in reverse
                 order, and writes a new VAT as the last sector: no virtual
                 block maps to the physical block of the same number.
  spare IN OUT LBN|FILE:OFFSET
                 IN: a sparable volume (mkudffs --media-type=cdrw|dvdrw, files
                 added with udfclient). Copies the packet holding partition
                 block LBN (or the block holding byte OFFSET of host file
                 FILE's copy in the image) to the next free spare packet,
                 zeroes the original and records the relocation in every copy
                 of the sparing table (entries kept sorted).

Layouts: ECMA-167 3/7.2 (tag), 4/14.4 (FID), 4/14.9 (FE), 4/14.17 (EFE);
UDF 2.60 2.2.11 (VAT), 2.2.12 (sparing table)."""
import struct
import sys

BS = 2048
BLOCKS_BIN = bytes((i * 7 + i // 2048) & 0xFF for i in range(3 * BS - 100))
HELLO = b"hello from a virtual partition\n"


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def crc_itu(b):
    c = 0
    for x in b:
        c ^= x << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def seal(d, o, length, location):
    """Sets CRC length, CRC, location and checksum of the descriptor at o."""
    struct.pack_into("<H", d, o + 10, length - 16)
    struct.pack_into("<I", d, o + 12, location)
    struct.pack_into("<H", d, o + 8, crc_itu(d[o + 16:o + length]))
    d[o + 4] = sum(d[o + i] for i in range(16) if i != 4) & 0xFF


def partition_start(d):
    a = 256 * BS
    length, loc = u32(d, a + 16), u32(d, a + 20)
    for i in range(length // BS):
        o = (loc + i) * BS
        if u16(d, o) == 5:
            return u32(d, o + 188)
    sys.exit("no partition descriptor")


def entry_layout(b):
    """(header size, offset of L_EA) of an FE or EFE."""
    return (216, 208) if u16(b, 0) == 266 else (176, 168)


def make_entry(template, file_type, content, unique, recorded_blocks=0, short_ads=None):
    """A file entry modelled on `template` (an FE or EFE of the volume):
    data embedded, or short_ads [(length, block)] when given."""
    hdr, lea_off = entry_layout(template)
    e = bytearray(template[:hdr])
    e[16 + 11] = file_type
    flags = u16(e, 34) & ~7
    if short_ads is None:
        flags |= 3
        ads = bytes(content)
    else:
        ads = b"".join(struct.pack("<II", l, b) for l, b in short_ads)
    struct.pack_into("<H", e, 34, flags)
    struct.pack_into("<I", e, 44, 0x14A5 if file_type == 4 else 0x1084)  # r-x / r--
    struct.pack_into("<H", e, 48, 1)  # one FID names it
    struct.pack_into("<Q", e, 56, len(content))
    if hdr == 216:
        struct.pack_into("<Q", e, 64, len(content))  # object size
        struct.pack_into("<Q", e, 72, recorded_blocks)
        struct.pack_into("<Q", e, 200, unique)
    else:
        struct.pack_into("<Q", e, 64, recorded_blocks)
        struct.pack_into("<Q", e, 160, unique)
    struct.pack_into("<I", e, lea_off, 0)
    struct.pack_into("<I", e, lea_off + 4, len(ads))
    return e + ads


def fid(template, name, is_dir, parent, icb_block, partition, location):
    """A file identifier descriptor (version and tag layout from `template`)."""
    ident = b"" if parent else b"\x08" + name.encode()
    size = (38 + len(ident) + 3) & ~3
    f = bytearray(size)
    f[0:16] = template[0:16]
    struct.pack_into("<H", f, 16, 1)
    f[18] = (2 if is_dir else 0) | (8 if parent else 0)
    f[19] = len(ident)
    struct.pack_into("<IIH", f, 20, BS, icb_block, partition)
    struct.pack_into("<H", f, 36, 0)
    f[38:38 + len(ident)] = ident
    seal(f, 0, size, location)
    return f


def vat(src, dst):
    d = bytearray(open(src, "rb").read())
    pstart = partition_start(d)
    last = len(d) // BS - 1
    vat_at = next(s for s in range(last, last - 257, -1) if any(d[s * BS:(s + 1) * BS]))
    old_vat = bytes(d[vat_at * BS:(vat_at + 1) * BS])
    hdr, lea_off = entry_layout(old_vat)
    l_ea, l_ad = u32(old_vat, lea_off), u32(old_vat, lea_off + 4)
    data = old_vat[hdr + l_ea:hdr + l_ea + l_ad]
    v200 = old_vat[27] == 248
    head = u16(data, 0) if v200 else 0
    tail = b"" if v200 else data[-36:]
    n = (len(data) - head - len(tail)) // 4
    entries = list(struct.unpack_from("<%dI" % n, data, head))
    fsd_v, root_v = 0, 1
    root = bytes(d[(pstart + entries[root_v]) * BS:(pstart + entries[root_v] + 1) * BS])
    rh, rlea = entry_layout(root)
    r_ea, r_ad = u32(root, rlea), u32(root, rlea + 4)
    parent_fid = root[rh + r_ea:rh + r_ea + r_ad]
    partition = u16(parent_fid, 20 + 8)  # the virtual map's reference
    unique = 16

    # Physical blocks from the old VAT's block on; virtual blocks from n on.
    free = vat_at - pstart
    def take():
        nonlocal free
        free += 1
        return free - 1

    # Virtual blocks: 2 hello.txt, 3 sub, 4 blocks.bin, 5..7 its data.
    v_hello, v_sub, v_bin, v_data = n, n + 1, n + 2, [n + 3, n + 4, n + 5]
    entries += [0] * 6
    phys = {}
    # Data blocks first, in reverse order of their virtual numbers.
    for v in reversed(v_data):
        phys[v] = take()
    for v in (v_bin, v_sub, v_hello, root_v, fsd_v):
        phys[v] = take()
    new_vat = take()
    d.extend(bytes(max(0, (pstart + new_vat + 1) * BS - len(d))))

    def put(v, block):
        o = (pstart + phys[v]) * BS
        d[o:o + BS] = bytes(BS)
        d[o:o + len(block)] = block
        seal(d, o, len(block), v)
        entries[v] = phys[v]

    fsd = bytearray(d[(pstart + entries[fsd_v]) * BS:(pstart + entries[fsd_v] + 1) * BS])
    d[(pstart + entries[fsd_v]) * BS:(pstart + entries[fsd_v] + 1) * BS] = bytes(BS)
    d[(pstart + entries[root_v]) * BS:(pstart + entries[root_v] + 1) * BS] = bytes(BS)
    put(fsd_v, fsd[:512])

    root_dir = parent_fid + fid(parent_fid, "hello.txt", False, False, v_hello, partition, root_v) \
        + fid(parent_fid, "sub", True, False, v_sub, partition, root_v)
    r = bytearray(make_entry(root, 4, root_dir, 0))
    struct.pack_into("<H", r, 48, 2)  # its own parent FID and sub's
    put(root_v, r)
    put(v_hello, make_entry(root, 5, HELLO, unique))
    sub_dir = fid(parent_fid, "", True, True, root_v, partition, v_sub) \
        + fid(parent_fid, "blocks.bin", False, False, v_bin, partition, v_sub)
    put(v_sub, make_entry(root, 4, sub_dir, unique + 1))
    # blocks.bin: short_ads in the virtual partition, one per block so that
    # a reader must translate each; the last extent is partial.
    sizes = [BS, BS, len(BLOCKS_BIN) - 2 * BS]
    put(v_bin, make_entry(root, 5, BLOCKS_BIN, unique + 2, 3,
                          [(s, v) for s, v in zip(sizes, v_data)]))
    for i, v in enumerate(v_data):
        o = (pstart + phys[v]) * BS
        d[o:o + BS] = BLOCKS_BIN[i * BS:(i + 1) * BS].ljust(BS, b"\0")
        entries[v] = phys[v]

    # The new VAT: the old header (file and directory counts updated) or trailer.
    if v200:
        h = bytearray(data[:head])
        struct.pack_into("<II", h, 136, 2, 2)
        body = bytes(h) + struct.pack("<%dI" % len(entries), *entries)
    else:
        body = struct.pack("<%dI" % len(entries), *entries) + tail
    ve = bytearray(old_vat[:hdr + l_ea])
    struct.pack_into("<Q", ve, 56, len(body))
    if hdr == 216:
        struct.pack_into("<Q", ve, 64, len(body))
    struct.pack_into("<I", ve, lea_off + 4, len(body))
    ve += body
    o = (pstart + new_vat) * BS
    d[o:o + BS] = bytes(BS)
    d[o:o + len(ve)] = ve
    seal(d, o, len(ve), new_vat)
    del d[(pstart + new_vat + 1) * BS:]
    open(dst, "wb").write(d)
    assert all(entries[v] != v for v in range(len(entries))), "identity entry left"


def spare(src, dst, where):
    d = bytearray(open(src, "rb").read())
    pstart = partition_start(d)
    if ":" in where:
        path, off = where.rsplit(":", 1)
        off = int(off) // BS * BS
        chunk = open(path, "rb").read()[off:off + BS]
        at = d.find(chunk)
        assert at >= 0 and at % BS == 0, "data not found on a sector boundary"
        lbn = at // BS - pstart
    else:
        lbn = int(where)
    a = 256 * BS
    length, loc = u32(d, a + 16), u32(d, a + 20)
    for i in range(length // BS):
        o = (loc + i) * BS
        if u16(d, o) == 6:
            m = o + 440
            break
    else:
        sys.exit("no logical volume descriptor")
    assert d[m] == 2 and d[m + 5:m + 28] == b"*UDF Sparable Partition"
    packet = u16(d, m + 40)
    tables = [u32(d, m + 48 + 4 * k) for k in range(d[m + 42])]
    first = lbn - lbn % packet
    t0 = tables[0] * BS
    n = u16(d, t0 + 48)
    rows = [(u32(d, t0 + 56 + 8 * k), u32(d, t0 + 60 + 8 * k)) for k in range(n)]
    free = next(k for k, (orig, _) in enumerate(rows) if orig == 0xFFFFFFFF)
    spare_at = rows[free][1]
    rows[free] = (first, spare_at)
    rows.sort()
    for i in range(packet):
        s, t = (pstart + first + i) * BS, (spare_at + i) * BS
        d[t:t + BS] = d[s:s + BS]
        d[s:s + BS] = bytes(BS)
    for t in tables:
        o = t * BS
        for k, (orig, mapped) in enumerate(rows):
            struct.pack_into("<II", d, o + 56 + 8 * k, orig, mapped)
        struct.pack_into("<I", d, o + 52, u32(d, o + 52) + 1)
        crclen = u16(d, o + 10)
        struct.pack_into("<H", d, o + 8, crc_itu(d[o + 16:o + 16 + crclen]))
        d[o + 4] = sum(d[o + i] for i in range(16) if i != 4) & 0xFF
    open(dst, "wb").write(d)
    print(lbn)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "vat":
        vat(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "spare":
        spare(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
