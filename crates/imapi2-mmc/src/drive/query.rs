//! The commands that ask: identity (INQUIRY, REQUEST SENSE), configuration
//! and mode pages, disc and track information, the TOC, capacities, disc
//! structures, write speeds, and READ(10).

use crate::capacity::Capacity;
use crate::cdb::{
    Command, ConfigurationRequest, DiscInformationType, PerformanceType, TocFormat,
    TrackAddressType,
};
use crate::codec::DecodeError;
use crate::disc_info::DiscInformation;
use crate::feature::Configuration;
use crate::format::FormatCapacities;
use crate::inquiry::InquiryData;
use crate::mode::{ModePage, PageControl};
use crate::performance::WriteSpeedList;
use crate::sense::Sense;
use crate::toc::{Atip, FormattedToc, MultisessionInfo, RawToc};
use crate::track_info::TrackInformation;
use crate::transport::{DataPhase, ScsiTransport};

use super::error::Result;
use super::retry::Class;
use super::Drive;

impl<T: ScsiTransport> Drive<T> {
    /// REQUEST SENSE: the drive's current sense (progress of a long operation).
    pub fn request_sense(&mut self) -> Result<Sense> {
        let cmd = Command::RequestSense {
            descriptor: false,
            allocation_length: 18,
        };
        let b = self.read_reply(&cmd, 18)?;
        Self::decode(&cmd, || Sense::decode(&b))
    }

    /// GET CONFIGURATION, raw reply bytes (header and feature descriptors).
    pub fn get_configuration_raw(
        &mut self,
        request: ConfigurationRequest,
        starting_feature: u16,
    ) -> Result<Vec<u8>> {
        // Ask for the header first to learn the length, then for all of it.
        let cmd = |len: u16| Command::GetConfiguration {
            request,
            starting_feature,
            allocation_length: len,
        };
        let head = self.read_reply(&cmd(8), 8)?;
        let want = if head.len() >= 4 {
            (u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize + 4).min(65530)
        } else {
            8
        };
        if want <= head.len() {
            return Ok(head);
        }
        self.read_reply(&cmd(want as u16), want)
    }

    /// READ DISC INFORMATION (standard data).
    pub fn read_disc_information(&mut self) -> Result<DiscInformation> {
        let cmd = Command::ReadDiscInformation {
            data_type: DiscInformationType::Standard,
            allocation_length: 2048,
        };
        let b = self.read_reply(&cmd, 2048)?;
        Self::decode(&cmd, || DiscInformation::decode(&b))
    }

    /// READ TRACK INFORMATION of a track number (0xFF: the invisible track on
    /// CD and DVD+R), a session number or the track holding an LBA.
    pub fn read_track_information(
        &mut self,
        address_type: TrackAddressType,
        number: u32,
    ) -> Result<TrackInformation> {
        let cmd = Command::ReadTrackInformation {
            open: false,
            address_type,
            number,
            allocation_length: 48,
        };
        let b = self.read_reply(&cmd, 48)?;
        Self::decode(&cmd, || TrackInformation::decode(&b))
    }

    /// READ TOC format 0 (formatted TOC), addresses as LBAs.
    pub fn read_toc(&mut self) -> Result<FormattedToc> {
        let b = self.toc_bytes(TocFormat::Formatted, 0)?;
        let cmd = self.toc_cmd(TocFormat::Formatted, 0, 0);
        Self::decode(&cmd, || FormattedToc::decode(&b, false))
    }

    /// READ TOC format 1: the first track of the last complete session.
    pub fn read_multisession(&mut self) -> Result<MultisessionInfo> {
        let b = self.toc_bytes(TocFormat::Multisession, 0)?;
        let cmd = self.toc_cmd(TocFormat::Multisession, 0, 0);
        Self::decode(&cmd, || MultisessionInfo::decode(&b, false))
    }

    /// READ TOC format 2 (raw TOC, CD only), from session 1.
    pub fn read_raw_toc(&mut self) -> Result<RawToc> {
        let b = self.toc_bytes(TocFormat::Raw, 1)?;
        let cmd = self.toc_cmd(TocFormat::Raw, 1, 0);
        Self::decode(&cmd, || RawToc::decode(&b))
    }

    /// READ TOC format 4 (ATIP, recordable CD only).
    pub fn read_atip(&mut self) -> Result<Atip> {
        let b = self.toc_bytes(TocFormat::Atip, 0)?;
        let cmd = self.toc_cmd(TocFormat::Atip, 0, 0);
        Self::decode(&cmd, || Atip::decode(&b))
    }

    fn toc_cmd(&self, format: TocFormat, track_session: u8, len: u16) -> Command {
        Command::ReadToc {
            msf: false,
            format,
            track_session,
            allocation_length: len,
        }
    }

    /// A TOC reply, the header first to learn its length (libburn's way).
    fn toc_bytes(&mut self, format: TocFormat, track_session: u8) -> Result<Vec<u8>> {
        let head = self.read_reply(&self.toc_cmd(format, track_session, 4), 4)?;
        let want = if head.len() >= 2 {
            (usize::from(u16::from_be_bytes([head[0], head[1]])) + 2).clamp(4, 65534)
        } else {
            4
        };
        self.read_reply(&self.toc_cmd(format, track_session, want as u16), want)
    }

    /// READ CAPACITY: the last readable block and the block length.
    pub fn read_capacity(&mut self) -> Result<Capacity> {
        let cmd = Command::ReadCapacity;
        let b = self.read_reply(&cmd, 8)?;
        Self::decode(&cmd, || Capacity::decode(&b))
    }

    /// INQUIRY (standard data, 96 bytes asked).
    pub fn inquiry(&mut self) -> Result<InquiryData> {
        let cmd = Command::Inquiry {
            evpd: false,
            page_code: 0,
            allocation_length: 96,
        };
        let b = self.read_reply(&cmd, 96)?;
        Self::decode(&cmd, || InquiryData::decode(&b))
    }

    /// READ FORMAT CAPACITIES: the current capacity and the formats offered.
    pub fn read_format_capacities(&mut self) -> Result<FormatCapacities> {
        let cmd = Command::ReadFormatCapacities {
            allocation_length: 4 + 8 * 32,
        };
        let b = self.read_reply(&cmd, 4 + 8 * 32)?;
        Self::decode(&cmd, || FormatCapacities::decode(&b))
    }

    /// GET CONFIGURATION, decoded.
    pub fn get_configuration(
        &mut self,
        request: ConfigurationRequest,
        starting_feature: u16,
    ) -> Result<Configuration> {
        let b = self.get_configuration_raw(request, starting_feature)?;
        let cmd = Command::GetConfiguration {
            request,
            starting_feature,
            allocation_length: b.len() as u16,
        };
        Self::decode(&cmd, || Configuration::decode(&b))
    }

    /// MODE SENSE(10) of one page: the page after the mode parameter header
    /// and any block descriptors, decoded.
    pub fn mode_sense(&mut self, page_code: u8, control: PageControl) -> Result<ModePage> {
        let b = self.mode_sense_bytes(page_code, control)?;
        let cmd = Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: control,
            page_code,
            subpage: 0,
            allocation_length: 0,
        };
        Self::decode(&cmd, || ModePage::decode(&b))
    }

    /// MODE SENSE(10) of one page, or of all (page 3Fh): the bytes after the
    /// mode parameter header and any block descriptors, as far as the
    /// header's mode data length says.
    pub fn mode_sense_bytes(&mut self, page_code: u8, control: PageControl) -> Result<Vec<u8>> {
        let cmd = |len: u16| Command::ModeSense10 {
            llbaa: false,
            dbd: true,
            page_control: control,
            page_code,
            subpage: 0,
            allocation_length: len,
        };
        // Learn the length first (QEMU's page 2Ah is short; some drives add
        // a block descriptor even with DBD).
        let head = self.read_reply(&cmd(8), 8)?;
        let want = if head.len() >= 2 {
            (usize::from(u16::from_be_bytes([head[0], head[1]])) + 2).clamp(8, 65534)
        } else {
            8
        };
        let b = self.read_reply(&cmd(want as u16), want)?;
        let c = cmd(want as u16);
        Self::decode(&c, || {
            if b.len() < 8 {
                return Err(DecodeError::new(
                    "mode parameter header",
                    format!("{} bytes", b.len()),
                ));
            }
            let end = (usize::from(u16::from_be_bytes([b[0], b[1]])) + 2).min(b.len());
            let bd = usize::from(u16::from_be_bytes([b[6], b[7]]));
            b.get(8 + bd..end.max(8 + bd))
                .map(<[u8]>::to_vec)
                .ok_or_else(|| {
                    DecodeError::new(
                        "mode parameter header",
                        format!("block descriptors of {bd} bytes run past the reply"),
                    )
                })
        })
    }

    /// READ DISC STRUCTURE: the reply as far as its own length field says
    /// (header included).
    pub fn read_disc_structure(
        &mut self,
        media_type: u8,
        address: u32,
        layer: u8,
        format: u8,
        agid: u8,
    ) -> Result<Vec<u8>> {
        let cmd = Command::ReadDiscStructure {
            media_type,
            address,
            layer,
            format,
            allocation_length: 0xFFFC,
            agid,
        };
        let mut b = self.read_reply(&cmd, 0xFFFC)?;
        let len = if b.len() >= 2 {
            usize::from(u16::from_be_bytes([b[0], b[1]])) + 2
        } else {
            0
        };
        b.truncate(len.min(b.len()));
        Ok(b)
    }

    /// GET PERFORMANCE type 03h: the write speeds the current medium allows.
    pub fn write_speeds(&mut self) -> Result<WriteSpeedList> {
        let cmd = |n: u16| Command::GetPerformance {
            data_type: 0,
            start_lba: 0,
            max_descriptors: n,
            performance_type: PerformanceType::WriteSpeed,
        };
        let head = self.read_reply(&cmd(1), 8 + 16)?;
        let n = if head.len() >= 4 {
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
            (len.saturating_sub(4) / 16).clamp(1, 255)
        } else {
            1
        };
        let b = self.read_reply(&cmd(n as u16), 8 + 16 * n)?;
        Self::decode(&cmd(n as u16), || WriteSpeedList::decode(&b))
    }

    /// READ(10) of whole 2048-byte blocks into `buf`.
    pub fn read10(&mut self, lba: u32, buf: &mut [u8]) -> Result<()> {
        let blocks = (buf.len() / 2048) as u16;
        let cmd = Command::Read10 {
            dpo: false,
            fua: false,
            lba,
            transfer_length: blocks,
        };
        self.run(&cmd, DataPhase::In(buf), Class::Short).map(|_| ())
    }
}
