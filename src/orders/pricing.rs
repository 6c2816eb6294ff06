//! An order's money, line by line: the discount of a coupon spread over the lines it applies to,
//! tax on each line and on shipping, and the totals, all in integer minor units.
//!
//! One rounding rule, everywhere: an amount that is not a whole number of minor units is rounded
//! half up (2.5 cents become 3). A coupon's discount is computed once on the subtotal of the lines
//! it applies to and rounded; it is then spread over those lines in proportion to their totals,
//! the cents left by rounding down going to the lines with the largest remainders (the earlier
//! line on a tie), so the lines' discounts add up to the discount exactly. Tax is computed on each
//! line after its discount, and on shipping, each rounded; the order's tax is their sum. Prices
//! are without tax.

/// What a coupon takes off the lines it applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Discount {
    /// This percentage (1 to 100) of their subtotal.
    Percent(i64),
    /// This amount, at most their subtotal.
    Fixed(i64),
}

/// A tax rate in basis points: 1,900 is 19 %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TaxRate(pub u32);

impl TaxRate {
    /// The tax on `amount` minor units, rounded half up.
    pub(crate) fn on(self, amount: i64) -> i64 {
        half_up(i128::from(amount) * i128::from(self.0), 10_000)
    }
}

/// A line to price: its total before discount, and whether the coupon applies to it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LineToPrice {
    pub total: i64,
    pub discounted: bool,
}

/// A line's discount and tax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LineCharges {
    pub discount: i64,
    pub tax: i64,
}

/// An order's totals: `total = subtotal - discount + shipping + tax`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
}

/// Prices `lines`: each line's discount and tax, in the order given, and the totals.
pub(crate) fn price(
    lines: &[LineToPrice],
    discount: Option<Discount>,
    shipping: i64,
    rate: TaxRate,
) -> (Vec<LineCharges>, Totals) {
    let discounts = spread(lines, discount);
    let charges: Vec<LineCharges> = lines
        .iter()
        .zip(discounts)
        .map(|(line, discount)| LineCharges {
            discount,
            tax: rate.on(line.total - discount),
        })
        .collect();
    let subtotal = lines.iter().map(|line| line.total).sum();
    let discount: i64 = charges.iter().map(|line| line.discount).sum();
    let tax = charges.iter().map(|line| line.tax).sum::<i64>() + rate.on(shipping);
    let totals = Totals {
        subtotal,
        discount,
        shipping,
        tax,
        total: subtotal - discount + shipping + tax,
    };
    (charges, totals)
}

/// The discount of the lines it applies to, in total.
pub(crate) fn discount_of(discount: Discount, applicable_subtotal: i64) -> i64 {
    match discount {
        Discount::Percent(percent) => half_up(
            i128::from(applicable_subtotal) * i128::from(percent.clamp(0, 100)),
            100,
        ),
        Discount::Fixed(amount) => amount.clamp(0, applicable_subtotal),
    }
}

/// Each line's share of the discount: in proportion to its total, largest remainders first.
fn spread(lines: &[LineToPrice], discount: Option<Discount>) -> Vec<i64> {
    let mut shares = vec![0; lines.len()];
    let Some(discount) = discount else {
        return shares;
    };
    let applicable: i64 = lines
        .iter()
        .filter(|line| line.discounted)
        .map(|line| line.total)
        .sum();
    let total = discount_of(discount, applicable);
    if total == 0 {
        return shares;
    }
    let mut remainders = Vec::new();
    for (index, line) in lines.iter().enumerate().filter(|(_, line)| line.discounted) {
        let exact = i128::from(total) * i128::from(line.total);
        let whole = exact / i128::from(applicable);
        shares[index] = i64::try_from(whole).unwrap_or(i64::MAX);
        remainders.push((exact % i128::from(applicable), index));
    }
    let mut left = total - shares.iter().sum::<i64>();
    // Largest remainder first; on a tie, the earlier line.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders {
        if left == 0 {
            break;
        }
        shares[index] += 1;
        left -= 1;
    }
    shares
}

/// `numerator / denominator` rounded half up; both are non-negative.
fn half_up(numerator: i128, denominator: i128) -> i64 {
    i64::try_from((numerator * 2 + denominator) / (denominator * 2)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(total: i64) -> LineToPrice {
        LineToPrice {
            total,
            discounted: true,
        }
    }

    #[test]
    fn tax_rounds_half_up() {
        let rate = TaxRate(1_900);
        assert_eq!(rate.on(1_000), 190);
        // 0.19 * 50 = 9.5 -> 10; 0.19 * 49 = 9.31 -> 9.
        assert_eq!(rate.on(50), 10);
        assert_eq!(rate.on(49), 9);
        assert_eq!(TaxRate(550).on(10), 1); // 0.55 -> 1
        assert_eq!(TaxRate(0).on(12_345), 0);
    }

    #[test]
    fn a_percentage_is_rounded_once_and_spread_exactly() {
        // 10 % of 3 * 333 = 99.9 -> 100, spread 33.3 each: 34, 33, 33.
        let lines = [line(333), line(333), line(333)];
        let (charges, totals) = price(&lines, Some(Discount::Percent(10)), 0, TaxRate(0));
        let discounts: Vec<i64> = charges.iter().map(|c| c.discount).collect();
        assert_eq!(discounts, [34, 33, 33]);
        assert_eq!(totals.discount, 100);
        assert_eq!(totals.total, 999 - 100);
    }

    #[test]
    fn a_fixed_discount_touches_only_the_lines_it_applies_to_and_is_capped() {
        let lines = [
            line(1_000),
            LineToPrice {
                total: 5_000,
                discounted: false,
            },
            line(3_000),
        ];
        let (charges, totals) = price(&lines, Some(Discount::Fixed(1_000)), 0, TaxRate(0));
        assert_eq!(
            charges.iter().map(|c| c.discount).collect::<Vec<_>>(),
            [250, 0, 750]
        );
        assert_eq!(totals.discount, 1_000);
        let (_, capped) = price(&lines, Some(Discount::Fixed(10_000)), 0, TaxRate(0));
        assert_eq!(capped.discount, 4_000);
        assert_eq!(capped.total, 5_000);
    }

    #[test]
    fn tax_is_on_each_discounted_line_and_on_shipping() {
        // Lines 1,999 and 1,001 with 10 % off (300: 200 and 100), shipping 499, at 19 %:
        // (1,799 * 0.19 = 341.81 -> 342) + (901 * 0.19 = 171.19 -> 171) + (499 * 0.19 = 94.81
        // -> 95) = 608.
        let (charges, totals) = price(
            &[line(1_999), line(1_001)],
            Some(Discount::Percent(10)),
            499,
            TaxRate(1_900),
        );
        assert_eq!(
            charges,
            [
                LineCharges {
                    discount: 200,
                    tax: 342
                },
                LineCharges {
                    discount: 100,
                    tax: 171
                }
            ]
        );
        assert_eq!(
            totals,
            Totals {
                subtotal: 3_000,
                discount: 300,
                shipping: 499,
                tax: 608,
                total: 3_000 - 300 + 499 + 608,
            }
        );
    }

    #[test]
    fn nothing_applies_without_a_coupon_or_to_an_empty_order() {
        let (charges, totals) = price(&[line(700)], None, 0, TaxRate(0));
        assert_eq!(charges, [LineCharges::default()]);
        assert_eq!(totals.total, 700);
        assert_eq!(
            price(&[], Some(Discount::Fixed(5)), 0, TaxRate(0)).1.total,
            0
        );
    }
}
