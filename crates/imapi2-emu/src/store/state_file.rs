//! The state file of a medium (`medium.state`, described in the [module
//! docs](super)): [`format_state`] writes it, [`parse_state`] reads it back,
//! strictly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::Result;
use crate::media::{
    CdRegion, FormatState, LayerBreak, MediaKind, MediaSettings, Medium, RawSession, SaoLayout,
    Session, SessionState, Storage, Track, TrackContent, TrackState, UnreadablePolicy,
    CD_LOWEST_LBA,
};
use crate::ranges::RangeSet;

use super::layout::RAW_SLOT;

const HEADER: &str = "imapi2-emu-medium 1";

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn storage_name(s: Storage) -> String {
    match s {
        Storage::User => "user".into(),
        Storage::Raw(n) => format!("raw:{n}"),
    }
}

fn content_name(c: TrackContent) -> &'static str {
    match c {
        TrackContent::Data => "data",
        TrackContent::Audio => "audio",
    }
}

/// `damaged=` of a track: `no`, `yes` (still writable, after a power loss)
/// or `interrupted` (damaged and no longer writable).
fn damage_name(t: &Track) -> &'static str {
    match (t.damaged, t.interrupted) {
        (_, true) => "interrupted",
        (true, false) => "yes",
        (false, false) => "no",
    }
}

/// ` interrupted=yes` for an interrupted cue sheet or RAW session.
fn interrupted_field(on: bool) -> &'static str {
    if on {
        " interrupted=yes"
    } else {
        ""
    }
}

fn region_fields(r: &CdRegion) -> String {
    format!(
        "start={} end={} block-size={} storage={} content={}",
        r.start,
        r.end,
        r.block_size,
        storage_name(r.storage),
        content_name(r.content)
    )
}

fn settings_lines(s: &MediaSettings) -> Vec<(&'static str, String)> {
    vec![
        ("cd-first-session-gap", s.cd_first_session_gap.to_string()),
        ("cd-later-session-gap", s.cd_later_session_gap.to_string()),
        ("cd-runout", s.cd_runout.to_string()),
        ("cd-min-track", s.cd_min_track.to_string()),
        (
            "dvd-minus-first-border",
            s.dvd_minus_first_border.to_string(),
        ),
        (
            "dvd-minus-later-border",
            s.dvd_minus_later_border.to_string(),
        ),
        ("dvd-plus-session-gap", s.dvd_plus_session_gap.to_string()),
        ("bd-session-gap", s.bd_session_gap.to_string()),
        ("unwritten-read", s.unwritten_read.name().to_string()),
        ("unformatted-read", s.unformatted_read.name().to_string()),
        ("bg-format-ticks", s.bg_format_ticks.to_string()),
        ("strict-write-unit", yes_no(s.strict_write_unit).to_string()),
        (
            "minimal-blank-keeps-incremental",
            yes_no(s.minimal_blank_keeps_incremental).to_string(),
        ),
    ]
}

/// The state file text of `m` (and the image of a pressed medium).
pub fn format_state(m: &Medium, image: Option<&Path>) -> String {
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(HEADER.into());
    line(format!("kind {}", m.kind.name()));
    line(format!("capacity {}", m.capacity));
    line(format!("write-protected {}", yes_no(m.write_protected)));
    line(format!("finalized {}", yes_no(m.finalized)));
    line(format!("disc-id {:08x}", m.disc_id));
    line(format!(
        "restricted-overwrite {}",
        yes_no(m.restricted_overwrite)
    ));
    line(format!("incremental {}", yes_no(m.incremental_ok)));
    line(match m.format {
        FormatState::Unformatted => "format unformatted".into(),
        FormatState::Formatted { blocks } => format!("format formatted {blocks}"),
        FormatState::Background {
            blocks,
            done,
            running,
        } => format!(
            "format background {blocks} {done} {}",
            if running { "running" } else { "stopped" }
        ),
        FormatState::Intermediate { blocks } => format!("format intermediate {blocks}"),
    });
    if let Some(l) = m.layer {
        line(format!(
            "layer {} {}",
            l.l0_capacity,
            if l.fixed { "fixed" } else { "free" }
        ));
    }
    if let Some(img) = image {
        line(format!("image {}", img.display()));
    }
    for (k, v) in settings_lines(&m.settings) {
        line(format!("setting {k} {v}"));
    }
    for s in &m.sessions {
        let lo = s
            .lead_out
            .map(|l| format!(" lead-out={l}"))
            .unwrap_or_default();
        line(format!("session {} {}{lo}", s.number, s.state.name()));
    }
    for t in &m.tracks {
        line(format!(
            "track {} session={} start={} size={} recorded={} state={} content={} storage={} damaged={}",
            t.number,
            t.session,
            t.start,
            t.size,
            t.recorded,
            t.state.name(),
            content_name(t.content),
            storage_name(t.storage),
            damage_name(t)
        ));
    }
    for r in &m.cd_regions {
        line(format!("region {}", region_fields(r)));
    }
    if let Some(s) = &m.sao {
        line(format!(
            "sao cursor={} lead-out={}{}",
            s.cursor,
            s.lead_out,
            interrupted_field(s.interrupted)
        ));
        for r in &s.regions {
            line(format!("sao-region {}", region_fields(r)));
        }
    }
    if let Some(r) = &m.raw {
        line(format!(
            "raw start={} cursor={} block-size={}{}",
            r.start,
            r.cursor,
            r.block_size,
            interrupted_field(r.interrupted)
        ));
        for &(lba, tno, index, control) in &r.marks {
            line(format!("raw-mark {lba} {tno} {index} {control}"));
        }
    }
    for &(a, b) in m.written.ranges() {
        line(format!("written {a} {b}"));
    }
    o
}

type LineError = (usize, String);

fn num<T: FromStr>(line: usize, what: &str, s: &str) -> Result<T, LineError> {
    s.parse()
        .map_err(|_| (line, format!("{what} {s:?} is not a valid number")))
}

fn boolean(line: usize, what: &str, s: &str) -> Result<bool, LineError> {
    match s {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err((line, format!("{what} must be yes or no, not {s:?}"))),
    }
}

fn storage(line: usize, s: &str) -> Result<Storage, LineError> {
    if s == "user" {
        return Ok(Storage::User);
    }
    match s.strip_prefix("raw:") {
        Some(n) => {
            let n: u16 = num(line, "frame size", n)?;
            if n == 0 || u64::from(n) > RAW_SLOT {
                return Err((line, format!("frame size {n} is not in 1..=2448")));
            }
            Ok(Storage::Raw(n))
        }
        None => Err((
            line,
            format!("storage must be user or raw:<bytes>, not {s:?}"),
        )),
    }
}

fn content(line: usize, s: &str) -> Result<TrackContent, LineError> {
    match s {
        "data" => Ok(TrackContent::Data),
        "audio" => Ok(TrackContent::Audio),
        _ => Err((line, format!("content must be data or audio, not {s:?}"))),
    }
}

/// `key=value` fields of a record; every key in `required` must appear
/// exactly once, keys in `optional` at most once, nothing else.
fn fields<'a>(
    line: usize,
    words: &[&'a str],
    required: &[&str],
    optional: &[&str],
) -> Result<HashMap<&'a str, &'a str>, LineError> {
    let mut map = HashMap::new();
    for w in words {
        let Some((k, v)) = w.split_once('=') else {
            return Err((line, format!("{w:?} is not a key=value field")));
        };
        if !required.contains(&k) && !optional.contains(&k) {
            return Err((line, format!("unknown field {k:?}")));
        }
        if map.insert(k, v).is_some() {
            return Err((line, format!("field {k:?} is repeated")));
        }
    }
    for k in required {
        if !map.contains_key(k) {
            return Err((line, format!("field {k:?} is missing")));
        }
    }
    Ok(map)
}

fn region(line: usize, words: &[&str]) -> Result<CdRegion, LineError> {
    let f = fields(
        line,
        words,
        &["start", "end", "block-size", "storage", "content"],
        &[],
    )?;
    let r = CdRegion {
        start: num(line, "start", f["start"])?,
        end: num(line, "end", f["end"])?,
        block_size: num(line, "block-size", f["block-size"])?,
        storage: storage(line, f["storage"])?,
        content: content(line, f["content"])?,
    };
    if r.end <= r.start || r.start < CD_LOWEST_LBA {
        return Err((
            line,
            format!(
                "region {}..{} is empty or below the lowest CD address",
                r.start, r.end
            ),
        ));
    }
    if u64::from(r.block_size) > RAW_SLOT {
        return Err((line, format!("block size {} exceeds 2448", r.block_size)));
    }
    Ok(r)
}

/// The optional `interrupted=yes` field (only `yes` is written; `no` is
/// accepted too).
fn interrupted_yes(line: usize, f: &HashMap<&str, &str>) -> Result<bool, LineError> {
    f.get("interrupted")
        .map(|v| boolean(line, "interrupted", v))
        .transpose()
        .map(|b| b.unwrap_or(false))
}

fn expect_words(line: usize, words: &[&str], n: usize, usage: &str) -> Result<(), LineError> {
    if words.len() != n {
        return Err((line, format!("expected `{usage}`")));
    }
    Ok(())
}

/// Parses a state file; the error is (line number, reason).
pub fn parse_state(text: &str) -> Result<(Medium, Option<PathBuf>), LineError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let first = lines
        .by_ref()
        .find(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    match first {
        Some((_, HEADER)) => {}
        Some((n, l)) => return Err((n, format!("expected the header {HEADER:?}, found {l:?}"))),
        None => return Err((1, "the state file is empty".into())),
    }
    let mut singletons: HashMap<&str, usize> = HashMap::new();
    let mut kind: Option<MediaKind> = None;
    let mut capacity: Option<u32> = None;
    let mut wp = None;
    let mut finalized = false;
    let mut disc_id = None;
    let mut ro = false;
    let mut incremental = true;
    let mut format = FormatState::Unformatted;
    let mut layer = None;
    let mut image = None;
    let mut settings_seen: Vec<(usize, String, String)> = Vec::new();
    let mut sessions = Vec::new();
    let mut tracks = Vec::new();
    let mut regions = Vec::new();
    let mut sao: Option<SaoLayout> = None;
    let mut raw: Option<RawSession> = None;
    let mut written = RangeSet::new();
    let mut last_line = 1;
    for (n, l) in lines {
        last_line = n;
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let key = words[0];
        let args = &words[1..];
        let singleton = matches!(
            key,
            "kind"
                | "capacity"
                | "write-protected"
                | "finalized"
                | "disc-id"
                | "restricted-overwrite"
                | "incremental"
                | "format"
                | "layer"
                | "image"
                | "sao"
                | "raw"
        );
        if singleton {
            if let Some(prev) = singletons.insert(key, n) {
                return Err((n, format!("{key} is given twice (first on line {prev})")));
            }
        }
        match key {
            "kind" => {
                let name = l["kind".len()..].trim();
                kind = Some(
                    MediaKind::from_name(name)
                        .ok_or_else(|| (n, format!("unknown medium kind {name:?}")))?,
                );
            }
            "capacity" => {
                expect_words(n, args, 1, "capacity <blocks>")?;
                capacity = Some(num(n, "capacity", args[0])?);
            }
            "write-protected" => {
                expect_words(n, args, 1, "write-protected yes|no")?;
                wp = Some(boolean(n, "write-protected", args[0])?);
            }
            "finalized" => {
                expect_words(n, args, 1, "finalized yes|no")?;
                finalized = boolean(n, "finalized", args[0])?;
            }
            "disc-id" => {
                expect_words(n, args, 1, "disc-id <hex>")?;
                disc_id = Some(
                    u32::from_str_radix(args[0], 16)
                        .map_err(|_| (n, format!("disc-id {:?} is not hex", args[0])))?,
                );
            }
            "restricted-overwrite" => {
                expect_words(n, args, 1, "restricted-overwrite yes|no")?;
                ro = boolean(n, "restricted-overwrite", args[0])?;
            }
            "incremental" => {
                expect_words(n, args, 1, "incremental yes|no")?;
                incremental = boolean(n, "incremental", args[0])?;
            }
            "format" => {
                format = match args {
                    ["unformatted"] => FormatState::Unformatted,
                    ["formatted", b] => FormatState::Formatted { blocks: num(n, "blocks", b)? },
                    ["intermediate", b] => FormatState::Intermediate { blocks: num(n, "blocks", b)? },
                    ["background", b, d, r] => FormatState::Background {
                        blocks: num(n, "blocks", b)?,
                        done: num(n, "done", d)?,
                        running: match *r {
                            "running" => true,
                            "stopped" => false,
                            other => return Err((n, format!("background format is running or stopped, not {other:?}"))),
                        },
                    },
                    _ => {
                        return Err((
                            n,
                            "expected `format unformatted|formatted <n>|background <n> <done> running|stopped|intermediate <n>`"
                                .into(),
                        ))
                    }
                };
            }
            "layer" => {
                expect_words(n, args, 2, "layer <l0-blocks> fixed|free")?;
                let fixed = match args[1] {
                    "fixed" => true,
                    "free" => false,
                    other => {
                        return Err((n, format!("layer break is fixed or free, not {other:?}")))
                    }
                };
                layer = Some(LayerBreak {
                    l0_capacity: num(n, "layer 0 capacity", args[0])?,
                    fixed,
                });
            }
            "image" => {
                let p = l["image".len()..].trim();
                if p.is_empty() {
                    return Err((n, "expected `image <path>`".into()));
                }
                image = Some(PathBuf::from(p));
            }
            "setting" => {
                expect_words(n, args, 2, "setting <name> <value>")?;
                settings_seen.push((n, args[0].to_string(), args[1].to_string()));
            }
            "session" => {
                if args.len() < 2 || args.len() > 3 {
                    return Err((
                        n,
                        "expected `session <n> empty|incomplete|complete [lead-out=<lba>]`".into(),
                    ));
                }
                let number: u32 = num(n, "session number", args[0])?;
                let state = SessionState::from_name(args[1]).ok_or_else(|| {
                    (
                        n,
                        format!(
                            "session state {:?} is not empty, incomplete or complete",
                            args[1]
                        ),
                    )
                })?;
                let f = fields(n, &args[2..], &[], &["lead-out"])?;
                let lead_out = f
                    .get("lead-out")
                    .map(|v| num(n, "lead-out", v))
                    .transpose()?;
                sessions.push((
                    n,
                    Session {
                        number,
                        state,
                        lead_out,
                    },
                ));
            }
            "track" => {
                if args.is_empty() {
                    return Err((n, "expected `track <n> key=value...`".into()));
                }
                let number: u32 = num(n, "track number", args[0])?;
                let f = fields(
                    n,
                    &args[1..],
                    &[
                        "session", "start", "size", "recorded", "state", "content", "storage",
                        "damaged",
                    ],
                    &[],
                )?;
                let t = Track {
                    number,
                    session: num(n, "session", f["session"])?,
                    start: num(n, "start", f["start"])?,
                    size: num(n, "size", f["size"])?,
                    recorded: num(n, "recorded", f["recorded"])?,
                    state: TrackState::from_name(f["state"])
                        .ok_or_else(|| (n, format!("track state {:?} is unknown", f["state"])))?,
                    content: content(n, f["content"])?,
                    storage: storage(n, f["storage"])?,
                    damaged: f["damaged"] != "no",
                    interrupted: f["damaged"] == "interrupted",
                };
                if !matches!(f["damaged"], "yes" | "no" | "interrupted") {
                    return Err((
                        n,
                        format!(
                            "damaged must be yes, no or interrupted, not {:?}",
                            f["damaged"]
                        ),
                    ));
                }
                if t.recorded > t.size {
                    return Err((
                        n,
                        format!("track {number} records {} of {} blocks", t.recorded, t.size),
                    ));
                }
                if t.start < CD_LOWEST_LBA || t.end() > i64::from(u32::MAX) {
                    return Err((n, format!("track {number} lies outside any medium")));
                }
                tracks.push((n, t));
            }
            "region" => regions.push(region(n, args)?),
            "sao" => {
                let f = fields(n, args, &["cursor", "lead-out"], &["interrupted"])?;
                sao = Some(SaoLayout {
                    regions: Vec::new(),
                    cursor: num(n, "cursor", f["cursor"])?,
                    lead_out: num(n, "lead-out", f["lead-out"])?,
                    interrupted: interrupted_yes(n, &f)?,
                });
            }
            "sao-region" => {
                let r = region(n, args)?;
                match &mut sao {
                    Some(s) => s.regions.push(r),
                    None => return Err((n, "sao-region before the sao record".into())),
                }
            }
            "raw" => {
                let f = fields(
                    n,
                    args,
                    &["start", "cursor", "block-size"],
                    &["interrupted"],
                )?;
                raw = Some(RawSession {
                    start: num(n, "start", f["start"])?,
                    cursor: num(n, "cursor", f["cursor"])?,
                    block_size: num(n, "block-size", f["block-size"])?,
                    marks: Vec::new(),
                    interrupted: interrupted_yes(n, &f)?,
                });
            }
            "raw-mark" => {
                expect_words(n, args, 4, "raw-mark <lba> <tno> <index> <control>")?;
                let mark = (
                    num(n, "lba", args[0])?,
                    num(n, "tno", args[1])?,
                    num(n, "index", args[2])?,
                    num(n, "control", args[3])?,
                );
                match &mut raw {
                    Some(r) => r.marks.push(mark),
                    None => return Err((n, "raw-mark before the raw record".into())),
                }
            }
            "written" => {
                expect_words(n, args, 2, "written <start> <end>")?;
                let a: i64 = num(n, "start", args[0])?;
                let b: i64 = num(n, "end", args[1])?;
                if a < 0 || b <= a {
                    return Err((n, format!("written range {a}..{b} is empty or negative")));
                }
                written.insert(a, b);
            }
            other => return Err((n, format!("unknown record {other:?}"))),
        }
    }
    let kind = kind.ok_or((last_line, "the kind record is missing".to_string()))?;
    let capacity = capacity.ok_or((last_line, "the capacity record is missing".to_string()))?;
    if capacity == 0 {
        return Err((singletons["capacity"], "capacity 0".into()));
    }
    let mut m = if kind.is_rom() {
        Medium::pressed(kind, capacity)
    } else {
        Medium::new(kind)
    };
    m.capacity = capacity;
    m.settings = MediaSettings::for_kind(kind);
    for (n, name, value) in settings_seen {
        apply_setting(&mut m.settings, &name, &value).map_err(|r| (n, r))?;
    }
    m.write_protected = wp.unwrap_or(kind.is_rom()) || kind.is_rom();
    m.finalized = finalized;
    if let Some(id) = disc_id {
        m.disc_id = id;
    }
    m.restricted_overwrite = ro;
    m.incremental_ok = incremental;
    m.format = format;
    if kind.is_dual_layer() != layer.is_some() {
        let n = singletons.get("layer").copied().unwrap_or(last_line);
        return Err((
            n,
            format!(
                "a layer record is {} for {kind}",
                if layer.is_some() {
                    "not allowed"
                } else {
                    "required"
                }
            ),
        ));
    }
    m.layer = layer;
    if image.is_some() && !kind.is_rom() {
        return Err((
            singletons["image"],
            format!("only pressed media have an image, not {kind}"),
        ));
    }
    if ro && kind != MediaKind::DvdMinusRw {
        return Err((
            singletons["restricted-overwrite"],
            format!("restricted overwrite applies to DVD-RW, not {kind}"),
        ));
    }
    m.sessions = sessions.iter().map(|(_, s)| s.clone()).collect();
    m.tracks = tracks.iter().map(|(_, t)| t.clone()).collect();
    m.cd_regions = regions;
    m.sao = sao;
    m.raw = raw;
    m.written = written;
    if let Err(e) = m.check_invariants() {
        // Name the first track or session line when the invariant is about one.
        let n = tracks
            .iter()
            .find(|(_, t)| e.contains(&format!("track {}", t.number)))
            .map(|(n, _)| *n)
            .or_else(|| {
                sessions
                    .iter()
                    .find(|(_, s)| e.contains(&format!("session {}", s.number)))
                    .map(|(n, _)| *n)
            })
            .unwrap_or(last_line);
        return Err((n, format!("inconsistent state: {e}")));
    }
    Ok((m, image))
}

fn apply_setting(s: &mut MediaSettings, name: &str, value: &str) -> Result<(), String> {
    let n = || {
        value
            .parse::<u32>()
            .map_err(|_| format!("setting {name} needs a number, not {value:?}"))
    };
    let b = || match value {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(format!("setting {name} is yes or no, not {value:?}")),
    };
    let p = || {
        UnreadablePolicy::from_name(value).ok_or_else(|| {
            format!("setting {name} is illegal-lba, blank-check or read-error, not {value:?}")
        })
    };
    match name {
        "cd-first-session-gap" => s.cd_first_session_gap = n()?,
        "cd-later-session-gap" => s.cd_later_session_gap = n()?,
        "cd-runout" => s.cd_runout = n()?,
        "cd-min-track" => s.cd_min_track = n()?,
        "dvd-minus-first-border" => s.dvd_minus_first_border = n()?,
        "dvd-minus-later-border" => s.dvd_minus_later_border = n()?,
        "dvd-plus-session-gap" => s.dvd_plus_session_gap = n()?,
        "bd-session-gap" => s.bd_session_gap = n()?,
        "unwritten-read" => s.unwritten_read = p()?,
        "unformatted-read" => s.unformatted_read = p()?,
        "bg-format-ticks" => s.bg_format_ticks = n()?.max(1),
        "strict-write-unit" => s.strict_write_unit = b()?,
        "minimal-blank-keeps-incremental" => s.minimal_blank_keeps_incremental = b()?,
        _ => return Err(format!("unknown setting {name:?}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{WriteParams, WriteType};

    fn round_trip(m: &Medium) {
        let text = format_state(m, None);
        let (back, _) = parse_state(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(&back, m, "{text}");
    }

    #[test]
    fn every_blank_kind_round_trips() {
        for kind in MediaKind::ALL {
            round_trip(&Medium::new(kind));
        }
    }

    #[test]
    fn written_media_round_trip() {
        let mut m = Medium::new(MediaKind::CdR);
        let p = WriteParams {
            multi_session: 3,
            ..WriteParams::default_for(MediaKind::CdR)
        };
        let plan = m.plan_write(0, 500, &p).unwrap();
        m.apply_write(&plan, &p, &[]);
        m.synchronize(&p);
        m.close(2, 0, &p).unwrap();
        m.settings_mut().unwritten_read = UnreadablePolicy::BlankCheck;
        round_trip(&m);
        let mut m = Medium::new(MediaKind::DvdPlusRw);
        m.format(crate::media::FormatRequest {
            format_type: 0x26,
            subtype: 0,
            blocks: !0,
            param: 0,
        })
        .unwrap();
        let plan = m.plan_write(100, 16, &p).unwrap();
        m.apply_write(&plan, &p, &[]);
        m.tick();
        round_trip(&m);
        let mut m = Medium::new(MediaKind::CdRw);
        let sao = WriteParams {
            write_type: WriteType::SessionAtOnce,
            ..p
        };
        let cue = [
            crate::media::CuePoint {
                control: 4,
                tno: 1,
                index: 0,
                data_form: 0x10,
                lba: -150,
            },
            crate::media::CuePoint {
                control: 4,
                tno: 1,
                index: 1,
                data_form: 0x10,
                lba: 0,
            },
            crate::media::CuePoint {
                control: 4,
                tno: 0xAA,
                index: 1,
                data_form: 0x14,
                lba: 900,
            },
        ];
        m.send_cue_sheet(&cue, &sao).unwrap();
        let plan = m.plan_write(-150, 200, &sao).unwrap();
        m.apply_write(&plan, &sao, &[]);
        round_trip(&m);
        // Interrupted recordings: a cue sheet, a RAW session, a track.
        assert!(m.interrupt_recording(50));
        assert!(format_state(&m, None).contains(" interrupted=yes"));
        assert!(format_state(&m, None).contains("damaged=interrupted"));
        round_trip(&m);
        let mut m = Medium::new(MediaKind::CdR);
        let raw = WriteParams {
            write_type: WriteType::Raw,
            data_block_type: imapi2_mmc::mode::DataBlockType::RawPwRaw2448,
            ..p
        };
        let plan = m.plan_write(-150, 10, &raw).unwrap();
        m.apply_write(&plan, &raw, &[]);
        assert!(m.interrupt_recording(-140));
        round_trip(&m);
        let mut m = Medium::new(MediaKind::DvdMinusR);
        let inc = WriteParams::default_for(MediaKind::DvdMinusR);
        let plan = m.plan_write(0, 32, &inc).unwrap();
        m.apply_write(&plan, &inc, &[]);
        assert!(!m.interrupt_recording(16), "not the NWA");
        assert!(m.interrupt_recording(32));
        round_trip(&m);
    }

    #[test]
    fn malformed_lines_are_named() {
        let good = format_state(&Medium::new(MediaKind::DvdPlusR), None);
        let line_of = |text: &str, prefix: &str| {
            text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
        };
        let cases: Vec<(String, &str, &str)> = vec![
            (String::new(), "", "empty"),
            ("hello\n".into(), "hello", "header"),
            (
                good.replace("kind DVD+R", "kind DVD+Q"),
                "kind",
                "unknown medium kind",
            ),
            (
                good.replace("capacity 2295104", "capacity lots"),
                "capacity",
                "not a valid number",
            ),
            (format!("{good}bogus 1\n"), "bogus", "unknown record"),
            (
                good.replace("state=invisible", "state=floating"),
                "track",
                "track state",
            ),
            (
                good.replace("damaged=no", "damaged=maybe"),
                "track",
                "yes, no or interrupted",
            ),
            (
                good.replace(" recorded=0", ""),
                "track",
                "\"recorded\" is missing",
            ),
            (
                good.replace(" recorded=0", " recorded=0 recorded=1"),
                "track",
                "repeated",
            ),
            (
                good.replace("size=2295104", "size=3000000"),
                "track",
                "inconsistent state",
            ),
            (format!("{good}kind CD-R\n"), "kind CD-R", "given twice"),
            (
                good.replace("finalized no", "finalized maybe"),
                "finalized",
                "yes or no",
            ),
            (
                good.replace("setting bd-session-gap 0", "setting bd-session-gap x"),
                "setting bd-session-gap",
                "needs a number",
            ),
            (
                good.replace("session 1 empty", "session 1 sleepy"),
                "session",
                "session state",
            ),
            (
                good.replace("start=0", "start=zero"),
                "track",
                "not a valid number",
            ),
        ];
        for (text, prefix, what) in cases {
            let e = parse_state(&text).expect_err(what);
            assert!(e.1.contains(what), "{what}: got {e:?}");
            let expected = if prefix.is_empty() {
                1
            } else {
                line_of(&text, prefix)
            };
            assert_eq!(e.0, expected, "{what}: {e:?}");
        }
    }
}
