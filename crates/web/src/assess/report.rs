//! The monthly report of a region as an XLSX workbook: the indicators with their formulas and
//! definitions (month over month, year over year, urban vs rural), the ranking of its children
//! in their peer groups with the weakest indicator, and the month's warnings with their causes
//! and follow-up. The printable page (`#/assess-report/…`) shows the same from the same API.

use super::{RankingQ, period_or_this_month, region_or_own};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::*;
use crate::io::{XLSX_MIME, download, to_xlsx_sheets, xlsx_failed};
use axum::extract::State;
use axum::response::Response;
use tongchou_domain::Permission;
use tongchou_domain::assess::period::Period;
use tongchou_store::*;

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{:.1}", v))
}

fn indicators_sheet(d: &Dashboard) -> Vec<Vec<String>> {
    let mut t = vec![
        [
            "指标",
            "单位",
            "本期",
            "分子",
            "分母",
            "上期",
            "去年同期",
            "城市",
            "农村",
            "城乡差",
            "分子公式",
            "分母公式",
            "定义",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for i in &d.indicators {
        t.push(vec![
            i.zh.clone(),
            i.unit.clone(),
            num(i.value),
            num(Some(i.numerator_value)),
            num(Some(i.denominator_value)),
            num(i.previous),
            num(i.year_before),
            num(i.urban),
            num(i.rural),
            num(i.gap),
            i.numerator.clone(),
            i.denominator.clone(),
            i.definition_zh.clone(),
        ]);
    }
    t
}

fn ranking_sheet(r: &Ranking, d: &Dashboard) -> Vec<Vec<String>> {
    let zh = |code: &str| {
        d.indicators
            .iter()
            .find(|i| i.code == code)
            .map_or_else(|| code.to_string(), |i| i.zh.clone())
    };
    let mut t = vec![
        [
            "同类组",
            "名次",
            "代码",
            "名称",
            "得分",
            "件数",
            "失分最多",
            "预警",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for g in &r.groups {
        for row in &g.rows {
            t.push(vec![
                g.zh.clone(),
                row.rank
                    .map_or_else(|| "件数过少不排名".into(), |r| r.to_string()),
                row.code.clone(),
                row.name.clone(),
                num(row.score),
                row.reported.to_string(),
                row.weakest.as_deref().map(zh).unwrap_or_default(),
                row.warning
                    .as_ref()
                    .map(|w| w.color.clone())
                    .unwrap_or_default(),
            ]);
        }
    }
    t
}

fn warnings_sheet(ws: &[WarningRow]) -> Vec<Vec<String>> {
    let mut t = vec![
        [
            "代码",
            "名称",
            "月份",
            "颜色",
            "连续月数",
            "得分",
            "原因",
            "责任人",
            "状态",
            "整改记录",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for w in ws {
        t.push(vec![
            w.region_code.clone(),
            w.region_name.clone(),
            w.period.clone(),
            w.color.clone(),
            w.run.to_string(),
            num(w.score),
            w.causes.clone(),
            w.responsible.clone(),
            w.state.clone(),
            w.steps
                .iter()
                .map(|s| format!("{} {}：{}", s.step, s.actor, s.note))
                .collect::<Vec<_>>()
                .join("；"),
        ]);
    }
    t
}

/// `GET /api/v1/assess/report?region=&period=`: the month's report of a region in scope.
pub(super) async fn report(
    State(s): State<AppState>,
    a: Auth,
    Q(q): Q<RankingQ>,
) -> ApiResult<Response> {
    a.require(Permission::ReadAssessment)?;
    let period = period_or_this_month(&q.period)?;
    if !matches!(period, Period::Month { .. }) {
        return Err(tongchou_domain::Invalid::new(
            "period",
            "invalid_value",
            "月度报告的期间应为月份，如 2026-10",
            "a monthly report's period is a month, e.g. 2026-10",
        )
        .into());
    }
    let region = region_or_own(&a, &q.region);
    let d = s.store.dashboard(&a.ctx, &region, &period).await?;
    let mut sheets: Vec<(&str, Vec<Vec<String>>)> = vec![("指标", indicators_sheet(&d))];
    if d.level != "village" {
        let r = s.store.ranking(&a.ctx, &region, None, &period).await?;
        sheets.push(("排名", ranking_sheet(&r, &d)));
    }
    let w = s.store.warnings(&a.ctx, &region, Some(&period)).await?;
    sheets.push(("预警", warnings_sheet(&w)));
    let borrowed: Vec<(&str, &[Vec<String>])> =
        sheets.iter().map(|(n, t)| (*n, t.as_slice())).collect();
    let bytes = to_xlsx_sheets(&borrowed).map_err(xlsx_failed)?;
    Ok(download(
        bytes,
        XLSX_MIME,
        &format!("assess-{}-{}.xlsx", d.code, d.period),
    ))
}
