//! Which cancer screenings (がん検診) a caller may add, by the national
//! guideline (がん予防重点健康教育及びがん検診実施のための指針): age at the
//! end of the fiscal year, and sex where the screening is for women.
//!
//! 胃がん: the guideline's age is 50 and over; it lets 胃部X線 stay open to
//! people in their 40s "for the time being", which many wards do. This desk
//! takes the guideline's 50 (one rule for every method): a ward that keeps
//! X-ray screening for 40s changes `min_age` here.

use chrono::NaiveDate;
use itaku_jp::{age_at_fiscal_year_end, FiscalYear};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Screening {
    Stomach,
    Lung,
    Colorectal,
    Cervical,
    Breast,
}

impl Screening {
    pub const ALL: [Screening; 5] = [
        Screening::Stomach,
        Screening::Lung,
        Screening::Colorectal,
        Screening::Cervical,
        Screening::Breast,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Screening::Stomach => "stomach",
            Screening::Lung => "lung",
            Screening::Colorectal => "colorectal",
            Screening::Cervical => "cervical",
            Screening::Breast => "breast",
        }
    }
    /// As written in the がん検診の種類 item: 胃・肺・大腸.
    pub fn short(self) -> &'static str {
        match self {
            Screening::Stomach => "胃",
            Screening::Lung => "肺",
            Screening::Colorectal => "大腸",
            Screening::Cervical => "子宮頸",
            Screening::Breast => "乳",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Screening::Stomach => "胃がん検診",
            Screening::Lung => "肺がん検診",
            Screening::Colorectal => "大腸がん検診",
            Screening::Cervical => "子宮頸がん検診",
            Screening::Breast => "乳がん検診",
        }
    }
    /// Youngest age at the fiscal year's end.
    pub fn min_age(self) -> u32 {
        match self {
            Screening::Stomach => 50,
            Screening::Lung | Screening::Colorectal | Screening::Breast => 40,
            Screening::Cervical => 20,
        }
    }
    pub fn women_only(self) -> bool {
        matches!(self, Screening::Cervical | Screening::Breast)
    }
    /// From a form's code or a word in a stored value (胃, 胃がん, 子宮がん…).
    pub fn parse(s: &str) -> Option<Screening> {
        let t = itaku_jp::fold_width(s.trim());
        let t = t
            .trim_end_matches("検診")
            .trim_end_matches("がん")
            .trim_end_matches("癌");
        Self::ALL.into_iter().find(|x| {
            x.code() == t
                || x.short() == t
                || (*x == Screening::Cervical && (t == "子宮" || t == "子宮頚"))
        })
    }

    /// Whether a person born on `birth` with sex code `sex` ("1" 男, "2"
    /// 女) may have this screening in `fy`; the refusal says why.
    pub fn check(self, birth: Option<NaiveDate>, sex: &str, fy: FiscalYear) -> Result<(), String> {
        if self.women_only() {
            match sex.trim() {
                "2" => {}
                "1" => return Err(format!("{}は女性が対象です", self.label())),
                _ => {
                    return Err(format!(
                        "{}は女性が対象です。性別が分からないため追加できません",
                        self.label()
                    ))
                }
            }
        }
        let Some(birth) = birth else {
            return Err(format!(
                "生年月日が分からないため、{}の対象年齢（年度末{}歳以上）を確認できません",
                self.label(),
                self.min_age()
            ));
        };
        let age = age_at_fiscal_year_end(birth, fy);
        if age < self.min_age() {
            return Err(format!(
                "{}は年度末年齢{}歳以上の方が対象です（この方は{}末で{age}歳）",
                self.label(),
                self.min_age(),
                fy.label()
            ));
        }
        Ok(())
    }
}

/// Read a がん検診の種類 value (胃・肺, 胃、大腸がん…) into known kinds
/// and the words that are not one (kept as they were).
pub fn parse_kinds(value: &str) -> (Vec<Screening>, Vec<String>) {
    let mut known = Vec::new();
    let mut other = Vec::new();
    for w in value
        .split(['・', '、', ',', '，', '/', '／', ' ', '　'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        match Screening::parse(w) {
            Some(s) if !known.contains(&s) => known.push(s),
            Some(_) => {}
            None => other.push(w.to_owned()),
        }
    }
    known.sort();
    (known, other)
}

/// The value with `add` joined in, in the guideline's order.
pub fn merge_kinds(value: &str, add: &[Screening]) -> String {
    let (mut known, other) = parse_kinds(value);
    for s in add {
        if !known.contains(s) {
            known.push(*s);
        }
    }
    known.sort();
    known
        .iter()
        .map(|s| s.short().to_owned())
        .chain(other)
        .collect::<Vec<_>>()
        .join("・")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn age_at_fiscal_year_end_and_sex_decide() {
        let fy = FiscalYear::new(2026);
        // 50 on 2027-03-31 (born 1977-03-31): 胃 allowed; a day younger is not.
        assert!(Screening::Stomach.check(d(1977, 3, 31), "1", fy).is_ok());
        let e = Screening::Stomach
            .check(d(1977, 4, 2), "1", fy)
            .unwrap_err();
        assert!(e.contains("50歳以上") && e.contains("49歳"), "{e}");
        assert!(Screening::Lung.check(d(1986, 4, 1), "1", fy).is_ok());
        assert!(Screening::Colorectal.check(d(1990, 1, 1), "2", fy).is_err());
        assert!(Screening::Cervical.check(d(2006, 5, 1), "2", fy).is_ok());
        let e = Screening::Cervical
            .check(d(1980, 1, 1), "1", fy)
            .unwrap_err();
        assert!(e.contains("女性"), "{e}");
        assert!(Screening::Breast.check(d(1980, 1, 1), "", fy).is_err());
        assert!(Screening::Breast.check(None, "2", fy).is_err());
    }

    #[test]
    fn kinds_merge_in_order_and_keep_unknown_words() {
        assert_eq!(
            merge_kinds("大腸、胃がん", &[Screening::Lung]),
            "胃・肺・大腸"
        );
        assert_eq!(merge_kinds("", &[Screening::Breast]), "乳");
        assert_eq!(merge_kinds("前立腺", &[Screening::Stomach]), "胃・前立腺");
        assert_eq!(Screening::parse("子宮がん"), Some(Screening::Cervical));
        assert_eq!(Screening::parse("ｺｳｾﾝ"), None);
    }
}
