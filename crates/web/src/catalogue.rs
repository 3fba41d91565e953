//! The province's product-group catalogue as Plan 140 starts it: seeded on first start, then
//! kept by the province on `/admin/product-groups`.

use nguon_domain::{
    Actor, ApprovalStatus, DomainError, ProductGroupCode, ProductGroupDetails, RecordName,
};
use nguon_store::{RecordQuery, Registry, Store, StoreError};

/// The groups Plan 140 names: code, Vietnamese name, English name, key product, mandatory.
const PLAN_140: [(&str, &str, &str, bool, bool); 8] = [
    ("tom-giong", "Tôm giống", "Shrimp seed", true, true),
    ("tom-nuoi", "Tôm nuôi", "Farmed shrimp", true, true),
    ("lua-gao", "Lúa gạo", "Rice", true, true),
    ("muoi", "Muối", "Salt", false, true),
    ("kho", "Khô", "Dried seafood", false, true),
    ("mam", "Mắm", "Fermented fish and shrimp paste", false, true),
    (
        "rau-mang-tay",
        "Rau, măng tây",
        "Vegetables and asparagus",
        false,
        true,
    ),
    (
        "ocop",
        "Sản phẩm OCOP, làng nghề",
        "OCOP and craft-village products",
        true,
        false,
    ),
];

/// The Plan 140 groups as typed details.
pub fn plan_140() -> Result<Vec<ProductGroupDetails>, DomainError> {
    PLAN_140
        .iter()
        .map(|(code, vi, en, key, mandatory)| {
            Ok(ProductGroupDetails {
                code: ProductGroupCode::parse(code)?,
                name_vi: RecordName::parse("Vietnamese name", vi)?,
                name_en: RecordName::parse("English name", en)?,
                key: *key,
                mandatory: *mandatory,
            })
        })
        .collect()
}

/// Registers the Plan 140 groups, approved and audited as done by the command line, when the
/// catalogue is empty; a catalogue the province already keeps is left alone. Returns how many
/// groups were added.
pub async fn seed(store: &dyn Store) -> Result<usize, StoreError> {
    let existing = store
        .list::<ProductGroupDetails>(&RecordQuery {
            limit: 1,
            ..RecordQuery::default()
        })
        .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let groups = plan_140().map_err(|error| StoreError::Internal(error.to_string()))?;
    for group in &groups {
        store
            .register(None, group, ApprovalStatus::Approved, Actor::Cli)
            .await?;
    }
    Ok(groups.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_140_groups_are_valid_and_distinct() {
        let groups = plan_140().unwrap();
        assert_eq!(groups.len(), 8);
        let mut codes: Vec<_> = groups.iter().map(|g| g.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 8);
        assert!(groups.iter().any(|g| g.name_vi.as_str() == "Tôm nuôi"));
    }
}
