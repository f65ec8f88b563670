"""The Word and Outlook XML manifests: valid against the Office schemas, with what each host needs, from config."""
from __future__ import annotations

import json
import uuid

import pytest
from lxml import etree

from server import __version__
from server.manifests.common import derived_id, four_part_version, settings_from_config, three_part_version
from server.manifests.xml import render_outlook, render_word
from tests.conftest import SHARED, skip_or_fail

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "tp": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "m10": "http://schemas.microsoft.com/office/mailappversionoverrides",
    "m11": "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
}
XSI_TYPE = f"{{{NS['xsi']}}}type"
CLIENT = "0c5f3d2e-0000-4000-8000-0000000d12af"
ENTRA = {"PUBLIC_URL": "https://drafter.agency.gov", "AUTH_MODE": "entra", "CLIENT_ID": CLIENT,
         "AUTHORITY_HOST": "https://login.microsoftonline.com"}
DEV = {"PUBLIC_URL": "https://localhost:3000", "AUTH_MODE": "dev", "CLIENT_ID": ""}
RENDER = {"word": render_word, "outlook": render_outlook}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    root = SHARED / "office-schemas" / "xml" / "OfficeAppManifestV1_1.xsd"
    if not root.is_file():
        skip_or_fail(f"the Office manifest schemas are not at {root.parent}")
    # Parsed from its path so that the five imported schemas resolve beside it.
    return etree.XMLSchema(etree.parse(str(root)))


def render(host: str, **config) -> etree._Element:
    return etree.fromstring(RENDER[host](settings_from_config({**ENTRA, **config})))


def assert_valid(schema, doc) -> None:
    if not schema.validate(doc):
        pytest.fail("; ".join(f"line {e.line}: {e.message}" for e in schema.error_log))


@pytest.mark.parametrize("host", ["word", "outlook"])
@pytest.mark.parametrize("config", [
    ENTRA,
    DEV,
    {**DEV, "PUBLIC_URL": "http://127.0.0.1:3000"},
    {**ENTRA, "ADDIN_NAME": 'R&D "Drafter" <b>', "PROVIDER_NAME": "Ministère d'État & Co",
     "ADDIN_DESCRIPTION": "Écrire & résumer <vite>"},
    {**ENTRA, "WORD_ADDIN_ID": str(uuid.uuid4()), "OUTLOOK_ADDIN_ID": str(uuid.uuid4()),
     "APP_ID_URI": "api://drafter.agency.gov", "SUPPORT_URL": "https://intranet.agency.gov/help?app=drafter&x=1",
     "AUTHORITY_HOST": "https://login.microsoftonline.us"},
], ids=["entra", "dev", "dev-http-loopback", "odd-characters", "configured"])
def test_manifests_validate_against_the_office_schemas(schema, host, config):
    assert_valid(schema, etree.fromstring(RENDER[host](settings_from_config(config))))


# Each mutation removes something the schema requires (or breaks its order/type); the validator must refuse it.
BREAKAGES = [
    ("word", "/o:OfficeApp/o:Id"),
    ("word", "/o:OfficeApp/o:DefaultSettings"),
    ("word", "/o:OfficeApp/o:Permissions"),
    ("word", "//tp:Action/tp:SourceLocation"),
    ("word", "//tp:Control/tp:Supertip"),
    ("outlook", "/o:OfficeApp/o:Id"),
    ("outlook", "/o:OfficeApp/o:Rule"),
    ("outlook", "/o:OfficeApp/o:FormSettings"),
    ("outlook", "/o:OfficeApp/o:Requirements"),
    ("outlook", "(//m11:Action/m11:SourceLocation)[1]"),
    ("outlook", "(//m10:Control/m10:Label)[1]"),
]


@pytest.mark.parametrize(("host", "path"), BREAKAGES)
def test_a_manifest_missing_a_required_element_fails_the_schema(schema, host, path):
    doc = render(host)
    assert_valid(schema, doc)  # the same document is valid before the cut
    (target,) = doc.xpath(path, namespaces=NS)
    target.getparent().remove(target)
    assert not schema.validate(doc)


@pytest.mark.parametrize(("host", "mutate", "message"), [
    ("word", lambda d: d.find("o:Version", NS).__setattr__("text", "1.0.0.0.0"), "pattern"),
    ("word", lambda d: d.find("o:Id", NS).__setattr__("text", "not-a-guid"), "Id"),
    ("outlook", lambda d: d.find("o:Permissions", NS).__setattr__("text", "ReadWriteDocument"), "Permissions"),
    ("outlook", lambda d: d.insert(0, d.find("o:Version", NS)), "Id"),  # out of order
])
def test_bad_values_and_order_fail_the_schema(schema, host, mutate, message):
    doc = render(host)
    mutate(doc)
    assert not schema.validate(doc)
    assert message in str(schema.error_log)


def resources(doc) -> dict[str, str]:
    return {el.get("id"): el.get("DefaultValue") for el in doc.iter(f"{{{NS['bt']}}}Image", f"{{{NS['bt']}}}Url",
                                                                    f"{{{NS['bt']}}}String")}


@pytest.mark.parametrize("host", ["word", "outlook"])
def test_every_resource_reference_is_defined(host):
    # The schema does not check resids; Office refuses a manifest whose resid points nowhere.
    doc = render(host)
    defined = set(resources(doc))
    used = {el.get("resid") for el in doc.iter() if el.get("resid")}
    assert used and used <= defined


def test_word_manifest_is_a_task_pane_on_the_home_tab_with_sso():
    doc = render("word")
    assert doc.get(XSI_TYPE) == "TaskPaneApp"
    assert doc.find("o:Id", NS).text == derived_id("https://drafter.agency.gov", "word")
    assert doc.find("o:Version", NS).text == four_part_version(__version__)
    assert [h.get("Name") for h in doc.findall("o:Hosts/o:Host", NS)] == ["Document"]
    (word_api,) = doc.findall("o:Requirements/o:Sets/o:Set", NS)
    assert (word_api.get("Name"), word_api.get("MinVersion")) == ("WordApi", "1.1")
    assert doc.find("o:Permissions", NS).text == "ReadWriteDocument"
    assert doc.find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue") == \
        "https://drafter.agency.gov/addin/taskpane.html"
    overrides = doc.find("tp:VersionOverrides", NS)
    assert overrides.get(XSI_TYPE) == "VersionOverridesV1_0"
    assert overrides.find("tp:Hosts/tp:Host", NS).get(XSI_TYPE) == "Document"
    point = overrides.find("tp:Hosts/tp:Host/tp:DesktopFormFactor/tp:ExtensionPoint", NS)
    assert point.get(XSI_TYPE) == "PrimaryCommandSurface"
    assert point.find("tp:OfficeTab", NS).get("id") == "TabHome"
    action = point.find(".//tp:Control/tp:Action", NS)
    assert action.get(XSI_TYPE) == "ShowTaskpane"
    pane_resid = action.find("tp:SourceLocation", NS).get("resid")
    assert resources(doc)[pane_resid] == "https://drafter.agency.gov/addin/taskpane.html"
    sso = overrides.find("tp:WebApplicationInfo", NS)
    assert sso.find("tp:Id", NS).text == CLIENT
    assert sso.find("tp:Resource", NS).text == f"api://drafter.agency.gov/{CLIENT}"
    assert "User.Read" in [s.text for s in sso.findall("tp:Scopes/tp:Scope", NS)]
    assert [d.text for d in doc.findall("o:AppDomains/o:AppDomain", NS)] == ["https://login.microsoftonline.com"]


def test_outlook_manifest_reads_and_composes_messages_and_pins_the_pane_with_mailbox_1_5():
    doc = render("outlook")
    assert doc.get(XSI_TYPE) == "MailApp"
    assert doc.find("o:Id", NS).text == derived_id("https://drafter.agency.gov", "outlook")
    assert [h.get("Name") for h in doc.findall("o:Hosts/o:Host", NS)] == ["Mailbox"]
    (mailbox,) = doc.findall("o:Requirements/o:Sets/o:Set", NS)
    assert (mailbox.get("Name"), mailbox.get("MinVersion")) == ("Mailbox", "1.3")
    assert doc.find("o:Permissions", NS).text == "ReadWriteItem"
    rules = {(r.get("ItemType"), r.get("FormType")) for r in doc.findall("o:Rule/o:Rule", NS)}
    assert rules == {("Message", "Read"), ("Message", "Edit")}
    outer = doc.find("m10:VersionOverrides", NS)
    inner = outer.find("m11:VersionOverrides", NS)
    assert (outer.get(XSI_TYPE), inner.get(XSI_TYPE)) == ("VersionOverridesV1_0", "VersionOverridesV1_1")
    assert outer.find("m10:Requirements/bt:Sets", NS).get("DefaultMinVersion") == "1.3"
    assert inner.find("m11:Requirements/bt:Sets", NS).get("DefaultMinVersion") == "1.5"  # pinning needs 1.5
    for overrides, ns in ((outer, "m10"), (inner, "m11")):
        points = overrides.findall(f"{ns}:Hosts/{ns}:Host/{ns}:DesktopFormFactor/{ns}:ExtensionPoint", NS)
        assert [p.get(XSI_TYPE) for p in points] == ["MessageReadCommandSurface", "MessageComposeCommandSurface"]
        for point in points:
            action = point.find(f".//{ns}:Action", NS)
            assert action.get(XSI_TYPE) == "ShowTaskpane"
    pinning = [p.text for p in inner.iter(f"{{{NS['m11']}}}SupportsPinning")]
    assert pinning == ["true", "true"]
    assert not list(outer.iter(f"{{{NS['m10']}}}SupportsPinning"))
    # Single sign-on lives in VersionOverrides 1.1 for Outlook.
    assert outer.find("m10:WebApplicationInfo", NS) is None
    assert inner.find("m11:WebApplicationInfo/m11:Id", NS).text == CLIENT
    # The 1.1 schema leaves these optional; Office's single sign-on needs them, so check them here.
    assert inner.find("m11:WebApplicationInfo/m11:Resource", NS).text == f"api://drafter.agency.gov/{CLIENT}"
    assert inner.findall("m11:WebApplicationInfo/m11:Scopes/m11:Scope", NS)
    for form in doc.findall("o:FormSettings/o:Form", NS):
        assert form.find("o:DesktopSettings/o:SourceLocation", NS).get("DefaultValue") == \
            "https://drafter.agency.gov/addin/taskpane.html"


@pytest.mark.parametrize("host", ["word", "outlook"])
def test_without_a_client_id_there_is_no_sso_block(schema, host):
    doc = etree.fromstring(RENDER[host](settings_from_config(DEV)))
    assert not [el for el in doc.iter() if isinstance(el.tag, str) and el.tag.endswith("WebApplicationInfo")]
    assert_valid(schema, doc)


@pytest.mark.parametrize("host", ["word", "outlook"])
def test_text_settings_are_escaped_and_read_back_exactly(host):
    name, provider = 'R&D "Drafter" <b>', "Ministère d'État & Co"
    doc = render(host, ADDIN_NAME=name, PROVIDER_NAME=provider)
    assert doc.find("o:DisplayName", NS).get("DefaultValue") == name
    assert doc.find("o:ProviderName", NS).text == provider


def test_ids_are_stable_per_deployment_distinct_per_manifest_and_configurable():
    first, again = settings_from_config(ENTRA), settings_from_config(dict(ENTRA))
    other = settings_from_config({**ENTRA, "PUBLIC_URL": "https://drafter.other.gov"})
    assert (first.word_id, first.outlook_id, first.app_id) == (again.word_id, again.outlook_id, again.app_id)
    assert len({first.word_id, first.outlook_id, first.app_id}) == 3
    assert first.word_id != other.word_id
    assert settings_from_config({**ENTRA, "PUBLIC_URL": "https://drafter.agency.gov/"}).word_id == first.word_id
    chosen = str(uuid.uuid4())
    assert render("word", WORD_ADDIN_ID=chosen).find("o:Id", NS).text == chosen


@pytest.mark.parametrize(("version", "four", "three"), [
    ("0.1.0", "0.1.0.0", "0.1.0"),
    ("1.2", "1.2.0.0", "1.2.0"),
    ("2", "2.0.0.0", "2.0.0"),
    ("1.2.3rc1", "1.2.3.0", "1.2.3"),
    ("1.2.3-beta.4+build.5", "1.2.3.0", "1.2.3"),
    ("1.2.3.4.5", "1.2.3.4", "1.2.3"),
])
def test_versions(version, four, three):
    assert four_part_version(version) == four
    assert three_part_version(version) == three


def test_links_default_to_the_service_and_follow_settings():
    default = settings_from_config(ENTRA)
    assert (default.support_url, default.privacy_url, default.terms_url) == (
        "https://drafter.agency.gov/addin/help.html", "https://drafter.agency.gov/privacy",
        "https://drafter.agency.gov/terms")
    assert default.app_id_uri == f"api://drafter.agency.gov/{CLIENT}"
    configured = settings_from_config({**ENTRA, "APP_ID_URI": "api://x/y", "TERMS_URL": "https://agency.gov/t"})
    assert (configured.app_id_uri, configured.terms_url) == ("api://x/y", "https://agency.gov/t")
    assert settings_from_config(DEV).app_id_uri == ""


def test_a_configured_manifest_version_lets_admins_push_a_settings_change(schema):
    from server.manifests.unified import render_manifest

    settings = settings_from_config({**ENTRA, "MANIFEST_VERSION": "7.3.1"})
    for host in ("word", "outlook"):
        doc = etree.fromstring(RENDER[host](settings))
        assert doc.find("o:Version", NS).text == "7.3.1.0"
        assert_valid(schema, doc)
    assert json.loads(render_manifest(settings, authority_host=settings.authority_host))["version"] == "7.3.1"
    assert settings_from_config(ENTRA).version == four_part_version(__version__)
