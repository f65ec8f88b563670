// flows.js: which drafts count as formatted (inserted into Word as a rendered .docx) and the plain text of a
// draft (what goes in through insertText, and what the preview shows of a .docx).
import assert from "node:assert/strict";
import { test } from "node:test";

import { isFormatted, plainText } from "../../addin/flows.js";

test("headings, lists, tables, quotes, fences, bold, italic and links are formatting", () => {
  for (const text of ["# Update\n\nText", "Intro\n## Next steps", "- one\n- two", "* one", "1. first", "2) second",
    "| a | b |\n| - | - |", "> quoted", "```\ncode\n```", "Some **bold** text", "an *italic* word.", "an _italic_ word",
    "see [the site](https://x.gov)"]) {
    assert.equal(isFormatted(text), true, JSON.stringify(text));
  }
});

test("ordinary prose, figures and stray symbols are plain", () => {
  for (const text of ["Thank you all. The report is due Friday.", "Rates rose 5 * 3 times", "2023-24 results: 4.2 million",
    "Call me at 3 pm - or later", "snake_case_name here", "A 5*2 grid", "Dear Jordan,\n\nThanks for the update.\n\nBest,\nAda", ""]) {
    assert.equal(isFormatted(text), false, JSON.stringify(text));
  }
});

test("plainText drops heading marks, emphasis and link syntax, and keeps list markers and lines", () => {
  assert.equal(plainText("# Update\n\n- The **pilot** ended.\n- See [the report](https://x.gov/r)."),
    "Update\n\n- The pilot ended.\n- See the report (https://x.gov/r).");
  assert.equal(plainText("An *italic* and a __bold__ word."), "An italic and a bold word.");
  assert.equal(plainText("Rates rose 5 * 3 times"), "Rates rose 5 * 3 times");
  assert.equal(plainText(undefined), "");
});
