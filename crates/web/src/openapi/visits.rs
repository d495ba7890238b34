//! Household visits (走访) and the households due one.

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
        "Households of a grid due a visit (the caller's own grid when none is named)",
        &["grid"],
        None,
        "DueHouseholdList",
    ),
];
