//! Promotions: when a seller publishes a public coupon, the customers who opted in to promotions
//! and bought from that seller (for a shop-wide coupon: bought anything) are told, live and by
//! mail.
//!
//! Publishing only writes a campaign row with the coupon (`coupons::store`), then wakes the
//! [`Announcer`]: the request never waits for the audience. The announcer claims a campaign for a
//! lease, takes its audience in batches in id order, and writes each batch's notifications and
//! mail together with the campaign's cursor, so a crash or a restart goes on after the last
//! customer told, and a customer is told once. Each stored notification is then pushed to the
//! customer's live sessions.

mod store;

pub(crate) use store::PromotionStore;

use crate::coupons::CouponKind;
use crate::notifications::New;
use crate::outbox::letters;
use bazaar_actors::hub::Hub;
use std::sync::Arc;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Notify;
use uuid::Uuid;

/// How long a claimed campaign stays with its announcer without a sign of life.
const LEASE: Duration = Duration::from_secs(60);
/// How often an idle announcer looks for campaigns (another process may have published one).
const IDLE: Duration = Duration::from_secs(30);

/// A campaign as its announcer claimed it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Campaign {
    pub coupon_id: Uuid,
    pub seller_id: Option<Uuid>,
    /// The last customer told.
    pub cursor: Option<Uuid>,
    pub code: String,
    pub kind: CouponKind,
    pub value: i64,
    pub currency: Option<String>,
    pub ends_at: Option<time::OffsetDateTime>,
    /// The seller's name, for the message.
    pub seller_name: Option<String>,
    /// The coupon was withdrawn or has expired: nobody is told any more.
    pub ended: bool,
}

impl Campaign {
    /// What the coupon takes off, and where.
    fn offer(&self) -> String {
        let amount = match (self.kind, &self.currency) {
            (CouponKind::Percent, _) => format!("{}% off", self.value),
            (CouponKind::Fixed, Some(currency)) => format!(
                "{}.{:02} {currency} off",
                self.value / 100,
                self.value % 100
            ),
            (CouponKind::Fixed, None) => format!("{} off", self.value),
        };
        match &self.seller_name {
            Some(seller) => format!("{seller} offers you {amount} their products"),
            None => format!("We offer you {amount} your next order"),
        }
    }
}

/// Wakes the announcer: a campaign was published.
#[derive(Clone, Default)]
pub(crate) struct Promoter {
    wake: Arc<Notify>,
}

impl Promoter {
    pub(crate) fn published(&self) {
        self.wake.notify_one();
    }
}

/// Announces campaigns, one batch at a time.
pub(crate) struct Announcer {
    store: PromotionStore,
    hub: Hub,
    batch: usize,
    wake: Arc<Notify>,
}

impl Announcer {
    /// Starts announcing, in batches of `batch` customers; the handle that wakes it.
    pub(crate) fn start(store: PromotionStore, hub: Hub, batch: usize) -> Promoter {
        let promoter = Promoter::default();
        let announcer = Self {
            store,
            hub,
            batch: batch.max(1),
            wake: promoter.wake.clone(),
        };
        actix_web::rt::spawn(announcer.run());
        promoter
    }

    async fn run(self) {
        let claim = Uuid::now_v7();
        loop {
            match self.store.claim(claim, LEASE).await {
                Ok(Some(campaign)) => {
                    if let Err(error) = self.announce(claim, campaign).await {
                        tracing::warn!(%error, "a promotion campaign stopped; it goes on later");
                        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "promotion campaigns could not be read"),
            }
            let _ = tokio::time::timeout(IDLE, self.wake.notified()).await;
        }
    }

    /// Tells `campaign`'s audience, batch after batch, until it is done or the claim is lost.
    async fn announce(&self, claim: Uuid, mut campaign: Campaign) -> sqlx::Result<()> {
        if campaign.ended {
            return self.store.finish(campaign.coupon_id, claim).await;
        }
        let until = campaign.ends_at.and_then(|at| at.format(&Rfc3339).ok());
        let letter = letters::promotion(&campaign.offer(), &campaign.code, until.as_deref());
        loop {
            let audience = self
                .store
                .audience(campaign.seller_id, campaign.cursor, self.batch)
                .await?;
            let Some(&last) = audience.last() else {
                self.store.finish(campaign.coupon_id, claim).await?;
                return Ok(());
            };
            let batch: Vec<New> = audience
                .iter()
                .map(|&user| New {
                    id: Uuid::now_v7(),
                    user,
                    kind: "promotion",
                    title: letter.subject.clone(),
                    body: letter.text.trim_end().to_owned(),
                    order: None,
                    product: None,
                })
                .collect();
            let mail: Vec<(Uuid, letters::Letter)> = audience
                .iter()
                .map(|&user| (user, letter.clone()))
                .collect();
            if !self
                .store
                .record(campaign.coupon_id, claim, &batch, &mail, last, LEASE)
                .await?
            {
                return Ok(()); // another announcer has it now
            }
            for n in batch {
                self.hub.publish(n.into_event());
            }
            campaign.cursor = Some(last);
        }
    }
}
