//! The container inside the age file: magic, version, then tagged,
//! length-prefixed sections (layout in the crate documentation).

use std::io::{self, Read, Write};

use crate::error::{ExchangeError, Result};
use crate::manifest::FORMAT_VERSION;

pub(crate) const MAGIC: &[u8; 10] = b"ITAKU-XCHG";
pub(crate) const TAG_HEAD: u8 = b'H';
pub(crate) const TAG_DATA: u8 = b'D';
pub(crate) const TAG_MANIFEST: u8 = b'M';
pub(crate) const TAG_SIGNATURE: u8 = b'S';

pub(crate) const MAX_HEAD: u32 = 64 * 1024;
pub(crate) const MAX_MANIFEST: u32 = 1024 * 1024;
pub(crate) const MAX_DATA: u32 = 4 * 1024 * 1024;
/// Longest record line, so a reader's line buffer stays bounded.
pub(crate) const MAX_LINE: usize = 1024 * 1024;
/// The writer emits a data section once this much payload is buffered.
pub(crate) const DATA_TARGET: usize = 256 * 1024;
pub(crate) const SIGNATURE_LEN: u32 = 64;

/// Domain separation: a manifest signature can never pass for a receipt's
/// or for any other itaku signature over JSON.
pub(crate) const MANIFEST_SIGNING_PREFIX: &[u8] = b"itaku-exchange/1 manifest\n";

pub(crate) fn write_preamble(out: &mut impl Write) -> io::Result<()> {
    out.write_all(MAGIC)?;
    out.write_all(&FORMAT_VERSION.to_be_bytes())
}

pub(crate) fn write_section(out: &mut impl Write, tag: u8, body: &[u8]) -> io::Result<()> {
    let len = u32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "section too long"))?;
    out.write_all(&[tag])?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(body)
}

fn cut() -> ExchangeError {
    ExchangeError::corrupted("ファイルが途中で終わっています")
}

fn read_exact_or_cut(input: &mut impl Read, buf: &mut [u8]) -> Result<()> {
    input.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            cut()
        } else {
            ExchangeError::from(e)
        }
    })
}

fn read_section_header(input: &mut impl Read) -> Result<(u8, u32)> {
    let mut header = [0u8; 5];
    read_exact_or_cut(input, &mut header)?;
    let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
    Ok((header[0], len))
}

fn read_body(input: &mut impl Read, len: u32, max: u32, what: &str) -> Result<Vec<u8>> {
    if len == 0 || len > max {
        return Err(ExchangeError::corrupted(format!("{what}の長さが不正です")));
    }
    let mut body = vec![0u8; len as usize];
    read_exact_or_cut(input, &mut body)?;
    Ok(body)
}

/// The signed tail of a container.
pub(crate) struct Tail {
    pub manifest: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Reads a container: [`Self::start`] takes the preamble and head, then
/// [`Self::next_piece`] yields the payload (the data sections' bodies) and
/// ends once the manifest and signature sections and the end of the
/// plaintext have been seen.
pub(crate) struct PayloadStream<R> {
    input: R,
    remaining: u32,
    tail: Option<Tail>,
}

impl<R: Read> PayloadStream<R> {
    /// Checks magic and version and returns the head section's body.
    pub fn start(mut input: R) -> Result<(Self, Vec<u8>)> {
        let mut magic = [0u8; 10];
        read_exact_or_cut(&mut input, &mut magic)?;
        if &magic != MAGIC {
            return Err(ExchangeError::corrupted(
                "itaku の受け渡しファイルではありません",
            ));
        }
        let mut version = [0u8; 2];
        read_exact_or_cut(&mut input, &mut version)?;
        let version = u16::from_be_bytes(version);
        if version != FORMAT_VERSION {
            return Err(ExchangeError::UnsupportedVersion(format!(
                "受け渡し形式 第{version}版（この itaku は第{FORMAT_VERSION}版）"
            )));
        }
        let (tag, len) = read_section_header(&mut input)?;
        if tag != TAG_HEAD {
            return Err(ExchangeError::corrupted("先頭の送り状がありません"));
        }
        let head = read_body(&mut input, len, MAX_HEAD, "先頭の送り状")?;
        Ok((
            Self {
                input,
                remaining: 0,
                tail: None,
            },
            head,
        ))
    }

    /// After the payload has been read to its end: the signed tail.
    pub fn finish(self) -> Result<Tail> {
        self.tail
            .ok_or_else(|| ExchangeError::corrupted("送り状の前で読み取りが終わりました"))
    }

    fn read_tail(&mut self, manifest_len: u32) -> Result<()> {
        let manifest = read_body(&mut self.input, manifest_len, MAX_MANIFEST, "送り状")?;
        let (tag, len) = read_section_header(&mut self.input)?;
        if tag != TAG_SIGNATURE || len != SIGNATURE_LEN {
            return Err(ExchangeError::corrupted("署名の区画が正しくありません"));
        }
        let signature = read_body(&mut self.input, len, SIGNATURE_LEN, "署名")?;
        // Reading to the end also makes age check its final-chunk flag,
        // which is what detects a file cut at a chunk boundary.
        let mut extra = [0u8; 1];
        loop {
            match self.input.read(&mut extra) {
                Ok(0) => break,
                Ok(_) => return Err(ExchangeError::corrupted("署名の後に余分なデータがあります")),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        self.tail = Some(Tail {
            manifest,
            signature,
        });
        Ok(())
    }

    fn next_section(&mut self) -> Result<()> {
        let (tag, len) = read_section_header(&mut self.input)?;
        match tag {
            TAG_DATA if (1..=MAX_DATA).contains(&len) => {
                self.remaining = len;
                Ok(())
            }
            TAG_DATA => Err(ExchangeError::corrupted("データ区画の長さが不正です")),
            TAG_MANIFEST => self.read_tail(len),
            _ => Err(ExchangeError::corrupted("未知の区画があります")),
        }
    }

    /// Some payload bytes into `buf` (not empty); 0 at the end of the payload.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize> {
        while self.remaining == 0 {
            if self.tail.is_some() {
                return Ok(0);
            }
            self.next_section()?;
        }
        let want = buf.len().min(self.remaining as usize);
        let n = loop {
            match self.input.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                read => break read?,
            }
        };
        if n == 0 {
            return Err(cut());
        }
        // n <= want <= remaining, which is a u32.
        self.remaining -= n as u32;
        Ok(n)
    }

    /// Appends payload bytes to `piece` until it holds `size` bytes or the
    /// payload ends. On an error `piece` holds the bytes read before it.
    pub fn fill(&mut self, piece: &mut Vec<u8>, size: usize) -> Result<()> {
        let mut filled = piece.len();
        piece.resize(size.max(filled), 0);
        let result = loop {
            if filled >= size {
                break Ok(());
            }
            match self.read_some(&mut piece[filled..size]) {
                Ok(0) => break Ok(()),
                Ok(n) => filled += n,
                Err(e) => break Err(e),
            }
        };
        piece.truncate(filled);
        result
    }
}
