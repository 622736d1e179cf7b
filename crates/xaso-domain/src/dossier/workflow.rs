//! Workflows per procedure, as data (`data/workflows/*.toml`): the steps a dossier goes through,
//! who acts at each, where, what share of the processing time it has, and which actions it allows.

use serde::{Deserialize, Serialize};

use crate::datafile::{DataError, DataFile};
use crate::identity::Role;

/// Where a step is done: at the centre that received the dossier, or at the commune competent
/// to decide it (the same one unless the dossier was received elsewhere, phi địa giới).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Receiving,
    Competent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    Accept,
    Forward,
    ReturnBack,
    Consult,
    RequestSupplement,
    Refuse,
    Stop,
    Approve,
    ReturnResult,
    RequestPayment,
}

impl StepAction {
    pub fn label(self) -> &'static str {
        match self {
            StepAction::Accept => "Tiếp nhận",
            StepAction::Forward => "Chuyển bước tiếp theo",
            StepAction::ReturnBack => "Trả lại bước trước",
            StepAction::Consult => "Xin ý kiến cơ quan khác",
            StepAction::RequestSupplement => "Yêu cầu bổ sung",
            StepAction::Refuse => "Từ chối",
            StepAction::Stop => "Dừng xử lý",
            StepAction::Approve => "Phê duyệt kết quả",
            StepAction::ReturnResult => "Trả kết quả",
            StepAction::RequestPayment => "Yêu cầu thực hiện nghĩa vụ tài chính",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub name: String,
    pub role: Role,
    pub at: Place,
    /// Percent of the processing time this step may use; steps without one share the deadline.
    #[serde(default)]
    pub share: Option<u32>,
    pub actions: Vec<StepAction>,
}

impl Step {
    pub fn allows(&self, action: StepAction) -> bool {
        self.actions.contains(&action)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub key: String,
    pub name: String,
    /// How many working days after the old appointment an apology may set the new one.
    #[serde(default = "default_reschedule_limit")]
    pub max_reschedule_days: u32,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

impl Workflow {
    pub fn step(&self, index: usize) -> Option<&Step> {
        self.steps.get(index)
    }

    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.key == key)
    }

    /// The step that follows approval (where the result is returned).
    pub fn approval_index(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| s.allows(StepAction::Approve))
    }
}

fn default_reschedule_limit() -> u32 {
    30
}

/// The workflow used when a procedure names none.
pub const DEFAULT_WORKFLOW: &str = "mac-dinh";

/// Parses and checks a workflow file: unique step keys, reception first, one approval step,
/// the result returned last, shares not above 100 %.
pub fn parse_workflow(file_name: &str, source: &str) -> Result<Workflow, DataError> {
    let file = DataFile::new(file_name, source);
    let workflow: Workflow = file.parse_toml()?;
    let mut problems = Vec::new();
    let line_of = |needle: &str| {
        source
            .lines()
            .position(|l| l.contains(needle))
            .map_or(1, |i| i + 1)
    };
    let mut problem =
        |needle: &str, message: String| problems.push(file.problem_at(line_of(needle), message));
    if workflow.key.trim().is_empty()
        || !workflow
            .key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        problem(
            "key",
            format!(
                "khóa quy trình `{}` chỉ gồm chữ thường không dấu, chữ số và -",
                workflow.key
            ),
        );
    }
    if workflow.steps.len() < 2 {
        problem("[[step]]", "quy trình cần ít nhất hai bước".into());
    }
    for (i, step) in workflow.steps.iter().enumerate() {
        let needle = format!("\"{}\"", step.key);
        if workflow.steps[..i].iter().any(|s| s.key == step.key) {
            problem(&needle, format!("bước `{}` bị lặp", step.key));
        }
        if step.actions.is_empty() {
            problem(
                &needle,
                format!("bước `{}` không có hành động nào", step.key),
            );
        }
        if step.share.is_some_and(|s| s == 0 || s > 100) {
            problem(
                &needle,
                format!("tỷ lệ thời gian của bước `{}` phải từ 1 đến 100", step.key),
            );
        }
    }
    if let Some(first) = workflow.steps.first() {
        if !first.allows(StepAction::Accept) {
            problem(
                &format!("\"{}\"", first.key),
                "bước đầu tiên phải cho phép `accept` (tiếp nhận)".into(),
            );
        }
    }
    let approvals = workflow
        .steps
        .iter()
        .filter(|s| s.allows(StepAction::Approve))
        .count();
    if approvals != 1 {
        problem(
            "[[step]]",
            format!("quy trình cần đúng một bước `approve`, đang có {approvals}"),
        );
    }
    if let Some(last) = workflow.steps.last() {
        if !last.allows(StepAction::ReturnResult) {
            problem(
                &format!("\"{}\"", last.key),
                "bước cuối cùng phải cho phép `return_result` (trả kết quả)".into(),
            );
        }
    }
    if let (Some(approval), Some(_)) = (workflow.approval_index(), workflow.steps.last()) {
        if approval + 2 != workflow.steps.len() {
            problem(
                "approve",
                "bước `approve` phải đứng ngay trước bước trả kết quả".into(),
            );
        }
    }
    let total: u32 = workflow.steps.iter().filter_map(|s| s.share).sum();
    if total > 100 {
        problem(
            "share",
            format!("tổng tỷ lệ thời gian các bước là {total} %, vượt 100 %"),
        );
    }
    DataError::or_value(problems, workflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_workflow_is_valid() {
        let workflow = parse_workflow(
            "mac-dinh.toml",
            include_str!("../../../../data/workflows/mac-dinh.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(workflow.key, DEFAULT_WORKFLOW);
        assert_eq!(workflow.steps.len(), 4);
        assert_eq!(workflow.approval_index(), Some(2));
    }

    #[test]
    fn broken_workflows_name_their_lines() {
        let err = parse_workflow(
            "x.toml",
            "key = \"x\"\nname = \"X\"\n\n[[step]]\nkey = \"a\"\nname = \"A\"\nrole = \"specialist\"\nat = \"competent\"\nactions = [\"forward\"]\n\n[[step]]\nkey = \"b\"\nname = \"B\"\nrole = \"leader\"\nat = \"competent\"\nshare = 120\nactions = [\"approve\"]\n",
        )
        .expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("x.toml:5: bước đầu tiên phải cho phép `accept`"),
            "{text}"
        );
        assert!(
            text.contains("x.toml:12: tỷ lệ thời gian của bước `b`"),
            "{text}"
        );
        assert!(
            text.contains("bước cuối cùng phải cho phép `return_result`"),
            "{text}"
        );
        let err = parse_workflow("y.toml", "key = \"y\"\nname = \"Y\"\n[[step]]\nkey = \"a\"\nname = \"A\"\nrole = \"king\"\nat = \"competent\"\nactions = []\n").expect_err("bad role");
        assert!(err.to_string().starts_with("y.toml:6:"), "{err}");
    }
}
