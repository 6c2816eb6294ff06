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
    /// The best encoding `req` accepts: the coding of the highest `q` among brotli and gzip,
    /// brotli on a tie, else none. A coding listed with `q=0` is refused.
    pub(super) fn preferred(req: &HttpRequest) -> Self {
        let Some(accepted) = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
        else {
            return Encoding::Identity;
        };
        let weight = |coding: &str| -> f32 {
            accepted
                .split(',')
                .filter_map(|item| {
                    let mut parts = item.split(';').map(str::trim);
                    let name = parts.next()?;
                    let q = parts
                        .find_map(|param| param.strip_prefix("q="))
                        .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
                    (name.eq_ignore_ascii_case(coding) || name == "*").then_some(q)
                })
                .fold(0.0, f32::max)
        };
        let (brotli, gzip) = (weight("br"), weight("gzip"));
        if brotli > 0.0 && brotli >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// What a file's entity tag gets in this encoding: each form of a file is its own entity.
    pub(super) fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "-br",
            Encoding::Gzip => "-gz",
            Encoding::Identity => "",
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
    fn the_most_wanted_coding_brotli_on_a_tie_and_never_a_refused_one() {
        assert_eq!(preferred("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(preferred("gzip"), Encoding::Gzip);
        assert_eq!(preferred("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(preferred("br;q=0.1, gzip"), Encoding::Gzip);
        assert_eq!(preferred("*"), Encoding::Brotli);
        assert_eq!(preferred("identity"), Encoding::Identity);
        assert_eq!(
            Encoding::preferred(&TestRequest::default().to_http_request()),
            Encoding::Identity
        );
    }
}
