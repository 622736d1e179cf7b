//! The API's contract: the OpenAPI document covers exactly the router's `/api/v1` routes, matches
//! the committed snapshot, and is what the server serves; the documentation page shows it.

use axum::http::{Method, StatusCode};
use serde_json::Value;
use xaso_domain::identity::access::Access;
use xaso_web::openapi::{document, ContractError};
use xaso_web::RouteAccess;

mod common;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

async fn routes() -> (common::TestApp, Vec<RouteAccess>) {
    let app = common::app(xaso_store::testing::sqlite().await).await;
    let routes = app.routes.clone();
    (app, routes)
}

#[tokio::test]
async fn every_api_route_has_an_operation_and_every_operation_a_route() {
    let (_, mut routes) = routes().await;
    let spec = document(&routes).unwrap_or_else(|e| panic!("{e}"));
    let api_routes = routes
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count();
    let operations: usize = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().map_or(0, |o| o.len()))
        .sum();
    assert_eq!(operations, api_routes);
    // Pages are not part of the contract.
    assert!(spec["paths"].get("/can-bo").is_none());

    // A route added without its operation is caught, and so is an operation left behind.
    let dropped = routes
        .iter()
        .position(|r| r.path == "/api/v1/deadline")
        .expect("the deadline route");
    routes.remove(dropped);
    routes.push(RouteAccess {
        method: Method::POST,
        path: "/api/v1/khong-co",
        access: Access::SignedIn,
    });
    assert_eq!(
        document(&routes),
        Err(ContractError {
            undocumented: vec!["POST /api/v1/khong-co".into()],
            unrouted: vec!["GET /api/v1/deadline".into()],
        })
    );
}

#[tokio::test]
async fn security_and_errors_follow_the_routes_access() {
    let (_, routes) = routes().await;
    let spec = document(&routes).expect("document");
    let public = &spec["paths"]["/api/v1/procedures"]["get"];
    assert_eq!(public["security"], serde_json::json!([]));
    assert!(public["responses"].get("401").is_none());
    let inbox = &spec["paths"]["/api/v1/dossiers/inbox"]["get"];
    assert_eq!(inbox["security"][0]["bearerToken"], serde_json::json!([]));
    assert_eq!(
        inbox["responses"]["401"]["$ref"],
        "#/components/responses/Unauthorized"
    );
    assert_eq!(
        inbox["responses"]["403"]["$ref"],
        "#/components/responses/Forbidden"
    );
    let roles = inbox["x-roles"].as_array().expect("roles");
    assert!(roles.contains(&Value::from("counter_officer")));
    assert!(!roles.contains(&Value::from("citizen")));
    // Every reference points at a schema of the document.
    let text = serde_json::to_string(&spec).expect("text");
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = &reference[..reference.find('"').expect("end")];
        let pointer = target.trim_start_matches('#');
        assert!(spec.pointer(pointer).is_some(), "dangling {target}");
    }
    // Requests and answers of one type are described apart when they differ.
    assert_eq!(
        spec["paths"]["/api/v1/dossiers"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/NewDossier"
    );
}

#[tokio::test]
async fn the_document_matches_the_committed_snapshot() {
    let (_, routes) = routes().await;
    let spec = document(&routes).expect("document");
    let fresh = serde_json::to_string_pretty(&spec).expect("text") + "\n";
    if std::env::var_os("XASO_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &fresh).expect("write the snapshot");
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "The API's contract changed (first difference at line {}: {:?} → {:?}).\n\
             If the change is intended, update the snapshot and commit it:\n    \
             XASO_UPDATE_SNAPSHOTS=1 cargo test -p xaso-web --test openapi\n\
             then review `git diff crates/xaso-web/tests/snapshots/openapi.json`.",
            line + 1,
            committed.lines().nth(line).unwrap_or(""),
            fresh.lines().nth(line).unwrap_or(""),
        );
    }
}

#[tokio::test]
async fn the_server_serves_the_document_and_its_page() {
    let (app, routes) = routes().await;
    let reply = app.get("/api/v1/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.json(), document(&routes).expect("document"));

    let page = app.get("/tai-lieu-api").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tài liệu API"));
    for route in routes.iter().filter(|r| r.path.starts_with("/api/")) {
        assert!(
            page.body.contains(&format!("<code>{}</code>", route.path)),
            "{} is not on the page",
            route.path
        );
    }
    assert!(page.body.contains("id=\"schema-DossierView\""));
    assert!(
        !page.body.contains("<script>"),
        "no inline script under the CSP"
    );
}
