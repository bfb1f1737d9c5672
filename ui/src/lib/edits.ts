// Field edits as the core takes them: a dotted field path, an operation and the value
// as a person would type it. The core validates them by parsing the record back.
import type { Assignment } from "./types";

/** Sets `field` (dotted: `actions.A2.status`) to `value`; `null` removes it. */
export function setField(field: string, value: unknown): Assignment {
  return { path: field.split("."), operation: "set", value: text(value) };
}

/** The edits of a form: each `[field, typed, saved]` whose typed text differs from the
 * saved one is set to it (an empty text removes the field). */
export function changedFields(fields: [string, string, string][]): Assignment[] {
  return fields.filter(([, typed, saved]) => typed !== saved).map(([field, typed]) => setField(field, typed || null));
}

/** Adds `item` to the list `field`. */
export function addTo(field: string, item: string): Assignment {
  return { path: field.split("."), operation: "add", value: item };
}

/** Removes `item` from the list `field`. */
export function removeFrom(field: string, item: string): Assignment {
  return { path: field.split("."), operation: "remove", value: item };
}

/** A value as it is written in front matter: lists as `[a, b]`, nothing as empty. */
function text(v: unknown): string {
  if (v == null) return "";
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(String(x))).join(", ")}]`;
  return String(v);
}
