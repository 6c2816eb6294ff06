//! What a unit of work is: its own statements, and the stock changes the journal aggregates.

use futures_util::future::BoxFuture;
use sqlx::PgConnection;
use std::any::Any;
use uuid::Uuid;

/// Why `on_hand` changed, as recorded in the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerReason {
    Restock,
    Correction,
    Damage,
    /// Units left the shelf with a paid order.
    Sale,
    /// Units of a cancelled or refunded order came back.
    Return,
}

impl LedgerReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerReason::Restock => "restock",
            LedgerReason::Correction => "correction",
            LedgerReason::Damage => "damage",
            LedgerReason::Sale => "sale",
            LedgerReason::Return => "return",
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
    fn apply<'c>(
        &'c self,
        connection: &'c mut PgConnection,
    ) -> BoxFuture<'c, sqlx::Result<Applied>>;

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
        connection: &'c mut PgConnection,
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
    fn apply<'c>(&'c self, _: &'c mut PgConnection) -> BoxFuture<'c, sqlx::Result<Applied>> {
        Box::pin(async move { Ok(Applied::accepted(self.0.clone())) })
    }
}
