"""The two staff roles as Django groups: clerk (办事员) and supervisor (主管).

- A clerk processes errands; a supervisor also manages devices, the catalog, rosters, offline
  files and staff accounts. A superuser (made by ``township-center init``) counts as supervisor.
"""

from __future__ import annotations

from typing import Any

CLERK = "clerk"
SUPERVISOR = "supervisor"
ROLE_PERMS = {CLERK: ["process_errands"], SUPERVISOR: ["process_errands", "supervise"]}
PERM_CLERK = "console.process_errands"
PERM_SUPERVISOR = "console.supervise"


def ensure_roles(sender: Any = None, **kwargs: Any) -> None:
    """Create the two groups with their permissions (idempotent; runs after every migrate)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from sync.township.console.models import Access

    ct = ContentType.objects.get_for_model(Access, for_concrete_model=False)
    perms = {}
    for codename, name in Access._meta.permissions:
        perms[codename], _ = Permission.objects.get_or_create(content_type=ct, codename=codename,
                                                              defaults={"name": name})
    for role, codenames in ROLE_PERMS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(perms[c] for c in codenames))


def role_of(user: Any) -> str:
    """``supervisor``, ``clerk`` or ``""`` for a user with neither."""
    if user.has_perm(PERM_SUPERVISOR):
        return SUPERVISOR
    if user.has_perm(PERM_CLERK):
        return CLERK
    return ""


def set_role(user: Any, role: str) -> None:
    """Put the user in exactly one of the two groups."""
    from django.contrib.auth.models import Group

    ensure_roles()
    user.groups.remove(*Group.objects.filter(name__in=list(ROLE_PERMS)))
    user.groups.add(Group.objects.get(name=role))
