use std::process::ExitCode;

fn main() -> ExitCode {
    memory::keep_small();
    grassroots::cli::main()
}

/// glibc's allocator gives each thread that allocates at once an arena of
/// its own and keeps what is freed in it: after the loads of `bench/run`
/// the process held hundreds of megabytes for as long as it ran
/// (BENCHMARKS.md). Two arenas (one a core), and what is free given back
/// once no request has come for ten seconds (never under load: trimming
/// holds the allocator's locks).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod memory {
    pub fn keep_small() {
        // SAFETY: mallopt only sets the allocator's parameters; it is
        // called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
        let _ = std::thread::Builder::new()
            .name("memory-trim".into())
            .spawn(|| {
                let mut seen = grassroots::web::metrics::answered();
                let mut trimmed = false;
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(10));
                    let now = grassroots::web::metrics::answered();
                    if now != seen {
                        (seen, trimmed) = (now, false);
                    } else if !trimmed {
                        // SAFETY: malloc_trim takes the allocator's own locks.
                        unsafe {
                            libc::malloc_trim(0);
                        }
                        trimmed = true;
                    }
                }
            });
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod memory {
    pub fn keep_small() {}
}
