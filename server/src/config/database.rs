//! `[server] database`: where the server keeps its rows.

use std::fmt;

/// The server's database. Default: the embedded SQLite file
/// `DATA/lockstep.db`, nothing to install. `postgres://…` (or
/// `postgresql://…`) puts the rows in PostgreSQL instead, so that ladder
/// workers on other hosts (`lockstep-server worker`) share them; the data
/// folder then holds the module and replay files, and must be the same
/// folder on every host (docs/scale-out.md, "The server on PostgreSQL").
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres(String),
}

impl Database {
    /// `[server] database` as written, or its absence.
    pub fn parse(value: Option<&str>) -> Result<Database, String> {
        match value {
            None => Ok(Database::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Database::Postgres(url.to_owned()))
            }
            Some(other) => Err(format!(
                "[server] database = {:?} is not a PostgreSQL URL: allowed \
                 \"postgres://user:password@host:port/database\", or leave the key out for \
                 the embedded SQLite file DATA/lockstep.db",
                redact(other)
            )),
        }
    }
}

/// The URL without its password, for logs and messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or("");
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

/// Never prints a password.
impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite => f.write_str("Sqlite"),
            Database::Postgres(url) => write!(f, "Postgres({})", redact(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_refusals() {
        assert_eq!(Database::parse(None).unwrap(), Database::Sqlite);
        assert!(matches!(
            Database::parse(Some("postgresql://h/db")).unwrap(),
            Database::Postgres(_)
        ));
        let e = Database::parse(Some("mysql://u:secret@h/db")).unwrap_err();
        assert!(
            e.contains("not a PostgreSQL URL") && !e.contains("secret"),
            "{e}"
        );
        assert_eq!(redact("postgres://u:pw@h:5/d"), "postgres://u:***@h:5/d");
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
    }
}
