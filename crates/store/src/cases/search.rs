//! Queues, filters and full-text search over cases, and similar open cases for a new report.

use crate::prelude::*;

/// Dynamic SQL with numbered parameters: each call adds a value and answers its `$N`.
#[derive(Default)]
pub(crate) struct SearchArgs(Vec<SearchArg>);

pub(crate) enum SearchArg {
    Text(String),
    Int(i64),
}

impl SearchArgs {
    pub(crate) fn push(&mut self, a: SearchArg) -> String {
        self.0.push(a);
        format!("${}", self.0.len())
    }
    pub(crate) fn text(&mut self, v: impl Into<String>) -> String {
        self.push(SearchArg::Text(v.into()))
    }
    pub(crate) fn int(&mut self, v: i64) -> String {
        self.push(SearchArg::Int(v))
    }
    pub(crate) fn bind<'q, O: DbRow>(&'q self, mut q: QueryAs<'q, O>) -> QueryAs<'q, O> {
        for a in &self.0 {
            q = match a {
                SearchArg::Text(t) => q.bind(t),
                SearchArg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) async fn list_cases_impl(
        &self,
        ctx: &Ctx,
        f: &CaseFilter,
        page: PageReq,
    ) -> StoreResult<Page<Case>> {
        let now = now_ms();
        let mut scope = ctx.scope.clone();
        if !f.region.trim().is_empty() {
            scope = scope.narrow(&RegionCode::parse_field("region", f.region.trim())?.scope());
        }
        let mut args = SearchArgs::default();
        // The region: when the scope is one region's subtree, an equality on the column of its
        // level, so that (state, column, id) indexes give a page in id order; else a range.
        let mut extra = String::new();
        if Scope::of_prefix(&scope.lo) == scope && scope.lo.is_empty() {
            // Everything: no condition.
        } else if Scope::of_prefix(&scope.lo) == scope && matches!(scope.lo.len(), 6 | 9 | 12) {
            let column = match scope.lo.len() {
                6 => "county_code",
                9 => "township_code",
                _ => "region_code",
            };
            extra.push_str(&format!(" AND c.{column} = {}", args.text(&scope.lo)));
        } else {
            extra.push_str(&format!(
                " AND c.region_code >= {} AND c.region_code < {}",
                args.text(&scope.lo),
                args.text(&scope.hi)
            ));
        }
        let mut states: Vec<State> = Vec::new();
        for s in f.state.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            states.push(State::parse(s).ok_or_else(|| {
                Invalid::new(
                    "state",
                    "invalid_state",
                    "未知的状态",
                    "is not a known state",
                )
            })?);
        }
        // `status` is a comma list of `open` and `closed` (both: no filter).
        let mut open_closed = (false, false);
        for st in f.status.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match st {
                "open" => open_closed.0 = true,
                "closed" => open_closed.1 = true,
                _ => {
                    return Err(Invalid::new(
                        "status",
                        "invalid_status",
                        "应为 open 或 closed",
                        "must be open or closed",
                    )
                    .into());
                }
            }
        }
        let by_status: Option<Vec<State>> = match open_closed {
            (true, false) => Some(State::ALL.into_iter().filter(|s| s.is_open()).collect()),
            (false, true) => Some(vec![State::Closed, State::Rejected]),
            _ => None,
        };
        if let Some(allowed) = by_status {
            states = if states.is_empty() {
                allowed
            } else {
                states.into_iter().filter(|s| allowed.contains(s)).collect()
            };
            if states.is_empty() {
                return Ok(Page::from_rows(Vec::new(), page));
            }
        }
        // `category` is a comma list of 大类 (two digits: all their 小类) and 小类 codes.
        let cats: Vec<String> = f
            .category
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|cat| {
                if cat.len() == 2 {
                    format!(
                        "(c.category_code >= {} AND c.category_code < {})",
                        args.text(format!("{cat}00")),
                        args.text(format!("{cat}99~"))
                    )
                } else {
                    format!("c.category_code = {}", args.text(cat))
                }
            })
            .collect();
        if !cats.is_empty() {
            extra.push_str(&format!(" AND ({})", cats.join(" OR ")));
        }
        if !f.grid_code.trim().is_empty() {
            extra.push_str(&format!(
                " AND c.grid_code = {}",
                args.text(f.grid_code.trim())
            ));
        }
        if f.overdue {
            extra.push_str(&format!(" AND c.deadline_at < {}", args.int(now)));
        }
        if f.supervised {
            extra.push_str(" AND c.supervised_by IS NOT NULL");
        }
        let numbers: Vec<&str> = f
            .numbers
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(200)
            .collect();
        if !numbers.is_empty() {
            let ps: Vec<String> = numbers.iter().map(|n| args.text(*n)).collect();
            extra.push_str(&format!(" AND c.number IN ({})", ps.join(",")));
        }
        if let Some(t) = f.created_from {
            extra.push_str(&format!(" AND c.created_at >= {}", args.int(t)));
        }
        if let Some(t) = f.created_to {
            extra.push_str(&format!(" AND c.created_at < {}", args.int(t)));
        }
        if f.mine {
            extra.push_str(&format!(
                " AND c.unit_id = {}",
                args.int(ctx.unit_id.unwrap_or(-1))
            ));
        }
        if !f.q.trim().is_empty() {
            let terms = search::query_terms(&f.q).ok_or_else(|| {
                Invalid::new(
                    "q",
                    "invalid_query",
                    "请输入要搜索的文字",
                    "has nothing to search for",
                )
            })?;
            extra.push_str(&format!(
                " AND c.id IN ({})",
                DB::CASE_SEARCH_IDS.replace("$1", &args.text(DB::case_search_expr(&terms)))
            ));
        }
        let limit = args.int(page.limit_plus_one());
        let offset = args.int(page.offset());
        let sql = if states.len() <= 1 {
            let state = match states.first() {
                Some(s) => format!(" AND c.state = {}", args.text(s.as_str())),
                None => String::new(),
            };
            format!(
                "SELECT {CASE_COLS} FROM cases c WHERE 1 = 1{state}{extra} \
                 ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}"
            )
        } else {
            // One index-ordered arm per state, each cut at the page's end, merged.
            let upto = args.int(page.offset() + page.limit_plus_one());
            let arms: Vec<String> = states
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    format!(
                        "SELECT id FROM (SELECT c.id FROM cases c WHERE c.state = {}{extra} \
                         ORDER BY c.id DESC LIMIT {upto}) AS a{i}",
                        args.text(s.as_str())
                    )
                })
                .collect();
            format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.id IN ({}) \
                 ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}",
                arms.join(" UNION ALL ")
            )
        };
        let q = args.bind(query_as::<Case>(AssertSqlSafe(sql)));
        let rows = q.fetch_all(&self.pool).await?;
        Ok(Page::from_rows(rows, page).map(|c| c.with_light(now)))
    }
}

/// Lists and searches.
pub trait CaseSearchStorage: Send + Sync {
    fn list_cases<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a CaseFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Case>>;
    /// Open cases of the same 小类 filed in the last `SIMILAR_WINDOW_DAYS` in the same grid or
    /// village, or within `SIMILAR_RADIUS_DEG` in the same township; merged ones are left out.
    fn similar_cases<'a>(&'a self, ctx: &'a Ctx, q: &'a SimilarQuery) -> BoxFut<'a, Vec<Case>>;
}

impl<DB: Backend> CaseSearchStorage for SqlStore<DB> {
    fn list_cases<'a>(
        &'a self,
        ctx: &'a Ctx,
        f: &'a CaseFilter,
        page: PageReq,
    ) -> BoxFut<'a, Page<Case>> {
        Box::pin(self.list_cases_impl(ctx, f, page))
    }

    fn similar_cases<'a>(&'a self, ctx: &'a Ctx, q: &'a SimilarQuery) -> BoxFut<'a, Vec<Case>> {
        Box::pin(async move {
            let now = now_ms();
            let region = q.region_code.trim();
            let region = if region.is_empty() {
                String::new()
            } else {
                RegionCode::parse_field("region_code", region)?
                    .as_str()
                    .to_string()
            };
            let grid = q.grid_code.trim();
            let township = match (region.get(..9), grid.get(..9)) {
                (Some(t), _) | (None, Some(t)) => t.to_string(),
                _ => String::new(),
            };
            let (lat, lng) = (q.lat.unwrap_or(f64::NAN), q.lng.unwrap_or(f64::NAN));
            let r = SIMILAR_RADIUS_DEG;
            let rows = query_as::<Case>(AssertSqlSafe(format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.category_code = $1 AND c.created_at >= $2 \
                 AND c.state NOT IN ('closed', 'rejected') AND c.duplicate_of IS NULL AND NOT (c.dispute AND $12) \
                 AND c.region_code >= $3 AND c.region_code < $4 \
                 AND (c.region_code = $5 OR c.grid_code = $6 OR (c.township_code = $7 \
                      AND c.lat BETWEEN $8 AND $9 AND c.lng BETWEEN $10 AND $11)) \
                 ORDER BY c.id DESC LIMIT 10"
            )))
            .bind(q.category_code.trim())
            .bind(now - SIMILAR_WINDOW_DAYS * tongchou_domain::calendar::DAY_MS)
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(&region)
            .bind(grid)
            .bind(&township)
            .bind(if lat.is_nan() { 1000.0 } else { lat - r })
            .bind(if lat.is_nan() { -1000.0 } else { lat + r })
            .bind(if lng.is_nan() { 1000.0 } else { lng - r })
            .bind(if lng.is_nan() { -1000.0 } else { lng + r })
            .bind(q.public)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(|c| c.with_light(now)).collect())
        })
    }
}
