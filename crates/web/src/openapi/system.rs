//! The deployment's own operations and logging in.

use super::{Op, op};

pub const OPS: &[Op] = &[
    Op {
        public: true,
        ..op(
            "get",
            "/healthz",
            "system",
            "Liveness: the process answers",
            &[],
            None,
            "Health",
        )
    },
    Op {
        public: true,
        ..op(
            "get",
            "/readyz",
            "system",
            "Readiness: the database takes writes (503 unavailable, 507 disk full)",
            &[],
            None,
            "Health",
        )
    },
    Op {
        public: true,
        ..op(
            "post",
            "/api/v1/auth/login",
            "auth",
            "Log in; sets the session cookie and returns the CSRF token",
            &[],
            Some("Login"),
            "Me",
        )
    },
    op(
        "post",
        "/api/v1/auth/logout",
        "auth",
        "Log out",
        &[],
        None,
        "Empty",
    ),
    op(
        "get",
        "/api/v1/me",
        "auth",
        "The current account",
        &[],
        None,
        "Me",
    ),
];
