"""The Word and Outlook add-in-only XML manifests, rendered from the templates in manifest/.

The templates are string.Template files; every value is XML-escaped here, so a display name with "&" or a
quote cannot break the document. Blocks that exist only with some settings (single sign-on needs a client id)
are rendered here and inserted whole.
"""
from __future__ import annotations

from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

from server.manifests.common import ManifestSettings

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "manifest"
XML_MANIFESTS = ("word.xml", "outlook.xml")


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


def _web_application_info(settings: ManifestSettings, indent: str) -> str:
    """Single sign-on (Office.auth.getAccessToken): the Entra app and its Graph scopes; none without a client id."""
    if not settings.client_id:
        return ""
    scopes = "\n".join(f"{indent}    <Scope>{_attr(scope)}</Scope>" for scope in settings.sso_scopes)
    return (f"{indent}<WebApplicationInfo>\n"
            f"{indent}  <Id>{_attr(settings.client_id)}</Id>\n"
            f"{indent}  <Resource>{_attr(settings.app_id_uri)}</Resource>\n"
            f"{indent}  <Scopes>\n{scopes}\n{indent}  </Scopes>\n"
            f"{indent}</WebApplicationInfo>")


def _fields(settings: ManifestSettings, addin_id: str, sso_indent: str) -> dict[str, str]:
    fields = {
        "id": addin_id,
        "version": settings.version,
        "provider": settings.provider,
        "name": settings.name,
        "description": settings.description,
        "support_url": settings.support_url,
        "taskpane_url": settings.taskpane_url,
        **{f"icon_{size}": settings.icon_url(size) for size in (16, 32, 64, 80, 128)},
    }
    escaped = {key: _attr(value) for key, value in fields.items()}
    escaped["app_domains"] = "\n".join(f"    <AppDomain>{_attr(domain)}</AppDomain>"
                                       for domain in settings.app_domains)
    escaped["web_application_info"] = _web_application_info(settings, sso_indent)
    return escaped


def _render(template: str, fields: dict[str, str]) -> bytes:
    text = Template((TEMPLATE_DIR / template).read_text(encoding="utf-8")).substitute(fields)
    # An empty optional block leaves a blank line; drop blank lines so the output reads like the template.
    return ("\n".join(line for line in text.split("\n") if line.strip()) + "\n").encode("utf-8")


def render_word(settings: ManifestSettings) -> bytes:
    """TaskPaneApp for Word (Document host), WordApi 1.1, a Home tab button, SSO in VersionOverrides 1.0."""
    return _render("word.xml", _fields(settings, settings.word_id, sso_indent="    "))


def render_outlook(settings: ManifestSettings) -> bytes:
    """MailApp (Mailbox 1.3, message read and compose); nested VersionOverrides 1.1 pins the pane and has SSO."""
    return _render("outlook.xml", _fields(settings, settings.outlook_id, sso_indent="      "))


RENDERERS = {"word.xml": render_word, "outlook.xml": render_outlook}
