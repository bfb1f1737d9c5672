//! The desktop shell's security settings, read from the files Tauri builds from: a
//! strict content security policy and the fewest capabilities. A change that loosens
//! either fails here and has to say why in this file.

use serde_json::Value;

fn read(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("the file exists"))
        .expect("the file is JSON")
}

#[test]
fn the_content_security_policy_allows_no_inline_code_and_no_remote_origins() {
    let config = read("tauri.conf.json");
    let csp = config["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP is set");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for required in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            directives.contains(&required),
            "the CSP lacks `{required}`: {csp}"
        );
    }
    // Tauri's own IPC is the only origin besides the app: `ipc:` and its local
    // fallback `http://ipc.localhost`, which never leaves the machine.
    assert!(
        directives.contains(&"connect-src ipc: http://ipc.localhost"),
        "{csp}"
    );
    let rest = csp.replace("http://ipc.localhost", "");
    for loose in [
        "unsafe-inline",
        "unsafe-eval",
        "http:",
        "https:",
        "*",
        "data:",
    ] {
        assert!(!rest.contains(loose), "the CSP allows `{loose}`: {csp}");
    }
    assert!(
        config["app"]["withGlobalTauri"].as_bool() != Some(true),
        "no global Tauri object"
    );
    assert_eq!(config["build"]["frontendDist"], "ui/dist");
}

#[test]
fn the_webview_may_only_listen_to_events_besides_the_apps_own_commands() {
    let capability = read("src-tauri/capabilities/default.json");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert_eq!(
        capability["permissions"],
        serde_json::json!(["core:event:allow-listen", "core:event:allow-unlisten"]),
        "no shell, file system or dialog permission: dialogs are opened from Rust"
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    assert_eq!(
        std::fs::read_dir(dir).expect("the folder").count(),
        1,
        "one capability file"
    );
}

#[test]
fn every_command_of_the_app_is_in_the_log_file() {
    // Each command is instrumented (its name, its time, its error; never its
    // arguments, which may hold a passphrase or record text).
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src/commands.rs"),
    )
    .expect("commands.rs reads");
    let lines: Vec<&str> = source.lines().collect();
    let mut commands = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[tauri::command]" {
            commands += 1;
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
            assert!(
                next.starts_with("#[tracing::instrument(skip_all"),
                "the command after line {} is not instrumented with skip_all: {next}",
                i + 1
            );
        }
    }
    assert!(commands > 20, "found only {commands} commands");
}

#[test]
fn the_app_colours_bands_with_the_reports_palette() {
    // A band looks the same on screen as in the report a signer reads.
    let css = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/app.css"),
    )
    .expect("app.css reads");
    for (tone, (r, g, b)) in isms_core::report::heatmap::TONE_COLOURS.iter().enumerate() {
        let rule = format!("--tone-{tone}: #{r:02x}{g:02x}{b:02x};");
        assert!(css.contains(&rule), "app.css lacks `{rule}`");
    }
}
