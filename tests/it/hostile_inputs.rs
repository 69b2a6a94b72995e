//! Hostile inputs to the loaders: the built-in topology, policy and scenario texts
//! (YAML, and their JSON forms) mutated line by line (deleted, duplicated, swapped,
//! truncated, values replaced with huge numbers, NaN, negatives, deep nesting, very long
//! strings, stray syntax) each load or are refused with one printable line that names a
//! line and column inside the input; and one regression test per input that once took
//! minutes or gigabytes (found while fuzzing, docs/ROBUSTNESS.md).
//!
//! The property runs start from a fixed proptest seed; `PROPTEST_RNG_SEED=N` explores
//! others and `PROPTEST_CASES=N` changes the case count (256 by default). No test here
//! measures time: an input that regressed to quadratic simply makes the suite slow.

use failsim::model::load::{self, Format, Text, Validate};
use failsim::model::syntax::{from_node, parse_yaml, to_yaml, MAX_TEXT_BYTES};
use failsim::model::{library, resolve, Cluster, InputError, Kind, Policy, Scenario};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// The proptest seed the runs start from unless `PROPTEST_RNG_SEED` names another.
const PROPTEST_SEED: u64 = 0x5eed_0008;

/// The name generated inputs go by: `builtin:` so that a scenario's references resolve
/// in the built-in library only, never as files in the working directory.
const ORIGIN: &str = "builtin:hostile-input";

/// Values that break a rule, a type or the syntax, or that only a careful reader
/// takes as what they are.
const HOSTILE_SCALARS: &[&str] = &[
    "1e400",
    "-1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "-1",
    "-0.0",
    "0",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "0x7fffffffffffffff",
    "0o777777777777777777777777",
    "~",
    "null",
    "true",
    "\"\"",
    "''",
    "\"\\u0000\\e[2J\\u202e\"",
    "\"\\ud800\"",
    "*nowhere",
    "&anchor",
    "&a [*a]",
    "!!binary aGk=",
    "!custom x",
    "{",
    "[",
    "]",
    "}",
    ": :",
    "- -",
    "'unterminated",
    "\"unterminated",
    "? complex",
    "|",
    "---",
    "...",
    "%YAML 1.2",
    "#",
    "zürich 🙂",
];

/// One edit of a text, by line.
#[derive(Clone, Debug)]
enum Edit {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    /// Replaces what follows the line's first `: ` (or `- `), or the whole line.
    ReplaceValue(Index, String),
    /// Inserts `key: value` before the line, at its indentation.
    Insert(Index, String),
    /// Cuts the text at a character.
    Truncate(Index),
}

/// A replacement value: one of the hostile scalars, a long string, deep nesting or a
/// long list.
fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(HOSTILE_SCALARS).prop_map(str::to_string),
        1 => (1usize..200_000).prop_map(|n| "x".repeat(n)),
        1 => (1usize..200).prop_map(|d| format!("{}{}", "[".repeat(d), "]".repeat(d))),
        1 => (1usize..200).prop_map(|d| format!("{}1{}", "{a: ".repeat(d), "}".repeat(d))),
        1 => (1usize..5_000).prop_map(|n| format!("[{}]", vec!["1"; n].join(", "))),
        1 => (-1e300f64..1e300).prop_map(|x| x.to_string()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::Delete),
        1 => any::<Index>().prop_map(Edit::Duplicate),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        4 => (any::<Index>(), hostile_value()).prop_map(|(i, v)| Edit::ReplaceValue(i, v)),
        1 => (any::<Index>(), hostile_value()).prop_map(|(i, v)| Edit::Insert(i, v)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    match edit {
        Edit::Delete(i) => {
            lines.remove(i.index(lines.len()));
        }
        Edit::Duplicate(i) => {
            let i = i.index(lines.len());
            let line = lines[i].clone();
            lines.insert(i, line);
        }
        Edit::Swap(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
        }
        Edit::ReplaceValue(i, value) => {
            let count = lines.len();
            let line = &mut lines[i.index(count)];
            let cut = [": ", "- "].iter().filter_map(|sep| line.find(sep).map(|at| at + sep.len())).min();
            match cut {
                Some(cut) => line.replace_range(cut.., value),
                None => *line = value.clone(),
            }
        }
        Edit::Insert(i, value) => {
            let i = i.index(lines.len());
            let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
            lines.insert(i, format!("{indent}hostile_key: {value}"));
        }
        Edit::Truncate(i) => {
            let joined = lines.join("\n");
            let cut = i.index(joined.chars().count() + 1);
            return joined.chars().take(cut).collect();
        }
    }
    lines.join("\n") + "\n"
}

/// Every built-in text, YAML as shipped.
fn yaml_bases() -> Vec<String> {
    [Kind::Topology, Kind::Policy, Kind::Scenario]
        .into_iter()
        .flat_map(|kind| library::entries(kind).iter().map(|(_, body)| (*body).to_string()))
        .collect()
}

/// Every built-in topology and policy, and the scenarios, as pretty JSON.
fn json_bases() -> Vec<String> {
    fn as_json<T: Serialize + DeserializeOwned + Validate>(kind: Kind) -> Vec<String> {
        library::names(kind)
            .into_iter()
            .map(|name| {
                let loaded = load::decode::<T>(&library::text(kind, name).expect("a built-in")).expect("it loads");
                serde_json::to_string_pretty(&loaded.value).expect("it serializes")
            })
            .collect()
    }
    let mut bases = as_json::<Cluster>(Kind::Topology);
    bases.extend(as_json::<Policy>(Kind::Policy));
    bases.extend(as_json::<Scenario>(Kind::Scenario));
    bases
}

/// Fails unless the error is one printable line naming a line and column inside `body`.
fn check_located(error: &InputError, body: &str) -> Result<(), TestCaseError> {
    let line = error.to_string();
    let Some(at) = error.at else {
        return Err(TestCaseError::fail(format!("no line and column: {line}")));
    };
    prop_assert!(!line.chars().any(char::is_control), "not one printable line: {line:?}");
    prop_assert!(!error.message.trim().is_empty(), "no message: {line}");
    if error.origin == ORIGIN {
        prop_assert!(line.starts_with(&format!("{ORIGIN}:{at}: ")), "the location is not where it belongs: {line}");
        let lines: Vec<&str> = body.split('\n').collect();
        prop_assert!(at.line >= 1 && at.line as usize <= lines.len(), "line {} of {}: {line}", at.line, lines.len());
        let width = lines[at.line as usize - 1].chars().count();
        prop_assert!(at.column >= 1 && at.column as usize <= width + 1, "column {} of {width}: {line}", at.column);
    }
    Ok(())
}

/// Decodes `text` as one kind: a loaded value must read back the same from failsim's
/// own YAML emitter (as `shrink` and `sweep` write files), a refusal must be located.
fn check_kind<T>(text: &Text) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + Validate,
{
    match load::decode::<T>(text) {
        Ok(loaded) => {
            let yaml = to_yaml(&serde_json::to_value(&loaded.value).expect("a loaded value serializes"));
            let tree = parse_yaml(&yaml).map_err(|e| TestCaseError::fail(format!("{e:?}\n{yaml}")))?;
            let back: T = from_node(&tree).map_err(|e| TestCaseError::fail(format!("{e:?}\n{yaml}")))?;
            prop_assert_eq!(back, loaded.value, "the emitted YAML reads back differently:\n{}", yaml);
            Ok(())
        }
        Err(error) => check_located(&error, &text.body),
    }
}

/// The answers of every loader to one input.
fn check_input(body: &str, format: Format) -> Result<(), TestCaseError> {
    let text = match load::text_from_bytes(ORIGIN, body.as_bytes().to_vec(), format, None) {
        Ok(text) => text,
        Err(error) => return check_located(&error, body),
    };
    check_kind::<Cluster>(&text)?;
    check_kind::<Policy>(&text)?;
    check_kind::<Scenario>(&text)?;
    match resolve::check_document(&text) {
        Ok(_) => Ok(()),
        Err(error) => check_located(&error, body),
    }
}

fn config() -> ProptestConfig {
    crate::support::proptest_config(PROPTEST_SEED)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_builtin_yaml_loads_or_is_refused_with_a_located_line(
        base in any::<Index>(),
        edits in vec(edit(), 1..5),
    ) {
        let bases = yaml_bases();
        let mut text = bases[base.index(bases.len())].clone();
        for edit in &edits {
            text = apply(&text, edit);
        }
        check_input(&text, Format::Yaml)?;
    }

    #[test]
    fn mutated_builtin_json_loads_or_is_refused_with_a_located_line(
        base in any::<Index>(),
        edits in vec(edit(), 1..5),
    ) {
        let bases = json_bases();
        let mut text = bases[base.index(bases.len())].clone();
        for edit in &edits {
            text = apply(&text, edit);
        }
        check_input(&text, Format::Json)?;
    }

    #[test]
    fn arbitrary_bytes_are_refused_with_a_located_line_or_load(bytes in vec(any::<u8>(), 0..512)) {
        for format in [Format::Yaml, Format::Json] {
            match load::text_from_bytes(ORIGIN, bytes.clone(), format, None) {
                Ok(text) => check_input(&text.body, format)?,
                Err(error) => {
                    prop_assert!(error.at.is_some(), "{}", error);
                    prop_assert!(error.message.contains("not UTF-8"), "{}", error);
                }
            }
        }
    }
}

/// The error a text of `format` gets from `failsim validate`'s checks.
fn refusal(body: &str, format: Format) -> InputError {
    let text = load::text_from_bytes(ORIGIN, body.as_bytes().to_vec(), format, None).expect("UTF-8, under the limit");
    resolve::check_document(&text).expect_err("refused")
}

/// Postmortem: duplicate keys were found by scanning the mapping's earlier keys, so a
/// 1 MB file of 99,000 keys took about 80 s of CPU (YAML and JSON alike); and the JSON
/// parser counted each value's column from the start of its line, quadratic again on a
/// one-line document. Both now take a fraction of a second.
#[test]
fn a_one_line_mapping_of_99000_keys_is_parsed_in_n_log_n_and_located_at_its_end() {
    let keys: Vec<String> = (0..99_000).map(|i| format!("\"k{i}\": 0")).collect();
    let json = format!("{{{}, \"k0\": 1}}", keys.join(", "));
    let error = refusal(&json, Format::Json);
    let column = json.rfind("\"k0\"").expect("the duplicate") + 1;
    assert_eq!(error.at.map(|at| (at.line, at.column as usize)), Some((1, column)), "{error}");
    assert!(error.message.starts_with("duplicate key `k0` (first given at line 1, column 2)"), "{error}");
    let yaml: String = (0..99_000).map(|i| format!("k{i}: 0\n")).collect();
    let error = refusal(&format!("{yaml}k0: 1\n"), Format::Yaml);
    assert_eq!(error.at.map(|at| at.line), Some(99_001), "{error}");
    assert!(error.message.starts_with("duplicate key `k0`"), "{error}");
}

/// Postmortem: duplicate regions were found by scanning the earlier ones, so a topology
/// of 190,000 regions took 20 s of CPU to validate.
#[test]
fn a_topology_of_190000_regions_is_validated_in_n_log_n() {
    let regions: Vec<String> = (0..190_000).map(|i| format!("r{i}")).collect();
    let body = format!(
        "cluster_id: c\nname: c\nregions: [{}, r7]\nnodes:\n  - {{node_id: n1, hostname: h, role: primary, \
         region: r0, site: s, status: healthy, priority: 1, capacity: 1}}\n",
        regions.join(", ")
    );
    let error = refusal(&body, Format::Yaml);
    assert_eq!(error.field, "regions[190000]", "{error}");
    assert_eq!(error.message, "region `r7` is listed twice");
}

/// Postmortem: each node in an unknown region got a message listing every region, and
/// every message was kept: 5,000 nodes and 100,000 regions (a 1.3 MB file) took 3.9 GB.
/// Lists in messages now stop after 20 names.
#[test]
fn a_message_lists_at_most_20_names_however_many_regions_there_are() {
    let regions: Vec<String> = (0..100_000).map(|i| format!("r{i}")).collect();
    let node = "{node_id: n1, hostname: h, role: primary, region: nowhere, site: s, status: healthy, priority: 1, \
                capacity: 1}";
    let body = format!("cluster_id: c\nname: c\nregions: [{}]\nnodes:\n  - {node}\n", regions.join(", "));
    let error = refusal(&body, Format::Yaml);
    assert_eq!(error.field, "nodes[0].region", "{error}");
    let listed: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
    let expected = format!("unknown region `nowhere` (regions: {}, ... (100000 in all))", listed.join(", "));
    assert_eq!(error.message, expected);
}

/// Postmortem: an alias copies the subtree it names, and only values were counted, not
/// their length: a 3 MB string repeated by 200 aliases took 1.9 GB. Text is now counted
/// too, aliases expanded, up to `MAX_TEXT_BYTES`.
#[test]
fn a_long_string_repeated_by_aliases_is_refused_by_the_text_budget() {
    let body =
        format!("cluster_id: c\nname: &a \"{}\"\nregions: [{}]\n", "x".repeat(3 << 20), vec!["*a"; 200].join(", "));
    let error = refusal(&body, Format::Yaml);
    assert_eq!(error.field, "regions", "{error}");
    assert!(error.at.is_some_and(|at| at.line == 3), "{error}");
    let expected = format!("the document has more than {MAX_TEXT_BYTES} bytes of text (aliases count as expanded)");
    assert_eq!(error.message, expected);
}

/// Postmortem: the tree builder keeps a copy of every anchored node for its aliases, and
/// those copies were not counted: 60 anchors nested around a list of 190,000 items (a
/// 570 KB file without a single alias) kept 60 copies, 900 MB. The copy now counts.
#[test]
fn anchors_nested_around_a_long_list_are_refused_by_the_value_budget() {
    let opening: String = (0..60).map(|i| format!("&a{i} [")).collect();
    let body = format!("cluster_id: c\nregions: {opening}{}{}\n", vec!["x"; 190_000].join(", "), "]".repeat(60));
    let error = refusal(&body, Format::Yaml);
    assert_eq!(error.message, "the document has more than 200000 values (aliases count as expanded)", "{error}");
}

/// Postmortem: a scenario may name a topology by a built-in name of 12 characters that
/// loads a whole file; 150,000 of them (a 2 MB file) took 1.5 GB and printed 150,000
/// warnings. A scenario now names at most 64 topologies.
#[test]
fn a_scenario_naming_150000_topologies_is_refused() {
    let body = format!("name: s\nduration_s: 60\ncluster: [{}]\n", vec!["seed-example"; 150_000].join(", "));
    let error = refusal(&body, Format::Yaml);
    assert_eq!(
        (error.field.as_str(), error.message.as_str()),
        ("cluster", "expected at most 64 topologies, found 150000")
    );
}

/// Postmortem: `read_file` trusted the size the file system reports, which is 0 for
/// `/dev/zero` and pipes, and read to the end: `failsim validate /dev/zero`, or a
/// scenario naming `cluster: /dev/zero`, took all memory. The read now stops one byte
/// past the limit.
#[test]
fn a_file_of_unknown_size_is_read_only_up_to_the_limit() {
    let endless = std::path::Path::new("/dev/zero");
    if !endless.exists() {
        return;
    }
    let error = load::read_file(endless).expect_err("refused");
    let limit = load::FILE_BYTES_MAX;
    assert_eq!(error.message, format!("the file holds more than the {limit} bytes accepted"));
    assert!(error.to_string().starts_with("/dev/zero:1:1: (document): "), "{error}");
}
