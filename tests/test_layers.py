"""The seam (docs/architecture.md): only a transport knows its messenger.

The shell (`bot/`), the flows (`handlers/`) and the domain (`models/`) must not import
`telegram`, nor compare anything with a platform's name: a flow asks for a capability.
Until the seam is built, today's importers are listed here; the list only shrinks, so a
module that stops importing `telegram` must leave it, and no new one may join.

Nor do they read the wall clock: time comes from the one clock (`bot/clock.py`), so that
tests and a demo can move it. Durations measured with `time.monotonic` are no time of day.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "models", "transports")
PLATFORMS = {"telegram", "signal"}
#: The one package that may import `telegram`.
TELEGRAM_TRANSPORT = "transports/telegram/"
#: The one module that reads the wall clock.
CLOCK = "bot/clock.py"
#: Calls that read the wall clock: (what they are called on, the method).
WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}

#: Modules that import `telegram` today; each is moved behind the seam in turn (#16).
STILL_IMPORTING = {
    "bot/cli.py",
    "bot/context.py",
    "bot/processor.py",
    "handlers/activity.py",
    "handlers/buttons.py",
    "handlers/candidates.py",
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


def _dotted(node: ast.expr) -> str | None:
    """`datetime.datetime` as "datetime.datetime", a plain name as itself."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _reads_wall_clock(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    owner = _dotted(func.value)
    return owner is not None and (owner.rsplit(".", 1)[-1], func.attr) in WALL_CLOCK


def test_only_the_clock_reads_the_wall_clock():
    reading = [
        f"{name}:{node.lineno}"
        for name, tree in _modules().items()
        if name != CLOCK
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _reads_wall_clock(node)
    ]
    assert reading == [], "take `now` as an argument, or read services.clock"


def _call(text: str) -> ast.Call:
    node = ast.parse(text, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


def test_the_wall_clock_check_sees_what_it_is_for():
    reads = ["datetime.now(UTC)", "datetime.datetime.now(UTC)", "date.today()", "time.time()"]
    fine = ["time.monotonic()", "clock.now()", "services.clock.now()", "self._clock.now()"]
    assert all(_reads_wall_clock(_call(text)) for text in reads)
    assert not any(_reads_wall_clock(_call(text)) for text in fine)
