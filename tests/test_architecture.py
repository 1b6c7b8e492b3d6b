"""Architecture as a checked contract: the import-linter contracts in pyproject.toml hold, and no
new import cycle appears inside ``matcher`` or ``web``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent

# Cycles that exist today, each a strongly connected component of the direct-import graph (type-only
# imports included: a cycle that only mypy sees still ties the modules together). Debt, not
# permission: a new cycle, or a module joining one of these, fails; a cycle that is broken must be
# taken off this list.
KNOWN_CYCLES: dict[str, list[frozenset[str]]] = {
    "matcher": [
        # issue 14: explain renders every match in both languages (explain -> render) and render
        # types its argument as Explanation (render -> explain, TYPE_CHECKING only); goes when
        # rendering becomes a separate function the web layer calls in the user's language.
        frozenset({"matcher.explain", "matcher.render"}),
    ],
    # issue 14 broke the last two (app <-> curation through `caunoi assign`, web.cli <-> cli_*)
    "web": [],
}


def test_import_contracts_hold():
    """`lint-imports` keeps every contract of pyproject.toml (matcher never imports web, web.store
    no HTTP framework, web layers only downward)."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint_imports), "--no-cache", "--no-logo"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def strongly_connected(modules: Iterable[str], imports: dict[str, set[str]]) -> Iterator[frozenset[str]]:
    """Tarjan's strongly connected components with more than one module: the import cycles."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(module: str) -> Iterator[frozenset[str]]:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(imports[module]):
            if imported not in order:
                yield from visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                yield frozenset(component)

    for module in sorted(modules):
        if module not in order:
            yield from visit(module)


def one_cycle(component: frozenset[str], imports: dict[str, set[str]]) -> list[str]:
    """A shortest import loop through the component's first module, written out: ``[a, b, ..., a]``."""
    start = min(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(imports[module] & component):
                if imported == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if imported not in came_from:
                    came_from[imported] = module
                    following.append(imported)
        frontier = following
    raise ValueError(f"{sorted(component)} is not an import cycle")


def test_strongly_connected_finds_cycles_and_only_cycles():
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": set()}
    assert list(strongly_connected(imports, imports)) == [frozenset({"a", "b", "c"})]
    assert one_cycle(frozenset({"a", "b", "c"}), imports) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("package", ["matcher", "web"])
def test_no_import_cycles_beyond_the_known_ones(package):
    """Every import cycle inside the package is one already listed in KNOWN_CYCLES."""
    graph = grimp.build_graph(package, cache_dir=None)
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    cycles = set(strongly_connected(graph.modules, imports))
    known = set(KNOWN_CYCLES[package])
    new = [f"{' -> '.join(one_cycle(c, imports))} (the {len(c)} modules of the cycle: {sorted(c)})"
           for c in sorted(cycles - known, key=sorted)]
    gone = [sorted(c) for c in known - cycles]
    assert not new, f"new import cycle(s) in {package} (break them; see KNOWN_CYCLES): {new}"
    assert not gone, f"cycle(s) in KNOWN_CYCLES for {package} changed or are gone: update the list: {gone}"
