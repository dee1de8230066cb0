//! `GET /org`: the org the access token belongs to, with its environment (`type`).
//!
//! Every org seed has its own org id (the directory's, from the same seed as its other ids);
//! the name is the same in every seed. The `type` is `Production` unless the simulator was
//! started or set otherwise ([`SimulatorBuilder::org_type`](super::SimulatorBuilder::org_type),
//! `PUT /__simulator/oauth`), so a test can play a sandbox or a developer org. The hierarchy
//! preference is the directory's (`POST /__simulator/directory` changes it).

use serde_json::json;

use super::responses::Reply;
use super::state::State;

/// The org's own facts.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    /// `Production`, `Sandbox`, `Developer` (as Zoho's OpenAPI file spells them).
    pub org_type: String,
}

impl Org {
    pub(crate) fn new(org_type: &str) -> Org {
        Org {
            org_type: org_type.to_owned(),
        }
    }
}

/// The org, as the one item of `org`. The primary contact is the user the tokens belong to.
pub(crate) fn handle(org: &Org, state: &State) -> Reply {
    let id = &state.dir.org_id;
    let zgid = id.get(..7).unwrap_or(id).to_owned();
    let primary = state
        .dir
        .user_details
        .first()
        .map(|u| (u.email.clone(), u.id.clone()));
    let (email, zuid) = primary.unwrap_or_default();
    Reply::json(
        200,
        json!({
            "org": [{
                "id": id,
                "company_name": "Zylker Simulated",
                "domain_name": format!("org{zgid}"),
                "type": org.org_type,
                "primary_email": email,
                "primary_zuid": zuid,
                "zgid": zgid,
                "time_zone": "Asia/Kolkata",
                "license_details": { "paid": true, "paid_type": "enterprise" },
                "hierarchy_preferences": {
                    "type": state.dir.hierarchy,
                    "strictly_reporting": state.dir.strictly_reporting,
                },
            }]
        }),
    )
}
