//! [`Encoding`]: which compression a request accepts (`Accept-Encoding`), brotli preferred.

use actix_web::HttpRequest;
use actix_web::http::header;

/// How a file is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding `req` accepts: brotli, then gzip, else none. A coding listed with
    /// `q=0` is refused.
    pub(super) fn preferred(req: &HttpRequest) -> Self {
        let Some(accepted) = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
        else {
            return Encoding::Identity;
        };
        let accepts = |coding: &str| {
            accepted.split(',').any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let name = parts.next().unwrap_or_default();
                let refused = parts.any(|param| {
                    param
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                name.eq_ignore_ascii_case(coding) && !refused
            })
        };
        if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` value, if any.
    pub(super) fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Encoding;
    use actix_web::test::TestRequest;

    fn preferred(accept: &str) -> Encoding {
        Encoding::preferred(
            &TestRequest::default()
                .insert_header(("Accept-Encoding", accept))
                .to_http_request(),
        )
    }

    #[test]
    fn brotli_first_then_gzip_and_never_a_refused_coding() {
        assert_eq!(preferred("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(preferred("gzip"), Encoding::Gzip);
        assert_eq!(preferred("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(preferred("identity"), Encoding::Identity);
        assert_eq!(
            Encoding::preferred(&TestRequest::default().to_http_request()),
            Encoding::Identity
        );
    }
}
