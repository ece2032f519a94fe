//! How the tool talks: a progress bar on a terminal, one JSON event per line
//! with `--json`, and one readable error line on stderr.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// An error to report: the message, and the IMAPI code when there is one.
pub struct CliError {
    pub message: String,
    pub code: Option<&'static str>,
    pub json: bool,
}

impl CliError {
    /// Prints the error: a JSON event on stdout with `--json`, and always one
    /// line on stderr.
    pub fn print(&self) {
        if self.json {
            let mut v = json!({"event": "error", "message": self.message});
            if let Some(c) = self.code {
                v["code"] = json!(c);
            }
            outln!("{v}");
        }
        match self.code {
            Some(c) => eprintln!("imapi2: error: {} ({c})", self.message),
            None => eprintln!("imapi2: error: {}", self.message),
        }
    }
}

/// Converts library errors, keeping the IMAPI name.
pub fn lib_error(e: imapi2::fs::Error, json: bool) -> CliError {
    CliError {
        message: e.to_string(),
        code: e.imapi_name(),
        json,
    }
}

/// Where progress goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Json,
    Bar,
    Quiet,
}

impl Mode {
    pub fn choose(json: bool, quiet: bool) -> Mode {
        if json {
            Mode::Json
        } else if quiet || !std::io::stderr().is_terminal() {
            Mode::Quiet
        } else {
            Mode::Bar
        }
    }
}

/// Prints one JSON event line.
pub fn event(v: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// Progress of writing an image: a bar (sectors, MB/s, ETA) or JSON events.
pub struct Progress {
    mode: Mode,
    started: Instant,
    last: Mutex<Option<Instant>>,
}

fn human(bytes: f64) -> String {
    const U: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1000.0 && i < U.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    format!("{v:.1} {}", U[i])
}

impl Progress {
    pub fn new(mode: Mode) -> Progress {
        Progress {
            mode,
            started: Instant::now(),
            last: Mutex::new(None),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// One update; rate-limited to 10 per second except for the last.
    pub fn update(&self, file: &str, done: u64, total: u64) {
        if self.mode == Mode::Quiet {
            return;
        }
        let now = Instant::now();
        {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if done < total && last.is_some_and(|l| now - l < Duration::from_millis(100)) {
                return;
            }
            *last = Some(now);
        }
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let rate = done as f64 * 2048.0 / secs;
        match self.mode {
            Mode::Json => event(json!({
                "event": "progress",
                "file": file,
                "sectors": done,
                "total_sectors": total,
                "bytes_per_second": rate.round(),
            })),
            Mode::Bar => {
                let frac = if total == 0 {
                    1.0
                } else {
                    done as f64 / total as f64
                };
                let width = 30;
                let filled = (frac * width as f64).round() as usize;
                let eta = if rate > 0.0 {
                    ((total - done.min(total)) as f64 * 2048.0 / rate) as u64
                } else {
                    0
                };
                let mut name: String = file.chars().rev().take(30).collect();
                name = name.chars().rev().collect();
                let line = format!(
                    "\r[{}{}] {:3.0}% {}/{} sectors {}/s ETA {}:{:02} {:<30}",
                    "#".repeat(filled),
                    " ".repeat(width - filled),
                    frac * 100.0,
                    done,
                    total,
                    human(rate),
                    eta / 60,
                    eta % 60,
                    name
                );
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(line.as_bytes());
                let _ = err.flush();
            }
            Mode::Quiet => {}
        }
    }

    /// Ends the bar line.
    pub fn finish(&self) {
        if self.mode == Mode::Bar {
            eprintln!();
        }
    }
}

/// A short human figure, for the summary line.
pub fn human_bytes(bytes: u64) -> String {
    human(bytes as f64)
}

/// A warning: one JSON event with `--json`, else one line on stderr (none
/// with `-q`, terminal or not).
pub fn warning(message: &str, json: bool, quiet: bool) {
    if json {
        event(json!({"event": "warning", "message": message}));
    } else if !quiet {
        eprintln!("imapi2: warning: {message}");
    }
}

/// `n` and the noun, singular for one: "1 entry", "2 entries".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
