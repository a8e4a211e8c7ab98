//! The UI's TypeScript bindings are generated from the Rust types; this keeps the committed
//! file in step. Run with `STINT_UPDATE_BINDINGS=1` to rewrite it.

use std::path::Path;

#[test]
fn typescript_bindings_are_current() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    stint_app::export_typescript(&fresh).unwrap();
    let fresh = std::fs::read_to_string(fresh).unwrap();
    if std::env::var_os("STINT_UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/bindings.ts is out of date with the Rust types; regenerate it with \
         STINT_UPDATE_BINDINGS=1 cargo nextest run -p stint-app -E 'test(typescript_bindings)'"
    );
    for command in [
        "startTimer",
        "stopTimer",
        "today",
        "editEntry",
        "deleteEntry",
        "addManualEntry",
    ] {
        assert!(
            fresh.contains(&format!("{command}: (")),
            "{command} missing from bindings"
        );
    }
}
