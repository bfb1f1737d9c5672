//! The commands the webview may call. Each is a one-liner over isms-core, run off the
//! UI thread (`spawn_blocking`), with errors as `{code, message}`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use chrono::NaiveDate;
use isms_core::api::{
    Assessments, AuditProgramme, CommitOptions, Dashboard, Documents, Exported, FieldChoice,
    FileText, MethodologyChanged, MethodologyView, Nonconformities, Opened, Passphrase, Reference,
    Register, RegisterQuery, ReportPreview, ReviewPack, Reviews, RiskView, Session, SettingsView,
    Signing, SignoffBoard, Soa, TreatmentPlan, APP_REMOTE,
};
use isms_core::domain::checks::CheckReport;
use isms_core::domain::{AsScored, Methodology};
use isms_core::format::edit::Assignment;
use isms_core::git::changes::Changes;
use isms_core::git::history::TimelineEntry;
use isms_core::git::sync::PullOutcome;
use isms_core::git::Committed;
use isms_core::init::NewIsms;
use isms_core::report::ReportKind;
use isms_core::settings::Settings;
use isms_core::signoff::{Published, Signed, SignoffKind, Started};
use isms_core::store::{Revision, Saved};
use isms_core::tabular::import::{ImportOptions, ImportPlan, Mapping};
use isms_core::{ErrorCode, Isms, RecordKind};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;

use crate::launch::{self, Options};

/// An error as the webview receives it: a stable code to branch on and a message for
/// the person (naming the file, line and field where there is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CommandError {
    /// What kind of error: the webview branches on it.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
    /// For invalid input: the front-matter field at fault, so the app can show the
    /// message beside it.
    pub field: Option<String>,
    /// For invalid input: the line of the file at fault (the plain-text editor marks it).
    pub line: Option<usize>,
}

/// As the log file writes it: `code: message`.
impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<isms_core::Error> for CommandError {
    fn from(e: isms_core::Error) -> Self {
        let (field, line) = match &e {
            isms_core::Error::Invalid(load) => (load.field.clone(), load.line),
            _ => (None, None),
        };
        CommandError {
            code: e.code(),
            message: e.to_string(),
            field,
            line,
        }
    }
}

fn error(code: ErrorCode, message: impl Into<String>) -> CommandError {
    CommandError {
        code,
        message: message.into(),
        field: None,
        line: None,
    }
}

type Reply<T> = Result<T, CommandError>;

/// Progress of long work, sent as the `progress` event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Progress {
    /// What is being done, for a person ("Indexing 10,100 files").
    pub task: String,
    /// Steps done.
    pub done: u32,
    /// Steps in all (0 when unknown).
    pub total: u32,
}

/// What the app opened at start, and what else it could open.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Startup {
    /// The ISMS opened, when one could be.
    pub opened: Option<Opened>,
    /// Why the ISMS it tried could not be opened.
    pub error: Option<CommandError>,
    /// Recently opened repositories, most recent first.
    pub recent: Vec<String>,
    /// Whether the opened ISMS is the app's own copy of the sample.
    pub sample: bool,
    /// Whether the app measures its launch (`--report-ready`, in a build with the
    /// `bench` feature): the screens then say when the register is first visible.
    pub measuring: bool,
}

/// The app's state: the ISMS open now, the person's settings (read once, at start)
/// and how the app was started.
pub struct Desk {
    isms: Mutex<Option<Isms>>,
    /// Read at start; replaced when the person changes them on the Settings screen.
    settings: Mutex<Settings>,
    /// The ISMS being opened while the window loads (`Desk::open_early`), which
    /// `startup` takes instead of opening it a second time.
    early: Mutex<Option<EarlyOpen>>,
    pub(crate) options: Options,
    /// When the app started, for the launch measurement of `bench` builds.
    #[cfg_attr(not(feature = "bench"), allow(dead_code))]
    pub(crate) started: Instant,
}

impl Desk {
    /// A desk with nothing open yet.
    pub fn new(options: Options, settings: Settings) -> Desk {
        Desk {
            isms: Mutex::new(None),
            settings: Mutex::new(settings),
            early: Mutex::new(None),
            options,
            started: Instant::now(),
        }
    }

    /// Starts opening the repository the app will show, on a thread of its own, while
    /// the window and its screens load: the index of a large repository is built in
    /// the time the webview takes to start. Only a repository named by `--repo` or
    /// opened before; the sample's copy is left to `startup`.
    pub fn open_early(&self, app: &AppHandle) {
        let Ok(data_dir) = self.data_dir(app) else {
            return;
        };
        let Some(root) = self.start_root(&data_dir) else {
            return;
        };
        let (events, at) = (app.clone(), root.clone());
        let opening = std::thread::spawn(move || {
            let isms = Isms::open(&at)?;
            let indexing = |done: usize, total: usize| {
                progress(&events, format!("Indexing {total} files"), done, total);
            };
            let opened = isms.opened(&indexing)?;
            Ok((isms, opened))
        });
        *self
            .early
            .lock()
            .expect("the early-open lock is never held across a panic") =
            Some(EarlyOpen { root, opening });
    }

    /// The repository to show at start: `--repo`, else the last one opened that is
    /// still an ISMS.
    fn start_root(&self, data_dir: &Path) -> Option<PathBuf> {
        self.options.repo.clone().or_else(|| {
            launch::recent(data_dir)
                .into_iter()
                .find(|p| p.join("isms.yaml").is_file())
        })
    }

    /// The person's settings as they are now.
    fn settings(&self) -> Settings {
        self.settings
            .lock()
            .expect("the settings lock is never held across a panic")
            .clone()
    }

    /// Runs a change of the settings on the open ISMS and keeps the settings it
    /// returns.
    async fn change_settings<F>(&self, work: F) -> Reply<SettingsView>
    where
        F: FnOnce(&Isms, &Settings) -> isms_core::Result<Settings> + Send + 'static,
    {
        let isms = self.current()?;
        let settings = self.settings();
        let (next, view) = blocking(move || {
            let next = work(&isms, &settings)?;
            let view = isms.settings_view(&next)?;
            Ok::<_, isms_core::Error>((next, view))
        })
        .await?
        .map_err(CommandError::from)?;
        *self
            .settings
            .lock()
            .expect("the settings lock is never held across a panic") = next;
        Ok(view)
    }

    fn current(&self) -> Reply<Isms> {
        self.isms
            .lock()
            .expect("the ISMS lock is never held across a panic")
            .clone()
            .ok_or_else(|| error(ErrorCode::NoIsms, "no ISMS repository is open"))
    }

    /// Runs `work` on the open ISMS on a blocking thread.
    async fn run<T, F>(&self, work: F) -> Reply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Isms) -> isms_core::Result<T> + Send + 'static,
    {
        let isms = self.current()?;
        blocking(move || work(&isms).map_err(CommandError::from)).await?
    }

    /// Runs `work` on the open ISMS as the person, with the passphrase they typed for
    /// this action (if any).
    async fn run_as<T, F>(&self, passphrase: Option<String>, work: F) -> Reply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Isms, &Session) -> isms_core::Result<T> + Send + 'static,
    {
        let isms = self.current()?;
        let settings = self.settings();
        blocking(move || {
            let session = Session {
                settings: &settings,
                passphrase: Passphrase::Typed(passphrase.as_deref()),
                when: None,
            };
            work(&isms, &session).map_err(CommandError::from)
        })
        .await?
    }

    /// As `run_as`, with `task` shown as under way ("Pulling from origin…") until it
    /// ends, however it ends.
    async fn run_showing<T, F>(
        &self,
        app: &AppHandle,
        task: &str,
        passphrase: Option<String>,
        work: F,
    ) -> Reply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Isms, &Session) -> isms_core::Result<T> + Send + 'static,
    {
        progress(app, task.to_string(), 0, 0);
        let outcome = self.run_as(passphrase, work).await;
        progress(app, task.to_string(), 1, 1);
        outcome
    }

    fn data_dir(&self, app: &AppHandle) -> Reply<PathBuf> {
        match &self.options.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => app
                .path()
                .app_data_dir()
                .map_err(|e| error(ErrorCode::Io, format!("no folder for the app's data: {e}"))),
        }
    }

    /// Opens `root` (taking the early open when it is of `root`), indexing with
    /// progress events, and remembers it.
    async fn open(&self, app: &AppHandle, root: PathBuf) -> Reply<Opened> {
        let early = self
            .early
            .lock()
            .expect("the early-open lock is never held across a panic")
            .take()
            .filter(|e| e.root == root);
        if let Some(early) = early {
            let data_dir = self.data_dir(app)?;
            let (isms, opened) = blocking(move || {
                let (isms, opened) = early
                    .opening
                    .join()
                    .map_err(|_| isms_core::Error::Usage("opening the ISMS failed".into()))??;
                launch::remember(&data_dir, isms.root())?;
                Ok::<_, isms_core::Error>((isms, opened))
            })
            .await
            .and_then(|r| r.map_err(CommandError::from))?;
            *self
                .isms
                .lock()
                .expect("the ISMS lock is never held across a panic") = Some(isms);
            return Ok(opened);
        }
        let (events, data_dir) = (app.clone(), self.data_dir(app)?);
        let (isms, opened) = blocking(move || {
            let isms = Isms::open(&root)?;
            let indexing = |done: usize, total: usize| {
                progress(&events, format!("Indexing {total} files"), done, total);
            };
            let opened = isms.opened(&indexing)?;
            launch::remember(&data_dir, isms.root())?;
            Ok::<_, isms_core::Error>((isms, opened))
        })
        .await
        .and_then(|r| r.map_err(CommandError::from))?;
        *self
            .isms
            .lock()
            .expect("the ISMS lock is never held across a panic") = Some(isms);
        Ok(opened)
    }
}

/// An open started before the screens asked for it.
struct EarlyOpen {
    root: PathBuf,
    opening: std::thread::JoinHandle<isms_core::Result<(Isms, Opened)>>,
}

/// Sends a `progress` event. A lost event only leaves the bar behind; the work goes on.
fn progress(app: &AppHandle, task: String, done: usize, total: usize) {
    let _ = app.emit(
        "progress",
        Progress {
            task,
            done: done as u32,
            total: total as u32,
        },
    );
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| {
            error(
                ErrorCode::Internal,
                format!("the work stopped unexpectedly: {e}"),
            )
        })
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Opens what the app should show first: `--repo`, else (unless `--sample`) the most
/// recent repository, else the app's own copy of the sample ISMS (made on first run).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn startup(app: AppHandle, desk: State<'_, Desk>) -> Reply<Startup> {
    let data_dir = desk.data_dir(&app)?;
    let chosen = desk.start_root(&data_dir);
    let (root, sample) = match chosen {
        Some(root) => (root, false),
        None => {
            let dir = data_dir.clone();
            (blocking(move || launch::sample_copy(&dir)).await??, true)
        }
    };
    let (opened, error) = match desk.open(&app, root).await {
        Ok(opened) => (Some(opened), None),
        Err(e) => (None, Some(e)),
    };
    Ok(Startup {
        opened,
        error,
        recent: paths(launch::recent(&data_dir)),
        sample,
        measuring: desk.options.measuring(),
    })
}

/// Asks the person for a folder; `None` when they cancel.
async fn pick_folder(app: &AppHandle, title: &'static str) -> Reply<Option<PathBuf>> {
    let dialog = app.clone();
    let picked = blocking(move || {
        dialog
            .dialog()
            .file()
            .set_title(title)
            .blocking_pick_folder()
    })
    .await?;
    Ok(picked.and_then(|p| p.into_path().ok()))
}

/// Opens `path`, or asks for a folder when none is given (`None`: the person cancelled).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn open_folder(
    app: AppHandle,
    desk: State<'_, Desk>,
    path: Option<String>,
) -> Reply<Option<Opened>> {
    let root = match path {
        Some(path) => PathBuf::from(path),
        None => match pick_folder(&app, "Open an ISMS repository").await? {
            Some(root) => root,
            None => return Ok(None),
        },
    };
    desk.open(&app, root).await.map(Some)
}

/// Sets up a new ISMS in `path` from the set-up screen, makes its first commit (signed
/// when a key is configured) and opens it.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn create_isms(
    app: AppHandle,
    desk: State<'_, Desk>,
    path: String,
    plan: NewIsms,
    me: Option<String>,
    passphrase: Option<String>,
) -> Reply<Opened> {
    let root = PathBuf::from(path.trim());
    if !root.is_absolute() {
        return Err(error(
            ErrorCode::Usage,
            "choose the folder as a full path (/home/…/isms)",
        ));
    }
    let settings = desk.settings();
    let dir = root.clone();
    blocking(move || {
        let session = Session {
            settings: &settings,
            passphrase: Passphrase::Typed(passphrase.as_deref()),
            when: None,
        };
        isms_core::api::open::create_isms(&dir, &plan, me.as_deref(), &session, today())
            .map_err(CommandError::from)
    })
    .await??;
    desk.open(&app, root).await
}

/// Opens the app's own copy of the sample ISMS.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn open_sample(app: AppHandle, desk: State<'_, Desk>) -> Reply<Opened> {
    let dir = desk.data_dir(&app)?;
    let root = blocking(move || launch::sample_copy(&dir)).await??;
    desk.open(&app, root).await
}

/// Recently opened repositories.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn recent(app: AppHandle, desk: State<'_, Desk>) -> Reply<Vec<String>> {
    Ok(paths(launch::recent(&desk.data_dir(&app)?)))
}

fn paths(list: Vec<PathBuf>) -> Vec<String> {
    list.iter().map(|p| p.display().to_string()).collect()
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn dashboard(desk: State<'_, Desk>) -> Reply<Dashboard> {
    desk.run(|isms| isms.dashboard(today())).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn findings(desk: State<'_, Desk>) -> Reply<CheckReport> {
    desk.run(|isms| isms.findings(today())).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn reference(desk: State<'_, Desk>) -> Reply<Reference> {
    desk.run(|isms| isms.reference()).await
}

/// The risk register as `query` selects and orders it.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn register(desk: State<'_, Desk>, query: RegisterQuery) -> Reply<Register> {
    desk.run(move |isms| isms.register(&query, today())).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn risk(desk: State<'_, Desk>, id: String) -> Reply<RiskView> {
    desk.run(move |isms| isms.risk_view(&id)).await
}

/// Changes fields (set `likelihood` to 3, add 8.7 to `controls`), atomically, from the
/// revision the edit started on.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn set_fields(
    desk: State<'_, Desk>,
    id: String,
    edits: Vec<Assignment>,
    body: Option<String>,
    base: Revision,
) -> Reply<Saved> {
    desk.run(move |isms| isms.set(&id, &edits, body.as_deref(), Some(&base)))
        .await
}

/// An ISMS file as text with the problems that keep it from loading (to mend it).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn file_text(desk: State<'_, Desk>, path: String) -> Reply<FileText> {
    desk.run(move |isms| isms.file_text(&path)).await
}

/// Saves a file's text from the plain-text editor once it loads; nothing is written
/// otherwise.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn save_file_text(
    desk: State<'_, Desk>,
    path: String,
    text: String,
    base: Revision,
) -> Reply<Revision> {
    desk.run(move |isms| isms.save_file_text(&path, &text, &base))
        .await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn save_section(
    desk: State<'_, Desk>,
    id: String,
    heading: String,
    markdown: String,
    base: Revision,
) -> Reply<Saved> {
    desk.run(move |isms| isms.save_section(&id, &heading, &markdown, &base))
        .await
}

/// Creates a record: a risk or treatment with the next free id, others with `id`.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn new_record(
    desk: State<'_, Desk>,
    kind: RecordKind,
    id: Option<String>,
    edits: Vec<Assignment>,
) -> Reply<Saved> {
    desk.run(move |isms| isms.create(kind, id.as_deref(), &edits, None))
        .await
}

/// Adds an action to a treatment under the next free action id.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn add_action(
    desk: State<'_, Desk>,
    id: String,
    fields: Vec<Assignment>,
    base: Revision,
) -> Reply<Saved> {
    desk.run(move |isms| isms.add_action(&id, &fields, Some(&base)))
        .await
}

/// Markdown a person is writing, as sanitised HTML for the preview.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn render_markdown(markdown: String) -> String {
    isms_core::report::html::markdown(&markdown)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn soa(desk: State<'_, Desk>) -> Reply<Soa> {
    desk.run(|isms| isms.soa(today())).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn treatment_plan(desk: State<'_, Desk>) -> Reply<TreatmentPlan> {
    desk.run(|isms| isms.treatment_plan(today())).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn timeline(desk: State<'_, Desk>, id: String) -> Reply<Vec<TimelineEntry>> {
    desk.run(move |isms| isms.timeline(&id)).await
}

/// The records changed since the last commit, field by field.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn pending_changes(desk: State<'_, Desk>) -> Reply<Changes> {
    desk.run(|isms| isms.changes("HEAD", None)).await
}

/// Commits every ISMS change, signed when a key is set up (unsigned before).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn commit(
    app: AppHandle,
    desk: State<'_, Desk>,
    message: String,
    passphrase: Option<String>,
) -> Reply<Committed> {
    desk.run_showing(&app, "Committing", passphrase, move |isms, session| {
        isms.commit_changes(
            session,
            &CommitOptions {
                message: &message,
                records: &[],
                signing: Signing::IfConfigured,
                allow_signed_edits: false,
            },
        )
    })
    .await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn pull(
    app: AppHandle,
    desk: State<'_, Desk>,
    choices: Vec<FieldChoice>,
    passphrase: Option<String>,
) -> Reply<PullOutcome> {
    desk.run_showing(
        &app,
        "Pulling from origin",
        passphrase,
        move |isms, session| {
            isms.pull_changes(session, APP_REMOTE, &choices, Signing::IfConfigured)
        },
    )
    .await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn push(
    app: AppHandle,
    desk: State<'_, Desk>,
    passphrase: Option<String>,
) -> Reply<String> {
    desk.run_showing(&app, "Pushing to origin", passphrase, |isms, session| {
        isms.push_changes(session, APP_REMOTE)
    })
    .await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn report_preview(desk: State<'_, Desk>, kind: ReportKind) -> Reply<ReportPreview> {
    desk.run(move |isms| isms.report_preview(kind)).await
}

/// Every sign-off request, its document, its steps and `isms verify`'s result.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn signoff_board(desk: State<'_, Desk>) -> Reply<SignoffBoard> {
    desk.run_as(None, |isms, session| isms.signoff_board(session))
        .await
}

/// Puts a document up for sign-off, signing the first step with the person's key.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn signoff_start(
    app: AppHandle,
    desk: State<'_, Desk>,
    kind: SignoffKind,
    subject: Option<String>,
    passphrase: Option<String>,
) -> Reply<Started> {
    desk.run_showing(
        &app,
        "Putting the document up for sign-off",
        passphrase,
        move |isms, session| isms.put_up_for_signoff(session, kind, subject.as_deref()),
    )
    .await
}

/// Signs the next step of a request ("Sign as <role>").
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn signoff_sign(
    app: AppHandle,
    desk: State<'_, Desk>,
    id: String,
    approve: bool,
    passphrase: Option<String>,
) -> Reply<Signed> {
    desk.run_showing(&app, "Signing", passphrase, move |isms, session| {
        isms.sign_next_step(session, &id, approve)
    })
    .await
}

/// Pushes a sign-off request's branch to `origin` for colleagues to sign, and opens its
/// pull request when the forge's token is in the system keyring.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn signoff_push(
    app: AppHandle,
    desk: State<'_, Desk>,
    id: String,
    passphrase: Option<String>,
) -> Reply<Published> {
    desk.run_showing(
        &app,
        "Pushing the request to origin",
        passphrase,
        move |isms, session| isms.push_signoff(session, &id, APP_REMOTE),
    )
    .await
}

/// Pins the root of trust of the open ISMS to `key` (the key that signed its first
/// commit), after the person checked the fingerprint with its owner.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn pin_root_key(desk: State<'_, Desk>, key: String) -> Reply<()> {
    desk.run(move |isms| isms.pin_root_key(&key)).await
}

/// Exports a report of the last commit as PDF to a file the person chooses (or into
/// `--save-to`). `None`: the person cancelled.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn export_pdf(
    app: AppHandle,
    desk: State<'_, Desk>,
    kind: ReportKind,
) -> Reply<Option<Exported>> {
    let name = format!("{}.pdf", kind.as_str());
    let target = save_target(&app, &desk, "Export PDF", name, ("PDF", "pdf")).await?;
    let Some(target) = target else {
        return Ok(None);
    };
    progress(&app, format!("Exporting {}", kind.title()), 0, 1);
    let exported = desk.run(move |isms| isms.export_pdf(kind, &target)).await;
    progress(&app, format!("Exported {}", kind.title()), 1, 1);
    exported.map(Some)
}

/// Where an export goes: the folder given with `--save-to` (tests, scripts), else where
/// the person chooses in the save dialog; `None` when they cancel.
async fn save_target(
    app: &AppHandle,
    desk: &State<'_, Desk>,
    title: &'static str,
    name: String,
    (filter, extension): (&'static str, &'static str),
) -> Reply<Option<PathBuf>> {
    if let Some(dir) = &desk.options.save_to {
        return Ok(Some(dir.join(&name)));
    }
    let dialog = app.clone();
    blocking(move || {
        dialog
            .dialog()
            .file()
            .set_title(title)
            .set_file_name(&name)
            .add_filter(filter, &[extension])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    })
    .await
}

/// Exports HEAD's register, SoA, treatment plan and methodology to an Excel workbook,
/// where the person chooses.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn export_workbook(app: AppHandle, desk: State<'_, Desk>) -> Reply<Option<Exported>> {
    let name = "risk-register.xlsx".to_string();
    let target = save_target(
        &app,
        &desk,
        "Export to Excel",
        name,
        ("Excel workbook", "xlsx"),
    )
    .await?;
    let Some(target) = target else {
        return Ok(None);
    };
    desk.run(move |isms| isms.export_workbook_to(&target))
        .await
        .map(Some)
}

/// Asks for a spreadsheet to import; `None` when the person cancels.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn choose_spreadsheet(app: AppHandle) -> Reply<Option<String>> {
    blocking(move || {
        app.dialog()
            .file()
            .set_title("Import a register or an SoA")
            .add_filter("Spreadsheets", &["xlsx", "xls", "ods", "csv"])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
            .map(|p| p.display().to_string())
    })
    .await
}

/// The change plan of importing the spreadsheet at `path` (a dry run: nothing is written).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn import_plan(
    desk: State<'_, Desk>,
    path: String,
    options: ImportOptions,
) -> Reply<ImportPlan> {
    desk.run(move |isms| {
        let (name, bytes) = spreadsheet(&path)?;
        isms.import_plan(&name, &bytes, &options)
    })
    .await
}

/// Writes the plan the dry run showed with `fingerprint`: every file or none.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn import_apply(
    desk: State<'_, Desk>,
    path: String,
    options: ImportOptions,
    fingerprint: String,
) -> Reply<ImportPlan> {
    desk.run(move |isms| {
        let (name, bytes) = spreadsheet(&path)?;
        isms.import_apply(&name, &bytes, &options, &fingerprint)
    })
    .await
}

/// Keeps `mapping` (columns → fields, values → ours) in a JSON file the person
/// chooses, to load again for the next import of a file laid out the same way.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn save_import_mapping(
    app: AppHandle,
    desk: State<'_, Desk>,
    mapping: Mapping,
) -> Reply<Option<String>> {
    let name = "import-mapping.json".to_string();
    let target = save_target(
        &app,
        &desk,
        "Save the mapping",
        name,
        ("Mapping (JSON)", "json"),
    )
    .await?;
    let Some(target) = target else {
        return Ok(None);
    };
    isms_core::fsio::write_atomic(&target, mapping.to_json().as_bytes())?;
    Ok(Some(target.display().to_string()))
}

/// Reads a mapping file: the one at `path`, or one the person chooses (`None` when they
/// cancel). A file that is not a mapping is refused with its line.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn load_import_mapping(
    app: AppHandle,
    path: Option<String>,
) -> Reply<Option<(String, Mapping)>> {
    let path = match path {
        Some(p) => Some(p),
        None => {
            blocking(move || {
                app.dialog()
                    .file()
                    .set_title("Load a mapping")
                    .add_filter("Mapping (JSON)", &["json"])
                    .blocking_pick_file()
                    .and_then(|p| p.into_path().ok())
                    .map(|p| p.display().to_string())
            })
            .await?
        }
    };
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| isms_core::Error::Usage(format!("{path}: {e}")))?;
    Ok(Some((path.clone(), Mapping::from_json(&path, &text)?)))
}

/// The Audits screen: the programme and its coverage.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn audit_programme(desk: State<'_, Desk>) -> Reply<AuditProgramme> {
    desk.run(|isms| isms.audit_programme(today())).await
}

/// The Nonconformities screen: the findings and what each needs before it closes.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn nonconformities(desk: State<'_, Desk>) -> Reply<Nonconformities> {
    desk.run(|isms| isms.nonconformities(today())).await
}

/// The Management review screen: the reviews, newest first.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn reviews(desk: State<'_, Desk>) -> Reply<Reviews> {
    desk.run(|isms| isms.reviews()).await
}

/// Review `id`'s pack, compiled from the last commit.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn review_pack(desk: State<'_, Desk>, id: String) -> Reply<ReviewPack> {
    desk.run(move |isms| isms.review_pack_view(&id)).await
}

/// The Suppliers screen: every supplier with what needs attention.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn suppliers(desk: State<'_, Desk>) -> Reply<isms_core::api::Suppliers> {
    desk.run(|isms| isms.suppliers(today())).await
}

/// The SOC 2 screen: each criterion in scope with its controls and coverage.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn soc2(desk: State<'_, Desk>) -> Reply<isms_core::api::Soc2View> {
    desk.run(|isms| isms.soc2_view()).await
}

/// Publishes the security page into a folder the person chooses (the folder given
/// with `--save-to`, in tests): the version management approved, or a draft of the
/// last commit. `None` when the person cancels.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn publish_security_page(
    app: AppHandle,
    desk: State<'_, Desk>,
    draft: bool,
    passphrase: Option<String>,
) -> Reply<Option<isms_core::api::PublishedSite>> {
    let folder = match &desk.options.save_to {
        Some(dir) => dir.join(if draft {
            "security-page-draft"
        } else {
            "security-page"
        }),
        None => match pick_folder(&app, "Publish the security page into a folder").await? {
            Some(folder) => folder,
            None => return Ok(None),
        },
    };
    desk.run_showing(&app, "Publishing", passphrase, move |isms, session| {
        let from = if draft {
            isms_core::api::PublishFrom::Draft("HEAD")
        } else {
            isms_core::api::PublishFrom::Approved
        };
        isms.publish_security_page(session, from, &folder)
    })
    .await
    .map(Some)
}

/// What an audit pack can be made from: the last commit and the tags.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn pack_revisions(desk: State<'_, Desk>) -> Reply<Vec<isms_core::api::PackRevision>> {
    desk.run(move |isms| isms.pack_revisions()).await
}

/// Writes the audit pack of `rev` (the last commit or a tag) into a folder the person
/// chooses (the folder given with `--save-to`, in tests), its manifest signed with
/// their key. `None` when the person cancels.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn audit_pack(
    app: AppHandle,
    desk: State<'_, Desk>,
    rev: String,
    passphrase: Option<String>,
) -> Reply<Option<isms_core::api::AuditPack>> {
    let folder = match &desk.options.save_to {
        Some(dir) => dir.join("audit-pack"),
        None => match pick_folder(&app, "Write the audit pack into a folder").await? {
            Some(folder) => folder,
            None => return Ok(None),
        },
    };
    desk.run_showing(&app, "Packing", passphrase, move |isms, session| {
        isms.audit_pack(session, &rev, &folder)
    })
    .await
    .map(Some)
}

/// The last two signed risk assessments, compared.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn comparison_preview(desk: State<'_, Desk>) -> Reply<isms_core::api::ComparisonPreview> {
    desk.run(move |isms| isms.comparison_preview()).await
}

/// Closes record `id` as `isms close` does (a finding: refused with what it still
/// needs).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn close_record(desk: State<'_, Desk>, id: String) -> Reply<Saved> {
    desk.run(move |isms| isms.close(&id, None, today())).await
}

/// A spreadsheet's name and bytes.
fn spreadsheet(path: &str) -> isms_core::Result<(String, Vec<u8>)> {
    let p = Path::new(path);
    let bytes = std::fs::read(p).map_err(|e| isms_core::Error::Usage(format!("{path}: {e}")))?;
    let name = p
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
    Ok((name, bytes))
}

/// The Settings screen.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn settings_view(desk: State<'_, Desk>) -> Reply<SettingsView> {
    let settings = desk.settings();
    desk.run(move |isms| isms.settings_view(&settings)).await
}

/// I am the person of isms.yaml with this email.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn choose_person(desk: State<'_, Desk>, email: String) -> Reply<SettingsView> {
    desk.change_settings(move |isms, s| isms.choose_person(s, &email))
        .await
}

/// Sign with the key file at this path.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn choose_key_file(desk: State<'_, Desk>, path: String) -> Reply<SettingsView> {
    desk.change_settings(move |isms, s| isms.choose_key_file(s, Path::new(path.trim())))
        .await
}

/// Sign with this key that ssh-agent holds.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn choose_agent_key(desk: State<'_, Desk>, public_key: String) -> Reply<SettingsView> {
    desk.change_settings(move |isms, s| isms.choose_agent_key(s, &public_key))
        .await
}

/// Make a new key and sign with it; the view's key shows its public half.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn generate_signing_key(
    desk: State<'_, Desk>,
    path: String,
    passphrase: String,
) -> Reply<SettingsView> {
    desk.change_settings(move |isms, s| {
        isms.generate_signing_key(s, Path::new(path.trim()), &passphrase)
            .map(|(settings, _public)| settings)
    })
    .await
}

/// Set the `origin` remote's address.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn set_remote(desk: State<'_, Desk>, url: String) -> Reply<SettingsView> {
    desk.change_settings(move |isms, s| isms.set_remote(&url).map(|()| s.clone()))
        .await
}

/// Keep the forge's token in the system keyring.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn save_forge_token(
    desk: State<'_, Desk>,
    host: String,
    token: String,
) -> Reply<SettingsView> {
    desk.change_settings(move |_, s| {
        isms_core::api::settings::save_forge_token(&host, &token).map(|()| s.clone())
    })
    .await
}

/// The Documents screen.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn documents(desk: State<'_, Desk>) -> Reply<Documents> {
    desk.run(|isms| isms.documents(today())).await
}

/// The Assessments screen.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn assessments(desk: State<'_, Desk>) -> Reply<Assessments> {
    desk.run(|isms| isms.assessments()).await
}

/// Starts the next annual assessment, performed on `on`.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn start_next_assessment(desk: State<'_, Desk>, on: String) -> Reply<Saved> {
    let on = NaiveDate::parse_from_str(on.trim(), "%Y-%m-%d").map_err(|_| {
        error(
            ErrorCode::Invalid,
            format!("`{}` is not a date; write YYYY-MM-DD", on.trim()),
        )
    })?;
    desk.run(move |isms| isms.start_next_assessment(on)).await
}

/// The methodology screen: the methodology in force and the risks to be rescored.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn methodology(desk: State<'_, Desk>) -> Reply<MethodologyView> {
    desk.run(|isms| isms.methodology_view()).await
}

/// Changes the methodology (isms.yaml only); a new version starts a rescoring.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn change_methodology(
    desk: State<'_, Desk>,
    methodology: Methodology,
    base: Revision,
) -> Reply<MethodologyChanged> {
    desk.run(move |isms| isms.change_methodology(&methodology, &base))
        .await
}

/// Rescores a risk under the methodology in force: the levels given, or the mapping's.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn rescore(
    desk: State<'_, Desk>,
    id: String,
    levels: Option<AsScored>,
    base: Revision,
) -> Reply<Saved> {
    desk.run(move |isms| isms.rescore(&id, levels, Some(&base)))
        .await
}

/// The methodology a new ISMS starts with, for the set-up to show and edit.
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
pub async fn scaffold_methodology() -> Reply<Methodology> {
    blocking(|| isms_core::init::scaffold_methodology().map_err(CommandError::from)).await?
}
