"""The origins Office frames the task pane from, per Microsoft cloud: the pane's `frame-ancestors`.

A browser checks frame-ancestors against every ancestor of the pane's frame, not only its parent: in Word on
the web the pane's iframe sits in an Office for the web frame (*.officeapps.live.com), itself inside the page
the document was opened from (SharePoint, OneDrive, the Microsoft 365 app). So each list names the Office for
the web domain, the Outlook on the web hosts, the pages that open documents, and Microsoft's consolidated
domain. The cloud follows DRAFTER_AUTHORITY_HOST (a tenant signs in, and runs Office, in one cloud only);
DRAFTER_EXTRA_FRAME_ANCESTORS adds a host Office starts using before this file names it.

Sources (Microsoft Learn): "Microsoft 365 URLs and IP address ranges" for each cloud (worldwide, U.S.
Government GCC High and DoD, operated by 21Vianet), the rows for Exchange Online, SharePoint Online and Office
Online; and the Teams platform's "Prerequisites" for tabs (tab-requirements), whose frame-ancestors table lists
the Microsoft 365 hosts (Outlook, the Microsoft 365 app, *.cloud.microsoft) that run embedded apps.
Personal-account hosts (outlook.live.com, onedrive.live.com) are left out: the tenant allow-list refuses
personal Microsoft accounts, so those hosts could only frame a pane that cannot sign in.
"""
from __future__ import annotations

from urllib.parse import urlsplit

WORLDWIDE = (
    # Office for the web: Word renders documents, and the add-in frames within them, from this domain
    # (worldwide endpoints, "Office Online" row: *.officeapps.live.com, *.online.office.com).
    "https://*.officeapps.live.com",
    # SharePoint and OneDrive for Business (<tenant>.sharepoint.com, <tenant>-my.sharepoint.com): the top-level
    # page a document opens in, hence an ancestor of the pane.
    "https://*.sharepoint.com",
    # Outlook on the web and the new Outlook for Windows (Exchange Online row; tab-requirements' Outlook row).
    "https://outlook.office.com",
    "https://outlook.office365.com",
    # Outlook's new address on cloud.microsoft, named on its own so Outlook keeps working whatever happens to
    # the wildcard below.
    "https://outlook.cloud.microsoft",
    # Microsoft's single domain for Microsoft 365 web apps (m365.cloud.microsoft, teams.cloud.microsoft, ...):
    # tab-requirements' "All hosts (New)" row.
    "https://*.cloud.microsoft",
    # The Microsoft 365 app (www.office.com, www.microsoft365.com), which opens documents, and Office for the
    # web's *.online.office.com (tab-requirements' "Microsoft 365 app" row; Office Online row).
    "https://*.office.com",
    "https://*.microsoft365.com",
)

US_GOVERNMENT = (
    # GCC High and DoD (authority login.microsoftonline.us); GCC tenants use the worldwide cloud. Every Office
    # web host of both lives under office365.us: Outlook on the web (outlook.office365.us, DoD:
    # outlook-dod.office365.us), Office for the web (*.osi.office365.us, *.gov.online.office365.us,
    # *.dod.online.office365.us).
    "https://*.office365.us",
    "https://outlook.office365.us",
    # SharePoint and OneDrive: GCC High, then DoD (*.sharepoint-mil.us, *.dps.mil, od.apps.mil).
    "https://*.sharepoint.us",
    "https://*.sharepoint-mil.us",
    "https://*.dps.mil",
    "https://od.apps.mil",
    "https://*.od.apps.mil",
    # DoD's Outlook on the web and Office for the web on apps.mil.
    "https://webmail.apps.mil",
    "https://*.osi.apps.mil",
)

CHINA = (
    # Office 365 operated by 21Vianet (authority login.partner.microsoftonline.cn): Outlook on the web, SharePoint
    # and OneDrive, Office for the web (21Vianet endpoints: Exchange Online, SharePoint Online, Office Online).
    "https://partner.outlook.cn",
    "https://*.partner.outlook.cn",
    "https://*.sharepoint.cn",
    "https://*.partner.officewebapps.cn",
)

CLOUDS_BY_AUTHORITY = {
    "login.microsoftonline.us": US_GOVERNMENT,
    "login.partner.microsoftonline.cn": CHINA,
    "login.chinacloudapi.cn": CHINA,  # 21Vianet's older authority host, still answered
}


def office_frame_ancestors(authority_host: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The origins that may frame the Office pages for the cloud `authority_host` signs in with, plus `extra`
    (validated by server.config); an authority of no known cloud (a test's fake Entra) gets the worldwide list."""
    hosts = CLOUDS_BY_AUTHORITY.get(urlsplit(authority_host or "").hostname or "", WORLDWIDE)
    return list(dict.fromkeys([*hosts, *extra]))
