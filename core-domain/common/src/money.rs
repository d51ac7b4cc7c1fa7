//! Amounts of money: Korean won, in whole won (the currency has no minor unit in use).
//!
//! Prices, charges, refunds and coupon discounts are never negative, so [`Money`] cannot be:
//! subtraction that would go below zero is an error, not a negative amount. Arithmetic is
//! checked (an overflow is an error, never a wrap), and there are no floats anywhere: a
//! percentage discount is computed in integers with one stated rounding rule.

use serde::{Deserialize, Serialize};

/// A non-negative amount of won. On the wire and in storage it is a bare integer (`12000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

/// Why an amount could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount would be below zero (a negative price, or taking away more than there is).
    #[error("an amount of money cannot be negative ({0} won)")]
    Negative(i64),
    /// The amount would not fit in 63 bits of won.
    #[error("the amount of money is too large")]
    Overflow,
    /// A percentage outside 0–100.
    #[error("a percentage must be between 0 and 100, not {0}")]
    Percent(u32),
}

impl Money {
    /// Zero won: what a free course costs, and the floor a discount stops at.
    pub const ZERO: Self = Self(0);

    /// `won` won; [`MoneyError::Negative`] below zero.
    pub const fn won(won: i64) -> Result<Self, MoneyError> {
        if won < 0 { Err(MoneyError::Negative(won)) } else { Ok(Self(won)) }
    }

    /// The amount in won.
    pub const fn as_won(self) -> i64 {
        self.0
    }

    /// `true` for zero (a free course needs no payment).
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The sum; [`MoneyError::Overflow`] past `i64::MAX` won.
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        self.0.checked_add(other.0).map(Self).ok_or(MoneyError::Overflow)
    }

    /// What is left after taking `other` away; [`MoneyError::Negative`] when `other` is more.
    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
        // Both are non-negative, so the difference cannot overflow.
        Self::won(self.0 - other.0)
    }

    /// `quantity` of this amount (a unit price times a count); [`MoneyError::Overflow`] when it
    /// does not fit.
    pub fn times(self, quantity: u32) -> Result<Self, MoneyError> {
        self.0.checked_mul(i64::from(quantity)).map(Self).ok_or(MoneyError::Overflow)
    }

    /// `percent` % of this amount, **rounded down to the won** (the amount a percentage coupon
    /// takes off: a 15 % coupon on 9 999 won takes off 1 499, never 1 500). Rounding the
    /// discount down means the discounted price is rounded up, so a discount never exceeds its
    /// stated percentage; the price and its discount always add up to the original.
    pub fn percent_of(self, percent: Percent) -> Self {
        // 63 bits × 100 fits in 128 bits; the quotient is at most `self`, so it fits back.
        let part = i128::from(self.0) * i128::from(percent.0) / 100;
        Self(i64::try_from(part).unwrap_or(self.0))
    }

    /// This amount less `percent` % (see [`Money::percent_of`] for the rounding).
    pub fn less_percent(self, percent: Percent) -> Self {
        Self(self.0 - self.percent_of(percent).0)
    }
}

impl TryFrom<i64> for Money {
    type Error = MoneyError;

    fn try_from(won: i64) -> Result<Self, Self::Error> {
        Self::won(won)
    }
}

impl From<Money> for i64 {
    fn from(money: Money) -> Self {
        money.0
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} won", self.0)
    }
}

/// A whole percentage, 0 to 100 (a coupon's "15 % off").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Percent(u32);

impl Percent {
    /// `percent` %; [`MoneyError::Percent`] above 100.
    pub const fn new(percent: u32) -> Result<Self, MoneyError> {
        if percent > 100 { Err(MoneyError::Percent(percent)) } else { Ok(Self(percent)) }
    }

    /// The number of percent.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Percent {
    type Error = MoneyError;

    fn try_from(percent: u32) -> Result<Self, Self::Error> {
        Self::new(percent)
    }
}

impl From<Percent> for u32 {
    fn from(percent: Percent) -> Self {
        percent.0
    }
}

#[cfg(test)]
mod tests;
