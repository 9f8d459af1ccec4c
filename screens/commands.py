"""Command palette (ctrl+p): jump to any section, the global actions, and every action the
current screen offers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.sections.specs import SECTIONS

Target = tuple[str, Callable[[], object], str]


class NavigationProvider(Provider):
    def _main(self) -> object | None:
        from screens.main import MainScreen

        return next((s for s in reversed(self.app.screen_stack) if isinstance(s, MainScreen)), None)

    def _go(self, section_id: str, then_add: bool = False) -> None:
        from screens.main import MainScreen

        found = self._main()
        if not isinstance(found, MainScreen):
            return
        main: MainScreen = found
        while self.app.screen is not found:
            self.app.pop_screen()
        main.action_show_section(section_id)
        if then_add:
            self.app.call_after_refresh(main.action_add)

    def _targets(self) -> list[Target]:
        targets: list[Target] = [
            (
                f"Go to {s.title}",
                partial(self._go, s.id),
                f"Show the {s.title.lower()} list (key {s.key})",
            )
            for s in SECTIONS
        ]
        targets += [
            (
                "Push resources" if s.id == "resources" else s.add_label,
                partial(self._go, s.id, True),
                f"{s.add_label} (the {s.title.lower()} list, key {s.key}, then a)",
            )
            for s in SECTIONS
            if s.add_label
        ]
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if (
                not binding.description
                or not active.enabled
                or binding.action in ("command_palette",)
            ):
                continue
            key = self.app.get_key_display(binding)
            run = partial(self.app.run_action, binding.action, active.node)
            targets.append(
                (binding.description, run, f"{binding.tooltip or binding.description} (key {key})")
            )
        seen: set[str] = set()
        unique = []
        for target in targets:
            if target[0] not in seen:
                seen.add(target[0])
                unique.append(target)
        return unique

    async def discover(self) -> Hits:
        for name, run, help_text in self._targets():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._targets():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
