//! The recall drill: from a lot or serial, every affected downstream lot with who holds it and
//! how much, totals per organisation, and the upstream sources it came from, which may be the
//! cause and may have gone into other lots too.

use std::collections::{BTreeMap, HashSet};

use nguon_domain::{IdentifierRole, OrganisationId};
use nguon_store::StoreError;
use serde::Serialize;

use crate::{
    Direction, EventSource, Identifier, IdentifierKind, Limits, Node, Quantity, Relation, Trace,
    trace,
};

/// Most upstream sources whose other downstream lots are looked for: each costs a forward walk.
pub const MAX_SUSPECT_WALKS: usize = 20;

/// Most nodes of each of those walks.
const SUSPECT_WALK_NODES: usize = 1_000;

/// The UN/ECE code a serial or logistic unit is counted in: it is one piece.
const PIECE: &str = "H87";

/// A downstream lot, serial or logistic unit the recall reaches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Affected {
    /// Its identifier, in index form.
    pub identifier: Identifier,
    /// What it names.
    pub kind: IdentifierKind,
    /// Steps from the start.
    pub depth: u32,
    /// Who holds it now: the owner of its latest event.
    pub organisation: OrganisationId,
    /// The latest quantity its holder recorded other than as an input; one piece for a serial
    /// or logistic unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Whether it is still in this form: not transformed into, nor packed in, anything the
    /// recall reached. Only these count in the totals, so nothing is counted twice.
    pub in_this_form: bool,
}

/// How much of the recalled goods one organisation holds, in one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Total {
    /// The organisation.
    pub organisation: OrganisationId,
    /// The UN/ECE unit; absent for lots recorded without amounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uom: Option<String>,
    /// The sum of the quantities of its affected rows still in their form.
    pub amount: f64,
    /// How many such rows.
    pub count: usize,
}

/// An upstream source the start came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suspect {
    /// Its identifier, in index form.
    pub identifier: Identifier,
    /// What it names.
    pub kind: IdentifierKind,
    /// The organisations it passed between, in time order.
    pub organisations: Vec<OrganisationId>,
    /// Lots made from it that the start does not lead to; empty when not looked for.
    pub other_downstream: Vec<Identifier>,
}

/// The outcome of a drill.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drill {
    /// Where it started.
    pub start: Identifier,
    /// The start and everything downstream of it, breadth first.
    pub affected: Vec<Affected>,
    /// Per organisation and unit, what it holds of the affected goods.
    pub totals: Vec<Total>,
    /// The origins the start came from.
    pub suspects: Vec<Suspect>,
    /// Set when a walk was cut or the suspects' other lots were not all looked for: there may
    /// be more.
    pub truncated: bool,
}

/// Drills from `start`: forward for what is affected, back for the suspects, and forward from
/// each suspect (at most [`MAX_SUSPECT_WALKS`]) for their other lots. `None` when no event
/// names `start`.
pub async fn drill<S: EventSource + ?Sized>(
    source: &S,
    start: &Identifier,
    limits: Limits,
) -> Result<Option<Drill>, StoreError> {
    let Some(forward) = trace(source, start, Direction::Forward, limits).await? else {
        return Ok(None);
    };
    let back = trace(source, start, Direction::Back, limits).await?;
    let mut truncated = forward.truncated || back.as_ref().is_some_and(|b| b.truncated);
    let affected = affected(&forward);
    let totals = totals(&affected);
    let mut suspects = back.as_ref().map(origins).unwrap_or_default();
    let known: HashSet<&Identifier> = affected
        .iter()
        .map(|a| &a.identifier)
        .chain(
            back.iter()
                .flat_map(|b| b.nodes.iter().map(|n| &n.identifier)),
        )
        .collect();
    if suspects.len() > MAX_SUSPECT_WALKS {
        truncated = true;
    } else {
        let walk = Limits {
            max_nodes: SUSPECT_WALK_NODES,
            ..limits
        };
        for suspect in &mut suspects {
            let Some(down) = trace(source, &suspect.identifier, Direction::Forward, walk).await?
            else {
                continue;
            };
            truncated |= down.truncated;
            suspect.other_downstream = down
                .nodes
                .into_iter()
                .map(|n| n.identifier)
                .filter(|identifier| !known.contains(identifier))
                .collect();
        }
    }
    Ok(Some(Drill {
        start: start.clone(),
        affected,
        totals,
        suspects,
        truncated,
    }))
}

fn affected(forward: &Trace) -> Vec<Affected> {
    let carried_on: HashSet<&Identifier> = forward
        .edges
        .iter()
        .filter(|e| matches!(e.relation, Relation::TransformedInto | Relation::PackedInto))
        .map(|e| &e.from)
        .collect();
    forward
        .nodes
        .iter()
        .filter_map(|node| {
            let latest = node.events.last()?;
            Some(Affected {
                identifier: node.identifier.clone(),
                kind: node.kind,
                depth: node.depth,
                organisation: latest.owner,
                quantity: held(node, latest.owner),
                in_this_form: !carried_on.contains(&node.identifier),
            })
        })
        .collect()
}

/// The latest quantity `holder` recorded for a lot other than as a transformation input (what
/// it used is no longer held), or one piece for an instance.
fn held(node: &Node, holder: OrganisationId) -> Option<Quantity> {
    match node.kind {
        IdentifierKind::Serial | IdentifierKind::LogisticUnit => Some(Quantity {
            amount: 1.0,
            uom: Some(PIECE.to_owned()),
        }),
        IdentifierKind::Lot | IdentifierKind::Other => {
            node.events
                .iter()
                .rev()
                .filter(|e| {
                    e.owner == holder
                        && !e.roles.iter().any(|r| {
                            matches!(r, IdentifierRole::Input | IdentifierRole::InputClass)
                        })
                })
                .find_map(|e| e.quantity.clone())
        }
    }
}

fn totals(affected: &[Affected]) -> Vec<Total> {
    let mut sums: BTreeMap<(OrganisationId, Option<String>), (f64, usize)> = BTreeMap::new();
    for row in affected.iter().filter(|a| a.in_this_form) {
        let (uom, amount) = match &row.quantity {
            Some(q) => (q.uom.clone(), q.amount),
            None => (None, 0.0),
        };
        let sum = sums.entry((row.organisation, uom)).or_default();
        sum.0 += amount;
        sum.1 += 1;
    }
    sums.into_iter()
        .map(|((organisation, uom), (amount, count))| Total {
            organisation,
            uom,
            amount,
            count,
        })
        .collect()
}

/// The nodes of a backward walk that lead nowhere further back, the start excepted.
fn origins(back: &Trace) -> Vec<Suspect> {
    let leads_back: HashSet<&Identifier> = back.edges.iter().map(|e| &e.from).collect();
    back.nodes
        .iter()
        .filter(|n| n.depth > 0 && !leads_back.contains(&n.identifier))
        .map(|n| Suspect {
            identifier: n.identifier.clone(),
            kind: n.kind,
            organisations: n.organisations.clone(),
            other_downstream: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    const OTHER_POND: &str = "https://id.gs1.org/01/08931234560027/10/AO2";

    #[tokio::test]
    async fn a_pond_lot_reaches_its_frozen_lot_cartons_and_pallet_and_suspects_its_seed() {
        let (hatchery, farm) = (OrganisationId::generate(), OrganisationId::generate());
        let mut events = shrimp_chain(hatchery, farm);
        // The same seed lot stocked a second pond.
        events.add(
            farm,
            7,
            transform(
                json!({"inputQuantityList": [lot(SEED, 1_000.0, "H87")]}),
                json!({"outputQuantityList": [lot(OTHER_POND, 0.0, "KGM")]}),
            ),
        );
        let drill = drill(&events, &id(POND), Limits::default())
            .await
            .unwrap()
            .unwrap();
        let rows: Vec<(&str, OrganisationId, Option<f64>, bool)> = drill
            .affected
            .iter()
            .map(|a| {
                (
                    a.identifier.as_str(),
                    a.organisation,
                    a.quantity.as_ref().map(|q| q.amount),
                    a.in_this_form,
                )
            })
            .collect();
        // In the chain the hatchery also processes: it received the pond lot.
        assert_eq!(
            rows,
            [
                (POND, hatchery, Some(1_788.0), false),
                (FROZEN, hatchery, Some(1_108.0), false),
                (CARTON_1, hatchery, Some(1.0), false),
                (CARTON_2, hatchery, Some(1.0), false),
                (PALLET, hatchery, Some(1.0), true),
            ]
        );
        assert_eq!(
            drill.totals,
            [Total {
                organisation: hatchery,
                uom: Some("H87".into()),
                amount: 1.0,
                count: 1
            }]
        );
        assert_eq!(drill.suspects.len(), 1);
        let seed = &drill.suspects[0];
        assert_eq!(seed.identifier.as_str(), SEED);
        assert_eq!(seed.organisations, [hatchery, farm]);
        assert_eq!(
            seed.other_downstream
                .iter()
                .map(Identifier::as_str)
                .collect::<Vec<_>>(),
            [OTHER_POND]
        );
        assert!(!drill.truncated);
    }

    #[tokio::test]
    async fn lots_still_in_their_form_are_totalled_per_organisation_and_unit() {
        let (farm, collector) = (OrganisationId::generate(), OrganisationId::generate());
        let mut events = Events::default();
        events
            .add(farm, 1, observe(POND, 500.0, "commissioning"))
            .add(
                farm,
                2,
                transform(
                    json!({"inputQuantityList": [lot(POND, 500.0, "KGM")]}),
                    json!({"outputQuantityList": [lot(FROZEN, 200.0, "KGM"), lot(OTHER_POND, 290.0, "KGM")]}),
                ),
            )
            .add(collector, 3, observe(OTHER_POND, 288.0, "receiving"));
        let drilled = drill(&events, &id(POND), Limits::default())
            .await
            .unwrap()
            .unwrap();
        let mut expected = vec![
            Total {
                organisation: farm,
                uom: Some("KGM".into()),
                amount: 200.0,
                count: 1,
            },
            Total {
                organisation: collector,
                uom: Some("KGM".into()),
                amount: 288.0,
                count: 1,
            },
        ];
        expected.sort_by_key(|t| t.organisation);
        assert_eq!(drilled.totals, expected);
        assert!(
            drilled.suspects.is_empty(),
            "the pond lot is its own origin"
        );
        assert_eq!(
            drill(
                &events,
                &id("https://id.gs1.org/01/08931234560010/10/NOPE"),
                Limits::default()
            )
            .await
            .unwrap(),
            None
        );
    }
}
