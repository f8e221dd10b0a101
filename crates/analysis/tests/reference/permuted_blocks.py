#!/usr/bin/env python3
"""Independent reimplementation of itaku-analysis's allocation, from the method
written in the crate documentation (src/lib.rs), using only the Python standard
library: hashlib for SHA-256 and a ChaCha20 block function written from
RFC 8439. It prints the assignments of the golden test's inputs; the golden
test (tests/golden.rs) pins exactly these. If the `cryptography` package is
installed, the keystream is also checked against its ChaCha20.

Run: python3 crates/analysis/tests/reference/permuted_blocks.py
"""

import hashlib
import struct

MASK = 0xFFFFFFFF


def rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & MASK; s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK; s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK; s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK; s[b] = rotl(s[b] ^ s[c], 7)


def chacha20_block(key, counter):
    """16 output words; 64-bit counter in words 12-13, 64-bit nonce 0 in 14-15."""
    init = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    init += list(struct.unpack("<8I", key))
    init += [counter & MASK, counter >> 32, 0, 0]
    s = list(init)
    for _ in range(10):
        quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13)
        quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15)
        quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12)
        quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14)
    return [(x + y) & MASK for x, y in zip(s, init)]


class Words:
    """Consecutive little-endian 32-bit keystream words."""

    def __init__(self, key):
        self.key, self.counter, self.buf = key, 0, []

    def next_u32(self):
        if not self.buf:
            self.buf = chacha20_block(self.key, self.counter)
            self.counter += 1
        return self.buf.pop(0)


def uniform_below(rng, n):
    limit = 2**32 - (2**32 % n)
    while True:
        x = rng.next_u32()
        if x < limit:
            return x % n


def shuffle(rng, items):
    for i in range(len(items) - 1, 0, -1):
        j = uniform_below(rng, i + 1)
        items[i], items[j] = items[j], items[i]


def allocate(seed, weights, multiplier, units):
    """units: list of (person_id, stratum_key, eligible). Returns
    {person_id: (arm or None, block, position)}."""
    base = [i for i, w in enumerate(weights) for _ in range(w * multiplier)]
    out = {}
    for key in sorted({u[1] for u in units}, key=lambda k: k.encode("utf-8")):
        members = sorted((u for u in units if u[1] == key), key=lambda u: u[0])
        rng = Words(hashlib.sha256(seed + key.encode("utf-8")).digest())
        perm, pos, block = None, len(base), 0
        for pid, _, eligible in members:
            if not eligible:
                out[pid] = (None, 0, 0)
                continue
            if pos == len(base):
                perm = list(base)
                shuffle(rng, perm)
                block, pos = block + 1, 0
            out[pid] = (perm[pos], block, pos + 1)
            pos += 1
    return out


def check_against_cryptography():
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    except ImportError:
        return "cryptography not installed: keystream not cross-checked"
    key = bytes(range(32))
    # cryptography's 16-byte nonce is the 4-byte counter followed by a 12-byte
    # nonce; all zero equals our 64-bit counter 0 and 64-bit nonce 0.
    enc = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()
    want = enc.update(bytes(64 * 3))
    rng = Words(key)
    got = b"".join(struct.pack("<I", rng.next_u32()) for _ in range(16 * 3))
    assert got == want, "ChaCha20 keystream differs from cryptography's"
    return "keystream matches cryptography's ChaCha20"


def golden_cases():
    """The inputs of tests/golden.rs."""
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    a = "seg=未受診|age=60-64|sex=2"
    b = "seg=未受診|age=40-44|sex=1"
    units = [(pid, a, pid != 4) for pid in range(1, 11)]
    units += [(pid, b, True) for pid in range(11, 17)]
    yield "one_to_one_blocks_of_four", seed, [1, 1], 2, units
    seed2 = (20260401).to_bytes(8, "little") + bytes(24)
    units2 = [(pid, "all", True) for pid in range(100, 113)]
    yield "two_to_one_blocks_of_three", seed2, [2, 1], 1, units2


if __name__ == "__main__":
    print(check_against_cryptography())
    for name, seed, weights, mult, units in golden_cases():
        out = allocate(seed, weights, mult, units)
        print(name)
        for pid, key, _ in sorted(units, key=lambda u: (u[1].encode("utf-8"), u[0])):
            arm, block, pos = out[pid]
            arm = "-" if arm is None else arm
            print(f"{key} {pid}: arm {arm} block {block} position {pos}")
