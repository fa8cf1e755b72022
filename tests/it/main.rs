//! The integration suite: one binary, the real server over HTTP, a fresh
//! database per test, on SQLite and (when configured) PostgreSQL.

mod smtp_sink;
mod support;

mod access;
mod activities;
mod admin;
mod answers;
mod api;
mod appointments;
mod authz;
mod backup;
mod bad_input;
mod browser;
mod browser_community_life;
mod browser_requests;
mod browser_voice;
mod calendar;
mod chase;
mod crash;
mod dashboard;
mod desk;
mod field_photos;
mod first_start;
mod house;
mod household;
mod inclusion;
mod journey;
mod limits;
mod my_data;
mod news;
mod once;
mod open311;
mod operations;
mod problems;
mod public_list;
mod rates;
mod referrals;
mod rooms;
mod screen;
mod search;
mod visibility;
mod voice;
mod web_attacks;
mod work_orders;
mod xss;
