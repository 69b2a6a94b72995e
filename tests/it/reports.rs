//! The report files of `failsim run`: report.html is one self-contained page with a
//! chart per figure and every input string escaped; junit.xml is valid JUnit with one
//! test case per cell; summary.md lists every failing cell with its replay command;
//! report.json follows docs/report.schema.json; the model's quantiles and sample run.

use crate::support::{failsim, parts, repo_path};
use failsim::control::standard::Mutant;
use failsim::engine::Seed;
use failsim::model::{load, resolve};
use failsim::report::model::{FaultWindow, SampleRun, TimelineEvent, QUANTILES};
use failsim::report::{self, Report};
use failsim::run::matrix::{self, Cell, Options};
use failsim::run::{self as runner, RunRequest};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;

/// A fresh directory under the system's temporary directory, for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("failsim-reports-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    dir
}

/// A region isolation whose old primary holds a 40 s lease, longer than detection
/// takes: the standard control plane waits it out; `no_lease_wait` promotes at once,
/// and two nodes accept writes (split brain).
const LONG_LEASE_POLICY: &str = "\
policy_id: long-lease
name: Automatic failover with a lease that outlives detection
strategy: automatic
max_failover_time_s: 60
require_quorum: true
min_healthy_nodes: 2
fencing: {lease_ms: 40000}
";
const LONG_LEASE_ISOLATION: &str = "\
name: region_isolation_long_lease
description: The primary's region is cut off while its lease outlives detection.
cluster: [three-region-5]
policy: long-lease.yaml
duration_s: 300
faults:
  - kind: region_isolation
    at_s: [10, 60]
    duration_s: [90, 150]
    region: region_of:primary
expect:
  max_violations: 0
";

/// The reports of a small matrix that fails: the long-lease region isolation under the
/// `no_lease_wait` mutant, beside a built-in scenario on its topologies, with timing.
/// Run once per test binary and shared by the tests that read its files.
fn failing_run() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = temp_dir("failing-run");
        std::fs::write(dir.join("long-lease.yaml"), LONG_LEASE_POLICY).unwrap();
        std::fs::write(dir.join("isolation.yaml"), LONG_LEASE_ISOLATION).unwrap();
        let (scenario, out) = (dir.join("isolation.yaml"), dir.join("out"));
        let args = [
            "run",
            "--scenario",
            scenario.to_str().expect("UTF-8 path"),
            "--scenario",
            "builtin:node_crash",
            "--mutant",
            "no_lease_wait",
            "--seeds",
            "5",
            "--out",
            out.to_str().expect("UTF-8 path"),
        ];
        let (code, stdout, stderr) = parts(&failsim(&args));
        assert_eq!(code, 1, "the mutant is caught\n{stdout}\n{stderr}");
        out
    })
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn report_json(dir: &Path) -> Value {
    serde_json::from_str(&read(dir, "report.json")).expect("report.json is JSON")
}

/// The cells of a report.json that missed their expectations.
fn failing_cells(report: &Value) -> Vec<&Value> {
    let cells = report["cells"].as_array().expect("cells is an array");
    cells.iter().filter(|c| c["passed"] == false).collect()
}

/// Builds a report in-process from a small real matrix: one scenario on some topologies.
fn small_report(scenario_ref: &str, cluster_refs: &[&str], runs: u64, mutant: Option<Mutant>) -> Report {
    let scenario = load::scenario(scenario_ref).expect("the scenario loads");
    let clusters: Vec<_> = cluster_refs.iter().map(|r| load::topology(r).expect("the topology loads")).collect();
    let policy = resolve::scenario_policy(&scenario).expect("the policy resolves");
    let cells: Vec<Cell<'_>> = clusters
        .iter()
        .zip(cluster_refs)
        .map(|(cluster, cluster_ref)| Cell {
            scenario: &scenario.value,
            scenario_ref: scenario_ref.to_string(),
            cluster: &cluster.value,
            cluster_ref: cluster_ref.to_string(),
            policy: &policy.value,
            policy_ref: None,
            first_run: 0,
            runs,
        })
        .collect();
    let options = Options { master_seed: 0, mutant, ..Options::default() };
    let aggregates = matrix::run(&cells, options, &AtomicU64::new(0));
    Report::build(&cells, &aggregates, 0, mutant)
}

#[test]
fn html_is_one_self_contained_file_with_an_svg_per_chart() {
    let dir = failing_run();
    let mut files: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files,
        ["junit.xml", "progress.json", "report.html", "report.json", "summary.md"],
        "no asset files beside the page"
    );
    let html = read(dir, "report.html");
    assert!(html.starts_with("<!doctype html>"));
    for external in ["http://", "https://", "src=", "<link", "<script", "@import", "url(", "<iframe", "<object"] {
        assert!(!html.contains(external), "report.html contains {external:?}: it must load nothing");
    }
    for link in html.match_indices("href=\"").map(|(i, _)| &html[i + 6..]) {
        assert!(link.starts_with('#'), "links stay inside the page: {}", &link[..link.len().min(40)]);
    }

    // One chart for all violations; per scenario, latency CDFs and percentile bars,
    // and violations by invariant when any broke; a timeline per finding (signature);
    // the sample run's timeline if any.
    let report = report_json(dir);
    let cells = report["cells"].as_array().unwrap();
    let mut scenarios: Vec<&str> = cells.iter().map(|c| c["scenario"].as_str().unwrap()).collect();
    scenarios.dedup();
    let broken = |scenario: &str| {
        cells
            .iter()
            .filter(|c| c["scenario"] == scenario)
            .flat_map(|c| c["violations"].as_array().unwrap())
            .any(|v| v["violations"].as_u64().unwrap() > 0)
    };
    let findings = report.get("findings").and_then(|f| f.as_array()).map_or(0, Vec::len);
    let charts = 1
        + scenarios.iter().map(|s| 2 + usize::from(broken(s))).sum::<usize>()
        + findings
        + usize::from(report.get("sample").is_some());
    assert_eq!(html.matches("<svg").count(), charts);
    assert_eq!(html.matches("</svg>").count(), charts);
    assert!(html.contains("Content-Security-Policy"), "the page forbids loading anything");
}

/// Goal: issue 7's dedupe. Violations grouped by signature, each with its fastest
/// run's timeline and the events that witness it, in report.json and report.html.
#[test]
fn findings_are_grouped_by_signature_with_the_fastest_run_and_its_witnesses() {
    let dir = failing_run();
    let report = report_json(dir);
    let findings = report["findings"].as_array().expect("a failing run has findings");
    assert!(!findings.is_empty());
    let cells = report["cells"].as_array().unwrap();
    let mut names: Vec<&str> = findings.iter().map(|f| f["signature"].as_str().unwrap()).collect();
    names.dedup();
    assert_eq!(names.len(), findings.len(), "one finding per signature");
    for finding in findings {
        let signature = finding["signature"].as_str().unwrap();
        // The finding's run is the soonest of every cell's runs with that signature.
        let seen: Vec<&Value> = cells
            .iter()
            .flat_map(|c| c["signatures"].as_array().unwrap())
            .filter(|s| s["signature"] == signature)
            .collect();
        let soonest = seen.iter().map(|s| s["at_ms"].as_f64().unwrap()).fold(f64::INFINITY, f64::min);
        assert_eq!(finding["at_ms"].as_f64(), Some(soonest), "{signature}");
        let runs: u64 = seen.iter().map(|s| s["runs"].as_u64().unwrap()).sum();
        assert_eq!(finding["runs"].as_u64(), Some(runs), "{signature}");
        // Its re-run broke the invariant at that very moment, and the witnesses end there.
        let invariant = signature.split(' ').next().unwrap();
        let events = finding["run"]["events"].as_array().unwrap();
        let broke = |e: &&Value| e["kind"] == "violation" && e["label"].as_str().unwrap().starts_with(invariant);
        assert_eq!(events.iter().find(broke).and_then(|e| e["at_ms"].as_f64()), Some(soonest), "{signature}");
        let witness = finding["witness"].as_array().unwrap();
        assert!(witness.iter().any(|e| broke(&e)), "{signature}: the violation is among its witnesses");
        assert!(witness.iter().all(|e| e["at_ms"].as_f64().unwrap() <= soonest));
    }
    let html = read(dir, "report.html");
    assert!(html.contains("Findings by signature"));
    for finding in findings {
        assert!(html.contains(&format!("<code>{}</code>", finding["signature"].as_str().unwrap())));
    }
}

#[test]
fn html_shows_the_verdict_totals_and_every_replay_command() {
    let dir = failing_run();
    let html = read(dir, "report.html");
    let report = report_json(dir);
    assert!(html.contains("class=\"verdict fail\""), "the verdict is FAIL");
    assert!(html.contains("Harness speed"), "timing is shown when present");
    for cell in failing_cells(&report) {
        for example in cell["examples"].as_array().unwrap() {
            let replay = report::escape::markup(example["replay"].as_str().unwrap());
            assert!(html.contains(&format!("<code class=\"replay\">{replay}</code>")), "{replay} is in a <code> block");
        }
    }
}

/// A scenario and a topology whose every name is markup (tests/hostile/, which
/// tests/browser/check_report.sh --hostile renders in a browser too).
const HOSTILE_SCENARIO: &str = "tests/hostile/scenario.yaml";
const HOSTILE_TOPOLOGY: &str = "tests/hostile/topology.yaml";

/// Markup from tests/hostile/'s names that no page may contain raw: none of it is
/// markup the pages write themselves.
const RAW_MARKUP: [&str; 7] = ["<script", "<img", "<b on", "<iframe", "<svg on", "<i>", "<u>"];

/// The node id and scenario name, the description, and the topology id, escaped.
const NODE_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";
const DESCRIPTION_ESCAPED: &str = "&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot; &#39;single&#39;";
const TOPOLOGY_ESCAPED: &str = "&lt;b onmouseover=alert(3)&gt;x&lt;/b&gt;";
const POLICY_ESCAPED: &str = "&lt;iframe srcdoc=alert(7)&gt;&lt;/iframe&gt;";

/// Runs `failsim` on `args` (each a hostile input's run, which completes with or
/// without a finding) and returns nothing but the assurance that it wrote its files.
fn run_hostile(args: &[&str]) {
    let (code, stdout, stderr) = parts(&failsim(args));
    assert!(code == 0 || code == 1, "{args:?} completes\n{stdout}\n{stderr}");
}

/// `page` holds none of tests/hostile/'s markup raw, and each of `shown` escaped.
fn assert_escaped(name: &str, page: &str, shown: &[&str]) {
    for raw in RAW_MARKUP {
        assert!(!page.contains(raw), "{name} contains raw {raw:?}");
    }
    for escaped in shown {
        assert!(page.contains(escaped), "{name} does not show {escaped:?}");
    }
}

#[test]
fn hostile_names_are_escaped_in_every_report_of_run() {
    let out = temp_dir("hostile-run").join("out");
    let out_text = out.to_str().expect("UTF-8 path");
    // The mutant's split brain names the hostile primary in its violations' details.
    run_hostile(&["run", "--scenario", HOSTILE_SCENARIO, "--mutant", "no_lease_wait", "--out", out_text]);
    let html = read(&out, "report.html");
    assert_escaped("report.html", &html, &[NODE_ESCAPED, DESCRIPTION_ESCAPED, TOPOLOGY_ESCAPED, POLICY_ESCAPED]);
    let detail = format!("single_writer: {NODE_ESCAPED} and node-2 both accept writes");
    assert!(html.contains(&detail), "a violation's detail names the node, escaped");
    assert!(html.contains("<title>failsim report: FAIL</title>"), "the title is the report's own");
    roxmltree::Document::parse(&read(&out, "junit.xml")).expect("junit.xml stays well-formed XML");
    let summary = read(&out, "summary.md");
    assert_escaped("summary.md", &summary, &["&lt;script&gt;alert(1)&lt;/script&gt;"]);
}

#[test]
fn hostile_names_are_escaped_in_the_pages_of_compare() {
    let out = temp_dir("hostile-compare").join("out");
    let args = ["compare", "--cluster", HOSTILE_TOPOLOGY, "--cluster", "builtin:three-region-5"];
    let scenarios = ["--scenario", HOSTILE_SCENARIO, "--scenario", "builtin:primary_failure"];
    run_hostile(&[&args[..], &scenarios[..], &["--seeds", "2", "--out", out.to_str().unwrap()]].concat());
    let html = read(&out, "report.html");
    assert_escaped("report.html", &html, &[NODE_ESCAPED, DESCRIPTION_ESCAPED, TOPOLOGY_ESCAPED, POLICY_ESCAPED]);
    let comparison = html.split("<h2>Comparison</h2>").nth(1).expect("the comparison leads the page");
    let comparison = &comparison[..comparison.find("</section>").expect("the comparison's section ends")];
    assert!(comparison.contains(&format!("<h3>{NODE_ESCAPED}</h3>")), "the scenario's table, escaped");
    assert!(comparison.contains(&format!("<th>{TOPOLOGY_ESCAPED}</th>")), "the topology's column, escaped");
    let markdown = read(&out, "comparison.md");
    assert_escaped("comparison.md", &markdown, &["## &lt;script&gt;alert(1)&lt;/script&gt;"]);
}

/// The text of an SVG document, parsed as XML: what a viewer shows.
fn svg_text(svg: &str) -> String {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML ({e}):\n{svg}"));
    document.descendants().filter_map(|n| n.text()).collect()
}

/// Sweeps `scenario` (with the hostile topology) over two heartbeat intervals into `out`.
fn sweep_hostile(scenario: &str, out: &Path) {
    let param = "policy.heartbeat.interval_ms=1000,2000";
    run_hostile(&["sweep", "--scenario", scenario, "--param", param, "--seeds", "2", "--out", out.to_str().unwrap()]);
}

#[test]
fn hostile_names_are_escaped_in_the_page_and_charts_of_sweep() {
    let out = temp_dir("hostile-sweep").join("out");
    sweep_hostile(HOSTILE_SCENARIO, &out);
    let html = read(&out, "sweep.html");
    let subject = format!("{NODE_ESCAPED} on {TOPOLOGY_ESCAPED}");
    assert_escaped("sweep.html", &html, &[&subject]);
    assert!(html.contains("<section id=\"unsafe\">"), "the unsafe points, with their details, are listed");
    for chart in ["sweep-tradeoff.svg", "sweep-policy.heartbeat.interval_ms.svg"] {
        let svg = read(&out, chart);
        assert_escaped(chart, &svg, &[&subject]);
        let text = svg_text(&svg);
        assert!(text.contains("<script>alert(1)</script> on <b onmouseover=alert(3)>x</b>"), "{chart} shows the names");
    }
    assert_escaped("sweep.md", &read(&out, "sweep.md"), &["&lt;script&gt;alert(1)&lt;/script&gt;"]);
}

#[test]
fn control_characters_in_names_are_dropped_from_pages_and_charts() {
    // The SVG backend escapes markup but not control characters, which XML 1.0 forbids:
    // a name with one made every standalone chart of a sweep ill-formed.
    let dir = temp_dir("control-characters");
    let scenario = std::fs::read_to_string(repo_path(HOSTILE_SCENARIO)).unwrap();
    let scenario = scenario.replace("name: \"<script>", "name: \"bell\\a escape\\e[31m <script>");
    assert!(scenario.contains("bell\\a"), "the name was replaced");
    std::fs::write(dir.join("scenario.yaml"), scenario).unwrap();
    std::fs::copy(repo_path(HOSTILE_TOPOLOGY), dir.join("topology.yaml")).unwrap();
    let (file, out) = (dir.join("scenario.yaml"), dir.join("out"));
    sweep_hostile(file.to_str().unwrap(), &out);
    for chart in ["sweep-tradeoff.svg", "sweep-policy.heartbeat.interval_ms.svg"] {
        let text = svg_text(&read(&out, chart));
        assert!(text.contains("bell escape[31m <script>alert(1)</script>"), "{chart} shows the name without them");
    }
    let html = read(&out, "sweep.html");
    assert!(!html.contains(['\u{7}', '\u{1b}']), "sweep.html holds no control character");
    assert!(html.contains("bell escape[31m &lt;script&gt;"), "sweep.html shows the name without them");
}

#[test]
fn junit_has_one_testcase_per_cell_and_failures_carry_the_replay_command() {
    let dir = failing_run();
    let report = report_json(dir);
    let xml = read(dir, "junit.xml");
    let document = roxmltree::Document::parse(&xml).expect("junit.xml is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cells = report["cells"].as_array().unwrap();
    let testcases: Vec<roxmltree::Node<'_, '_>> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(testcases.len(), cells.len(), "one testcase per scenario x topology");
    assert_eq!(root.attribute("tests"), Some(cells.len().to_string().as_str()));
    let failing = failing_cells(&report);
    assert!(!failing.is_empty(), "the mutant fails at least one cell");
    assert_eq!(root.attribute("failures"), Some(failing.len().to_string().as_str()));
    for cell in &cells[..] {
        let name = format!("{} on {}", cell["scenario"].as_str().unwrap(), cell["cluster_id"].as_str().unwrap());
        let testcase =
            testcases.iter().find(|t| t.attribute("name") == Some(name.as_str())).expect("a testcase per cell");
        let failure = testcase.children().find(|n| n.has_tag_name("failure"));
        assert_eq!(failure.is_some(), cell["passed"] == false, "{name}: a failure exactly when the cell failed");
        let Some(failure) = failure else { continue };
        let text = failure.text().unwrap_or_default();
        let examples = cell["examples"].as_array().unwrap();
        assert!(!examples.is_empty(), "{name}: a failing cell under the mutant has examples");
        for example in examples {
            assert!(
                text.contains(example["replay"].as_str().unwrap()),
                "{name}: the failure carries each replay command"
            );
        }
    }
}

#[test]
fn summary_lists_every_failing_scenario_with_its_replay_command() {
    let dir = failing_run();
    let report = report_json(dir);
    let summary = read(dir, "summary.md");
    assert!(summary.starts_with("# failsim: FAIL"));
    let failing = failing_cells(&report);
    let isolation = failing.iter().find(|c| c["scenario"] == "region_isolation_long_lease");
    let isolation = isolation.expect("the long-lease isolation fails under no_lease_wait");
    let examples = isolation["examples"].as_array().unwrap();
    assert!(examples.iter().any(|e| e["invariant"] == "single_writer"), "the mutant's split brain is caught");
    for cell in failing {
        let heading = format!("### {} on {}", cell["scenario"].as_str().unwrap(), cell["cluster_id"].as_str().unwrap());
        assert!(summary.contains(&heading), "summary.md lists {heading}");
        for example in cell["examples"].as_array().unwrap() {
            let replay = example["replay"].as_str().unwrap();
            assert!(replay.starts_with("failsim replay "), "{replay}");
            assert!(summary.contains(replay), "summary.md carries {replay}");
        }
    }
}

/// Checks `value` against `schema` the simple way: `$ref`, `type`, `const`, `enum`,
/// `required`, `properties` with `additionalProperties: false`, `items` and
/// `prefixItems`, recursively. Returns the first mismatch with its JSON path.
fn conforms(value: &Value, schema: &Value, root: &Value, path: &str) -> Result<(), String> {
    if let Some(pointer) = schema.get("$ref").and_then(Value::as_str) {
        let target = root.pointer(pointer.trim_start_matches('#')).ok_or(format!("{path}: unknown $ref {pointer}"))?;
        conforms(value, target, root, path)?;
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            other => vec![other.as_str().unwrap_or_default()],
        };
        let fits = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "number" => value.is_number(),
            "integer" => value.is_u64() || value.is_i64(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            return Err(format!("{path}: expected {types:?}, found {value}"));
        }
    }
    if let Some(expected) = schema.get("const").filter(|c| *c != value) {
        return Err(format!("{path}: expected {expected}, found {value}"));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array).filter(|o| !o.contains(value)) {
        return Err(format!("{path}: {value} is not one of {options:?}"));
    }
    if let Value::Object(fields) = value {
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !fields.contains_key(key) {
                return Err(format!("{path}: missing required {key}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, field) in fields {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => conforms(field, property, root, &format!("{path}.{key}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{path}: {key} is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let Value::Array(items) = value {
        let prefix = schema.get("prefixItems").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match (prefix.get(i), schema.get("items")) {
                (Some(first), _) => conforms(item, first, root, &item_path)?,
                (None, Some(Value::Bool(false))) => return Err(format!("{item_path}: no item allowed here")),
                (None, Some(rest)) => conforms(item, rest, root, &item_path)?,
                (None, None) => {}
            }
        }
    }
    Ok(())
}

fn schema() -> Value {
    let text = std::fs::read_to_string(repo_path("docs/report.schema.json")).expect("docs/report.schema.json exists");
    serde_json::from_str(&text).expect("the schema is JSON")
}

#[test]
fn report_json_follows_its_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let report = report_json(failing_run());
    for optional in ["mutant", "timing"] {
        assert!(report.get(optional).is_some(), "the run under test covers the optional key {optional}");
    }
    conforms(&report, &schema, &schema, "report").unwrap_or_else(|e| panic!("report.json: {e}"));

    // The keys the runner leaves out here: a sample run, a cell with no samples, and
    // the mark of a report that covers part of its matrix.
    let mut model = small_report("builtin:node_crash", &["builtin:single-region-3"], 3, None);
    model.sample = Some(sample_run());
    model.incomplete = Some(failsim::report::model::Incomplete {
        reason: "shard 2/3".into(),
        runs_done: 3,
        runs_total: 9,
        next: "failsim merge DIR...".into(),
    });
    let value = serde_json::to_value(&model).unwrap();
    conforms(&value, &schema, &schema, "report").unwrap_or_else(|e| panic!("a report with a sample: {e}"));

    // And the checker does catch a mismatch.
    let mut broken = value.clone();
    broken["cells"][0]["runs"] = Value::String("three".into());
    assert!(conforms(&broken, &schema, &schema, "report").is_err());
    broken = value;
    broken["totals"]["surprise"] = Value::Bool(true);
    assert!(conforms(&broken, &schema, &schema, "report").is_err());
}

#[test]
fn distributions_list_quantiles_from_minimum_to_maximum() {
    let report =
        small_report("builtin:primary_failure", &["builtin:three-region-5", "builtin:single-region-3"], 10, None);
    for cell in &report.cells {
        for d in [&cell.detection_ms, &cell.failover_ms, &cell.unavailable_ms] {
            if d.count == 0 {
                assert!(d.quantiles.is_empty() && d.p50.is_none());
                continue;
            }
            let qs: Vec<f64> = d.quantiles.iter().map(|(q, _)| *q).collect();
            assert_eq!(qs, QUANTILES);
            assert!(d.quantiles.windows(2).all(|w| w[0].1 <= w[1].1), "a CDF never goes down: {:?}", d.quantiles);
            let at = |q: f64| d.quantiles.iter().find(|(x, _)| *x == q).map(|(_, ms)| *ms);
            assert_eq!(at(0.5), d.p50);
            assert_eq!(at(0.95), d.p95);
            assert_eq!(at(0.99), d.p99);
            assert_eq!(at(1.0), d.max);
        }
    }
}

/// A sample run as the runner records it: run 0 of region isolation on three-region-5,
/// re-run with its trace; its facts become timeline events, its fault steps windows.
/// One event carries markup, to prove it is escaped inside the chart too.
fn sample_run() -> SampleRun {
    let scenario = load::scenario("builtin:region_isolation").unwrap();
    let cluster = load::topology("builtin:three-region-5").unwrap();
    let policy = resolve::scenario_policy(&scenario).unwrap();
    let seed = failsim::engine::derive_seed(0, &scenario.value.name, &cluster.value.cluster_id, 0);
    let request = RunRequest {
        scenario: &scenario.value,
        cluster: &cluster.value,
        policy: &policy.value,
        seed,
        mutant: None,
        trace: true,
    };
    let outcome = runner::run(&request);
    let trace = outcome.trace.expect("a traced run keeps its trace");
    let mut events: Vec<TimelineEvent> = trace
        .iter()
        .filter(|r| r.kind == "fact" && !r.detail.starts_with("LeaseGranted"))
        .map(|r| {
            let kind = r.detail.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("fact");
            TimelineEvent { at_ms: r.at_ns as f64 / 1e6, kind: kind.to_string(), label: r.detail.clone() }
        })
        .collect();
    events.push(TimelineEvent {
        at_ms: 1.0,
        kind: "<script>lane</script>".into(),
        label: "<script>label</script>".into(),
    });
    let steps: Vec<f64> = trace.iter().filter(|r| r.kind == "fault").map(|r| r.at_ns as f64 / 1e6).collect();
    let faults = match (steps.first(), steps.last()) {
        (Some(start), Some(end)) => {
            vec![FaultWindow { start_ms: *start, end_ms: *end, kind: "region_isolation".into() }]
        }
        _ => Vec::new(),
    };
    SampleRun {
        scenario: scenario.value.name.clone(),
        cluster_id: cluster.value.cluster_id.clone(),
        run_index: 0,
        seed: seed.0,
        duration_ms: scenario.value.duration_s * 1000.0,
        reason: "run 0 of the first cell".into(),
        replay: runner::replay::command("region_isolation", "builtin:three-region-5", None, None, Seed(seed.0)),
        events,
        faults,
    }
}

#[test]
fn sample_run_timeline_is_drawn_when_present_and_escaped() {
    let mut report = small_report("builtin:region_isolation", &["builtin:three-region-5"], 3, None);
    let without = report::html::render(&report);
    assert!(!without.contains("id=\"sample\""), "no sample, no timeline");
    report.sample = Some(sample_run());
    let html = report::html::render(&report);
    assert!(html.contains("<section id=\"sample\">"));
    assert_eq!(html.matches("<svg").count(), without.matches("<svg").count() + 1, "one more chart: the timeline");
    let timeline = &html[html.find("<section id=\"sample\">").unwrap()..];
    let timeline = &timeline[..timeline.find("</section>").unwrap()];
    let svg = &timeline[timeline.find("<svg").unwrap()..timeline.find("</svg>").unwrap()];
    assert!(svg.contains("region_isolation"), "fault windows are labelled with their kind");
    assert!(svg.contains("&lt;script&gt;lane&lt;/script&gt;"), "lane names are escaped inside the SVG");
    assert!(timeline.contains("&lt;script&gt;label&lt;/script&gt;"), "labels are escaped in the table");
    assert!(!html.contains("<script"), "no raw markup anywhere");
    assert!(svg.contains("<rect"), "fault windows are shaded");
}
