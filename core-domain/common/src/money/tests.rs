use super::*;
use proptest::prelude::*;

fn won(n: i64) -> Money {
    Money::won(n).unwrap()
}

fn pct(n: u32) -> Percent {
    Percent::new(n).unwrap()
}

#[test]
fn negative_amounts_and_percentages_over_100_are_refused() {
    assert_eq!(Money::won(-1), Err(MoneyError::Negative(-1)));
    assert_eq!(Percent::new(101), Err(MoneyError::Percent(101)));
    assert_eq!(won(3).checked_sub(won(5)), Err(MoneyError::Negative(-2)));
    assert_eq!(won(i64::MAX).checked_add(won(1)), Err(MoneyError::Overflow));
    assert_eq!(won(i64::MAX / 2 + 1).times(2), Err(MoneyError::Overflow));
}

#[test]
fn a_percentage_discount_rounds_down_to_the_won() {
    assert_eq!(won(9_999).percent_of(pct(15)), won(1_499));
    assert_eq!(won(9_999).less_percent(pct(15)), won(8_500));
    assert_eq!(won(99_000).less_percent(pct(10)), won(89_100));
    assert_eq!(won(1).percent_of(pct(99)), Money::ZERO);
    assert_eq!(won(i64::MAX).percent_of(pct(100)), won(i64::MAX));
}

#[test]
fn serde_is_a_bare_integer_and_refuses_negatives() {
    assert_eq!(serde_json::to_string(&won(12_000)).unwrap(), "12000");
    assert_eq!(serde_json::from_str::<Money>("12000").unwrap(), won(12_000));
    let refused = serde_json::from_str::<Money>("-5").unwrap_err().to_string();
    assert!(refused.contains("cannot be negative"), "{refused}");
    assert!(serde_json::from_str::<Money>("1.5").is_err(), "no fractions of a won");
    assert!(serde_json::from_str::<Percent>("150").is_err());
}

fn amount() -> impl Strategy<Value = Money> {
    (0..=i64::MAX).prop_map(won)
}

proptest! {
    #[test]
    fn addition_is_exact_or_an_overflow(a in amount(), b in amount()) {
        match a.checked_add(b) {
            Ok(sum) => prop_assert_eq!(i128::from(sum.as_won()), i128::from(a.as_won()) + i128::from(b.as_won())),
            Err(e) => {
                prop_assert_eq!(e, MoneyError::Overflow);
                prop_assert!(i128::from(a.as_won()) + i128::from(b.as_won()) > i128::from(i64::MAX));
            }
        }
    }

    #[test]
    fn subtraction_undoes_addition_and_never_goes_negative(a in amount(), b in amount()) {
        if let Ok(sum) = a.checked_add(b) {
            prop_assert_eq!(sum.checked_sub(b), Ok(a));
        }
        match a.checked_sub(b) {
            Ok(rest) => prop_assert_eq!(rest.as_won(), a.as_won() - b.as_won()),
            Err(e) => {
                prop_assert!(b > a);
                prop_assert_eq!(e, MoneyError::Negative(a.as_won() - b.as_won()));
            }
        }
    }

    #[test]
    fn a_quantity_is_repeated_addition(unit in 0..=10_000_000i64, quantity in 0..=1_000u32) {
        let mut total = Money::ZERO;
        for _ in 0..quantity {
            total = total.checked_add(won(unit)).unwrap();
        }
        prop_assert_eq!(won(unit).times(quantity), Ok(total));
    }

    #[test]
    fn a_discount_is_never_more_than_its_percentage_and_adds_back_up(a in amount(), p in 0..=100u32) {
        let discount = a.percent_of(pct(p));
        let price = a.less_percent(pct(p));
        prop_assert!(discount <= a);
        prop_assert_eq!(price.checked_add(discount), Ok(a));
        // Rounded down: discount × 100 ≤ amount × p < (discount + 1) × 100.
        let exact = i128::from(a.as_won()) * i128::from(p);
        prop_assert!(i128::from(discount.as_won()) * 100 <= exact);
        prop_assert!(exact < (i128::from(discount.as_won()) + 1) * 100);
    }

    #[test]
    fn the_wire_form_round_trips(a in amount()) {
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(&json, &a.as_won().to_string());
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), a);
    }
}
