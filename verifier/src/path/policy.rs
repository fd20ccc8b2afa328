//! Certificate policy processing: the `valid_policy_tree` of RFC 5280 §6.1, kept as the
//! `valid_policy_graph` of RFC 9618.
//!
//! RFC 5280's tree can grow exponentially with the path length when policies are mapped
//! (one subtree per parent for every mapped policy), which lets a crafted chain exhaust
//! memory. RFC 9618 replaces the tree with a graph in which each depth holds at most one node
//! per policy OID, a node may have several parents, and the outputs of §6.1.5 are computed
//! from the graph directly; it proves the results equal. This module follows that form:
//!
//! * §6.1.2(a): [`PolicyGraph::new`], one anyPolicy node at depth 0;
//! * §6.1.3(d)-(e): [`PolicyGraph::process_certificate`];
//! * §6.1.4(b): [`PolicyGraph::apply_mappings`] (§6.1.4(a), refusing mappings of anyPolicy,
//!   is checked by the caller);
//! * §6.1.5(g): [`PolicyGraph::authorities_constrained`] and [`user_constrained`].
//!
//! Policy qualifiers are not kept: they change nothing in §6.1, and §6.1.5's qualifier output
//! is optional.

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;

use super::oid::ANY_POLICY;

/// A node: `valid_policy`, `expected_policy_set` and the indices of its parents in the depth
/// above.
#[derive(Debug, Clone)]
struct Node {
    policy: ObjectIdentifier,
    expected: Vec<ObjectIdentifier>,
    parents: Vec<usize>,
}

impl Node {
    fn is_any(&self) -> bool {
        self.policy == ANY_POLICY
    }
}

/// A non-empty `valid_policy_graph`. RFC 5280's "NULL" tree is `None` in an
/// `Option<PolicyGraph>`.
#[derive(Debug, Clone)]
pub(crate) struct PolicyGraph {
    /// `levels[d]` holds the nodes of depth `d`; never empty.
    levels: Vec<Vec<Node>>,
}

impl PolicyGraph {
    /// The initial graph (RFC 5280 §6.1.2(a)): one node of depth 0, anyPolicy, expecting
    /// anyPolicy.
    pub(crate) fn new() -> Self {
        Self {
            levels: vec![vec![Node {
                policy: ANY_POLICY,
                expected: vec![ANY_POLICY],
                parents: Vec::new(),
            }]],
        }
    }

    /// Adds the depth for the next certificate (RFC 5280 §6.1.3(d)-(e)); `None` when the
    /// graph becomes NULL.
    ///
    /// `policies` is the certificate's certificatePolicies (`None` without the extension);
    /// `any_policy_allowed` is "inhibit_anyPolicy is greater than 0 or (i < n and the
    /// certificate is self-issued)" of §6.1.3(d)(2).
    pub(crate) fn process_certificate(
        mut self,
        policies: Option<&[ObjectIdentifier]>,
        any_policy_allowed: bool,
    ) -> Option<Self> {
        // §6.1.3(e): no certificatePolicies, NULL tree.
        let policies = policies?;
        let above = self.levels.last()?;
        let any_above = above.iter().position(Node::is_any);
        let mut level: Vec<Node> = Vec::new();

        // §6.1.3(d)(1): each policy other than anyPolicy becomes one node, child of every
        // node expecting it (i), or else of the anyPolicy node (ii).
        for policy in policies.iter().filter(|p| **p != ANY_POLICY) {
            let mut parents: Vec<usize> = above
                .iter()
                .enumerate()
                .filter(|(_, node)| node.expected.contains(policy))
                .map(|(index, _)| index)
                .collect();
            if parents.is_empty() {
                match any_above {
                    Some(index) => parents.push(index),
                    None => continue,
                }
            }
            level.push(Node {
                policy: *policy,
                expected: vec![*policy],
                parents,
            });
        }

        // §6.1.3(d)(2): anyPolicy, where honoured, yields a node for each expected policy
        // that has none yet, child of every node expecting it.
        if any_policy_allowed && policies.contains(&ANY_POLICY) {
            for (index, node) in above.iter().enumerate() {
                for value in &node.expected {
                    match level.iter_mut().find(|child| child.policy == *value) {
                        Some(child) => {
                            if !child.parents.contains(&index) {
                                child.parents.push(index);
                            }
                        }
                        None => level.push(Node {
                            policy: *value,
                            expected: vec![*value],
                            parents: vec![index],
                        }),
                    }
                }
            }
        }

        self.levels.push(level);
        // §6.1.3(d)(3): remove childless nodes above the new depth.
        self.prune()
    }

    /// Applies a certificate's policyMappings to the deepest level (RFC 5280 §6.1.4(b));
    /// `None` when the graph becomes NULL. `mapping_allowed` is "policy_mapping is greater
    /// than 0".
    pub(crate) fn apply_mappings(
        mut self,
        mappings: &[(ObjectIdentifier, ObjectIdentifier)],
        mapping_allowed: bool,
    ) -> Option<Self> {
        // Each issuerDomainPolicy with the set of subjectDomainPolicy values it maps to.
        let mut grouped: Vec<(ObjectIdentifier, Vec<ObjectIdentifier>)> = Vec::new();
        for (issuer, subject) in mappings {
            match grouped.iter_mut().find(|(p, _)| p == issuer) {
                Some((_, subjects)) => {
                    if !subjects.contains(subject) {
                        subjects.push(*subject);
                    }
                }
                None => grouped.push((*issuer, vec![*subject])),
            }
        }
        let level = self.levels.last_mut()?;
        if mapping_allowed {
            // §6.1.4(b)(1).
            for (issuer, subjects) in grouped {
                if let Some(node) = level.iter_mut().find(|node| node.policy == issuer) {
                    node.expected = subjects;
                } else if let Some(any) = level.iter().find(|node| node.is_any()) {
                    let parents = any.parents.clone();
                    level.push(Node {
                        policy: issuer,
                        expected: subjects,
                        parents,
                    });
                }
            }
            Some(self)
        } else {
            // §6.1.4(b)(2): mapped policies are deleted, then childless nodes above.
            level.retain(|node| !grouped.iter().any(|(issuer, _)| *issuer == node.policy));
            self.prune()
        }
    }

    /// The authorities-constrained policy set: the policies, named in the trust anchor's
    /// domain, for which the path is valid whatever the user asked. They are the nodes that
    /// hang directly below an anyPolicy node (before any mapping), plus anyPolicy itself when
    /// an anyPolicy node reaches the end-entity depth. Pruning guarantees every node reaches
    /// that depth.
    pub(crate) fn authorities_constrained(&self) -> BTreeSet<ObjectIdentifier> {
        let mut set = BTreeSet::new();
        for pair in self.levels.windows(2) {
            let [above, level] = pair else { continue };
            for node in level.iter().filter(|node| !node.is_any()) {
                let under_any = node
                    .parents
                    .iter()
                    .any(|&p| above.get(p).is_some_and(Node::is_any));
                if under_any {
                    set.insert(node.policy);
                }
            }
        }
        if self.levels.len() > 1
            && self
                .levels
                .last()
                .is_some_and(|level| level.iter().any(Node::is_any))
        {
            set.insert(ANY_POLICY);
        }
        set
    }

    /// Removes nodes without children, from the depth above the deepest up to the root
    /// (RFC 5280 §6.1.3(d)(3), §6.1.4(b)(2)); `None` when the root goes, or the deepest
    /// level is empty.
    fn prune(mut self) -> Option<Self> {
        for depth in (0..self.levels.len().saturating_sub(1)).rev() {
            let (upper, lower) = self.levels.split_at_mut(depth + 1);
            let (Some(level), Some(below)) = (upper.last_mut(), lower.first_mut()) else {
                return None;
            };
            let mut has_child = vec![false; level.len()];
            for child in below.iter() {
                for &parent in &child.parents {
                    if let Some(flag) = has_child.get_mut(parent) {
                        *flag = true;
                    }
                }
            }
            if has_child.iter().all(|&kept| kept) {
                continue;
            }
            // New index of each kept node.
            let mut new_index = vec![None; level.len()];
            let mut next = 0;
            for (old, kept) in has_child.iter().enumerate() {
                if *kept {
                    new_index[old] = Some(next);
                    next += 1;
                }
            }
            let mut old = 0;
            level.retain(|_| {
                let kept = has_child.get(old).copied().unwrap_or(false);
                old += 1;
                kept
            });
            for child in below.iter_mut() {
                child.parents = child
                    .parents
                    .iter()
                    .filter_map(|&p| new_index.get(p).copied().flatten())
                    .collect();
            }
        }
        let root_alive = self.levels.first().is_some_and(|level| !level.is_empty());
        let deepest_alive = self.levels.last().is_some_and(|level| !level.is_empty());
        (root_alive && deepest_alive).then_some(self)
    }
}

/// The user-constrained policy set of RFC 5280 §6.1.5(g): the authorities-constrained set
/// intersected with the user-initial-policy-set, where anyPolicy on either side stands for
/// every policy. Empty exactly when §6.1.5(g) leaves the tree NULL.
pub(crate) fn user_constrained(
    authorities: &BTreeSet<ObjectIdentifier>,
    user_initial: &BTreeSet<ObjectIdentifier>,
) -> BTreeSet<ObjectIdentifier> {
    if user_initial.contains(&ANY_POLICY) {
        authorities.clone()
    } else if authorities.contains(&ANY_POLICY) {
        user_initial.clone()
    } else {
        authorities.intersection(user_initial).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.1");
    const P2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.2");
    const P3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.3.3");

    fn set(oids: &[ObjectIdentifier]) -> BTreeSet<ObjectIdentifier> {
        oids.iter().copied().collect()
    }

    #[test]
    fn plain_policies_intersect_down_the_path() {
        let g = PolicyGraph::new()
            .process_certificate(Some(&[P1, P2]), true)
            .unwrap()
            .process_certificate(Some(&[P2, P3]), true)
            .unwrap();
        assert_eq!(g.authorities_constrained(), set(&[P2]));
        assert!(
            g.process_certificate(Some(&[P3]), true).is_none(),
            "P3 was never valid above"
        );
    }

    #[test]
    fn missing_extension_nulls_the_graph() {
        let g = PolicyGraph::new()
            .process_certificate(Some(&[P1]), true)
            .unwrap();
        assert!(g.process_certificate(None, true).is_none());
    }

    #[test]
    fn any_policy_carries_expected_policies_unless_inhibited() {
        let g = PolicyGraph::new()
            .process_certificate(Some(&[P1]), true)
            .unwrap();
        let through_any = g
            .clone()
            .process_certificate(Some(&[ANY_POLICY]), true)
            .unwrap();
        assert_eq!(through_any.authorities_constrained(), set(&[P1]));
        assert!(g.process_certificate(Some(&[ANY_POLICY]), false).is_none());
        let all_any = PolicyGraph::new()
            .process_certificate(Some(&[ANY_POLICY]), true)
            .unwrap();
        assert_eq!(all_any.authorities_constrained(), set(&[ANY_POLICY]));
    }

    #[test]
    fn mapping_renames_in_the_subject_domain() {
        // CA asserts P1 and maps P1 -> P2; the end entity asserts P2.
        let g = PolicyGraph::new()
            .process_certificate(Some(&[P1]), true)
            .unwrap()
            .apply_mappings(&[(P1, P2)], true)
            .unwrap()
            .process_certificate(Some(&[P2]), true)
            .unwrap();
        assert_eq!(g.authorities_constrained(), set(&[P1]));
        assert_eq!(
            user_constrained(&g.authorities_constrained(), &set(&[P1])),
            set(&[P1])
        );
        assert!(user_constrained(&g.authorities_constrained(), &set(&[P2])).is_empty());
    }

    #[test]
    fn inhibited_mapping_deletes_the_mapped_policy() {
        let g = PolicyGraph::new()
            .process_certificate(Some(&[P1, P3]), true)
            .unwrap()
            .apply_mappings(&[(P1, P2)], false)
            .unwrap();
        assert_eq!(g.authorities_constrained(), set(&[P3]));
        let only_mapped = PolicyGraph::new()
            .process_certificate(Some(&[P1]), true)
            .unwrap();
        assert!(only_mapped.apply_mappings(&[(P1, P2)], false).is_none());
    }

    #[test]
    fn mapping_from_any_policy_node() {
        // CA asserts anyPolicy and maps P1 -> P2: a P1 node appears, expecting P2.
        let g = PolicyGraph::new()
            .process_certificate(Some(&[ANY_POLICY]), true)
            .unwrap()
            .apply_mappings(&[(P1, P2)], true)
            .unwrap()
            .process_certificate(Some(&[P2]), true)
            .unwrap();
        assert_eq!(g.authorities_constrained(), set(&[P1]));
    }

    #[test]
    fn user_set_semantics() {
        let any = set(&[ANY_POLICY]);
        assert_eq!(user_constrained(&set(&[P1]), &any), set(&[P1]));
        assert_eq!(user_constrained(&any, &set(&[P2])), set(&[P2]));
        assert!(user_constrained(&set(&[P1]), &set(&[P2])).is_empty());
    }

    #[test]
    fn graph_stays_small_with_many_mappings() {
        // Every depth maps each of 20 policies onto all 20: the RFC 5280 tree would grow as
        // 20^depth; the graph keeps 20 nodes a depth.
        let policies: Vec<ObjectIdentifier> = (1..=20u32)
            .map(|k| ObjectIdentifier::new(&format!("1.2.3.{k}")).unwrap())
            .collect();
        let mappings: Vec<(ObjectIdentifier, ObjectIdentifier)> = policies
            .iter()
            .flat_map(|a| policies.iter().map(move |b| (*a, *b)))
            .collect();
        let mut g = PolicyGraph::new();
        for _ in 0..10 {
            g = g
                .process_certificate(Some(&policies), true)
                .unwrap()
                .apply_mappings(&mappings, true)
                .unwrap();
        }
        assert!(g.levels.iter().all(|level| level.len() <= 20));
        assert_eq!(g.authorities_constrained().len(), 20);
    }
}
