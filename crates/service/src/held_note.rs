//! Free notes (calls, visits, the desk, the 滞納 ledger) are screened for
//! what the contracts forbid collecting (思想・信条・宗教, 社会的差別, 犯罪).
//! A flagged note is kept sealed but held from view until the 責任者
//! releases or deletes it. Only the kinds found are stored in the clear,
//! never the words: the words are the very data the contract forbids
//! keeping, so they exist only inside the sealed note and go with it.

use itaku_jp::Forbidden;

/// What the screen found in one note.
pub(crate) struct Screening {
    codes: Vec<&'static str>,
}

pub(crate) fn screen(note: &str) -> Screening {
    let mut codes: Vec<&'static str> = itaku_jp::sensitive::screen(note)
        .into_iter()
        .map(|f| f.kind.code())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    Screening { codes }
}

impl Screening {
    /// Whether the note waits for the 責任者.
    pub(crate) fn held(&self) -> bool {
        !self.codes.is_empty()
    }

    /// The note's stored state (calls, visits, the 滞納 ledger): none, kept
    /// or held.
    pub(crate) fn state(&self, note: &str) -> &'static str {
        match (note.is_empty(), self.held()) {
            (true, _) => "none",
            (false, false) => "kept",
            (false, true) => "held",
        }
    }

    /// The kinds found, as stored in a `note_flags` column.
    pub(crate) fn codes(&self) -> String {
        self.codes.join(",")
    }
}

/// The labels of stored kinds, for the 責任者's review. Rows written
/// before the words were dropped carried `kind:word`; only the kind is read.
pub(crate) fn flag_labels(codes: &str) -> Vec<String> {
    codes
        .split(',')
        .filter_map(|c| {
            let kind = c.split(':').next().unwrap_or_default();
            Forbidden::ALL.into_iter().find(|f| f.code() == kind)
        })
        .map(|f| f.label().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kinds_are_kept_never_the_words() {
        let s = screen("宗教の集まりがあるので行けない。宗教上の理由");
        assert!(s.held());
        assert_eq!(s.codes(), "shinjo");
        assert!(!s.codes().contains("宗教"));
        assert!(!screen("平日は仕事で忙しい").held());
        assert_eq!(screen("").codes(), "");
        assert_eq!(screen("").state(""), "none");
        assert_eq!(screen("忙しい").state("忙しい"), "kept");
        assert_eq!(s.state("宗教上の理由"), "held");
        assert_eq!(flag_labels("shinjo"), vec!["思想・信条・宗教"]);
        assert_eq!(
            flag_labels("shinjo:宗教,hanzai"),
            vec!["思想・信条・宗教", "犯罪に関する事項"]
        );
        assert!(flag_labels("").is_empty());
    }
}
