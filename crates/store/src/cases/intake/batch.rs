//! Group commit for intake: cases queued by many requests are written in one transaction,
//! each under its own savepoint, so one bad case fails alone.

use crate::prelude::*;

pub(crate) const CASE_INSERT_COLS: [&str; 40] = [
    "county_code",
    "township_code",
    "id",
    "number",
    "secret",
    "category_code",
    "title",
    "description",
    "address",
    "lat",
    "lng",
    "region_code",
    "grid_code",
    "source",
    "priority",
    "dispute",
    "reporter_name",
    "reporter_phone",
    "reporter_user_id",
    "state",
    "level",
    "level_code",
    "route_by",
    "route_unit_id",
    "unit_id",
    "first_unit_id",
    "returns",
    "reworks",
    "escalations",
    "closed_level",
    "stage_started_at",
    "warn_at",
    "deadline_at",
    "limit_ms",
    "satisfaction",
    "created_at",
    "updated_at",
    "closed_at",
    "reporter_email",
    "media_url",
];

pub(crate) const EVENT_INSERT_COLS: [&str; 17] = [
    "county_code",
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "actor",
    "action",
    "from_state",
    "to_state",
    "unit_id",
    "level",
    "note",
    "attachments",
    "stage_deadline",
    "due_at",
    "outcome",
];

/// A case ready to write: everything read and checked; the write numbers it.
pub(crate) struct Prepared {
    pub(crate) case: Case,
    pub(crate) event: CaseEvent,
    pub(crate) key: Option<String>,
    /// What the request asked for, to tell a retry from a reused key.
    pub(crate) fingerprint: String,
    pub(crate) search: String,
}

/// Binds a case row in the order of `CASE_INSERT_COLS`.
pub(crate) fn bind_case<'q>(q: Query<'q>, c: &'q Case) -> Query<'q> {
    q.bind(&c.county_code)
        .bind(c.region_code.get(..9).unwrap_or(""))
        .bind(c.id)
        .bind(&c.number)
        .bind(&c.secret)
        .bind(&c.category_code)
        .bind(&c.title)
        .bind(&c.description)
        .bind(&c.address)
        .bind(c.lat)
        .bind(c.lng)
        .bind(&c.region_code)
        .bind(&c.grid_code)
        .bind(&c.source)
        .bind(&c.priority)
        .bind(c.dispute)
        .bind(&c.reporter_name)
        .bind(&c.reporter_phone)
        .bind(c.reporter_user_id)
        .bind(&c.state)
        .bind(&c.level)
        .bind(&c.level_code)
        .bind(&c.route_by)
        .bind(c.route_unit_id)
        .bind(c.unit_id)
        .bind(c.first_unit_id)
        .bind(c.returns)
        .bind(c.reworks)
        .bind(c.escalations)
        .bind(&c.closed_level)
        .bind(c.stage_started_at)
        .bind(c.warn_at)
        .bind(c.deadline_at)
        .bind(c.limit_ms)
        .bind(&c.satisfaction)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.closed_at)
        .bind(&c.reporter_email)
        .bind(&c.media_url)
}

/// Binds an event row in the order of `EVENT_INSERT_COLS`.
pub(crate) fn bind_event<'q>(
    q: Query<'q>,
    county: &'q str,
    case_id: i64,
    e: &'q CaseEvent,
) -> Query<'q> {
    q.bind(county)
        .bind(case_id)
        .bind(e.seq)
        .bind(e.at)
        .bind(e.actor_id)
        .bind(&e.actor_name)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.from_state)
        .bind(&e.to_state)
        .bind(e.unit_id)
        .bind(&e.level)
        .bind(&e.note)
        .bind(&e.attachments)
        .bind(e.stage_deadline)
        .bind(e.due_at)
        .bind(&e.outcome)
}

/// Writes cases with their events and search terms as multi-row inserts.
pub(crate) async fn insert_cases<DB: Backend>(
    tx: &mut Tx<DB>,
    cases: &[&Case],
    events: &[(&Case, &CaseEvent)],
    search: &[(i64, &str)],
) -> StoreResult<()> {
    insert_chunks(tx, "cases", &CASE_INSERT_COLS, 500, cases, |q, c| {
        bind_case(q, c)
    })
    .await
    .map_err(|e| match e {
        StoreError::Db(d) => StoreError::from_db(d, "number"),
        e => e,
    })?;
    insert_chunks(
        tx,
        "case_events",
        &EVENT_INSERT_COLS,
        1000,
        events,
        |q, (c, e)| bind_event(q, &c.county_code, c.id, e),
    )
    .await?;
    let (table, cols) = DB::CASE_SEARCH_BULK;
    insert_chunks(tx, table, &cols, 1000, search, |q, (id, body)| {
        q.bind(*id).bind(*body)
    })
    .await
}

/// Group commit for intake: new cases queue here, and one task writes whatever has queued
/// (up to `INTAKE_BATCH`) in one transaction, each case under its own savepoint so a failing one
/// leaves the others, and answers each only after the commit is durable.
pub(crate) struct IntakeQueue {
    tx: tokio::sync::mpsc::Sender<(Prepared, tokio::sync::oneshot::Sender<StoreResult<String>>)>,
}

pub(crate) const INTAKE_BATCH: usize = 128;

pub(crate) type Queued = (Prepared, tokio::sync::oneshot::Sender<StoreResult<String>>);

/// `write_batch`, run again after a deadlock or serialization failure (two servers writing at
/// once); the locks are taken in one order, so this is rare.
pub(crate) async fn write_batch_retrying<DB: Backend>(
    writer: &sqlx::Pool<DB>,
    batch: &[Queued],
) -> StoreResult<Vec<StoreResult<String>>> {
    let mut tries = 0;
    loop {
        match write_batch(writer, batch).await {
            Err(e) if e.is_retryable() && tries < 5 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5 << tries)).await;
            }
            r => return r,
        }
    }
}

/// Writes a batch of new cases in one transaction with a handful of statements: a retried
/// idempotency key is answered as a duplicate (the caller then returns the first case), the
/// numbers come from one counter update per county and day, and cases, first events and search
/// terms go in as multi-row inserts.
pub(crate) async fn write_batch<DB: Backend>(
    writer: &sqlx::Pool<DB>,
    batch: &[Queued],
) -> StoreResult<Vec<StoreResult<String>>> {
    let mut tx = writer.begin_with(DB::BEGIN_WRITE).await?;
    let mut out: Vec<StoreResult<String>> = Vec::with_capacity(batch.len());
    let mut keys = std::collections::HashSet::new();
    let mut good: Vec<&Prepared> = Vec::with_capacity(batch.len());
    for (p, _) in batch {
        if let Some(key) = &p.key {
            let taken = !keys.insert(key.as_str())
                || query_as::<(i64,)>("SELECT case_id FROM idempotency_keys WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
            if taken {
                out.push(Err(StoreError::Duplicate {
                    field: "idempotency_key",
                }));
                continue;
            }
        }
        out.push(Ok(String::new()));
        good.push(p);
    }
    // Locks in one order (keys, then counters by county and day), so that two servers writing
    // batches at once wait for each other instead of deadlocking.
    let mut keyed: Vec<&&Prepared> = good.iter().filter(|p| p.key.is_some()).collect();
    keyed.sort_by(|a, b| a.key.cmp(&b.key));
    insert_chunks(
        &mut tx,
        "idempotency_keys",
        &["key", "county_code", "case_id", "created_at", "fingerprint"],
        500,
        &keyed,
        |q, p| {
            q.bind(&p.key)
                .bind(&p.case.county_code)
                .bind(p.case.id)
                .bind(p.case.created_at)
                .bind(&p.fingerprint)
        },
    )
    .await
    // Another server committed the same key first: the caller answers with that case.
    .map_err(|e| match e {
        StoreError::Db(d) => StoreError::from_db(d, "idempotency_key"),
        e => e,
    })?;
    // Numbers: one counter step per (county, day) for the whole batch.
    let mut groups: Vec<((String, String), Vec<usize>)> = Vec::new();
    for (i, p) in good.iter().enumerate() {
        let k = (
            p.case.county_code.clone(),
            tongchou_domain::date::yyyymmdd(p.case.created_at),
        );
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut numbers = vec![String::new(); good.len()];
    for ((county, day), members) in groups {
        let (last,): (i64,) = query_as(
            "INSERT INTO case_counters (county_code, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (county_code, day) DO UPDATE SET last = case_counters.last + excluded.last \
             RETURNING last",
        )
        .bind(&county)
        .bind(&day)
        .bind(members.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let first = last - members.len() as i64 + 1;
        for (k, i) in members.into_iter().enumerate() {
            numbers[i] = case_number(&county, &day, (first + k as i64) as u32);
        }
    }
    let cases: Vec<Case> = good
        .iter()
        .zip(&numbers)
        .map(|(p, n)| Case {
            number: n.clone(),
            ..p.case.clone()
        })
        .collect();
    let case_refs: Vec<&Case> = cases.iter().collect();
    let events: Vec<(&Case, &CaseEvent)> = cases
        .iter()
        .zip(&good)
        .map(|(c, p)| (c, &p.event))
        .collect();
    let search: Vec<(i64, &str)> = good
        .iter()
        .map(|p| (p.case.id, p.search.as_str()))
        .collect();
    insert_cases(&mut tx, &case_refs, &events, &search).await?;
    crate::assess::tally::count_reports(&mut tx, &events).await?;
    let mut numbers = numbers.into_iter();
    for n in out.iter_mut().flatten() {
        *n = numbers.next().unwrap_or_default();
    }
    tx.commit().await?;
    Ok(out)
}

impl IntakeQueue {
    pub(crate) fn start<DB: Backend>(
        writer: sqlx::Pool<DB>,
        stats: std::sync::Arc<crate::stats::IntakeStats>,
    ) -> IntakeQueue {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(
            Prepared,
            tokio::sync::oneshot::Sender<StoreResult<String>>,
        )>(4 * INTAKE_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < INTAKE_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                stats.record(batch.len());
                match write_batch_retrying(&writer, &batch).await {
                    Ok(results) => {
                        for ((_, reply), r) in batch.into_iter().zip(results) {
                            let _ = reply.send(r);
                        }
                    }
                    // One case that cannot be written must not fail the others: each is written
                    // alone, and only the bad one is refused.
                    // A full disk or a missing database fails every case alike: no point in
                    // writing them one by one.
                    Err(e)
                        if batch.len() > 1
                            && !matches!(e, StoreError::DiskFull | StoreError::Unavailable(_)) =>
                    {
                        stats
                            .split_batches
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        for item in batch {
                            let r = write_batch_retrying(&writer, std::slice::from_ref(&item))
                                .await
                                .and_then(|mut r| {
                                    r.pop().unwrap_or(Err(StoreError::NotFound("case")))
                                });
                            let _ = item.1.send(r);
                        }
                    }
                    Err(e) => {
                        if let Some((_, reply)) = batch.into_iter().next() {
                            let _ = reply.send(Err(e));
                        }
                    }
                }
            }
        });
        IntakeQueue { tx }
    }

    /// Queues a case and waits until it is durable; returns its number.
    pub(crate) async fn write(&self, p: Prepared) -> StoreResult<String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .send((p, reply))
            .await
            .map_err(|_| StoreError::Batch("the intake writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Batch("the intake writer stopped".into()))?
    }
}
