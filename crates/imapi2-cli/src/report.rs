//! How the tool talks: a progress bar on a terminal, one JSON event per line
//! with `--json`, and one readable error line on stderr.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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

/// Progress of writing an image: a bar (indicatif: sectors, MB/s, ETA, the
/// current file; it fits the terminal's width) or JSON events.
pub struct Progress {
    mode: Mode,
    started: Instant,
    last: Mutex<Option<Instant>>,
    bar: Option<ProgressBar>,
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
        let bar = (mode == Mode::Bar).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "[{bar:30}] {percent:>3}% {binary_bytes}/{binary_total_bytes} \
                     {binary_bytes_per_sec} ETA {eta} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#> "),
            );
            b
        });
        Progress {
            mode,
            started: Instant::now(),
            last: Mutex::new(None),
            bar,
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
        if let Some(bar) = &self.bar {
            bar.set_length(total * 2048);
            bar.set_position(done * 2048);
            let name: String = file.chars().rev().take(40).collect();
            bar.set_message(name.chars().rev().collect::<String>());
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
        if self.mode == Mode::Json {
            event(json!({
                "event": "progress",
                "file": file,
                "sectors": done,
                "total_sectors": total,
                "bytes_per_second": rate.round(),
            }));
        }
    }

    /// Ends the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
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
