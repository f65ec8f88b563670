// provenance.js (the pane's side): a stamp after each apply where the host can record one, the reason where a
// Word lacks WordApi 1.3, silence where the host never records (Outlook), a failed stamp reported without undoing
// anything, and an undo removing the id only when its apply was what added it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { checkCapabilities } from "../../addin/capabilities.js";
import { stampAfterApply, unstampAfterUndo } from "../../addin/provenance.js";

const ID = "0123456789abcdef0123456789abcdef";

function fakeHost(kind, sets = { WordApi: "1.3", Mailbox: "1.8" }, { failWith } = {}) {
  const calls = [];
  const ids = new Set();
  return {
    kind,
    calls,
    capabilities: () => checkCapabilities(kind, { isSetSupported: (set, v) => set in sets && Number(sets[set]) >= Number(v) }),
    async stampProvenance(id) {
      calls.push(["stamp", id]);
      if (failWith) throw new Error(failWith);
      const added = !ids.has(id);
      ids.add(id);
      return { added, ids: [...ids] };
    },
    async unstampProvenance(id) {
      calls.push(["unstamp", id]);
      return { removed: ids.delete(id), ids: [...ids] };
    },
  };
}

test("Word records the id; the same result applied again is recorded once", async () => {
  const host = fakeHost("word");
  assert.deepEqual(await stampAfterApply(host, ID), { state: "stamped", added: true, requestId: ID });
  assert.deepEqual(await stampAfterApply(host, ID), { state: "stamped", added: false, requestId: ID });
});

test("undo removes the id only when its apply added it", async () => {
  const host = fakeHost("word");
  const first = await stampAfterApply(host, ID);
  const second = await stampAfterApply(host, ID);
  assert.equal(await unstampAfterUndo(host, second), false);  // the first apply still stands: the id stays
  assert.deepEqual(host.calls.filter(([op]) => op === "unstamp"), []);
  assert.equal(await unstampAfterUndo(host, first), true);
  assert.deepEqual(host.calls.at(-1), ["unstamp", ID]);
  assert.equal(await unstampAfterUndo(host, null), false);
  assert.equal(await unstampAfterUndo(host, { state: "failed", requestId: ID, added: true }), false);
});

test("a Word without WordApi 1.3 says why, and is never asked", async () => {
  const host = fakeHost("word", { WordApi: "1.2" });
  assert.deepEqual(await stampAfterApply(host, ID), { state: "unavailable", requestId: ID,
    reason: "Recording request ids in the document's properties needs Word 2019 or Microsoft 365 (WordApi 1.3)." });
  assert.deepEqual(host.calls, []);
});

test("Outlook never records provenance and says nothing about it", async () => {
  for (const kind of ["outlook-compose", "outlook-read"]) {
    const host = fakeHost(kind);
    assert.equal(await stampAfterApply(host, ID), null, kind);
    assert.deepEqual(host.calls, []);
  }
});

test("no request id, or a host without the call: nothing", async () => {
  assert.equal(await stampAfterApply(fakeHost("word"), ""), null);
  assert.equal(await stampAfterApply({ kind: "word", capabilities: () => ({}) }, ID), null);
  assert.equal(await stampAfterApply({ kind: "word" }, ID), null);
});

test("a failed stamp is reported with its reason", async () => {
  const host = fakeHost("word", undefined, { failWith: "The document is read-only." });
  assert.deepEqual(await stampAfterApply(host, ID), { state: "failed", reason: "The document is read-only.", requestId: ID });
});
