// The one wrapper for every call to the Drafter API: bearer token, JSON, errors, and streamed jobs.
import { createSseParser } from "./sse.js";

/**
 * An API failure: `error` is the service's code, `requestId` the id to quote to support, `claims` the
 * challenge of a 401 interaction_required.
 */
export class ApiError extends Error {
  constructor({ status = 0, error = "error", message = "The request failed.", requestId = "", field, retryAfter, claims } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.error = error;
    this.requestId = requestId;
    this.field = field;
    this.retryAfter = retryAfter;
    this.claims = claims;
  }
}

// Who supplies tokens is the host's business (dev issuer in the preview, NAA/SSO in Office).
let tokenProvider = null;

// Which application the pane runs in, sent with every call so the audit trail can record where a job came
// from. Reading and writing a message are both "outlook"; the plain-browser page is "preview" whatever it stands in for.
export const HOST_HEADER = "X-Drafter-Host";
const HOST_NAMES = new Set(["word", "outlook", "preview"]);
const HOST_OF_KIND = { word: "word", "outlook-read": "outlook", "outlook-compose": "outlook" };
let hostName = null;

/** "word", "outlook" or "preview" for a host (hosts/host.js): its `application`, else what its kind says. */
export function hostNameOf(host) {
  if (HOST_NAMES.has(host?.application)) return host.application;
  return HOST_OF_KIND[host?.kind] ?? "preview";
}

/** Name the host every later call reports in X-Drafter-Host (null: send none). */
export function setHostName(name) {
  hostName = HOST_NAMES.has(name) ? name : null;
}

/**
 * @param {{getToken(): Promise<string>, invalidate(): void, challenge?(claims: string): Promise<void>} | null} provider
 *   `challenge` signs in again interactively, with the claims of a 401 interaction_required.
 */
export function setTokenProvider(provider) {
  tokenProvider = provider;
}

const TERMINAL_EVENTS = new Set(["result", "error"]);

/**
 * Call the API with JSON. A body makes it a POST unless `method` says otherwise.
 * Resolves with the parsed JSON; throws ApiError (or the AbortError of `signal`).
 */
export async function apiFetch(path, { body, signal, method, auth = true, headers = {} } = {}) {
  const response = await send(path, { body, signal, method, auth, headers: { Accept: "application/json", ...headers } });
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError({
      status: response.status, error: "bad_response", requestId: response.headers.get("X-Request-Id") || "",
      message: "The service sent an answer that is not JSON.",
    });
  }
}

/**
 * Run a job as a stream of server-sent events. `onEvent(name, data)` is called for every event
 * (progress, delta, result, error) as it arrives. Resolves with the `result` data; rejects with an
 * ApiError when the service sends `error` or the stream ends without a result, and with an AbortError
 * when `signal` aborts (which cancels the request; the service then stops the model).
 */
export async function streamJob(path, body, { onEvent = () => {}, signal } = {}) {
  const response = await send(path, {
    body: { ...body, stream: true }, signal, auth: true, headers: { Accept: "text/event-stream" },
  });
  const requestId = response.headers.get("X-Request-Id") || "";
  const type = (response.headers.get("Content-Type") || "").toLowerCase();
  if (!type.startsWith("text/event-stream")) {
    // A service or proxy that answered in JSON anyway: its body is the whole result.
    const result = await response.json();
    onEvent("result", result);
    return result;
  }

  let outcome = null; // {name, data} of the terminal event
  const parser = createSseParser(({ type: name, data }) => {
    if (outcome) return;
    let parsed;
    try {
      parsed = data === "" ? {} : JSON.parse(data);
    } catch {
      outcome = { name: "error", data: { error: "bad_response", message: "The service sent an unreadable event.", request_id: requestId } };
      return;
    }
    onEvent(name, parsed);
    if (TERMINAL_EVENTS.has(name)) outcome = { name, data: parsed };
  });

  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let finished = false;
  try {
    while (!outcome) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        parser.feed(decoder.decode());
        parser.end();
        break;
      }
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    // Stop reading once the job is decided (or on abort / failure) so the connection is released.
    if (!finished) reader.cancel().catch(() => {});
  }

  if (!outcome) {
    throw new ApiError({
      status: response.status, error: "stream_cut", requestId,
      message: "The connection ended before the result arrived. Please try again.",
    });
  }
  if (outcome.name === "error") throw errorFromBody(outcome.data, response.status, requestId);
  return outcome.data;
}

async function send(path, { body, signal, method, auth, headers }) {
  let retried = false;
  for (;;) {
    const init = { method: method || (body === undefined ? "GET" : "POST"), headers: { ...headers }, signal, credentials: "same-origin", cache: "no-store" };
    if (hostName) init.headers[HOST_HEADER] = hostName;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (auth && tokenProvider) init.headers.Authorization = `Bearer ${await tokenProvider.getToken()}`;
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError({ error: "network_error", message: "Could not reach the Drafter service. Check the connection and try again." });
    }
    if (response.ok) return response;
    // A token the service no longer accepts (expired early, signing key changed) is replaced once; when
    // Entra wants the user back (interaction_required: MFA, conditional access, consent), the provider
    // prompts once with the claims. A second refusal is shown.
    if (response.status === 401 && auth && tokenProvider && !retried) {
      retried = true;
      const refusal = await errorFromResponse(response);
      if (refusal.error === "interaction_required" && typeof tokenProvider.challenge === "function") {
        await tokenProvider.challenge(refusal.claims);
      } else {
        tokenProvider.invalidate();
      }
      continue;
    }
    throw await errorFromResponse(response);
  }
}

/** The service's one error shape (or any other answer) as an ApiError; also the admin page's. */
export async function errorFromResponse(response) {
  const requestId = response.headers.get("X-Request-Id") || "";
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = errorFromBody(body || {}, response.status, requestId);
  const retryAfter = Number(response.headers.get("Retry-After"));
  if (Number.isFinite(retryAfter) && retryAfter > 0) error.retryAfter = retryAfter;
  return error;
}

function errorFromBody(body, status, requestId) {
  const known = body && typeof body.error === "string";
  return new ApiError({
    status,
    error: known ? body.error : "http_error",
    message: known && typeof body.message === "string" && body.message ? body.message : `The service answered with status ${status}.`,
    requestId: (known && body.request_id) || requestId,
    field: known ? body.field : undefined,
    claims: known && typeof body.claims === "string" ? body.claims : undefined,
  });
}

function isAbort(err) {
  return err && err.name === "AbortError";
}
