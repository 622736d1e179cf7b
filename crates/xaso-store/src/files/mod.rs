//! File storage for attachments, results and citizens' documents: content-addressed by SHA-256,
//! in a local folder (the default) or in S3-compatible object storage, behind one [`Files`]
//! handle. Local writes are atomic: a temporary file is synced, then renamed into place, so a
//! crash never leaves half a file under a hash.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::StoreError;

mod s3;
pub use s3::{S3Config, S3Files};

/// The largest attachment accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of file accepted, recognised by their first bytes, never by their name.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Unicode's invisible direction marks and overrides: U+202E then "fdp.exe" shows as "exe.pdf".
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A file name safe to show and to send back: no folders, no control characters or direction
/// marks, NFC, ≤ 120 chars.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = xaso_domain::text::clean(base)
        .chars()
        .filter(|c| !c.is_control() && !is_direction_mark(*c))
        .filter(|c| !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        "tep-dinh-kem".to_string()
    } else {
        cleaned
    }
}

/// The SHA-256 of some bytes, in hex: a file's name in the store.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stored blob as listed for garbage collection: its hash and when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub sha256: String,
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Whether a text is a SHA-256 in lowercase hex (a blob's name), so that no other name is ever
/// turned into a path or an object key.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The accepted content types, as the static strings `sniff` gives.
pub fn known_type(content_type: &str) -> Option<&'static str> {
    ["application/pdf", "image/jpeg", "image/png"]
        .into_iter()
        .find(|t| *t == content_type)
}

/// Where blobs are kept. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Files {
    Local(LocalFiles),
    S3(S3Files),
}

impl Files {
    /// A folder on the local disk.
    pub fn local(root: impl Into<PathBuf>) -> Files {
        Files::Local(LocalFiles::new(root))
    }

    /// A bucket of S3-compatible object storage; bad values give [`StoreError::Config`].
    pub fn s3(config: S3Config) -> Result<Files, StoreError> {
        S3Files::new(config).map(Files::S3)
    }

    /// Whether the storage answers. A local folder is made on the first write, so only object
    /// storage is asked (one listing): a wrong endpoint, bucket or key then stops a server at
    /// start rather than at the first upload.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self {
            Files::Local(_) => Ok(()),
            Files::S3(s3) => s3.check().await,
        }
    }

    /// Where the blobs are, for messages and `xaso config`.
    pub fn describe(&self) -> String {
        match self {
            Files::Local(local) => format!("thư mục {}", local.root.display()),
            Files::S3(s3) => s3.describe(),
        }
    }

    /// Stores bytes; returns their SHA-256. Storing the same bytes twice keeps one copy.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, StoreError> {
        match self {
            Files::Local(local) => local.put(bytes).await,
            Files::S3(s3) => s3.put(bytes).await,
        }
    }

    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Files::Local(local) => local.get(sha256).await,
            Files::S3(s3) => s3.get(sha256).await,
        }
    }

    /// Whether bytes with this hash are stored.
    pub async fn exists(&self, sha256: &str) -> Result<bool, StoreError> {
        match self {
            Files::Local(local) => Ok(local.exists(sha256)),
            Files::S3(s3) => s3.exists(sha256).await,
        }
    }

    /// Removes a blob (garbage collection); removing a missing blob is not an error.
    pub async fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        match self {
            Files::Local(local) => local.delete(sha256).await,
            Files::S3(s3) => s3.delete(sha256).await,
        }
    }

    /// Every stored blob.
    pub async fn list(&self) -> Result<Vec<Listed>, StoreError> {
        match self {
            Files::Local(local) => local.list().await,
            Files::S3(s3) => s3.list().await,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    pub fn new(root: impl Into<PathBuf>) -> LocalFiles {
        LocalFiles { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        if !is_sha256(sha256) {
            return None;
        }
        Some(
            self.root
                .join(&sha256[..2])
                .join(&sha256[2..4])
                .join(sha256),
        )
    }

    /// Stores bytes; returns their SHA-256. Storing the same bytes twice keeps one copy.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, StoreError> {
        let root = self.root.clone();
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let hash = sha256_hex(&bytes);
            let target = this
                .path_of(&hash)
                .ok_or_else(|| StoreError::Invalid("mã băm không hợp lệ".into()))?;
            if target.exists() {
                // Fresh time: garbage collection's grace period now protects a blob that a
                // request is about to refer to again.
                let touched = std::fs::File::options()
                    .append(true)
                    .open(&target)
                    .and_then(|f| f.set_modified(std::time::SystemTime::now()));
                if let Err(e) = touched {
                    tracing::warn!(
                        "không cập nhật được thời điểm của {}: {e}",
                        target.display()
                    );
                }
                return Ok(hash);
            }
            let folder = target.parent().unwrap_or(&root).to_path_buf();
            let io = |e: std::io::Error| {
                StoreError::Unavailable(format!("không ghi được tệp vào {}: {e}", folder.display()))
            };
            std::fs::create_dir_all(&folder).map_err(io)?;
            let temporary = folder.join(format!(".{}.tmp", crate::new_id()));
            let mut file = std::fs::File::create(&temporary).map_err(io)?;
            file.write_all(&bytes).map_err(io)?;
            file.sync_all().map_err(io)?;
            std::fs::rename(&temporary, &target).map_err(io)?;
            if let Ok(dir) = std::fs::File::open(&folder) {
                let _ = dir.sync_all();
            }
            Ok(hash)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("ghi tệp thất bại: {e}")))?
    }

    /// Whether bytes with this hash are stored.
    pub fn exists(&self, sha256: &str) -> bool {
        self.path_of(sha256).is_some_and(|p| p.is_file())
    }

    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| StoreError::NotFound(format!("tệp {sha256}")))?;
        tokio::fs::read(&path)
            .await
            .map_err(|e| StoreError::NotFound(format!("tệp {sha256} ({e})")))
    }

    pub async fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::Unavailable(format!(
                "không xóa được {}: {e}",
                path.display()
            ))),
        }
    }

    /// Every blob under the root (`ab/cd/abcd…`); temporary and foreign files are skipped.
    pub async fn list(&self) -> Result<Vec<Listed>, StoreError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            let io = |e: std::io::Error| {
                StoreError::Unavailable(format!("không đọc được thư mục {}: {e}", root.display()))
            };
            let entries = match std::fs::read_dir(&root) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
                Err(e) => return Err(io(e)),
            };
            for first in entries {
                let first = first.map_err(io)?.path();
                if !first.is_dir() {
                    continue;
                }
                for second in std::fs::read_dir(&first).map_err(io)? {
                    let second = second.map_err(io)?.path();
                    if !second.is_dir() {
                        continue;
                    }
                    for file in std::fs::read_dir(&second).map_err(io)? {
                        let file = file.map_err(io)?;
                        let name = file.file_name().to_string_lossy().to_string();
                        if !is_sha256(&name) {
                            continue;
                        }
                        let modified = file.metadata().and_then(|m| m.modified()).map_err(io)?;
                        found.push(Listed {
                            sha256: name,
                            modified: modified.into(),
                        });
                    }
                }
            }
            found.sort_by(|a, b| a.sha256.cmp(&b.sha256));
            Ok(found)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("đọc thư mục tệp thất bại: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00 this is an .exe renamed to .pdf"), None);
    }

    #[test]
    fn names_lose_folders_and_tricks() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_name("C:\\\\Users\\\\x\\\\giấy khai sinh.pdf"),
            "giấy khai sinh.pdf"
        );
        assert_eq!(clean_name(".htaccess"), "htaccess");
        assert_eq!(clean_name("<script>.pdf"), "script.pdf");
        assert_eq!(clean_name(""), "tep-dinh-kem");
        assert_eq!(clean_name("hồ sơ\u{202e}fdp.exe"), "hồ sơfdp.exe");
        assert_eq!(clean_name("\u{2067}to-khai.pdf\u{2069}"), "to-khai.pdf");
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once() {
        let root = std::env::temp_dir().join(format!("xaso-files-{}", crate::new_id()));
        let files = Files::local(&root);
        let a = files.put(b"%PDF-1.4 one".to_vec()).await.expect("put");
        let b = files.put(b"%PDF-1.4 one".to_vec()).await.expect("put");
        assert_eq!(a, b);
        assert_eq!(files.get(&a).await.expect("get"), b"%PDF-1.4 one");
        assert!(files.get("../../etc/passwd").await.is_err());
        let listed = files.list().await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].sha256, a);
        files.delete(&a).await.expect("delete");
        assert!(!files.exists(&a).await.expect("exists"));
        files.delete(&a).await.expect("deleting twice is harmless");
        std::fs::remove_dir_all(root).expect("clean up");
    }
}
