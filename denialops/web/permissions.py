"""Who may do what: the role matrix as data, and the one function that checks it.

Every route names the :class:`Action` it performs; :func:`allowed` is the only place a
role is compared with anything. ``docs/web.md`` prints :data:`MATRIX` and the tests walk
every route with every role against it.

=========  ==============================================================
role       meant for
=========  ==============================================================
admin      runs the system: everything, including users and API tokens
manager    RCM leader: works cases, bulk actions, rules, action plans
analyst    denial analyst: works cases, uploads remittances, quarantine
coder      coding / HIM: works cases
cdi        clinical documentation / UR nurse: works cases
access     patient access: works cases
viewer     reads everything a worker reads, changes nothing
=========  ==============================================================
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    ANALYST = "analyst"
    CODER = "coder"
    CDI = "cdi"
    ACCESS = "access"
    VIEWER = "viewer"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)


class Action(StrEnum):
    VIEW = "view"  # dashboard, queue, case pages and their JSON
    WORK_CASE = "work_case"  # move, assign, note, attach, letters
    BULK = "bulk"  # bulk assign / move / owner
    UPLOAD = "upload"  # ingest remittances
    QUARANTINE = "quarantine"  # see and download quarantined raw X12
    EDIT_RULES = "edit_rules"
    PLANS = "plans"  # create action plans
    MANAGE_USERS = "manage_users"  # users and their API tokens
    OWN_TOKENS = "own_tokens"  # a user's own API tokens


_WORKERS = frozenset({Action.VIEW, Action.WORK_CASE, Action.OWN_TOKENS})

MATRIX: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.MANAGER: _WORKERS
    | {Action.BULK, Action.UPLOAD, Action.QUARANTINE, Action.EDIT_RULES, Action.PLANS},
    Role.ANALYST: _WORKERS | {Action.BULK, Action.UPLOAD, Action.QUARANTINE},
    Role.CODER: _WORKERS,
    Role.CDI: _WORKERS,
    Role.ACCESS: _WORKERS,
    Role.VIEWER: frozenset({Action.VIEW, Action.OWN_TOKENS}),
}
"""The role matrix. A role not listed here (e.g. an old ``worker`` row) may do nothing."""


def allowed(role: str, action: Action) -> bool:
    """May a user with ``role`` perform ``action``? The one permission check."""
    try:
        return action in MATRIX[Role(role)]
    except ValueError:
        return False


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else ValueError naming the roles."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


ROLE_OWNER: dict[Role, str] = {
    Role.CODER: "coding_him",
    Role.CDI: "ur_cdi",
    Role.ACCESS: "patient_access",
}
"""The owner queue a department's role sees by default (others see every open case)."""


def default_owner(role: str) -> str | None:
    try:
        return ROLE_OWNER.get(Role(role))
    except ValueError:
        return None
