//! Login throttles: a lockout that never tells which names exist, a count that starts again when
//! a lock expires, an administrator's unlock, and a client address held back after many failures.

use crate::common::*;
use serde_json::json;

fn login_from(s: &Server, xff: &str, user: &str, password: &str) -> (u16, serde_json::Value) {
    let r = agent()
        .post(&format!("{}/api/v1/auth/login", s.base))
        .header("Content-Type", "application/json")
        .header("X-Forwarded-For", xff)
        .send(json!({"username": user, "password": password}).to_string())
        .unwrap();
    let status = r.status().as_u16();
    (status, r.into_body().read_json().unwrap())
}

#[test]
fn lockout_never_tells_which_names_exist_and_ends_by_time_or_by_an_admin() {
    let s = Server::start_with(
        temp_dir("login"),
        true,
        &[
            "--lockout-seconds",
            "2",
            "--login-failures-per-client",
            "12",
            "--trusted-proxy",
            "127.0.0.1",
        ],
    );
    // An existing account and a name that does not exist answer alike, failure by failure.
    for i in 0..5 {
        let real = login_from(&s, "198.51.100.1", "village_handler", &format!("wrong-{i}"));
        let fake = login_from(&s, "198.51.100.2", "no_such_person", &format!("wrong-{i}"));
        assert_eq!(
            (real.0, &real.1["code"]),
            (fake.0, &fake.1["code"]),
            "failure {i}"
        );
    }
    let real = login_from(&s, "198.51.100.1", "village_handler", PASSWORD);
    let fake = login_from(&s, "198.51.100.2", "no_such_person", PASSWORD);
    assert_eq!(
        (real.0, real.1["code"].as_str()),
        (423, Some("account_locked"))
    );
    assert_eq!((fake.0, &fake.1), (real.0, &real.1), "the same answer");
    // When the lock expires, counting starts again: one more mistake does not lock it again.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(
        login_from(&s, "198.51.100.1", "village_handler", "wrong-again").0,
        401
    );
    assert_eq!(
        login_from(&s, "198.51.100.1", "village_handler", PASSWORD).0,
        200
    );
    // An administrator of the account's scope unlocks it at once; another township's cannot.
    for i in 0..5 {
        login_from(&s, "198.51.100.3", "town_handler", &format!("wrong-{i}"));
    }
    assert_eq!(
        login_from(&s, "198.51.100.3", "town_handler", PASSWORD).0,
        423
    );
    let users = s
        .login("town_admin")
        .get("/api/v1/users?page_size=200")
        .json();
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "town_handler")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = s.login("street_admin");
    let r = other.post(&format!("/api/v1/users/{id}/unlock"), json!({}));
    assert_eq!(r.status, 404, "outside the street's scope");
    let r = s
        .login("town_admin")
        .post(&format!("/api/v1/users/{id}/unlock"), json!({}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        login_from(&s, "198.51.100.3", "town_handler", PASSWORD).0,
        200
    );
    let audit = s
        .login("town_admin")
        .get("/api/v1/audit?page_size=200")
        .json();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "unlock_user" && e["username"] == "town_admin"),
        "the unlock is audited with its actor"
    );
    // One address guessing across many names is held back (429), others are not.
    for i in 0..12 {
        login_from(&s, "203.0.113.9", &format!("guess{i}"), "x");
    }
    let r = login_from(&s, "203.0.113.9", "village_leader", PASSWORD);
    assert_eq!(
        (r.0, r.1["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    assert_eq!(
        login_from(&s, "203.0.113.10", "village_leader", PASSWORD).0,
        200
    );
}
