//! The shape of the house: the kit (`db`, `web`, `auth`, `i18n`, `config`,
//! `photos`, `recordings`, `live`, `backup`) names no capability, so a new
//! capability never means editing the kit. See docs/architecture.md.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The kit's modules, and the macros it exports at the crate's root.
const KIT: &[&str] = &[
    "db",
    "web",
    "auth",
    "i18n",
    "config",
    "photos",
    "recordings",
    "live",
    "backup",
];
const KIT_MACROS: &[&str] = &["on_db", "record_live_event"];

/// The modules a piece of Rust names through `crate::`: in `use` lines,
/// groups (`use crate::{a, b::c}`) and paths written out in the code.
fn crate_modules_named(source: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or("");
                for item in inside.split(',') {
                    let first = item.trim().split("::").next().unwrap_or("").trim();
                    if !first.is_empty() {
                        named.insert(first.to_string());
                    }
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.insert(name);
            }
        }
    }
    named
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn kit_files() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for module in KIT {
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
        rust_files(&src.join(module), &mut files);
    }
    files
}

fn outside_the_kit(named: &BTreeSet<String>) -> Vec<String> {
    named
        .iter()
        .filter(|m| !KIT.contains(&m.as_str()) && !KIT_MACROS.contains(&m.as_str()))
        .cloned()
        .collect()
}

#[test]
fn the_reader_finds_every_form_of_naming_a_module() {
    let source = "use crate::db::Db;\n\
                  use crate::{web::AppError, requests::store};\n\
                  let n = crate::rates::district::Cache::default();\n\
                  // crate::screen is only mentioned in a comment\n\
                  crate::on_db!(db, |pool| x);";
    let named = crate_modules_named(source);
    let expected: BTreeSet<String> = ["db", "web", "requests", "rates", "on_db"]
        .map(String::from)
        .into();
    assert_eq!(named, expected);
    assert_eq!(outside_the_kit(&named), vec!["rates", "requests"]);
}

#[test]
fn the_kit_names_no_capability() {
    let files = kit_files();
    assert!(
        files.len() >= KIT.len(),
        "the kit's files were not found: {files:?}"
    );
    let mut wrong = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("a kit file reads");
        for module in outside_the_kit(&crate_modules_named(&source)) {
            wrong.push(format!("{} names crate::{module}", file.display()));
        }
    }
    assert!(
        wrong.is_empty(),
        "the kit must not name a capability (hand it what it needs from src/app.rs instead):\n{}",
        wrong.join("\n")
    );
}
