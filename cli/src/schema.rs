//! `zoho-access schema`: the JSON Schema of the desired-state file, for editors and CI. A
//! document as every command prints one: JSON by default, `-o yaml`; no table of it.

use crate::output::{Format, Printer};
use crate::CliError;

pub fn run(format: Option<Format>) -> Result<(), CliError> {
    let format = format.unwrap_or_default();
    if format == Format::Table {
        return Err(CliError::Usage(
            "schema prints a JSON Schema: JSON (the default) or YAML (-o yaml); there is no \
             table of it"
                .into(),
        ));
    }
    let schema = serde_json::to_value(zoho_crm_access::desired::json_schema())
        .map_err(|e| CliError::Other(format!("cannot encode the schema: {e}")))?;
    Printer::new(format).one(&schema)
}
