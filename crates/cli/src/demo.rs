//! The built-in demo: the real 2023 hierarchy of 连云港市 (vendored under `data/lianyungang`),
//! departments, committees and service centers at every level, and — in 牛山街道 (urban) and
//! 白塔埠镇 (rural), both in 东海县 — grids, households and persons generated plausibly and
//! deterministically, with accounts for every role at city, county, township and village scope.

use anyhow::{Result, anyhow};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use tongchou_domain::{RegionCode, Role, grid, idcard};
use tongchou_store::*;

pub const PASSWORD: &str = "Demo@2026";
pub const CITY: &str = "320700000000";
pub const COUNTY: &str = "320722000000";
pub const URBAN_TOWNSHIP: &str = "320722001000"; // 牛山街道
pub const RURAL_TOWNSHIP: &str = "320722101000"; // 白塔埠镇
pub const VILLAGE: &str = "320722101200"; // 白塔村委会
pub const COMMUNITY: &str = "320722001001"; // 牛山社区居民委员会
/// How many communities of 牛山街道 get a population (all 16 villages of 白塔埠镇 do).
const URBAN_COMMUNITIES: usize = 8;

const FILES: [(&str, &str); 5] = [
    (
        "provinces.csv",
        include_str!("../../../data/lianyungang/provinces.csv"),
    ),
    (
        "cities.csv",
        include_str!("../../../data/lianyungang/cities.csv"),
    ),
    (
        "areas.csv",
        include_str!("../../../data/lianyungang/areas.csv"),
    ),
    (
        "streets.csv",
        include_str!("../../../data/lianyungang/streets.csv"),
    ),
    (
        "villages.csv",
        include_str!("../../../data/lianyungang/villages.csv"),
    ),
];

/// The demo accounts: (username, role, scope). Every role at each of the four levels, plus the
/// rural chain's names as shown in the README.
pub fn accounts() -> Vec<(String, Role, &'static str)> {
    let mut out = vec![("admin".to_string(), Role::Admin, "320000000000")];
    for (prefix, scope) in [
        ("city", CITY),
        ("county", COUNTY),
        ("town", RURAL_TOWNSHIP),
        ("village", VILLAGE),
    ] {
        for role in Role::ALL {
            out.push((format!("{prefix}_{}", role.as_str()), role, scope));
        }
    }
    for role in [Role::Admin, Role::Leader, Role::Dispatcher, Role::Agent] {
        out.push((format!("street_{}", role.as_str()), role, URBAN_TOWNSHIP));
    }
    out.push(("community_grid_worker".into(), Role::GridWorker, COMMUNITY));
    out
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚",
    "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史",
    "顾", "侯", "邵", "孟", "龙", "万", "段", "葛", "武", "乔",
];
const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "建国", "建军",
    "国庆", "志强", "海涛", "永刚", "子轩", "浩然", "宇航", "俊杰", "文博", "家豪", "天佑", "博文",
    "明轩", "小明", "春生", "德华", "长江", "立新", "卫东",
];
const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "桂英", "秀英", "秀兰", "玉兰",
    "红梅", "丽娟", "婷", "雪", "倩", "慧", "颖", "琳", "欣怡", "梓涵", "诗涵", "雨萱", "佳怡",
    "子涵", "思雨", "梦琪", "晓燕", "春梅", "海燕", "淑珍", "凤英", "美玲", "小红", "雅婷", "若曦",
    "一诺",
];
const ESTATES: &[&str] = &[
    "和平小区",
    "幸福家园",
    "阳光花园",
    "牛山新村",
    "富康苑",
    "锦绣华庭",
    "水晶城",
    "东方名苑",
];
const GROUPS: &[&str] = &[
    "一组",
    "二组",
    "三组",
    "四组",
    "五组",
    "六组",
    "七组",
    "八组",
    "九组",
    "十组",
    "十一组",
    "十二组",
];
/// Birth places of floating residents (area codes of other counties).
const ELSEWHERE: &[&str] = &["341322", "370826", "320321", "321323", "410526", "340321"];

struct Gen {
    rng: StdRng,
    ids: HashSet<String>,
}

impl Gen {
    fn name(&mut self, surname: &str, male: bool) -> String {
        let pool = if male { MALE } else { FEMALE };
        format!("{surname}{}", pool[self.rng.random_range(0..pool.len())])
    }

    fn surname(&mut self) -> &'static str {
        // Common surnames are much more common: square the draw toward the front of the list.
        let x: f64 = self.rng.random();
        SURNAMES[((x * x) * SURNAMES.len() as f64) as usize]
    }

    fn phone(&mut self) -> String {
        const PREFIX: &[&str] = &[
            "138", "139", "137", "150", "151", "152", "157", "158", "159", "182", "187", "188",
            "135", "136",
        ];
        format!(
            "{}{:08}",
            PREFIX[self.rng.random_range(0..PREFIX.len())],
            self.rng.random_range(0..100_000_000u32)
        )
    }

    /// A valid, unique ID number for someone born in `year`.
    fn id_number(&mut self, area: &str, year: i32, male: bool) -> (String, String) {
        loop {
            // The demo is dated 2026-11: nobody is born after October 2026.
            let year = year.min(2026);
            let last_month = if year == 2026 { 10 } else { 12 };
            let m = self.rng.random_range(1..=last_month);
            let d = self
                .rng
                .random_range(1..=idcard::days_in_month(year as u32, m));
            let birth = format!("{year:04}{m:02}{d:02}");
            let mut seq = self.rng.random_range(0..500u32) * 2;
            if male {
                seq += 1;
            }
            let id = idcard::build(area, &birth, seq);
            if self.ids.insert(id.clone()) {
                return (id, format!("{year:04}-{m:02}-{d:02}"));
            }
        }
    }
}

struct Member {
    name: String,
    male: bool,
    year: i32,
    relation: &'static str,
}

/// A household's members: a head with spouse, children, sometimes a parent or grandchildren.
fn family(g: &mut Gen, rural: bool) -> Vec<Member> {
    let this_year = 2026;
    let size_draw: u32 = g.rng.random_range(0..100);
    let size: usize = match size_draw {
        0..15 => 1,
        15..40 => 2,
        40..70 => 3,
        70..88 => 4,
        88..97 => 5,
        _ => 6,
    };
    let surname = g.surname();
    let head_male = g.rng.random_bool(if rural { 0.8 } else { 0.7 });
    let head_age: i32 = if size == 1 {
        g.rng.random_range(22..90)
    } else {
        g.rng.random_range(26..80)
    };
    let head_year = this_year - head_age;
    let mut out = vec![Member {
        name: g.name(surname, head_male),
        male: head_male,
        year: head_year,
        relation: "户主",
    }];
    if size >= 2 {
        let sp = g.surname();
        let year = (head_year + g.rng.random_range(-4..5)).min(this_year - 20);
        out.push(Member {
            name: g.name(sp, !head_male),
            male: !head_male,
            year,
            relation: "配偶",
        });
    }
    let mut left = size.saturating_sub(2);
    if left > 0 && head_age < 60 && g.rng.random_bool(0.35) {
        let year = head_year - g.rng.random_range(22..32);
        if this_year - year < 95 {
            let male = g.rng.random_bool(0.4);
            let rel = if male { "父亲" } else { "母亲" };
            let parent_surname = if head_male { surname } else { g.surname() };
            out.push(Member {
                name: g.name(parent_surname, male),
                male,
                year,
                relation: rel,
            });
            left -= 1;
        }
    }
    for _ in 0..left {
        let male = g.rng.random_bool(0.52);
        let year = (head_year + g.rng.random_range(20..36)).min(this_year);
        let (rel, year) = if head_age >= 60 && g.rng.random_bool(0.5) {
            (
                if male { "孙子" } else { "孙女" },
                (year + 25).min(this_year),
            )
        } else {
            (if male { "子" } else { "女" }, year)
        };
        // Children take the father's surname: the head's, or the spouse's when the head is a woman.
        let child_surname = if head_male || out.len() < 2 {
            surname.to_string()
        } else {
            out[1].name.chars().take(1).collect()
        };
        out.push(Member {
            name: g.name(&child_surname, male),
            male,
            year,
            relation: rel,
        });
    }
    out
}

fn grid_worker_name(g: &mut Gen) -> String {
    let s = g.surname();
    let male = g.rng.random_bool(0.4);
    g.name(s, male)
}

pub async fn load(store: &Store) -> Result<String> {
    let files: Vec<(&str, &[u8])> = FILES.iter().map(|(f, d)| (*f, d.as_bytes())).collect();
    let rows = regions_csv::read_files(&files)
        .map_err(|e| anyhow!("vendored division data is broken: {e:?}"))?
        .rows;
    let region_count = rows.len();
    store.upsert_regions(&rows).await?;

    let mut g = Gen {
        rng: StdRng::seed_from_u64(3207),
        ids: HashSet::new(),
    };
    load_units_and_centers(store, &rows, &mut g).await?;
    let days = parse_calendar(2026, CALENDAR_2026)
        .map_err(|e| anyhow!("vendored calendar is broken: {e:?}"))?;
    store.import_calendar(&Ctx::system(), 2026, &days).await?;

    let sys = Ctx::system();
    let mut villages: Vec<(String, String, bool)> = Vec::new();
    for (township, take) in [
        (URBAN_TOWNSHIP, URBAN_COMMUNITIES),
        (RURAL_TOWNSHIP, usize::MAX),
    ] {
        let kids = store
            .region_children(&sys, township, PageReq::new(Some(1), Some(200)))
            .await?;
        for r in kids.items.into_iter().take(take) {
            let rural = r.urban_rural.as_deref() == Some("rural");
            villages.push((r.code, r.name, rural));
        }
    }

    let (mut shapes, village_cells) = crate::demo_map::county_cells(store, COUNTY).await?;
    // Positions draw from their own stream, so the people generated stay as they were.
    let mut spot = StdRng::seed_from_u64(7022);
    let mut grids_made = 0;
    let mut households = Vec::new();
    let mut persons = Vec::new();
    let mut worker_accounts = Vec::new();
    for (vcode, vname, rural) in &villages {
        let village = RegionCode::parse(vcode)?;
        let grids_here = if *rural {
            g.rng.random_range(1..=3)
        } else {
            g.rng.random_range(2..=3)
        };
        let short = vname
            .trim_end_matches("居民委员会")
            .trim_end_matches("居委会")
            .trim_end_matches("村委会");
        let vcell = village_cells
            .get(vcode)
            .copied()
            .ok_or_else(|| anyhow!("no generated boundary for village {vcode}"))?;
        let grid_cells = crate::demo_map::split(vcell, grids_here as usize);
        for seq in 1..=grids_here {
            let cell = grid_cells[seq as usize - 1];
            let code = grid::code(&village, seq);
            let worker = grid_worker_name(&mut g);
            let worker_phone = g.phone();
            let input = GridInput {
                code: code.clone(),
                name: format!("{short}第{seq}网格"),
                worker_name: worker.clone(),
                worker_phone,
                leader_name: grid_worker_name(&mut g),
                ..Default::default()
            };
            store
                .create_grid(
                    &sys,
                    &NewGrid::validate(&input).map_err(|e| anyhow!(e.message()))?,
                )
                .await?;
            shapes.push(crate::demo_map::shape_of(&code, cell)?);
            grids_made += 1;
            worker_accounts.push((format!("gw_{code}"), worker, vcode.clone(), code.clone()));
            // Mostly within the size rule; about one grid in eight outside it, to show the warning.
            let n_households: u32 = match (*rural, g.rng.random_range(0..8)) {
                (true, 0) => g.rng.random_range(420..470),
                (true, _) => g.rng.random_range(240..360),
                (false, 0) => g.rng.random_range(520..560),
                (false, _) => g.rng.random_range(320..480),
            };
            for n in 0..n_households {
                let address = if *rural {
                    format!(
                        "{short}{}{}号",
                        GROUPS[(n / 45) as usize % GROUPS.len()],
                        n % 45 + 1
                    )
                } else {
                    let estate = ESTATES[(seq as usize + n as usize / 120) % ESTATES.len()];
                    format!(
                        "{short}{estate}{}栋{}单元{}室",
                        n / 24 + 1,
                        (n / 8) % 3 + 1,
                        (n % 8) / 2 * 100 + 101 + n % 2
                    )
                };
                let hid = new_id();
                let hphone = g.rng.random_bool(0.85).then(|| g.phone());
                let (lat, lng) =
                    crate::demo_map::point_in(cell, spot.random::<f64>(), spot.random::<f64>());
                households.push(Household {
                    id: hid,
                    county_code: vcode[..6].to_string(),
                    region_code: vcode.clone(),
                    grid_code: code.clone(),
                    address,
                    phone: hphone,
                    lat: Some(lat),
                    lng: Some(lng),
                    member_count: 0,
                    head_name: None,
                });
                let fam = family(&mut g, *rural);
                let elderly_only = fam.iter().all(|m| 2026 - m.year >= 60);
                let floating = g.rng.random_bool(if *rural { 0.05 } else { 0.12 });
                for m in fam {
                    let age = 2026 - m.year;
                    let area = if floating {
                        ELSEWHERE[g.rng.random_range(0..ELSEWHERE.len())]
                    } else {
                        "320722"
                    };
                    let (idn, birth) = g.id_number(area, m.year, m.male);
                    let mut tags = Vec::new();
                    if age >= 60 {
                        tags.push("60+");
                    }
                    if g.rng.random_bool(0.02) {
                        tags.push("disability");
                    }
                    if *rural && g.rng.random_bool(0.03) {
                        tags.push("dibao");
                    }
                    if elderly_only {
                        tags.push("empty_nest");
                    }
                    if *rural && age < 16 && g.rng.random_bool(0.15) {
                        tags.push("left_behind_child");
                    }
                    let residence = if floating {
                        "floating"
                    } else if g.rng.random_bool(if *rural { 0.1 } else { 0.2 }) {
                        "resident"
                    } else {
                        "registered"
                    };
                    persons.push(Person {
                        id: new_id(),
                        county_code: vcode[..6].to_string(),
                        household_id: hid,
                        region_code: vcode.clone(),
                        grid_code: code.clone(),
                        name: m.name,
                        id_number: idn,
                        birth_date: birth,
                        sex: if m.male {
                            "male".into()
                        } else {
                            "female".into()
                        },
                        phone: (age >= 18 && g.rng.random_bool(0.8)).then(|| g.phone()),
                        relation: m.relation.into(),
                        residence_type: residence.into(),
                        tags: tags.join(","),
                        created_at: 0,
                        updated_at: 0,
                    });
                }
            }
        }
    }
    store.import_shapes(&sys, &shapes, true).await?;
    // Registered half a year ago, as a county's registry would have been: every household is
    // due its first visit, so a grid worker's task list shows real work.
    let registered_at = now_ms() - 182 * tongchou_domain::calendar::DAY_MS;
    store
        .bulk_load(&households, &persons, registered_at)
        .await?;

    let mut n_accounts = 0;
    for (username, role, scope) in accounts() {
        let display = format!("{}（{}）", role.zh(), username);
        let unit_id = if role == Role::Handler {
            handler_unit(store, scope).await?
        } else {
            None
        };
        store
            .create_user(
                &Ctx::system(),
                &NewUser {
                    username,
                    display_name: display,
                    password_hash: tongchou_web::auth::hash_password(PASSWORD),
                    role,
                    scope_code: scope.into(),
                    grid_code: None,
                    unit_id,
                    must_change_password: false,
                },
            )
            .await?;
        n_accounts += 1;
    }
    for (username, name, village, grid_code) in worker_accounts {
        store
            .create_user(
                &Ctx::system(),
                &NewUser {
                    username,
                    display_name: name,
                    password_hash: tongchou_web::auth::hash_password(PASSWORD),
                    role: Role::GridWorker,
                    scope_code: village,
                    grid_code: Some(grid_code),
                    unit_id: None,
                    must_change_password: false,
                },
            )
            .await?;
        n_accounts += 1;
    }
    let history = crate::demo_history::load(store).await?;
    Ok(format!(
        "{region_count} regions, {grids_made} grids, {} households, {} persons, {n_accounts} accounts, {history}",
        households.len(),
        persons.len()
    ))
}

/// Per level: the departments every region of that level gets, its service center's name, and
/// whether that center meets all six of 六到位.
const LEVEL_UNITS: &[(&str, &[&str], &str, bool)] = &[
    (
        "city",
        &[
            "住房和城乡建设局",
            "城市管理局",
            "民政局",
            "人力资源和社会保障局",
            "农业农村局",
            "市场监督管理局",
            "生态环境局",
            "社会治理现代化指挥中心",
        ],
        "市政务服务中心",
        true,
    ),
    (
        "county",
        &[
            "住房和城乡建设局",
            "城市管理局",
            "民政局",
            "人力资源和社会保障局",
            "农业农村局",
            "社会治理现代化指挥中心",
        ],
        "政务服务中心",
        true,
    ),
    (
        "township",
        &["综治中心", "综合行政执法局", "社会事业服务中心"],
        "便民服务中心",
        false,
    ),
];

/// The unit a demo handler works for: the village committee; at a township its first department
/// (综治中心, where territorial routing sends township cases); above, the 城市管理局.
async fn handler_unit(store: &Store, scope: &str) -> Result<Option<i64>> {
    let units = store.list_units(&Ctx::system(), scope).await?;
    let pick = units
        .iter()
        .find(|u| u.kind == "committee" || u.name.ends_with("城市管理局"))
        .or(units.first());
    Ok(pick.map(|u| u.id))
}

/// The 2026 public holidays and swapped working days (国务院办公厅关于2026年部分节假日安排的通知).
pub const CALENDAR_2026: &str = include_str!("../../../data/calendar/2026.csv");

async fn load_units_and_centers(store: &Store, rows: &[RegionRow], g: &mut Gen) -> Result<()> {
    let mut units = Vec::new();
    let mut centers = Vec::new();
    let unit = |region: &str, name: String, kind: &str| Unit {
        id: new_id(),
        region_code: region.into(),
        name,
        kind: kind.into(),
    };
    for r in rows {
        let short = r.name.as_str();
        if r.level == "village" {
            units.push(unit(&r.code, short.to_string(), "committee"));
            centers.push(("便民服务站", r, false));
        } else if let Some((_, departments, center, complete)) =
            LEVEL_UNITS.iter().find(|(level, ..)| *level == r.level)
        {
            for d in *departments {
                units.push(unit(&r.code, format!("{short}{d}"), "department"));
            }
            centers.push((center, r, *complete));
        }
    }
    let centers: Vec<ServiceCenter> = centers
        .into_iter()
        .map(|(suffix, r, full)| {
            let mut flag = |p: f64| full || g.rng.random_bool(p);
            let name = r
                .name
                .trim_end_matches("居民委员会")
                .trim_end_matches("居委会")
                .trim_end_matches("村委会");
            ServiceCenter {
                id: new_id(),
                region_code: r.code.clone(),
                name: format!("{name}{suffix}"),
                level: r.level.into(),
                has_org: flag(0.97),
                has_staff: flag(0.92),
                has_funds: flag(0.85),
                has_venue: flag(0.95),
                has_rules: flag(0.9),
                has_work: flag(0.88),
            }
        })
        .collect();
    store.insert_units(&units).await?;
    store.insert_centers(&centers).await?;
    Ok(())
}
