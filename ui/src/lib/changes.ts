// How one changed field reads, the same on the History tab, the commit screen and
// sign-off.
import type { FieldChange } from "./types";

/** The change of a field's value: "2 → 4", "added 8.7; removed 8.31". */
export function describeChange(f: FieldChange): string {
  if (f.added?.length || f.removed?.length) {
    return [f.added?.length ? `added ${f.added.join(", ")}` : "", f.removed?.length ? `removed ${f.removed.join(", ")}` : ""]
      .filter(Boolean)
      .join("; ");
  }
  return `${f.before ?? "—"} → ${f.after ?? "—"}`;
}

/** The change with its field named, for running text: "likelihood 2 → 4". */
export function describeFieldChange(f: FieldChange): string {
  return `${f.field.replaceAll("_", " ")} ${describeChange(f)}`;
}
