//! Drops: a sale window by the server's clock, the waiting room and its signed tickets, the
//! sold-out moment, a place that survives a restart, back-in-stock waitlists and the bot report.

use crate::helpers::*;
use crate::live::{Socket, connect, expect, next, send};
use bazaar::config::AdmitRate;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `at` from now, as the API writes moments.
fn in_ms(ms: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::milliseconds(ms))
        .format(&Rfc3339)
        .unwrap()
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON body")
}

/// `customer` joins `product`'s waiting room: the standing.
async fn join(app: &TestApp, customer: &TestUser, product: &str) -> Value {
    let joined = app.as_user(customer).join_queue(product).await;
    assert_eq!(joined.status(), StatusCode::OK, "join");
    json_of(joined).await
}

/// `customer`'s standing once it is `state`, read every 50 ms for at most 10 s.
async fn standing_once(app: &TestApp, customer: &TestUser, product: &str, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let standing = json_of(app.as_user(customer).queue(product).await).await;
        if standing["state"] == state {
            return standing;
        }
        assert!(Instant::now() < deadline, "never {state}: {standing}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A checkout of one unit with `ticket`.
fn ticketed(product: &str, qty: i64, ticket: &Value) -> Value {
    let mut body = checkout_body(&[(product, qty)]);
    body["queue_ticket"] = ticket.clone();
    body
}

/// Reads queue messages of `socket` until one is `state`.
async fn expect_queue(socket: &mut Socket, state: &str) -> Value {
    loop {
        let message = expect(socket, "queue").await;
        if message["state"] == state {
            return message;
        }
    }
}

async fn follow_queue(app: &TestApp, customer: &TestUser, product: &str) -> Socket {
    let mut socket = connect(app, Some(&customer.access_token)).await;
    expect(&mut socket, "authenticated").await;
    send(
        &mut socket,
        json!({"type": "subscribe", "topic": format!("queue:{product}")}),
    )
    .await;
    expect(&mut socket, "subscribed").await;
    socket
}

#[actix_web::test]
async fn a_drop_sells_only_inside_its_window_at_its_sale_price() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(
            10,
            json!({"sale_starts_at": in_ms(60_000), "max_per_order": 2}),
        )
        .await;
    let customer = app.customer().await;
    let mut watcher = connect(&app, None).await;
    send(
        &mut watcher,
        json!({"type": "subscribe", "topic": format!("product:{product}")}),
    )
    .await;
    expect(&mut watcher, "subscribed").await;

    // Rescheduled: the watchers hear it is upcoming, then that it opened, by the server's clock.
    let (starts, ends) = (in_ms(1_500), in_ms(3_500));
    let patched = app
        .as_user(&seller)
        .update_product(
            &product,
            &json!({"sale_starts_at": starts, "sale_ends_at": ends, "sale_price_cents": 500}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let upcoming = expect(&mut watcher, "sale").await;
    assert_eq!(upcoming["state"], "upcoming");
    assert_eq!(upcoming["product_id"], product.as_str());
    let starts_at = upcoming["starts_at"].as_str().unwrap().to_owned();

    let early = app
        .checkout(&customer, &checkout_body(&[(&product, 1)]), None)
        .await;
    let refused = assert_problem(early, StatusCode::CONFLICT, "not_on_sale_yet").await;
    assert_eq!(refused["starts_at"], starts_at.as_str());
    // The cart may hold it before the start, at its price before the sale.
    let added = app
        .as_user(&customer)
        .add_to_cart(&json!({"product_id": product, "qty": 1}))
        .await;
    assert!(added.status().is_success(), "{}", added.status());
    let cart = json_of(app.as_user(&customer).cart().await).await;
    assert_eq!(cart["items"][0]["unit_price_cents"], 1299);

    let open = expect(&mut watcher, "sale").await;
    assert_eq!(open["state"], "open");
    assert!(
        OffsetDateTime::parse(open["at"].as_str().unwrap(), &Rfc3339).unwrap()
            >= OffsetDateTime::parse(&starts_at, &Rfc3339).unwrap(),
        "announced at the start, not before: {open}"
    );
    let cart = json_of(app.as_user(&customer).cart().await).await;
    assert_eq!(cart["items"][0]["unit_price_cents"], 500, "the sale price");
    let too_many = app
        .checkout(&customer, &checkout_body(&[(&product, 3)]), None)
        .await;
    let refused = assert_problem(too_many, StatusCode::CONFLICT, "limit_exceeded").await;
    assert_eq!(
        (refused["limit"].clone(), refused["per"].clone()),
        (json!(2), json!("order"))
    );
    let order = app.place_order(&customer, &[(&product, 2)]).await;
    assert_eq!(order["items"][0]["unit_price_cents"], 500);
    assert_eq!(order["subtotal_cents"], 1000);

    let ended = expect(&mut watcher, "sale").await;
    assert_eq!(ended["state"], "ended");
    let late = app
        .checkout(&customer, &checkout_body(&[(&product, 1)]), None)
        .await;
    assert_problem(late, StatusCode::CONFLICT, "sale_ended").await;
}

#[actix_web::test]
async fn sale_terms_are_checked_field_by_field() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(1, json!({"sale_starts_at": "2099-01-01T10:00:00Z"}))
        .await;
    let seller = app.as_user(&seller);
    for (body, field) in [
        (json!({"sale_starts_at": "tomorrow"}), "sale_starts_at"),
        (json!({"sale_price_cents": 0}), "sale_price_cents"),
        (json!({"max_per_order": 0}), "max_per_order"),
        (json!({"max_per_order": 1001}), "max_per_order"),
        (json!({"waiting_room": "yes"}), "waiting_room"),
        // Against the stored start: the window would end before it begins.
        (
            json!({"sale_ends_at": "2099-01-01T09:00:00Z"}),
            "sale_ends_at",
        ),
        (
            json!({"sale_starts_at": "2099-01-02T00:00:00Z", "sale_ends_at": "2099-01-01T00:00:00Z"}),
            "sale_ends_at",
        ),
    ] {
        assert_invalid_field(seller.update_product(&product, &body).await, field).await;
    }
    let cleared = seller
        .update_product(&product, &json!({"sale_starts_at": null}))
        .await;
    assert_eq!(json_of(cleared).await["sale_starts_at"], Value::Null);
}

#[actix_web::test]
async fn tickets_are_signed_bound_to_their_user_and_expire_unused() {
    let mut settings = test_settings();
    settings.queue_admission = Duration::from_secs(1);
    settings.queue_admit_rate = AdmitRate::Fixed(1_000.0);
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(10, json!({"waiting_room": true})).await;
    let (_, other) = app.stocked_product(10, json!({"waiting_room": true})).await;
    let (ada, bob) = (app.customer().await, app.customer().await);

    let without = app
        .checkout(&ada, &checkout_body(&[(&product, 1)]), None)
        .await;
    let refused = assert_problem(without, StatusCode::CONFLICT, "queue_required").await;
    assert_eq!(refused["reason"], "missing");

    let ticket = join(&app, &ada, &product).await["ticket"].clone();
    let admitted = standing_once(&app, &ada, &product, "admitted").await;
    assert_eq!(admitted["position"], 0);
    let raw = ticket.as_str().unwrap();
    let forged = format!(
        "{}{}",
        &raw[..raw.len() - 2],
        if raw.ends_with("AA") { "BB" } else { "AA" }
    );
    let other_ticket = join(&app, &ada, &other).await["ticket"].clone();
    for (who, ticket, reason) in [
        (&ada, json!(forged), "invalid"),
        (&ada, json!("v1.not.signed"), "invalid"),
        (&bob, ticket.clone(), "not_yours"),
        (&ada, other_ticket, "other_product"),
    ] {
        let refused = app
            .checkout(who, &ticketed(&product, 1, &ticket), None)
            .await;
        let problem = assert_problem(refused, StatusCode::CONFLICT, "queue_required").await;
        assert_eq!(problem["reason"], reason, "{problem}");
    }
    let placed = app
        .checkout(&ada, &ticketed(&product, 1, &ticket), None)
        .await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let again = app
        .checkout(&ada, &ticketed(&product, 1, &ticket), None)
        .await;
    let problem = assert_problem(again, StatusCode::CONFLICT, "queue_required").await;
    assert_eq!(problem["reason"], "used", "one admission, one order");

    // Bob is admitted but does not check out in time.
    let bobs = join(&app, &bob, &product).await["ticket"].clone();
    standing_once(&app, &bob, &product, "admitted").await;
    actix_web::rt::time::sleep(Duration::from_millis(1_200)).await;
    let late = app
        .checkout(&bob, &ticketed(&product, 1, &bobs), None)
        .await;
    let problem = assert_problem(late, StatusCode::CONFLICT, "queue_required").await;
    assert_eq!(problem["reason"], "expired");
    assert_eq!(
        json_of(app.as_user(&bob).queue(&product).await).await["state"],
        "expired"
    );
    // Joining again queues anew; the old ticket no longer counts.
    let fresh = join(&app, &bob, &product).await["ticket"].clone();
    assert_ne!(fresh, bobs);
    let stale = app
        .checkout(&bob, &ticketed(&product, 1, &bobs), None)
        .await;
    let problem = assert_problem(stale, StatusCode::CONFLICT, "queue_required").await;
    assert_eq!(problem["reason"], "superseded");
    standing_once(&app, &bob, &product, "admitted").await;
    let placed = app
        .checkout(&bob, &ticketed(&product, 1, &fresh), None)
        .await;
    assert_eq!(placed.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn queued_buyers_hear_sold_out_at_once_and_admission_resumes_when_holds_expire() {
    let mut settings = test_settings();
    settings.hold_ttl = Duration::from_secs(2);
    let app = spawn_app_with(settings).await;
    let (_, product) = app.stocked_product(1, json!({"waiting_room": true})).await;
    let buyers = app.many_customers(4).await;
    let mut sockets = Vec::new();
    let mut tickets = Vec::new();
    for buyer in &buyers {
        tickets.push(join(&app, buyer, &product).await["ticket"].clone());
        sockets.push(follow_queue(&app, buyer, &product).await);
    }
    // One unit: the first is admitted; the others wait, the next one ahead of the rest.
    expect_queue(&mut sockets[0], "admitted").await;
    let waiting = json_of(app.as_user(&buyers[1]).queue(&product).await).await;
    assert_eq!(
        (waiting["state"].clone(), waiting["position"].clone()),
        (json!("waiting"), json!(1))
    );
    let held = app
        .checkout(&buyers[0], &ticketed(&product, 1, &tickets[0]), None)
        .await;
    assert_eq!(held.status(), StatusCode::CREATED);
    // Held, not sold: nobody hears "sold out"; the hold runs out and the next is admitted.
    let admitted = expect_queue(&mut sockets[1], "admitted").await;
    assert_eq!(admitted["position"], 0);
    for socket in &mut sockets[2..] {
        while let Some(message) = next(socket, Duration::from_millis(50)).await {
            assert_ne!(message["state"], "sold_out", "{message}");
        }
    }
    let order = app
        .checkout(&buyers[1], &ticketed(&product, 1, &tickets[1]), None)
        .await;
    let order = json_of(order).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let paid = app.pay(&buyers[1], &order, GOOD_CARD).await;
    assert_eq!(paid.status(), StatusCode::OK);
    // Sold: everyone still queued hears it.
    for socket in &mut sockets[2..] {
        let told = expect_queue(socket, "sold_out").await;
        assert_eq!(told["position"], Value::Null);
    }
    assert_eq!(
        json_of(app.as_user(&buyers[3]).queue(&product).await).await["state"],
        "sold_out"
    );
}

#[actix_web::test]
async fn early_arrivals_are_drawn_at_the_start_and_later_ones_follow() {
    let app = spawn_app().await;
    let (_, product) = app
        .stocked_product(
            1,
            json!({"waiting_room": true, "sale_starts_at": in_ms(1_500)}),
        )
        .await;
    let early = app.many_customers(12).await;
    for buyer in &early {
        let standing = join(&app, buyer, &product).await;
        assert_eq!(standing["state"], "waiting");
        assert_eq!(
            standing["position"],
            Value::Null,
            "no place before the draw"
        );
        assert!(standing["estimated_wait_secs"].as_u64().unwrap() <= 2);
    }
    let mut socket = follow_queue(&app, &early[11], &product).await;
    // At the start, every early arrival gets a place, told live.
    loop {
        let message = expect(&mut socket, "queue").await;
        if !message["position"].is_null() {
            break;
        }
    }
    let late = app.customer().await;
    let standing = join(&app, &late, &product).await;
    assert!(standing["position"].as_i64().unwrap() >= 11, "{standing}");
    let mut places = Vec::new();
    for buyer in &early {
        places.push(place_of(&app, buyer).await);
    }
    // Drawn, not handed out in arrival order (12! orders: that one is a 1-in-479-million
    // chance), and all among the first twelve.
    let in_arrival_order: Vec<i64> = (1..=12).collect();
    assert_ne!(places, in_arrival_order, "the places were drawn at random");
    places.sort_unstable();
    assert_eq!(
        places, in_arrival_order,
        "the early arrivals drew the first places"
    );
    assert_eq!(
        place_of(&app, &late).await,
        13,
        "the late arrival comes after all of them"
    );
}

/// The place `user` holds in a waiting room, as stored.
async fn place_of(app: &TestApp, user: &TestUser) -> i64 {
    let id = Bind::Uuid(user.id.parse().unwrap());
    app.db
        .count("SELECT place FROM queue_entries WHERE user_id = $1", &[id])
        .await
}

#[actix_web::test]
async fn a_place_in_the_queue_survives_a_restart() {
    let settings = test_settings();
    let first = spawn_app_with(settings.clone()).await;
    let (_, product) = first
        .stocked_product(1, json!({"waiting_room": true}))
        .await;
    let buyers = first.many_customers(3).await;
    let mut tickets = Vec::new();
    for buyer in &buyers {
        tickets.push(join(&first, buyer, &product).await["ticket"].clone());
    }
    standing_once(&first, &buyers[0], &product, "admitted").await;
    let before = json_of(first.as_user(&buyers[2]).queue(&product).await).await;
    assert_eq!(before["position"], 2);
    first.handle.stop(true).await;

    let restarted = spawn_app_with(settings).await;
    let after = json_of(restarted.as_user(&buyers[2]).queue(&product).await).await;
    assert_eq!(after["position"], before["position"], "the same place");
    assert_eq!(after["ticket"], tickets[2], "the same ticket");
    // The admitted buyer checks out after the restart with the ticket from before it.
    let placed = restarted
        .checkout(&buyers[0], &ticketed(&product, 1, &tickets[0]), None)
        .await;
    assert_eq!(placed.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn the_waitlist_tells_subscribers_in_order_and_holds_units_for_the_first() {
    let app = spawn_app().await;
    let (seller, product) = app.stocked_product(1, json!({})).await;
    let (_, in_stock) = app.stocked_product(5, json!({})).await;
    // Ids grow with creation: subscribing in the opposite order tells the subscription order
    // from the ids' order.
    let customers = app.many_customers(4).await;
    let (first, second, third, buyer) =
        (&customers[2], &customers[1], &customers[0], &customers[3]);
    let refused = app.as_user(first).join_waitlist(&product).await;
    let problem = assert_problem(refused, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(problem["available"], 1);
    app.paid_order(buyer, &[(&product, 1)]).await;

    for (position, customer) in [first, second, third].into_iter().enumerate() {
        let joined = json_of(app.as_user(customer).join_waitlist(&product).await).await;
        assert_eq!(joined["position"], position as i64 + 1);
    }
    let again = json_of(app.as_user(second).join_waitlist(&product).await).await;
    assert_eq!(again["position"], 2, "joining again keeps the place");
    assert_eq!(
        app.as_user(second).leave_waitlist(&product).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.as_user(second).leave_waitlist(&product).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_problem(
        app.as_user(first).join_waitlist(&in_stock).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_problem(
        app.as_user(first).waitlist(&product).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let count = json_of(app.as_user(&seller).waitlist(&product).await).await;
    assert_eq!(count["waiting"], 2);
    for customer in [first, third] {
        let address = app
            .as_user(customer)
            .add_address(&json!({"name": "Ada", "line1": "1 Way", "city": "London",
                                 "postal_code": "N1 1AA", "country": "GB"}))
            .await;
        assert_eq!(address.status(), StatusCode::CREATED);
    }
    let mut socket = connect(&app, Some(&first.access_token)).await;
    expect(&mut socket, "authenticated").await;

    // Two back, one held for the first subscriber.
    let restocked = app
        .as_user(&seller)
        .adjust_inventory(
            &product,
            &json!({"delta": 2, "reason": "restock", "waitlist_holds": 1}),
        )
        .await;
    assert_eq!(restocked.status(), StatusCode::OK);
    let stock = json_of(restocked).await;
    assert_eq!(
        (stock["reserved"].clone(), stock["available"].clone()),
        (json!(1), json!(1))
    );
    let pushed = loop {
        let notification = expect(&mut socket, "notification").await;
        if notification["kind"] == "back_in_stock" {
            break notification;
        }
    };
    let held = pushed["order_id"]
        .as_str()
        .expect("a held order")
        .to_owned();
    let order = app.order_as(first, &held).await;
    assert_eq!(order["status"], "pending_payment");
    let due = OffsetDateTime::parse(order["payment_due_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(
        due > OffsetDateTime::now_utc() + time::Duration::minutes(25),
        "{due}"
    );
    assert_eq!(
        app.pay(first, &held, GOOD_CARD).await.status(),
        StatusCode::OK
    );

    // The third is told without a hold, after the first; the one who left is not told.
    // Notification ids grow in the order they were made: sorted by id, who was told when.
    let mut told: Vec<(String, String, bool)> = Vec::new();
    for customer in [third, second, first] {
        let listed = json_of(app.as_user(customer).notifications("").await).await;
        for n in listed["items"].as_array().unwrap() {
            if n["kind"] == "back_in_stock" {
                let id = n["id"].as_str().unwrap().to_owned();
                told.push((id, customer.email.clone(), n["order_id"].is_string()));
            }
        }
    }
    told.sort();
    let order: Vec<&str> = told.iter().map(|(_, email, _)| email.as_str()).collect();
    assert_eq!(
        order,
        [first.email.as_str(), third.email.as_str()],
        "in subscription order"
    );
    assert_eq!(
        (told[0].2, told[1].2),
        (true, false),
        "a unit is held for the first only"
    );
    let admin = app.admin().await;
    for (customer, letters) in [(first, 1), (third, 1), (second, 0)] {
        let mail = json_of(
            app.as_user(&admin)
                .outbox(&format!("to={}", customer.email))
                .await,
        )
        .await;
        let back = mail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "back_in_stock")
            .count();
        assert_eq!(back, letters, "{}", customer.email);
    }
    let count = json_of(app.as_user(&seller).waitlist(&product).await).await;
    assert_eq!(count["waiting"], 0);
    assert_invalid_field(
        app.as_user(&seller)
            .adjust_inventory(
                &product,
                &json!({"delta": 1, "reason": "restock", "waitlist_holds": 2}),
            )
            .await,
        "waitlist_holds",
    )
    .await;
}

#[actix_web::test]
async fn the_flash_report_names_the_signal_that_fired() {
    let app = spawn_app().await;
    let (seller, product) = app
        .stocked_product(10, json!({"sale_starts_at": in_ms(1_000)}))
        .await;
    let customers = app.many_customers(2).await;
    let (bot, person) = (&customers[0], &customers[1]);
    app.db
        .execute(
            "UPDATE users SET created_at = $1 WHERE id = $2",
            &[
                Bind::Time(OffsetDateTime::now_utc() - time::Duration::days(200)),
                Bind::Uuid(person.id.parse().unwrap()),
            ],
        )
        .await;
    // The bot fires at the start and fails two payments; the person takes their time.
    let deadline = Instant::now() + Duration::from_secs(5);
    let order = loop {
        let placed = app
            .checkout(bot, &checkout_body(&[(&product, 1)]), None)
            .await;
        if placed.status() == StatusCode::CREATED {
            break json_of(placed).await["order"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        assert!(Instant::now() < deadline, "the sale never opened");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };
    for _ in 0..2 {
        let declined = app.pay(bot, &order, DECLINED_CARD).await;
        assert_eq!(declined.status(), StatusCode::PAYMENT_REQUIRED);
    }
    actix_web::rt::time::sleep(Duration::from_millis(1_100)).await;
    app.paid_order(person, &[(&product, 1)]).await;

    let admin = app.admin().await;
    let report = json_of(
        app.as_user(&admin)
            .flash_report(&product, "shared_address_accounts=100&min_human_ms=1000")
            .await,
    )
    .await;
    assert_eq!(report["participants"], 2, "{report}");
    let flagged = report["flagged"].as_array().unwrap();
    assert_eq!(flagged.len(), 1, "only the bot: {report}");
    assert_eq!(flagged[0]["email"], bot.email.as_str());
    let fired: Vec<&str> = flagged[0]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signal"].as_str().unwrap())
        .collect();
    assert_eq!(fired, ["new_account", "too_fast", "failed_payments"]);
    // Both came from this machine's address: with the default threshold of 3 that is not
    // many, with 2 it is.
    let report = json_of(
        app.as_user(&admin)
            .flash_report(&product, "shared_address_accounts=2&min_human_ms=1000")
            .await,
    )
    .await;
    let shared = report["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["signals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["signal"] == "shared_address")
        })
        .count();
    assert_eq!(shared, 2, "{report}");
    assert_problem(
        app.as_user(&seller).flash_report(&product, "").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_invalid_field(
        app.as_user(&admin)
            .flash_report(&product, "min_human_ms=0")
            .await,
        "min_human_ms",
    )
    .await;
}

#[actix_web::test]
async fn one_admission_places_one_order_however_its_checkouts_end_or_race() {
    let mut settings = test_settings();
    settings.queue_admit_rate = AdmitRate::Fixed(1_000.0);
    let app = spawn_app_with(settings).await;
    // Priced in dollars: the wallet (euros) cannot pay it, which is refused after the order is
    // placed.
    let (_, product) = app
        .stocked_product(10, json!({"waiting_room": true, "currency": "USD"}))
        .await;
    let ada = app.customer().await;
    let ticket = join(&app, &ada, &product).await["ticket"].clone();
    standing_once(&app, &ada, &product, "admitted").await;
    let mut by_wallet = ticketed(&product, 1, &ticket);
    by_wallet["payment"] = json!({"method": "wallet"});
    let refused = app.checkout(&ada, &by_wallet, None).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = app
        .checkout(&ada, &ticketed(&product, 1, &ticket), None)
        .await;
    let problem = assert_problem(again, StatusCode::CONFLICT, "queue_required").await;
    assert_eq!(
        problem["reason"], "used",
        "the order placed before the refusal used it"
    );

    // Ten checkouts racing with one admission: one order.
    let bob = app.customer().await;
    let ticket = join(&app, &bob, &product).await["ticket"].clone();
    standing_once(&app, &bob, &product, "admitted").await;
    let body = ticketed(&product, 1, &ticket);
    let answers =
        futures_util::future::join_all((0..10).map(|_| app.checkout(&bob, &body, None))).await;
    let placed = answers
        .iter()
        .filter(|answer| answer.status() == StatusCode::CREATED)
        .count();
    assert_eq!(placed, 1, "exactly one order");
    for answer in answers {
        if answer.status() != StatusCode::CREATED {
            let problem = assert_problem(answer, StatusCode::CONFLICT, "queue_required").await;
            assert!(
                ["in_use", "used"].contains(&problem["reason"].as_str().unwrap()),
                "{problem}"
            );
        }
    }
}

#[actix_web::test]
async fn the_waiting_room_and_the_waitlist_refuse_what_they_should() {
    let app = spawn_app().await;
    let (seller, plain) = app.stocked_product(5, json!({})).await;
    let (_, room) = app.stocked_product(5, json!({"waiting_room": true})).await;
    let (_, ended) = app
        .stocked_product(
            5,
            json!({"waiting_room": true, "sale_starts_at": "2020-01-01T00:00:00Z",
                   "sale_ends_at": "2021-01-01T00:00:00Z"}),
        )
        .await;
    let customer = app.customer().await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let as_customer = app.as_user(&customer);
    assert_problem(
        as_customer.join_queue(&plain).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_problem(
        as_customer.join_queue(&ended).await,
        StatusCode::CONFLICT,
        "sale_ended",
    )
    .await;
    assert_problem(
        as_customer.join_queue(&unknown).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.as_user(&seller).join_queue(&room).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        as_customer.queue(&room).await,
        StatusCode::NOT_FOUND,
        "not_in_queue",
    )
    .await;
    assert_problem(
        app.anonymous().join_queue(&room).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_problem(
        as_customer.join_waitlist(&unknown).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.as_user(&app.admin().await)
            .flash_report(&unknown, "")
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Following a place over the WebSocket needs a signed-in buyer who joined.
    let mut anonymous = connect(&app, None).await;
    send(
        &mut anonymous,
        json!({"type": "subscribe", "topic": format!("queue:{room}")}),
    )
    .await;
    assert_eq!(expect(&mut anonymous, "error").await["code"], "forbidden");
    let mut signed_in = connect(&app, Some(&customer.access_token)).await;
    expect(&mut signed_in, "authenticated").await;
    send(
        &mut signed_in,
        json!({"type": "subscribe", "topic": format!("queue:{room}")}),
    )
    .await;
    assert_eq!(
        expect(&mut signed_in, "error").await["code"],
        "not_in_queue"
    );
}

#[actix_web::test]
async fn admissions_follow_the_units_left_and_never_precede_the_start() {
    let mut settings = test_settings();
    settings.queue_admit_rate = AdmitRate::Fixed(1_000.0);
    let app = spawn_app_with(settings).await;
    // Four units, two per order: two admissions take them all.
    let (_, pairs) = app
        .stocked_product(4, json!({"waiting_room": true, "max_per_order": 2}))
        .await;
    let buyers = app.many_customers(3).await;
    for buyer in &buyers {
        join(&app, buyer, &pairs).await;
    }
    standing_once(&app, &buyers[1], &pairs, "admitted").await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let third = json_of(app.as_user(&buyers[2]).queue(&pairs).await).await;
    assert_eq!(
        (third["state"].clone(), third["position"].clone()),
        (json!("waiting"), json!(1)),
        "no third admission for the units the first two may take"
    );

    // Without a per-order limit, a waiting room's orders are one unit each.
    let (seller, room) = app.stocked_product(5, json!({"waiting_room": true})).await;
    let ada = app.customer().await;
    let ticket = join(&app, &ada, &room).await["ticket"].clone();
    standing_once(&app, &ada, &room, "admitted").await;
    let two = app.checkout(&ada, &ticketed(&room, 2, &ticket), None).await;
    let problem = assert_problem(two, StatusCode::CONFLICT, "limit_exceeded").await;
    assert_eq!(
        (problem["limit"].clone(), problem["per"].clone()),
        (json!(1), json!("order"))
    );

    // The start moved later: nobody else is let in, and the admitted wait for it too.
    let moved = app
        .as_user(&seller)
        .update_product(&room, &json!({"sale_starts_at": in_ms(60_000)}))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let bob = app.customer().await;
    join(&app, &bob, &room).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let waiting = json_of(app.as_user(&bob).queue(&room).await).await;
    assert_eq!(waiting["state"], "waiting", "{waiting}");
    let early = app.checkout(&ada, &ticketed(&room, 1, &ticket), None).await;
    assert_problem(early, StatusCode::CONFLICT, "not_on_sale_yet").await;
}
