//! The crate's error type.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SynthError {
    #[error("writing output failed: {0}")]
    Io(#[from] std::io::Error),

    #[error("serialising a resident to JSON failed: {0}")]
    Json(#[from] serde_json::Error),

    /// A character has no CP932 code. Generated data never contains one, so
    /// this means a caller passed in a resident with text from outside the
    /// tables (and the row would otherwise be silently corrupted).
    #[error("line {line}: {ch:?} (U+{code:04X}) has no CP932 encoding", code = u32::from(*.ch))]
    Unencodable { line: u64, ch: char },

    #[error("invalid messiness option {field}: {reason}")]
    InvalidOption {
        field: &'static str,
        reason: &'static str,
    },
}
