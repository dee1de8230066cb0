//! `zoho-access completions SHELL`: a completion script generated from the command
//! definition, so it always matches the installed version.
//!
//! A subcommand rather than an xtask: people who install the tool with `cargo install` (or
//! a package) have the binary, not the repository, and packagers generate the script at
//! install time with the binary they ship.

use clap::Args;

use crate::output::write_stdout;
use crate::CliError;

/// Options of `zoho-access completions`.
#[derive(Args, Debug)]
#[command(after_help = "Install, for example:
  bash:  zoho-access completions bash > ~/.local/share/bash-completion/completions/zoho-access
  zsh:   zoho-access completions zsh > ~/.zfunc/_zoho-access   (with ~/.zfunc in fpath)
  fish:  zoho-access completions fish > ~/.config/fish/completions/zoho-access.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the script on stdout.
pub fn run(args: &CompletionsArgs) -> Result<(), CliError> {
    // Every option completes on every command: the global ones are not hidden here.
    let mut cmd = crate::base_command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "zoho-access", &mut script);
    let text = String::from_utf8(script)
        .map_err(|e| CliError::Other(format!("cannot generate the completion script: {e}")))?;
    write_stdout(text.trim_end_matches('\n'))
}
