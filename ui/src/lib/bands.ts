// Bands as the methodology in isms.yaml defines them: the app never hard-codes edges.
import type { Band, BandRule } from "./types";

export function bandOf(bands: BandRule[], score: number | null | undefined): Band | null {
  if (score == null) return null;
  return bands.find((b) => score >= b.min && score <= b.max)?.band ?? null;
}

export const bandLabel: Record<Band, string> = {
  unacceptable: "Unacceptable",
  manage: "Manage",
  acceptable: "Acceptable",
};

export function label(band: Band | null | undefined): string {
  return band ? bandLabel[band] : "Unscored";
}
