//! What the fuzz targets share: the properties every importer owes its users, checked on what
//! it made of an input.

use xaso_domain::catalog::{parse_catalog, Procedure};
use xaso_domain::datafile::DataError;
use xaso_domain::plan::appendix::{from_appendix, to_toml};
use xaso_domain::plan::{parse_plan, Plan};

/// The input as text; importers read UTF-8 only (the web and command layers refuse the rest).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The workbook a fuzz input stands for: the input itself when it is a zip (`PK…`); otherwise
/// the input is the XML of the worksheets, separated by a line `====`, put in a workbook of
/// sheets named `names` (in order). The fuzzer cannot mend a zip's checksums after a mutation;
/// this way its mutations reach the sheet reader.
pub fn workbook(data: &[u8], names: &[&str]) -> Vec<u8> {
    use std::io::Write;
    if data.starts_with(b"PK") {
        return data.to_vec();
    }
    let sheets: Vec<&[u8]> = split(data, b"\n====\n");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, bytes: &[u8]| {
        zip.start_file(name, stored).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    };
    let count = sheets.len().min(names.len()).max(1);
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for i in 1..=count {
        types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        book.push_str(&format!(
            r#"<sheet name="{}" sheetId="{i}" r:id="rId{i}"/>"#,
            names[i - 1]
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#));
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    put("[Content_Types].xml", types.as_bytes());
    put("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#);
    put("xl/workbook.xml", book.as_bytes());
    put("xl/_rels/workbook.xml.rels", rels.as_bytes());
    for i in 1..=count {
        let sheet = sheets.get(i - 1).copied().unwrap_or_default();
        put(&format!("xl/worksheets/sheet{i}.xml"), sheet);
    }
    zip.finish().expect("zip").into_inner()
}

fn split<'a>(data: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(separator.len()).position(|w| w == separator) {
        parts.push(&rest[..at]);
        rest = &rest[at + separator.len()..];
    }
    parts.push(rest);
    parts
}

/// How many lines an editor shows for `source` (the line after a final newline counts: an error
/// at the end of the file is reported there).
pub fn line_count(source: &str) -> usize {
    source.split('\n').count()
}

/// Every problem names the file it was read as and a line that the file has: a person must be
/// able to go there.
pub fn assert_real_lines(name: &str, source: &str, error: &DataError) {
    assert!(!error.problems.is_empty(), "an error without a problem");
    for problem in &error.problems {
        assert!(
            problem.file == name || problem.file.starts_with(&format!("{name}#")),
            "problem names file {:?}, not {name:?}: {problem}",
            problem.file
        );
        assert!(
            (1..=line_count(source)).contains(&problem.line),
            "line {} outside 1..={}: {problem}",
            problem.line,
            line_count(source)
        );
        assert!(
            !problem.message.trim().is_empty(),
            "empty message at {problem}"
        );
    }
}

#[derive(serde::Serialize)]
struct CatalogFile<'a> {
    procedure: &'a [Procedure],
}

/// Procedures that were accepted, written as a catalog file, read back the same: what an import
/// stores is what the next start loads.
pub fn assert_catalog_round_trip(procedures: &[Procedure]) {
    let Ok(text) = toml::to_string(&CatalogFile {
        procedure: procedures,
    }) else {
        return;
    };
    match parse_catalog("round-trip.toml", &text) {
        Ok(back) => assert_eq!(back, procedures, "catalog file:\n{text}"),
        Err(e) => panic!("accepted procedures refused when read back: {e}\n{text}"),
    }
}

/// A plan that was accepted, stored as a plan file (what the database keeps) and read back, is the
/// same plan.
pub fn assert_plan_stores(plan: &Plan) {
    let text = to_toml(plan);
    match parse_plan("stored.toml", &text) {
        Ok(back) => assert_eq!(&back, plan, "stored plan file:\n{text}"),
        Err(e) => panic!("accepted plan refused when read back: {e}\n{text}"),
    }
}

/// A plan exported as a workbook and imported again has the same tasks (but their rows) and the
/// same targets. Only plans of the standard areas 1–7 can make the trip: a workbook numbers its
/// areas so.
pub fn assert_plan_exports(plan: &Plan) {
    if plan.areas.iter().any(|a| !(1..=7).contains(&a.number)) {
        return;
    }
    let Ok(bytes) = xaso_docs::report::plan_xlsx(plan) else {
        return;
    };
    let read = xaso_docs::report::read_appendix(&bytes)
        .unwrap_or_else(|e| panic!("exported plan unreadable: {e}"));
    if plan.tasks.is_empty() {
        return;
    }
    let back = from_appendix(
        "export.xlsx",
        plan.header.clone(),
        &read.tasks,
        &read.targets,
    )
    .unwrap_or_else(|e| panic!("exported plan refused when imported: {e}"));
    assert_eq!(
        back.targets, plan.targets,
        "targets changed by export/import"
    );
    assert_eq!(back.tasks.len(), plan.tasks.len());
    for (a, b) in plan.tasks.iter().zip(&back.tasks) {
        assert_eq!(
            (
                &a.number,
                a.area,
                &a.objective,
                &a.task,
                &a.activity,
                &a.output,
                &a.lead,
                &a.coordinating,
                &a.schedule,
                &a.time,
                &a.funding
            ),
            (
                &b.number,
                b.area,
                &b.objective,
                &b.task,
                &b.activity,
                &b.output,
                &b.lead,
                &b.coordinating,
                &b.schedule,
                &b.time,
                &b.funding
            ),
            "task changed by export/import"
        );
    }
}
