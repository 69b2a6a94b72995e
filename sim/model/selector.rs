//! `Selector`: how a fault names what it hits (a node id, `primary`, `any_secondary`,
//! `region:NAME`, `region_of:primary`, `site:NAME`, `random(k)`, `monitor`).
//!
//! Parsing here only reads the text; whether the named node, region or site exists is
//! checked against the topology when a scenario is combined with one.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// One node by id.
    Node(String),
    /// Whichever node is primary when the fault fires.
    Primary,
    /// One secondary, drawn from the fault's random stream.
    AnySecondary,
    /// Every node of a region.
    Region(String),
    /// Every node of the region the primary is in when the fault fires.
    RegionOfPrimary,
    /// Every node of a site.
    Site(String),
    /// `k` distinct nodes drawn from the fault's random stream.
    Random(u32),
    /// The control plane itself (for partitions).
    Monitor,
}

impl Selector {
    /// Reads a selector from its text form.
    ///
    /// # Errors
    /// An empty text, an empty name after a prefix, or a malformed `random(k)`.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        let named = |prefix: &str, name: &str, make: fn(String) -> Selector| {
            if name.is_empty() {
                Err(format!("expected a name after `{prefix}`"))
            } else {
                Ok(make(name.to_string()))
            }
        };
        match text {
            "" => Err("expected a selector, found an empty string".to_string()),
            "primary" => Ok(Selector::Primary),
            "any_secondary" => Ok(Selector::AnySecondary),
            "region_of:primary" => Ok(Selector::RegionOfPrimary),
            "monitor" => Ok(Selector::Monitor),
            _ => {
                if let Some(name) = text.strip_prefix("region:") {
                    named("region:", name, Selector::Region)
                } else if let Some(name) = text.strip_prefix("site:") {
                    named("site:", name, Selector::Site)
                } else if let Some(inner) = text.strip_prefix("random(").and_then(|t| t.strip_suffix(')')) {
                    match inner.trim().parse::<u32>() {
                        Ok(k) if k > 0 => Ok(Selector::Random(k)),
                        _ => Err(format!("expected random(k) with k a whole number of at least 1, found `{text}`")),
                    }
                } else if text.contains(['(', ')', ':']) {
                    Err(format!(
                        "unknown selector `{text}` (expected a node id, primary, any_secondary, region:NAME, \
                         region_of:primary, site:NAME, random(k) or monitor)"
                    ))
                } else {
                    Ok(Selector::Node(text.to_string()))
                }
            }
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Node(id) => f.write_str(id),
            Selector::Primary => f.write_str("primary"),
            Selector::AnySecondary => f.write_str("any_secondary"),
            Selector::Region(name) => write!(f, "region:{name}"),
            Selector::RegionOfPrimary => f.write_str("region_of:primary"),
            Selector::Site(name) => write!(f, "site:{name}"),
            Selector::Random(k) => write!(f, "random({k})"),
            Selector::Monitor => f.write_str("monitor"),
        }
    }
}

impl Serialize for Selector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Selector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Selector::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_selector_form_parses_and_prints_back() {
        for text in
            ["node-1", "primary", "any_secondary", "region:eu", "region_of:primary", "site:a", "random(2)", "monitor"]
        {
            assert_eq!(Selector::parse(text).unwrap().to_string(), text);
        }
        assert!(Selector::parse("random(0)").is_err());
        assert!(Selector::parse("regoin:eu").is_err());
        assert!(Selector::parse("region:").is_err());
    }
}
