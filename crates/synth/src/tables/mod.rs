//! Static reference data: names and towns.

pub(crate) mod family;
pub(crate) mod foreign;
pub(crate) mod given;
pub(crate) mod towns;
