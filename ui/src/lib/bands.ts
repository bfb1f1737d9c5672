// The words for bands. Which band a score falls in is the core's to say: the app
// receives bands with every rating and never works one out.
import type { Band } from "./types";

export const bandLabel: Record<Band, string> = {
  unacceptable: "Unacceptable",
  manage: "Manage",
  acceptable: "Acceptable",
};

export function label(band: Band | null | undefined): string {
  return band ? bandLabel[band] : "Unscored";
}
