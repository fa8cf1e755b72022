use std::process::ExitCode;

fn main() -> ExitCode {
    memory::keep_small();
    grassroots::cli::main()
}

/// glibc's allocator gives each thread that allocates at once an arena of
/// its own and keeps what is freed in it: after a load, the process held
/// twice what it needed for as long as it ran (BENCHMARKS.md). Two arenas
/// (one a core) and, every half minute, what is free given back.
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
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(30));
                    // SAFETY: malloc_trim takes the allocator's own locks.
                    unsafe {
                        libc::malloc_trim(0);
                    }
                }
            });
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod memory {
    pub fn keep_small() {}
}
