//! `db/plans.rs`'s statements on PostgreSQL: each prepares (PostgreSQL
//! reads the dialect both accept, its parameters' types inferred), and no
//! growing table is read by a sequential scan when the planner may use an
//! index — with sequential scans priced out (`enable_seqscan = off`), a
//! `Seq Scan` left in the plan means no index serves the statement. The
//! tables a statement may scan on SQLite (`scans`) may be scanned here too.
//!
//! Needs a PostgreSQL: `LOCKSTEP_TEST_PG` (scripts/test starts one); skipped
//! loudly without it, except under CI, where it fails.

use super::plans::{GROWING, statements};
use crate::db::sql::{Connection, Value};

/// A new, empty database on the test cluster, or `None` (skipped) without one.
pub(crate) fn fresh_database(tag: &str) -> Option<String> {
    let Ok(admin) = std::env::var("LOCKSTEP_TEST_PG") else {
        if std::env::var_os("CI").is_some() {
            panic!("LOCKSTEP_TEST_PG is not set: scripts/test starts a PostgreSQL for these tests");
        }
        eprintln!("\n!!!!! SKIPPED a PostgreSQL test: LOCKSTEP_TEST_PG is not set\n");
        return None;
    };
    let name = format!("lib_{tag}_{}", std::process::id());
    let mut client =
        postgres::Client::connect(&admin, postgres::NoTls).expect("the cluster answers");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        client.batch_execute(&sql).expect("a database can be made");
    }
    let base = admin.rsplit_once('/').expect("a URL with a database").0;
    Some(format!("{base}/{name}"))
}

fn to_facade(v: &rusqlite::types::Value) -> Value {
    crate::db::sql::from_sqlite(v.into())
}

/// `EXPLAIN` of `sql` on `conn`, a line per node.
fn plan(conn: &Connection, sql: &str, params: &[Value]) -> crate::db::sql::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("EXPLAIN {sql}"))?;
    stmt.query_map(crate::db::sql::params_from_iter(params.iter()), |r| {
        r.get(0)
    })?
    .collect()
}

#[test]
fn every_statement_prepares_and_reads_growing_tables_through_an_index() {
    let Some(url) = fresh_database("plans") else {
        return;
    };
    let conn = crate::db::open_postgres(&url).unwrap();
    conn.execute_batch("SET enable_seqscan = off").unwrap();
    let mut failures = Vec::new();
    for s in statements() {
        let params: Vec<Value> = s.params.iter().map(to_facade).collect();
        let lines = match plan(&conn, &s.sql, &params) {
            Ok(lines) => lines,
            Err(e) => {
                failures.push(format!("{}: {e}\n  {}", s.name, s.sql));
                continue;
            }
        };
        for table in GROWING {
            if s.scans.contains(table) {
                continue;
            }
            if let Some(line) = lines
                .iter()
                .find(|l| l.contains(&format!("Seq Scan on {table}")))
            {
                failures.push(format!(
                    "{}: {}\n  {}",
                    s.name,
                    line.trim(),
                    lines.join("\n  ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "on PostgreSQL:\n{}",
        failures.join("\n")
    );
}
