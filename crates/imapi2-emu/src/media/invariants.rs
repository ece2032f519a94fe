//! The invariants of the medium model (mmc-notes §2.10), checked after
//! every command by the tests and when a state file is loaded.

use super::kind::MediaKind;
use super::medium::{Family, Medium};
use super::state::{DiscStatus, FormatState, SessionState, TrackState};

impl Medium {
    /// Checks the invariants of mmc-notes §2.10; the error names the first
    /// one broken.
    pub fn check_invariants(&self) -> Result<(), String> {
        let kind = self.kind;
        if let Some(l) = self.layer {
            if 2 * u64::from(l.l0_capacity) > u64::from(self.capacity) {
                return Err(format!(
                    "layer 0 capacity {} exceeds half the capacity",
                    l.l0_capacity
                ));
            }
        }
        match self.family() {
            Family::Rom => {
                if self.tracks.len() != 1 || !self.finalized || !self.write_protected {
                    return Err(
                        "a pressed medium has one closed track and is write protected".into(),
                    );
                }
                Ok(())
            }
            Family::Overwritable => {
                if !self.tracks.is_empty() || !self.sessions.is_empty() {
                    return Err(format!(
                        "{kind} in overwrite mode keeps no tracks or sessions"
                    ));
                }
                if let Some(last) = self.written.last() {
                    if last >= i64::from(self.capacity) || self.written.ranges()[0].0 < 0 {
                        return Err(format!("written blocks run outside 0..{}", self.capacity));
                    }
                }
                match self.format {
                    FormatState::Background { blocks, done, .. }
                        if done > blocks || blocks > self.capacity =>
                    {
                        return Err(format!("background format {done}/{blocks} is inconsistent"))
                    }
                    FormatState::Formatted { blocks } | FormatState::Intermediate { blocks }
                        if blocks > self.capacity =>
                    {
                        return Err(format!(
                            "formatted size {blocks} exceeds the capacity {}",
                            self.capacity
                        ))
                    }
                    FormatState::Intermediate { .. } if kind != MediaKind::DvdMinusRw => {
                        return Err(format!("{kind} has no intermediate state"))
                    }
                    FormatState::Unformatted if kind == MediaKind::DvdRam => {
                        return Err("DVD-RAM is always formatted".into())
                    }
                    _ => {}
                }
                if kind == MediaKind::DvdMinusRw
                    && (self.profile() != 0x0013 || self.format == FormatState::Unformatted)
                {
                    return Err("a DVD-RW in overwrite mode is formatted, profile 0013h".into());
                }
                Ok(())
            }
            _ => self.check_sequential(),
        }
    }

    fn check_sequential(&self) -> Result<(), String> {
        if self.sessions.is_empty() {
            return Err("a sequential medium has at least one session".into());
        }
        for (i, s) in self.sessions.iter().enumerate() {
            if s.number != i as u32 + 1 {
                return Err(format!("session {} is numbered {}", i + 1, s.number));
            }
            let last = i + 1 == self.sessions.len();
            if !last && s.state != SessionState::Complete {
                return Err(format!(
                    "session {} is not the last one but is not closed",
                    s.number
                ));
            }
            if s.state == SessionState::Complete && s.lead_out.is_none() {
                return Err(format!("closed session {} has no lead-out", s.number));
            }
        }
        let last = self.sessions.last().map(|s| s.state);
        if self.finalized != (last == Some(SessionState::Complete)) {
            return Err("finalized exactly when the last session is closed".into());
        }
        let end = self.seq_end();
        let mut prev_end = i64::MIN;
        let mut invisible = 0;
        for (i, t) in self.tracks.iter().enumerate() {
            if t.number != i as u32 + 1 {
                return Err(format!("track {} is numbered {}", i + 1, t.number));
            }
            if t.start < prev_end {
                return Err(format!(
                    "track {} starts at {} inside the previous track (ends {prev_end})",
                    t.number, t.start
                ));
            }
            prev_end = t.end();
            if t.session == 0 || t.session as usize > self.sessions.len() {
                return Err(format!("track {} names session {}", t.number, t.session));
            }
            if t.recorded > t.size {
                return Err(format!(
                    "track {} records {} of {} blocks",
                    t.number, t.recorded, t.size
                ));
            }
            if t.end() > end && self.sao.is_none() {
                return Err(format!(
                    "track {} ends at {} past the medium ({end})",
                    t.number,
                    t.end()
                ));
            }
            let session_closed =
                self.sessions[t.session as usize - 1].state == SessionState::Complete;
            if session_closed && t.state != TrackState::Complete {
                return Err(format!(
                    "track {} is open in closed session {}",
                    t.number, t.session
                ));
            }
            if t.interrupted && !t.damaged {
                return Err(format!("track {} is interrupted but not damaged", t.number));
            }
            if t.state == TrackState::Invisible {
                invisible += 1;
                if i + 1 != self.tracks.len() {
                    return Err(format!(
                        "invisible track {} is not the last track",
                        t.number
                    ));
                }
            }
            if let (Some(nwa), Some(lra)) = (t.nwa(), t.lra()) {
                if !(t.start <= lra && lra < nwa && nwa <= t.end()) {
                    return Err(format!(
                        "track {}: start {} ≤ LRA {lra} < NWA {nwa} ≤ end {} does not hold",
                        t.number,
                        t.start,
                        t.end()
                    ));
                }
            }
            if let Some(nwa) = t.nwa() {
                if nwa < t.start || nwa > t.end() {
                    return Err(format!("track {} NWA {nwa} outside the track", t.number));
                }
                let unit = i64::from(self.write_unit());
                let reserved_tail = t.state == TrackState::Reserved && t.end() - nwa < unit;
                if !self.kind.is_cd()
                    && (nwa - t.start) % unit != 0
                    && self.settings.strict_write_unit
                    && !reserved_tail
                {
                    return Err(format!(
                        "track {} NWA {nwa} is not aligned to the write unit",
                        t.number
                    ));
                }
            }
        }
        if invisible > 1 {
            return Err(format!("{invisible} invisible tracks"));
        }
        if self.finalized && invisible > 0 {
            return Err("a finalized disc has an invisible track".into());
        }
        if (self.sao.is_some() || self.raw.is_some()) && (self.finalized || !self.kind.is_cd()) {
            return Err("a pending SAO/RAW session on a closed or non-CD disc".into());
        }
        let status = self.disc_status();
        let blank_model =
            self.sessions.len() == 1 && !self.has_content() && !self.is_formatted_bd_r();
        if (status == DiscStatus::Blank) != (blank_model && !self.finalized) {
            return Err(format!(
                "disc status {status:?} does not match the sessions"
            ));
        }
        if (status == DiscStatus::Complete) != self.finalized {
            return Err(format!(
                "disc status {status:?} does not match finalization"
            ));
        }
        if self.kind == MediaKind::DvdMinusRw && self.profile() != 0x0014 {
            return Err("a sequential DVD-RW reports profile 0014h".into());
        }
        Ok(())
    }
}
