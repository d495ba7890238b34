//! A leader's assessment in the browser: the city leader lands on the city's dashboard, picks last
//! month, drills to 东海县 and sees 白塔埠镇's rank, its red warning and the indicator that cost
//! it most, opens the township, sees the warning's cause, and downloads the monthly report.

use super::common::*;
use super::driver::Driver;
use serde_json::json;

fn last_month() -> String {
    let ymd = tongchou_domain::date::yyyymmdd(tongchou_store::now_ms());
    let (y, m): (i32, u32) = (ymd[..4].parse().unwrap(), ymd[4..6].parse().unwrap());
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    format!("{y}-{m:02}")
}

#[test]
fn a_leader_drills_from_the_city_to_a_warned_township_and_downloads_the_report() {
    let Some(d) = Driver::start() else { return };
    let s = demo_server();
    d.login_as(&s.base, "city_leader");
    // The leader's landing page is the city's dashboard, every value with its definition.
    d.wait_for("#assess-title", "连云港市");
    d.wait_for("#assess-kpis .kpi[data-code=\"reply_rate\"]", "办复率");
    let month = last_month();
    d.select("#assess-period", &month);
    d.wait_for("#assess-title", &month);
    // The counties ranked; a click drills down.
    d.click("#assess-ranking a.drill", "东海县");
    d.wait_for("#assess-title", "东海县");
    let row = "#assess-ranking tr[data-code=\"320722101000\"]";
    d.wait_for(&format!("{row} .wbadge.red"), "");
    let rank = d.text(&format!("{row} td.rank"));
    assert!(rank.trim().parse::<u32>().is_ok(), "ranked: {rank:?}");
    assert_eq!(d.text(&format!("{row} td.weakest")).trim(), "满意率");
    d.screenshot("assess-county");
    // The township: its warning with the cause and the responsible leader.
    d.click(&format!("{row} a.drill"), "白塔埠镇");
    d.wait_for("#assess-title", "白塔埠镇");
    let warning = d.wait_for("#assess-warnings li.warning.red", "满意率");
    assert!(!warning.is_empty());
    assert!(
        d.text("#assess-warnings li.warning.red")
            .contains("town_leader")
    );
    // The monthly report downloads as a workbook.
    let got = d.run_async(
        "const done = arguments[arguments.length - 1];
         fetch(document.querySelector('#assess-xlsx').href).then(async (r) =>
           done([r.status, r.headers.get('content-type'), [...new Uint8Array(await r.arrayBuffer()).slice(0, 2)]]));",
        json!([]),
    );
    assert_eq!(
        got,
        json!([
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            [80, 75]
        ])
    );
    // And prints: the same content on a page of its own.
    d.click("#assess-print", "");
    d.wait_for(".report h1", "白塔埠镇");
    d.wait_for(".report td.def", "");
    d.screenshot("assess-report");
}
