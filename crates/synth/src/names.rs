//! Drawing names: frequency-weighted family names, cohort-weighted given
//! names, a few registered variant kanji, and foreign residents' names.

use rand::Rng;

use crate::resident::Sex;
use crate::tables::family::{FAMILY, VARIANTS};
use crate::tables::foreign::{Part, GROUPS};
use crate::tables::given::{Given, FEMALE, MALE};
use crate::weighted::Weighted;

/// Share (percent) of bearers of a name with a registered variant whose
/// register holds the variant (髙橋 for 高橋 …).
const VARIANT_PERCENT: u32 = 12;

const FULLWIDTH_SPACE: char = '\u{3000}';

pub(crate) struct Name {
    pub kana: String,
    pub kanji: String,
}

pub(crate) struct Names {
    family: Weighted,
    /// Variant forms per family-name index.
    variants: Vec<Vec<&'static str>>,
    /// Given-name draws by sex (male, female) and birth cohort.
    given: [[Weighted; 3]; 2],
    foreign_group: Weighted,
}

impl Names {
    pub(crate) fn new() -> Self {
        let variants = FAMILY
            .iter()
            .map(|(common, _, _)| {
                VARIANTS
                    .iter()
                    .filter(|(c, _)| c == common)
                    .map(|&(_, v)| v)
                    .collect()
            })
            .collect();
        let by_cohort =
            |table: &[Given]| [0, 1, 2].map(|c| Weighted::new(table.iter().map(|g| g.2[c])));
        Names {
            family: Weighted::new(FAMILY.iter().map(|f| f.2)),
            variants,
            given: [by_cohort(MALE), by_cohort(FEMALE)],
            foreign_group: Weighted::new(GROUPS.iter().map(|g| g.weight)),
        }
    }

    pub(crate) fn japanese<R: Rng>(&self, rng: &mut R, sex: Sex, birth_year: i32) -> Name {
        let fi = self.family.pick(rng);
        let (common, family_kana, _) = FAMILY.get(fi).copied().unwrap_or(("", "", 0));
        let family_kanji = match self.variants.get(fi) {
            Some(vs) if !vs.is_empty() && rng.gen_ratio(VARIANT_PERCENT, 100) => {
                choose(rng, vs, &common)
            }
            _ => common,
        };

        let cohort = match birth_year {
            ..=1965 => 0,
            1966..=1989 => 1,
            _ => 2,
        };
        let (table, draws) = match sex {
            Sex::Male => (MALE, &self.given[0]),
            Sex::Female => (FEMALE, &self.given[1]),
        };
        let gi = draws[cohort].pick(rng);
        let (given_kanji, given_kana, _) = table.get(gi).copied().unwrap_or(("", "", [0; 3]));

        Name {
            kana: join(family_kana, FULLWIDTH_SPACE, given_kana),
            kanji: join(family_kanji, FULLWIDTH_SPACE, given_kanji),
        }
    }

    /// A foreign resident registered in Latin letters: kanji field "WANG WEI",
    /// kana "ワン　ウェイ".
    pub(crate) fn foreign<R: Rng>(&self, rng: &mut R, sex: Sex) -> Name {
        let group = GROUPS.get(self.foreign_group.pick(rng));
        let empty: &[Part] = &[];
        let (families, givens) = match (group, sex) {
            (Some(g), Sex::Male) => (g.family, g.male),
            (Some(g), Sex::Female) => (g.family, g.female),
            (None, _) => (empty, empty),
        };
        let (family_latin, family_kana) = *choose(rng, families, &("", ""));
        let (given_latin, given_kana) = *choose(rng, givens, &("", ""));
        Name {
            kana: join(family_kana, FULLWIDTH_SPACE, given_kana),
            kanji: join(family_latin, ' ', given_latin),
        }
    }

    #[cfg(test)]
    pub(crate) fn cohort_totals(&self) -> Vec<u32> {
        self.given.iter().flatten().map(Weighted::total).collect()
    }
}

fn join(a: &str, sep: char, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + sep.len_utf8());
    s.push_str(a);
    s.push(sep);
    s.push_str(b);
    s
}

/// A uniformly chosen element, or `fallback` for an empty slice.
pub(crate) fn choose<'a, T, R: Rng>(rng: &mut R, items: &'a [T], fallback: &'a T) -> &'a T {
    match u32::try_from(items.len()) {
        Ok(n) if n > 0 => {
            let i = rng.gen_range(0..n);
            items.get(i as usize).unwrap_or(fallback)
        }
        _ => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::foreign::GROUPS;

    #[test]
    fn every_cohort_and_sex_can_be_drawn() {
        assert!(Names::new().cohort_totals().iter().all(|&t| t > 0));
        for g in GROUPS {
            assert!(!g.family.is_empty() && !g.male.is_empty() && !g.female.is_empty());
        }
    }

    #[test]
    fn variants_belong_to_listed_names() {
        for (common, variant) in VARIANTS {
            assert!(FAMILY.iter().any(|f| f.0 == *common), "{common}");
            assert_ne!(common, variant);
            assert_eq!(common.chars().count(), variant.chars().count());
        }
    }

    #[test]
    fn table_sizes() {
        assert!(FAMILY.len() >= 150);
        assert!(MALE.len() >= 150);
        assert!(FEMALE.len() >= 150);
    }

    #[test]
    fn readings_are_katakana() {
        let kana = FAMILY
            .iter()
            .map(|f| f.1)
            .chain(MALE.iter().chain(FEMALE).map(|g| g.1))
            .chain(
                GROUPS
                    .iter()
                    .flat_map(|g| g.family.iter().chain(g.male).chain(g.female).map(|p| p.1)),
            );
        for k in kana {
            assert!(!k.is_empty());
            assert!(
                k.chars()
                    .all(|c| ('\u{30A1}'..='\u{30F4}').contains(&c) || c == 'ー'),
                "{k}"
            );
        }
    }

    #[test]
    fn no_duplicate_spellings() {
        let mut seen = std::collections::HashSet::new();
        for f in FAMILY {
            assert!(seen.insert(f.0), "family {}", f.0);
        }
        for (label, table) in [("male", MALE), ("female", FEMALE)] {
            let mut seen = std::collections::HashSet::new();
            for g in table {
                assert!(seen.insert(g.0), "{label} {}", g.0);
            }
        }
    }
}
