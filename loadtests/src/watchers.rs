//! `watchers`: N WebSocket clients watch the hot product while it sells at full speed.
//!
//! Measures the delay from a stock change to each watcher's message (the server's `at` against
//! this machine's clock: both on one machine here), messages per second, the server's memory per
//! connection, and the checkout rate with watchers against the rate without them.

use crate::checkout::{Purchase, prepare, sell};
use crate::report::Measured;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_tungstenite::tungstenite::Message;

/// What the watchers saw.
pub struct Watched {
    pub delay: Histogram<u64>,
    pub messages: u64,
}

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The string value after `key` in a flat JSON object.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let end = start + text[start..].find('"')?;
    Some(&text[start..end])
}

/// One WebSocket client subscribed to `product` until `stop`: it announces its subscription on
/// `ready` and counts the stock messages it hears.
pub(crate) async fn watch(
    url: String,
    product: String,
    ready: tokio::sync::mpsc::Sender<()>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Watched> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    let subscribe = serde_json::json!({"type": "subscribe", "topic": format!("product:{product}")});
    socket.send(Message::text(subscribe.to_string())).await?;
    let mut watched = Watched {
        delay: Histogram::new_with_bounds(1, 60_000_000, 3)?,
        messages: 0,
    };
    let mut announced = false;
    loop {
        let frame = tokio::select! {
            frame = socket.next() => frame,
            _ = stop.changed() => None,
        };
        let Some(frame) = frame else { break };
        let Message::Text(text) = frame? else {
            continue;
        };
        // Cheap field scans, not a JSON parse: the client must not be what limits the run.
        let received = OffsetDateTime::now_utc();
        if text.starts_with(r#"{"type":"stock""#) {
            watched.messages += 1;
            if let Some(at) =
                field(&text, r#""at":""#).and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())
            {
                let delay = (received - at).whole_microseconds().max(1);
                let _ = watched
                    .delay
                    .record(u64::try_from(delay).unwrap_or(u64::MAX));
            }
        } else if !announced && text.starts_with(r#"{"type":"subscribed""#) {
            announced = true;
            let _ = ready.send(()).await;
        }
    }
    Ok(watched)
}

/// Runs the sale without watchers, connects `watchers` clients, and runs it again.
pub async fn run(
    server: &str,
    admin: &(String, String),
    buyers: usize,
    watchers: usize,
    run: Duration,
    server_pid: Option<u32>,
    purchase: Purchase,
) -> anyhow::Result<serde_json::Value> {
    let sale = prepare(server, admin, buyers).await?;
    let alone = sell(&sale, run, purchase).await?;
    println!("without watchers: {:.0} checkouts/s", alone.per_second());

    let before = server_pid.and_then(rss_kib);
    let url = format!("{}/api/v1/ws", server.replacen("http", "ws", 1));
    let (ready, mut subscribed) = tokio::sync::mpsc::channel(watchers.max(1));
    // Watchers stay until the second sale is over.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // The watchers get a thread of their own: on the buyers' thread 10,000 clients starve the
    // buyers and read late, measuring the load generator instead of the server.
    let clients_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("watchers")
        .enable_all()
        .build()?;
    let connecting = Instant::now();
    let mut clients = Vec::with_capacity(watchers);
    for _ in 0..watchers {
        clients.push(clients_runtime.spawn(watch(
            url.clone(),
            sale.hot().id.to_string(),
            ready.clone(),
            stopped.clone(),
        )));
        // Pace the connections a little: a burst of 10,000 handshakes overflows the listen backlog.
        if clients.len() % 200 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(ready);
    let mut connected = 0;
    while connected < watchers {
        match tokio::time::timeout(Duration::from_secs(60), subscribed.recv()).await {
            Ok(Some(())) => connected += 1,
            _ => break,
        }
    }
    let after = server_pid.and_then(rss_kib);
    println!(
        "{connected} watchers subscribed in {:.1} s",
        connecting.elapsed().as_secs_f64()
    );
    let per_connection = before.zip(after).map(|(before, after)| {
        let per = (after.saturating_sub(before) as f64 * 1024.0) / connected.max(1) as f64;
        println!(
            "server memory: {before} KiB before, {after} KiB after: {per:.0} bytes per connection"
        );
        per
    });

    let started = Instant::now();
    let with: Measured = sell(&sale, run, purchase).await?;
    println!(
        "with watchers: {:.0} checkouts/s ({:.0} % of without)",
        with.per_second(),
        100.0 * with.per_second() / alone.per_second().max(f64::EPSILON)
    );
    // Let the last coalescing tick reach everyone, then stop the watchers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    let mut total = Watched {
        delay: Histogram::new_with_bounds(1, 60_000_000, 3)?,
        messages: 0,
    };
    for client in clients {
        if let Ok(Ok(watched)) = client.await {
            total.messages += watched.messages;
            let _ = total.delay.add(watched.delay);
        }
    }
    clients_runtime.shutdown_background();
    println!(
        "stock messages: {} ({:.0}/s); delay from change to message p50 {:.1} ms, p99 {:.1} ms",
        total.messages,
        total.messages as f64 / elapsed.as_secs_f64(),
        total.delay.value_at_quantile(0.5) as f64 / 1000.0,
        total.delay.value_at_quantile(0.99) as f64 / 1000.0
    );
    Ok(serde_json::json!({
        "watchers": connected, "buyers": buyers, "without_watchers": alone.json(),
        "with_watchers": with.json(),
        "share_with_watchers": with.per_second() / alone.per_second().max(f64::EPSILON),
        "server_bytes_per_connection": per_connection,
        "stock_messages": total.messages,
        "stock_messages_per_second": total.messages as f64 / elapsed.as_secs_f64(),
        "delay_ms": {
            "p50": total.delay.value_at_quantile(0.5) as f64 / 1000.0,
            "p99": total.delay.value_at_quantile(0.99) as f64 / 1000.0,
            "max": total.delay.max() as f64 / 1000.0,
        },
    }))
}
