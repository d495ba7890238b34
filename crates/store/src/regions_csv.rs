//! Reads a directory in the layout of the national division data (`provinces.csv`, `cities.csv`,
//! `areas.csv`, `streets.csv`, `villages.csv`; code, name, parent code, …). Every row is checked
//! (code shape, level of the file, parent column agreeing with the code, duplicates); a file with
//! any bad row yields the list of them and nothing to write.

use crate::{RegionRow, RowError};
use std::collections::HashSet;
use std::path::Path;
use tongchou_domain::error::Msg;
use tongchou_domain::{Level, RegionCode};

pub const FILES: [(&str, Level); 5] = [
    ("provinces.csv", Level::Province),
    ("cities.csv", Level::City),
    ("areas.csv", Level::County),
    ("streets.csv", Level::Township),
    ("villages.csv", Level::Village),
];

/// What a directory holds: the rows to store, and how many placeholder rows were folded into
/// their parent (a unit whose own code segment is all zeros, such as 东莞市's county-level row
/// "441900" — the city itself — or 金门县's township "350527000").
#[derive(Debug)]
pub struct Regions {
    pub rows: Vec<RegionRow>,
    pub merged: usize,
}

#[derive(Debug)]
pub enum ReadError {
    Io(String),
    Rows(Vec<RowError>),
}

/// Reads every present file of the layout, parents before children.
pub fn read_dir(dir: &Path) -> Result<Regions, ReadError> {
    let mut files = Vec::new();
    for (file, _) in FILES {
        let path = dir.join(file);
        if path.exists() {
            let data = std::fs::read(&path)
                .map_err(|e| ReadError::Io(format!("{}: {e}", path.display())))?;
            files.push((file, data));
        }
    }
    if files.is_empty() {
        return Err(ReadError::Io(format!(
            "{} has none of provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv",
            dir.display()
        )));
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(f, d)| (*f, d.as_slice())).collect();
    read_files(&refs)
}

/// Reads files given by name (one of [`FILES`]) and content.
pub fn read_files(files: &[(&str, &[u8])]) -> Result<Regions, ReadError> {
    let mut out = Regions {
        rows: Vec::new(),
        merged: 0,
    };
    let mut errors = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (file, level) in FILES {
        for (_, data) in files.iter().filter(|(f, _)| *f == file) {
            read_file(file, level, data, &mut out, &mut errors, &mut seen);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ReadError::Rows(errors))
    }
}

fn read_file(
    file: &str,
    level: Level,
    data: &[u8],
    out: &mut Regions,
    errors: &mut Vec<RowError>,
    seen: &mut HashSet<String>,
) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data);
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    let mut err = |row: usize, column: &str, reason: Msg| {
        errors.push(RowError {
            row,
            column: format!("{file}:{column}"),
            reason,
        });
    };
    loop {
        line += 1;
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                err(
                    line,
                    "",
                    Msg::new(format!("CSV 格式错误：{e}"), format!("malformed CSV: {e}")),
                );
                break;
            }
        }
        let raw = rec.get(0).unwrap_or("").trim();
        let name = rec.get(1).unwrap_or("").trim();
        if raw.len() != level.digits() {
            err(
                line,
                "code",
                Msg::new(
                    format!("应为 {} 位代码：{raw:?}", level.digits()),
                    format!("expected a {}-digit code: {raw:?}", level.digits()),
                ),
            );
            continue;
        }
        let own = raw
            .get(level.parent().map_or(0, |p| p.digits())..)
            .unwrap_or("");
        if level != Level::Province
            && raw.bytes().all(|b| b.is_ascii_digit())
            && own.bytes().all(|b| b == b'0')
        {
            // A placeholder that is its parent under a longer code: nothing of its own to store.
            out.merged += 1;
            continue;
        }
        let code = match RegionCode::parse(raw) {
            Ok(c) if c.level() == level => c,
            Ok(_) | Err(_) => {
                err(
                    line,
                    "code",
                    Msg::new(
                        format!("代码无效：{raw:?}"),
                        format!("invalid code {raw:?}"),
                    ),
                );
                continue;
            }
        };
        if name.is_empty() {
            err(
                line,
                "name",
                Msg::new("名称不能为空", "name must not be empty"),
            );
            continue;
        }
        if level != Level::Province {
            let parent = rec.get(2).unwrap_or("").trim();
            if code.prefix().get(..parent.len()) != Some(parent)
                || parent.len() != level.parent().map_or(0, |p| p.digits())
            {
                err(
                    line,
                    "parent",
                    Msg::new(
                        format!("上级代码 {parent:?} 与代码 {raw} 不符"),
                        "parent code does not match the code",
                    ),
                );
                continue;
            }
        }
        if !seen.insert(code.as_str().to_string()) {
            err(
                line,
                "code",
                Msg::new(format!("代码重复：{raw}"), format!("duplicate code {raw}")),
            );
            continue;
        }
        out.rows.push(RegionRow::new(&code, name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(level: Level, text: &str) -> (Vec<RegionRow>, Vec<RowError>) {
        let (out, errors) = read_all(level, text);
        (out.rows, errors)
    }

    fn read_all(level: Level, text: &str) -> (Regions, Vec<RowError>) {
        let mut out = Regions {
            rows: Vec::new(),
            merged: 0,
        };
        let (mut errors, mut seen) = (Vec::new(), HashSet::new());
        read_file(
            "f.csv",
            level,
            text.as_bytes(),
            &mut out,
            &mut errors,
            &mut seen,
        );
        (out, errors)
    }

    #[test]
    fn good_rows() {
        let (rows, errors) = read(
            Level::Village,
            "code,name,streetCode\n320722101200,\"白塔村委会\",320722101\n",
        );
        assert!(errors.is_empty());
        assert_eq!(rows[0].code, "320722101200");
        assert_eq!(rows[0].parent_code.as_deref(), Some("320722101000"));
        assert_eq!(rows[0].urban_rural, Some("rural"));
        assert_eq!(rows[0].level, "village");
    }

    #[test]
    fn every_bad_row_is_reported() {
        let text = "code,name,areaCode\n\
                    320722101,白塔埠镇,320722\n\
                    32072210,短,320722\n\
                    320722102,,320722\n\
                    320722103,错上级,320723\n\
                    320722101,重复,320722\n\
                    320722000,零,320722\n";
        let (out, errors) = read_all(Level::Township, text);
        assert_eq!(out.rows.len(), 1);
        assert_eq!(out.merged, 1, "320722000 is its county under a longer code");
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "f.csv:code"),
                (4, "f.csv:name"),
                (5, "f.csv:parent"),
                (6, "f.csv:code")
            ]
        );
    }

    #[test]
    fn placeholders_fold_into_their_parent() {
        // 东莞市 has no counties: its county-level row repeats the city, and its towns hang
        // under the city.
        let (out, errors) = read_all(Level::County, "code,name,cityCode\n441900,东莞市,4419\n");
        assert!(errors.is_empty());
        assert_eq!((out.rows.len(), out.merged), (0, 1));
        let (rows, errors) = read(
            Level::Township,
            "code,name,areaCode\n441900003,东城街道,441900\n",
        );
        assert!(errors.is_empty());
        assert_eq!(rows[0].parent_code.as_deref(), Some("441900000000"));
    }
}
