//! Fuel amounts as people write them: `20000000`, `20_000_000`, `20M`,
//! `1.5M`, `500k`, `2G`. The one reader of every fuel argument (`match
//! --fuel/--init-fuel/--bucket`, `tune --budgets/--probe-fuel`) and of the
//! admin config's fuel keys (`[budget] tick_fuel`, `init_fuel`, `bucket_cap`,
//! which also take `"20M"` as a string), so every place takes the same forms
//! and refuses the same way.

/// What a fuel amount may look like, for messages.
pub const FUEL_FORMS: &str =
    "a whole number with an optional suffix k, M or G, e.g. 500k, 20M, 1.5G or 20_000_000";

/// Reads a fuel amount: a whole number, optionally with `_` separators, a
/// decimal point and a suffix `k` (thousand), `M` (million) or `G` (billion).
/// The result must be a whole number of fuel units; 0 is allowed (a bucket
/// cap of 0 turns the bucket off). Budgets use [`parse_fuel`].
pub fn parse_fuel_amount(text: &str) -> Result<u64, String> {
    let bad = |why: &str| {
        format!(
            "'{}' is not a fuel amount ({why}); write {FUEL_FORMS}",
            text.trim()
        )
    };
    let cleaned: String = text.trim().chars().filter(|&c| c != '_').collect();
    let (number, multiplier) = match cleaned.char_indices().last() {
        None => return Err(bad("it is empty")),
        Some((at, 'k' | 'K')) => (&cleaned[..at], 1_000u128),
        Some((at, 'm' | 'M')) => (&cleaned[..at], 1_000_000),
        Some((at, 'g' | 'G')) => (&cleaned[..at], 1_000_000_000),
        Some((_, c)) if c.is_ascii_digit() || c == '.' => (&cleaned[..], 1),
        Some((_, c)) => return Err(bad(&format!("unknown suffix '{c}'"))),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(bad("not a number"));
    }
    if whole.len() + fraction.len() > 30 {
        return Err(bad("too large"));
    }
    let digits: u128 = format!("{whole}{fraction}")
        .parse()
        .map_err(|_| bad("not a number"))?;
    let scale = 10u128.pow(fraction.len() as u32);
    let scaled = digits * multiplier;
    if !scaled.is_multiple_of(scale) {
        return Err(bad("not a whole number of fuel units"));
    }
    u64::try_from(scaled / scale).map_err(|_| bad("too large"))
}

/// [`parse_fuel_amount`] for a budget: at least 1.
pub fn parse_fuel(text: &str) -> Result<u64, String> {
    match parse_fuel_amount(text)? {
        0 => Err(format!(
            "'{}' is not a fuel amount (a budget must be at least 1); write {FUEL_FORMS}",
            text.trim()
        )),
        value => Ok(value),
    }
}

/// A comma-separated list of budgets (see [`parse_fuel`]), sorted, with
/// repeats removed.
pub fn parse_fuel_list(text: &str) -> Result<Vec<u64>, String> {
    let mut budgets = text
        .split(',')
        .map(parse_fuel)
        .collect::<Result<Vec<_>, _>>()?;
    budgets.sort_unstable();
    budgets.dedup();
    Ok(budgets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_take_the_same_forms_as_budgets_and_may_be_zero() {
        assert_eq!(parse_fuel_amount("0"), Ok(0));
        assert_eq!(parse_fuel_amount("0k"), Ok(0));
        assert_eq!(parse_fuel_amount("40M"), Ok(40_000_000));
        assert_eq!(parse_fuel_amount("1_000"), Ok(1_000));
        let e = parse_fuel("0").unwrap_err();
        assert!(e.contains("'0'") && e.contains("at least 1"), "{e}");
        let e = parse_fuel_amount("lots").unwrap_err();
        assert_eq!(
            e,
            "'lots' is not a fuel amount (unknown suffix 's'); write a whole number with \
             an optional suffix k, M or G, e.g. 500k, 20M, 1.5G or 20_000_000"
        );
    }
}
