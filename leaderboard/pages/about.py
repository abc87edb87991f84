"""What the board's numbers mean, how rows get on it, and how to reproduce one."""

import streamlit as st

from leaderboard.decoding import CLASSES, STRATEGIES
from leaderboard.gold_copy import CEILING_MARGIN, DISGUISED_FLAG_SHARE, GOLD_COPY_FLAG_SHARE
from leaderboard.queries import MAX_UPLOADS_PER_HOUR

st.title("About this leaderboard")
st.markdown(f"""
**What is ranked.** One ranking per benchmark (a suite and split: BIRD dev, Spider dev, …).
The `sample` suite is a smoke test of a few dozen questions that checks the pipeline; it is
listed last and marked as such.

**Suites.** Spider dev (1,034 questions; CC BY-SA 4.0) and BIRD dev (1,534) / Mini-Dev (500;
CC BY-SA 4.0) measure cross-domain Text-to-SQL. Three robustness sets run on Spider's own
databases under Spider's rules and show whether a method buys accuracy or only familiarity with
Spider's wording: **Spider-Syn** (1,034; schema words in the question replaced by synonyms),
**Spider-Realistic** (508; explicit column names removed from the question; Deng et al., NAACL
2021, Zenodo record 5205322, CC BY-SA 4.0, pinned to SHA-256 `6d16e1be…` of the copy in
`lrlbbzl/PTD-SQL`) and **Spider-DK**
(535; questions that need domain knowledge, with EX per knowledge type T1–T5 beside hardness).
Their questions derive from Spider and are CC BY-SA 4.0 (the Syn and DK repositories' code is
MIT). A submission holding a Spider dev run and a Syn or Realistic run of the same model gets
robustness columns in the Spider dev view: the paired EX drop on the questions both share, with
its 95% paired bootstrap interval, the number shared and the McNemar p-value, as
`harness compare` prints them. A run made with `--limit N` is shown in a view of its own,
marked as a subset, and never ranked.

**Releases and gold flags.** Every verified row names the data release it was scored on
(Spider dev 2020-06, BIRD dev 20240627 or 20251106, …; "unrecognised (modified?)" when the files
match none), and a view whose ranked rows come from different releases says so. Rows are ranked
by the official EX; **EX % clean** beside it is EX on the questions with no gold flag: a
question a published audit found wrong, or one the harness's own scan found ambiguous (a tie at
the LIMIT, a LIMIT without ORDER BY, an empty, failing or over-the-cap gold). Flags never change a
verdict; the README's "Data releases and known gold problems" lists them.

**EX.** Execution accuracy: a prediction is right when running it on the question's database
returns the same rows as the gold SQL, under the suite's official rule (`bird` or `spider`,
with their documented quirks; the strict twin, without quirks, is stored beside it). EX is
computed over the *scored* questions; a question whose database is missing or damaged on this
server is *unscorable*: left out of the denominator, counted beside it, and never shown as
wrong. Every page (the table, the plots, Compare and Sample) reads the same stored number, its
95% bootstrap interval and its denominator, which are those of the `results.json` that
`harness eval` writes for the same predictions.

**Trust tiers: what each one proves, and what it does not.**

- **Verified (re-scored).** The board re-executed and re-scored the row's predictions here,
  whatever its own `results.json` claims: its EX, interval and per-question verdicts are ours.
  It proves that *these predictions* score this EX. It does **not** prove that a model wrote
  them: the dev sets' gold SQL is public, and anyone can paste or disguise it.
- **Reproduced.** A maintainer re-ran the row's generation (`harness reproduce`) and got its
  predictions back: every SQL identical for a greedy run, or an EX whose difference from the
  row's holds 0 in its 95% interval for a sampled one (`harness submissions mark-reproduced ID
  REPORT` checks the report and that it is about this row's stored predictions). It proves the
  named model and recipe produce the number. It does not prove the model never saw the dev
  questions in training; only a hidden split can.
- **Reported, not verified.** A published number, transcribed with its source; nothing about it
  was checked here, and it is never ranked.

“Reproduced only” shows the reproduced rows alone.

**Ranking.** A row is ranked only when it is verified, not flagged, and its decoding class is
known: a run that carries its candidates and its vote has its decoding read from them (n and
the vote; a `--decoding` that contradicts them is refused, and the vote is re-run on the
candidates' executions), a predictions file must state it, and a row whose decoding is not
stated is not ranked. Each decoding class has its own rank column and its own block of rows.
Every row that is not ranked says why.

**Flags.** A verified row is flagged (⚑), shown with “–” for a rank and the reason, when its
claims differ from the re-scoring (checked under the rule the run names, when that is another
rule), when a claim is malformed (not a finite number, a negative time, a pass@k curve that is
not one), when the run was scored on other data, when its answers are not the candidates its
own vote chooses (“selection does not follow the stated vote”), or when it looks like the gold
SQL: more than {100 * GOLD_COPY_FLAG_SHARE:.0f}% of its predictions are the gold query once
comments, derived-table and CTE wrappers, aliases, quoting and the order of conditions are
evened out by sqlglot (“Gold copy %” shows the share for every verified row); more than
{100 * DISGUISED_FLAG_SHARE:.0f}% are the gold rewritten to look different; or its EX is within
{100 * CEILING_MARGIN:.1f} points of what the gold SQL itself scores on the same questions. The
same predictions cannot be stored twice, even re-spaced or re-aliased.

**Reported, not verified.** Published numbers, transcribed with their source, the source's date,
whether it was read first-hand (primary) or quoted by someone else (second-hand), their metric
and their decoding. They take no rank. A number that is not EX (OmniSQL's Spider dev is
test-suite accuracy) stays out of the EX column and is listed under “Other metric”.

**Decoding.** Voting over many samples adds several EX points, so rows are ranked only within a
decoding class: {"; ".join(CLASSES)} (the last is never ranked). Strategies:
{"; ".join(f"{k}: {v}" for k, v in STRATEGIES.items())}. The “Single greedy decode only”
switch shows the like-for-like ranking.

**Latency.** s/sample is generation wall time per question in batch (throughput), as the run or
the paper reported it; this server does not re-time runs, so every figure is marked
self-reported or as published, with its hardware. The speed plot shows one hardware at a time.
Per-question latency (p50/p95) is shown only for runs that generated one question at a time.

**Submitting.** `harness submit RUN_FOLDER --name … --model-size 1.5B --decoding greedy`, or the
Submit page with the same fields. A server started with `harness leaderboard --approval` holds
web uploads until a maintainer runs `harness submissions approve ID`
(`harness submissions list | approve | hide | delete | mark-reproduced`; each takes effect on
the next page load); one client address may upload {MAX_UPLOADS_PER_HOUR} times an hour.

**Reproducing a row.** A verified row's details give the data hash it was scored on and the
harness version. With the same data, `harness eval --suite SUITE --split SPLIT --predictions
FILE` re-computes the same EX, interval and counts; Compare and Sample show every question's
verdict with both SQLs and both results.
""")
