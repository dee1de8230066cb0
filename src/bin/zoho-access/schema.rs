//! `zoho-access schema`: the JSON Schema of the desired-state file, for editors and CI.

use crate::output::write_stdout;
use crate::CliError;

pub fn run() -> Result<(), CliError> {
    let schema = zoho_crm_access::desired::json_schema();
    let text = serde_json::to_string_pretty(&schema)
        .map_err(|e| CliError::Other(format!("cannot encode the schema: {e}")))?;
    write_stdout(&text)
}
