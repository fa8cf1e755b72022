//! Volunteers on duty (issue 21): teams such as the Red Armband patrol,
//! a roster of recurring shifts with sign-ups and swaps, requests handed
//! to whoever is on duty, and service hours. So far its rules; the roster,
//! the duty view and the hours build on them.

pub mod rules;
