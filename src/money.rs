//! Exact money: every amount costper carries is an integer number of nano-USD (`i64`,
//! 1 USD = 10^9), and every price an integer number of femto-USD per token (10^-15 USD).
//! This module owns parsing decimal text into those integers (never through `f64` for
//! text input), the one rounding rule (half away from zero), and fixed-precision
//! formatting for output.

use thiserror::Error;

/// Nano-USD per USD.
pub const NANOS_PER_USD: i64 = 1_000_000_000;
/// Femto-USD per nano-USD.
pub const FEMTOS_PER_NANO: i128 = 1_000_000;

/// Why a decimal string could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecimalError {
    #[error("`{0}` is not a decimal number")]
    Invalid(String),
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// Parses a decimal number (`12`, `-0.5`, `3e-06`, `1.25E+2`, `.5`) and returns it
/// multiplied by `10^scale`, rounded half away from zero. No floating point is involved,
/// so `"0.1"` at scale 9 is exactly `100_000_000`.
pub fn parse_decimal(text: &str, scale: u32) -> Result<i128, DecimalError> {
    let invalid = || DecimalError::Invalid(text.to_string());
    let s = text.trim();
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => {
            let exp: i32 = s[i + 1..].parse().map_err(|_| invalid())?;
            (&s[..i], exp)
        }
        None => (s, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(invalid());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    // value = digits * 10^(exponent - frac_len); we want value * 10^scale.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let shift = exponent as i64 - frac_part.len() as i64 + scale as i64;
    let overflow = || DecimalError::Overflow(text.to_string());
    let mut value: i128 = 0;
    let mut round_up = false;
    if shift >= 0 {
        for b in digits.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add((b - b'0') as i128))
                .ok_or_else(overflow)?;
        }
        for _ in 0..shift {
            if value == 0 {
                break;
            }
            value = value.checked_mul(10).ok_or_else(overflow)?;
        }
    } else {
        let drop = (-shift) as usize;
        let keep = digits.len().saturating_sub(drop);
        for b in digits[..keep].bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add((b - b'0') as i128))
                .ok_or_else(overflow)?;
        }
        // First dropped digit decides rounding (half away from zero).
        let first_dropped = if drop <= digits.len() {
            digits.as_bytes().get(keep).copied()
        } else {
            None
        };
        round_up = matches!(first_dropped, Some(d) if d >= b'5');
    }
    if round_up {
        value = value.checked_add(1).ok_or_else(overflow)?;
    }
    Ok(if negative { -value } else { value })
}

/// Parses a USD amount into nano-USD.
pub fn parse_usd(text: &str) -> Result<i64, DecimalError> {
    let v = parse_decimal(text, 9)?;
    i64::try_from(v).map_err(|_| DecimalError::Overflow(text.to_string()))
}

/// Integer division rounding half away from zero.
pub fn div_round(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// Converts femto-USD to nano-USD (half away from zero), saturating at the `i64` range.
pub fn femto_to_nano(femto: i128) -> i64 {
    let nano = div_round(femto, FEMTOS_PER_NANO);
    nano.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Formats nano-USD as a plain decimal with exactly `decimals` places (0..=9), rounding
/// half away from zero: `format_usd(1_234_567_891, 2) == "1.23"`.
pub fn format_usd(nano: i64, decimals: u32) -> String {
    let decimals = decimals.min(9);
    let unit = 10i128.pow(9 - decimals);
    let scaled = div_round(nano as i128, unit);
    let negative = scaled < 0;
    let abs = scaled.unsigned_abs();
    let pow = 10u128.pow(decimals);
    let int = abs / pow;
    let frac = abs % pow;
    let sign = if negative { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = decimals as usize)
    }
}

/// Like [`format_usd`] with thousands separators and a `$`: `$1,234.57`.
pub fn format_usd_human(nano: i64, decimals: u32) -> String {
    let plain = format_usd(nano, decimals);
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain.as_str()),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    format!("{sign}${}{frac}", group_thousands(int))
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Formats a price in femto-USD per token as USD per million tokens (`3000000000` → `3`),
/// trimming trailing zeros.
pub fn format_per_mtok(femto_per_token: i64) -> String {
    // USD per MTok = femto * 1e6 / 1e15 = femto / 1e9, i.e. the same digits as nano-USD.
    let s = format_usd(femto_per_token, 9);
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_scientific_decimals_exactly() {
        assert_eq!(parse_decimal("0.1", 9), Ok(100_000_000));
        assert_eq!(parse_decimal("3e-06", 15), Ok(3_000_000_000));
        assert_eq!(parse_decimal("1.25e-07", 15), Ok(125_000_000));
        assert_eq!(parse_decimal("3.3E-6", 15), Ok(3_300_000_000));
        assert_eq!(parse_decimal("-12.5", 2), Ok(-1250));
        assert_eq!(parse_decimal(".5", 1), Ok(5));
        assert_eq!(parse_decimal("7", 0), Ok(7));
        assert_eq!(parse_decimal("0", 9), Ok(0));
        assert_eq!(parse_decimal("000123.4500", 2), Ok(12345));
        assert_eq!(parse_decimal("1e3", 0), Ok(1000));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(parse_decimal("0.0000000005", 9), Ok(1));
        assert_eq!(parse_decimal("0.0000000004", 9), Ok(0));
        assert_eq!(parse_decimal("-0.0000000005", 9), Ok(-1));
        assert_eq!(parse_decimal("1e-20", 9), Ok(0));
        assert_eq!(div_round(15, 10), 2);
        assert_eq!(div_round(-15, 10), -2);
        assert_eq!(div_round(14, 10), 1);
        assert_eq!(femto_to_nano(1_500_000), 2);
        assert_eq!(femto_to_nano(1_499_999), 1);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_decimal("", 2).is_err());
        assert!(parse_decimal("abc", 2).is_err());
        assert!(parse_decimal("1.2.3", 2).is_err());
        assert!(parse_decimal("$1", 2).is_err());
        assert!(parse_decimal("1e", 2).is_err());
        assert!(parse_decimal(".", 2).is_err());
        assert!(matches!(parse_usd("1e30"), Err(DecimalError::Overflow(_))));
    }

    #[test]
    fn formats_fixed_precision() {
        assert_eq!(format_usd(1_234_567_891, 9), "1.234567891");
        assert_eq!(format_usd(1_234_567_891, 2), "1.23");
        assert_eq!(format_usd(1_235_000_000, 2), "1.24");
        assert_eq!(format_usd(-5_000_000, 2), "-0.01");
        assert_eq!(format_usd(0, 2), "0.00");
        assert_eq!(format_usd(42, 9), "0.000000042");
        assert_eq!(format_usd_human(1_234_567_000_000, 2), "$1,234.57");
        assert_eq!(format_usd_human(-999_000_000, 2), "-$1.00");
        assert_eq!(format_per_mtok(3_000_000_000), "3");
        assert_eq!(format_per_mtok(6_250_000_000), "6.25");
        assert_eq!(format_per_mtok(5_000_000), "0.005");
        assert_eq!(group_thousands("1234567"), "1,234,567");
        assert_eq!(group_thousands("123"), "123");
    }
}
