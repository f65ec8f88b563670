// hosts/provenance.js: how request ids are laid out in a Word document's custom properties (every value within
// desktop Word's 255 characters, numbered properties in order, oldest first) and read back.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_IDS, MAX_VALUE_LENGTH, PROPERTY, isProvenanceKey, isRequestId, keyAt, layout, plan, readIds, withId, withoutId,
} from "../../addin/hosts/provenance.js";

const id = (n) => n.toString(16).padStart(32, "0");  // a uuid4().hex-sized request id

test("ids fill DrafterAIEdits, then DrafterAIEdits2, ... never past 255 characters", () => {
  const ids = Array.from({ length: 20 }, (_, n) => id(n + 1));
  const properties = layout(ids);
  assert.deepEqual(properties.map((p) => p.key), [PROPERTY, `${PROPERTY}2`, `${PROPERTY}3`]);
  assert.ok(properties.every((p) => p.value.length <= MAX_VALUE_LENGTH));
  assert.equal(properties[0].value.split(" ").length, 7);  // 7 x 32 + 6 spaces = 230; an 8th would make 263
  assert.deepEqual(readIds(properties), ids);
  assert.deepEqual(layout([]), []);
});

test("a 64-character id (a load balancer's) still fits, and values stay within the limit", () => {
  const long = "a".repeat(64);
  const properties = layout([long, long.replace(/a$/, "b"), long.replace(/a$/, "c"), long.replace(/a$/, "d")]);
  assert.deepEqual(properties.map((p) => p.value.length), [194, 64]);
});

test("readIds orders numbered properties, ignores others and junk, and keeps each id once", () => {
  const properties = [
    { key: "Author note", value: id(99) },
    { key: `${PROPERTY}2`, value: `${id(3)} not-an-id!! ${id(1)}` },
    { key: "drafteraiedits", value: `  ${id(1)}\t${id(2)} ` },  // Word keys are case-insensitive
    { key: `${PROPERTY}10`, value: id(4) },
    { key: `${PROPERTY}X`, value: id(5) },
  ];
  assert.deepEqual(readIds(properties), [id(1), id(2), id(3), id(4)]);
  assert.deepEqual(readIds(undefined), []);
});

test("withId appends once and drops the oldest past MAX_IDS; withoutId removes", () => {
  assert.deepEqual(withId([id(1)], id(2)), { ids: [id(1), id(2)], changed: true });
  assert.deepEqual(withId([id(1)], id(1)), { ids: [id(1)], changed: false });
  const full = Array.from({ length: MAX_IDS }, (_, n) => id(n));
  const next = withId(full, id(MAX_IDS));
  assert.equal(next.ids.length, MAX_IDS);
  assert.equal(next.ids[0], id(1));
  assert.equal(next.ids.at(-1), id(MAX_IDS));
  assert.throws(() => withId([], "has space"), /Not a request id/);
  assert.deepEqual(withoutId([id(1), id(2)], id(1)), { ids: [id(2)], changed: true });
  assert.deepEqual(withoutId([id(1)], id(3)), { ids: [id(1)], changed: false });
});

test("plan writes only values that change and removes our properties no longer needed", () => {
  const eight = Array.from({ length: 8 }, (_, n) => id(n + 1));
  const current = [...layout(eight), { key: "Client", value: "Ministry" }];
  assert.deepEqual(plan(current, eight), { write: [], remove: [] });
  assert.deepEqual(plan(current, eight.slice(0, 7)), { write: [], remove: [`${PROPERTY}2`] });
  const nine = plan(current, [...eight, id(9)]);
  assert.deepEqual(nine, { write: [{ key: `${PROPERTY}2`, value: `${id(8)} ${id(9)}` }], remove: [] });
  assert.deepEqual(plan([{ key: "drafteraiedits", value: id(1) }], [id(1)]), { write: [], remove: [] });
});

test("keys and ids are recognised exactly", () => {
  assert.equal(keyAt(0), "DrafterAIEdits");
  assert.equal(keyAt(4), "DrafterAIEdits5");
  assert.ok(isProvenanceKey("DRAFTERAIEDITS12") && !isProvenanceKey("DrafterAIEditsOld") && !isProvenanceKey(undefined));
  assert.ok(isRequestId(id(1)) && isRequestId("lb-req.1234"));
  assert.ok(!isRequestId("short") && !isRequestId("a b c d e f") && !isRequestId("x".repeat(65)) && !isRequestId(7));
});
