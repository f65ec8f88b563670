// The pane's side of provenance: after an AI edit is applied in Word, its request id goes into the document's
// custom properties (the host does the writing, hosts/provenance.js the layout); undoing that edit takes the id
// out again, but only when that apply was what put it there (the same result applied twice stays recorded once
// and must survive undoing one of them). A stamp that fails never undoes the edit: the note says so instead.
import { requirementFor } from "./capabilities.js";

/**
 * Stamp `requestId` after an apply. Resolves with what to tell the user:
 *   {state: "stamped", added, requestId} | {state: "unavailable" | "failed", reason, requestId} | null (this
 *   host never records provenance, e.g. Outlook: nothing to say).
 */
export async function stampAfterApply(host, requestId) {
  const capability = typeof host?.capabilities === "function" ? host.capabilities()?.provenance : null;
  if (!requestId || !capability || typeof host.stampProvenance !== "function") return null;
  if (!capability.available) {
    // Only a host that could record it (Word without WordApi 1.3) says why it did not.
    return requirementFor("provenance", host.kind) ? { state: "unavailable", reason: String(capability.reason), requestId } : null;
  }
  try {
    const { added } = await host.stampProvenance(requestId);
    return { state: "stamped", added: !!added, requestId };
  } catch (err) {
    return { state: "failed", reason: String(err?.message ?? err), requestId };
  }
}

/** After undoing an apply whose stamp added `requestId`: remove it. Resolves true when it was removed. */
export async function unstampAfterUndo(host, stamp) {
  if (stamp?.state !== "stamped" || !stamp.added || typeof host?.unstampProvenance !== "function") return false;
  try {
    const { removed } = await host.unstampProvenance(stamp.requestId);
    return !!removed;
  } catch {
    return false;  // an id left behind over-reports an AI edit, which is the safe way to be wrong
  }
}
