//! Embeds the data files under `data/` (catalog, demo agencies, calendar, workflows, plans) into the binary, so that a commune
//! starts with nothing but the executable.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    if !dir.exists() {
        return Vec::new(); // a folder with nothing in it yet (git keeps no empty folders)
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let data = manifest.join("../../data");
    println!("cargo:rerun-if-changed={}", data.display());
    let mut out = String::new();
    for (name, folder) in [
        ("CATALOG", "catalog"),
        ("DEMO", "demo"),
        ("CALENDAR", "calendar"),
        ("WORKFLOWS", "workflows"),
        ("PLANS", "plans"),
        ("CITIZEN", "citizen"),
        ("FEES", "fees"),
        ("FEEDBACK", "feedback"),
        ("NOTIFICATIONS", "notifications"),
    ] {
        let dir = data.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        let _ = writeln!(out, "pub static {name}: &[(&str, &str)] = &[");
        for file in toml_files(&dir) {
            let label = format!(
                "data/{folder}/{}",
                file.file_name().expect("a file name").to_string_lossy()
            );
            let absolute = file.canonicalize().expect("data file exists");
            let _ = writeln!(
                out,
                "    ({label:?}, include_str!({:?})),",
                absolute.display().to_string()
            );
        }
        let _ = writeln!(out, "];");
    }
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("embedded_data.rs");
    std::fs::write(target, out).expect("write embedded data list");
}
