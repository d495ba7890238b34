//! Accounts over HTTP: an administrator creates an account with a temporary password, which the
//! person must change before anything else; the password policy says what it wants; another
//! township's administrator can neither disable nor reset the account.

use crate::common::*;
use serde_json::json;

#[test]
fn a_temporary_password_must_be_changed_first_and_other_townships_cannot_touch_the_account() {
    let s = Server::start(temp_dir("accounts"), true);
    let admin = s.login("town_admin");
    let weak = admin.post(
        "/api/v1/users",
        json!({"username": "temp_worker", "password": "short1", "role": "grid_worker", "scope": "320722101200"}),
    );
    assert_eq!(
        (weak.status, weak.json()["field"].as_str()),
        (422, Some("password"))
    );
    assert!(weak.json()["message"].as_str().unwrap().contains("8"));
    let made = admin.post(
        "/api/v1/users",
        json!({"username": "temp_worker", "password": "Temp2026x", "role": "grid_worker", "scope": "320722101200"}),
    );
    assert_eq!(made.status, 201, "{}", made.json());
    assert_eq!(made.json()["must_change_password"], true);
    let id = made.json()["id"].as_str().unwrap().to_string();

    // The person logs in and can do nothing but change the password.
    let mut c = s.client();
    let (status, me) = c.login("temp_worker", "Temp2026x");
    assert_eq!(
        (status, me["must_change_password"].as_bool()),
        (200, Some(true))
    );
    let blocked = c.get("/api/v1/households?page_size=1");
    assert_eq!(
        (blocked.status, blocked.json()["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let wrong = c.post(
        "/api/v1/auth/password",
        json!({"current_password": "nope", "new_password": "Mine2026y"}),
    );
    assert_eq!(wrong.json()["field"], "current_password");
    let same = c.post(
        "/api/v1/auth/password",
        json!({"current_password": "Temp2026x", "new_password": "Temp2026x"}),
    );
    assert_eq!(same.json()["field"], "new_password");
    let done = c.post(
        "/api/v1/auth/password",
        json!({"current_password": "Temp2026x", "new_password": "Mine2026y"}),
    );
    assert_eq!(
        (done.status, done.json()["must_change_password"].as_bool()),
        (200, Some(false))
    );
    assert_eq!(
        c.get("/api/v1/households?page_size=1").status,
        200,
        "the same session goes on"
    );

    // Another township's administrator reaches neither the account nor its password.
    let street = s.login("street_admin");
    assert_eq!(
        street
            .post(&format!("/api/v1/users/{id}/disable"), json!({}))
            .status,
        404
    );
    assert_eq!(
        street
            .post(
                &format!("/api/v1/users/{id}/password"),
                json!({"password": "Their2026z"})
            )
            .status,
        404
    );
    // Its own administrator disables it: the session ends and the login is refused.
    let off = admin.post(&format!("/api/v1/users/{id}/disable"), json!({}));
    assert_eq!(
        (off.status, off.json()["disabled"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(c.get("/api/v1/me").status, 401);
    // The audit log, narrowed to what was done to this account.
    let log = admin
        .get("/api/v1/audit?target=temp_worker&action=user.disable")
        .json();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{log}");
    assert_eq!(items[0]["username"], "town_admin");
    assert_eq!(s.client().login("temp_worker", "Mine2026y").0, 401);
}

/// A handler account is made with its unit, picked from the units of its scope; without one, or
/// with another township's unit, the answer names `unit_id`.
#[test]
fn a_handler_account_gets_a_unit_of_its_scope() {
    let s = Server::start(temp_dir("accounts-unit"), true);
    let admin = s.login("town_admin");
    let village = "320722101200";
    let units = ok(&admin.get(&format!("/api/v1/regions/{village}/units")));
    let unit = units["items"][0]["id"].as_str().unwrap().to_string();
    let body = |unit: Option<&str>| {
        let mut b = json!({"username": "new_handler", "password": "Temp2026x", "role": "handler", "scope": village});
        if let Some(u) = unit {
            b["unit_id"] = json!(u);
        }
        b
    };
    let r = admin.post("/api/v1/users", body(None));
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("unit_id"))
    );
    // A unit of another township (the urban one's).
    let street = s.login("street_admin");
    let theirs = ok(&street.get("/api/v1/regions/320722001000/units"));
    if let Some(other) = theirs["items"][0]["id"].as_str() {
        let r = admin.post("/api/v1/users", body(Some(other)));
        assert_eq!(
            (r.status, r.json()["field"].as_str()),
            (422, Some("unit_id")),
            "{}",
            r.text()
        );
    }
    let r = admin.post("/api/v1/users", body(Some(&unit)));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["unit_id"], unit.as_str());
}
