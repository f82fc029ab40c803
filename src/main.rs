//! The `eksgen` binary: parse arguments, run the command, print, exit.
//!
//! Exit codes: the command's own (see `eksgen --help`); 2 when its output cannot be
//! written. A closed pipe (`eksgen plan | head`) is not an error: the command's own code
//! stands.

use std::io::{self, Write};
use std::process::ExitCode;

use eksgen::cli::Cli;
use eksgen::error::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse_from_env();
    let color = cli.color();
    match eksgen::commands::run(cli) {
        Ok(outcome) => {
            let mut stdout = anstream::AutoStream::new(io::stdout(), color);
            let mut stderr = anstream::AutoStream::new(io::stderr(), color);
            let results = [
                write_and_flush(&mut stdout, &outcome.stdout),
                write_and_flush(&mut stderr, &outcome.stderr),
            ];
            match results.into_iter().find_map(Result::err) {
                Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    let _ = writeln!(io::stderr(), "error: cannot write the output: {e}");
                    Exit::Error.into()
                }
                _ => outcome.exit.into(),
            }
        }
        Err(err) => {
            let _ = writeln!(io::stderr(), "error: {err}");
            err.exit().into()
        }
    }
}

fn write_and_flush(stream: &mut impl Write, text: &str) -> io::Result<()> {
    stream.write_all(text.as_bytes())?;
    stream.flush()
}
