//! Ctrl-C and SIGTERM while the tool writes: the first one asks the running
//! operation to stop cleanly (it removes what it created, puts back what it
//! changed, or says what a medium now holds), a second one ends the program
//! at once. The exit status is then 128 + the signal's number, as shells
//! report it (130 for Ctrl-C, 143 for SIGTERM).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

struct Caught {
    int: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
}

static CAUGHT: OnceLock<Caught> = OnceLock::new();

fn caught() -> &'static Caught {
    CAUGHT.get_or_init(|| {
        let c = Caught {
            int: Arc::new(AtomicBool::new(false)),
            term: Arc::new(AtomicBool::new(false)),
        };
        for (sig, flag) in [(SIGINT, &c.int), (SIGTERM, &c.term)] {
            // The second signal finds the flag set and ends the program.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, flag.clone());
            let _ = signal_hook::flag::register(sig, flag.clone());
        }
        c
    })
}

/// Starts catching the signals (from here on they cancel instead of kill).
pub fn catch() {
    caught();
}

/// Whether a signal asked the program to stop.
pub fn stop_requested() -> bool {
    CAUGHT
        .get()
        .is_some_and(|c| c.int.load(Ordering::SeqCst) || c.term.load(Ordering::SeqCst))
}

/// The exit status for a program stopped by a signal: 130 or 143.
pub fn exit_code() -> Option<u8> {
    let c = CAUGHT.get()?;
    if c.int.load(Ordering::SeqCst) {
        Some(128 + SIGINT as u8)
    } else if c.term.load(Ordering::SeqCst) {
        Some(128 + SIGTERM as u8)
    } else {
        None
    }
}
