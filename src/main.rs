//! The `eksgen` binary: parse arguments, run the command, print, exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = eksgen::cli::Cli::parse();
    match eksgen::app::run(cli) {
        Ok(outcome) => {
            // A closed pipe (`eksgen plan | head`) is not an error.
            let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
            let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
            ExitCode::from(outcome.code)
        }
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
