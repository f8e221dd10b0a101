//! Randomisation and effect-analysis statistics. Pure: data in, numbers out.
