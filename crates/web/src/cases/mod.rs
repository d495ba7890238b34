//! Case handlers, one module per part of the case loop; what they share (the case as staff
//! see it) is here.

mod attachments;
mod catalog;
mod disputes;
mod intake;
mod lifecycle;
mod notifications;
pub(crate) mod public;

pub use catalog::{CalendarEntry, Imported, SettingIn, Settings};
pub use intake::*;
pub use lifecycle::{BulkIn, BulkResult, DetailOut, ReceiptSent};
pub use notifications::*;
pub use public::*;

use crate::AppState;
use axum::Router;
use serde::Serialize;
use tongchou_domain::{Role, mask};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(attachments::routes())
        .merge(catalog::routes())
        .merge(disputes::routes())
        .merge(intake::routes())
        .merge(lifecycle::routes())
        .merge(notifications::routes())
        .merge(public::routes())
}

/// A case as staff see it: the reporter's phone is masked for roles that do not contact
/// reporters (leaders, party officers).
#[derive(Serialize, schemars::JsonSchema)]
pub struct CaseOut {
    #[serde(flatten)]
    case: Case,
    state_zh: &'static str,
    /// The tracking secret, shown to the staff who took the case in (to read to the caller).
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

pub fn state_zh(state: &str) -> &'static str {
    match state {
        "reported" => "待受理",
        "accepted" => "已立案",
        "rejected" => "不予立案",
        "dispatched" => "已派遣",
        "in_progress" => "处置中",
        "returned" => "已回退",
        "handled" => "待核查",
        "escalated" => "已上报",
        "suspended" => "挂账",
        "closed" => "已结案",
        _ => "",
    }
}

/// A case as staff see it: the reporter's phone masked for every role; those who call
/// reporters back see it in full through the audited `reveal`.
fn case_out(_role: Role, mut c: Case) -> CaseOut {
    c.reporter_phone = c.reporter_phone.as_deref().map(mask::phone);
    CaseOut {
        state_zh: state_zh(&c.state),
        case: c,
        secret: None,
    }
}
