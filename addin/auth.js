// Sign-in. Dev mode: a token from the service's development issuer (POST /dev/token) for the name and email
// the user typed; only the name and email are remembered (sessionStorage, this tab). Entra mode (Office): nested
// app authentication with MSAL.js first, then Office's SSO (OfficeRuntime.auth.getAccessToken), then a sign-in
// dialog. Tokens stay in memory only.
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

/** The claims of a JWT (unverified: only to show who is signed in), or null. */
export function tokenClaims(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === "object" ? payload : null;
  } catch {
    return null;
  }
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function tokenExpiry(token) {
  const exp = tokenClaims(token)?.exp;
  return typeof exp === "number" ? exp : null;
}

/** {name, email} of the person a token is for, as far as its claims say. */
export function userFromToken(token) {
  const claims = tokenClaims(token) || {};
  const email = String(claims.preferred_username || claims.upn || claims.email || "");
  return { name: String(claims.name || email || ""), email };
}

/**
 * Caches one token until shortly before it expires and shares one request between concurrent callers.
 * `fetchToken(options)` gets a new one; `options.claims` carries a claims challenge.
 */
function createCachedProvider(fetchToken, now) {
  let cached = null;   // {token, renewAt}
  let inFlight = null;

  function request(options) {
    if (!inFlight) {
      inFlight = (async () => {
        const token = await fetchToken(options);
        const issuedAt = now();
        const exp = tokenExpiry(token.token) ?? issuedAt + (Number(token.expiresIn) || FALLBACK_LIFETIME_S);
        cached = { token: token.token, renewAt: exp - RENEW_BEFORE_EXPIRY_S };
        return token.token;
      })().finally(() => { inFlight = null; });
    }
    return inFlight;
  }

  return {
    async getToken() {
      if (cached && now() < cached.renewAt) return cached.token;
      return request({});
    },
    invalidate() {
      cached = null;
    },
    /** Sign in again with a claims challenge (MFA, conditional access) from a 401 interaction_required. */
    async challenge(claims) {
      cached = null;
      await request({ claims: typeof claims === "string" && claims ? claims : undefined });
    },
  };
}

/**
 * A dev token provider for api.js's setTokenProvider. `getUser()` returns {name, email} or null (not
 * signed in).
 */
export function createDevTokenProvider({ getUser = rememberedUser, now = () => Date.now() / 1000 } = {}) {
  return createCachedProvider(async () => {
    const user = getUser();
    if (!user) throw new ApiError({ status: 401, error: "sign_in_required", message: "Sign in first: enter your name and email." });
    let answer;
    try {
      answer = await apiFetch("/dev/token", { body: { name: user.name, email: user.email, roles: [] }, auth: false });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        throw new ApiError({ ...err, error: "not_dev_mode", message: "This service is not in development mode, so it does not issue preview tokens.", requestId: err.requestId });
      }
      throw err;
    }
    const token = answer && answer.access_token;
    if (typeof token !== "string" || !token) {
      throw new ApiError({ error: "bad_response", message: "The service did not return a token." });
    }
    return { token, expiresIn: answer.expires_in };
  }, now);
}

/**
 * What the pane needs to know to sign in: {auth_mode, client_id, app_id_uri, authority, scope}, served
 * unauthenticated by the service (nothing in it is secret).
 */
export async function loadAuthConfig() {
  const config = await apiFetch("/addin/config.json", { auth: false });
  if (!config || (config.auth_mode !== "dev" && config.auth_mode !== "entra")) {
    throw new ApiError({ error: "bad_response", message: "The service did not say how to sign in." });
  }
  return config;
}

// How each sign-in step reports that the user said no: MSAL's popup closed, Office SSO's consent refused
// (13002), the dialog closed (12006). Those end the chain: the next step would only ask again.
const CANCEL_CODES = new Set(["user_cancelled", "13002", "12006"]);

class StepUnavailable extends Error {}

function errorCode(err) {
  return String(err?.errorCode ?? err?.code ?? err?.error ?? "");
}

/**
 * The Entra token provider for the Office pane: tries nested app authentication (MSAL.js), then Office SSO,
 * then a sign-in dialog, and starts with the step that worked last time. Every dependency is passed in, so
 * the order is tested with fakes:
 *   office        the Office global (requirements, context.ui.displayDialogAsync)
 *   officeRuntime the OfficeRuntime global (auth.getAccessToken)
 *   loadMsal()    resolves with the MSAL.js namespace (createNestablePublicClientApplication)
 *   dialogUrl     the sign-in dialog page
 */
export function createEntraTokenProvider({ config, office, officeRuntime, loadMsal, dialogUrl, now = () => Date.now() / 1000 }) {
  const scope = config.scope || `${config.app_id_uri}/access_as_user`;
  let pca = null;
  let preferred = 0;
  const attempts = [];  // the step names tried, in order (for tests and the console)

  async function naa({ claims }) {
    if (!office?.context?.requirements?.isSetSupported?.("NestedAppAuth", "1.1")) throw new StepUnavailable("NAA");
    if (!pca) {
      const msal = await loadMsal();
      pca = await msal.createNestablePublicClientApplication({ auth: { clientId: config.client_id, authority: config.authority } });
    }
    const request = { scopes: [scope] };
    if (claims) return (await pca.acquireTokenPopup({ ...request, claims })).accessToken;
    try {
      return (await pca.acquireTokenSilent(request)).accessToken;
    } catch (err) {
      if (CANCEL_CODES.has(errorCode(err))) throw err;
      return (await pca.acquireTokenPopup(request)).accessToken;
    }
  }

  async function sso({ claims }) {
    if (typeof officeRuntime?.auth?.getAccessToken !== "function") throw new StepUnavailable("SSO");
    const options = { allowSignInPrompt: true, allowConsentPrompt: true, forMSGraphAccess: false };
    if (claims) options.authChallenge = claims;
    return officeRuntime.auth.getAccessToken(options);
  }

  function dialog({ claims }) {
    const ui = office?.context?.ui;
    if (typeof ui?.displayDialogAsync !== "function" || !dialogUrl) return Promise.reject(new StepUnavailable("dialog"));
    const url = new URL(dialogUrl);
    if (claims) url.searchParams.set("claims", claims);
    const events = office.EventType || {};
    return new Promise((resolve, reject) => {
      ui.displayDialogAsync(url.href, { height: 60, width: 30, promptBeforeOpen: false }, (opened) => {
        if (opened.status !== "succeeded") {
          reject(Object.assign(new Error(opened.error?.message || "The sign-in dialog did not open."), { code: opened.error?.code }));
          return;
        }
        const box = opened.value;
        box.addEventHandler(events.DialogMessageReceived || "dialogMessageReceived", (arg) => {
          box.close();
          let answer = null;
          try {
            answer = JSON.parse(arg.message);
          } catch {
            answer = null;
          }
          if (typeof answer?.token === "string" && answer.token) resolve(answer.token);
          else reject(Object.assign(new Error(String(answer?.message || "The sign-in dialog failed.")), { code: answer?.error }));
        });
        box.addEventHandler(events.DialogEventReceived || "dialogEventReceived", (arg) => {
          reject(Object.assign(new Error("The sign-in dialog was closed."), { code: arg?.error }));
        });
      });
    });
  }

  const steps = [["naa", naa], ["sso", sso], ["dialog", dialog]];

  async function fetchToken({ claims }) {
    let last = null;
    for (let i = 0; i < steps.length; i += 1) {
      const index = (preferred + i) % steps.length;
      const [name, step] = steps[index];
      attempts.push(name);
      try {
        const token = await step({ claims });
        if (typeof token !== "string" || !token) throw new Error(`${name} gave no token`);
        preferred = index;
        return { token };
      } catch (err) {
        if (err instanceof StepUnavailable) continue;
        if (CANCEL_CODES.has(errorCode(err))) {
          throw new ApiError({ status: 401, error: "sign_in_cancelled", message: "Sign-in was cancelled. Choose Sign in to try again." });
        }
        last = err;
        console.warn(`Drafter sign-in: ${name} failed (${errorCode(err) || err?.name || "error"}), trying the next way`);
      }
    }
    const failure = new ApiError({
      status: 401, error: "sign_in_failed",
      message: "Drafter could not sign you in. Close and reopen the pane; if it goes on, tell your administrator.",
    });
    failure.detail = last ? errorCode(last) || String(last.message || "") : "";
    throw failure;
  }

  const provider = createCachedProvider(fetchToken, now);
  provider.attempts = attempts;
  return provider;
}

/** The pane's dev sign-in: the name and email typed, a dev token for them. */
export function createDevSignIn({ tokens = createDevTokenProvider() } = {}) {
  return {
    mode: "dev",
    tokens,
    currentUser: rememberedUser,
    async signIn(user) {
      rememberUser(user);
      tokens.invalidate();
      try {
        await tokens.getToken();
      } catch (err) {
        rememberUser(null);
        throw err;
      }
      return rememberedUser();
    },
    signOut() {
      rememberUser(null);
      tokens.invalidate();
    },
  };
}

/** The pane's Entra sign-in: whoever Office's account (or the dialog) gives a token for. */
export function createEntraSignIn({ tokens }) {
  let user = null;
  return {
    mode: "entra",
    tokens,
    currentUser: () => user,
    async signIn() {
      user = userFromToken(await tokens.getToken());
      return user;
    },
    signOut() {
      user = null;
      tokens.invalidate();
    },
  };
}
