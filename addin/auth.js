// Dev-mode sign-in: a token from the service's development issuer (POST /dev/token) for the name and email
// the user typed. Only the name and email are remembered (sessionStorage, this tab); the token stays in memory.
import { ApiError, apiFetch } from "./api.js";

const USER_KEY = "drafter.devUser";
const RENEW_BEFORE_EXPIRY_S = 60;   // get a new token this long before the old one expires
const FALLBACK_LIFETIME_S = 300;    // when a token carries no readable expiry

/** @returns {{name: string, email: string} | null} */
export function rememberedUser() {
  try {
    const user = JSON.parse(sessionStorage.getItem(USER_KEY) || "null");
    if (user && typeof user.name === "string" && typeof user.email === "string") return user;
  } catch {
    // storage disabled or damaged: behave as signed out
  }
  return null;
}

export function rememberUser(user) {
  try {
    if (user) sessionStorage.setItem(USER_KEY, JSON.stringify({ name: user.name, email: user.email }));
    else sessionStorage.removeItem(USER_KEY);
  } catch {
    // storage disabled: the user types their name again next time
  }
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function tokenExpiry(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return typeof payload.exp === "number" ? payload.exp : null;
  } catch {
    return null;
  }
}

/**
 * A token provider for api.js's setTokenProvider: caches one token until shortly before it expires and
 * shares one request between concurrent callers. `getUser()` returns {name, email} or null (not signed in).
 */
export function createDevTokenProvider({ getUser = rememberedUser, now = () => Date.now() / 1000 } = {}) {
  let cached = null;   // {token, renewAt}
  let inFlight = null;

  async function fetchToken() {
    const user = getUser();
    if (!user) throw new ApiError({ status: 401, error: "sign_in_required", message: "Sign in first: enter your name and email." });
    let answer;
    try {
      answer = await apiFetch("/dev/token", { body: { name: user.name, email: user.email, roles: [] }, auth: false });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        throw new ApiError({ ...err, message: "This service is not in development mode, so it does not issue preview tokens.", requestId: err.requestId });
      }
      throw err;
    }
    const token = answer && answer.access_token;
    if (typeof token !== "string" || !token) {
      throw new ApiError({ error: "bad_response", message: "The service did not return a token." });
    }
    const issuedAt = now();
    const exp = tokenExpiry(token) ?? issuedAt + (Number(answer.expires_in) || FALLBACK_LIFETIME_S);
    cached = { token, renewAt: exp - RENEW_BEFORE_EXPIRY_S };
    return token;
  }

  return {
    async getToken() {
      if (cached && now() < cached.renewAt) return cached.token;
      if (!inFlight) inFlight = fetchToken().finally(() => { inFlight = null; });
      return inFlight;
    },
    invalidate() {
      cached = null;
    },
  };
}
