//! The units to randomise and the strata they fall in.

use std::fmt;

use crate::error::AnalysisError;

/// The key of a stratum, e.g. `seg=未受診|age=60-64|sex=2`. Strata are
/// processed in the byte order of their keys, and each key seeds its own
/// random stream, so the exact text matters: build it with
/// [`StratumKey::from_parts`] whenever the strata are segment × age × sex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StratumKey(String);

impl StratumKey {
    /// Any text as a key (e.g. one stratum for the whole campaign: `"all"`).
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// `seg={segment}|age={age_band}|sex={sex}`. Parts may not contain `|` or
    /// `=`, otherwise two different strata could produce one key and be
    /// silently merged.
    pub fn from_parts(segment: &str, age_band: &str, sex: &str) -> Result<Self, AnalysisError> {
        for part in [segment, age_band, sex] {
            if part.contains(['|', '=']) {
                return Err(AnalysisError::StratumPartSeparator {
                    part: part.to_owned(),
                });
            }
        }
        Ok(Self(format!("seg={segment}|age={age_band}|sex={sex}")))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StratumKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One person to allocate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The person's id; unique within one allocation.
    pub person_id: i64,
    /// The stratum the person belongs to.
    pub stratum: StratumKey,
    /// `false`: listed but not randomised (e.g. no phone number when the call
    /// is the intervention). Such units consume no random numbers.
    pub eligible: bool,
}

/// Five-year age band for stratum keys: `"<40"`, `"40-44"`, …, `"70-74"`, `"75+"`.
pub fn age_band(age: u32) -> String {
    match age {
        0..=39 => "<40".to_owned(),
        40..=74 => {
            let low = age - age % 5;
            format!("{low}-{}", low + 4)
        }
        _ => "75+".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_at_edges() {
        assert_eq!(age_band(0), "<40");
        assert_eq!(age_band(39), "<40");
        assert_eq!(age_band(40), "40-44");
        assert_eq!(age_band(44), "40-44");
        assert_eq!(age_band(45), "45-49");
        assert_eq!(age_band(64), "60-64");
        assert_eq!(age_band(65), "65-69");
        assert_eq!(age_band(74), "70-74");
        assert_eq!(age_band(75), "75+");
        assert_eq!(age_band(120), "75+");
    }

    #[test]
    fn stratum_key_from_parts() {
        let k = StratumKey::from_parts("未受診", &age_band(62), "2").unwrap();
        assert_eq!(k.to_string(), "seg=未受診|age=60-64|sex=2");
        assert_eq!(k.as_str(), "seg=未受診|age=60-64|sex=2");
    }

    #[test]
    fn stratum_key_refuses_separators() {
        // Without the check, ("a|age=1", "x", "y") would collide with a real key shape.
        assert!(matches!(
            StratumKey::from_parts("a|age=1", "x", "y"),
            Err(AnalysisError::StratumPartSeparator { .. })
        ));
        assert!(StratumKey::from_parts("a", "b=c", "1").is_err());
    }
}
