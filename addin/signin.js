// The sign-in dialog (auth.js's last step): MSAL.js signs in with a redirect to this same page, then the
// token goes to the pane with Office's messageParent. A claims challenge arrives in ?claims=.
import { apiFetch } from "./api.js";
import { createI18n, pickLanguage } from "./i18n.js";
import { followOfficeTheme } from "./theme.js";

const status = document.getElementById("signin-status");

function reply(message) {
  globalThis.Office.context.ui.messageParent(JSON.stringify(message));
}

async function signIn() {
  const config = await apiFetch("/addin/config.json", { auth: false });
  await import("./vendor/msal-browser.min.js");
  const { PublicClientApplication } = globalThis.msal;
  const redirectUri = new URL("signin.html", location.href).href;
  const pca = new PublicClientApplication({
    auth: { clientId: config.client_id, authority: config.authority, redirectUri },
    cache: { cacheLocation: "sessionStorage" },
  });
  await pca.initialize();
  const done = await pca.handleRedirectPromise();
  if (done?.accessToken) {
    reply({ token: done.accessToken });
    return;
  }
  const claims = new URL(location.href).searchParams.get("claims") || undefined;
  await pca.acquireTokenRedirect({ scopes: [config.scope], claims, redirectUri });
}

globalThis.Office.onReady(() => {
  followOfficeTheme(globalThis.Office, document);
  const i18n = createI18n(pickLanguage(globalThis.Office.context?.displayLanguage));
  status.textContent = i18n.t("signIn.working");
  signIn().catch((err) => {
    status.textContent = i18n.t("error.sign_in_failed");
    reply({ error: String(err?.errorCode || err?.error || "sign_in_failed"), message: String(err?.message || "") });
  });
});
