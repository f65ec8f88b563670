// The preview host: a <textarea> stands in for the document and its selection for the user's selection.
// It offers the same calls the Word and Outlook hosts will, so the pane logic does not care where it runs,
// and it records what the pane asked of it (for trying things out and for browser tests).

export class HostError extends Error {
  constructor(message) {
    super(message);
    this.name = "HostError";
  }
}

export class PreviewHost {
  /** @param {HTMLTextAreaElement} textarea */
  constructor(textarea) {
    this.name = "preview";
    this.textarea = textarea;
    this.requests = [];   // what the pane asked for, in order: {op, ...}
    this.target = null;   // the range last read: {start, end, text}
  }

  /**
   * The selected text, or the whole document when nothing is selected. Remembers the range so that
   * replaceSelection puts the result back where it came from even if focus has moved since.
   * @returns {Promise<{text: string, scope: "selection" | "body"}>}
   */
  async getSelectionOrBody() {
    const { value, selectionStart: start, selectionEnd: end } = this.textarea;
    const selected = end > start && value.slice(start, end).trim() !== "";
    this.target = selected ? { start, end, text: value.slice(start, end) } : { start: 0, end: value.length, text: value };
    this.requests.push({ op: "getSelectionOrBody", scope: selected ? "selection" : "body" });
    return { text: this.target.text, scope: selected ? "selection" : "body" };
  }

  /** The selected text only ("" when nothing is selected); does not change what replaceSelection targets. */
  async getSelection() {
    const { value, selectionStart: start, selectionEnd: end } = this.textarea;
    return value.slice(start, end);
  }

  /**
   * Put `text` where the last getSelectionOrBody read from (the selection, or the whole document).
   * Refuses, rather than overwrite, when the user has edited that text since it was read.
   */
  async replaceSelection(text) {
    const { value } = this.textarea;
    let { start, end } = this.target ?? { start: this.textarea.selectionStart, end: this.textarea.selectionEnd };
    if (this.target && value.slice(start, end) !== this.target.text) {
      throw new HostError("The document changed since Drafter read it. Select the text again and run once more.");
    }
    this.#write(text, start, end);
    this.target = { start, end: start + text.length, text };
    this.requests.push({ op: "replaceSelection", text });
  }

  /** Insert `text` at the cursor (after the selection when there is one). */
  async insertAtCursor(text) {
    const at = this.textarea.selectionEnd;
    const before = at > 0 && !this.textarea.value.slice(0, at).endsWith("\n") ? "\n\n" : "";
    this.#write(before + text, at, at);
    this.target = null;
    this.requests.push({ op: "insertAtCursor", text });
  }

  #write(text, start, end) {
    this.textarea.setRangeText(text, start, end, "select");
    // Let anything listening to the document (autosave, counters) hear about the change.
    this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    this.textarea.focus();
  }
}
