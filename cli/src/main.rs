use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = suikang_cli::args::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(suikang_cli::run::run(args))
}
