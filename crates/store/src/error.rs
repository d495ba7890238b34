use tongchou_domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, or exists outside the caller's scope (indistinguishable on purpose).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// A unique value is taken (`field` names it).
    #[error("{field} already exists")]
    Duplicate { field: &'static str },
    /// Rows of an import that cannot be written; nothing was written.
    #[error("{} bad rows", .0.len())]
    Rows(Vec<crate::RowError>),
    /// A state change the rules do not allow now (HTTP 409), with a stable code.
    #[error("{code}: {en}")]
    Refused {
        code: &'static str,
        zh: String,
        en: String,
    },
    /// The caller's role or scope does not own what it tried to change (HTTP 403), with a
    /// stable code.
    #[error("{code}: {en}")]
    Forbidden {
        code: &'static str,
        zh: &'static str,
        en: &'static str,
    },
    /// The intake writer is gone (the server is stopping).
    #[error("intake: {0}")]
    Batch(String),
    #[error("configuration: {0}")]
    Config(String),
    /// The disk under the database is full: nothing was written (HTTP 507).
    #[error("the database's disk is full")]
    DiskFull,
    /// The database cannot be reached now (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Db(sqlx::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Sorts out the failures a caller answers differently: a full disk, and a database that
    /// cannot be reached (pool timeout, refused or broken connection, server shutting down).
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::Database(d) => match d.code().as_deref() {
                // SQLITE_FULL (its extended codes share the low byte); PostgreSQL disk_full.
                Some(c) if c.parse::<i32>().is_ok_and(|n| n & 0xff == 13) => StoreError::DiskFull,
                Some("53100") => StoreError::DiskFull,
                // admin_shutdown, crash_shutdown, cannot_connect_now, connection exceptions.
                Some(c) if c.starts_with("57P") || c.starts_with("08") => {
                    StoreError::Unavailable(e.to_string())
                }
                _ => StoreError::Db(e),
            },
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Db(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    pub fn refused(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Refused {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A deadlock or serialization failure: the transaction may simply be run again.
    /// An idempotency key sent again with a different request (Stripe's rule).
    pub(crate) fn key_reused() -> StoreError {
        StoreError::refused(
            "idempotency_key_reused",
            "该 Idempotency-Key 已用于另一个不同的请求",
            "this Idempotency-Key was used for a different request",
        )
    }

    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(d))
            if matches!(d.code().as_deref(), Some("40001" | "40P01")))
    }

    /// Maps a unique-constraint violation to `Duplicate`, anything else to `Db`.
    pub(crate) fn from_db(e: sqlx::Error, field: &'static str) -> StoreError {
        if let sqlx::Error::Database(d) = &e
            && d.is_unique_violation()
        {
            return StoreError::Duplicate { field };
        }
        StoreError::from(e)
    }
}
