//! One language at a time: with the UI in English, what the server says (a refused login, a
//! refused form) is in English only, with the field by its English label.

use crate::common::*;
use crate::driver::Driver;

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn the_english_ui_shows_no_chinese_server_text() {
    let Some(d) = Driver::start() else { return };
    let s = demo_server();
    d.goto(&format!("{}/#/login", s.base));
    d.click("#lang", "EN");
    d.wait_for("#login-btn", "Log in");
    d.type_into("#username", "village_grid_worker");
    d.type_into("#password", "not the password");
    d.click("#login-btn", "");
    d.wait_for("#login-form .error", "");
    let refused = d.text("#login-form .error");
    assert!(!refused.is_empty() && !has_chinese(&refused), "{refused:?}");

    d.login_as(&s.base, "village_grid_worker");
    d.click("#nav-territory", "Territory");
    d.click("a.grid-link", "");
    d.click("a.household-link", "");
    d.type_into("#p-name", "Test");
    d.type_into("#p-id", "12345");
    d.click("#p-submit", "");
    d.wait_for("#person-form .error", "");
    let said = d.text("#person-form .error");
    assert!(said.contains("ID number"), "{said:?}");
    assert!(!has_chinese(&said), "{said:?}");
    // The header speaks English too: the role by its English name.
    let nav = d.cmd(
        "POST",
        "/execute/sync",
        serde_json::json!({"script": "return document.querySelector('#usernav').textContent", "args": []}),
    );
    let nav = nav.as_str().unwrap_or_default();
    assert!(
        nav.contains("Grid worker") && nav.contains("Log out"),
        "{nav}"
    );
}
