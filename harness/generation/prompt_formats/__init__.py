"""Prompt formats: named, versioned ways of turning a question into chat messages.

``PROMPT_FORMATS`` maps a name to its class (built-ins lazily, third parties through the
``harness.prompt_formats`` entry-point group); :func:`make_format` builds one for a suite.
``house`` is the harness's own prompt (:mod:`harness.generation.prompts`).
"""

from harness.generation.prompt_formats.base import (
    DEFAULT_FORMAT,
    PROMPT_FORMATS,
    Messages,
    PromptFormat,
    make_format,
    messages_hash,
    render_chat,
    template_flags,
)

__all__ = [
    "DEFAULT_FORMAT",
    "PROMPT_FORMATS",
    "Messages",
    "PromptFormat",
    "make_format",
    "messages_hash",
    "render_chat",
    "template_flags",
]
