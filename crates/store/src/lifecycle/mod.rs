//! The data lifecycle's storage side: the steps of a contract vault's
//! erasure, and the backend-neutral table access behind logical backups.

mod dump;
mod erasure;

pub use dump::{Cell, ColumnKind, TableSchema};
pub use erasure::{ErasureRow, NewErasure, VaultCounts, PURGED_TABLES, SUB_KEY_TABLES};
