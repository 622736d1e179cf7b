//! Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph, the emulators of the tests), for a
//! province whose several instances must see the same files. Keys follow the local layout,
//! `{prefix}ab/cd/abcd…`, and only names that pass [`is_sha256`] ever become keys.

use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};

use super::{is_sha256, sha256_hex, Listed};
use crate::StoreError;

/// Where and how to reach a bucket. `Debug` never shows the secret.
#[derive(Clone)]
pub struct S3Config {
    /// E.g. `http://127.0.0.1:9000` for a MinIO or an emulator; `None` for AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Put before every key, so that one bucket can hold several installations; `""` for none.
    pub prefix: String,
    /// Whether a plain `http://` endpoint is accepted (emulators, a MinIO on the same host).
    pub allow_http: bool,
}

impl Default for S3Config {
    fn default() -> S3Config {
        S3Config {
            endpoint: None,
            bucket: String::new(),
            region: "us-east-1".into(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            prefix: "xaso/".into(),
            allow_http: false,
        }
    }
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// A bucket (and key prefix) holding blobs. Cheap to clone.
#[derive(Clone)]
pub struct S3Files {
    store: Arc<AmazonS3>,
    /// The prefix without its trailing `/`; empty for the bucket's root.
    prefix: Path,
    /// For messages: the endpoint as configured (or AWS's, by region), and the bucket.
    endpoint: String,
    bucket: String,
    /// Only to scrub it from the text of errors, in case a server ever echoes it back.
    secret: String,
}

impl std::fmt::Debug for S3Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Files")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix.as_ref())
            .finish_non_exhaustive()
    }
}

fn bad(message: String) -> StoreError {
    StoreError::Config(message)
}

/// S3's rule for bucket names: 3–63 lowercase letters, digits, dots and hyphens, alphanumeric at
/// both ends.
fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The endpoint without a trailing `/`, or why it cannot be used.
fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<String, StoreError> {
    let trimmed = endpoint.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://").unwrap_or(("", trimmed));
    let host = rest.split('/').next().unwrap_or("");
    if !matches!(scheme, "http" | "https")
        || host.is_empty()
        || rest.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad(format!(
            "điểm cuối S3 “{endpoint}” không hợp lệ, ví dụ đúng: https://s3.example.vn hoặc http://127.0.0.1:9000"
        )));
    }
    if host.contains('@') {
        return Err(bad(
            "điểm cuối S3 không được chứa tên đăng nhập hay mật khẩu: khóa truy cập đặt riêng"
                .into(),
        ));
    }
    if scheme == "http" && !allow_http {
        return Err(bad(format!(
            "điểm cuối S3 “{trimmed}” dùng http không mã hóa nhưng chưa được cho phép (allow_http)"
        )));
    }
    Ok(trimmed.to_string())
}

/// The prefix as an object-store path; a missing trailing `/` is implied.
fn check_prefix(prefix: &str) -> Result<Path, StoreError> {
    let refuse = || {
        bad(format!(
            "tiền tố khóa S3 “{prefix}” không hợp lệ: dùng chữ, số, - _ . và / giữa các đoạn, \
             ví dụ xaso/ hoặc tinh-h19/xaso/ (không bắt đầu bằng /, không có đoạn rỗng, . hay ..)"
        ))
    };
    if prefix.starts_with('/')
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
    {
        return Err(refuse());
    }
    Path::parse(prefix).map_err(|_| refuse())
}

impl S3Files {
    /// Checks the configuration and prepares the client; nothing is sent until the first call.
    pub fn new(config: S3Config) -> Result<S3Files, StoreError> {
        if !valid_bucket(&config.bucket) {
            return Err(bad(format!(
                "tên bucket S3 “{}” không hợp lệ: 3–63 ký tự gồm chữ thường, chữ số, dấu chấm và \
                 gạch ngang, bắt đầu và kết thúc bằng chữ hoặc số",
                config.bucket
            )));
        }
        let region = config.region.trim();
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return Err(bad(format!(
                "vùng S3 “{}” không hợp lệ, ví dụ đúng: us-east-1 hoặc ap-southeast-1",
                config.region
            )));
        }
        if config.access_key_id.trim().is_empty() {
            return Err(bad("thiếu mã khóa truy cập S3 (access key id)".into()));
        }
        if config.secret_access_key.is_empty() {
            return Err(bad("thiếu khóa bí mật S3 (secret access key)".into()));
        }
        let prefix = check_prefix(&config.prefix)?;
        let endpoint = match &config.endpoint {
            Some(endpoint) => Some(check_endpoint(endpoint, config.allow_http)?),
            None => None,
        };

        // A few quick retries: an upload waits for the answer, so an unreachable store must be
        // reported within seconds, not after object_store's default three minutes.
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
        };
        // `new()`, not `from_env()`: only what xaso's configuration says is used, never stray
        // AWS_* variables of the machine.
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(region)
            .with_access_key_id(config.access_key_id.trim())
            .with_secret_access_key(&config.secret_access_key)
            .with_retry(retry)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(config.allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            );
        if let Some(endpoint) = &endpoint {
            // Path-style (`endpoint/bucket/key`): emulators and most self-hosted servers have
            // no wildcard DNS for bucket subdomains.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| {
            bad(format!(
                "cấu hình S3 (bucket {}) không dùng được: {e}",
                config.bucket
            ))
        })?;
        Ok(S3Files {
            store: Arc::new(store),
            prefix,
            endpoint: endpoint.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com")),
            bucket: config.bucket,
            secret: config.secret_access_key,
        })
    }

    /// For messages and `xaso config`.
    pub fn describe(&self) -> String {
        format!(
            "bucket S3 {} tại {}, tiền tố “{}”",
            self.bucket,
            self.endpoint,
            self.prefix_text()
        )
    }

    fn prefix_text(&self) -> String {
        if self.prefix.as_ref().is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix.as_ref())
        }
    }

    fn key_of(&self, sha256: &str) -> Option<Path> {
        if !is_sha256(sha256) {
            return None;
        }
        Some(
            self.prefix
                .clone()
                .join(&sha256[..2])
                .join(&sha256[2..4])
                .join(sha256),
        )
    }

    /// An error of the store as the caller sees it: the endpoint and bucket named, the secret
    /// never.
    fn unavailable(&self, doing: &str, error: object_store::Error) -> StoreError {
        let mut detail = error.to_string();
        if !self.secret.is_empty() {
            detail = detail.replace(&self.secret, "***");
        }
        let hint = match error {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => " — kiểm tra khóa truy cập S3",
            _ => "",
        };
        StoreError::Unavailable(format!(
            "kho tệp S3 {} (bucket {}) không {doing} được{hint}: {detail}",
            self.endpoint, self.bucket
        ))
    }

    /// Whether the bucket answers: one listing under the prefix, so that a wrong endpoint,
    /// bucket or key stops the server at start rather than at the first upload.
    pub async fn check(&self) -> Result<(), StoreError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        self.store
            .list_with_delimiter(prefix)
            .await
            .map(|_| ())
            .map_err(|e| self.unavailable("truy cập", e))
    }

    /// Stores bytes; returns their SHA-256. Bytes already there are not sent again.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, StoreError> {
        let (hash, bytes) = tokio::task::spawn_blocking(move || (sha256_hex(&bytes), bytes))
            .await
            .map_err(|e| StoreError::Unavailable(format!("tính mã băm thất bại: {e}")))?;
        let key = self
            .key_of(&hash)
            .ok_or_else(|| StoreError::Invalid("mã băm không hợp lệ".into()))?;
        // Written even when the object exists (same key, same bytes: still one object), so that
        // its time is fresh and garbage collection's grace period protects a blob that a request
        // is about to refer to again. A single PUT is atomic in S3: a reader sees the whole object
        // or none, so no temporary key is needed as on disk.
        self.store
            .put(&key, bytes.into())
            .await
            .map_err(|e| self.unavailable("ghi", e))?;
        Ok(hash)
    }

    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let key = self
            .key_of(sha256)
            .ok_or_else(|| StoreError::NotFound(format!("tệp {sha256}")))?;
        let not_found = |e: object_store::Error| match e {
            object_store::Error::NotFound { .. } => StoreError::NotFound(format!("tệp {sha256}")),
            e => self.unavailable("đọc", e),
        };
        let found = self.store.get(&key).await.map_err(not_found)?;
        let bytes = found.bytes().await.map_err(not_found)?;
        Ok(bytes.to_vec())
    }

    /// Whether bytes with this hash are stored (a HEAD request).
    pub async fn exists(&self, sha256: &str) -> Result<bool, StoreError> {
        let Some(key) = self.key_of(sha256) else {
            return Ok(false);
        };
        match self.store.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.unavailable("đọc", e)),
        }
    }

    /// Removes a blob; removing a missing blob is not an error.
    pub async fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        let Some(key) = self.key_of(sha256) else {
            return Ok(());
        };
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.unavailable("xóa", e)),
        }
    }

    /// Every blob under the prefix. Only keys that `delete` would remove for their hash are
    /// listed, so garbage collection never reasons about objects it could not touch.
    pub async fn list(&self) -> Result<Vec<Listed>, StoreError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let objects: Vec<_> = self
            .store
            .list(prefix)
            .try_collect()
            .await
            .map_err(|e| self.unavailable("liệt kê", e))?;
        let mut found: Vec<Listed> = objects
            .into_iter()
            .filter_map(|meta| {
                let name = meta.location.filename()?;
                let expected = self.key_of(name)?;
                (expected == meta.location).then(|| Listed {
                    sha256: name.to_string(),
                    modified: meta.last_modified,
                })
            })
            .collect();
        found.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> S3Config {
        S3Config {
            endpoint: Some("http://127.0.0.1:9000".into()),
            bucket: "xaso-files".into(),
            access_key_id: "test".into(),
            secret_access_key: "hush-hush".into(),
            allow_http: true,
            ..S3Config::default()
        }
    }

    #[test]
    fn keys_follow_the_local_layout() {
        let files = S3Files::new(config()).expect("valid");
        let hash = sha256_hex(b"x");
        let key = files.key_of(&hash).expect("a hash");
        assert_eq!(
            key.as_ref(),
            format!("xaso/{}/{}/{hash}", &hash[..2], &hash[2..4])
        );
        assert!(files.key_of("../../etc/passwd").is_none());
        assert!(files.key_of(&hash.to_uppercase()).is_none());
        let bare = S3Files::new(S3Config {
            prefix: String::new(),
            ..config()
        })
        .expect("no prefix");
        assert_eq!(
            bare.key_of(&hash).expect("a hash").as_ref(),
            format!("{}/{}/{hash}", &hash[..2], &hash[2..4])
        );
        let nested = S3Files::new(S3Config {
            prefix: "tinh-h19/xaso".into(),
            ..config()
        })
        .expect("nested prefix");
        assert!(nested.describe().contains("“tinh-h19/xaso/”"));
    }

    #[test]
    fn bad_values_are_refused_in_vietnamese() {
        let refused = |config: S3Config| match S3Files::new(config) {
            Err(StoreError::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        };
        assert!(refused(S3Config {
            bucket: "Xaso_Files".into(),
            ..config()
        })
        .contains("tên bucket"));
        assert!(refused(S3Config {
            allow_http: false,
            ..config()
        })
        .contains("http không mã hóa"));
        assert!(refused(S3Config {
            endpoint: Some("127.0.0.1:9000".into()),
            ..config()
        })
        .contains("điểm cuối"));
        assert!(refused(S3Config {
            endpoint: Some("http://user:pw@127.0.0.1:9000".into()),
            ..config()
        })
        .contains("mật khẩu"));
        assert!(refused(S3Config {
            prefix: "../x/".into(),
            ..config()
        })
        .contains("tiền tố"));
        assert!(refused(S3Config {
            prefix: "a//b/".into(),
            ..config()
        })
        .contains("tiền tố"));
        assert!(refused(S3Config {
            secret_access_key: String::new(),
            ..config()
        })
        .contains("khóa bí mật"));
        let shown = format!(
            "{:?} {:?}",
            config(),
            S3Files::new(config()).expect("valid")
        );
        assert!(!shown.contains("hush-hush"), "{shown}");
    }
}
