//! The noise report and tasks: API (JSON and CSV), CLI and the web page.
