"""The prompt-format registry and the ``house`` format (the harness's own prompt, unchanged)."""

import pytest

from harness.core import Example
from harness.errors import ConfigError, UnknownNameError
from harness.generation.prompt_formats import PROMPT_FORMATS, make_format, messages_hash
from harness.generation.prompts import PROMPT_TEMPLATE_VERSION, PromptBuilder, template_hash

SCRIPT = (
    "CREATE TABLE singer (id INTEGER PRIMARY KEY, name TEXT); "
    "INSERT INTO singer VALUES (1, 'Ann');"
)
EXAMPLES = [Example(0, "music", "How many singers are there?", "SELECT count(*) FROM singer")]


@pytest.fixture
def tiny(tiny_suite_factory):
    return tiny_suite_factory({"music": SCRIPT}, EXAMPLES)


def test_house_format_is_the_prompt_builder_unchanged(tiny):
    fmt = make_format("house", tiny)
    prompt = fmt.build(EXAMPLES[0])
    assert prompt == PromptBuilder(tiny).build(EXAMPLES[0])
    assert prompt.messages == PromptBuilder(tiny).build(EXAMPLES[0]).messages
    assert fmt.messages(EXAMPLES[0]) == prompt.messages
    assert messages_hash(prompt.messages) == prompt.hash
    assert fmt.identity() == {
        "name": "house",
        "version": PROMPT_TEMPLATE_VERSION,
        "sha256": template_hash(),
        "options": {"schema_format": "ddl", "few_shot": 0},
    }


def test_house_options_reach_the_builder(tiny):
    columns = make_format("house", tiny, schema_format="columns").build(EXAMPLES[0])
    assert columns.messages == PromptBuilder(tiny, schema_format="columns").build(
        EXAMPLES[0]
    ).messages
    with pytest.raises(ConfigError, match="no option colour"):
        make_format("house", tiny, colour="red")
    with pytest.raises(ConfigError, match="Unknown schema_format 'xml'"):
        make_format("house", tiny, schema_format="xml")


def test_a_missing_database_is_an_error_on_the_prompt_not_an_exception(tiny):
    prompt = make_format("house", tiny).build(Example(1, "nowhere", "Q?", "SELECT 1"))
    assert prompt.messages == [] and prompt.error and "does not exist" in prompt.error


def test_unknown_format_lists_the_known_ones(tiny):
    with pytest.raises(UnknownNameError) as info:
        make_format("hosue", tiny)
    assert "Did you mean: house?" in str(info.value)
    assert "house" in PROMPT_FORMATS.names()
