//! [`order_number`]: the short number people read an order by, in mail, notifications and the
//! web client alike.

use uuid::Uuid;

/// The last eight hex digits of an order's id, upper case: the random end of its UUIDv7, where
/// its start is the time, shared by every order of the same minute.
pub(crate) fn order_number(order: Uuid) -> String {
    order.simple().to_string()[24..].to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::order_number;
    use uuid::Uuid;

    #[test]
    fn orders_of_the_same_moment_get_different_numbers() {
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(order_number(first).len(), 8);
        assert_ne!(order_number(first), order_number(second));
    }
}
