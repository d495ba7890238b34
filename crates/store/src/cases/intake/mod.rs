//! Filing cases: checks, routing, numbering, the first event; writes go through the group
//! commit in `batch.rs`.

mod batch;

pub(crate) use batch::*;

use crate::prelude::*;
use tongchou_domain::error::Msg;

impl<DB: Backend> SqlStore<DB> {
    pub(crate) fn intake_queue(&self) -> &IntakeQueue {
        self.cases.intake.get_or_init(|| {
            IntakeQueue::start(self.writer.clone(), self.cases.intake_stats.clone())
        })
    }

    pub(crate) async fn create_case_tx(&self, ctx: &Ctx, n: &NewCase) -> StoreResult<Created> {
        let now = now_ms();
        // Everything that is only read (place, category, rules, units, calendar) is read before
        // the write transaction, which then holds SQLite's single writer for five statements.
        let mut tx = self.read_tx().await?;
        if let Some(key) = &n.key {
            let found: Option<(i64, Option<String>)> =
                query_as("SELECT case_id, fingerprint FROM idempotency_keys WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((id, fingerprint)) = found {
                if fingerprint.is_some_and(|f| f != n.fingerprint()) {
                    return Err(StoreError::key_reused());
                }
                let case = fetch_case(&mut tx, &Scope::all(), id).await?;
                tx.commit().await?;
                return Ok(Created {
                    case: case.with_light(now),
                    created: false,
                });
            }
        }
        // Where: a grid gives its village; a region must exist, be a county or below, and lie in
        // the caller's scope.
        let mut region_code = n.region_code.clone();
        if let Some(g) = &n.grid_code {
            let grid: Option<(String,)> = query_as("SELECT region_code FROM grids WHERE code = $1")
                .bind(g)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((gr,)) = grid else {
                return Err(Invalid::new(
                    "grid_code",
                    "unknown_grid",
                    "网格不存在",
                    "no such grid",
                )
                .into());
            };
            if region_code.as_ref().is_some_and(|r| *r != gr) {
                return Err(Invalid::new(
                    "region_code",
                    "grid_mismatch",
                    "与网格所属村/社区不一致",
                    "does not match the grid's village",
                )
                .into());
            }
            region_code = Some(gr);
        }
        let region_code = region_code.unwrap_or_default();
        let known: Option<(String, String)> =
            query_as("SELECT level, name FROM regions WHERE code = $1")
                .bind(&region_code)
                .fetch_optional(&mut *tx)
                .await?;
        let region_name = known.as_ref().map(|k| k.1.clone()).unwrap_or_default();
        let region_level = match known.as_ref().and_then(|(l, _)| Level::parse(l)) {
            Some(l @ (Level::County | Level::Township | Level::Village)) => l,
            Some(_) => {
                return Err(Invalid::new(
                    "region_code",
                    "region_too_high",
                    "请选择县级或以下的区划",
                    "must be a county, township or village",
                )
                .into());
            }
            None => {
                return Err(Invalid::new(
                    "region_code",
                    "unknown_region",
                    "区划不存在",
                    "no such region",
                )
                .into());
            }
        };
        if !ctx.scope.contains(&region_code) {
            return Err(Invalid::out_of_scope("region_code").into());
        }
        tx.commit().await?;
        let cat = self.catalog().await?;
        let category = match cat.category(&n.category_code, &region_code) {
            Some(k) if k.parent_code.is_some() && k.active => k,
            _ => {
                return Err(Invalid::new(
                    "category_code",
                    "unknown_category",
                    "小类不存在或已停用",
                    "no such active 小类",
                )
                .into());
            }
        };
        // Routing: the rules for the 小类, then the territory's units.
        let no_rules = Vec::new();
        let rules = cat.rules.get(&category.code).unwrap_or(&no_rules);
        let first_unit = |region: Option<String>, committee: bool| {
            region.and_then(|r| {
                cat.units
                    .get(&r)
                    .and_then(|us| us.iter().find(|u| !committee || u.1 == "committee"))
                    .map(|u| u.0)
            })
        };
        let territory = Territory {
            village_committee: first_unit(
                (region_level == Level::Village).then(|| region_code.clone()),
                true,
            ),
            township_unit: first_unit(
                (region_level != Level::County).then(|| code_at(&region_code, Level::Township)),
                false,
            ),
            county_dispatch: None,
        };
        let route = routing::route(rules, &category.code, &region_code, territory);
        let route_unit = route.unit_id();
        let route_by = match route {
            Route::Rule { .. } => "rule",
            Route::Village { .. } => "village",
            Route::Township { .. } => "township",
            Route::County { .. } | Route::Unrouted => "county",
        };
        // The desk: the routed unit's level, or the county (兜底).
        let (level, level_code) = match route_unit
            .and_then(|u| cat.unit_region.get(&u))
            .and_then(|r| RegionCode::parse(r).ok())
            .and_then(|r| case_level(r.level()).map(|l| (l, r.as_str().to_string())))
        {
            Some(x) => x,
            None => ("county", code_at(&region_code, Level::County)),
        };
        let priority = n.priority.unwrap_or(category.priority());
        let clock = Clock::start(
            &cat.calendar,
            now,
            stage_limit(Stage::Dispatch, priority, &category.stage_limits()),
        );

        let id = new_id();
        let actor = actor_of(ctx.role).map_or(ctx.role.as_str(), Actor::as_str);
        let case = Case {
            id,
            county_code: region_code[..6].to_string(),
            number: String::new(),
            secret: tracking_secret(rand::random()),
            category_code: category.code.clone(),
            category_name: Some(category.name.clone()),
            title: n.title.clone(),
            description: n.description.clone(),
            address: n.address.clone(),
            lat: n.lat,
            lng: n.lng,
            region_code,
            region_name: Some(region_name),
            grid_code: n.grid_code.clone(),
            source: n.source.as_str().into(),
            priority: priority.as_str().into(),
            dispute: category.dispute,
            reporter_name: n.reporter_name.clone(),
            reporter_phone: n.reporter_phone.clone(),
            reporter_user_id: (ctx.role == Role::Resident)
                .then_some(ctx.user_id)
                .flatten(),
            state: "reported".into(),
            level: level.into(),
            level_code,
            route_by: route_by.into(),
            route_unit_id: route_unit,
            unit_id: None,
            unit_name: None,
            first_unit_id: None,
            returns: 0,
            reworks: 0,
            escalations: 0,
            closed_level: None,
            stage_started_at: Some(now),
            warn_at: Some(clock.warn_at),
            deadline_at: Some(clock.deadline_at),
            limit_ms: Some(clock.limit_ms),
            paused_remaining_ms: None,
            suspend_requested: false,
            supervised_by: None,
            supervise_deadline: None,
            duplicate_of: None,
            satisfaction: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
            version: 0,
            light: None,
            reporter_email: n.reporter_email.clone(),
            media_url: n.media_url.clone(),
            reopens: 0,
        };
        let event = CaseEvent {
            seq: 1,
            at: now,
            actor_id: ctx.user_id,
            actor_name: ctx.username.clone(),
            actor: actor.into(),
            action: "report".into(),
            from_state: None,
            to_state: "reported".into(),
            unit_id: route_unit,
            unit_name: None,
            level: Some(level.into()),
            note: Msg::new(
                format!("来源 {}", n.source.as_str()),
                format!("source {}", n.source.as_str()),
            )
            .stored(),
            attachments: "[]".into(),
            stage_deadline: Some(clock.deadline_at),
            due_at: None,
            outcome: None,
        };
        let search = search::document(&[&n.title, &n.description, &n.address]);
        let number = self
            .intake_queue()
            .write(Prepared {
                case: case.clone(),
                event,
                key: n.key.clone(),
                fingerprint: n.fingerprint(),
                search,
            })
            .await?;
        let case = Case { number, ..case };
        Ok(Created {
            case: case.with_light(now),
            created: true,
        })
    }
}

/// Filing cases.
pub trait IntakeStorage: Send + Sync {
    /// Files a case: checks place and category, routes it, numbers it, starts its clock, writes
    /// the first event and the search terms — one transaction. A retry with the same key returns
    /// the first case.
    fn create_case<'a>(&'a self, ctx: &'a Ctx, c: &'a NewCase) -> BoxFut<'a, Created>;
    /// Trusted bulk load of cases with their events and search text (benchmarks), and the daily
    /// number counters to continue from; one transaction.
    fn bulk_load_cases<'a>(
        &'a self,
        rows: &'a [BulkCase],
        counters: &'a [(String, String, i64)],
    ) -> BoxFut<'a, ()>;
}

impl<DB: Backend> IntakeStorage for SqlStore<DB> {
    fn create_case<'a>(&'a self, ctx: &'a Ctx, n: &'a NewCase) -> BoxFut<'a, Created> {
        Box::pin(async move {
            match self.create_case_tx(ctx, n).await {
                // Another request with the same key committed first: return its case.
                Err(StoreError::Duplicate {
                    field: "idempotency_key",
                }) => self.create_case_tx(ctx, n).await,
                r => r,
            }
        })
    }

    fn bulk_load_cases<'a>(
        &'a self,
        rows: &'a [BulkCase],
        counters: &'a [(String, String, i64)],
    ) -> BoxFut<'a, ()> {
        Box::pin(async move {
            let mut tx = self.write_tx().await?;
            let cases: Vec<&Case> = rows.iter().map(|b| &b.case).collect();
            let events: Vec<(&Case, &CaseEvent)> = rows
                .iter()
                .flat_map(|b| b.events.iter().map(move |e| (&b.case, e)))
                .collect();
            let search: Vec<(i64, &str)> = rows
                .iter()
                .map(|b| (b.case.id, b.search.as_str()))
                .collect();
            insert_cases(&mut tx, &cases, &events, &search).await?;
            for (county, day, last) in counters {
                query(
                    "INSERT INTO case_counters (county_code, day, last) VALUES ($1, $2, $3) \
                     ON CONFLICT (county_code, day) DO UPDATE SET last = excluded.last",
                )
                .bind(county)
                .bind(day)
                .bind(last)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
