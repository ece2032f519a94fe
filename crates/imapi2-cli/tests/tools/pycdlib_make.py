#!/usr/bin/env python3
"""pycdlib_make.py SRC OUT: builds an ISO 9660 + Rock Ridge 1.09 + Joliet +
UDF 2.60 image of the tree SRC with pycdlib (a writer we did not write), for
the reading tests. Regular files, directories and relative symbolic links;
ISO 9660 names are made up (F0001.;1, D0001), the others keep the real ones."""
import io
import os
import sys

import pycdlib

src, out = sys.argv[1], sys.argv[2]
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, rock_ridge="1.09", joliet=3, udf="2.60", vol_ident="PYCDLIB")
counter = [0]


def iso_name(is_dir):
    counter[0] += 1
    return ("D%04d" if is_dir else "F%04d.;1") % counter[0]


keep = []
def walk(host, iso_dir, rel):
    for name in sorted(os.listdir(host)):
        h = os.path.join(host, name)
        r = rel + "/" + name
        i = iso_dir.rstrip("/") + "/" + iso_name(os.path.isdir(h) and not os.path.islink(h))
        if os.path.islink(h):
            iso.add_symlink(symlink_path=i, rr_symlink_name=name, rr_path=os.readlink(h),
                            joliet_path=r, udf_symlink_path=r, udf_target=os.readlink(h))
        elif os.path.isdir(h):
            iso.add_directory(iso_path=i, rr_name=name, joliet_path=r, udf_path=r)
            walk(h, i, r)
        else:
            data = open(h, "rb").read()
            fp = io.BytesIO(data)
            keep.append(fp)
            iso.add_fp(fp, len(data), iso_path=i, rr_name=name, joliet_path=r, udf_path=r)


walk(src, "/", "")
iso.write(out)
iso.close()
