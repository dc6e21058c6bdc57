//! The ledger's two backends behind one small SQL interface: SQLite in the state folder (the
//! default) or PostgreSQL (`state_url`), shared by several daemons. Statements are written once
//! with `?1`-style parameters (PostgreSQL gets `$1`); values are integers, text or NULL; the
//! schema is created and upgraded by numbered migrations recorded in `schema_version`.

use std::cell::RefCell;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Value::Null, Value::from)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    pub fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Value::Int(v)) => *v,
            Some(Value::Text(t)) => t.parse().unwrap_or(0),
            _ => 0,
        }
    }

    pub fn text(&self, i: usize) -> String {
        self.opt(i).unwrap_or_default()
    }

    pub fn opt(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(Value::Int(v)) => Some(v.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
}

/// A PostgreSQL error with the server's own message (the default text is only "db error").
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {} ({})", db.message(), db.code().code()),
        None => format!("PostgreSQL: {e}"),
    }
}

/// An open connection.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(RefCell<postgres::Client>),
}

/// The numbered schema changes; `{ID}` is the backend's auto-numbered key column. The first
/// one matches the ledger of earlier versions (so an existing SQLite file is adopted as is).
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS runs (
            id {ID},
            report TEXT NOT NULL,
            period TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            inputs TEXT NOT NULL DEFAULT '',
            outputs TEXT NOT NULL DEFAULT '',
            error TEXT
        );
        CREATE TABLE IF NOT EXISTS deliveries (
            id {ID},
            report TEXT NOT NULL,
            period TEXT NOT NULL,
            kind TEXT NOT NULL,
            recipients TEXT NOT NULL,
            message_id TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            error TEXT
        );
        CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries (report, period, kind);
        CREATE TABLE IF NOT EXISTS fires (
            report TEXT NOT NULL,
            fire_at TEXT NOT NULL,
            period TEXT NOT NULL,
            PRIMARY KEY (report, fire_at)
        );",
    ),
    (
        2,
        "CREATE TABLE IF NOT EXISTS claims (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            since TEXT NOT NULL,
            expires TEXT NOT NULL
        );",
    ),
];

impl Db {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Creates or upgrades the schema, one migration at a time, in one transaction. On
    /// PostgreSQL a transaction-scoped advisory lock lets only one daemon migrate at a time.
    pub fn migrate(&self) -> Result<(), DbError> {
        let id = if self.is_postgres() { "BIGSERIAL PRIMARY KEY" } else { "INTEGER PRIMARY KEY" };
        self.transaction(|db| {
            if db.is_postgres() {
                db.batch("SELECT pg_advisory_xact_lock(7482019)")?;
            }
            db.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
            let current = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?;
            let current = current.first().map_or(0, |r| r.int(0));
            for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
                db.batch(&sql.replace("{ID}", id))?;
                db.execute("INSERT INTO schema_version (version) VALUES (?1)", &[Value::Int(*version)])?;
            }
            Ok(())
        })
    }

    /// Runs `f` in a transaction (SQLite: `BEGIN IMMEDIATE`, so writers queue at the start).
    pub fn transaction<T>(&self, f: impl FnOnce(&Db) -> Result<T, DbError>) -> Result<T, DbError> {
        self.batch(if self.is_postgres() { "BEGIN" } else { "BEGIN IMMEDIATE" })?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Statements without parameters or results.
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(c) => Ok(c.borrow_mut().batch_execute(sql)?),
        }
    }

    /// One statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, DbError> {
        match self {
            Db::Sqlite(c) => {
                Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(args.iter().map(sqlite_value)))? as u64)
            }
            Db::Postgres(c) => {
                let params = postgres_params(args);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
                Ok(c.borrow_mut().execute(postgres_sql(sql).as_str(), &refs)?)
            }
        }
    }

    /// One query's rows.
    pub fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let columns = stmt.column_count();
                let rows = stmt.query_map(rusqlite::params_from_iter(args.iter().map(sqlite_value)), |r| {
                    (0..columns)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Integer(v) => Value::Int(v),
                                rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                                rusqlite::types::ValueRef::Real(v) => Value::Text(v.to_string()),
                                _ => Value::Null,
                            })
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                        .map(Row)
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            }
            Db::Postgres(c) => {
                let params = postgres_params(args);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
                let rows = c.borrow_mut().query(postgres_sql(sql).as_str(), &refs)?;
                rows.iter().map(postgres_row).collect()
            }
        }
    }
}

fn sqlite_value(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Null => rusqlite::types::Value::Null,
    }
}

/// `?1` → `$1` (no statement here has a `?` inside a string literal).
fn postgres_sql(sql: &str) -> String {
    sql.replace('?', "$")
}

/// Parameters for PostgreSQL; NULL is a NULL text (every nullable column is text).
fn postgres_params(args: &[Value]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    args.iter()
        .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
            match v {
                Value::Int(i) => Box::new(*i),
                Value::Text(t) => Box::new(t.clone()),
                Value::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

fn postgres_row(row: &postgres::Row) -> Result<Row, DbError> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let value = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(i64::from(v))),
            Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(|v| Value::Int(i64::from(v))),
            _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
        };
        out.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}
