#!/bin/bash
# qemu-sg-check.sh: the OUTSIDE check of imapi2-mmc's Linux SG_IO transport.
#
# Boots Debian's stock kernel with a busybox initramfs under QEMU, with QEMU's
# own emulated CD-ROM holding a small ISO, attached two ways:
#   scsi  -device virtio-scsi-pci + scsi-cd  (virtio_scsi, sr_mod, sg; QEMU's scsi-disk.c answers)
#   ide   -device ide-cd                     (ata_piix/libata ATAPI, /dev/sr0; QEMU's atapi.c answers)
# Inside the guest, examples/mmc_probe (our SgDevice + Recording) runs against
# the sg node (no eject), then tries exclusive access with the ISO mounted and
# unmounted, then runs against /dev/sr0 (ending with an eject). Its output
# travels on a second serial port; the host then checks, with its own parser:
#   - INQUIRY: peripheral type 05h, vendor "QEMU"
#   - GET CONFIGURATION: current profile CD-ROM 0008h (DVD-ROM 0010h for an
#     image larger than QEMU's CD limit of 80 min x 60 s x 75 x 2048 bytes)
#   - READ CAPACITY: last LBA + 1 = the ISO's size in 2048-byte blocks
#   - READ TOC format 0: one data track (track 1, control bit 4) at LBA 0 and
#     the lead-out (AAh) at the capacity
#   - READ(10) of LBA 16: byte for byte the ISO's block 16
#   - after START STOP UNIT (LoEj=1, Start=0): TEST UNIT READY = CHECK
#     CONDITION, sense key 2, ASC 3Ah (medium not present)
#   - exclusive access: refused while mounted (naming the mount point),
#     granted when not, a second exclusive holder refused, release works
#   - a user who may only read the node (group cdrom, mode 0640): the open
#     falls back to read-only, INQUIRY works, a write-class command (PREVENT
#     ALLOW) fails with EPERM and the advice to join the 'cdrom' group
#
# usage: qemu-sg-check.sh [--save] [scsi|ide]...     (default: both)
#   --save   copy the captured traces to crates/imapi2-mmc/tests/data/
#            (qemu-scsi-cd.trace, qemu-scsi-cd-sg.trace, qemu-ide-cd.trace,
#            qemu-ide-cd-sg.trace): the golden vectors of tests/transport.rs
# environment:
#   MMC_PROBE   use this mmc_probe binary instead of building it
#   QSC_CACHE   kernel/module cache (default /tmp/qemu-sg-check-cache)
#   QSC_KEEP    keep the work directory (serial logs, traces) for inspection
#   QSC_TIMEOUT seconds per guest (default 300)
#   QSC_ACCEL   force one QEMU accelerator (kvm or tcg)
# exit: 0 all checks hold, 1 a check failed, 2 usage or missing tools
# Needs (scripts/install-validators.sh installs them): qemu-system-x86,
# busybox-static, cpio, kmod, xorriso; plus python3, cargo, and apt-get
# download access for the linux-image package on the first run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAVE=0
KINDS=()
for a in "$@"; do
  case $a in
    --save) SAVE=1 ;;
    scsi|ide) KINDS+=("$a") ;;
    *) echo "usage: $0 [--save] [scsi|ide]..." >&2; exit 2 ;;
  esac
done
[ ${#KINDS[@]} -gt 0 ] || KINDS=(scsi ide)

for t in qemu-system-x86_64 cpio depmod xorriso python3 apt-get dpkg-deb; do
  command -v "$t" >/dev/null || { echo "qemu-sg-check: $t is missing (scripts/install-validators.sh)" >&2; exit 2; }
done
[ -x /bin/busybox ] || { echo "qemu-sg-check: /bin/busybox is missing (busybox-static)" >&2; exit 2; }

KC=${QSC_CACHE:-/tmp/qemu-sg-check-cache}
WORK=$(mktemp -d /tmp/qemu-sg-check.XXXXXX)
cleanup() { if [ -z "${QSC_KEEP:-}" ]; then rm -rf "$WORK"; else echo "qemu-sg-check: kept $WORK" >&2; fi; }
trap cleanup EXIT
mkdir -p "$KC"

# --- the probe --------------------------------------------------------------
if [ -n "${MMC_PROBE:-}" ]; then
  PROBE=$MMC_PROBE
else
  echo "qemu-sg-check: building mmc_probe" >&2
  (cd "$ROOT" && cargo build -q -p imapi2-mmc --example mmc_probe --release)
  PROBE=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/mmc_probe
fi
[ -x "$PROBE" ] || { echo "qemu-sg-check: no probe binary at $PROBE" >&2; exit 2; }

# --- kernel and modules (cached) ---------------------------------------------
MODS="virtio_pci virtio_scsi ata_piix sr_mod sg isofs"
if [ ! -f "$KC/vmlinuz" ] || [ ! -f "$KC/mods/order" ] || [ "$(cat "$KC/mods/wanted" 2>/dev/null)" != "$MODS" ]; then
  echo "qemu-sg-check: preparing the guest kernel in $KC" >&2
  ( cd "$KC"
    PKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    [ -n "$PKG" ] || { echo "qemu-sg-check: apt-cache knows no linux-image-amd64" >&2; exit 2; }
    ls "$PKG"_*.deb >/dev/null 2>&1 || apt-get download "$PKG" >/dev/null 2>&1
    rm -rf kroot mods && dpkg-deb -x "$PKG"_*.deb kroot
    KV=${PKG#linux-image-}
    depmod -b kroot "$KV"
    cp kroot/boot/vmlinuz-"$KV" vmlinuz
    echo "$KV" > kversion
    M=kroot/lib/modules/$KV
    mkdir -p mods && : > mods/order
    for want in $MODS; do
      # modules.dep lists the deepest dependency last: load in reverse order.
      for dep in $(grep -E "/$want\.ko(\.[a-z]+)?:" "$M/modules.dep" | cut -d: -f2 | tr ' ' '\n' | tac) \
                 $(grep -E "/$want\.ko(\.[a-z]+)?:" "$M/modules.dep" | cut -d: -f1); do
        b=$(basename "$dep")
        grep -qx "$b" mods/order || { cp "$M/$dep" mods/; echo "$b" >> mods/order; }
      done
    done
    echo "$MODS" > mods/wanted
    rm -rf kroot )
fi
KV=$(cat "$KC/kversion")

# --- the initramfs ------------------------------------------------------------
IR=$WORK/initrd
mkdir -p "$IR"/{bin,proc,sys,dev,mnt,mods}
cp /bin/busybox "$IR/bin/busybox"
for a in sh mount umount insmod poweroff cat sleep ls echo mkdir su chmod chgrp printf; do ln -sf busybox "$IR/bin/$a"; done
cp "$KC"/mods/*.ko* "$KC/mods/order" "$IR/mods/"
if command -v strip >/dev/null; then strip -o "$IR/bin/mmc_probe" "$PROBE"; else cp "$PROBE" "$IR/bin/mmc_probe"; fi
# the probe's shared libraries, at the paths the dynamic loader expects
for lib in $(ldd "$PROBE" | awk '/=> \//{print $3} /^\t\/[^ ]*ld-linux/{print $1}'); do
  mkdir -p "$IR$(dirname "$lib")"
  cp -L "$lib" "$IR$lib"
done
cat > "$IR/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m 2>/dev/null; done
i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
i=0; while [ -z "$(ls /sys/class/block/sr0/device/scsi_generic/ 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
SG=/dev/$(ls /sys/class/block/sr0/device/scsi_generic/ 2>/dev/null)
i=0; while [ ! -c "$SG" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
{
  echo "===SG-BEGIN $SG==="
  /bin/mmc_probe --no-eject "$SG"; echo "===SG-END rc=$?==="
  if mount -t iso9660 -o ro /dev/sr0 /mnt; then
    echo "===MOUNTED-GRAB-BEGIN==="; /bin/mmc_probe --grab /dev/sr0; echo "===MOUNTED-GRAB-END==="
    umount /mnt
  else
    echo "===MOUNT-FAILED==="
  fi
  echo "===GRAB-BEGIN==="; /bin/mmc_probe --grab /dev/sr0; echo "===GRAB-END==="
  # a user who may only read the node (group cdrom, mode 0640)
  mkdir -p /etc
  printf 'root:x:0:0::/:/bin/sh\nuser:x:1000:24::/:/bin/sh\n' > /etc/passwd
  printf 'root:x:0:\ncdrom:x:24:\n' > /etc/group
  chgrp 24 /dev/sr0; chmod 0640 /dev/sr0
  echo "===RO-BEGIN==="; su -s /bin/sh -c "/bin/mmc_probe --write-check /dev/sr0" user; echo "===RO-END==="
  chgrp 0 /dev/sr0; chmod 0660 /dev/sr0
  echo "===SR-BEGIN==="; /bin/mmc_probe /dev/sr0; echo "===SR-END rc=$?==="
  echo "===DONE==="
} > /dev/ttyS1 2>&1
poweroff -f
INIT
chmod +x "$IR/init"
(cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$WORK/initrd.cpio.gz"

# --- the ISO -------------------------------------------------------------------
mkdir -p "$WORK/tree/docs"
printf 'imapi2 SG_IO outside check\n' > "$WORK/tree/README.TXT"
seq 1 20000 > "$WORK/tree/docs/numbers.txt"
find "$WORK/tree" -exec touch -h -d @1700000000 {} +   # the same image, hence the same traces, every run
ISO=$WORK/probe.iso
SOURCE_DATE_EPOCH=1700000000 xorriso -as mkisofs -quiet -V QSCPROBE -J -r -o "$ISO" "$WORK/tree" 2>/dev/null
ISO_BYTES=$(stat -c %s "$ISO")
ISO_BLOCKS=$((ISO_BYTES / 2048))
QEMU_VERSION=$(qemu-system-x86_64 --version | head -1)

# --- boot, capture, check ------------------------------------------------------------
# KVM when it can work: /dev/kvm usable and the CPU shows VMX/SVM (a nested
# /dev/kvm without them has been seen to accept a VM and then never run it).
ACCEL=(-accel tcg)
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
  ACCEL=(-accel kvm -accel tcg)
fi
[ -n "${QSC_ACCEL:-}" ] && ACCEL=(-accel "$QSC_ACCEL")
rc=0
for kind in "${KINDS[@]}"; do
  case $kind in
    scsi) DEV=(-device virtio-scsi-pci,id=scsi0
               -drive "file=$ISO,format=raw,if=none,id=cd0,media=cdrom,readonly=on"
               -device scsi-cd,drive=cd0,bus=scsi0.0) ;;
    ide)  DEV=(-drive "file=$ISO,format=raw,if=none,id=cd0,media=cdrom,readonly=on"
               -device ide-cd,drive=cd0) ;;
  esac
  CON=$WORK/$kind.console DATA=$WORK/$kind.data
  echo "qemu-sg-check: booting the guest ($kind-cd)" >&2
  start=$(date +%s)
  timeout "${QSC_TIMEOUT:-300}" qemu-system-x86_64 "${ACCEL[@]}" -m 512 -smp 1 -display none -vga none \
    -monitor none -nodefaults -no-reboot -serial "file:$CON" -serial "file:$DATA" \
    -kernel "$KC/vmlinuz" -initrd "$WORK/initrd.cpio.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1" \
    "${DEV[@]}" >/dev/null 2>&1 || true
  echo "qemu-sg-check: $kind-cd guest done in $(( $(date +%s) - start )) s" >&2
  tr -d '\r' < "$DATA" > "$DATA.n"
  if ! grep -q "===DONE===" "$DATA.n"; then
    echo "qemu-sg-check: $kind-cd: the guest did not finish; console tail:" >&2
    tr -d '\r' < "$CON" | tail -20 >&2
    rc=1; continue
  fi
  section() { sed -n "/^===$1-BEGIN/,/^===$1-END/p" "$DATA.n" | grep -v '^===' || true; }
  header() {
    printf '# QEMU %s-cd, captured by scripts/qemu-sg-check.sh (%s, guest kernel %s)\n' "$kind" "$QEMU_VERSION" "$KV"
    printf 'meta attachment %s-cd\nmeta iso-blocks %s\n' "$kind" "$ISO_BLOCKS"
  }
  { header; section SR; } > "$WORK/qemu-$kind-cd.trace"
  { header; section SG; } > "$WORK/qemu-$kind-cd-sg.trace"
  section MOUNTED-GRAB > "$WORK/$kind.mounted-grab"
  section GRAB > "$WORK/$kind.grab"
  section RO > "$WORK/$kind.ro"
  grep -E "^===(SG|SR)-END" "$DATA.n" > "$WORK/$kind.rcs" || true

  if ! python3 - "$kind" "$ISO" "$WORK" <<'PY'
import sys, os
kind, iso, work = sys.argv[1], sys.argv[2], sys.argv[3]
iso_bytes = os.path.getsize(iso)
blocks = iso_bytes // 2048
with open(iso, 'rb') as f:
    f.seek(16 * 2048)
    pvd = f.read(2048)
# QEMU's CD/DVD split: more than 80 min x 60 s x 75 frames x 2048 bytes is a DVD.
want_profile = 0x0010 if iso_bytes > 80 * 60 * 75 * 2048 else 0x0008
fails = []

def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        fails.append(what)

def exchanges(path):
    """Parses the trace text on its own (independent of the Rust decoder)."""
    out, cur = [], None
    for line in open(path):
        line = line.rstrip('\n')
        if not line or line.startswith('#') or line.startswith('meta '):
            continue
        key, _, rest = line.partition(' ')
        if key == 'cmd':
            words = rest.split(' # ')[0].split()
            cdb = bytes(int(w, 16) for w in words if len(w) == 2 and '=' not in w and w != 'none')
            cur = {'cdb': cdb, 'status': None, 'sense': b'', 'in': b'', 'error': None}
        elif key == 'status':
            cur['status'] = int(rest.split()[0], 16)
        elif key == 'sense':
            cur['sense'] += bytes.fromhex(rest)
        elif key == 'in':
            cur['in'] += bytes.fromhex(rest)
        elif key == 'error':
            cur['error'] = rest
        elif key == 'end':
            out.append(cur)
    return out

def common(tag, xs):
    by_op = {}
    for x in xs:
        by_op.setdefault(x['cdb'][0], []).append(x)
    check(len(xs) >= 9 and all(x['error'] is None for x in xs), f'{tag}: every command got a SCSI status ({len(xs)} exchanges)')
    inq = by_op.get(0x12, [{}])[0].get('in', b'')
    check(len(inq) >= 36 and inq[0] & 0x1f == 5, f'{tag}: INQUIRY peripheral device type 05h')
    check(inq[8:16].decode('ascii', 'replace').strip() == 'QEMU', f'{tag}: INQUIRY vendor "QEMU" (got {inq[8:16]!r})')
    gc = by_op.get(0x46, [{}])[0]
    cfg = gc.get('in', b'')
    prof = int.from_bytes(cfg[6:8], 'big') if len(cfg) >= 8 else None
    check(gc.get('status') == 0 and prof == want_profile, f'{tag}: current profile {want_profile:04X}h (got {prof if prof is None else format(prof, "04X")}h)')
    cap = by_op.get(0x25, [{}])[0].get('in', b'')
    if len(cap) == 8:
        last, bl = int.from_bytes(cap[0:4], 'big'), int.from_bytes(cap[4:8], 'big')
        check(last + 1 == blocks and bl == 2048, f'{tag}: READ CAPACITY {last}+1 blocks of {bl} = ISO {blocks} blocks')
    else:
        check(False, f'{tag}: READ CAPACITY returned 8 bytes')
    toc = by_op.get(0x43, [{}])[0].get('in', b'')
    # Only the bytes the TOC data length (bytes 0-1) covers: past them the
    # transfer may carry padding or stale buffer contents.
    toc = toc[:int.from_bytes(toc[0:2], 'big') + 2] if len(toc) >= 2 else b''
    descs = [toc[i:i + 8] for i in range(4, len(toc) - 7, 8)]
    tracks = [(d[2], d[1] & 0x0f, int.from_bytes(d[4:8], 'big')) for d in descs]
    check(len(toc) >= 4 and toc[2] == 1 and toc[3] == 1, f'{tag}: TOC first/last track 1/1')
    check(len(tracks) == 2 and tracks[0][0] == 1 and tracks[0][1] & 4 and tracks[0][2] == 0,
          f'{tag}: TOC track 1 is data at LBA 0 ({tracks})')
    check(len(tracks) == 2 and tracks[1][0] == 0xAA and tracks[1][2] == blocks, f'{tag}: TOC lead-out at LBA {blocks}')
    rd = [x for x in by_op.get(0x28, []) if x['cdb'][2:6] == b'\0\0\0\x10']
    check(bool(rd) and rd[0]['in'] == pvd, f'{tag}: READ(10) of LBA 16 equals the ISO\'s block 16')
    ge = by_op.get(0x4A, [{}])[0]
    gesn = ge.get('in', b'')
    check(ge.get('status') == 0 and len(gesn) >= 6 and gesn[2] & 7 == 4 and gesn[5] & 2,
          f'{tag}: GESN media class reports a medium present ({gesn.hex()})')
    return by_op

sr = exchanges(f'{work}/qemu-{kind}-cd.trace')
sg = exchanges(f'{work}/qemu-{kind}-cd-sg.trace')
by_op = common(f'{kind} sr0', sr)
common(f'{kind} sg', sg)
check(all(x['cdb'][0] != 0x1B for x in sg), f'{kind} sg: no eject on the sg run')
ej = by_op.get(0x1B, [{}])[0]
check(ej.get('status') == 0, f'{kind} sr0: START STOP UNIT eject completed GOOD (status {ej.get("status")})')
tur = by_op.get(0x00, [])
last = tur[-1] if tur else {}
s = last.get('sense', b'')
key = (s[2] & 0x0f, s[12]) if len(s) >= 14 and s[0] & 0x7f in (0x70, 0x71) else \
      (s[1] & 0x0f, s[2]) if len(s) >= 4 and s[0] & 0x7f in (0x72, 0x73) else None
check(len(tur) == 2 and last.get('status') == 2 and key == (2, 0x3A),
      f'{kind} sr0: TEST UNIT READY after the eject is CHECK CONDITION 2/3A (got status {last.get("status")}, sense {s.hex()})')
rcs = open(f'{work}/{kind}.rcs').read()
check('SG-END rc=0' in rcs and 'SR-END rc=0' in rcs, f'{kind}: the probe exited 0 both times ({rcs.split()})')

grab = open(f'{work}/{kind}.grab').read()
check('# grab-first ok sibling=/dev/sg' in grab, f'{kind}: exclusive open granted, with the sg sibling')
check('# grab-second refused' in grab and 'in use by another program' in grab,
      f'{kind}: a second exclusive holder is refused ({[l for l in grab.splitlines() if "second" in l]})')
check('# grab-release ok' in grab and '# grab-again ok' in grab, f'{kind}: released, then granted again')
mg = open(f'{work}/{kind}.mounted-grab').read()
check('# grab-first refused' in mg and 'it is mounted at /mnt' in mg and 'os error 16' in mg,
      f'{kind}: exclusive open refused while mounted, naming /mnt ({mg.strip().splitlines()[:1]})')
ro = open(f'{work}/{kind}.ro').read()
check('# write-check opened read-only=true' in ro and '# write-check INQUIRY status=00' in ro,
      f'{kind}: a user who may only read the node gets a read-only descriptor that reads ({ro.strip().splitlines()[:2]})')
check('# write-check PREVENT-ALLOW refused /dev/sr0: PREVENT ALLOW MEDIUM REMOVAL: permission denied' in ro
      and "add yourself to the 'cdrom' group" in ro and 'os error 1)' in ro,
      f'{kind}: a write-class command on it is refused with EPERM and the group advice ({[l for l in ro.splitlines() if "PREVENT" in l]})')
sys.exit(1 if fails else 0)
PY
  then
    rc=1
  fi
done

if [ $SAVE = 1 ]; then
  if [ $rc = 0 ]; then
    D=$ROOT/crates/imapi2-mmc/tests/data
    mkdir -p "$D"
    for kind in "${KINDS[@]}"; do
      cp "$WORK/qemu-$kind-cd.trace" "$WORK/qemu-$kind-cd-sg.trace" "$D/"
    done
    echo "qemu-sg-check: traces saved in $D" >&2
  else
    echo "qemu-sg-check: checks failed, traces not saved" >&2
  fi
fi
[ $rc = 0 ] && echo "qemu-sg-check: all checks hold (${KINDS[*]})" >&2
exit $rc
