"""Execution-accuracy rules: when does a prediction count as correct?

Four rules, each a pure description of what to execute and how to compare the results:

``bird``           The official BIRD evaluator (DAMO-ConvAI ``evaluation.py``, mini_dev
                   ``evaluation_ex.py``): correct iff ``set(pred_rows) == set(gold_rows)``. Row
                   order and duplicate rows are ignored, column order counts, no float tolerance.
``bird-strict``    The same without its quirks: duplicate rows count (multiset), and a text with no
                   statement is an error rather than an empty result.
``spider``         The official Spider test-suite evaluator (taoyds/test-suite-sql-eval
                   ``evaluation.py`` + ``exec_eval.py``, HEAD e97acc5), quirks and all: the
                   prediction is cut at its first tab, every substring ``value`` becomes ``1``,
                   every DISTINCT token is stripped from both queries (also inside
                   COUNT(DISTINCT …)) and only the first statement is kept, row order matters iff
                   the gold text contains "order by" anywhere, rows are compared as multisets with
                   columns matched up to permutation, after a quick check that sorts each row's
                   cells by
                   ``str(value) + str(type(value))`` (so ``1`` and ``1.0`` can differ). Results are
                   compared on every ``.sqlite`` file in the database's folder.
``spider-strict``  The same comparison without the quirks: the prediction as written, DISTINCT kept,
                   row order matters iff the gold's outermost query has ORDER BY, cells compared by
                   value only.

Under an official rule, every verdict that a quirk decided says so: its reason is
``quirk:<name>`` and ``strict_correct`` holds the strict rule's verdict. One deliberate difference
from the official scripts: our timeout really stops a query (the Spider script waits forever).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from harness.core import Execution
from harness.registry import Registry

# -- text transformations of the Spider test-suite evaluator ----------------------------------


def _postprocess(query: str) -> str:
    """exec_eval.postprocess: join comparison operators split by a space."""
    return query.replace("> =", ">=").replace("< =", "<=").replace("! =", "!=")


_CUR_YEAR = re.compile(r"YEAR\s*\(\s*CURDATE\s*\(\s*\)\s*\)\s*", flags=re.IGNORECASE)


def _replace_cur_year(query: str) -> str:
    """exec_eval.replace_cur_year, applied to both queries right before execution."""
    return _CUR_YEAR.sub("2020", query)


@lru_cache(maxsize=65536)
def _first_statement_tokens(query: str) -> tuple[str, ...]:
    """The official ``sqlparse.parse(s)[0].flatten()`` token values.

    sqlparse's grouping pass does not change the leaf tokens, so the splitter alone (what
    ``sqlparse.split`` runs) gives the same tokens about five times faster.
    """
    from sqlparse import engine  # the evaluator's own tokenizer; imported only when needed

    for statement in engine.FilterStack().run(query):
        return tuple(token.value for token in statement.flatten())
    return ()


# sqlparse only changes a query that has a DISTINCT token or a second statement (split on ';'
# or a GO token). Its tokens are whole words, so "category" or "distinction" never need it.
_TOKENIZER_WORDS = re.compile(r"\b(?:distinct|go)\b", flags=re.IGNORECASE)


def _needs_tokenizer(query: str) -> bool:
    return ";" in query or _TOKENIZER_WORDS.search(query) is not None


def spider_remove_distinct(query: str) -> str:
    """exec_eval/parse.remove_distinct: drop DISTINCT tokens, keep only the first statement.

    >>> spider_remove_distinct("SELECT count(DISTINCT name) FROM t")
    'SELECT count( name) FROM t'
    >>> spider_remove_distinct("SELECT 'distinct' FROM t; DROP TABLE t")
    "SELECT 'distinct' FROM t; "
    """
    if not _needs_tokenizer(query):
        return query
    return "".join(t for t in _first_statement_tokens(query) if t.lower() != "distinct")


def spider_first_statement(query: str) -> str:
    """The first statement as sqlparse splits it, DISTINCT kept."""
    if not _needs_tokenizer(query):
        return query
    return "".join(_first_statement_tokens(query))


# -- comparison of results --------------------------------------------------------------------


def _official_cell_key(value) -> str:
    return str(value) + str(type(value))


_TYPE_RANK = {type(None): 0, int: 1, float: 1, str: 2, bytes: 3}


def _value_cell_key(value):
    """A sort key consistent with ==: equal cells (1 and 1.0) get equal keys."""
    return (_TYPE_RANK.get(type(value), 4), value)


def _unorder_rows(rows: list[tuple], type_sensitive: bool) -> list[tuple]:
    key = _official_cell_key if type_sensitive else _value_cell_key
    return [tuple(sorted(row, key=key)) for row in rows]


def _quick_reject_passes(gold, pred, order_matters: bool, type_sensitive: bool) -> bool:
    """exec_eval.quick_rej: rows with their cells sorted must match (as a list or as a set)."""
    g, p = _unorder_rows(gold, type_sensitive), _unorder_rows(pred, type_sensitive)
    return g == p if order_matters else set(g) == set(p)


def _multiset_equal(a: list, b: list) -> bool:
    return len(a) == len(b) and Counter(a) == Counter(b)


MAX_COLUMN_PERMUTATIONS = 1_000_000


def _column_permutations(gold: list[tuple], pred: list[tuple]) -> Iterator[tuple[int, ...]]:
    """Column maps gold→pred worth trying: pred column j can stand for gold column i only if every
    value of j occurs in i (the official pruning, applied with all rows instead of 20 sampled ones:
    it only removes maps that cannot work, so the verdict is the same)."""
    n = len(gold[0])
    gold_values = [{row[i] for row in gold} for i in range(n)]
    pred_values = [{row[j] for row in pred} for j in range(n)]
    allowed = [[j for j in range(n) if pred_values[j] <= gold_values[i]] for i in range(n)]
    for perm in product(*allowed):
        if len(set(perm)) == n:
            yield perm


def spider_results_equal(
    gold: list[tuple], pred: list[tuple], order_matters: bool, type_sensitive: bool = True
) -> bool:
    """exec_eval.result_eq: bag semantics, columns up to permutation, ordered if asked.

    >>> spider_results_equal([(1, 'a'), (2, 'b')], [('b', 2), ('a', 1)], order_matters=False)
    True
    >>> spider_results_equal([(1, 'a'), (2, 'b')], [('b', 2), ('a', 1)], order_matters=True)
    False
    >>> spider_results_equal([(1, 1.5)], [(1.0, 1.5)], order_matters=False)  # official quirk
    False
    >>> spider_results_equal([(1, 1.5)], [(1.0, 1.5)], False, type_sensitive=False)
    True
    """
    if not gold and not pred:
        return True
    if len(gold) != len(pred):
        return False
    n = len(gold[0])
    if len(pred[0]) != n:
        return False
    if not _quick_reject_passes(gold, pred, order_matters, type_sensitive):
        return False
    for tried, perm in enumerate(_column_permutations(gold, pred)):
        if tried >= MAX_COLUMN_PERMUTATIONS:
            return False
        permuted = pred if n == 1 else [tuple(row[j] for j in perm) for row in pred]
        if order_matters:
            if gold == permuted:
                return True
        elif set(gold) == set(permuted) and _multiset_equal(gold, permuted):
            return True
    return False


def bird_results_equal(gold: list[tuple], pred: list[tuple], duplicates_matter: bool = False):
    """BIRD: ``set(pred) == set(gold)`` (official), or a multiset comparison (strict).

    >>> bird_results_equal([(1,), (1,)], [(1,)])
    True
    >>> bird_results_equal([(1,), (1,)], [(1,)], duplicates_matter=True)
    False
    >>> bird_results_equal([(1, 'a')], [('a', 1)])  # column order counts
    False
    """
    if duplicates_matter:
        return Counter(gold) == Counter(pred)
    return set(gold) == set(pred)


@lru_cache(maxsize=4096)  # a property of the gold, asked again for each of its candidates
def gold_has_outer_order_by(sql: str) -> bool:
    """Whether the outermost query sorts its result: ORDER BY outside every parenthesis, string,
    quoted name and comment (the strict order test; the official one looks for the text anywhere).

    >>> gold_has_outer_order_by("SELECT a FROM t ORDER BY a")
    True
    >>> gold_has_outer_order_by("SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 3)")
    False
    >>> gold_has_outer_order_by("SELECT 'order by' FROM t")
    False
    >>> gold_has_outer_order_by("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1")
    True
    """
    depth, words = 0, []
    for kind, value in _top_level_tokens(sql):
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth = max(0, depth - 1)
        elif kind == "word" and depth == 0:
            words.append(value.lower())
            if words[-2:] == ["order", "by"]:
                return True
    return False


_TOKEN = re.compile(
    r"""(?P<skip>'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?|--[^\n]*|/\*.*?(?:\*/|$))"""
    r"""|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z_0-9$]*)|(?P<other>\S)""",
    re.DOTALL,
)


def _top_level_tokens(sql: str):
    for m in _TOKEN.finditer(sql):
        if m.group("paren"):
            yield m.group("paren"), m.group("paren")
        elif m.group("word"):
            yield "word", m.group("word")
        elif m.group("other"):
            yield "other", m.group("other")


# -- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedSQL:
    """The text a rule executes for a query, and the quirks that changed it."""

    text: str
    quirks: tuple[str, ...] = ()


class Rule:
    """How a suite decides correctness; subclasses are the official rules and strict twins."""

    name: str
    description: str
    official: bool
    text_errors: str = "strict"  # how invalid UTF-8 is decoded (see ExecutionSettings)
    all_databases: bool = False  # compare on every .sqlite in the database's folder
    #: The Spider evaluator cannot score an empty prediction (its reader takes an empty line for a
    #: session separator); BIRD's executes "" as a statement-less text with an empty result.
    empty_prediction_is_error: bool = False

    def prepare_pred(self, sql: str) -> PreparedSQL:
        return PreparedSQL(sql)

    def prepare_gold(self, sql: str) -> PreparedSQL:
        return PreparedSQL(sql)

    def order_matters(self, gold_raw: str, gold_text: str) -> bool:
        return False

    def equal(self, gold: list[tuple], pred: list[tuple], order_matters: bool) -> bool:
        raise NotImplementedError

    def comparison_quirks(self, gold, pred, order_matters, gold_raw, gold_text) -> list[str]:
        """Quirks of the comparison itself that flip this pair's verdict."""
        return []

    @property
    def empty_result_for_no_statement(self) -> bool:
        """Official scripts read a text with no statement (a comment, ';') as an empty result."""
        return self.official

    def strict_twin(self) -> Rule | None:
        return None


class BirdRule(Rule):
    def __init__(self, strict: bool = False):
        self.strict = strict
        self.official = not strict
        self.name = "bird-strict" if strict else "bird"
        self.description = (
            "multiset of rows, column order counts" if strict else "set of rows (official BIRD)"
        )

    def equal(self, gold, pred, order_matters):
        return bird_results_equal(gold, pred, duplicates_matter=self.strict)

    def comparison_quirks(self, gold, pred, order_matters, gold_raw, gold_text):
        if not self.strict and set(gold) == set(pred) and Counter(gold) != Counter(pred):
            return ["duplicates_ignored"]
        return []

    def strict_twin(self):
        return None if self.strict else BirdRule(strict=True)


class SpiderRule(Rule):
    text_errors = "ignore"  # the test-suite evaluator decodes text with errors="ignore"
    all_databases = True
    empty_prediction_is_error = True

    def __init__(self, strict: bool = False):
        self.strict = strict
        self.official = not strict
        self.name = "spider-strict" if strict else "spider"
        self.description = (
            "bag of rows, columns up to permutation, no evaluator quirks"
            if strict
            else "official Spider test-suite execution rule"
        )

    def prepare_pred(self, sql: str) -> PreparedSQL:
        if self.strict:
            return PreparedSQL(_replace_cur_year(_postprocess(sql.strip())))
        quirks = []
        text = sql.strip()  # the evaluator reads predictions line by line, stripped
        if "\t" in text:
            text, quirks = text.split("\t")[0], ["tab_cut"]
        if "value" in text:
            text = text.replace("value", "1")
            quirks.append("value_replaced")
        text = _postprocess(text)
        first = spider_first_statement(text)
        if first != text:
            quirks.append("first_statement_only")
        stripped = spider_remove_distinct(text)
        if stripped != first:
            quirks.append("distinct_stripped")
        return PreparedSQL(_replace_cur_year(stripped), tuple(quirks))

    def prepare_gold(self, sql: str) -> PreparedSQL:
        text = _postprocess(sql.strip())
        if self.strict:
            return PreparedSQL(_replace_cur_year(text))
        stripped = spider_remove_distinct(text)
        quirks = ("distinct_stripped",) if stripped != spider_first_statement(text) else ()
        return PreparedSQL(_replace_cur_year(stripped), quirks)

    def order_matters(self, gold_raw: str, gold_text: str) -> bool:
        if self.strict:
            return gold_has_outer_order_by(gold_raw)
        return "order by" in gold_text.lower()

    def equal(self, gold, pred, order_matters):
        return spider_results_equal(gold, pred, order_matters, type_sensitive=not self.strict)

    def comparison_quirks(self, gold, pred, order_matters, gold_raw, gold_text):
        if self.strict:
            return []
        verdict = self.equal(gold, pred, order_matters)
        quirks = []
        structural_order = gold_has_outer_order_by(gold_raw)
        if structural_order != order_matters:
            alt = spider_results_equal(gold, pred, structural_order, type_sensitive=True)
            if alt != verdict:
                quirks.append("order_by_text")
        if spider_results_equal(gold, pred, order_matters, type_sensitive=False) != verdict:
            quirks.append("type_sensitive_sort")
        return quirks

    def strict_twin(self):
        return None if self.strict else SpiderRule(strict=True)


#: Rule name -> a factory of the rule. ``--rule`` offers these names as registered when the
#: command line is read, so a rule registered by a plugin or a test is a choice too.
RULES: Registry[Callable[[], Rule]] = Registry("rule")
RULES.register("bird", BirdRule)
RULES.register("bird-strict", functools.partial(BirdRule, strict=True))
RULES.register("spider", SpiderRule)
RULES.register("spider-strict", functools.partial(SpiderRule, strict=True))


def get_rule(name: str) -> Rule:
    """A fresh rule by name; an unknown name is an error that lists the known ones."""
    return RULES.get(name)()


# -- one verdict ------------------------------------------------------------------------------


def gold_problem(gold_runs: Sequence[Execution]) -> str | None:
    """Why a gold query's executions cannot be compared against, or None when they can.

    One answer for ``harness eval``'s verdicts and the training rewards' filter, so the two give
    the same reason for the same gold: ``gold_timeout``, ``gold_error:<message>`` or
    ``gold_truncated:…`` (over the row cap).

    >>> gold_problem([Execution([(1,)])]) is None, gold_problem([Execution(None, error="boom")])
    (True, 'gold_error:boom')
    """
    for gold_run in gold_runs:
        if gold_run.timed_out:
            return "gold_timeout"
        if not gold_run.ok:
            return f"gold_error:{gold_run.error}"
        if gold_run.truncated:
            return "gold_truncated:result exceeds the row cap (raise --max-rows)"
    return None


def _rows(run: Execution) -> list[tuple]:
    """The rows of an execution already known to have succeeded."""
    if run.rows is None:
        raise ValueError(f"no rows to compare: {run.error or 'the statement did not run'}")
    return run.rows


def decide(
    rule: Rule,
    gold_raw: str,
    gold: PreparedSQL,
    gold_runs: list[Execution],
    pred_runs: list[Execution],
) -> tuple[bool, str]:
    """(correct, reason) for one pair, over all of the rule's databases."""
    for gold_run, pred_run in zip(gold_runs, pred_runs):
        problem = gold_problem([gold_run])
        if problem:
            return False, problem
        if pred_run.timed_out:
            return False, "pred_timeout"
        if not pred_run.ok:
            return False, f"pred_error:{pred_run.error}"
        if not pred_run.is_query and not rule.empty_result_for_no_statement:
            return False, "pred_error:no SQL statement"
        if pred_run.truncated:
            return False, "pred_error:result exceeds the row cap"
        if pred_run is gold_run:
            continue  # the very same execution (identical text, deduplicated): equal by any rule
        gold_rows, pred_rows = _rows(gold_run), _rows(pred_run)
        # Row order cannot matter for a result of one row or none: skip deciding it.
        order = len(gold_rows) > 1 and rule.order_matters(gold_raw, gold.text)
        if not rule.equal(gold_rows, pred_rows, order):
            if not pred_run.is_query:  # no statement: say so rather than "rows differ"
                return False, "pred_error:no SQL statement"
            return False, "rows_differ"
    return True, "match"


def comparison_quirks(
    rule: Rule, gold_raw: str, gold: PreparedSQL, gold_runs: list[Execution],
    pred_runs: list[Execution],
) -> list[str]:
    """The comparison quirks that flip this pair's verdict on some database."""
    quirks: list[str] = []
    for gold_run, pred_run in zip(gold_runs, pred_runs):
        if not (gold_run.ok and pred_run.ok):
            break
        order = len(_rows(gold_run)) > 1 and rule.order_matters(gold_raw, gold.text)
        for quirk in rule.comparison_quirks(
            _rows(gold_run), _rows(pred_run), order, gold_raw, gold.text
        ):
            if quirk not in quirks:
                quirks.append(quirk)
        if not pred_run.is_query and "no_statement" not in quirks:
            quirks.append("no_statement")
    return quirks
