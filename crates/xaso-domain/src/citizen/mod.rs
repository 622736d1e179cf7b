//! Citizens: the 12-digit personal identification number (số định danh cá nhân, printed on the
//! CCCD card), checked against the province codes of `data/citizen/ma-tinh.toml` and against the
//! holder's birth year and sex. A number that cannot be a real one is refused at the boundary.

pub mod documents;

use std::fmt;

use serde::Deserialize;

use crate::datafile::{DataError, DataFile};

/// A province (as it was before 1 July 2025) where a birth is registered: the number's first
/// three digits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Province {
    pub code: String,
    pub name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvinceFile {
    #[serde(default)]
    #[allow(dead_code)] // Listed for readers of the file; nothing depends on it.
    unverified: Vec<String>,
    province: Vec<toml::Spanned<toml::Value>>,
}

/// Reads the province codes: three digits each, each code and name once.
pub fn parse_provinces(file_name: &str, source: &str) -> Result<Vec<Province>, DataError> {
    let file = DataFile::new(file_name, source);
    let raw: ProvinceFile = file.parse_toml()?;
    let mut problems = Vec::new();
    let mut provinces: Vec<Province> = Vec::new();
    for entry in raw.province {
        let span = entry.span();
        let mut province = match Province::deserialize(entry.into_inner()) {
            Ok(p) => p,
            Err(e) => {
                problems.push(file.problem_in(&span, None, &format!("mục tỉnh sai: {e}")));
                continue;
            }
        };
        province.name = crate::text::clean(&province.name);
        if province.code.len() != 3 || !province.code.bytes().all(|b| b.is_ascii_digit()) {
            problems.push(file.problem_in(
                &span,
                Some("code"),
                &format!("mã tỉnh “{}” phải gồm đúng 3 chữ số", province.code),
            ));
        } else if provinces.iter().any(|p| p.code == province.code) {
            problems.push(file.problem_in(
                &span,
                Some("code"),
                &format!("mã tỉnh {} bị lặp", province.code),
            ));
        }
        if province.name.is_empty() || provinces.iter().any(|p| p.name == province.name) {
            problems.push(file.problem_in(
                &span,
                Some("name"),
                &format!("tên tỉnh “{}” trống hoặc bị lặp", province.name),
            ));
        }
        provinces.push(province);
    }
    DataError::or_value(problems, provinces)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// A personal identification number that has the right form and a known province.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cccd(String);

/// Why a number is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CccdError {
    /// Not exactly 12 digits (after removing spaces and dots people type).
    Form,
    UnknownProvince(String),
    /// The century/sex digit and the two year digits do not give the birth year.
    BirthYear {
        encoded: i32,
        given: i32,
    },
    /// The century/sex digit says the other sex.
    Sex,
}

impl fmt::Display for CccdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CccdError::Form => write!(f, "số định danh cá nhân phải gồm đúng 12 chữ số"),
            CccdError::UnknownProvince(code) => write!(
                f,
                "số định danh cá nhân bắt đầu bằng {code}, không phải mã tỉnh nơi đăng ký khai sinh"
            ),
            CccdError::BirthYear { encoded, given } => write!(
                f,
                "số định danh cá nhân ghi năm sinh {encoded}, khác năm sinh đã khai {given}"
            ),
            CccdError::Sex => write!(f, "số định danh cá nhân ghi giới tính khác với đã khai"),
        }
    }
}

impl std::error::Error for CccdError {}

impl Cccd {
    /// Reads a number as people type it ("079 201 012 345", "079.201.012.345"): 12 digits whose
    /// first three are a province code of `provinces`.
    pub fn parse(text: &str, provinces: &[Province]) -> Result<Cccd, CccdError> {
        let digits: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
            .collect();
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CccdError::Form);
        }
        let code = &digits[..3];
        if !provinces.iter().any(|p| p.code == code) {
            return Err(CccdError::UnknownProvince(code.to_string()));
        }
        Ok(Cccd(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }

    fn digit(&self, at: usize) -> i32 {
        i32::from(self.0.as_bytes()[at] - b'0')
    }

    /// The sex the number encodes: even digits men, odd women.
    pub fn sex(&self) -> Sex {
        if self.digit(3) % 2 == 0 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The birth year the number encodes: century from the fourth digit (0–1: 1900s, 2–3: 2000s,
    /// … 8–9: 2300s), then the two year digits.
    pub fn birth_year(&self) -> i32 {
        1900 + 100 * (self.digit(3) / 2) + 10 * self.digit(4) + self.digit(5)
    }

    /// Checks the number against what its holder declared.
    pub fn check_holder(&self, birth_year: i32, sex: Option<Sex>) -> Result<(), CccdError> {
        if self.birth_year() != birth_year {
            return Err(CccdError::BirthYear {
                encoded: self.birth_year(),
                given: birth_year,
            });
        }
        match sex {
            Some(sex) if sex != self.sex() => Err(CccdError::Sex),
            _ => Ok(()),
        }
    }

    /// The number as public pages show it: the last three digits only ("*********345").
    pub fn masked(&self) -> String {
        format!("{}{}", "*".repeat(9), &self.0[9..])
    }
}

/// Everything the citizen data store is checked against: the province codes and the store's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenRules {
    pub provinces: Vec<Province>,
    pub store: documents::StoreRules,
}

impl CitizenRules {
    /// Reads `ma-tinh.toml` and `kho-du-lieu.toml` from `(name, text)` pairs (names may carry a
    /// folder); a missing file is an error naming it.
    pub fn from_files(files: &[(String, String)]) -> Result<CitizenRules, String> {
        let find = |wanted: &str| {
            files
                .iter()
                .find(|(name, _)| name.rsplit('/').next() == Some(wanted))
                .ok_or_else(|| format!("thiếu tệp dữ liệu data/citizen/{wanted}"))
        };
        let (name, text) = find("ma-tinh.toml")?;
        let provinces = parse_provinces(name, text).map_err(|e| e.to_string())?;
        let (name, text) = find("kho-du-lieu.toml")?;
        let store = documents::parse_store_rules(name, text).map_err(|e| e.to_string())?;
        Ok(CitizenRules { provinces, store })
    }

    pub fn cccd(&self, text: &str) -> Result<Cccd, CccdError> {
        Cccd::parse(text, &self.provinces)
    }
}

impl fmt::Display for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn provinces() -> Vec<Province> {
        parse_provinces(
            "ma-tinh.toml",
            include_str!("../../../../data/citizen/ma-tinh.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_shipped_codes() {
        let all = provinces();
        assert_eq!(all.len(), 63, "the 63 provinces of Thông tư 07/2016");
        let name = |code: &str| all.iter().find(|p| p.code == code).map(|p| p.name.as_str());
        assert_eq!(name("001"), Some("Hà Nội"));
        assert_eq!(name("075"), Some("Đồng Nai"));
        assert_eq!(name("070"), Some("Bình Phước"));
        assert_eq!(name("096"), Some("Cà Mau"));
    }

    #[test]
    fn numbers_as_people_type_them() {
        let all = provinces();
        let n = Cccd::parse(" 075 301 012 345 ", &all).expect("valid");
        assert_eq!(n.as_str(), "075301012345");
        assert_eq!((n.birth_year(), n.sex()), (2001, Sex::Female));
        assert_eq!(n.masked(), "*********345");
        assert_eq!(Cccd::parse("075.301.012.345", &all), Ok(n.clone()));
        assert!(n.check_holder(2001, Some(Sex::Female)).is_ok());
        assert_eq!(
            n.check_holder(1901, None),
            Err(CccdError::BirthYear {
                encoded: 2001,
                given: 1901
            })
        );
        assert_eq!(n.check_holder(2001, Some(Sex::Male)), Err(CccdError::Sex));
        let old = Cccd::parse("070085000001", &all).expect("valid");
        assert_eq!((old.birth_year(), old.sex()), (1985, Sex::Male));
        for bad in [
            "",
            "07530101234",
            "0753010123456",
            "07530101234a",
            "０７５３０１０１２３４５",
        ] {
            assert_eq!(Cccd::parse(bad, &all), Err(CccdError::Form), "{bad}");
        }
        // 003 and 097 are no province's code.
        assert_eq!(
            Cccd::parse("003301012345", &all),
            Err(CccdError::UnknownProvince("003".into()))
        );
        assert!(CccdError::UnknownProvince("003".into())
            .to_string()
            .contains("không phải mã tỉnh"));
    }

    #[test]
    fn bad_province_files_name_their_lines() {
        let source = "[[province]]\ncode = \"01\"\nname = \"A\"\n\n[[province]]\ncode = \"002\"\nname = \"B\"\n\n[[province]]\ncode = \"002\"\nname = \"B\"\n";
        let error = parse_provinces("m.toml", source).expect_err("bad");
        let text = error.to_string();
        assert!(
            text.contains("m.toml:2: mã tỉnh “01” phải gồm đúng 3 chữ số"),
            "{text}"
        );
        assert!(text.contains("m.toml:10: mã tỉnh 002 bị lặp"), "{text}");
        assert!(
            text.contains("m.toml:11: tên tỉnh “B” trống hoặc bị lặp"),
            "{text}"
        );
    }

    proptest! {
        /// Every number made from a known province, a birth year 1900–2399, a sex and six digits
        /// reads back to that year and sex; any other year is refused.
        #[test]
        fn composed_numbers_read_back(
            province in 0usize..63,
            year in 1900i32..2400,
            female in any::<bool>(),
            rest in 0u32..1_000_000,
            other in 1900i32..2400,
        ) {
            let all = provinces();
            let century = (year - 1900) / 100;
            let digit = century * 2 + i32::from(female);
            let text = format!("{}{digit}{:02}{rest:06}", all[province].code, year % 100);
            let n = Cccd::parse(&text, &all).expect("valid");
            let sex = if female { Sex::Female } else { Sex::Male };
            prop_assert_eq!((n.birth_year(), n.sex()), (year, sex));
            prop_assert!(n.check_holder(year, Some(sex)).is_ok());
            prop_assert_eq!(n.check_holder(other, None).is_ok(), other == year);
        }
    }
}
