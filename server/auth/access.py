"""Who may use Drafter, and who may use its admin endpoints: app roles and groups from the access token.

Pure: decisions on a Principal, refusals as Forbidden (403) with a reason a user can act on. Group
membership comes only from the token's groups claim; Microsoft Graph is never asked (an overage token,
which points at Graph instead of listing groups, is refused with what the administrator must change).
"""
from __future__ import annotations

from collections.abc import Iterable

from server.auth.tokens import Principal
from server.errors import Forbidden

ADMIN_ROLE = "Drafter.Admin"

GROUPS_OVERAGE = (
    "You are in more groups than a sign-in can list, so Drafter cannot see whether you are in one of the "
    "groups allowed to use it. Ask your administrator to set Drafter's groups claim to \"Groups assigned to "
    "the application\" (Token configuration in the app registration) and to assign the allowed groups to it."
)
NO_GROUPS_CLAIM = (
    "Your sign-in does not list your groups, so Drafter cannot see whether you are in one of the groups "
    "allowed to use it. Ask your administrator to add the groups claim to Drafter's access tokens (Token "
    "configuration in the app registration)."
)


def has_role(principal: Principal, role: str) -> bool:
    return role in principal.roles  # app role values are case-sensitive


def check_role(principal: Principal, role: str) -> None:
    if not has_role(principal, role):
        raise Forbidden(f"This needs the {role} app role, which your account does not have; ask your "
                        "administrator to assign it to you in Entra ID (Enterprise applications, Drafter, "
                        "Users and groups).")


def check_use(principal: Principal, *, allowed_roles: Iterable[str], allowed_groups: Iterable[str]) -> None:
    """With DRAFTER_ALLOWED_ROLES or _GROUPS set, the caller needs one of the roles or one of the groups.

    Drafter.Admin always counts: an administrator must be able to reach the admin endpoints.
    """
    roles, groups = set(allowed_roles), {g.lower() for g in allowed_groups}
    if not roles and not groups:
        return
    if has_role(principal, ADMIN_ROLE) or roles.intersection(principal.roles):
        return
    if groups:
        if groups.intersection(principal.groups):
            return
        if principal.groups_overage:
            raise Forbidden(GROUPS_OVERAGE)
        if "groups" not in principal.claims:
            raise Forbidden(NO_GROUPS_CLAIM)
    needs = [f"one of the app roles {', '.join(sorted(roles))}"] if roles else []
    needs += ["membership of an allowed group"] if groups else []
    raise Forbidden(f"Your account may not use Drafter: it needs {' or '.join(needs)}. Ask your administrator "
                    "for access.")
