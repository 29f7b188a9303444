//! The values that cross the facade: one dynamic type for both databases
//! (SQLite's five storage classes), with conversions to and from the Rust
//! types the server reads and binds.

use super::Error;

/// One SQL value, as SQLite stores it. PostgreSQL's `BIGINT`, `INTEGER`,
/// `BOOLEAN` and whole `NUMERIC`s arrive as [`Value::Integer`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        }
    }
}

/// A Rust value that can be bound to a statement's parameter.
pub trait ToSql {
    fn to_value(&self) -> Result<Value, Error>;
}

/// A Rust value a column can be read into.
pub trait FromSql: Sized {
    fn from_value(value: Value) -> Result<Self, Error>;
}

fn mismatch<T>(value: &Value, wanted: &str) -> Result<T, Error> {
    Err(Error::Conversion(format!(
        "a column holds {} where {wanted} was expected",
        value.kind()
    )))
}

impl ToSql for Value {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(self.clone())
    }
}

impl FromSql for Value {
    fn from_value(value: Value) -> Result<Self, Error> {
        Ok(value)
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_value(&self) -> Result<Value, Error> {
        (**self).to_value()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_value(&self) -> Result<Value, Error> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(Value::Null),
        }
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_value(&self) -> Result<Value, Error> {
                i64::try_from(*self).map(Value::Integer).map_err(|_| {
                    Error::Conversion(format!("{} does not fit in a 64-bit integer", self))
                })
            }
        }
        impl FromSql for $t {
            fn from_value(value: Value) -> Result<Self, Error> {
                let n = match value {
                    Value::Integer(n) => n,
                    Value::Real(r) if r.fract() == 0.0 && r.abs() < 9.0e15 => r as i64,
                    v => return mismatch(&v, "an integer"),
                };
                <$t>::try_from(n).map_err(|_| {
                    Error::Conversion(format!("{n} is out of range for {}", stringify!($t)))
                })
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl ToSql for bool {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(Value::Integer(i64::from(*self)))
    }
}

impl FromSql for bool {
    fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Integer(n) => Ok(n != 0),
            v => mismatch(&v, "a boolean"),
        }
    }
}

impl ToSql for f64 {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(Value::Real(*self))
    }
}

impl FromSql for f64 {
    fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Real(r) => Ok(r),
            Value::Integer(n) => Ok(n as f64),
            v => mismatch(&v, "a real"),
        }
    }
}

impl ToSql for str {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(Value::Text(self.to_owned()))
    }
}

impl ToSql for String {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(Value::Text(self.clone()))
    }
}

impl FromSql for String {
    fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Text(s) => Ok(s),
            v => mismatch(&v, "text"),
        }
    }
}

impl ToSql for [u8] {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(Value::Blob(self.to_vec()))
    }
}

impl ToSql for Vec<u8> {
    fn to_value(&self) -> Result<Value, Error> {
        Ok(Value::Blob(self.clone()))
    }
}

impl FromSql for Vec<u8> {
    fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            v => mismatch(&v, "a blob"),
        }
    }
}

/// What a statement's parameters can be given as: `[]`, `[x]`, `[a, b]`,
/// [`params!`](crate::params), a tuple, or [`params_from_iter`].
pub trait Params {
    fn values(self) -> Result<Vec<Value>, Error>;
}

/// `[]`: no parameters (an empty array of any element type would leave
/// that type unknown, so this one is fixed, as rusqlite does).
impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn values(self) -> Result<Vec<Value>, Error> {
        Ok(Vec::new())
    }
}

macro_rules! arrays {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn values(self) -> Result<Vec<Value>, Error> {
                self.iter().map(ToSql::to_value).collect()
            }
        }
    )*};
}
arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

impl<T: ToSql + ?Sized, const N: usize> Params for &[&T; N] {
    fn values(self) -> Result<Vec<Value>, Error> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl Params for &[&dyn ToSql] {
    fn values(self) -> Result<Vec<Value>, Error> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

macro_rules! tuples {
    ($(($($n:tt $t:ident),+)),*) => {$(
        impl<$($t: ToSql),+> Params for ($($t,)+) {
            fn values(self) -> Result<Vec<Value>, Error> {
                Ok(vec![$(self.$n.to_value()?),+])
            }
        }
    )*};
}
tuples!(
    (0 A),
    (0 A, 1 B),
    (0 A, 1 B, 2 C),
    (0 A, 1 B, 2 C, 3 D),
    (0 A, 1 B, 2 C, 3 D, 4 E),
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F)
);

/// Parameters from an iterator (a list of ids of any length).
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn values(self) -> Result<Vec<Value>, Error> {
        self.0.into_iter().map(|v| v.to_value()).collect()
    }
}

/// `params![a, b, c]`: positional parameters of mixed types.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::db::sql::ToSql]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::db::sql::ToSql),+] as &[&dyn $crate::db::sql::ToSql]
    };
}
