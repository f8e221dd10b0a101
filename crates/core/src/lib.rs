//! Domain types shared by every layer: identifiers, roles, the items
//! catalogue, purposes, the clock and the domain error. No I/O.

pub mod clock;
pub mod error;
pub mod ids;
pub mod items;
pub mod net;
pub mod role;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::DomainError;
pub use ids::{ContractId, JobId, OrgId, PersonId, PurposeId, UserId, VaultId};
pub use items::{Item, ItemSet};
pub use net::IpNet;
pub use role::{OrgKind, Role};
