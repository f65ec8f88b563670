// The admin page's one wrapper for calls to the service: bearer token, JSON or a file, and errors as ApiError
// (the pane's error type). A token the service refuses is renewed once; a claims challenge goes to sign-in.
import { ApiError, errorFromResponse } from "../api.js";

const FILENAME = /filename="([^"]+)"/;

export function createClient() {
  let tokens = null;

  async function send(path, { method, body, auth = true, accept = "application/json" } = {}) {
    let retried = false;
    for (;;) {
      const init = { method: method || (body === undefined ? "GET" : "POST"), headers: { Accept: accept }, credentials: "same-origin", cache: "no-store" };
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      if (auth) {
        if (!tokens) throw new ApiError({ status: 401, error: "sign_in_required", message: "Sign in first." });
        init.headers.Authorization = `Bearer ${await tokens.getToken()}`;
      }
      let response;
      try {
        response = await fetch(path, init);
      } catch {
        throw new ApiError({ error: "network_error", message: "Could not reach the Drafter service. Check the connection and try again." });
      }
      if (response.ok) return response;
      const error = await errorFromResponse(response);
      if (response.status === 401 && auth && !retried) {
        retried = true;
        if (error.error === "interaction_required" && typeof tokens.challenge === "function") await tokens.challenge(error.claims);
        else tokens.invalidate();
        continue;
      }
      throw error;
    }
  }

  return {
    /** Who supplies tokens: {getToken(), invalidate(), challenge?(claims)}. */
    useTokens(provider) {
      tokens = provider;
    },

    async json(path, options) {
      const response = await send(path, options);
      try {
        return await response.json();
      } catch {
        throw new ApiError({ status: response.status, error: "bad_response", message: "The service sent an answer that is not JSON.", requestId: response.headers.get("X-Request-Id") || "" });
      }
    },

    /** A file the service sends as an attachment: {blob, filename}. */
    async file(path, fallbackName) {
      const response = await send(path, { accept: "*/*" });
      const named = FILENAME.exec(response.headers.get("Content-Disposition") || "");
      return { blob: await response.blob(), filename: named ? named[1] : fallbackName };
    },
  };
}
