// Work that signs with the person's SSH key: if the key needs its passphrase, the
// backend answers `passphrase_required`; the screen then shows a passphrase field and
// the same action, tried again, sends it once. The passphrase is never kept after use.
import type { CommandError } from "./types";

export class SigningWork {
  /** Something is running: buttons wait. */
  busy = $state(false);
  /** The last failure's message. */
  problem = $state<string | null>(null);
  /** The passphrase typed for the next attempt. */
  passphrase = $state("");
  /** The action that asked for a passphrase, if any. */
  needsPassphrase = $state<string | null>(null);

  /** Runs `work` as action `what`, with the passphrase when this action asked for it. */
  async attempt(what: string, work: (passphrase: string | null) => Promise<void>) {
    this.busy = true;
    this.problem = null;
    try {
      await work(this.needsPassphrase === what ? this.passphrase : null);
      this.needsPassphrase = null;
      this.passphrase = "";
    } catch (e) {
      const err = e as CommandError;
      if (err.code === "passphrase_required") this.needsPassphrase = what;
      else this.problem = err.message;
    } finally {
      this.busy = false;
    }
  }
}
