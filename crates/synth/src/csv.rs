//! CSV in the ward's export layout: CP932 or UTF-8 with BOM, CRLF, header,
//! fields quoted only when they must be (RFC 4180).

use std::borrow::Borrow;
use std::io::Write;

use encoding_rs::{EncoderResult, SHIFT_JIS};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::error::SynthError;
use crate::messy::{
    push_fullwidth_digits, push_halfwidth_kana, Bad, Mess, Messiness, RowPlan, Truth, TruthEntry,
};
use crate::num::{push_num, push_padded, push_tenths};
use crate::resident::Resident;
use crate::wareki::{era_for_invalid, push_date, push_parts, DateStyle};

/// The sample export's header, in column order.
pub const HEADER: [&str; 19] = [
    "宛名番号",
    "受診券整理番号",
    "被保険者記号",
    "被保険者番号",
    "カナ氏名",
    "漢字氏名",
    "生年月日",
    "性別",
    "郵便番号",
    "住所",
    "方書",
    "電話番号",
    "資格取得年月日",
    "資格喪失年月日",
    "前年度特定健診受診",
    "過去5年受診回数",
    "BMI",
    "収縮期血圧",
    "HbA1c",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CsvFormat {
    /// Shift_JIS as Windows extends it (NEC and IBM extensions): 髙, 﨑 …
    Cp932,
    /// UTF-8 preceded by a byte-order mark, as Excel-friendly exports are.
    Utf8Bom,
}

/// How often `progress` hears of the number of residents written.
const PROGRESS_EVERY: u64 = 4096;
/// Output is handed to the writer in chunks of about this size, so an
/// unbuffered `File` costs no more than a buffered one.
const CHUNK: usize = 64 * 1024;

/// Writes `residents` as the ward's export. `progress` is called with the
/// number of residents written every 4096 rows and once at the end. Returns
/// the number of data lines.
pub fn write_csv<W, I>(
    w: W,
    residents: I,
    format: CsvFormat,
    progress: impl FnMut(u64),
) -> Result<u64, SynthError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Resident>,
{
    write_messy_csv(w, residents, format, &Messiness::default(), progress).map(|t| t.data_lines)
}

/// Writes `residents` as another municipality's export might look, and
/// returns what was done to which line. With `Messiness::default()` the
/// output is byte-identical to [`write_csv`].
pub fn write_messy_csv<W, I>(
    w: W,
    residents: I,
    format: CsvFormat,
    messiness: &Messiness,
    mut progress: impl FnMut(u64),
) -> Result<Truth, SynthError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Resident>,
{
    let rates = messiness.rates()?;
    let off = messiness.is_off();
    let mut rng = ChaCha20Rng::seed_from_u64(messiness.seed);
    let mut out = LineWriter::new(w, format)?;
    let mut truth = Truth {
        date_style: messiness.date_style,
        residents: 0,
        data_lines: 0,
        entries: Vec::new(),
    };
    let mut row = String::with_capacity(512);
    let mut field = String::with_capacity(128);
    let mut pending: Vec<Pending> = Vec::new();

    row.push_str(&HEADER.join(","));
    out.line(&row, 1)?;
    let mut line = 1u64;
    let mut next_report = PROGRESS_EVERY;

    for r in residents {
        let r = r.borrow();
        let plan = if off {
            RowPlan::plain(DateStyle::Slash)
        } else {
            RowPlan::draw(&mut rng, &rates, messiness.date_style, r)
        };
        row.clear();
        let written = format_row(&mut row, &mut field, r, &plan);
        line += 1;
        out.line(&row, line)?;
        truth.residents += 1;
        record(&mut truth, line, r.atena_no, &plan, written);

        for p in &mut pending {
            p.wait = p.wait.saturating_sub(1);
        }
        if let Some(wait) = plan.duplicate_after {
            pending.push(Pending {
                wait,
                text: row.clone(),
                of_line: line,
                atena_no: r.atena_no,
            });
        }
        // Due copies go out in the order they were scheduled.
        while let Some(i) = pending.iter().position(|p| p.wait == 0) {
            let p = pending.remove(i);
            line += 1;
            p.write(&mut out, &mut truth, line)?;
        }

        if truth.residents == next_report {
            progress(truth.residents);
            next_report += PROGRESS_EVERY;
        }
    }
    // The input ran out before these copies were due.
    for p in pending {
        line += 1;
        p.write(&mut out, &mut truth, line)?;
    }
    out.finish()?;
    truth.data_lines = line - 1;
    progress(truth.residents);
    Ok(truth)
}

/// A verbatim copy waiting to be written.
struct Pending {
    /// Rows still to write before the copy.
    wait: u32,
    text: String,
    of_line: u64,
    atena_no: u64,
}

impl Pending {
    fn write<W: Write>(
        self,
        out: &mut LineWriter<W>,
        truth: &mut Truth,
        line: u64,
    ) -> Result<(), SynthError> {
        out.line(&self.text, line)?;
        truth.entries.push(TruthEntry {
            line,
            atena_no: self.atena_no,
            mess: Mess::Duplicate {
                of_line: self.of_line,
            },
        });
        Ok(())
    }
}

fn record(truth: &mut Truth, line: u64, atena_no: u64, plan: &RowPlan, written: Option<String>) {
    let file_style = truth.date_style;
    let mut push = |mess| {
        truth.entries.push(TruthEntry {
            line,
            atena_no,
            mess,
        })
    };
    if plan.date_style != file_style {
        push(Mess::DateStyle {
            style: plan.date_style,
        });
    }
    if plan.halfwidth_kana {
        push(Mess::HalfwidthKana);
    }
    if plan.fullwidth_digits {
        push(Mess::FullwidthDigits);
    }
    if plan.comma_in_katagaki {
        push(Mess::CommaInKatagaki);
    }
    let written = written.unwrap_or_default();
    match plan.bad {
        Some(Bad::InvalidDate(..)) => push(Mess::InvalidDate { written }),
        Some(Bad::NonexistentEra(..)) => push(Mess::NonexistentEraDate { written }),
        Some(Bad::SixDigitPostal) => push(Mess::SixDigitPostal { written }),
        Some(Bad::BlankName) => push(Mess::BlankName),
        None => {}
    }
}

/// Formats one data row (without line end) into `row`. Returns the text
/// written for a deliberately bad field, for the truth record.
fn format_row(
    row: &mut String,
    field: &mut String,
    r: &Resident,
    plan: &RowPlan,
) -> Option<String> {
    let mut written = None;
    push_padded(row, r.atena_no, 9);
    row.push(',');
    push_padded(row, r.jushinken_no, 11);
    row.push(',');
    push_field(row, &r.hihokensha_kigo);
    row.push(',');
    push_field(row, &r.hihokensha_bango);
    row.push(',');

    let blank_name = plan.bad == Some(Bad::BlankName);
    if !blank_name {
        if plan.halfwidth_kana {
            field.clear();
            push_halfwidth_kana(field, &r.kana);
            push_field(row, field);
        } else {
            push_field(row, &r.kana);
        }
    }
    row.push(',');
    if !blank_name {
        push_field(row, &r.kanji);
    }
    row.push(',');

    match plan.bad {
        Some(Bad::InvalidDate(m, d)) => {
            let y = chrono::Datelike::year(&r.birth_date);
            field.clear();
            push_parts(field, y, m, d, era_for_invalid(y, m, d), plan.date_style);
            row.push_str(field);
            written = Some(field.clone());
        }
        Some(Bad::NonexistentEra(era, n, m, d, y)) => {
            // Only an era notation can name a day outside its era.
            let style = if plan.date_style.is_wareki() {
                plan.date_style
            } else {
                DateStyle::WarekiKanji
            };
            field.clear();
            push_parts(field, y, m, d, Some((era, n)), style);
            row.push_str(field);
            written = Some(field.clone());
        }
        _ => push_date(row, r.birth_date, plan.date_style),
    }
    row.push(',');
    push_num(row, u64::from(r.sex.code()));
    row.push(',');

    field.clear();
    match (r.postal_code.get(..3), r.postal_code.get(3..)) {
        (Some(a), Some(b)) if r.postal_code.len() == 7 => {
            field.push_str(a);
            field.push('-');
            field.push_str(b);
        }
        _ => field.push_str(&r.postal_code),
    }
    let six_digits = plan.bad == Some(Bad::SixDigitPostal);
    if six_digits {
        field.pop();
    }
    let start = row.len();
    push_digits(row, field, plan.fullwidth_digits);
    if six_digits {
        written = row.get(start..).map(str::to_owned);
    }
    row.push(',');

    push_field(row, &r.jusho);
    row.push(',');
    if plan.comma_in_katagaki {
        field.clear();
        let at = r
            .katagaki
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(r.katagaki.len());
        let (building, room) = r.katagaki.split_at(at);
        field.push_str(building);
        field.push(',');
        field.push_str(room);
        push_field(row, field);
    } else {
        push_field(row, &r.katagaki);
    }
    row.push(',');
    if let Some(p) = &r.phone {
        push_digits(row, p, plan.fullwidth_digits);
    }
    row.push(',');

    push_date(row, r.shikaku_shutoku, plan.date_style);
    row.push(',');
    if let Some(d) = r.shikaku_soshitsu {
        push_date(row, d, plan.date_style);
    }
    row.push(',');
    row.push(if r.prev_year_screened { '1' } else { '0' });
    row.push(',');
    push_num(row, u64::from(r.screenings_5y));
    row.push(',');
    if let Some(v) = r.bmi {
        push_decimal(row, v);
    }
    row.push(',');
    if let Some(v) = r.sbp {
        push_num(row, u64::from(v));
    }
    row.push(',');
    if let Some(v) = r.hba1c {
        push_decimal(row, v);
    }
    written
}

fn push_digits(row: &mut String, s: &str, fullwidth: bool) {
    if fullwidth {
        let start = row.len();
        push_fullwidth_digits(row, s);
        // Full-width forms never need quoting; the ASCII original decides.
        if needs_quotes(s) {
            let quoted = row.split_off(start);
            push_field(row, &quoted);
        }
    } else {
        push_field(row, s);
    }
}

fn needs_quotes(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// Appends `s`, quoted with inner quotes doubled only if it holds a comma,
/// quote or line break (RFC 4180).
fn push_field(row: &mut String, s: &str) {
    if !needs_quotes(s) {
        row.push_str(s);
        return;
    }
    row.push('"');
    for c in s.chars() {
        if c == '"' {
            row.push('"');
        }
        row.push(c);
    }
    row.push('"');
}

/// One decimal place, e.g. 27.3.
fn push_decimal(row: &mut String, v: f32) {
    let tenths = (f64::from(v) * 10.0).round();
    if (0.0..=1e9).contains(&tenths) {
        // Checked non-negative and small just above.
        push_tenths(row, tenths as u32);
    } else {
        use std::fmt::Write as _;
        let _ = write!(row, "{v:.1}");
    }
}

/// Encodes lines into a chunk buffer and hands full chunks to the writer.
struct LineWriter<W: Write> {
    w: W,
    // Shift_JIS encoding is stateless, so one encoder serves every line and
    // needs no final flush.
    encoder: Option<encoding_rs::Encoder>,
    buf: Vec<u8>,
}

impl<W: Write> LineWriter<W> {
    fn new(w: W, format: CsvFormat) -> Result<Self, SynthError> {
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        let encoder = match format {
            CsvFormat::Cp932 => Some(SHIFT_JIS.new_encoder()),
            CsvFormat::Utf8Bom => {
                buf.extend_from_slice(b"\xEF\xBB\xBF");
                None
            }
        };
        Ok(LineWriter { w, encoder, buf })
    }

    fn line(&mut self, text: &str, line: u64) -> Result<(), SynthError> {
        match &mut self.encoder {
            None => self.buf.extend_from_slice(text.as_bytes()),
            Some(enc) => encode(enc, text, &mut self.buf, line)?,
        }
        self.buf.extend_from_slice(b"\r\n");
        if self.buf.len() >= CHUNK {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), SynthError> {
        self.w.write_all(&self.buf)?;
        self.w.flush()?;
        Ok(())
    }
}

/// Appends `text` in CP932. Refuses, rather than substitutes, characters
/// CP932 lacks: a silently replaced character in a name is a wrong name.
fn encode(
    enc: &mut encoding_rs::Encoder,
    text: &str,
    buf: &mut Vec<u8>,
    line: u64,
) -> Result<(), SynthError> {
    let mut src = text;
    loop {
        let need = enc
            .max_buffer_length_from_utf8_without_replacement(src.len())
            .unwrap_or(src.len() * 2 + 16);
        let start = buf.len();
        buf.resize(start + need, 0);
        let (result, read, written) =
            enc.encode_from_utf8_without_replacement(src, &mut buf[start..], false);
        buf.truncate(start + written);
        match result {
            EncoderResult::InputEmpty => return Ok(()),
            EncoderResult::OutputFull => src = src.get(read..).unwrap_or(""),
            EncoderResult::Unmappable(ch) => return Err(SynthError::Unencodable { line, ch }),
        }
    }
}
