// The app's shared state: what is open, which screen shows, and passing notices.
import type { Band, Opened, Progress, Reference, SignoffKind } from "./types";

/** What the dashboard opened the register on: a band tile or a heat-map cell. */
export type Drill = { residual: boolean; band?: Band; likelihood?: number; impact?: number; toBeRescored?: boolean };

export type View = "open" | "dashboard" | "register" | "risk" | "soa" | "treatments" | "reports" | "signoff" | "sync" | "documents" | "assessments" | "audits" | "nonconformities" | "reviews" | "suppliers" | "soc2" | "publish" | "settings" | "methodology" | "import" | "file";

export const app = $state({
  view: "open" as View,
  riskId: null as string | null,
  /** A filter the dashboard hands to the register, taken once. */
  drill: null as Drill | null,
  /** The file open in the plain-text editor (a file that does not load). */
  filePath: null as string | null,
  /** The line to select when the file opens (a finding's). */
  fileLine: null as number | null,
  opened: null as Opened | null,
  reference: null as Reference | null,
  progress: null as Progress | null,
  notice: null as { kind: "ok" | "error" | "info"; text: string } | null,
  recent: [] as string[],
  /** Bumped after every save or commit, so lists reload. */
  revision: 0,
  /** The register's search box, shared with Ctrl+K. */
  searchFocus: 0,
  /** The new-risk form is open. */
  newRisk: false,
  /** The risk the treatment plan opens a new treatment for, taken once. */
  newTreatmentFor: null as string | null,
  /** The finding the Nonconformities screen shows first, taken once. */
  findingId: null as string | null,
  /** The controlled document the Documents screen opens, taken once. */
  documentId: null as string | null,
  /** The sign-off the Sign-off screen proposes to start (kind and record), taken once. */
  signoffFor: null as { kind: SignoffKind; subject: string } | null,
  /** The treatment the treatment plan scrolls to, taken once. */
  treatmentId: null as string | null,
  /** The launch is being measured (a `bench` build started with --report-ready). */
  measuring: false,
});

export function go(view: View, riskId: string | null = null) {
  app.view = view;
  app.riskId = riskId;
}

/** Opens the treatment plan with a new treatment for `riskId`. */
export function treat(riskId: string) {
  app.newTreatmentFor = riskId;
  go("treatments");
}

/** Opens controlled document `id` on the Documents screen. */
export function showDocument(id: string) {
  app.documentId = id;
  go("documents");
}

/** Opens finding `id` on the Nonconformities screen. */
export function showFinding(id: string) {
  app.findingId = id;
  go("nonconformities");
}

/** Opens the Sign-off screen ready to put record `subject` up for a `kind` sign-off. */
export function putUpForSignoff(kind: SignoffKind, subject: string) {
  app.signoffFor = { kind, subject };
  go("signoff");
}

/** Opens the treatment plan at treatment `id`. */
export function showTreatment(id: string) {
  app.treatmentId = id;
  go("treatments");
}

/** Opens the register on the risks a dashboard tile or heat-map cell counts. */
export function drill(d: Drill) {
  app.drill = d;
  go("register");
}

/** Opens a file in the plain-text editor, to mend it. */
export function mend(path: string, line: number | null = null) {
  app.filePath = path;
  app.fileLine = line;
  app.view = "file";
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
export function notify(text: string, kind: "ok" | "error" | "info" = "ok") {
  app.notice = { kind, text };
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (app.notice = null), kind === "error" ? 8000 : 4000);
}

export function changed() {
  app.revision += 1;
}

/** A role by its title, as isms.yaml names it (the id when it names no role). */
export function roleTitle(id: string): string {
  return app.reference?.roles.find((r) => r.id === id)?.label ?? id;
}

/** A risk domain by its name, as isms.yaml names it. */
export function domainTitle(id: string): string {
  return app.reference?.domains.find((d) => d.id === id)?.label ?? id;
}
