//! Why a command did not complete with GOOD status, and the sense that says
//! so.

use imapi2_mmc::sense::{Sense, SenseKey};
use imapi2_mmc::transport::TransportError;

use crate::error::{Error, MediaError, SenseCode};

/// Why a command did not complete with GOOD status.
pub(super) enum Fail {
    Check(Sense),
    Transport(TransportError),
}

impl From<SenseCode> for Fail {
    fn from(s: SenseCode) -> Fail {
        Fail::Check(sense_of(s))
    }
}

impl From<MediaError> for Fail {
    fn from(e: MediaError) -> Fail {
        Fail::Check(sense_of(e.sense))
    }
}

/// What the drive reports when its backing files fail: internal target
/// failure.
pub(super) const BROKEN_STORE: SenseCode = SenseCode::new(0x04, 0x44, 0x00);

impl From<Error> for Fail {
    fn from(_: Error) -> Fail {
        // The backing files failed: the drive reports an internal target failure.
        Fail::Check(sense_of(BROKEN_STORE))
    }
}

pub(super) fn sense_of(s: SenseCode) -> Sense {
    Sense::new(SenseKey::from_u8(s.key), s.asc, s.ascq)
}

pub(super) fn bad_request(reason: String) -> Fail {
    Fail::Transport(TransportError::BadRequest { reason })
}

pub(super) type Outcome = std::result::Result<usize, Fail>;

impl std::fmt::Debug for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Check(s) => write!(f, "{s:?}"),
            Fail::Transport(t) => write!(f, "{t:?}"),
        }
    }
}
