use std::process::ExitCode;

fn main() -> ExitCode {
    memory::keep_small();
    grassroots::cli::main()
}

/// glibc's allocator gives each thread that allocates at once an arena of
/// its own and keeps what is freed in it: after the loads of `bench/run`
/// the process held hundreds of megabytes for as long as it ran
/// (BENCHMARKS.md). Two arenas (one a core), and what is free given back
/// each time the quiet server's database connections have let go of their
/// caches (`web::idle::release_when_idle`; never
/// under load: trimming holds the allocator's locks).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod memory {
    pub fn keep_small() {
        // SAFETY: mallopt only sets the allocator's parameters; it is
        // called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            // Blocks of 128 KB and more (a page's HTML, a big result) are
            // mapped and unmapped on their own. glibc otherwise raises this
            // threshold as such blocks are freed, and they then fragment the
            // arenas: after bench/run's loads and a quiet minute, 72 MB
            // resident with it moving, 48 MB fixed, at the same speed.
            libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        }
        let _ = std::thread::Builder::new()
            .name("memory-trim".into())
            .spawn(|| {
                let mut seen = grassroots::web::idle::released();
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    let now = grassroots::web::idle::released();
                    if now != seen {
                        seen = now;
                        // SAFETY: malloc_trim and mallinfo2 take the
                        // allocator's own locks.
                        let held = unsafe {
                            libc::malloc_trim(0);
                            libc::mallinfo2()
                        };
                        // What bench/run reads: the heap in use (blocks of
                        // 128 KB and more, mapped on their own, apart) and the
                        // free space inside the arenas, counting the pages
                        // the trim has just handed back.
                        let mb = |bytes: usize| (bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0;
                        tracing::debug!(
                            in_use_mb = mb(held.uordblks),
                            free_mb = mb(held.fordblks),
                            mapped_mb = mb(held.hblkhd),
                            "allocator trimmed"
                        );
                    }
                }
            });
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod memory {
    pub fn keep_small() {}
}
