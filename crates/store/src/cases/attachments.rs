//! Attachments: files on a case, their type read from their content.

use crate::prelude::*;

/// A file attached to a case (its bytes are fetched on their own).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Attachment {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub case_id: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub uploaded_by: String,
    pub created_at: i64,
}

/// Accepted attachment types, by their first bytes, and the largest size.
pub const ATTACHMENT_MAX: usize = 5 * 1024 * 1024;

/// The type of an upload as its content shows it (JPEG, PNG, WebP, PDF), or `None`.
pub fn sniff_mime(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

pub(crate) const ATTACHMENT_COLS: &str = "id, case_id, name, mime, size, uploaded_by, created_at";

async fn attachment_by_key<DB: Backend>(
    tx: &mut Tx<DB>,
    key: &str,
) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
    let Some(a) = query_as::<Attachment>(AssertSqlSafe(format!(
        "SELECT {ATTACHMENT_COLS} FROM attachments WHERE idem_key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let (data,): (Vec<u8>,) = query_as("SELECT data FROM attachments WHERE id = $1")
        .bind(a.id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Some((a, data)))
}

/// A stored attachment answers a resend only when it is the same file on the same case.
fn same_attachment(
    (first, stored): (Attachment, Vec<u8>),
    case_id: i64,
    name: &str,
    data: &[u8],
) -> StoreResult<Attachment> {
    if first.case_id == case_id && first.name == name && stored == data {
        Ok(first)
    } else {
        Err(StoreError::key_reused())
    }
}

/// Attachments.
pub trait AttachmentStorage: Send + Sync {
    /// Attaches a file to a case in scope (checked by type and size) and records it as an event.
    /// A resend with the same idempotency key answers the first attachment (`false`: not new);
    /// the key reused for another file is refused (`idempotency_key_reused`).
    fn add_attachment<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        name: &'a str,
        data: &'a [u8],
        key: Option<&'a str>,
    ) -> BoxFut<'a, (Attachment, bool)>;
    /// An attachment of a case in scope, with its bytes.
    fn attachment<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, (Attachment, Vec<u8>)>;
}

impl<DB: Backend> AttachmentStorage for SqlStore<DB> {
    fn add_attachment<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        name: &'a str,
        data: &'a [u8],
        key: Option<&'a str>,
    ) -> BoxFut<'a, (Attachment, bool)> {
        Box::pin(async move {
            if data.len() > ATTACHMENT_MAX {
                return Err(Invalid::new(
                    "file",
                    "too_large",
                    format!("文件不能超过 {} MiB", ATTACHMENT_MAX >> 20),
                    format!("must be at most {} MiB", ATTACHMENT_MAX >> 20),
                )
                .into());
            }
            let Some(mime) = sniff_mime(data) else {
                return Err(Invalid::new(
                    "file",
                    "unsupported_type",
                    "只接受 JPEG、PNG、WebP 图片或 PDF 文件",
                    "must be a JPEG, PNG or WebP image or a PDF",
                )
                .into());
            };
            let name = tongchou_domain::error::optional_text("name", name, 100)?
                .unwrap_or_else(|| "附件".into());
            let now = now_ms();
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            if let Some(key) = key
                && let Some(first) = attachment_by_key(&mut tx, key).await?
            {
                return Ok((same_attachment(first, case_id, &name, data)?, false));
            }
            let id = new_id();
            let inserted = query(
                "INSERT INTO attachments (county_code, id, case_id, name, mime, size, data, uploaded_by, created_at, idem_key) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            )
            .bind(&c.county_code)
            .bind(id)
            .bind(case_id)
            .bind(&name)
            .bind(mime)
            .bind(data.len() as i64)
            .bind(data)
            .bind(&ctx.username)
            .bind(now)
            .bind(key)
            .execute(&mut *tx)
            .await;
            if let Some(key) = lost_key_race(&inserted, key) {
                drop(tx);
                let mut tx = self.read_tx().await?;
                let first = attachment_by_key(&mut tx, key)
                    .await?
                    .ok_or(StoreError::NotFound("attachment"))?;
                return Ok((same_attachment(first, case_id, &name, data)?, false));
            }
            inserted?;
            let listed =
                serde_json::json!([{"id": id.to_string(), "name": name, "mime": mime}]).to_string();
            insert_event(
                &mut tx,
                ctx,
                so_far(&c),
                &c,
                now,
                NewEvent {
                    actor: ctx.role.as_str(),
                    action: "attach",
                    unit_id: c.unit_id,
                    note: &name,
                    attachments: &listed,
                    due_at: None,
                    outcome: None,
                },
            )
            .await?;
            let row = query_as::<Attachment>(AssertSqlSafe(format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((row, true))
        })
    }

    fn attachment<'a>(&'a self, ctx: &'a Ctx, id: i64) -> BoxFut<'a, (Attachment, Vec<u8>)> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            let meta = query_as::<Attachment>(AssertSqlSafe(format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("attachment"))?;
            // The case must be in the caller's scope.
            fetch_case(&mut tx, &ctx.scope, meta.case_id).await?;
            let (data,): (Vec<u8>,) = query_as("SELECT data FROM attachments WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((meta, data))
        })
    }
}
