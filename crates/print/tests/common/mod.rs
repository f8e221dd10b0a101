//! Reading rendered PDFs back with poppler, as a person's tools would.
#![allow(dead_code)]

pub mod sample;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use itaku_print::{Fonts, Pdf};

pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load_system().unwrap())
}

pub fn to_file(pdf: &Pdf) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    f.write_all(&pdf.bytes).unwrap();
    f.flush().unwrap();
    f
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Text of one page (1-based) or all pages, in content-stream order
/// (`-raw`): vertical columns come out one character per cell, in order.
pub fn text(pdf: &Pdf, page: Option<usize>) -> String {
    let f = to_file(pdf);
    let mut cmd = Command::new("pdftotext");
    cmd.arg("-raw").arg("-enc").arg("UTF-8");
    if let Some(p) = page {
        cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    run(cmd.arg(f.path()).arg("-"))
}

/// The text with all whitespace removed, for finding words set vertically
/// or broken across lines.
pub fn squashed(pdf: &Pdf, page: Option<usize>) -> String {
    text(pdf, page)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Pages as pdfinfo counts them.
pub fn pdfinfo_pages(pdf: &Pdf) -> usize {
    let f = to_file(pdf);
    let out = run(Command::new("pdfinfo").arg(f.path()));
    out.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// pdfinfo's page size line for page 1, in points.
pub fn page_size_pt(pdf: &Pdf) -> (f64, f64) {
    let f = to_file(pdf);
    let out = run(Command::new("pdfinfo").arg(f.path()));
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap();
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[0], nums[1])
}

#[derive(Debug)]
pub struct FontRow {
    pub name: String,
    pub kind: String,
    pub embedded: bool,
    pub subset: bool,
}

/// pdffonts' table.
pub fn pdffonts(pdf: &Pdf) -> Vec<FontRow> {
    let f = to_file(pdf);
    let out = run(Command::new("pdffonts").arg(f.path()));
    out.lines()
        .skip(2)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            // name type [type2] encoding emb sub uni object ID
            let n = cols.len();
            FontRow {
                name: cols[0].to_owned(),
                kind: cols[1..n - 6].join(" "),
                embedded: cols[n - 5] == "yes",
                subset: cols[n - 4] == "yes",
            }
        })
        .collect()
}

/// A page rendered in grey by pdftoppm.
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub dpi: f64,
    pub pixels: Vec<u8>,
}

impl Gray {
    pub fn at_mm(&self, x_mm: f64, y_mm: f64) -> u8 {
        let x = (x_mm / 25.4 * self.dpi) as usize;
        let y = (y_mm / 25.4 * self.dpi) as usize;
        self.pixels[y.min(self.height - 1) * self.width + x.min(self.width - 1)]
    }

    /// Dark runs along a horizontal line at `y_mm`, from `x0` to `x1` mm.
    pub fn dark_runs(&self, y_mm: f64, x0: f64, x1: f64) -> usize {
        let y = (y_mm / 25.4 * self.dpi) as usize;
        let (a, b) = (
            (x0 / 25.4 * self.dpi) as usize,
            (x1 / 25.4 * self.dpi) as usize,
        );
        let row = &self.pixels[y * self.width..(y + 1) * self.width];
        let mut runs = 0;
        let mut inside = false;
        for &p in &row[a..b.min(self.width)] {
            let dark = p < 128;
            if dark && !inside {
                runs += 1;
            }
            inside = dark;
        }
        runs
    }

    /// Share of dark pixels in a rectangle given in mm.
    pub fn dark_share(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> f64 {
        let px = |mm: f64| (mm / 25.4 * self.dpi) as usize;
        let (mut dark, mut all) = (0usize, 0usize);
        for y in px(y0)..px(y1).min(self.height) {
            for x in px(x0)..px(x1).min(self.width) {
                all += 1;
                if self.pixels[y * self.width + x] < 128 {
                    dark += 1;
                }
            }
        }
        dark as f64 / all.max(1) as f64
    }
}

/// Renders one page (1-based) with `pdftoppm -gray` and reads the PGM.
pub fn render_gray(pdf: &Pdf, page: usize, dpi: u32) -> Gray {
    let f = to_file(pdf);
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("p");
    run(Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string(), "-singlefile"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(f.path())
        .arg(&prefix));
    let bytes = std::fs::read(prefix.with_extension("pgm")).unwrap();
    parse_pgm(&bytes, f64::from(dpi))
}

fn parse_pgm(bytes: &[u8], dpi: f64) -> Gray {
    // P5\n<w> <h>\n<max>\n<data>
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..i]).unwrap().to_owned());
    }
    assert_eq!(fields[0], "P5");
    let width: usize = fields[1].parse().unwrap();
    let height: usize = fields[2].parse().unwrap();
    let pixels = bytes[i + 1..].to_vec();
    assert_eq!(pixels.len(), width * height);
    Gray {
        width,
        height,
        dpi,
        pixels,
    }
}

/// crates/print/test-artifacts/ (gitignored).
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the PDF and a PNG per page into the artifacts directory.
pub fn save_artifacts(name: &str, pdf: &Pdf, dpi: u32) {
    let dir = artifacts_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf.bytes).unwrap();
    run(Command::new("pdftoppm")
        .args(["-png", "-r", &dpi.to_string()])
        .arg(&path)
        .arg(dir.join(name)));
}

/// Height in points of the first word (as pdftotext -bbox splits them) on
/// `page` that contains `needle`: the type size, near enough.
pub fn word_height(pdf: &Pdf, page: usize, needle: &str) -> Option<f64> {
    let f = to_file(pdf);
    let out = run(Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(f.path())
        .arg("-"));
    out.lines().filter(|l| l.contains("<word")).find_map(|l| {
        let word = l.split('>').nth(1)?.split('<').next()?;
        if !word.contains(needle) {
            return None;
        }
        let attr = |name: &str| -> Option<f64> {
            l.split(&format!("{name}=\""))
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()
        };
        Some(attr("yMax")? - attr("yMin")?)
    })
}
