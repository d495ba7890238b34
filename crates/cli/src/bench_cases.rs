//! Case benchmarks, driven by the scripts in `bench/`:
//!
//! - `bench intake --url URL [--seconds 60] [--connections 16] [--ids FILE] [--user U]`: files
//!   cases through `POST /api/v1/cases` from this process over as many keep-alive connections,
//!   spread over every village of 东海县; prints throughput and latency percentiles and appends
//!   the id of every acknowledged (201) case to FILE. Connection errors (a killed server) are
//!   counted, not fatal.
//! - `bench raw-insert --file PATH [--seconds 10] [--row-bytes 600]`: the limit: single-row
//!   durable inserts (one transaction each, WAL, synchronous=FULL) of a row of that size into a
//!   fresh SQLite file, one at a time.
//! - `bench seed-cases --data-dir D --cases N`: the demo plus N cases over every village of
//!   连云港市 across two years, most closed, with their lifecycle events and search terms.
//! - `bench cases-query --url URL [--requests 2000]`: the dispatcher queue (first page, filtered
//!   by region and state) and case detail with events, one request at a time.

use crate::bench::{login, open_with_demo, percentile, villages};
use anyhow::{Result, anyhow, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tongchou_store::*;

pub async fn run(sub: &str, mut args: pico_args::Arguments) -> Result<()> {
    match sub {
        "intake" => {
            let url: String = args.value_from_str("--url")?;
            let seconds: u64 = args.opt_value_from_str("--seconds")?.unwrap_or(60);
            let conns: usize = args.opt_value_from_str("--connections")?.unwrap_or(16);
            let ids: Option<std::path::PathBuf> = args.opt_value_from_str("--ids")?;
            let user: String = args
                .opt_value_from_str("--user")?
                .unwrap_or_else(|| "county_dispatcher".into());
            tokio::task::spawn_blocking(move || intake(&url, seconds, conns, ids, &user)).await?
        }
        "raw-insert" => {
            let file: std::path::PathBuf = args.value_from_str("--file")?;
            let seconds: u64 = args.opt_value_from_str("--seconds")?.unwrap_or(10);
            let bytes: usize = args.opt_value_from_str("--row-bytes")?.unwrap_or(600);
            raw_insert(&file, seconds, bytes).await
        }
        "seed-cases" => {
            let data_dir: std::path::PathBuf = args.value_from_str("--data-dir")?;
            let n: usize = args.value_from_str("--cases")?;
            seed_cases(&data_dir, n).await
        }
        "cases-query" => {
            let url: String = args.value_from_str("--url")?;
            let requests: usize = args.opt_value_from_str("--requests")?.unwrap_or(2000);
            tokio::task::spawn_blocking(move || cases_query(&url, requests)).await?
        }
        other => bail!("unknown bench {other:?}"),
    }
}

const TEXTS: &[(&str, &str)] = &[
    ("0101", "路边垃圾堆放多日无人清理，气味很大"),
    ("0601", "井盖缺失，夜间行人容易踩空"),
    ("0701", "路灯不亮，晚上出行不安全"),
    ("0301", "工地夜间施工噪音扰民"),
    ("0901", "邻里之间因宅基地边界发生纠纷"),
    ("1401", "低保申请进度咨询"),
    ("1501", "农村道路破损需要修补"),
    ("0801", "大风刮倒行道树堵塞道路"),
];

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn report(label: &str, ms: &mut [f64]) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{label}: n={} p50={:.2}ms p95={:.2}ms p99={:.2}ms max={:.2}ms",
        ms.len(),
        percentile(ms, 0.5),
        percentile(ms, 0.95),
        percentile(ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

/// The villages of a region subtree, read over HTTP.
fn villages_over_http(a: &ureq::Agent, url: &str, cookie: &str, root: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_string()];
    while let Some(code) = stack.pop() {
        let v: serde_json::Value = a
            .get(&format!(
                "{url}/api/v1/regions/{code}/children?page_size=200"
            ))
            .header("Cookie", cookie)
            .call()?
            .body_mut()
            .read_json()?;
        for r in v["items"].as_array().into_iter().flatten() {
            let c = r["code"].as_str().unwrap_or_default().to_string();
            if r["level"] == "village" {
                out.push(c);
            } else {
                stack.push(c);
            }
        }
    }
    if out.is_empty() {
        bail!("no villages under {root}");
    }
    Ok(out)
}

fn intake(
    url: &str,
    seconds: u64,
    conns: usize,
    ids: Option<std::path::PathBuf>,
    user: &str,
) -> Result<()> {
    let a = agent();
    let (cookie, csrf) = login(&a, url, user)?;
    let villages = Arc::new(villages_over_http(&a, url, &cookie, "320722000000")?);
    let out: Arc<Mutex<Box<dyn Write + Send>>> = Arc::new(Mutex::new(match &ids {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?,
        )),
        None => Box::new(std::io::sink()),
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let (acked, errors, refused) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..conns {
        let (url, cookie, csrf) = (url.to_string(), cookie.clone(), csrf.clone());
        let (villages, out, stop) = (villages.clone(), out.clone(), stop.clone());
        let (acked, errors, refused) = (acked.clone(), errors.clone(), refused.clone());
        workers.push(std::thread::spawn(move || {
            let a = agent();
            let mut rng = StdRng::seed_from_u64(w as u64);
            let mut ms = Vec::new();
            let mut mine = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let (cat, text) = TEXTS[rng.random_range(0..TEXTS.len())];
                let village = &villages[rng.random_range(0..villages.len())];
                let body = serde_json::json!({
                    "category_code": cat,
                    "description": text,
                    "address": format!("{}号附近", rng.random_range(1..300)),
                    "region_code": village,
                    "reporter_name": "王先生",
                    "reporter_phone": format!("138{:08}", rng.random_range(0..100_000_000u32)),
                });
                let t = Instant::now();
                let r = a
                    .post(&format!("{url}/api/v1/cases"))
                    .header("Cookie", &cookie)
                    .header("X-CSRF-Token", &csrf)
                    .send_json(&body);
                match r {
                    Ok(mut resp) if resp.status() == 201 => {
                        let v: serde_json::Value = resp.body_mut().read_json().unwrap_or_default();
                        ms.push(t.elapsed().as_secs_f64() * 1000.0);
                        acked.fetch_add(1, Ordering::Relaxed);
                        if let Some(id) = v["id"].as_str() {
                            mine.push(id.to_string());
                        }
                    }
                    Ok(_) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
                if mine.len() >= 256 {
                    let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
                    for id in mine.drain(..) {
                        let _ = writeln!(o, "{id}");
                    }
                    let _ = o.flush();
                }
            }
            let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
            for id in mine {
                let _ = writeln!(o, "{id}");
            }
            let _ = o.flush();
            ms
        }));
    }
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut ms: Vec<f64> = Vec::new();
    for w in workers {
        ms.extend(w.join().map_err(|_| anyhow!("a worker panicked"))?);
    }
    let secs = started.elapsed().as_secs_f64();
    let n = acked.load(Ordering::Relaxed);
    println!(
        "intake: {n} cases acknowledged in {secs:.1}s = {:.0} cases/s over {conns} connections; \
         {} refused, {} connection errors",
        n as f64 / secs,
        refused.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed)
    );
    report("intake latency", &mut ms);
    Ok(())
}

async fn raw_insert(file: &std::path::Path, seconds: u64, bytes: usize) -> Result<()> {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let _ = std::fs::remove_file(file);
    let mut c = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await?;
    sqlx::raw_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut c)
        .await?;
    let body = "x".repeat(bytes);
    let start = Instant::now();
    let mut n = 0u64;
    let mut ms = Vec::new();
    while start.elapsed() < Duration::from_secs(seconds) {
        let t = Instant::now();
        sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut c).await?;
        sqlx::query("INSERT INTO t (body) VALUES ($1)")
            .bind(&body)
            .execute(&mut c)
            .await?;
        sqlx::raw_sql("COMMIT").execute(&mut c).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "raw sqlite: {n} single-row durable inserts of {bytes} bytes in {secs:.1}s = {:.0} rows/s",
        n as f64 / secs
    );
    report("raw insert latency", &mut ms);
    Ok(())
}

/// How a seeded case tends to go: the share (in %) closed, and of those rated, satisfied.
pub struct Quality {
    pub closed: u32,
    pub satisfied: u32,
}

/// One seeded case with the lifecycle events its state implies.
pub fn seeded_case(
    rng: &mut StdRng,
    village: &str,
    unit: Option<i64>,
    created_at: i64,
    number: String,
    q: &Quality,
) -> BulkCase {
    let (cat, text) = TEXTS[rng.random_range(0..TEXTS.len())];
    let roll = rng.random_range(0..100);
    let path: &[(&str, &str, &str)] = &[
        ("report", "", "reported"),
        ("accept", "dispatcher", "accepted"),
        ("dispatch", "dispatcher", "dispatched"),
        ("sign", "handler", "in_progress"),
        ("handle", "handler", "handled"),
        ("verify_pass", "grid_worker", "closed"),
    ];
    // `q.closed` % closed, 2 % rejected, the rest spread over the open states.
    let steps = match roll {
        r if r < q.closed => 6,
        r if r < q.closed + 2 => 0,
        r => [1, 2, 3, 4, 5][(r as usize) % 5],
    };
    let satisfied = rng.random_range(0..100) < q.satisfied;
    let hour = 3_600_000;
    let mut events = Vec::new();
    let mut at = created_at;
    let rejected = steps == 0;
    let last = if rejected { 1 } else { steps };
    for (i, (action, actor, to)) in path.iter().take(last).enumerate() {
        events.push(CaseEvent {
            seq: i as i32 + 1,
            at,
            actor_id: None,
            actor_name: if i == 0 {
                "public".into()
            } else {
                (*actor).into()
            },
            actor: if i == 0 {
                "reporter".into()
            } else {
                (*actor).into()
            },
            action: (*action).into(),
            from_state: (i > 0).then(|| path[i - 1].2.to_string()),
            to_state: (*to).into(),
            unit_id: if i >= 2 { unit } else { None },
            unit_name: None,
            level: Some("village".into()),
            note: if *action == "handle" {
                "已处理".into()
            } else {
                String::new()
            },
            attachments: "[]".into(),
            stage_deadline: (!matches!(*to, "closed" | "rejected")).then_some(at + 7 * 24 * hour),
            due_at: None,
            outcome: None,
        });
        at += rng.random_range(1..30) * hour;
    }
    if steps == 6 {
        // The reporter's rating of a closed case, as the case row says.
        events.push(CaseEvent {
            seq: events.len() as i32 + 1,
            at,
            actor_id: None,
            actor_name: "reporter".into(),
            actor: "reporter".into(),
            action: "rate".into(),
            from_state: Some("closed".into()),
            to_state: "closed".into(),
            unit_id: unit,
            unit_name: None,
            level: Some("village".into()),
            note: if satisfied { "满意" } else { "不满意" }.into(),
            attachments: "[]".into(),
            stage_deadline: None,
            due_at: None,
            outcome: Some(
                if satisfied {
                    "satisfied"
                } else {
                    "dissatisfied"
                }
                .into(),
            ),
        });
    }
    if rejected {
        events.push(CaseEvent {
            seq: 2,
            at,
            actor_id: None,
            actor_name: "dispatcher".into(),
            actor: "dispatcher".into(),
            action: "reject".into(),
            from_state: Some("reported".into()),
            to_state: "rejected".into(),
            unit_id: None,
            unit_name: None,
            level: Some("village".into()),
            note: "不属于受理范围".into(),
            attachments: "[]".into(),
            stage_deadline: None,
            due_at: None,
            outcome: None,
        });
    }
    let state = events
        .last()
        .map(|e| e.to_state.clone())
        .unwrap_or_default();
    let open = !matches!(state.as_str(), "closed" | "rejected");
    let dispatched = steps >= 3;
    let case = Case {
        id: new_id(),
        county_code: village[..6].to_string(),
        number,
        secret: "SEED00".into(),
        category_code: cat.into(),
        category_name: None,
        title: text.chars().take(12).collect(),
        description: text.into(),
        address: format!("{}号附近", rng.random_range(1..300)),
        lat: None,
        lng: None,
        region_code: village.into(),
        region_name: None,
        grid_code: None,
        source: "web".into(),
        priority: "normal".into(),
        dispute: cat.starts_with("09"),
        reporter_name: Some("王先生".into()),
        reporter_phone: None,
        reporter_user_id: None,
        state: state.clone(),
        level: "village".into(),
        level_code: village.into(),
        route_by: "village".into(),
        route_unit_id: unit,
        unit_id: if dispatched && open { unit } else { None },
        unit_name: None,
        first_unit_id: if dispatched { unit } else { None },
        returns: 0,
        reworks: 0,
        escalations: 0,
        closed_level: (state == "closed").then(|| "village".into()),
        stage_started_at: open.then_some(at),
        warn_at: open.then_some(at + 5 * 24 * hour),
        deadline_at: open.then_some(at + 7 * 24 * hour),
        limit_ms: open.then_some(7 * 24 * hour),
        paused_remaining_ms: None,
        suspend_requested: false,
        supervised_by: None,
        supervise_deadline: None,
        duplicate_of: None,
        satisfaction: (state == "closed").then(|| {
            if satisfied {
                "satisfied"
            } else {
                "dissatisfied"
            }
            .into()
        }),
        created_at,
        updated_at: at,
        closed_at: (!open).then_some(at),
        reporter_email: None,
        media_url: None,
        reopens: 0,
        version: events.len() as i32,
        light: None,
    };
    let search =
        tongchou_domain::search::document(&[&case.title, &case.description, &case.address]);
    BulkCase {
        case,
        events,
        search,
    }
}

/// Case numbers as intake gives them: per county and day, counting up.
#[derive(Default)]
pub struct Numbers(std::collections::HashMap<(String, String), i64>);

impl Numbers {
    pub fn next(&mut self, village: &str, at: i64) -> String {
        let day = tongchou_domain::date::yyyymmdd(at);
        let seq = self
            .0
            .entry((village[..6].to_string(), day.clone()))
            .or_insert(0);
        *seq += 1;
        tongchou_domain::categories::case_number(&village[..6], &day, *seq as u32)
    }

    /// (county, day, last number) of every day numbered, for the bulk loader.
    pub fn touched(&self) -> Vec<(String, String, i64)> {
        self.0
            .iter()
            .map(|((c, d), s)| (c.clone(), d.clone(), *s))
            .collect()
    }

    /// Forgets the days before `at`'s (already written).
    fn forget_before(&mut self, at: i64) {
        let day = tongchou_domain::date::yyyymmdd(at);
        self.0.retain(|(_, d), _| *d >= day);
    }
}

/// Each village's committee (the unit its cases are dispatched to).
pub async fn committees(
    store: &Store,
    villages: &[String],
) -> Result<std::collections::HashMap<String, Option<i64>>> {
    let sys = Ctx::system();
    let mut out = std::collections::HashMap::new();
    for v in villages {
        let u = store.list_units(&sys, v).await?;
        out.insert(
            v.clone(),
            u.iter().find(|u| u.kind == "committee").map(|u| u.id),
        );
    }
    Ok(out)
}

async fn seed_cases(data_dir: &std::path::Path, n: usize) -> Result<()> {
    let store = open_with_demo(data_dir).await?;
    let villages = villages(&store, "320700000000").await?;
    let committees = committees(&store, &villages).await?;
    eprintln!("{} villages", villages.len());
    let mut rng = StdRng::seed_from_u64(311);
    let day_ms = 86_400_000i64;
    let now = now_ms();
    let span = 730 * day_ms;
    // Cases are made in time order so each (county, day) numbering runs up.
    let mut numbers = Numbers::default();
    let t = Instant::now();
    let chunk = 50_000;
    let mut made = 0;
    let q = Quality {
        closed: 85,
        satisfied: 100,
    };
    while made < n {
        let k = chunk.min(n - made);
        let mut rows = Vec::with_capacity(k);
        for i in 0..k {
            let created = now - span + ((made + i) as i64 * span) / n as i64;
            let v = &villages[rng.random_range(0..villages.len())];
            let number = numbers.next(v, created);
            rows.push(seeded_case(&mut rng, v, committees[v], created, number, &q));
        }
        store.bulk_load_cases(&rows, &numbers.touched()).await?;
        numbers.forget_before(now - span + ((made + k) as i64 * span) / n as i64);
        made += k;
        eprintln!("{made} cases, {:.0}s", t.elapsed().as_secs_f64());
    }
    println!("seeded {made} cases in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

fn cases_query(url: &str, requests: usize) -> Result<()> {
    let a = agent();
    let (cookie, _) = login(&a, url, "city_dispatcher")?;
    // Townships of the city, to filter the queue by.
    let mut townships = Vec::new();
    let mut stack = vec!["320700000000".to_string()];
    while let Some(code) = stack.pop() {
        let v: serde_json::Value = a
            .get(&format!(
                "{url}/api/v1/regions/{code}/children?page_size=200"
            ))
            .header("Cookie", &cookie)
            .call()?
            .body_mut()
            .read_json()?;
        for r in v["items"].as_array().into_iter().flatten() {
            let c = r["code"].as_str().unwrap_or_default().to_string();
            match r["level"].as_str() {
                Some("township") => townships.push(c),
                Some("county") | Some("city") => stack.push(c),
                _ => {}
            }
        }
    }
    let states = ["reported", "dispatched", "in_progress", "closed"];
    let get = |path: &str| -> Result<(f64, serde_json::Value)> {
        let t = Instant::now();
        let mut r = a
            .get(&format!("{url}{path}"))
            .header("Cookie", &cookie)
            .call()?;
        let body: serde_json::Value = r.body_mut().read_json()?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if r.status() != 200 {
            bail!("{path}: HTTP {} {body}", r.status());
        }
        Ok((ms, body))
    };
    let mut queue_ms = Vec::new();
    let mut ids = Vec::new();
    let mut empty = 0;
    for i in 0..requests + 50 {
        let t = &townships[(i * 7919) % townships.len()];
        let s = states[i % states.len()];
        let (ms, body) = get(&format!("/api/v1/cases?region={t}&state={s}"))?;
        let items = body["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            empty += 1;
        }
        for c in items.iter().take(2) {
            if let Some(id) = c["id"].as_str() {
                ids.push(id.to_string());
            }
        }
        if i >= 50 {
            queue_ms.push(ms);
        }
    }
    println!("queue pages with no rows: {empty}");
    report("queue first page (region + state)", &mut queue_ms);
    if ids.is_empty() {
        bail!("no cases found");
    }
    let mut detail_ms = Vec::new();
    let mut events = 0;
    for i in 0..requests + 50 {
        let id = &ids[(i * 104_729) % ids.len()];
        let (ms, body) = get(&format!("/api/v1/cases/{id}"))?;
        events += body["events"].as_array().map_or(0, Vec::len);
        if i >= 50 {
            detail_ms.push(ms);
        }
    }
    println!("details read {events} events");
    report("case detail with events", &mut detail_ms);
    Ok(())
}
