// Putting a result back into the document: the "Apply as" choices, what this host can do (capabilities), and
// a fallback for hosts that only have the original preview calls (replaceSelection, insertAtCursor).
import { HostError } from "./hosts/host.js";

/** The apply choices in display order: `as` for host.applyResult, `feature` its capability key. */
export const APPLY_OPTIONS = Object.freeze([
  { as: "replace", feature: "replace" },
  { as: "tracked", feature: "trackedChanges" },
  { as: "below", feature: "insertBelow" },
  { as: "comment", feature: "comments" },
]);

// A host without capabilities() is an older stand-in: it can do what its methods say and nothing more.
const FALLBACK_METHOD = { replace: "replaceSelection", insertBelow: "insertAtCursor", undo: "undoLastApply",
  citations: "selectParagraph" };

/** {feature: {available, reason}} for the features the pane uses, from the host or from its methods. */
export function capabilitiesOf(host, t) {
  const own = typeof host?.capabilities === "function" ? host.capabilities() ?? {} : null;
  const result = {};
  for (const feature of ["replace", "trackedChanges", "insertBelow", "comments", "undo", "citations"]) {
    if (own) {
      const capability = own[feature];
      result[feature] = capability && typeof capability.available === "boolean"
        ? { available: capability.available, reason: capability.available ? "" : String(capability.reason || t("apply.notHere")) }
        : { available: false, reason: t("apply.notHere") };
    } else {
      const method = FALLBACK_METHOD[feature];
      const available = !!method && typeof host?.[method] === "function";
      result[feature] = { available, reason: available ? "" : t("apply.notHere") };
    }
  }
  return result;
}

/** Apply `text` as one of APPLY_OPTIONS' `as`, through applyResult when the host has it. */
export async function applyResult(host, text, as) {
  if (typeof host.applyResult === "function") return host.applyResult(text, { as });
  if (as === "replace" && typeof host.replaceSelection === "function") return host.replaceSelection(text);
  if (as === "below" && typeof host.insertAtCursor === "function") return host.insertAtCursor(text);
  throw new HostError(`Cannot apply as ${as} here.`);
}

/** Whether the host can undo its last apply now (false for hosts without undo). */
export function canUndo(host) {
  try {
    return typeof host.canUndo === "function" && !!host.canUndo();
  } catch {
    return false;
  }
}
