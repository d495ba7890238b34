//! Indicator expressions: what an administrator writes for a numerator or a denominator. Never
//! SQL: a sum of counted facts, each with an optional weight, and an optional constant —
//! `closed_on_time`, `closed + overdue_open`, `1.0*very_satisfied + 0.8*satisfied`. Division is
//! not part of the language: an indicator is numerator / denominator × factor, and a zero
//! denominator gives no value instead of an error. Every fault names where it is.

use crate::Invalid;
use std::collections::BTreeMap;
use std::fmt;

/// Longest expression accepted (a definition, not a program).
pub const MAX_LEN: usize = 500;
/// Most terms in one expression.
pub const MAX_TERMS: usize = 30;

/// A parsed expression: `constant + Σ weight × fact`, with each fact once (repeats are summed).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub terms: BTreeMap<String, f64>,
    pub constant: f64,
}

impl Expr {
    /// The facts the expression reads.
    pub fn facts(&self) -> impl Iterator<Item = &str> {
        self.terms.keys().map(String::as_str)
    }

    /// The value with each fact's count from `count` (a fact with no count is 0).
    pub fn eval(&self, count: impl Fn(&str) -> f64) -> f64 {
        self.constant + self.terms.iter().map(|(f, w)| w * count(f)).sum::<f64>()
    }
}

impl fmt::Display for Expr {
    /// The canonical text, which parses back to the same expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<(bool, String)> = self
            .terms
            .iter()
            .map(|(fact, w)| {
                let text = if w.abs() == 1.0 {
                    fact.clone()
                } else {
                    format!("{}*{fact}", w.abs())
                };
                (*w < 0.0, text)
            })
            .collect();
        if self.constant != 0.0 || parts.is_empty() {
            parts.push((self.constant < 0.0, self.constant.abs().to_string()));
        }
        for (k, (negative, text)) in parts.iter().enumerate() {
            match (k, negative) {
                (0, true) => write!(f, "-{text}")?,
                (0, false) => write!(f, "{text}")?,
                (_, true) => write!(f, " - {text}")?,
                (_, false) => write!(f, " + {text}")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Plus,
    Minus,
    Times,
}

fn fault(field: &str, at: usize, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    let (zh, en) = (zh.into(), en.into());
    Invalid::new(
        field,
        "invalid_expression",
        format!("第 {} 个字符处：{zh}", at + 1),
        format!("at character {}: {en}", at + 1),
    )
}

/// Splits the text into tokens, each with the character position it starts at.
fn tokens(field: &str, text: &str) -> Result<Vec<(usize, Token)>, Invalid> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            ' ' | '\t' => i += 1,
            '+' | '-' | '*' => {
                out.push((
                    start,
                    match c {
                        '+' => Token::Plus,
                        '-' => Token::Minus,
                        _ => Token::Times,
                    },
                ));
                i += 1;
            }
            '0'..='9' | '.' => {
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                let v: f64 = s
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| {
                        fault(
                            field,
                            start,
                            format!("“{s}”不是数"),
                            format!("“{s}” is not a number"),
                        )
                    })?;
                out.push((start, Token::Number(v)));
            }
            'a'..='z' | '_' => {
                while i < chars.len() && matches!(chars[i], 'a'..='z' | '0'..='9' | '_') {
                    i += 1;
                }
                out.push((start, Token::Name(chars[start..i].iter().collect())));
            }
            other => {
                return Err(fault(
                    field,
                    start,
                    format!("不能使用“{other}”（只能写事实名、数字、+ - *）"),
                    format!("“{other}” is not allowed (fact names, numbers, + - * only)"),
                ));
            }
        }
    }
    Ok(out)
}

/// One term at `toks[i..]`: `number`, `name` or `number * name`. Answers (weight, fact, tokens used).
fn term(
    field: &str,
    toks: &[(usize, Token)],
    i: usize,
    end: usize,
) -> Result<(f64, Option<String>, usize), Invalid> {
    let at = |k: usize| toks.get(k).map_or(end, |t| t.0);
    match (toks.get(i).map(|t| &t.1), toks.get(i + 1).map(|t| &t.1)) {
        (Some(Token::Number(w)), Some(Token::Times)) => match toks.get(i + 2).map(|t| &t.1) {
            Some(Token::Name(n)) => Ok((*w, Some(n.clone()), 3)),
            _ => Err(fault(
                field,
                at(i + 2),
                "“*”后面应是事实名",
                "a fact name must follow “*”",
            )),
        },
        (Some(Token::Number(w)), _) => Ok((*w, None, 1)),
        (Some(Token::Name(n)), _) => Ok((1.0, Some(n.clone()), 1)),
        _ => Err(fault(
            field,
            at(i),
            "这里应是事实名或数字",
            "a fact name or a number belongs here",
        )),
    }
}

/// Parses `text` (the field `field`), checking every fact name against `known`.
pub fn parse(field: &str, text: &str, known: impl Fn(&str) -> bool) -> Result<Expr, Invalid> {
    if text.chars().count() > MAX_LEN {
        return Err(Invalid::new(
            field,
            "too_long",
            format!("不能超过 {MAX_LEN} 个字符"),
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let toks = tokens(field, text)?;
    if toks.is_empty() {
        return Err(Invalid::new(
            field,
            "required",
            "不能为空",
            "must not be empty",
        ));
    }
    let end = text.chars().count();
    let mut expr = Expr {
        terms: BTreeMap::new(),
        constant: 0.0,
    };
    let mut i = 0;
    for n in 0.. {
        if n == MAX_TERMS {
            return Err(Invalid::new(
                field,
                "too_long",
                format!("最多 {MAX_TERMS} 项"),
                format!("at most {MAX_TERMS} terms"),
            ));
        }
        // The first term may carry a minus; every later one follows a `+` or a `-`.
        let sign = match toks.get(i).map(|t| &t.1) {
            Some(Token::Minus) => -1.0,
            Some(Token::Plus) if n > 0 => 1.0,
            _ if n == 0 => 0.0,
            _ => {
                let at = toks.get(i).map_or(end, |t| t.0);
                return Err(fault(
                    field,
                    at,
                    "这里应是 + 或 -",
                    "“+” or “-” belongs here",
                ));
            }
        };
        if sign != 0.0 {
            i += 1;
        }
        let sign = if sign == 0.0 { 1.0 } else { sign };
        let at = toks.get(i).map_or(end, |t| t.0);
        let (weight, fact, used) = term(field, &toks, i, end)?;
        i += used;
        match fact {
            Some(name) if !known(&name) => {
                return Err(fault(
                    field,
                    at,
                    format!("没有名为“{name}”的事实"),
                    format!("there is no fact named “{name}”"),
                ));
            }
            Some(name) => *expr.terms.entry(name).or_insert(0.0) += sign * weight,
            None => expr.constant += sign * weight,
        }
        if i >= toks.len() {
            break;
        }
    }
    expr.terms.retain(|_, w| *w != 0.0);
    Ok(expr)
}
