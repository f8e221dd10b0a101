//! The crate's one error type. Messages are for the clerk who runs the
//! print job: what is wrong, where, and what to do about it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Why nothing was printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Characters no loaded font can draw. Nothing is rendered: printing
    /// them would put tofu (□) on a resident's mail.
    #[error("印刷できない文字があります: {}（{where_}）。外字は登録された文字（IPAmj明朝で表せる文字や異体字セレクタ付きの文字）に置き換えてから印刷してください", describe_chars(.chars))]
    MissingGlyphs {
        /// The characters, each once.
        chars: BTreeSet<char>,
        /// Whose record and which field, e.g. 「R12-000037 の氏名」.
        where_: String,
    },
    /// A font file the system set needs is not installed.
    #[error("フォントファイル {path} がありません。Debian パッケージ {package} をインストールしてください（apt-get install {package}）")]
    FontNotInstalled {
        /// The file that was looked for.
        path: PathBuf,
        /// The Debian package that installs it.
        package: &'static str,
    },
    /// A font file exists but cannot be read or holds no usable font.
    #[error("フォントファイル {path} を読み込めません: {reason}")]
    Font {
        /// The file.
        path: PathBuf,
        /// What went wrong, as the system reported it.
        reason: String,
    },
    /// A record cannot be printed as given (e.g. a postal code that is not
    /// seven digits, a barcode of the wrong length, an address too long for
    /// the card).
    #[error("{where_}: {reason}")]
    Invalid {
        /// Whose record and which field.
        where_: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A record's text does not fit its space (the message side of a
    /// postcard, a label, a voucher) even at the smallest permitted size.
    #[error(
        "{page_ref} の内容が長すぎて{space}に収まりません。文面や住所・方書を短くしてください"
    )]
    DoesNotFit {
        /// The record that overflowed.
        page_ref: String,
        /// Where it had to fit, e.g. はがきの通信面.
        space: &'static str,
    },
    /// Nothing to print: a PDF needs at least one page.
    #[error("印刷する件数が 0 件です。抽出条件を確認してください")]
    Empty,
    /// typst refused the document. This is a fault in this crate's
    /// templates, not in the data: report it to the developers.
    #[error("帳票の組版に失敗しました（開発者に連絡してください）: {0}")]
    Compile(String),
    /// typst could not write the PDF.
    #[error("PDF の書き出しに失敗しました（開発者に連絡してください）: {0}")]
    Export(String),
}

/// 「髙」(U+9AD9) style list, so the clerk can find the character in the
/// register even when their screen cannot show it either.
fn describe_chars(chars: &BTreeSet<char>) -> String {
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 {
            out.push('、');
        }
        let _ = write!(out, "「{c}」(U+{:04X})", u32::from(*c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_glyphs_message_names_each_code_point_and_the_record() {
        let err = PrintError::MissingGlyphs {
            chars: ['\u{E000}', '髙'].into_iter().collect(),
            where_: "R1-000001 の氏名".into(),
        };
        let msg = err.to_string();
        assert!(msg.contains("U+E000"), "{msg}");
        assert!(msg.contains("U+9AD9"), "{msg}");
        assert!(msg.contains("R1-000001 の氏名"), "{msg}");
    }

    #[test]
    fn font_not_installed_names_the_package() {
        let err = PrintError::FontNotInstalled {
            path: "/x/ipamjm.ttf".into(),
            package: "fonts-ipamj-mincho",
        };
        assert!(err
            .to_string()
            .contains("apt-get install fonts-ipamj-mincho"));
    }
}
