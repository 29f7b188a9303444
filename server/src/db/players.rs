//! Players: a name, a role and the blake3 hash of their API token.

use crate::db::sql::{Connection, OptionalExtension, params};
use serde::Serialize;

/// What a player may do beyond their own bots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Registers, uploads and retires their own bots.
    Player,
    /// Also changes budgets and limits, and retires anyone's bot.
    Admin,
    /// Owns the bundled bots; has no usable token.
    House,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Player => "player",
            Role::Admin => "admin",
            Role::House => "house",
        }
    }

    fn parse(text: &str) -> Role {
        match text {
            "admin" => Role::Admin,
            "house" => Role::House,
            _ => Role::Player,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Player {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl Player {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A player from `id, name, role, created_at`, in that order.
fn row(r: &crate::db::sql::Row) -> crate::db::sql::Result<Player> {
    Ok(Player {
        id: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?),
        created_at: r.get(3)?,
    })
}

pub(crate) const CREATE: &str =
    "INSERT INTO players (name, token_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (name) DO NOTHING";
pub(crate) const BY_NAME: &str = "SELECT id, name, role, created_at FROM players WHERE name = ?1";
pub(crate) const BY_TOKEN_HASH: &str =
    "SELECT id, name, role, created_at FROM players WHERE token_hash = ?1";
/// At start-up only (the house player): a scan of `players`, allowed.
pub(crate) const FIRST_WITH_ROLE: &str =
    "SELECT id, name, role, created_at FROM players WHERE role = ?1 ORDER BY id LIMIT 1";
pub(crate) const SET_TOKEN_HASH: &str = "UPDATE players SET token_hash = ?1 WHERE id = ?2";

/// Inserts a player; `None` when the name is taken.
pub fn create(
    conn: &Connection,
    name: &str,
    role: Role,
    token_hash: &str,
) -> crate::db::sql::Result<Option<Player>> {
    let now = super::now_ms();
    let inserted = conn.execute(CREATE, params![name, token_hash, role.as_str(), now])?;
    if inserted == 0 {
        return Ok(None);
    }
    Ok(Some(Player {
        id: conn.last_insert_rowid()?,
        name: name.to_string(),
        role,
        created_at: now,
    }))
}

pub fn by_name(conn: &Connection, name: &str) -> crate::db::sql::Result<Option<Player>> {
    conn.query_row(BY_NAME, [name], row).optional()
}

pub fn by_token_hash(
    conn: &Connection,
    token_hash: &str,
) -> crate::db::sql::Result<Option<Player>> {
    conn.query_row(BY_TOKEN_HASH, [token_hash], row).optional()
}

/// The first player with `role`, by id.
pub fn first_with_role(conn: &Connection, role: Role) -> crate::db::sql::Result<Option<Player>> {
    conn.query_row(FIRST_WITH_ROLE, [role.as_str()], row)
        .optional()
}

/// Replaces a player's token (the old one stops working at once).
pub fn set_token_hash(conn: &Connection, id: i64, token_hash: &str) -> crate::db::sql::Result<()> {
    conn.execute(SET_TOKEN_HASH, params![token_hash, id])?;
    Ok(())
}
