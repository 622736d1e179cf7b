//! The role matrix: every route the application serves (the router's own table, so a new route
//! cannot be left out) × every role and nobody signed in, on both backends. What each answer must
//! be comes from the policy in `xaso_domain::identity::access`: refused roles get 403 with the
//! policy's words, nobody signed in gets 401 (API) or the sign-in page, allowed roles get the
//! route's success; for routes that name a dossier, the dossier must also be in the caller's
//! sight (its applicant; officials of the commune that received it or handles it; the
//! province's viewers and administrators), else 404 exactly as for a code that does not exist.

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use xaso_domain::identity::access::{
    self, decide_scoped, may_see_dossier, Access, Decision, DossierPlaces, Scope,
};
use xaso_domain::identity::Role;
use xaso_store::Store;

use common::{Reply, TestApp};

/// The callers: nobody, then one account per role (of Minh Đức but the province's), and a
/// specialist of Tân Khai, the other commune.
const CALLERS: [Option<&str>; 9] = [
    None,
    Some("congdan"),
    Some("motcua"),
    Some("chuyenvien"),
    Some("lanhdao"),
    Some("daumoi"),
    Some("tinh"),
    Some("quantri"),
    Some("chuyenvien.tk"),
];

/// The communes the callers work in, for the dossiers' places.
fn commune_of(user: &str) -> Option<&'static str> {
    match user {
        "motcua" | "chuyenvien" | "lanhdao" | "daumoi" => Some("minh-duc"),
        "motcua.tk" | "chuyenvien.tk" | "lanhdao.tk" => Some("tan-khai"),
        _ => None,
    }
}

/// A dossier of the fixture and where it stands.
#[derive(Clone)]
struct Dossier {
    code: String,
    receiving: &'static str,
    handling: &'static str,
    applicant: Option<&'static str>,
}

impl Dossier {
    fn places(&self, user: &str) -> DossierPlaces {
        let commune = commune_of(user);
        DossierPlaces {
            at_receiving: commune == Some(self.receiving),
            at_competent: commune == Some(self.handling),
            is_applicant: self.applicant == Some(user),
        }
    }
}

struct World {
    /// congdan's, online at Minh Đức, handled to its result and returned.
    mine: Dossier,
    /// Received at Minh Đức's counter, handled there, waiting for a supplement (form 02).
    ours: Dossier,
    /// Received at Minh Đức's counter for Tân Khai to decide.
    to_tan_khai: Dossier,
    /// Received and handled in Tân Khai.
    theirs: Dossier,
    /// congdan2's, online at Minh Đức, not yet accepted.
    other_citizens: Dossier,
    /// A file attached to `ours`.
    file_of_ours: String,
    /// A document in congdan's store, and another the matrix removes.
    document: String,
    document_to_remove: String,
    /// An inspection of the plan's (its page's address).
    inspection: String,
    /// congdan's feedback item.
    feedback: String,
    plan_task: String,
}

/// What to send and what success is for one route.
struct Sample {
    url: String,
    body: Payload,
    /// The answers that count as success for a caller the policy allows.
    success: &'static [u16],
    /// The dossiers this route is tried with (each also decides sight); none for other routes.
    dossiers: Vec<(Dossier, String)>,
    /// The rule by agency or ownership the handler applies after the policy's role check.
    rule: Rule,
}

/// The second question, asked of what a route names (see `xaso_domain::identity::access`).
#[derive(Clone, Copy, PartialEq)]
enum Rule {
    /// Nothing named, or nothing beyond the role.
    None,
    /// The dossier must be in sight (else 404).
    SeeDossier,
    /// In sight (else 404), and the caller one who may add files to it (else 403).
    AttachToDossier,
    /// congdan's document: the owner or a reader of citizens' data (else 404).
    CitizenDocument,
    /// A task of Minh Đức's plan led by no unit of the callers: its leaders report (else 403).
    PlanTask,
}

#[derive(Clone)]
enum Payload {
    Empty,
    /// A url-encoded form; the form token is added.
    Form(Vec<(&'static str, String)>),
    /// A multipart form; the form token is added.
    Multipart(Vec<(&'static str, String)>),
    Json(Value),
    /// A file's bytes, as the upload API takes them.
    Bytes(&'static [u8]),
}

const PAGE: &[u16] = &[200];
/// A form's answer: done (303), or the page again with what to correct.
const FORM: &[u16] = &[200, 303, 400, 409, 422];
const API_WRITE: &[u16] = &[200, 201, 204, 400, 409, 422];

fn sample(route: &xaso_web::RouteAccess, w: &World) -> Sample {
    let plain = |url: &str, success| Sample {
        url: url.to_string(),
        body: Payload::Empty,
        success,
        dossiers: Vec::new(),
        rule: Rule::None,
    };
    let form = |url: &str, fields: Vec<(&'static str, String)>| Sample {
        url: url.to_string(),
        body: Payload::Form(fields),
        success: FORM,
        dossiers: Vec::new(),
        rule: Rule::None,
    };
    let multipart = |url: &str| Sample {
        url: url.to_string(),
        body: Payload::Multipart(Vec::new()),
        success: FORM,
        dossiers: Vec::new(),
        rule: Rule::None,
    };
    let api = |url: &str, body: Value| Sample {
        url: url.to_string(),
        body: Payload::Json(body),
        success: API_WRITE,
        dossiers: Vec::new(),
        rule: Rule::None,
    };
    // A route naming a dossier: tried with each of `dossiers` in place of {code}.
    let per_dossier = |template: &str, body: Payload, success, dossiers: Vec<&Dossier>| Sample {
        url: String::new(),
        body,
        success,
        dossiers: dossiers
            .into_iter()
            .map(|d| (d.clone(), template.replace("{code}", &d.code)))
            .collect(),
        rule: Rule::SeeDossier,
    };
    let every = vec![
        &w.mine,
        &w.ours,
        &w.to_tan_khai,
        &w.theirs,
        &w.other_citizens,
    ];
    let plan = "/can-bo/ke-hoach/ke-hoach-09-2025";
    let get = route.method == Method::GET;
    match (get, route.path) {
        (true, "/") => plain("/", PAGE),
        (true, "/thu-tuc/{code}") => plain("/thu-tuc/1.004873", PAGE),
        (true, "/static/style.css") => plain("/static/style.css", PAGE),
        (true, "/static/htmx-2.0.11.min.js") => plain("/static/htmx-2.0.11.min.js", PAGE),
        (true, "/healthz") => plain("/healthz", PAGE),
        (true, "/metrics") => plain("/metrics", PAGE),
        (true, "/api/v1/openapi.json") => plain("/api/v1/openapi.json", PAGE),
        (true, "/tai-lieu-api") => plain("/tai-lieu-api", PAGE),
        (true, "/api/v1/procedures") => plain("/api/v1/procedures", PAGE),
        (true, "/api/v1/procedures/{code}") => plain("/api/v1/procedures/1.004873", PAGE),
        (true, "/api/v1/agencies") => plain("/api/v1/agencies", PAGE),
        (true, "/api/v1/calendar/lunar") => plain("/api/v1/calendar/lunar?date=2026-02-17", PAGE),
        (true, "/api/v1/calendar/solar") => {
            plain("/api/v1/calendar/solar?lunar=2025-06-01&leap=true", PAGE)
        }
        (true, "/api/v1/calendar/{year}") => plain("/api/v1/calendar/2026", PAGE),
        (true, "/api/v1/deadline") => plain("/api/v1/deadline?from=2026-02-13T16:10&days=3", PAGE),
        (true, "/api/v1/public/dossiers/{code}") => {
            plain(&format!("/api/v1/public/dossiers/{}", w.mine.code), PAGE)
        }
        (true, "/tra-cuu") => plain(&format!("/tra-cuu?ma={}", w.mine.code), PAGE),
        (true, "/xac-thuc/{code}") => plain(&format!("/xac-thuc/{}", w.mine.code), PAGE),
        (true, "/api/v1/public/results/{code}") => {
            plain(&format!("/api/v1/public/results/{}", w.mine.code), PAGE)
        }
        // No certification is made here: the same 404 for everyone is what public means.
        (true, "/xac-thuc/chung-thuc/{id}") => plain("/xac-thuc/chung-thuc/khong-co", &[404]),
        (true, "/api/v1/public/certifications/{id}") => {
            plain("/api/v1/public/certifications/khong-co", &[404])
        }
        (true, "/open311/v2/services.json") => plain("/open311/v2/services.json", PAGE),
        (false, "/open311/v2/requests.json") => Sample {
            url: "/open311/v2/requests.json".into(),
            body: Payload::Form(vec![("service_code", "khong-co".into())]),
            success: &[400, 404, 422],
            dossiers: Vec::new(),
            rule: Rule::None,
        },
        (true, "/open311/v2/requests/{id}") => {
            plain(&format!("/open311/v2/requests/{}.json", w.feedback), PAGE)
        }
        (true, "/dang-nhap") => plain("/dang-nhap", PAGE),
        (false, "/dang-nhap") => form("/dang-nhap", vec![("username", "khong-co".into())]),
        // No e-ID provider is configured in this app: both routes are 404 to everyone.
        (true, "/dang-nhap/vneid") => plain("/dang-nhap/vneid", &[404]),
        (true, "/dang-nhap/vneid/ve") => plain("/dang-nhap/vneid/ve", &[404]),
        (false, "/api/v1/auth/login") => api("/api/v1/auth/login", json!({})),
        (true, "/thanh-toan/ket-qua") => plain("/thanh-toan/ket-qua", PAGE),
        (true, "/api/v1/payments/vnpay/ipn") => plain("/api/v1/payments/vnpay/ipn", PAGE),
        // Without a payment to show, the sandbox and the return page explain that on a page.
        (true, xaso_web::payment::SANDBOX_PATH) => plain(xaso_web::payment::SANDBOX_PATH, PAGE),
        (false, xaso_web::payment::SANDBOX_PATH) => {
            form(xaso_web::payment::SANDBOX_PATH, Vec::new())
        }
        (true, "/cong-thanh-toan-thu/giao-dich.csv") => {
            plain("/cong-thanh-toan-thu/giao-dich.csv", PAGE)
        }
        (false, "/dang-xuat") => form("/dang-xuat", Vec::new()),
        (false, "/api/v1/auth/logout") => api("/api/v1/auth/logout", json!({})),
        (true, "/doi-mat-khau") => plain("/doi-mat-khau", PAGE),
        (false, "/doi-mat-khau") => form("/doi-mat-khau", Vec::new()),
        (true, "/api/v1/me") => plain("/api/v1/me", PAGE),
        (false, "/api/v1/me/password") => api("/api/v1/me/password", json!({})),
        (true, "/api/v1/webhooks") => plain("/api/v1/webhooks", PAGE),
        (false, "/api/v1/webhooks") => api(
            "/api/v1/webhooks",
            json!({ "url": "http://127.0.0.1:9/ma-tran", "events": ["dossier.action"] }),
        ),
        // No such subscription or delivery: the same 404 for the one role allowed to ask.
        (false, "/api/v1/webhooks/{id}/disable") => Sample {
            success: &[404],
            ..api(
                &format!("/api/v1/webhooks/{}/disable", uuid::Uuid::nil()),
                json!({}),
            )
        },
        (true, "/api/v1/webhooks/{id}/deliveries") => plain(
            &format!("/api/v1/webhooks/{}/deliveries", uuid::Uuid::nil()),
            &[404],
        ),
        (false, "/api/v1/webhooks/deliveries/{id}/replay") => Sample {
            success: &[404],
            ..api(
                &format!("/api/v1/webhooks/deliveries/{}/replay", uuid::Uuid::nil()),
                json!({}),
            )
        },
        (true, "/api/v1/me/tokens") => plain("/api/v1/me/tokens", PAGE),
        (false, "/api/v1/me/tokens") => api(
            "/api/v1/me/tokens",
            json!({ "name": "ma trận", "scopes": ["read"] }),
        ),
        // A token id that is not the caller's: each account revokes only its own.
        (false, "/api/v1/me/tokens/{id}/revoke") => Sample {
            success: &[404],
            ..api(
                &format!("/api/v1/me/tokens/{}/revoke", uuid::Uuid::nil()),
                json!({}),
            )
        },
        (true, "/xac-thuc-hai-buoc") => plain("/xac-thuc-hai-buoc", PAGE),
        (false, "/xac-thuc-hai-buoc") => form("/xac-thuc-hai-buoc", Vec::new()),
        (true, "/thong-bao") => plain("/thong-bao", PAGE),
        (true, "/phan-anh") => plain("/phan-anh", PAGE),
        (false, "/phan-anh") => form("/phan-anh", Vec::new()),
        (true, "/phan-anh/{code}") => plain(&format!("/phan-anh/{}", w.feedback), &[200, 404]),
        (false, "/phan-anh/{code}") => form(&format!("/phan-anh/{}", w.feedback), Vec::new()),
        (false, "/phan-anh/quay") => form("/phan-anh/quay", Vec::new()),
        (false, "/api/v1/dossiers") => api("/api/v1/dossiers", json!({})),
        (true, "/api/v1/dossiers/{code}") => {
            per_dossier("/api/v1/dossiers/{code}", Payload::Empty, PAGE, every)
        }
        (false, "/api/v1/dossiers/{code}/actions") => per_dossier(
            "/api/v1/dossiers/{code}/actions",
            Payload::Json(json!({ "action": "forward", "version": 0 })),
            API_WRITE,
            every,
        ),
        (false, "/api/v1/dossiers/{code}/files") => Sample {
            rule: Rule::AttachToDossier,
            ..per_dossier(
                "/api/v1/dossiers/{code}/files?name=giay-to.pdf",
                Payload::Bytes(b"%PDF-1.4 giay to bo sung"),
                API_WRITE,
                every,
            )
        },
        (true, "/api/v1/dossiers/{code}/files/{id}") => per_dossier(
            &format!("/api/v1/dossiers/{{code}}/files/{}", w.file_of_ours),
            Payload::Empty,
            PAGE,
            vec![&w.ours],
        ),
        (true, "/ho-so/{code}") => per_dossier("/ho-so/{code}", Payload::Empty, PAGE, every),
        (true, "/ho-so/{code}/bien-nhan") => {
            per_dossier("/ho-so/{code}/bien-nhan", Payload::Empty, PAGE, every)
        }
        (true, "/ho-so/{code}/bien-nhan.pdf") => {
            per_dossier("/ho-so/{code}/bien-nhan.pdf", Payload::Empty, PAGE, every)
        }
        (true, "/ho-so/{code}/phieu/{form}") => per_dossier(
            "/ho-so/{code}/phieu/02.pdf",
            Payload::Empty,
            PAGE,
            vec![&w.ours],
        ),
        // No payment is made here: a receipt number that is not the dossier's is 404 for all.
        (true, "/ho-so/{code}/bien-lai/{number}") => per_dossier(
            "/ho-so/{code}/bien-lai/khong-co",
            Payload::Empty,
            &[404],
            every,
        ),
        (true, "/api/v1/dossiers/mine") => plain("/api/v1/dossiers/mine", PAGE),
        (true, "/thu-tuc/{code}/nop") => plain("/thu-tuc/1.004873/nop", PAGE),
        (false, "/thu-tuc/{code}/nop") => multipart("/thu-tuc/1.004873/nop"),
        (true, "/ho-so-cua-toi") => plain("/ho-so-cua-toi", PAGE),
        (false, "/ho-so/{code}/thanh-toan") => per_dossier(
            "/ho-so/{code}/thanh-toan",
            Payload::Form(Vec::new()),
            FORM,
            every,
        ),
        (false, "/ho-so/{code}/danh-gia") => per_dossier(
            "/ho-so/{code}/danh-gia",
            Payload::Form(vec![("rating", "hai-long".into())]),
            FORM,
            every,
        ),
        (false, "/api/v1/dossiers/{code}/reuse") => per_dossier(
            "/api/v1/dossiers/{code}/reuse",
            Payload::Json(
                json!({ "component": "Tờ khai", "document_id": w.document, "consent": "online" }),
            ),
            API_WRITE,
            every,
        ),
        (true, "/du-lieu-cua-toi") => plain("/du-lieu-cua-toi", PAGE),
        (false, "/du-lieu-cua-toi/giay-to") => multipart("/du-lieu-cua-toi/giay-to"),
        (true, "/du-lieu-cua-toi/giay-to/{id}") => {
            plain(&format!("/du-lieu-cua-toi/giay-to/{}", w.document), PAGE)
        }
        (false, "/du-lieu-cua-toi/giay-to/{id}/xoa") => form(
            &format!("/du-lieu-cua-toi/giay-to/{}/xoa", w.document_to_remove),
            Vec::new(),
        ),
        (true, "/api/v1/me/data") => plain("/api/v1/me/data", PAGE),
        (true, "/can-bo/tiep-nhan") => plain("/can-bo/tiep-nhan", PAGE),
        (false, "/can-bo/tiep-nhan") => Sample {
            body: Payload::Multipart(vec![("procedure_code", "1.004873".into())]),
            ..multipart("/can-bo/tiep-nhan")
        },
        (true, "/can-bo/cong-dan") => plain("/can-bo/cong-dan", PAGE),
        (false, "/can-bo/cong-dan") => form("/can-bo/cong-dan", Vec::new()),
        (true, "/can-bo/cong-dan/giay-to/{id}") => {
            plain(&format!("/can-bo/cong-dan/giay-to/{}", w.document), PAGE)
        }
        (false, "/can-bo/cong-dan/{so}/lien-ket") => {
            form("/can-bo/cong-dan/075201001234/lien-ket", Vec::new())
        }
        (false, "/can-bo/cong-dan/{so}/giay-to") => {
            multipart("/can-bo/cong-dan/075201001234/giay-to")
        }
        (true, "/api/v1/citizens/{number}") => plain("/api/v1/citizens/075201001234", PAGE),
        (true, "/api/v1/citizens/documents/{id}") => Sample {
            rule: Rule::CitizenDocument,
            ..plain(&format!("/api/v1/citizens/documents/{}", w.document), PAGE)
        },
        (true, "/can-bo/thanh-toan") => plain("/can-bo/thanh-toan", PAGE),
        (false, "/can-bo/thanh-toan") => multipart("/can-bo/thanh-toan"),
        (true, "/can-bo") => plain("/can-bo", PAGE),
        (true, "/api/v1/dossiers/inbox") => plain("/api/v1/dossiers/inbox", PAGE),
        (true, "/can-bo/ho-so/{code}") => {
            per_dossier("/can-bo/ho-so/{code}", Payload::Empty, PAGE, every)
        }
        (false, "/can-bo/ho-so/{code}") => per_dossier(
            "/can-bo/ho-so/{code}",
            Payload::Form(vec![("action", "forward".into()), ("version", "0".into())]),
            FORM,
            every,
        ),
        (true, "/can-bo/ho-so/{code}/phieu-kiem-soat.pdf") => per_dossier(
            "/can-bo/ho-so/{code}/phieu-kiem-soat.pdf",
            Payload::Empty,
            PAGE,
            every,
        ),
        (true, "/can-bo/so-theo-doi.pdf") => {
            plain("/can-bo/so-theo-doi.pdf?tu=2026-03-01&den=2026-03-31", PAGE)
        }
        (true, "/can-bo/chung-thuc") => plain("/can-bo/chung-thuc", PAGE),
        (false, "/can-bo/chung-thuc") => multipart("/can-bo/chung-thuc"),
        (true, "/can-bo/chung-thuc/so.pdf") => plain("/can-bo/chung-thuc/so.pdf", PAGE),
        (true, "/can-bo/chung-thuc/{id}/ban-sao.pdf") => plain(
            &format!("/can-bo/chung-thuc/{}/ban-sao.pdf", uuid::Uuid::nil()),
            &[404],
        ),
        (true, "/can-bo/bao-cao") => plain("/can-bo/bao-cao", PAGE),
        (true, "/can-bo/bao-cao/{file}") => plain(
            "/can-bo/bao-cao/ii06a.csv?tu=2026-03-01&den=2026-03-31",
            PAGE,
        ),
        (true, "/api/v1/reports/ii06a") => {
            plain("/api/v1/reports/ii06a?tu=2026-03-01&den=2026-03-31", PAGE)
        }
        (true, "/api/v1/reports/targets") => plain("/api/v1/reports/targets", PAGE),
        (true, "/can-bo/ke-hoach") => plain("/can-bo/ke-hoach", PAGE),
        (true, "/can-bo/ke-hoach/{id}") => plain(plan, PAGE),
        (true, "/can-bo/ke-hoach/{id}/nhiem-vu/{key}") => {
            plain(&format!("{plan}/nhiem-vu/{}", w.plan_task), PAGE)
        }
        (false, "/can-bo/ke-hoach/{id}/nhiem-vu/{key}") => Sample {
            rule: Rule::PlanTask,
            ..multipart(&format!("{plan}/nhiem-vu/{}", w.plan_task))
        },
        (false, "/can-bo/ke-hoach/{id}/giao-viec") => {
            form(&format!("{plan}/giao-viec"), Vec::new())
        }
        (true, "/can-bo/ke-hoach/{id}/chi-tieu") => plain(&format!("{plan}/chi-tieu"), PAGE),
        (true, "/can-bo/ke-hoach/{id}/chi-tieu/{key}") => {
            plain(&format!("{plan}/chi-tieu/T233-1"), PAGE)
        }
        (false, "/can-bo/ke-hoach/{id}/chi-tieu/{key}") => {
            multipart(&format!("{plan}/chi-tieu/T233-1"))
        }
        (true, "/can-bo/ke-hoach/{id}/kiem-tra") => plain(&format!("{plan}/kiem-tra"), PAGE),
        (false, "/can-bo/ke-hoach/{id}/kiem-tra") => form(&format!("{plan}/kiem-tra"), Vec::new()),
        (true, "/can-bo/ke-hoach/{id}/kiem-tra/{inspection}") => plain(&w.inspection, PAGE),
        (false, "/can-bo/ke-hoach/{id}/kiem-tra/{inspection}") => multipart(&w.inspection),
        (true, "/can-bo/ke-hoach/{id}/minh-chung/{evidence}") => {
            plain(&format!("{plan}/minh-chung/khong-co"), &[404])
        }
        (true, "/can-bo/ke-hoach/{id}/{file}") => plain(&format!("{plan}/bao-cao.pdf?ky=q1"), PAGE),
        (true, "/quan-tri") => plain("/quan-tri", PAGE),
        (false, "/quan-tri/nguoi-dung/{username}/dat-lai") => {
            form("/quan-tri/nguoi-dung/congdan2/dat-lai", Vec::new())
        }
        (true, "/quan-tri/lich/{year}") => plain("/quan-tri/lich/2026", PAGE),
        _ => panic!(
            "{} {} has no sample in the role matrix: add one to `sample`",
            route.method, route.path
        ),
    }
}

/// A caller's credentials: the browser session (pages) and the API token.
struct Credentials {
    cookie: String,
    csrf: String,
}

async fn send(
    app: &TestApp,
    who: Option<&str>,
    creds: &Credentials,
    method: &Method,
    url: &str,
    body: &Payload,
) -> Reply {
    let api = url.starts_with("/api/");
    let mut request = Request::builder().method(method.clone()).uri(url);
    if api {
        if let Some(user) = who {
            request = request.header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.token_of(user)),
            );
        }
    } else {
        request = request.header(header::COOKIE, &creds.cookie);
    }
    let with_token = |fields: &Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", creds.csrf.clone())];
        all.extend(fields.iter().cloned());
        all
    };
    let request = match body {
        Payload::Empty => request.body(Body::empty()),
        Payload::Bytes(bytes) => request
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(*bytes)),
        Payload::Json(value) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(value.to_string())),
        Payload::Form(fields) => {
            let encoded: Vec<String> = with_token(fields)
                .iter()
                .map(|(k, v)| format!("{k}={}", xaso_domain::text::percent_encode(v)))
                .collect();
            request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(encoded.join("&")))
        }
        Payload::Multipart(fields) => {
            let boundary = "xaso-matrix-boundary";
            let mut text = String::new();
            for (name, value) in with_token(fields) {
                text.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
            }
            text.push_str(&format!("--{boundary}--\r\n"));
            request
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(text))
        }
    };
    app.send(request.expect("request")).await
}

/// What the policy says this caller must get from a route, given the dossier it names.
#[derive(Debug, PartialEq)]
enum Expected {
    Success,
    SignIn,
    Refused(&'static str),
    /// Refused by the handler's rule of agency (403 in its own words).
    Denied,
    NotFound,
}

fn expected(
    app: &TestApp,
    who: Option<&str>,
    (access, api, reads_only): (Access, bool, bool),
    rule: Rule,
    dossier: Option<&Dossier>,
) -> Expected {
    let roles = who.map(|u| app.users[u].roles.clone());
    // The matrix's tokens carry every scope; scopes themselves are tested in identity_http.
    let scopes = api.then_some(&Scope::ALL[..]);
    let (user, roles) = match decide_scoped(roles.as_deref(), scopes, access, reads_only) {
        Decision::SignIn => return Expected::SignIn,
        Decision::Refuse(permission) => return Expected::Refused(permission.refusal()),
        Decision::OutOfScope(scope) => panic!("a full token lacks {scope:?}"),
        Decision::Allow => match (who, roles) {
            (Some(user), Some(roles)) => (user, roles),
            _ => return Expected::Success,
        },
    };
    let places = dossier.map(|d| d.places(user)).unwrap_or_default();
    let of_minh_duc = commune_of(user) == Some("minh-duc");
    match rule {
        Rule::SeeDossier | Rule::AttachToDossier if !may_see_dossier(&roles, places) => {
            Expected::NotFound
        }
        Rule::AttachToDossier if !access::may_attach_to_dossier(&roles, places) => Expected::Denied,
        Rule::CitizenDocument if !access::may_see_citizen_document(&roles, user == "congdan") => {
            Expected::NotFound
        }
        Rule::PlanTask if !access::may_report_on_task(&roles, of_minh_duc, false) => {
            Expected::Denied
        }
        _ => Expected::Success,
    }
}

fn meets(expected: &Expected, reply: &Reply, api: bool, success: &[u16]) -> bool {
    let status = reply.status.as_u16();
    match expected {
        Expected::Success => success.contains(&status),
        Expected::SignIn if api => status == 401,
        Expected::SignIn => {
            status == 303
                && reply
                    .headers
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .is_some_and(|l| l.starts_with("/dang-nhap?tiep="))
        }
        Expected::Refused(words) => status == 403 && reply.body.contains(words),
        Expected::Denied => status == 403,
        Expected::NotFound => status == 404,
    }
}

async fn world(app: &mut TestApp) -> World {
    app.add_user(
        "daumoi",
        "Trịnh Thị Lan",
        Role::ReformCoordinator,
        Some(app.agency_of("lanhdao")),
    )
    .await;
    app.add_user("quantri", "Lý Văn Quản", Role::Administrator, None)
        .await;
    let mut tx = app.store.begin().await.expect("begin");
    let plan_text = include_str!("../../../data/plans/ke-hoach-09-2025.toml");
    let plan = xaso_domain::plan::parse_plan("ke-hoach-09-2025.toml", plan_text).expect("plan");
    xaso_store::plan::import(
        &mut tx,
        &plan,
        "ke-hoach-09-2025.toml",
        plan_text,
        common::start_time(),
        &xaso_store::audit::Actor::system("test"),
    )
    .await
    .expect("import");
    tx.commit().await.expect("commit");
    let applicant =
        json!({ "name": "Nguyễn Văn An", "id_number": "075201001234", "phone": "0912345678" });
    let checklist = common::complete_checklist(app, "1.004873").await;
    // 2.000635 is received anywhere in the province (phi địa giới), for the commune competent.
    let anywhere = common::complete_checklist(app, "2.000635").await;
    let counter = |receiving: &str, handling: &str| {
        json!({
            "procedure_code": if receiving == handling { "1.004873" } else { "2.000635" },
            "channel": "counter", "receiving_agency": receiving,
            "handling_commune": handling, "applicant": applicant,
            "components": if receiving == handling { &checklist } else { &anywhere },
            "decision": { "decision": "accept" }
        })
    };
    let created = |reply: Reply| {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.json()
    };
    let (minh_duc, tan_khai) = (app.agency_of("lanhdao"), app.agency_of("lanhdao.tk"));
    let mut ours = created(
        app.post_as(
            "motcua",
            "/api/v1/dossiers",
            counter(&app.agency_of("motcua"), &minh_duc),
        )
        .await,
    );
    for (user, action) in [
        ("motcua", json!({ "action": "forward" })),
        (
            "chuyenvien",
            json!({ "action": "request_supplement", "items": ["Bản sao sổ hộ khẩu"], "reason": "Cần xác minh" }),
        ),
    ] {
        ours = app
            .act(user, &ours, action)
            .await
            .unwrap_or_else(|r| panic!("{}: {}", r.status, r.body));
    }
    let to_tan_khai = created(
        app.post_as(
            "motcua",
            "/api/v1/dossiers",
            counter(&app.agency_of("motcua"), &tan_khai),
        )
        .await,
    );
    let theirs = created(
        app.post_as(
            "motcua.tk",
            "/api/v1/dossiers",
            counter(&app.agency_of("motcua.tk"), &tan_khai),
        )
        .await,
    );
    let online = |name: &str| {
        json!({
            "procedure_code": "1.004873", "channel": "online", "receiving_agency": app.agency_of("motcua"),
            "applicant": { "name": name, "id_number": "075201009999", "phone": "0912000111" },
            "components": checklist
        })
    };
    let mut mine = created(
        app.post_as("congdan", "/api/v1/dossiers", online("Võ Thị Mai"))
            .await,
    );
    for (user, action) in [
        ("motcua", json!({ "action": "accept" })),
        ("motcua", json!({ "action": "forward" })),
        ("chuyenvien", json!({ "action": "forward" })),
        (
            "lanhdao",
            json!({ "action": "approve", "result_number": "3/2026" }),
        ),
        ("motcua", json!({ "action": "return_result" })),
    ] {
        mine = app
            .act(user, &mine, action)
            .await
            .unwrap_or_else(|r| panic!("{}: {}", r.status, r.body));
    }
    let other_citizens = created(
        app.post_as("congdan2", "/api/v1/dossiers", online("Huỳnh Văn Bảy"))
            .await,
    );
    let code = |d: &Value| d["code"].as_str().expect("code").to_string();
    let file = app
        .post_bytes_as(
            "motcua",
            &format!("/api/v1/dossiers/{}/files?name=giay-to.pdf", code(&ours)),
            b"%PDF-1.4 giay to".to_vec(),
        )
        .await;
    assert_eq!(file.status, StatusCode::CREATED, "{}", file.body);
    let file_of_ours = file.json()["id"].as_str().expect("file id").to_string();
    // congdan's own document: the counter links the account to the number, the citizen uploads.
    let (officer, officer_csrf) = app.browser_session("motcua").await;
    let link = app
        .post_fields(
            "/can-bo/cong-dan/075201001234/lien-ket",
            &officer,
            &[("csrf", &officer_csrf), ("username", "congdan")],
        )
        .await;
    assert_eq!(link.status, StatusCode::SEE_OTHER, "{}", link.body);
    let (cookie, csrf) = app.browser_session("congdan").await;
    let upload = app
        .post_form(
            "/du-lieu-cua-toi/giay-to",
            &cookie,
            &[
                ("csrf", &csrf),
                ("doc_type", "giay-khai-sinh"),
                ("title", "Giấy khai sinh"),
                ("issued_on", "2001-04-03"),
            ],
            &[("file_0", "khai-sinh.pdf", b"%PDF-1.4 giay khai sinh")],
        )
        .await;
    assert!(
        upload.status.is_redirection(),
        "{}: {}",
        upload.status,
        upload.body
    );
    let second = app
        .post_form(
            "/du-lieu-cua-toi/giay-to",
            &cookie,
            &[
                ("csrf", &csrf),
                ("doc_type", "giay-khai-sinh"),
                ("title", "Bản sao giấy khai sinh"),
                ("issued_on", "2001-04-03"),
            ],
            &[("file_0", "ban-sao.pdf", b"%PDF-1.4 ban sao khai sinh")],
        )
        .await;
    assert!(
        second.status.is_redirection(),
        "{}: {}",
        second.status,
        second.body
    );
    let data = app.get_as("congdan", "/api/v1/me/data").await.json();
    let document_id = |title: &str| {
        data["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["title"] == title)
            .and_then(|d| d["id"].as_str())
            .unwrap_or_else(|| panic!("{title}: {data}"))
            .to_string()
    };
    let (document, document_to_remove) = (
        document_id("Giấy khai sinh"),
        document_id("Bản sao giấy khai sinh"),
    );
    let (leader, leader_csrf) = app.browser_session("lanhdao").await;
    let planned = app
        .post_fields(
            "/can-bo/ke-hoach/ke-hoach-09-2025/kiem-tra",
            &leader,
            &[
                ("csrf", &leader_csrf),
                ("unit", &app.agency_of("motcua")),
                ("planned_on", "2025-10-08"),
                ("digital", "yes"),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let inspection = planned.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    let feedback = app
        .post_fields(
            "/phan-anh",
            &cookie,
            &[
                ("csrf", &csrf),
                ("service_code", "can-bo"),
                ("description", "Cán bộ một cửa hẹn trả kết quả sai ngày"),
                ("address", ""),
            ],
        )
        .await;
    assert!(
        feedback.status.is_redirection(),
        "{}: {}",
        feedback.status,
        feedback.body
    );
    let feedback = feedback.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .trim_start_matches("/phan-anh/")
        .to_string();
    World {
        mine: Dossier {
            code: code(&mine),
            receiving: "minh-duc",
            handling: "minh-duc",
            applicant: Some("congdan"),
        },
        ours: Dossier {
            code: code(&ours),
            receiving: "minh-duc",
            handling: "minh-duc",
            applicant: None,
        },
        to_tan_khai: Dossier {
            code: code(&to_tan_khai),
            receiving: "minh-duc",
            handling: "tan-khai",
            applicant: None,
        },
        theirs: Dossier {
            code: code(&theirs),
            receiving: "tan-khai",
            handling: "tan-khai",
            applicant: None,
        },
        other_citizens: Dossier {
            code: code(&other_citizens),
            receiving: "minh-duc",
            handling: "minh-duc",
            applicant: Some("congdan2"),
        },
        file_of_ours,
        document,
        document_to_remove,
        inspection,
        feedback,
        plan_task: "L528-1".into(),
    }
}

xaso_store::backend_tests! {
    async fn every_route_for_every_role(store: Store) {
        // Every caller comes from the same address here: the public pages' limit is raised so
        // that the matrix measures the policy, not the rate limiter.
        let mut app = common::app_with(store, |mut state| {
            state.public_limiter = std::sync::Arc::new(xaso_web::dossier::RateLimiter::new(100_000, 60));
            state
        })
        .await;
        app.at("2026-03-02T09:00");
        let world = world(&mut app).await;
        let mut credentials = BTreeMap::new();
        for who in CALLERS {
            let creds = match who {
                Some(user) => {
                    let (cookie, csrf) = app.browser_session(user).await;
                    Credentials { cookie, csrf }
                }
                None => {
                    let page = app.get("/dang-nhap").await;
                    let cookie = page.headers[header::SET_COOKIE].to_str().expect("ascii").split(';').next().expect("csrf cookie").to_string();
                    let csrf = cookie.trim_start_matches("xaso_csrf=").to_string();
                    Credentials { cookie, csrf }
                }
            };
            credentials.insert(who.unwrap_or(""), creds);
        }
        // Signing out last, so that the sessions serve every other route.
        let mut routes = app.routes.clone();
        routes.sort_by_key(|r| r.path.contains("dang-xuat") || r.path.contains("logout"));
        let mut failures = Vec::new();
        let mut checked = 0;
        for route in &routes {
            let sample = sample(route, &world);
            let cases: Vec<(Option<&Dossier>, String)> = if sample.dossiers.is_empty() {
                vec![(None, sample.url.clone())]
            } else {
                sample.dossiers.iter().map(|(d, url)| (Some(d), url.clone())).collect()
            };
            for who in CALLERS {
                for (dossier, url) in &cases {
                    let reply = send(&app, who, &credentials[who.unwrap_or("")], &route.method, url, &sample.body).await;
                    let call = (route.access, url.starts_with("/api/"), route.method == Method::GET);
                    let want = expected(&app, who, call, sample.rule, *dossier);
                    checked += 1;
                    if !meets(&want, &reply, url.starts_with("/api/"), sample.success) {
                        // A page's message is in its <main>; an API's in its JSON.
                        let text = reply.body.split("<main").nth(1).unwrap_or(&reply.body);
                        let body: String = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(240).collect();
                        failures.push(format!("{} {url} as {}: expected {want:?}, got {} {body}", route.method, who.unwrap_or("nobody"), reply.status));
                    }
                }
            }
        }
        // Work lists show only what is in sight: each official's inbox is a part of it.
        let all = [&world.mine, &world.ours, &world.to_tan_khai, &world.theirs, &world.other_citizens];
        for user in ["motcua", "chuyenvien", "lanhdao", "motcua.tk", "chuyenvien.tk", "lanhdao.tk"] {
            let inbox = app.get_as(user, "/api/v1/dossiers/inbox").await.json();
            for item in inbox["items"].as_array().expect("items") {
                let dossier = all.iter().find(|d| item["code"] == d.code.as_str()).expect("a dossier of the world");
                if !may_see_dossier(&app.users[user].roles, dossier.places(user)) {
                    failures.push(format!("{user}'s inbox lists {} out of sight", dossier.code));
                }
            }
            let listed = |d: &Dossier| inbox["items"].as_array().into_iter().flatten().any(|i| i["code"] == d.code.as_str());
            match user {
                "motcua.tk" => assert!(listed(&world.theirs) && !listed(&world.ours), "{inbox}"),
                "motcua" => assert!(listed(&world.to_tan_khai) && !listed(&world.theirs), "{inbox}"),
                _ => {}
            }
        }
        println!("role matrix: {} routes, {checked} requests checked", routes.len());
        assert!(failures.is_empty(), "{} of {checked}:\n{}", failures.len(), failures.join("\n"));
    }
}

/// What each area of the site must ask, stated here apart from the router's table so that a
/// route declared too open fails: staff pages never open to citizens, administration only to
/// administrators, a citizen's own pages only to citizens, public pages only where the public
/// reads (and the few forms a stranger may send).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_area_asks_what_it_must() {
    use access::Permission;
    let store = xaso_store::testing::sqlite().await;
    let app = common::app(store).await;
    let public_posts = [
        "/dang-nhap",
        "/api/v1/auth/login",
        "/open311/v2/requests.json",
        xaso_web::payment::SANDBOX_PATH,
    ];
    let mut problems = Vec::new();
    for route in &app.routes {
        let path = route.path;
        let need = |p: Permission| route.access == Access::Need(p);
        let officials_only =
            matches!(route.access, Access::Need(p) if !access::grants(Role::Citizen, p));
        let fits = if path.starts_with("/api/v1/webhooks") {
            need(Permission::Integrate)
        } else if path.starts_with("/quan-tri") {
            need(Permission::Administer)
        } else if path.starts_with("/can-bo")
            || path.starts_with("/api/v1/reports")
            || path == "/api/v1/dossiers/inbox"
        {
            officials_only
        } else if path.starts_with("/du-lieu-cua-toi")
            || path == "/ho-so-cua-toi"
            || path.ends_with("/nop")
            || path == "/api/v1/me/data"
            || path == "/api/v1/dossiers/mine"
        {
            need(Permission::UsePortal)
        } else if path.starts_with("/ho-so/")
            || path.starts_with("/api/v1/dossiers")
            || path.starts_with("/phan-anh")
            || path.starts_with("/api/v1/citizens")
            || path.starts_with("/api/v1/me")
        {
            route.access != Access::Public
        } else if route.access == Access::Public && route.method == Method::POST {
            public_posts.contains(&path)
        } else {
            true
        };
        if !fits {
            problems.push(format!("{} {path}: {:?}", route.method, route.access));
        }
    }
    assert!(
        problems.is_empty(),
        "routes that ask the wrong thing:\n{}",
        problems.join("\n")
    );
    // And the public pages people must reach without an account stay open.
    for path in [
        "/",
        "/tra-cuu",
        "/thu-tuc/{code}",
        "/xac-thuc/{code}",
        "/api/v1/public/dossiers/{code}",
        "/open311/v2/services.json",
        "/dang-nhap",
        "/api/v1/openapi.json",
        "/tai-lieu-api",
    ] {
        assert!(
            app.routes
                .iter()
                .any(|r| r.path == path && r.access == Access::Public),
            "{path}"
        );
    }
}
