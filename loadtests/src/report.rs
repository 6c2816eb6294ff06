//! Measurements of one run and the table they make.

use hdrhistogram::Histogram;
use std::time::Duration;

/// What one run measured.
pub struct Measured {
    pub sales: u64,
    pub failures: u64,
    pub elapsed: Duration,
    pub latency: Histogram<u64>,
    /// The server's CPU time (user + system) during the run, when its process was given.
    pub server_cpu: Option<Duration>,
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
            server_cpu: None,
        }
    }

    /// The server's CPU time per sale, in microseconds.
    pub fn cpu_per_sale_us(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        (self.sales > 0).then(|| cpu.as_secs_f64() * 1e6 / self.sales as f64)
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
            "server_cpu_per_sale_us": self.cpu_per_sale_us(),
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

/// The CPU time (user + system) process `pid` has used so far, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// Runs `sale`, measuring the CPU time server `pid` spends meanwhile.
pub async fn measured_with_cpu<F, Fut>(pid: Option<u32>, sale: F) -> anyhow::Result<Measured>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Measured>>,
{
    let before = pid.and_then(cpu_time);
    let mut measured = sale().await?;
    let after = pid.and_then(cpu_time);
    measured.server_cpu = before
        .zip(after)
        .map(|(before, after)| after.saturating_sub(before));
    Ok(measured)
}

/// The ways of selling at one concurrency.
pub struct Row {
    pub concurrency: usize,
    pub actor: Measured,
    /// A hold through `POST /checkout`.
    pub hold: Option<Measured>,
    /// The whole purchase through `POST /checkout` with a payment.
    pub purchase: Option<Measured>,
    /// The classic transaction of a hold.
    pub baseline: Measured,
    /// The classic transaction of a purchase (the payment row too).
    pub baseline_purchase: Measured,
}

impl Row {
    pub fn line(&self) -> String {
        let cell = |m: &Option<Measured>| m.as_ref().map_or("-".to_owned(), Measured::cell);
        format!(
            "concurrency {:>4} | actor {} | hold {} | purchase {} | baseline {} | baseline purchase {}",
            self.concurrency,
            self.actor.cell(),
            cell(&self.hold),
            cell(&self.purchase),
            self.baseline.cell(),
            self.baseline_purchase.cell(),
        )
    }
}

/// The rows as JSON, with the ratios to the baselines.
pub fn rows_json(rows: &[Row]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let base = row.baseline.per_second().max(f64::EPSILON);
            let base_purchase = row.baseline_purchase.per_second().max(f64::EPSILON);
            serde_json::json!({
                "callers": row.concurrency,
                "actor": row.actor.json(),
                "hold": row.hold.as_ref().map(Measured::json),
                "purchase": row.purchase.as_ref().map(Measured::json),
                "baseline": row.baseline.json(),
                "baseline_purchase": row.baseline_purchase.json(),
                "actor_over_baseline": row.actor.per_second() / base,
                "hold_over_baseline": row.hold.as_ref().map(|m| m.per_second() / base),
                "purchase_over_baseline": row.purchase.as_ref().map(|m| m.per_second() / base_purchase),
                "purchase_over_hold": row.purchase.as_ref().zip(row.hold.as_ref())
                    .map(|(p, h)| p.per_second() / h.per_second().max(f64::EPSILON)),
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
        "| callers | actor + journal | hold: POST /checkout | hold: row lock | hold ÷ row lock | \
         purchase: POST /checkout with payment | purchase: row lock + payment | purchase ÷ row lock | \
         purchase ÷ hold | server CPU per hold / purchase |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let cell = |m: &Measured| format!("{:.0}/s (p99 {:.1} ms)", m.per_second(), m.ms(0.99));
    let maybe = |m: &Option<Measured>| m.as_ref().map_or("—".to_owned(), cell);
    let ratio = |a: Option<&Measured>, b: &Measured| {
        a.map_or("—".to_owned(), |a| {
            format!("{:.1}×", a.per_second() / b.per_second().max(f64::EPSILON))
        })
    };
    let cpu = |m: &Option<Measured>| {
        m.as_ref()
            .and_then(Measured::cpu_per_sale_us)
            .map_or("—".to_owned(), |us| format!("{us:.0} µs"))
    };
    for row in rows {
        let purchase_over_hold = match (&row.purchase, &row.hold) {
            (Some(purchase), Some(hold)) => format!(
                "{:.0} %",
                100.0 * purchase.per_second() / hold.per_second().max(f64::EPSILON)
            ),
            _ => "—".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} |\n",
            row.concurrency,
            cell(&row.actor),
            maybe(&row.hold),
            cell(&row.baseline),
            ratio(row.hold.as_ref(), &row.baseline),
            maybe(&row.purchase),
            cell(&row.baseline_purchase),
            ratio(row.purchase.as_ref(), &row.baseline_purchase),
            purchase_over_hold,
            cpu(&row.hold),
            cpu(&row.purchase),
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
