//! [`Registry`]: one actor per key, started lazily on first use.
//!
//! Actors stop themselves when idle, so a catalog of millions of products costs memory only for
//! the products in play. The registry notices a stopped actor the next time its key is asked
//! for and starts a fresh one, which loads its state again.

use actix::{Actor, Addr};
use std::collections::HashMap;
use std::hash::Hash;

/// Live actors by key.
pub struct Registry<K, A: Actor> {
    actors: HashMap<K, Addr<A>>,
}

impl<K: Eq + Hash, A: Actor> Default for Registry<K, A> {
    fn default() -> Self {
        Self {
            actors: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash, A: Actor> Registry<K, A> {
    /// The running actor of `key`, or a new one from `start` if there is none or it stopped.
    pub fn get_or_start(&mut self, key: K, start: impl FnOnce() -> Addr<A>) -> Addr<A> {
        match self.actors.get(&key) {
            Some(addr) if addr.connected() => addr.clone(),
            _ => {
                let addr = start();
                self.actors.insert(key, addr.clone());
                addr
            }
        }
    }

    /// The actor of `key`, if one was started (it may have stopped since).
    pub fn get(&self, key: &K) -> Option<&Addr<A>> {
        self.actors.get(key)
    }

    /// How many registered actors are still running.
    pub fn running(&self) -> usize {
        self.actors.values().filter(|addr| addr.connected()).count()
    }

    /// Forgets the actors that have stopped.
    pub fn prune(&mut self) {
        self.actors.retain(|_, addr| addr.connected());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix::{ActorContext, Context, Handler, Message};

    /// A counter that stops itself on [`Stop`].
    struct Counter(u32);

    impl Actor for Counter {
        type Context = Context<Self>;
    }

    /// Adds one and answers the new count.
    #[derive(Message)]
    #[rtype(result = "u32")]
    struct Increment;

    /// Stops the actor, as an idle actor does.
    #[derive(Message)]
    #[rtype(result = "()")]
    struct Stop;

    impl Handler<Increment> for Counter {
        type Result = u32;
        fn handle(&mut self, _: Increment, _: &mut Context<Self>) -> u32 {
            self.0 += 1;
            self.0
        }
    }

    impl Handler<Stop> for Counter {
        type Result = ();
        fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }

    #[actix::test]
    async fn one_actor_per_key_restarted_after_it_stops() {
        let mut registry: Registry<&str, Counter> = Registry::default();
        let a = registry.get_or_start("a", || Counter(0).start());
        assert_eq!(a.send(Increment).await.unwrap(), 1);
        let again = registry.get_or_start("a", || Counter(100).start());
        assert_eq!(
            again.send(Increment).await.unwrap(),
            2,
            "same actor for the same key"
        );
        registry.get_or_start("b", || Counter(0).start());
        assert_eq!(registry.running(), 2);

        a.send(Stop).await.unwrap();
        // Let the stopped actor's context finish.
        actix::clock::sleep(std::time::Duration::from_millis(10)).await;
        assert_eq!(registry.running(), 1);
        let fresh = registry.get_or_start("a", || Counter(100).start());
        assert_eq!(
            fresh.send(Increment).await.unwrap(),
            101,
            "a stopped actor is replaced"
        );
        registry.prune();
        assert_eq!(registry.running(), 2);
    }
}
