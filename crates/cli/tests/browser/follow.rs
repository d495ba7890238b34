//! The public form's duplicate hint: a resident whose problem is already reported follows that
//! case instead of filing it again, and tracks its progress with a secret of their own.

use super::common::*;
use super::driver::Driver;
use serde_json::json;

#[test]
fn a_resident_follows_the_case_already_reported() {
    let Some(d) = Driver::start() else { return };
    let s = demo_server();
    // An open case of the kind in 白塔村 (other tests file more there; the hint lists ten).
    let first = s.client().post(
        "/api/v1/public/cases",
        json!({"category_code": "0101", "description": "浏览器测试：桥头垃圾，李四家门口",
            "region_code": "320722101200", "reporter_phone": "13911112222"}),
    );
    assert_eq!(first.status, 201, "{}", first.text());
    let number = first.json()["number"].as_str().unwrap().to_string();

    // Another resident starts the same report: the hint lists the case and offers to follow it.
    d.goto(&format!("{}/#/report", s.base));
    d.select("#r-category", "0101");
    d.select("#place-2", "320722000000");
    d.select("#place-3", "320722101000");
    d.select("#place-4", "320722101200");
    let button = format!("#similar button.follow[data-number=\"{number}\"]");
    d.wait_for(&button, "");
    d.click(&button, "");
    d.wait_for("#receipt-number", &number);
    assert_eq!(d.text("#receipt-secret").len(), 6);
    d.screenshot("follow-receipt");

    // The follower tracks it: the steps, marked as followed, nothing to rate, nobody's details.
    d.click("#receipt-track", "");
    d.wait_for("#track-following", "");
    d.wait_for("#track-state", "");
    let page = d.text("#app");
    for private in ["李四", "13911112222", "桥头垃圾", "浏览器测试"] {
        assert!(
            !page.contains(private),
            "{private} on the follower's page: {page}"
        );
    }
    let forms = d.cmd(
        "POST",
        "/execute/sync",
        json!({"script": "return document.querySelectorAll('#reopen-form, #rate-buttons').length", "args": []}),
    );
    assert_eq!(forms, json!(0), "a follower neither rates nor reopens");
}
