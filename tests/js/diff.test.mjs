import assert from "node:assert/strict";
import { test } from "node:test";
import { diffWords, renderDiff, tokenize } from "../../addin/diff.js";

const joined = (parts, skip) => parts.filter((p) => p.type !== skip).map((p) => p.text).join("");
const words = (text) => text.split(/\s+/).filter(Boolean).join(" ");

test("tokens keep every character", () => {
  for (const text of ["", "  lead", "one two  three\n", "a\tb"]) assert.equal(tokenize(text).join(""), text);
});

const CASES = [
  ["same text", "The cat sat.", "The cat sat.", [{ type: "same", text: "The cat sat." }]],
  ["a word changed", "The cat sat.", "The dog sat.",
    [{ type: "same", text: "The " }, { type: "del", text: "cat " }, { type: "ins", text: "dog " }, { type: "same", text: "sat." }]],
  ["a word added", "pay now", "pay the fee now",
    [{ type: "same", text: "pay " }, { type: "ins", text: "the fee " }, { type: "same", text: "now" }]],
  ["a word removed", "do not stop", "do stop",
    [{ type: "same", text: "do " }, { type: "del", text: "not " }, { type: "same", text: "stop" }]],
  ["from nothing", "", "new text", [{ type: "ins", text: "new text" }]],
  ["to nothing", "old text", "", [{ type: "del", text: "old text" }]],
];

for (const [name, before, after, expected] of CASES) {
  test(`diff: ${name}`, () => {
    const parts = diffWords(before, after);
    assert.deepEqual(parts, expected);
    assert.equal(joined(parts, "del"), after);  // the result reads as the rewrite without deletions
  });
}

test("only spacing changed counts as the same words", () => {
  assert.deepEqual(diffWords("a  b", "a b"), [{ type: "same", text: "a b" }]);
});

test("past the limit there is no diff, but a long shared start and end do not count", () => {
  const series = (n, w) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(" ");
  assert.equal(diffWords(series(50, "x"), series(50, "y"), { limit: 40 }), null);
  const long = series(5000, "w");
  const parts = diffWords(`${long} end`, `${long} finish`, { limit: 10 });
  assert.ok(joined(parts, "del") === `${long} finish`);
  assert.ok(words(joined(parts, "ins")) === `${long} end`);
});

test("a diff of 4000 words each side finishes", () => {
  const a = Array.from({ length: 4000 }, (_, i) => `a${i % 97}`).join(" ");
  const b = Array.from({ length: 4000 }, (_, i) => `a${i % 89}`).join(" ");
  const parts = diffWords(a, b);
  assert.ok(joined(parts, "del") === b, "the rewrite reads whole");
  assert.ok(words(joined(parts, "ins")) === a, "the original's words read whole");
});

test("rendering uses elements and text only", () => {
  const made = [];
  const fakeDoc = {
    createTextNode: (text) => ({ kind: "text", text }),
    createElement: (tag) => { const node = { kind: tag, textContent: "" }; made.push(node); return node; },
  };
  const children = [];
  const container = { replaceChildren: () => children.splice(0), append: (node) => children.push(node) };
  renderDiff(container, diffWords("The cat <b>sat</b>", "The dog <b>sat</b>"), fakeDoc);
  assert.deepEqual(children.map((c) => c.kind), ["text", "del", "ins", "text"]);
  assert.equal(children[2].textContent, "dog ");
  assert.equal(children[3].text, "<b>sat</b>");
});
