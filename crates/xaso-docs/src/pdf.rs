//! A small PDF writer: pages of text, lines and filled rectangles, in an embedded TrueType font
//! (Type 0 / CIDFontType2, Identity-H, with a ToUnicode map so that the text copies and searches
//! as Vietnamese, not as glyph numbers).

use std::collections::BTreeMap;
use std::fmt::Write;

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;
/// A5 portrait, in points.
pub const A5: (f32, f32) = (148.0 * MM, 210.0 * MM);
/// A4 portrait, in points.
pub const A4: (f32, f32) = (210.0 * MM, 297.0 * MM);

static REGULAR: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/LiberationSerif-Bold.ttf");

/// An embedded font deflated once per process: every PDF carries the fonts whole, and deflating
/// their 760 KB again for each receipt and result was most of the time it took to make one.
fn deflated(data: &'static [u8]) -> &'static [u8] {
    static DEFLATED: std::sync::OnceLock<[Vec<u8>; 2]> = std::sync::OnceLock::new();
    let [regular, bold] = DEFLATED.get_or_init(|| {
        [REGULAR, BOLD].map(|font| miniz_oxide::deflate::compress_to_vec_zlib(font, 6))
    });
    if std::ptr::eq(data, BOLD) {
        bold
    } else {
        regular
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Style {
    Regular,
    Bold,
}

struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    base_name: &'static str,
    /// Glyphs used, with the text each stands for (for ToUnicode) and its advance.
    used: BTreeMap<u16, (char, u16)>,
}

impl Font {
    fn load(data: &'static [u8], base_name: &'static str) -> Font {
        let face =
            ttf_parser::Face::parse(data, 0).expect("the embedded font is a valid TrueType file");
        Font {
            data,
            face,
            base_name,
            used: BTreeMap::new(),
        }
    }

    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    fn glyph(&self, c: char) -> u16 {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .map_or(0, |g| g.0)
    }

    fn advance(&self, glyph: u16) -> u16 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| f32::from(self.advance(self.glyph(c))))
            .sum::<f32>()
            * size
            / self.units()
    }

    /// Hex glyph string for `Tj`, remembering the glyphs used.
    fn encode(&mut self, text: &str) -> String {
        let mut hex = String::with_capacity(text.len() * 4);
        for c in text.chars() {
            let glyph = self.glyph(c);
            let advance = self.advance(glyph);
            self.used.entry(glyph).or_insert((c, advance));
            let _ = write!(hex, "{glyph:04X}");
        }
        hex
    }
}

/// A signature to come: who signs, why, when, and how many bytes to reserve for it.
pub struct SignatureSlot {
    pub signer: String,
    pub reason: String,
    pub time: chrono::DateTime<chrono::Utc>,
    pub reserve: usize,
}

/// Where the reserved signature is in the file: `<…>` of `/Contents` spans
/// `contents_start..contents_end` (both angle brackets included); `/ByteRange` starts at
/// `byte_range_at`.
pub struct Placeholder {
    pub contents_start: usize,
    pub contents_end: usize,
    pub byte_range_at: usize,
}

/// Written first, overwritten with the real ranges (same length).
pub const BYTE_RANGE_BLANK: &str = "[0 0000000000 0000000000 0000000000]";

/// One page being drawn; y grows upwards from the bottom, as in PDF.
pub struct Page {
    pub width: f32,
    pub height: f32,
    content: String,
    /// The images drawn on the page (indexes into `Document::images`).
    images: Vec<usize>,
}

/// A document being built.
pub struct Document {
    fonts: [Font; 2],
    pages: Vec<Page>,
    images: Vec<crate::image::Image>,
    title: String,
}

fn font_index(style: Style) -> usize {
    match style {
        Style::Regular => 0,
        Style::Bold => 1,
    }
}

/// A text string as UTF-16BE hex with its byte-order mark, for metadata that is not ASCII.
fn utf16_hex(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

impl Document {
    pub fn new(title: &str) -> Document {
        Document {
            fonts: [
                Font::load(REGULAR, "LiberationSerif"),
                Font::load(BOLD, "LiberationSerif-Bold"),
            ],
            pages: Vec::new(),
            images: Vec::new(),
            title: title.to_string(),
        }
    }

    pub fn add_page(&mut self, size: (f32, f32)) -> usize {
        self.pages.push(Page {
            width: size.0,
            height: size.1,
            content: String::new(),
            images: Vec::new(),
        });
        self.pages.len() - 1
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Moves the first `count` pages to the end (a statement written first but bound last).
    pub fn move_first_pages_last(&mut self, count: usize) {
        let count = count.min(self.pages.len());
        self.pages.rotate_left(count);
    }

    /// Adds an image to the document; draw it with `image`.
    pub fn add_image(&mut self, image: crate::image::Image) -> usize {
        self.images.push(image);
        self.images.len() - 1
    }

    /// Draws image `index` in the box (x, y, w, h), y from the bottom.
    pub fn image(&mut self, page: usize, index: usize, x: f32, y: f32, w: f32, h: f32) {
        if let Some(page) = self.pages.get_mut(page) {
            if !page.images.contains(&index) {
                page.images.push(index);
            }
            let _ = writeln!(
                page.content,
                "q {w:.3} 0 0 {h:.3} {x:.3} {y:.3} cm /Im{index} Do Q"
            );
        }
    }

    /// The size of image `index` in pixels.
    pub fn image_size(&self, index: usize) -> (u32, u32) {
        self.images
            .get(index)
            .map_or((1, 1), |i| (i.width, i.height))
    }

    pub fn page_size(&self, page: usize) -> (f32, f32) {
        self.pages.get(page).map_or(A5, |p| (p.width, p.height))
    }

    pub fn width(&self, text: &str, size: f32, style: Style) -> f32 {
        self.fonts[font_index(style)].width(text, size)
    }

    /// Text with its baseline starting at (x, y).
    pub fn text(&mut self, page: usize, x: f32, y: f32, size: f32, style: Style, text: &str) {
        let index = font_index(style);
        let hex = self.fonts[index].encode(text);
        if let Some(page) = self.pages.get_mut(page) {
            let _ = writeln!(
                page.content,
                "BT /F{} {size:.2} Tf {x:.2} {y:.2} Td <{hex}> Tj ET",
                index + 1
            );
        }
    }

    /// Text centred on `centre`.
    pub fn text_centred(
        &mut self,
        page: usize,
        centre: f32,
        y: f32,
        size: f32,
        style: Style,
        text: &str,
    ) {
        let width = self.width(text, size, style);
        self.text(page, centre - width / 2.0, y, size, style, text);
    }

    /// Breaks text into lines no wider than `max_width`, at spaces (a word longer than the line
    /// is split where it must).
    pub fn wrap(&self, text: &str, size: f32, style: Style, max_width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size, style) <= max_width
                || line.is_empty() && self.width(word, size, style) <= max_width
            {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.width(&piece, size, style) > max_width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    pub fn line(&mut self, page: usize, from: (f32, f32), to: (f32, f32), width: f32) {
        if let Some(page) = self.pages.get_mut(page) {
            let _ = writeln!(
                page.content,
                "{width:.2} w {:.2} {:.2} m {:.2} {:.2} l S",
                from.0, from.1, to.0, to.1
            );
        }
    }

    pub fn fill_rect(&mut self, page: usize, x: f32, y: f32, w: f32, h: f32) {
        if let Some(page) = self.pages.get_mut(page) {
            let _ = writeln!(page.content, "{x:.3} {y:.3} {w:.3} {h:.3} re f");
        }
    }

    /// A QR code of `text` with its top-left corner at (x, top), `size` points wide.
    pub fn qr(&mut self, page: usize, x: f32, top: f32, size: f32, text: &str) {
        let Some(symbol) = crate::qr::Symbol::encode(text) else {
            return;
        };
        let cell = size / symbol.width as f32;
        for (i, dark) in symbol.dark.iter().enumerate() {
            if *dark {
                let (col, row) = (i % symbol.width, i / symbol.width);
                self.fill_rect(
                    page,
                    x + col as f32 * cell,
                    top - (row + 1) as f32 * cell,
                    cell,
                    cell,
                );
            }
        }
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        self.finish_with(None).0
    }

    /// The finished file, with an empty signature of `slot.reserve` bytes when asked: the
    /// signature dictionary (PAdES, `ETSI.CAdES.detached`), its field on the first page and the
    /// form that holds it. Returns where `/ByteRange` and `/Contents` are, for `sign` to fill.
    pub fn finish_with(self, slot: Option<&SignatureSlot>) -> (Vec<u8>, Option<Placeholder>) {
        let mut out: Vec<u8> = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets: Vec<usize> = Vec::new();
        let mut objects: Vec<Vec<u8>> = Vec::new();
        // Object numbers: 1 catalog, 2 pages, 3 info, then 5 per font, then 2 per page.
        let font_base = 4;
        let page_base = font_base + 5 * self.fonts.len();
        let signature_base = page_base + 2 * self.pages.len();
        let image_base = signature_base + if slot.is_some() { 2 } else { 0 };
        objects.push(match slot {
            Some(_) => format!(
                "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{} 0 R] /SigFlags 3 >> >>",
                signature_base + 1
            )
            .into_bytes(),
            None => b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        });
        let kids: Vec<String> = (0..self.pages.len())
            .map(|i| format!("{} 0 R", page_base + 2 * i))
            .collect();
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                self.pages.len()
            )
            .into_bytes(),
        );
        objects.push(
            format!(
                "<< /Title {} /Producer (xaso) /Creator (xaso) >>",
                utf16_hex(&self.title)
            )
            .into_bytes(),
        );
        for (i, font) in self.fonts.iter().enumerate() {
            let n = font_base + 5 * i;
            let scale = 1000.0 / font.units();
            let widths: Vec<String> = font
                .used
                .iter()
                .map(|(glyph, (_, advance))| {
                    format!("{glyph} [{}]", (f32::from(*advance) * scale).round() as i64)
                })
                .collect();
            let bbox = font.face.global_bounding_box();
            let fix = |v: i16| (f32::from(v) * scale).round() as i64;
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /{} /Encoding /Identity-H /DescendantFonts [{} 0 R] /ToUnicode {} 0 R >>",
                    font.base_name,
                    n + 1,
                    n + 4
                )
                .into_bytes(),
            );
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R /CIDToGIDMap /Identity /DW 500 /W [{}] >>",
                    font.base_name,
                    n + 2,
                    widths.join(" ")
                )
                .into_bytes(),
            );
            objects.push(
                format!(
                    "<< /Type /FontDescriptor /FontName /{} /Flags 34 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {} 0 R >>",
                    font.base_name,
                    fix(bbox.x_min),
                    fix(bbox.y_min),
                    fix(bbox.x_max),
                    fix(bbox.y_max),
                    fix(font.face.ascender()),
                    fix(font.face.descender()),
                    fix(font.face.capital_height().unwrap_or(font.face.ascender())),
                    n + 3
                )
                .into_bytes(),
            );
            let compressed = deflated(font.data);
            let mut stream = format!(
                "<< /Length {} /Length1 {} /Filter /FlateDecode >>\nstream\n",
                compressed.len(),
                font.data.len()
            )
            .into_bytes();
            stream.extend_from_slice(compressed);
            stream.extend_from_slice(b"\nendstream");
            objects.push(stream);
            let mut cmap = String::from(
                "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
            );
            let entries: Vec<(&u16, &(char, u16))> = font.used.iter().collect();
            for chunk in entries.chunks(100) {
                let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
                for (glyph, (c, _)) in chunk {
                    let mut units = String::new();
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        let _ = write!(units, "{unit:04X}");
                    }
                    let _ = writeln!(cmap, "<{glyph:04X}> <{units}>");
                }
                cmap.push_str("endbfchar\n");
            }
            cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend");
            objects.push(
                format!("<< /Length {} >>\nstream\n{cmap}\nendstream", cmap.len()).into_bytes(),
            );
        }
        for (i, page) in self.pages.iter().enumerate() {
            let n = page_base + 2 * i;
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources << /Font << /F1 {} 0 R /F2 {} 0 R >>{} >> /Contents {} 0 R{} >>",
                    page.width,
                    page.height,
                    font_base,
                    font_base + 5,
                    if page.images.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<String> = page
                            .images
                            .iter()
                            .map(|k| format!("/Im{k} {} 0 R", image_base + k))
                            .collect();
                        format!(" /XObject << {} >>", names.join(" "))
                    },
                    n + 1,
                    if slot.is_some() && i == 0 { format!(" /Annots [{} 0 R]", signature_base + 1) } else { String::new() }
                )
                .into_bytes(),
            );
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(page.content.as_bytes(), 6);
            let mut stream = format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                compressed.len()
            )
            .into_bytes();
            stream.extend_from_slice(&compressed);
            stream.extend_from_slice(b"\nendstream");
            objects.push(stream);
        }
        let mut contents_at = None;
        if let Some(slot) = slot {
            let head = format!(
                "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange {BYTE_RANGE_BLANK} /M (D:{}Z) /Name {} /Reason {} /Contents <",
                slot.time.format("%Y%m%d%H%M%S"),
                utf16_hex(&slot.signer),
                utf16_hex(&slot.reason)
            );
            contents_at = Some(head.len());
            let mut object = head.into_bytes();
            object.extend(std::iter::repeat_n(b'0', slot.reserve * 2));
            object.extend_from_slice(b"> >>");
            objects.push(object);
            objects.push(
                format!(
                    "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V {} 0 R /F 132 /Rect [0 0 0 0] /P {} 0 R >>",
                    signature_base,
                    page_base
                )
                .into_bytes(),
            );
        }
        for image in &self.images {
            let mut stream = format!(
                "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /{} /BitsPerComponent 8 /Filter /{} /Length {} >>\nstream\n",
                image.width,
                image.height,
                image.color_space,
                image.filter,
                image.data.len()
            )
            .into_bytes();
            stream.extend_from_slice(&image.data);
            stream.extend_from_slice(b"\nendstream");
            objects.push(stream);
        }
        let mut placeholder = None;
        for (i, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            if i + 1 == signature_base {
                if let (Some(slot), Some(at)) = (slot, contents_at) {
                    let header = format!("{} 0 obj\n", i + 1).len();
                    let start = out.len() + header + at - 1;
                    let byte_range_at = out.len()
                        + header
                        + object
                            .windows(BYTE_RANGE_BLANK.len())
                            .position(|w| w == BYTE_RANGE_BLANK.as_bytes())
                            .unwrap_or(0);
                    placeholder = Some(Placeholder {
                        contents_start: start,
                        contents_end: start + 2 + slot.reserve * 2,
                        byte_range_at,
                    });
                }
            }
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(object);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(table, "{offset:010} 00000 n ");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(table.as_bytes());
        (out, placeholder)
    }
}
