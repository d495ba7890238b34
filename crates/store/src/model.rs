//! Types every area shares: the caller's context (`Ctx`) and pages.

use crate::prelude::*;

/// Ids are 62-bit integers, beyond JavaScript's exact range: JSON carries them as strings and
/// accepts either form on input.
pub mod id_str {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        N(i64),
        S(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Either::deserialize(d)? {
            Either::N(n) => Ok(n),
            Either::S(s) => s
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("not an id: {s:?}"))),
        }
    }

    pub mod opt {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.collect_str(v),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
            #[derive(Deserialize)]
            struct W(#[serde(with = "super")] i64);
            Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// The schema of an id as the API sends it (`id_str`): a string of digits.
pub struct IdOut;

impl schemars::JsonSchema for IdOut {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IdOut".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[0-9]+$"})
    }
}

/// The schema of an id as the API reads it (`id_str`): a JSON integer, or a string holding one
/// (surrounding spaces allowed).
pub struct IdIn;

impl schemars::JsonSchema for IdIn {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IdIn".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["integer", "string"],
            "minimum": i64::MIN,
            "maximum": i64::MAX,
            "pattern": "^\\s*[+-]?[0-9]{1,18}\\s*$"
        })
    }
}

/// Who is asking, and which part of the territory they may see.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    /// The unit a handler account works for.
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageReq {
    pub page: u32,
    pub page_size: u32,
}

/// One page of a list; `has_more` tells whether another follows.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

impl Ctx {
    /// The command line and the demo loader act as the system, over everything.
    pub fn system() -> Ctx {
        Ctx {
            user_id: None,
            username: "system".into(),
            role: Role::Admin,
            scope: Scope::all(),
            unit_id: None,
        }
    }
}

impl PageReq {
    pub const MAX_SIZE: u32 = 200;
    pub fn new(page: Option<u32>, page_size: Option<u32>) -> PageReq {
        PageReq {
            page: page.unwrap_or(1).max(1),
            page_size: page_size.unwrap_or(20).clamp(1, Self::MAX_SIZE),
        }
    }
    /// A page of up to `max` rows (Open311 lists default to and allow 1,000).
    pub fn up_to(page: Option<u32>, page_size: Option<u32>, max: u32) -> PageReq {
        PageReq {
            page: page.unwrap_or(1).max(1),
            page_size: page_size.unwrap_or(max).clamp(1, max),
        }
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }
    /// One more than the page size: the extra row tells whether there is a next page.
    pub fn limit_plus_one(&self) -> i64 {
        i64::from(self.page_size) + 1
    }
}

impl<T> Page<T> {
    pub fn from_rows(mut rows: Vec<T>, req: PageReq) -> Page<T> {
        let has_more = rows.len() > req.page_size as usize;
        rows.truncate(req.page_size as usize);
        Page {
            items: rows,
            page: req.page,
            page_size: req.page_size,
            has_more,
        }
    }
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            page_size: self.page_size,
            has_more: self.has_more,
        }
    }
}
