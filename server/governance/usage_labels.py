"""The words of the usage workbook (.xlsx) in English and French: sheet names, headers, chart titles, and the
names of actions, hosts and outcomes.

Pure: no Flask. The CSV export does not use these: its header row is the columns' machine names, the same in
every language, so scripts reading it never break on the admin's language. The admin page has its own
strings (addin/admin/strings.js); where both show the same thing they use the same words.

French follows French typography: a no-break space (U+00A0) before a colon, so the colon never starts a line.
"""
from __future__ import annotations

LANGUAGES = ("en", "fr")

EN = {
    "sheet.summary": "Summary",
    "sheet.daily": "Daily",
    "sheet.users": "Users",
    "title": "Drafter usage",
    "workbook.title": "Drafter usage {start} to {end}",
    "from": "From",
    "to": "To",
    "tenant": "Tenant",
    "tenant.all": "all tenants",
    "totals.header": "Total for the range",
    "count": "Count",
    "requests": "Requests",
    "prompt_tokens": "Prompt tokens",
    "completion_tokens": "Completion tokens",
    "total_tokens": "Total tokens",
    "blocked.policy": "Blocked by policy",
    "blocked": "Blocked",
    "redacted": "Redacted",
    "errors": "Errors",
    "users": "Users",
    "presets": "Top presets",
    "preset": "Preset",
    "presets.none": "No job used a preset in this range.",
    "errors.title": "Errors and refusals",
    "outcome": "Outcome",
    "error_code": "Error code",
    "errors.none": "No errors in this range.",
    "day": "Day",
    "requests.by": "Requests: {name}",
    "from.host": "From: {name}",
    "latency.p50": "Latency p50 (ms)",
    "latency.p95": "Latency p95 (ms)",
    "user": "User (pseudonym)",
    "chart.requests": "Requests per day by action",
    "chart.tokens": "Tokens per day",
    "chart.tokens.axis": "Tokens",
    "chart.latency": "Latency per day (completed jobs)",
    "chart.latency.axis": "Milliseconds",
    "chart.day.axis": "Day (UTC)",
    "action.rewrite": "rewrite",
    "action.summarize": "summarize",
    "action.draft": "draft",
    "action.review": "review",
    "host.word": "Word",
    "host.outlook": "Outlook",
    "host.preview": "Preview page",
    "host.unknown": "Unknown host",
    "outcome.ok": "Completed",
    "outcome.redacted": "Redacted",
    "outcome.blocked": "Blocked by policy",
    "outcome.upstream_error": "Model error",
    "outcome.cancelled": "Cancelled",
    "outcome.rate_limited": "Rate limited",
    "outcome.error": "Request error",
}

FR = {
    "sheet.summary": "Synthèse",
    "sheet.daily": "Par jour",
    "sheet.users": "Utilisateurs",
    "title": "Utilisation de Drafter",
    "workbook.title": "Utilisation de Drafter du {start} au {end}",
    "from": "Du",
    "to": "Au",
    "tenant": "Locataire",
    "tenant.all": "tous les locataires",
    "totals.header": "Total sur la période",
    "count": "Nombre",
    "requests": "Requêtes",
    "prompt_tokens": "Jetons d’invite",
    "completion_tokens": "Jetons de réponse",
    "total_tokens": "Total des jetons",
    "blocked.policy": "Bloquées par la politique",
    "blocked": "Bloquées",
    "redacted": "Masquées",
    "errors": "Erreurs",
    "users": "Utilisateurs",
    "presets": "Préréglages les plus utilisés",
    "preset": "Préréglage",
    "presets.none": "Aucune tâche n’a utilisé de préréglage sur cette période.",
    "errors.title": "Erreurs et refus",
    "outcome": "Résultat",
    "error_code": "Code d’erreur",
    "errors.none": "Aucune erreur sur cette période.",
    "day": "Jour",
    "requests.by": "Requêtes\u00a0: {name}",
    "from.host": "Depuis\u00a0: {name}",
    "latency.p50": "Latence p50 (ms)",
    "latency.p95": "Latence p95 (ms)",
    "user": "Utilisateur (pseudonyme)",
    "chart.requests": "Requêtes par jour et par action",
    "chart.tokens": "Jetons par jour",
    "chart.tokens.axis": "Jetons",
    "chart.latency": "Latence par jour (tâches terminées)",
    "chart.latency.axis": "Millisecondes",
    "chart.day.axis": "Jour (UTC)",
    "action.rewrite": "réécriture",
    "action.summarize": "résumé",
    "action.draft": "rédaction",
    "action.review": "relecture",
    "host.word": "Word",
    "host.outlook": "Outlook",
    "host.preview": "Page d’aperçu",
    "host.unknown": "Hôte inconnu",
    "outcome.ok": "Terminée",
    "outcome.redacted": "Masquée",
    "outcome.blocked": "Bloquée par la politique",
    "outcome.upstream_error": "Erreur du modèle",
    "outcome.cancelled": "Annulée",
    "outcome.rate_limited": "Limite d’utilisation atteinte",
    "outcome.error": "Requête refusée",
}

STRINGS = {"en": EN, "fr": FR}


class Labels:
    """The workbook's words in one language: labels["requests"], labels.name("host", "word")."""

    def __init__(self, language: str = "en"):
        if language not in STRINGS:
            raise ValueError(f"no usage labels in {language!r}")
        self.language = language
        self._table = STRINGS[language]

    def __getitem__(self, key: str) -> str:
        return self._table[key]

    def format(self, key: str, **values: str) -> str:
        return self._table[key].format(**values)

    def name(self, group: str, key: str) -> str:
        """An action, host or outcome in words; one a later release adds shows as its key until it has some."""
        return self._table.get(f"{group}.{key}", key)
