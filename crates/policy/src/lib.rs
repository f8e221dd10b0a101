//! The one place that decides whether an operation on personal data may
//! happen. Pure: facts in, decision out. The service layer gathers the facts
//! inside the operation's transaction and audits whatever this returns.

mod decide;
mod facts;
mod public;

pub use decide::{decide, Decision, Denial};
pub use facts::{
    Action, ContractFacts, ContractStatus, PurposeFacts, Request, Scope, SubcontractFacts, Subject,
    Terminal,
};
pub use public::{decide_registrant, PublicWindow};
