//! Sweep parameters: `PATH=V1,V2,...` as `failsim sweep --param` takes them, the grid
//! of points they span, and one point's values set into a topology, policy or scenario.
//!
//! A value is set through the model's serde form rather than a table of known fields:
//! the document is serialized to JSON, the number at the path is replaced, and the JSON
//! is read back through the same deserializer and validation as an input file. So any
//! numeric field can be swept, and every grid value is held to the rules a file is
//! (`policy.heartbeat.interval_ms=0` is refused before anything runs). Pure: no files,
//! no clock.

use super::load::Validate;
use super::problems::{Problem, Problems};
use super::syntax;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Most points one grid may have: it bounds the models built and the files written.
pub const GRID_POINTS_MAX: usize = 1000;

/// The document a parameter sets, named by its path's first segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    Cluster,
    Policy,
    Scenario,
}

impl Document {
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Cluster => "cluster",
            Document::Policy => "policy",
            Document::Scenario => "scenario",
        }
    }
}

/// One swept field and its values, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// As written: `policy.heartbeat.interval_ms`.
    pub path: String,
    pub document: Document,
    /// The path inside the document, one field name or list index each:
    /// `["heartbeat", "interval_ms"]`.
    segments: Vec<String>,
    /// Integers stay integers (`3`), so they fit integer fields such as `failure_threshold`.
    pub values: Vec<Number>,
}

/// A parameter that cannot be parsed or applied, told in one line that names it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParamError(pub String);

const USAGE: &str = "expected PATH=V1,V2,... (for example policy.heartbeat.interval_ms=500,1000,2000)";

impl Param {
    /// Parses `PATH=V1,V2,...`. The path is checked against a document only when a value
    /// is applied ([`apply`]).
    ///
    /// # Errors
    /// No `=`, a path outside `cluster.`, `policy.` and `scenario.`, an empty segment, a
    /// value that is not a finite number, or a value listed twice.
    pub fn parse(text: &str) -> Result<Param, ParamError> {
        let error = |message: String| ParamError(format!("--param {text}: {message}"));
        let (path, list) = text.split_once('=').ok_or_else(|| error(USAGE.to_string()))?;
        let path = path.trim();
        let mut segments = path.split('.').map(str::to_string);
        let document = match segments.next().as_deref() {
            Some("cluster") => Document::Cluster,
            Some("policy") => Document::Policy,
            Some("scenario") => Document::Scenario,
            _ => return Err(error("the path must start with cluster., policy. or scenario.".to_string())),
        };
        let segments: Vec<String> = segments.collect();
        if segments.is_empty() || segments.iter().any(String::is_empty) {
            return Err(error(format!("expected a dotted field path after `{}.`; {USAGE}", document.as_str())));
        }
        if document == Document::Scenario && matches!(segments[0].as_str(), "cluster" | "policy") {
            let what = &segments[0];
            return Err(error(format!(
                "a sweep sets the {what} a scenario runs with after resolving it: write {what}.{} instead",
                segments[1..].join(".")
            )));
        }
        let mut values: Vec<Number> = Vec::new();
        for token in list.split(',').map(str::trim) {
            let value = number(token).ok_or_else(|| error(format!("`{token}` is not a finite number")))?;
            if values.iter().any(|v| v.as_f64() == value.as_f64()) {
                return Err(error(format!("{token} is listed twice")));
            }
            values.push(value);
        }
        Ok(Param { path: path.to_string(), document, segments, values })
    }

    /// `path=value`, as on the command line.
    pub fn assignment(&self, value: &Number) -> String {
        format!("{}={value}", self.path)
    }

    /// The field path as validation writes it: `faults[0].rate` for `faults.0.rate`.
    fn problem_path(&self) -> String {
        let mut path = String::new();
        for segment in &self.segments {
            if segment.bytes().all(|b| b.is_ascii_digit()) {
                path.push_str(&format!("[{segment}]"));
            } else {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(segment);
            }
        }
        path
    }
}

/// Parses every `--param`, refusing a path given twice.
///
/// # Errors
/// See [`Param::parse`].
pub fn parse_all(texts: &[String]) -> Result<Vec<Param>, ParamError> {
    let mut params: Vec<Param> = Vec::new();
    for text in texts {
        let param = Param::parse(text)?;
        if params.iter().any(|p| p.path == param.path) {
            return Err(ParamError(format!("--param {}: given twice; list every value in one --param", param.path)));
        }
        params.push(param);
    }
    Ok(params)
}

/// A number token: an integer when it reads as one, else a finite float.
fn number(token: &str) -> Option<Number> {
    if let Ok(n) = token.parse::<u64>() {
        return Some(n.into());
    }
    if let Ok(n) = token.parse::<i64>() {
        return Some(n.into());
    }
    // `Number::from_f64` refuses NaN and the infinities, which `parse` accepts.
    token.parse::<f64>().ok().and_then(Number::from_f64)
}

/// Every combination of the params' values, the first param outermost (the last varies
/// fastest), each point as one value index per param.
///
/// # Errors
/// More than [`GRID_POINTS_MAX`] points.
pub fn grid(params: &[Param]) -> Result<Vec<Vec<usize>>, ParamError> {
    let sizes: Vec<usize> = params.iter().map(|p| p.values.len()).collect();
    let count = sizes.iter().try_fold(1usize, |n, size| n.checked_mul(*size));
    if count.is_none_or(|n| n > GRID_POINTS_MAX) {
        let shape: Vec<String> = sizes.iter().map(usize::to_string).collect();
        let count = count.map_or("too many".to_string(), |n| n.to_string());
        return Err(ParamError(format!(
            "the grid has {count} points ({} values), more than the {GRID_POINTS_MAX} a sweep runs: \
             sweep fewer values, or split the sweep",
            shape.join(" x ")
        )));
    }
    let mut points = vec![Vec::new()];
    for size in sizes {
        points = points
            .into_iter()
            .flat_map(|point: Vec<usize>| {
                (0..size).map(move |i| {
                    let mut next = point.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    Ok(points)
}

/// A document with a grid point's values set, and the warnings its validation gave.
#[derive(Clone, Debug)]
pub struct Applied<T> {
    pub value: T,
    /// Field paths start with the document: `policy.heartbeat.timeout_ms`.
    pub warnings: Vec<Problem>,
}

/// What setting one field did to the JSON.
enum Set {
    Replaced,
    /// The field was absent (an optional field left out, or no field at all); the
    /// message to give if the deserializer knows no such field.
    Inserted(String),
}

/// Sets each `(param, value)` in a copy of `document` (every param must be of this
/// document), then reads it back and validates it as an input file. A field may be a
/// number, an optional number left out, or a `[min, max]` range (set to one value).
///
/// # Errors
/// A path that names no field, or a field that is not a number (with the fields there
/// are); a value the field's type or the document's validation refuses. The message
/// names the parameters and their values.
pub fn apply<T>(document: &T, settings: &[(&Param, &Number)]) -> Result<Applied<T>, ParamError>
where
    T: Serialize + DeserializeOwned + Validate,
{
    let fail = |message: String| {
        let assignments: Vec<String> = settings.iter().map(|(p, v)| p.assignment(v)).collect();
        match assignments.as_slice() {
            [one] => ParamError(format!("--param {one}: {message}")),
            all => ParamError(format!("grid point {}: {message}", all.join(", "))),
        }
    };
    let prefix = settings.first().map_or("", |(p, _)| p.document.as_str());
    // The bare message when it is about the one field set, else led by the field's path.
    let about = |path: &str, message: &str| match settings {
        [(param, _)] if param.problem_path() == path => message.to_string(),
        _ if path.is_empty() => format!("{prefix}: {message}"),
        _ => format!("{prefix}.{path}: {message}"),
    };
    let mut json = serde_json::to_value(document).map_err(|e| fail(format!("cannot serialize: {e}")))?;
    let mut unknown = None;
    for (param, value) in settings {
        if let Set::Inserted(message) = set(&mut json, param, value).map_err(fail)? {
            unknown.get_or_insert(message);
        }
    }
    let text = json.to_string();
    let tree = syntax::parse_json(&text).map_err(|e| fail(e.message))?;
    let value: T = syntax::from_node(&tree).map_err(|e| match unknown.take() {
        Some(message) if e.message.starts_with("unknown field") => fail(message),
        _ => fail(about(e.path.as_deref().unwrap_or_default(), &e.message)),
    })?;
    let back = serde_json::to_value(&value).map_err(|e| fail(format!("cannot serialize: {e}")))?;
    for (param, number) in settings {
        let read = param.segments.iter().try_fold(&back, |here, segment| match here {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        });
        if read.and_then(Value::as_f64) != number.as_f64() {
            return Err(fail(format!("{} does not keep the value it is given", param.path)));
        }
    }
    let mut problems = Problems::default();
    value.validate(&mut problems);
    if let Some(first) = problems.first_error() {
        return Err(fail(about(&first.path, &first.message)));
    }
    let warnings = problems.warnings().map(|p| Problem { path: format!("{prefix}.{}", p.path), ..p.clone() }).collect();
    Ok(Applied { value, warnings })
}

/// Walks `param`'s path through `json` and puts `value` at its end.
fn set(json: &mut Value, param: &Param, value: &Number) -> Result<Set, String> {
    let mut here = json;
    let mut at = param.document.as_str().to_string();
    let (last, parents) = param.segments.split_last().expect("parse keeps at least one segment");
    for segment in parents {
        here = step(here, &at, segment)?;
        at = format!("{at}.{segment}");
    }
    let field = format!("{at}.{last}");
    let slot = match here {
        Value::Object(map) if !map.contains_key(last) => {
            let message = no_field(map, &at, last);
            map.insert(last.clone(), Value::Number(value.clone()));
            return Ok(Set::Inserted(message));
        }
        Value::Object(map) => map.get_mut(last).expect("checked"),
        Value::Array(items) => index(items, &at, last)?,
        other => return Err(format!("{at} is {}, with no field `{last}`", describe(other))),
    };
    match slot {
        Value::Number(_) | Value::Null => {}
        // A `[min, max]` range may be fixed at one value.
        Value::Array(items) if items.len() == 2 && items.iter().all(Value::is_number) => {}
        Value::Array(items) if !items.is_empty() => {
            return Err(format!("{field} is a list, not a number: sweep one of its entries, such as {field}.0"))
        }
        other => return Err(format!("{field} is {}, not a number", describe(other))),
    }
    *slot = Value::Number(value.clone());
    Ok(Set::Replaced)
}

/// The value at `segment` under `here` (at path `at`), which must exist.
fn step<'v>(here: &'v mut Value, at: &str, segment: &str) -> Result<&'v mut Value, String> {
    match here {
        Value::Object(map) if !map.contains_key(segment) => Err(no_field(map, at, segment)),
        Value::Object(map) => Ok(map.get_mut(segment).expect("checked")),
        Value::Array(items) => index(items, at, segment),
        other => Err(format!("{at} is {}, with no field `{segment}`", describe(other))),
    }
}

fn index<'v>(items: &'v mut [Value], at: &str, segment: &str) -> Result<&'v mut Value, String> {
    let count = items.len();
    if count == 0 {
        return Err(format!("{at} is an empty list"));
    }
    let last = count - 1;
    match segment.parse::<usize>() {
        Ok(i) if i < count => Ok(&mut items[i]),
        Ok(i) => Err(format!("{at} has {count} entries: index {i} is out of range (0 to {last})")),
        Err(_) => Err(format!("{at} is a list: expected an index from 0 to {last}, found `{segment}`")),
    }
}

fn no_field(map: &Map<String, Value>, at: &str, name: &str) -> String {
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    let near = syntax::closest(name, &keys).map(|k| format!("did you mean `{k}`? ")).unwrap_or_default();
    format!("{at} has no field `{name}` ({near}fields there: {})", keys.join(", "))
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "not set".to_string(),
        Value::Bool(b) => format!("true or false (`{b}`)"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("text (`{s}`)"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            format!("a group of fields ({})", keys.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::library::{self, Kind};
    use crate::model::{load, Cluster, Fault, Policy, Scenario, ValueRange};

    fn policy() -> Policy {
        load::policy("builtin:seed-auto").unwrap().value
    }

    fn set_one<T: Serialize + DeserializeOwned + Validate>(value: &T, text: &str) -> Result<T, String> {
        let param = Param::parse(text).map_err(|e| e.0)?;
        assert_eq!(param.values.len(), 1, "{text}");
        apply(value, &[(&param, &param.values[0])]).map(|a| a.value).map_err(|e| e.0)
    }

    #[test]
    fn values_parse_in_order_and_integers_stay_integers() {
        let param = Param::parse("policy.heartbeat.interval_ms=500, 1000,2.5e3").unwrap();
        assert_eq!(param.document, Document::Policy);
        assert_eq!(param.segments, ["heartbeat", "interval_ms"]);
        let texts: Vec<String> = param.values.iter().map(Number::to_string).collect();
        assert_eq!(texts, ["500", "1000", "2500.0"]);
        assert!(param.values[0].is_u64() && param.values[2].is_f64());
    }

    #[test]
    fn malformed_params_are_refused_in_one_line_naming_them() {
        for (text, says) in [
            ("policy.heartbeat.interval_ms", "expected PATH=V1,V2"),
            ("heartbeat.interval_ms=1", "must start with cluster., policy. or scenario."),
            ("policy=1", "expected a dotted field path"),
            ("policy..interval_ms=1", "expected a dotted field path"),
            ("policy.heartbeat.interval_ms=fast", "`fast` is not a finite number"),
            ("policy.heartbeat.interval_ms=1,,2", "`` is not a finite number"),
            ("policy.heartbeat.interval_ms=NaN", "`NaN` is not a finite number"),
            ("policy.heartbeat.interval_ms=inf", "`inf` is not a finite number"),
            ("policy.heartbeat.interval_ms=500,500.0", "500.0 is listed twice"),
            ("scenario.policy.fencing.lease_ms=1", "write policy.fencing.lease_ms instead"),
        ] {
            let error = Param::parse(text).unwrap_err().0;
            assert!(error.starts_with(&format!("--param {text}: ")), "{error}");
            assert!(error.contains(says), "{text}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
        let twice = ["policy.cooldown_s=1".to_string(), "policy.cooldown_s=2".to_string()];
        assert!(parse_all(&twice).unwrap_err().0.contains("given twice"));
    }

    #[test]
    fn a_value_is_set_and_validated_like_a_file() {
        let policy = policy();
        let set = set_one(&policy, "policy.heartbeat.failure_threshold=5").unwrap();
        assert_eq!(set.heartbeat.failure_threshold, 5);
        assert_eq!(Policy { heartbeat: policy.heartbeat.clone(), ..set.clone() }, policy, "nothing else changes");
        assert_eq!(set_one(&policy, "policy.fencing.lease_ms=2500").unwrap().fencing.lease_ms, 2500.0);
        assert_eq!(
            set_one(&policy, "policy.heartbeat.interval_ms=0").unwrap_err(),
            "--param policy.heartbeat.interval_ms=0: expected a finite number greater than 0, found 0"
        );
        let fraction = set_one(&policy, "policy.heartbeat.failure_threshold=2.5").unwrap_err();
        assert!(fraction.starts_with("--param policy.heartbeat.failure_threshold=2.5: expected"), "{fraction}");
        let negative = set_one(&policy, "policy.heartbeat.failure_threshold=-1").unwrap_err();
        assert!(negative.starts_with("--param policy.heartbeat.failure_threshold=-1: expected"), "{negative}");
    }

    #[test]
    fn a_path_to_nothing_or_to_no_number_says_what_is_there() {
        let policy = policy();
        let typo = set_one(&policy, "policy.heartbeat.intervl_ms=500").unwrap_err();
        assert!(typo.contains("policy.heartbeat has no field `intervl_ms` (did you mean `interval_ms`?"), "{typo}");
        assert!(typo.contains("fields there: interval_ms, timeout_ms"), "{typo}");
        let parent = set_one(&policy, "policy.heartbaet.interval_ms=500").unwrap_err();
        assert!(parent.contains("policy has no field `heartbaet` (did you mean `heartbeat`?"), "{parent}");
        let text = set_one(&policy, "policy.strategy=1").unwrap_err();
        assert!(text.ends_with("policy.strategy is text (`automatic`), not a number"), "{text}");
        let group = set_one(&policy, "policy.heartbeat=1").unwrap_err();
        assert!(group.contains("policy.heartbeat is a group of fields (interval_ms,"), "{group}");
        let below = set_one(&policy, "policy.heartbeat.interval_ms.x=1").unwrap_err();
        assert!(below.contains("policy.heartbeat.interval_ms is a number (5000.0), with no field `x`"), "{below}");
        let scenario = load::scenario("builtin:clock_skew").unwrap().value;
        let range = set_one(&scenario, "scenario.faults.5.rate=1").unwrap_err();
        assert!(range.contains("scenario.faults has 3 entries: index 5 is out of range (0 to 2)"), "{range}");
    }

    #[test]
    fn ranges_and_optional_numbers_can_be_set() {
        let scenario = load::scenario("builtin:clock_skew").unwrap().value;
        let set = set_one(&scenario, "scenario.faults.0.rate=0.8").unwrap();
        let Fault::ClockSkew(skew) = &set.faults[0] else { panic!("faults[0] is the clock skew") };
        assert_eq!(skew.rate, ValueRange::fixed(0.8));
        let min = set_one(&scenario, "scenario.faults.1.at_s.0=5").unwrap();
        assert_eq!(min.faults[1].window().0, ValueRange::between(5.0, 30.0));
        let inverted = set_one(&scenario, "scenario.faults.1.at_s.0=50").unwrap_err();
        assert!(inverted.contains("scenario.faults[1].at_s: expected [min, max] with min <= max"), "{inverted}");
        let cluster: Cluster = load::topology("builtin:three-region-5").unwrap().value;
        assert_eq!(cluster.quorum_size, None);
        assert_eq!(set_one(&cluster, "cluster.quorum_size=4").unwrap().quorum_size, Some(4));
        let unknown = set_one(&cluster, "cluster.quorum=4").unwrap_err();
        assert!(unknown.contains("cluster has no field `quorum`"), "{unknown}");
    }

    #[test]
    fn several_values_are_validated_together() {
        let policy = policy();
        let interval = Param::parse("policy.heartbeat.interval_ms=400").unwrap();
        let timeout = Param::parse("policy.heartbeat.timeout_ms=300").unwrap();
        let both = apply(&policy, &[(&interval, &interval.values[0]), (&timeout, &timeout.values[0])]).unwrap();
        assert_eq!((both.value.heartbeat.interval_ms, both.value.heartbeat.timeout_ms), (400.0, 300.0));
        assert!(both.warnings.is_empty(), "{:?}", both.warnings);
        let alone = apply(&policy, &[(&interval, &interval.values[0])]).unwrap();
        assert_eq!(alone.warnings[0].path, "policy.heartbeat.timeout_ms", "a 2 s timeout overlaps 400 ms beats");
        let zero = Param::parse("policy.cooldown_s=-1").unwrap();
        let error = apply(&policy, &[(&interval, &interval.values[0]), (&zero, &zero.values[0])]).unwrap_err();
        assert!(error
            .0
            .starts_with("grid point policy.heartbeat.interval_ms=400, policy.cooldown_s=-1: policy.cooldown_s: "));
    }

    #[test]
    fn every_built_in_document_reads_back_unchanged() {
        fn same<T: Serialize + DeserializeOwned + Validate + PartialEq + std::fmt::Debug>(value: &T) {
            assert_eq!(&apply(value, &[]).unwrap().value, value);
        }
        for name in library::names(Kind::Topology) {
            same(&load::topology(&format!("builtin:{name}")).unwrap().value);
        }
        for name in library::names(Kind::Policy) {
            same(&load::policy(&format!("builtin:{name}")).unwrap().value);
        }
        for name in library::names(Kind::Scenario) {
            same::<Scenario>(&load::scenario(&format!("builtin:{name}")).unwrap().value);
        }
    }

    #[test]
    fn the_grid_is_the_product_with_the_last_param_fastest_and_is_capped() {
        let params = parse_all(&["policy.cooldown_s=1,2".to_string(), "policy.max_lag_ms=1,2,3".to_string()]);
        let points = grid(&params.unwrap()).unwrap();
        assert_eq!(points, [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
        let values: Vec<String> = (0..40).map(|v| v.to_string()).collect();
        let wide =
            [format!("policy.cooldown_s={}", values.join(",")), format!("policy.max_lag_ms={}", values.join(","))];
        let error = grid(&parse_all(&wide).unwrap()).unwrap_err().0;
        assert!(error.starts_with("the grid has 1600 points (40 x 40 values), more than the 1000"), "{error}");
    }
}
