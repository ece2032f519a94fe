//! The medium model: what is recorded where, and the state machine of every
//! medium family as seen through MMC (mmc-notes §2).
//!
//! The model is pure: it knows blocks, tracks, sessions and formats, never
//! bytes or files. Each operation either succeeds or returns a
//! [`MediaError`](crate::error::MediaError) carrying the (key, ASC, ASCQ) a
//! real drive would report. Operations that
//! move data come in two steps, *plan* then *apply* ([`Medium::plan_write`] /
//! [`Medium::apply_write`], [`Medium::plan_read`]), so the caller can move the
//! bytes between the two and leave the state untouched when I/O fails.
//!
//! Families and their rules:
//!
//! | family | kinds | model |
//! |---|---|---|
//! | CD sequential | CD-R, CD-RW | TAO tracks (2 run-out blocks, 150-block pre-gap before the next track, 300-block minimum), SAO from a cue sheet, RAW from the lead-in; sessions cost 11 400 blocks after the first lead-out and 6 900 after later ones (§2.2) |
//! | DVD-R sequential | DVD-R, DVD-RW (profile 0014h), DVD-R DL | 16-block write unit, incremental tracks (page 05h write type 0), DAO after RESERVE TRACK (write type 2), configurable border between sessions, DVD-R DL single-session; tracks named by number, never FFh (§1.2, §2.3) |
//! | DVD+R | DVD+R, DVD+R DL | 16-block write unit, fragments closed by CLOSE TRACK, sessions merged into one logical track at CLOSE SESSION, finalize 101b/110b (§2.5) |
//! | BD-R SRM | BD-R | several open tracks (RESERVE TRACK), 32-block write unit, optional pre-format with spares (then appendable with an empty session), finalize 110b (§2.7) |
//! | overwritable | DVD+RW, DVD-RW (profile 0013h), DVD-RAM, BD-RE | one track, random writes inside the formatted area, formatting states (§2.4, §2.6, §2.7) |
//! | pressed | CD-ROM, DVD-ROM, BD-ROM | read-only data of an image |
//!
//! One job per file:
//!
//! | file | what lives there |
//! |---|---|
//! | `kind` | [`MediaKind`] and the CD geometry ([`CD_ATIP_LEAD_IN`], [`CD_LOWEST_LBA`], [`CD_PREGAP`]) |
//! | `medium` | [`Medium`] and [`Family`]: constructors, accessors, profile, disc status |
//! | `state` | the recorded state: [`DiscStatus`], [`SessionState`], [`TrackState`], [`Track`], [`Session`], [`CdRegion`], [`CuePoint`], [`SaoLayout`], [`RawSession`], [`FormatState`], [`LayerBreak`], ... |
//! | `settings` | [`MediaSettings`] and [`UnreadablePolicy`] |
//! | `write` | write planning: [`WriteParams`], [`WritePlan`], [`WriteExtent`], [`WriteDest`]; [`Medium::plan_write`], [`Medium::apply_write`] |
//! | `read` | read planning: [`ReadExtent`], [`ReadSource`]; [`Medium::plan_read`], [`Medium::frame_at`] |
//! | `view` | what the host sees: [`DiscView`], [`TrackView`], READ CAPACITY |
//! | `close` | CLOSE TRACK/SESSION, SYNCHRONIZE CACHE, RESERVE TRACK |
//! | `cue` | SEND CUE SHEET and RAW sessions |
//! | `blank` | BLANK |
//! | `format` | FORMAT UNIT, READ FORMAT CAPACITIES, background formatting: [`FormatRequest`], [`FormatCapacities`] |
//! | `layer` | setting the layer break of dual-layer media |
//! | `outcome` | what an operation costs: [`LongOp`], [`Outcome`] |
//! | `invariants` | [`Medium::check_invariants`] |
//!
//! The page-05h write type is the one of `imapi2-mmc`, re-exported here as
//! [`WriteType`].

mod blank;
mod close;
mod cue;
mod format;
mod invariants;
mod kind;
mod layer;
mod medium;
mod outcome;
mod read;
mod settings;
mod state;
mod view;
mod write;

pub use imapi2_mmc::mode::WriteType;

pub use format::{FormatCapacities, FormatCapacity, FormatRequest};
pub use kind::{MediaKind, CD_ATIP_LEAD_IN, CD_LOWEST_LBA, CD_PREGAP};
pub use medium::{Family, Medium};
pub use outcome::{LongOp, Outcome};
pub use read::{ReadExtent, ReadSource};
pub use settings::{MediaSettings, UnreadablePolicy};
pub use state::{
    BgFormatStatus, CdRegion, CuePoint, DiscStatus, FormatState, LayerBreak, RawSession, SaoLayout,
    Session, SessionState, Storage, Track, TrackContent, TrackState,
};
pub use view::{DiscView, TrackView};
pub use write::{WriteDest, WriteExtent, WriteParams, WritePlan};
