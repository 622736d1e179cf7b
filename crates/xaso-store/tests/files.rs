//! The blob store behaves the same on a local folder and on S3. The S3 variant runs against a
//! moto server (PyPI `moto[server]`, installed into target/py by scripts/test) that the test
//! starts on a free loopback port and stops when done. Without `XASO_MOTO_SERVER` it says
//! SKIPPED — except under CI (`CI` set), where a missing server is a failure, as for PostgreSQL.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xaso_store::files::{sha256_hex, Files, S3Config};
use xaso_store::StoreError;

const MOTO_VAR: &str = "XASO_MOTO_SERVER";

/// The shared body: `files` must be empty when it starts.
async fn behaves_like_a_blob_store(files: &Files) {
    let started = chrono::Utc::now();
    assert!(files.list().await.expect("list").is_empty(), "starts empty");

    let pdf = b"%PDF-1.4 giay khai sinh".to_vec();
    let hash = files.put(pdf.clone()).await.expect("put");
    assert_eq!(
        hash,
        sha256_hex(&pdf),
        "put returns the SHA-256 of the bytes"
    );
    assert_eq!(files.put(pdf.clone()).await.expect("put again"), hash);
    let listed = files.list().await.expect("list");
    assert_eq!(
        listed.len(),
        1,
        "the same bytes are stored once: {listed:?}"
    );
    assert_eq!(listed[0].sha256, hash);
    assert_eq!(files.get(&hash).await.expect("get"), pdf);
    assert!(files.exists(&hash).await.expect("exists"));

    let never = sha256_hex(b"never stored");
    assert!(!files.exists(&never).await.expect("exists"));
    assert!(
        matches!(files.get(&never).await, Err(StoreError::NotFound(_))),
        "a missing blob is NotFound"
    );

    let upper = hash.to_uppercase();
    let nested = format!("{hash}/x");
    for hostile in ["../../etc/passwd", "", upper.as_str(), nested.as_str()] {
        assert!(
            matches!(files.get(hostile).await, Err(StoreError::NotFound(_))),
            "{hostile:?} is not a blob name"
        );
        assert!(!files.exists(hostile).await.expect("exists"), "{hostile:?}");
        files
            .delete(hostile)
            .await
            .expect("deleting a non-name is a no-op");
    }

    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3].to_vec();
    let second = files.put(png.clone()).await.expect("put a second blob");
    let listed = files.list().await.expect("list");
    let mut expected = vec![hash.clone(), second.clone()];
    expected.sort();
    assert_eq!(
        listed.iter().map(|l| l.sha256.clone()).collect::<Vec<_>>(),
        expected,
        "listed by hash"
    );
    let now = chrono::Utc::now();
    for item in &listed {
        // Whole seconds on S3 (Last-Modified), and a little slack for the server's clock.
        assert!(
            item.modified >= started - chrono::Duration::seconds(5)
                && item.modified <= now + chrono::Duration::seconds(5),
            "modified {} is recent (started {started}, now {now})",
            item.modified
        );
    }

    files.delete(&hash).await.expect("delete");
    assert!(!files.exists(&hash).await.expect("exists"));
    assert!(matches!(
        files.get(&hash).await,
        Err(StoreError::NotFound(_))
    ));
    files
        .delete(&hash)
        .await
        .expect("deleting twice is harmless");
    let listed = files.list().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].sha256, second);
    assert_eq!(files.get(&second).await.expect("get"), png);
}

#[tokio::test]
async fn a_local_folder() {
    let root = std::env::temp_dir().join(format!("xaso-files-{}", xaso_store::new_id()));
    let files = Files::local(&root);
    files.check().await.expect("a local folder needs no probe");
    behaves_like_a_blob_store(&files).await;
    std::fs::remove_dir_all(root).expect("clean up");
}

#[tokio::test]
async fn s3_on_a_moto_server() {
    let Some(moto) = Moto::start().await else {
        return;
    };
    let bucket = moto.bucket().await;
    let files = Files::s3(moto.config(&bucket, "xaso/")).expect("valid configuration");
    files.check().await.expect("the bucket answers");
    assert!(files.describe().contains(&bucket), "{}", files.describe());
    behaves_like_a_blob_store(&files).await;

    // Objects that are not blobs in the layout are never listed, so garbage collection cannot
    // be told about them: a stray file, a hash at the wrong depth, a blob of another prefix.
    let stray = sha256_hex(b"stray");
    for key in [
        "xaso/README.txt".to_string(),
        format!("xaso/{stray}"),
        format!("xaso/00/00/{stray}"),
    ] {
        moto.request("PUT", &format!("/{bucket}/{key}"), b"not a blob")
            .await;
    }
    let root = Files::s3(moto.config(&bucket, "")).expect("no prefix");
    let elsewhere = root.put(b"%PDF-1.4 elsewhere".to_vec()).await.expect("put");
    let listed = files.list().await.expect("list");
    assert_eq!(
        listed.len(),
        1,
        "only the blob left by the body: {listed:?}"
    );
    assert!(!files.exists(&elsewhere).await.expect("exists"));
    let at_root = root.list().await.expect("list");
    assert_eq!(
        at_root.iter().map(|l| &l.sha256).collect::<Vec<_>>(),
        [&elsewhere],
        "the bucket's root sees its own blob, not those under xaso/"
    );

    let missing = Files::s3(moto.config("no-such-bucket", "xaso/")).expect("valid");
    match missing.check().await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("no-such-bucket"), "{message}")
        }
        other => panic!("a missing bucket must fail the probe, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_store_is_unavailable_and_named() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let secret = "s3cr3t-never-shown";
    let files = Files::s3(S3Config {
        endpoint: Some(endpoint.clone()),
        bucket: "xaso-files".into(),
        access_key_id: "test".into(),
        secret_access_key: secret.into(),
        allow_http: true,
        ..S3Config::default()
    })
    .expect("valid configuration: nothing is sent yet");
    let hash = sha256_hex(b"x");
    let started = Instant::now();
    let failures = [
        files.check().await.err(),
        files.put(b"x".to_vec()).await.err(),
        files.get(&hash).await.err(),
        files.exists(&hash).await.err(),
        files.delete(&hash).await.err(),
        files.list().await.err(),
    ];
    for failure in failures {
        match failure {
            Some(StoreError::Unavailable(message)) => {
                assert!(message.contains(&endpoint), "{message}");
                assert!(message.contains("xaso-files"), "{message}");
                assert!(!message.contains(secret), "{message}");
            }
            other => panic!("expected Unavailable naming {endpoint}, got {other:?}"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "a few quick retries, not minutes: {:?}",
        started.elapsed()
    );
    // Names that are not hashes are answered at once, without a request: the closed port would
    // have made any request Unavailable.
    assert!(matches!(
        files.get("../../etc/passwd").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!files.exists("../../etc/passwd").await.expect("no request"));
    files.delete("../../etc/passwd").await.expect("no request");
}

/// A port nothing listens on (right after this returns).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A moto server on loopback, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Moto {
    /// Starts the server and waits until it answers, or returns `None` (after saying so) when
    /// `XASO_MOTO_SERVER` is unset outside CI.
    async fn start() -> Option<Moto> {
        let Some(program) = std::env::var_os(MOTO_VAR) else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{MOTO_VAR} is not set under CI: the S3 tests must run (scripts/test sets it)"
                );
            }
            // Written past the test harness's capture so that it shows even when the test passes.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: {MOTO_VAR} not set (scripts/test installs moto) ***"
            );
            return None;
        };
        let port = free_port();
        let log = std::env::temp_dir().join(format!("xaso-moto-{}.log", xaso_store::new_id()));
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("moto log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {MOTO_VAR}={program:?}: {e}"));
        let mut moto = Moto { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(moto);
            }
            let exited = moto.child.try_wait().expect("moto status");
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "moto did not answer on 127.0.0.1:{port} ({exited:?}):\n{}",
                    std::fs::read_to_string(&moto.log).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new, empty bucket.
    async fn bucket(&self) -> String {
        let name = format!("xaso-{}", xaso_store::new_id().simple());
        let status = self.request("PUT", &format!("/{name}"), b"").await;
        assert!(status.contains(" 200 "), "create bucket {name}: {status}");
        name
    }

    fn config(&self, bucket: &str, prefix: &str) -> S3Config {
        S3Config {
            endpoint: Some(format!("http://127.0.0.1:{}", self.port)),
            bucket: bucket.into(),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
            prefix: prefix.into(),
            allow_http: true,
            ..S3Config::default()
        }
    }

    /// One unsigned HTTP/1.1 request (moto does not check signatures); returns the status line.
    /// object_store cannot create buckets and no HTTP client is a dependency, so by hand.
    async fn request(&self, method: &str, path: &str, body: &[u8]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("connect to moto");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("send");
        stream.write_all(body).await.expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("answer");
        let status = String::from_utf8_lossy(&response)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(status.contains(" 200 "), "{method} {path}: {status}");
        status
    }
}
