//! `product-page`: how fast the hot product's page is served while it sells out. Buyers check
//! the hot product out the whole time; meanwhile closed-loop readers fetch `/healthz` (the trivial
//! baseline), then the product page, then `/healthz` again, each for the same time, so the report
//! can print the page's share of the trivial endpoint's throughput in the same run.

use crate::checkout::{Purchase, prepare, sell};
use crate::report::Measured;
use std::time::Duration;

/// Runs the comparison; prints the three rates and the ratio, and answers them as JSON.
pub async fn run(
    server: &str,
    admin: &(String, String),
    buyers: usize,
    readers: usize,
    run: Duration,
) -> anyhow::Result<serde_json::Value> {
    let sale = prepare(server, admin, buyers).await?;
    let product = sale.hot().id;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(readers)
        .build()?;
    let selling = sell(&sale, run * 3 + Duration::from_secs(1), Purchase::Hold);
    let reading = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let health = format!("{server}/healthz");
        let page = format!("{server}/api/v1/products/{product}");
        let before = read(&client, &health, readers, run).await?;
        let product_page = read(&client, &page, readers, run).await?;
        let after = read(&client, &health, readers, run).await?;
        anyhow::Ok((before, product_page, after))
    };
    let (sold, read) = tokio::join!(selling, reading);
    let (sold, (before, product_page, after)) = (sold?, read?);
    let trivial = (before.per_second() + after.per_second()) / 2.0;
    println!(
        "during a sale of {:.0} checkouts/s ({buyers} buyers), {readers} readers:",
        sold.per_second()
    );
    for (name, measured) in [
        ("/healthz (before)", &before),
        ("/api/v1/products/{id}", &product_page),
        ("/healthz (after)", &after),
    ] {
        println!(
            "  {name:<24} {:>9.0}/s  {}  failures {}",
            measured.per_second(),
            measured.percentiles(),
            measured.failures
        );
    }
    let share = product_page.per_second() / trivial.max(f64::EPSILON);
    println!("product page / trivial endpoint: {:.0} %", 100.0 * share);
    Ok(serde_json::json!({
        "buyers": buyers, "readers": readers, "checkouts": sold.json(),
        "healthz_before": before.json(), "product_page": product_page.json(),
        "healthz_after": after.json(), "product_page_share": share,
    }))
}

/// `readers` clients GET `url` one request after another for `run`.
async fn read(
    client: &reqwest::Client,
    url: &str,
    readers: usize,
    run: Duration,
) -> anyhow::Result<Measured> {
    let (client, url) = (client.clone(), url.to_owned());
    crate::closed_loop::run(readers, run, move |_| {
        let request = client.get(&url).send();
        async move {
            let sent = std::time::Instant::now();
            let read = match request.await {
                // The page is read in full, as a browser would.
                Ok(response) => {
                    let status = response.status();
                    let read = status.is_success() && response.bytes().await.is_ok();
                    (read, status.as_u16().to_string())
                }
                Err(_) => (false, "no answer".to_owned()),
            };
            crate::traffic::record(sent, read.1, false);
            read.0
        }
    })
    .await
}
