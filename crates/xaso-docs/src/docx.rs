//! A small Word (DOCX) writer: paragraphs and ruled tables in Times New Roman, what officials
//! finish in Word. Only WordprocessingML parts every reader understands.

use std::io::Write;

/// A paragraph's look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Normal,
    Bold,
    Title,
    Centred,
    Italic,
}

enum Block {
    Paragraph(Look, String),
    Table(Vec<Vec<String>>),
}

/// A document being built, top to bottom.
#[derive(Default)]
pub struct Docx {
    blocks: Vec<Block>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn run(text: &str, bold: bool, italic: bool, size: u32) -> String {
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:cs=\"Times New Roman\"/>{}{}<w:sz w:val=\"{size}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        if bold { "<w:b/>" } else { "" },
        if italic { "<w:i/>" } else { "" },
        escape(text)
    )
}

impl Docx {
    pub fn paragraph(&mut self, look: Look, text: &str) {
        self.blocks.push(Block::Paragraph(look, text.to_string()));
    }

    /// A table whose first row is its heading.
    pub fn table(&mut self, rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table(rows));
    }

    fn body(&self) -> String {
        let mut body = String::new();
        for block in &self.blocks {
            match block {
                Block::Paragraph(look, text) => {
                    let centred = matches!(look, Look::Title | Look::Centred);
                    let (bold, italic, size) = match look {
                        Look::Title => (true, false, 28),
                        Look::Bold => (true, false, 26),
                        Look::Italic => (false, true, 26),
                        _ => (false, false, 26),
                    };
                    body.push_str(&format!(
                        "<w:p><w:pPr>{}<w:spacing w:after=\"120\"/></w:pPr>{}</w:p>",
                        if centred {
                            "<w:jc w:val=\"center\"/>"
                        } else {
                            "<w:jc w:val=\"both\"/>"
                        },
                        run(text, bold, italic, size)
                    ));
                }
                Block::Table(rows) => {
                    body.push_str(
                        "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>",
                    );
                    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
                        body.push_str(&format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"));
                    }
                    body.push_str("</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr>");
                    // The first column holds the text; the others share what is left.
                    let columns = rows.first().map_or(1, Vec::len).max(1);
                    let total = 9354usize;
                    let first = if columns > 2 {
                        total * 2 / 5
                    } else {
                        total / columns
                    };
                    let rest = (total - first) / (columns - 1).max(1);
                    body.push_str("<w:tblGrid>");
                    for i in 0..columns {
                        body.push_str(&format!(
                            "<w:gridCol w:w=\"{}\"/>",
                            if i == 0 { first } else { rest }
                        ));
                    }
                    body.push_str("</w:tblGrid>");
                    for (i, row) in rows.iter().enumerate() {
                        body.push_str("<w:tr>");
                        for cell in row {
                            body.push_str(&format!(
                                "<w:tc><w:p>{}</w:p></w:tc>",
                                run(cell, i == 0, false, 22)
                            ));
                        }
                        body.push_str("</w:tr>");
                    }
                    body.push_str("</w:tbl><w:p/>");
                }
            }
        }
        body
    }

    /// The .docx file.
    pub fn finish(&self) -> Result<Vec<u8>, String> {
        let document = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{}<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"851\" w:bottom=\"1134\" w:left=\"1701\" w:header=\"709\" w:footer=\"709\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
            self.body()
        );
        let parts = [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string()),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".to_string()),
            ("word/document.xml", document),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in parts {
            zip.start_file(name, options)
                .map_err(|e| format!("không tạo được tệp DOCX: {e}"))?;
            zip.write_all(content.as_bytes())
                .map_err(|e| format!("không tạo được tệp DOCX: {e}"))?;
        }
        zip.finish()
            .map(|cursor| cursor.into_inner())
            .map_err(|e| format!("không tạo được tệp DOCX: {e}"))
    }
}
