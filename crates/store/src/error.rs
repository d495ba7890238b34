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
    /// A group-commit batch failed as a whole (the cause is in the message).
    #[error("intake batch: {0}")]
    Batch(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
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

    /// Maps a unique-constraint violation to `Duplicate`, anything else to `Db`.
    pub(crate) fn from_db(e: sqlx::Error, field: &'static str) -> StoreError {
        if let sqlx::Error::Database(d) = &e
            && d.is_unique_violation()
        {
            return StoreError::Duplicate { field };
        }
        StoreError::Db(e)
    }
}
