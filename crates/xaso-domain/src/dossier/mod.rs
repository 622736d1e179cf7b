//! Dossiers (hồ sơ): codes, statuses and channels, workflows, and the state machine.

pub mod code;
pub mod machine;
pub mod status;
pub mod workflow;

#[cfg(test)]
mod tests;

pub use code::DossierCode;
pub use machine::{
    apply, Action, ActorScope, DossierError, DossierState, HistoryEntry, Rules, Urgency,
};
pub use status::{Channel, Status};
pub use workflow::{parse_workflow, Workflow};
