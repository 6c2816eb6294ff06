//! The gatekeeper: admits buyers from each waiting room, at the pace the hot path takes and
//! never beyond the stock that is left, and tells everyone still queued the moment it is sold
//! out.
//!
//! Every process runs one; a room is admitted by the process that holds its lease (renewed
//! every second, taken over when it lapses), so across processes each room has one gatekeeper.
//! Every tick it reads the room and its product's stock from the database and:
//! - draws the early arrivals' places once the sale has started, if no arrival did yet;
//! - admits the next places while `available - admitted buyers who may still check out` is
//!   positive, at most at its rate (a token bucket);
//! - publishes the room's progress: `sold_out` the moment nothing is on hand (no hold is
//!   open that could come back), `paused` while everything left is held or promised to
//!   admitted buyers, `open` otherwise (immediately on a change of state, and each second
//!   while places move).
//!
//! The rate is fixed (`BAZAAR_QUEUE_ADMIT_PER_SEC=N`) or adaptive (`auto`): it grows by a
//! quarter each second while checkouts in this process answer within their target, and halves
//! when they do not. The target is twice the fastest checkout latency seen during the room's
//! sale (a server already busy with other work is not mistaken for one the admissions
//! overload), and at least [`TARGET_CHECKOUT`]: the rate probes the hot path's capacity the way
//! a delay-based congestion control does.

use super::store::{DropStore, RoomToRun};
use crate::clock;
use bazaar_actors::hub::{Event, Hub, QueuePlace};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// How often rooms are looked at.
const TICK: Duration = Duration::from_millis(100);
/// How long a lease lasts without renewal.
const LEASE: Duration = Duration::from_secs(3);
/// How often a held lease is renewed, the adaptive rate adjusted and moving places published.
const BEAT: Duration = Duration::from_secs(1);
/// The checkout latency under which the adaptive rate always grows.
pub(crate) const TARGET_CHECKOUT: Duration = Duration::from_millis(250);
/// The adaptive rate's bounds and first value, in admissions per second.
const MIN_RATE: f64 = 10.0;
const MAX_RATE: f64 = 20_000.0;
const FIRST_RATE: f64 = 100.0;

/// How fast rooms admit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AdmitRate {
    /// This many buyers per second.
    Fixed(f64),
    /// As fast as checkouts stay under [`TARGET_CHECKOUT`].
    Adaptive,
}

impl AdmitRate {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "auto" => Ok(AdmitRate::Adaptive),
            number => match number.parse::<f64>() {
                Ok(rate) if rate.is_finite() && rate >= 1.0 => Ok(AdmitRate::Fixed(rate)),
                _ => Err(format!(
                    "`auto` or admissions per second (at least 1), not {raw:?}"
                )),
            },
        }
    }
}

/// The latency of this process's recent checkouts (an exponentially weighted mean).
#[derive(Debug, Default)]
pub(crate) struct CheckoutPace {
    micros: AtomicU64,
}

impl CheckoutPace {
    pub(crate) fn record(&self, took: Duration) {
        let sample = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // Races between recorders lose a sample at worst: this is a gauge, not a count.
        let mean = self.micros.load(Ordering::Relaxed);
        let next = if mean == 0 {
            sample
        } else {
            mean - mean / 8 + sample / 8
        };
        self.micros.store(next, Ordering::Relaxed);
    }

    /// The mean latency; none before the first checkout.
    fn mean(&self) -> Option<Duration> {
        let micros = self.micros.load(Ordering::Relaxed);
        (micros > 0).then(|| Duration::from_micros(micros))
    }
}

/// What the gatekeeper remembers of a room between ticks.
struct Pace {
    rate: f64,
    budget: f64,
    last_tick: Instant,
    last_beat: Option<Instant>,
    /// The lowest checkout latency seen while this room ran.
    fastest: Option<Duration>,
    /// The progress last published: how far admitted, and the state.
    published: Option<(i64, &'static str)>,
}

pub(crate) struct Gatekeeper {
    store: DropStore,
    hub: Hub,
    rate: AdmitRate,
    admission: Duration,
    checkouts: Arc<CheckoutPace>,
    me: Uuid,
    rooms: HashMap<Uuid, Pace>,
}

impl Gatekeeper {
    /// Starts this process's gatekeeper.
    pub(crate) fn start(
        store: DropStore,
        hub: Hub,
        rate: AdmitRate,
        admission: Duration,
        checkouts: Arc<CheckoutPace>,
    ) {
        let gatekeeper = Self {
            store,
            hub,
            rate,
            admission,
            checkouts,
            me: Uuid::now_v7(),
            rooms: HashMap::new(),
        };
        actix_web::rt::spawn(gatekeeper.run());
    }

    async fn run(mut self) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = clock::now();
            let rooms = match self.store.rooms_to_run(now).await {
                Ok(rooms) => rooms,
                // The server is stopping.
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "the waiting rooms could not be read");
                    continue;
                }
            };
            self.rooms
                .retain(|product, _| rooms.iter().any(|room| room.product_id == *product));
            for room in rooms {
                if let Err(error) = self.step(room, now).await {
                    tracing::warn!(%error, product = %room.product_id, "a waiting room did not move");
                }
            }
        }
    }

    /// How long an admission lasts, as a span of time.
    fn admission_window(&self) -> time::Duration {
        time::Duration::try_from(self.admission).unwrap_or(time::Duration::MAX)
    }

    /// One tick of one room.
    async fn step(&mut self, room: RoomToRun, now: OffsetDateTime) -> sqlx::Result<()> {
        let product = room.product_id;
        let admission = self.admission_window();
        let first_rate = match self.rate {
            AdmitRate::Fixed(rate) => rate,
            AdmitRate::Adaptive => FIRST_RATE,
        };
        let pace = self.rooms.entry(product).or_insert_with(|| Pace {
            rate: first_rate,
            budget: 0.0,
            last_tick: Instant::now(),
            last_beat: None,
            fastest: None,
            published: None,
        });
        let mine = room.lease_owner == Some(self.me) && room.lease_until.is_some_and(|t| t > now);
        let someone_elses = !mine && room.lease_until.is_some_and(|until| until > now);
        if someone_elses {
            return Ok(());
        }
        let beat_due = pace.last_beat.is_none_or(|beat| beat.elapsed() >= BEAT);
        if beat_due || !mine {
            if beat_due
                && pace.last_beat.is_some()
                && let Some(checkout) = self.checkouts.mean()
            {
                let fastest = pace
                    .fastest
                    .map_or(checkout, |fastest| fastest.min(checkout));
                pace.fastest = Some(fastest);
                let target = TARGET_CHECKOUT.max(fastest * 2);
                pace.rate = adapt(self.rate, pace.rate, checkout, target);
            }
            let until = now + LEASE;
            if !self
                .store
                .lease(product, self.me, now, until, pace.rate)
                .await?
            {
                return Ok(());
            }
            pace.last_beat = Some(Instant::now());
        }

        let mut admitted_through = room.admitted_through;
        let mut places = room.places;
        if !room.opened {
            if room.sale_starts_at.is_some_and(|starts| now < starts) {
                return Ok(());
            }
            let drawn = self.store.open(product).await?;
            places += i64::try_from(drawn.len()).unwrap_or(i64::MAX);
            let places: Vec<QueuePlace> = drawn
                .into_iter()
                .map(|(user, place)| QueuePlace {
                    user,
                    place,
                    position: place - admitted_through,
                })
                .collect();
            if !places.is_empty() {
                self.hub.publish(Event::QueuePlaces { product, places });
            }
        }

        let elapsed = pace.last_tick.elapsed().as_secs_f64();
        pace.last_tick = Instant::now();
        pace.budget = (pace.budget + pace.rate * elapsed).min(pace.rate.max(1.0));
        let stock = self.store.admissible(product, now).await?;
        let state = if stock.on_hand <= 0 {
            "sold_out"
        } else if room.sale_starts_at.is_some_and(|starts| now < starts) {
            // A start moved later after the room opened: nobody is let in before it.
            "paused"
        } else {
            // Each admission may take up to this many units (one without a per-order limit:
            // the checkout holds a waiting room's orders to it).
            let units = i64::from(room.max_per_order.unwrap_or(1));
            let room_for =
                (stock.on_hand - stock.reserved - stock.outstanding * units).div_euclid(units);
            let waiting = places - admitted_through;
            let count = (pace.budget.floor() as i64).min(room_for).min(waiting);
            if count > 0
                && let Some(until) = now.checked_add(admission)
            {
                let (users, through) = self
                    .store
                    .admit(product, self.me, count, now, until)
                    .await?;
                pace.budget -= count as f64;
                if through > 0 {
                    admitted_through = through;
                }
                if !users.is_empty() {
                    self.hub.publish(Event::QueueAdmitted {
                        product,
                        users,
                        until,
                    });
                }
            }
            if room_for - count.max(0) <= 0 {
                "paused"
            } else {
                "open"
            }
        };
        let changed_state = pace.published.map(|(_, state)| state) != Some(state);
        let moved = pace
            .published
            .is_some_and(|(through, _)| through != admitted_through);
        if changed_state || (moved && beat_due) {
            pace.published = Some((admitted_through, state));
            self.hub.publish(Event::QueueProgress {
                product,
                admitted_through,
                state: state.to_owned(),
            });
        }
        Ok(())
    }
}

/// The rate for the next second, after checkouts answered in `checkout` against `target`.
fn adapt(rate: AdmitRate, current: f64, checkout: Duration, target: Duration) -> f64 {
    match rate {
        AdmitRate::Fixed(rate) => rate,
        AdmitRate::Adaptive if checkout <= target => (current * 1.25).clamp(MIN_RATE, MAX_RATE),
        AdmitRate::Adaptive => (current / 2.0).clamp(MIN_RATE, MAX_RATE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_fixed_or_follows_the_checkouts() {
        assert_eq!(AdmitRate::parse("auto"), Ok(AdmitRate::Adaptive));
        assert_eq!(AdmitRate::parse("250"), Ok(AdmitRate::Fixed(250.0)));
        for bad in ["0", "-3", "NaN", "fast", ""] {
            assert!(AdmitRate::parse(bad).is_err(), "{bad:?}");
        }
        let fast = Duration::from_millis(20);
        let slow = Duration::from_secs(2);
        let target = TARGET_CHECKOUT;
        assert_eq!(adapt(AdmitRate::Fixed(50.0), 400.0, slow, target), 50.0);
        assert_eq!(adapt(AdmitRate::Adaptive, 100.0, fast, target), 125.0);
        assert_eq!(adapt(AdmitRate::Adaptive, 100.0, slow, target), 50.0);
        assert_eq!(adapt(AdmitRate::Adaptive, 100.0, slow, slow * 2), 125.0);
        assert_eq!(adapt(AdmitRate::Adaptive, MIN_RATE, slow, target), MIN_RATE);
        assert_eq!(adapt(AdmitRate::Adaptive, MAX_RATE, fast, target), MAX_RATE);
    }

    #[test]
    fn the_checkout_pace_is_a_moving_mean() {
        let pace = CheckoutPace::default();
        assert_eq!(pace.mean(), None);
        pace.record(Duration::from_millis(80));
        assert_eq!(pace.mean(), Some(Duration::from_millis(80)));
        for _ in 0..100 {
            pace.record(Duration::from_millis(400));
        }
        assert!(pace.mean() > Some(Duration::from_millis(390)));
    }
}
