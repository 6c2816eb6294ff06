//! The sale clock: tells a product's watchers the moment its sale opens or ends, by the
//! server's clock.
//!
//! Every process runs one and tells its own sessions (`Hub::publish_here`), so each session
//! hears each moment once whatever the number of processes. It sleeps until the next moment it
//! knows of, and reads the schedule again at least every second (a sale scheduled by another
//! process) or when this process changed one ([`SaleClock::rescheduled`]).

use super::store::DropStore;
use crate::clock;
use crate::domain::{SalePhase, SaleTerms};
use bazaar_actors::hub::{Event, Hub};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;
use uuid::Uuid;

/// The longest the clock sleeps without reading the schedule.
const POLL: Duration = Duration::from_secs(1);

/// A handle to this process's sale clock.
#[derive(Clone)]
pub(crate) struct SaleClock {
    hub: Hub,
    wake: Arc<Notify>,
}

impl SaleClock {
    /// Starts this process's clock.
    pub(crate) fn start(store: DropStore, hub: Hub) -> Self {
        let clock = Self {
            hub,
            wake: Arc::new(Notify::new()),
        };
        actix_web::rt::spawn(clock.clone().run(store));
        clock
    }

    /// `product`'s sale terms changed to `terms`: its watchers hear where it stands now (in
    /// every process), and the clock reads the schedule again.
    pub(crate) fn rescheduled(&self, product: Uuid, terms: &SaleTerms) {
        self.hub
            .publish(sale_event(product, terms, terms.phase(clock::now())));
        self.wake.notify_one();
    }

    async fn run(self, store: DropStore) {
        let mut since = clock::now();
        loop {
            let now = clock::now();
            let mut next: Option<OffsetDateTime> = None;
            match store.schedule(since).await {
                Ok(schedule) => {
                    for product in schedule {
                        let terms = SaleTerms {
                            starts_at: product.sale_starts_at,
                            ends_at: product.sale_ends_at,
                            ..SaleTerms::default()
                        };
                        for (moment, phase) in [
                            (terms.starts_at, SalePhase::Open),
                            (terms.ends_at, SalePhase::Ended),
                        ] {
                            let Some(moment) = moment else { continue };
                            if since < moment && moment <= now {
                                self.hub.publish_here(sale_event(product.id, &terms, phase));
                            } else if moment > now {
                                next = Some(next.map_or(moment, |next| next.min(moment)));
                            }
                        }
                    }
                    since = now;
                }
                // The server is stopping.
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => tracing::warn!(%error, "the sale schedule could not be read"),
            }
            let sleep = next
                .map(|next| Duration::try_from(next - clock::now()).unwrap_or_default())
                .map_or(POLL, |until_next| until_next.min(POLL));
            let _ = tokio::time::timeout(sleep, self.wake.notified()).await;
        }
    }
}

/// The live message of `product`'s sale in `phase`.
fn sale_event(product: Uuid, terms: &SaleTerms, phase: SalePhase) -> Event {
    Event::Sale {
        product,
        state: phase.as_str().to_owned(),
        starts_at: terms.starts_at,
        ends_at: terms.ends_at,
    }
}
