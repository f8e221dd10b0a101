//! 圧着はがき: address side (page 1) and message side (page 2) for each
//! resident, 100 × 148 mm portrait.

use std::collections::HashMap;

use itaku_jp::{Bar, PostalCode};
use serde_json::{json, Value};

use crate::check::GlyphCheck;
use crate::text::{paragraphs, runs};
use crate::vertical::{address_side, TooLong};
use crate::world::{compile, pages_marked};
use crate::{Fonts, Pdf, PrintError};

const TEMPLATE: &str = include_str!("../templates/postcard.typ");

/// Bars in a customer barcode: start (2) + 20 characters × 3 + check
/// digit (3) + stop (2).
pub const BARCODE_BARS: usize = 67;

/// The ward office that sends the mail: its return address on every card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// 7 digits (hyphen and full-width digits accepted).
    pub postal_code: String,
    /// e.g. 東京都新宿区歌舞伎町1-4-1.
    pub address: String,
    /// e.g. 新宿区健康部健康づくり課.
    pub name: String,
    /// The number residents call, e.g. 03-5273-3047.
    pub phone: String,
}

/// One resident's postcard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcard {
    /// Discreet run/page id printed small on both sides, e.g. R12-000037.
    pub page_ref: String,
    /// 7 digits (hyphen and full-width digits accepted).
    pub postal_code: String,
    /// Address, set vertically; digits become kanji numerals digit by digit.
    pub jusho: String,
    /// 方書 (building, room, c/o), set vertically under the address; may be empty.
    pub katagaki: String,
    /// Name, printed large with 様.
    pub shimei: String,
    /// Japan Post customer barcode, exactly [`BARCODE_BARS`] bars, or none
    /// (a representative postal code, which the manual gives no barcode).
    pub barcode: Vec<Bar>,
    /// Heading of the message side.
    pub message_title: String,
    /// Message, already filled in; "\n\n" separates paragraphs.
    pub message_body: String,
}

/// All postcards in one PDF: two pages per card, address side first.
/// For large runs use [`postcards_batched`] or [`postcards_parallel`].
pub fn postcards(fonts: &Fonts, sender: &Sender, cards: &[Postcard]) -> Result<Pdf, PrintError> {
    let sender_json = prepare_all(fonts, sender, cards)?;
    render_batch(fonts, &sender_json, cards)
}

/// Checks every card first (nothing is produced if any card would print
/// tofu or cannot be laid out), then renders `batch` cards per PDF, one
/// batch per call to `next`.
pub fn postcards_batched<'a>(
    fonts: &'a Fonts,
    sender: &Sender,
    cards: &'a [Postcard],
    batch: usize,
) -> Result<PostcardBatches<'a>, PrintError> {
    let sender = prepare_all(fonts, sender, cards)?;
    Ok(PostcardBatches {
        fonts,
        sender,
        chunks: cards.chunks(batch.max(1)),
    })
}

/// Batches of rendered postcards, in order.
pub struct PostcardBatches<'a> {
    fonts: &'a Fonts,
    sender: Value,
    chunks: std::slice::Chunks<'a, Postcard>,
}

impl Iterator for PostcardBatches<'_> {
    type Item = Result<Pdf, PrintError>;

    fn next(&mut self) -> Option<Self::Item> {
        let chunk = self.chunks.next()?;
        Some(render_batch(self.fonts, &self.sender, chunk))
    }
}

/// [`postcards_batched`] on `threads` threads. `sink` receives each
/// batch's index (0-based, in card order) and PDF, on the calling thread,
/// in completion order; the first error (from rendering or from `sink`)
/// stops the work and is returned. Only `threads` batches are in memory
/// at once. typst lays pages out on its own thread pool as well, so more
/// threads than cores do not help; two on two cores keep both busy
/// through the single-threaded parts (evaluation, PDF export).
pub fn postcards_parallel(
    fonts: &Fonts,
    sender: &Sender,
    cards: &[Postcard],
    batch: usize,
    threads: usize,
    mut sink: impl FnMut(usize, Pdf) -> Result<(), PrintError>,
) -> Result<(), PrintError> {
    let sender = prepare_all(fonts, sender, cards)?;
    let chunks: Vec<&[Postcard]> = cards.chunks(batch.max(1)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let threads = threads.clamp(1, chunks.len().max(1));
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<Pdf, PrintError>)>(threads);
        for _ in 0..threads {
            let tx = tx.clone();
            let (chunks, next, stop, sender) = (&chunks, &next, &stop, &sender);
            scope.spawn(move || {
                use std::sync::atomic::Ordering;
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(i) else { break };
                    if tx.send((i, render_batch(fonts, sender, chunk))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut result = Ok(());
        for (i, pdf) in rx {
            if result.is_ok() {
                result = pdf.and_then(|pdf| sink(i, pdf));
                if result.is_err() {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        result
    })
}

/// Checks the sender and every card; returns the sender as template data.
fn prepare_all(fonts: &Fonts, sender: &Sender, cards: &[Postcard]) -> Result<Value, PrintError> {
    let mut check = GlyphCheck::new(fonts);
    check.field("差出人", "郵便番号", &sender.postal_code);
    check.field("差出人", "住所", &sender.address);
    check.field("差出人", "名称", &sender.name);
    check.field("差出人", "電話番号", &sender.phone);
    for c in cards {
        let who = c.page_ref.as_str();
        check.field(who, "通番", who);
        check.field(who, "郵便番号", &c.postal_code);
        check.field(who, "住所", &c.jusho);
        check.field(who, "方書", &c.katagaki);
        check.field(who, "氏名", &c.shimei);
        check.field(who, "文面の見出し", &c.message_title);
        check.field(who, "文面", &c.message_body);
    }
    check.finish()?;
    let mut seen = std::collections::HashSet::new();
    for c in cards {
        if c.page_ref.trim().is_empty() || !seen.insert(c.page_ref.as_str()) {
            return Err(PrintError::Invalid {
                where_: format!("通番「{}」", c.page_ref),
                reason: "通番が空か、同じ通番のはがきが複数あります。通番は1枚ごとに別の値にしてください".into(),
            });
        }
    }
    let sender_postal =
        PostalCode::parse(&sender.postal_code).map_err(|e| PrintError::Invalid {
            where_: "差出人の郵便番号".into(),
            reason: e.to_string(),
        })?;
    for c in cards {
        card_json(fonts, c)?;
    }
    Ok(json!({
        "postal": format!("〒{sender_postal}"),
        "address": runs(fonts, &sender.address),
        "name": runs(fonts, &sender.name),
        "phone": runs(fonts, &sender.phone),
    }))
}

/// Type sizes for the message side's title and body, largest first. A
/// card starts at the first; one whose message runs onto a third page is
/// laid out again at the next.
const MESSAGE_SIZES: [(f64, f64); 3] = [(15.0, 11.0), (13.0, 10.0), (11.0, 9.0)];

/// Renders a batch. Overflow is found after layout (a page without a
/// page_ref follows the card whose message ran over) rather than by
/// measuring in typst, which would lay every message out twice; the
/// cards that overflowed move to the next size and the batch is laid out
/// again.
fn render_batch(fonts: &Fonts, sender: &Value, cards: &[Postcard]) -> Result<Pdf, PrintError> {
    let document = lay_out(fonts, sender, cards)?;
    crate::world::export(&document, cards.len() * 2)
}

/// The cards laid out, each message set as large as still fits its side.
fn lay_out(
    fonts: &Fonts,
    sender: &Value,
    cards: &[Postcard],
) -> Result<typst_layout::PagedDocument, PrintError> {
    const SPACE: &str = "はがきの通信面";
    if cards.is_empty() {
        return Err(PrintError::Empty);
    }
    let mut cards_json = cards
        .iter()
        .map(|c| card_json(fonts, c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut levels = vec![0usize; cards.len()];
    let refs: HashMap<&str, usize> = cards
        .iter()
        .enumerate()
        .map(|(i, c)| (c.page_ref.as_str(), i))
        .collect();
    loop {
        for (card, &level) in cards_json.iter_mut().zip(&levels) {
            let (title, body) = MESSAGE_SIZES[level];
            card["title_size"] = json!(title);
            card["body_size"] = json!(body);
        }
        let data = json!({ "sender": sender, "cards": &cards_json });
        let document = compile(fonts, TEMPLATE, &data, SPACE)?;
        if document.pages().len() == cards.len() * 2 {
            return Ok(document);
        }
        // A page without a page_ref continues the card before it.
        let mut progressed = false;
        let mut last = None;
        let mut bumped = vec![false; cards.len()];
        for marked in pages_marked(&document, &refs) {
            match (marked, last) {
                (Some(i), _) => last = Some(i),
                (None, Some(i)) if !bumped[i] => {
                    bumped[i] = true;
                    levels[i] += 1;
                    if levels[i] == MESSAGE_SIZES.len() {
                        return Err(PrintError::DoesNotFit {
                            page_ref: cards[i].page_ref.clone(),
                            space: SPACE,
                        });
                    }
                    progressed = true;
                }
                (None, _) => {}
            }
        }
        if !progressed {
            // Page count off for a reason other than a long message: the
            // export's page check reports it.
            return Ok(document);
        }
    }
}

/// One card as template data, or why it cannot be printed.
fn card_json(fonts: &Fonts, c: &Postcard) -> Result<Value, PrintError> {
    let invalid = |field: &str, reason: String| PrintError::Invalid {
        where_: format!("{} の{field}", c.page_ref),
        reason,
    };
    let postal =
        PostalCode::parse(&c.postal_code).map_err(|e| invalid("郵便番号", e.to_string()))?;
    if !c.barcode.is_empty() && c.barcode.len() != BARCODE_BARS {
        return Err(invalid(
            "カスタマバーコード",
            format!(
                "バーが {} 本あります（{BARCODE_BARS} 本のはずです）。住所表示番号から作り直してください",
                c.barcode.len()
            ),
        ));
    }
    let columns = address_side(fonts, &c.jusho, &c.katagaki, &c.shimei).map_err(|e| match e {
        TooLong::Address => invalid(
            "住所",
            "住所と方書が長すぎて、はがきの宛名欄に収まりません。方書を短くするか、封書で送ってください".into(),
        ),
        TooLong::Name => invalid(
            "氏名",
            "氏名が長すぎて、はがきの宛名欄に収まりません".into(),
        ),
    })?;
    Ok(json!({
        "ref": c.page_ref,
        "zip": postal.digits(),
        "cols": columns.iter().map(|col| col.to_json()).collect::<Vec<_>>(),
        "bars": bars(&c.barcode),
        "name": runs(fonts, &c.shimei),
        "title": runs(fonts, &c.message_title),
        "body": paragraphs(fonts, &c.message_body),
    }))
}

/// The bars as one letter each, for the template: F (long), A (upper
/// semi-long), D (lower semi-long), T (timing).
fn bars(bars: &[Bar]) -> String {
    bars.iter()
        .map(|b| match b {
            Bar::Long => 'F',
            Bar::Upper => 'A',
            Bar::Lower => 'D',
            Bar::Timing => 'T',
        })
        .collect()
}

/// One side of one card (0 address, 1 message) as PNG, checked like a
/// print: a proof on screen of exactly what will print.
pub fn postcard_png(
    fonts: &Fonts,
    sender: &Sender,
    card: &Postcard,
    side: usize,
    pixel_per_pt: f32,
) -> Result<Vec<u8>, PrintError> {
    let cards = std::slice::from_ref(card);
    let sender_json = prepare_all(fonts, sender, cards)?;
    let document = lay_out(fonts, &sender_json, cards)?;
    crate::world::page_png(&document, side.min(1), pixel_per_pt)
}
