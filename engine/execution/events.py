"""Typed events the runner publishes; the TUI turns them into messages, the CLI prints them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OperationChanged:
    op_id: str
    status: str
    error: str = ""


@dataclass(frozen=True)
class StepChanged:
    op_id: str
    index: int
    name: str
    status: str


@dataclass(frozen=True)
class TaskChanged:
    op_id: str
    index: int
    node: str
    status: str
    reason: str = ""
    attempts: int = 0


@dataclass(frozen=True)
class LogLines:
    """Lines written to one node's log of one step, batched (about every 50 ms)."""

    op_id: str
    index: int
    node: str
    lines: tuple[str, ...]


Event = OperationChanged | StepChanged | TaskChanged | LogLines
Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            subscriber(event)
