// How one changed field reads, the same on the History tab and the commit screen.
import type { FieldChange } from "./types";

export function describeChange(f: FieldChange): string {
  if (f.added?.length || f.removed?.length) {
    return [f.added?.length ? `added ${f.added.join(", ")}` : "", f.removed?.length ? `removed ${f.removed.join(", ")}` : ""]
      .filter(Boolean)
      .join("; ");
  }
  return `${f.before ?? "—"} → ${f.after ?? "—"}`;
}
