//! Which facts a case's events count (docs/INDICATORS.md, "Counting rules"). One function
//! serves both ways of counting: the store applies it to each event inside the event's own
//! transaction (the live counts), and `tongchou assess recount` folds it over every case's
//! events from the first (the check). So the two can differ only where an event path forgets to
//! count, which is what the replay property test looks for.

/// What the counting needs to know of a case just before an event: read from the case's row when
/// counting live, folded from its earlier events when recounting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSoFar {
    /// Empty before the first event.
    pub state: String,
    pub level: String,
    pub unit_id: Option<i64>,
    /// The stage deadline in force (none while suspended or finished).
    pub deadline_at: Option<i64>,
    /// That deadline has passed and was counted as `overdue`.
    pub deadline_seen: bool,
    /// Counted in `overdue_open`: went past a deadline since it was last opened.
    pub overdue_open: bool,
    /// Dispatched at least once.
    pub dispatched: bool,
    pub returns: i64,
    pub reworks: i64,
    pub escalations: i64,
    pub reopens: i64,
    pub supervise_deadline: Option<i64>,
    pub rated: bool,
}

/// An event as the counting sees it: the action, when, and what it left behind.
#[derive(Debug, Clone, Copy)]
pub struct Happened<'a> {
    pub action: &'a str,
    pub at: i64,
    pub to_state: &'a str,
    /// The unit the event concerns (the one dispatched to, returning, handling…).
    pub unit_id: Option<i64>,
    /// The case's level after the event.
    pub level: &'a str,
    /// The stage deadline in force after the event.
    pub stage_deadline: Option<i64>,
    /// The 督办 deadline a `supervise` event set.
    pub due_at: Option<i64>,
    /// The rating of a `rate` event; `mediation_success` or `mediation_failure` on the event a
    /// mediation session caused.
    pub outcome: Option<&'a str>,
}

/// One step of one fact: `delta` (+1, or −1 for a state count that ends) on the day of `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub fact: &'static str,
    pub at: i64,
    pub unit_id: Option<i64>,
    pub delta: i64,
}

/// The facts that are state counts: a period's value is the sum of every step up to its last
/// day, not only those inside it.
pub const STOCKS: &[&str] = &[
    "overdue_open",
    "households",
    "persons",
    "grids",
    "tagged_households",
];

fn is_open(state: &str) -> bool {
    !matches!(state, "" | "closed" | "rejected")
}

fn plus(out: &mut Vec<Count>, fact: &'static str, at: i64, unit_id: Option<i64>) {
    out.push(Count {
        fact,
        at,
        unit_id,
        delta: 1,
    });
}

/// The deadline in force passed before `now` and was not counted yet: `overdue` once, on the
/// deadline's own day, and the case joins `overdue_open` (if it is not in it already). The timer
/// sweep calls this for cases nobody touches; every event calls it first.
pub fn deadline_passed(s: &mut CaseSoFar, now: i64) -> Vec<Count> {
    let mut out = Vec::new();
    let Some(deadline) = s.deadline_at else {
        return out;
    };
    if s.deadline_seen || deadline >= now || !is_open(&s.state) {
        return out;
    }
    s.deadline_seen = true;
    plus(&mut out, "overdue", deadline, s.unit_id);
    if !s.overdue_open {
        s.overdue_open = true;
        plus(&mut out, "overdue_open", deadline, s.unit_id);
    }
    out
}

/// The facts `e` counts, given the case just before it (after `deadline_passed`), and the case
/// as it is after it.
pub fn event_counts(s: &mut CaseSoFar, e: &Happened) -> Vec<Count> {
    let mut out = Vec::new();
    let (at, unit) = (e.at, e.unit_id);
    let in_time = s.deadline_at.is_some_and(|d| at <= d);
    match e.action {
        // A report is the place's; no unit has it yet.
        "report" => plus(&mut out, "reported", at, None),
        "accept" => {
            plus(&mut out, "accepted", at, unit);
            if in_time {
                plus(&mut out, "accepted_in_time", at, unit);
            }
        }
        "reject" => plus(&mut out, "rejected", at, unit),
        "merge" => plus(&mut out, "merged", at, unit),
        "dispatch" if !s.dispatched => plus(&mut out, "dispatched", at, unit),
        // The first signature after the first dispatch answers that dispatch.
        "sign" if in_time && s.returns == 0 && s.escalations == 0 && s.reopens == 0 => {
            plus(&mut out, "signed_in_time", at, unit);
        }
        "return" => plus(&mut out, "returned", at, unit),
        "handle" => {
            plus(&mut out, "handled", at, unit);
            if in_time {
                plus(&mut out, "handled_on_time", at, unit);
            }
        }
        "verify_fail" => plus(&mut out, "reworked", at, unit),
        "verify_pass" => {
            plus(&mut out, "closed", at, unit);
            if !s.overdue_open {
                plus(&mut out, "closed_on_time", at, unit);
            }
            if s.reworks > 0 {
                plus(&mut out, "closed_reworked", at, unit);
            }
            if s.reopens == 0 && s.supervise_deadline.is_some_and(|d| at <= d) {
                plus(&mut out, "supervised_on_time", at, unit);
            }
            match s.level.as_str() {
                "village" => plus(&mut out, "closed_village", at, unit),
                "township" => plus(&mut out, "closed_township", at, unit),
                _ => {}
            }
        }
        "reopen" => plus(&mut out, "reopened", at, unit),
        "supervise" if s.supervise_deadline.is_none() => plus(&mut out, "supervised", at, unit),
        "rate" if !s.rated => {
            let fact = match e.outcome {
                Some("very_satisfied") => Some("very_satisfied"),
                Some("satisfied") => Some("satisfied"),
                Some("basically_satisfied") => Some("basically_satisfied"),
                Some("dissatisfied") => Some("dissatisfied"),
                Some("very_dissatisfied") => Some("very_dissatisfied"),
                _ => None,
            };
            if let Some(fact) = fact {
                plus(&mut out, "rated", at, unit);
                plus(&mut out, fact, at, unit);
            }
        }
        _ => {}
    }
    match e.outcome {
        Some("mediation_success") => {
            plus(&mut out, "mediations", at, unit);
            plus(&mut out, "mediation_success", at, unit);
        }
        Some("mediation_failure") => plus(&mut out, "mediations", at, unit),
        _ => {}
    }
    // Leaving the open states ends the case's place in `overdue_open`.
    if is_open(&s.state) && !is_open(e.to_state) && s.overdue_open {
        s.overdue_open = false;
        out.push(Count {
            fact: "overdue_open",
            at,
            unit_id: unit,
            delta: -1,
        });
    }
    // The case after the event.
    match e.action {
        "dispatch" => s.dispatched = true,
        "return" => s.returns += 1,
        "verify_fail" => s.reworks += 1,
        "escalate" => s.escalations += 1,
        "reopen" => {
            s.reopens += 1;
            s.rated = false;
        }
        "supervise" => s.supervise_deadline = e.due_at.or(s.supervise_deadline),
        "rate" => s.rated = true,
        _ => {}
    }
    if s.deadline_at != e.stage_deadline {
        s.deadline_seen = false;
    }
    s.deadline_at = e.stage_deadline;
    s.state = e.to_state.to_string();
    s.level = e.level.to_string();
    s.unit_id = match e.action {
        "return" | "escalate" => None,
        "dispatch" => e.unit_id,
        _ => s.unit_id,
    };
    out
}
