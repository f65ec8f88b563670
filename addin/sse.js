// A server-sent events parser following the WHATWG HTML "event stream interpretation" rules.
// Text goes in as it is decoded (split anywhere, even between CR and LF); whole events come out.

/**
 * @param {(event: {type: string, data: string, id: string}) => void} onMessage
 * @returns {{feed(text: string): void, end(): void, readonly lastEventId: string, readonly retry: number|null}}
 */
export function createSseParser(onMessage) {
  let pending = "";          // text after the last line break seen
  let skipLeadingLF = false; // the previous text ended with CR: a following LF belongs to that break
  let eventType = "";
  let data = "";
  let hasData = false;
  let lastEventId = "";
  let retry = null;

  function dispatch() {
    // An event without any data line is dropped, as the spec says; the type is reset either way.
    if (hasData) {
      onMessage({ type: eventType || "message", data: data.endsWith("\n") ? data.slice(0, -1) : data, id: lastEventId });
    }
    eventType = "";
    data = "";
    hasData = false;
  }

  function processLine(line) {
    if (line === "") {
      dispatch();
      return;
    }
    if (line[0] === ":") return; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    switch (field) {
      case "event":
        eventType = value;
        break;
      case "data":
        data += value + "\n";
        hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) lastEventId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  return {
    feed(text) {
      if (!text) return;
      if (skipLeadingLF) {
        skipLeadingLF = false;
        if (text[0] === "\n") text = text.slice(1);
      }
      let buffer = pending + text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== "\n" && ch !== "\r") continue;
        processLine(buffer.slice(start, i));
        if (ch === "\r") {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === "\n") i++;
          } else {
            skipLeadingLF = true;
          }
        }
        start = i + 1;
      }
      pending = buffer.slice(start);
      buffer = "";
    },
    end() {
      // An unterminated last line and any event not closed by a blank line are discarded (spec).
      pending = "";
      eventType = "";
      data = "";
      hasData = false;
    },
    get lastEventId() { return lastEventId; },
    get retry() { return retry; },
  };
}
