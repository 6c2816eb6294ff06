//! Live updates over WebSocket: real clients against the running server.

use crate::helpers::{
    GOOD_CARD, TestApp, assert_problem, spawn_app, spawn_app_with, test_settings,
};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(app: &TestApp, token: Option<&str>) -> Socket {
    let mut url = app.url("/api/v1/ws").replacen("http", "ws", 1);
    if let Some(token) = token {
        url.push_str(&format!("?access_token={token}"));
    }
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket");
    socket
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next JSON message within `wait`, skipping pings.
pub(crate) async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??
            .ok()?;
        match frame {
            Message::Text(text) => return serde_json::from_str(&text).ok(),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// Reads until a stock message with `available` arrives (earlier values may come first).
async fn expect_stock(socket: &mut Socket, available: i64) -> Value {
    loop {
        let stock = expect(socket, "stock").await;
        if stock["available"] == available {
            return stock;
        }
    }
}

/// Reads until a message of `kind` arrives.
pub(crate) async fn expect(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let message = next(socket, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("no {kind} message"));
        if message["type"] == kind {
            return message;
        }
    }
}

async fn subscribe(socket: &mut Socket, product: &str) {
    send(
        socket,
        json!({"type": "subscribe", "topic": format!("product:{product}")}),
    )
    .await;
    expect(socket, "subscribed").await;
}

#[actix_web::test]
async fn watchers_see_stock_change_live() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let mut watcher = connect(&app, None).await;
    subscribe(&mut watcher, &product).await;
    let customer = app.customer().await;
    app.place_order(&customer, &[(&product, 3)]).await;
    let stock = expect_stock(&mut watcher, 7).await;
    assert_eq!(stock["product_id"], product.as_str());
    assert!(stock["at"].as_str().unwrap().ends_with('Z'));
    let metrics = app.metrics().await.text().await.unwrap();
    for metric in ["live_sessions ", "live_messages_sent_total "] {
        assert!(
            metrics.lines().any(|line| line.starts_with(metric)),
            "{metric} missing"
        );
    }
}

#[actix_web::test]
async fn stock_messages_are_coalesced_and_end_on_the_final_value() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(100, json!({})).await;
    let mut watcher = connect(&app, None).await;
    subscribe(&mut watcher, &product).await;
    let buyers = app.many_customers(30).await;
    let items = [(product.as_str(), 1)];
    let orders = buyers.iter().map(|buyer| app.place_order(buyer, &items));
    futures_util::future::join_all(orders).await;
    let mut messages = Vec::new();
    while let Some(message) = next(&mut watcher, Duration::from_millis(600)).await {
        if message["type"] == "stock" {
            messages.push(message["available"].as_i64().unwrap());
        }
    }
    assert_eq!(
        messages.last(),
        Some(&70),
        "the latest value wins: {messages:?}"
    );
    assert!(
        messages.len() < 30,
        "30 changes, coalesced into fewer messages: {messages:?}"
    );
}

#[actix_web::test]
async fn order_updates_reach_their_customer_and_seller_only() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(10, json!({})).await;
    let (customer, stranger) = (app.customer().await, app.customer().await);
    let mut mine = connect(&app, Some(&customer.access_token)).await;
    expect(&mut mine, "authenticated").await;
    let mut theirs = connect(&app, None).await;
    send(
        &mut theirs,
        json!({"type": "auth", "token": stranger.access_token}),
    )
    .await;
    expect(&mut theirs, "authenticated").await;
    let mut sellers = connect(&app, Some(&seller.access_token)).await;
    expect(&mut sellers, "authenticated").await;

    let order = app.place_order(&customer, &[(&product, 1)]).await;
    let id = order["id"].as_str().unwrap();
    let update = expect(&mut mine, "order").await;
    assert_eq!(
        (update["order_id"].as_str(), update["status"].as_str()),
        (Some(id), Some("pending_payment"))
    );
    // The seller hears the reservation (inventory) and then the order it became.
    loop {
        let inventory = expect(&mut sellers, "inventory").await;
        if inventory["reserved"] == 1 {
            assert_eq!(inventory["available"], 9);
            break;
        }
    }
    assert_eq!(expect(&mut sellers, "order").await["order_id"], id);

    app.pay(&customer, id, GOOD_CARD).await;
    assert_eq!(expect(&mut mine, "order").await["status"], "paid");
    while let Some(message) = next(&mut theirs, Duration::from_millis(500)).await {
        assert_ne!(message["type"], "order", "another customer saw {message}");
        assert_ne!(message["type"], "inventory", "a customer saw {message}");
    }
}

#[actix_web::test]
async fn sellers_hear_when_stock_runs_low() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(5, json!({"low_stock_threshold": 2}))
        .await;
    let mut sellers = connect(&app, Some(&seller.access_token)).await;
    expect(&mut sellers, "authenticated").await;
    // The actor starts with the first checkout; the second crosses the threshold.
    let customer = app.customer().await;
    app.place_order(&customer, &[(&product, 1)]).await;
    app.place_order(&customer, &[(&product, 2)]).await;
    let low = expect(&mut sellers, "low_stock").await;
    assert_eq!(
        (low["available"].as_i64(), low["threshold"].as_i64()),
        (Some(2), Some(2))
    );
}

#[actix_web::test]
async fn a_new_threshold_reaches_the_running_actor_and_its_alerts() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(10, json!({"low_stock_threshold": 2}))
        .await;
    let customer = app.customer().await;
    // The first sale starts the product's actor with the old threshold.
    app.place_order(&customer, &[(&product, 1)]).await;
    let changed = app
        .as_user(&seller)
        .update_product(&product, &json!({"low_stock_threshold": 6}))
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let inventory: Value = app
        .as_user(&seller)
        .inventory(&product)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inventory["low_stock_threshold"], 6);
    let mut sellers = connect(&app, Some(&seller.access_token)).await;
    expect(&mut sellers, "authenticated").await;
    // From 9 to 5 available: across the new threshold, above the old one.
    app.place_order(&customer, &[(&product, 4)]).await;
    let low = expect(&mut sellers, "low_stock").await;
    assert_eq!(
        (low["available"].as_i64(), low["threshold"].as_i64()),
        (Some(5), Some(6))
    );
}

#[actix_web::test]
async fn bad_frames_and_forbidden_topics_get_errors_and_the_session_stays_open() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(5, json!({})).await;
    let mut socket = connect(&app, None).await;
    socket.send(Message::text("not json")).await.unwrap();
    assert_eq!(
        expect(&mut socket, "error").await["code"],
        "malformed_request"
    );
    send(&mut socket, json!({"type": "shout", "topic": "x"})).await;
    assert_eq!(
        expect(&mut socket, "error").await["code"],
        "malformed_request"
    );
    send(
        &mut socket,
        json!({"type": "subscribe", "topic": "orders:all"}),
    )
    .await;
    assert_eq!(expect(&mut socket, "error").await["code"], "forbidden");
    subscribe(&mut socket, &product).await;
}

#[actix_web::test]
async fn a_bad_token_gets_an_error_and_a_close() {
    let app = spawn_app().await;
    let mut socket = connect(&app, Some("forged")).await;
    assert_eq!(expect(&mut socket, "error").await["code"], "unauthorized");
    assert!(
        next(&mut socket, Duration::from_secs(2)).await.is_none(),
        "the session is closed"
    );
}

#[actix_web::test]
async fn silent_sessions_are_closed() {
    let mut settings = test_settings();
    settings.ws_ping_interval = Duration::from_millis(200);
    settings.ws_idle_timeout = Duration::from_millis(800);
    let app = spawn_app_with(settings).await;
    let mut socket = connect(&app, None).await;
    // Not reading means not answering pings.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut closed = false;
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
        match frame {
            Ok(Message::Close(_)) | Err(_) => {
                closed = true;
                break;
            }
            Ok(_) => {}
        }
    }
    assert!(closed, "a session silent past the timeout is closed");
}

/// Waits until `count` processes listen on the live relay channel of `settings`.
async fn relays_listening(settings: &bazaar::config::Settings, count: i64) {
    let url = settings
        .redis_url
        .as_deref()
        .expect("processes share Redis");
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let channel = format!("{}:live", settings.redis_prefix);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (_, listening): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut connection)
            .await
            .unwrap();
        if listening >= count {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "relays did not subscribe"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_sale_on_one_process_is_seen_by_a_client_of_another() {
    let Some(settings) = crate::helpers::deployment_settings() else {
        return;
    };
    let a = spawn_app_with(settings.clone()).await;
    let b = spawn_app_with(settings.clone()).await;
    relays_listening(&settings, 2).await;
    let (_, product) = a.stocked_product(8, json!({})).await;
    let mut watcher = connect(&b, None).await;
    subscribe(&mut watcher, &product).await;
    let customer = a.customer().await;
    let order = a.place_order(&customer, &[(&product, 2)]).await;
    let stock = expect(&mut watcher, "stock").await;
    assert_eq!(
        stock["available"], 6,
        "the sale on process a reached a client of process b"
    );

    let mut owner = connect(&b, Some(&customer.access_token)).await;
    expect(&mut owner, "authenticated").await;
    a.pay(&customer, order["id"].as_str().unwrap(), GOOD_CARD)
        .await;
    // The placement's own `pending_payment` event crosses Redis too and may
    // arrive after this client authenticated; the payment must follow it.
    let mut update = expect(&mut owner, "order").await;
    if update["status"] == "pending_payment" {
        update = expect(&mut owner, "order").await;
    }
    assert_eq!(update["status"], "paid");
}

#[actix_web::test]
async fn an_expired_order_is_announced_to_its_customer() {
    let mut settings = test_settings();
    settings.hold_ttl = Duration::from_secs(1);
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(3, json!({})).await;
    let customer = app.customer().await;
    let mut socket = connect(&app, Some(&customer.access_token)).await;
    expect(&mut socket, "authenticated").await;
    app.place_order(&customer, &[(&product, 1)]).await;
    assert_eq!(
        expect(&mut socket, "order").await["status"],
        "pending_payment"
    );
    assert_eq!(expect(&mut socket, "order").await["status"], "expired");
}

/// Reads server-sent events, keeping the latest of each kind, until `done` says so.
async fn events_until(
    response: &mut reqwest::Response,
    done: impl Fn(&std::collections::HashMap<String, Value>) -> bool,
) -> std::collections::HashMap<String, Value> {
    let mut buffer = String::new();
    let mut found = std::collections::HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block.strip_prefix("data: ") {
                let message: Value = serde_json::from_str(data.trim()).unwrap();
                let kind = message["type"].as_str().unwrap_or_default().to_owned();
                found.insert(kind, message);
            }
        }
        if done(&found) {
            return found;
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("the stream is open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[actix_web::test]
async fn server_sent_events_carry_the_same_messages() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let mut stream = app
        .as_user(&customer)
        .events(&format!("topics=product:{product}"))
        .await;
    assert_eq!(stream.status(), reqwest::StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // Let the subscription reach the hub before the sale.
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.place_order(&customer, &[(&product, 4)]).await;
    let events = events_until(&mut stream, |found| {
        found.contains_key("order")
            && found
                .get("stock")
                .is_some_and(|stock| stock["available"] == 6)
    })
    .await;
    assert_eq!(events["order"]["status"], "pending_payment");
    assert_eq!(events["stock"]["available"], 6);

    let forbidden = app.anonymous().events("topics=orders:all").await;
    assert_problem(forbidden, reqwest::StatusCode::FORBIDDEN, "forbidden").await;
    let forged = app.anonymous().events("access_token=forged").await;
    assert_problem(forged, reqwest::StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn notifications_are_pushed_to_their_user() {
    let app = spawn_app().await;
    let (_, product) = app.stocked_product(3, json!({})).await;
    let customer = app.customer().await;
    let mut socket = connect(&app, Some(&customer.access_token)).await;
    expect(&mut socket, "authenticated").await;
    let order = app.paid_order(&customer, &[(&product, 1)]).await;
    let id = order["id"].as_str().unwrap();
    let notification = expect(&mut socket, "notification").await;
    assert_eq!(notification["kind"], "order_status");
    assert_eq!(notification["order_id"], id);
    assert!(notification["id"].is_string() && notification["at"].is_string());
}

#[actix_web::test]
async fn only_products_the_caller_may_see_can_be_followed() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(5, json!({})).await;
    let category = app.category("Drafts", None).await;
    let draft = app
        .product(
            &seller,
            &crate::helpers::product_body(&category, json!({"status": "draft"})),
        )
        .await;
    let draft = draft["id"].as_str().unwrap();
    let unknown = "0192f0c1-0000-7000-8000-000000000000";

    let mut anonymous = connect(&app, None).await;
    for refused in [unknown, draft] {
        send(
            &mut anonymous,
            json!({"type": "subscribe", "topic": format!("product:{refused}")}),
        )
        .await;
        let error = expect(&mut anonymous, "error").await;
        assert_eq!(error["code"], "not_found", "{error}");
    }
    subscribe(&mut anonymous, &product).await;
    let mut owner = connect(&app, Some(&seller.access_token)).await;
    expect(&mut owner, "authenticated").await;
    subscribe(&mut owner, draft).await;

    let missing = app
        .anonymous()
        .events(&format!("topics=product:{product},product:{unknown}"))
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn live_sessions_are_capped_per_user_and_per_address() {
    let mut settings = test_settings();
    settings.live_sessions_per_user = 2;
    settings.live_sessions_per_address = 4;
    let app = spawn_app_with(settings).await;
    let customer = app.customer().await;
    let token = customer.access_token.as_str();

    let mut first = connect(&app, Some(token)).await;
    expect(&mut first, "authenticated").await;
    let mut second = connect(&app, None).await;
    send(&mut second, json!({"type": "auth", "token": token})).await;
    expect(&mut second, "authenticated").await;
    let mut third = connect(&app, Some(token)).await;
    let (refused, code) = closed_with(&mut third).await;
    let refused = refused.expect("an error before the close");
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    assert_eq!(
        code,
        Some(1008),
        "the session past the user's cap is closed"
    );

    // The address holds first, second and an anonymous socket: the event stream is the fourth,
    // and the next upgrade is refused before it starts.
    let _anonymous = connect(&app, None).await;
    let stream = app.anonymous().events("").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let url = app.url("/api/v1/ws").replacen("http", "ws", 1);
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
        }
        other => panic!("expected 429, got {other:?}"),
    }
    assert_problem(
        app.anonymous().events("").await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;

    // Closing sessions gives their places back.
    drop(stream);
    first.close(None).await.unwrap();
    drop(first);
    // The server notices the closes a moment later: try until a place is free.
    let url = format!(
        "{}?access_token={token}",
        app.url("/api/v1/ws").replacen("http", "ws", 1)
    );
    let mut again = false;
    for _ in 0..100 {
        if let Ok((mut socket, _)) = tokio_tungstenite::connect_async(&url).await
            && next(&mut socket, Duration::from_secs(5))
                .await
                .is_some_and(|message| message["type"] == "authenticated")
        {
            again = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(again, "a closed session frees its places");
}

/// Reads until the session closes; the error message before the close and the close code.
async fn closed_with(socket: &mut Socket) -> (Option<Value>, Option<u16>) {
    let mut error = None;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("the session closes in time");
        match frame {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["type"] == "error" {
                    error = Some(message);
                }
            }
            Some(Ok(Message::Close(frame))) => return (error, frame.map(|f| u16::from(f.code))),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (error, None),
        }
    }
}

async fn assert_lapsed(socket: &mut Socket) {
    let (error, code) = closed_with(socket).await;
    assert_eq!(
        error.expect("an error before the close")["code"],
        "unauthorized"
    );
    assert_eq!(code, Some(4401));
}

#[actix_web::test]
async fn a_session_ends_when_its_access_token_expires() {
    let mut settings = test_settings();
    settings.access_token_ttl = Duration::from_secs(2);
    let app = spawn_app_with(settings).await;
    let customer = app.customer().await;
    let mut socket = connect(&app, Some(&customer.access_token)).await;
    expect(&mut socket, "authenticated").await;
    assert_lapsed(&mut socket).await;
    let mut anonymous = connect(&app, None).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, product) = app.stocked_product(1, json!({})).await;
    subscribe(&mut anonymous, &product).await;
}

#[actix_web::test]
async fn logout_disable_role_change_and_reset_end_live_sessions_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let leaving = app.customer().await;
    let mut socket = connect(&app, None).await;
    send(
        &mut socket,
        json!({"type": "auth", "token": leaving.access_token}),
    )
    .await;
    expect(&mut socket, "authenticated").await;
    app.as_user(&leaving).logout(&leaving.refresh_token).await;
    assert_lapsed(&mut socket).await;

    for change in [json!({"status": "disabled"}), json!({"role": "seller"})] {
        let user = app.customer().await;
        let mut socket = connect(&app, Some(&user.access_token)).await;
        expect(&mut socket, "authenticated").await;
        let changed = app.as_user(&admin).update_user(&user.id, &change).await;
        assert_eq!(changed.status(), StatusCode::OK, "{change}");
        assert_lapsed(&mut socket).await;
    }

    let buyer = app.customer().await;
    let mut socket = connect(&app, Some(&buyer.access_token)).await;
    expect(&mut socket, "authenticated").await;
    app.anonymous().forgot_password(&buyer.email).await;
    let token = app
        .outbox_token(&buyer.email, "password_reset")
        .await
        .unwrap();
    app.anonymous()
        .reset_password(&token, "a brand new password")
        .await;
    assert_lapsed(&mut socket).await;
}

#[actix_web::test]
async fn an_event_stream_ends_when_its_user_logs_out() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let mut stream = app.as_user(&customer).events("").await;
    assert_eq!(stream.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.as_user(&customer).logout(&customer.refresh_token).await;
    let mut body = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("the stream ends in time");
        match chunk {
            Ok(Some(bytes)) => body.push_str(std::str::from_utf8(&bytes).unwrap()),
            Ok(None) | Err(_) => break,
        }
    }
    assert!(body.contains("\"code\":\"unauthorized\""), "{body}");
}

#[actix_web::test]
async fn a_logout_on_one_process_ends_a_session_on_another() {
    let Some(settings) = crate::helpers::deployment_settings() else {
        return;
    };
    let a = spawn_app_with(settings.clone()).await;
    let b = spawn_app_with(settings).await;
    let customer = a.customer().await;
    let mut socket = connect(&b, Some(&customer.access_token)).await;
    expect(&mut socket, "authenticated").await;
    a.as_user(&customer).logout(&customer.refresh_token).await;
    assert_lapsed(&mut socket).await;
}

#[actix_web::test]
async fn shipping_and_delivery_reach_the_customer_and_the_courier_live() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(10, json!({})).await;
    let customer = app.customer().await;
    let courier = app.user_with_role("courier").await;
    let order = app.paid_order(&customer, &[(&product, 1)]).await;
    let id = order["id"].as_str().unwrap();
    let mut customers = connect(&app, Some(&customer.access_token)).await;
    expect(&mut customers, "authenticated").await;
    let mut couriers = connect(&app, Some(&courier.access_token)).await;
    expect(&mut couriers, "authenticated").await;

    let steps = [
        (&seller, json!({"status": "processing"})),
        (
            &seller,
            json!({"status": "shipped", "tracking_number": "TRK-1", "courier_id": courier.id}),
        ),
    ];
    for (user, body) in &steps {
        let response = app.as_user(user).change_status(id, body).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
    }
    let shipped = loop {
        let message = expect(&mut customers, "order").await;
        if message["status"] == "shipped" {
            break message;
        }
    };
    assert_eq!(shipped["order_id"], id);
    assert_eq!(shipped["shipments"][0]["tracking_number"], "TRK-1");
    // The courier hears of the parcel handed to them, and is notified of it.
    let assigned = expect(&mut couriers, "order").await;
    assert_eq!(assigned["status"], "shipped");
    assert_eq!(assigned["shipments"][0]["courier_id"], courier.id.as_str());
    let notification = expect(&mut couriers, "notification").await;
    assert_eq!(notification["kind"], "delivery");
    assert_eq!(notification["order_id"], id);

    for status in ["out_for_delivery", "delivered"] {
        let response = app
            .as_user(&courier)
            .change_status(id, &json!({"status": status}))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{status}");
    }
    loop {
        let message = expect(&mut customers, "order").await;
        if message["status"] == "delivered" {
            break;
        }
    }
    // Each step became a notification, stored and then pushed.
    loop {
        let notification = expect(&mut customers, "notification").await;
        if notification["title"]
            .as_str()
            .unwrap()
            .ends_with(": delivered")
        {
            break;
        }
    }
    let notifications: Value = app
        .as_user(&customer)
        .notifications("")
        .await
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = notifications["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    for step in ["shipped", "out for delivery", "delivered"] {
        assert!(
            titles.iter().any(|t| t.ends_with(&format!(": {step}"))),
            "{titles:?}"
        );
    }
}
