//! The admin config's numbers as written. A key's value is kept even when it
//! is not a number (`threads = "two"`, `tick_fuel = "lots"`), so that the
//! range check in `set` can name the key and say what is allowed, instead of
//! the parser's bare `expected u64`. Fuel keys also take the CLI's forms as a
//! string (`tick_fuel = "20M"`), read by [`crate::fuel`].

use crate::fuel::{FUEL_FORMS, parse_fuel_amount};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// What a number-valued key holds, or why it is not a number.
pub(super) enum Bad {
    /// A negative whole number.
    Negative(i64),
    /// Not a whole number at all (its TOML text).
    NotWhole(String),
    /// A string that is not a fuel amount (its TOML text, and why).
    NotFuel(String, String),
}

impl Bad {
    /// The message for `key` whose range is `min..=max`.
    pub(super) fn message(&self, key: &str, min: u64, max: u64) -> String {
        match self {
            Bad::Negative(n) => format!("{key} = {n} is out of range: allowed {min} to {max}"),
            Bad::NotWhole(written) => {
                format!("{key} = {written} is not a whole number: allowed {min} to {max}")
            }
            Bad::NotFuel(written, why) => format!(
                "{key} = {written} is not a fuel amount ({why}): allowed {min} to {max}, \
                 written as a number (20_000_000) or as a string with a suffix k, M or G (\"20M\")"
            ),
        }
    }
}

/// A value `set` can check and store: a plain number, or one as written.
pub(super) trait Setting {
    fn whole(self) -> Result<u64, Bad>;
}

impl Setting for u64 {
    fn whole(self) -> Result<u64, Bad> {
        Ok(self)
    }
}

impl Setting for u32 {
    fn whole(self) -> Result<u64, Bad> {
        Ok(self.into())
    }
}

/// A whole number, or what was written instead.
pub(super) struct Whole(Result<u64, Bad>);

impl Setting for Whole {
    fn whole(self) -> Result<u64, Bad> {
        self.0
    }
}

/// A fuel amount: a whole number, or a string such as `"20M"`.
pub(super) struct Fuel(Result<u64, Bad>);

impl Setting for Fuel {
    fn whole(self) -> Result<u64, Bad> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Written { fuel: false }).map(Whole)
    }
}

impl<'de> Deserialize<'de> for Fuel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Written { fuel: true }).map(Fuel)
    }
}

/// Accepts any TOML value; numbers (and, for fuel, amounts in a string)
/// come out as `Ok`, anything else as the reason it is not one.
struct Written {
    fuel: bool,
}

impl<'de> Visitor<'de> for Written {
    type Value = Result<u64, Bad>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.fuel {
            write!(f, "a fuel amount: {FUEL_FORMS}")
        } else {
            f.write_str("a whole number")
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Ok(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map_err(|_| Bad::Negative(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotWhole(v.to_string())))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotWhole(v.to_string())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let written = format!("{v:?}");
        if !self.fuel {
            return Ok(Err(Bad::NotWhole(written)));
        }
        Ok(parse_fuel_amount(v).map_err(|message| {
            // "'lots' is not a fuel amount (why); write ...": keep the why.
            let why = message
                .split_once(" (")
                .and_then(|(_, rest)| rest.split_once("); "))
                .map_or(message.as_str(), |(why, _)| why);
            Bad::NotFuel(written, why.to_string())
        }))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Err(Bad::NotWhole("a list".into())))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Err(Bad::NotWhole("a table".into())))
    }
}
