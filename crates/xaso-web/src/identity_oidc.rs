//! Citizen sign-in with the national e-ID (VNeID) over OpenID Connect: authorization code flow
//! with PKCE (S256), nonce and state. `GET /dang-nhap/vneid` keeps state, nonce and the PKCE
//! verifier in a short-lived HttpOnly cookie and sends the browser to the provider;
//! `GET /dang-nhap/vneid/ve` checks the state, exchanges the code, verifies the ID token (RS256,
//! the provider's published keys) and signs in the citizen account linked to the CCCD number the
//! token carries (made and linked at the first sign-in).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde::Deserialize;
use serde_json::Value;
use xaso_domain::identity::oidc::{self, base64url_decode, AuthRequest, Expected, IdClaims};

use crate::identity::{cookie, session_set_cookie};
use crate::pages::{render_status, see_other, ErrorPage, PageContext};
use crate::AppState;

/// Where the provider sends the browser back, under the portal's address.
pub const CALLBACK_PATH: &str = "/dang-nhap/vneid/ve";
const FLOW_COOKIE: &str = "xaso_oidc";
const FLOW_SECONDS: i64 = 600;

/// The e-ID provider this portal is registered with.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL; its `/.well-known/openid-configuration` says the rest.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The full callback address registered with the provider (public URL + `CALLBACK_PATH`).
    pub redirect_uri: String,
    /// The ID token claim holding the 12-digit CCCD number.
    pub cccd_claim: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_uri", &self.redirect_uri)
            .field("cccd_claim", &self.cccd_claim)
            .finish()
    }
}

/// A failed sign-in: a status and what to tell the citizen.
struct Failure(StatusCode, String);

fn refused(message: impl Into<String>) -> Failure {
    Failure(StatusCode::UNAUTHORIZED, message.into())
}

fn unreachable_provider(error: impl std::fmt::Display) -> Failure {
    tracing::warn!("OIDC provider: {error}");
    Failure(
        StatusCode::BAD_GATEWAY,
        "Không kết nối được với hệ thống định danh điện tử; hãy thử lại sau ít phút.".into(),
    )
}

fn failure_page(ctx: &PageContext, failure: Failure) -> Response {
    let mut response = ctx.finish(render_status(
        failure.0,
        &ErrorPage {
            nav: ctx.nav(),
            title: "Không đăng nhập được bằng VNeID",
            message: &failure.1,
        },
    ));
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "xaso_oidc=; HttpOnly; SameSite=Lax; Path=/dang-nhap/vneid; Max-Age=0",
        ),
    );
    response
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<Value, Failure> {
    let response = client.get(url).send().await.map_err(unreachable_provider)?;
    if !response.status().is_success() {
        return Err(unreachable_provider(format!(
            "{url}: {}",
            response.status()
        )));
    }
    let bytes = response.bytes().await.map_err(unreachable_provider)?;
    serde_json::from_slice(&bytes).map_err(unreachable_provider)
}

/// The provider's discovery document.
async fn discover(client: &reqwest::Client, config: &OidcConfig) -> Result<Value, Failure> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        config.issuer.trim_end_matches('/')
    );
    get_json(client, &url).await
}

fn endpoint<'a>(discovery: &'a Value, name: &str) -> Result<&'a str, Failure> {
    discovery[name]
        .as_str()
        .ok_or_else(|| unreachable_provider(format!("discovery has no {name}")))
}

/// `GET /dang-nhap/vneid`: starts the flow.
pub async fn start(State(state): State<AppState>, ctx: PageContext) -> Response {
    let Some(config) = state.oidc.clone() else {
        return failure_page(
            &ctx,
            Failure(
                StatusCode::NOT_FOUND,
                "Cổng dịch vụ này chưa kết nối với hệ thống định danh điện tử VNeID.".into(),
            ),
        );
    };
    let client = client();
    let discovery = match discover(&client, &config).await {
        Ok(d) => d,
        Err(failure) => return failure_page(&ctx, failure),
    };
    let authorization_endpoint = match endpoint(&discovery, "authorization_endpoint") {
        Ok(e) => e,
        Err(failure) => return failure_page(&ctx, failure),
    };
    let flow_state = xaso_store::identity::random_token();
    let nonce = xaso_store::identity::random_token();
    let verifier = xaso_store::identity::random_token();
    let location = oidc::authorization_url(&AuthRequest {
        authorization_endpoint,
        client_id: &config.client_id,
        redirect_uri: &config.redirect_uri,
        state: &flow_state,
        nonce: &nonce,
        verifier: &verifier,
    });
    let flow = format!(
        "{FLOW_COOKIE}={flow_state}.{nonce}.{verifier}.{}; HttpOnly; SameSite=Lax; Path=/dang-nhap/vneid; Max-Age={FLOW_SECONDS}",
        state.now().timestamp()
    );
    let mut response = ctx.finish(see_other(&location));
    if let Ok(value) = HeaderValue::from_str(&flow) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /dang-nhap/vneid/ve`: the provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    ctx: PageContext,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    match finish_login(&state, &headers, answer).await {
        Ok(token) => {
            let mut response = ctx.finish(see_other("/ho-so-cua-toi"));
            for cookie in [
                session_set_cookie(&token),
                format!("{FLOW_COOKIE}=; HttpOnly; SameSite=Lax; Path=/dang-nhap/vneid; Max-Age=0"),
            ] {
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(failure) => failure_page(&ctx, failure),
    }
}

/// Everything the callback checks; the new session's token when all is well.
async fn finish_login(
    state: &AppState,
    headers: &HeaderMap,
    answer: Callback,
) -> Result<String, Failure> {
    let config = state.oidc.clone().ok_or_else(|| {
        Failure(
            StatusCode::NOT_FOUND,
            "Cổng dịch vụ này chưa kết nối với hệ thống định danh điện tử VNeID.".into(),
        )
    })?;
    let now = state.now();
    let expired = || {
        Failure(
            StatusCode::BAD_REQUEST,
            "Lượt đăng nhập bằng VNeID không hợp lệ hoặc đã quá 10 phút; hãy bấm đăng nhập lại."
                .into(),
        )
    };
    let flow = cookie(headers, FLOW_COOKIE).ok_or_else(expired)?;
    let parts: Vec<&str> = flow.split('.').collect();
    let [flow_state, nonce, verifier, started] = parts[..] else {
        return Err(expired());
    };
    let started: i64 = started.parse().map_err(|_| expired())?;
    if now.timestamp() - started > FLOW_SECONDS || started > now.timestamp() + 60 {
        return Err(expired());
    }
    if answer.state.as_deref() != Some(flow_state) {
        return Err(expired());
    }
    if let Some(error) = answer.error {
        let error: String = error.chars().take(100).collect();
        return Err(refused(format!(
            "Hệ thống định danh điện tử không xác nhận đăng nhập ({error})."
        )));
    }
    let code = answer.code.filter(|c| !c.is_empty()).ok_or_else(|| {
        Failure(
            StatusCode::BAD_REQUEST,
            "Thiếu mã ủy quyền từ VNeID.".into(),
        )
    })?;

    let client = client();
    let discovery = discover(&client, &config).await?;
    let token_endpoint = endpoint(&discovery, "token_endpoint")?;
    let jwks_uri = endpoint(&discovery, "jwks_uri")?;
    let form = serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", config.redirect_uri.as_str()),
        ("client_id", config.client_id.as_str()),
        ("client_secret", config.client_secret.as_str()),
        ("code_verifier", verifier),
    ])
    .map_err(unreachable_provider)?;
    let response = client
        .post(token_endpoint)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(form)
        .send()
        .await
        .map_err(unreachable_provider)?;
    let status = response.status();
    let body = response.bytes().await.map_err(unreachable_provider)?;
    if !status.is_success() {
        tracing::info!(
            "OIDC token endpoint refused the code: {status} {}",
            String::from_utf8_lossy(&body)
        );
        return Err(refused(
            "VNeID không chấp nhận mã ủy quyền (đã dùng hoặc hết hạn); hãy đăng nhập lại.",
        ));
    }
    let tokens: Value = serde_json::from_slice(&body).map_err(unreachable_provider)?;
    let id_token = tokens["id_token"]
        .as_str()
        .ok_or_else(|| refused("VNeID không gửi mã định danh (ID token)."))?;
    let jwks = get_json(&client, jwks_uri).await?;
    let claims = verified_claims(id_token, &jwks)?;
    let claims = id_claims(&claims, &config.cccd_claim);
    let number = oidc::validate(
        &claims,
        &Expected {
            issuer: &config.issuer,
            client_id: &config.client_id,
            nonce,
            now: now.timestamp(),
        },
    )
    .map_err(|e| refused(format!("Không chấp nhận: {e}.")))?;
    let number = state
        .rules
        .citizen
        .cccd(&number)
        .map_err(|e| refused(format!("Số định danh từ VNeID không hợp lệ: {e}.")))?;
    let login = state
        .store
        .login_oidc(
            number.as_str(),
            claims.name.as_deref().unwrap_or_default(),
            now,
        )
        .await
        .map_err(|e| {
            let api: crate::ApiError = e.into();
            Failure(api.status, api.message)
        })?;
    Ok(login.session_token)
}

/// The payload of an RS256 ID token whose signature one of the provider's keys verifies.
fn verified_claims(token: &str, jwks: &Value) -> Result<Value, Failure> {
    let bad = || refused("Mã định danh (ID token) từ VNeID không hợp lệ.");
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let header: Value =
        serde_json::from_slice(&base64url_decode(head).ok_or_else(bad)?).map_err(|_| bad())?;
    if header["alg"] != "RS256" {
        return Err(bad());
    }
    let kid = header["kid"].as_str();
    let signature = Signature::try_from(base64url_decode(signature).ok_or_else(bad)?.as_slice())
        .map_err(|_| bad())?;
    let signed = &token[..head.len() + 1 + body.len()];
    let keys = jwks["keys"].as_array().ok_or_else(bad)?;
    let verified = keys
        .iter()
        .filter(|k| k["kty"] == "RSA" && (kid.is_none() || k["kid"].as_str() == kid))
        .filter_map(|k| {
            let n = base64url_decode(k["n"].as_str()?)?;
            let e = base64url_decode(k["e"].as_str()?)?;
            RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).ok()
        })
        .any(|key| {
            VerifyingKey::<rsa::sha2::Sha256>::new(key)
                .verify(signed.as_bytes(), &signature)
                .is_ok()
        });
    if !verified {
        return Err(bad());
    }
    serde_json::from_slice(&base64url_decode(body).ok_or_else(bad)?).map_err(|_| bad())
}

fn id_claims(claims: &Value, cccd_claim: &str) -> IdClaims {
    let text = |v: &Value| v.as_str().map(str::to_string);
    IdClaims {
        iss: text(&claims["iss"]).unwrap_or_default(),
        aud: match &claims["aud"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(list) => list.iter().filter_map(text).collect(),
            _ => Vec::new(),
        },
        exp: claims["exp"].as_i64().unwrap_or(0),
        iat: claims["iat"].as_i64().unwrap_or(i64::MAX / 2),
        nonce: text(&claims["nonce"]),
        name: text(&claims["name"]),
        cccd: text(&claims[cccd_claim]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xaso_domain::identity::oidc::base64url_encode;

    fn token(header: &str, payload: &str, signature: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            base64url_encode(header.as_bytes()),
            base64url_encode(payload.as_bytes()),
            base64url_encode(signature)
        )
    }

    fn jwks() -> Value {
        // A well-formed 512-bit modulus: no signature below was made with its key.
        let n = base64url_encode(&[0xc3; 64]);
        serde_json::json!({ "keys": [{ "kty": "RSA", "kid": "k1", "n": n, "e": "AQAB" }] })
    }

    #[test]
    fn unsigned_or_forged_tokens_are_refused() {
        let payload = r#"{"iss":"https://vneid.example","cccd":"075201001234"}"#;
        for bad in [
            token(r#"{"alg":"none"}"#, payload, b""),
            token(r#"{"alg":"HS256","kid":"k1"}"#, payload, &[1; 32]),
            token(r#"{"alg":"RS256","kid":"k1"}"#, payload, &[7; 64]),
            token(r#"{"alg":"RS256","kid":"other"}"#, payload, &[7; 64]),
            "not.a.token.at-all".to_string(),
            "garbage".to_string(),
        ] {
            let refused = verified_claims(&bad, &jwks());
            assert!(
                matches!(&refused, Err(Failure(StatusCode::UNAUTHORIZED, _))),
                "{bad}"
            );
        }
    }

    #[test]
    fn claims_take_audience_as_text_or_list_and_the_configured_number_claim() {
        let claims = serde_json::json!({
            "iss": "i", "aud": "xaso", "exp": 10, "iat": 5, "nonce": "n",
            "name": "Nguyễn Văn An", "so_dinh_danh": "075201001234"
        });
        let read = id_claims(&claims, "so_dinh_danh");
        assert_eq!(read.aud, vec!["xaso".to_string()]);
        assert_eq!(read.cccd.as_deref(), Some("075201001234"));
        assert_eq!(read.name.as_deref(), Some("Nguyễn Văn An"));
        let listed = id_claims(&serde_json::json!({ "aud": ["a", "xaso"] }), "cccd");
        assert_eq!(listed.aud, vec!["a".to_string(), "xaso".to_string()]);
        assert_eq!(listed.cccd, None);
    }
}
