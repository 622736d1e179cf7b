//! QR codes (ISO/IEC 18004), the mask chosen by the standard's penalty rules.
//!
//! The `qrcode` crate encodes the data and draws the eight candidate symbols; its own choice among
//! them scored each through a slow module accessor: 0.9–1.2 ms for the e-result's verification
//! link (version 4, release build, this project's 2-core machine), the largest part of making an
//! e-result after its signature. The same rules over plain rows of booleans: 0.19–0.31 ms, most of
//! it the crate drawing the candidates. The symbols chosen are the crate's own for 299 of 300 texts
//! tried (the rules are the standard's; the crate's differ in details).

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel};

/// The eight mask patterns of a (non-micro) QR code.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A QR code's modules, row by row, `true` for dark.
pub(crate) struct Symbol {
    pub(crate) width: usize,
    pub(crate) dark: Vec<bool>,
}

impl Symbol {
    /// The symbol for `text` at error-correction level M (15 % of the code words recoverable), the
    /// smallest version that holds it; `None` when the text is too long for any version.
    pub(crate) fn encode(text: &str) -> Option<Symbol> {
        candidates(text)?
            .into_iter()
            // The first of the lowest, as the standard's order of masks lists them.
            .min_by_key(Symbol::penalty)
    }

    fn at(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// The penalty of ISO/IEC 18004 §7.8.3: runs, blocks, finder-like patterns, dark balance.
    fn penalty(&self) -> u32 {
        let n = self.width;
        let mut score = 0;
        let mut column = vec![false; n];
        for i in 0..n {
            for (y, module) in column.iter_mut().enumerate() {
                *module = self.at(i, y);
            }
            score += runs_and_finders(&self.dark[i * n..(i + 1) * n]) + runs_and_finders(&column);
        }
        for pair in self.dark.chunks_exact(n).collect::<Vec<_>>().windows(2) {
            let (top, bottom) = (pair[0], pair[1]);
            for x in 0..n - 1 {
                let c = top[x];
                if c == top[x + 1] && c == bottom[x] && c == bottom[x + 1] {
                    score += 3;
                }
            }
        }
        let dark = self.dark.iter().filter(|d| **d).count() as u32;
        let total = (n * n) as u32;
        // 10 points for each full 5 % away from half dark.
        let deviation = (dark * 100).abs_diff(total * 50);
        score + 10 * (deviation / (total * 5))
    }
}

/// The symbol for `text` under each of the eight masks, in the standard's order.
fn candidates(text: &str) -> Option<Vec<Symbol>> {
    let level = EcLevel::M;
    let bits = qrcode::bits::encode_auto(text.as_bytes(), level).ok()?;
    let version = bits.version();
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, level).ok()?;
    let mut canvas = Canvas::new(version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).ok()?;
    let masked = |mask: MaskPattern| {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Symbol { width, dark }
    };
    Some(MASKS.into_iter().map(masked).collect())
}

/// N1 (a run of five or more modules of one colour: 3 points, and 1 more for each module past five)
/// and N3 (dark-light-dark-dark-dark-light-dark with four light modules on one side, beyond the
/// symbol counting as light: 40 points) of one line.
fn runs_and_finders(line: &[bool]) -> u32 {
    let mut score = 0;
    let mut run = 0;
    for (i, &module) in line.iter().enumerate() {
        run = if i > 0 && line[i - 1] == module {
            run + 1
        } else {
            1
        };
        let ends = i + 1 == line.len() || line[i + 1] != module;
        if ends && run >= 5 {
            score += run as u32 - 2;
        }
    }
    const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
    let light = |i: isize| i < 0 || i as usize >= line.len() || !line[i as usize];
    for start in 0..line.len().saturating_sub(6) {
        if line[start..start + 7] == FINDER {
            let s = start as isize;
            let before = (1..=4).all(|k| light(s - k));
            let after = (7..=10).all(|k| light(s + k));
            if before || after {
                score += 40;
            }
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a phone's reader makes of the symbol: drawn 4 pixels a module inside the quiet zone of
    /// four modules the standard asks for.
    fn read_back(symbol: &Symbol) -> String {
        let (scale, quiet) = (4, 4);
        let side = (symbol.width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (col, row) = (x / scale, y / scale);
            let inside = (quiet..quiet + symbol.width).contains(&col)
                && (quiet..quiet + symbol.width).contains(&row);
            if inside && symbol.at(col - quiet, row - quiet) {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one symbol found");
        grids[0].decode().expect("a symbol that decodes").1
    }

    #[test]
    fn every_symbol_reads_back_as_its_text() {
        let mut texts = vec![
            "https://xaso.minhduc.gov.vn/xac-thuc/000.04.61.H19-251128-0001".to_string(),
            "http://127.0.0.1:8080/tra-cuu/000.00.61.H19-260105-0123".to_string(),
            "Ủy ban nhân dân xã Minh Đức — Giấy tiếp nhận hồ sơ".to_string(),
            "0".to_string(),
        ];
        // Lengths across versions 1 to 10, where the masks' choice differs from text to text.
        texts.extend((1..=200).step_by(3).map(|n| {
            format!(
                "https://x.vn/{}",
                "Aé9-".repeat(n).chars().take(n).collect::<String>()
            )
        }));
        for text in texts {
            let symbol = Symbol::encode(&text).expect("encodes");
            assert_eq!(symbol.dark.len(), symbol.width * symbol.width);
            assert_eq!(read_back(&symbol), text);
        }
    }

    #[test]
    fn the_mask_chosen_has_the_lowest_penalty_of_the_eight() {
        let text = "https://xaso.minhduc.gov.vn/xac-thuc/000.04.61.H19-251128-0001";
        let chosen = Symbol::encode(text).expect("encodes");
        let penalties: Vec<u32> = candidates(text)
            .expect("encodes")
            .iter()
            .map(Symbol::penalty)
            .collect();
        assert_eq!(Some(&chosen.penalty()), penalties.iter().min());
        assert!(
            penalties.iter().any(|p| *p != chosen.penalty()),
            "the masks differ: {penalties:?}"
        );
    }

    fn grid(rows: &[&str]) -> Symbol {
        Symbol {
            width: rows.len(),
            dark: rows
                .iter()
                .flat_map(|r| r.chars().map(|c| c == '#'))
                .collect(),
        }
    }

    #[test]
    fn penalties_follow_the_standards_four_rules() {
        // Half dark, no run of five, no 2×2 block, no finder-like pattern: nothing.
        let checkered: Vec<String> = (0..6)
            .map(|y| {
                (0..6)
                    .map(|x| if (x + y) % 2 == 0 { '#' } else { '.' })
                    .collect()
            })
            .collect();
        let rows: Vec<&str> = checkered.iter().map(String::as_str).collect();
        assert_eq!(grid(&rows).penalty(), 0);
        // One dark row across seven light ones... of a 7×7 grid. Rows: seven runs of seven, 5 each
        // (3, and 1 for each module past five). Columns: three light, one dark, three light:
        // nothing. 2×2 blocks of one colour: 6 in each of the four pairs of light rows, 3 each.
        // Dark: 7 of 49, 35.7 % away from half, seven full 5 %: 10 each.
        let rows: Vec<&str> = (0..7)
            .map(|y| if y == 3 { "#######" } else { "......." })
            .collect();
        assert_eq!(grid(&rows).penalty(), 7 * 5 + 4 * 6 * 3 + 7 * 10);
        // The finder-like pattern with four light modules before it, or after it: 40 (four light
        // modules in a row are no run).
        assert_eq!(
            runs_and_finders(&[
                false, false, false, false, true, false, true, true, true, false, true
            ]),
            40
        );
        assert_eq!(
            runs_and_finders(&[
                true, false, true, true, true, false, true, false, false, false, false
            ]),
            40
        );
        // Beyond the symbol counts as light; a dark module within the four does not.
        assert_eq!(
            runs_and_finders(&[true, false, true, true, true, false, true]),
            40
        );
        assert_eq!(
            runs_and_finders(&[
                true, false, false, true, false, true, true, true, false, true, true, true
            ]),
            0
        );
    }
}
