//! Quorum and the cluster state machine (seed 001): every node votes; quorum is
//! `quorum_size` healthy voters (default floor(voters / 2) + 1). HEALTHY when every
//! voter is healthy, DEGRADED while quorum holds, CRITICAL (read-only) without it.
//!
//! Pure: a function of the topology and each node's health as someone sees it.

use crate::model::{Cluster, ClusterState, Status};
use serde::Serialize;

/// The seed's `status` response, plus the cluster state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuorumStatus {
    pub cluster_id: String,
    pub total_nodes: u32,
    pub healthy_nodes: u32,
    pub quorum_size: u32,
    pub has_quorum: bool,
    pub primary_node_id: Option<String>,
    pub state: ClusterState,
}

/// Healthy voters against the quorum size.
pub fn has_quorum(healthy_voters: u32, quorum_size: u32) -> bool {
    healthy_voters >= quorum_size
}

/// The cluster state for a count of healthy voters.
pub fn state(healthy_voters: u32, voters: u32, quorum_size: u32) -> ClusterState {
    if !has_quorum(healthy_voters, quorum_size) {
        ClusterState::Critical
    } else if healthy_voters == voters {
        ClusterState::Healthy
    } else {
        ClusterState::Degraded
    }
}

/// Assesses a cluster given each node's health (indexed like `cluster.nodes`).
pub fn assess(cluster: &Cluster, health: &[Status]) -> QuorumStatus {
    assert_eq!(health.len(), cluster.nodes.len(), "one health entry per node");
    let healthy_nodes = health.iter().filter(|s| **s == Status::Healthy).count() as u32;
    let voters = cluster.voter_count();
    let quorum_size = cluster.quorum_size();
    QuorumStatus {
        cluster_id: cluster.cluster_id.clone(),
        total_nodes: voters,
        healthy_nodes,
        quorum_size,
        has_quorum: has_quorum(healthy_nodes, quorum_size),
        primary_node_id: cluster.primary().map(|n| n.node_id.clone()),
        state: state(healthy_nodes, voters, quorum_size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_quorum_follows_the_seed_examples() {
        // Seed 001: 3 nodes -> 2, 5 -> 3, 7 -> 4.
        for (voters, quorum) in [(3, 2), (5, 3), (7, 4)] {
            let default_quorum = voters / 2 + 1;
            assert_eq!(default_quorum, quorum);
            assert!(has_quorum(quorum, default_quorum));
            assert!(!has_quorum(quorum - 1, default_quorum));
        }
    }

    #[test]
    fn state_moves_from_healthy_to_degraded_to_critical() {
        assert_eq!(state(5, 5, 3), ClusterState::Healthy);
        assert_eq!(state(4, 5, 3), ClusterState::Degraded);
        assert_eq!(state(3, 5, 3), ClusterState::Degraded);
        assert_eq!(state(2, 5, 3), ClusterState::Critical);
    }
}
