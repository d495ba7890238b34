//! Assessment: dashboards of indicator values read from the live counts.

use super::{Op, op};

pub const OPS: &[Op] = &[op(
    "get",
    "/api/v1/assess/dashboard",
    "assess",
    "A region's dashboard for a period (the caller's own region and this month when none are named): every built-in indicator with its formula and definition, the period before, the year before and the urban–rural split, and the children's values",
    &["region", "period"],
    None,
    "Dashboard",
)];
