// Capability flags from a mocked Office.context.requirements.isSetSupported, with their one-line reasons.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OfficeMockObject } from "office-addin-mock";

import { checkCapabilities, languageOf, requirementFor, supports } from "../../addin/capabilities.js";
import { FEATURES, HostError, requireCapability } from "../../addin/hosts/host.js";

function requirements(sets) {
  const asked = [];
  const mock = new OfficeMockObject({
    host: "outlook",
    context: {
      requirements: {
        isSetSupported(set, version) {
          asked.push([set, version]);
          return set in sets && Number(sets[set]) >= Number(version ?? 0);
        },
      },
    },
  });
  return { requirements: mock.context.requirements, asked };
}

test("every feature is reported for every kind, each with a reason when off", () => {
  for (const kind of ["word", "outlook-read", "outlook-compose", "preview"]) {
    const capabilities = checkCapabilities(kind, requirements({ WordApi: "1.4", Mailbox: "1.8" }).requirements);
    assert.deepEqual(Object.keys(capabilities), [...FEATURES]);
    for (const [feature, { available, reason }] of Object.entries(capabilities)) {
      assert.equal(typeof available, "boolean", feature);
      if (available) assert.equal(reason, "", feature);
      else assert.match(reason, /^[^\n]{10,160}$/, `${kind} ${feature}`);
    }
  }
});

for (const [kind, sets, feature, available, reason] of [
  ["word", { WordApi: "1.4" }, "trackedChanges", true, ""],
  ["word", { WordApi: "1.3" }, "trackedChanges", false, "Tracked changes need Word 2021 or Microsoft 365 (WordApi 1.4)."],
  ["word", { WordApi: "1.3" }, "comments", false, "Comments need Word 2021 or Microsoft 365 (WordApi 1.4)."],
  ["word", { WordApi: "1.1" }, "insertDocx", true, ""],
  ["word", { WordApi: "1.3" }, "citations", true, ""],
  ["word", { WordApi: "1.2" }, "citations", false, "Jumping to a source needs a newer Word (WordApi 1.3)."],
  ["word", { WordApi: "1.4" }, "fileAsDocx", false, "This Word cannot hand over the whole file; the document's text is summarized instead."],
  ["word", { WordApi: "1.4", CompressedFile: "1.1" }, "fileAsDocx", true, ""],
  ["word", {}, "readSelection", false, "Reading the selection needs a newer Office (WordApi 1.1 or Mailbox 1.2)."],
  ["word", { WordApi: "1.4" }, "attachments", false, "Attachments are read only from a message you are reading."],
  ["outlook-read", { Mailbox: "1.8" }, "attachments", true, ""],
  ["outlook-read", { Mailbox: "1.7" }, "attachments", false,
    "Reading attachments needs Outlook 2021, Microsoft 365 or Outlook on the web (Mailbox 1.8)."],
  ["outlook-read", { Mailbox: "1.1" }, "replyForm", true, ""],
  ["outlook-read", { Mailbox: "1.4" }, "pinning", false,
    "Keeping the pane open across messages needs Outlook 2019 or later (Mailbox 1.5)."],
  ["outlook-read", { Mailbox: "1.8" }, "replace", false, "A message you are reading cannot be edited; draft a reply instead."],
  ["outlook-compose", { Mailbox: "1.2" }, "readSelection", true, ""],
  ["outlook-compose", { Mailbox: "1.2" }, "undo", false,
    "Undo needs a newer Office (WordApi 1.1 or Mailbox 1.3); use Ctrl+Z instead."],
  ["outlook-compose", { Mailbox: "1.8" }, "replyForm", false, "Replies open only from a message you are reading."],
  ["word", { WordApi: "1.3" }, "provenance", true, ""],
  ["word", { WordApi: "1.2" }, "provenance", false,
    "Recording request ids in the document's properties needs Word 2019 or Microsoft 365 (WordApi 1.3)."],
  ["outlook-compose", { Mailbox: "1.8" }, "provenance", false, "Request ids are recorded only in the properties of Word documents."],
]) {
  test(`${kind} ${feature} with ${JSON.stringify(sets)}: ${available}`, () => {
    const { requirements: mocked, asked } = requirements(sets);
    assert.deepEqual(checkCapabilities(kind, mocked)[feature], { available, reason });
    const need = requirementFor(feature, kind);
    if (need) assert.ok(asked.some(([set, version]) => set === need[0] && version === need[1]));
  });
}

test("reasons come in French for a French display language", () => {
  const { requirements: mocked } = requirements({ WordApi: "1.3" });
  assert.equal(checkCapabilities("word", mocked, "fr-CA").trackedChanges.reason,
    "Les modifications suivies nécessitent Word 2021 ou Microsoft 365 (WordApi 1.4).");
  assert.equal(checkCapabilities("word", mocked, "en-GB").trackedChanges.reason,
    "Tracked changes need Word 2021 or Microsoft 365 (WordApi 1.4).");
});

test("languageOf picks fr for any French tag and en otherwise", () => {
  assert.deepEqual(["fr", "fr-FR", "FR-ca", "fr_CA", " fr-BE ", "en-US", "de", "", undefined, "frisian"].map(languageOf),
    ["fr", "fr", "fr", "fr", "fr", "en", "en", "en", "en", "en"]);
});

test("no Office, or an isSetSupported that throws, means nothing is available", () => {
  assert.equal(supports(undefined, "WordApi", "1.1"), false);
  assert.equal(supports({ isSetSupported() { throw new Error("not ready"); } }, "WordApi", "1.1"), false);
  const capabilities = checkCapabilities("word", undefined);
  assert.ok(Object.values(capabilities).every((c) => !c.available));
});

test("requireCapability throws the reason as a HostError, and passes when available", () => {
  const { requirements: mocked } = requirements({ WordApi: "1.3" });
  const capabilities = checkCapabilities("word", mocked);
  assert.throws(() => requireCapability(capabilities, "comments"),
    (error) => error instanceof HostError && error.message === capabilities.comments.reason);
  assert.doesNotThrow(() => requireCapability(capabilities, "replace"));
  assert.throws(() => requireCapability(capabilities, "teleport"), /Unknown feature/);
});
