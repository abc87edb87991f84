"""A small generic registry: names to classes, loaded lazily.

Built-ins register as ``"module:attr"`` strings, so listing suites never imports torch;
third-party packages add entries through an entry-point group (``harness.suites``,
``harness.methods``), which is scanned on the first listing or lookup of a name that is not built
in, never at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar, overload

from harness.errors import RegistrationError, UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, entry_point_group: str | None = None):
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._targets: dict[str, str | T] = {}
        self._origins: dict[str, str] = {}
        self._scanned = entry_point_group is None

    def register(self, name: str, target: str | T, origin: str = "built-in") -> None:
        """Add ``name``; ``target`` is the object or a lazy ``"module:attr"`` string."""
        if name in self._targets:
            raise RegistrationError(f"{self.kind} '{name}' is registered twice ({origin}).")
        self._targets[name] = target
        self._origins[name] = origin

    def unregister(self, name: str) -> None:
        """Remove ``name`` (a test's throwaway entry, a plugin being reloaded)."""
        self._targets.pop(name, None)
        self._origins.pop(name, None)

    def _scan_entry_points(self) -> None:
        if self._scanned:
            return
        self._scanned = True
        from importlib.metadata import entry_points  # ~20 ms of imports: only when needed

        group = self.entry_point_group
        if group is None:
            return
        for ep in entry_points(group=group):
            if ep.name not in self._targets:
                dist = ep.dist.name if ep.dist else "?"
                version = ep.dist.version if ep.dist else "?"
                self.register(ep.name, ep.value, origin=f"{dist} {version}")

    def names(self) -> list[str]:
        self._scan_entry_points()
        return sorted(self._targets)

    def origin(self, name: str) -> str:
        return self._origins[name]

    def get(self, name: str) -> T:
        if name not in self._targets:  # a built-in needs no scan: entry points never shadow one
            self._scan_entry_points()
        if name not in self._targets:
            raise UnknownNameError(self.kind, name, self._targets)
        target = self._targets[name]
        if isinstance(target, str):
            target = self._targets[name] = load_object(target)
        return target

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def choices(self, *extra: str) -> Choices:
        """The names as a field's ``choices`` metadata, read when used (so a name registered
        after import, by a plugin or a test, is a valid choice), ``extra`` first."""
        return Choices(self, extra)


class Choices(Sequence[str]):
    """A live view of a registry's names (plus fixed ``extra`` names such as ``auto``)."""

    def __init__(self, registry: Registry, extra: tuple[str, ...] = ()):
        self.registry, self.extra = registry, extra

    def _names(self) -> list[str]:
        return [*self.extra, *self.registry.names()]

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index):
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self.extra or name in self.registry.names()

    def __repr__(self) -> str:
        return repr(self._names())


def load_object(spec: str):
    """Import ``"package.module:attr"`` and return the attribute."""
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise RegistrationError(f"'{spec}' is not of the form 'module:attr'.")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise RegistrationError(f"Cannot load '{spec}': {exc}") from exc
