//! `nguon`: the Nguồn command line. This file only parses arguments, loads the configuration,
//! starts logging and hands over to one module per command; failures end here as one line on
//! stderr and a non-zero exit code.

mod admin_cmd;
mod backup_cmd;
mod bench_cmd;
mod bench_epcis;
mod bench_public;
mod bench_recall;
mod bench_trace;
mod chain_data;
mod cli;
mod config;
mod database;
mod demo;
mod epcis_hash_cmd;
mod export_cmd;
mod gs1_cmd;
mod import_cmd;
mod labels_cmd;
mod logging;
mod migrate;
mod privacy_cmd;
mod quality_cmd;
mod recall_cmd;
mod serve;
mod trace_cmd;
mod verify_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{
    Cli, Command, KeyCommand, OrgCommand, QualityCommand, RecallCommand, UserCommand,
};
use crate::config::Flags;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(cli)));
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = config::load(&cli.config_file())?.with_flags(Flags {
        log_format: cli.log_format,
        ..Flags::default()
    });
    let destination = match cli.command {
        Command::Serve(_) | Command::Demo(_) | Command::Migrate(_) => logging::Destination::Stdout,
        _ => logging::Destination::Stderr,
    };
    logging::init(config.log_format, destination)?;
    match cli.command {
        Command::Serve(args) => serve::run(config, args).await.map(|()| ExitCode::SUCCESS),
        Command::Demo(args) => demo::run(config, args).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate(args) => migrate::run(config, args).await.map(|()| ExitCode::SUCCESS),
        Command::Gs1(args) => Ok(gs1_cmd::run(&args, &config.gs1.prefix_lengths)),
        Command::EpcisHash(args) => Ok(epcis_hash_cmd::run(&args)),
        Command::BenchStore(args) => bench_cmd::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::BenchEpcis(args) => bench_epcis::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::BenchTrace(args) => bench_trace::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::BenchPublic(args) => bench_public::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Trace(args) => trace_cmd::run(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Recall(RecallCommand::Drill(args)) => recall_cmd::run(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Backup(args) => backup_cmd::backup(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Restore(args) => backup_cmd::restore(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => verify_cmd::run(config, args).await,
        Command::Export(command) => export_cmd::run(config, command)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Privacy(command) => privacy_cmd::run(config, command)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::BenchRecall(args) => bench_recall::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Quality(QualityCommand::Refresh(args)) => quality_cmd::refresh(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Org(OrgCommand::Add(args)) => admin_cmd::org_add(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Key(KeyCommand::Create(args)) => admin_cmd::key_create(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::User(UserCommand::Add(args)) => admin_cmd::user_add(config, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Import(args) => import_cmd::run(config, args).await,
        Command::Labels(args) => labels_cmd::run(config, args).await,
    }
}

/// The error and its causes as "outer: inner: …" on a single line: an operator reading a service
/// log or a terminal gets the whole reason at once, without a backtrace or a Debug dump.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_as_one_line_with_their_causes() {
        let error = anyhow::anyhow!("connection refused\n(details)")
            .context("cannot open database postgres://nobody@127.0.0.1:1/x");
        assert_eq!(
            one_line(&error),
            "cannot open database postgres://nobody@127.0.0.1:1/x: connection refused (details)"
        );
    }
}
