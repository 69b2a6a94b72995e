#!/usr/bin/env bash
# Writes the hostile files of docs/ROBUSTNESS.md ("Limits, measured") into a directory
# and times `failsim validate` on each: every one must be refused at once, in one line.
#   fuzz/hostile_files.sh [DIR]     (default: a new temporary directory)
# Uses target/release/failsim: build it first with `cargo build --release`.
set -eu
cd "$(dirname "$0")/.."
failsim=$PWD/target/release/failsim
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
cd "$dir"

# 10 MiB of valid YAML: only the size can refuse it.
{ echo 'cluster_id: oversized'; yes '# padding to push the file past the size limit' | head -c 10485760; } > big.yaml
# A million `[` on one line, in YAML and JSON.
brackets() { head -c 1000000 /dev/zero | tr '\0' "$1"; }
{ printf 'cluster_id: deep\nregions: '; brackets '['; brackets ']'; echo; } > nested-flow.yaml
{ printf '{"cluster_id": "deep", "regions": '; brackets '['; brackets ']'; echo '}'; } > nested-flow.json
# 1,000 levels of block mappings, each indented two more spaces.
awk 'BEGIN { print "cluster_id: deep"; for (i = 0; i < 1000; i++) printf "%*sk%d:\n", 2 * i, "", i }' > nested-block.yaml
# 99,000 distinct keys in one mapping (YAML), and on one line (JSON).
awk 'BEGIN { for (i = 0; i < 99000; i++) printf "k%d: 0\n", i }' > many-keys.yaml
awk 'BEGIN { printf "{"; for (i = 0; i < 99000; i++) printf "%s\"k%d\": 0", (i ? ", " : ""), i; print "}" }' > many-keys.json
# A topology of 190,000 regions.
awk 'BEGIN { printf "cluster_id: c\nname: c\nregions: [r0"; for (i = 1; i < 190000; i++) printf ", r%d", i;
  print "]\nnodes:\n  - {node_id: n1, hostname: h, role: primary, region: r0, site: s, status: healthy, priority: 1, capacity: 1}" }' > many-regions.yaml
# 5,000 nodes, each in an unknown region, among 100,000 regions.
awk 'BEGIN { printf "cluster_id: c\nname: c\nregions: [r0"; for (i = 1; i < 100000; i++) printf ", r%d", i; print "]\nnodes:";
  for (i = 0; i < 5000; i++) printf "  - {node_id: n%d, hostname: h, role: secondary, region: zz, site: s, status: healthy, priority: 1, capacity: 1}\n", i }' > unknown-regions.yaml
# A 3 MiB string repeated by 200 aliases.
{ printf 'cluster_id: c\nname: &a "'; head -c 3145728 /dev/zero | tr '\0' x; printf '"\nregions: [*a'; for _ in $(seq 199); do printf ', *a'; done; echo ']'; } > alias-text.yaml
# 60 anchors nested around a list of 190,000 items, without an alias.
awk 'BEGIN { printf "cluster_id: c\nregions: "; for (i = 0; i < 60; i++) printf "&a%d [", i; printf "x";
  for (i = 1; i < 190000; i++) printf ", x"; for (i = 0; i < 60; i++) printf "]"; print "" }' > nested-anchors.yaml
# A JSON key of 4,000,000 characters.
{ printf '{"cluster_id": "c", "'; head -c 4000000 /dev/zero | tr '\0' x; echo '": 1}'; } > long-key.json
# A scenario naming one built-in topology 150,000 times.
awk 'BEGIN { printf "name: s\nduration_s: 60\ncluster: [seed-example"; for (i = 1; i < 150000; i++) printf ", seed-example"; print "]" }' > many-topologies.yaml
# A scenario whose policy sends a heartbeat every 0.1 ns.
printf 'name: s\nduration_s: 300\npolicy:\n  policy_id: p\n  name: p\n  strategy: automatic\n  max_failover_time_s: 60\n  heartbeat: {interval_ms: 0.0000001, timeout_ms: 1}\n' > tiny-heartbeat.yaml
# A scenario naming /dev/zero as its topology.
printf 'name: s\nduration_s: 60\ncluster: /dev/zero\n' > dev-zero-topology.yaml

export TIMEFORMAT='%R s wall, %U s user'
for file in big.yaml nested-flow.yaml nested-flow.json nested-block.yaml many-keys.yaml many-keys.json many-regions.yaml \
    unknown-regions.yaml alias-text.yaml nested-anchors.yaml long-key.json many-topologies.yaml tiny-heartbeat.yaml dev-zero-topology.yaml /dev/zero; do
    echo "== $file ($(stat -c %s "$file") bytes)"
    time { "$failsim" validate "$file" 2>&1 | cut -c1-200 || true; }
done
