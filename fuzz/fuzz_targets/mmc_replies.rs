//! Every MMC decoder of imapi2-mmc (command blocks, sense, replies, parameter
//! lists, the command trace format) on arbitrary bytes; what decodes must
//! encode and decode again to the same value.
#![no_main]

use imapi2_mmc::capacity::{BufferCapacity, Capacity, MechanismStatus};
use imapi2_mmc::cdb::Command;
use imapi2_mmc::cue_sheet::CueSheet;
use imapi2_mmc::disc_info::DiscInformation;
use imapi2_mmc::disc_structure::DiscStructure;
use imapi2_mmc::event::EventStatus;
use imapi2_mmc::feature::Configuration;
use imapi2_mmc::format::{FormatCapacities, FormatUnitParameters};
use imapi2_mmc::inquiry::{InquiryData, SupportedVpdPages, UnitSerialNumber};
use imapi2_mmc::mode::{ModePage, ModeParameters};
use imapi2_mmc::performance::{PerformanceData, WriteSpeedList};
use imapi2_mmc::sense::Sense;
use imapi2_mmc::streaming::StreamingPerformance;
use imapi2_mmc::toc::{Atip, CdText, FormattedToc, MultisessionInfo, RawToc};
use imapi2_mmc::track_info::TrackInformation;
use libfuzzer_sys::fuzz_target;

/// Decodes, and when that works, checks that the encoding decodes the same.
macro_rules! stable {
    ($ty:ty, $dec:expr, $data:expr) => {{
        let dec = $dec;
        if let Ok(v) = dec($data) {
            let again: $ty = dec(&v.encode()).expect("own encoding decodes");
            assert_eq!(again.encode(), v.encode(), "{}", stringify!($ty));
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Command::decode(data) {
        let _ = (c.name(), c.direction(), c.data_len(2048));
        let again = Command::decode(&c.encode()).expect("own CDB decodes");
        assert_eq!(again.encode(), c.encode());
    }
    if let Ok(s) = Sense::decode(data) {
        let _ = s.to_string();
        let _ = Sense::decode(&s.encode()).expect("own sense decodes");
    }
    stable!(Configuration, Configuration::decode, data);
    stable!(InquiryData, InquiryData::decode, data);
    let _ = SupportedVpdPages::decode(data);
    let _ = UnitSerialNumber::decode(data);
    stable!(DiscInformation, DiscInformation::decode, data);
    stable!(TrackInformation, TrackInformation::decode, data);
    let _ = FormattedToc::decode(data, false);
    let _ = FormattedToc::decode(data, true);
    let _ = MultisessionInfo::decode(data, false);
    let _ = MultisessionInfo::decode(data, true);
    stable!(RawToc, RawToc::decode, data);
    stable!(Atip, Atip::decode, data);
    let _ = CdText::decode(data);
    if let Ok((p, len, _)) = ModePage::decode_prefix(data) {
        assert!(len <= data.len());
        let _ = ModePage::decode(&p.encode());
    }
    let _ = ModeParameters::decode10(data);
    let _ = ModeParameters::decode6(data);
    let _ = PerformanceData::decode(data);
    stable!(WriteSpeedList, WriteSpeedList::decode, data);
    let _ = FormatCapacities::decode(data);
    let _ = FormatUnitParameters::decode(data);
    if data.len() >= 2 {
        let _ = DiscStructure::decode(data[0] & 0x0F, data[1], &data[2..]);
    }
    let _ = EventStatus::decode(data);
    let _ = Capacity::decode(data);
    let _ = BufferCapacity::decode(data, false);
    let _ = BufferCapacity::decode(data, true);
    let _ = MechanismStatus::decode(data);
    let _ = CueSheet::decode(data);
    let _ = StreamingPerformance::decode(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = imapi2_mmc::trace::Trace::decode(text);
    }
});
