use std::fmt;

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
