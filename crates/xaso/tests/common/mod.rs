//! Shared by the binary's tests: run `xaso` in a scratch folder, start and stop the server.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const XASO: &str = env!("CARGO_BIN_EXE_xaso");

pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xaso-cli-{label}-{}", xaso_store::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `xaso ARGS` in `dir` with no XASO_* variables from the surrounding environment.
pub fn xaso(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(XASO);
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("XASO_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command
}

pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    xaso(dir, args, env).output().expect("xaso runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub struct Server {
    pub child: Child,
    pub address: String,
    pub lines: Vec<String>,
    pub rest: mpsc::Receiver<String>,
}

// The child is waited for by `Server::terminate`, or killed and reaped by `Drop` when a test fails.
#[allow(clippy::zombie_processes)]
pub fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
    let mut child = xaso(dir, &["serve", "--listen", "127.0.0.1:0"], env)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    loop {
        let line = receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("the server announces its address");
        let announced = line
            .split_once("đang phục vụ tại ")
            .and_then(|(_, url)| url.split_once("://"))
            .map(|(_, rest)| rest);
        if let Some(rest) = announced {
            let address = rest.split('/').next().expect("address").to_string();
            lines.push(line);
            return Server {
                child,
                address,
                lines,
                rest: receiver,
            };
        }
        lines.push(line);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, None, "")
    }

    /// A request with an optional bearer token and a JSON body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).expect("connect");
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            self.address,
            json.len()
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// SIGTERM, then the exit status and what it printed last.
    pub fn terminate(mut self) -> (bool, Vec<String>) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = self.child.wait().expect("server exits");
        // The process has exited, so its stdout is closed and the reader thread ends: wait for
        // every last line.
        let tail: Vec<String> = self.rest.iter().collect();
        (status.success(), tail)
    }
}

/// Each failure is one line on stderr starting with "lỗi:", and a non-zero exit.
pub fn assert_one_line_error(out: &Output, expected: &str) {
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("lỗi: ") && err.contains(expected), "{err}");
}
