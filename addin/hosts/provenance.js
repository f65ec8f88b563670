// Provenance in a Word document: the request ids of the AI edits applied to it, kept in its custom document
// properties (WordApi 1.3), so records management can trace a passage back to its audit record.
//
// Layout: DrafterAIEdits, DrafterAIEdits2, DrafterAIEdits3 ... each a string of request ids separated by
// spaces, oldest first. Desktop Word truncates a string property to 255 UTF-16 units (Word.CustomProperty.value
// in the Office.js reference; the file format and Word on the web allow more), so no value is longer than that.
// Several numbered properties rather than one: a request id is 32 characters, so a single property would keep
// only the 7 most recent edits and silently lose the document's earlier history. MAX_IDS bounds the whole
// (about 70 properties); beyond it the oldest ids go first, and the audit log still holds every job.
// Pure: the Word host and the preview host read and write the properties; this decides their values.

export const PROPERTY = "DrafterAIEdits";
export const MAX_VALUE_LENGTH = 255;
export const MAX_IDS = 500;

// The service's request ids (server/api/__init__.py): no spaces, so a space separates them safely.
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
// Property keys are case-insensitive in Word: DrafterAIEdits, drafteraiedits2 ...
const KEY = new RegExp(`^${PROPERTY}(\\d*)$`, "i");

export function isRequestId(id) {
  return typeof id === "string" && REQUEST_ID.test(id);
}

/** The key of the n-th property (0-based): DrafterAIEdits, DrafterAIEdits2, ... */
export function keyAt(index) {
  return index === 0 ? PROPERTY : `${PROPERTY}${index + 1}`;
}

/** Whether a custom property key is one of ours. */
export function isProvenanceKey(key) {
  return KEY.test(String(key ?? ""));
}

/** The ids recorded in a document's custom properties [{key, value}], oldest first, each once. */
export function readIds(properties) {
  const ours = [];
  for (const { key, value } of properties ?? []) {
    const match = KEY.exec(String(key ?? ""));
    if (match) ours.push({ order: match[1] ? Number(match[1]) : 1, value: String(value ?? "") });
  }
  ours.sort((a, b) => a.order - b.order);
  const ids = [];
  for (const { value } of ours) {
    for (const id of value.split(/\s+/)) if (isRequestId(id) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The ids as properties [{key, value}], each value at most MAX_VALUE_LENGTH long. */
export function layout(ids) {
  const properties = [];
  let value = "";
  for (const id of ids) {
    if (value && value.length + 1 + id.length > MAX_VALUE_LENGTH) {
      properties.push({ key: keyAt(properties.length), value });
      value = "";
    }
    value = value ? `${value} ${id}` : id;
  }
  if (value) properties.push({ key: keyAt(properties.length), value });
  return properties;
}

/** `ids` with `id` appended (once), the oldest dropped beyond MAX_IDS. */
export function withId(ids, id) {
  if (!isRequestId(id)) throw new TypeError(`Not a request id: ${id}`);
  if (ids.includes(id)) return { ids, changed: false };
  return { ids: [...ids, id].slice(-MAX_IDS), changed: true };
}

/** `ids` without `id`. */
export function withoutId(ids, id) {
  if (!ids.includes(id)) return { ids, changed: false };
  return { ids: ids.filter((other) => other !== id), changed: true };
}

/**
 * What to do to the document's properties so they hold `ids`: `write` [{key, value}] (add creates or sets),
 * then `remove` [key] for our properties no longer needed (a shorter list after an undo).
 */
export function plan(properties, ids) {
  const write = layout(ids);
  const kept = new Set(write.map(({ key }) => key.toLowerCase()));
  const current = new Map((properties ?? []).map(({ key, value }) => [String(key).toLowerCase(), String(value ?? "")]));
  return {
    write: write.filter(({ key, value }) => current.get(key.toLowerCase()) !== value),
    remove: (properties ?? []).map(({ key }) => String(key)).filter((key) => isProvenanceKey(key) && !kept.has(key.toLowerCase())),
  };
}
