//! What every storage module uses: the backend's query API, every area's shared helpers and
//! types, and the domain rules.

pub(crate) use crate::assess::tally::{count_event, so_far};
pub(crate) use crate::backend::shared::*;
pub(crate) use crate::backend::{
    Backend, DbRow, Query, QueryAs, SqlStore, Tx, query, query_as, raw_execute,
};
pub(crate) use crate::model::*;
pub(crate) use crate::stats::StoreStats;
pub(crate) use crate::{BoxFut, StoreError, StoreResult, new_id, now_ms};
pub(crate) use crate::{accounts::*, cases::*, registry::*, system::*, territory::*};
pub(crate) use serde::{Deserialize, Serialize};
pub(crate) use sqlx::AssertSqlSafe;
pub(crate) use std::collections::HashMap;
pub(crate) use tongchou_domain::calendar::{Calendar, Light, day_of};
pub(crate) use tongchou_domain::cases::{
    Clock, Satisfaction, Source, Stage, actor_of, next_level, stage_limit, tracking_secret,
};
pub(crate) use tongchou_domain::categories::{Limit, Priority, case_number};
pub(crate) use tongchou_domain::error::{optional_text, phone, required_text};
pub(crate) use tongchou_domain::routing::{self, Route, Territory};
pub(crate) use tongchou_domain::workflow::{self, Action, Actor, State};
pub(crate) use tongchou_domain::{
    Invalid, Level, RegionCode, Role, Scope, UrbanRural, grid, idcard, search,
};
