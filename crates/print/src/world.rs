//! typst's `World` for one document: a built-in template as `/main.typ`,
//! the data as `/data.json`, the shared fonts, and nothing else (no file
//! system, no packages, no network, no clock).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};
use typst_layout::PagedDocument;

use crate::{Fonts, Pdf, PrintError};

/// The two virtual files, interned once: typst's file ids are global and
/// never freed, so they must not be minted per compilation.
static FILES: LazyLock<Option<(FileId, FileId)>> = LazyLock::new(|| {
    let id = |p: &str| {
        VirtualPath::new(p)
            .ok()
            .map(|v| FileId::new(RootedPath::new(VirtualRoot::Project, v)))
    };
    Some((id("/main.typ")?, id("/data.json")?))
});

/// Marker a template panics with when a record does not fit its space;
/// what follows it (up to the closing quote) is the record's page_ref.
pub(crate) const OVERFLOW_MARKER: &str = "ITAKU-OVERFLOW:";

struct PrintWorld<'a> {
    fonts: &'a Fonts,
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl World for PrintWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.fonts.library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Documents carry their dates in the data; none reads the clock.
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))
}

/// Compiles `template` with `data` as `/data.json`, checks that no glyph
/// came out as tofu and that the page count is the one the caller laid
/// out, and exports the PDF. `space` names what a record overflowed if
/// the template reports one (e.g. ラベル).
pub(crate) fn render(
    fonts: &Fonts,
    template: &str,
    data: &serde_json::Value,
    expected_pages: usize,
    space: &'static str,
) -> Result<Pdf, PrintError> {
    if expected_pages == 0 {
        return Err(PrintError::Empty);
    }
    let document = compile(fonts, template, data, space)?;
    export(&document, expected_pages)
}

/// Lays out the document.
pub(crate) fn compile(
    fonts: &Fonts,
    template: &str,
    data: &serde_json::Value,
    space: &'static str,
) -> Result<PagedDocument, PrintError> {
    let (main_id, data_id) =
        (*FILES).ok_or_else(|| PrintError::Compile("仮想ファイルの名前が不正です".into()))?;
    let json = serde_json::to_vec(data).map_err(|e| PrintError::Compile(e.to_string()))?;
    let world = PrintWorld {
        fonts,
        main: Source::new(main_id, template.to_owned()),
        data_id,
        data: Bytes::new(json),
    };
    let result = typst::compile::<PagedDocument>(&world).output;
    // typst memoises layouts across compilations; each batch holds new
    // data, so old entries are dead weight.
    comemo::evict(1);
    result.map_err(|errors| compile_error(&errors, space))
}

/// Checks the page count and that no glyph came out as tofu, and writes
/// the PDF.
pub(crate) fn export(document: &PagedDocument, expected_pages: usize) -> Result<Pdf, PrintError> {
    let pages = document.pages().len();
    if pages != expected_pages {
        return Err(PrintError::Compile(format!(
            "ページ数が {pages} になりました（{expected_pages} のはずです）"
        )));
    }
    let mut tofu = BTreeSet::new();
    for page in document.pages() {
        collect_tofu(&page.frame, &mut tofu);
    }
    if !tofu.is_empty() {
        return Err(PrintError::MissingGlyphs {
            chars: tofu,
            where_: "組版結果".into(),
        });
    }
    let options = typst_pdf::PdfOptions {
        ident: Smart::Auto,
        // Tagging (accessibility structure) costs export time on 100,000
        // pages, and nobody reads mail-merge output with a screen reader.
        tagged: false,
        ..Default::default()
    };
    let bytes = typst_pdf::pdf(document, &options).map_err(|errors| {
        PrintError::Export(
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" / "),
        )
    })?;
    Ok(Pdf { bytes, pages })
}

/// For each page, the index of the first of `needles` that some text run
/// on the page is exactly equal to.
pub(crate) fn pages_marked(
    document: &PagedDocument,
    needles: &std::collections::HashMap<&str, usize>,
) -> Vec<Option<usize>> {
    fn find(frame: &Frame, needles: &std::collections::HashMap<&str, usize>) -> Option<usize> {
        frame.items().find_map(|(_, item)| match item {
            FrameItem::Group(group) => find(&group.frame, needles),
            FrameItem::Text(text) => needles.get(text.text.as_str()).copied(),
            _ => None,
        })
    }
    document
        .pages()
        .iter()
        .map(|p| find(&p.frame, needles))
        .collect()
}

fn compile_error(errors: &[SourceDiagnostic], space: &'static str) -> PrintError {
    for e in errors {
        if let Some(at) = e.message.find(OVERFLOW_MARKER) {
            let rest = &e.message[at + OVERFLOW_MARKER.len()..];
            let page_ref = rest.split('"').next().unwrap_or(rest).to_owned();
            return PrintError::DoesNotFit { page_ref, space };
        }
    }
    PrintError::Compile(
        errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" / "),
    )
}

/// Characters whose glyph came out as .notdef (glyph 0): the last line of
/// defence, should a template's own text or a conversion slip past the
/// check on the input.
fn collect_tofu(frame: &Frame, out: &mut BTreeSet<char>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_tofu(&group.frame, out),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    let chars = text.text.get(glyph.range()).unwrap_or_default();
                    out.extend(chars.chars().filter(|c| !c.is_whitespace()));
                }
            }
            _ => {}
        }
    }
}

/// One laid-out page as PNG, for a proof on screen (校正刷り): checked
/// for tofu like an export. `pixel_per_pt` 2.0 gives about 144 dpi.
pub(crate) fn page_png(
    document: &PagedDocument,
    page: usize,
    pixel_per_pt: f32,
) -> Result<Vec<u8>, PrintError> {
    let page = document
        .pages()
        .get(page)
        .ok_or_else(|| PrintError::Compile(format!("{page} ページ目はありません")))?;
    let mut tofu = BTreeSet::new();
    collect_tofu(&page.frame, &mut tofu);
    if !tofu.is_empty() {
        return Err(PrintError::MissingGlyphs {
            chars: tofu,
            where_: "組版結果".into(),
        });
    }
    let options = typst_render::RenderOptions {
        pixel_per_pt: f64::from(pixel_per_pt).into(),
        ..Default::default()
    };
    typst_render::render(page, &options)
        .encode_png()
        .map_err(|e| PrintError::Export(e.to_string()))
}
