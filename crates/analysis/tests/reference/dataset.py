"""The deterministic person rows shared by the reference scripts; the Rust
tests build the same rows (integer hashing, IEEE arithmetic in the same order)."""

SEGMENTS = ["過去受診", "未受診", "新規"]


def data(n):
    rows = []
    for i in range(n):
        h = (i * 2654435761 + 12345) % 2**32
        treated = i % 2 == 1
        age = 40.0 + (i * 7) % 35
        female = (i * 3) % 5 < 3
        seg = (i * 11 + i // 7) % 3
        u = h / 2**32
        p = 0.15 + 0.12 * treated + 0.06 * seg + 0.004 * (age - 40.0) - 0.05 * female
        rows.append((treated, age, female, SEGMENTS[seg], u < p))
    return rows
