//! Names for logs and error messages: command names by operation code and
//! the sense triplet of raw sense bytes.

/// The name of an MMC/SPC command by opcode (MMC-6 Table 12, SPC-4 §4.2.4),
/// for logs and error messages.
pub fn opcode_name(opcode: u8) -> Option<&'static str> {
    Some(match opcode {
        0x00 => "TEST UNIT READY",
        0x03 => "REQUEST SENSE",
        0x04 => "FORMAT UNIT",
        0x12 => "INQUIRY",
        0x15 => "MODE SELECT(6)",
        0x1A => "MODE SENSE(6)",
        0x1B => "START STOP UNIT",
        0x1E => "PREVENT ALLOW MEDIUM REMOVAL",
        0x23 => "READ FORMAT CAPACITIES",
        0x25 => "READ CAPACITY",
        0x28 => "READ(10)",
        0x2A => "WRITE(10)",
        0x2B => "SEEK(10)",
        0x2E => "WRITE AND VERIFY(10)",
        0x2F => "VERIFY(10)",
        0x35 => "SYNCHRONIZE CACHE",
        0x3B => "WRITE BUFFER",
        0x3C => "READ BUFFER",
        0x42 => "READ SUB-CHANNEL",
        0x43 => "READ TOC/PMA/ATIP",
        0x46 => "GET CONFIGURATION",
        0x4A => "GET EVENT STATUS NOTIFICATION",
        0x51 => "READ DISC INFORMATION",
        0x52 => "READ TRACK INFORMATION",
        0x53 => "RESERVE TRACK",
        0x54 => "SEND OPC INFORMATION",
        0x55 => "MODE SELECT(10)",
        0x58 => "REPAIR TRACK",
        0x5A => "MODE SENSE(10)",
        0x5B => "CLOSE TRACK/SESSION",
        0x5C => "READ BUFFER CAPACITY",
        0x5D => "SEND CUE SHEET",
        0xA0 => "REPORT LUNS",
        0xA1 => "BLANK",
        0xA2 => "SECURITY PROTOCOL IN",
        0xA3 => "SEND KEY",
        0xA4 => "REPORT KEY",
        0xA6 => "LOAD/UNLOAD MEDIUM",
        0xA7 => "SET READ AHEAD",
        0xA8 => "READ(12)",
        0xAA => "WRITE(12)",
        0xAB => "READ MEDIA SERIAL NUMBER",
        0xAC => "GET PERFORMANCE",
        0xAD => "READ DISC STRUCTURE",
        0xAF => "VERIFY(12)",
        0xB5 => "SECURITY PROTOCOL OUT",
        0xB6 => "SET STREAMING",
        0xB9 => "READ CD MSF",
        0xBB => "SET CD SPEED",
        0xBD => "MECHANISM STATUS",
        0xBE => "READ CD",
        0xBF => "SEND DISC STRUCTURE",
        _ => return None,
    })
}

/// Sense key, ASC and ASCQ from fixed-format (70h/71h) or descriptor-format
/// (72h/73h) sense data (SPC-4 §4.5.2, §4.5.3); `None` when too short or of
/// another format.
pub fn sense_triplet(sense: &[u8]) -> Option<(u8, u8, u8)> {
    match sense.first()? & 0x7f {
        0x70 | 0x71 if sense.len() >= 14 => Some((sense[2] & 0x0f, sense[12], sense[13])),
        0x72 | 0x73 if sense.len() >= 4 => Some((sense[1] & 0x0f, sense[2], sense[3])),
        _ => None,
    }
}
