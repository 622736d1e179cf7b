//! `xaso import catalog FILE`: a catalog file (data/catalog/*.toml form) or an export of the
//! national procedure database (.json, .xlsx), checked whole, then imported as new versions of
//! what changed.

use std::path::Path;

use anyhow::Context;
use xaso_domain::catalog::{national, parse_catalog, Procedure};
use xaso_domain::datafile::DataError;
use xaso_store::audit::Actor;

use crate::config::Config;
use crate::open_store;

/// The forms a catalog comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Toml,
    NationalJson,
    NationalWorkbook,
}

impl Format {
    /// By the file's extension, else by its first bytes (a zip archive is a workbook; `{`, or `[`
    /// followed by `{`, is JSON; the rest TOML, whose tables also start with `[`).
    fn of(path: &Path, bytes: &[u8]) -> Format {
        let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase());
        match extension.as_deref() {
            Some("json") => return Format::NationalJson,
            Some("xlsx") => return Format::NationalWorkbook,
            Some("toml") => return Format::Toml,
            _ => {}
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return Format::NationalWorkbook;
        }
        let mut start = bytes
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(bytes)
            .iter()
            .filter(|b| !b.is_ascii_whitespace());
        match (start.next(), start.next()) {
            (Some(b'{'), _) | (Some(b'['), Some(b'{' | b']')) => Format::NationalJson,
            _ => Format::Toml,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Format::Toml => "tệp danh mục",
            Format::NationalJson => "tệp JSON xuất từ CSDL quốc gia về TTHC",
            Format::NationalWorkbook => "tệp XLSX xuất từ CSDL quốc gia về TTHC",
        }
    }
}

/// The file's procedures, every one checked; all its problems otherwise.
fn read(name: &str, format: Format, bytes: &[u8]) -> anyhow::Result<Vec<Procedure>> {
    let as_text = || {
        std::str::from_utf8(bytes).with_context(|| format!("tệp {name} không phải văn bản UTF-8"))
    };
    let checked: Result<Vec<Procedure>, DataError> = match format {
        Format::Toml => parse_catalog(name, as_text()?),
        Format::NationalJson => national::parse_json(name, as_text()?),
        Format::NationalWorkbook => {
            let sheet = xaso_docs::catalog::read_national_export(bytes)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            national::parse_sheet(name, &sheet)
        }
    };
    checked.map_err(|e| {
        anyhow::anyhow!(
            "tệp {name} có {} lỗi, chưa nhập thủ tục nào:\n{e}",
            e.problems.len()
        )
    })
}

pub async fn import(config: &Config, file: &Path) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let name = file.display().to_string();
    let format = Format::of(file, &bytes);
    let procedures = read(&name, format, &bytes)?;
    let (store, _) = open_store(config).await?;
    let mut tx = store.begin().await?;
    let report = xaso_store::catalog::import(
        &mut tx,
        &procedures,
        &name,
        chrono::Utc::now(),
        &Actor::system("dòng lệnh"),
    )
    .await?;
    tx.commit().await?;
    store.close().await;
    println!(
        "Đã nhập {name} ({}): {} thủ tục mới, {} thủ tục có phiên bản mới, {} không thay đổi.",
        format.describe(),
        report.added.len(),
        report.revised.len(),
        report.unchanged
    );
    for code in &report.added {
        println!("  mới: {code}");
    }
    for code in &report.revised {
        println!("  phiên bản mới: {code}");
    }
    for procedure in procedures.iter().filter(|p| !p.is_verified()) {
        println!(
            "  cần xác minh: {} ({})",
            procedure.code,
            procedure.unverified.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Format;
    use std::path::Path;

    #[test]
    fn formats_by_extension_then_content() {
        let of = |name: &str, bytes: &[u8]| Format::of(Path::new(name), bytes);
        assert_eq!(of("a.JSON", b""), Format::NationalJson);
        assert_eq!(of("a.xlsx", b""), Format::NationalWorkbook);
        assert_eq!(of("a.toml", b"{"), Format::Toml);
        assert_eq!(of("a", b"PK\x03\x04rest"), Format::NationalWorkbook);
        assert_eq!(of("a", b"\n [\n  {\"MaTTHC\": 1}]"), Format::NationalJson);
        assert_eq!(of("a", b"{\"result\": []}"), Format::NationalJson);
        assert_eq!(of("a", b"[[procedure]]\ncode = \"1.1\""), Format::Toml);
    }
}
