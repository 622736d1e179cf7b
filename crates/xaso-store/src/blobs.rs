//! Garbage collection of the file store: blobs no row refers to any more (a form that failed after
//! its files were stored, a document removed from a citizen's store, evidence of a report that was
//! replaced). A grace period protects files stored by a request still in progress.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::files::Files;
use crate::{db, Store, StoreError, Tx};

/// Every blob some row refers to: what garbage collection must keep.
pub async fn referenced(tx: &mut Tx) -> Result<BTreeSet<String>, StoreError> {
    let hashes: Vec<String> = db!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT sha256 FROM dossier_files
         UNION SELECT sha256 FROM citizen_documents
         UNION SELECT sha256 FROM plan_evidence
         UNION SELECT copy_sha256 FROM certifications WHERE copy_sha256 IS NOT NULL"
    )
    .fetch_all(&mut *c)
    .await)?;
    Ok(hashes.into_iter().collect())
}

/// What a collection found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// Blobs in the file store.
    pub stored: usize,
    /// Blobs some row refers to.
    pub referenced: usize,
    /// Unreferenced blobs younger than the grace period, left for now.
    pub recent: usize,
    /// Unreferenced blobs removed (or, in a dry run, that would be).
    pub removed: usize,
    /// Rows that refer to a blob the file store does not have: a damaged store, to report.
    pub missing: Vec<String>,
}

/// Removes the blobs no row refers to and written before `written_before`. With `dry_run`,
/// only counts them.
pub async fn collect(
    store: &Store,
    files: &Files,
    written_before: DateTime<Utc>,
    dry_run: bool,
) -> Result<Collected, StoreError> {
    // Listing first: a blob stored after the listing is not seen, so cannot be removed.
    let listed = files.list().await?;
    let mut tx = store.read().await?;
    let keep = referenced(&mut tx).await?;
    tx.commit().await?;
    let mut report = Collected {
        stored: listed.len(),
        ..Collected::default()
    };
    let present: BTreeSet<&str> = listed.iter().map(|l| l.sha256.as_str()).collect();
    for blob in &listed {
        if keep.contains(&blob.sha256) {
            report.referenced += 1;
        } else if blob.modified >= written_before {
            report.recent += 1;
        } else {
            if !dry_run {
                files.delete(&blob.sha256).await?;
            }
            report.removed += 1;
        }
    }
    report.missing = keep
        .iter()
        .filter(|hash| !present.contains(hash.as_str()))
        .cloned()
        .collect();
    Ok(report)
}
