//! [`CartActor`] and its messages.

use super::storage::CartStorage;
use actix::prelude::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The quantities in a cart, by product.
pub type CartLines = BTreeMap<Uuid, i64>;

/// Why a cart operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    /// The line would exceed what is available.
    #[error("only {available} available")]
    OutOfStock { available: i64 },
    /// The cart store did not answer; the cart is unchanged.
    #[error("the cart store is unavailable: {0}")]
    Unavailable(String),
}

/// The cart's lines.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<CartLines, CartError>")]
pub struct GetLines;

/// Adds `qty` to the line of `product`, refusing beyond `available`.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<CartLines, CartError>")]
pub struct AddLine {
    pub product: Uuid,
    pub qty: i64,
    pub available: i64,
}

/// Sets the line of `product` to `qty` (0 removes it), refusing beyond `available`.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<CartLines, CartError>")]
pub struct SetLine {
    pub product: Uuid,
    pub qty: i64,
    pub available: i64,
}

/// Empties the cart.
#[derive(Clone, Copy, Message)]
#[rtype(result = "Result<CartLines, CartError>")]
pub struct ClearLines;

/// One user's cart.
pub struct CartActor {
    user: Uuid,
    store: CartStorage,
    lines: Option<CartLines>,
    idle_timeout: Duration,
    last_active: Instant,
}

impl CartActor {
    pub(crate) fn new(user: Uuid, store: CartStorage, idle_timeout: Duration) -> Self {
        Self {
            user,
            store,
            lines: None,
            idle_timeout,
            last_active: Instant::now(),
        }
    }

    /// Writes the new quantity of `product` through to the store, and only then keeps it.
    /// Atomic: the mailbox waits, so changes apply in order.
    fn write_line(
        &mut self,
        product: Uuid,
        qty: i64,
    ) -> AtomicResponse<Self, Result<CartLines, CartError>> {
        self.last_active = Instant::now();
        let (store, user) = (self.store.clone(), self.user);
        let write = async move { store.write_line(user, product, qty).await };
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, actor, _| {
                written?;
                let lines = actor.lines.get_or_insert_with(CartLines::new);
                if qty == 0 {
                    lines.remove(&product);
                } else {
                    lines.insert(product, qty);
                }
                Ok(lines.clone())
            },
        )))
    }

    fn loaded(&self) -> Result<&CartLines, CartError> {
        self.lines
            .as_ref()
            .ok_or_else(|| CartError::Unavailable("the cart could not be loaded".into()))
    }
}

impl Actor for CartActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let (store, user) = (self.store.clone(), self.user);
        ctx.wait(async move { store.load(user).await }.into_actor(self).map(
            |loaded, actor, ctx| match loaded {
                Ok(lines) => actor.lines = Some(lines),
                Err(error) => {
                    tracing::warn!(user = %actor.user, %error, "cannot load cart");
                    ctx.stop();
                }
            },
        ));
        ctx.run_interval(Duration::from_secs(1), |actor, ctx| {
            if actor.last_active.elapsed() >= actor.idle_timeout {
                ctx.stop();
            }
        });
    }
}

impl Handler<GetLines> for CartActor {
    type Result = Result<CartLines, CartError>;

    fn handle(&mut self, _: GetLines, _: &mut Context<Self>) -> Self::Result {
        self.last_active = Instant::now();
        self.loaded().cloned()
    }
}

impl Handler<AddLine> for CartActor {
    type Result = AtomicResponse<Self, Result<CartLines, CartError>>;

    fn handle(&mut self, msg: AddLine, _: &mut Context<Self>) -> Self::Result {
        let current = match self.loaded() {
            Ok(lines) => lines.get(&msg.product).copied().unwrap_or(0),
            Err(error) => return AtomicResponse::new(Box::pin(fut::ready(Err(error)))),
        };
        let qty = current.saturating_add(msg.qty);
        if qty > msg.available {
            let error = CartError::OutOfStock {
                available: msg.available,
            };
            return AtomicResponse::new(Box::pin(fut::ready(Err(error))));
        }
        self.write_line(msg.product, qty)
    }
}

impl Handler<SetLine> for CartActor {
    type Result = AtomicResponse<Self, Result<CartLines, CartError>>;

    fn handle(&mut self, msg: SetLine, _: &mut Context<Self>) -> Self::Result {
        if let Err(error) = self.loaded() {
            return AtomicResponse::new(Box::pin(fut::ready(Err(error))));
        }
        if msg.qty > msg.available {
            let error = CartError::OutOfStock {
                available: msg.available,
            };
            return AtomicResponse::new(Box::pin(fut::ready(Err(error))));
        }
        self.write_line(msg.product, msg.qty)
    }
}

impl Handler<ClearLines> for CartActor {
    type Result = AtomicResponse<Self, Result<CartLines, CartError>>;

    fn handle(&mut self, _: ClearLines, _: &mut Context<Self>) -> Self::Result {
        self.last_active = Instant::now();
        let (store, user) = (self.store.clone(), self.user);
        let clear = async move { store.clear(user).await };
        AtomicResponse::new(Box::pin(clear.into_actor(self).map(|cleared, actor, _| {
            cleared?;
            actor.lines = Some(CartLines::new());
            Ok(CartLines::new())
        })))
    }
}
