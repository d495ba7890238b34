//! Cases (SPEC §3): the catalog, intake, the lifecycle and its timer sweep, search, disputes,
//! notifications and attachments, one module each. Scope applies as in the registry: a case
//! outside the caller's scope does not exist for the caller.

mod attachments;
mod catalog;
mod disputes;
mod followers;
mod intake;
mod lifecycle;
mod model;
mod notifications;
mod search;
mod sweep;
mod transitions;

pub use attachments::*;
pub use catalog::*;
pub use disputes::*;
pub use followers::*;
pub use intake::*;
pub use lifecycle::*;
pub use model::*;
pub use notifications::*;
pub use search::*;
pub use sweep::*;
pub(crate) use transitions::*;

use crate::prelude::*;

pub(crate) const CASE_COLS: &str = "c.id, c.county_code, c.number, c.secret, c.category_code, \
     (SELECT k.name FROM case_categories k WHERE k.code = c.category_code) AS category_name, \
     c.title, c.description, c.address, c.lat, c.lng, c.region_code, \
     (SELECT r.name FROM regions r WHERE r.code = c.region_code) AS region_name, \
     c.grid_code, c.source, c.priority, c.dispute, c.reporter_name, c.reporter_phone, \
     c.reporter_user_id, c.state, c.level, c.level_code, c.route_by, c.route_unit_id, c.unit_id, \
     (SELECT u.name FROM units u WHERE u.id = c.unit_id) AS unit_name, \
     c.first_unit_id, c.returns, c.reworks, c.escalations, c.closed_level, c.stage_started_at, \
     c.warn_at, c.deadline_at, c.limit_ms, c.paused_remaining_ms, c.suspend_requested, \
     c.supervised_by, c.supervise_deadline, c.duplicate_of, c.satisfaction, c.created_at, \
     c.updated_at, c.closed_at, c.version, c.reporter_email, c.media_url, c.reopens";

pub(crate) const EVENT_COLS: &str = "e.seq, e.at, e.actor_id, e.actor_name, e.actor, e.action, e.from_state, \
     e.to_state, e.unit_id, (SELECT u.name FROM units u WHERE u.id = e.unit_id) AS unit_name, \
     e.level, e.note, e.attachments, e.stage_deadline, e.due_at, e.outcome";

/// The case level of a region level: the ladder has no province rung.
pub(crate) fn case_level(level: Level) -> Option<&'static str> {
    match level {
        Level::Village => Some("village"),
        Level::Township => Some("township"),
        Level::County => Some("county"),
        Level::City => Some("city"),
        Level::Province => None,
    }
}

pub(crate) fn level_of(s: &str) -> Level {
    Level::parse(s).unwrap_or(Level::County)
}

/// The code of the ancestor (or self) of `code` at `level`.
pub(crate) fn code_at(code: &str, level: Level) -> String {
    let n = level.digits().min(code.len());
    format!("{:0<12}", &code[..n])
}

/// Case state kept by a store: the catalog cache and the intake queue.
#[derive(Default)]
pub struct CaseState {
    pub(crate) catalog: std::sync::Mutex<Option<std::sync::Arc<Catalog>>>,
    pub(crate) intake: std::sync::OnceLock<IntakeQueue>,
    pub(crate) intake_stats: std::sync::Arc<crate::stats::IntakeStats>,
}
