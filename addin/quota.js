// What the caller may still use, from GET /api/v1/me's `quota`, in plain words: tokens left today (the user's
// and, when it is the tighter one, the organisation's) and requests left this minute when they are nearly gone.
// A service without quotas (or a /me without the key) shows nothing.
//
// quota: {requests_per_minute: {limit, remaining} | null,
//         tokens_today: {limit, used, remaining, resets_at} | null,
//         tenant_tokens_today: same | null}   (null: no limit configured)
import { apiFetch } from "./api.js";

/** The caller's quota from /me: an object, null (no quota configured, or a service without them), or undefined
 * when /me failed (a courtesy line: its failure never gets in the way, and what was shown stays). */
export async function fetchQuota({ signal } = {}) {
  try {
    const me = await apiFetch("/api/v1/me", { signal });
    return me && typeof me.quota === "object" ? me.quota : null;
  } catch {
    return undefined;
  }
}

const count = (value) => (Number.isFinite(value) && value >= 0 ? Math.floor(value) : null);

function budget(value) {
  if (!value || typeof value !== "object") return null;
  const limit = count(value.limit);
  const remaining = count(value.remaining);
  if (limit === null || remaining === null) return null;
  const resets = typeof value.resets_at === "string" ? new Date(value.resets_at) : null;
  return { limit, remaining: Math.min(remaining, limit), resets: resets && !Number.isNaN(resets.getTime()) ? resets : null };
}

/** "14:00" in the pane's language and the user's own time zone. */
export function timeOf(date, language) {
  return new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" }).format(date);
}

/**
 * The quota as lines of text, [] when there is nothing to show.
 * @param {object | null | undefined} quota  /me's quota
 * @param {(key: string, params?: object) => string} t
 * @param {string} [language]
 */
export function quotaLines(quota, t, language = "en") {
  if (!quota || typeof quota !== "object") return [];
  const number = new Intl.NumberFormat(language);
  const lines = [];
  const tokens = (key, value) => {
    const params = { remaining: number.format(value.remaining), limit: number.format(value.limit) };
    const state = value.remaining === 0 ? "none" : "left";
    if (value.resets) lines.push(t(`quota.${key}.${state}.resets`, { ...params, time: timeOf(value.resets, language) }));
    else lines.push(t(`quota.${key}.${state}`, params));
  };
  const mine = budget(quota.tokens_today);
  const tenant = budget(quota.tenant_tokens_today);
  if (mine) tokens("tokens", mine);
  // The organisation's budget matters to this user only when it is tighter than their own.
  if (tenant && (!mine || tenant.remaining < mine.remaining)) tokens("tenant", tenant);
  const perMinute = budget(quota.requests_per_minute);
  // Requests per minute change too fast to be worth a line, until they are nearly used up.
  if (perMinute && perMinute.remaining <= Math.max(1, Math.floor(perMinute.limit / 5))) {
    lines.push(t("quota.requests", { remaining: number.format(perMinute.remaining), limit: number.format(perMinute.limit) }));
  }
  return lines;
}
