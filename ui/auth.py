"""Who may use the dashboard, and for what: optional sign-in and roles.

Two modes:

- **Single-user** (the default): no ``[auth]`` section in
  ``.streamlit/secrets.toml``. Nobody signs in; the one user may do
  everything. ``.streamlit/config.toml`` makes the server listen on
  ``localhost`` only, and :func:`single_user_notice` says so on every page.
- **Signed in**: an ``[auth]`` section configures Streamlit's OpenID Connect
  sign-in (``st.login`` / ``st.user`` / ``st.logout``, which need Authlib).
  A signed-out visitor sees a sign-in prompt and no data. A signed-in user
  gets the roles that ``[skillproof.roles]`` maps their email (or a claim)
  to, and each role a set of permissions::

      [auth]
      redirect_uri = "https://skillproof.example.org/oauth2callback"
      cookie_secret = "..."
      client_id = "..."
      client_secret = "..."
      server_metadata_url = "https://login.example.org/.well-known/openid-configuration"

      [skillproof.roles]
      recruiter = ["ada@example.org", "@talent.example.org"]   # an address, or "@domain"
      hiring_manager = ["grace@example.org"]
      hr = ["hr-team"]                                          # a value of the claim below
      [skillproof]
      roles_claim = "groups"                                    # optional: a list claim of the ID token

Permissions (:data:`ROLE_PERMISSIONS`): ``view`` (see candidates and
results), ``import`` (import candidates, add badges, run verification),
``roles`` (edit role profiles), ``contacts`` (see email addresses unmasked)
and ``export`` (download shortlists and reports). A signed-in user with no
role gets nothing. Only the identity provider's verified email is used;
nothing here writes an email address to a log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import streamlit as st

Permission = Literal["view", "import", "roles", "contacts", "export"]
PERMISSIONS: Final[tuple[Permission, ...]] = ("view", "import", "roles", "contacts", "export")
ROLE_PERMISSIONS: Final[Mapping[str, frozenset[Permission]]] = {
    "recruiter": frozenset({"view", "import", "contacts"}),
    "hiring_manager": frozenset({"view", "roles"}),
    "hr": frozenset({"view", "contacts", "export"}),
    "admin": frozenset(PERMISSIONS),
}
ROLE_LABELS: Final[Mapping[str, str]] = {
    "recruiter": "recruiter",
    "hiring_manager": "hiring manager",
    "hr": "HR",
    "admin": "administrator",
}
PERMISSION_WORDS: Final[Mapping[Permission, str]] = {
    "view": "see candidates and results",
    "import": "import candidates and run verification",
    "roles": "edit role profiles",
    "contacts": "see candidates' contact details",
    "export": "export shortlists and reports",
}
SINGLE_USER_NOTICE: Final = (
    "Single-user mode: no sign-in is configured, so the dashboard listens on this computer only "
    "(`localhost`) and everyone who can open it sees the same workspace."
)


@dataclass(frozen=True, slots=True)
class User:
    """The person using the page.

    ``signed_in`` is False for a visitor who has not signed in, and for the
    single user when sign-in is not configured (``auth_configured`` False);
    ``permissions`` is then everything in single-user mode, nothing for a
    signed-out visitor.
    """

    auth_configured: bool
    signed_in: bool
    email: str | None = None
    name: str | None = None
    roles: frozenset[str] = frozenset()
    permissions: frozenset[Permission] = frozenset()

    def can(self, permission: Permission) -> bool:
        """Whether this user holds ``permission``."""
        return permission in self.permissions


def auth_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (sign-in is on)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, OSError, ValueError):  # no or unreadable secrets file: single-user
        return False


def roles_for(
    email: str | None, claims: Mapping[str, Any], mapping: Mapping[str, Any], *, claim: str = ""
) -> frozenset[str]:
    """The roles ``mapping`` (role -> list of addresses, ``@domain`` entries or claim values) grants.

    Addresses compare case-insensitively; ``@example.org`` matches every
    address at that domain (not its subdomains). With ``claim``, a value of
    that list (or string) claim equal to an entry grants the role too.
    Unknown role names are ignored.
    """
    address = (email or "").strip().lower()
    domain = "@" + address.rsplit("@", 1)[1] if "@" in address else None
    claimed = {str(v) for v in _as_list(claims.get(claim))} if claim else set()
    granted: set[str] = set()
    for role, entries in mapping.items():
        if role not in ROLE_PERMISSIONS:
            continue
        for entry in _as_list(entries):
            text = str(entry).strip()
            if (address and text.lower() == address) or (domain and text.lower() == domain) or text in claimed:
                granted.add(role)
    return frozenset(granted)


def permissions_for(roles: Iterable[str]) -> frozenset[Permission]:
    """Every permission any of ``roles`` holds."""
    out: set[Permission] = set()
    for role in roles:
        out |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(out)


def current_user() -> User:
    """The user of this session (see :class:`User`)."""
    if not auth_configured():
        return User(auth_configured=False, signed_in=False, permissions=frozenset(PERMISSIONS))
    info = _user_info()
    if not info.get("is_logged_in"):
        return User(auth_configured=True, signed_in=False)
    email = info.get("email") if isinstance(info.get("email"), str) else None
    if info.get("email_verified") is False:  # an unverified address cannot be trusted to name a role holder
        email = None
    settings = _settings()
    roles = roles_for(email, info, settings.get("roles") or {}, claim=str(settings.get("roles_claim") or ""))
    name = info.get("name") if isinstance(info.get("name"), str) else None
    return User(True, True, email, name, roles, permissions_for(roles))


def can(permission: Permission) -> bool:
    """Whether the current user holds ``permission`` (always True in single-user mode)."""
    return current_user().can(permission)


def require(permission: Permission = "view") -> User:
    """The current user, when they hold ``permission``; otherwise the page stops here.

    A signed-out visitor gets a sign-in prompt, a signed-in user without the
    permission a message naming what they cannot do; nothing after this call
    runs (``st.stop``), so no data reaches the page.
    """
    user = current_user()
    if user.can(permission):
        return user
    if user.auth_configured and not user.signed_in:
        st.info("**Sign in to use SkillProof.** Candidates' data is shown to signed-in users only.")
        st.button("Sign in", type="primary", on_click=_login, key="skillproof_sign_in")
    else:
        held = ", ".join(ROLE_LABELS.get(r, r) for r in sorted(user.roles)) or "no SkillProof role"
        st.warning(
            f"Your account ({held}) is not allowed to {PERMISSION_WORDS[permission]}. "
            "Ask an administrator for the role you need."
        )
    st.stop()
    raise AccessDenied(permission)  # st.stop() only returns outside a Streamlit run


class AccessDenied(PermissionError):
    """Raised by :func:`require` when the page could not be stopped (no Streamlit run)."""


def mask_email(email: str | None) -> str:
    """``ada.lovelace@example.org`` -> ``a***@example.org``: enough to tell people apart, not to write to them.

    Text that is not an address is masked whole (``***``); empty stays empty.
    """
    if not email:
        return ""
    text = email.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def contact(email: str | None) -> str:
    """An email as the current user may see it: whole with the ``contacts`` permission, else masked."""
    return (email or "") if can("contacts") else mask_email(email)


def contacts(emails: Iterable[str]) -> str:
    """Several addresses (comma-joined), each as :func:`contact` shows it."""
    return ", ".join(contact(e) for e in emails)


def single_user_notice() -> str | None:
    """The single-user notice when sign-in is not configured, else None."""
    return None if auth_configured() else SINGLE_USER_NOTICE


def sidebar() -> None:
    """The sign-in state in the sidebar: the single-user notice, or who is signed in and a sign-out button."""
    user = current_user()
    if not user.auth_configured:
        st.sidebar.caption(SINGLE_USER_NOTICE)
    elif user.signed_in:
        held = ", ".join(ROLE_LABELS.get(r, r) for r in sorted(user.roles)) or "no role"
        st.sidebar.caption(f"Signed in as {user.name or mask_email(user.email)} ({held}).")
        st.sidebar.button("Sign out", on_click=st.logout, key="skillproof_sign_out")


def _login() -> None:
    st.login()


def _user_info() -> Mapping[str, Any]:
    try:
        return st.user.to_dict()
    except (AttributeError, KeyError):
        return {}


def _settings() -> Mapping[str, Any]:
    try:
        section = st.secrets.get("skillproof", {})
    except (FileNotFoundError, OSError, ValueError):
        return {}
    return section if isinstance(section, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
