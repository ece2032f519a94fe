#!/usr/bin/env python3
"""Print one view of an ISO image as pycdlib (an independent, strict reader) sees it.

usage: pycdlib_view.py IMAGE iso|joliet|rr|udf

One line per entry: KIND<TAB>SIZE<TAB>SHA256-or-TARGET<TAB>MODE<TAB>PATH<TAB>OWNER, where
KIND is d (directory), f (file) or l (symbolic link, Rock Ridge only), SIZE is '-' for
directories and links, MODE is octal permission bits and OWNER uid:gid in the rr view,
'-' otherwise.
Exit status 2 when pycdlib refuses the image.
"""
import hashlib
import stat
import sys

import pycdlib


def owner_of(rec):
    px = rec.rock_ridge.dr_entries.px_record
    if px is None and rec.rock_ridge.ce_entries is not None:
        px = rec.rock_ridge.ce_entries.px_record
    if px is None:
        return "-"
    return "%d:%d" % (px.posix_user_id, px.posix_group_id)


def main():
    image, view = sys.argv[1], sys.argv[2]
    key = {"iso": "iso_path", "joliet": "joliet_path", "rr": "rr_path", "udf": "udf_path"}[view]
    iso = pycdlib.PyCdlib()
    try:
        iso.open(image)
    except Exception as e:  # pycdlib raises PyCdlibInvalidISO and friends
        print("pycdlib refused the image: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    if view == "rr" and not iso.has_rock_ridge():
        print("no Rock Ridge", file=sys.stderr)
        return 2
    if view == "joliet" and not iso.has_joliet():
        print("no Joliet", file=sys.stderr)
        return 2
    if view == "udf" and not iso.has_udf():
        print("no UDF", file=sys.stderr)
        return 2
    out = []
    for top, dirs, files in iso.walk(**{key: "/"}):
        prefix = "" if top == "/" else top
        for name in dirs:
            path = prefix + "/" + name
            mode = owner = "-"
            if view == "rr":
                rec = iso.get_record(rr_path=path)
                mode = "%o" % stat.S_IMODE(rec.rock_ridge.get_file_mode())
                owner = owner_of(rec)
            out.append(("d", "-", "-", mode, path, owner))
        for name in files:
            path = prefix + "/" + name
            rec = iso.get_record(**{key: path})
            mode = owner = "-"
            if view == "rr":
                mode = "%o" % stat.S_IMODE(rec.rock_ridge.get_file_mode())
                owner = owner_of(rec)
                if rec.rock_ridge.is_symlink():
                    target = rec.rock_ridge.symlink_path().decode()
                    out.append(("l", "-", target, mode, path, owner))
                    continue
            elif view != "udf" and rec.is_dir():
                # A relocated-directory placeholder seen from the plain tree.
                continue
            h = hashlib.sha256()
            n = 0
            with iso.open_file_from_iso(**{key: path}) as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    h.update(chunk)
                    n += len(chunk)
            out.append(("f", str(n), h.hexdigest(), mode, path, owner))
    iso.close()
    for row in sorted(out, key=lambda r: r[4]):
        print("\t".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
