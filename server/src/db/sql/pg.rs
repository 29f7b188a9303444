//! The PostgreSQL side of the facade: SQLite's `?N` parameters as `$N`,
//! values bound and read whatever the column's type, statements prepared
//! once per connection, and a connection lost between transactions made
//! again.

use super::{Error, Result, Value};
use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls};
use std::collections::HashMap;
use std::sync::Arc;

/// The advisory lock every transaction takes first: PostgreSQL's
/// transactions then follow one another as SQLite's writers do (see the
/// module docs of `db::sql`). Any number; chosen not to clash with the
/// distributed tournaments' (`sim/src/distributed`).
pub const WRITERS_LOCK: i64 = 0x4c6f_636b_5376;

pub(super) struct PgConn {
    url: String,
    /// Always `Some` but while dropping ([`Drop`] closes it off the async runtime).
    client: Option<Client>,
    /// Prepared statements by their SQLite text.
    statements: HashMap<String, (postgres::Statement, Arc<[String]>)>,
    in_transaction: bool,
}

/// A PostgreSQL error in one line: the server's message and its SQLSTATE,
/// or what happened to the connection.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("PostgreSQL: {} ({})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                s.push_str(": ");
                s.push_str(detail);
            }
            s
        }
        None => format!("PostgreSQL: {e}"),
    }
}

impl PgConn {
    pub fn connect(url: &str) -> Result<PgConn> {
        Ok(PgConn {
            url: url.to_owned(),
            client: Some(Client::connect(url, NoTls)?),
            statements: HashMap::new(),
            in_transaction: false,
        })
    }

    fn raw(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("the client is there until the connection is dropped")
    }

    /// The client, connected again if the connection was lost — never inside
    /// a transaction, whose work went with the old connection.
    fn client(&mut self) -> Result<&mut Client> {
        if self.raw().is_closed() && !self.in_transaction {
            tracing::warn!("the connection to PostgreSQL was lost: connecting again");
            self.client = Some(Client::connect(&self.url, NoTls)?);
            self.statements.clear();
        }
        Ok(self.raw())
    }

    fn prepare(&mut self, sql: &str) -> Result<(postgres::Statement, Arc<[String]>)> {
        if let Some(found) = self.statements.get(sql)
            && !self.client.as_ref().is_some_and(Client::is_closed)
        {
            return Ok(found.clone());
        }
        let statement = self.client()?.prepare(&translate(sql))?;
        let columns: Arc<[String]> = statement
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        self.statements
            .insert(sql.to_owned(), (statement.clone(), columns.clone()));
        Ok((statement, columns))
    }

    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<super::Table> {
        let (statement, columns) = self.prepare(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = self.client()?.query(&statement, &refs)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                values.push(row.try_get::<_, Value>(i)?);
            }
            out.push(values);
        }
        Ok((columns, out))
    }

    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let (statement, _) = self.prepare(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        Ok(self.client()?.execute(&statement, &refs)?)
    }

    pub fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.client()?.batch_execute(sql)?)
    }

    /// `BEGIN`, then the writers' lock.
    pub fn begin(&mut self) -> Result<()> {
        let client = self.client()?;
        client.batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({WRITERS_LOCK})"
        ))?;
        self.in_transaction = true;
        Ok(())
    }

    /// `COMMIT` or `ROLLBACK`.
    pub fn end(&mut self, how: &str) -> Result<()> {
        self.in_transaction = false;
        if self.raw().is_closed() {
            return Err(Error::Conversion(format!(
                "the connection to PostgreSQL was lost before {how}: the transaction's work is lost"
            )));
        }
        Ok(self.raw().batch_execute(how)?)
    }
}

/// What SQLite says one way and PostgreSQL another, replaced whole. SQLite's
/// plan controls go (`CROSS JOIN … ON`, which fixes SQLite's join order, is
/// a plain join; `INDEXED BY` is dropped: PostgreSQL's planner picks, and
/// `db/plans_pg.rs` checks it picks an index).
const REWRITES: &[(&str, &str)] = &[
    ("CROSS JOIN", "JOIN"),
    (
        crate::db::matches::GAME_RECORDED,
        crate::db::matches::GAME_RECORDED_PG,
    ),
];

/// The synchronous client closes its connection by running a small async
/// runtime, which panics on a thread that drives one already (the server's
/// state is dropped on one at the stop): there it is closed on a thread of
/// its own.
impl Drop for PgConn {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("pg-close".into())
                .spawn(move || drop(client));
        } else {
            drop(client);
        }
    }
}

/// SQLite's text as PostgreSQL reads it: [`REWRITES`], `INDEXED BY name`
/// dropped, `?N` becomes `$N` and a bare `?` the next number. String
/// literals, quoted names and comments are left alone.
pub fn translate(sql: &str) -> String {
    let mut sql = sql.to_owned();
    for (sqlite, postgres) in REWRITES {
        if sql.contains(sqlite) {
            sql = sql.replace(sqlite, postgres);
        }
    }
    while let Some(at) = sql.find("INDEXED BY ") {
        let rest = &sql[at + "INDEXED BY ".len()..];
        let name = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        sql.replace_range(at..at + "INDEXED BY ".len() + name, "");
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    next += 1;
                    digits = next.to_string();
                } else {
                    next = next.max(digits.parse().unwrap_or(0));
                }
                out.push('$');
                out.push_str(&digits);
            }
            _ => out.push(c),
        }
    }
    out
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let text = |s: &str, out: &mut BytesMut| s.to_sql(&Type::TEXT, out);
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(n) => match *ty {
                Type::INT8 => n.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                Type::FLOAT4 => (*n as f32).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => text(&n.to_string(), out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => text(&r.to_string(), out),
                _ => Err(format!("a real cannot be sent as {ty}").into()),
            },
            Value::Text(s) => match *ty {
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => text(s, out),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => text(std::str::from_utf8(b)?, out),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            Type::OID => Value::Integer(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            _ => Value::Text(String::from_utf8(raw.to_vec())?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A `NUMERIC` (what `SUM` of a `BIGINT` column gives): an integer when it
/// has no fraction and fits, else a real.
fn numeric(raw: &[u8]) -> Result<Value, BoxError> {
    let word = |i: usize| -> Result<i16, BoxError> {
        raw.get(i..i + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a NUMERIC value is cut short".into())
    };
    let (ndigits, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut real = 0f64;
    let mut fits = scale == 0;
    for i in 0..ndigits.max(0) as usize {
        let digit = i128::from(word(8 + 2 * i)?);
        let power = i32::from(weight) - i as i32;
        real += digit as f64 * 10000f64.powi(power);
        if power >= 0 {
            whole = 10000i128
                .checked_pow(power as u32)
                .and_then(|p| p.checked_mul(digit))
                .and_then(|v| v.checked_add(whole))
                .unwrap_or_else(|| {
                    fits = false;
                    0
                });
        } else if digit != 0 {
            fits = false;
        }
    }
    let negative = sign == 0x4000;
    if fits && let Ok(n) = i64::try_from(if negative { -whole } else { whole }) {
        return Ok(Value::Integer(n));
    }
    Ok(Value::Real(if negative { -real } else { real }))
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn parameters_are_numbered_as_postgresql_wants() {
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?2 -- ?3\n"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $2 -- ?3\n"
        );
        assert_eq!(translate("VALUES (?, ?, ?)"), "VALUES ($1, $2, $3)");
        assert_eq!(translate(r#"SELECT "?" FROM t"#), r#"SELECT "?" FROM t"#);
        assert_eq!(
            translate("SELECT 1 FROM a CROSS JOIN b INDEXED BY b_i ON b.x = a.x"),
            "SELECT 1 FROM a JOIN b  ON b.x = a.x"
        );
    }
}
