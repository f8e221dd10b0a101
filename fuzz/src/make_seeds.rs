//! Writes a seed corpus for `read_package` into the directory given.

use std::io::Read;
use std::path::PathBuf;

mod fixture;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: make_seeds DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let f = fixture::Fixture::new();
    let identity: age::x25519::Identity = fixture::CONTRACTOR_AGE_IDENTITY.parse().unwrap();
    let decryptor = age::Decryptor::new(&f.package[..]).unwrap();
    let mut plaintext = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plaintext)
        .unwrap();
    let seeds: [(&str, Vec<u8>); 3] = [
        ("age-file", [&[0u8][..], &f.package].concat()),
        ("container", [&[1u8][..], &plaintext].concat()),
        ("mutation", vec![2, 40, 0, 1, 200, 1, 0x80]),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
