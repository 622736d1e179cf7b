//! The API's contract: an OpenAPI 3.1 document of every `/api/v1` route, served at
//! `GET /api/v1/openapi.json` and shown on the page `/tai-lieu-api`.
//!
//! What each operation takes and gives is written once, in [`operations`]; the schemas are
//! derived (schemars, JSON Schema 2020-12, OpenAPI 3.1's dialect) from the very types the
//! handlers (de)serialise, so the document follows the code. Who may call a route comes from the
//! router's own table ([`crate::route_table`]): public routes ask nothing, the others a bearer
//! token or the browser session, and may answer 401 and 403. A route of the table without an
//! operation here, or an operation without a route, is an error ([`document`]), so no route
//! escapes the contract.

use std::collections::BTreeMap;

use axum::http::Method;
use schemars::generate::{Contract, SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};
use xaso_domain::identity::access::{grants, Access};
use xaso_domain::identity::Role;

use crate::identity_access::{is_api, RouteAccess};

/// Where the document is served.
pub const SPEC_PATH: &str = "/api/v1/openapi.json";

/// Where schemas live in the document.
const SCHEMAS: &str = "#/components/schemas/";

/// How a body or an answer is carried.
enum Content {
    /// JSON with this schema.
    Json(Value),
    /// A file, as one of these media types.
    File(&'static [&'static str]),
}

impl Content {
    fn to_value(&self) -> Value {
        match self {
            Content::Json(schema) => json!({ "application/json": { "schema": schema } }),
            Content::File(types) => Value::Object(
                types
                    .iter()
                    .map(|t| {
                        let schema = json!({ "type": "string", "contentMediaType": t });
                        (t.to_string(), json!({ "schema": schema }))
                    })
                    .collect(),
            ),
        }
    }
}

/// One operation of the API: what it takes and what it answers, besides the errors of access.
pub(crate) struct Operation {
    method: Method,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
    query: Vec<Value>,
    /// Path parameters more precise than a string, by name.
    path_schemas: Vec<(&'static str, Value)>,
    body: Option<Content>,
    answers: Vec<(u16, &'static str, Option<Content>)>,
    errors: Vec<u16>,
}

fn operation(method: Method, path: &'static str, id: &'static str) -> Operation {
    Operation {
        method,
        path,
        id,
        tag: "",
        summary: "",
        description: None,
        query: Vec::new(),
        path_schemas: Vec::new(),
        body: None,
        answers: Vec::new(),
        errors: Vec::new(),
    }
}

fn get(path: &'static str, id: &'static str) -> Operation {
    operation(Method::GET, path, id)
}

fn post(path: &'static str, id: &'static str) -> Operation {
    operation(Method::POST, path, id)
}

/// The two generators: requests are described as they are read (`#[serde(default)]` fields are
/// optional), answers as they are written.
struct Generators {
    read: SchemaGenerator,
    written: SchemaGenerator,
}

fn settings(contract: Contract) -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
        s.contract = contract;
    })
}

impl Generators {
    fn new() -> Generators {
        Generators {
            read: settings(Contract::Deserialize).into_generator(),
            written: settings(Contract::Serialize).into_generator(),
        }
    }
}

impl Operation {
    fn tagged(mut self, tag: &'static str, summary: &'static str) -> Operation {
        self.tag = tag;
        self.summary = summary;
        self
    }

    fn describe(mut self, description: &'static str) -> Operation {
        self.description = Some(description);
        self
    }

    /// The query string's parameters: the fields of `T`, the struct the handler reads it into.
    fn query<T: JsonSchema>(mut self) -> Operation {
        let schema = settings(Contract::Deserialize)
            .with(|s| s.inline_subschemas = true)
            .into_generator()
            .into_root_schema_for::<T>();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, property) in properties.into_iter().flatten() {
            let mut property = property.clone();
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"));
            // A query parameter is absent rather than null.
            if property.get("default").is_some_and(Value::is_null) {
                property.as_object_mut().map(|p| p.remove("default"));
            }
            if let Some(types) = property.get_mut("type").and_then(Value::as_array_mut) {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    property["type"] = only.clone();
                }
            }
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": property,
            });
            if let Some(description) = description {
                parameter["description"] = description;
            }
            self.query.push(parameter);
        }
        self
    }

    /// What the path parameter `name` accepts, as the handler checks it.
    fn path_param(mut self, name: &'static str, schema: Value) -> Operation {
        self.path_schemas.push((name, schema));
        self
    }

    fn json_body<T: JsonSchema>(mut self, g: &mut Generators) -> Operation {
        self.body = Some(Content::Json(g.read.subschema_for::<T>().to_value()));
        self
    }

    fn file_body(mut self, types: &'static [&'static str]) -> Operation {
        self.body = Some(Content::File(types));
        self
    }

    fn answers<T: JsonSchema>(
        mut self,
        g: &mut Generators,
        status: u16,
        description: &'static str,
    ) -> Operation {
        let schema = g.written.subschema_for::<T>().to_value();
        self.answers
            .push((status, description, Some(Content::Json(schema))));
        self
    }

    fn answers_file(mut self, description: &'static str, types: &'static [&'static str]) -> Self {
        self.answers
            .push((200, description, Some(Content::File(types))));
        self
    }

    fn answers_nothing(mut self, status: u16, description: &'static str) -> Operation {
        self.answers.push((status, description, None));
        self
    }

    fn fails(mut self, statuses: &[u16]) -> Operation {
        self.errors.extend_from_slice(statuses);
        self
    }

    /// The OpenAPI operation object, with the security and errors of the route's access.
    fn to_value(&self, access: Access) -> Value {
        let mut parameters: Vec<Value> = path_parameters(self.path);
        for parameter in &mut parameters {
            if let Some((_, schema)) = self
                .path_schemas
                .iter()
                .find(|(n, _)| parameter["name"] == *n)
            {
                parameter["schema"] = schema.clone();
            }
        }
        parameters.extend(self.query.iter().cloned());
        let mut responses = Map::new();
        for (status, description, content) in &self.answers {
            let mut response = json!({ "description": description });
            if let Some(content) = content {
                response["content"] = content.to_value();
            }
            responses.insert(status.to_string(), response);
        }
        let mut errors = self.errors.clone();
        if access != Access::Public {
            errors.extend([401, 403]);
        }
        errors.sort_unstable();
        errors.dedup();
        for status in errors {
            let name = error_response(status).map_or("Error", |(name, _)| name);
            responses.insert(
                status.to_string(),
                json!({ "$ref": format!("#/components/responses/{name}") }),
            );
        }
        let mut object = json!({
            "operationId": self.id,
            "tags": [self.tag],
            "summary": self.summary,
            "responses": responses,
            "security": security(access),
        });
        if let Some(description) = self.description {
            object["description"] = description.into();
        }
        if let Access::Need(permission) = access {
            // Who may call it, from the policy's own table.
            let roles: Vec<&str> = Role::ALL
                .into_iter()
                .filter(|&role| grants(role, permission))
                .map(Role::as_str)
                .collect();
            object["x-roles"] = roles.into();
        }
        if !parameters.is_empty() {
            object["parameters"] = parameters.into();
        }
        if let Some(body) = &self.body {
            object["requestBody"] = json!({ "required": true, "content": body.to_value() });
        }
        object
    }
}

/// Every `{name}` of a path template, as a required string parameter.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } })
        })
        .collect()
}

fn security(access: Access) -> Value {
    match access {
        Access::Public => json!([]),
        _ => json!([{ "bearerToken": [] }, { "sessionCookie": [] }]),
    }
}

/// The errors an operation may answer, each `{"error": {"code", "message"}}`.
fn error_response(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => ("BadRequest", "Yêu cầu không hợp lệ (tham số, JSON) — bad request"),
        401 => ("Unauthorized", "Cần đăng nhập hoặc mã truy cập (API token) hợp lệ — not signed in"),
        403 => ("Forbidden", "Vai trò của bạn không được làm việc này, hoặc cần đổi mật khẩu dùng một lần trước — forbidden"),
        404 => ("NotFound", "Không tìm thấy, hoặc ngoài phạm vi được xem — not found"),
        409 => ("Conflict", "Phiên bản đã cũ hoặc thao tác không hợp lệ ở trạng thái này — conflict"),
        413 => ("TooLarge", "Tệp quá lớn (tối đa 10 MiB) — payload too large"),
        415 => ("UnsupportedFile", "Chỉ nhận tệp PDF, JPEG hoặc PNG — unsupported file"),
        422 => ("Invalid", "Dữ liệu không hợp lệ theo quy định — unprocessable"),
        429 => ("TooManyRequests", "Quá nhiều yêu cầu, hoặc tài khoản đang bị khóa tạm — too many requests"),
        _ => return None,
    })
}

/// Every operation of the API. A new `/api/v1` route needs its line here (the tests say so).
fn operations(g: &mut Generators) -> Vec<Operation> {
    use crate::dossier::verification::ResultVerification;
    use crate::{agency, calendar, catalog, citizen, dossier, identity, report};
    use xaso_store::dossier::{DossierView, FileMeta, NewDossier, PublicView};

    const FILES: &[&str] = &["application/pdf", "image/jpeg", "image/png"];
    let procedure_code = json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)+$", "maxLength": 40, "examples": ["1.001193"] });
    let dossier_code = json!({ "type": "string", "description": "Mã hồ sơ: mã đơn vị-YYMMDD-số thứ tự 4 chữ số", "examples": ["000.04.61.H19-260302-0001"] });
    let citizen_number = json!({ "type": "string", "pattern": "^[0-9]{12}$", "description": "Số định danh cá nhân (CCCD)" });
    vec![
        get(SPEC_PATH, "openapi")
            .tagged("api", "Tài liệu OpenAPI này — this OpenAPI document")
            .answers::<Value>(g, 200, "Tài liệu OpenAPI 3.1 — the OpenAPI 3.1 document"),
        // The catalog and the calendar: public.
        get("/api/v1/procedures", "listProcedures")
            .tagged("catalog", "Tìm thủ tục hành chính — search procedures")
            .describe("Không phân biệt dấu, hoa thường (`ki` = `ký`) — accent- and case-insensitive.")
            .query::<catalog::ListParams>()
            .answers::<xaso_store::catalog::SearchPage>(g, 200, "Một trang kết quả — a page of results")
            .fails(&[400]),
        get("/api/v1/procedures/{code}", "getProcedure")
            .path_param("code", procedure_code)
            .tagged("catalog", "Một thủ tục (bản hiện hành hoặc một phiên bản) — one procedure")
            .query::<catalog::VersionParams>()
            .answers::<catalog::ProcedureView>(g, 200, "Thủ tục — the procedure")
            .fails(&[400, 404]),
        get("/api/v1/agencies", "listAgencies")
            .tagged("agency", "Cây đơn vị — the agency tree")
            .answers::<agency::AgencyList>(g, 200, "Các đơn vị, cấp trên trước — agencies, parents first"),
        get("/api/v1/calendar/lunar", "toLunar")
            .tagged("calendar", "Đổi ngày dương sang âm lịch — solar to lunar")
            .query::<calendar::DateParam>()
            .answers::<calendar::LunarView>(g, 200, "Ngày âm lịch — the lunar date")
            .fails(&[400]),
        get("/api/v1/calendar/solar", "toSolar")
            .tagged("calendar", "Đổi ngày âm lịch sang dương lịch — lunar to solar")
            .query::<calendar::LunarParam>()
            .answers::<calendar::LunarView>(g, 200, "Ngày dương lịch — the solar date")
            .fails(&[400]),
        get("/api/v1/calendar/{year}", "calendarYear")
            .path_param("year", json!({ "type": "integer", "examples": [2026] }))
            .tagged("calendar", "Ngày nghỉ và ngày làm bù của một năm — days off of a year")
            .query::<calendar::AgencyParam>()
            .answers::<calendar::YearView>(g, 200, "Lịch của năm — the year's calendar")
            .fails(&[400, 404]),
        get("/api/v1/deadline", "deadline")
            .tagged("calendar", "Tính hạn giải quyết theo ngày làm việc — a deadline in working time")
            .query::<calendar::DeadlineParams>()
            .answers::<calendar::DeadlineView>(g, 200, "Hạn và cách tính — the deadline and why")
            .fails(&[400, 404]),
        // Public look-ups, limited per client.
        get("/api/v1/public/dossiers/{code}", "trackDossier")
            .path_param("code", dossier_code.clone())
            .tagged("public", "Tra cứu hồ sơ theo mã (tên người nộp được che) — public tracking")
            .answers::<PublicView>(g, 200, "Trạng thái và các bước — status and steps")
            .fails(&[404, 429]),
        get("/api/v1/public/results/{code}", "verifyResult")
            .tagged("public", "Xác thực kết quả điện tử của hồ sơ — verify a signed e-result")
            .answers::<ResultVerification>(g, 200, "Chữ ký và tính toàn vẹn — signature and integrity")
            .fails(&[400, 404, 429]),
        get("/api/v1/public/certifications/{id}", "verifyCertification")
            .tagged("public", "Xác thực bản sao chứng thực điện tử — verify a certified copy")
            .answers::<ResultVerification>(g, 200, "Chữ ký và tính toàn vẹn — signature and integrity")
            .fails(&[400, 404, 429]),
        get("/api/v1/payments/vnpay/ipn", "paymentIpn")
            .tagged("payment", "Thông báo thanh toán của cổng (IPN, giao thức VNPay) — the gateway's report")
            .describe("Luôn trả 200; mã `RspCode` cho biết kết quả — always 200, `RspCode` says what happened.")
            .answers::<crate::payment::IpnReply>(g, 200, "Câu trả lời cho cổng — the gateway's answer"),
        // One's own account.
        post("/api/v1/auth/login", "login")
            .tagged("identity", "Đăng nhập: đặt cookie phiên — sign in (session cookie)")
            .json_body::<identity::LoginRequest>(g)
            .answers::<identity::LoginResponse>(g, 200, "Đã đăng nhập — signed in")
            .fails(&[400, 401, 429]),
        post("/api/v1/auth/logout", "logout")
            .tagged("identity", "Đăng xuất: kết thúc phiên của cookie — end the cookie's session")
            .answers_nothing(204, "Đã đăng xuất — signed out"),
        get("/api/v1/me", "me")
            .tagged("identity", "Tài khoản đang dùng — the caller's account")
            .answers::<xaso_store::identity::User>(g, 200, "Tài khoản — the account"),
        post("/api/v1/me/password", "changePassword")
            .tagged("identity", "Đổi mật khẩu (kết thúc mọi phiên) — change one's password")
            .json_body::<identity::PasswordChange>(g)
            .answers_nothing(204, "Đã đổi — changed")
            .fails(&[400, 422, 429]),
        get("/api/v1/me/tokens", "myTokens")
            .tagged("identity", "Các mã truy cập của tài khoản (không kèm mã) — the account's API tokens")
            .answers::<crate::identity_tokens::TokenList>(g, 200, "Các mã, phạm vi, lần dùng cuối — tokens, scopes, last use"),
        post("/api/v1/me/tokens", "createToken")
            .tagged("identity", "Tạo mã truy cập có phạm vi (read, write, webhooks), hiện một lần — make a scoped token")
            .json_body::<crate::identity_tokens::NewToken>(g)
            .answers::<crate::identity_tokens::Created>(g, 201, "Mã mới — the new token, shown once")
            .fails(&[400, 422]),
        post("/api/v1/me/tokens/{id}/revoke", "revokeToken")
            .tagged("identity", "Thu hồi một mã truy cập — revoke a token")
            .answers_nothing(204, "Đã thu hồi — revoked")
            .fails(&[404]),
        // Integrations.
        get("/api/v1/webhooks", "listWebhooks")
            .tagged("integration", "Các đăng ký webhook — webhook subscriptions")
            .answers::<crate::integration::Items<xaso_store::integration::Subscription>>(g, 200, "Các đăng ký — subscriptions"),
        post("/api/v1/webhooks", "subscribeWebhook")
            .tagged("integration", "Đăng ký nhận sự kiện hồ sơ, ký HMAC-SHA256 — subscribe to dossier events")
            .describe("Mỗi sự kiện là một POST JSON có `X-Xaso-Signature: t=<unix>,v1=<hex HMAC-SHA256 của \"<t>.<body>\">` — each event is signed.")
            .json_body::<crate::integration::NewSubscription>(g)
            .answers::<crate::integration::Subscribed>(g, 201, "Đăng ký và khóa ký (hiện một lần) — the subscription and its secret, shown once")
            .fails(&[400, 422]),
        post("/api/v1/webhooks/{id}/disable", "disableWebhook")
            .tagged("integration", "Ngừng một đăng ký — stop a subscription")
            .answers_nothing(204, "Đã ngừng — stopped")
            .fails(&[404]),
        get("/api/v1/webhooks/{id}/deliveries", "webhookDeliveries")
            .tagged("integration", "Nhật ký gửi của một đăng ký, mọi lần thử — a subscription's delivery log")
            .answers::<crate::integration::Items<crate::integration::LoggedDelivery>>(g, 200, "Các lần gửi — deliveries")
            .fails(&[404]),
        post("/api/v1/webhooks/deliveries/{id}/replay", "replayDelivery")
            .tagged("integration", "Gửi lại một lần gửi trong nhật ký — replay a delivery")
            .answers::<crate::integration::Replayed>(g, 202, "Đã xếp gửi lại — queued again")
            .fails(&[404]),
        // Dossiers.
        post("/api/v1/dossiers", "createDossier")
            .tagged("dossier", "Tiếp nhận (quầy, bưu chính) hoặc nộp trực tuyến một hồ sơ — receive or submit a dossier")
            .json_body::<NewDossier>(g)
            .answers::<DossierView>(g, 201, "Hồ sơ đã tạo — the new dossier")
            .fails(&[400, 404, 409, 422]),
        get("/api/v1/dossiers/inbox", "inbox")
            .tagged("dossier", "Hồ sơ chờ người gọi xử lý, gấp trước — the caller's work")
            .answers::<dossier::Items<xaso_store::dossier::DossierSummary>>(g, 200, "Các hồ sơ — dossiers"),
        get("/api/v1/dossiers/mine", "myDossiers")
            .tagged("dossier", "Hồ sơ công dân đã nộp — a citizen's dossiers")
            .answers::<dossier::Items<xaso_store::dossier::DossierSummary>>(g, 200, "Các hồ sơ — dossiers"),
        get("/api/v1/dossiers/{code}", "getDossier")
            .path_param("code", dossier_code.clone())
            .tagged("dossier", "Một hồ sơ với quá trình xử lý — one dossier with its history")
            .answers::<DossierView>(g, 200, "Hồ sơ — the dossier")
            .fails(&[404]),
        post("/api/v1/dossiers/{code}/actions", "actOnDossier")
            .path_param("code", dossier_code.clone())
            .tagged("dossier", "Một thao tác trên hồ sơ (chuyển, bổ sung, duyệt…) — an action on a dossier")
            .describe("`version` là phiên bản người gọi đã thấy; phiên bản cũ → 409 — a stale version gives 409.")
            .json_body::<dossier::ActionRequest>(g)
            .answers::<DossierView>(g, 200, "Hồ sơ sau thao tác — the dossier after the action")
            .fails(&[400, 404, 409, 422]),
        post("/api/v1/dossiers/{code}/files", "attachFile")
            .tagged("dossier", "Đính kèm một tệp (PDF, JPEG, PNG, ≤ 10 MiB) — attach a file")
            .query::<dossier::UploadParams>()
            .file_body(FILES)
            .answers::<FileMeta>(g, 201, "Tệp đã đính kèm — the attached file")
            .fails(&[400, 404, 409, 413, 415, 422]),
        get("/api/v1/dossiers/{code}/files/{id}", "downloadFile")
            .tagged("dossier", "Tải một tệp đính kèm — download an attachment")
            .answers_file("Tệp — the file", FILES)
            .fails(&[404]),
        post("/api/v1/dossiers/{code}/reuse", "reuseDocument")
            .tagged("citizen", "Dùng giấy tờ trong kho dữ liệu thay cho tệp nộp — reuse a stored document")
            .json_body::<citizen::ReuseRequest>(g)
            .answers::<FileMeta>(g, 201, "Thành phần đã lấy từ kho — the component taken from the store")
            .fails(&[400, 404, 409, 422]),
        // The citizen data store.
        get("/api/v1/me/data", "myData")
            .tagged("citizen", "Kho dữ liệu của tôi và ai đã dùng — the citizen's own store and read log")
            .answers::<citizen::MyData>(g, 200, "Hồ sơ, giấy tờ và nhật ký đọc — profile, documents, reads")
            .fails(&[404]),
        get("/api/v1/citizens/{number}", "citizenProfile")
            .path_param("number", citizen_number)
            .tagged("citizen", "Thông tin và giấy tờ của một công dân (có ghi nhật ký) — a citizen's profile (logged)")
            .query::<citizen::ReadPurpose>()
            .answers::<citizen::CitizenRecord>(g, 200, "Thông tin và giấy tờ — profile and documents")
            .fails(&[400, 404, 422]),
        get("/api/v1/citizens/documents/{id}", "citizenDocument")
            .tagged("citizen", "Tải một giấy tờ trong kho (có ghi nhật ký) — a stored document (logged)")
            .query::<citizen::ReadPurpose>()
            .answers_file("Giấy tờ — the document", FILES)
            .fails(&[404]),
        // Reports.
        get("/api/v1/reports/ii06a", "reportIi06a")
            .tagged("report", "Báo cáo mẫu II.06a — the II.06a report")
            .query::<report::ReportQuery>()
            .answers::<report::Ii06aAnswer>(g, 200, "Báo cáo — the report")
            .fails(&[400, 404, 422]),
        get("/api/v1/reports/targets", "reportTargets")
            .tagged("report", "Chỉ tiêu kế hoạch, chỉ số QĐ 766 và TT 01/2018 — targets and indices")
            .query::<report::ReportQuery>()
            .answers::<report::TargetsAnswer>(g, 200, "Chỉ tiêu và chỉ số — targets and indices")
            .fails(&[400, 404, 422]),
    ]
}

/// A route of the table with no operation, or an operation with no route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    pub undocumented: Vec<String>,
    pub unrouted: Vec<String>,
}

impl std::fmt::Display for ContractError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "routes without an operation in openapi.rs: {:?}; operations without a route: {:?}",
            self.undocumented, self.unrouted
        )
    }
}

/// Schemas read from requests that differ from the written ones of the same name (or refer to one
/// that does) are kept apart as `NameInput`, and the request side's references follow.
fn merge_schemas(
    written: Map<String, Value>,
    read: Map<String, Value>,
) -> (Map<String, Value>, BTreeMap<String, String>) {
    let mut schemas = written;
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let before = renamed.len();
        for (name, schema) in &read {
            let target = format!("{SCHEMAS}{name}");
            let differs = schemas.get(name).is_some_and(|same| {
                same != schema || {
                    let text = schema.to_string();
                    renamed.keys().any(|r| text.contains(&format!("\"{r}\"")))
                }
            });
            if differs && !renamed.contains_key(&target) {
                renamed.insert(target, format!("{SCHEMAS}{name}Input"));
            }
        }
        if renamed.len() == before {
            break;
        }
    }
    for (name, mut schema) in read {
        if renamed.contains_key(&format!("{SCHEMAS}{name}")) {
            rename_refs(&mut schema, &renamed);
            schemas.insert(format!("{name}Input"), schema);
        } else if !schemas.contains_key(&name) {
            rename_refs(&mut schema, &renamed);
            schemas.insert(name, schema);
        }
    }
    (schemas, renamed)
}

fn rename_refs(value: &mut Value, renamed: &BTreeMap<String, String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                match inner {
                    Value::String(target) if key == "$ref" => {
                        if let Some(new) = renamed.get(target.as_str()) {
                            *target = new.clone();
                        }
                    }
                    _ => rename_refs(inner, renamed),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

/// The OpenAPI document of the API routes of `routes` (the router's table).
pub fn document(routes: &[RouteAccess]) -> Result<Value, ContractError> {
    let mut generators = Generators::new();
    let mut operations = operations(&mut generators);
    let api: Vec<&RouteAccess> = routes.iter().filter(|r| is_api(r.path)).collect();
    let undocumented: Vec<String> = api
        .iter()
        .filter(|r| {
            !operations
                .iter()
                .any(|o| o.method == r.method && o.path == r.path)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let unrouted: Vec<String> = operations
        .iter()
        .filter(|o| !api.iter().any(|r| o.method == r.method && o.path == r.path))
        .map(|o| format!("{} {}", o.method, o.path))
        .collect();
    if !undocumented.is_empty() || !unrouted.is_empty() {
        return Err(ContractError {
            undocumented,
            unrouted,
        });
    }
    // Every error's body, referred to by the shared responses.
    generators
        .written
        .subschema_for::<crate::error::ErrorBody>();
    let (schemas, renamed) = merge_schemas(
        generators.written.take_definitions(true),
        generators.read.take_definitions(true),
    );
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for operation in &mut operations {
        if let Some(Content::Json(schema)) = &mut operation.body {
            rename_refs(schema, &renamed);
        }
        let access = api
            .iter()
            .find(|r| operation.method == r.method && operation.path == r.path)
            .map_or(Access::Public, |r| r.access);
        paths.entry(operation.path).or_default().insert(
            operation.method.as_str().to_ascii_lowercase(),
            operation.to_value(access),
        );
    }
    let responses: Map<String, Value> = [400, 401, 403, 404, 409, 413, 415, 422, 429]
        .into_iter()
        .filter_map(error_response)
        .map(|(name, description)| {
            let content = json!({ "application/json": { "schema": { "$ref": format!("{SCHEMAS}ErrorBody") } } });
            (name.to_string(), json!({ "description": description, "content": content }))
        })
        .collect();
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Xã Số API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Hệ thống một cửa điện tử cấp xã — a commune's one-stop shop for administrative procedures",
            "description": "Lỗi luôn là JSON `{\"error\": {\"code\", \"message\"}}` với thông điệp tiếng Việt. Gọi bằng `Authorization: Bearer <mã truy cập>` (`xaso user token TÊN`) hoặc cookie phiên của trình duyệt. — Errors are JSON with a Vietnamese message; call with a bearer token or the browser session.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" },
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "catalog", "description": "Danh mục thủ tục — the procedure catalog" },
            { "name": "agency", "description": "Đơn vị — agencies" },
            { "name": "calendar", "description": "Lịch, âm lịch, hạn giải quyết — calendar and deadlines" },
            { "name": "public", "description": "Tra cứu và xác thực công khai — public tracking and verification" },
            { "name": "identity", "description": "Tài khoản — accounts" },
            { "name": "dossier", "description": "Hồ sơ — dossiers" },
            { "name": "citizen", "description": "Kho dữ liệu công dân — the citizen data store" },
            { "name": "payment", "description": "Thanh toán trực tuyến — online payment" },
            { "name": "report", "description": "Báo cáo — reports" },
            { "name": "integration", "description": "Kết nối hệ thống khác: webhook — integrations (webhooks)" },
            { "name": "api", "description": "Tài liệu API — this document" },
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {
                "bearerToken": { "type": "http", "scheme": "bearer", "description": "Mã truy cập cá nhân: `xaso user token TÊN` — a personal API token" },
                "sessionCookie": { "type": "apiKey", "in": "cookie", "name": crate::identity::SESSION_COOKIE, "description": "Phiên đăng nhập của trình duyệt (POST /api/v1/auth/login) — the browser session" },
            },
        },
    }))
}
