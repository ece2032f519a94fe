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
# Then the imapi2 command itself runs in the guest on /dev/sr0: `load` (the
# probe left the tray open), `drives --json`, `drives`, `info --json`, `eject`,
# `info --json`; each run's stdout, stderr and exit code travel apart, and the
# host reads the JSON itself:
#   - drives: real_drives_found, one drive, kind "real" on /dev/sr0, vendor,
#     product and revision equal to the probe's INQUIRY, its medium the ISO's;
#     the text form has no "no optical drives found" line
#   - info: the same drive and id; GET CONFIGURATION with the current profile
#     (8, or 16 for a DVD-size ISO) among the profiles; a medium present,
#     physical type "CD-ROM" ("DVD-ROM"), total sectors = the ISO's blocks,
#     none free, no next writable address; status FINALIZED and
#     WRITE_PROTECTED, not BLANK or APPENDABLE, write_protected true, not
#     erasable; the TOC as the CLI sees it: 1 session, blocks 0..blocks-1
#   - eject exits 0; info afterwards still reaches the drive and says
#     present: false
# A failed check prints FAIL with what was seen, followed by the guest output
# of that imapi2 run, and a summary of the failed checks at the end.
#
# usage: qemu-sg-check.sh [--save] [scsi|ide]...     (default: both)
#   --save   copy the captured traces to crates/imapi2-mmc/tests/data/
#            (qemu-scsi-cd.trace, qemu-scsi-cd-sg.trace, qemu-ide-cd.trace,
#            qemu-ide-cd-sg.trace): the golden vectors of tests/transport.rs
# environment:
#   MMC_PROBE   use this mmc_probe binary instead of building it
#   IMAPI2_BIN  use this imapi2 binary instead of building it (release)
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

# --- the imapi2 command -----------------------------------------------------------
if [ -n "${IMAPI2_BIN:-}" ]; then
  CLI=$IMAPI2_BIN
else
  echo "qemu-sg-check: building imapi2" >&2
  (cd "$ROOT" && cargo build -q --release -p imapi2-cli --locked)
  CLI=${CARGO_TARGET_DIR:-$ROOT/target}/release/imapi2
fi
[ -x "$CLI" ] || { echo "qemu-sg-check: no imapi2 binary at $CLI" >&2; exit 2; }

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
for b in "mmc_probe:$PROBE" "imapi2:$CLI"; do
  name=${b%%:*} bin=${b#*:}
  if command -v strip >/dev/null; then strip -o "$IR/bin/$name" "$bin"; else cp "$bin" "$IR/bin/$name"; fi
  # its shared libraries, at the paths the dynamic loader expects
  for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/[^ ]*ld-linux/{print $1}'); do
    mkdir -p "$IR$(dirname "$lib")"
    [ -e "$IR$lib" ] || cp -L "$lib" "$IR$lib"
  done
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
  # the imapi2 command on the same drive: the probe left the tray open, so
  # load first; each run's stdout and stderr apart, with its exit code
  mkdir -p /tmp; export HOME=/tmp
  cli() {
    tag=$1; shift
    /bin/imapi2 "$@" > /tmp/cli.out 2> /tmp/cli.err; r=$?
    echo "===CLI-$tag-BEGIN imapi2 $*==="; cat /tmp/cli.out; echo "===CLI-$tag-END rc=$r==="
    echo "===ERR-$tag-BEGIN==="; cat /tmp/cli.err; echo "===ERR-$tag-END==="
  }
  cli LOAD load --drive /dev/sr0
  cli DRIVES-JSON drives --json
  cli DRIVES drives
  cli INFO info --drive /dev/sr0 --json
  cli EJECT eject --drive /dev/sr0
  cli GONE info --drive /dev/sr0 --json
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
  for tag in LOAD DRIVES-JSON DRIVES INFO EJECT GONE; do
    section "CLI-$tag" > "$WORK/$kind.cli.$tag"
    section "ERR-$tag" > "$WORK/$kind.err.$tag"
  done
  grep -E "^===CLI-[A-Z-]+-END rc=" "$DATA.n" > "$WORK/$kind.cli-rcs" || true

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

# --- the imapi2 command in the guest (its JSON read here, not by our code) ---
import json, re
want_type = 'DVD-ROM' if want_profile == 0x0010 else 'CD-ROM'
cli_rc = dict(re.findall(r'^===CLI-([A-Z-]+)-END rc=(\d+)===$', open(f'{work}/{kind}.cli-rcs').read(), re.M))
shown = set()

def cli(tag):
    out = open(f'{work}/{kind}.cli.{tag}').read()
    err = open(f'{work}/{kind}.err.{tag}').read()
    return out, err, cli_rc.get(tag)

def cli_check(tag, cond, what):
    """A check on one run of the CLI; on failure, that run's guest output follows."""
    check(cond, what)
    if not cond and tag not in shown:
        shown.add(tag)
        out, err, rc = cli(tag)
        print(f'     guest output of that imapi2 run (exit {rc}):')
        for line in (out.splitlines() or ['(no stdout)']) + [f'stderr: {l}' for l in err.splitlines()]:
            print('       | ' + line)

def cli_json(tag):
    out, _, rc = cli(tag)
    try:
        v = json.loads(out)
    except ValueError:
        v = None
    cli_check(tag, rc == '0' and isinstance(v, dict), f'{kind} imapi2 {tag.lower()}: exit 0 with one JSON object (exit {rc})')
    return v if isinstance(v, dict) else {}

def dig(v, *keys):
    for k in keys:
        v = v.get(k) if isinstance(v, dict) else None
    return v

out, err, rc = cli('LOAD')
cli_check('LOAD', rc == '0' and not err.strip(), f'{kind} imapi2 load --drive /dev/sr0: the tray the probe opened closes (exit {rc})')

d = cli_json('DRIVES-JSON')
check(d.get('real_drives_found') is True, f'{kind} imapi2 drives --json: real_drives_found is true ({d.get("real_drives_found")})')
ours = [x for x in d.get('drives', []) if isinstance(x, dict) and x.get('device') == '/dev/sr0']
cli_check('DRIVES-JSON', len(d.get('drives', [])) == 1 and len(ours) == 1,
          f'{kind} imapi2 drives --json: one drive, on /dev/sr0 ({[x.get("device") for x in d.get("drives", []) if isinstance(x, dict)]})')
e = ours[0] if ours else {}
cli_check('DRIVES-JSON', e.get('kind') == 'real' and 'error' not in e and bool(e.get('id')),
          f'{kind} imapi2 drives --json: /dev/sr0 is a real drive that opens (kind {e.get("kind")!r}, error {e.get("error")!r})')
inq = by_op.get(0x12, [{}])[0].get('in', b'')
cli_check('DRIVES-JSON', e.get('vendor') == 'QEMU' and e.get('product') == inq[16:32].decode('ascii', 'replace').strip()
          and e.get('revision') == inq[32:36].decode('ascii', 'replace').strip(),
          f'{kind} imapi2 drives --json: identity {e.get("vendor")!r} {e.get("product")!r} {e.get("revision")!r} = the probe\'s INQUIRY')
cli_check('DRIVES-JSON', dig(e, 'media', 'present') is True and dig(e, 'media', 'profile') == want_profile
          and dig(e, 'media', 'physical_type') == want_type,
          f'{kind} imapi2 drives --json: the medium, {want_type} profile {want_profile} '
          f'(got {dig(e, "media", "present")}, {dig(e, "media", "physical_type")!r}, {dig(e, "media", "profile")})')

out, err, rc = cli('DRIVES')
lines = out.splitlines()
cli_check('DRIVES', rc == '0' and not any('no optical drives found' in l for l in lines),
          f'{kind} imapi2 drives: exit 0 and no "no optical drives found" line (exit {rc})')
cli_check('DRIVES', bool(e) and e.get('id') in lines and any(l.strip().startswith('QEMU ') and l.strip().endswith('(real)') for l in lines),
          f'{kind} imapi2 drives: names the drive by its id and as QEMU ... (real)')
cli_check('DRIVES', any(l.strip().startswith(f'medium: {want_type} (profile {want_profile:04X}h)') for l in lines),
          f'{kind} imapi2 drives: a "medium: {want_type} (profile {want_profile:04X}h)" line')

i = cli_json('INFO')
drv, med = i.get('drive') or {}, i.get('media') or {}
cli_check('INFO', drv.get('vendor') == 'QEMU' and drv.get('device') == '/dev/sr0' and drv.get('id') == e.get('id'),
          f'{kind} imapi2 info: drive QEMU on /dev/sr0 with the id drives gave ({drv.get("vendor")!r}, {drv.get("device")!r}, {drv.get("id")!r})')
cur = [p.get('code') for p in drv.get('current_profiles') or [] if isinstance(p, dict)]
allp = [p.get('code') for p in drv.get('profiles') or [] if isinstance(p, dict)]
cli_check('INFO', drv.get('get_configuration') is True and cur == [want_profile] and want_profile in allp,
          f'{kind} imapi2 info: GET CONFIGURATION, current profile {want_profile:04X}h among {allp} (current {cur})')
cli_check('INFO', med.get('present') is True and med.get('physical_type') == want_type and med.get('profile') == want_profile,
          f'{kind} imapi2 info: medium present, {want_type}, profile {want_profile} (got {med.get("present")}, {med.get("physical_type")!r}, {med.get("profile")})')
cli_check('INFO', med.get('total_sectors') == blocks and med.get('free_sectors') == 0 and med.get('next_writable_address') is None,
          f'{kind} imapi2 info: {blocks} sectors = the ISO\'s blocks, none free, no next writable address '
          f'(got {med.get("total_sectors")}, {med.get("free_sectors")}, {med.get("next_writable_address")})')
st = med.get('status') or []
cli_check('INFO', 'FINALIZED' in st and 'WRITE_PROTECTED' in st and not {'BLANK', 'APPENDABLE'} & set(st)
          and med.get('write_protected') is True and med.get('erasable') is False,
          f'{kind} imapi2 info: a pressed disc: finalized, write-protected, not erasable (status {st}, write_protected {med.get("write_protected")})')
# The TOC seen through the CLI: one session whose track runs from LBA 0 up
# to the lead-out at the ISO's size.
cli_check('INFO', med.get('sessions') == 1 and med.get('previous_session_start') == 0 and med.get('previous_session_last') == blocks - 1,
          f'{kind} imapi2 info: one session, blocks 0..{blocks - 1} '
          f'(got {med.get("sessions")}, {med.get("previous_session_start")}..{med.get("previous_session_last")})')

out, err, rc = cli('EJECT')
cli_check('EJECT', rc == '0' and not err.strip(), f'{kind} imapi2 eject --drive /dev/sr0: exit {rc}')
g = cli_json('GONE')
cli_check('GONE', dig(g, 'media', 'present') is False and dig(g, 'drive', 'vendor') == 'QEMU',
          f'{kind} imapi2 info after the eject: the drive answers, no medium present (media {g.get("media")})')
if fails:
    print(f'qemu-sg-check: {kind}-cd: {len(fails)} check(s) failed:', file=sys.stderr)
    for f in fails:
        print(f'  {f}', file=sys.stderr)
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
