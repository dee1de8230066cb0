//! An in-process, stateful stand-in for Zoho CRM's access-control settings APIs on loopback.
