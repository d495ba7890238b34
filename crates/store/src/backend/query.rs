//! The queries the shared store code runs. They mirror sqlx's `query`/`query_as`, but carry
//! their parameters as plain values ([`Arg`]) so that code generic over a [`Backend`] needs no
//! per-type sqlx bounds: the backend binds them where its concrete types are known.

use super::{Backend, Target};
use sqlx::{SqlSafeStr, SqlStr};
use std::borrow::Cow;
use std::marker::PhantomData;

/// A parameter value.
#[derive(Debug, Clone)]
pub enum Arg<'q> {
    Int(i64),
    Int32(i32),
    Real(f64),
    Bool(bool),
    Text(Cow<'q, str>),
    Bytes(Cow<'q, [u8]>),
    NullInt(Option<i64>),
    NullInt32(Option<i32>),
    NullReal(Option<f64>),
    NullText(Option<Cow<'q, str>>),
}

macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr;)*) => {
        $(impl<'q> From<$t> for Arg<'q> {
            fn from($v: $t) -> Self {
                $e
            }
        })*
    };
}

arg_from! {
    i64 => |v| Arg::Int(v);
    &'q i64 => |v| Arg::Int(*v);
    i32 => |v| Arg::Int32(v);
    &'q i32 => |v| Arg::Int32(*v);
    f64 => |v| Arg::Real(v);
    &'q f64 => |v| Arg::Real(*v);
    bool => |v| Arg::Bool(v);
    &'q bool => |v| Arg::Bool(*v);
    &'q str => |v| Arg::Text(Cow::Borrowed(v));
    &'q String => |v| Arg::Text(Cow::Borrowed(v.as_str()));
    String => |v| Arg::Text(Cow::Owned(v));
    &'q [u8] => |v| Arg::Bytes(Cow::Borrowed(v));
    &'q Vec<u8> => |v| Arg::Bytes(Cow::Borrowed(v.as_slice()));
    Vec<u8> => |v| Arg::Bytes(Cow::Owned(v));
    Option<i64> => |v| Arg::NullInt(v);
    &'q Option<i64> => |v| Arg::NullInt(*v);
    Option<i32> => |v| Arg::NullInt32(v);
    &'q Option<i32> => |v| Arg::NullInt32(*v);
    Option<f64> => |v| Arg::NullReal(v);
    &'q Option<f64> => |v| Arg::NullReal(*v);
    Option<&'q str> => |v| Arg::NullText(v.map(Cow::Borrowed));
    Option<String> => |v| Arg::NullText(v.map(Cow::Owned));
    &'q Option<String> => |v| Arg::NullText(v.as_deref().map(Cow::Borrowed));
}

/// A statement and its parameters.
pub struct Query<'q> {
    pub(crate) sql: SqlStr,
    pub(crate) args: Vec<Arg<'q>>,
}

/// A statement whose rows are read as `T`.
pub struct QueryAs<'q, T> {
    inner: Query<'q>,
    row: PhantomData<fn() -> T>,
}

pub fn query<'q>(sql: impl SqlSafeStr) -> Query<'q> {
    Query {
        sql: sql.into_sql_str(),
        args: Vec::new(),
    }
}

pub fn query_as<'q, T: DbRow>(sql: impl SqlSafeStr) -> QueryAs<'q, T> {
    QueryAs {
        inner: query(sql),
        row: PhantomData,
    }
}

/// A row type both backends can read (every `#[derive(sqlx::FromRow)]` type and tuples of
/// plain values).
pub trait DbRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
    + 'static
{
}

impl<T> DbRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
        + 'static
{
}

/// What a query runs on: a connection (of a transaction) or a pool.
pub trait Exec<'e>: Send {
    type Db: Backend;
    fn target(self) -> Target<'e, Self::Db>;
}

/// A backend's connection type, tied back to its backend (see [`Backend`]).
pub trait BackendConn: Send {
    type Db: sqlx::Database;
    fn target(&mut self) -> Target<'_, Self::Db>;
}

impl<'e, C> Exec<'e> for &'e mut C
where
    C: BackendConn,
    C::Db: Backend,
{
    type Db = C::Db;
    fn target(self) -> Target<'e, C::Db> {
        BackendConn::target(self)
    }
}

impl<'e, DB: Backend> Exec<'e> for &'e sqlx::Pool<DB> {
    type Db = DB;
    fn target(self) -> Target<'e, DB> {
        Target::Pool(self)
    }
}

type Res<T> = Result<T, sqlx::Error>;

impl<'q> Query<'q> {
    pub fn bind(mut self, v: impl Into<Arg<'q>>) -> Self {
        self.args.push(v.into());
        self
    }
    /// Runs the statement; answers the number of rows it changed.
    pub async fn execute<'e, E: Exec<'e>>(self, e: E) -> Res<u64>
    where
        'q: 'e,
    {
        E::Db::execute(e.target(), self).await
    }
}

impl<'q, T: DbRow> QueryAs<'q, T> {
    pub fn bind(mut self, v: impl Into<Arg<'q>>) -> Self {
        self.inner.args.push(v.into());
        self
    }
    pub async fn fetch_all<'e, E: Exec<'e>>(self, e: E) -> Res<Vec<T>>
    where
        'q: 'e,
    {
        E::Db::fetch_all(e.target(), self.inner).await
    }
    pub async fn fetch_optional<'e, E: Exec<'e>>(self, e: E) -> Res<Option<T>>
    where
        'q: 'e,
    {
        E::Db::fetch_optional(e.target(), self.inner).await
    }
    pub async fn fetch_one<'e, E: Exec<'e>>(self, e: E) -> Res<T>
    where
        'q: 'e,
    {
        E::Db::fetch_optional(e.target(), self.inner)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

/// Runs a script of several statements without parameters (migrations).
pub async fn raw_execute<'e, E: Exec<'e>>(sql: &'e str, e: E) -> Res<()> {
    E::Db::raw_execute(e.target(), sql).await
}
