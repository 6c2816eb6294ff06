//! `--report-html PATH`: one self-contained HTML file per run, its charts drawn as inline SVG
//! (no script, nothing fetched): sales and requests per 100 ms, latency percentiles over time,
//! outcomes by status and code, the orderings a scenario marked (a drop's admission order
//! against arrival order), its moments (the sold-out moment) and the verdict.

use crate::traffic::{Moment, Ranks, Sent, Traffic};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 60.0;
const BOTTOM: f64 = 30.0;
const TOP: f64 = 14.0;
const RIGHT: f64 = 16.0;
/// The most points a scatter draws (evenly sampled beyond).
const MAX_POINTS: usize = 4_000;

/// The report of `scenario` (run with `settings`) as HTML: whether it `passed`, its notes
/// (checks and figures) and its traffic.
pub fn render(scenario: &str, settings: &str, traffic: &Traffic, passed: bool) -> String {
    let mut html = String::new();
    let status = if passed { "passed" } else { "FAILED" };
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>bazaar-loadtest {scenario}: {status}</title><style>\
         body{{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:900px;color:#1b1b1b}}\
         h1{{font-size:1.5rem}}h2{{font-size:1.1rem;margin-top:2rem}}\
         .verdict{{padding:.6rem 1rem;border-radius:6px;font-weight:600}}\
         .passed{{background:#e3f4e6;color:#14532d}}.failed{{background:#fde2e1;color:#7f1d1d}}\
         svg{{background:#fafafa;border:1px solid #ddd}}text{{font:11px system-ui,sans-serif;fill:#333}}\
         pre{{background:#f3f3f3;padding:.6rem;overflow:auto}}li{{font-family:ui-monospace,monospace}}\
         </style></head><body><h1>bazaar-loadtest {scenario}</h1>\
         <p class=\"verdict {class}\">{status}</p><pre>{settings}</pre><ul>",
        scenario = escape(scenario),
        class = if passed { "passed" } else { "failed" },
        settings = escape(settings),
    );
    for line in &traffic.notes {
        let _ = write!(html, "<li>{}</li>", escape(line));
    }
    html.push_str("</ul>");
    html.push_str("<h2>Sales and requests per 100 ms</h2>");
    html.push_str(&throughput(&traffic.sent, &traffic.moments));
    html.push_str("<h2>Latency percentiles over time</h2>");
    html.push_str(&latency(&traffic.sent, &traffic.moments));
    html.push_str("<h2>Outcomes by status and code</h2>");
    html.push_str(&outcomes(&traffic.sent));
    for ranks in &traffic.ranks {
        let _ = write!(html, "<h2>{}</h2>", escape(&ranks.title));
        html.push_str(&scatter(ranks));
    }
    html.push_str("</body></html>\n");
    html
}

/// Writes the report of the run to `path`.
pub fn write(
    path: &std::path::Path,
    scenario: &str,
    settings: &str,
    traffic: &Traffic,
    passed: bool,
) -> anyhow::Result<()> {
    std::fs::write(path, render(scenario, settings, traffic, passed))?;
    eprintln!("HTML report written to {}", path.display());
    Ok(())
}

/// Maps data to the drawing area of one chart.
struct Frame {
    x_max: f64,
    y_max: f64,
}

impl Frame {
    fn new(x_max: f64, y_max: f64) -> Self {
        Self {
            x_max: x_max.max(f64::MIN_POSITIVE),
            y_max: y_max.max(1.0),
        }
    }

    fn x(&self, value: f64) -> f64 {
        LEFT + value / self.x_max * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        HEIGHT - BOTTOM - value / self.y_max * (HEIGHT - BOTTOM - TOP)
    }

    /// The opening tag, the axes and their labels.
    fn open(&self, label: &str, x_unit: &str, y_unit: &str) -> String {
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
             viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
            escape(label)
        );
        let (x0, y0) = (self.x(0.0), self.y(0.0));
        let _ = write!(
            svg,
            "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" stroke=\"#999\"/>\
             <line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{TOP}\" stroke=\"#999\"/>",
            WIDTH - RIGHT
        );
        for step in 0..=4 {
            let value = self.y_max * f64::from(step) / 4.0;
            let y = self.y(value);
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
                 <line x1=\"{x0}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#eee\"/>",
                LEFT - 6.0,
                y + 4.0,
                short(value),
                WIDTH - RIGHT
            );
            let x_value = self.x_max * f64::from(step) / 4.0;
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}{x_unit}</text>",
                self.x(x_value),
                HEIGHT - 10.0,
                short(x_value)
            );
        }
        let _ = write!(svg, "<text x=\"4\" y=\"{}\">{y_unit}</text>", TOP - 2.0);
        svg
    }

    fn line(&self, points: &[(f64, f64)], color: &str, name: &str, slot: usize) -> String {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", self.x(*x), self.y(*y)))
            .collect();
        let legend_x = LEFT + 12.0 + 120.0 * slot as f64;
        format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{}\"/>\
             <rect x=\"{legend_x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            path.join(" "),
            TOP + 2.0,
            legend_x + 14.0,
            TOP + 11.0,
            escape(name)
        )
    }

    fn moments(&self, moments: &[Moment]) -> String {
        moments
            .iter()
            .enumerate()
            .map(|(n, moment)| {
                let x = self.x(moment.at.as_secs_f64());
                // Labels step down, so moments close together stay readable.
                let label_y = TOP + 28.0 + 14.0 * n as f64;
                format!(
                    "<line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{}\" stroke=\"#c2410c\" \
                     stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"{}\" fill=\"#c2410c\">{}</text>",
                    self.y(0.0),
                    x + 4.0,
                    label_y,
                    escape(&moment.name)
                )
            })
            .collect()
    }
}

/// The run's length, in seconds.
fn span(sent: &[Sent], moments: &[Moment]) -> f64 {
    sent.iter()
        .map(|s| s.ended)
        .chain(moments.iter().map(|m| m.at))
        .max()
        .unwrap_or_default()
        .as_secs_f64()
}

fn throughput(sent: &[Sent], moments: &[Moment]) -> String {
    let bucket = Duration::from_millis(100);
    let buckets = (span(sent, moments) / bucket.as_secs_f64()).ceil() as usize + 1;
    let (mut requests, mut sales) = (vec![0u64; buckets], vec![0u64; buckets]);
    for s in sent {
        let n = (s.ended.as_millis() / bucket.as_millis()) as usize;
        requests[n.min(buckets - 1)] += 1;
        if s.sold {
            sales[n.min(buckets - 1)] += 1;
        }
    }
    let at = |n: usize| n as f64 * bucket.as_secs_f64();
    let series = |counts: &[u64]| -> Vec<(f64, f64)> {
        counts
            .iter()
            .enumerate()
            .map(|(n, count)| (at(n), *count as f64))
            .collect()
    };
    let peak = requests.iter().copied().max().unwrap_or(0) as f64;
    let frame = Frame::new(at(buckets), peak);
    let mut svg = frame.open("sales and requests per 100 ms", " s", "per 100 ms");
    svg.push_str(&frame.line(&series(&requests), "#2563eb", "requests", 0));
    svg.push_str(&frame.line(&series(&sales), "#16a34a", "sales", 1));
    svg.push_str(&frame.moments(moments));
    svg.push_str("</svg>");
    svg
}

fn latency(sent: &[Sent], moments: &[Moment]) -> String {
    let seconds = span(sent, moments);
    // About a hundred points across the run, none narrower than 100 ms.
    let width = (seconds / 100.0).max(0.1);
    let buckets = (seconds / width).ceil() as usize + 1;
    let mut histograms: Vec<Option<Histogram<u64>>> = (0..buckets).map(|_| None).collect();
    for s in sent {
        let n = ((s.ended.as_secs_f64() / width) as usize).min(buckets - 1);
        let histogram = histograms[n]
            .get_or_insert_with(|| Histogram::new(3).expect("three significant figures"));
        let _ = histogram.record(s.took.as_micros().max(1) as u64);
    }
    let quantiles = [
        (0.5, "#16a34a", "p50"),
        (0.9, "#ca8a04", "p90"),
        (0.99, "#dc2626", "p99"),
    ];
    let points = |q: f64| -> Vec<(f64, f64)> {
        histograms
            .iter()
            .enumerate()
            .filter_map(|(n, h)| {
                h.as_ref()
                    .map(|h| (n as f64 * width, h.value_at_quantile(q) as f64 / 1000.0))
            })
            .collect()
    };
    let highest = points(0.99).iter().map(|(_, ms)| *ms).fold(0.0, f64::max);
    let frame = Frame::new(buckets as f64 * width, highest);
    let mut svg = frame.open("latency percentiles over time", " s", "ms");
    for (slot, (q, color, name)) in quantiles.into_iter().enumerate() {
        svg.push_str(&frame.line(&points(q), color, name, slot));
    }
    svg.push_str(&frame.moments(moments));
    svg.push_str("</svg>");
    svg
}

fn outcomes(sent: &[Sent]) -> String {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for s in sent {
        *counts.entry(s.outcome.as_str()).or_default() += 1;
    }
    let mut rows: Vec<(&str, u64)> = counts.into_iter().collect();
    rows.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let most = rows.first().map_or(1, |(_, count)| *count).max(1) as f64;
    let row_height = 22.0;
    let height = row_height * rows.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"outcomes by status and code\">"
    );
    let bar_left = 230.0;
    for (n, (outcome, count)) in rows.iter().enumerate() {
        let y = 5.0 + n as f64 * row_height;
        let length = (*count as f64 / most) * (WIDTH - bar_left - 90.0);
        // By the status in the label (`201`, `join 200`, `409 out_of_stock`, `no answer`).
        let color = match outcome.chars().find(char::is_ascii_digit) {
            Some('2') => "#16a34a",
            Some('4') => "#ca8a04",
            _ => "#dc2626",
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{bar_left}\" y=\"{y}\" width=\"{length:.1}\" height=\"16\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{}\">{count}</text>",
            bar_left - 8.0,
            y + 12.0,
            escape(outcome),
            bar_left + length + 6.0,
            y + 12.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn scatter(ranks: &Ranks) -> String {
    let every = (ranks.points.len() / MAX_POINTS).max(1);
    let x_max = ranks.points.iter().map(|p| p.0).fold(0.0, f64::max);
    let y_max = ranks.points.iter().map(|p| p.1).fold(0.0, f64::max);
    let frame = Frame::new(x_max, y_max);
    let mut svg = frame.open(&ranks.title, "", &ranks.y_label);
    for (x, y) in ranks.points.iter().step_by(every) {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.6\" fill=\"#2563eb\" fill-opacity=\".6\"/>",
            frame.x(*x),
            frame.y(*y)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        WIDTH - RIGHT,
        HEIGHT - BOTTOM - 6.0,
        escape(&ranks.x_label)
    );
    svg
}

/// A number for an axis: whole above 10, one decimal below.
fn short(value: f64) -> String {
    if value >= 10.0 || value == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_stands_alone_and_escapes_what_it_shows() {
        let traffic = Traffic {
            sent: (0..50)
                .map(|n| Sent {
                    ended: Duration::from_millis(n * 40),
                    took: Duration::from_millis(5 + n),
                    outcome: if n % 5 == 0 {
                        "409 out_of_stock"
                    } else {
                        "201"
                    }
                    .into(),
                    sold: n % 5 != 0,
                })
                .collect(),
            moments: vec![Moment {
                name: "sold out".into(),
                at: Duration::from_millis(1_500),
            }],
            ranks: vec![Ranks {
                title: "admission order against arrival order".into(),
                x_label: "arrival".into(),
                y_label: "admission".into(),
                points: vec![(1.0, 1.0), (2.0, 3.0), (3.0, 2.0)],
            }],
            notes: vec!["<script>alert(1)</script> oversold".into()],
        };
        let html = render("drop", "buyers: 50", &traffic, false);
        assert!(html.starts_with("<!doctype html>"));
        assert!(
            !html.contains("<script"),
            "nothing runs, nothing is fetched"
        );
        assert!(!html.contains("src="), "nothing is fetched");
        assert!(html.contains("&lt;script&gt;"));
        assert_eq!(html.matches("<svg").count(), 4);
        assert!(html.contains("sold out") && html.contains("409 out_of_stock"));
        assert!(html.contains("FAILED"));
    }
}
