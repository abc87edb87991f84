"""The interface every prompt format implements, and the registry that names them.

A prompt format turns one :class:`~harness.core.Example` of a suite into the chat ``messages`` a
model is asked with. Formats are versioned and hashed, so a run record can say exactly which
prompt a number came from: ``name`` (what users type), ``version`` (bumped by hand when the
output changes on purpose) and :attr:`PromptFormat.hash` (SHA-256 over every text and option
that shapes the output, so an unannounced change shows).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from harness.core import Example
from harness.errors import ConfigError, DataError
from harness.generation.prompts import Prompt
from harness.registry import Registry

Messages = list[dict[str, str]]


class PromptFormat(ABC):
    """One way of asking: builds the messages for the examples of one suite.

    Args:
        suite: gives the databases, ``schema_entry`` (``tables.json``) and splits.
        budget: most prompt tokens allowed (None: no limit); needs ``count_tokens``. A format
            that cannot shrink its prompt marks an over-long one with an ``error`` instead.
        count_tokens: the generator's ``count_tokens(messages)``.
        exclude: examples that must never be shown as shots (the evaluated ones).
        seed: for formats that choose anything at random.
        options: the format's own options (see each format's ``options`` doc).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(
        self,
        suite,
        *,
        budget: int | None = None,
        count_tokens: Callable[[Messages], int] | None = None,
        exclude: Sequence[Example] = (),
        seed: int = 0,
        **options: Any,
    ):
        if budget is not None and count_tokens is None:
            raise ConfigError("A prompt token budget needs a count_tokens function.")
        self.suite = suite
        self.budget = budget
        self.count_tokens = count_tokens
        self.exclude = exclude
        self.seed = seed
        self.options = self.check_options(options)

    # -- what a format defines --------------------------------------------------------------------
    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The format's options, validated; the default accepts none."""
        if options:
            raise ConfigError(
                f"Prompt format '{self.name}' takes no options; got {', '.join(sorted(options))}."
            )
        return {}

    def options_over(self, defaults: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        """``defaults`` updated by ``options``; an option the format does not have is an error
        that names the ones it has (for :meth:`check_options`)."""
        unknown = set(options) - set(defaults)
        if unknown:
            raise ConfigError(
                f"Prompt format '{self.name}' has no option {', '.join(sorted(unknown))}; "
                f"its options are {', '.join(defaults)}."
            )
        return {**defaults, **options}

    @abstractmethod
    def messages(self, example: Example) -> Messages:
        """The chat messages for ``example``; raises DataError when they cannot be built."""

    @abstractmethod
    def shaping_texts(self) -> list[str]:
        """Every fixed text and setting that shapes the output (hashed into :attr:`hash`)."""

    def prepare(self, examples: Sequence[Example]) -> None:
        """Check, before any prompt is built, that every example can get one; raises DataError
        naming those that cannot (the prebuilt format: ids missing from its file). Default: no
        check, a prompt that cannot be built carries an ``error`` instead."""

    # -- shared -----------------------------------------------------------------------------------
    @property
    def hash(self) -> str:
        """SHA-256 over the version, the shaping texts and the options."""
        parts = [self.name, self.version, *self.shaping_texts()]
        parts.append(json.dumps(self.options, sort_keys=True, default=str))
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def identity(self) -> dict[str, Any]:
        """What a run record stores about the format."""
        return {
            "name": self.name,
            "version": self.version,
            "sha256": self.hash,
            "options": dict(self.options),
        }

    def build(self, example: Example) -> Prompt:
        """The prompt for ``example``; never raises for data or length (see ``Prompt.error``)."""
        try:
            messages = self.messages(example)
        except (DataError, OSError) as exc:
            return Prompt(example.question_id, [], "full", None, f"prompt_unavailable: {exc}")
        if self.budget is None or self.count_tokens is None:
            return Prompt(example.question_id, messages)
        tokens = self.count_tokens(messages)
        error = None
        if tokens > self.budget:
            error = (
                f"prompt_too_long: {tokens} tokens; the budget is {self.budget} and prompt "
                f"format '{self.name}' is sent as its authors wrote it, never shortened. Raise "
                "max_prompt_tokens or use a model with a longer context."
            )
        return Prompt(example.question_id, messages, "full", tokens, error)


def template_flags(messages: Messages) -> dict[str, bool]:
    """How a chat template must be applied to ``messages``: with the generation prompt, or, when
    the last message is the assistant's (a prefill), continuing that message. The same keyword
    arguments serve ``apply_chat_template``, vLLM's ``LLM.chat`` and its server's request body."""
    prefill = bool(messages) and messages[-1]["role"] == "assistant"
    return {"add_generation_prompt": not prefill, "continue_final_message": prefill}


def render_chat(tokenizer, messages: Messages) -> str:
    """The text a chat model sees for ``messages``.

    The chat template with the generation prompt; when the last message is the assistant's (a
    prefill, such as Arctic's ``<think>`` opening), the template continues that message instead,
    so the model writes on from it. A tokenizer without a template gets a plain transcript.
    """
    flags = template_flags(messages)
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, **flags)
    return plain_transcript(messages)


def plain_transcript(messages: Messages) -> str:
    """The prompt of a model without a chat template (a base model): a plain transcript that
    ends where the answer goes (or, after an assistant prefill, continues it)."""
    text = "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages)
    return text + "\n\nAssistant:" if template_flags(messages)["add_generation_prompt"] else text


def messages_hash(messages: Messages) -> str:
    """The SHA-256 a run records for one sample's messages (same as ``Prompt.hash``)."""
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()


PROMPT_FORMATS: Registry[type[PromptFormat]] = Registry(
    "prompt format", entry_point_group="harness.prompt_formats"
)
PROMPT_FORMATS.register("house", "harness.generation.prompt_formats.house:HouseFormat")
PROMPT_FORMATS.register("omnisql", "harness.generation.prompt_formats.omnisql:OmniSQLFormat")
PROMPT_FORMATS.register("sql-r1", "harness.generation.prompt_formats.sql_r1:SQLR1Format")
PROMPT_FORMATS.register("arctic", "harness.generation.prompt_formats.arctic:ArcticFormat")
PROMPT_FORMATS.register("csc-sql", "harness.generation.prompt_formats.csc_sql:CSCSQLFormat")
PROMPT_FORMATS.register("finer-sql", "harness.generation.prompt_formats.finer_sql:FinerSQLFormat")
PROMPT_FORMATS.register("prebuilt", "harness.generation.prompt_formats.prebuilt:PrebuiltFormat")
DEFAULT_FORMAT = "house"


def make_format(name: str, suite, **kwargs: Any) -> PromptFormat:
    """The prompt format ``name`` for ``suite`` (unknown name: UnknownNameError listing known)."""
    return PROMPT_FORMATS.get(name)(suite, **kwargs)
