//! Synthetic residents for the demo ward, tests and benchmarks.
