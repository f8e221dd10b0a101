//! Rendering only: data in, PDF bytes out.
//!
//! Postcards (圧着はがき), address labels and screening vouchers for the
//! ward's mail campaigns, typeset with typst as a library. Nothing here
//! reads a database or decides who gets mail: callers pass filled-in
//! records and get PDF bytes back.
//!
//! - **Never tofu.** Every render function checks every string against the
//!   loaded fonts first and refuses with [`PrintError::MissingGlyphs`]
//!   (characters and records) before laying out anything; 外字 in the
//!   Private Use Area is refused this way. After layout a second check
//!   looks for .notdef glyphs in the result.
//! - **Fonts:** BIZ UD (universal design) for text, IPAmj Mincho as the
//!   fallback for MJ kanji and ideographic variation sequences.
//! - **Scale:** documents avoid typst's document-wide introspection, and
//!   postcards render in batches ([`postcards_batched`],
//!   [`postcards_parallel`]) so memory stays flat.

mod certificate;
mod check;
mod error;
mod fonts;
mod label;
mod plain;
mod postcard;
mod report;
mod text;
mod vertical;
mod visit;
mod voucher;
mod world;

pub use certificate::certificate;
pub use error::PrintError;
pub use fonts::{Fonts, SYSTEM_FONTS};
pub use label::{labels, Label, LabelSheet, SheetGeometry};
pub use plain::plain_pages;
pub use postcard::{
    postcard_png, postcards, postcards_batched, postcards_parallel, Postcard, PostcardBatches,
    Sender,
};
pub use report::{analysis_report, Report, ReportSection, ReportTable};
pub use visit::{visit_half, AddressRow, NameRow, VisitHalf, VISIT_ROWS_PER_PAGE};
pub use voucher::{vouchers, Voucher, VoucherDesk};

/// A rendered document.
#[derive(Clone, PartialEq, Eq)]
pub struct Pdf {
    /// The PDF file's bytes.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
}

impl std::fmt::Debug for Pdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pdf")
            .field("bytes", &self.bytes.len())
            .field("pages", &self.pages)
            .finish()
    }
}
