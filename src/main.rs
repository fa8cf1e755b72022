use std::process::ExitCode;

fn main() -> ExitCode {
    grassroots::cli::main()
}
