//! Grassroots: the software a residential community runs itself on.
//!
//! A folder per capability (`requests`, `community`, `desk`, `api` …) and a
//! thin shared kit (`db`, `auth`, `web`, `i18n`, `config`).

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod activities;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod care;
pub mod chase;
pub mod cli;
pub mod community;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod desk;
pub mod district;
pub mod home;
pub mod i18n;
pub mod ideas;
pub mod legal;
pub mod library;
pub mod live;
pub mod mail;
pub mod my_data;
pub mod notices;
pub mod open311;
pub mod photos;
pub mod polls;
pub mod problems;
pub mod rates;
pub mod recognitions;
pub mod recordings;
pub mod referrals;
pub mod requests;
pub mod rooms;
pub mod screen;
pub mod server;
pub mod sms;
pub mod volunteers;
pub mod web;
