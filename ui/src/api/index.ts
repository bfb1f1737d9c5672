// The app's commands, typed with the bindings generated from Rust (ui/src/bindings).
// Every call either returns the command's value or throws a CommandError
// `{code, message}`; nothing else crosses the wall.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Suppliers, Soc2View, PublishedSite, AuditPack, ComparisonPreview, PackRevision } from "../lib/types";
import type { AsScored, AuditProgramme, ImportOptions, ImportPlan, Mapping, Nonconformities, ReviewPack, Reviews, MethodologyChanged, MethodologyView, Revision } from "../lib/types";
import type { Assessments, Assignment, ChangesT, CheckReport, CommandError, Committed, Dashboard, Documents, Exported, FieldChoice, FileText, Methodology, NewIsms, Opened, Progress, Published, PullOutcome, RecordKind, Reference, Register, RegisterQuery, ReportKind, ReportPreview, RiskView, Saved, SettingsView, Signed, SignoffBoard, SignoffKind, Soa, Started, Startup, TimelineEntry, TreatmentPlan } from "../lib/types";

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asCommandError(e);
  }
}

/** Any thrown value as `{code, message}`. */
export function asCommandError(e: unknown): CommandError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    return e as CommandError;
  }
  return { code: "internal", message: String(e), field: null, line: null };
}

/** The whole register in id order: no filter, no search. */
export const everyRisk: RegisterQuery = {
  residual: false,
  band: null,
  to_be_rescored: false,
  likelihood: null,
  impact: null,
  domain: null,
  status: null,
  owner: null,
  theme: null,
  search: null,
  sort: "id",
  descending: null,
};

export const api = {
  startup: () => call<Startup>("startup"),
  openFolder: (path: string | null) => call<Opened | null>("open_folder", { path }),
  openSample: () => call<Opened>("open_sample"),
  createIsms: (path: string, plan: NewIsms, me: string | null, passphrase: string | null) =>
    call<Opened>("create_isms", { path, plan, me, passphrase }),
  recent: () => call<string[]>("recent"),
  scaffoldMethodology: () => call<Methodology>("scaffold_methodology"),
  methodology: () => call<MethodologyView>("methodology"),
  changeMethodology: (methodology: Methodology, base: Revision) =>
    call<MethodologyChanged>("change_methodology", { methodology, base }),
  rescore: (id: string, levels: AsScored | null, base: Revision) => call<Saved>("rescore", { id, levels, base }),
  dashboard: () => call<Dashboard>("dashboard"),
  findings: () => call<CheckReport>("findings"),
  reference: () => call<Reference>("reference"),
  register: (query: RegisterQuery) => call<Register>("register", { query }),
  risk: (id: string) => call<RiskView>("risk", { id }),
  setFields: (id: string, edits: Assignment[], base: string, body: string | null = null) =>
    call<Saved>("set_fields", { id, edits, body, base }),
  saveSection: (id: string, heading: string, markdown: string, base: string) =>
    call<Saved>("save_section", { id, heading, markdown, base }),
  newRecord: (kind: RecordKind, id: string | null, edits: Assignment[]) =>
    call<Saved>("new_record", { kind, id, edits }),
  addAction: (id: string, fields: Assignment[], base: string) =>
    call<Saved>("add_action", { id, fields, base }),
  fileText: (path: string) => call<FileText>("file_text", { path }),
  saveFileText: (path: string, text: string, base: string) => call<string>("save_file_text", { path, text, base }),
  renderMarkdown: (markdown: string) => call<string>("render_markdown", { markdown }),
  soa: () => call<Soa>("soa"),
  treatmentPlan: () => call<TreatmentPlan>("treatment_plan"),
  auditProgramme: () => call<AuditProgramme>("audit_programme"),
  nonconformities: () => call<Nonconformities>("nonconformities"),
  closeRecord: (id: string) => call<Saved>("close_record", { id }),
  reviews: () => call<Reviews>("reviews"),
  reviewPack: (id: string) => call<ReviewPack>("review_pack", { id }),
  suppliers: () => call<Suppliers>("suppliers"),
  soc2: () => call<Soc2View>("soc2"),
  publishSecurityPage: (draft: boolean, passphrase: string | null) =>
    call<PublishedSite | null>("publish_security_page", { draft, passphrase }),
  auditPack: (rev: string, passphrase: string | null) => call<AuditPack | null>("audit_pack", { rev, passphrase }),
  packRevisions: () => call<PackRevision[]>("pack_revisions"),
  comparisonPreview: () => call<ComparisonPreview>("comparison_preview"),
  timeline: (id: string) => call<TimelineEntry[]>("timeline", { id }),
  pendingChanges: () => call<ChangesT>("pending_changes"),
  commit: (message: string, passphrase: string | null) =>
    call<Committed>("commit", { message, passphrase }),
  pull: (choices: FieldChoice[], passphrase: string | null) =>
    call<PullOutcome>("pull", { choices, passphrase }),
  push: (passphrase: string | null) => call<string>("push", { passphrase }),
  reportPreview: (kind: ReportKind) => call<ReportPreview>("report_preview", { kind }),
  exportPdf: (kind: ReportKind) => call<Exported | null>("export_pdf", { kind }),
  exportWorkbook: () => call<Exported | null>("export_workbook"),
  chooseSpreadsheet: () => call<string | null>("choose_spreadsheet"),
  importPlan: (path: string, options: ImportOptions) => call<ImportPlan>("import_plan", { path, options }),
  importApply: (path: string, options: ImportOptions, fingerprint: string) =>
    call<ImportPlan>("import_apply", { path, options, fingerprint }),
  saveImportMapping: (mapping: Mapping) => call<string | null>("save_import_mapping", { mapping }),
  loadImportMapping: (path: string | null) => call<[string, Mapping] | null>("load_import_mapping", { path }),
  signoffBoard: () => call<SignoffBoard>("signoff_board"),
  signoffStart: (kind: SignoffKind, subject: string | null, passphrase: string | null) =>
    call<Started>("signoff_start", { kind, subject, passphrase }),
  signoffSign: (id: string, approve: boolean, passphrase: string | null) =>
    call<Signed>("signoff_sign", { id, approve, passphrase }),
  signoffPush: (id: string, passphrase: string | null) =>
    call<Published>("signoff_push", { id, passphrase }),
  pinRootKey: (key: string) => call<void>("pin_root_key", { key }),
  documents: () => call<Documents>("documents"),
  assessments: () => call<Assessments>("assessments"),
  startNextAssessment: (on: string) => call<Saved>("start_next_assessment", { on }),
  settingsView: () => call<SettingsView>("settings_view"),
  choosePerson: (email: string) => call<SettingsView>("choose_person", { email }),
  chooseKeyFile: (path: string) => call<SettingsView>("choose_key_file", { path }),
  chooseAgentKey: (publicKey: string) => call<SettingsView>("choose_agent_key", { publicKey }),
  generateSigningKey: (path: string, passphrase: string) =>
    call<SettingsView>("generate_signing_key", { path, passphrase }),
  setRemote: (url: string) => call<SettingsView>("set_remote", { url }),
  saveForgeToken: (host: string, token: string) => call<SettingsView>("save_forge_token", { host, token }),
  /** Only in a `bench` build measuring its launch (Startup.measuring). */
  registerVisible: (rows: number) => call<void>("register_visible", { rows }),
};

export function onProgress(handler: (p: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>("progress", (event) => handler(event.payload));
}
