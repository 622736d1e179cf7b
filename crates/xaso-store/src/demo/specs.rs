//! The tables a generated dossier writes, with their columns in the order written: those the
//! live path's `dossier::receive`, `act`, `attach`, `rate`, the payment module and
//! `report::upsert` write.

use super::table::Spec;

pub(crate) static DOSSIERS: Spec = Spec {
    name: "dossiers",
    columns: &[
        "id",
        "code",
        "procedure_code",
        "procedure_version",
        "workflow",
        "channel",
        "status",
        "step",
        "receiving_agency_id",
        "receiving_commune_id",
        "handling_commune_id",
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_email",
        "applicant_address",
        "owner_name",
        "proxy_name",
        "submitted_by",
        "components",
        "fee_due",
        "state",
        "submitted_at",
        "received_at",
        "due_at",
        "resolved_at",
        "ended_at",
        "alert",
        "version",
        "updated_at",
    ],
};

pub(crate) static HISTORY: Spec = Spec {
    name: "dossier_history",
    columns: &[
        "dossier_id",
        "at",
        "actor_id",
        "actor",
        "agency_code",
        "action",
        "status_from",
        "status_to",
        "step_from",
        "step_to",
        "content",
        "step_due_at",
        "step_result",
    ],
};

pub(crate) static FILES: Spec = Spec {
    name: "dossier_files",
    columns: &[
        "id",
        "dossier_id",
        "kind",
        "component",
        "name",
        "content_type",
        "size",
        "sha256",
        "uploaded_at",
        "uploaded_by",
    ],
};

pub(crate) static RATINGS: Spec = Spec {
    name: "dossier_ratings",
    columns: &[
        "dossier_id",
        "rating",
        "reason",
        "rated_at",
        "rated_by",
        "bodies_contacted",
        "attitude",
    ],
};

pub(crate) static PAYMENTS: Spec = Spec {
    name: "payments",
    columns: &[
        "id",
        "dossier_id",
        "amount",
        "method",
        "gateway",
        "txn_ref",
        "status",
        "gateway_transaction_no",
        "response_code",
        "receipt_number",
        "created_at",
        "created_by",
        "settled_at",
    ],
};

/// The columns `report::upsert` writes, in its order.
pub(crate) static FACTS: Spec = Spec {
    name: "report_facts",
    columns: &[
        "dossier_id",
        "code",
        "handling_commune_id",
        "procedure_code",
        "field",
        "channel",
        "received_at",
        "due_at",
        "resolved_at",
        "timing",
        "closed_at",
        "digitised",
        "e_result",
        "rating",
        "rated_at",
        "supplements",
        "online",
        "finished_at",
        "reused",
        "result_stored",
        "fee_requested",
        "paid_online",
        "complaint",
        "points_bodies",
        "points_attitude",
        "points_feedback",
    ],
};
