// What the policy guard did to a job, in plain words for the result panel: ids replaced by placeholders, a
// marked text sent to another model, contacts sent as they are. Pure: result.guard in, sentences out (the pane
// sets them as text). Nothing at all when nothing was found, or when the guard is off.
//
// result.guard (server/governance/guard.py): {enabled, findings: [{type, count, action}], actions, endpoint?}.
// A blocked job never gets here: it is a 403 whose message the error box shows.

// Markings and labels are named by their category; personal data by what it is.
const MARKINGS = new Set(["top_secret", "secret", "confidential", "restricted", "official_sensitive", "cui"]);
const PERSONAL = new Set(["ssn", "card", "iban", "nir", "nino", "phone", "email"]);

/** The findings of one action, valid ones only: [{type, count}]. */
function findingsFor(guard, action) {
  const findings = Array.isArray(guard?.findings) ? guard.findings : [];
  return findings
    .filter((f) => f && f.action === action && (MARKINGS.has(f.type) || PERSONAL.has(f.type)))
    .map((f) => ({ type: f.type, count: Number.isInteger(f.count) && f.count > 0 ? f.count : 1 }));
}

/** "a, b and c" in the pane's language. */
export function listOf(items, language) {
  try {
    return new Intl.ListFormat(language, { type: "conjunction" }).format(items);
  } catch {
    return items.join(", ");
  }
}

/** A finding with its count: "an email address", "2 phone numbers", "a SECRET marking". */
export function counted({ type, count }, t) {
  if (MARKINGS.has(type)) return t(count === 1 ? "guard.marking.one" : "guard.marking.many", { name: t(`guard.name.${type}`), count });
  return t(count === 1 ? `guard.count.${type}.one` : `guard.count.${type}.many`, { count });
}

/**
 * The guard's report as sentences, strongest action first (route, redact, warn); [] when there is nothing to say.
 * @param {object} guard   result.guard
 * @param {(key: string, params?: object) => string} t
 * @param {string} [language]  for joining lists ("and" / "et")
 */
export function describeGuard(guard, t, language = "en") {
  if (!guard || typeof guard !== "object" || guard.enabled === false) return [];
  const sentences = [];

  const routed = findingsFor(guard, "route");
  if (routed.length) {
    const where = typeof guard.endpoint === "string" && guard.endpoint
      ? t("guard.endpoint", { endpoint: guard.endpoint }) : t("guard.endpointUnnamed");
    const markings = routed.filter((f) => MARKINGS.has(f.type));
    sentences.push(markings.length
      ? t("guard.route.marked", { where, markings: listOf(markings.map((f) => t(`guard.name.${f.type}`)), language) })
      : t("guard.route.contains", { where, what: listOf(routed.map((f) => counted(f, t)), language) }));
  }

  const redacted = findingsFor(guard, "redact");
  if (redacted.length) {
    const count = redacted.reduce((total, f) => total + f.count, 0);
    const names = redacted.map((f) => t(`guard.name.${f.type}`)).join(", ");
    sentences.push(t(count === 1 ? "guard.redact.one" : "guard.redact.many", { count, names }));
  }

  const warned = findingsFor(guard, "warn");
  if (warned.length) sentences.push(t("guard.warn", { what: listOf(warned.map((f) => counted(f, t)), language) }));
  return sentences;
}
