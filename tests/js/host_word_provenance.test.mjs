// The Word host's provenance stamp against office-addin-mock: the custom properties are loaded and synced
// before they are read (the mock answers an error string otherwise), only changed values are written with
// CustomPropertyCollection.add, emptied ones deleted, everything in one Word.run; WordApi 1.3 is checked first.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OfficeMockObject } from "office-addin-mock";

import { HostError } from "../../addin/hosts/host.js";
import { MAX_VALUE_LENGTH } from "../../addin/hosts/provenance.js";
import { WordHost } from "../../addin/hosts/word.js";

const id = (n) => n.toString(16).padStart(32, "0");

/** A Word whose document has `properties` ({key: value}) as custom properties; `log` lists the calls made. */
function wordWithProperties(properties = {}, { sets = { WordApi: "1.3" }, failSync = false } = {}) {
  const log = [];
  const store = new Map(Object.entries(properties).map(([key, value]) => [key.toLowerCase(), { key, value }]));
  let collection;
  // Word's state after a write, as the next load would see it (setValue also makes it "not loaded" again).
  const refresh = () => collection.setValue("items", [...store.values()].map(item));
  const item = ({ key, value }) => ({
    key, value,
    delete() {
      log.push(["delete", key]);
      store.delete(key.toLowerCase());
      refresh();
    },
  });
  const mock = new OfficeMockObject({
    context: {
      document: {
        properties: {
          customProperties: {
            items: [],
            add(key, value) {  // creates or sets, by key case-insensitively, as Word does
              log.push(["add", key, value]);
              const existing = store.get(key.toLowerCase());
              store.set(key.toLowerCase(), { key: existing?.key ?? key, value });
              refresh();
            },
          },
        },
      },
    },
    async run(batch) {
      log.push(["run"]);
      return batch(this.context);
    },
  });
  collection = mock.context.document.properties.customProperties;
  refresh();
  const realSync = mock.context.sync.bind(mock.context);
  mock.context.sync = async () => {
    log.push(["sync"]);
    if (failSync && log.filter((e) => e[0] === "sync").length === 2) throw new Error("GeneralException: the document is read-only");
    return realSync();
  };
  const office = new OfficeMockObject({
    host: "outlook",  // Office's common API has no load/sync rules
    context: {
      displayLanguage: "en-US",
      requirements: { isSetSupported: (set, version) => set in sets && Number(sets[set]) >= Number(version) },
    },
  });
  const saved = () => Object.fromEntries([...store.values()].map(({ key, value }) => [key, value]));
  return { host: new WordHost({ Word: mock, Office: office }), log, saved };
}

test("the first stamp loads the properties, syncs, then adds DrafterAIEdits in the same batch", async () => {
  const { host, log, saved } = wordWithProperties({ Client: "Ministry of Works" });
  assert.deepEqual(await host.stampProvenance(id(1)), { added: true, ids: [id(1)] });
  assert.deepEqual(log, [["run"], ["sync"], ["add", "DrafterAIEdits", id(1)], ["sync"]]);
  assert.deepEqual(saved(), { Client: "Ministry of Works", DrafterAIEdits: id(1) });
  assert.deepEqual(await host.stampProvenance(id(2)), { added: true, ids: [id(1), id(2)] });  // reads what it wrote
  assert.deepEqual(saved(), { Client: "Ministry of Works", DrafterAIEdits: `${id(1)} ${id(2)}` });
});

test("an id already recorded is not written again", async () => {
  const { host, log } = wordWithProperties({ DrafterAIEdits: `${id(1)} ${id(2)}` });
  assert.deepEqual(await host.stampProvenance(id(1)), { added: false, ids: [id(1), id(2)] });
  assert.deepEqual(log, [["run"], ["sync"]]);
});

test("the eighth id goes into DrafterAIEdits2: no value passes desktop Word's 255 characters", async () => {
  const seven = Array.from({ length: 7 }, (_, n) => id(n + 1)).join(" ");
  const { host, log, saved } = wordWithProperties({ DrafterAIEdits: seven });
  await host.stampProvenance(id(8));
  assert.deepEqual(log.filter((e) => e[0] === "add"), [["add", "DrafterAIEdits2", id(8)]]);
  assert.ok(Object.values(saved()).every((value) => value.length <= MAX_VALUE_LENGTH));
});

test("unstamp removes the id; a property left empty is deleted, others are left alone", async () => {
  const seven = Array.from({ length: 7 }, (_, n) => id(n + 1)).join(" ");
  const { host, log, saved } = wordWithProperties({ DrafterAIEdits: seven, DrafterAIEdits2: id(8), Client: "x" });
  assert.deepEqual(await host.unstampProvenance(id(8)), { removed: true, ids: seven.split(" ") });
  assert.deepEqual(log, [["run"], ["sync"], ["delete", "DrafterAIEdits2"], ["sync"]]);
  assert.deepEqual(saved(), { DrafterAIEdits: seven, Client: "x" });
  log.length = 0;
  assert.deepEqual(await host.unstampProvenance(id(42)), { removed: false, ids: seven.split(" ") });
  assert.deepEqual(log, [["run"], ["sync"]]);
});

test("removing an early id moves the later ones down and frees the last property", async () => {
  const eight = Array.from({ length: 8 }, (_, n) => id(n + 1));
  const { host, saved } = wordWithProperties({ DrafterAIEdits: eight.slice(0, 7).join(" "), DrafterAIEdits2: id(8) });
  await host.unstampProvenance(id(1));
  assert.deepEqual(saved(), { DrafterAIEdits: eight.slice(1).join(" ") });
});

test("a key Word stored in other case is the same property", async () => {
  const { host, log, saved } = wordWithProperties({ drafteraiedits: id(1) });
  await host.stampProvenance(id(2));
  assert.deepEqual(log.filter((e) => e[0] !== "run" && e[0] !== "sync"), [["add", "DrafterAIEdits", `${id(1)} ${id(2)}`]]);
  assert.deepEqual(saved(), { drafteraiedits: `${id(1)} ${id(2)}` });
});

test("without WordApi 1.3 the stamp is refused with the capability's reason before touching Word", async () => {
  const { host, log } = wordWithProperties({}, { sets: { WordApi: "1.2" } });
  const reason = "Recording request ids in the document's properties needs Word 2019 or Microsoft 365 (WordApi 1.3).";
  assert.deepEqual(host.capabilities().provenance, { available: false, reason });
  await assert.rejects(host.stampProvenance(id(1)), (error) => error instanceof HostError && error.message === reason);
  await assert.rejects(host.unstampProvenance(id(1)), (error) => error instanceof HostError && error.message === reason);
  assert.deepEqual(log, []);
});

test("something that is not a request id is refused before touching Word", async () => {
  const { host, log } = wordWithProperties();
  await assert.rejects(host.stampProvenance("x y"), (error) => error instanceof HostError && /Not a request id/.test(error.message));
  assert.deepEqual(log, []);
});

test("a failed write surfaces as a plain HostError", async () => {
  const { host } = wordWithProperties({}, { failSync: true });
  await assert.rejects(host.stampProvenance(id(1)), (error) => {
    assert.ok(error instanceof HostError);
    assert.equal(error.message, "GeneralException: the document is read-only");
    return true;
  });
});

test("reading the properties before sync would be caught: the mock answers an error string", async () => {
  // Guards the guard: if the host read items before context.sync(), it would get this string, not an array.
  const { host } = wordWithProperties({ DrafterAIEdits: id(1) });
  const collection = host.Word.context.document.properties.customProperties;
  collection.load("items");
  assert.match(String(collection.items), /^Error, /);
  await host.Word.context.sync();
  assert.equal(collection.items.length, 1);
});
