//! Filing cases from a desk or an API key: the source, the idempotency key, similar cases.

use crate::auth::Auth;
use crate::cases::*;
use crate::error::{ApiResult, AppError};
use crate::extract::*;
use crate::{AppState, JsonBody};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use tongchou_domain::cases::Source;
use tongchou_domain::{Invalid, Permission, Role};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(create_case))
        .route("/api/v1/cases/similar", get(similar))
}

/// The source a caller may claim: grid workers file grid reports; service-center staff and
/// dispatchers take hotline and window intake; anything else is an API filing.
fn staff_source(role: Role, asked: &str) -> ApiResult<Source> {
    let asked = match asked.trim() {
        "" => None,
        s => Some(Source::parse(s).ok_or_else(|| {
            Invalid::new(
                "source",
                "invalid_source",
                "应为 grid/hotline/window/api 之一",
                "must be one of grid, hotline, window, api",
            )
        })?),
    };
    Ok(match (role, asked) {
        (Role::GridWorker, None | Some(Source::Grid)) => Source::Grid,
        (
            Role::Agent | Role::Dispatcher | Role::Admin,
            Some(s @ (Source::Hotline | Source::Window)),
        ) => s,
        (Role::Agent, None) => Source::Window,
        (_, None | Some(Source::Api)) => Source::Api,
        (_, Some(_)) => {
            return Err(Invalid::new(
                "source",
                "source_not_allowed",
                "您的角色不能使用该来源",
                "your role may not file from this source",
            )
            .into());
        }
    })
}

/// The `Idempotency-Key` header, namespaced by who sends it.
pub(crate) fn idempotency_key(h: &HeaderMap, namespace: &str) -> ApiResult<Option<String>> {
    let Some(v) = h.get("idempotency-key") else {
        return Ok(None);
    };
    let v = v.to_str().unwrap_or("").trim();
    if v.is_empty() || v.len() > 100 {
        return Err(Invalid::new(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "应为 1–100 个字符",
            "must be 1 to 100 characters",
        )
        .into());
    }
    Ok(Some(format!("{namespace}:{v}")))
}

async fn create_case(
    State(s): State<AppState>,
    a: Auth,
    headers: HeaderMap,
    JsonBody(mut b): JsonBody<CaseInput>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    if !a.may(Permission::FileCases) {
        return Err(AppError::forbidden());
    }
    crate::territory::maps::place_case_by_point(&s, &a.ctx, &mut b).await?;
    let source = staff_source(a.role, &b.source)?;
    let key = idempotency_key(&headers, &format!("u{}", a.user.id))?;
    let n = NewCase::validate(&b, source, key)?;
    let created = s.store.create_case(&a.ctx, &n).await?;
    let status = if created.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let secret = created.case.secret.clone();
    if created.created {
        sms_reporter(&s, &created.case, Some(&secret));
    }
    let mut out = case_out(a.role, created.case);
    out.secret = Some(secret);
    Ok((status, Json(out)))
}

/// Open cases that the one being filed may duplicate (same 小类, recent, same grid or village or
/// nearby).
async fn similar(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<SimilarQuery>,
) -> ApiResult<Json<Items<CaseOut>>> {
    a.require(Permission::ReadRegistry)?;
    Ok(items(
        s.store
            .similar_cases(&a.ctx, &q)
            .await?
            .into_iter()
            .map(|c| case_out(a.role, c))
            .collect(),
    ))
}
