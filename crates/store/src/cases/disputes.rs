//! Disputes (矛盾纠纷): the mediator pool, parties and mediation sessions.

use crate::prelude::*;

/// A mediator of the pool (专家调解库), with expertise tags.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Mediator {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub phone: Option<String>,
    pub tags: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct MediatorInput {
    #[schemars(length(min = 1), pattern(tongchou_domain::region::CODE_PATTERN))]
    pub region_code: String,
    #[schemars(
        length(min = 1, max = 30),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    pub name: String,
    #[schemars(pattern(tongchou_domain::error::PHONE_PATTERN))]
    pub phone: String,
    /// Comma-separated expertise, e.g. `婚姻家庭,土地`.
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub tags: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Party {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub side: String,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct PartyInput {
    #[schemars(
        length(min = 1, max = 30),
        pattern(tongchou_domain::text::PLAIN_PATTERN)
    )]
    pub name: String,
    #[schemars(pattern(tongchou_domain::error::PHONE_PATTERN))]
    pub phone: String,
    /// `applicant`, `respondent` or `other`.
    #[schemars(length(min = 1))]
    #[schemars(extend("enum" = ["applicant", "respondent", "other"]))]
    pub side: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct MediationSession {
    #[schemars(with = "crate::IdOut")]
    #[serde(with = "id_str")]
    pub id: i64,
    #[schemars(with = "Option<crate::IdOut>")]
    #[serde(with = "id_str::opt")]
    pub mediator_id: Option<i64>,
    pub mediator_name: Option<String>,
    pub held_at: i64,
    pub place: String,
    pub outcome: String,
    pub agreement: String,
    pub note: String,
    pub recorded_by: String,
}

/// A mediation session to record. `success` sends the case to verification with the agreement
/// as the handling report; `failure` escalates it one level (调解不成，上报上级).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SessionInput {
    #[schemars(with = "Option<crate::IdIn>")]
    #[serde(with = "id_str::opt")]
    pub mediator_id: Option<i64>,
    pub held_at: Option<i64>,
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub place: String,
    /// `success`, `failure` or `adjourned`.
    #[schemars(length(min = 1))]
    #[schemars(extend("enum" = ["success", "failure", "adjourned"]))]
    pub outcome: String,
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub agreement: String,
    #[schemars(pattern(tongchou_domain::text::PLAIN_PATTERN))]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Dispute {
    pub parties: Vec<Party>,
    pub sessions: Vec<MediationSession>,
}

/// Mediators, parties and sessions.
pub trait DisputeStorage: Send + Sync {
    fn add_mediator<'a>(&'a self, ctx: &'a Ctx, m: &'a MediatorInput) -> BoxFut<'a, Mediator>;
    /// Mediators whose region lies in the caller's scope or above it (a county's pool serves its
    /// townships), optionally with a tag.
    fn list_mediators<'a>(&'a self, ctx: &'a Ctx, tag: &'a str) -> BoxFut<'a, Vec<Mediator>>;
    fn dispute<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, Dispute>;
    fn add_party<'a>(&'a self, ctx: &'a Ctx, case_id: i64, p: &'a PartyInput) -> BoxFut<'a, Party>;
    /// Records a mediation session of a dispute case being handled by the caller's unit (or by a
    /// grid worker of its village); success and failure move the case as `SessionInput` says.
    fn record_mediation<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        s: &'a SessionInput,
    ) -> BoxFut<'a, Case>;
}

impl<DB: Backend> DisputeStorage for SqlStore<DB> {
    fn add_mediator<'a>(&'a self, ctx: &'a Ctx, m: &'a MediatorInput) -> BoxFut<'a, Mediator> {
        Box::pin(async move {
            let region = RegionCode::parse_field("region_code", &m.region_code)?;
            if !ctx.scope.contains(region.as_str()) {
                return Err(Invalid::out_of_scope("region_code").into());
            }
            let name = tongchou_domain::error::required_text("name", &m.name, 30)?;
            let phone = tongchou_domain::error::phone("phone", &m.phone)?;
            let tags: Vec<&str> = m
                .tags
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            let mut tx = self.write_tx().await?;
            let id = new_id();
            query(
                "INSERT INTO mediators (id, region_code, name, phone, tags, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
            )
            .bind(id)
            .bind(region.as_str())
            .bind(&name)
            .bind(&phone)
            .bind(tags.join(","))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "create",
                "mediator",
                &id.to_string(),
                region.as_str(),
                &name,
            )
            .await?;
            let row = query_as::<Mediator>(
                "SELECT id, region_code, name, phone, tags, active FROM mediators WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    fn list_mediators<'a>(&'a self, ctx: &'a Ctx, tag: &'a str) -> BoxFut<'a, Vec<Mediator>> {
        Box::pin(async move {
            // In scope, or an ancestor of the scope (the pools above serve below).
            let ancestors: Vec<String> = RegionCode::parse(&format!("{:0<12}", ctx.scope.lo))
                .map(|c| {
                    let mut v = Vec::new();
                    let mut cur = c.parent();
                    while let Some(p) = cur {
                        v.push(p.as_str().to_string());
                        cur = p.parent();
                    }
                    v
                })
                .unwrap_or_default();
            let rows = query_as::<Mediator>(
                "SELECT id, region_code, name, phone, tags, active FROM mediators WHERE active \
                 AND (region_code >= $1 AND region_code < $2 OR region_code = $3 OR region_code = $4 \
                 OR region_code = $5 OR region_code = $6) ORDER BY region_code DESC, id",
            )
            .bind(&ctx.scope.lo)
            .bind(&ctx.scope.hi)
            .bind(ancestors.first().map_or("-", String::as_str))
            .bind(ancestors.get(1).map_or("-", String::as_str))
            .bind(ancestors.get(2).map_or("-", String::as_str))
            .bind(ancestors.get(3).map_or("-", String::as_str))
            .fetch_all(&self.pool)
            .await?;
            let tag = tag.trim();
            Ok(rows
                .into_iter()
                .filter(|m| tag.is_empty() || m.tags.split(',').any(|t| t == tag))
                .collect())
        })
    }

    fn dispute<'a>(&'a self, ctx: &'a Ctx, case_id: i64) -> BoxFut<'a, Dispute> {
        Box::pin(async move {
            let mut tx = self.read_tx().await?;
            fetch_case(&mut tx, &ctx.scope, case_id).await?;
            let parties = query_as::<Party>(
                "SELECT id, name, phone, side FROM dispute_parties WHERE case_id = $1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
            let sessions = query_as::<MediationSession>(
                "SELECT s.id, s.mediator_id, (SELECT m.name FROM mediators m WHERE m.id = s.mediator_id) \
                 AS mediator_name, s.held_at, s.place, s.outcome, s.agreement, s.note, s.recorded_by \
                 FROM mediation_sessions s WHERE s.case_id = $1 ORDER BY s.id",
            )
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Dispute { parties, sessions })
        })
    }

    fn add_party<'a>(&'a self, ctx: &'a Ctx, case_id: i64, p: &'a PartyInput) -> BoxFut<'a, Party> {
        Box::pin(async move {
            let name = tongchou_domain::error::required_text("name", &p.name, 30)?;
            let phone = tongchou_domain::error::phone("phone", &p.phone)?;
            if !matches!(p.side.as_str(), "applicant" | "respondent" | "other") {
                return Err(Invalid::new(
                    "side",
                    "invalid_side",
                    "应为 applicant/respondent/other 之一",
                    "must be applicant, respondent or other",
                )
                .into());
            }
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            if !c.dispute {
                return Err(StoreError::refused(
                    "not_a_dispute",
                    "该案件不是矛盾纠纷",
                    "the case is not a dispute",
                ));
            }
            let id = new_id();
            query(
                "INSERT INTO dispute_parties (county_code, id, case_id, name, phone, side, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(&c.county_code)
            .bind(id)
            .bind(case_id)
            .bind(&name)
            .bind(&phone)
            .bind(&p.side)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "add_party",
                "case",
                &c.number,
                &c.region_code,
                &format!("{} ({})", name, p.side),
            )
            .await?;
            tx.commit().await?;
            Ok(Party {
                id,
                name,
                phone,
                side: p.side.clone(),
            })
        })
    }

    fn record_mediation<'a>(
        &'a self,
        ctx: &'a Ctx,
        case_id: i64,
        si: &'a SessionInput,
    ) -> BoxFut<'a, Case> {
        Box::pin(async move {
            if !matches!(si.outcome.as_str(), "success" | "failure" | "adjourned") {
                return Err(Invalid::new(
                    "outcome",
                    "invalid_outcome",
                    "应为 success/failure/adjourned 之一",
                    "must be success, failure or adjourned",
                )
                .into());
            }
            if si.outcome == "success" && si.agreement.trim().is_empty() {
                return Err(Invalid::new(
                    "agreement",
                    "required",
                    "调解成功须填写协议内容",
                    "must state the agreement when mediation succeeds",
                )
                .into());
            }
            let now = now_ms();
            let catalog = self.catalog().await?;
            let mut tx = self.write_tx().await?;
            let c = fetch_case(&mut tx, &ctx.scope, case_id).await?;
            if !c.dispute {
                return Err(StoreError::refused(
                    "not_a_dispute",
                    "该案件不是矛盾纠纷",
                    "the case is not a dispute",
                ));
            }
            if c.state != "in_progress" {
                return Err(refused(workflow::Refusal::NotAllowedInState));
            }
            let mine = match ctx.role {
                Role::Handler => ctx.unit_id.is_some() && ctx.unit_id == c.unit_id,
                Role::GridWorker => true,
                _ => false,
            };
            if !mine {
                return Err(refused(workflow::Refusal::NotYourAction));
            }
            // The mediator comes from a pool that serves the case: its village, township, county
            // or city.
            if let Some(m) = si.mediator_id {
                let region: Option<(String,)> =
                    query_as("SELECT region_code FROM mediators WHERE id = $1 AND active")
                        .bind(m)
                        .fetch_optional(&mut *tx)
                        .await?;
                let serves = region.is_some_and(|(r,)| {
                    RegionCode::parse(&r).is_ok_and(|p| p.scope().contains(&c.region_code))
                });
                if !serves {
                    return Err(Invalid::new(
                        "mediator_id",
                        "unknown_mediator",
                        "调解员不存在或不服务于该案件所在地",
                        "no such mediator serving the case's place",
                    )
                    .into());
                }
            }
            query(
                "INSERT INTO mediation_sessions (county_code, id, case_id, mediator_id, held_at, place, \
                 outcome, agreement, note, recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            )
            .bind(&c.county_code)
            .bind(new_id())
            .bind(case_id)
            .bind(si.mediator_id)
            .bind(si.held_at.unwrap_or(now))
            .bind(si.place.trim())
            .bind(&si.outcome)
            .bind(si.agreement.trim())
            .bind(si.note.trim())
            .bind(&ctx.username)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            write_audit(
                &mut tx,
                ctx,
                "mediation",
                "case",
                &c.number,
                &c.region_code,
                &si.outcome,
            )
            .await?;
            // Success is the handling report; failure climbs the ladder. The unit's handler acts;
            // a grid worker's mediation is recorded and moves the case as the unit would.
            let moved = match si.outcome.as_str() {
                "success" => Some((
                    Action::Handle,
                    format!("调解成功：{}", si.agreement.trim()),
                    "mediation_success",
                )),
                "failure" => Some((
                    Action::Escalate,
                    format!("调解不成，上报上级：{}", si.note.trim()),
                    "mediation_failure",
                )),
                _ => None,
            };
            let c = match moved {
                Some((action, note, outcome)) => {
                    let a = CaseAct {
                        action: action.as_str().into(),
                        note,
                        outcome: Some(outcome),
                        ..CaseAct::default()
                    };
                    let acting = Ctx {
                        unit_id: c.unit_id,
                        ..ctx.clone()
                    };
                    apply_transition(
                        &mut tx,
                        &catalog,
                        &acting,
                        Actor::Handler,
                        false,
                        c,
                        action,
                        &a,
                        now,
                    )
                    .await?
                }
                None => c,
            };
            let c = fetch_case(&mut tx, &Scope::all(), c.id).await?;
            tx.commit().await?;
            Ok(c.with_light(now))
        })
    }
}
