//! `tongchou bench …`: load generators and HTTP drivers used by the scripts in `bench/`.
//!
//! - `bench seed --data-dir D --persons N [--sample FILE]`: loads the demo (if the database is
//!   empty) and then N more persons spread over every village of 连云港市, in households of one
//!   to six, one grid per village; writes a sample of ID numbers and name fragments to FILE.
//! - `bench lookup --url URL --sample FILE [--requests N]`: logs in as the city leader and times
//!   N lookups by ID number and N name searches (first page), one request at a time, from this
//!   process; prints p50/p95/p99 in milliseconds.

use anyhow::{Context, Result, anyhow, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;
use tongchou_domain::{RegionCode, grid, idcard};
use tongchou_store::*;

pub async fn run(mut args: pico_args::Arguments) -> Result<()> {
    let sub: String = args.free_from_str().map_err(|_| {
        anyhow!("usage: tongchou bench seed|lookup|intake|raw-insert|seed-cases|cases-query ...")
    })?;
    match sub.as_str() {
        "seed" => {
            let data_dir: std::path::PathBuf = args.value_from_str("--data-dir")?;
            let n: usize = args.value_from_str("--persons")?;
            let sample: std::path::PathBuf = args
                .opt_value_from_str("--sample")?
                .unwrap_or_else(|| data_dir.join("sample.txt"));
            seed(&data_dir, n, &sample).await
        }
        "lookup" => {
            let url: String = args.value_from_str("--url")?;
            let sample: std::path::PathBuf = args.value_from_str("--sample")?;
            let requests: usize = args.opt_value_from_str("--requests")?.unwrap_or(2000);
            lookup(&url, &sample, requests)
        }
        other => crate::bench_cases::run(other, args).await,
    }
}

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段葛武乔";
const GIVEN: &str = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林芳娜敏静丽艳娟霞燕玲英兰梅婷雪倩慧颖琳欣怡涵萱琪诺文博轩豪佑国庆志海永春德立新东红秀玉桂美雅若曦晓";

async fn seed(data_dir: &std::path::Path, n: usize, sample_path: &std::path::Path) -> Result<()> {
    let store = open_with_demo(data_dir).await?;
    let sys = Ctx::system();
    // Every village of the city, with one bench grid (sequence 900) each.
    let villages = villages(&store, "320700000000").await?;
    eprintln!("{} villages", villages.len());
    for v in &villages {
        let code = grid::code(&RegionCode::parse(v)?, 900);
        let input = GridInput {
            code,
            name: "压测网格".into(),
            ..Default::default()
        };
        store
            .create_grid(
                &sys,
                &NewGrid::validate(&input).map_err(|e| anyhow!(e.message()))?,
            )
            .await?;
    }
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut rng = StdRng::seed_from_u64(5_000_000);
    let mut ids: HashSet<String> = HashSet::with_capacity(n);
    let mut sample = std::io::BufWriter::new(std::fs::File::create(sample_path)?);
    let t = Instant::now();
    let batch = 200_000;
    let mut made = 0;
    while made < n {
        let mut hs = Vec::new();
        let mut ps = Vec::with_capacity(batch);
        while ps.len() < batch && made + ps.len() < n {
            let v = &villages[rng.random_range(0..villages.len())];
            let hid = new_id();
            let grid_code = format!("{v}900");
            hs.push(Household {
                id: hid,
                county_code: v[..6].into(),
                region_code: v.clone(),
                grid_code: grid_code.clone(),
                address: format!("压测{hid}号"),
                phone: None,
                lat: None,
                lng: None,
                member_count: 0,
                head_name: None,
            });
            let size = rng.random_range(1..=6).min(n - made - ps.len());
            for k in 0..size {
                let male = rng.random_bool(0.5);
                let year = rng.random_range(1930..2025);
                let (idn, birth) = loop {
                    let m = rng.random_range(1..=12u32);
                    let d = rng.random_range(1..=28u32);
                    let seq = rng.random_range(0..500u32) * 2 + u32::from(male);
                    // Birth areas 320790–320799, which no demo person has.
                    let area = format!("32079{}", &v[5..6]);
                    let id = idcard::build(&area, &format!("{year}{m:02}{d:02}"), seq);
                    if ids.insert(id.clone()) {
                        break (id, format!("{year}-{m:02}-{d:02}"));
                    }
                };
                let len = if rng.random_bool(0.7) { 2 } else { 1 };
                let mut name = String::new();
                name.push(
                    surnames[((rng.random::<f64>().powi(2)) * surnames.len() as f64) as usize],
                );
                for _ in 0..len {
                    name.push(given[rng.random_range(0..given.len())]);
                }
                if rng.random_range(0..2000) == 0 {
                    let frag: String = name.chars().take(2).collect();
                    writeln!(sample, "{idn}\t{frag}")?;
                }
                ps.push(Person {
                    id: new_id(),
                    county_code: v[..6].into(),
                    household_id: hid,
                    region_code: v.clone(),
                    grid_code: grid_code.clone(),
                    name,
                    id_number: idn,
                    birth_date: birth,
                    sex: if male { "male".into() } else { "female".into() },
                    phone: None,
                    relation: if k == 0 {
                        "户主".into()
                    } else {
                        "家庭成员".into()
                    },
                    residence_type: "registered".into(),
                    tags: String::new(),
                    created_at: 0,
                    updated_at: 0,
                });
            }
        }
        store.bulk_load(&hs, &ps, now_ms()).await?;
        made += ps.len();
        eprintln!("{made} persons, {:.0}s", t.elapsed().as_secs_f64());
    }
    sample.flush()?;
    println!("seeded {made} persons in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

/// The SQLite database in `data_dir`, migrated, with the demo loaded if it was empty.
pub async fn open_with_demo(data_dir: &std::path::Path) -> Result<Store> {
    let url = format!("sqlite://{}", data_dir.join(crate::DB_FILE).display());
    let store = open(&url).await?;
    store.migrate().await?;
    if store.is_empty().await? {
        let t = Instant::now();
        let msg = crate::demo::load(&store).await?;
        eprintln!("demo loaded in {:.1}s: {msg}", t.elapsed().as_secs_f64());
    }
    Ok(store)
}

/// Every village-level code under `root`, sorted.
pub async fn villages(store: &Store, root: &str) -> Result<Vec<String>> {
    let sys = Ctx::system();
    let mut villages = Vec::new();
    let mut stack = vec![root.to_string()];
    while let Some(code) = stack.pop() {
        let mut page = 1;
        loop {
            let kids = store
                .region_children(&sys, &code, PageReq::new(Some(page), Some(200)))
                .await?;
            for r in &kids.items {
                if r.level == "village" {
                    villages.push(r.code.clone());
                } else {
                    stack.push(r.code.clone());
                }
            }
            if !kids.has_more {
                break;
            }
            page += 1;
        }
    }
    villages.sort();
    Ok(villages)
}

/// Logs in as a demo account; returns the session cookie and the CSRF token.
pub fn login(agent: &ureq::Agent, url: &str, user: &str) -> Result<(String, String)> {
    let mut resp = agent
        .post(&format!("{url}/api/v1/auth/login"))
        .send_json(serde_json::json!({"username": user, "password": crate::demo::PASSWORD}))?;
    if resp.status() != 200 {
        bail!("login as {user} failed: {}", resp.status());
    }
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow!("no session cookie"))?
        .to_string();
    let me: serde_json::Value = resp.body_mut().read_json()?;
    let csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
    Ok((cookie, csrf))
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn lookup(url: &str, sample: &std::path::Path, requests: usize) -> Result<()> {
    let text = std::fs::read_to_string(sample).context("reading the sample")?;
    let pairs: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    if pairs.is_empty() {
        bail!("empty sample");
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let (cookie, _) = login(&agent, url, "city_leader")?;
    let run = |label: &str, path: &dyn Fn(usize) -> String| -> Result<()> {
        // Warm up, then measure.
        for i in 0..50.min(requests) {
            agent
                .get(&format!("{url}{}", path(i)))
                .header("Cookie", &cookie)
                .call()?;
        }
        let mut ms = Vec::with_capacity(requests);
        let mut hits = 0;
        for i in 0..requests {
            let t = Instant::now();
            let mut r = agent
                .get(&format!("{url}{}", path(i)))
                .header("Cookie", &cookie)
                .call()?;
            let body = r.body_mut().read_to_string()?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            if r.status() != 200 {
                bail!("{label}: HTTP {} {body}", r.status());
            }
            if body.contains("\"id\":") {
                hits += 1;
            }
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{label}: n={requests} hits={hits} p50={:.2}ms p95={:.2}ms p99={:.2}ms max={:.2}ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.95),
            percentile(&ms, 0.99),
            ms[ms.len() - 1]
        );
        Ok(())
    };
    run("id_number lookup", &|i| {
        format!("/api/v1/persons?id_number={}", pairs[i % pairs.len()].0)
    })?;
    run("name search (2 chars, first page)", &|i| {
        let frag = pairs[(i * 7919) % pairs.len()].1;
        format!("/api/v1/persons?q={}", urlencode(frag))
    })?;
    Ok(())
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
