//! Scanned pages for PDF: a JPEG goes in as it is (DCTDecode), a PNG is decoded and deflated
//! again as 8-bit grey or RGB (alpha flattened onto white paper).

/// An image ready to be a PDF image XObject.
#[derive(Debug, Clone)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// "DeviceRGB" or "DeviceGray".
    pub color_space: &'static str,
    /// "DCTDecode" (JPEG bytes) or "FlateDecode" (zlib of 8-bit samples).
    pub filter: &'static str,
    pub data: Vec<u8>,
}

/// Scans larger than this many pixels are refused (a decoded PNG takes 4 bytes a pixel): a 600 dpi
/// A4 page is about 35 million.
const MAX_PIXELS: u64 = 40_000_000;

fn checked(width: u32, height: u32) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err("ảnh không có kích thước".into());
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("ảnh {width}×{height} điểm quá lớn"));
    }
    Ok(())
}

/// Reads a JPEG or PNG scan; anything else is an error saying what is wrong.
pub fn read(bytes: &[u8]) -> Result<Image, String> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else {
        Err("không phải ảnh JPEG hoặc PNG".into())
    }
}

/// Finds the frame header (SOFn) for the size and the number of components.
fn jpeg(bytes: &[u8]) -> Result<Image, String> {
    let mut at = 2;
    loop {
        let marker = bytes.get(at..at + 4).ok_or("ảnh JPEG bị cắt cụt")?;
        if marker[0] != 0xFF {
            return Err("ảnh JPEG hỏng".into());
        }
        let kind = marker[1];
        if kind == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let length = usize::from(u16::from_be_bytes([marker[2], marker[3]]));
        let is_frame = matches!(kind, 0xC0..=0xCF) && !matches!(kind, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let frame = bytes
                .get(at + 4..at + 2 + length)
                .ok_or("ảnh JPEG bị cắt cụt")?;
            if frame.len() < 6 {
                return Err("ảnh JPEG hỏng".into());
            }
            if frame[0] != 8 {
                return Err("ảnh JPEG không phải 8 bit".into());
            }
            let height = u32::from(u16::from_be_bytes([frame[1], frame[2]]));
            let width = u32::from(u16::from_be_bytes([frame[3], frame[4]]));
            let color_space = match frame[5] {
                1 => "DeviceGray",
                3 => "DeviceRGB",
                n => {
                    return Err(format!(
                    "ảnh JPEG {n} kênh màu (CMYK) chưa hỗ trợ: hãy quét ở chế độ màu RGB hoặc xám"
                ))
                }
            };
            checked(width, height)?;
            return Ok(Image {
                width,
                height,
                color_space,
                filter: "DCTDecode",
                data: bytes.to_vec(),
            });
        }
        if kind == 0xD9 || kind == 0xDA || length < 2 {
            return Err("ảnh JPEG không có khung ảnh".into());
        }
        at += 2 + length;
    }
}

fn png(bytes: &[u8]) -> Result<Image, String> {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let header = decoder
        .read_header_info()
        .map_err(|e| format!("ảnh PNG hỏng: {e}"))?;
    checked(header.width, header.height)?;
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("ảnh PNG hỏng: {e}"))?;
    let mut buffer = vec![0; reader.output_buffer_size()];
    let frame = reader
        .next_frame(&mut buffer)
        .map_err(|e| format!("ảnh PNG hỏng: {e}"))?;
    let samples = &buffer[..frame.buffer_size()];
    // Transparent parts become white paper.
    let over_white = |value: u8, alpha: u8| {
        let (v, a) = (u16::from(value), u16::from(alpha));
        ((v * a + 255 * (255 - a)) / 255) as u8
    };
    let (color_space, pixels): (&str, Vec<u8>) = match frame.color_type {
        png::ColorType::Grayscale => ("DeviceGray", samples.to_vec()),
        png::ColorType::GrayscaleAlpha => (
            "DeviceGray",
            samples.chunks(2).map(|p| over_white(p[0], p[1])).collect(),
        ),
        png::ColorType::Rgb => ("DeviceRGB", samples.to_vec()),
        png::ColorType::Rgba => (
            "DeviceRGB",
            samples
                .chunks(4)
                .flat_map(|p| {
                    [
                        over_white(p[0], p[3]),
                        over_white(p[1], p[3]),
                        over_white(p[2], p[3]),
                    ]
                })
                .collect(),
        ),
        png::ColorType::Indexed => return Err("ảnh PNG bảng màu không giải được".into()),
    };
    Ok(Image {
        width: frame.width,
        height: frame.height,
        color_space,
        filter: "FlateDecode",
        data: miniz_oxide::deflate::compress_to_vec_zlib(&pixels, 6),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 PNG with alpha, made with the png crate.
    fn sample_png(color: png::ColorType, samples: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 3, 2);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(samples).expect("data");
        drop(writer);
        out
    }

    #[test]
    fn png_transparency_becomes_white_paper() {
        let rgba: Vec<u8> = [[255, 0, 0, 255], [0, 0, 0, 0], [0, 0, 255, 128]]
            .repeat(2)
            .concat();
        let image = read(&sample_png(png::ColorType::Rgba, &rgba)).expect("png");
        assert_eq!(
            (image.width, image.height, image.color_space),
            (3, 2, "DeviceRGB")
        );
        let pixels = miniz_oxide::inflate::decompress_to_vec_zlib(&image.data).expect("zlib");
        assert_eq!(&pixels[..9], &[255, 0, 0, 255, 255, 255, 127, 127, 255]);
        let grey = read(&sample_png(
            png::ColorType::Grayscale,
            &[0, 50, 100, 150, 200, 250],
        ))
        .expect("png");
        assert_eq!(grey.color_space, "DeviceGray");
    }

    #[test]
    fn jpeg_size_comes_from_its_frame_header() {
        // SOI, an APP0 segment, SOF0 for 640×480 RGB, then EOI: enough for the header reader.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend([0xFF, 0xC0, 0x00, 0x11, 8, 0x01, 0xE0, 0x02, 0x80, 3]);
        jpeg.extend([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        jpeg.extend([0xFF, 0xD9]);
        let image = read(&jpeg).expect("jpeg");
        assert_eq!(
            (image.width, image.height, image.color_space, image.filter),
            (640, 480, "DeviceRGB", "DCTDecode")
        );
        assert!(read(&jpeg[..12]).is_err());
        assert!(read(b"%PDF-1.7").is_err());
        assert!(read(b"\x89PNG\r\n\x1a\nbroken").is_err());
    }
}
