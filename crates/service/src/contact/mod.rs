//! Contact work (seeds 000–002): the ward's coded lists shared by calls,
//! visits and the desk.

pub mod codes;
