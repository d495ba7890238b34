//! Rules of a case beyond its lifecycle table (SPEC §3): the stage each state belongs to and its
//! time limit, the stage clock and its lights, the escalation ladder, intake sources, the
//! satisfaction scale, and which actor of the table a role plays.

use crate::calendar::{Calendar, Light};
use crate::categories::{Limit, Priority};
use crate::workflow::{Actor, State};
use crate::{Invalid, Level, Role};
use serde::Serialize;

/// Whose desk a case is on; each stage has its own limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 立案派遣: the dispatcher accepts and dispatches (also after a return or an escalation).
    Dispatch,
    /// 签收: the unit signs for it.
    Sign,
    /// 处置: the unit handles it and gives feedback.
    Handle,
    /// 核查: the grid worker or dispatcher verifies the result.
    Verify,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dispatch => "dispatch",
            Stage::Sign => "sign",
            Stage::Handle => "handle",
            Stage::Verify => "verify",
        }
    }

    /// The running stage of a state; `None` when no clock runs (suspended, closed, rejected).
    pub fn of(state: State) -> Option<Stage> {
        match state {
            State::Reported | State::Accepted | State::Returned | State::Escalated => {
                Some(Stage::Dispatch)
            }
            State::Dispatched => Some(Stage::Sign),
            State::InProgress => Some(Stage::Handle),
            State::Handled => Some(Stage::Verify),
            State::Suspended | State::Closed | State::Rejected => None,
        }
    }
}

/// A 小类's limits per stage: handling always, the others in working hours where the 小类 sets
/// them (else 24 h to dispatch, 24 h to sign, 2 working days to verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageLimits {
    pub dispatch_hours: Option<u32>,
    pub sign_hours: Option<u32>,
    pub handle: Limit,
    pub verify_hours: Option<u32>,
}

impl StageLimits {
    pub fn handling(handle: Limit) -> StageLimits {
        StageLimits {
            dispatch_hours: None,
            sign_hours: None,
            handle,
            verify_hours: None,
        }
    }
}

/// The limit of a stage: the 小类's, shortened for urgent cases (4 h to dispatch or sign, 24 h to
/// handle or verify) and emergencies (1 h to dispatch or sign, 2 h to handle — the Beijing
/// hotline's emergency feedback — and 4 h to verify).
pub fn stage_limit(stage: Stage, priority: Priority, limits: &StageLimits) -> Limit {
    use Limit::{WorkingDays as D, WorkingHours as H};
    use Priority::*;
    let cap = |l: Limit, hours: u32| match l {
        H(h) => H(h.min(hours)),
        D(d) if d * 24 <= hours => D(d),
        D(_) => H(hours),
    };
    let base = match stage {
        Stage::Dispatch => limits.dispatch_hours.map_or(H(24), H),
        Stage::Sign => limits.sign_hours.map_or(H(24), H),
        Stage::Handle => limits.handle,
        Stage::Verify => limits.verify_hours.map_or(D(2), H),
    };
    match (stage, priority) {
        (_, Normal) => base,
        (Stage::Dispatch | Stage::Sign, Urgent) => cap(base, 4),
        (Stage::Handle | Stage::Verify, Urgent) => cap(base, 24),
        (Stage::Dispatch | Stage::Sign, Emergency) => cap(base, 1),
        (Stage::Handle, Emergency) => cap(base, 2),
        (Stage::Verify, Emergency) => cap(base, 4),
    }
}

/// The moment a limit that starts at `start_ms` runs out.
pub fn limit_end(cal: &Calendar, start_ms: i64, limit: Limit) -> i64 {
    match limit {
        Limit::WorkingHours(h) => cal.add_working_hours(start_ms, h),
        Limit::WorkingDays(d) => cal.add_working_days(start_ms, d),
    }
}

/// When a case is expected to be handled (Open311 `expected_datetime`): the handling deadline
/// once handling runs; before that, the running stage's deadline (or now, if it has passed)
/// followed by the stages still to come at their limits. `None` once handled, closed, rejected
/// or suspended.
pub fn expected_handled(
    cal: &Calendar,
    state: State,
    now: i64,
    deadline_at: Option<i64>,
    priority: Priority,
    limits: &StageLimits,
) -> Option<i64> {
    let stage = Stage::of(state)?;
    let from = deadline_at.unwrap_or(now).max(now);
    let then = |t: i64, s: Stage| limit_end(cal, t, stage_limit(s, priority, limits));
    match stage {
        Stage::Handle => deadline_at,
        Stage::Sign => Some(then(from, Stage::Handle)),
        Stage::Dispatch => Some(then(then(from, Stage::Sign), Stage::Handle)),
        Stage::Verify => None,
    }
}

/// A stage clock: when the light turns yellow (80 % of the working time used) and red (the
/// deadline), and the stage's whole working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub warn_at: i64,
    pub deadline_at: i64,
    pub limit_ms: i64,
}

impl Clock {
    pub fn start(cal: &Calendar, start_ms: i64, limit: Limit) -> Clock {
        let deadline_at = limit_end(cal, start_ms, limit);
        let limit_ms = cal.working_ms_between(start_ms, deadline_at);
        Clock {
            warn_at: cal.add_working_ms(start_ms, limit_ms * 4 / 5),
            deadline_at,
            limit_ms,
        }
    }

    /// Working time left at `now` (zero when overdue): what a suspension keeps.
    pub fn remaining(&self, cal: &Calendar, now: i64) -> i64 {
        cal.working_ms_between(now, self.deadline_at)
    }

    /// The clock restarted at `now` after a pause with `remaining` working time left.
    pub fn resume(cal: &Calendar, now: i64, remaining: i64, limit_ms: i64) -> Clock {
        Clock {
            warn_at: cal.add_working_ms(now, remaining - limit_ms / 5),
            deadline_at: cal.add_working_ms(now, remaining),
            limit_ms,
        }
    }

    pub fn light(&self, now: i64) -> Light {
        light_at(now, self.warn_at, self.deadline_at)
    }
}

/// Green before `warn_at`, yellow until the deadline, red after it.
pub fn light_at(now: i64, warn_at: i64, deadline_at: i64) -> Light {
    if now > deadline_at {
        Light::Red
    } else if now >= warn_at {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// The escalation ladder "小事不出村、大事不出镇、难事不出县": village → township → county → city.
/// The city is the top.
pub fn next_level(level: Level) -> Option<Level> {
    match level {
        Level::Village => Some(Level::Township),
        Level::Township => Some(Level::County),
        Level::County => Some(Level::City),
        Level::City | Level::Province => None,
    }
}

/// Where a case came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 群众上报 through the public web form.
    Web,
    /// 网格员巡查
    Grid,
    /// 12345 hotline operator
    Hotline,
    /// 窗口 single-window intake
    Window,
    /// The JSON API
    Api,
    /// An Open311 client
    Open311,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Web,
        Source::Grid,
        Source::Hotline,
        Source::Window,
        Source::Api,
        Source::Open311,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Web => "web",
            Source::Grid => "grid",
            Source::Hotline => "hotline",
            Source::Window => "window",
            Source::Api => "api",
            Source::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The 5-level return-visit scale (回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    VeryDissatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 5] = [
        Satisfaction::VerySatisfied,
        Satisfaction::Satisfied,
        Satisfaction::BasicallySatisfied,
        Satisfaction::Dissatisfied,
        Satisfaction::VeryDissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "very_satisfied",
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::BasicallySatisfied => "basically_satisfied",
            Satisfaction::Dissatisfied => "dissatisfied",
            Satisfaction::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "非常满意",
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
            Satisfaction::VeryDissatisfied => "非常不满意",
        }
    }

    pub fn parse_field(field: &str, s: &str) -> Result<Satisfaction, Invalid> {
        Satisfaction::ALL
            .into_iter()
            .find(|x| x.as_str() == s || x.zh() == s)
            .ok_or_else(|| {
                Invalid::new(
                    field,
                    "invalid_satisfaction",
                    "应为 非常满意/满意/基本满意/不满意/非常不满意 之一",
                    "must be one of very_satisfied, satisfied, basically_satisfied, dissatisfied, very_dissatisfied",
                )
            })
    }

    /// Counted as satisfied in the 满意率 (the top three levels).
    pub fn is_satisfied(self) -> bool {
        matches!(
            self,
            Satisfaction::VerySatisfied
                | Satisfaction::Satisfied
                | Satisfaction::BasicallySatisfied
        )
    }
}

/// The actor of the transition table an account plays. Administrators act as dispatchers; leaders,
/// agents and party officers take no lifecycle actions (leaders supervise, agents file).
pub fn actor_of(role: Role) -> Option<Actor> {
    match role {
        Role::Dispatcher | Role::Admin => Some(Actor::Dispatcher),
        Role::Handler => Some(Actor::Handler),
        Role::GridWorker => Some(Actor::GridWorker),
        Role::Resident => Some(Actor::Reporter),
        Role::Leader | Role::Agent | Role::PartyOfficer => None,
    }
}

/// A tracking secret of six characters from an alphabet without look-alikes (no 0/O, 1/I/L),
/// made from the caller's random bits.
pub fn tracking_secret(mut bits: u64) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let n = ALPHABET.len() as u64;
    (0..6)
        .map(|_| {
            let c = ALPHABET[(bits % n) as usize] as char;
            bits /= n;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{day_of, start_of_day_ms};
    use Limit::{WorkingDays as D, WorkingHours as H};

    fn at(date: &str, hour: i64) -> i64 {
        start_of_day_ms(day_of(date).unwrap()) + hour * 3_600_000
    }

    #[test]
    fn expected_handling_adds_the_stages_still_to_come() {
        let cal = Calendar::default();
        let limits = StageLimits::handling(H(8));
        let mon9 = at("2026-11-23", 9);
        let p = Priority::Normal;
        // Handling runs: its own deadline.
        let d = Some(at("2026-11-24", 17));
        assert_eq!(
            expected_handled(&cal, State::InProgress, mon9, d, p, &limits),
            d
        );
        // Waiting to be signed (deadline Mon 17:00): then 8 working hours to handle.
        let sign_end = at("2026-11-23", 17);
        let signed = expected_handled(&cal, State::Dispatched, mon9, Some(sign_end), p, &limits);
        assert_eq!(signed, Some(limit_end(&cal, sign_end, H(8))));
        // Waiting to be dispatched: sign (24 h) and handle come after.
        let disp = expected_handled(&cal, State::Reported, mon9, Some(sign_end), p, &limits);
        let after_sign = limit_end(&cal, sign_end, H(24));
        assert_eq!(disp, Some(limit_end(&cal, after_sign, H(8))));
        // An overdue stage counts from now; handled, closed and suspended cases expect nothing.
        let late = expected_handled(&cal, State::Dispatched, mon9, Some(mon9 - 1), p, &limits);
        assert_eq!(late, Some(limit_end(&cal, mon9, H(8))));
        for s in [State::Handled, State::Closed, State::Suspended] {
            assert_eq!(expected_handled(&cal, s, mon9, d, p, &limits), None);
        }
    }

    #[test]
    fn every_state_has_its_stage() {
        for s in State::ALL {
            assert_eq!(Stage::of(s).is_some(), s.is_open() && s != State::Suspended);
        }
    }

    #[test]
    fn limits_by_stage_and_priority() {
        let h = StageLimits::handling;
        assert_eq!(stage_limit(Stage::Handle, Priority::Normal, &h(D(7))), D(7));
        assert_eq!(
            stage_limit(Stage::Handle, Priority::Urgent, &h(D(7))),
            H(24)
        );
        assert_eq!(stage_limit(Stage::Handle, Priority::Urgent, &h(D(1))), D(1));
        assert_eq!(
            stage_limit(Stage::Handle, Priority::Emergency, &h(H(24))),
            H(2)
        );
        assert_eq!(
            stage_limit(Stage::Handle, Priority::Emergency, &h(H(1))),
            H(1)
        );
        assert_eq!(
            stage_limit(Stage::Dispatch, Priority::Emergency, &h(D(7))),
            H(1)
        );
        assert_eq!(
            stage_limit(Stage::Dispatch, Priority::Urgent, &h(D(7))),
            H(4)
        );
        assert_eq!(stage_limit(Stage::Sign, Priority::Normal, &h(D(7))), H(24));
        assert_eq!(stage_limit(Stage::Verify, Priority::Normal, &h(H(2))), D(2));
        assert_eq!(
            stage_limit(Stage::Verify, Priority::Urgent, &h(H(2))),
            H(24)
        );
        assert_eq!(
            stage_limit(Stage::Verify, Priority::Emergency, &h(H(2))),
            H(4)
        );
        // A 小类's own stage limits, still shortened by priority.
        let own = StageLimits {
            dispatch_hours: Some(8),
            sign_hours: Some(2),
            handle: D(3),
            verify_hours: Some(72),
        };
        assert_eq!(stage_limit(Stage::Dispatch, Priority::Normal, &own), H(8));
        assert_eq!(stage_limit(Stage::Dispatch, Priority::Urgent, &own), H(4));
        assert_eq!(stage_limit(Stage::Sign, Priority::Urgent, &own), H(2));
        assert_eq!(stage_limit(Stage::Verify, Priority::Normal, &own), H(72));
        assert_eq!(stage_limit(Stage::Verify, Priority::Urgent, &own), H(24));
    }

    #[test]
    fn clock_lights_and_pause() {
        let cal = Calendar::default();
        // Monday 2026-11-23 10:00, 10 working hours: yellow after 8, red after 10.
        let c = Clock::start(&cal, at("2026-11-23", 10), H(10));
        assert_eq!(c.deadline_at, at("2026-11-23", 20));
        assert_eq!(c.warn_at, at("2026-11-23", 18));
        assert_eq!(c.light(at("2026-11-23", 17)), Light::Green);
        assert_eq!(c.light(at("2026-11-23", 18)), Light::Yellow);
        assert_eq!(c.light(at("2026-11-23", 20)), Light::Yellow);
        assert_eq!(c.light(at("2026-11-23", 21)), Light::Red);
        // Paused at 15:00 with 5 h left; resumed Friday 22:00: 2 h on Friday, 3 h on Monday.
        let left = c.remaining(&cal, at("2026-11-23", 15));
        assert_eq!(left, 5 * 3_600_000);
        let r = Clock::resume(&cal, at("2026-11-27", 22), left, c.limit_ms);
        assert_eq!(r.deadline_at, at("2026-11-30", 3));
        assert_eq!(r.warn_at, at("2026-11-30", 1));
        // A week-long limit over a weekend.
        let w = Clock::start(&cal, at("2026-11-27", 9), D(1));
        assert_eq!(w.deadline_at, at("2026-12-01", 0));
    }

    #[test]
    fn ladder_and_actors() {
        assert_eq!(next_level(Level::Village), Some(Level::Township));
        assert_eq!(next_level(Level::County), Some(Level::City));
        assert_eq!(next_level(Level::City), None);
        assert_eq!(actor_of(Role::Leader), None);
        assert_eq!(actor_of(Role::Resident), Some(Actor::Reporter));
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            Satisfaction::parse_field("satisfaction", "基本满意").unwrap(),
            Satisfaction::BasicallySatisfied
        );
        assert_eq!(
            Satisfaction::parse_field("satisfaction", "ok")
                .unwrap_err()
                .field,
            "satisfaction"
        );
    }

    #[test]
    fn secrets() {
        let s = tracking_secret(0xdead_beef_1234);
        assert_eq!(s.len(), 6);
        assert!(!s.contains(['0', 'O', '1', 'I', 'L']));
        assert_ne!(s, tracking_secret(0xdead_beef_1235));
    }
}
