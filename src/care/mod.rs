//! Care for residents who live alone (issue 21): with the resident's
//! recorded consent, a plan by level of need, contacts by a named carer
//! and a backup, and an alert when a contact is missed. So far its rules;
//! the plans, check-ins, alerts and pages build on them.

pub mod rules;
