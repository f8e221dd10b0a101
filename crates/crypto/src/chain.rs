//! The audit hash chain: each entry's hash covers the previous hash, so a
//! changed, removed or reordered entry breaks every hash after it.

use sha2::{Digest, Sha256};

/// The `prev` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// Domain separation: a chain hash can never equal a plain SHA-256 of the
/// same bytes, nor a hash from any other itaku construction.
const CHAIN_LABEL: &[u8] = b"itaku/audit-chain/v1\0";

/// `SHA-256(label ‖ prev ‖ len(entry) as u64 BE ‖ entry)`. The layout is
/// fixed so an outside verifier can recompute it from an export.
pub fn chain_hash(prev: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(CHAIN_LABEL)
        .chain_update(prev)
        .chain_update((entry.len() as u64).to_be_bytes())
        .chain_update(entry)
        .finalize()
        .into()
}

/// Plain SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Plain SHA-256 as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(entries: &[&[u8]]) -> [u8; 32] {
        entries.iter().fold(GENESIS, |prev, e| chain_hash(&prev, e))
    }

    #[test]
    fn matches_documented_layout() {
        let prev = [0xab; 32];
        let mut bytes = b"itaku/audit-chain/v1\0".to_vec();
        bytes.extend_from_slice(&prev);
        bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3]);
        bytes.extend_from_slice(b"abc");
        assert_eq!(chain_hash(&prev, b"abc"), sha256(&bytes));
    }

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn edits_reorders_and_truncation_change_the_head() {
        let head = fold(&[b"a", b"b", b"c"]);
        assert_eq!(head, fold(&[b"a", b"b", b"c"]));
        assert_ne!(head, fold(&[b"a", b"c", b"b"]));
        assert_ne!(head, fold(&[b"a", b"b"]));
        assert_ne!(head, fold(&[b"a", b"B", b"c"]));
        assert_ne!(head, fold(&[b"b", b"c"]));
        assert_ne!(chain_hash(&GENESIS, b""), GENESIS);
        assert_ne!(chain_hash(&GENESIS, b"x"), sha256(b"x"));
    }
}
