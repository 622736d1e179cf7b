//! The units a plan's appendix names, matched against the units of the commune. The appendix
//! writes them short and in several ways ("Phòng VH-XH", "VP. HĐND-UBND", "TT.PVHCC"); the
//! agency records carry full names ("Phòng Văn hóa - Xã hội xã Minh Đức"). Phrases that name no
//! unit in particular («Các cơ quan, đơn vị có liên quan») match nothing.

use crate::text::fold;

/// Abbreviations used in commune plans, as folded words → their folded expansion.
const ABBREVIATIONS: [(&str, &str); 9] = [
    ("vp", "van phong"),
    ("tt", "trung tam"),
    ("vh", "van hoa"),
    ("xh", "xa hoi"),
    ("kt", "kinh te"),
    ("pvhcc", "phuc vu hanh chinh cong"),
    ("dvth", "dich vu tong hop"),
    ("vhxh", "van hoa xa hoi"),
    ("hdnd-ubnd", "hdnd ubnd"),
];

/// Folded words of a unit's name with abbreviations expanded and "và" dropped (the appendix
/// writes "HĐND-UBND" for "HĐND và UBND").
fn words(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out = Vec::new();
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        match ABBREVIATIONS.iter().find(|(short, _)| *short == word) {
            Some((_, long)) => out.extend(long.split(' ').map(str::to_string)),
            None if word == "va" => {}
            None => out.push(word.to_string()),
        }
    }
    out
}

/// The unit phrases of a lead or coordinating cell: "VP. HĐND-UBND; Phòng VH-XH" names two.
pub fn phrases(cell: &str) -> Vec<String> {
    cell.split([';', '\n'])
        .map(crate::text::clean)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether `phrase` names the unit called `unit_name`: the phrase's words begin the name's.
pub fn names(phrase: &str, unit_name: &str) -> bool {
    let wanted = words(phrase);
    let name = words(unit_name);
    // "Phòng" alone or "Cơ quan" would begin many names: a phrase names a unit only with at
    // least two words after expansion.
    wanted.len() >= 2 && name.starts_with(&wanted)
}

/// The one unit among `units` (code, name) that `phrase` names; `None` when none or several do.
pub fn resolve<'a>(phrase: &str, units: &'a [(String, String)]) -> Option<&'a (String, String)> {
    let mut found = units.iter().filter(|(_, name)| names(phrase, name));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The codes of the units a cell (one or more phrases) names, in order, each once.
pub fn resolve_cell(cell: &str, units: &[(String, String)]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for phrase in phrases(cell) {
        if let Some((code, _)) = resolve(&phrase, units) {
            if !codes.contains(code) {
                codes.push(code.clone());
            }
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five units of xã Minh Đức as the demo agencies name them.
    fn minh_duc() -> Vec<(String, String)> {
        [
            ("01", "Văn phòng HĐND và UBND xã Minh Đức"),
            ("02", "Phòng Kinh tế xã Minh Đức"),
            ("03", "Phòng Văn hóa - Xã hội xã Minh Đức"),
            ("04", "Trung tâm Phục vụ hành chính công xã Minh Đức"),
            ("05", "Trung tâm Dịch vụ tổng hợp xã Minh Đức"),
        ]
        .into_iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect()
    }

    #[test]
    fn every_way_the_seed_plan_writes_a_unit() {
        let units = minh_duc();
        let code = |phrase: &str| resolve(phrase, &units).map(|(c, _)| c.as_str());
        for (phrase, expected) in [
            ("Phòng VH-XH", "03"),
            ("Phòng VH- XH", "03"),
            ("Văn phòng HĐND-UBND", "01"),
            ("VP. HĐND-UBND", "01"),
            ("Phòng Kinh tế", "02"),
            ("Trung tâm PVHCC", "04"),
            ("TT. PVHCC", "04"),
            ("TT.PVHCC", "04"),
            ("Trung tâm Dịch vụ tổng hợp", "05"),
            ("PHÒNG VĂN HÓA - XÃ HỘI", "03"),
        ] {
            assert_eq!(code(phrase), Some(expected), "{phrase}");
        }
        for generic in [
            "Các đơn vị, cơ quan liên quan",
            "Cơ quan, đơn vị có liên quan",
            "Các đơn vị cung cấp dịch vụ",
            "Phòng",
            "Trung tâm",
            "",
        ] {
            assert_eq!(code(generic), None, "{generic}");
        }
        assert_eq!(
            resolve_cell("VP. HĐND-UBND; Phòng VH-XH; VP HĐND-UBND", &units),
            ["01", "03"]
        );
    }

    #[test]
    fn every_lead_of_the_seed_plan_is_a_unit_or_a_general_phrase() {
        let plan = crate::plan::parse_plan(
            "ke-hoach-09-2025.toml",
            include_str!("../../../../data/plans/ke-hoach-09-2025.toml"),
        )
        .expect("seed");
        let units = minh_duc();
        let unresolved: Vec<&str> = plan
            .tasks
            .iter()
            .filter(|t| resolve_cell(&t.lead, &units).is_empty())
            .map(|t| t.lead.as_str())
            .collect();
        assert_eq!(unresolved, ["Cơ quan, đơn vị có liên quan"]);
    }

    #[test]
    fn a_phrase_naming_two_units_resolves_to_none() {
        let units = vec![
            ("a".to_string(), "Phòng Kinh tế xã A".to_string()),
            ("b".to_string(), "Phòng Kinh tế hạ tầng xã A".to_string()),
        ];
        assert_eq!(resolve("Phòng Kinh tế", &units), None);
        assert_eq!(
            resolve("Phòng Kinh tế hạ tầng", &units).map(|u| u.0.as_str()),
            Some("b")
        );
    }
}
