// The words and colours of bands. Which band a score falls in is the core's to say:
// the app receives bands with every rating and never works one out. The names and
// tones (0 the worst band, 5 the best) are the methodology's, as the core sends it.
import { app } from "./app.svelte";
import type { Band, BandRule } from "./types";

/** The methodology's rule for `band`, when the opened ISMS has one. */
export function bandRule(band: Band | null | undefined): BandRule | undefined {
  return band ? app.reference?.methodology.bands.find((b) => b.band === band) : undefined;
}

/** The band's name for people, or "Unscored". */
export function label(band: Band | null | undefined): string {
  return band ? (bandRule(band)?.name ?? band) : "Unscored";
}

/** The CSS class of a band's colour: `tone-0` … `tone-5`, or `none`. */
export function toneClass(band: Band | null | undefined): string {
  const rule = bandRule(band);
  return rule ? `tone-${rule.tone}` : "none";
}
