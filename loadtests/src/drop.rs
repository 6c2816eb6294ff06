//! `drop`: B buyers arrive around the scheduled start of a product of S units sold through its
//! waiting room. Each joins the queue at its arrival; `--watchers` of them follow their place
//! over WebSocket, the others poll it; once admitted, a buyer checks out with its ticket and pays
//! in the call. A share tries to check out without being admitted first (and must be refused).
//!
//! Then it measures what a drop is judged by:
//! - fairness: the rank correlation (Spearman) between arrival order after the start and queue
//!   order (the order admission follows), which should be 1; and between arrival order before
//!   the start and the places drawn for it, which should be near 0;
//! - the time from the last unit sold to the last queued buyer told "sold out" (over WebSocket;
//!   the pollers hear it at their next poll);
//! - the checkout latency of admitted buyers;
//! - that nobody bought without an admission;
//! - and the flash sale's usual checks of the database: nothing oversold, nothing lost.

use crate::order::{self, GOOD_CARD, Outcome, Pays, Request, Retry};
use crate::progress::{Counters, Progress};
use crate::random::Random;
use crate::records::Records;
use crate::report::Measured;
use crate::setup::{Buyer, Plan, Shop, mint_buyers};
use crate::traffic::{self, Ranks};
use crate::verify::{self, Check};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// How a drop is run.
pub struct DropSale {
    pub server: String,
    pub admin: (String, String),
    pub database_url: String,
    pub stock: i64,
    pub buyers: usize,
    /// Arrivals are spread evenly over this span...
    pub spread: Duration,
    /// ...this share of it before the start.
    pub early_share: f64,
    /// Buyers following their place over WebSocket (the first of every few).
    pub watchers: usize,
    /// How often the others ask where they stand.
    pub poll: Duration,
    /// Share of buyers who first try to check out without an admission.
    pub cheaters: f64,
    /// The server's signing key: buyers are made in its database and signed here.
    pub key_file: Option<PathBuf>,
    pub seed: u64,
    pub report: Option<PathBuf>,
}

/// How long a buyer waits for the sale's end before giving up.
const PATIENCE: Duration = Duration::from_secs(120);
/// The most HTTP requests the buyers have in flight at once, over as many kept-alive
/// connections: tens of thousands of simulated buyers share them as browsers share their
/// pools, so neither side runs out of file descriptors (20,000 here) beside the WebSockets.
const HTTP_IN_FLIGHT: usize = 1_024;

/// What happened to one buyer.
#[derive(Debug, Default)]
struct Journey {
    arrived: Option<Instant>,
    watched: bool,
    admitted: Option<Instant>,
    checkout: Option<Outcome>,
    refused_unadmitted: Option<Outcome>,
    told_sold_out: Option<Instant>,
    gave_up: bool,
}

/// A queue entry as stored, for the fairness figures.
#[derive(Debug, sqlx::FromRow)]
struct StoredEntry {
    product_id: Uuid,
    user_id: Uuid,
    place: Option<i64>,
    /// When the server placed the arrival.
    joined_at: OffsetDateTime,
}

/// A paid order of the product, with whether an admission placed it.
#[derive(Debug, sqlx::FromRow)]
struct PaidOrder {
    product_id: Uuid,
    order_id: Uuid,
    admitted_for_it: bool,
}

pub async fn run(sale: &DropSale, records: &Records) -> anyhow::Result<bool> {
    let plan = Plan {
        stocks: vec![sale.stock],
        buyers: if sale.key_file.is_some() {
            0
        } else {
            sale.buyers
        },
        price_cents: 1999,
    };
    let mut shop = Shop::prepare(&sale.server, &sale.admin, &plan).await?;
    if let Some(key_file) = &sale.key_file {
        shop.buyers = mint_buyers(&sale.database_url, key_file, sale.buyers).await?;
    }
    let product = shop.hot().id;
    // Arrivals start in two seconds; the sale starts `early_share` of the spread later.
    let first_arrival = Instant::now() + Duration::from_secs(2);
    let until_start = sale.spread.mul_f64(sale.early_share);
    let start_at = first_arrival + until_start;
    let starts = OffsetDateTime::from(SystemTime::now() + Duration::from_secs(2) + until_start);
    crate::api::patch(
        &shop.client,
        format!("{}/api/v1/products/{product}", shop.server),
        &shop.seller,
        json!({"waiting_room": true, "max_per_order": 1,
               "sale_starts_at": starts.format(&Rfc3339)?}),
    )
    .await?;
    eprintln!(
        "{} buyers arrive over {:.0} s around the start of a drop of {} units ({} watch over \
         WebSocket, the others poll every {:.0} s)...",
        sale.buyers,
        sale.spread.as_secs_f64(),
        sale.stock,
        sale.watchers.min(sale.buyers),
        sale.poll.as_secs_f64()
    );
    traffic::start();
    traffic::mark("sale starts", start_at);
    let counters = Arc::new(Counters::default());
    let progress = Progress::start(counters.clone(), Some(sale.buyers as u64));
    let watch_every = sale.buyers / sale.watchers.clamp(1, sale.buyers.max(1));
    let cheat_every =
        (sale.cheaters > 0.0).then(|| (1.0 / sale.cheaters).round().max(1.0) as usize);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(HTTP_IN_FLIGHT)
        // Below the server's keep-alive (5 s), as in `setup`.
        .pool_idle_timeout(Duration::from_secs(2))
        .build()?;
    let in_flight = Arc::new(Semaphore::new(HTTP_IN_FLIGHT));
    let mut tasks = Vec::with_capacity(sale.buyers);
    for (n, buyer) in shop.buyers.iter().cloned().enumerate() {
        let arrives = first_arrival + sale.spread.mul_f64(n as f64 / sale.buyers.max(1) as f64);
        let visit = Visit {
            client: client.clone(),
            in_flight: in_flight.clone(),
            server: shop.server.clone(),
            product,
            buyer,
            key: format!("drop-{n}"),
            watches: sale.watchers > 0 && n % watch_every.max(1) == 0,
            cheats: cheat_every.is_some_and(|every| n % every == 1),
            poll: sale.poll,
            seed: sale.seed.wrapping_add(n as u64),
            counters: counters.clone(),
        };
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(arrives.into()).await;
            let journey = visit.run().await;
            visit.counters.done.fetch_add(1, Ordering::Relaxed);
            journey
        }));
    }
    let mut journeys = Vec::with_capacity(tasks.len());
    for task in tasks {
        journeys.push(task.await?);
    }
    drop(progress);

    let figures = Figures::of(&journeys, start_at);
    let outcomes: Vec<Outcome> = journeys
        .iter_mut()
        .flat_map(|journey| {
            journey
                .refused_unadmitted
                .take()
                .into_iter()
                .chain(journey.checkout.take())
        })
        .collect();
    let (stock, mut checks) = verify::run(records, &shop, &outcomes).await?;
    let entries: Vec<StoredEntry> = records
        .rows("SELECT product_id, user_id, place, joined_at FROM queue_entries")
        .await?;
    let entries: Vec<StoredEntry> = entries
        .into_iter()
        .filter(|entry| entry.product_id == product)
        .collect();
    let paid: Vec<PaidOrder> = records
        .rows(
            "SELECT oi.product_id, o.id AS order_id,
                 EXISTS (SELECT 1 FROM queue_entries q
                         WHERE q.product_id = oi.product_id AND q.user_id = o.user_id
                           AND q.order_id = o.id AND q.admitted_at IS NOT NULL) AS admitted_for_it
             FROM orders o JOIN order_items oi ON oi.order_id = o.id
             WHERE o.status = 'paid'",
        )
        .await?;
    checks.push(only_admitted_bought(product, &paid));
    checks.push(unadmitted_refused(&journeys_refusals(&outcomes)));
    let fairness = Fairness::of(&journeys, &shop.buyers, &entries, starts, start_at);

    println!(
        "\ndrop: {} buyers, {} units, waiting room on",
        sale.buyers, sale.stock
    );
    let lines = figures.lines(&fairness);
    for line in &lines {
        println!("{line}");
    }
    let passed = crate::flash_sale::print_checks(&stock, &checks);
    for line in lines {
        traffic::note(line);
    }
    if let Some(last_sold) = figures.last_sold {
        traffic::mark("last unit sold", last_sold);
    }
    if let Some(told) = figures.last_told_watching {
        traffic::mark("last watcher told sold out", told);
    }
    if let Some(path) = &sale.report {
        let report = json!({
            "settings": {"buyers": sale.buyers, "stock": sale.stock,
                         "spread_seconds": sale.spread.as_secs_f64(),
                         "early_share": sale.early_share, "watchers": sale.watchers,
                         "poll_seconds": sale.poll.as_secs_f64(), "cheaters": sale.cheaters},
            "result": figures.json(&fairness),
            "checks": checks.iter().map(|check| json!({
                "check": check.name, "passed": check.passed(), "violations": check.violations,
            })).collect::<Vec<_>>(),
            "passed": passed,
        });
        crate::report::write_json(path, &report)?;
    }
    traffic::ranks(fairness.after_start_ranks);
    traffic::ranks(fairness.before_start_ranks);
    Ok(passed)
}

/// The answers of the checkouts tried without an admission.
fn journeys_refusals(outcomes: &[Outcome]) -> Vec<&Outcome> {
    outcomes
        .iter()
        .filter(|outcome| outcome.request.queue_ticket.is_none())
        .collect()
}

fn only_admitted_bought(product: Uuid, paid: &[PaidOrder]) -> Check {
    let mut check = Check::new("nobody bought without an admission");
    for order in paid.iter().filter(|order| order.product_id == product) {
        if !order.admitted_for_it {
            check.violations.push(format!(
                "order {} is paid but no admission placed it",
                order.order_id
            ));
        }
    }
    check
}

fn unadmitted_refused(refusals: &[&Outcome]) -> Check {
    let mut check = Check::new(
        "every checkout without an admission was refused (queue_required; not_on_sale_yet before \
         the start)",
    );
    for outcome in refusals {
        let code = outcome.checkout.code.as_deref();
        if code != Some("queue_required") && code != Some("not_on_sale_yet") {
            check.violations.push(format!(
                "key {}: {}",
                outcome.request.key,
                outcome.checkout.label()
            ));
        }
    }
    check
}

/// One buyer's visit.
struct Visit {
    client: reqwest::Client,
    /// A permit per HTTP request in flight.
    in_flight: Arc<Semaphore>,
    server: String,
    product: Uuid,
    buyer: Buyer,
    key: String,
    watches: bool,
    cheats: bool,
    poll: Duration,
    seed: u64,
    counters: Arc<Counters>,
}

/// Where a buyer stands, as it learns it.
enum Heard {
    Admitted(String),
    SoldOut,
    Over,
}

impl Visit {
    async fn run(&self) -> Journey {
        let mut journey = Journey {
            arrived: Some(Instant::now()),
            watched: self.watches,
            ..Journey::default()
        };
        if self.cheats {
            journey.refused_unadmitted = Some(self.checkout(None).await);
        }
        let Some(standing) = self.join().await else {
            journey.gave_up = true;
            return journey;
        };
        let ticket = standing["ticket"].as_str().unwrap_or_default().to_owned();
        let heard = if self.watches {
            self.watch(&ticket).await
        } else {
            self.poll_until_decided(&ticket, &standing).await
        };
        match heard {
            Heard::Admitted(ticket) => {
                journey.admitted = Some(Instant::now());
                let outcome = self.checkout(Some(ticket)).await;
                if outcome.acknowledged().is_some_and(|(_, paid)| paid) {
                    self.counters.sold.fetch_add(1, Ordering::Relaxed);
                }
                journey.checkout = Some(outcome);
            }
            Heard::SoldOut => journey.told_sold_out = Some(Instant::now()),
            Heard::Over => journey.gave_up = true,
        }
        journey
    }

    /// Joins the queue (retrying what did not answer); the standing.
    async fn join(&self) -> Option<Value> {
        let url = format!("{}/api/v1/products/{}/queue", self.server, self.product);
        for _ in 0..20 {
            match self.call(self.client.post(&url), "join").await {
                Some((200, standing)) => return Some(standing),
                Some((status, _)) if status < 500 && status != 429 => return None,
                _ => {}
            }
            self.counters.errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        None
    }

    /// Sends `request` as the buyer, within the shared budget of requests in flight, and
    /// records it as `what`: the status and body, or none when no answer came.
    async fn call(&self, request: reqwest::RequestBuilder, what: &str) -> Option<(u16, Value)> {
        let _permit = self.in_flight.acquire().await;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let sent = Instant::now();
        match request.bearer_auth(&self.buyer.token).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let outcome = format!("{what} {}", traffic::outcome_of(status, &body));
                traffic::record(sent, outcome, false);
                Some((status, body))
            }
            Err(_) => {
                traffic::record(sent, format!("{what} no answer"), false);
                None
            }
        }
    }

    /// Checks out one unit, paying by card, with `ticket`.
    async fn checkout(&self, ticket: Option<String>) -> Outcome {
        let request = Request {
            buyer: self.buyer.id,
            token: self.buyer.token.clone(),
            key: match &ticket {
                Some(_) => self.key.clone(),
                None => format!("{}-unadmitted", self.key),
            },
            lines: vec![(self.product, 1)],
            pays: Pays::Card(GOOD_CARD),
            queue_ticket: ticket,
        };
        let _permit = self.in_flight.acquire().await;
        let now = Instant::now();
        let retry = Retry {
            deadline: now + Duration::from_secs(30),
            pause: Duration::from_millis(50),
        };
        order::place(
            &self.client,
            &self.server,
            request,
            now,
            retry,
            &self.counters,
        )
        .await
    }

    /// Follows the buyer's place over WebSocket until admitted or sold out.
    async fn watch(&self, ticket: &str) -> Heard {
        let url = format!(
            "{}/api/v1/ws?access_token={}",
            self.server.replacen("http", "ws", 1),
            self.buyer.token
        );
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(url).await else {
            return self.poll_until_decided(ticket, &Value::Null).await;
        };
        let subscribe = json!({"type": "subscribe", "topic": format!("queue:{}", self.product)});
        if socket
            .send(Message::text(subscribe.to_string()))
            .await
            .is_err()
        {
            return self.poll_until_decided(ticket, &Value::Null).await;
        }
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(_) => return self.poll_until_decided(ticket, &Value::Null).await,
                Err(_) => return Heard::Over,
            };
            let Message::Text(text) = frame else { continue };
            let message: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if message["type"] != "queue" {
                continue;
            }
            match message["state"].as_str() {
                Some("admitted") => {
                    let _ = socket.close(None).await;
                    return Heard::Admitted(ticket.to_owned());
                }
                Some("sold_out") => {
                    let _ = socket.close(None).await;
                    return Heard::SoldOut;
                }
                Some("expired") => return Heard::Over,
                _ => {}
            }
        }
    }

    /// Asks where the buyer stands, every `poll` (with jitter), until admitted or sold out.
    async fn poll_until_decided(&self, ticket: &str, first: &Value) -> Heard {
        let url = format!("{}/api/v1/products/{}/queue", self.server, self.product);
        let mut random = Random::new(self.seed);
        let deadline = Instant::now() + PATIENCE;
        let mut standing = first.clone();
        loop {
            match standing["state"].as_str() {
                Some("admitted") => return Heard::Admitted(ticket.to_owned()),
                Some("sold_out") => return Heard::SoldOut,
                Some("expired" | "checked_out") => return Heard::Over,
                _ => {}
            }
            if Instant::now() > deadline {
                return Heard::Over;
            }
            // As a browser in a waiting room does: ask again sooner near the front, rarely far
            // back (a quarter of the estimated wait, between --poll-secs and ten times it).
            let estimate = standing["estimated_wait_secs"].as_f64().unwrap_or(0.0) / 4.0;
            let interval = Duration::from_secs_f64(estimate).clamp(self.poll, self.poll * 10);
            let jitter = 0.5 + random.unit();
            tokio::time::sleep(interval.mul_f64(jitter)).await;
            standing = self
                .call(self.client.get(&url), "poll")
                .await
                .map_or(Value::Null, |(_, standing)| standing);
        }
    }
}

/// The timings of a drop.
struct Figures {
    buyers: usize,
    admitted: usize,
    sold: usize,
    gave_up: usize,
    told_watching: usize,
    told_polling: usize,
    checkout: Measured,
    last_sold: Option<Instant>,
    last_told_watching: Option<Instant>,
    last_told_polling: Option<Instant>,
}

impl Figures {
    fn of(journeys: &[Journey], start_at: Instant) -> Self {
        let mut figures = Figures {
            buyers: journeys.len(),
            admitted: 0,
            sold: 0,
            gave_up: 0,
            told_watching: 0,
            told_polling: 0,
            checkout: Measured::new(),
            last_sold: None,
            last_told_watching: None,
            last_told_polling: None,
        };
        let (mut watching_told, mut polling_told) = (Vec::new(), Vec::new());
        for journey in journeys {
            if journey.admitted.is_some() {
                figures.admitted += 1;
            }
            if journey.gave_up {
                figures.gave_up += 1;
            }
            if let Some(outcome) = &journey.checkout {
                figures.checkout.record(outcome.finished - outcome.sent);
                if outcome.acknowledged().is_some_and(|(_, paid)| paid) {
                    figures.sold += 1;
                    figures.last_sold = figures.last_sold.max(Some(outcome.finished));
                }
            }
            if let Some(told) = journey.told_sold_out {
                if journey.watched {
                    watching_told.push((journey.arrived, told));
                    figures.told_watching += 1;
                } else {
                    figures.told_polling += 1;
                    polling_told.push((journey.arrived, told));
                }
            }
        }
        // Who was queued when the last unit sold: a later arrival hears "sold out" as it joins.
        let queued_then = |told: &[(Option<Instant>, Instant)]| {
            told.iter()
                .filter(|(arrived, _)| {
                    arrived
                        .zip(figures.last_sold)
                        .is_some_and(|(arrived, sold)| arrived < sold)
                })
                .map(|(_, told)| *told)
                .max()
        };
        figures.last_told_watching = queued_then(&watching_told);
        figures.last_told_polling = queued_then(&polling_told);
        figures.checkout.elapsed = figures.last_sold.map_or(Duration::ZERO, |last| {
            last.saturating_duration_since(start_at)
        });
        figures.checkout.sales = figures.sold as u64;
        figures
    }

    /// From the last unit sold to `told`, in seconds (negative: told before the end was seen).
    fn after_last_sale(&self, told: Option<Instant>) -> Option<f64> {
        let (sold, told) = (self.last_sold?, told?);
        Some(if told >= sold {
            (told - sold).as_secs_f64()
        } else {
            -(sold - told).as_secs_f64()
        })
    }

    fn lines(&self, fairness: &Fairness) -> Vec<String> {
        let seconds = |value: Option<f64>| value.map_or("-".to_owned(), |s| format!("{s:.3} s"));
        vec![
            format!(
                "{} buyers: {} admitted, {} bought, {} told sold out (watching {}, polling {}), \
                 {} gave up",
                self.buyers,
                self.admitted,
                self.sold,
                self.told_watching + self.told_polling,
                self.told_watching,
                self.told_polling,
                self.gave_up
            ),
            format!(
                "from the last unit sold to the last buyer queued then told sold out: {} over \
                 WebSocket (goal: under 1 s), {} polling",
                seconds(self.after_last_sale(self.last_told_watching)),
                seconds(self.after_last_sale(self.last_told_polling))
            ),
            format!(
                "checkout of admitted buyers (with payment): {}",
                self.checkout.percentiles()
            ),
            format!(
                "fairness: rank correlation of arrival with queue order for those placed after \
                 the start {:.3} ({} buyers; 1 is first come, first served), with the places \
                 drawn for those placed before it {:.3} ({} buyers; 0 is a fair draw); {} \
                 arrived before the start but were placed after it",
                fairness.after_start,
                fairness.after_count,
                fairness.before_start,
                fairness.before_count,
                fairness.late_joins
            ),
        ]
    }

    fn json(&self, fairness: &Fairness) -> Value {
        json!({
            "buyers": self.buyers, "admitted": self.admitted, "bought": self.sold,
            "gave_up": self.gave_up,
            "told_sold_out": {"watching": self.told_watching, "polling": self.told_polling},
            "last_sold_to_last_told_seconds": {
                "watching": self.after_last_sale(self.last_told_watching),
                "polling": self.after_last_sale(self.last_told_polling),
            },
            "checkout_ms": self.checkout.percentiles_json(),
            "fairness": {
                "after_start_spearman": fairness.after_start,
                "after_start_buyers": fairness.after_count,
                "before_start_spearman": fairness.before_start,
                "before_start_buyers": fairness.before_count,
                "arrived_before_placed_after": fairness.late_joins,
            },
        })
    }
}

/// How fair the queue's order was.
struct Fairness {
    /// Buyers who arrived before the start but whose join the server handled after it.
    late_joins: usize,
    after_start: f64,
    after_count: usize,
    before_start: f64,
    before_count: usize,
    after_start_ranks: Ranks,
    before_start_ranks: Ranks,
}

impl Fairness {
    fn of(
        journeys: &[Journey],
        buyers: &[Buyer],
        entries: &[StoredEntry],
        starts: OffsetDateTime,
        start_at: Instant,
    ) -> Self {
        let entry_of: HashMap<Uuid, &StoredEntry> =
            entries.iter().map(|entry| (entry.user_id, entry)).collect();
        // (arrival, place) of the buyers whose entry has a place, by whether the server placed
        // them before the start (drawn) or after it (in line), each ranked by when they arrived.
        let mut before: Vec<(Instant, f64)> = Vec::new();
        let mut after: Vec<(Instant, f64)> = Vec::new();
        let mut late_joins = 0;
        for (journey, buyer) in journeys.iter().zip(buyers) {
            let Some((arrived, entry)) = journey.arrived.zip(entry_of.get(&buyer.id)) else {
                continue;
            };
            let Some(place) = entry.place else { continue };
            let point = (arrived, place as f64);
            if entry.joined_at < starts {
                before.push(point);
            } else {
                if arrived < start_at {
                    late_joins += 1;
                }
                after.push(point);
            }
        }
        let ranked = |points: &mut Vec<(Instant, f64)>| -> Vec<(f64, f64)> {
            points.sort_by_key(|(arrived, _)| *arrived);
            let places: Vec<f64> = points.iter().map(|(_, place)| *place).collect();
            let place_ranks = ranks(&places);
            place_ranks
                .into_iter()
                .enumerate()
                .map(|(arrival, place)| (arrival as f64 + 1.0, place))
                .collect()
        };
        let (before, after) = (ranked(&mut before), ranked(&mut after));
        Fairness {
            late_joins,
            after_start: spearman(&after),
            after_count: after.len(),
            before_start: spearman(&before),
            before_count: before.len(),
            after_start_ranks: Ranks {
                title: "Queue order against arrival order, after the start".into(),
                x_label: "arrival rank".into(),
                y_label: "queue rank".into(),
                points: after,
            },
            before_start_ranks: Ranks {
                title: "Places drawn against arrival order, before the start".into(),
                x_label: "arrival rank".into(),
                y_label: "place drawn".into(),
                points: before,
            },
        }
    }
}

/// The 1-based ranks of `values` (no ties: places are distinct).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let mut ranks = vec![0.0; values.len()];
    for (rank, index) in order.into_iter().enumerate() {
        ranks[index] = rank as f64 + 1.0;
    }
    ranks
}

/// Spearman's rank correlation of (rank, rank) pairs: 1 − 6Σd² / (n(n² − 1)).
fn spearman(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let squares: f64 = pairs.iter().map(|(a, b)| (a - b).powi(2)).sum();
    1.0 - 6.0 * squares / (n * (n * n - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_is_one_in_order_and_near_zero_shuffled() {
        let in_order: Vec<(f64, f64)> = (1..=100).map(|n| (n as f64, n as f64)).collect();
        assert!((spearman(&in_order) - 1.0).abs() < 1e-9);
        let reversed: Vec<(f64, f64)> = (1..=100).map(|n| (n as f64, 101.0 - n as f64)).collect();
        assert!((spearman(&reversed) + 1.0).abs() < 1e-9);
        let mut random = Random::new(42);
        let mut places: Vec<f64> = (1..=2_000).map(f64::from).collect();
        for i in (1..places.len()).rev() {
            places.swap(i, random.below(i as u64 + 1) as usize);
        }
        let shuffled: Vec<(f64, f64)> = ranks(&places)
            .into_iter()
            .enumerate()
            .map(|(n, place)| (n as f64 + 1.0, place))
            .collect();
        assert!(spearman(&shuffled).abs() < 0.1, "{}", spearman(&shuffled));
    }
}
