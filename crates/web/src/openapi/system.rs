//! The deployment's own operations: liveness and readiness.

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
];
