//! The operations of the spec and their facts, as one table.
//!
//! [`Operation`] has one variant per operation of `spec/zoho-crm-access.yaml`, and each fact the
//! spec states about an operation is a method on it: its operationId ([`Operation::id`]), HTTP
//! method and path, the OAuth scopes that allow it (alternatives, each a set needed together), whether it may be sent again after a lost
//! answer (the spec's `x-zoho-repeatable`), whether it answers `204 No Content`, how many items
//! a page or a request body may hold, and its [`Family`]. The table is generated from the spec
//! when the crate is built (see `spec/codegen.rs`), so a fact is written once, in the spec, and
//! code that needs it asks the table instead of spelling an operationId.
//!
//! ```
//! use zoho_crm_access::operations::{Family, Operation};
//!
//! // The scopes that allow each call on sharing rules that changes nothing: the
//! // alternatives, each a set of scopes a token needs together.
//! for op in Operation::ALL
//!     .iter()
//!     .filter(|op| op.family() == Family::SharingRules && op.method() == http::Method::GET)
//! {
//!     let sets: Vec<String> = op.scopes().iter().map(|set| set.join(" and ")).collect();
//!     println!("{op}: {}", sets.join(" or "));
//! }
//!
//! let list = Operation::from_id("listSharingRules").unwrap();
//! assert_eq!(list.path(), "/settings/data_sharing/rules");
//! assert_eq!(list.scopes()[0], ["ZohoCRM.settings.data_sharing.READ"]);
//! // A record lock needs the lock scope and a module scope together.
//! assert_eq!(
//!     Operation::GetRecordLocks.scopes()[0],
//!     ["ZohoCRM.modules.lockinginformation.READ", "ZohoCRM.modules.ALL"]
//! );
//! assert!(list.repeatable());
//! assert_eq!(list.max_per_page(), Some(200));
//! assert_eq!(Operation::UpdateOrgPermissions.max_items(), Some(100));
//! ```

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

#[cfg(test)]
mod tests {
    use super::Operation;

    /// Every name the generated client hands to its hooks (`OperationInfo::operation_id` in
    /// each builder's `send`), read from the generated source, maps to an operation, and every
    /// operation is named once.
    #[test]
    fn every_name_the_generated_client_passes_maps_to_an_operation() {
        let source = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/codegen.rs")).unwrap();
        let file = syn::parse_file(&source).unwrap();
        let mut names = Vec::new();
        collect(&file.items, &mut names);
        assert_eq!(names.len(), Operation::ALL.len(), "{names:?}");
        let mut mapped: Vec<Operation> = names
            .iter()
            .map(|n| Operation::from_generated_name(n).unwrap_or_else(|| panic!("{n}")))
            .collect();
        mapped.sort_by_key(|op| op.id());
        mapped.dedup();
        assert_eq!(mapped.len(), Operation::ALL.len());
        assert_eq!(Operation::from_generated_name("listSharingRules"), None);
    }

    fn collect(items: &[syn::Item], names: &mut Vec<String>) {
        for item in items {
            match item {
                syn::Item::Mod(m) => collect(m.content.as_ref().map_or(&[][..], |c| &c.1), names),
                syn::Item::Impl(i) => {
                    for f in i.items.iter().filter_map(|it| match it {
                        syn::ImplItem::Fn(f) => Some(f),
                        _ => None,
                    }) {
                        for stmt in &f.block.stmts {
                            let syn::Stmt::Local(syn::Local {
                                init: Some(init), ..
                            }) = stmt
                            else {
                                continue;
                            };
                            let syn::Expr::Struct(s) = &*init.expr else {
                                continue;
                            };
                            if !s.path.is_ident("OperationInfo") {
                                continue;
                            }
                            for field in &s.fields {
                                if let syn::Expr::Lit(syn::ExprLit {
                                    lit: syn::Lit::Str(name),
                                    ..
                                }) = &field.expr
                                {
                                    names.push(name.value());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
