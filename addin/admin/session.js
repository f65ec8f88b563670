// Who is signed in to the admin page, and their tokens for the API.
// Dev mode: a token from the service's development issuer (POST /dev/token) for the name and email typed,
// with the Drafter.Admin role when asked for; the name, email and that choice are kept for this tab only.
// Entra mode: MSAL.js signs in by redirect, with this page (<origin>/admin) as the SPA redirect URI, for
// <app id URI>/access_as_user. Tokens are renewed from MSAL's cache or its refresh token, never in a hidden
// iframe (the page forbids framing); when MSAL needs the user, it redirects again. Tokens stay in memory (and
// in MSAL's sessionStorage cache).
import { ApiError } from "../api.js";
import { tokenExpiry } from "../auth.js";

export const ADMIN_ROLE = "Drafter.Admin";
const DEV_USER_KEY = "drafter.admin.devUser";
const RENEW_BEFORE_EXPIRY_S = 60;
// What MSAL says when only the user can help: sign in again, consent, or a refresh token that is gone.
const NEEDS_USER = new Set(["interaction_required", "login_required", "consent_required", "no_tokens_found", "refresh_token_expired", "bad_token", "no_account_error"]);

/** Dev mode. `client` is the page's API wrapper (createClient); `storage` keeps the typed user for the tab. */
export function createDevSession({ client, storage = globalThis.sessionStorage, now = () => Date.now() / 1000 }) {
  let cached = null; // {token, renewAt}

  function remembered() {
    try {
      const user = JSON.parse(storage.getItem(DEV_USER_KEY) || "null");
      if (user && typeof user.name === "string" && typeof user.email === "string") return { name: user.name, email: user.email, admin: user.admin === true };
    } catch {
      // storage disabled or damaged: signed out
    }
    return null;
  }

  function remember(user) {
    try {
      if (user) storage.setItem(DEV_USER_KEY, JSON.stringify(user));
      else storage.removeItem(DEV_USER_KEY);
    } catch {
      // storage disabled: the user signs in again after a reload
    }
  }

  const session = {
    mode: "dev",
    user: remembered,
    async getToken() {
      if (cached && now() < cached.renewAt) return cached.token;
      const user = remembered();
      if (!user) throw new ApiError({ status: 401, error: "sign_in_required", message: "Sign in first." });
      const answer = await client.json("/dev/token", { auth: false, body: { name: user.name, email: user.email, roles: user.admin ? [ADMIN_ROLE] : [] } });
      const token = answer && answer.access_token;
      if (typeof token !== "string" || !token) throw new ApiError({ error: "bad_response", message: "The service did not return a token." });
      cached = { token, renewAt: (tokenExpiry(token) ?? now() + Number(answer.expires_in || 300)) - RENEW_BEFORE_EXPIRY_S };
      return token;
    },
    invalidate() {
      cached = null;
    },
    /** `user`: {name, email, admin}; resolves once a token was issued. */
    async signIn(user) {
      remember({ name: user.name, email: user.email, admin: user.admin === true });
      cached = null;
      try {
        await session.getToken();
      } catch (err) {
        remember(null);
        throw err;
      }
    },
    signOut() {
      remember(null);
      cached = null;
    },
  };
  return session;
}

/**
 * Entra mode. `msal` is the MSAL.js namespace (PublicClientApplication, CacheLookupPolicy,
 * InteractionRequiredAuthError); `config` is /addin/config.json; `origin` this page's origin.
 * Resolves once a redirect back from Entra ID has been handled.
 */
export async function createEntraSession({ msal, config, origin }) {
  const redirectUri = `${origin}/admin`;
  const scopes = [config.scope || `${config.app_id_uri}/access_as_user`];
  const pca = new msal.PublicClientApplication({
    // knownAuthorities: the configured authority is trusted as it is, so MSAL asks no other host to vouch for it
    // (instance discovery) and the page's connect-src needs that one origin only.
    auth: { clientId: config.client_id, authority: config.authority, knownAuthorities: [new URL(config.authority).host], redirectUri },
    cache: { cacheLocation: "sessionStorage" },
  });
  await pca.initialize();
  const returned = await pca.handleRedirectPromise();
  let account = returned?.account || pca.getActiveAccount() || pca.getAllAccounts()[0] || null;
  if (account) pca.setActiveAccount(account);
  let fresh = returned?.accessToken || null; // the token the redirect brought, used once
  let forceRefresh = false;

  function redirect(extra = {}) {
    // The page leaves for Entra ID and comes back to /admin; nothing after this runs.
    return pca.acquireTokenRedirect({ scopes, redirectUri, ...(account ? { account } : {}), ...extra }).then(() => new Promise(() => {}));
  }

  return {
    mode: "entra",
    user() {
      return account ? { name: account.name || account.username || "", email: account.username || "" } : null;
    },
    async getToken() {
      if (!account) throw new ApiError({ status: 401, error: "sign_in_required", message: "Sign in first." });
      if (fresh && !forceRefresh) {
        const token = fresh;
        fresh = null;
        return token;
      }
      const policy = forceRefresh ? msal.CacheLookupPolicy.RefreshToken : msal.CacheLookupPolicy.AccessTokenAndRefreshToken;
      forceRefresh = false;
      try {
        return (await pca.acquireTokenSilent({ scopes, account, cacheLookupPolicy: policy })).accessToken;
      } catch (err) {
        const code = String(err?.errorCode || err?.error || "");
        if (err instanceof msal.InteractionRequiredAuthError || NEEDS_USER.has(code)) return redirect();
        const failed = new ApiError({ status: 401, error: "sign_in_failed", message: `Drafter could not renew your sign-in (${code || "error"}). Reload the page to sign in again.` });
        failed.detail = code || "error"; // MSAL's code, for the page to say the message in its language
        throw failed;
      }
    },
    invalidate() {
      fresh = null;
      forceRefresh = true;
    },
    challenge(claims) {
      return redirect(typeof claims === "string" && claims ? { claims } : {});
    },
    signIn() {
      return redirect({ prompt: "select_account" });
    },
    signOut() {
      const leaving = account;
      account = null;
      return pca.logoutRedirect({ account: leaving, postLogoutRedirectUri: redirectUri });
    },
  };
}
