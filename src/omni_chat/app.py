"""The conversation loop of ``omni chat``.

Each turn is streamed with ``responses.stream`` (the server's event stream, or polls where it
has none). Ctrl-C during an answer cancels the turn on the server and keeps what was shown,
marked canceled; Ctrl-C or Ctrl-D at the prompt ends the program.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from clear_street import ClearStreet
from clear_street._constants import API_KEY_ENV, BASE_URL_ENV
from clear_street.resources.v1.omni_ai import OmniAI
from clear_street.types import (
    DeltaEvent,
    DoneEvent,
    PartEvent,
    ResponseEvent,
    SnapshotEvent,
)
from clear_street.types.turn import Capability
from omni_chat.render import BOLD, DIM, Screen

PROMPT = "you> "
# Parts this client shows readably: charts, and order tickets it never places.
CAPABILITIES: list[Capability] = ["OPEN_CHART", "PREFILL_ORDER"]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="omni chat", description="Chat with an Omni AI API.")
    parser.add_argument("--base-url", default=os.environ.get(BASE_URL_ENV))
    parser.add_argument("--api-key", default=os.environ.get(API_KEY_ENV))
    parser.add_argument("--account-id", type=int, required=True)
    parser.add_argument("--thread", help="Resume this thread (its history is shown first).")
    parser.add_argument("--deep", metavar="TICKER", help="Start with deep insights on TICKER.")
    args = parser.parse_args(list(argv))
    if not args.base_url or not args.api_key:
        parser.error(f"--base-url and --api-key are required (or {BASE_URL_ENV}, {API_KEY_ENV})")
    return args


class Chat:
    def __init__(self, client: ClearStreet, account_id: int, screen: Screen) -> None:
        self.client = client
        self.account_id = account_id
        self.screen = screen
        self.thread_id: str | None = None

    @property
    def _api(self) -> OmniAI:
        return self.client.v1.omni_ai

    def show_history(self, thread_id: str) -> None:
        self.thread_id = thread_id
        history = self._api.threads.iter_messages(thread_id, account_id=self.account_id)
        for message in sorted(history, key=lambda m: m.seq):
            who = "you" if message.role == "USER" else "omni"
            self.screen.line(f"{who}:", BOLD)
            for part in message.content.parts if message.content else []:
                self.screen.part(part.model_dump(mode="json", by_alias=True))
            if message.outcome == "canceled":
                self.screen.line("[canceled]", DIM)

    def ask(self, text: str) -> None:
        if self.thread_id is None:
            created = self._api.threads.create_thread(
                type="instant", account_id=self.account_id, text=text, capabilities=CAPABILITIES
            )
            self.thread_id = created.data.thread_id
            self.follow(created.data.response_id)
        else:
            reply = self._api.threads.create_message(
                self.thread_id, text=text, account_id=self.account_id, capabilities=CAPABILITIES
            )
            self.follow(reply.data.response_id)

    def deep(self, ticker: str) -> None:
        created = self._api.threads.create_thread(
            type="deep_insights",
            account_id=self.account_id,
            target={"type": "ticker", "ticker": ticker.upper()},
        )
        self.thread_id = created.data.thread_id
        self.follow(created.data.response_id)

    def follow(self, response_id: str) -> None:
        """Show the answer as it grows; Ctrl-C cancels it."""
        self.screen.line("omni:", BOLD)
        try:
            for event in self._api.responses.stream(response_id, account_id=self.account_id):
                self._show(event)
        except KeyboardInterrupt:
            self._api.responses.cancel_response(response_id, account_id=self.account_id)
            self.screen.line("\n[canceled - the partial answer above is kept]", BOLD)

    def _show(self, event: ResponseEvent) -> None:
        if isinstance(event, SnapshotEvent) and event.response.content is not None:
            for part in event.response.content.parts:
                self.screen.part(part.model_dump(mode="json", by_alias=True))
        elif isinstance(event, DeltaEvent) and event.type == "thinking":
            self.screen.thought(event.text)
        elif isinstance(event, DeltaEvent):
            self.screen.write(event.text)
        elif isinstance(event, PartEvent):
            self.screen.line()
            self.screen.part(event.part.model_dump(mode="json", by_alias=True))
        elif isinstance(event, DoneEvent):
            self._outcome(event)

    def _outcome(self, event: DoneEvent) -> None:
        self.screen.line()
        if event.response.status == "canceled":
            self.screen.line("[canceled]", BOLD)
        elif event.response.status == "failed":
            message = event.response.error.message if event.response.error else "unknown"
            self.screen.line(f"[error: {message}]", BOLD)


def run(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    screen = Screen(sys.stdout, color=sys.stdout.isatty() and os.environ.get("TERM") != "dumb")
    with ClearStreet(api_key=args.api_key, base_url=args.base_url) as client:
        chat = Chat(client, args.account_id, screen)
        if args.thread:
            chat.show_history(args.thread)
        if args.deep:
            chat.deep(args.deep)
        screen.line("Ctrl-C cancels an answer; Ctrl-C or Ctrl-D here quits.", DIM)
        while True:
            try:
                text = input(PROMPT)
            except (EOFError, KeyboardInterrupt):
                screen.line()
                return 0
            if text.strip():
                chat.ask(text)


def main(argv: Sequence[str] | None = None) -> None:
    raise SystemExit(run(sys.argv[1:] if argv is None else argv))
