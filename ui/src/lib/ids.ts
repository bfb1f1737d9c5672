// How ids are shown to people: the first 12 hex digits of a commit, as the core and
// git show them (isms_core::git::short_id).

/** The first 12 characters of a commit id. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}
