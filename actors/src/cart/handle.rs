//! [`Carts`]: the registry of cart actors and the typed way to reach them.

use super::actor::*;
use super::storage::CartStorage;
use crate::registry::Registry;
use actix::{Actor, Addr, ArbiterHandle, Handler, MailboxError, Message};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use uuid::Uuid;

/// How cart actors live.
#[derive(Clone, Debug)]
pub struct CartConfig {
    /// How long a cart actor stays after its last message (its cart stays in the store).
    pub idle_timeout: Duration,
}

/// Every user's cart actor, started on first use.
#[derive(Clone)]
pub struct Carts {
    inner: Arc<Inner>,
}

struct Inner {
    actors: Mutex<Registry<Uuid, CartActor>>,
    arbiter: ArbiterHandle,
    store: CartStorage,
    config: CartConfig,
}

impl Carts {
    pub fn new(arbiter: ArbiterHandle, store: CartStorage, config: CartConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                actors: Mutex::default(),
                arbiter,
                store,
                config,
            }),
        }
    }

    fn actor(&self, user: Uuid) -> Addr<CartActor> {
        let inner = &self.inner;
        let mut actors = inner.actors.lock().unwrap_or_else(PoisonError::into_inner);
        actors.get_or_start(user, || {
            let (store, idle) = (inner.store.clone(), inner.config.idle_timeout);
            CartActor::start_in_arbiter(&inner.arbiter, move |_| CartActor::new(user, store, idle))
        })
    }

    async fn send<M>(&self, user: Uuid, message: M) -> Result<CartLines, CartError>
    where
        M: Message<Result = Result<CartLines, CartError>> + Send + Clone + 'static,
        CartActor: Handler<M>,
    {
        let unavailable = |error: MailboxError| CartError::Unavailable(error.to_string());
        match self.actor(user).send(message.clone()).await {
            Ok(result) => result,
            // Stopped (idle, or the store down while loading): a fresh actor loads again.
            Err(MailboxError::Closed) => {
                self.actor(user).send(message).await.map_err(unavailable)?
            }
            Err(error) => Err(unavailable(error)),
        }
    }

    pub async fn lines(&self, user: Uuid) -> Result<CartLines, CartError> {
        self.send(user, GetLines).await
    }

    pub async fn add(
        &self,
        user: Uuid,
        product: Uuid,
        qty: i64,
        available: i64,
    ) -> Result<CartLines, CartError> {
        self.send(
            user,
            AddLine {
                product,
                qty,
                available,
            },
        )
        .await
    }

    pub async fn set(
        &self,
        user: Uuid,
        product: Uuid,
        qty: i64,
        available: i64,
    ) -> Result<CartLines, CartError> {
        self.send(
            user,
            SetLine {
                product,
                qty,
                available,
            },
        )
        .await
    }

    pub async fn clear(&self, user: Uuid) -> Result<CartLines, CartError> {
        self.send(user, ClearLines).await
    }
}
