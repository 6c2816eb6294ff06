//! [`ClientAddress`]: the address a client is counted by, for rate limits and session caps.
//!
//! It is the connected peer's address; forwarded headers are deliberately ignored, since any
//! client can forge them to escape its own limit. An IPv6 client is counted by its /64: one
//! subscriber usually holds a whole /64 and can pick any address in it, so counting single
//! addresses would give them 2^64 fresh limits. An IPv4 address mapped into IPv6 counts as itself.

use actix_web::HttpRequest;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A client's address as limits count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClientAddress(IpAddr);

impl ClientAddress {
    /// The address of `req`'s connected peer.
    pub(crate) fn of(req: &HttpRequest) -> Self {
        Self::from(
            req.peer_addr()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip()),
        )
    }
}

impl From<IpAddr> for ClientAddress {
    fn from(ip: IpAddr) -> Self {
        Self(match ip {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let network = u128::from(v6) & !((1u128 << 64) - 1);
                    IpAddr::V6(Ipv6Addr::from(network))
                }
            },
        })
    }
}

impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => v4.fmt(f),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> ClientAddress {
        ClientAddress::from(text.parse::<IpAddr>().unwrap())
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(
            address("2001:db8:1:2::1"),
            address("2001:db8:1:2:ffff:1:2:3")
        );
        assert_ne!(address("2001:db8:1:2::1"), address("2001:db8:1:3::1"));
        assert_eq!(address("2001:db8:1:2::1").to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_counts_by_address_mapped_or_not() {
        assert_eq!(address("::ffff:192.0.2.7"), address("192.0.2.7"));
        assert_ne!(address("192.0.2.7"), address("192.0.2.8"));
    }
}
