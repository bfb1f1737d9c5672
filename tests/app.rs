//! End-to-end scenarios of the real desktop app in its real webview: `isms-desk` is
//! started by tauri-driver through WebKitWebDriver and driven over WebDriver
//! (fantoccini), exactly as a person would click through it.
//!
//! They need a display, `tauri-driver` and `WebKitWebDriver`, and they use the fixed
//! ports 4444/4445, so they are `#[ignore]`d in a plain `cargo test` and run one at a
//! time by `scripts/test.sh`:
//!
//! ```text
//! xvfb-run -a -s "-screen 0 1280x800x24" cargo test --test main app:: -- --ignored --test-threads=1
//! ```
//!
//! Each scenario works on its own signed copy of the sample ISMS and saves a
//! screenshot to `target/e2e/<scenario>.png`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::Signed;

/// tauri-driver, stopped with SIGTERM so that it stops WebKitWebDriver too (SIGKILL
/// would orphan it, holding port 4445).
struct Driver(Child);

impl Driver {
    fn start(home: &Path) -> Driver {
        let program = which("tauri-driver").expect(
            "tauri-driver is installed because scripts/test.sh installs it (cargo install tauri-driver)",
        );
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end scenarios need a display: run them under xvfb-run (see tests/app.rs)"
        );
        // The previous scenario's WebKitWebDriver may still be letting go of its port
        // after tauri-driver stopped; starting before it has would fail to listen.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect("127.0.0.1:4445").is_ok() {
            assert!(
                Instant::now() < deadline,
                "port 4445 is still taken 10 s after the last scenario (an orphaned WebKitWebDriver?)"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let child = Command::new(program)
            .args(["--port", "4444", "--native-port", "4445"])
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("ISMS_DESK_CONFIG", home.join("settings.json"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("XDG_STATE_HOME")
            .env_remove("ISMS_DESK_LOG_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect("127.0.0.1:4444").is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on port 4444 within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver(child)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
        // WebKitWebDriver goes away after tauri-driver; wait for it, so the next
        // scenario finds both ports free.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && (std::net::TcpStream::connect("127.0.0.1:4445").is_ok()
                || std::net::TcpStream::connect("127.0.0.1:4444").is_ok())
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    let home_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home_bin)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// One scenario: a signed, committed copy of the sample, the app open on it.
struct Scenario {
    name: &'static str,
    isms: Signed,
    exports: tempfile::TempDir,
    client: Client,
    _driver: Driver,
}

impl Scenario {
    /// The app opened with `--repo` on a signed, committed copy of the sample.
    async fn start(name: &'static str) -> Scenario {
        Scenario::launch(name, true).await
    }

    /// The app as on first run: no `--repo` and nothing opened before.
    async fn first_run(name: &'static str) -> Scenario {
        Scenario::launch(name, false).await
    }

    async fn launch(name: &'static str, with_repo: bool) -> Scenario {
        Scenario::launch_with(name, with_repo, |_| {}).await
    }

    /// As `launch`, with the copy prepared by `prepare` before its first commit.
    async fn launch_with(
        name: &'static str,
        with_repo: bool,
        prepare: impl FnOnce(&Signed),
    ) -> Scenario {
        Scenario::launch_from(name, with_repo, true, prepare).await
    }

    /// The app on a repository made by `prepare` and never committed.
    async fn uncommitted(name: &'static str, prepare: impl FnOnce(&Signed)) -> Scenario {
        Scenario::launch_from(name, true, false, prepare).await
    }

    async fn launch_from(
        name: &'static str,
        with_repo: bool,
        commit: bool,
        prepare: impl FnOnce(&Signed),
    ) -> Scenario {
        Scenario::spawn(name, with_repo, commit, true, prepare).await
    }

    /// As `launch_from`; `wait` false returns as soon as the window is there, before
    /// the ISMS is open.
    async fn spawn(
        name: &'static str,
        with_repo: bool,
        commit: bool,
        wait: bool,
        prepare: impl FnOnce(&Signed),
    ) -> Scenario {
        let isms = Signed::new();
        prepare(&isms);
        if commit {
            isms.ok(&["commit", "-m", "The ISMS as it stands"]);
        }
        let exports = tempfile::tempdir().expect("a temporary folder");
        let data = isms.home.path().join("app-data");
        let driver = Driver::start(isms.home.path());
        let mut args = vec![
            "--data-dir".to_string(),
            data.display().to_string(),
            "--save-to".to_string(),
            exports.path().display().to_string(),
        ];
        if with_repo {
            args.extend(["--repo".to_string(), isms.path().display().to_string()]);
        }
        let capabilities = json!({
            "browserName": "wry",
            "tauri:options": { "application": application(), "args": args },
        });
        let mut builder = ClientBuilder::native();
        builder.capabilities(capabilities.as_object().expect("an object").clone());
        let connect = builder.connect("http://127.0.0.1:4444");
        let client = tokio::time::timeout(Duration::from_secs(60), connect)
            .await
            .expect("a WebDriver session starts within 60 s (is the display up?)")
            .expect("tauri-driver starts the app");
        let s = Scenario {
            name,
            isms,
            exports,
            client,
            _driver: driver,
        };
        if wait {
            // The app opens on the register; the rows arrive after the table is drawn.
            s.find(if commit {
                "[data-register] [data-risk]"
            } else {
                "[data-register]"
            })
            .await;
        }
        s
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no element `{css}` within 20 s: {e}", self.name))
    }

    async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot click `{css}`: {e}", self.name));
    }

    async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .expect("an element has text")
    }

    /// Waits until `css`'s text satisfies `want`.
    async fn wait_text(&self, css: &str, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // The screen re-renders as data arrives: an element found a moment ago may
            // be gone (stale) by the time its text is read, so that counts as not yet.
            let text = match self.find(css).await.text().await {
                Ok(text) => text,
                Err(e) => format!("(no text: {e})"),
            };
            if want(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{}: `{css}` never showed {what}; it shows {text:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn select(&self, css: &str, value: &str) {
        let select = self.find(css).await;
        select
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{}: cannot choose {value} in `{css}`: {e}", self.name));
    }

    async fn scroll_to(&self, css: &str) {
        let element = self.find(css).await;
        let arg = serde_json::to_value(&element).expect("an element serialises");
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await
            .expect("scrolling works");
    }

    /// Types `value` into the field `css` as a whole (a textarea keeps its newlines,
    /// which WebKitWebDriver's typing drops), as the person's `input` would.
    async fn fill(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        let arg = serde_json::to_value(&element).expect("an element serialises");
        self.client
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                vec![arg, json!(value)],
            )
            .await
            .unwrap_or_else(|e| panic!("{}: cannot fill `{css}`: {e}", self.name));
    }

    /// Fills a field as a person does and leaves it (`change` fires, as on Tab).
    async fn enter(&self, css: &str, value: &str) {
        self.fill(css, value).await;
        let element = self.find(css).await;
        let arg = serde_json::to_value(&element).expect("an element serialises");
        self.client
            .execute(
                "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![arg],
            )
            .await
            .unwrap_or_else(|e| panic!("{}: cannot leave `{css}`: {e}", self.name));
    }

    async fn nav(&self, view: &str) {
        self.click(&format!("[data-nav={view}]")).await;
    }

    /// Saves a screenshot to target/e2e/<name>.png and ends the session.
    async fn finish(self) {
        self.shot(self.name).await;
        self.client.close().await.expect("the session ends");
    }

    /// Saves a screenshot to target/e2e/<name>.png.
    async fn shot(&self, name: &str) {
        // Let WebKit paint the last change before the picture is taken.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
        std::fs::create_dir_all(&dir).expect("target/e2e can be made");
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }
}

/// The app under test: the one cargo built, or the installed one named by
/// `ISMS_DESK_APP` (the `.deb` step of scripts/test.sh).
fn application() -> String {
    std::env::var("ISMS_DESK_APP").unwrap_or_else(|_| env!("CARGO_BIN_EXE_isms-desk").to_string())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn open_the_sample() {
    runtime().block_on(async {
        let s = Scenario::start("open-the-sample").await;
        // The rows arrive after the table is drawn: wait for them, then count.
        s.find("[data-risk=R-004]").await;
        let shown = s.text("[data-shown]").await;
        let loaded = s.isms.path().join("risks");
        let files = std::fs::read_dir(loaded).expect("risks/").count();
        assert!(shown.ends_with(&format!("of {files} risks")), "{shown}");
        s.find("[data-risk=R-004]").await;
        // The dashboard counts the bands and lists the checks' findings.
        s.nav("dashboard").await;
        let unacceptable: u32 = s
            .text("[data-count=unacceptable]")
            .await
            .parse()
            .expect("a count");
        assert!(unacceptable >= 1, "the sample has unacceptable risks");
        s.find("table.heatmap").await;
        s.wait_text("main", "the checks' findings", |t| {
            t.contains("errors,") && t.contains("warnings")
        })
        .await;
        s.shot("dashboard").await;
        // The treatment plan shows actions with owners, due dates and status.
        s.nav("treatments").await;
        s.find("[data-treatment] [data-action]").await;
        s.shot("treatment-plan").await;
        s.nav("register").await;
        s.find("[data-risk=R-001]").await;
        // Each command the screens called is in the log file, with how long it took.
        let logs = s.isms.home.path().join(".local/state/isms-desk/logs");
        let logged = |command: &str| {
            std::fs::read_dir(&logs)
                .into_iter()
                .flatten()
                .flatten()
                .any(|f| {
                    std::fs::read_to_string(f.path()).is_ok_and(|log| {
                        log.lines().any(|l| {
                            l.contains(&format!(" {command}:")) && l.contains("time.busy=")
                        })
                    })
                })
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !(logged("dashboard") && logged("register") && logged("treatment_plan")) {
            assert!(
                Instant::now() < deadline,
                "the app's commands are not in {}",
                logs.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn filter_and_search_the_register() {
    runtime().block_on(async {
        let s = Scenario::start("filter-and-search").await;
        s.select("[data-filter=band]", "unacceptable").await;
        // The sample has one unacceptable risk; the core filters, so wait for its answer.
        let shown = s
            .wait_text("[data-shown]", "the one unacceptable risk", |t| {
                t.starts_with("1 of")
            })
            .await;
        let bands = s
            .client
            .find_all(Locator::Css("[data-risk] .score [data-band]"))
            .await
            .expect("rows");
        assert!(!bands.is_empty(), "{shown}");
        for b in bands {
            assert_eq!(
                b.attr("data-band").await.expect("attr").as_deref(),
                Some("unacceptable")
            );
        }
        s.select("[data-filter=band]", "").await;
        // Ctrl+K from another screen comes back to the register with the search box
        // focused; full-text search folds Danish letters: "naestved" finds "Næstved".
        s.nav("dashboard").await;
        s.find("[data-count=manage]").await;
        s.find("body")
            .await
            .send_keys("\u{E009}k\u{E000}")
            .await
            .expect("Ctrl+K");
        s.find("[data-search]").await;
        s.client
            .active_element()
            .await
            .expect("a focused element")
            .send_keys("naestved")
            .await
            .expect("typing");
        s.wait_text("[data-shown]", "one risk", |t| t.starts_with("1 of"))
            .await;
        s.find("[data-risk=R-015]").await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn edit_likelihood_then_commit_and_see_it_in_history() {
    runtime().block_on(async {
        let s = Scenario::start("edit-commit-history").await;
        let before = s.isms.read_file("risks/R-004.md");
        assert!(before.contains("likelihood: 2\n"), "{before}");
        s.click("[data-risk=R-004]").await;
        s.wait_text("[data-live-score]", "the sample's score", |t| {
            t.contains("10")
        })
        .await;
        s.click("[data-picker=likelihood] [data-level='4']").await;
        // 4 × 5 = 20: Unacceptable under the sample's methodology.
        s.wait_text("[data-live-score]", "the new score and band", |t| {
            t.contains("Unacceptable") && t.contains("20")
        })
        .await;
        let after = s.isms.read_file("risks/R-004.md");
        assert!(after.contains("likelihood: 4\n"), "{after}");
        assert_eq!(
            after.replace("likelihood: 4\n", "likelihood: 2\n"),
            before,
            "only the likelihood line changed"
        );
        // Undo puts the file back as it was, then redo the edit by hand.
        s.click("[data-undo]").await;
        s.wait_text("[data-live-score]", "the old score", |t| t.contains("10"))
            .await;
        assert_eq!(s.isms.read_file("risks/R-004.md"), before);
        s.click("[data-picker=likelihood] [data-level='4']").await;
        s.wait_text("[data-live-score]", "the new score", |t| t.contains("20"))
            .await;
        // The scoring rationale, beside the score, is flagged: it explains 2 × 5.
        let flag = s
            .wait_text("[data-rationale-review]", "the rationale flagged", |t| {
                t.contains("likelihood 2 → 4")
            })
            .await;
        assert!(flag.contains("review it"), "{flag}");
        s.scroll_to("[data-rationale]").await;
        s.shot("risk-editor").await;
        // Invalid input is refused with the message beside the field; the file stays.
        let title = s.find("[data-field=title]").await;
        title.clear().await.expect("clearing the title");
        title
            .send_keys("\u{E004}")
            .await
            .expect("Tab leaves the field");
        let message = s.text("[data-field-error=title]").await;
        assert!(message.contains("title"), "{message}");
        let file = s.isms.read_file("risks/R-004.md");
        assert!(file.contains("title: Cross-tenant data exposure"), "{file}");
        assert!(file.contains("impact: 5\n"), "nothing else changed: {file}");
        // An impossible date is refused beside its field, and what was typed stays.
        let next_review = s.find("[data-field=next_review]").await;
        // Select the date, type over it, and leave the field (Tab).
        s.client
            .execute(
                "arguments[0].select();",
                vec![serde_json::to_value(&next_review).expect("an element serialises")],
            )
            .await
            .expect("selecting the date");
        next_review
            .send_keys("2026-02-30\u{E004}")
            .await
            .expect("typing a date and Tab");
        let message = s.text("[data-field-error=next_review]").await;
        assert!(
            message.contains("`2026-02-30` is not a date; write YYYY-MM-DD"),
            "{message}"
        );
        assert_eq!(
            next_review.prop("value").await.expect("a value").as_deref(),
            Some("2026-02-30")
        );
        assert!(s
            .isms
            .read_file("risks/R-004.md")
            .contains("\nnext_review: 2027-05-12\n"));
        // A reference to a risk that does not exist is refused beside its field, as
        // `isms check` would reject it.
        s.find("[data-field=related]")
            .await
            .send_keys("R-999")
            .await
            .expect("typing");
        s.click("[data-add-related]").await;
        let message = s.text("[data-field-error=related]").await;
        assert!(message.contains("R-999"), "{message}");
        assert!(!s.isms.read_file("risks/R-004.md").contains("R-999"));
        // Reports and sign-off say that the saved edit is not in them until committed.
        s.nav("reports").await;
        s.wait_text("[data-uncommitted]", "one uncommitted file", |t| {
            t.starts_with("1 changed file is not in this report")
        })
        .await;
        s.nav("signoff").await;
        s.find("[data-uncommitted]").await;

        s.nav("sync").await;
        s.find("[data-change=R-004]").await;
        s.find("[data-commit-message]")
            .await
            .send_keys("Rescore R-004 after the isolation review")
            .await
            .expect("typing");
        s.shot("commit").await;
        s.click("[data-commit]").await;
        s.find("[data-clean]").await;
        let log = s.isms.git(&["log", "-1", "--format=%s%n%G?"]);
        assert!(
            log.starts_with("Rescore R-004 after the isolation review\n"),
            "{log}"
        );
        let verified = s.isms.git(&[
            "-c",
            "gpg.ssh.allowedSignersFile=.isms/allowed_signers",
            "verify-commit",
            "HEAD",
        ]);
        let _ = verified; // git verify-commit exits non-zero on failure, which git() asserts.

        s.nav("register").await;
        s.click("[data-risk=R-004]").await;
        s.click("[data-tab=history]").await;
        s.wait_text("[data-timeline]", "the commit", |t| {
            t.contains("Rescore R-004 after the isolation review")
                && t.contains("likelihood")
                && t.contains("2 → 4")
        })
        .await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn mark_a_control_not_applicable_with_a_justification() {
    runtime().block_on(async {
        let s = Scenario::start("soa-not-applicable").await;
        s.nav("soa").await;
        let line = "[data-control='7.4']";
        s.click(&format!("{line} [data-applicable]")).await;
        // Unticking asks why, and nothing is saved until there is an answer.
        s.find(&format!("{line} [data-justification]")).await;
        let confirm = s.find(&format!("{line} [data-confirm-exclude]")).await;
        assert_eq!(
            confirm.prop("disabled").await.expect("prop").as_deref(),
            Some("true")
        );
        assert!(s
            .isms
            .read_file("controls/7.4.md")
            .contains("applicable: true"));
        s.find(&format!("{line} [data-justification]"))
            .await
            .send_keys(
                "The office is a shared co-working space; its landlord monitors the building.",
            )
            .await
            .expect("typing");
        s.click(&format!("{line} [data-confirm-exclude]")).await;
        s.wait_text(line, "not applicable", |t| t.contains("Not applicable:"))
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let shown = s.text(line).await;
        assert!(
            shown.contains("Not applicable: The office is a shared co-working space"),
            "{shown}"
        );
        let ticked = s
            .find(&format!("{line} [data-applicable]"))
            .await
            .prop("checked")
            .await
            .expect("prop");
        assert_eq!(ticked.as_deref(), Some("false"), "the box is unticked");
        s.scroll_to(line).await;
        let text = s.isms.read_file("controls/7.4.md");
        assert!(text.contains("applicable: false"), "{text}");
        // An excluded control is not in place and has no reason to be included: the
        // form said so, and the entry does not contradict itself.
        assert!(text.contains("status: not_implemented"), "{text}");
        assert!(!text.contains("reasons:"), "{text}");
        assert!(
            text.contains("justification: The office is a shared co-working space"),
            "{text}"
        );
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn export_a_pdf() {
    runtime().block_on(async {
        let s = Scenario::start("export-pdf").await;
        s.nav("reports").await;
        s.wait_text("[data-preview]", "the report", |t| {
            t.contains("Risk Assessment Report")
        })
        .await;
        s.click("[data-export]").await;
        s.find("[data-exported]").await;
        let pdf = s.exports.path().join("risk-assessment.pdf");
        let bytes = std::fs::read(&pdf).expect("the PDF is on disk");
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        let info = Command::new("pdfinfo")
            .arg(&pdf)
            .output()
            .expect("pdfinfo runs");
        let info = String::from_utf8_lossy(&info.stdout);
        let head = s.isms.git(&["rev-parse", "HEAD"]);
        assert!(
            info.contains(head.trim()),
            "the PDF names its source commit: {info}"
        );
        s.finish().await;
    });
}

impl Signed {
    fn read_file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("the file exists")
    }
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn first_run_opens_a_copy_of_the_sample_and_ctrl_n_creates_a_risk() {
    runtime().block_on(async {
        let s = Scenario::first_run("first-run-new-risk").await;
        let copy = s.isms.home.path().join("app-data/sample-isms");
        s.wait_text("[data-notice]", "the sample notice", |t| {
            t.contains("sample ISMS")
        })
        .await;
        assert!(
            copy.join("isms.yaml").is_file(),
            "the app made its own copy"
        );
        let repo = git2::Repository::open(&copy).expect("the copy is a git repository");
        assert!(repo.head().is_ok(), "with a first commit");
        s.find("body")
            .await
            .send_keys("\u{E009}n\u{E000}")
            .await
            .expect("Ctrl+N");
        s.find("form[aria-label='New risk'] input")
            .await
            .send_keys("Laptop left on a train")
            .await
            .expect("typing");
        s.select("[data-new=likelihood]", "2").await;
        s.select("[data-new=impact]", "3").await;
        s.shot("new-risk-form").await;
        s.click("form[aria-label='New risk'] button[type=submit]")
            .await;
        s.find("[data-live-score]").await;
        let file = copy.join("risks/R-018.md");
        let text = std::fs::read_to_string(&file).expect("R-018 was written");
        assert!(text.contains("title: Laptop left on a train"), "{text}");
        assert!(text.contains("status: active"), "{text}");
        assert!(
            text.contains("likelihood: 2\n") && text.contains("impact: 3\n"),
            "{text}"
        );
        s.wait_text("[data-live-score]", "the score", |t| {
            t.contains("Manage") && t.contains("6")
        })
        .await;
        // The sample in the source tree is untouched.
        assert!(!crate::support::sample().join("risks/R-018.md").exists());
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn put_the_report_up_for_signoff_and_cosign_it_as_head_of_product() {
    runtime().block_on(async {
        let jonas = std::cell::RefCell::new(None);
        let s = Scenario::launch_with("signoff", true, |isms| {
            let key = crate::support::keygen(isms.home.path(), "jonas", "");
            isms.copy.edit(
                "isms.yaml",
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMy13eGL8u6rixovghB9tawV8n1GfRdgfm6SVcaJkpO4",
                &crate::support::public_key(&key),
            );
            *jonas.borrow_mut() = Some(key);
        })
        .await;
        let jonas = jonas.into_inner().expect("Jonas's key was made");
        s.nav("signoff").await;
        s.wait_text("[data-verify]", "verification", |t| {
            t.contains("No sign-off has reached the main branch yet")
        })
        .await;
        // Ingrid, the ISM, puts the risk assessment report up for sign-off.
        s.select("[data-start-kind]", "risk-assessment").await;
        s.click("[data-start]").await;
        s.wait_text("[data-steps]", "Ingrid's signed first step", |t| {
            t.contains("signed by Ingrid Solberg") && t.contains("pending")
        })
        .await;
        assert!(
            s.client.find(Locator::Css("[data-sign]")).await.is_err(),
            "the ISM does not hold the next step's role, so there is no Sign button"
        );
        let document = s.text("[data-document]").await;
        assert!(document.contains("Risk Assessment Report"), "{document}");
        // The heat maps are drawn as heat maps, never shown as their marker.
        s.find("[data-document] table.heatmap td.tone-0").await;
        assert!(!document.contains("isms:heatmap"), "{document}");
        let branches = s.isms.git(&["branch", "--list", "signoff/*"]);
        assert!(branches.contains("signoff/risk-assessment-"), "{branches}");
        let branch = s
            .isms
            .git(&["branch", "--list", "--format=%(refname:short)", "signoff/*"])
            .trim()
            .to_string();

        // The repository gets its shared remote; Ingrid pushes the request there for
        // the Head of Product to fetch.
        let remote = s.isms.home.path().join("shared.git");
        crate::support::git_in(
            &s.isms,
            s.isms.home.path(),
            &["init", "-q", "--bare", remote.to_str().expect("utf-8")],
        );
        s.isms
            .git(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
        s.nav("dashboard").await;
        s.nav("signoff").await;
        s.wait_text("[data-push-state]", "not pushed yet", |t| {
            t.contains("Not on origin yet")
        })
        .await;
        s.click("[data-push]").await;
        s.wait_text("[data-published]", "the push", |t| {
            t.contains(&format!("Pushed {branch} to origin"))
        })
        .await;
        s.wait_text("[data-push-state]", "pushed", |t| t.contains("On origin"))
            .await;
        let on_remote = |s: &Scenario| {
            crate::support::git_in(
                &s.isms,
                &remote,
                &["rev-parse", &format!("refs/heads/{branch}")],
            )
            .trim()
            .to_string()
        };
        assert_eq!(on_remote(&s), s.isms.git(&["rev-parse", &branch]).trim());

        // The Head of Product opens the app on the same repository and co-signs.
        let key = jonas.to_str().expect("utf-8").to_string();
        s.isms
            .git(&["config", "user.email", "jonas.lykke@kestrelcart.example"]);
        s.isms.git(&["config", "user.name", "Jonas Lykke"]);
        s.isms.git(&["config", "user.signingkey", &key]);
        s.nav("dashboard").await;
        s.nav("signoff").await;
        s.wait_text("[data-sign]", "Sign as Head of Product", |t| {
            t.contains("Sign as Head of Product")
        })
        .await;
        // Signing asks first, showing exactly what is signed; Esc backs out.
        let before = s.isms.git(&["rev-parse", &branch]);
        s.click("[data-sign]").await;
        s.find("[data-confirm]").await;
        s.find("body")
            .await
            .send_keys("\u{E00C}")
            .await
            .expect("Escape is typed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while s.client.find(Locator::Css("[data-confirm]")).await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "Esc does not close the confirmation"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            s.isms.git(&["rev-parse", &branch]),
            before,
            "Esc signs nothing"
        );
        s.click("[data-sign]").await;
        let blob = s
            .isms
            .git(&["rev-parse", &format!("{branch}:reports/risk-assessment.md")]);
        s.wait_text("[data-confirm-blob]", "the document's blob id", |t| {
            t.trim() == blob.trim()
        })
        .await;
        assert_eq!(
            s.isms.git(&["rev-parse", &branch]),
            before,
            "nothing is signed before the confirmation"
        );
        s.shot("signoff-confirm").await;
        s.click("[data-confirm-sign]").await;
        s.wait_text("[data-steps]", "Jonas's co-signature", |t| {
            t.contains("signed by Jonas Lykke") && t.contains("co-signature")
        })
        .await;
        // An open request is not on main yet: nothing signed has landed to verify,
        // and the request itself shows no problem.
        s.wait_text("[data-verify]", "verification", |t| {
            t.contains("No sign-off has reached the main branch yet")
        })
        .await;
        assert!(
            s.client
                .find(Locator::Css("[data-request-problem]"))
                .await
                .is_err(),
            "the request verifies"
        );
        // His co-signature is local until he pushes it too.
        s.wait_text("[data-push-state]", "the co-signature not pushed", |t| {
            t.contains("Not on origin yet")
        })
        .await;
        s.click("[data-push]").await;
        s.wait_text("[data-push-state]", "pushed", |t| t.contains("On origin"))
            .await;
        assert_eq!(on_remote(&s), s.isms.git(&["rev-parse", &branch]).trim());
        // The real git agrees with the app about both signatures.
        for rev in [format!("{branch}~1"), branch.to_string()] {
            s.isms.git(&[
                "-c",
                "gpg.ssh.allowedSignersFile=.isms/allowed_signers",
                "verify-commit",
                &rev,
            ]);
        }
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn put_the_acceptance_of_a_risk_up_for_signoff() {
    runtime().block_on(async {
        let s = Scenario::start("risk-acceptance").await;
        s.nav("signoff").await;
        s.wait_text("[data-verify]", "verification", |t| {
            t.contains("No sign-off has reached the main branch yet")
        })
        .await;
        // The root of trust is not pinned yet: the ISM checks the fingerprint with
        // its owner (herself, here) and pins it.
        let fingerprint = crate::support::fingerprint(&s.isms.key);
        s.wait_text("[data-pin-warning]", "the unpinned root", |t| {
            t.contains("The root of trust is not pinned") && t.contains(&fingerprint)
        })
        .await;
        s.click("[data-pin]").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while s
            .client
            .find(Locator::Css("[data-pin-warning]"))
            .await
            .is_ok()
        {
            assert!(
                Instant::now() < deadline,
                "the pin warning stays after pinning"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            s.isms.git(&["config", "--local", "isms.rootKey"]).trim(),
            fingerprint
        );
        s.select("[data-start-kind]", "risk-acceptance").await;
        // R-013 is the sample's risk treated by acceptance, so it is offered first.
        let risk = s.find("[data-start-risk]").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while risk.prop("value").await.expect("a value").as_deref() != Some("R-013") {
            assert!(Instant::now() < deadline, "R-013 is never offered first");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        s.click("[data-start]").await;
        s.wait_text("[data-steps]", "Ingrid's signed first step", |t| {
            t.contains("signed by Ingrid Solberg") && t.contains("pending")
        })
        .await;
        let document = s.text("[data-document]").await;
        assert!(document.contains("R-013"), "{document}");
        let branches = s
            .isms
            .git(&["branch", "--list", "--format=%(refname:short)", "signoff/*"]);
        assert!(
            branches
                .trim()
                .starts_with("signoff/risk-acceptance-R-013-"),
            "{branches}"
        );
        let shown = s
            .isms
            .git(&["show", "--name-only", "--format=", branches.trim()]);
        assert!(
            shown.contains("reports/risk-acceptance/R-013.md"),
            "{shown}"
        );
        let (code, out, _) = s.isms.isms(&["verify"]);
        assert_eq!(code, 0, "{out}");
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn put_a_controlled_document_up_for_approval_from_the_documents_screen() {
    runtime().block_on(async {
        let s = Scenario::start("document-approval").await;
        s.nav("documents").await;
        // The review queue names what waits: the incident response plan is in review.
        s.wait_text("[data-review-queue]", "the review queue", |t| {
            t.contains("Incident response plan") && t.contains("put up for approval as version 1.3")
        })
        .await;
        let status = s.text("[data-document='scope'] [data-status]").await;
        assert_eq!(status.trim(), "Approved");
        s.click("[data-open-document='incident-response']").await;
        s.wait_text("[data-approval]", "the approval panel", |t| {
            t.contains("In review") && t.contains("no signed approval yet")
        })
        .await;
        s.shot("document-approval-panel").await;
        s.click("[data-put-up]").await;
        // The Sign-off screen opens ready for it: the kind and the document chosen.
        s.wait_text("[data-verify]", "verification", |t| !t.trim().is_empty())
            .await;
        let kind = s.find("[data-start-kind]").await;
        assert_eq!(
            kind.prop("value").await.expect("a value").as_deref(),
            Some("document")
        );
        let subject = s.find("[data-start-subject]").await;
        assert_eq!(
            subject.prop("value").await.expect("a value").as_deref(),
            Some("incident-response")
        );
        s.click("[data-start]").await;
        s.wait_text("[data-steps]", "Ingrid's signed first step", |t| {
            t.contains("signed by Ingrid Solberg") && t.contains("pending")
        })
        .await;
        let branches = s
            .isms
            .git(&["branch", "--list", "--format=%(refname:short)", "signoff/*"]);
        assert!(
            branches
                .trim()
                .starts_with("signoff/document-incident-response-"),
            "{branches}"
        );
        let signed = s.isms.git(&[
            "show",
            &format!("{}:reports/document/incident-response.md", branches.trim()),
        ]);
        assert!(signed.contains("| Version | 1.3 |"), "{signed}");
        assert!(
            signed.contains("| Change | Adds the on-call paging runbook"),
            "{signed}"
        );
        let (code, out, _) = s.isms.isms(&["verify", "--requests"]);
        assert_eq!(code, 0, "{out}");
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn a_new_isms_with_no_commit_opens_on_every_screen_and_makes_its_first_signed_commit() {
    runtime().block_on(async {
        // What `isms init` makes, in place of the sample: no commit yet.
        let s = Scenario::uncommitted("new-isms", |s| {
            for entry in std::fs::read_dir(s.path()).expect("listable").flatten() {
                if entry.file_name() != ".git" {
                    let path = entry.path();
                    if path.is_dir() {
                        std::fs::remove_dir_all(&path).expect("removable");
                    } else {
                        std::fs::remove_file(&path).expect("removable");
                    }
                }
            }
            let fresh = s.home.path().join("fresh");
            s.ok(&[
                "init",
                fresh.to_str().expect("utf-8"),
                "--organisation",
                "Fjordline Freight",
            ]);
            for entry in std::fs::read_dir(&fresh).expect("listable").flatten() {
                if entry.file_name() != ".git" {
                    let to = s.path().join(entry.file_name());
                    std::fs::rename(entry.path(), to).expect("movable");
                }
            }
        })
        .await;
        for view in ["dashboard", "soa", "treatments", "register"] {
            s.nav(view).await;
        }
        s.nav("reports").await;
        s.find("[data-nothing-committed]").await;
        s.shot("new-isms-reports").await;
        s.nav("signoff").await;
        s.find("[data-nothing-committed]").await;
        s.nav("sync").await;
        s.find("[data-change='5.1']").await;
        s.find("[data-commit-message]")
            .await
            .send_keys("The ISMS of Fjordline Freight")
            .await
            .expect("typing");
        s.click("[data-commit]").await;
        s.find("[data-clean]").await;
        let commit = s.isms.git(&["cat-file", "-p", "HEAD"]);
        assert!(
            commit.contains("-----BEGIN SSH SIGNATURE-----")
                && commit.contains("\nThe ISMS of Fjordline Freight\n"),
            "{commit}"
        );
        assert_eq!(
            s.isms.git(&["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
            "main"
        );
        // The SoA is there from the start (a risk assessment needs an assessment first).
        s.nav("reports").await;
        s.click("[data-report=soa]").await;
        s.wait_text("[data-preview]", "the SoA from the first commit", |t| {
            t.contains("Statement of Applicability")
        })
        .await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn repair_a_broken_file_in_the_plain_text_editor() {
    runtime().block_on(async {
        let s = Scenario::start("repair-broken-file").await;
        let good = s.isms.read_file("risks/R-004.md");
        s.isms.copy.write(
            "risks/R-004.md",
            &good.replacen("\nlikelihood: 2\n", "\nlikelihood: 11\n", 1),
        );
        // The register shows the broken file as a row; Commit calls it "does not load".
        s.nav("sync").await;
        s.wait_text("[data-change=R-004]", "R-004 does not load", |t| {
            t.contains("does not load")
        })
        .await;
        s.nav("register").await;
        s.click("[data-broken='risks/R-004.md'] [data-mend]").await;
        let marked = s.find("[data-bad-line]").await;
        assert_eq!(
            marked
                .attr("data-bad-line")
                .await
                .expect("an attribute")
                .as_deref(),
            Some("6")
        );
        s.shot("repair-broken-file-open").await;
        // A wrong fix is refused: nothing is written, and the problem stays marked.
        s.click("[data-problem-line='6']").await;
        let area = s.find("[data-file-text]").await;
        area.send_keys("likelihood: 0").await.expect("typing");
        s.click("[data-save-file]").await;
        s.wait_text("[data-file-problems]", "the refusal", |t| {
            t.contains("likelihood: 0 is not a level: levels start at 1")
        })
        .await;
        assert!(s
            .isms
            .read_file("risks/R-004.md")
            .contains("\nlikelihood: 11\n"));
        // The problem's link selects its line; typing over it mends the file.
        s.click("[data-problem-line='6']").await;
        area.send_keys("likelihood: 2").await.expect("typing");
        s.click("[data-save-file]").await;
        s.find("[data-file-loads]").await;
        assert_eq!(s.isms.read_file("risks/R-004.md"), good);
        s.nav("register").await;
        s.find("[data-risk=R-004]").await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn create_a_new_isms_and_make_the_first_signed_commit() {
    runtime().block_on(async {
        // A person with a signing key in ISMS Desk's settings, starting from nothing.
        let s = Scenario::launch_from("new-isms-setup", false, true, |s| {
            let settings = serde_json::json!({ "signing_key": s.key });
            std::fs::write(s.home.path().join("settings.json"), settings.to_string())
                .expect("settings written");
        })
        .await;
        let folder = s.isms.home.path().join("fjordline-isms");
        s.nav("open").await;
        s.click("[data-new-isms-start]").await;
        let typed = |css: &'static str, text: String| {
            let s = &s;
            async move {
                s.find(css)
                    .await
                    .send_keys(&text)
                    .await
                    .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
            }
        };
        typed("[data-new-folder]", folder.display().to_string()).await;
        typed("[data-new-organisation]", "Fjordline Freight".into()).await;
        typed(
            "[data-new-person='0'] [data-person-name]",
            "Ada Strand".into(),
        )
        .await;
        typed(
            "[data-new-person='0'] [data-person-email]",
            "ada@fjordline.example".into(),
        )
        .await;
        s.click("[data-add-person]").await;
        typed("[data-new-person='1'] [data-person-name]", "Ben Aas".into()).await;
        typed(
            "[data-new-person='1'] [data-person-email]",
            "ben@fjordline.example".into(),
        )
        .await;
        s.click("[data-new-person='1'] [data-person-role=ceo]")
            .await;
        s.scroll_to("[data-add-domain]").await;
        s.click("[data-add-domain]").await;
        typed(
            "[data-new-domain='1'] [data-domain-name]",
            "Suppliers".into(),
        )
        .await;
        s.scroll_to("[data-new-person='0']").await;
        s.shot("new-isms-setup-form").await;
        // The methodology's defaults are shown and edited before anything is written.
        s.scroll_to("[data-edit-methodology]").await;
        s.click("[data-edit-methodology]").await;
        s.fill("[data-level-name='likelihood-5']", "Near certain")
            .await;
        s.scroll_to("[data-methodology]").await;
        s.shot("new-isms-methodology").await;
        s.scroll_to("[data-create]").await;
        s.click("[data-create]").await;
        // The new ISMS opens, named in the sidebar.
        // The new ISMS opens on its dashboard: no risks yet (the sample had one
        // Unacceptable).
        s.wait_text(
            "[data-count=unacceptable]",
            "the new ISMS's dashboard",
            |t| t == "0",
        )
        .await;
        let git = |args: &[&str]| crate::support::git_in(&s.isms, &folder, args);
        let commit = git(&["cat-file", "-p", "HEAD"]);
        assert!(
            commit.contains("-----BEGIN SSH SIGNATURE-----")
                && commit.contains("author Ada Strand <ada@fjordline.example>")
                && commit.contains("\nSet up the ISMS of Fjordline Freight\n"),
            "{commit}"
        );
        let yaml = std::fs::read_to_string(folder.join("isms.yaml")).expect("isms.yaml");
        assert!(
            yaml.contains("  - name: Ben Aas\n    email: ben@fjordline.example\n    roles: [ceo]")
                && yaml.contains("  - id: suppliers\n    name: Suppliers\n    status: deferred"),
            "{yaml}"
        );
        assert!(
            yaml.contains("    - level: 5\n      name: Near certain\n"),
            "{yaml}"
        );
        s.nav("soa").await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn drill_down_from_the_dashboard_to_the_risks_a_tile_or_cell_counts() {
    runtime().block_on(async {
        let s = Scenario::start("dashboard-drill-down").await;
        s.nav("dashboard").await;
        // A band tile opens the register on that band's active risks.
        let manage = s
            .wait_text("[data-count=manage]", "the Manage count", |t| {
                t.parse::<u32>().is_ok()
            })
            .await;
        s.click("[data-tile=manage]").await;
        s.wait_text("[data-shown]", "the Manage risks", |t| {
            t.starts_with(&format!("{manage} of"))
        })
        .await;
        // A cell of the residual heat map opens the register on the risks in it.
        s.nav("dashboard").await;
        s.click("[data-rating=residual]").await;
        s.find("[data-rating=residual].primary").await;
        s.find("[data-cell]").await;
        let cells = s
            .client
            .find_all(Locator::Css("[data-cell]"))
            .await
            .expect("cells");
        let mut chosen = None;
        for cell in cells {
            let count = cell.text().await.expect("a count");
            if count != "0" {
                let at = cell.attr("data-cell").await.expect("an attribute");
                chosen = Some((at.expect("a cell"), count));
                break;
            }
        }
        let (at, count) = chosen.expect("the sample has residual risks");
        s.click(&format!("[data-cell='{at}']")).await;
        s.wait_text("[data-shown]", "the risks of the cell", |t| {
            t.starts_with(&format!("{count} of"))
        })
        .await;
        let (likelihood, impact) = at.split_once('x').expect("LxI");
        let chip = s.text("[data-drill]").await;
        assert!(
            chip.contains(&format!("Residual {likelihood} × {impact}")),
            "{chip}"
        );
        s.shot("dashboard-drill-down").await;
        // Clearing the chip shows every rating again.
        s.click("[data-drill] button").await;
        s.wait_text("[data-shown]", "every active risk", |t| {
            !t.starts_with(&format!("{count} of"))
        })
        .await;
        // A finding's file opens, as text, at the finding's line.
        s.nav("dashboard").await;
        let finding = s.find("[data-finding-file]").await;
        let path = finding
            .attr("data-finding-file")
            .await
            .expect("an attribute")
            .expect("a path");
        finding.click().await.expect("the finding's file opens");
        let area = s.find("[data-file-text]").await;
        assert_eq!(
            area.attr("aria-label").await.expect("a label").as_deref(),
            Some(format!("The text of {path}").as_str())
        );
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn create_a_treatment_with_two_actions_and_edit_one() {
    runtime().block_on(async {
        let s = Scenario::start("treatment-with-actions").await;
        // From the risk: "Create treatment for this risk".
        s.click("[data-risk=R-004]").await;
        s.scroll_to("[data-treat]").await;
        s.click("[data-treat]").await;
        let risks = s.find("[data-create-treatment] [data-field=risks]").await;
        assert_eq!(
            risks.prop("value").await.expect("prop").as_deref(),
            Some("R-004")
        );
        let create = s.find("[data-create]").await;
        assert_eq!(
            create.attr("title").await.expect("attr").as_deref(),
            Some("Give the treatment a title"),
            "a disabled button says why"
        );
        s.fill(
            "[data-create-treatment] [data-field=title]",
            "Row-level security on every tenant table",
        )
        .await;
        s.click("[data-create]").await;
        let card = "[data-treatment=T-007]";
        s.find(card).await;
        assert!(s
            .isms
            .read_file("treatments/T-007.md")
            .contains("risks: [R-004]"));
        // Two actions.
        for (what, due) in [
            (
                "Enable row-level security on the orders table",
                "2027-01-31",
            ),
            (
                "Add a cross-tenant read test to the release checks",
                "2027-02-28",
            ),
        ] {
            s.scroll_to(&format!("{card} [data-start-action]")).await;
            s.click(&format!("{card} [data-start-action]")).await;
            s.fill(
                &format!("{card} [data-new-action] [data-action-field=description]"),
                what,
            )
            .await;
            s.select(
                &format!("{card} [data-new-action] [data-action-field=owner]"),
                "sre-lead",
            )
            .await;
            s.fill(
                &format!("{card} [data-new-action] [data-action-field=due]"),
                due,
            )
            .await;
            s.click(&format!("{card} [data-add-action]")).await;
            s.wait_text(card, "the new action", |t| t.contains(what))
                .await;
        }
        let text = s.isms.read_file("treatments/T-007.md");
        assert!(text.contains("id: A1") && text.contains("id: A2"), "{text}");
        assert!(
            text.contains("due: 2027-01-31") && text.contains("status: planned"),
            "{text}"
        );
        // Edit A1: a later date and resources; an impossible date is refused first.
        s.click("[data-action='T-007.A1'] [data-edit-action]").await;
        s.fill(
            "[data-action='T-007.A1'] [data-action-field=due]",
            "2027-02-30",
        )
        .await;
        s.click("[data-action='T-007.A1'] [data-save-action]").await;
        let refused = s.text(&format!("{card} [data-treatment-error]")).await;
        assert!(refused.contains("2027-02-30"), "{refused}");
        assert!(s
            .isms
            .read_file("treatments/T-007.md")
            .contains("due: 2027-01-31"));
        s.fill(
            "[data-action='T-007.A1'] [data-action-field=due]",
            "2027-03-15",
        )
        .await;
        s.fill(
            "[data-action='T-007.A1'] [data-action-field=resources]",
            "Two SRE days",
        )
        .await;
        s.click("[data-action='T-007.A1'] [data-save-action]").await;
        s.wait_text("[data-action='T-007.A1']", "the edited action", |t| {
            t.contains("2027-03-15") && t.contains("Two SRE days")
        })
        .await;
        // A2 moves up, and A1 is closed.
        s.click("[data-action='T-007.A2'] [aria-label='Move A2 up']")
            .await;
        // The move is saved and the card shows the new order before the next change,
        // which is decided on the moved file (one decided on the old one is refused).
        s.wait_text("[data-treatment=T-007] tbody tr", "A2 first", |t| {
            t.starts_with("A2")
        })
        .await;
        s.select("[data-action='T-007.A1'] select", "done").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = s.isms.read_file("treatments/T-007.md");
            let moved = text.find("id: A2") < text.find("id: A1");
            if moved && text.contains("status: done") {
                assert!(text.contains("resources: Two SRE days"), "{text}");
                assert!(text.contains("due: 2027-03-15"), "{text}");
                break;
            }
            assert!(Instant::now() < deadline, "A2 first and A1 done: {text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The treatment itself: approved by the CEO, with a narrative.
        s.click(&format!("{card} [data-edit-treatment]")).await;
        s.select(&format!("{card} [data-field=decision]"), "approved")
            .await;
        s.click(&format!("{card} [data-save-treatment]")).await;
        let refused = s.text(&format!("{card} [data-treatment-error]")).await;
        assert!(
            refused.contains("approved_on"),
            "approval needs its date: {refused}"
        );
        s.fill(&format!("{card} [data-field=approved_on]"), "2026-11-30")
            .await;
        s.select(&format!("{card} [data-field=approved_by]"), "ceo")
            .await;
        s.fill(
            &format!("{card} [data-field=narrative]"),
            "Isolation is enforced by the database,\nnot only by the application.",
        )
        .await;
        s.click(&format!("{card} [data-save-treatment]")).await;
        s.wait_text(card, "the approval", |t| {
            t.contains("approved 2026-11-30 by Chief Executive Officer")
        })
        .await;
        let text = s.isms.read_file("treatments/T-007.md");
        assert!(
            text.contains("decision: approved\napproved_on: 2026-11-30\napproved_by: ceo"),
            "{text}"
        );
        assert!(
            text.contains("Isolation is enforced by the database,\nnot only by the application."),
            "{text}"
        );
        s.scroll_to(card).await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn edit_an_soa_entry_fully() {
    runtime().block_on(async {
        let s = Scenario::start("soa-entry-edit").await;
        s.nav("soa").await;
        // Filter: the not-applicable controls only.
        s.select("[data-filter=applicable]", "false").await;
        s.find("[data-control='7.6']").await;
        let lines = s
            .client
            .find_all(Locator::Css("[data-control]"))
            .await
            .expect("lines");
        for line in &lines {
            assert!(line.text().await.expect("text").contains("Not applicable:"));
        }
        // A not-applicable control cannot be made "implemented": refused with the reason.
        let excluded = "[data-control='7.6']";
        s.click(&format!("{excluded} [data-edit-entry]")).await;
        s.select(&format!("{excluded} [data-field=status]"), "implemented")
            .await;
        s.click(&format!("{excluded} [data-save-entry]")).await;
        let refused = s.text(&format!("{excluded} [data-entry-error]")).await;
        assert!(
            refused.contains("not applicable, yet its status is implemented"),
            "{refused}"
        );
        let before = s.isms.read_file("controls/7.6.md");
        assert!(before.contains("status: not_implemented"));
        // Every field of an applicable entry.
        s.select("[data-filter=applicable]", "").await;
        let line = "[data-control='5.6']";
        s.scroll_to(line).await;
        s.click(&format!("{line} [data-edit-entry]")).await;
        s.select(&format!("{line} [data-field=status]"), "partial")
            .await;
        s.select(&format!("{line} [data-field=owner]"), "head-of-product")
            .await;
        s.click(&format!("{line} [data-reason=contractual]")).await;
        s.click(&format!("{line} [data-reason=best_practice]"))
            .await;
        s.fill(
            &format!("{line} [data-field=justification]"),
            "Customer contracts name the security forums we attend.",
        )
        .await;
        s.fill(
            &format!("{line} [data-field=evidence]"),
            "Membership list in the wiki\nMinutes of the 2026 CSIRT meet-up",
        )
        .await;
        s.shot("soa-entry-editor").await;
        s.click(&format!("{line} [data-save-entry]")).await;
        s.wait_text(line, "the evidence", |t| {
            t.contains("Membership list in the wiki; Minutes of the 2026 CSIRT meet-up")
        })
        .await;
        let text = s.isms.read_file("controls/5.6.md");
        for want in [
            "status: partial",
            "owner: head-of-product",
            "reasons: [contractual, best_practice]",
            "justification: Customer contracts name the security forums we attend.",
            "Membership list in the wiki",
            "Minutes of the 2026 CSIRT meet-up",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        // The filters by status and owner find it, with the sample's other two.
        s.select("[data-filter=status]", "partial").await;
        s.select("[data-filter=owner]", "head-of-product").await;
        s.wait_text("[data-control]", "5.6 first", |t| t.contains("5.6"))
            .await;
        let mut shown = Vec::new();
        for line in s
            .client
            .find_all(Locator::Css("[data-control]"))
            .await
            .expect("lines")
        {
            shown.push(
                line.attr("data-control")
                    .await
                    .expect("attr")
                    .expect("an id"),
            );
        }
        assert_eq!(
            shown,
            ["5.6", "8.28", "8.33"],
            "the partial controls the Head of Product owns"
        );
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn the_consistency_check_catches_a_stale_narrative_count_before_signoff() {
    runtime().block_on(async {
        // Rescored after the summary ("one Unacceptable, twelve Manage") was written.
        let s = Scenario::launch_with("stale-narrative", true, |isms| {
            isms.ok(&["set", "R-002", "likelihood=5"]);
        })
        .await;
        s.nav("signoff").await;
        let listed = s.text("[data-contradictions]").await;
        assert!(listed.contains("The report would contradict itself"), "{listed}");
        assert!(
            listed.contains("assessments/2026.md:32 the narrative says \"one Unacceptable\", but 2 active risks are Unacceptable (inherent)"),
            "{listed}"
        );
        let start = s.find("[data-start]").await;
        assert_eq!(start.prop("disabled").await.expect("prop").as_deref(), Some("true"));
        assert!(start.attr("title").await.expect("attr").unwrap_or_default().contains("contradicts"));
        s.shot("signoff-contradictions").await;
        // The file opens at the line, to be corrected.
        s.click("[data-contradictions] button.link").await;
        let area = s.find("[data-file-text]").await;
        assert_eq!(
            area.attr("aria-label").await.expect("a label").as_deref(),
            Some("The text of assessments/2026.md")
        );
        // At the line: selected and scrolled into view.
        let arg = serde_json::to_value(&area).expect("an element serialises");
        let at = s
            .client
            .execute(
                "const a = arguments[0]; return [a.value.slice(a.selectionStart, a.selectionEnd), a.scrollTop];",
                vec![arg],
            )
            .await
            .expect("the selection is read");
        assert!(at[0].as_str().unwrap_or_default().contains("one Unacceptable"), "{at}");
        assert!(at[1].as_f64().unwrap_or_default() > 0.0, "scrolled to line 32: {at}");
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn settings_choose_who_i_am_and_make_a_signing_key() {
    runtime().block_on(async {
        let s = Scenario::start("settings-identity-key").await;
        // A CEO's laptop: git knows neither who they are nor a key.
        for key in ["user.signingkey", "gpg.format", "user.name", "user.email"] {
            s.isms.git(&["config", "--unset", key]);
        }
        s.nav("settings").await;
        s.find("[data-no-key]").await;
        s.select("[data-choose-person]", "maja.thorsen@kestrelcart.example")
            .await;
        s.click("[data-save-person]").await;
        s.wait_text("[data-me]", "Maja", |t| {
            t == "Maja Thorsen <maja.thorsen@kestrelcart.example>"
        })
        .await;
        let identity = s.text("[data-identity]").await;
        assert!(identity.contains("Chief Executive Officer"), "{identity}");
        // A new key, protected: the button says why it waits while the two differ.
        let key = s.isms.home.path().join(".ssh/isms-desk_maja_ed25519");
        s.fill("[data-new-key-path]", key.to_str().expect("utf-8"))
            .await;
        s.fill("[data-passphrase]", "correct horse").await;
        s.fill("[data-passphrase-again]", "correct hors").await;
        let make = s.find("[data-generate-key]").await;
        assert_eq!(
            make.attr("title").await.expect("attr").as_deref(),
            Some("The two passphrases differ")
        );
        s.fill("[data-passphrase-again]", "correct horse").await;
        s.click("[data-generate-key]").await;
        let public = s
            .wait_text("[data-public-key]", "the new public key", |t| {
                t.starts_with("ssh-ed25519 ")
            })
            .await;
        assert!(
            public.ends_with(" maja.thorsen@kestrelcart.example"),
            "{public}"
        );
        s.find("[data-not-listed]").await;
        let state = s.text("[data-key-state]").await;
        assert!(
            state.contains("Its passphrase is asked for at each signature"),
            "{state}"
        );
        // ssh-keygen opens it with the passphrase and finds the same public key.
        let derived = std::process::Command::new("ssh-keygen")
            .args(["-y", "-P", "correct horse", "-f"])
            .arg(&key)
            .output()
            .expect("ssh-keygen runs");
        assert_eq!(String::from_utf8_lossy(&derived.stdout).trim(), public);
        assert_eq!(
            s.isms.git(&["config", "user.signingkey"]).trim(),
            key.to_str().expect("utf-8")
        );
        s.scroll_to("[data-key]").await;
        s.shot("settings").await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn open_and_edit_a_controlled_document() {
    runtime().block_on(async {
        let s = Scenario::start("controlled-document").await;
        s.nav("documents").await;
        // The list an auditor asks for: next review soonest first.
        s.find("[data-documents] [data-document]").await;
        let mut order = Vec::new();
        for row in s
            .client
            .find_all(Locator::Css("[data-document]"))
            .await
            .expect("rows")
        {
            order.push(row.attr("data-document").await.expect("attr").expect("an id"));
        }
        assert_eq!(
            order,
            ["information-security-policy", "scope", "methodology", "incident-response"]
        );
        let row = s.text("[data-document='incident-response']").await;
        assert!(row.contains("1.3") && row.contains("2027-04-01"), "{row}");
        s.click("[data-open-document='incident-response']").await;
        // An impossible date is refused and nothing is written.
        let before = s.isms.read_file("documents/incident-response.md");
        s.fill("[data-document-control] [data-field=next_review]", "2027-02-30")
            .await;
        s.click("[data-save-document]").await;
        let refused = s.text("[data-document-error]").await;
        assert!(refused.contains("2027-02-30"), "{refused}");
        assert_eq!(s.isms.read_file("documents/incident-response.md"), before);
        // Version, review date and text, with the preview following the text.
        s.fill("[data-document-control] [data-field=next_review]", "2027-10-01")
            .await;
        s.fill("[data-document-control] [data-field=version]", "1.4")
            .await;
        s.select("[data-document-control] [data-field=approved_by]", "ceo")
            .await;
        let body = "\n## Purpose\n\nHow Kestrel Cart responds to a security incident.\n\n## Severity levels\n\n- **SEV1**: customer data exposed.\n";
        s.fill("[data-field=body]", body).await;
        s.wait_text("[data-preview]", "the new text", |t| {
            t.contains("Severity levels") && t.contains("SEV1")
        })
        .await;
        s.shot("document-editor").await;
        s.click("[data-save-document]").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = s.isms.read_file("documents/incident-response.md");
            if text.contains("version: \"1.4\"") {
                assert!(text.contains("next_review: 2027-10-01"), "{text}");
                assert!(text.contains("approved_by: ceo"), "{text}");
                assert!(text.contains("- **SEV1**: customer data exposed."), "{text}");
                break;
            }
            assert!(Instant::now() < deadline, "saved: {text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn start_next_years_assessment() {
    runtime().block_on(async {
        let s = Scenario::start("next-assessment").await;
        s.nav("assessments").await;
        s.find("[data-assessment='2026']").await;
        s.fill("[data-start-on]", "2027-05-10").await;
        s.click("[data-start-assessment]").await;
        // The new one opens, carrying the last one's scope, themes and improvements.
        s.wait_text("h1", "the new assessment", |t| {
            t == "Annual risk assessment 2027"
        })
        .await;
        let text = s.isms.read_file("assessments/2027.md");
        assert!(
            text.contains("domains_deferred: [legal, people, supplier, physical]"),
            "{text}"
        );
        assert!(text.contains("id: role-doubling"), "{text}");
        // The People workshop took place: people comes into scope.
        s.click("[data-domain=people] [data-scope=in]").await;
        s.fill(
            "[data-field=evidence]",
            "People workshop notes, 2027-02-14\nHR onboarding checklist v3",
        )
        .await;
        s.shot("assessment-editor").await;
        s.click("[data-save-assessment]").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = s.isms.read_file("assessments/2027.md");
            if text.contains("People workshop notes") {
                assert!(
                    text.contains("domains_in_scope: [technical, people]"),
                    "{text}"
                );
                assert!(
                    text.contains("domains_deferred: [legal, supplier, physical]"),
                    "{text}"
                );
                assert!(text.contains("HR onboarding checklist v3"), "{text}");
                break;
            }
            assert!(Instant::now() < deadline, "saved: {text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Back in the list, it is the current one; starting 2027 again is refused.
        s.click("button.link").await;
        let current = s.text("[data-assessment='2027']").await;
        assert!(current.contains("current"), "{current}");
        assert!(current.contains("methodology 1.0"), "{current}");
        s.click("[data-start-assessment]").await;
        let refused = s.text("[data-start-error]").await;
        assert!(!refused.is_empty());
        s.finish().await;
    });
}

/// Run by scripts/test.sh after `dpkg -i` of the `.deb`, with `ISMS_DESK_APP` naming
/// the installed binary; skipped by the other scenarios' run.
#[test]
#[ignore = "needs the .deb installed: scripts/test.sh builds, installs and runs it"]
fn installed_deb_opens_on_the_register() {
    let app = std::env::var("ISMS_DESK_APP")
        .expect("ISMS_DESK_APP names the installed app (/usr/bin/isms-desk)");
    assert!(
        app.starts_with("/usr/"),
        "the installed binary, not the build: {app}"
    );
    // The package put its desktop entry and icon where desktops look for them.
    let entry = std::fs::read_to_string("/usr/share/applications/ISMS Desk.desktop")
        .expect("the .deb installs a desktop entry");
    assert!(entry.contains("Exec=isms-desk"), "{entry}");
    assert!(entry.contains("Icon=isms-desk"), "{entry}");
    assert!(
        Path::new("/usr/share/icons/hicolor/256x256/apps/isms-desk.png").is_file()
            || Path::new("/usr/share/icons/hicolor/128x128/apps/isms-desk.png").is_file()
    );
    runtime().block_on(async {
        // `launch` waits for the register's rows: the installed app opened the ISMS
        // with its embedded screens (no development server).
        let s = Scenario::start("installed-deb").await;
        let shown = s.text("[data-shown]").await;
        assert!(shown.contains("of 17"), "{shown}");
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn a_large_repository_shows_its_indexing_progress() {
    runtime().block_on(async {
        // 10,000 risks, never opened before: the index is built as the app opens it.
        let s = Scenario::spawn("large-repository-progress", true, false, false, |isms| {
            for folder in [
                "risks",
                "treatments",
                "assessments",
                "controls",
                "documents",
            ] {
                std::fs::remove_dir_all(isms.path().join(folder)).expect("removable");
            }
            isms_core::synthetic::generate(isms.path(), 10_000, 200).expect("a synthetic ISMS");
        })
        .await;
        let progress = s
            .wait_text(".progress[role=status]", "the indexing progress", |t| {
                t.starts_with("Indexing ")
            })
            .await;
        assert!(progress.contains("files"), "{progress}");
        let bar = s.find(".progress progress").await;
        let max = bar.attr("max").await.expect("attr").unwrap_or_default();
        assert!(max.parse::<u32>().is_ok_and(|m| m > 10_000), "{max}");
        s.shot("large-repository-progress").await;
        // When it is done, the bar goes and the register shows the active risks.
        s.wait_text("[data-shown]", "the 10,000 risks", |t| {
            t.ends_with("of 10000 risks")
        })
        .await;
        let gone = s
            .client
            .find_all(Locator::Css(".progress[role=status]"))
            .await
            .expect("a search");
        assert!(
            gone.is_empty(),
            "the progress bar is gone when the index is built"
        );
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn every_screen_fits_a_laptop_at_1366_by_768_and_1280_by_720() {
    runtime().block_on(async {
        let s = Scenario::start("laptop-screens").await;
        let screens: [(&str, &str, &str); 20] = [
            ("dashboard", "[data-nav=dashboard]", "[data-count=manage]"),
            ("register", "[data-nav=register]", "[data-register] [data-risk]"),
            ("risk-editor", "[data-risk=R-004]", "[data-live-score]"),
            ("soa", "[data-nav=soa]", "[data-control='5.1']"),
            ("treatments", "[data-nav=treatments]", "[data-treatment]"),
            ("reports", "[data-nav=reports]", ".md"),
            ("signoff", "[data-nav=signoff]", "[data-start]"),
            ("documents", "[data-nav=documents]", "[data-document]"),
            ("document", "[data-open-document=scope]", "[data-preview]"),
            ("assessments", "[data-nav=assessments]", "[data-assessment]"),
            ("audits", "[data-nav=audits]", "[data-audit]"),
            ("nonconformities", "[data-nav=nonconformities]", "[data-finding]"),
            ("reviews", "[data-nav=reviews]", "[data-pack]"),
            ("suppliers", "[data-nav=suppliers]", "[data-supplier]"),
            ("soc2", "[data-nav=soc2]", "[data-criterion]"),
            ("publish", "[data-nav=publish]", "[data-page-true]"),
            ("methodology", "[data-nav=methodology]", "[data-bands]"),
            ("import", "[data-nav=import]", "[data-choose-file]"),
            ("commit-and-sync", "[data-nav=sync]", "main h1"),
            ("settings", "[data-nav=settings]", "[data-key]"),
        ];
        for (width, height) in [(1366u32, 768u32), (1280, 720)] {
            s.client
                .set_window_size(width, height)
                .await
                .expect("the window is resized");
            for (screen, open, shown) in screens {
                if screen == "risk-editor" {
                    s.nav("register").await;
                }
                s.click(open).await;
                s.find(shown).await;
                // Nothing spills sideways: the content fits the window's width.
                let spill = s
                    .client
                    .execute(
                        "const c = document.querySelector('main .content'); return [c.scrollWidth, c.clientWidth, window.innerWidth];",
                        vec![],
                    )
                    .await
                    .expect("measured");
                let (scroll, client, inner) = (
                    spill[0].as_u64().unwrap_or(0),
                    spill[1].as_u64().unwrap_or(0),
                    spill[2].as_u64().unwrap_or(0),
                );
                assert!(inner <= u64::from(width), "{screen} at {width}×{height}: the window is {inner} wide");
                assert!(
                    scroll <= client,
                    "{screen} at {width}×{height}: the content is {scroll} px wide in {client}"
                );
                s.shot(&format!("screen-{width}x{height}-{screen}")).await;
            }
        }
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn edit_risks_under_every_shape_of_methodology() {
    runtime().block_on(async {
        for (name, likelihoods, impacts, bands, per_cia) in [
            ("3x3", 3usize, 3usize, 3usize, false),
            ("4x4", 4, 4, 3, false),
            ("4x6", 4, 6, 5, true),
            ("lookup", 4, 3, 4, false),
        ] {
            let shot = Box::leak(format!("methodology-{name}").into_boxed_str());
            let s = Scenario::launch_with(shot, true, |s| s.copy.reshape(name)).await;
            // The dashboard has a tile per band and heat maps of the scales' shape.
            s.nav("dashboard").await;
            s.find("[data-tile]").await;
            let tiles = s
                .client
                .find_all(Locator::Css("button[data-tile]"))
                .await
                .expect("tiles");
            assert_eq!(tiles.len(), bands, "{name}: a tile per band");
            let shape = s
                .find("table.heatmap")
                .await
                .attr("data-shape")
                .await
                .expect("an attribute");
            assert_eq!(
                shape.as_deref(),
                Some(format!("{likelihoods}x{impacts}").as_str()),
                "{name}"
            );
            s.shot(&format!("{shot}-dashboard")).await;
            // The risk editor's pickers offer the scales' levels, and a pick is scored.
            s.nav("register").await;
            s.click("[data-risk=R-004]").await;
            s.find("[data-live-score]").await;
            let levels = s
                .client
                .find_all(Locator::Css("[data-picker=likelihood] [data-level]"))
                .await
                .expect("levels");
            assert_eq!(levels.len(), likelihoods, "{name}: the likelihood picker");
            s.click(&format!(
                "[data-picker=likelihood] [data-level='{likelihoods}']"
            ))
            .await;
            // The save lands before the next edit starts from it.
            s.wait_text(
                "[data-picker=likelihood] .definition",
                "the chosen level",
                |t| {
                    t.starts_with(&format!("{likelihoods} "))
                        && std::fs::read_to_string(s.isms.path().join("risks/R-004.md"))
                            .is_ok_and(|r| r.contains(&format!("\nlikelihood: {likelihoods}\n")))
                },
            )
            .await;
            s.wait_text("[data-live-score]", "the new score", |t| t.contains('·'))
                .await;
            if per_cia {
                for key in ["confidentiality", "integrity", "availability"] {
                    let cia = s
                        .client
                        .find_all(Locator::Css(&format!(
                            "[data-picker='impact_cia.{key}'] [data-level]"
                        )))
                        .await
                        .expect("levels");
                    assert_eq!(cia.len(), impacts, "{name}: {key}");
                }
                s.click(&format!(
                    "[data-picker='impact_cia.availability'] [data-level='{impacts}']"
                ))
                .await;
                s.wait_text(
                    "[data-cia-impact]",
                    "the impact as the highest of the three",
                    |t| t.contains(&format!("Impact {impacts}")),
                )
                .await;
                // The screen shows the impact before the save lands: wait for the file.
                s.wait_text("[data-cia-impact]", "the availability saved", |_| {
                    std::fs::read_to_string(s.isms.path().join("risks/R-004.md"))
                        .map(|t| t.contains(&format!("availability: {impacts}")))
                        .unwrap_or(false)
                })
                .await;
            } else {
                // Counted in the page itself: WebKitWebDriver sometimes fails to describe
                // elements that re-render while it lists them.
                let count = s
                    .client
                    .execute(
                        "return document.querySelectorAll('[data-picker=impact] [data-level]').length;",
                        vec![],
                    )
                    .await
                    .expect("counted");
                assert_eq!(count.as_u64(), Some(impacts as u64), "{name}: the impact picker");
            }
            assert!(s
                .isms
                .copy
                .read("risks/R-004.md")
                .contains(&format!("\nlikelihood: {likelihoods}\n")));
            s.finish().await;
        }
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn change_the_methodology_to_four_by_four_and_rescore_in_the_app() {
    runtime().block_on(async {
        let s = Scenario::start("methodology-change").await;
        s.nav("methodology").await;
        s.click("[data-change-methodology]").await;
        s.find("[data-methodology-editor]").await;
        s.fill("[data-version]", "2.0").await;
        // Four levels on each scale: the fifth goes.
        for scale in ["likelihood", "impact"] {
            let remove = s
                .client
                .find_all(Locator::Css(&format!(
                    "[data-methodology-editor] .grid2 > div:{} table.levels tr:last-child button",
                    if scale == "likelihood" {
                        "first-child"
                    } else {
                        "last-child"
                    }
                )))
                .await
                .expect("remove buttons");
            remove[0].click().await.expect("the fifth level goes");
        }
        // Bands for scores 1–16.
        for (k, min, max) in [(0, "9", "16"), (1, "4", "8"), (2, "1", "3")] {
            s.fill(&format!("[data-band-min='{k}']"), min).await;
            s.fill(&format!("[data-band-max='{k}']"), max).await;
        }
        s.shot("methodology-editor").await;
        s.click("[data-save-methodology]").await;
        s.find("[data-rescoring]").await;
        let config = s.isms.copy.read("isms.yaml");
        assert!(
            config.contains("version: \"2.0\"")
                && config.contains("  rescoring:\n    from: \"1.0\""),
            "{config}"
        );
        // The proposed mapping is shown and can be changed.
        s.select("[data-map='likelihood-4']", "4").await;
        s.wait_text("[data-mapping]", "the changed mapping", |_| {
            std::fs::read_to_string(s.isms.path().join("isms.yaml"))
                .map(|t| t.contains("likelihood: [1, 2, 3, 4, 4]"))
                .unwrap_or(false)
        })
        .await;
        s.shot("methodology-rescoring").await;
        // A risk whose band changes is rescored on its own page, levels as proposed.
        s.click("[data-rescore-row=R-002] button.link").await;
        s.find("[data-rescore-notice]").await;
        let notice = s.text("[data-rescore-notice]").await;
        assert!(
            notice.contains("methodology 1.0") && notice.contains("changes its band only because"),
            "{notice}"
        );
        s.shot("risk-to-rescore").await;
        s.click("[data-rescore]").await;
        s.wait_text("[data-live-score]", "the rating under 2.0", |t| {
            t.contains("Unacceptable")
        })
        .await;
        // The rating shows before the save lands: wait for the file, not the screen.
        s.wait_text("[data-live-score]", "R-002 saved under 2.0", |_| {
            std::fs::read_to_string(s.isms.path().join("risks/R-002.md"))
                .map(|t| t.contains("methodology_version: \"2.0\""))
                .unwrap_or(false)
        })
        .await;
        // The dashboard counts the rest apart until they are rescored.
        s.nav("dashboard").await;
        let waiting = s.text("[data-count=to-be-rescored]").await;
        assert_eq!(waiting, "15", "16 active risks, one rescored");
        s.shot("dashboard-to-rescore").await;
        // Those whose band stays are rescored together; the ◆ ones stay for a look.
        s.nav("methodology").await;
        s.click("[data-rescore-unchanged]").await;
        s.wait_text("[data-rescoring] h3", "only the band changes left", |t| {
            !t.contains("· 16") && !t.contains("· 15")
        })
        .await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn follow_a_finding_from_its_audit_to_its_closure() {
    runtime().block_on(async {
        let s = Scenario::start("audit-to-closure").await;
        s.nav("audits").await;
        // The programme covers every requirement; the audit that raised NC-002.
        s.wait_text("[data-coverage]", "the coverage", |t| {
            t.contains("Every requirement is audited")
        })
        .await;
        s.find("[data-audit='AUD-2026-02'] [data-item=I2]").await;
        s.shot("audits").await;
        s.click("[data-audit='AUD-2026-02'] [data-open-finding='NC-002']")
            .await;
        // NC-002, shown first, with what it needs before it closes.
        let blockers = s.text("[data-finding='NC-002'] [data-blockers]").await;
        assert!(
            blockers.contains("action A1 is still in_progress")
                && blockers.contains("no effectiveness review"),
            "{blockers}"
        );
        let close = s.find("[data-finding='NC-002'] [data-close]").await;
        assert_eq!(
            close.attr("disabled").await.expect("attr").as_deref(),
            Some("true")
        );
        s.select("[data-finding='NC-002'] [data-action-status=A1]", "done")
            .await;
        s.wait_text(
            "[data-finding='NC-002'] [data-blockers]",
            "the action done",
            |t| !t.contains("A1 is still"),
        )
        .await;
        // Reviewed by the ISM, who is also the SRE Lead owning A1: not someone else.
        s.select(
            "[data-finding='NC-002'] [data-review] [data-field=reviewed_by]",
            "ism",
        )
        .await;
        s.click("[data-finding='NC-002'] [data-record-review]")
            .await;
        s.wait_text(
            "[data-finding='NC-002'] [data-blockers]",
            "the review by the action's owner",
            |t| t.contains("Ingrid Solberg (ism), who also holds sre-lead"),
        )
        .await;
        // Reviewed by the CFO: it may close, and closes.
        s.select(
            "[data-finding='NC-002'] [data-review] [data-field=reviewed_by]",
            "cfo",
        )
        .await;
        s.click("[data-finding='NC-002'] [data-record-review]")
            .await;
        s.wait_text(
            "[data-finding='NC-002'] [data-effectiveness]",
            "the review",
            |t| t.contains("Chief Financial Officer"),
        )
        .await;
        s.shot("nonconformities").await;
        s.click("[data-finding='NC-002'] [data-close]").await;
        s.find("[data-finding='NC-002'] [data-closed]").await;
        let nc = std::fs::read_to_string(s.isms.path().join("nonconformities/NC-002.md"))
            .expect("NC-002");
        assert!(
            nc.contains("status: closed")
                && nc.contains("reviewed_by: cfo")
                && nc.contains("status: done"),
            "{nc}"
        );
        // Raise a finding from the app.
        s.click("[data-new-finding]").await;
        s.fill(
            "[data-create-finding] [data-field=title]",
            "Visitor log not kept at the office",
        )
        .await;
        s.select("[data-create-finding] [data-field=source]", "other")
            .await;
        s.click("[data-create-finding] [data-create]").await;
        s.find("[data-finding='NC-005']").await;
        s.find("[data-finding='NC-005'] [data-blockers]").await;
        // Plan an audit.
        s.nav("audits").await;
        // The programme loaded: the new audit's id is suggested past the ones in use.
        s.find("[data-coverage]").await;
        s.click("[data-new-audit]").await;
        s.fill(
            "[data-create-audit] [data-field=title]",
            "Supplier onboarding",
        )
        .await;
        s.fill("[data-create-audit] [data-field=planned_on]", "2027-11-08")
            .await;
        s.click("[data-create-audit] [data-create]").await;
        s.wait_text("main", "the new audit in the programme", |t| {
            t.contains("Supplier onboarding")
        })
        .await;
        assert!(s.isms.path().join("audits/AUD-2027-03.md").is_file());
        // The management review that discussed NC-001, its pack compiled from the last
        // commit, with the inputs the repository has no data for said plainly.
        s.nav("reviews").await;
        let pack = s
            .wait_text("[data-pack]", "the pack", |t| t.contains("NC-001"))
            .await;
        assert!(
            pack.contains("No data.")
                && pack.contains("Status of actions from previous management reviews"),
            "{pack}"
        );
        s.shot("management-review").await;
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn import_a_treatment_plan_mapping_a_value_and_reusing_the_mapping() {
    runtime().block_on(async {
        let s = Scenario::start("import-treatments").await;
        let layout = "Plan ID,Risk,Task,Who,Deadline,Progress\n";
        let file = s.exports.path().join("actions.csv");
        std::fs::write(
            &file,
            format!("{layout}P-1,R-011,Write the exit plan for the mail provider,ism,2027-05-31,Underway\nP-1,R-011,Test the exit plan,ism,2027-06-30,Not started\n"),
        )
        .expect("writable");
        s.nav("import").await;
        s.fill("[data-import-path]", file.to_str().expect("UTF-8")).await;
        s.click("[data-check]").await;
        // "Underway" is none of our words: the row is refused at its cell.
        s.wait_text("[data-counts]", "the plan", |t| t.contains("1 rejected")).await;
        assert!(s.text("[data-problem='actions!F2']").await.contains("Underway"));
        // Read "Underway" as in progress, on the screen.
        s.enter("[data-map-value='actions!F2']", "in_progress").await;
        s.wait_text("[data-counts]", "the plan with the value mapped", |t| t.contains("1 to create") && t.contains("0 rejected")).await;
        s.find("[data-mapped='Underway']").await;
        s.shot("import-treatment-plan").await;
        // Keep the mapping, and read the next file laid out the same way with it.
        s.click("[data-save-mapping]").await;
        s.wait_text("[data-mapping-note]", "the mapping saved", |t| t.contains("import-mapping.json")).await;
        let kept = s.exports.path().join("import-mapping.json");
        let mapping = std::fs::read_to_string(&kept).expect("the mapping file");
        assert!(mapping.contains("\"Underway\": \"in_progress\""), "{mapping}");
        let next = s.exports.path().join("next.csv");
        std::fs::write(&next, format!("{layout}P-1,R-011,Write the exit plan for the mail provider,ism,2027-05-31,Underway\n")).expect("writable");
        s.nav("dashboard").await;
        s.nav("import").await;
        s.fill("[data-import-path]", next.to_str().expect("UTF-8")).await;
        s.fill("[data-mapping-path]", kept.to_str().expect("UTF-8")).await;
        s.click("[data-load-mapping]").await;
        s.wait_text("[data-counts]", "the next file read with the mapping", |t| t.contains("1 to create") && t.contains("0 rejected")).await;
        s.click("[data-apply]").await;
        s.find("[data-go-commit]").await;
        let t7 = std::fs::read_to_string(s.isms.path().join("treatments/T-007.md")).expect("T-007");
        assert!(t7.contains("risks: [R-011]") && t7.contains("status: in_progress") && t7.contains("x-source-id: \"P-1\""), "{t7}");
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn import_a_register_from_a_spreadsheet_and_export_to_excel() {
    runtime().block_on(async {
        let s = Scenario::start("import").await;
        let file = s.exports.path().join("register.csv");
        std::fs::write(
            &file,
            "Our risk register\n\nRisk ID,Risk,Likelihood (1-5),Impact (1-5),Risk Owner,Treatment Strategy,Status,Next Review\nRISK-1,Phishing of finance staff,Likely,4,Chief Financial Officer,Reduce,In Progress,2027-03-01\nRISK-2,Laptop theft,2,3,Chief Technology Officer,Accept,Open,05/12/2026\nR-004,Cross-tenant data exposure through the shared database,3,5,Head of Product,Reduce,Open,2026-11-30\n",
        )
        .expect("writable");
        s.nav("import").await;
        s.fill("[data-import-path]", file.to_str().expect("UTF-8")).await;
        s.click("[data-check]").await;
        // The plan: one to create, one to update, one rejected by its cell.
        s.wait_text("[data-counts]", "the plan", |t| t.contains("1 to create") && t.contains("1 to update") && t.contains("1 rejected")).await;
        s.find("[data-problem='register!H5']").await;
        assert!(s.text("[data-roles]").await.contains("Chief Technology Officer"));
        s.shot("import-plan").await;
        // Day-first dates make the row readable: two to create, nothing rejected.
        s.select("[data-date-order]", "day_month").await;
        s.wait_text("[data-counts]", "the plan with dates read day first", |t| t.contains("2 to create") && t.contains("0 rejected")).await;
        assert!(std::fs::read_to_string(s.isms.path().join("risks/R-004.md")).expect("R-004").contains("likelihood: 2\n"), "nothing written by a dry run");
        s.click("[data-apply]").await;
        s.find("[data-go-commit]").await;
        let r004 = std::fs::read_to_string(s.isms.path().join("risks/R-004.md")).expect("R-004");
        assert!(r004.contains("likelihood: 3\n"), "{r004}");
        assert!(s.isms.path().join("risks/R-018.md").is_file() && s.isms.path().join("risks/R-019.md").is_file());
        s.shot("import-applied").await;
        // Export to Excel from the Reports screen (to the test's folder).
        s.isms.ok(&["commit", "-m", "Imported the register"]);
        s.nav("reports").await;
        s.find("[data-report] ~ *").await;
        s.wait_text("main", "the report preview", |t| t.contains("Document control")).await;
        s.click("[data-export-excel]").await;
        s.shot("import-export").await;
        let saved = s.text("[data-exported]").await;
        assert!(saved.contains("risk-register.xlsx"), "{saved}");
        let bytes = std::fs::read(s.exports.path().join("risk-register.xlsx")).expect("the workbook");
        assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");
        s.finish().await;
    });
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; scripts/test.sh runs it"]
fn suppliers_soc2_coverage_and_a_published_security_page_from_the_app() {
    runtime().block_on(async {
        let s = Scenario::start("suppliers-soc2-publish").await;
        // Suppliers: Postwing's attestation is over a year old and its review is due.
        s.nav("suppliers").await;
        let postwing = s.text("[data-supplier=postwing]").await;
        assert!(
            postwing.contains("over a year ago") && postwing.contains("overdue"),
            "{postwing}"
        );
        assert!(s
            .text("[data-attention]")
            .await
            .contains("1 need attention"));
        s.shot("suppliers-list").await;
        // SOC 2: the criteria in scope with their coverage; A1.2's controls and why.
        s.nav("soc2").await;
        let counts = s.text("[data-counts]").await;
        assert!(counts.contains("0 gaps"), "{counts}");
        s.click("[data-open-criterion='A1.2']").await;
        let detail = s.text("[data-criterion-detail='A1.2']").await;
        assert!(
            detail.contains("8.13")
                && detail.contains("Backups are part of the recovery infrastructure."),
            "{detail}"
        );
        s.shot("soc2-criteria").await;
        // The SoA says which criteria in scope a control serves.
        s.nav("soa").await;
        let criteria = s.text("[data-control='8.13'] [data-criteria]").await;
        assert_eq!(criteria, "SOC 2 A1.2, CC7.5");
        // Publish: the page is true; nothing is approved yet, so only a draft goes out.
        s.nav("publish").await;
        s.find("[data-page-true]").await;
        s.click("[data-publish]").await;
        let refused = s.text("[data-problem]").await;
        assert!(refused.contains("no completed sign-off"), "{refused}");
        s.click("[data-publish-draft]").await;
        let done = s.text("[data-published]").await;
        assert!(
            done.contains("Draft published") && done.contains("sha256sum -c SHA256SUMS"),
            "{done}"
        );
        let index =
            std::fs::read_to_string(s.exports.path().join("security-page-draft/index.html"))
                .expect("the draft page");
        assert!(index.contains("<strong>Draft.</strong>"));
        s.shot("publish-draft").await;

        // The auditor's hand-off: no signed assessments to compare yet, said plainly;
        // the audit pack of the last commit, its manifest signed.
        s.nav("reports").await;
        s.click("[data-report=comparison]").await;
        let none = s.text("[data-no-comparison]").await;
        assert!(none.contains("a comparison needs two"), "{none}");
        s.click("[data-audit-pack]").await;
        let pack = s.text("[data-pack]").await;
        assert!(pack.contains("sha256sum -c MANIFEST"), "{pack}");
        let folder = s.exports.path().join("audit-pack");
        let manifest = std::fs::read_to_string(folder.join("MANIFEST")).expect("the manifest");
        assert!(manifest.contains("  reports/soa.pdf\n"), "{manifest}");
        assert!(folder.join("MANIFEST.sig").is_file());
        s.shot("reports-audit-pack").await;
        s.finish().await;
    });
}

#[test]
#[ignore = "end-to-end: needs tauri-driver, WebKitWebDriver and a display (scripts/test.sh)"]
fn the_auditors_hand_off_from_the_app_changes_since_last_year_and_the_pack_of_a_tag() {
    runtime().block_on(async {
        // The sample with two signed years (scripts/sample-history.sh), Ingrid's key
        // being the one the app signs with.
        let s = Scenario::spawn("auditor-hand-off", true, false, true, |isms| {
            let out = isms
                .command("bash")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sample-history.sh"))
                .arg(isms.path())
                .arg(isms.home.path())
                .env("ISMS", crate::support::isms_bin())
                .output()
                .expect("bash runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        })
        .await;
        s.nav("reports").await;
        s.click("[data-report=comparison]").await;
        let compared = s
            .wait_text("[data-comparison]", "the comparison", |t| {
                t.contains("Band crossings")
            })
            .await;
        assert!(
            compared.contains("R-001 Takeover of merchant admin accounts by credential stuffing")
                && compared.contains("92 days"),
            "{compared}"
        );
        s.shot("reports-changes-since-last-year").await;

        // The pack of last year's signed assessment, chosen by its tag.
        s.select("[data-pack-rev]", "assessment-2025").await;
        s.click("[data-audit-pack]").await;
        let pack = s.text("[data-pack]").await;
        assert!(pack.contains("sha256sum -c MANIFEST"), "{pack}");
        let folder = s.exports.path().join("audit-pack");
        let index = std::fs::read_to_string(folder.join("VERIFY.md")).expect("VERIFY.md");
        let tag = s.isms.git(&["rev-parse", "assessment-2025"]);
        assert!(index.contains(tag.trim()), "{index}");
        assert!(index.contains("risk-assessment-2025-05-21"), "{index}");
        s.finish().await;
    });
}
