//! Import and export of households and persons as CSV or XLSX.
//!
//! One column layout serves both directions, so an exported file imports again unchanged.
//! Headers may be Chinese or English. A CSV may be UTF-8 (with or without BOM) or GB18030.
//! Every bad row is reported (row, column, reason) and nothing of a failed import is written.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiResult, AppError};
use crate::extract::{Q, today};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tongchou_domain::error::Msg;
use tongchou_domain::{Invalid, Permission, mask};
use tongchou_store::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import/{kind}", post(import))
        .route("/api/v1/export/{file}", get(export))
}

/// (key, Chinese header, English header)
const COLUMNS: [(&str, &str); 10] = [
    ("grid_code", "网格代码"),
    ("address", "地址"),
    ("household_phone", "户联系电话"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "电话"),
    ("relation", "与户主关系"),
    ("residence_type", "居住类型"),
];
const TAGS_COLUMN: (&str, &str) = ("tags", "标签");

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Decides the format from the content type and the first bytes; anything else is refused.
fn detect(headers: &HeaderMap, body: &[u8]) -> ApiResult<Format> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let zip = body.starts_with(b"PK\x03\x04");
    let binary = body.iter().take(4096).any(|&b| b == 0);
    let fmt = if ct.starts_with(XLSX_MIME) || (ct.starts_with("application/octet-stream") && zip) {
        Format::Xlsx
    } else if ct.starts_with("text/csv")
        || ct.starts_with("text/plain")
        || ct.starts_with("application/csv")
    {
        Format::Csv
    } else {
        return Err(AppError::says(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("文件类型 {ct:?} 不支持，请上传 CSV 或 XLSX"),
            format!("file type {ct:?} is not accepted: send text/csv or {XLSX_MIME}"),
        ));
    };
    if (fmt == Format::Xlsx && !zip) || (fmt == Format::Csv && (zip || binary)) {
        return Err(AppError::says(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "文件内容与声明的类型不符",
            "the file's content does not match its declared type",
        ));
    }
    Ok(fmt)
}

/// UTF-8 (BOM stripped) or, failing that, GB18030.
pub fn decode_text(body: &[u8]) -> String {
    let b = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(b).0.into_owned(),
    }
}

/// The rows of a file as strings, the header first.
pub(crate) fn read_table(fmt: Format, body: &[u8]) -> ApiResult<Vec<Vec<String>>> {
    let bad = |zh: String, en: String| {
        AppError::says(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_file", zh, en)
    };
    match fmt {
        Format::Csv => {
            let text = decode_text(body);
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut out = Vec::new();
            for rec in rdr.records() {
                let rec = rec.map_err(|e| {
                    bad(format!("CSV 无法读取：{e}"), format!("unreadable CSV: {e}"))
                })?;
                out.push(
                    rec.iter()
                        .map(|s| unescape_cell(s).trim().to_string())
                        .collect(),
                );
            }
            Ok(out)
        }
        Format::Xlsx => {
            use calamine::{Data, Reader, Xlsx};
            let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body.to_vec())).map_err(|e| {
                bad(
                    format!("XLSX 无法读取：{e}"),
                    format!("unreadable XLSX: {e}"),
                )
            })?;
            let range = wb
                .worksheet_range_at(0)
                .ok_or_else(|| bad("XLSX 没有工作表".into(), "the workbook has no sheet".into()))?
                .map_err(|e| {
                    bad(
                        format!("XLSX 无法读取：{e}"),
                        format!("unreadable XLSX: {e}"),
                    )
                })?;
            Ok(range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                                format!("{}", *f as i64)
                            }
                            other => unescape_cell(&other.to_string()).trim().to_string(),
                        })
                        .collect()
                })
                .collect())
        }
    }
}

fn column_index(header: &[String], key: &str, zh: &str) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}');
        h.eq_ignore_ascii_case(key) || h == zh
    })
}

/// A tag as a spreadsheet may write it: its code or its Chinese label.
fn tag_code(s: &str) -> String {
    TAG_LABELS
        .iter()
        .find(|(_, zh)| *zh == s)
        .map_or(s, |(code, _)| code)
        .to_string()
}

fn tag_labels(tags: &str) -> String {
    tags.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            TAG_LABELS
                .iter()
                .find(|(c, _)| *c == t)
                .map_or(t, |(_, zh)| zh)
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The rows of a file whose grid code is well formed but names no grid in the caller's scope:
/// reported with the file's other errors, so one pass shows them all.
async fn unknown_grid_rows(
    s: &AppState,
    ctx: &Ctx,
    table: &[Vec<String>],
) -> ApiResult<Vec<RowError>> {
    let Some((header, rows)) = table.split_first() else {
        return Ok(Vec::new());
    };
    let Some(col) = column_index(header, COLUMNS[0].0, COLUMNS[0].1) else {
        return Ok(Vec::new());
    };
    let cells: Vec<(usize, &str)> = rows
        .iter()
        .enumerate()
        .map(|(n, r)| (n + 2, r.get(col).map_or("", |c| c.trim())))
        .filter(|(_, c)| c.len() == 15 && c.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let mut codes: Vec<String> = cells.iter().map(|(_, c)| c.to_string()).collect();
    codes.sort();
    codes.dedup();
    let known = s.store.grids_in_scope(ctx, &codes).await?;
    Ok(cells
        .into_iter()
        .filter(|(_, c)| !known.contains(*c))
        .map(|(row, c)| RowError::unknown_grid(row, header[col].clone(), c))
        .collect())
}

fn residence_from(s: &str) -> String {
    match s.trim() {
        "户籍" => "registered".into(),
        "常住" => "resident".into(),
        "流动" => "floating".into(),
        other => other.to_string(),
    }
}

fn residence_zh(s: &str) -> &str {
    match s {
        "registered" => "户籍",
        "resident" => "常住",
        "floating" => "流动",
        other => other,
    }
}

/// Turns a table into import rows, or every reason it cannot be.
pub fn parse_rows(
    table: &[Vec<String>],
    with_persons: bool,
) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let mut errors = Vec::new();
    let Some(header) = table.first() else {
        return Err(vec![RowError {
            row: 1,
            column: String::new(),
            reason: Msg::new("文件是空的", "the file is empty"),
        }]);
    };
    let need: &[(&str, &str)] = if with_persons {
        &[COLUMNS[0], COLUMNS[1], COLUMNS[3], COLUMNS[4]]
    } else {
        &[COLUMNS[0], COLUMNS[1]]
    };
    for (k, zh) in need {
        if column_index(header, k, zh).is_none() {
            errors.push(RowError {
                row: 1,
                column: (*k).into(),
                reason: Msg::new(format!("缺少列 {zh}（{k}）"), format!("missing column {k}")),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let idx = |k: &str, zh: &str| column_index(header, k, zh);
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|(k, zh)| idx(k, zh)).collect();
    let tags_col = idx(TAGS_COLUMN.0, TAGS_COLUMN.1);
    // Optional: where the household's door is, for the grid's map.
    let position_cols = [idx("lat", "纬度"), idx("lng", "经度")];
    let header_name = |i: usize| -> String {
        cols[i]
            .and_then(|c| header.get(c).cloned())
            .unwrap_or_else(|| COLUMNS[i].0.to_string())
    };
    let today = today();
    let mut out = Vec::new();
    for (n, rec) in table.iter().enumerate().skip(1) {
        let row = n + 1;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |i: usize| {
            cols[i]
                .and_then(|c| rec.get(c))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut report = |i: Invalid| {
            let column = match i.field.as_str() {
                "phone" if !with_persons => header_name(2),
                f @ ("lat" | "lng") => position_cols[usize::from(f == "lng")]
                    .and_then(|c| header.get(c).cloned())
                    .unwrap_or_else(|| f.to_string()),
                f => COLUMNS
                    .iter()
                    .position(|(k, _)| *k == f)
                    .map(&header_name)
                    .unwrap_or_else(|| f.to_string()),
            };
            errors.push(RowError {
                row,
                column,
                reason: Msg::new(i.zh, i.en),
            });
        };
        // A coordinate that is not a number is reported like any bad field (by its own header).
        let mut position = [None, None];
        let mut bad_position = false;
        for (k, (col, key)) in position_cols.iter().zip(["lat", "lng"]).enumerate() {
            let text = col.and_then(|c| rec.get(c)).map(|v| v.trim()).unwrap_or("");
            if text.is_empty() {
                continue;
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => position[k] = Some(v),
                _ => {
                    bad_position = true;
                    report(Invalid::new(
                        key,
                        "not_a_number",
                        "应为数字（度）",
                        "must be a number (degrees)",
                    ));
                }
            }
        }
        // A bad coordinate drops the position, so the row's other faults are still reported (the
        // file is refused all the same: its error is already listed).
        if bad_position {
            position = [None, None];
        }
        let hh = HouseholdInput {
            lat: position[0],
            lng: position[1],
            grid_code: get(0).into(),
            address: get(1).into(),
            phone: if with_persons {
                get(2)
            } else {
                cols[2]
                    .or(column_index(header, "phone", "电话"))
                    .and_then(|c| rec.get(c))
                    .map(String::as_str)
                    .unwrap_or("")
            }
            .to_string()
            .into(),
        };
        let household = match NewHousehold::validate(&hh) {
            Ok(h) => h,
            Err(e) => {
                report(if e.field == "phone" && with_persons {
                    e.at("household_phone")
                } else {
                    e
                });
                continue;
            }
        };
        let person = if with_persons {
            let tags: Vec<String> = tags_col
                .and_then(|c| rec.get(c))
                .map(|t| {
                    t.split([';', '；', '、', '|', ','])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(tag_code)
                        .collect()
                })
                .unwrap_or_default();
            let input = PersonInput {
                household_id: None,
                name: get(3).into(),
                id_number: get(4).into(),
                phone: get(7).into(),
                relation: get(8).into(),
                residence_type: residence_from(get(9)),
                tags,
            };
            match NewPerson::validate(&input, &today) {
                Ok(p) => Some(p),
                Err(e) => {
                    if e.field == "tags" {
                        let reason = Msg::new(e.zh, e.en);
                        errors.push(RowError {
                            row,
                            column: tags_col
                                .and_then(|c| header.get(c).cloned())
                                .unwrap_or("tags".into()),
                            reason,
                        });
                    } else {
                        report(e);
                    }
                    continue;
                }
            }
        } else {
            None
        };
        out.push(ImportRow {
            row,
            household,
            person,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

async fn import(
    State(s): State<AppState>,
    a: Auth,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ImportCounts>> {
    a.require(Permission::WriteRegistry)?;
    let with_persons = match kind.as_str() {
        "persons" => true,
        "households" => false,
        _ => return Err(AppError::not_found("import kind")),
    };
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::says(
                StatusCode::PAYLOAD_TOO_LARGE,
                "upload_too_large",
                format!("文件超过 {} MB", s.config.max_upload >> 20),
                format!("the file is larger than {} MB", s.config.max_upload >> 20),
            )
        } else {
            AppError::says(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("请求体无法读取：{}", e.body_text()),
                e.body_text(),
            )
        }
    })?;
    if body.is_empty() {
        return Err(AppError::bad_request(
            "empty_file",
            "file",
            "是空的",
            "is empty",
        ));
    }
    let fmt = detect(&headers, &body)?;
    let table = read_table(fmt, &body)?;
    // Every error of the file in one answer: its rows' own, and grids that do not exist.
    let unknown = unknown_grid_rows(&s, &a.ctx, &table).await?;
    let rows = match parse_rows(&table, with_persons) {
        Ok(rows) if unknown.is_empty() => rows,
        Ok(_) => return Err(StoreError::Rows(unknown).into()),
        Err(mut errors) => {
            errors.extend(unknown);
            errors.sort_by_key(|e| e.row);
            return Err(StoreError::Rows(errors).into());
        }
    };
    match s.store.import_registry(&a.ctx, &rows).await {
        // The store names a coordinate `lat`; the file's own header says it best.
        Err(StoreError::Rows(mut errors)) => {
            let header = table.first().map(Vec::as_slice).unwrap_or(&[]);
            for e in &mut errors {
                if let Some(c) = (e.column == "lat")
                    .then(|| column_index(header, "lat", "纬度"))
                    .flatten()
                {
                    e.column = header[c].clone();
                }
            }
            Err(StoreError::Rows(errors).into())
        }
        done => Ok(Json(done?)),
    }
}

#[derive(Deserialize)]
struct ExportQ {
    region: Option<String>,
}

fn persons_table(hs: &[Household], ps: &[Person], full: bool) -> Vec<Vec<String>> {
    let addr: std::collections::HashMap<i64, (&str, &str)> = hs
        .iter()
        .map(|h| (h.id, (h.address.as_str(), h.phone.as_deref().unwrap_or(""))))
        .collect();
    let mut header: Vec<String> = COLUMNS.iter().map(|(_, zh)| zh.to_string()).collect();
    header.push(TAGS_COLUMN.1.into());
    let mut out = vec![header];
    for p in ps {
        let (address, hphone) = addr.get(&p.household_id).copied().unwrap_or(("", ""));
        let phone = p.phone.clone().unwrap_or_default();
        out.push(vec![
            p.grid_code.clone(),
            address.to_string(),
            if full {
                hphone.to_string()
            } else {
                mask::phone(hphone)
            },
            p.name.clone(),
            if full {
                p.id_number.clone()
            } else {
                mask::id_number(&p.id_number)
            },
            if p.sex == "male" {
                "男".into()
            } else {
                "女".into()
            },
            p.birth_date.clone(),
            if full { phone } else { mask::phone(&phone) },
            p.relation.clone(),
            residence_zh(&p.residence_type).to_string(),
            tag_labels(&p.tags),
        ]);
    }
    out
}

fn households_table(hs: &[Household], full: bool) -> Vec<Vec<String>> {
    let mut out = vec![vec![
        "网格代码".into(),
        "地址".into(),
        "户联系电话".into(),
        "人数".into(),
        "户主".into(),
        "纬度".into(),
        "经度".into(),
    ]];
    let degrees = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for h in hs {
        let phone = h.phone.clone().unwrap_or_default();
        out.push(vec![
            h.grid_code.clone(),
            h.address.clone(),
            if full { phone } else { mask::phone(&phone) },
            h.member_count.to_string(),
            h.head_name.clone().unwrap_or_default(),
            degrees(h.lat),
            degrees(h.lng),
        ]);
    }
    out
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that a spreadsheet would run as a formula is written with a leading apostrophe, which
/// spreadsheets show as text; `unescape_cell` takes it off again on import.
fn escape_cell(v: &str) -> std::borrow::Cow<'_, str> {
    // A cell that already looks escaped ('=…) gets one more apostrophe, so it comes back as it was.
    if v.trim_start_matches('\'').starts_with(FORMULA_START) {
        format!("'{v}").into()
    } else {
        v.into()
    }
}

/// Undoes `escape_cell`, so an exported file imports to the same values.
fn unescape_cell(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_START) => rest,
        _ => v,
    }
}

/// CSV with a UTF-8 BOM, so spreadsheet programs read the Chinese text right; formula-like
/// cells neutralised.
pub fn to_csv(table: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in table {
        w.write_record(r.iter().map(|c| escape_cell(c).into_owned()))
            .expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

pub fn to_xlsx(table: &[Vec<String>], sheet: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    to_xlsx_sheets(&[(sheet, table)])
}

/// A workbook of named sheets, every cell written as text (never as a formula).
pub fn to_xlsx_sheets(
    sheets: &[(&str, &[Vec<String>])],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, table) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name)?;
        for (r, row) in table.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, v)?;
            }
        }
    }
    wb.save_to_buffer()
}

/// A file to download: its bytes, type and name.
pub fn download(bytes: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disp = format!("attachment; filename=\"{file}\"");
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disp).expect("ascii"),
    );
    resp
}

pub fn xlsx_failed(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::says(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        e.to_string(),
        e.to_string(),
    )
}

async fn export(
    State(s): State<AppState>,
    a: Auth,
    Path(file): Path<String>,
    Q(q): Q<ExportQ>,
) -> ApiResult<Response> {
    a.require(Permission::ReadRegistry)?;
    // `template-…`: the file's headers only, to fill in and import.
    let (template, name) = match file.strip_prefix("template-") {
        Some(rest) => (true, rest),
        None => (false, file.as_str()),
    };
    let (kind, fmt) = match name {
        "persons.csv" => ("persons", Format::Csv),
        "persons.xlsx" => ("persons", Format::Xlsx),
        "households.csv" => ("households", Format::Csv),
        "households.xlsx" => ("households", Format::Xlsx),
        _ => return Err(AppError::not_found("export")),
    };
    let mut ctx = a.ctx.clone();
    if let Some(r) = q.region.as_deref().filter(|r| !r.is_empty()) {
        ctx.scope = ctx
            .scope
            .narrow(&tongchou_domain::RegionCode::parse_field("region", r)?.scope());
    }
    let full = a.may(Permission::RevealPii);
    let (hs, ps) = if template {
        (Vec::new(), Vec::new())
    } else {
        s.store.export_registry(&ctx).await?
    };
    let table = if kind == "persons" {
        persons_table(&hs, &ps, full)
    } else {
        households_table(&hs, full)
    };
    let (bytes, ct) = match fmt {
        Format::Csv => (to_csv(&table), "text/csv; charset=utf-8"),
        Format::Xlsx => (to_xlsx(&table, kind).map_err(xlsx_failed)?, XLSX_MIME),
    };
    Ok(download(bytes, ct, &file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn gb18030_and_bom() {
        let (gb, _, _) = encoding_rs::GB18030.encode("姓名,地址");
        assert_eq!(decode_text(&gb), "姓名,地址");
        assert_eq!(decode_text("\u{feff}姓名".as_bytes()), "姓名");
        assert!(to_csv(&t(&[&["a"]])).starts_with(b"\xEF\xBB\xBF"));
    }

    #[test]
    fn every_bad_row_is_listed_with_its_column() {
        let good = tongchou_domain::idcard::build("320722", "19800101", 11);
        let table = t(&[
            &["网格代码", "地址", "姓名", "身份证号", "居住类型", "标签"],
            &["320722101200001", "1号", "张三", &good, "户籍", "60+;dibao"],
            &["320722101200001", "", "李四", &good, "", ""],
            &["32072210120000", "2号", "王五", &good, "", ""],
            &[
                "320722101200001",
                "3号",
                "赵六",
                "320722198001011230",
                "",
                "",
            ],
            &["320722101200001", "4号", "钱七", &good, "外地", ""],
            &["320722101200001", "5号", "孙八", &good, "", "富人"],
            &["", "", "", "", "", ""],
        ]);
        let errs = parse_rows(&table, true).unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "地址"),
                (4, "网格代码"),
                (5, "身份证号"),
                (6, "居住类型"),
                (7, "标签")
            ]
        );
        let ok = parse_rows(&table[..2], true).unwrap();
        assert_eq!(ok[0].person.as_ref().unwrap().tags, "60+,dibao");
        assert_eq!(ok[0].person.as_ref().unwrap().residence_type, "registered");
        let missing = parse_rows(&t(&[&["name", "address"]]), true).unwrap_err();
        assert_eq!(
            missing
                .iter()
                .map(|e| e.column.as_str())
                .collect::<Vec<_>>(),
            vec!["grid_code", "id_number"]
        );
    }

    #[test]
    fn formats_are_detected_and_lies_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        assert_eq!(detect(&h, b"a,b").unwrap(), Format::Csv);
        assert!(detect(&h, b"PK\x03\x04zzz").is_err());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        assert_eq!(
            detect(&h, b"\x89PNG").unwrap_err().code,
            "unsupported_media_type"
        );
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX_MIME));
        assert!(detect(&h, b"a,b").is_err());
    }

    #[test]
    fn formula_cells_are_neutralised_and_import_back_unchanged() {
        let cells = [
            "=1+1", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx", "'=kept", "plain",
        ];
        let table = t(&[&cells]);
        let csv = String::from_utf8(to_csv(&table)).unwrap();
        for bad in ["\n=", ",=", ",+", ",-", ",@"] {
            assert!(!csv.contains(bad), "{bad:?} in {csv:?}");
        }
        assert!(csv.contains("'=1+1") && csv.contains("'@SUM(A1)"), "{csv}");
        let back = read_table(Format::Csv, csv.as_bytes()).unwrap();
        let expected: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
        assert_eq!(back[0], expected);
    }

    #[test]
    fn xlsx_round_trip() {
        let table = t(&[&["网格代码", "地址"], &["320722101200001", "1号"]]);
        let bytes = to_xlsx(&table, "households").unwrap();
        assert_eq!(read_table(Format::Xlsx, &bytes).unwrap(), table);
    }
}
