//! What a run sent, as its HTML report draws it: every request's end, duration and outcome,
//! whether it sold something, and the moments and orderings a scenario marks.
//!
//! One recorder per process, started with the run; recording is a short lock and a push, cheap
//! beside a request on loopback.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// One request, as it ended.
#[derive(Clone, Debug)]
pub struct Sent {
    /// When it ended, from the start of the run.
    pub ended: Duration,
    pub took: Duration,
    /// `201`, `409 out_of_stock`, `no answer`.
    pub outcome: String,
    /// It sold something (a paid order).
    pub sold: bool,
}

/// A moment a scenario marks on the timelines (`sold out`).
#[derive(Clone, Debug)]
pub struct Moment {
    pub name: String,
    pub at: Duration,
}

/// Two orders of the same things (arrival and admission), drawn one against the other.
#[derive(Clone, Debug, Default)]
pub struct Ranks {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<(f64, f64)>,
}

/// Everything recorded.
#[derive(Debug, Default)]
pub struct Traffic {
    pub sent: Vec<Sent>,
    pub moments: Vec<Moment>,
    pub ranks: Vec<Ranks>,
    /// The run's checks and figures, one line each.
    pub notes: Vec<String>,
}

struct Recorder {
    started: Instant,
    traffic: Mutex<Traffic>,
}

static RECORDER: OnceLock<Recorder> = OnceLock::new();

fn recorder() -> &'static Recorder {
    RECORDER.get_or_init(|| Recorder {
        started: Instant::now(),
        traffic: Mutex::default(),
    })
}

/// Starts the run's clock (the first record would otherwise).
pub fn start() {
    recorder();
}

/// How long since the run started.
pub fn since_start(at: Instant) -> Duration {
    at.saturating_duration_since(recorder().started)
}

/// Records a request sent at `sent` that just ended with `outcome`.
pub fn record(sent: Instant, outcome: String, sold: bool) {
    let recorder = recorder();
    let now = Instant::now();
    let entry = Sent {
        ended: now.saturating_duration_since(recorder.started),
        took: now.saturating_duration_since(sent),
        outcome,
        sold,
    };
    recorder
        .traffic
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .sent
        .push(entry);
}

/// The outcome of a response: its status and, for a problem, its code.
pub fn outcome_of(status: u16, body: &serde_json::Value) -> String {
    match body["code"].as_str() {
        Some(code) if status >= 400 => format!("{status} {code}"),
        _ => status.to_string(),
    }
}

/// Marks `name` at `at`.
pub fn mark(name: &str, at: Instant) {
    let moment = Moment {
        name: name.to_owned(),
        at: since_start(at),
    };
    recorder()
        .traffic
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .moments
        .push(moment);
}

/// Adds a drawing of one order against another.
pub fn ranks(ranks: Ranks) {
    recorder()
        .traffic
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .ranks
        .push(ranks);
}

/// Adds a line to the run's verdict (a check, a figure).
pub fn note(line: String) {
    recorder()
        .traffic
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .notes
        .push(line);
}

/// Everything recorded so far.
pub fn take() -> Traffic {
    std::mem::take(
        &mut *recorder()
            .traffic
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    )
}
