//! The case lifecycle (SPEC §3) as an explicit table: (state, action, actor) → next state.
//! Anything not in the table is refused with a stable code. A case's state is the replay of its
//! events from `reported`.
//!
//! 受理→派遣→处置→核查→结案→评价, with returns (回退), escalation (上报上级), suspension (挂账/延时,
//! the clock pauses), rework (返工) when verification fails, and reopening by the reporter.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Reported,
    Accepted,
    Rejected,
    Dispatched,
    InProgress,
    Returned,
    Handled,
    Escalated,
    Suspended,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 立案
    Accept,
    /// 不予立案 / 作废 (with a reason)
    Reject,
    /// Merge into another case as its duplicate; ends this one.
    Merge,
    /// 派遣 to a unit
    Dispatch,
    /// 签收
    Sign,
    /// 回退: not our responsibility, back to the dispatcher
    Return,
    /// 反馈 with evidence
    Handle,
    /// 上报上级: one level up, dispatched again there
    Escalate,
    /// 挂账/延时, approved by the dispatcher; the clock pauses
    Suspend,
    Resume,
    /// 核查通过 → 结案
    VerifyPass,
    /// 核查不通过 → 返工
    VerifyFail,
    /// The reporter reopens a closed case within the window.
    Reopen,
}

/// Who acts on a case. `System` is the timer (automatic escalation on overdue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Reporter,
    GridWorker,
    Dispatcher,
    Handler,
    System,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Reported,
        State::Accepted,
        State::Rejected,
        State::Dispatched,
        State::InProgress,
        State::Returned,
        State::Handled,
        State::Escalated,
        State::Suspended,
        State::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Accepted => "accepted",
            State::Rejected => "rejected",
            State::Dispatched => "dispatched",
            State::InProgress => "in_progress",
            State::Returned => "returned",
            State::Handled => "handled",
            State::Escalated => "escalated",
            State::Suspended => "suspended",
            State::Closed => "closed",
        }
    }

    /// Open cases are on somebody's desk; their clocks run (except when suspended).
    pub fn is_open(self) -> bool {
        !matches!(self, State::Rejected | State::Closed)
    }
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::Accept,
        Action::Reject,
        Action::Merge,
        Action::Dispatch,
        Action::Sign,
        Action::Return,
        Action::Handle,
        Action::Escalate,
        Action::Suspend,
        Action::Resume,
        Action::VerifyPass,
        Action::VerifyFail,
        Action::Reopen,
    ];
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Merge => "merge",
            Action::Dispatch => "dispatch",
            Action::Sign => "sign",
            Action::Return => "return",
            Action::Handle => "handle",
            Action::Escalate => "escalate",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::VerifyPass => "verify_pass",
            Action::VerifyFail => "verify_fail",
            Action::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl State {
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Reporter => "reporter",
            Actor::GridWorker => "grid_worker",
            Actor::Dispatcher => "dispatcher",
            Actor::Handler => "handler",
            Actor::System => "system",
        }
    }

    pub const ALL: [Actor; 5] = [
        Actor::Reporter,
        Actor::GridWorker,
        Actor::Dispatcher,
        Actor::Handler,
        Actor::System,
    ];
}

/// The whole table: every allowed (state, action, actor) and the state it leads to.
pub const TABLE: &[(State, Action, Actor, State)] = {
    use Action::*;
    use Actor::*;
    use State::*;
    &[
        (Reported, Accept, Dispatcher, Accepted),
        (Reported, Reject, Dispatcher, Rejected),
        (Reported, Merge, Dispatcher, Rejected),
        (Accepted, Dispatch, Dispatcher, Dispatched),
        (Accepted, Merge, Dispatcher, Rejected),
        (Accepted, Escalate, Dispatcher, Escalated),
        (Dispatched, Sign, Handler, InProgress),
        (Dispatched, Return, Handler, Returned),
        (Dispatched, Escalate, System, Escalated),
        (Returned, Dispatch, Dispatcher, Dispatched),
        (Returned, Reject, Dispatcher, Rejected),
        (Returned, Escalate, Dispatcher, Escalated),
        (InProgress, Handle, Handler, Handled),
        (InProgress, Escalate, Handler, Escalated),
        (InProgress, Escalate, Dispatcher, Escalated),
        (InProgress, Escalate, System, Escalated),
        (InProgress, Suspend, Dispatcher, Suspended),
        (Suspended, Resume, Dispatcher, InProgress),
        (Escalated, Dispatch, Dispatcher, Dispatched),
        (Escalated, Escalate, Dispatcher, Escalated),
        (Handled, VerifyPass, GridWorker, Closed),
        (Handled, VerifyPass, Dispatcher, Closed),
        (Handled, VerifyFail, GridWorker, InProgress),
        (Handled, VerifyFail, Dispatcher, InProgress),
        (Closed, Reopen, Reporter, Accepted),
    ]
};

/// Why a transition is refused. Each maps to one stable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No row of the table has this state and action.
    NotAllowedInState,
    /// The action exists in this state, but not for this actor.
    NotYourAction,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotAllowedInState => "transition_not_allowed",
            Refusal::NotYourAction => "transition_forbidden_for_role",
        }
    }
}

pub fn next(state: State, action: Action, actor: Actor) -> Result<State, Refusal> {
    let mut action_exists = false;
    for &(s, a, who, to) in TABLE {
        if s == state && a == action {
            if who == actor {
                return Ok(to);
            }
            action_exists = true;
        }
    }
    Err(if action_exists {
        Refusal::NotYourAction
    } else {
        Refusal::NotAllowedInState
    })
}

/// Replays events from `reported`; the first refused event is reported with its index.
pub fn replay(events: &[(Action, Actor)]) -> Result<State, (usize, Refusal)> {
    events
        .iter()
        .enumerate()
        .try_fold(State::Reported, |s, (i, &(a, who))| {
            next(s, a, who).map_err(|r| (i, r))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell of state × action × actor: allowed exactly when the table says so, and then to
    /// the table's state; otherwise the refusal says whether the action exists in that state.
    #[test]
    fn every_cell_of_the_table() {
        let mut allowed = 0;
        for s in State::ALL {
            for a in Action::ALL {
                for who in Actor::ALL {
                    let row = TABLE.iter().find(|r| r.0 == s && r.1 == a && r.2 == who);
                    let any_actor = TABLE.iter().any(|r| r.0 == s && r.1 == a);
                    match (next(s, a, who), row) {
                        (Ok(to), Some(r)) => {
                            assert_eq!(to, r.3);
                            allowed += 1;
                        }
                        (Err(Refusal::NotYourAction), None) => {
                            assert!(any_actor, "{s:?} {a:?} {who:?}")
                        }
                        (Err(Refusal::NotAllowedInState), None) => {
                            assert!(!any_actor, "{s:?} {a:?} {who:?}")
                        }
                        (got, row) => panic!("{s:?} {a:?} {who:?}: {got:?} vs {row:?}"),
                    }
                }
            }
        }
        assert_eq!(allowed, TABLE.len());
        assert_eq!(State::ALL.len() * Action::ALL.len() * Actor::ALL.len(), 650);
    }

    #[test]
    fn the_table_has_no_duplicate_cells_and_terminal_states_are_closed() {
        for (i, r) in TABLE.iter().enumerate() {
            assert!(
                !TABLE[i + 1..]
                    .iter()
                    .any(|o| o.0 == r.0 && o.1 == r.1 && o.2 == r.2),
                "{r:?}"
            );
        }
        for a in Action::ALL {
            for who in Actor::ALL {
                assert!(next(State::Rejected, a, who).is_err(), "rejected is final");
                if (a, who) != (Action::Reopen, Actor::Reporter) {
                    assert!(next(State::Closed, a, who).is_err(), "closed only reopens");
                }
            }
        }
    }

    #[test]
    fn every_state_is_reachable_and_every_open_state_can_end() {
        let mut reach = vec![State::Reported];
        let mut i = 0;
        while i < reach.len() {
            let from = reach[i];
            for r in TABLE.iter().filter(|r| r.0 == from) {
                if !reach.contains(&r.3) {
                    reach.push(r.3);
                }
            }
            i += 1;
        }
        assert_eq!(reach.len(), State::ALL.len(), "{reach:?}");
        for s in State::ALL.into_iter().filter(|s| s.is_open()) {
            assert!(TABLE.iter().any(|r| r.0 == s), "{s:?} has no way out");
        }
    }

    #[test]
    fn the_whole_loop_with_rework_return_and_escalation() {
        use Action::*;
        use Actor::*;
        let events = [
            (Accept, Dispatcher),
            (Dispatch, Dispatcher),
            (Return, Handler),
            (Dispatch, Dispatcher),
            (Sign, Handler),
            (Escalate, Handler),
            (Dispatch, Dispatcher),
            (Sign, Handler),
            (Suspend, Dispatcher),
            (Resume, Dispatcher),
            (Handle, Handler),
            (VerifyFail, GridWorker),
            (Handle, Handler),
            (VerifyPass, GridWorker),
        ];
        assert_eq!(replay(&events), Ok(State::Closed));
        let mut reopened = events.to_vec();
        reopened.push((Reopen, Reporter));
        assert_eq!(replay(&reopened), Ok(State::Accepted));
        assert_eq!(
            replay(&[(Sign, Handler)]),
            Err((0, Refusal::NotAllowedInState))
        );
        assert_eq!(
            replay(&[(Accept, Handler)]),
            Err((0, Refusal::NotYourAction))
        );
        assert_eq!(
            Refusal::NotYourAction.code(),
            "transition_forbidden_for_role"
        );
    }
}
