//! The server's clock, at the precision every backend keeps.

use time::OffsetDateTime;

/// Now, at millisecond precision (what the embedded database keeps; PostgreSQL keeps more), so
/// what is answered equals what is read back later on either backend.
pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(now)
}
