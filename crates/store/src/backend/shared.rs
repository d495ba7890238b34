//! SQL helpers every area uses: multi-row inserts, LIKE escaping, scoped fetches and
//! transactions.

use crate::prelude::*;

/// `INSERT INTO table (cols) VALUES ($1,…),(…)` for `rows` rows (`?` on SQLite, which looks a
/// `$N` name up with a linear scan per bind: quadratic in a statement of thousands of parameters).
/// A column given as `name=expr({})` inserts `expr(param)` into `name`.
pub(crate) fn multi_insert_sql<DB: Backend>(table: &str, cols: &[&str], rows: usize) -> String {
    let names: Vec<&str> = cols
        .iter()
        .map(|c| c.split_once('=').map_or(*c, |(n, _)| n))
        .collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let n = cols.len();
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for (c, col) in cols.iter().enumerate() {
            if c > 0 {
                sql.push(',');
            }
            let param = if DB::NUMBERED_PARAMS {
                format!("${}", r * n + c + 1)
            } else {
                "?".to_string()
            };
            match col.split_once('=') {
                Some((_, expr)) => sql.push_str(&expr.replace("{}", &param)),
                None => sql.push_str(&param),
            }
        }
        sql.push(')');
    }
    sql
}

/// Runs a multi-row INSERT for each chunk of `rows`, binding each row with `bind`.
pub(crate) async fn insert_chunks<T, DB: Backend>(
    tx: &mut Tx<DB>,
    table: &str,
    cols: &[&str],
    chunk: usize,
    rows: &[T],
    bind: impl for<'q> Fn(Query<'q>, &'q T) -> Query<'q>,
) -> StoreResult<()> {
    let full = multi_insert_sql::<DB>(table, cols, chunk);
    for part in rows.chunks(chunk) {
        let sql = if part.len() == chunk {
            full.clone()
        } else {
            multi_insert_sql::<DB>(table, cols, part.len())
        };
        let mut q = query(AssertSqlSafe(sql));
        for r in part {
            q = bind(q, r);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Fetches one row by key within the caller's scope (`$1` the key, `$2`/`$3` the scope range):
/// absent and out-of-scope are the same `NotFound`.
pub(crate) async fn fetch_scoped<'k, T, K, DB: Backend>(
    tx: &mut Tx<DB>,
    sql: String,
    key: K,
    scope: &Scope,
    what: &'static str,
) -> StoreResult<T>
where
    T: DbRow,
    K: Into<crate::backend::Arg<'k>>,
{
    query_as::<T>(AssertSqlSafe(sql))
        .bind(key)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound(what))
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn write_tx(&self) -> StoreResult<Tx<DB>> {
        Ok(self.writer.begin_with(DB::BEGIN_WRITE).await?)
    }

    pub(crate) async fn read_tx(&self) -> StoreResult<Tx<DB>> {
        Ok(self.pool.begin().await?)
    }
}

/// The idempotency key of an insert that lost a race with its own resend: two resends at once
/// (on PostgreSQL) both pass the lookup by key, and the second insert meets the first's key.
/// The caller then answers the first row, as a sequential resend would be answered.
pub(crate) fn lost_key_race<'k, T>(
    inserted: &Result<T, sqlx::Error>,
    key: Option<&'k str>,
) -> Option<&'k str> {
    match (inserted, key) {
        (Err(sqlx::Error::Database(d)), Some(key)) if d.is_unique_violation() => Some(key),
        _ => None,
    }
}
