//! Who may do what: the authorisation policy, roles × agencies, as pure rules.
//!
//! Two questions are asked of every request. First, by role, whether the kind of work a route
//! does is open to the caller at all ([`decide`]; refused → 403). Then, by agency, whether the
//! caller may see the particular thing it names ([`may_see_dossier`], [`may_see_feedback`]);
//! a thing out of sight answers as if it did not exist (404), so that codes cannot be probed.

use super::Role;

/// A kind of work, granted to roles by [`grants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// A person's or business's own affairs on the portal: filing online, their dossiers and
    /// documents, paying, rating.
    UsePortal,
    /// Filing a dossier: online by its applicant, or at the counter on the applicant's behalf.
    FileDossier,
    /// The one-stop counter: receiving dossiers and feedback, keeping citizens' records,
    /// reconciling payments, certifying copies.
    ServeCounter,
    /// Reading citizens' stored documents and records to handle their dossiers (every read is
    /// logged for the citizen to see).
    ReadCitizenData,
    /// The commune's own books and counter work that only its officials do: the dossier
    /// register, certification of copies.
    WorkInCommune,
    /// Working on the commune's dossiers and feedback: the inbox, the dossier pages, registers.
    HandleDossiers,
    /// Dashboards and the reports sent to the district and province.
    ReadReports,
    /// The administrative-reform plan: reading it, reporting on one's tasks.
    FollowPlan,
    /// Leading the work on the plan: entering targets' figures, recording inspections.
    LeadPlan,
    /// Assigning the plan's tasks: the chairman's side.
    AssignPlanTasks,
    /// Accounts, calendars and the installation itself.
    Administer,
    /// Connecting other systems: webhook subscriptions and their deliveries.
    Integrate,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::UsePortal,
        Permission::FileDossier,
        Permission::ServeCounter,
        Permission::ReadCitizenData,
        Permission::WorkInCommune,
        Permission::HandleDossiers,
        Permission::ReadReports,
        Permission::FollowPlan,
        Permission::LeadPlan,
        Permission::AssignPlanTasks,
        Permission::Administer,
        Permission::Integrate,
    ];

    /// What the refusal says, in the words an officer would use.
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::UsePortal => "Trang này dành cho người dân, doanh nghiệp đăng nhập bằng tài khoản của mình.",
            Permission::FileDossier => "Chỉ người nộp (trực tuyến) hoặc cán bộ một cửa (tại quầy) được nộp hồ sơ.",
            Permission::ServeCounter => "Việc này dành cho cán bộ tiếp nhận tại bộ phận một cửa.",
            Permission::ReadCitizenData => "Chỉ cán bộ giải quyết hồ sơ (một cửa, chuyên viên, lãnh đạo) được xem dữ liệu của công dân.",
            Permission::WorkInCommune => "Việc này dành cho cán bộ của một xã, phường.",
            Permission::HandleDossiers => "Trang này dành cho cán bộ giải quyết hồ sơ.",
            Permission::ReadReports => "Báo cáo dành cho cán bộ.",
            Permission::FollowPlan => "Kế hoạch cải cách hành chính dành cho cán bộ.",
            Permission::LeadPlan => "Chỉ lãnh đạo hoặc cán bộ đầu mối cải cách hành chính của xã được làm việc này.",
            Permission::AssignPlanTasks => "Chỉ lãnh đạo xã được giao nhiệm vụ.",
                        Permission::Administer => "Trang này dành cho quản trị hệ thống.",
            Permission::Integrate => "Chỉ quản trị hệ thống được kết nối hệ thống khác (webhook).",
        }
    }
}

/// Whether `role` is given `permission`. The one table of the policy.
pub fn grants(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        UsePortal => role == Citizen,
        FileDossier => matches!(role, Citizen | CounterOfficer),
        ServeCounter => role == CounterOfficer,
        ReadCitizenData => matches!(role, CounterOfficer | Specialist | Leader),
        WorkInCommune => matches!(
            role,
            CounterOfficer | Specialist | Leader | ReformCoordinator
        ),
        // Every official; what each may then do to a dossier is the workflow's business.
        HandleDossiers | ReadReports | FollowPlan => role != Citizen,
        LeadPlan => matches!(role, Leader | ReformCoordinator | Administrator),
        AssignPlanTasks => matches!(role, Leader | Administrator),
        Administer | Integrate => role == Administrator,
    }
}

/// What an API token may be used for, on top of what its account's roles allow: an integrator
/// gives a program only what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Reading (GET).
    Read,
    /// Changing things: filing dossiers, acting on them, uploading.
    Write,
    /// Managing webhook subscriptions and replaying deliveries.
    Webhooks,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Webhooks];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Webhooks => "webhooks",
        }
    }

    /// Scopes written as words separated by spaces or commas (`"read write"`, `"read,webhooks"`).
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
            let scope = Scope::ALL
                .into_iter()
                .find(|s| s.as_str() == word)
                .ok_or_else(|| {
                    format!("phạm vi `{word}` không tồn tại (có: read, write, webhooks)")
                })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err("mã truy cập cần ít nhất một phạm vi (read, write, webhooks)".into());
        }
        scopes.sort();
        Ok(scopes)
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The scope a token needs for a route: none for public ones, `webhooks` for integration
/// management, otherwise `read` to read and `write` to change.
pub fn scope_needed(access: Access, reads_only: bool) -> Option<Scope> {
    match access {
        Access::Public => None,
        Access::Need(Permission::Integrate) => Some(Scope::Webhooks),
        _ if reads_only => Some(Scope::Read),
        _ => Some(Scope::Write),
    }
}

/// Whether the caller may do `permission`'s work on a commune's plan: administrators on any
/// plan, the others only on their own commune's (`of_plan_commune`).
pub fn may_on_plan(roles: &[Role], permission: Permission, of_plan_commune: bool) -> bool {
    let granted = |r: &Role| grants(*r, permission);
    roles
        .iter()
        .any(|r| granted(r) && (of_plan_commune || *r == Role::Administrator))
}

/// Whether the caller may report on a task: whoever leads the plan, or an official of one of
/// the task's lead units.
pub fn may_report_on_task(roles: &[Role], of_plan_commune: bool, of_lead_unit: bool) -> bool {
    may_on_plan(roles, Permission::LeadPlan, of_plan_commune)
        || (of_lead_unit && is_official(roles))
}

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: the catalog, tracking, verification, sign-in itself.
    Public,
    /// Anyone signed in: their own account, notifications, feedback.
    SignedIn,
    /// Someone signed in with a role that grants this.
    Need(Permission),
}

/// The answer to a request, by role alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Nobody is signed in (401, or the sign-in page).
    SignIn,
    /// Signed in without a role that grants it (403).
    Refuse(Permission),
    /// Called with a token whose scopes do not cover it (403).
    OutOfScope(Scope),
}

/// Decides a request by the caller's roles (`None`: nobody signed in).
pub fn decide(roles: Option<&[Role]>, access: Access) -> Decision {
    match (access, roles) {
        (Access::Public, _) => Decision::Allow,
        (_, None) => Decision::SignIn,
        (Access::SignedIn, Some(_)) => Decision::Allow,
        (Access::Need(permission), Some(roles)) => {
            if roles.iter().any(|r| grants(*r, permission)) {
                Decision::Allow
            } else {
                Decision::Refuse(permission)
            }
        }
    }
}

/// Decides a request made with an API token of `scopes` (`None`: a browser session, which is
/// bound by the roles alone).
pub fn decide_scoped(
    roles: Option<&[Role]>,
    scopes: Option<&[Scope]>,
    access: Access,
    reads_only: bool,
) -> Decision {
    match (
        decide(roles, access),
        scopes,
        scope_needed(access, reads_only),
    ) {
        (Decision::Allow, Some(scopes), Some(needed)) if !scopes.contains(&needed) => {
            Decision::OutOfScope(needed)
        }
        (decision, _, _) => decision,
    }
}

/// Someone who works for the administration (any role but citizen).
pub fn is_official(roles: &[Role]) -> bool {
    roles.iter().any(|r| *r != Role::Citizen)
}

/// Sees every commune's dossiers and figures: the province's viewers and administrators.
pub fn sees_province(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::ProvinceViewer | Role::Administrator))
}

/// Where a dossier stands relative to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DossierPlaces {
    /// The caller works in the commune whose centre received it.
    pub at_receiving: bool,
    /// The caller works in the commune competent to decide it (where it is handled).
    pub at_competent: bool,
    /// The caller is its applicant (the citizen account that submitted it).
    pub is_applicant: bool,
}

/// Who may see a dossier at all: its applicant; officials of the commune that received it or of
/// the one handling it; the province's viewers and administrators. An official of another
/// commune does not, nor does any other citizen.
pub fn may_see_dossier(roles: &[Role], places: DossierPlaces) -> bool {
    places.is_applicant
        || ((places.at_receiving || places.at_competent) && is_official(roles))
        || sees_province(roles)
}

/// Who may attach files to a dossier: its applicant, and the one-stop counter of the commune that
/// received it. Others who see it (the deciding commune, the province) read, they do not add.
pub fn may_attach_to_dossier(roles: &[Role], places: DossierPlaces) -> bool {
    places.is_applicant || (places.at_receiving && roles.contains(&Role::CounterOfficer))
}

/// Who may see a document in a citizen's store: the citizen, and officials who read citizens'
/// data to handle dossiers (each such read is logged for the citizen).
pub fn may_see_citizen_document(roles: &[Role], is_owner: bool) -> bool {
    is_owner
        || roles
            .iter()
            .any(|r| grants(*r, Permission::ReadCitizenData))
}

/// Who may see a feedback item: its author, and the officials of the commune it is addressed to.
pub fn may_see_feedback(roles: &[Role], is_author: bool, at_commune: bool) -> bool {
    is_author || (at_commune && is_official(roles))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_table() {
        let granted = |p: Permission| -> Vec<Role> {
            Role::ALL.into_iter().filter(|r| grants(*r, p)).collect()
        };
        assert_eq!(granted(Permission::UsePortal), [Role::Citizen]);
        assert_eq!(
            granted(Permission::FileDossier),
            [Role::Citizen, Role::CounterOfficer]
        );
        assert_eq!(granted(Permission::ServeCounter), [Role::CounterOfficer]);
        assert_eq!(
            granted(Permission::ReadCitizenData),
            [Role::CounterOfficer, Role::Specialist, Role::Leader]
        );
        assert_eq!(granted(Permission::Administer), [Role::Administrator]);
        assert_eq!(granted(Permission::Integrate), [Role::Administrator]);
        assert_eq!(
            granted(Permission::WorkInCommune),
            [
                Role::CounterOfficer,
                Role::Specialist,
                Role::Leader,
                Role::ReformCoordinator
            ]
        );
        assert_eq!(
            granted(Permission::LeadPlan),
            [Role::Leader, Role::ReformCoordinator, Role::Administrator]
        );
        assert_eq!(
            granted(Permission::AssignPlanTasks),
            [Role::Leader, Role::Administrator]
        );
        for p in [
            Permission::HandleDossiers,
            Permission::ReadReports,
            Permission::FollowPlan,
        ] {
            assert!(!grants(Role::Citizen, p), "{p:?}");
            assert_eq!(granted(p).len(), 6, "{p:?}: every official");
        }
    }

    #[test]
    fn nobody_signed_in_is_asked_to_sign_in() {
        assert_eq!(decide(None, Access::Public), Decision::Allow);
        assert_eq!(decide(None, Access::SignedIn), Decision::SignIn);
        assert_eq!(
            decide(None, Access::Need(Permission::UsePortal)),
            Decision::SignIn
        );
        assert_eq!(
            decide(
                Some(&[Role::Specialist]),
                Access::Need(Permission::UsePortal)
            ),
            Decision::Refuse(Permission::UsePortal)
        );
        assert_eq!(
            decide(
                Some(&[Role::Specialist, Role::CounterOfficer]),
                Access::Need(Permission::ServeCounter)
            ),
            Decision::Allow,
            "one granting role is enough"
        );
    }

    #[test]
    fn an_officer_of_commune_a_sees_b_dossiers_only_when_received_or_handled_there() {
        let officer = [Role::Specialist];
        let elsewhere = DossierPlaces::default();
        assert!(!may_see_dossier(&officer, elsewhere));
        assert!(may_see_dossier(
            &officer,
            DossierPlaces {
                at_receiving: true,
                ..elsewhere
            }
        ));
        assert!(may_see_dossier(
            &officer,
            DossierPlaces {
                at_competent: true,
                ..elsewhere
            }
        ));
        // A citizen is never "of a commune" for this purpose: only their own dossiers.
        let citizen = [Role::Citizen];
        assert!(!may_see_dossier(
            &citizen,
            DossierPlaces {
                at_receiving: true,
                at_competent: true,
                is_applicant: false
            }
        ));
        assert!(may_see_dossier(
            &citizen,
            DossierPlaces {
                is_applicant: true,
                ..elsewhere
            }
        ));
        assert!(may_see_dossier(&[Role::ProvinceViewer], elsewhere));
        assert!(may_see_dossier(&[Role::Administrator], elsewhere));
    }

    #[test]
    fn tokens_are_bound_by_their_scopes() {
        let admin = Some(&[Role::Administrator][..]);
        let read = Some(&[Scope::Read][..]);
        let integrate = Access::Need(Permission::Integrate);
        assert_eq!(
            decide_scoped(admin, read, Access::SignedIn, true),
            Decision::Allow
        );
        assert_eq!(
            decide_scoped(admin, read, Access::SignedIn, false),
            Decision::OutOfScope(Scope::Write)
        );
        assert_eq!(
            decide_scoped(admin, read, integrate, true),
            Decision::OutOfScope(Scope::Webhooks)
        );
        assert_eq!(
            decide_scoped(admin, None, integrate, false),
            Decision::Allow,
            "a session"
        );
        assert_eq!(
            decide_scoped(None, read, Access::Public, false),
            Decision::Allow
        );
        // The roles still come first: a citizen's webhook token is refused for the role.
        assert_eq!(
            decide_scoped(Some(&[Role::Citizen]), Some(&Scope::ALL), integrate, true),
            Decision::Refuse(Permission::Integrate)
        );
        assert_eq!(
            Scope::parse_list("write, read read"),
            Ok(vec![Scope::Read, Scope::Write])
        );
        assert!(Scope::parse_list("doc").is_err());
        assert!(Scope::parse_list(" ").is_err());
    }

    #[test]
    fn a_plan_is_led_by_its_own_commune() {
        let leader = [Role::Leader];
        assert!(may_on_plan(&leader, Permission::LeadPlan, true));
        assert!(!may_on_plan(&leader, Permission::LeadPlan, false));
        assert!(may_on_plan(
            &[Role::Administrator],
            Permission::AssignPlanTasks,
            false
        ));
        assert!(!may_on_plan(
            &[Role::ReformCoordinator],
            Permission::AssignPlanTasks,
            true
        ));
        // A leader elsewhere who is also an administrator: the administrator role carries it.
        assert!(may_on_plan(
            &[Role::Leader, Role::Administrator],
            Permission::LeadPlan,
            false
        ));
        assert!(may_report_on_task(&[Role::Specialist], true, true));
        assert!(!may_report_on_task(&[Role::Specialist], true, false));
        assert!(!may_report_on_task(&[Role::Citizen], true, true));
    }

    fn roles() -> impl Strategy<Value = Vec<Role>> {
        proptest::sample::subsequence(Role::ALL.to_vec(), 0..=3)
    }

    fn permission() -> impl Strategy<Value = Permission> {
        proptest::sample::select(Permission::ALL.to_vec())
    }

    proptest! {
        /// More roles never take a permission away, and an empty role list is never granted
        /// anything but the public and the signed-in routes.
        #[test]
        fn roles_only_add(a in roles(), b in roles(), p in permission()) {
            let union: Vec<Role> = a.iter().chain(&b).copied().collect();
            if decide(Some(&a), Access::Need(p)) == Decision::Allow {
                prop_assert_eq!(decide(Some(&union), Access::Need(p)), Decision::Allow);
            }
            prop_assert_eq!(decide(Some(&[]), Access::Need(p)), Decision::Refuse(p));
            prop_assert_eq!(decide(Some(&a), Access::SignedIn), Decision::Allow);
        }

        /// Seeing a dossier: a citizen only their own; an official of a commune only what was
        /// received or is handled there; more ties to a dossier never hide it.
        #[test]
        fn dossier_sight(r in roles(), at_receiving: bool, at_competent: bool, is_applicant: bool) {
            let places = DossierPlaces { at_receiving, at_competent, is_applicant };
            let seen = may_see_dossier(&r, places);
            if !is_official(&r) {
                prop_assert_eq!(seen, is_applicant);
            } else if !sees_province(&r) && !is_applicant {
                prop_assert_eq!(seen, at_receiving || at_competent);
            }
            let received_here = DossierPlaces { at_receiving: true, ..places };
            let own = DossierPlaces { is_applicant: true, ..places };
            prop_assert!(!seen || may_see_dossier(&r, received_here), "more ties hid it");
            prop_assert!(!seen || may_see_dossier(&r, own), "more ties hid it");
        }
    }
}
