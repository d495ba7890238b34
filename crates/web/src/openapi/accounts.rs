//! Users and the audit log.

use super::{Op, PAGE, op};

pub const OPS: &[Op] = &[
    op(
        "get",
        "/api/v1/users",
        "accounts",
        "Accounts in scope",
        PAGE,
        None,
        "UserPage",
    ),
    op(
        "post",
        "/api/v1/users",
        "accounts",
        "Create an account",
        &[],
        Some("UserIn"),
        "User",
    ),
    op(
        "post",
        "/api/v1/users/{id}/unlock",
        "accounts",
        "End an account's lockout (administrators of its scope)",
        &[],
        None,
        "User",
    ),
    op(
        "get",
        "/api/v1/audit",
        "accounts",
        "Audit log in scope, newest first",
        PAGE,
        None,
        "AuditPage",
    ),
];
