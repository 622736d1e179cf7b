//! File storage for attachments and results: content-addressed by SHA-256 in a local folder
//! (the default; object storage comes behind the same interface). Writes are atomic: a temporary
//! file is synced, then renamed into place, so a crash never leaves half a file under a hash.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::StoreError;

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

/// A file name safe to show and to send back: no folders, no control characters, NFC, ≤ 120 chars.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = xaso_domain::text::clean(base)
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
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

#[derive(Debug, Clone)]
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    pub fn new(root: impl Into<PathBuf>) -> LocalFiles {
        LocalFiles { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
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

    /// The accepted content types, as the static strings `sniff` gives.
    pub fn known_type(content_type: &str) -> Option<&'static str> {
        ["application/pdf", "image/jpeg", "image/png"]
            .into_iter()
            .find(|t| *t == content_type)
    }

    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| StoreError::NotFound(format!("tệp {sha256}")))?;
        tokio::fs::read(&path)
            .await
            .map_err(|e| StoreError::NotFound(format!("tệp {sha256} ({e})")))
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
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once() {
        let root = std::env::temp_dir().join(format!("xaso-files-{}", crate::new_id()));
        let files = LocalFiles::new(&root);
        let a = files.put(b"%PDF-1.4 one".to_vec()).await.expect("put");
        let b = files.put(b"%PDF-1.4 one".to_vec()).await.expect("put");
        assert_eq!(a, b);
        assert_eq!(files.get(&a).await.expect("get"), b"%PDF-1.4 one");
        assert!(files.get("../../etc/passwd").await.is_err());
        std::fs::remove_dir_all(root).expect("clean up");
    }
}
