//! Measurements of one run and the table they make.

use hdrhistogram::Histogram;
use std::time::Duration;

/// What one run measured.
pub struct Measured {
    pub sales: u64,
    pub failures: u64,
    pub elapsed: Duration,
    pub latency: Histogram<u64>,
}

impl Measured {
    pub fn new() -> Self {
        Self {
            sales: 0,
            failures: 0,
            elapsed: Duration::ZERO,
            // 1 µs to 60 s, 3 significant digits.
            latency: Histogram::new_with_bounds(1, 60_000_000, 3)
                .unwrap_or_else(|_| Histogram::new(3).expect("histogram")),
        }
    }

    pub fn merge(&mut self, other: Measured) {
        self.sales += other.sales;
        self.failures += other.failures;
        let _ = self.latency.add(other.latency);
    }

    pub fn record(&mut self, took: Duration) {
        let _ = self
            .latency
            .record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1));
    }

    pub fn per_second(&self) -> f64 {
        self.sales as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// `p50 … ms, p90 …, p99 …, p99.9 …, max …`.
    pub fn percentiles(&self) -> String {
        format!(
            "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms",
            self.ms(0.5),
            self.ms(0.9),
            self.ms(0.99),
            self.ms(0.999),
            self.latency.max() as f64 / 1000.0
        )
    }

    /// The same percentiles as JSON.
    pub fn percentiles_json(&self) -> serde_json::Value {
        serde_json::json!({
            "p50": self.ms(0.5), "p90": self.ms(0.9), "p99": self.ms(0.99),
            "p99.9": self.ms(0.999), "max": self.latency.max() as f64 / 1000.0,
        })
    }

    /// Rate, failures and latency percentiles as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "per_second": self.per_second(), "completed": self.sales, "failures": self.failures,
            "seconds": self.elapsed.as_secs_f64(), "latency_ms": self.percentiles_json(),
        })
    }

    fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    fn cell(&self) -> String {
        format!(
            "{:>8.0}/s  p50 {:>6.1} ms  p99 {:>6.1} ms",
            self.per_second(),
            self.ms(0.5),
            self.ms(0.99)
        )
    }
}

/// The three ways at one concurrency.
pub struct Row {
    pub concurrency: usize,
    pub actor: Measured,
    pub checkout: Option<Measured>,
    pub baseline: Measured,
}

impl Row {
    pub fn line(&self) -> String {
        let checkout = self
            .checkout
            .as_ref()
            .map_or("-".to_owned(), Measured::cell);
        format!(
            "concurrency {:>4} | actor {} | checkout {} | baseline {} | failures {}/{}/{}",
            self.concurrency,
            self.actor.cell(),
            checkout,
            self.baseline.cell(),
            self.actor.failures,
            self.checkout.as_ref().map_or(0, |m| m.failures),
            self.baseline.failures
        )
    }
}

/// The rows as JSON, with the ratios to the baseline.
pub fn rows_json(rows: &[Row]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let base = row.baseline.per_second().max(f64::EPSILON);
            serde_json::json!({
                "callers": row.concurrency,
                "actor": row.actor.json(),
                "checkout": row.checkout.as_ref().map(Measured::json),
                "baseline": row.baseline.json(),
                "actor_over_baseline": row.actor.per_second() / base,
                "checkout_over_baseline": row.checkout.as_ref().map(|m| m.per_second() / base),
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// Writes `report` as pretty JSON to `path` and says so.
pub fn write_json(path: &std::path::Path, report: &serde_json::Value) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_vec_pretty(report)?)?;
    println!("report: {}", path.display());
    Ok(())
}

/// A Markdown table of the rows.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| callers | actor + journal (sales/s, p50/p99 ms) | POST /checkout (sales/s, p50/p99 ms) | row-lock baseline (sales/s, p50/p99 ms) | actor ÷ baseline | checkout ÷ baseline |\n|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let base = row.baseline.per_second().max(f64::EPSILON);
        let cell = |m: &Measured| {
            format!(
                "{:.0} ({:.1} / {:.1})",
                m.per_second(),
                m.ms(0.5),
                m.ms(0.99)
            )
        };
        let checkout = row.checkout.as_ref().map_or("—".to_owned(), cell);
        let checkout_ratio = row.checkout.as_ref().map_or("—".to_owned(), |m| {
            format!("{:.1}×", m.per_second() / base)
        });
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1}× | {} |\n",
            row.concurrency,
            cell(&row.actor),
            checkout,
            cell(&row.baseline),
            row.actor.per_second() / base,
            checkout_ratio
        ));
    }
    out
}

/// Completions over time, in buckets of a fixed width from the start of a run.
pub struct Timeline {
    pub width: Duration,
    pub counts: Vec<u64>,
}

impl Timeline {
    pub fn new(width: Duration) -> Self {
        Self {
            width,
            counts: Vec::new(),
        }
    }

    /// Counts one completion `at` after the start.
    pub fn record(&mut self, at: Duration) {
        let bucket = (at.as_nanos() / self.width.as_nanos().max(1)) as usize;
        if self.counts.len() <= bucket {
            self.counts.resize(bucket + 1, 0);
        }
        self.counts[bucket] += 1;
    }

    /// The busiest bucket, as a rate per second.
    pub fn peak_per_second(&self) -> f64 {
        let peak = self.counts.iter().copied().max().unwrap_or(0);
        peak as f64 / self.width.as_secs_f64()
    }

    /// One line per bucket: its start, the rate per second, and a bar; a run of empty buckets
    /// is one line.
    pub fn render(&self) -> String {
        let peak = self.counts.iter().copied().max().unwrap_or(0).max(1);
        let width = self.width.as_secs_f64();
        let mut out = String::new();
        let mut n = 0;
        while n < self.counts.len() {
            let count = self.counts[n];
            if count == 0 {
                let empty = self.counts[n..].iter().take_while(|&&c| c == 0).count();
                let (from, to) = (width * n as f64, width * (n + empty) as f64);
                out.push_str(&format!("  {from:>6.1} s         0/s  (until {to:.1} s)\n"));
                n += empty;
                continue;
            }
            let bar = "#".repeat((count * 40).div_ceil(peak) as usize);
            let rate = count as f64 / width;
            out.push_str(&format!(
                "  {:>6.1} s {rate:>9.0}/s {bar}\n",
                width * n as f64
            ));
            n += 1;
        }
        out
    }
}
