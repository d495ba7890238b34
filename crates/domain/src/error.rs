use std::fmt;

/// A message in Chinese and English; the HTTP edge says the one the request asks for, logs and
/// the command line show both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub zh: String,
    pub en: String,
}

/// Says a message in one language: installed by the HTTP edge (the language of the request
/// being answered); without it (the command line) both are shown.
static SAY: std::sync::OnceLock<fn(&str, &str) -> String> = std::sync::OnceLock::new();

pub fn set_language(say: fn(&str, &str) -> String) {
    let _ = SAY.set(say);
}

/// Marks a bilingual text kept in the database (`\u{1E}zh\u{1E}en`). Text from outside can never
/// hold it (control characters are refused at the edge), so a person's note is never split.
const STORED: char = '\u{1E}';

impl Msg {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// In the language of the request being answered.
    pub fn said(&self) -> String {
        match SAY.get() {
            Some(say) => say(&self.zh, &self.en),
            None => self.to_string(),
        }
    }

    /// The form kept in the database, for `said_stored`.
    pub fn stored(&self) -> String {
        format!("{STORED}{}{STORED}{}", self.zh, self.en)
    }
}

/// A kept text in the request's language: a bilingual one (`Msg::stored`) is said, anything
/// else (what a person wrote) is as it is.
pub fn said_stored(s: &str) -> String {
    match s.strip_prefix(STORED).and_then(|r| r.split_once(STORED)) {
        Some((zh, en)) => Msg::new(zh, en).said(),
        None => s.to_string(),
    }
}

/// `serialize_with` for a kept text (event notes, notifications).
pub fn serialize_stored<S: serde::Serializer>(s: &str, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(&said_stored(s))
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

impl serde::Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.said())
    }
}

/// How a field (or a file's column) is named to people: (Chinese, English). Unknown names are
/// shown as they are.
pub fn field_label(field: &str) -> (&str, &str) {
    const LABELS: &[(&str, &str, &str)] = &[
        ("name", "姓名/名称", "name"),
        ("id_number", "身份证号", "ID number"),
        ("phone", "电话", "phone"),
        ("address", "地址", "address"),
        ("code", "代码", "code"),
        ("grid_code", "网格代码", "grid code"),
        ("region_code", "区划代码", "region code"),
        ("household_id", "住户", "household"),
        ("relation", "与户主关系", "relation to the head"),
        ("residence_type", "居住类型", "residence type"),
        ("tags", "标签", "tags"),
        ("birth_date", "出生日期", "birth date"),
        ("worker_name", "网格员", "grid worker"),
        ("worker_phone", "网格员电话", "grid worker's phone"),
        ("leader_name", "网格长", "grid leader"),
        ("urban_rural", "城乡属性", "urban/rural class"),
        ("category_code", "类别", "category"),
        ("title", "标题", "title"),
        ("description", "问题描述", "description"),
        ("reporter_name", "反映人", "reporter"),
        ("reporter_phone", "联系电话", "reporter's phone"),
        ("priority", "紧急程度", "priority"),
        ("source", "来源", "source"),
        ("lat", "纬度", "latitude"),
        ("lng", "经度", "longitude"),
        ("note", "说明", "note"),
        ("unit_id", "处置单位", "unit"),
        ("duplicate_of", "合并到的案件", "case merged into"),
        ("satisfaction", "满意度", "satisfaction"),
        ("deadline", "期限", "deadline"),
        ("version", "版本", "version"),
        ("action", "操作", "action"),
        ("secret", "查询码", "secret"),
        ("number", "编号", "number"),
        ("purpose", "走访事由", "visit purpose"),
        ("notes", "情况", "notes"),
        ("findings", "发现的问题", "findings"),
        ("visited_at", "走访时间", "visit time"),
        ("started_at", "开始时间", "start time"),
        ("ended_at", "结束时间", "end time"),
        ("case_ids", "案件", "cases"),
        ("username", "用户名", "username"),
        ("password", "密码", "password"),
        ("role", "角色", "role"),
        ("scope", "管辖范围", "scope"),
        ("file", "文件", "file"),
    ];
    LABELS
        .iter()
        .find(|(k, _, _)| *k == field)
        .map_or((field, field), |(_, zh, en)| (*zh, *en))
}

/// A validation failure that names the field and the reason, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    /// A stable machine code, e.g. `invalid_id_number`.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Invalid {
    pub fn new(
        field: impl Into<String>,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Invalid {
            field: field.into(),
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A place or code outside the caller's part of the territory.
    pub fn out_of_scope(field: &str) -> Self {
        Invalid::new(
            field,
            "out_of_scope",
            "不在您的管辖范围内",
            "is outside your scope",
        )
    }

    /// The same failure reported against another field name (e.g. a CSV column).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// `身份证号：校验位错误` and `ID number: wrong check digit`: the field by its label.
    pub fn msg(&self) -> Msg {
        let (zh, en) = field_label(&self.field);
        Msg::new(format!("{zh}：{}", self.zh), format!("{en}: {}", self.en))
    }

    /// `字段 id_number：校验位错误 / id_number: wrong check digit`
    pub fn message(&self) -> String {
        format!(
            "字段 {}：{} / {}: {}",
            self.field, self.zh, self.field, self.en
        )
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Invalid {}

/// Checks that a required text field is present and not longer than `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    too_long(field, value, max)?;
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(
            field,
            "required",
            "不能为空",
            "must not be empty",
        ));
    }
    optional_text(field, v, max).map(|s| s.unwrap_or_default())
}

/// Trims an optional text field; empty becomes `None`; longer than `max` characters (counted
/// as sent, so that the OpenAPI `maxLength` means the same), or holding a control character, is
/// refused.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<Option<String>, Invalid> {
    too_long(field, value, max)?;
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    crate::text::check(field, v)?;
    Ok(Some(v.to_string()))
}

fn too_long(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    if value.chars().count() > max {
        return Err(Invalid::new(
            field,
            "too_long",
            format!("长度不能超过 {max} 个字符"),
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// What `phone` accepts, as a JSON-Schema pattern (blank, or 7–12 digits with any dashes).
pub const PHONE_PATTERN: &str = "^(?:-*(?:[0-9]-*){7,12})?$";

/// A mainland mobile (11 digits starting with 1) or a landline of 7–12 digits with an optional
/// area code and dash.
pub fn phone(field: &str, value: &str) -> Result<Option<String>, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let digits: String = v.chars().filter(|c| *c != '-').collect();
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && ((digits.len() == 11 && digits.starts_with('1')) || (7..=12).contains(&digits.len()));
    if !ok {
        return Err(Invalid::new(
            field,
            "invalid_phone",
            "不是有效的电话号码",
            "is not a valid phone number",
        ));
    }
    Ok(Some(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_field_in_both_languages() {
        let e = Invalid::new("name", "required", "不能为空", "must not be empty");
        assert_eq!(e.message(), "字段 name：不能为空 / name: must not be empty");
        assert_eq!(e.at("B").field, "B");
    }

    #[test]
    fn text_rules() {
        assert!(required_text("name", "  ", 10).is_err());
        assert_eq!(required_text("name", " 张三 ", 10).unwrap(), "张三");
        assert_eq!(
            required_text("name", "一二三", 2).unwrap_err().code,
            "too_long"
        );
        assert_eq!(optional_text("x", "", 2).unwrap(), None);
    }

    #[test]
    fn phones() {
        assert_eq!(
            phone("phone", "13812341234").unwrap().as_deref(),
            Some("13812341234")
        );
        assert_eq!(
            phone("phone", "0518-85812345").unwrap().as_deref(),
            Some("0518-85812345")
        );
        assert!(phone("phone", "1381234").is_ok());
        assert_eq!(phone("phone", "abc").unwrap_err().code, "invalid_phone");
        assert!(phone("phone", "123").is_err());
        assert_eq!(phone("phone", "").unwrap(), None);
    }
}
