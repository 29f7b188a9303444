//! One connection type for both databases the server runs on: the embedded
//! SQLite file (the default) and PostgreSQL (`[server] database =
//! "postgres://…"`, for a ladder played by workers on several hosts).
//!
//! Its API is the part of rusqlite's that the server uses (`execute`,
//! `query_row`, `prepare_cached`, `query_map`, transactions, `params!`,
//! `optional()`), so every query is written once. SQL is written in the
//! dialect both accept; parameters are SQLite's `?1`, which PostgreSQL gets
//! as `$1`, and the few phrases that must differ are rewritten there
//! ([`pg::translate`]).
//!
//! Why a facade rather than a trait per query, or an ORM: the queries were
//! written, indexed and tested for SQLite already; keeping them as text keeps
//! the plan tests (`db/plans.rs`) reading exactly what runs.
//!
//! Transactions keep SQLite's guarantee on PostgreSQL too: one writer at a
//! time. Every PostgreSQL transaction first takes one advisory lock, so the
//! claims, quotas and counters that rely on a transaction seeing no other
//! writer hold across processes and hosts as they do on one SQLite file.

mod pg;
mod value;

pub use crate::params;

pub use value::{FromSql, Params, ParamsFromIter, ToSql, Value, params_from_iter};

use std::cell::RefCell;
use std::ops::Deref;
use std::sync::Arc;

/// An error from either database, or from reading a column into a type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the query returned no rows")]
    QueryReturnedNoRows,
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Conversion(String),
    #[error("the query has no column {0}")]
    InvalidColumn(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row(...).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// SQLite's transaction kinds. On PostgreSQL every transaction takes the
/// writers' lock, whichever kind is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionBehavior {
    Deferred,
    Immediate,
}

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<pg::PgConn>>),
}

/// A result's column names and rows.
type Table = (Arc<[String]>, Vec<Vec<Value>>);

/// A connection to the server's database.
pub struct Connection {
    backend: Backend,
}

/// The rows of one query, read whole: the server's queries are bounded
/// (pages, a batch of ids), never a table scan streamed to a client.
struct Rows {
    columns: Arc<[String]>,
    rows: Vec<Vec<Value>>,
}

impl Connection {
    pub fn from_sqlite(conn: rusqlite::Connection) -> Connection {
        Connection {
            backend: Backend::Sqlite(conn),
        }
    }

    /// Connects to PostgreSQL at `url` (`postgres://user@host:port/db`).
    /// A connection lost between transactions is made again on next use.
    pub fn open_postgres(url: &str) -> Result<Connection> {
        Ok(Connection {
            backend: Backend::Postgres(Box::new(RefCell::new(pg::PgConn::connect(url)?))),
        })
    }

    /// The SQLite connection underneath, for what only SQLite has (pragmas,
    /// its query plans).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.backend {
            Backend::Sqlite(c) => Some(c),
            Backend::Postgres(_) => None,
        }
    }

    fn run(&self, sql: &str, params: Vec<Value>) -> Result<Rows> {
        match &self.backend {
            Backend::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let columns: Arc<[String]> = stmt.column_names().map(String::from).collect();
                let width = columns.len();
                let mut rows = Vec::new();
                let mut raw =
                    stmt.query(rusqlite::params_from_iter(params.iter().map(to_sqlite)))?;
                while let Some(row) = raw.next()? {
                    let mut values = Vec::with_capacity(width);
                    for i in 0..width {
                        values.push(from_sqlite(row.get_ref(i)?));
                    }
                    rows.push(values);
                }
                Ok(Rows { columns, rows })
            }
            Backend::Postgres(c) => {
                let (columns, rows) = c.borrow_mut().query(sql, &params)?;
                Ok(Rows { columns, rows })
            }
        }
    }

    fn run_execute(&self, sql: &str, params: Vec<Value>) -> Result<usize> {
        match &self.backend {
            Backend::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sqlite)))?)
            }
            Backend::Postgres(c) => Ok(c.borrow_mut().execute(sql, &params)? as usize),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.run_execute(sql, params.values()?)
    }

    /// Runs several statements separated by `;`, without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Backend::Postgres(c) => c.borrow_mut().batch(sql),
        }
    }

    /// The first row of a query, read by `f`; [`Error::QueryReturnedNoRows`]
    /// if there is none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let rows = self.run(sql, params.values()?)?;
        let first = rows
            .rows
            .into_iter()
            .next()
            .ok_or(Error::QueryReturnedNoRows)?;
        f(&Row {
            columns: &rows.columns,
            values: first,
        })
    }

    /// The id of the row inserted last on this connection (PostgreSQL:
    /// the sequence used last, `lastval()`, which the tables' `id`s draw from).
    pub fn last_insert_rowid(&self) -> Result<i64> {
        match &self.backend {
            Backend::Sqlite(c) => Ok(c.last_insert_rowid()),
            Backend::Postgres(_) => self.query_row("SELECT lastval()", [], |r| r.get(0)),
        }
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// As [`Connection::prepare`]: both backends cache every statement.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        self.prepare(sql)
    }

    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.transaction_with_behavior(TransactionBehavior::Deferred)
    }

    pub fn transaction_with_behavior(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>> {
        match &self.backend {
            Backend::Sqlite(c) => c.execute_batch(match behavior {
                TransactionBehavior::Deferred => "BEGIN DEFERRED",
                TransactionBehavior::Immediate => "BEGIN IMMEDIATE",
            })?,
            Backend::Postgres(c) => c.borrow_mut().begin()?,
        }
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }
}

/// An open transaction: rolled back when dropped without [`commit`]
/// (an error returned early, or a panic unwinding).
///
/// [`commit`]: Transaction::commit
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        match &self.conn.backend {
            Backend::Sqlite(c) => Ok(c.execute_batch("COMMIT")?),
            Backend::Postgres(c) => c.borrow_mut().end("COMMIT"),
        }
    }

    fn finish_rollback(&self) -> Result<()> {
        match &self.conn.backend {
            Backend::Sqlite(c) => Ok(c.execute_batch("ROLLBACK")?),
            Backend::Postgres(c) => c.borrow_mut().end("ROLLBACK"),
        }
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done
            && let Err(e) = self.finish_rollback()
        {
            tracing::warn!(error = %e, "a transaction could not be rolled back");
        }
    }
}

/// A statement to run, perhaps many times.
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.conn.query_row(&self.sql, params, f)
    }

    /// Every row, read by `f`, in order.
    pub fn query_map<T, P, F>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let rows = self.conn.run(&self.sql, params.values()?)?;
        let columns = rows.columns;
        Ok(rows
            .rows
            .into_iter()
            .map(|values| {
                f(&Row {
                    columns: &columns,
                    values,
                })
            })
            .collect::<Vec<_>>()
            .into_iter())
    }
}

/// One row of a result.
pub struct Row<'a> {
    columns: &'a [String],
    values: Vec<Value>,
}

/// A column, by position.
pub trait RowIndex {
    fn index(&self, columns: &[String]) -> Result<usize>;
}

impl RowIndex for usize {
    fn index(&self, columns: &[String]) -> Result<usize> {
        if *self < columns.len() {
            Ok(*self)
        } else {
            Err(Error::InvalidColumn(self.to_string()))
        }
    }
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let i = index.index(self.columns)?;
        T::from_value(self.values[i].clone()).map_err(|e| match e {
            Error::Conversion(m) => Error::Conversion(format!("column {}: {m}", self.columns[i])),
            e => e,
        })
    }

    pub fn column_count(&self) -> usize {
        self.values.len()
    }
}

fn to_sqlite(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null => V::Null,
        Value::Integer(n) => V::Integer(*n),
        Value::Real(r) => V::Real(*r),
        Value::Text(s) => V::Text(s.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

pub(crate) fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match value {
        V::Null => Value::Null,
        V::Integer(n) => Value::Integer(n),
        V::Real(r) => Value::Real(r),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Blob(b.to_vec()),
    }
}
