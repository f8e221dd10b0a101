//! Source encodings of municipal exports: CP932 (Shift_JIS with the NEC and
//! IBM extensions) or UTF-8, and the 外字 they may carry.
//!
//! Bytes that are not valid in the declared encoding are an error, never a
//! U+FFFD: a row with a broken name must be rejected with its line number,
//! not stored garbled. 外字 (user-defined characters, CP932 F040–F9FC) decode
//! to private-use code points U+E000–U+E757 and are kept exactly; they are
//! reported in [`Decoded::gaiji`] so that a person can review them.

use encoding_rs::{DecoderResult, EncoderResult, SHIFT_JIS};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The encoding a source file is declared to be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceEncoding {
    /// Windows-31J: Shift_JIS with NEC row 13 and the IBM extensions.
    Cp932,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
}

impl SourceEncoding {
    /// Accepts the labels municipal systems and profiles use, any case.
    pub fn from_label(label: &str) -> Option<Self> {
        match label.trim().to_ascii_lowercase().as_str() {
            "cp932" | "shift_jis" | "shift-jis" | "sjis" | "windows-31j" | "ms932" => {
                Some(Self::Cp932)
            }
            "utf-8" | "utf8" | "utf-8-bom" => Some(Self::Utf8),
            _ => None,
        }
    }

    /// The canonical label, as written in profiles.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cp932 => "cp932",
            Self::Utf8 => "utf-8",
        }
    }
}

impl Serialize for SourceEncoding {
    /// As the canonical label: "cp932" or "utf-8".
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for SourceEncoding {
    /// Any label [`SourceEncoding::from_label`] accepts.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let label = String::deserialize(d)?;
        Self::from_label(&label).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "文字コード「{label}」は扱えません（cp932, shift_jis, utf-8 など）"
            ))
        })
    }
}

impl fmt::Display for SourceEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cp932 => "Shift_JIS（CP932）",
            Self::Utf8 => "UTF-8",
        })
    }
}

/// A 外字: a private-use character found in decoded text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Gaiji {
    /// Position in the decoded text, counted in characters from 0.
    pub index: usize,
    /// The private-use code point, U+E000–U+F8FF.
    pub code_point: char,
}

impl Gaiji {
    /// The CP932 user-defined-area code (F040–F9FC) this character came
    /// from, when it lies in the 1,880 characters that area holds.
    pub fn cp932_code(&self) -> Option<u16> {
        let [lead, trail] = pua_to_cp932(self.code_point)?;
        Some(u16::from_be_bytes([lead, trail]))
    }
}

impl fmt::Display for Gaiji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}文字目に外字 U+{:04X}",
            self.index + 1,
            u32::from(self.code_point)
        )?;
        if let Some(code) = self.cp932_code() {
            write!(f, "（Shift_JIS {code:04X}）")?;
        }
        Ok(())
    }
}

/// True for the Basic Multilingual Plane private-use area, where every
/// vendor maps its 外字.
pub fn is_gaiji(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// Every 外字 in a text, in order.
pub fn find_gaiji(text: &str) -> Vec<Gaiji> {
    text.chars()
        .enumerate()
        .filter(|(_, c)| is_gaiji(*c))
        .map(|(index, code_point)| Gaiji { index, code_point })
        .collect()
}

/// Decoded text and the 外字 it contains.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decoded {
    pub text: String,
    pub gaiji: Vec<Gaiji>,
}

impl Decoded {
    fn new(text: String) -> Self {
        let gaiji = find_gaiji(&text);
        Self { text, gaiji }
    }
}

/// Bytes that are not text in the declared encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}バイト目の {} は {encoding}の文字として読めません（ファイルの文字コードの指定違いか、壊れたデータの可能性があります）", .offset + 1, hex(.bytes))]
pub struct DecodeError {
    pub encoding: SourceEncoding,
    /// Offset of the first bad byte within the decoded slice, from 0.
    pub offset: usize,
    /// The bad byte sequence (1–4 bytes).
    pub bytes: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("0x{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The input without a leading UTF-8 byte-order mark. Call it on the first
/// line (or the whole file) of a UTF-8 source.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// True when the input starts with a UTF-8 byte-order mark, whatever the
/// profile says: such a file is certainly not CP932.
pub fn starts_with_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(UTF8_BOM)
}

/// Decodes one field. Invalid sequences are an error; 外字 are kept and
/// listed.
pub fn decode_field(bytes: &[u8], encoding: SourceEncoding) -> Result<Decoded, DecodeError> {
    let text = match encoding {
        SourceEncoding::Cp932 => decode_cp932(bytes)?,
        SourceEncoding::Utf8 => decode_utf8(bytes)?,
    };
    Ok(Decoded::new(text))
}

/// Decodes one record line, without its line end (CRLF or LF). A BOM is not
/// removed here: pass the first line through [`strip_bom`].
pub fn decode_line(bytes: &[u8], encoding: SourceEncoding) -> Result<Decoded, DecodeError> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    decode_field(body, encoding)
}

fn decode_utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let offset = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - offset);
            Err(DecodeError {
                encoding: SourceEncoding::Utf8,
                offset,
                bytes: bytes[offset..offset + len].to_vec(),
            })
        }
    }
}

fn decode_cp932(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let mut consumed = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[consumed..], &mut out, true);
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(bytes.len() - consumed + 16),
            DecoderResult::Malformed(bad, after) => {
                let end = consumed - usize::from(after);
                let start = end.saturating_sub(usize::from(bad));
                return Err(DecodeError {
                    encoding: SourceEncoding::Cp932,
                    offset: start,
                    bytes: bytes[start..end].to_vec(),
                });
            }
        }
    }
}

/// A character CP932 cannot represent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}文字目の「{ch}」（U+{:04X}）は Shift_JIS（CP932）で書き出せない文字です", .index + 1, u32::from(*.ch))]
pub struct Unmappable {
    pub ch: char,
    /// Position in the text, counted in characters from 0.
    pub index: usize,
}

/// The CP932 code a private-use character came from: the user-defined area
/// F040–F9FC holds 188 characters per lead byte, mapped in order to
/// U+E000–U+E757 (Microsoft's table).
fn pua_to_cp932(c: char) -> Option<[u8; 2]> {
    let n = u32::from(c).checked_sub(0xE000)?;
    if n >= 10 * 188 {
        return None;
    }
    let lead = 0xF0 + n / 188;
    let cell = n % 188;
    // Trail bytes run 40–7E then 80–FC: 7F is never a trail byte.
    let trail = if cell < 63 { 0x40 + cell } else { 0x41 + cell };
    Some([u8::try_from(lead).ok()?, u8::try_from(trail).ok()?])
}

/// Characters that Unicode-native sources spell differently from CP932
/// (the "wave dash problem"): mapped to the CP932 code that JIS X 0208
/// assigns the same character, so UTF-8 text from Macs and the web can be
/// exported. Decoding gives back Microsoft's code point.
fn jis_variant_to_cp932(c: char) -> Option<[u8; 2]> {
    Some(match c {
        '\u{301C}' => [0x81, 0x60], // 〜 wave dash → ～
        '\u{2016}' => [0x81, 0x61], // ‖ → ∥
        '\u{2212}' => [0x81, 0x7C], // − minus → －
        '\u{00A2}' => [0x81, 0x91], // ¢ → ￠
        '\u{00A3}' => [0x81, 0x92], // £ → ￡
        '\u{00AC}' => [0x81, 0xCA], // ¬ → ￢
        '\u{2014}' => [0x81, 0x5C], // — em dash → ―
        _ => return None,
    })
}

/// Encodes text as CP932 for exports to municipal systems. 外字 go back to
/// their user-defined-area codes; a character CP932 cannot hold is an error
/// naming it (never `?` or an HTML entity).
pub fn encode_cp932(text: &str) -> Result<Vec<u8>, Unmappable> {
    let mut encoder = SHIFT_JIS.new_encoder();
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut rest = text;
    loop {
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => return Ok(out),
            EncoderResult::OutputFull => out.reserve(rest.len() * 2 + 16),
            EncoderResult::Unmappable(ch) => {
                match pua_to_cp932(ch).or_else(|| jis_variant_to_cp932(ch)) {
                    Some(bytes) => out.extend_from_slice(&bytes),
                    None => {
                        let before = text.len() - rest.len() - ch.len_utf8();
                        let index = text[..before].chars().count();
                        return Err(Unmappable { ch, index });
                    }
                }
            }
        }
    }
}
