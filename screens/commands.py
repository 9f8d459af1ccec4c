"""Command palette (ctrl+p) entries: jump to any section."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.sections.specs import SECTIONS


class NavigationProvider(Provider):
    def _targets(self) -> list[tuple[str, str, str]]:
        return [
            (f"Go to {s.title}", s.id, f"Show the {s.title.lower()} list (key {s.key})")
            for s in SECTIONS
        ]

    def _go(self, section_id: str) -> None:
        from screens.main import MainScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, MainScreen):
                screen.action_show_section(section_id)
                return

    async def discover(self) -> Hits:
        for name, section_id, help_text in self._targets():
            yield DiscoveryHit(name, partial(self._go, section_id), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, section_id, help_text in self._targets():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._go, section_id), help=help_text
                )
