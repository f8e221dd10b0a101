//! The age layer: who can open a package, and the one function that
//! decrypts (used by [`crate::read_package`] and by the C2SP conformance
//! tests alike).
//!
//! The reader makes two passes over a package (verify everything, then hand
//! out records). The first pass remembers the unwrapped age file key, so the
//! second pass needs neither the private key nor another scrypt run; the
//! second pass still checks the header MAC and every STREAM chunk.

use std::cell::RefCell;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::iter;

use age::armor::ArmoredReader;
use age::secrecy::{ExposeSecret, SecretString};
use age::stream::{StreamReader, StreamWriter};
use age::{scrypt, x25519, DecryptError, Decryptor, Encryptor};
use age_core::format::{FileKey, Stanza, FILE_KEY_BYTES};
use zeroize::Zeroizing;

use crate::error::{ExchangeError, Result};
use crate::keys::{ExchangeIdentity, ExchangePublicKey};
use crate::names::OrgName;
use crate::strict::{skip_whitespace_before_armor, HeaderCheck, Prefixed};

/// The largest scrypt work factor (log2 N) we will compute when opening a
/// passphrase package: 2^20 × 8 × 128 bytes = 1 GiB and a few seconds. A
/// hostile file asking for more is refused before any work is done.
pub const MAX_WORK_FACTOR: u8 = 20;
/// The smallest work factor we write: below this, guessing is too cheap.
pub const MIN_WORK_FACTOR: u8 = 10;
/// What the service should use for removable media (about a second).
pub const DEFAULT_WORK_FACTOR: u8 = 18;
/// Shortest passphrase accepted for writing, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Whom a package is encrypted to.
pub enum Recipient<'a> {
    /// The receiving organisation's published key (LGWAN transfer).
    Key(&'a ExchangePublicKey),
    /// A passphrase, for removable media; told to the receiver by another
    /// channel.
    Passphrase(PassphraseRecipient),
}

impl Recipient<'_> {
    pub(crate) fn org_name(&self) -> &OrgName {
        match self {
            Recipient::Key(k) => k.org_name(),
            Recipient::Passphrase(p) => &p.org_name,
        }
    }
}

/// A passphrase recipient with its scrypt work factor.
pub struct PassphraseRecipient {
    org_name: OrgName,
    passphrase: SecretString,
    work_factor: u8,
}

impl PassphraseRecipient {
    /// `org_name` is the receiving organisation (written into the signed
    /// manifest); `work_factor` is log2 of scrypt's N, within
    /// [`MIN_WORK_FACTOR`]..=[`MAX_WORK_FACTOR`] so the receiver can open it.
    pub fn new(org_name: OrgName, passphrase: SecretString, work_factor: u8) -> Result<Self> {
        if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(ExchangeError::InvalidValue {
                what: "パスフレーズ",
                reason: format!("{MIN_PASSPHRASE_CHARS} 文字以上にしてください"),
            });
        }
        if !(MIN_WORK_FACTOR..=MAX_WORK_FACTOR).contains(&work_factor) {
            return Err(ExchangeError::InvalidValue {
                what: "パスフレーズの計算量",
                reason: format!("{MIN_WORK_FACTOR}〜{MAX_WORK_FACTOR} の範囲にしてください"),
            });
        }
        Ok(Self {
            org_name,
            passphrase,
            work_factor,
        })
    }
}

/// What opens a package.
pub enum Unlock<'a> {
    /// Our organisation's keys.
    Identity(&'a ExchangeIdentity),
    /// The passphrase the sender told us.
    Passphrase(&'a SecretString),
}

/// The age-level keys to try; built from an [`Unlock`], or from bare age
/// identity strings for conformance tests.
pub struct AgeKeys {
    x25519: Vec<x25519::Identity>,
    passphrases: Vec<SecretString>,
}

impl AgeKeys {
    /// The keys an [`Unlock`] stands for.
    pub fn from_unlock(unlock: &Unlock<'_>) -> Self {
        match unlock {
            Unlock::Identity(id) => Self {
                x25519: vec![id.age().clone()],
                passphrases: Vec::new(),
            },
            Unlock::Passphrase(p) => Self {
                x25519: Vec::new(),
                passphrases: vec![SecretString::from(p.expose_secret().to_owned())],
            },
        }
    }

    /// `AGE-SECRET-KEY-1…` identities and passphrases, as a test vector
    /// lists them.
    pub fn from_strings(identities: &[&str], passphrases: &[&str]) -> Result<Self> {
        let x25519 = identities
            .iter()
            .map(|s| {
                s.parse::<x25519::Identity>().map_err(|_| {
                    ExchangeError::InvalidKeyFile("age の秘密鍵が正しくありません".into())
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            x25519,
            passphrases: passphrases
                .iter()
                .map(|p| SecretString::from((*p).to_owned()))
                .collect(),
        })
    }
}

/// Plaintext out of an age file. Reading returns only authenticated STREAM
/// chunks; a cut or altered chunk is an `InvalidData`/`UnexpectedEof` error.
pub struct AgeReader<R: Read> {
    inner: StreamReader<AgeInput<R>>,
}

/// Binary or armoured input, with the corrections of [`crate::strict`].
/// A file that is certainly binary bypasses age's armour reader, which
/// would pass it through unchanged but in 48-byte steps.
enum AgeInput<R: Read> {
    Binary(HeaderCheck<Prefixed<R>>),
    Armored(HeaderCheck<ArmoredReader<BufReader<Prefixed<R>>>>),
}

fn age_input<R: Read>(input: R) -> Result<AgeInput<R>> {
    let peeked = skip_whitespace_before_armor(input)?;
    Ok(if peeked.maybe_armored {
        AgeInput::Armored(HeaderCheck::new(ArmoredReader::new(peeked.input)))
    } else {
        AgeInput::Binary(HeaderCheck::new(peeked.input))
    })
}

impl<R: Read> Read for AgeInput<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            AgeInput::Binary(r) => r.read(buf),
            AgeInput::Armored(r) => r.read(buf),
        }
    }
}

impl<R: Read> BufRead for AgeInput<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            AgeInput::Binary(r) => r.fill_buf(),
            AgeInput::Armored(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, amt: usize) {
        match self {
            AgeInput::Binary(r) => r.consume(amt),
            AgeInput::Armored(r) => r.consume(amt),
        }
    }
}

impl<R: Read> Read for AgeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Opens an age file (binary or ASCII-armoured) with `keys`. Returns after
/// the header is parsed, a file key unwrapped and the header MAC checked.
pub fn open<R: Read>(input: R, keys: &AgeKeys) -> Result<AgeReader<R>> {
    open_remembering(input, keys).map(|(reader, _)| reader)
}

/// [`open`], also returning the file key for a later [`reopen`].
pub(crate) fn open_remembering<R: Read>(
    input: R,
    keys: &AgeKeys,
) -> Result<(AgeReader<R>, Zeroizing<[u8; FILE_KEY_BYTES]>)> {
    let decryptor =
        Decryptor::new_buffered(age_input(input)?).map_err(|e| from_decrypt_error(e, false))?;
    let passphrase_file = decryptor.is_scrypt();
    let scrypt_identities: Vec<scrypt::Identity> = keys
        .passphrases
        .iter()
        .map(|p| {
            let mut id = scrypt::Identity::new(SecretString::from(p.expose_secret().to_owned()));
            id.set_max_work_factor(MAX_WORK_FACTOR);
            id
        })
        .collect();
    let candidates: Vec<&dyn age::Identity> = keys
        .x25519
        .iter()
        .map(|i| i as &dyn age::Identity)
        .chain(scrypt_identities.iter().map(|i| i as &dyn age::Identity))
        .collect();
    let catcher = Catcher {
        candidates,
        caught: RefCell::new(None),
    };
    let inner = decryptor
        .decrypt(iter::once(&catcher as &dyn age::Identity))
        .map_err(|e| from_decrypt_error(e, passphrase_file && !scrypt_identities.is_empty()))?;
    let key = catcher
        .caught
        .into_inner()
        .ok_or_else(|| ExchangeError::corrupted("鍵の取り出しに失敗しました"))?;
    Ok((AgeReader { inner }, key))
}

/// Opens the same file again with the key remembered by the first pass.
pub(crate) fn reopen<R: Read>(input: R, file_key: &[u8; FILE_KEY_BYTES]) -> Result<AgeReader<R>> {
    let decryptor =
        Decryptor::new_buffered(age_input(input)?).map_err(|e| from_decrypt_error(e, false))?;
    let known = KnownKey(Zeroizing::new(*file_key));
    let inner = decryptor
        .decrypt(iter::once(&known as &dyn age::Identity))
        .map_err(|e| from_decrypt_error(e, false))?;
    Ok(AgeReader { inner })
}

/// Starts an age file to `to` on `out`; the caller must `finish()` it.
pub(crate) fn encrypt<W: Write>(out: W, to: &Recipient<'_>) -> Result<StreamWriter<W>> {
    let encryptor = match to {
        Recipient::Key(key) => {
            Encryptor::with_recipients(iter::once(key.age() as &dyn age::Recipient))
                .map_err(|e| ExchangeError::InvalidKeyFile(e.to_string()))?
        }
        Recipient::Passphrase(p) => {
            let mut r =
                scrypt::Recipient::new(SecretString::from(p.passphrase.expose_secret().to_owned()));
            r.set_work_factor(p.work_factor);
            Encryptor::with_recipients(iter::once(&r as &dyn age::Recipient))
                .map_err(|e| ExchangeError::InvalidKeyFile(e.to_string()))?
        }
    };
    encryptor.wrap_output(out).map_err(ExchangeError::Io)
}

fn from_decrypt_error(e: DecryptError, passphrase: bool) -> ExchangeError {
    match e {
        DecryptError::NoMatchingKeys => ExchangeError::WrongRecipient,
        DecryptError::DecryptionFailed | DecryptError::KeyDecryptionFailed if passphrase => {
            ExchangeError::BadPassphrase
        }
        DecryptError::ExcessiveWork { required, .. } => ExchangeError::WorkFactorTooHigh {
            required,
            max: MAX_WORK_FACTOR,
        },
        DecryptError::UnknownFormat => ExchangeError::UnsupportedVersion(
            "age の版が age-encryption.org/v1 ではありません".into(),
        ),
        DecryptError::InvalidMac => ExchangeError::corrupted("ヘッダーの MAC が一致しません"),
        DecryptError::InvalidHeader => ExchangeError::corrupted("ヘッダーが正しくありません"),
        DecryptError::Io(io) => ExchangeError::from(io),
        _ => ExchangeError::corrupted("鍵の復号に失敗しました"),
    }
}

/// Tries each candidate and keeps a copy of the file key that worked.
struct Catcher<'a> {
    candidates: Vec<&'a dyn age::Identity>,
    caught: RefCell<Option<Zeroizing<[u8; FILE_KEY_BYTES]>>>,
}

impl age::Identity for Catcher<'_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<std::result::Result<FileKey, DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(
        &self,
        stanzas: &[Stanza],
    ) -> Option<std::result::Result<FileKey, DecryptError>> {
        let found = self
            .candidates
            .iter()
            .find_map(|c| c.unwrap_stanzas(stanzas));
        if let Some(Ok(key)) = &found {
            *self.caught.borrow_mut() = Some(Zeroizing::new(*key.expose_secret()));
        }
        found
    }
}

/// Hands back a file key learnt in the first pass; age still verifies the
/// header MAC with it, so it opens only the same file.
struct KnownKey(Zeroizing<[u8; FILE_KEY_BYTES]>);

impl age::Identity for KnownKey {
    fn unwrap_stanza(&self, _: &Stanza) -> Option<std::result::Result<FileKey, DecryptError>> {
        Some(Ok(FileKey::new(Box::new(*self.0))))
    }
}
