//! Fuzzes the config parser, `config::Config::parse`: TOML, `${VAR}` expansion, serde and
//! validation. It must answer every UTF-8 text without panicking.
//!
//! Input layout (see README.md): `config text` \0 `env value`. The environment closure answers
//! every variable with the env value, except names starting with `UNSET`, which are not set.
//! Without a \0 the environment is empty.

#![no_main]

use firewatch::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(data) = std::str::from_utf8(data) else {
        return;
    };
    let (text, value) = match data.split_once('\0') {
        Some((text, value)) => (text, Some(value)),
        None => (data, None),
    };
    let env = |name: &str| {
        if name.starts_with("UNSET") {
            None
        } else {
            value.map(str::to_owned)
        }
    };
    match Config::parse(text, &env) {
        Ok((config, warnings)) => {
            // What parse accepted, validate accepts again, with the same warnings.
            let (errors, again) = config.validate();
            assert!(errors.is_empty(), "accepted config fails validation: {errors:?}");
            assert_eq!(warnings, again);
        }
        Err(problems) => assert!(!problems.is_empty(), "rejected without a problem"),
    }
});
