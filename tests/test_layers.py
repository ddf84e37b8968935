"""The seam (docs/architecture.md): only a transport knows its messenger.

The shell (`bot/`), the flows (`handlers/`) and the domain (`models/`) must not import
`telegram`, nor compare anything with a platform's name: a flow asks for a capability.
Until the seam is built, today's importers are listed here; the list only shrinks, so a
module that stops importing `telegram` must leave it, and no new one may join.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "models", "transports")
PLATFORMS = {"telegram", "signal"}
#: The one package that may import `telegram`.
TELEGRAM_TRANSPORT = "transports/telegram/"

#: Modules that import `telegram` today; each is moved behind the seam in turn (#16).
STILL_IMPORTING = {
    "bot/app.py",
    "bot/cli.py",
    "bot/context.py",
    "bot/intake.py",
    "bot/outbox.py",
    "bot/pacing.py",
    "bot/processor.py",
    "bot/scheduler.py",
    "handlers/activity.py",
    "handlers/buttons.py",
    "handlers/candidates.py",
    "handlers/cards.py",
    "handlers/commands.py",
    "handlers/dissolve.py",
    "handlers/fallback.py",
    "handlers/invite.py",
    "handlers/join_question.py",
    "handlers/join_requests.py",
    "handlers/linking.py",
    "handlers/lists.py",
    "handlers/membership.py",
    "handlers/moderation.py",
    "handlers/newgroup.py",
    "handlers/nudges.py",
    "handlers/oversight.py",
    "handlers/pages.py",
    "handlers/people.py",
    "handlers/report.py",
    "handlers/requests.py",
    "handlers/residents.py",
    "handlers/roles.py",
    "handlers/settings.py",
    "handlers/setup.py",
    "handlers/start.py",
    "handlers/throttle.py",
}


def _modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
    }


def _imports_telegram(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "telegram" or name.startswith("telegram.") for name in names):
            return True
    return False


def test_no_new_module_outside_a_transport_imports_telegram():
    modules = _modules()
    assert any(name.startswith(TELEGRAM_TRANSPORT) for name in modules)  # walked, and allowed
    importing = {
        name
        for name, tree in modules.items()
        if _imports_telegram(tree) and not name.startswith(TELEGRAM_TRANSPORT)
    }
    assert importing - STILL_IMPORTING == set(), "import it in the Telegram transport instead"
    assert STILL_IMPORTING - importing == set(), "no longer importing telegram: strike it here"


def test_no_flow_branches_on_a_platform_name():
    branching = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if any(
                isinstance(side, ast.Constant) and str(side.value).lower() in PLATFORMS
                for side in sides
            ):
                branching.append(f"{name}:{node.lineno}")
    assert branching == [], "ask the transport for a capability instead"
