//! Pagination of lists: `?page=1&per_page=20` in, `{items, page, per_page, total}` out.

use super::{AllValid, Parsed, field};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The raw paging parameters of a list request.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct PageParams {
    /// 1-based page number (default 1).
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<String>,
}

/// A valid page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub(crate) const MAX_PER_PAGE: u32 = 100;

    /// Parses the parameters, naming each bad one.
    pub(crate) fn parse(params: &PageParams) -> Parsed<Self> {
        let (page, per_page) = (
            field("page", number(params.page.as_deref(), 1, 1, 1_000_000)),
            field(
                "per_page",
                number(params.per_page.as_deref(), 20, 1, Self::MAX_PER_PAGE),
            ),
        )
            .all_valid()?;
        Ok(Self { page, per_page })
    }

    pub(crate) fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub(crate) fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

fn number(raw: Option<&str>, default: u32, min: u32, max: u32) -> Result<u32, String> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    match raw.trim().parse::<u32>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

impl<T> Paged<T> {
    pub(crate) fn new(items: Vec<T>, page: Page, total: i64) -> Self {
        Self {
            items,
            page: page.page,
            per_page: page.per_page,
            total,
        }
    }

    /// The same page with each item turned into another.
    pub(crate) fn map<U>(self, each: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(each).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(page: Option<&str>, per_page: Option<&str>) -> Parsed<Page> {
        Page::parse(&PageParams {
            page: page.map(str::to_owned),
            per_page: per_page.map(str::to_owned),
        })
    }

    #[test]
    fn defaults_and_offsets() {
        let page = parse(None, None).unwrap();
        assert_eq!((page.page, page.per_page, page.offset()), (1, 20, 0));
        assert_eq!(parse(Some("3"), Some("100")).unwrap().offset(), 200);
    }

    #[test]
    fn out_of_range_is_rejected() {
        for (page, per_page) in [
            ("0", "20"),
            ("1", "0"),
            ("1", "101"),
            ("x", "20"),
            ("-1", "5"),
        ] {
            assert!(
                parse(Some(page), Some(per_page)).is_err(),
                "{page} {per_page}"
            );
        }
    }
}
