//! The audit chain: each audit row carries the hash of the row before it, so that editing,
//! deleting or reordering rows — even by someone who can write to the database directly — shows
//! when the chain is walked again.
//!
//! `hash = SHA-256(canonical(prev_hash, row))`, hex; the first row's `prev_hash` is [`GENESIS`].
//! The canonical encoding length-prefixes every field, so no two different rows encode alike.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row of the chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an audit row that its hash covers, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowContent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user's id in its hyphenated form, if a user acted.
    pub actor_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub details: String,
}

/// A stored row: its content and the two hashes written when it was chained (none for a row
/// not chained yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedRow {
    pub content: RowContent,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// The instant as hashed: RFC 3339 in UTC with exactly six fractional digits. PostgreSQL keeps
/// microseconds, so rows are written with microsecond precision and hash alike on both backends.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `prev_hash` and the row's fields, each written as `LENGTH:BYTES;` (an absent user id as `~;`).
pub fn canonical(prev_hash: &str, row: &RowContent) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + row.details.len());
    let mut field = |value: Option<&str>| match value {
        Some(text) => {
            out.extend_from_slice(format!("{}:", text.len()).as_bytes());
            out.extend_from_slice(text.as_bytes());
            out.push(b';');
        }
        None => out.extend_from_slice(b"~;"),
    };
    field(Some(prev_hash));
    field(Some(&row.id.to_string()));
    field(Some(&canonical_time(row.at)));
    field(row.actor_id.as_deref());
    field(Some(&row.actor));
    field(Some(&row.action));
    field(Some(&row.entity));
    field(Some(&row.entity_id));
    field(Some(&row.details));
    out
}

/// The row's hash, lowercase hex.
pub fn row_hash(prev_hash: &str, row: &RowContent) -> String {
    Sha256::digest(canonical(prev_hash, row))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What is wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The row's hash does not match its content: a field was changed after it was written.
    Edited { id: i64 },
    /// The row does not follow the row before it, and its predecessor is nowhere in the log.
    /// `missing` names the ids absent between the two rows (rows whose deletion is likely).
    /// With no gap in ids, the previous row may have been rewritten together with its hash.
    Deleted {
        id: i64,
        previous: Option<i64>,
        missing: Option<(i64, i64)>,
    },
    /// The row's content was written to follow another row (`follows`): rows were moved.
    Reordered { id: i64, follows: Option<i64> },
    /// The row has no hash yet (written by an older xaso while this one ran).
    Unchained { id: i64 },
}

impl Problem {
    pub fn id(&self) -> i64 {
        match self {
            Problem::Edited { id }
            | Problem::Deleted { id, .. }
            | Problem::Reordered { id, .. }
            | Problem::Unchained { id } => *id,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Edited { id } => write!(
                f,
                "dòng #{id}: nội dung đã bị sửa (mã băm không khớp nội dung)"
            ),
            Problem::Deleted {
                id,
                previous: _,
                missing: Some((from, to)),
            } => {
                let range = if from == to {
                    format!("dòng #{from}")
                } else {
                    format!("các dòng #{from}–#{to}")
                };
                write!(f, "dòng #{id}: thiếu dòng trước dòng {id} ({range} đã bị xóa)")
            }
            Problem::Deleted {
                id,
                previous: Some(previous),
                missing: None,
            } => write!(
                f,
                "dòng #{id}: thiếu dòng trước dòng {id} (có dòng đã bị xóa, hoặc dòng #{previous} đã bị sửa cả mã băm)"
            ),
            Problem::Deleted {
                id,
                previous: None,
                missing: None,
            } => write!(
                f,
                "dòng #{id}: thiếu dòng trước dòng {id} (các dòng đầu nhật ký đã bị xóa)"
            ),
            Problem::Reordered {
                id,
                follows: Some(follows),
            } => write!(
                f,
                "dòng #{id}: sai thứ tự (nội dung này được ghi ngay sau dòng #{follows})"
            ),
            Problem::Reordered { id, follows: None } => write!(
                f,
                "dòng #{id}: sai thứ tự (nội dung này được ghi là dòng đầu tiên của nhật ký)"
            ),
            Problem::Unchained { id } => {
                write!(f, "dòng #{id}: chưa được nối vào chuỗi (chưa có mã băm)")
            }
        }
    }
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    pub rows: usize,
    /// The last row's id and hash: keep it somewhere else to detect a cut-off tail later.
    pub last: Option<(i64, String)>,
    pub problems: Vec<Problem>,
}

/// Walks rows in id order and names every broken row.
///
/// For each row two checks: does its `prev_hash` equal the stored hash of the row before it (the
/// link), and does its hash match its own content (the seal)? A broken link whose `prev_hash` is
/// another row's hash means content was moved (reordered); one that matches no row means the
/// predecessor is gone (deleted). A row whose seal breaks but whose link holds was edited. A row
/// whose only fault is following a moved row is not named again: the moved row explains it.
///
/// Times are not compared: a transaction takes its time before it waits for the chain's lock,
/// so honest rows from several instances may be a few milliseconds out of time order. Ids
/// may have gaps (PostgreSQL does not reuse ids of rolled-back inserts); only the hashes decide.
pub fn walk(rows: &[ChainedRow]) -> Walk {
    let position_of_hash: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.hash.as_deref().map(|h| (h, i)))
        .collect();
    // Whether a row's own content and hashes agree, and whether its link to the row before holds.
    let sealed: Vec<bool> = rows
        .iter()
        .map(|r| match (&r.prev_hash, &r.hash) {
            (Some(prev), Some(hash)) => row_hash(prev, &r.content) == *hash,
            _ => false,
        })
        .collect();
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let id = row.content.id;
        let Some(prev_hash) = row.prev_hash.as_deref().filter(|_| row.hash.is_some()) else {
            problems.push(Problem::Unchained { id });
            continue;
        };
        let expected = match i {
            0 => Some(GENESIS),
            _ => rows[i - 1].hash.as_deref(),
        };
        if expected == Some(prev_hash) {
            if !sealed[i] {
                problems.push(Problem::Edited { id });
            }
            continue;
        }
        let follows = match prev_hash {
            GENESIS => Some(None),
            other => position_of_hash
                .get(other)
                .map(|&k| Some(rows[k].content.id)),
        };
        match follows {
            Some(follows) if !sealed[i] => problems.push(Problem::Reordered { id, follows }),
            Some(follows) => {
                // Sealed but linked elsewhere: either the row it follows was moved away from
                // just before it (already named), or this row itself was moved whole.
                let predecessor_moved = follows
                    .and_then(|f| rows.iter().position(|r| r.content.id == f))
                    .is_some_and(|k| !sealed[k]);
                if !predecessor_moved {
                    problems.push(Problem::Reordered { id, follows });
                }
            }
            None => {
                let previous = i.checked_sub(1).map(|p| rows[p].content.id);
                let after = previous.unwrap_or(0);
                let missing = (id - after > 1).then_some((after + 1, id - 1));
                if !sealed[i] {
                    problems.push(Problem::Edited { id });
                } else {
                    problems.push(Problem::Deleted {
                        id,
                        previous,
                        missing,
                    });
                }
            }
        }
    }
    Walk {
        rows: rows.len(),
        last: rows
            .last()
            .map(|r| (r.content.id, r.hash.clone().unwrap_or_default())),
        problems,
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
