//! Roles and what each may do. Scope (which part of the territory) is separate: see `Scope`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    GridWorker,
    Agent,
    Dispatcher,
    Handler,
    Leader,
    PartyOfficer,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read regions, grids, households and persons (masked) in scope.
    ReadRegistry,
    /// Create and edit households and persons.
    WriteRegistry,
    /// Create and edit regions and grids.
    WriteTerritory,
    /// See ID numbers and phones in full (each read is audited).
    RevealPii,
    /// Create accounts and read the audit log.
    ManageAccounts,
    /// Edit case categories, routing rules and the working-day calendar.
    ManageCatalog,
    /// Take a case in for someone (grid report, hotline, window, API).
    FileCases,
    /// See a case's reporter and dispute parties' phones in full to call them back (each read is
    /// audited); everyone else sees them masked.
    RevealCaseContacts,
    /// Read the assessment (indicator values, dashboards) of one's scope: leaders, dispatchers
    /// and party officers; a grid worker, handler or agent sees their own work elsewhere.
    ReadAssessment,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Resident,
        Role::GridWorker,
        Role::Agent,
        Role::Dispatcher,
        Role::Handler,
        Role::Leader,
        Role::PartyOfficer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::GridWorker => "grid_worker",
            Role::Agent => "agent",
            Role::Dispatcher => "dispatcher",
            Role::Handler => "handler",
            Role::Leader => "leader",
            Role::PartyOfficer => "party_officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Resident => "群众",
            Role::GridWorker => "网格员",
            Role::Agent => "窗口人员/代办员",
            Role::Dispatcher => "调度员",
            Role::Handler => "处置单位",
            Role::Leader => "领导",
            Role::PartyOfficer => "党务工作者",
            Role::Admin => "系统管理员",
        }
    }

    /// The permission table. Kept as one match so a reader sees every cell.
    pub fn may(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match (self, p) {
            (Admin, _) => true,
            (Resident, _) => false,
            (_, ReadRegistry) => true,
            (GridWorker | Agent, WriteRegistry | RevealPii) => true,
            (GridWorker | Agent | Dispatcher | Handler, FileCases | RevealCaseContacts) => true,
            (_, WriteRegistry | RevealPii | WriteTerritory | ManageAccounts | ManageCatalog) => {
                false
            }
            (_, FileCases | RevealCaseContacts) => false,
            (Leader | Dispatcher | PartyOfficer, ReadAssessment) => true,
            (_, ReadAssessment) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn permission_table() {
        use Permission::*;
        let expect = |r: Role, p: Permission| -> bool {
            match r {
                Role::Admin => true,
                Role::Resident => false,
                Role::GridWorker | Role::Agent => matches!(
                    p,
                    ReadRegistry | WriteRegistry | RevealPii | FileCases | RevealCaseContacts
                ),
                Role::Dispatcher => matches!(
                    p,
                    ReadRegistry | FileCases | RevealCaseContacts | ReadAssessment
                ),
                Role::Handler => matches!(p, ReadRegistry | FileCases | RevealCaseContacts),
                Role::Leader | Role::PartyOfficer => matches!(p, ReadRegistry | ReadAssessment),
            }
        };
        for r in Role::ALL {
            for p in [
                ReadRegistry,
                WriteRegistry,
                WriteTerritory,
                RevealPii,
                ManageAccounts,
                ManageCatalog,
                FileCases,
                RevealCaseContacts,
                ReadAssessment,
            ] {
                assert_eq!(r.may(p), expect(r, p), "{r:?} {p:?}");
            }
        }
    }
}
