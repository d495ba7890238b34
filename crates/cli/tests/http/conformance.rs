//! A property-based client written by someone else (schemathesis, from PyPI) fed our own OpenAPI
//! document: for a bounded time it generates requests for every operation, logged in, against
//! 127.0.0.1 only, and fails on any 5xx, a status the document does not list, a content type it
//! does not name, or a body outside its schema. `.ci/run` installs it into a venv and sets
//! `TONGCHOU_SCHEMATHESIS`; elsewhere the test is skipped with a message unless
//! `TONGCHOU_REQUIRE_SCHEMATHESIS=1`. Longer runs: docs/TESTING.md.

use crate::common::*;
use std::process::Command;

#[test]
fn the_api_conforms_to_its_own_openapi_document() {
    let bin = std::env::var("TONGCHOU_SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    if Command::new(&bin).arg("--version").output().is_err() {
        assert!(
            std::env::var("TONGCHOU_REQUIRE_SCHEMATHESIS").as_deref() != Ok("1"),
            "TONGCHOU_REQUIRE_SCHEMATHESIS=1 but {bin} cannot be run"
        );
        eprintln!(
            "SKIPPED the OpenAPI conformance run: no schemathesis (set TONGCHOU_SCHEMATHESIS)"
        );
        return;
    }
    let s = Server::start_with(
        temp_dir("conformance"),
        true,
        &["--public-rate", "1000000", "--sweep-seconds", "0"],
    );
    let c = s.login("county_admin");
    let seconds: u64 = std::env::var("TONGCHOU_SCHEMATHESIS_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed = std::env::var("TONGCHOU_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261122".into());
    let common = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
    // Two runs: requests one at a time, valid and invalid (the server must refuse every request
    // that breaks the schema); then sequences of calls that feed one answer into the next
    // request, valid data only (schemathesis 4.32 reports a valid request in a sequence as
    // "schema-violating" when its negative mode is on).
    let with_negative = format!("{common},negative_data_rejection");
    let runs = [
        (
            "examples,coverage,fuzzing",
            "all",
            with_negative.as_str(),
            seconds * 2 / 3,
        ),
        ("stateful", "positive", common, seconds / 3),
    ];
    for (phases, mode, checks, secs) in runs {
        let out = Command::new(&bin)
            .args(["run", &format!("{}/api/openapi.json", s.base)])
            .args(["-H", &format!("Cookie: {}", c.cookie.as_deref().unwrap())])
            .args([
                "-H",
                &format!("X-CSRF-Token: {}", c.csrf.as_deref().unwrap()),
            ])
            .args([
                "--max-time",
                &secs.max(1).to_string(),
                "--seed",
                &seed,
                "--no-color",
            ])
            .args(["--phases", phases, "--mode", mode])
            // The session travels in the headers above: schemathesis is not to drop the cookie
            // and call that a schema violation.
            .args(["--generation-with-security-parameters", "false"])
            .args(["-c", checks])
            // Logging out would end the session the run uses.
            .args(["--exclude-path", "/api/v1/auth/logout"])
            .output()
            .expect("run schemathesis");
        let report = String::from_utf8_lossy(&out.stdout);
        let tail: String = report
            .lines()
            .rev()
            .take(120)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            out.status.success(),
            "schemathesis ({phases}) found failures:\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{phases}:\n{tail}");
    }
}
