//! Plausible Vietnamese people and places: names with the family names' real frequencies,
//! personal identification numbers of the TT 07/2016 form (province of birth registration,
//! century and sex, year of birth), mobile numbers of the national numbering plan, addresses of
//! an ấp or khu phố, and the names of the communes added to the demo province.

use std::sync::OnceLock;

use super::random::{Random, Weights};

/// Names of communes and wards for the demo province (Đồng Nai and the former Bình Phước after
/// 1/7/2025, written as the official lists write them), in the order they are used. Not a
/// statement of which unit exists: the demo needs plausible, unique names.
pub const COMMUNE_NAMES: &[&str] = &[
    "Xã Tân Hòa",
    "Phường Phú Lợi",
    "Phường Đồng Xoài",
    "Phường Bình Phước",
    "Phường Phước Bình",
    "Phường Phước Long",
    "Phường Chơn Thành",
    "Phường Minh Hưng",
    "Phường An Lộc",
    "Phường Biên Hòa",
    "Phường Trấn Biên",
    "Phường Tam Hiệp",
    "Phường Long Bình",
    "Phường Trảng Dài",
    "Phường Hố Nai",
    "Phường Long Hưng",
    "Phường Bình Lộc",
    "Phường Bảo Vinh",
    "Phường Xuân Lập",
    "Phường Long Khánh",
    "Phường Hàng Gòn",
    "Phường Tân Triều",
    "Phường Phước Tân",
    "Phường Tam Phước",
    "Xã Đại Phước",
    "Xã Nhơn Trạch",
    "Xã Phước An",
    "Xã Phước Thái",
    "Xã Long Phước",
    "Xã Bình An",
    "Xã Long Thành",
    "Xã An Phước",
    "Xã An Viễn",
    "Xã Bình Minh",
    "Xã Trảng Bom",
    "Xã Bàu Hàm",
    "Xã Hưng Thịnh",
    "Xã Dầu Giây",
    "Xã Gia Kiệm",
    "Xã Thống Nhất",
    "Xã Xuân Đường",
    "Xã Xuân Đông",
    "Xã Xuân Định",
    "Xã Xuân Phú",
    "Xã Xuân Lộc",
    "Xã Xuân Hòa",
    "Xã Xuân Thành",
    "Xã Xuân Bắc",
    "Xã La Ngà",
    "Xã Định Quán",
    "Xã Phú Vinh",
    "Xã Phú Hòa",
    "Xã Tà Lài",
    "Xã Nam Cát Tiên",
    "Xã Tân Phú",
    "Xã Phú Lâm",
    "Xã Trị An",
    "Xã Tân An",
    "Xã Phú Lý",
    "Xã Vĩnh An",
    "Xã Nha Bích",
    "Xã Tân Quan",
    "Xã Tân Hưng",
    "Xã Lộc Ninh",
    "Xã Lộc Thành",
    "Xã Lộc Quang",
    "Xã Lộc Tấn",
    "Xã Lộc Thạnh",
    "Xã Lộc Hưng",
    "Xã Bù Đăng",
    "Xã Thọ Sơn",
    "Xã Đăk Nhau",
    "Xã Bom Bo",
    "Xã Phú Nghĩa",
    "Xã Đa Kia",
    "Xã Bình Tân",
    "Xã Long Hà",
    "Xã Phú Riềng",
    "Xã Nghĩa Trung",
    "Xã Đồng Phú",
    "Xã Thuận Lợi",
    "Xã Đồng Tâm",
    "Xã Tân Lợi",
    "Xã Tân Tiến",
    "Xã Thiện Hưng",
    "Xã Hưng Phước",
    "Xã Bù Gia Mập",
    "Xã Đăk Ơ",
    "Xã Phước Sơn",
    "Xã Thanh Sơn",
    "Xã Cẩm Mỹ",
    "Xã Sông Ray",
    "Xã Xuân Quế",
    "Xã Sông Trầu",
    "Xã Tân Lập",
    "Xã Tân Thành",
    "Xã Lộc An",
    "Xã Thanh Lương",
    "Xã Phước Thiện",
    "Xã Long Tân",
    "Xã Phú Trung",
    "Xã Bàu Cạn",
    "Xã Suối Nho",
    "Xã Túc Trưng",
];

/// The commune numbers (Y1Y2 of the agency code) in the order new communes take them: the high
/// numbers first, as the demo agencies do (61–63), to keep clear of the low numbers usually
/// given to the province's departments; then downwards. Two digits allow 99 in all.
pub fn commune_numbers() -> impl Iterator<Item = u32> {
    (64..=99).chain((1..=60).rev())
}

/// A commune or a ward, and its name without the kind ("Tân Hòa").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub ward: bool,
    pub name: &'a str,
}

impl<'a> Place<'a> {
    /// Reads "Xã Tân Hòa" or "Phường Phú Lợi".
    pub fn parse(text: &'a str) -> Option<Place<'a>> {
        if let Some(name) = text.strip_prefix("Xã ") {
            Some(Place { ward: false, name })
        } else {
            text.strip_prefix("Phường ")
                .map(|name| Place { ward: true, name })
        }
    }

    /// "xã Tân Hòa", as it is written inside a sentence or an agency's name.
    pub fn lower(&self) -> String {
        format!("{} {}", if self.ward { "phường" } else { "xã" }, self.name)
    }
}

/// Family names with their approximate shares of the population (per cent).
const FAMILY: &[(&str, f64)] = &[
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 3.0),
    ("Huỳnh", 2.5),
    ("Phan", 4.5),
    ("Vũ", 2.0),
    ("Võ", 2.5),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.6),
    ("Trương", 0.6),
    ("Lâm", 0.4),
    ("Mai", 0.4),
    ("Tô", 0.3),
    ("Châu", 0.3),
];

const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Hoàng", "Ngọc", "Tấn",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích", "Phương", "Thùy", "Hồng",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy",
    "Khang", "Khoa", "Kiên", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phát", "Phong", "Phúc",
    "Quang", "Quân", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn",
    "Việt", "Vinh",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh",
    "Châu",
    "Chi",
    "Dung",
    "Diệp",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huệ",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Tâm",
    "Thảo",
    "Thu",
    "Thủy",
    "Trang",
    "Trinh",
    "Tuyết",
    "Vân",
    "Yến",
];

/// Where people of a Đồng Nai commune registered their birth: mostly Đồng Nai (075) and the
/// former Bình Phước (070), then the provinces people most often moved from (TT 07/2016 codes,
/// all in `data/citizen/ma-tinh.toml`).
const BIRTH_PROVINCES: &[(&str, f64)] = &[
    ("075", 62.0),
    ("070", 18.0),
    ("079", 4.0),
    ("038", 2.5),
    ("040", 2.5),
    ("042", 1.5),
    ("036", 1.5),
    ("034", 1.0),
    ("052", 1.5),
    ("051", 1.0),
    ("060", 1.0),
    ("074", 1.5),
    ("072", 1.0),
    ("077", 1.0),
];

/// Mobile prefixes of the national numbering plan (Viettel, VinaPhone, MobiFone), ten digits.
const MOBILE: &[&str] = &[
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "091",
    "094", "088", "081", "082", "083", "084", "085", "090", "093", "089", "070", "076", "077",
    "078", "079",
];

/// One person: who submits a dossier, or an officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub female: bool,
    pub birth_year: i32,
    /// 12 digits: province, century and sex, year of birth, six more.
    pub id_number: String,
    pub phone: String,
    /// Some people give an e-mail address.
    pub email: Option<String>,
}

/// Salt of the people's streams: a person depends on their commune and number only, not on the
/// run's seed, so that the citizen accounts of a re-run are the same people.
const PEOPLE: u64 = 0x0000_7065_6f70_6c65; // "people"

fn weighted<'a>(
    random: &mut Random,
    table: &[(&'a str, f64)],
    cache: &'static OnceLock<Weights>,
) -> &'a str {
    let weights =
        cache.get_or_init(|| Weights::new(&table.iter().map(|(_, w)| *w).collect::<Vec<_>>()));
    table.get(weights.draw(random)).map_or("", |(name, _)| name)
}

static FAMILY_WEIGHTS: OnceLock<Weights> = OnceLock::new();
static PROVINCE_WEIGHTS: OnceLock<Weights> = OnceLock::new();

fn one<'a>(random: &mut Random, items: &[&'a str]) -> &'a str {
    random.pick(items).copied().unwrap_or_default()
}

/// Person `index` of the commune numbered `commune` (born between 1950 and 2007).
pub fn person(commune: u32, index: u32) -> Person {
    let mut random = Random::derive(PEOPLE, &[u64::from(commune), u64::from(index)]);
    let female = random.chance(0.52);
    let family = weighted(&mut random, FAMILY, &FAMILY_WEIGHTS);
    let (middle, given) = if female {
        (
            one(&mut random, MIDDLE_FEMALE),
            one(&mut random, GIVEN_FEMALE),
        )
    } else {
        (one(&mut random, MIDDLE_MALE), one(&mut random, GIVEN_MALE))
    };
    let birth_year = 1950 + random.between(0, 57) as i32;
    let century = if birth_year >= 2000 { 2 } else { 0 } + i32::from(female);
    let id_number = format!(
        "{}{century}{:02}{:06}",
        weighted(&mut random, BIRTH_PROVINCES, &PROVINCE_WEIGHTS),
        birth_year % 100,
        random.below(1_000_000)
    );
    let phone = format!(
        "{}{:07}",
        one(&mut random, MOBILE),
        random.below(10_000_000)
    );
    let name = format!("{family} {middle} {given}");
    let email = random.chance(0.2).then(|| {
        let folded = crate::text::fold(&format!("{given}{family}")).replace(' ', "");
        format!(
            "{folded}{}@gmail.com",
            birth_year % 100 * 100 + (index % 97) as i32
        )
    });
    Person {
        name,
        female,
        birth_year,
        id_number,
        phone,
        email,
    }
}

/// An address in the commune: an ấp of a xã, a khu phố of a phường.
pub fn address(random: &mut Random, place: &Place<'_>, province: &str) -> String {
    if place.ward {
        format!(
            "Số {}, khu phố {}, {}, {province}",
            random.between(1, 350),
            random.between(1, 12),
            place.lower()
        )
    } else {
        format!("Ấp {}, {}, {province}", random.between(1, 9), place.lower())
    }
}
