//! Field work: household visits (走访), the households due one, and patrols (巡查).

use super::{Op, op};

pub const OPS: &[Op] = &[
    op(
        "get",
        "/api/v1/households/{id}/visits",
        "visits",
        "A household's visits, newest first",
        &[],
        None,
        "VisitList",
    ),
    op(
        "post",
        "/api/v1/households/{id}/visits",
        "visits",
        "Record a visit (an Idempotency-Key makes a resend from the offline queue harmless)",
        &[],
        Some("VisitInput"),
        "Visit",
    ),
    op(
        "get",
        "/api/v1/visits/due",
        "visits",
        "Households of a grid due a visit, longest overdue first, and their number (the caller's own grid when none is named; at most `limit`)",
        &["grid", "limit"],
        None,
        "DueList",
    ),
    op(
        "get",
        "/api/v1/patrols",
        "visits",
        "A grid's patrols, newest first (the caller's own grid when none is named)",
        &["grid", "page", "page_size"],
        None,
        "PatrolPage",
    ),
    op(
        "post",
        "/api/v1/patrols",
        "visits",
        "Start a patrol of a grid (an Idempotency-Key makes a resend harmless)",
        &[],
        Some("PatrolStart"),
        "Patrol",
    ),
    op(
        "post",
        "/api/v1/patrols/{id}/end",
        "visits",
        "End one's own patrol, with notes and the cases found on the way",
        &[],
        Some("PatrolEnd"),
        "Patrol",
    ),
];
