"""Governance: what lets a public body say yes to sending text to a model.

- guard: the policy guard, run on every job before any text leaves for the model. Detectors (markings and
  labels, personal data validated by checksum) feed rules from DRAFTER_POLICY_FILE's `guard` section whose
  actions are block, route, redact and warn; redaction swaps values for stable placeholders ([SSN_1]) on the
  way out and puts them back in the model's answer, streamed or whole.
- audit: one tamper-evident record per job (hash-chained), in SQLite by default or PostgreSQL
  (DRAFTER_DATABASE_URL), schema through Alembic; no document or model text unless content retention is on.
- quotas: requests per minute per user (Flask-Limiter, memory or Redis) and tokens per day per user and per
  tenant, counted from real usage in the audit store.
- reports: usage for the admin dashboard (/admin) and its CSV and .xlsx exports.

The core modules (detectors, rules, guard, redaction, the store) are pure Python: nothing there imports
Flask. The Flask extensions that hold them live in app.extensions under "drafter.guard", "drafter.audit"
and "drafter.quotas".
"""
