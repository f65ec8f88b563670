// auth.js in Entra mode: nested app authentication first, then Office SSO, then the dialog; a cancel ends the
// chain; a claims challenge goes to the step that works; the step that worked is tried first next time.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createEntraSignIn, createEntraTokenProvider, userFromToken } from "../../addin/auth.js";
import { fakeJwt } from "./helpers.mjs";

const CONFIG = {
  auth_mode: "entra", client_id: "0c5f3d2e-0000-4000-8000-0000000d12af",
  app_id_uri: "api://drafter.agency.test/0c5f3d2e-0000-4000-8000-0000000d12af",
  scope: "api://drafter.agency.test/0c5f3d2e-0000-4000-8000-0000000d12af/access_as_user",
  authority: "https://login.microsoftonline.com/organizations",
};
const token = (who) => fakeJwt({ exp: 2000000000, name: who, preferred_username: `${who.toLowerCase()}@agency.gov` });
const fail = (code) => Object.assign(new Error(`failed ${code}`), { errorCode: code, code });

/** Fakes of what Office and MSAL offer, recording every call into `log`. */
function world({ naa = true, silent, popup, sso, dialog } = {}) {
  const log = [];
  const pca = {
    async acquireTokenSilent(request) {
      log.push(["silent", request]);
      if (silent instanceof Error) throw silent;
      return { accessToken: silent ?? token("Silent") };
    },
    async acquireTokenPopup(request) {
      log.push(["popup", request]);
      if (popup instanceof Error) throw popup;
      return { accessToken: popup ?? token("Popup") };
    },
  };
  const msal = {
    async createNestablePublicClientApplication(configuration) {
      log.push(["create", configuration]);
      return pca;
    },
  };
  const office = {
    EventType: { DialogMessageReceived: "dialogMessageReceived", DialogEventReceived: "dialogEventReceived" },
    context: {
      requirements: { isSetSupported: (name, version) => naa && name === "NestedAppAuth" && version === "1.1" },
      ui: {
        displayDialogAsync(url, options, callback) {
          log.push(["dialog", url]);
          const handlers = {};
          const box = { addEventHandler: (name, fn) => { handlers[name] = fn; }, close: () => log.push(["close"]) };
          callback({ status: "succeeded", value: box });
          queueMicrotask(() => {
            if (dialog instanceof Error) handlers.dialogEventReceived({ error: dialog.code });
            else handlers.dialogMessageReceived({ message: JSON.stringify(dialog ?? { token: token("Dialog") }) });
          });
        },
      },
    },
  };
  const officeRuntime = {
    auth: {
      async getAccessToken(options) {
        log.push(["sso", options]);
        if (sso instanceof Error) throw sso;
        return sso ?? token("Sso");
      },
    },
  };
  const provider = createEntraTokenProvider({
    config: CONFIG, office, officeRuntime, loadMsal: async () => msal, dialogUrl: "https://drafter.agency.test/addin/signin.html",
  });
  return { provider, log, steps: () => log.map(([step]) => step) };
}

test("NAA silent first, with the API's scope and the configured authority", async () => {
  const { provider, log, steps } = world();
  assert.equal(userFromToken(await provider.getToken()).name, "Silent");
  assert.deepEqual(steps(), ["create", "silent"]);
  assert.deepEqual(log[0][1], { auth: { clientId: CONFIG.client_id, authority: CONFIG.authority } });
  assert.deepEqual(log[1][1], { scopes: [CONFIG.scope] });
  await provider.getToken();
  assert.equal(log.length, 2, "the token is cached until it nears expiry");
});

test("silent fails: the NAA popup", async () => {
  const { provider, steps } = world({ silent: fail("interaction_required") });
  assert.equal(userFromToken(await provider.getToken()).name, "Popup");
  assert.deepEqual(steps(), ["create", "silent", "popup"]);
});

test("no NAA in this Office: Office SSO with prompts allowed and no Graph access", async () => {
  const { provider, log, steps } = world({ naa: false });
  assert.equal(userFromToken(await provider.getToken()).name, "Sso");
  assert.deepEqual(steps(), ["sso"]);
  assert.deepEqual(log[0][1], { allowSignInPrompt: true, allowConsentPrompt: true, forMSGraphAccess: false });
});

test("NAA and SSO fail: the dialog, and that way is tried first next time", async () => {
  const { provider, steps, log } = world({ silent: fail("x"), popup: fail("no_network"), sso: fail("13003") });
  assert.equal(userFromToken(await provider.getToken()).name, "Dialog");
  assert.deepEqual(steps(), ["create", "silent", "popup", "sso", "dialog", "close"]);
  assert.equal(provider.attempts.join(","), "naa,sso,dialog");
  provider.invalidate();
  await provider.getToken();
  assert.equal(provider.attempts.join(","), "naa,sso,dialog,dialog");
  assert.equal(log.at(-2)[1], "https://drafter.agency.test/addin/signin.html");
});

test("everything fails: sign_in_failed saying which step failed last", async () => {
  const { provider } = world({ silent: fail("x"), popup: fail("y"), sso: fail("13003"), dialog: fail("12002") });
  await assert.rejects(provider.getToken(), (err) => err.error === "sign_in_failed" && err.status === 401 && err.detail === "12002");
});

test("the user cancels: the chain stops there", async () => {
  for (const [options, expected] of [
    [{ silent: fail("x"), popup: fail("user_cancelled") }, ["create", "silent", "popup"]],
    [{ naa: false, sso: fail("13002") }, ["sso"]],
    [{ naa: false, sso: fail("13003"), dialog: fail("12006") }, ["sso", "dialog"]],
  ]) {
    const { provider, steps } = world(options);
    await assert.rejects(provider.getToken(), { error: "sign_in_cancelled" });
    assert.deepEqual(steps(), expected);
  }
});

test("a claims challenge goes straight to the NAA popup with the claims", async () => {
  const { provider, log, steps } = world();
  await provider.getToken();
  await provider.challenge('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}');
  assert.deepEqual(steps(), ["create", "silent", "popup"]);
  assert.deepEqual(log[2][1], { scopes: [CONFIG.scope], claims: '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}' });
});

test("a claims challenge without NAA: SSO's authChallenge, then the dialog's ?claims=", async () => {
  const sso = world({ naa: false });
  await sso.provider.challenge("C");
  assert.equal(sso.log[0][1].authChallenge, "C");
  const dialog = world({ naa: false, sso: fail("13003") });
  await dialog.provider.challenge("C&D");
  assert.equal(dialog.log[1][1], "https://drafter.agency.test/addin/signin.html?claims=C%26D");
});

test("the dialog's error message ends the chain as a failure", async () => {
  const { provider } = world({ naa: false, sso: fail("13003"), dialog: { error: "invalid_client", message: "bad" } });
  await assert.rejects(provider.getToken(), (err) => err.error === "sign_in_failed" && err.detail === "invalid_client");
});

test("the Entra sign-in names the person the token is for", async () => {
  const { provider } = world();
  const signIn = createEntraSignIn({ tokens: provider });
  assert.equal(signIn.currentUser(), null);
  assert.deepEqual(await signIn.signIn(), { name: "Silent", email: "silent@agency.gov" });
  assert.deepEqual(signIn.currentUser(), { name: "Silent", email: "silent@agency.gov" });
  signIn.signOut();
  assert.equal(signIn.currentUser(), null);
});
