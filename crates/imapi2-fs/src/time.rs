//! Timestamps: the item tree's `FileTime`, civil (calendar) conversion, and
//! `SOURCE_DATE_EPOCH`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, UTC, as nanoseconds since 1970-01-01T00:00:00Z.
///
/// IMAPI's `DATE` values (creation, last-access, last-modified time of an item)
/// map onto this type. The range covers the years 1678 to 2262.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(i64);

impl FileTime {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: FileTime = FileTime(0);

    /// From whole seconds since the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> FileTime {
        FileTime(secs.saturating_mul(1_000_000_000))
    }

    /// From seconds and nanoseconds since the Unix epoch (saturating).
    pub fn from_unix(secs: i64, nanos: u32) -> FileTime {
        FileTime(
            secs.saturating_mul(1_000_000_000)
                .saturating_add(i64::from(nanos.min(999_999_999))),
        )
    }

    /// From a `SystemTime` (saturating outside the representable range).
    pub fn from_system_time(t: SystemTime) -> FileTime {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => FileTime(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
            Err(e) => FileTime(
                i64::try_from(e.duration().as_nanos())
                    .map(|n| -n)
                    .unwrap_or(i64::MIN),
            ),
        }
    }

    /// Converts to a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_nanos(self.0 as u64)
        } else {
            UNIX_EPOCH - Duration::from_nanos(self.0.unsigned_abs())
        }
    }

    /// Whole seconds since the Unix epoch (rounded towards minus infinity).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    /// Nanoseconds within the second.
    pub const fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(1_000_000_000) as u32
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn unix_nanos(self) -> i64 {
        self.0
    }

    /// The current time, or `SOURCE_DATE_EPOCH` when that is set (see [`source_date_epoch`]).
    pub fn now() -> FileTime {
        source_date_epoch().unwrap_or_else(|| FileTime::from_system_time(SystemTime::now()))
    }

    /// The calendar date and time of this instant, UTC.
    pub fn civil(self) -> Civil {
        Civil::from_unix_seconds(self.unix_seconds(), self.subsec_nanos())
    }
}

/// `SOURCE_DATE_EPOCH` from the environment, when set to a valid integer.
///
/// With it set, every time this crate would take from the clock is this value,
/// and every item time is clamped to it (see the reproducible-builds
/// specification), so that the same tree gives byte-identical images.
pub fn source_date_epoch() -> Option<FileTime> {
    let v = std::env::var("SOURCE_DATE_EPOCH").ok()?;
    v.trim()
        .parse::<i64>()
        .ok()
        .map(FileTime::from_unix_seconds)
}

/// A calendar date and time (proleptic Gregorian, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year, e.g. 2026.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
    /// Nanoseconds, 0..=999_999_999.
    pub nanos: u32,
}

impl Civil {
    /// Converts seconds since the Unix epoch to a calendar date (days-from-civil
    /// inverse, valid for every `i64` day count this crate produces).
    pub fn from_unix_seconds(secs: i64, nanos: u32) -> Civil {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Shift the epoch to 0000-03-01 so that leap days fall at the end of a year.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            nanos,
        }
    }

    /// Seconds since the Unix epoch of this calendar date and time.
    pub fn to_unix_seconds(&self) -> i64 {
        let y = self.year - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_known_dates() {
        let c = Civil::from_unix_seconds(0, 0);
        assert_eq!((c.year, c.month, c.day, c.hour), (1970, 1, 1, 0));
        // 2000-02-29T12:34:56Z, a leap day.
        let c = Civil::from_unix_seconds(951_827_696, 0);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second),
            (2000, 2, 29, 12, 34, 56)
        );
        assert_eq!(c.to_unix_seconds(), 951_827_696);
        // Before the epoch: 1969-12-31T23:59:59Z.
        let c = Civil::from_unix_seconds(-1, 0);
        assert_eq!((c.year, c.month, c.day, c.second), (1969, 12, 31, 59));
        for s in (-5_000_000_000i64..5_000_000_000).step_by(7_777_777) {
            assert_eq!(Civil::from_unix_seconds(s, 0).to_unix_seconds(), s);
        }
    }

    #[test]
    fn file_time_parts() {
        let t = FileTime::from_unix(-2, 500_000_000);
        assert_eq!(t.unix_seconds(), -2);
        assert_eq!(t.subsec_nanos(), 500_000_000);
        let st = t.to_system_time();
        assert_eq!(FileTime::from_system_time(st), t);
    }
}
