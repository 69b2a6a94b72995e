//! Fuzz target: arbitrary bytes as a `.yaml` file, read as a topology, a policy and a
//! scenario, and as `failsim validate` reads it. Nothing may panic, hang or grow without
//! bound; every refusal names a line and a column; every loaded value reads back the
//! same from failsim's own YAML emitter.
#![no_main]

use failsim::model::load::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| failsim_fuzz::every_kind(data, Format::Yaml));
