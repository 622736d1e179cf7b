//! The authorisation policy applied to every route. Each route is declared once, with what it
//! asks of its caller ([`Access`]); a guard in front of its handler finds the caller and answers
//! 401 (API) or the sign-in page, and 403 for a role the policy does not grant, before the handler
//! runs. Handlers then decide by agency: a dossier or an item out of the caller's sight is 404.

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter};
use axum::Router;
use xaso_domain::identity::access::{decide_scoped, Access, Decision, Scope};
use xaso_store::identity::User;

use crate::error::{ApiError, PageError};
use crate::AppState;

/// One route as the policy sees it: listed by [`crate::route_table`] for the role-matrix test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAccess {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The caller the guard found (or nobody), kept for the handler's extractors so that a request
/// looks its session up once.
#[derive(Clone, Default)]
pub(crate) struct Caller {
    pub user: Option<User>,
    /// The scopes of the API token used; `None` for a browser session.
    pub scopes: Option<Vec<Scope>>,
}

/// Whether a path is the programs' API (JSON errors, bearer tokens) rather than a page.
pub(crate) fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Finds the caller: API routes take a bearer token or the browser session, pages only the
/// session.
pub(crate) async fn find_caller(
    state: &AppState,
    headers: &HeaderMap,
    api: bool,
) -> Result<Caller, ApiError> {
    let now = state.now();
    if api {
        if let Some(token) = crate::identity::bearer_token(headers) {
            let found = state.store.user_for_token(token, now).await?;
            return Ok(match found {
                Some(found) => Caller {
                    user: Some(found.user),
                    scopes: Some(found.scopes),
                },
                // A token that is not (or no longer) good is nobody: 401.
                None => Caller::default(),
            });
        }
    }
    let user = match crate::identity::session_cookie(headers) {
        Some(session) => state.store.user_for_session_token(session, now).await?,
        None => None,
    };
    Ok(Caller { user, scopes: None })
}

async fn guard(
    State((state, access)): State<(AppState, Access)>,
    mut request: Request,
    next: Next,
) -> Response {
    let api = is_api(request.uri().path());
    let fail = |error: ApiError| {
        if api {
            error.into_response()
        } else {
            PageError(error).into_response()
        }
    };
    let caller = match find_caller(&state, request.headers(), api).await {
        Ok(caller) => caller,
        Err(error) => return fail(error),
    };
    let reads_only = matches!(*request.method(), Method::GET | Method::HEAD);
    let roles = caller.user.as_ref().map(|u| u.roles.as_slice());
    match decide_scoped(roles, caller.scopes.as_deref(), access, reads_only) {
        Decision::Allow => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Decision::SignIn if api => ApiError::unauthorized().into_response(),
        Decision::SignIn => {
            let back = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            crate::pages::see_other(&format!(
                "/dang-nhap?tiep={}",
                crate::catalog::percent_encode(&back)
            ))
        }
                Decision::Refuse(permission) => fail(ApiError::forbidden(permission.refusal())),
        Decision::OutOfScope(scope) => fail(ApiError {
            status: axum::http::StatusCode::FORBIDDEN,
            code: "insufficient_scope",
            message: format!(
                "Mã truy cập này không có phạm vi `{}` cần cho yêu cầu; hãy tạo mã mới có phạm vi đó.",
                scope.as_str()
            ),
        }),
    }
}

/// Builds the router and the table of its routes together, so that no route escapes the policy.
pub(crate) struct Routes {
    state: AppState,
    router: Router<AppState>,
    table: Vec<RouteAccess>,
}

impl Routes {
    pub(crate) fn new(state: AppState) -> Routes {
        Routes {
            state,
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        endpoint: MethodRouter<AppState>,
    ) -> Routes {
        let guarded = endpoint.route_layer(axum::middleware::from_fn_with_state(
            (self.state.clone(), access),
            guard,
        ));
        self.router = self.router.route(path, guarded);
        self.table.push(RouteAccess {
            method,
            path,
            access,
        });
        self
    }

    pub(crate) fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, routing::get(handler))
    }

    pub(crate) fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, routing::post(handler))
    }

    /// A form that carries files: its body may be as large as `limit` bytes.
    pub(crate) fn post_files<H, T>(
        self,
        path: &'static str,
        access: Access,
        limit: usize,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let endpoint = routing::post(handler).layer(axum::extract::DefaultBodyLimit::max(limit));
        self.add(Method::POST, path, access, endpoint)
    }

    pub(crate) fn finish(self) -> (Router<AppState>, Vec<RouteAccess>) {
        (self.router, self.table)
    }
}
