//! Rows written in bulk: on SQLite as multi-row `INSERT`s (as many rows per statement as its
//! 32 766 parameters allow, the same statement text reused so that it is prepared once), on
//! PostgreSQL through `COPY … FROM STDIN` in text format, encoded by the thread that made the
//! rows so that the writer only sends bytes.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use sqlx::sqlite::SqliteArguments;
use sqlx::Arguments as _;

use crate::{Backend, Conn, StoreError, Tx};

/// A table and the columns written, in order.
pub(crate) struct Spec {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

/// One value of a row.
pub(crate) enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Uuid(Uuid),
    Time(DateTime<Utc>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<Uuid> for Value {
    fn from(v: Uuid) -> Value {
        Value::Uuid(v)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Value {
        Value::Time(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

enum Data {
    /// SQLite: the arguments of each statement, encoded as the rows come (by the thread that
    /// makes them, not the writer): full statements of `per_statement` rows, the last shorter.
    Sqlite {
        per_statement: usize,
        chunks: Vec<(usize, SqliteArguments<'static>)>,
    },
    /// COPY text (PostgreSQL).
    Copy(Vec<u8>),
}

/// Rows of one table, ready to write.
pub(crate) struct Rows {
    pub spec: &'static Spec,
    pub count: usize,
    data: Data,
}

/// Appends `text` escaped for COPY's text format.
fn copy_text(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

impl Rows {
    /// Rows of `spec`, with room for `expected` of them.
    pub fn new(spec: &'static Spec, backend: Backend, expected: usize) -> Rows {
        Rows {
            spec,
            count: 0,
            data: match backend {
                Backend::Sqlite => Data::Sqlite {
                    per_statement: (SQLITE_PARAMETERS / spec.columns.len().max(1)).max(1),
                    chunks: Vec::new(),
                },
                // About 40 bytes a column.
                Backend::Postgres => {
                    Data::Copy(Vec::with_capacity(expected * spec.columns.len() * 40))
                }
            },
        }
    }

    /// Adds a row; `values` must follow the spec's columns.
    pub fn push(&mut self, values: Vec<Value>) -> Result<(), StoreError> {
        if values.len() != self.spec.columns.len() {
            return Err(StoreError::Invalid(format!(
                "{}: {} giá trị cho {} cột",
                self.spec.name,
                values.len(),
                self.spec.columns.len()
            )));
        }
        self.count += 1;
        match &mut self.data {
            Data::Sqlite {
                per_statement,
                chunks,
            } => {
                let columns = self.spec.columns.len();
                if chunks.last().is_none_or(|(rows, _)| rows == per_statement) {
                    let mut arguments = SqliteArguments::default();
                    arguments.reserve(*per_statement * columns, 0);
                    chunks.push((0, arguments));
                }
                if let Some((rows, arguments)) = chunks.last_mut() {
                    *rows += 1;
                    for value in values {
                        let added = match value {
                            Value::Null => arguments.add(None::<String>),
                            Value::Int(v) => arguments.add(v),
                            Value::Bool(v) => arguments.add(v),
                            Value::Text(v) => arguments.add(v),
                            Value::Uuid(v) => arguments.add(v),
                            Value::Time(v) => arguments.add(v),
                        };
                        added.map_err(|e| StoreError::Invalid(e.to_string()))?;
                    }
                }
            }
            Data::Copy(out) => {
                let mut text = String::new();
                for (i, value) in values.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b'\t');
                    }
                    match value {
                        Value::Null => out.extend_from_slice(b"\\N"),
                        Value::Int(v) => {
                            text.clear();
                            let _ = write!(text, "{v}");
                            out.extend_from_slice(text.as_bytes());
                        }
                        Value::Bool(v) => out.push(if v { b't' } else { b'f' }),
                        Value::Text(v) => copy_text(out, &v),
                        Value::Uuid(v) => out.extend_from_slice(
                            v.hyphenated().encode_lower(&mut [0; 36]).as_bytes(),
                        ),
                        Value::Time(v) => {
                            text.clear();
                            let _ = write!(text, "{}", v.format("%Y-%m-%d %H:%M:%S%.6f+00"));
                            out.extend_from_slice(text.as_bytes());
                        }
                    }
                }
                out.push(b'\n');
            }
        }
        Ok(())
    }

    /// Writes the rows in the caller's transaction.
    pub async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        if self.count == 0 {
            return Ok(());
        }
        match (self.data, tx.conn()) {
            (Data::Copy(bytes), Conn::Postgres(c)) => {
                let statement = format!(
                    "COPY {} ({}) FROM STDIN",
                    self.spec.name,
                    self.spec.columns.join(", ")
                );
                let mut copy = c.copy_in_raw(&statement).await?;
                copy.send(bytes.as_slice()).await?;
                copy.finish().await?;
                Ok(())
            }
            (
                Data::Sqlite {
                    per_statement,
                    chunks,
                },
                Conn::Sqlite(c),
            ) => {
                let mut full: Option<String> = None;
                for (rows, arguments) in chunks {
                    let sql = statement(&mut full, self.spec, rows, per_statement, "", false);
                    sqlx::query_with(&sql, arguments).execute(&mut *c).await?;
                }
                Ok(())
            }
            _ => Err(StoreError::Invalid(
                "dữ liệu mẫu được chuẩn bị cho loại cơ sở dữ liệu khác".into(),
            )),
        }
    }
}

/// SQLite's limit on the parameters of one statement.
const SQLITE_PARAMETERS: usize = 32_766;
/// PostgreSQL's (the wire protocol counts them in 16 bits).
const POSTGRES_PARAMETERS: usize = 65_535;

/// The statement for `rows` rows. SQLite gets anonymous `?` parameters: sqlx looks each
/// parameter's name up, and SQLite finds a numbered one by a walk of the list of names, so that
/// `$N` costs the square of the parameters (83 % of the time with 30 000 of them).
fn insert_sql(spec: &Spec, rows: usize, tail: &str, numbered: bool) -> String {
    let columns = spec.columns.len();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        spec.name,
        spec.columns.join(", ")
    );
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            if numbered {
                let _ = write!(sql, "${}", row * columns + column + 1);
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// Multi-row INSERTs of `values` (row after row), with `tail` after each (an ON CONFLICT
/// clause). On PostgreSQL the values must not be NULL (they are bound untyped).
pub(crate) async fn insert_values(
    conn: Conn<'_>,
    spec: &Spec,
    values: &[Value],
    tail: &str,
) -> Result<(), StoreError> {
    let columns = spec.columns.len().max(1);
    let limit = match conn {
        Conn::Sqlite(_) => SQLITE_PARAMETERS,
        Conn::Postgres(_) => POSTGRES_PARAMETERS,
    };
    let per_statement = (limit / columns).max(1);
    // PostgreSQL wants numbered placeholders; SQLite takes anonymous ones (see `insert_sql`).
    let numbered = matches!(conn, Conn::Postgres(_));
    let mut full_sql: Option<String> = None;
    crate::db!(conn, |c| {
        for chunk in values.chunks(per_statement * columns) {
            let rows = chunk.len() / columns;
            let sql = statement(&mut full_sql, spec, rows, per_statement, tail, numbered);
            let mut query = sqlx::query(&sql);
            for value in chunk {
                query = match value {
                    Value::Null => query.bind(None::<String>),
                    Value::Int(v) => query.bind(*v),
                    Value::Bool(v) => query.bind(*v),
                    Value::Text(v) => query.bind(v.as_str()),
                    Value::Uuid(v) => query.bind(*v),
                    Value::Time(v) => query.bind(*v),
                };
            }
            query.execute(&mut *c).await?;
        }
    });
    Ok(())
}

/// The statement for `rows` rows: the full-size one is built once and reused (and so prepared
/// once per connection), the last, shorter one built for itself.
fn statement(
    full: &mut Option<String>,
    spec: &Spec,
    rows: usize,
    per_statement: usize,
    tail: &str,
    numbered: bool,
) -> String {
    if rows == per_statement {
        full.get_or_insert_with(|| insert_sql(spec, rows, tail, numbered))
            .clone()
    } else {
        insert_sql(spec, rows, tail, numbered)
    }
}
