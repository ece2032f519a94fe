//! Checking an El Torito boot catalog (El Torito §2.1-2.4).

use crate::eltorito::decode_catalog;
use crate::read::validation::Checker;

/// The El Torito catalog: validation entry, default entry, images.
pub(crate) fn check_catalog(c: &mut Checker, br_at: u64, cat: u32, limit: u64) {
    if u64::from(cat) >= limit {
        c.problem(
            "El Torito boot record",
            br_at,
            format!("the catalog's block {cat} is past the volume"),
        );
        return;
    }
    let Ok(s) = c.m.read_sectors(u64::from(cat), 1, "boot catalog") else {
        return;
    };
    match decode_catalog(&s) {
        Err(e) => c.problem("El Torito catalog", u64::from(cat), e.to_string()),
        Ok(entries) => {
            if let Some(first) = entries.first() {
                if !first.entry.bootable {
                    // Boot indicator 00h is a defined value (El Torito
                    // 2.2: not bootable, e.g. genisoimage -no-boot).
                    c.warning(
                        "El Torito catalog",
                        u64::from(cat),
                        "the default entry is marked not bootable (boot indicator 00h)",
                    );
                }
            }
            for (i, e) in entries.iter().enumerate() {
                if u64::from(e.entry.load_rba) >= limit {
                    c.problem(
                        "El Torito catalog",
                        u64::from(cat),
                        format!(
                            "entry {}: image at block {} past the volume",
                            i + 1,
                            e.entry.load_rba
                        ),
                    );
                }
            }
        }
    }
}
