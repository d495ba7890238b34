//! Accounts in the browser: an administrator creates an account with a temporary password; the
//! person's first login asks for their own password before anything else, and then lands on
//! their work.

use crate::common::*;
use crate::driver::Driver;

#[test]
fn an_admin_creates_an_account_that_must_change_its_password() {
    let Some(d) = Driver::start() else { return };
    let s = Server::start(temp_dir("browser-accounts"), true);
    d.login_as(&s.base, "town_admin");
    d.click("#nav-accounts", "");
    d.wait_for("#account-form", "");
    d.type_into("#a-username", "new_worker");
    d.type_into("#a-display", "新网格员");
    d.select("#a-role", "grid_worker");
    // The scope is picked by name, not typed as a 12-digit code.
    d.type_into("#a-scope-q", "白塔村");
    d.click("#account-form .picker-hit", "白塔村委会");
    assert_eq!(
        d.cmd("POST", "/execute/sync", serde_json::json!({"script": "return document.querySelector('#a-scope').value", "args": []})),
        serde_json::json!("320722101200")
    );
    d.type_into("#a-password", "short");
    d.click("#a-submit", "");
    // The policy says what it wants, next to the field.
    d.wait_for("#account-form .error", "8");
    d.type_into("#a-password", "Temp2026x");
    d.click("#a-submit", "");
    d.wait_for("tr.account-row[data-name=new_worker]", "待改密码");
    // The audit log reads as words and narrows to what was asked.
    d.click("#nav-audit", "");
    d.select("#au-action", "create");
    d.type_into("#au-target", "new_worker");
    d.click("#au-go", "");
    // Drawn again with the filter (its select keeps the choice).
    d.wait_for("#au-action option[selected][value=create]", "");
    let table = d.text("#audit-table");
    assert!(
        table.contains("新建") && table.contains("账号") && table.contains("new_worker"),
        "{table}"
    );
    assert!(!table.contains("登录"), "only what was asked: {table}");
    d.logout();

    d.goto(&format!("{}/#/login", s.base));
    d.type_into("#username", "new_worker");
    d.type_into("#password", "Temp2026x");
    d.click("#login-btn", "");
    d.wait_for("#change-first", "临时密码");
    // Going elsewhere first comes back to the password.
    d.goto(&format!("{}/#/cases", s.base));
    d.wait_for("#password-form", "");
    d.type_into("#pw-current", "Temp2026x");
    d.type_into("#pw-new", "Mine2026y");
    d.type_into("#pw-repeat", "Mine2026y");
    d.click("#pw-submit", "");
    d.wait_for("h1", "今日任务");
    // The new password is the one that works.
    d.logout();
    d.goto(&format!("{}/#/login", s.base));
    d.type_into("#username", "new_worker");
    d.type_into("#password", "Mine2026y");
    d.click("#login-btn", "");
    d.wait_for("h1", "今日任务");
}
