//! `zoho-access man`: the manual page (roff), generated from the command definition, with
//! sections for the exit status, the environment and the output convention.
//!
//! A subcommand rather than an xtask, for the same reason as `completions`: the installed
//! binary can write the pages that match it (`zoho-access man --dir /usr/local/share/man/man1`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::CliError;

/// Options of `zoho-access man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write one page per command into this directory (zoho-access.1,
    /// zoho-access-locking-delete.1 ...) instead of printing the main page on stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Sections of the main page that clap does not know about, in roff.
const EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success (a dry run included; a plan with or without changes).
.TP
\fB1\fR
Zoho or the network refused or failed the request (\fBapply\fR: it stopped part way, and its report says what was applied).
.TP
\fB2\fR
Invalid usage or input (a desired\-state file that cannot be applied included), or a confirmation needed without \fB\-\-yes\fR and without a terminal to ask on; nothing was changed.
.TP
\fB3\fR
No credentials, or an unusable endpoint configuration or profile.
.TP
\fB4\fR
The confirmation was declined; nothing was sent.
.PP
\fBplan \-\-detailed\-exitcode\fR (as terraform's \fB\-detailed\-exitcode\fR): \fB0\fR no changes, \fB2\fR changes, \fB1\fR any error, usage errors included; only there does \fB2\fR mean changes.
.SH ENVIRONMENT
.TP
\fBZOHO_ACCESS_TOKEN\fR
An access token to use as it is.
.TP
\fBZOHO_CLIENT_ID\fR, \fBZOHO_CLIENT_SECRET\fR, \fBZOHO_REFRESH_TOKEN\fR
Credentials of the refresh\-token flow; access tokens minted with them are cached (see \fB\-\-token\-cache\fR).
.TP
\fBZOHO_DATA_CENTER\fR, \fBZOHO_ENVIRONMENT\fR, \fBZOHO_API_DOMAIN\fR, \fBZOHO_ACCOUNTS_DOMAIN\fR, \fBZOHO_TOKEN_CACHE\fR
Defaults of the options of the same names.
.TP
\fBZOHO_ACCESS_PROFILE\fR, \fBZOHO_ACCESS_CONFIG\fR
Defaults of \fB\-\-profile\fR and \fB\-\-config\fR: a named profile (an org's endpoints and where its secrets are) in the profiles file. With a profile, the credential variables above are not read.
.TP
\fBNO_COLOR\fR
When set and not empty, no colour on stderr (there is none either when stderr is not a terminal).
.TP
\fBRUST_LOG\fR
Log filter, overriding \fB\-v\fR.
.SH OUTPUT
Stdout carries one document per successful command and nothing when it fails: a table on a terminal, JSON when piped or redirected (\fB\-\-output\fR chooses); one thing as a JSON object (\fBnull\fR for none), several as \fB{"items": [...]}\fR (with Zoho's paging \fB"info"\fR for one page), a dry run as \fB{"dry_run": true, "requests": [...]}\fR. \fB\-\-output yaml\fR prints the same document as YAML; \fB\-\-output table\fR is for reading. Errors are one \fBerror:\fR line on stderr, then one \fBcaused by:\fR line per underlying failure.
"#;

/// The main page: clap's sections, then [`EXTRA`].
fn main_page(cmd: clap::Command, w: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;
    w.write_all(EXTRA.as_bytes())?;
    man.render_version_section(w)
}

/// Writes a page for `cmd` and each of its subcommands into `dir`.
fn pages(cmd: &clap::Command, dir: &Path, top: bool) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages(sub, dir, false)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut file = std::fs::File::create(dir.join(man.get_filename()))?;
    if top {
        main_page(cmd.clone(), &mut file)?;
    } else {
        man.render(&mut file)?;
    }
    file.flush()
}

pub fn run(args: &ManArgs) -> Result<(), CliError> {
    // The global options on the top page only, as in --help.
    let mut cmd = crate::command().disable_help_subcommand(true);
    // Gives subcommands their full names (zoho-access-locking-delete).
    cmd.build();
    match &args.dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| pages(&cmd, dir, true))
            .map_err(|e| CliError::Other(format!("cannot write the manual pages: {e}"))),
        None => {
            let mut page = Vec::new();
            main_page(cmd, &mut page)
                .map_err(|e| CliError::Other(format!("cannot render the manual page: {e}")))?;
            let mut out = std::io::stdout().lock();
            match out.write_all(&page).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(CliError::Other(format!("cannot write to stdout: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}
