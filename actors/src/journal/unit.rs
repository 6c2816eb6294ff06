//! What a unit of work is: its own statements, and the stock changes the journal aggregates.

use crate::store::Connection;
use futures_util::future::BoxFuture;
use std::any::Any;
use uuid::Uuid;

/// Why `on_hand` changed, as the ledger (`inventory_movements.reason`) records it. An
/// inventory adjustment by a seller is one of [`LedgerReason::ADJUSTMENTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum LedgerReason {
    /// The stock a product was created with.
    Initial,
    Restock,
    Correction,
    Damage,
    /// A seller's import set the stock.
    Import,
    /// Units left the shelf with a paid order.
    Sale,
    /// Units of a cancelled or refunded order came back.
    Return,
}

impl LedgerReason {
    /// The reasons a seller may give for an inventory adjustment.
    pub const ADJUSTMENTS: [LedgerReason; 3] = [
        LedgerReason::Restock,
        LedgerReason::Correction,
        LedgerReason::Damage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LedgerReason::Initial => "initial",
            LedgerReason::Restock => "restock",
            LedgerReason::Correction => "correction",
            LedgerReason::Damage => "damage",
            LedgerReason::Import => "import",
            LedgerReason::Sale => "sale",
            LedgerReason::Return => "return",
        }
    }

    /// Whether a change of `delta` units may have this reason: a restock adds, damage removes,
    /// the others go either way, and none is zero.
    pub fn allows(self, delta: i64) -> bool {
        match self {
            LedgerReason::Restock => delta > 0,
            LedgerReason::Damage => delta < 0,
            _ => delta != 0,
        }
    }
}

/// A change of one product's stock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockChange {
    pub product: Uuid,
    /// Added to `inventory.reserved`.
    pub reserved: i64,
    /// Added to `inventory.on_hand`; a non-zero value is also a ledger row.
    pub on_hand: i64,
    /// Why `on_hand` changed (ignored when it did not).
    pub reason: LedgerReason,
    /// The order behind the change, if any.
    pub order: Option<Uuid>,
}

/// What a unit's statements did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Whether the unit's conditions held (an order still pending, a hold still held...). A unit
    /// that was not accepted changed nothing and contributes no stock change.
    pub accepted: bool,
    /// The stock changes to write with the batch.
    pub stock: Vec<StockChange>,
}

impl Applied {
    /// The unit's conditions held and it changes `stock`.
    pub fn accepted(stock: Vec<StockChange>) -> Self {
        Self {
            accepted: true,
            stock,
        }
    }

    /// The unit's conditions did not hold; it changed nothing.
    pub fn refused() -> Self {
        Self::default()
    }
}

/// The statements of one unit, run inside the batch transaction. `apply` may run twice (in a
/// batch that failed, then alone), so it must not consume anything.
pub trait Work: Send + Sync + 'static {
    fn apply<'c>(&'c self, connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>>;

    /// Units that can write all of a batch's units of their kind with a few set-based statements
    /// (instead of a round trip each) say so here.
    fn batchable(&self) -> Option<&dyn Batchable> {
        None
    }

    /// Called once the transaction that applied (and accepted) this unit has committed: the place
    /// to announce what it did.
    fn committed(&self) {}
}

/// A kind of unit that writes many of its kind at once.
pub trait Batchable: Any + Send + Sync {
    /// Writes `units` — all of `self`'s concrete type, `self` among them — and answers for each,
    /// in order.
    fn apply_together<'c>(
        &'c self,
        units: &'c [&'c dyn Batchable],
        connection: Connection<'c>,
    ) -> BoxFuture<'c, sqlx::Result<Vec<Applied>>>;

    fn as_any(&self) -> &dyn Any;
}

/// A unit of work for the journal.
pub struct Unit(pub Box<dyn Work>);

impl<W: Work> From<W> for Unit {
    fn from(work: W) -> Self {
        Unit(Box::new(work))
    }
}

/// A unit that only changes stock (a restock or an adjustment).
pub struct StockOnly(pub Vec<StockChange>);

impl Work for StockOnly {
    fn apply<'c>(&'c self, _: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move { Ok(Applied::accepted(self.0.clone())) })
    }
}

/// A unit that sets a product's `on_hand` to `target`. The difference is computed against the
/// locked row, not against an actor's memory (which may not know yet of changes still landing),
/// and recorded in the ledger with `reason`; refused if `target` is below what is reserved.
pub struct StockSet {
    pub product: Uuid,
    pub target: i64,
    pub reason: LedgerReason,
    /// The change it made, for the actor once it committed (overwritten if applied twice).
    pub change: std::sync::Arc<std::sync::Mutex<Option<i64>>>,
}

impl Work for StockSet {
    fn apply<'c>(&'c self, connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let Some((on_hand, reserved)) =
                crate::store::lock_stock(connection, self.product).await?
            else {
                return Ok(Applied::refused());
            };
            if self.target < reserved {
                return Ok(Applied::refused());
            }
            let delta = self.target - on_hand;
            *self
                .change
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(delta);
            let stock = if delta == 0 {
                Vec::new()
            } else {
                vec![StockChange {
                    product: self.product,
                    reserved: 0,
                    on_hand: delta,
                    reason: self.reason,
                    order: None,
                }]
            };
            Ok(Applied::accepted(stock))
        })
    }
}

/// A unit that changes a product's low-stock threshold (the inventory actor's to change).
pub struct ThresholdChange {
    pub product: Uuid,
    pub threshold: i64,
}

impl Work for ThresholdChange {
    fn apply<'c>(&'c self, connection: Connection<'c>) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move {
            let changed =
                crate::store::set_threshold(connection, self.product, self.threshold).await?;
            Ok(if changed {
                Applied::accepted(Vec::new())
            } else {
                Applied::refused()
            })
        })
    }
}
