// What went wrong, in the page's language. Errors the page itself makes (no connection, an unreadable answer,
// a sign-in to renew) are said in its words. The service writes its messages in English: an English page
// shows them as sent; a French one leads with the French sentence for the error's code and keeps the
// service's words after it (to be marked lang="en"), since they name the detail: which field, which role.
const PAGE_ERRORS = new Set(["network_error", "bad_response", "sign_in_required", "sign_in_failed"]);

/** {said, service}: `said` in the page's language, `service` the service's own English words or "". */
export function describeError(err, i18n) {
  const code = err?.error;
  if (PAGE_ERRORS.has(code)) return { said: i18n.t(`error.${code}`, { detail: err.detail || code }), service: "" };
  if (code === "http_error") return { said: i18n.t("error.http_error", { status: err.status ?? "?" }), service: "" };
  const message = String(err?.message || "");
  const sentence = i18n.has(`error.service.${code}`) ? i18n.t(`error.service.${code}`) : i18n.t("error.generic");
  if (!message) return { said: sentence, service: "" };
  if (i18n.language === "en") return { said: message, service: "" };
  return { said: sentence, service: message };
}
