// A word-level diff of an original against its rewrite, for the pane's "Changes" view. Words are compared
// without their trailing spaces; the spaces shown are the rewrite's (or the original's, for deleted words).
// Bounded: past `limit` words on either side (after the common start and end are set aside) there is no diff,
// since the table is words x words.

export const DIFF_WORD_LIMIT = 4000;

/** The text as tokens: each word with the spaces after it; leading spaces are a token of their own. */
export function tokenize(text) {
  return String(text ?? "").match(/^\s+|\S+\s*/g) ?? [];
}

const key = (token) => token.trim();

/**
 * [{type: "same" | "del" | "ins", text}] turning `before` into `after`, adjacent parts of one type merged;
 * null when either side has more than `limit` differing words.
 */
export function diffWords(before, after, { limit = DIFF_WORD_LIMIT } = {}) {
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && key(a[start]) === key(b[start])) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && key(a[endA - 1]) === key(b[endB - 1])) { endA -= 1; endB -= 1; }
  const n = endA - start;
  const m = endB - start;
  if (n > limit || m > limit) return null;

  const parts = [];
  const push = (type, text) => {
    const last = parts[parts.length - 1];
    if (last && last.type === type) last.text += text;
    else if (text) parts.push({ type, text });
  };
  for (let i = 0; i < start; i += 1) push("same", b[i]);

  // lcs[i][j]: the longest common subsequence of a[start+i..endA) and b[start+j..endB), in one flat array.
  const width = m + 1;
  const lcs = new (n < 65535 && m < 65535 ? Uint16Array : Uint32Array)((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = key(a[start + i]) === key(b[start + j])
        ? lcs[(i + 1) * width + j + 1] + 1
        : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && key(a[start + i]) === key(b[start + j])) {
      push("same", b[start + j]);
      i += 1;
      j += 1;
    } else if (i < n && (j === m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
      push("del", a[start + i]);  // deletions first, so a changed word reads "old new"
      i += 1;
    } else {
      push("ins", b[start + j]);
      j += 1;
    }
  }
  for (let k = endB; k < b.length; k += 1) push("same", b[k]);
  return parts;
}

/** Draw diff parts into `container` as text, <del> and <ins> (createElement + textContent only). */
export function renderDiff(container, parts, doc = container.ownerDocument) {
  container.replaceChildren();
  for (const part of parts ?? []) {
    if (part.type === "same") {
      container.append(doc.createTextNode(part.text));
    } else {
      const node = doc.createElement(part.type === "ins" ? "ins" : "del");
      node.textContent = part.text;
      container.append(node);
    }
  }
}
