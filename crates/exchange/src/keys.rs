//! An organisation's exchange keys: an age X25519 identity to receive
//! packages and an Ed25519 key to sign manifests and receipts.
//!
//! The public half travels as a small TOML file an administrator can mail or
//! carry; before trusting it, both sides read its [`Fingerprint`] to each
//! other by phone. The fingerprint covers the organisation name and both
//! keys, so neither key nor the name can be swapped without it changing.

use std::fmt;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;
use itaku_crypto::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{ExchangeError, Result};
use crate::names::OrgName;

const PUBLIC_FORMAT: &str = "itaku-exchange-public-key/1";
const SECRET_FORMAT: &str = "itaku-exchange-identity/1";

/// Bytes of SHA-256 shown in a fingerprint: 128 bits is far beyond what a
/// second-preimage attack on a phone-checked string could reach.
const FINGERPRINT_BYTES: usize = 16;

/// The checkable digest of a public key: `3F2A-91C0-…`, eight groups of
/// four upper-case hex digits (the first 128 bits of SHA-256 over
/// [`ExchangePublicKey::canonical_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    fn of(canonical: &[u8]) -> Self {
        let digest = Sha256::digest(canonical);
        let hex = hex::encode_upper(&digest[..FINGERPRINT_BYTES]);
        let groups: Vec<&str> = hex
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        Self(groups.join("-"))
    }

    /// The display form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Fingerprint {
    type Err = ExchangeError;

    /// Accepts what a person may type: any case, with or without `-` or
    /// spaces between groups.
    fn from_str(s: &str) -> Result<Self> {
        let hex: String = s
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if hex.len() != FINGERPRINT_BYTES * 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ExchangeError::InvalidValue {
                what: "鍵の指紋",
                reason: "16進数32桁（4桁ずつ8組）ではありません".into(),
            });
        }
        let groups: Vec<&str> = (0..8).map(|i| &hex[i * 4..i * 4 + 4]).collect();
        Ok(Self(groups.join("-")))
    }
}

/// An organisation's published keys. Built only through parsing or from an
/// identity, so both keys are always valid.
#[derive(Clone, PartialEq, Eq)]
pub struct ExchangePublicKey {
    org_name: OrgName,
    age: x25519::Recipient,
    signing: VerifyingKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicFile {
    format: String,
    org_name: String,
    age_recipient: String,
    signing_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

impl ExchangePublicKey {
    /// From the three published values (`age1…` recipient, hex Ed25519 key).
    pub fn new(org_name: OrgName, age_recipient: &str, signing_key_hex: &str) -> Result<Self> {
        let age = x25519::Recipient::from_str(age_recipient.trim()).map_err(|e| {
            ExchangeError::InvalidKeyFile(format!("age の公開鍵（age1…）が正しくありません: {e}"))
        })?;
        let bytes = hex::decode(signing_key_hex.trim())
            .map_err(|_| ExchangeError::InvalidKeyFile("署名鍵が16進数ではありません".into()))?;
        let signing = VerifyingKey::from_bytes(&bytes).map_err(|_| {
            ExchangeError::InvalidKeyFile("署名鍵が Ed25519 の公開鍵として正しくありません".into())
        })?;
        Ok(Self {
            org_name,
            age,
            signing,
        })
    }

    /// The organisation.
    pub fn org_name(&self) -> &OrgName {
        &self.org_name
    }

    /// The age recipient, `age1…` (lower-case Bech32).
    pub fn age_recipient(&self) -> String {
        self.age.to_string()
    }

    /// The Ed25519 verifying key as 64 lower-case hex digits.
    pub fn signing_key_hex(&self) -> String {
        hex::encode(self.signing.to_bytes())
    }

    pub(crate) fn age(&self) -> &x25519::Recipient {
        &self.age
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.signing
    }

    /// What the fingerprint hashes: four lines, each ending in `\n`:
    /// `itaku-exchange-public-key/1`, the organisation name, the age
    /// recipient, the signing key in lower-case hex.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        format!(
            "{PUBLIC_FORMAT}\n{}\n{}\n{}\n",
            self.org_name,
            self.age_recipient(),
            self.signing_key_hex()
        )
        .into_bytes()
    }

    /// The fingerprint to read aloud.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.canonical_bytes())
    }

    /// The TOML file to hand to the other organisation.
    pub fn to_toml(&self) -> String {
        let file = PublicFile {
            format: PUBLIC_FORMAT.into(),
            org_name: self.org_name.to_string(),
            age_recipient: self.age_recipient(),
            signing_key: self.signing_key_hex(),
            fingerprint: Some(self.fingerprint().to_string()),
        };
        // Serialising four strings cannot fail; an empty body would be
        // refused by `from_toml` anyway.
        let body = toml::to_string(&file).unwrap_or_default();
        format!("# itaku 受け渡し用の公開鍵。登録する前に、相手と電話で指紋（fingerprint）を読み合わせてください。\n{body}")
    }

    /// Parses [`Self::to_toml`]'s output. A `fingerprint` line, if present,
    /// must match the keys, which catches a mistyped or edited file.
    pub fn from_toml(text: &str) -> Result<Self> {
        let file: PublicFile = toml::from_str(text).map_err(|e| {
            ExchangeError::InvalidKeyFile(format!("TOML として読めません: {}", e.message()))
        })?;
        if file.format != PUBLIC_FORMAT {
            return Err(ExchangeError::UnsupportedVersion(file.format));
        }
        let key = Self::new(
            OrgName::new(&file.org_name)?,
            &file.age_recipient,
            &file.signing_key,
        )?;
        if let Some(claimed) = file.fingerprint {
            if Fingerprint::from_str(&claimed)? != key.fingerprint() {
                return Err(ExchangeError::InvalidKeyFile(
                    "記載の指紋が鍵と一致しません（ファイルが書き換えられています）".into(),
                ));
            }
        }
        Ok(key)
    }
}

impl fmt::Debug for ExchangePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExchangePublicKey({}, {})",
            self.org_name,
            self.fingerprint()
        )
    }
}

/// An organisation's secret exchange keys. Never printed by `Debug`.
#[derive(Clone)]
pub struct ExchangeIdentity {
    org_name: OrgName,
    age: x25519::Identity,
    signing: std::sync::Arc<SigningKey>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile {
    format: String,
    org_name: String,
    age_identity: String,
    signing_key: String,
}

impl ExchangeIdentity {
    /// Fresh random keys for `org_name`.
    pub fn generate(org_name: OrgName) -> Self {
        Self {
            org_name,
            age: x25519::Identity::generate(),
            signing: std::sync::Arc::new(SigningKey::generate()),
        }
    }

    /// The organisation.
    pub fn org_name(&self) -> &OrgName {
        &self.org_name
    }

    /// The public half.
    pub fn public(&self) -> ExchangePublicKey {
        ExchangePublicKey {
            org_name: self.org_name.clone(),
            age: self.age.to_public(),
            signing: self.signing.verifying_key(),
        }
    }

    pub(crate) fn age(&self) -> &x25519::Identity {
        &self.age
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; itaku_crypto::SIGNATURE_LEN] {
        self.signing.sign(message)
    }

    /// The secret keys as TOML text, for the caller to encrypt at rest
    /// (e.g. with the vault's master key). Wiped when dropped.
    pub fn to_secret_text(&self) -> SecretString {
        let file = Zeroizing::new(SecretFile {
            format: SECRET_FORMAT.into(),
            org_name: self.org_name.to_string(),
            age_identity: self.age.to_string().expose_secret().to_owned(),
            signing_key: hex::encode(*self.signing.to_bytes()),
        });
        let body = Zeroizing::new(toml::to_string(&*file).unwrap_or_default());
        SecretString::from(format!(
            "# itaku 受け渡し用の秘密鍵。暗号化して保管し、外部に出さないこと。\n{}",
            body.as_str()
        ))
    }

    /// Parses [`Self::to_secret_text`]'s output.
    pub fn from_secret_text(text: &str) -> Result<Self> {
        let file: Zeroizing<SecretFile> =
            Zeroizing::new(toml::from_str(text).map_err(|_| {
                ExchangeError::InvalidKeyFile("秘密鍵のテキストを読めません".into())
            })?);
        if file.format != SECRET_FORMAT {
            return Err(ExchangeError::UnsupportedVersion(file.format.clone()));
        }
        let age = x25519::Identity::from_str(&file.age_identity)
            .map_err(|_| ExchangeError::InvalidKeyFile("age の秘密鍵が正しくありません".into()))?;
        let seed = Zeroizing::new(hex::decode(&file.signing_key).map_err(|_| {
            ExchangeError::InvalidKeyFile("署名用の秘密鍵が16進数ではありません".into())
        })?);
        let signing = SigningKey::from_bytes(&seed)
            .map_err(|_| ExchangeError::InvalidKeyFile("署名用の秘密鍵の長さが違います".into()))?;
        Ok(Self {
            org_name: OrgName::new(&file.org_name)?,
            age,
            signing: std::sync::Arc::new(signing),
        })
    }
}

impl zeroize::Zeroize for SecretFile {
    fn zeroize(&mut self) {
        self.age_identity.zeroize();
        self.signing_key.zeroize();
    }
}

impl fmt::Debug for ExchangeIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExchangeIdentity({}, public {})",
            self.org_name,
            self.public().fingerprint()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(s: &str) -> OrgName {
        OrgName::new(s).unwrap()
    }

    #[test]
    fn public_key_toml_round_trip() {
        let id = ExchangeIdentity::generate(org("新宿区健康部"));
        let public = id.public();
        let text = public.to_toml();
        assert!(text.contains("age1"));
        let again = ExchangePublicKey::from_toml(&text).unwrap();
        assert_eq!(again, public);
        assert_eq!(again.fingerprint(), public.fingerprint());
    }

    #[test]
    fn fingerprint_shape_and_binding() {
        let id = ExchangeIdentity::generate(org("A"));
        let fp = id.public().fingerprint();
        assert_eq!(fp.as_str().len(), 8 * 4 + 7);
        assert!(fp.as_str().split('-').all(|g| g.len() == 4
            && g.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())));
        // Same keys, other name: other fingerprint.
        let renamed = ExchangePublicKey::new(
            org("B"),
            &id.public().age_recipient(),
            &id.public().signing_key_hex(),
        )
        .unwrap();
        assert_ne!(renamed.fingerprint(), fp);
        let typed: Fingerprint = fp
            .as_str()
            .to_lowercase()
            .replace('-', " ")
            .parse()
            .unwrap();
        assert_eq!(typed, fp);
    }

    #[test]
    fn edited_public_file_refused() {
        let a = ExchangeIdentity::generate(org("A")).public();
        let b = ExchangeIdentity::generate(org("B")).public();
        // Swap in another organisation's age key but keep A's fingerprint line.
        let forged = a.to_toml().replace(&a.age_recipient(), &b.age_recipient());
        assert!(matches!(
            ExchangePublicKey::from_toml(&forged),
            Err(ExchangeError::InvalidKeyFile(_))
        ));
        let no_fp: String = a
            .to_toml()
            .lines()
            .filter(|l| !l.starts_with("fingerprint"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(ExchangePublicKey::from_toml(&no_fp).unwrap(), a);
        assert!(ExchangePublicKey::from_toml("format = \"x\"").is_err());
        let bad_key = a.to_toml().replace(&a.signing_key_hex(), &"00".repeat(32));
        assert!(ExchangePublicKey::from_toml(&bad_key).is_err());
    }

    #[test]
    fn secret_text_round_trip_and_redacted_debug() {
        let id = ExchangeIdentity::generate(org("乙株式会社"));
        let text = id.to_secret_text();
        let again = ExchangeIdentity::from_secret_text(text.expose_secret()).unwrap();
        assert_eq!(again.public(), id.public());
        assert_eq!(again.sign(b"m"), id.sign(b"m"));
        let shown = format!("{id:?}");
        assert!(!shown.contains("AGE-SECRET-KEY"));
        assert!(shown.contains(id.public().fingerprint().as_str()));
        assert!(ExchangeIdentity::from_secret_text("garbage").is_err());
    }
}
