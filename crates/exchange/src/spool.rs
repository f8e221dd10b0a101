//! Keeps a copy of the encrypted input while the first pass reads it, so
//! the second pass can decrypt it again. Only ciphertext is ever spooled:
//! no personal data in the clear touches the disk. Small packages stay in
//! memory; larger ones go to an anonymous temporary file (unlinked at
//! creation, gone when dropped).

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

/// Up to this many bytes are kept in memory.
const MEMORY_LIMIT: usize = 8 * 1024 * 1024;

pub(crate) enum Spool {
    Memory(Vec<u8>),
    File(File),
}

impl Spool {
    pub fn new() -> Self {
        Spool::Memory(Vec::new())
    }

    /// Rewinds for reading.
    pub fn into_reader(self) -> io::Result<SpoolReader> {
        Ok(match self {
            Spool::Memory(bytes) => SpoolReader::Memory(Cursor::new(bytes)),
            Spool::File(mut file) => {
                file.flush()?;
                file.seek(SeekFrom::Start(0))?;
                SpoolReader::File(io::BufReader::with_capacity(256 * 1024, file))
            }
        })
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Spool::Memory(bytes) = self {
            if bytes.len() + buf.len() > MEMORY_LIMIT {
                let mut file = tempfile::tempfile()?;
                file.write_all(bytes)?;
                *self = Spool::File(file);
            }
        }
        match self {
            Spool::Memory(bytes) => {
                bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
            Spool::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Spool::Memory(_) => Ok(()),
            Spool::File(file) => file.flush(),
        }
    }
}

pub(crate) enum SpoolReader {
    Memory(Cursor<Vec<u8>>),
    File(io::BufReader<File>),
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            SpoolReader::Memory(c) => c.read(buf),
            SpoolReader::File(f) => f.read(buf),
        }
    }
}

/// Copies everything read from `input` into `spool`.
pub(crate) struct Tee<'a, R> {
    pub input: R,
    pub spool: &'a mut Spool,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        // A failed spool write is an I/O error of ours, not bad data: give it
        // a kind that does not map to "corrupted".
        self.spool.write_all(&buf[..n]).map_err(io::Error::other)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_to_file_and_reads_back() {
        let mut spool = Spool::new();
        let block = vec![7u8; 1024 * 1024];
        for _ in 0..10 {
            spool.write_all(&block).unwrap();
        }
        assert!(matches!(spool, Spool::File(_)));
        let mut back = Vec::new();
        spool.into_reader().unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 10 * 1024 * 1024);
        assert!(back.iter().all(|b| *b == 7));
    }

    #[test]
    fn small_stays_in_memory() {
        let mut spool = Spool::new();
        spool.write_all(b"abc").unwrap();
        assert!(matches!(spool, Spool::Memory(_)));
        let mut back = Vec::new();
        spool.into_reader().unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, b"abc");
    }
}
