//! `tongchou`: the one binary. See `tongchou help`.

mod bench;
mod bench_cases;
mod demo;
mod demo_history;
mod demo_map;

use anyhow::{Context, Result, anyhow, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tongchou_store::{Store, regions_csv};
use tongchou_web::{AppState, Config};

const HELP: &str = "\
tongchou — 统筹 urban–rural integrated grassroots governance

USAGE:
  tongchou serve [--data-dir DIR] [--listen ADDR] [--database-url URL] [--demo]
                 [--sweep-seconds N] [--public-rate N] [--secure-cookies]
                 [--header-timeout S] [--body-timeout S] [--write-timeout S] [--request-timeout S]
                 [--max-connections N] [--per-client-connections N] [--trusted-proxy NET ...]
                 [--session-hours H] [--max-upload-mb M] [--lockout-after N]
                 [--lockout-seconds S] [--login-failures-per-client N]
                 [--log-format text|json] [--metrics-allow NET ...] [--utc-offset +08:00]
                 [--tile-url URL] [--tile-attribution TEXT] [--tile-subdomains abc]
  tongchou demo [--data-dir DIR] [--database-url URL]      load the demo into an empty database
  tongchou import regions DIR [--data-dir DIR] [--database-url URL]
  tongchou user create --username U --password P --role ROLE --scope CODE [--name NAME] [--grid GRID] [--unit UNIT_ID]
  tongchou user reset --username U --password P
  tongchou apikey create --name N [--scope CODE]            prints a new Open311 API key
  tongchou migrate [--data-dir DIR] [--database-url URL]
  tongchou backup FILE [--data-dir DIR]                    consistent copy, safe while serving
  tongchou restore FILE [--data-dir DIR]                   into an empty data dir
  tongchou assess recount [--region CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--fix]
                 [--data-dir DIR] [--database-url URL]     recounts the assessment's facts from
                                                           the events; prints every difference
  tongchou assess warn --month YYYY-MM [--data-dir DIR]    issues a finished month's warnings
  tongchou bench ...                                        see bench/README.md

Defaults: --data-dir ./tongchou-data (SQLite file tongchou.db inside), --listen 127.0.0.1:8080,
--sweep-seconds 60 (escalation timer; 0 turns it off), --public-rate 60 (public requests per
minute and client address), --header-timeout 10, --body-timeout 30, --write-timeout 30 (an answer
the client leaves unread), --request-timeout 120,
--max-connections (open-file limit less 128), --per-client-connections 256, --session-hours 8,
--max-upload-mb 10, --lockout-after 5 (failed logins), --lockout-seconds 900,
--login-failures-per-client 30 (then held back 1 min, doubling up to 64 min), --utc-offset +08:00
(the one time zone of case numbers, calendar days, timelines and reports), --log-format text
(one line per request; json for log collectors), --metrics-allow 127.0.0.0/8 and ::1 (who may
read /metrics), --tile-url none (the maps' base layer, a template such as
https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY with
--tile-subdomains 01234567; with none the maps draw boundaries on a plain background).
--trusted-proxy 10.0.0.1 (or a network, repeatable; also TONGCHOU_TRUSTED_PROXIES, comma list):
take the client address from that proxy's X-Forwarded-For. --secure-cookies behind HTTPS.
--database-url postgres://user@host/db selects PostgreSQL (also TONGCHOU_DATABASE_URL).
Roles: resident grid_worker agent dispatcher handler leader party_officer admin.
";

pub const DB_FILE: &str = "tongchou.db";

struct Common {
    data_dir: PathBuf,
    database_url: Option<String>,
}

impl Common {
    fn from(args: &mut pico_args::Arguments) -> Result<Common> {
        let data_dir: PathBuf = args
            .opt_value_from_str("--data-dir")?
            .unwrap_or_else(|| PathBuf::from("tongchou-data"));
        let database_url = args
            .opt_value_from_str("--database-url")?
            .or_else(|| std::env::var("TONGCHOU_DATABASE_URL").ok());
        Ok(Common {
            data_dir,
            database_url,
        })
    }

    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join(DB_FILE).display()))
    }

    /// Holds `tongchou.lock` in the data directory while a server runs on its SQLite file: a
    /// second server on the same directory would write the same database beside the first.
    fn lock_data_dir(&self) -> Result<Option<std::fs::File>> {
        if self.database_url.is_some() {
            return Ok(None);
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let path = self.data_dir.join("tongchou.lock");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                use std::io::Write;
                file.set_len(0)?;
                writeln!(file, "{}", std::process::id())?;
                Ok(Some(file))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                bail!(
                    "another tongchou server (process {}) is using {}; stop it first, or give this \
                     one its own --data-dir",
                    pid.trim(),
                    self.data_dir.display()
                )
            }
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }

    async fn open(&self) -> Result<Store> {
        let store = tongchou_store::open(&self.url())
            .await
            .with_context(|| format!("opening {}", self.url()))?;
        store.migrate().await.context("migrating the database")?;
        Ok(store)
    }
}

/// Who acts from the console: the system's reach, named after the operating-system user so the
/// audit log tells console work apart.
fn cli_ctx() -> tongchou_store::Ctx {
    tongchou_store::Ctx {
        username: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "console".into())
        ),
        ..tongchou_store::Ctx::system()
    }
}

fn finish(args: pico_args::Arguments) -> Result<()> {
    let rest = args.finish();
    if !rest.is_empty() {
        bail!("unexpected arguments: {rest:?}\n\n{HELP}");
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let mut args = pico_args::Arguments::from_env();
    let cmd = args.subcommand()?.unwrap_or_else(|| "help".into());
    match cmd.as_str() {
        "serve" => {
            let c = Common::from(&mut args)?;
            let listen: SocketAddr = args
                .opt_value_from_str("--listen")?
                .unwrap_or_else(|| "127.0.0.1:8080".parse().expect("addr"));
            let demo = args.contains("--demo");
            // One time zone for case numbers, calendar days, timelines and reports.
            if let Some(s) = args.opt_value_from_str::<_, String>("--utc-offset")? {
                let minutes = tongchou_domain::date::parse_utc_offset(&s).ok_or_else(|| {
                    anyhow!("--utc-offset: expected ±HH:MM (e.g. +08:00), got {s:?}")
                })?;
                tongchou_domain::date::set_utc_offset_minutes(minutes)
                    .map_err(|e| anyhow!("--utc-offset: {e}"))?;
            }
            let mut config = Config::default();
            if let Some(url) = args.opt_value_from_str::<_, String>("--tile-url")? {
                let attribution: Option<String> = args.opt_value_from_str("--tile-attribution")?;
                let subdomains: Option<String> = args.opt_value_from_str("--tile-subdomains")?;
                config.map = tongchou_web::territory::maps::MapConfig::with_tiles(
                    &url,
                    attribution.as_deref().unwrap_or(""),
                    subdomains.as_deref().unwrap_or(""),
                )
                .map_err(|e| anyhow!("--tile-url: {e}"))?;
            }
            if let Some(n) = args.opt_value_from_str::<_, u64>("--sweep-seconds")? {
                config.sweep_every_ms = n * 1000;
            }
            if let Some(n) = args.opt_value_from_str("--public-rate")? {
                config.public_per_minute = n;
            }
            config.secure_cookies = args.contains("--secure-cookies");
            let secs = |n: u64| std::time::Duration::from_secs(n.max(1));
            if let Some(n) = args.opt_value_from_str("--header-timeout")? {
                config.header_timeout = secs(n);
            }
            if let Some(n) = args.opt_value_from_str("--body-timeout")? {
                config.body_timeout = secs(n);
            }
            if let Some(n) = args.opt_value_from_str("--write-timeout")? {
                config.write_timeout = secs(n);
            }
            if let Some(n) = args.opt_value_from_str("--request-timeout")? {
                config.request_timeout = secs(n);
            }
            if let Some(n) = args.opt_value_from_str::<_, usize>("--max-connections")? {
                config.max_connections = n.max(1);
            }
            if let Some(n) = args.opt_value_from_str::<_, usize>("--per-client-connections")? {
                config.per_client_connections = n.max(1);
            }
            if let Some(n) = args.opt_value_from_str::<_, i32>("--lockout-after")? {
                config.lock_after = n.max(1);
            }
            if let Some(n) = args.opt_value_from_str::<_, i64>("--lockout-seconds")? {
                config.lock_ms = n.max(1) * 1000;
            }
            if let Some(n) = args.opt_value_from_str::<_, u32>("--login-failures-per-client")? {
                config.login_failures_per_client = n.max(1);
            }
            if let Some(n) = args.opt_value_from_str::<_, i64>("--session-hours")? {
                config.session_ttl_ms = n.max(1) * 3_600_000;
            }
            if let Some(n) = args.opt_value_from_str::<_, usize>("--max-upload-mb")? {
                config.max_upload = n.max(1) << 20;
            }
            let json_log = match args
                .opt_value_from_str::<_, String>("--log-format")?
                .as_deref()
            {
                None | Some("text") => false,
                Some("json") => true,
                Some(other) => bail!("--log-format {other}: use text or json"),
            };
            let allow: Vec<String> = args.values_from_str("--metrics-allow")?;
            if !allow.is_empty() {
                config.metrics_allow = allow
                    .iter()
                    .map(|n| {
                        tongchou_web::net::Net::parse(n).ok_or_else(|| {
                            anyhow!("--metrics-allow {n}: not an address or network")
                        })
                    })
                    .collect::<Result<_>>()?;
            }
            let mut proxies: Vec<String> = args.values_from_str("--trusted-proxy")?;
            if let Ok(env) = std::env::var("TONGCHOU_TRUSTED_PROXIES") {
                proxies.extend(
                    env.split(',')
                        .map(str::to_string)
                        .filter(|p| !p.trim().is_empty()),
                );
            }
            for p in proxies {
                config
                    .trusted_proxies
                    .push(tongchou_web::net::Net::parse(&p).ok_or_else(|| {
                        anyhow!("--trusted-proxy {p}: not an address or network")
                    })?);
            }
            finish(args)?;
            tongchou_web::observe::init_logging(json_log);
            let _lock = c.lock_data_dir()?;
            let store = c.open().await?;
            if demo && store.is_empty().await? {
                let t = std::time::Instant::now();
                let n = demo::load(&store).await?;
                tracing::info!("demo loaded in {:.1}s: {n}", t.elapsed().as_secs_f64());
            }
            // Test harnesses set TONGCHOU_STOP_ON_STDIN_EOF=1 so a server never outlives them.
            // A detached thread (not spawn_blocking, which the runtime would wait for at exit)
            // watches stdin.
            let stdin_closed = (std::env::var("TONGCHOU_STOP_ON_STDIN_EOF").as_deref() == Ok("1"))
                .then(|| {
                    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
                        let _ = tx.send(());
                    });
                    rx
                });
            let stop = async move {
                match stdin_closed {
                    Some(rx) => {
                        let _ = rx.await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tongchou_web::serve(AppState::new(store, config), listen, stop).await?;
        }
        "demo" => {
            let c = Common::from(&mut args)?;
            finish(args)?;
            let store = c.open().await?;
            if !store.is_empty().await? {
                bail!("the database already has data; the demo loads only into an empty one");
            }
            let t = std::time::Instant::now();
            let n = demo::load(&store).await?;
            println!("demo loaded in {:.1}s: {n}", t.elapsed().as_secs_f64());
        }
        "import" => {
            let what: String = args
                .free_from_str()
                .map_err(|_| anyhow!("usage: tongchou import regions DIR"))?;
            if what != "regions" {
                bail!(
                    "only `tongchou import regions DIR` is a command; persons and households are imported in the web UI or through POST /api/v1/import/{{persons,households}}"
                );
            }
            let c = Common::from(&mut args)?;
            let dir: PathBuf = args
                .free_from_str()
                .map_err(|_| anyhow!("usage: tongchou import regions DIR"))?;
            finish(args)?;
            let store = c.open().await?;
            let (n, merged) = import_regions(&store, &dir).await?;
            println!(
                "imported {n} regions ({merged} placeholder rows are their parent and were folded into it)"
            );
        }
        "apikey" => {
            let sub: String = args
                .free_from_str()
                .map_err(|_| anyhow!("usage: tongchou apikey create --name N [--scope CODE]"))?;
            if sub != "create" {
                bail!("usage: tongchou apikey create --name N [--scope CODE]");
            }
            let c = Common::from(&mut args)?;
            let name: String = args.value_from_str("--name")?;
            let scope: Option<String> = args.opt_value_from_str("--scope")?;
            finish(args)?;
            let store = c.open().await?;
            let scope = match scope {
                Some(s) => tongchou_domain::RegionCode::parse_field("scope", &s)
                    .map_err(|e| anyhow!(e.message()))?
                    .as_str()
                    .to_string(),
                None => store
                    .top_regions()
                    .await?
                    .first()
                    .map(|r| r.code.clone())
                    .ok_or_else(|| {
                        anyhow!("no regions yet: import regions or load the demo first")
                    })?,
            };
            let sys = tongchou_store::Ctx::system();
            store
                .get_region(&sys, &scope)
                .await
                .map_err(|_| anyhow!("scope {scope} is not a known region"))?;
            let key = tongchou_web::auth::random_token();
            let row = store
                .create_api_key(&sys, &name, &scope, &tongchou_web::auth::token_hash(&key))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            eprintln!(
                "created API key {:?} (scope {}); it is shown only now:",
                row.name, row.scope_code
            );
            println!("{key}");
        }
        "user" => {
            let sub: String = args
                .free_from_str()
                .map_err(|_| anyhow!("usage: tongchou user create|reset ..."))?;
            let c = Common::from(&mut args)?;
            let username: String = args.value_from_str("--username")?;
            let password: String = args.value_from_str("--password")?;
            let store;
            match sub.as_str() {
                "create" => {
                    let input = tongchou_web::accounts::UserIn {
                        username,
                        display_name: args.opt_value_from_str("--name")?.unwrap_or_default(),
                        password,
                        role: args.value_from_str("--role")?,
                        scope: args.value_from_str("--scope")?,
                        grid_code: args.opt_value_from_str("--grid")?.unwrap_or_default(),
                        unit_id: args.opt_value_from_str("--unit")?,
                    };
                    finish(args)?;
                    let u = tongchou_web::accounts::validate_user(&input)
                        .map_err(|e| anyhow!(e.message()))?;
                    store = c.open().await?;
                    let scope = tongchou_store::Ctx::system();
                    store
                        .get_region(&scope, &u.scope_code)
                        .await
                        .map_err(|_| anyhow!("scope {} is not a known region", u.scope_code))?;
                    let u = store
                        .create_user(&cli_ctx(), &u)
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                    println!(
                        "created {} ({}, scope {})",
                        u.username, u.role, u.scope_code
                    );
                }
                "reset" => {
                    finish(args)?;
                    tongchou_web::auth::check_password_policy(&password)
                        .map_err(|e| anyhow!(e.message()))?;
                    store = c.open().await?;
                    store
                        .set_password(
                            &cli_ctx(),
                            &username,
                            &tongchou_web::auth::hash_password(&password),
                        )
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                    println!(
                        "password of {username} reset; its sessions ended and its lockout cleared"
                    );
                }
                other => bail!("unknown `user {other}`: use create or reset"),
            }
        }
        "migrate" => {
            let c = Common::from(&mut args)?;
            finish(args)?;
            let store = c.open().await?;
            println!("{} database is up to date", store.backend());
        }
        "backup" => {
            let c = Common::from(&mut args)?;
            let file: PathBuf = args
                .free_from_str()
                .map_err(|_| anyhow!("usage: tongchou backup FILE"))?;
            finish(args)?;
            let store = c.open().await?;
            store.backup(&file).await?;
            println!("backup written to {}", file.display());
        }
        "restore" => {
            let c = Common::from(&mut args)?;
            let file: PathBuf = args
                .free_from_str()
                .map_err(|_| anyhow!("usage: tongchou restore FILE"))?;
            finish(args)?;
            restore(&c, &file).await?;
        }
        "assess" => assess(args).await?,
        "bench" => bench::run(args).await?,
        "help" | "--help" | "-h" => print!("{HELP}"),
        other => bail!("unknown command {other:?}\n\n{HELP}"),
    }
    Ok(())
}

/// `tongchou assess warn --month 2026-10`: issues a finished month's red/yellow/blue warnings
/// (the sweep does it for the month just ended; a region keeps the warning it has).
async fn assess_warn(mut args: pico_args::Arguments) -> Result<()> {
    let c = Common::from(&mut args)?;
    let month: String = args
        .value_from_str("--month")
        .map_err(|_| anyhow!("usage: tongchou assess warn --month YYYY-MM"))?;
    finish(args)?;
    let month = tongchou_domain::assess::period::Period::parse(&month)
        .map_err(|e| anyhow!("--month: {}", e.message()))?;
    let store = c.open().await?;
    let out = store
        .issue_warnings(&month, tongchou_store::now_ms())
        .await?;
    println!(
        "{}: {} regions judged, {} warnings issued",
        out.month, out.regions, out.issued
    );
    Ok(())
}

/// `tongchou assess recount`: exits with 1 when the live counts differ and were not repaired
/// (`--fix`), so a cron job or CI notices.
async fn assess(mut args: pico_args::Arguments) -> Result<()> {
    let what: String = args
        .free_from_str()
        .map_err(|_| anyhow!("usage: tongchou assess recount|warn ..."))?;
    if what == "warn" {
        return assess_warn(args).await;
    }
    if what != "recount" {
        bail!("unknown assess command {what:?}: try `tongchou assess recount` or `warn`");
    }
    let c = Common::from(&mut args)?;
    let day = |flag: &str, v: Option<String>| -> Result<Option<i64>> {
        v.map(|d| {
            tongchou_domain::calendar::day_of(&d)
                .ok_or_else(|| anyhow!("{flag} {d:?}: expected a date such as 2026-11-01"))
        })
        .transpose()
    };
    let r = tongchou_store::RecountRequest {
        region: args.opt_value_from_str("--region")?,
        from_day: day("--from", args.opt_value_from_str("--from")?)?,
        to_day: day("--to", args.opt_value_from_str("--to")?)?,
        fix: args.contains("--fix"),
    };
    finish(args)?;
    let store = c.open().await?;
    let started = std::time::Instant::now();
    let out = store.recount(&r).await?;
    for d in &out.differences {
        println!(
            "{} {} {}: counted {}, recounted {}",
            d.scope, d.day, d.fact, d.counted, d.recounted
        );
    }
    println!(
        "recounted {} cases ({} events, {} keys) in {:.1} s: {} differences, {} cases with wrong overdue flags{}",
        out.cases,
        out.events,
        out.keys,
        started.elapsed().as_secs_f64(),
        out.differences.len(),
        out.cases_flagged_wrong,
        if out.fixed { "; repaired" } else { "" }
    );
    if !out.fixed && (!out.differences.is_empty() || out.cases_flagged_wrong > 0) {
        std::process::exit(1);
    }
    Ok(())
}

/// Imports a division directory; returns (stored rows, placeholder rows folded into their parent).
pub async fn import_regions(store: &Store, dir: &Path) -> Result<(u64, usize)> {
    let read = match regions_csv::read_dir(dir) {
        Ok(read) => read,
        Err(regions_csv::ReadError::Io(e)) => bail!(e),
        Err(regions_csv::ReadError::Rows(errs)) => {
            let mut msg = format!("{} bad rows, nothing imported:\n", errs.len());
            for e in errs.iter().take(50) {
                msg.push_str(&format!("  row {} {}: {}\n", e.row, e.column, e.reason));
            }
            bail!(msg);
        }
    };
    Ok((store.upsert_regions(&read.rows).await?, read.merged))
}

async fn restore(c: &Common, file: &Path) -> Result<()> {
    if c.database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        bail!("restore of PostgreSQL is done with pg_restore/psql");
    }
    let target = c.data_dir.join(DB_FILE);
    if target.exists() {
        bail!(
            "{} already exists: restore only into an empty data dir",
            target.display()
        );
    }
    let mut magic = [0u8; 16];
    use std::io::Read;
    std::fs::File::open(file)
        .with_context(|| format!("opening {}", file.display()))?
        .read_exact(&mut magic)
        .context("the backup is too short to be a database")?;
    if &magic != b"SQLite format 3\0" {
        bail!("{} is not a SQLite database", file.display());
    }
    std::fs::create_dir_all(&c.data_dir)?;
    let tmp = c.data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(file, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &target)?;
    let store = c.open().await?;
    store
        .is_empty()
        .await
        .context("the backup is not a Tongchou database")?;
    println!(
        "restored into {} ({} database)",
        target.display(),
        store.backend()
    );
    Ok(())
}
