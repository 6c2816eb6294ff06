//! `browse`: the everyday load. Requests arrive at a fixed rate (open loop: a slow server does not
//! slow the arrivals down), each one of a weighted mix of searches, product pages, category
//! pages, adds to cart and checkouts, optionally while WebSocket watchers stay subscribed (the
//! soak test's load). Latency is measured from when a request was due, so queueing in the load
//! generator or the server counts (no coordinated omission).

use crate::order::{self, GOOD_CARD, Request};
use crate::progress::{Counters, Progress};
use crate::random::Random;
use crate::report::Measured;
use crate::setup::{Plan, Shop};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// What a browsing client does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Search,
    Product,
    Category,
    AddToCart,
    Checkout,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Search,
        Kind::Product,
        Kind::Category,
        Kind::AddToCart,
        Kind::Checkout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Search => "search",
            Kind::Product => "product",
            Kind::Category => "category",
            Kind::AddToCart => "cart",
            Kind::Checkout => "checkout",
        }
    }
}

/// The weights of the mix, as `search=40,product=35,category=15,cart=7,checkout=3`.
#[derive(Clone, Debug)]
pub struct Mix(Vec<(Kind, u32)>);

impl Default for Mix {
    fn default() -> Self {
        Mix(vec![
            (Kind::Search, 40),
            (Kind::Product, 35),
            (Kind::Category, 15),
            (Kind::AddToCart, 7),
            (Kind::Checkout, 3),
        ])
    }
}

impl std::str::FromStr for Mix {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let mut weights = Vec::new();
        for part in raw.split(',') {
            let (name, weight) = part
                .split_once('=')
                .ok_or(format!("--mix: {part:?} is not NAME=WEIGHT"))?;
            let kind = Kind::ALL
                .into_iter()
                .find(|kind| kind.name() == name.trim())
                .ok_or(format!(
                    "--mix: unknown request {name:?} (search, product, category, cart, checkout)"
                ))?;
            let weight = weight
                .trim()
                .parse()
                .map_err(|_| format!("--mix: the weight of {name} is not a whole number"))?;
            weights.push((kind, weight));
        }
        if weights.iter().map(|(_, weight)| weight).sum::<u32>() == 0 {
            return Err("--mix: the weights add up to zero".into());
        }
        Ok(Mix(weights))
    }
}

impl Mix {
    fn pick(&self, random: &mut Random) -> Kind {
        let total: u32 = self.0.iter().map(|(_, weight)| weight).sum();
        let mut roll = random.below(u64::from(total)) as u32;
        for &(kind, weight) in &self.0 {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        self.0[0].0
    }
}

/// How a browsing run is set up.
pub struct Browse {
    pub server: String,
    pub admin: (String, String),
    pub rate: f64,
    pub run: Duration,
    pub mix: Mix,
    pub products: usize,
    pub buyers: usize,
    /// WebSocket clients watching the shop's products for the whole run.
    pub watchers: usize,
    pub seed: u64,
    pub report: Option<std::path::PathBuf>,
}

/// Per kind: response time from when the request was due, and answers by status.
struct Tally {
    response: Measured,
    by_status: BTreeMap<String, u64>,
}

/// Runs the mix; `Ok(false)` if any request failed with a 5xx or no answer.
pub async fn run(browse: &Browse) -> anyhow::Result<bool> {
    let plan = Plan {
        stocks: vec![1_000_000; browse.products.max(1)],
        buyers: browse.buyers.max(1),
        price_cents: 1999,
    };
    let shop = Arc::new(Shop::prepare(&browse.server, &browse.admin, &plan).await?);
    let watching = Watching::connect(&shop, browse.watchers).await?;
    let mut random = Random::new(browse.seed);
    let total = (browse.rate * browse.run.as_secs_f64()).round() as u64;
    eprintln!(
        "browsing: {total} requests at {:.0}/s for {:.0} s ({:?})...",
        browse.rate,
        browse.run.as_secs_f64(),
        browse.mix.0
    );
    let counters = Arc::new(Counters::default());
    let progress = Progress::start(counters.clone(), Some(total));
    let started = Instant::now();
    let mut requests = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = started + Duration::from_secs_f64(n as f64 / browse.rate);
        let kind = browse.mix.pick(&mut random);
        let product = shop.products[random.below(shop.products.len() as u64) as usize].id;
        let buyer = random.below(shop.buyers.len() as u64) as usize;
        let (shop, counters) = (shop.clone(), counters.clone());
        tokio::time::sleep_until(due.into()).await;
        requests.push(tokio::spawn(async move {
            let status = send(&shop, kind, product, buyer, n, due, &counters).await;
            match status {
                Some(status) if status < 500 => {
                    if kind == Kind::Checkout && status == 201 {
                        counters.sold.fetch_add(1, Ordering::Relaxed);
                    }
                }
                _ => {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            counters.done.fetch_add(1, Ordering::Relaxed);
            (kind, status, due.elapsed())
        }));
    }
    let mut tallies: BTreeMap<Kind, Tally> = BTreeMap::new();
    let mut failed = 0;
    for request in requests {
        let (kind, status, took) = request.await?;
        let tally = tallies.entry(kind).or_insert_with(|| Tally {
            response: Measured::new(),
            by_status: BTreeMap::new(),
        });
        tally.response.record(took);
        let label = status.map_or("no answer".to_owned(), |status| status.to_string());
        *tally.by_status.entry(label).or_default() += 1;
        if status.is_none_or(|status| status >= 500) {
            failed += 1;
        }
    }
    let elapsed = started.elapsed();
    drop(progress);
    let watched = watching.stop().await;
    failed += watched.dropped;

    println!(
        "\nbrowse: {total} requests offered at {:.0}/s, answered in {:.1} s ({:.0}/s)",
        browse.rate,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| request | count | answers | response time from due (p50 / p99 / max ms) |\n|---|---:|---|---:|"
    );
    let mut report = Vec::new();
    for (kind, tally) in &tallies {
        let count = tally.response.latency.len();
        println!(
            "| {} | {count} | {:?} | {:.1} / {:.1} / {:.1} |",
            kind.name(),
            tally.by_status,
            tally.response.latency.value_at_quantile(0.5) as f64 / 1000.0,
            tally.response.latency.value_at_quantile(0.99) as f64 / 1000.0,
            tally.response.latency.max() as f64 / 1000.0
        );
        report.push(json!({
            "request": kind.name(), "count": count, "answers": tally.by_status,
            "response_ms": tally.response.percentiles_json(),
        }));
    }
    if browse.watchers > 0 {
        println!(
            "watchers: {} subscribed, {} stock messages heard, {} dropped before the end",
            browse.watchers, watched.messages, watched.dropped
        );
    }
    println!("failed (5xx, no answer or a dropped watcher): {failed}");
    if let Some(path) = &browse.report {
        let body = json!({
            "settings": {
                "rate": browse.rate, "seconds": browse.run.as_secs_f64(), "products": browse.products,
                "buyers": browse.buyers, "watchers": browse.watchers, "seed": browse.seed,
                "mix": browse.mix.0.iter().map(|(kind, weight)| (kind.name(), *weight)).collect::<BTreeMap<_, _>>(),
            },
            "offered": total, "seconds": elapsed.as_secs_f64(), "failed": failed, "requests": report,
            "watchers": {"messages": watched.messages, "dropped": watched.dropped},
        });
        crate::report::write_json(path, &body)?;
    }
    Ok(failed == 0)
}

/// WebSocket clients that stay subscribed, each to one of the shop's products, while the
/// requests run.
struct Watching {
    clients: Vec<tokio::task::JoinHandle<anyhow::Result<u64>>>,
    stop: tokio::sync::watch::Sender<bool>,
}

/// What the watchers heard, and how many lost their connection before the end.
struct Watched {
    messages: u64,
    dropped: u64,
}

impl Watching {
    /// Connects `count` watchers and waits until each is subscribed.
    async fn connect(shop: &Shop, count: usize) -> anyhow::Result<Self> {
        let url = format!("{}/api/v1/ws", shop.server.replacen("http", "ws", 1));
        let (ready, mut subscribed) = tokio::sync::mpsc::channel(count.max(1));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let clients = (0..count)
            .map(|n| {
                let product = shop.products[n % shop.products.len()].id.to_string();
                let watching =
                    crate::watchers::watch(url.clone(), product, ready.clone(), stopped.clone());
                let stopped = stopped.clone();
                tokio::spawn(async move {
                    let watched = watching.await?;
                    // A watcher whose socket ended before the run did was dropped by the server.
                    anyhow::ensure!(*stopped.borrow(), "the server closed the socket");
                    Ok(watched.messages)
                })
            })
            .collect();
        drop(ready);
        for n in 0..count {
            tokio::time::timeout(Duration::from_secs(30), subscribed.recv())
                .await
                .ok()
                .flatten()
                .ok_or_else(|| anyhow::anyhow!("{n} of {count} watchers subscribed"))?;
        }
        Ok(Self { clients, stop })
    }

    async fn stop(self) -> Watched {
        let _ = self.stop.send(true);
        let mut watched = Watched {
            messages: 0,
            dropped: 0,
        };
        for client in self.clients {
            match client.await {
                Ok(Ok(messages)) => watched.messages += messages,
                _ => watched.dropped += 1,
            }
        }
        watched
    }
}

/// One request; its status, or `None` without an answer.
async fn send(
    shop: &Shop,
    kind: Kind,
    product: uuid::Uuid,
    buyer: usize,
    n: u64,
    due: Instant,
    counters: &Counters,
) -> Option<u16> {
    let server = &shop.server;
    let request = match kind {
        Kind::Search => {
            let sort = ["relevance", "price_asc", "newest"][n as usize % 3];
            shop.client
                .get(format!("{server}/api/v1/products"))
                .query(&[("q", "load product"), ("in_stock", "true"), ("sort", sort)])
        }
        Kind::Product => shop
            .client
            .get(format!("{server}/api/v1/products/{product}")),
        Kind::Category => shop
            .client
            .get(format!("{server}/api/v1/products"))
            .query(&[
                ("category", shop.category.to_string()),
                ("sort", "newest".into()),
            ]),
        Kind::AddToCart => shop
            .client
            .post(format!("{server}/api/v1/cart/items"))
            .bearer_auth(&shop.buyers[buyer].token)
            .json(&json!({"product_id": product, "qty": 1})),
        Kind::Checkout => {
            let request = Request {
                buyer: shop.buyers[buyer].id,
                token: shop.buyers[buyer].token.clone(),
                key: format!("browse-{n}"),
                lines: vec![(product, 1)],
                pays: order::Pays::Card(GOOD_CARD),
                queue_ticket: None,
            };
            // No retries: an everyday client gives up and the failure counts.
            let retry = order::Retry {
                deadline: due,
                pause: Duration::ZERO,
            };
            return order::place(&shop.client, server, request, due, retry, counters)
                .await
                .checkout
                .status;
        }
    };
    counters.requests.fetch_add(1, Ordering::Relaxed);
    let sent = Instant::now();
    let response = match request.timeout(Duration::from_secs(30)).send().await {
        Ok(response) => response,
        Err(_) => {
            crate::traffic::record(sent, "no answer".into(), false);
            return None;
        }
    };
    let status = response.status().as_u16();
    // Read the body: the request is done when the client has the page.
    let body: Value = response.json().await.unwrap_or(Value::Null);
    crate::traffic::record(sent, crate::traffic::outcome_of(status, &body), false);
    Some(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_is_parsed_and_picked_by_weight() {
        let mix: Mix = "search=3, checkout=1".parse().unwrap();
        let mut random = Random::new(7);
        let searches = (0..4000)
            .filter(|_| mix.pick(&mut random) == Kind::Search)
            .count();
        assert!((2800..3200).contains(&searches), "{searches} of 4000");
        for bad in ["search", "browse=1", "search=x", "search=0"] {
            assert!(bad.parse::<Mix>().is_err(), "{bad}");
        }
    }
}
