"""The console's accounts: add a user, remove one, change a password."""

from __future__ import annotations

from ivr.actions.base import ActionRefused, Actor, AuditAction, record
from ivr.runtime import Runtime
from ivr.storage.console import (
    CONSOLE_ROLES,
    MAX_PASSWORD,
    MIN_PASSWORD,
    ConsoleStore,
    User,
    UserExists,
    check_name,
    hash_password,
    password_problem,
)

# A role as the console and the audit log say it.
ROLE_WORDS = {"operator": "operador", "viewer": "lector", "agent": "agente"}


def _store(runtime: Runtime) -> ConsoleStore:
    return ConsoleStore(runtime.engine)


def _user_name(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as error:
        raise ActionRefused(
            str(error),
            f"«{name}» no es un nombre de usuario: de 1 a 32 letras (a-z), dígitos, «.», «_» o "
            "«-», empezando por una letra o un dígito.",
            field="name",
        ) from None


def _exists(name: str) -> ActionRefused:
    return ActionRefused(f"there is already a user '{name}'", f"Ya existe el usuario «{name}».")


def _missing(name: str) -> ActionRefused:
    return ActionRefused(f"there is no user '{name}'", f"No existe el usuario «{name}».")


def _password_hash(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise ActionRefused(
            problem,
            f"La contraseña debe tener de {MIN_PASSWORD} a {MAX_PASSWORD} caracteres, "
            "no solo espacios.",
            field="password",
        )
    return hash_password(password)


def check_new_user(runtime: Runtime, name: str, role: str) -> str:
    """Return the name as stored if a user ``name`` with ``role`` can be added; else refuse."""
    user_name = _user_name(name)
    if role not in CONSOLE_ROLES:
        raise ActionRefused(
            f"unknown role '{role}': one of {', '.join(CONSOLE_ROLES)}",
            f"Rol desconocido «{role}»: {', '.join(CONSOLE_ROLES[:-1])} o {CONSOLE_ROLES[-1]}.",
            field="role",
        )
    if _store(runtime).get(user_name) is not None:
        raise _exists(user_name)
    return user_name


def find_user(runtime: Runtime, name: str) -> User:
    """Return the user called ``name``, or refuse: not a user name, or no such user."""
    user_name = _user_name(name)
    user = _store(runtime).get(user_name)
    if user is None:
        raise _missing(user_name)
    return user


def add_user(runtime: Runtime, actor: Actor, name: str, role: str, password: str) -> User:
    """Create a console user with ``role``; the console is on once the first one exists."""
    user_name = check_new_user(runtime, name, role)
    try:
        user = _store(runtime).add(user_name, role, _password_hash(password), runtime.now())
    except UserExists:  # added meanwhile, through another door
        raise _exists(user_name) from None
    detail = f"{user_name} ({ROLE_WORDS[role]})"
    record(runtime, actor, AuditAction.USER_ADD, detail, summary=f"role {role}")
    return user


def remove_user(runtime: Runtime, actor: Actor, name: str) -> User:
    """Remove a console user; their open sessions end at their next request."""
    user = find_user(runtime, name)
    if not _store(runtime).remove(user.name):  # removed meanwhile
        raise _missing(user.name)
    record(runtime, actor, AuditAction.USER_REMOVE, user.name, summary=f"role {user.role}")
    return user


def change_password(runtime: Runtime, actor: Actor, name: str, password: str) -> User:
    """Set a user's password; the sessions opened with the old one end."""
    user = find_user(runtime, name)
    _store(runtime).set_password(user.name, _password_hash(password), runtime.now())
    record(runtime, actor, AuditAction.USER_PASSWORD, user.name, summary=f"role {user.role}")
    return user
