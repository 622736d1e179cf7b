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

/// The first line of a dossier's history, written when it is submitted (before any decision).
pub fn submission_entry(
    workflow: &Workflow,
    procedure_name: &str,
    channel: Channel,
) -> HistoryEntry {
    let first = workflow
        .steps
        .first()
        .map_or_else(String::new, |s| s.key.clone());
    HistoryEntry {
        action: "submit".into(),
        status_from: Status::Registered,
        status_to: Status::Registered,
        step_from: first.clone(),
        step_to: first,
        content: format!("Nộp hồ sơ {procedure_name} ({})", channel.label()),
        step_due: None,
        step_result: None,
    }
}
