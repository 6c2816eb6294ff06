//! The server's clock, at the precision the database keeps.

use time::OffsetDateTime;

/// Now, at microsecond precision (what PostgreSQL keeps), so what is answered equals what is
/// read back later.
pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}
