"""BIRD dev's and Mini-Dev's releases (``harness.data.releases``), each pinned by SHA-256.

* ``2023-05``: the original dev set, ``AlibabaResearch/DAMO-ConvAI`` @ ``03898f5f`` :
  ``bird/llm/data/dev.json`` and ``dev_gold.sql`` (no ``question_id`` or ``difficulty`` keys).
* ``20240627``: corrected SQL and evidence, the ``dev.zip`` on BIRD's bucket (inner folder
  ``dev_20240627``); the pinned question file is the copy in ``weirukai/MRE-SQL`` @ ``707f60e3``
  and the gold file ``kunwooshin/CHESS-MATKV`` @ ``c8d9db41`` (both checked line by line against
  each other).
* ``20251106``: the questions-only ``birdsql/bird_sql_dev_20251106`` on Hugging Face, asked of
  20240627's databases. The file's SHA-256 at revision ``3c11fb19`` is the one several
  independent public projects pin for it (946,793 bytes); no copy was reachable here to check
  it, and its content digest is unknown, so a re-serialised copy is reported as unrecognised.
* Mini-Dev ``2024-07``: ``bird-bench/mini_dev`` @ ``f2f6603b`` : ``llm/data/``. The 2025-07-04
  revision (Hugging Face ``birdsql/bird_mini_dev``) is listed without a digest: the digest public
  projects pin is of that dataset's file at ``f65faf4a`` (January 2026), and nothing shows it is
  the 2025-07 revision byte for byte.
"""

from harness.data.releases import Release
from harness.data.sources import RemoteFile

_DAMO = "https://raw.githubusercontent.com/AlibabaResearch/DAMO-ConvAI/"
_DAMO_COMMIT = "03898f5f9fed0d232afea3a05a42a830bfe0e8e9"
HF_20251106 = (
    "https://huggingface.co/datasets/birdsql/bird_sql_dev_20251106/resolve/"
    "3c11fb193e5439b338e23677fa0aae11e8b85db9"
)

BIRD_DEV_RELEASES = (
    Release(
        name="2023-05",
        title="BIRD dev as first released (May 2023; before the 2024-06-27 SQL corrections)",
        source=f"AlibabaResearch/DAMO-ConvAI @ {_DAMO_COMMIT[:8]} : bird/llm/data/dev.json",
        question_sha256=("c0dc0d829c7d7af6c43a934d5644942578dc578f69ca0c8ca11f31754ca3cf43",),
        gold_sha256=("147c87c8207db1d6e04fbf27527dfc1a3b23fe7c5f6ee8a836695213ab89b83a",),
        content_sha256="7333253c6ec52a2207300e0b4d3c95607dde162c963582218c16a99b12146a96",
        examples=1534,
        base="bird",
        files=(
            RemoteFile("dev.json", f"{_DAMO}{_DAMO_COMMIT}/bird/llm/data/dev.json",
                       "c0dc0d829c7d7af6c43a934d5644942578dc578f69ca0c8ca11f31754ca3cf43"),
            RemoteFile("dev_gold.sql", f"{_DAMO}{_DAMO_COMMIT}/bird/llm/data/dev_gold.sql",
                       "147c87c8207db1d6e04fbf27527dfc1a3b23fe7c5f6ee8a836695213ab89b83a"),
        ),
    ),
    Release(
        name="20240627",
        title="BIRD dev_20240627: corrected SQL and evidence (what most 2025 papers use)",
        source="https://bird-bench.oss-cn-beijing.aliyuncs.com/dev.zip (dev_20240627/)",
        question_sha256=("89e3d6688a53316211323e7e5db432638100a415e7399732e839929cff844396",),
        gold_sha256=("42087d70ed96496b2746a7453e530155076564df127acd1e87d5fa710b6a3805",),
        content_sha256="259f03c6286f7b40e52d780c04d3b15c28fa028305b743d6ec4ee52a12f4d3ee",
        examples=1534,
        base="bird",
    ),
    Release(
        name="20251106",
        title="bird_sql_dev_20251106: questions revised in 2025-11, over 20240627's databases",
        source=f"{HF_20251106}/data/dev_20251106-00000-of-00001.json",
        question_sha256=("ffd8018378ddb1a8794753e0a31cfc81862ff7318a5184c22f3dc4ce03a03feb",),
        base="bird",
        files=(
            RemoteFile("dev.json", f"{HF_20251106}/data/dev_20251106-00000-of-00001.json",
                       "ffd8018378ddb1a8794753e0a31cfc81862ff7318a5184c22f3dc4ce03a03feb"),
        ),
    ),
)

BIRD_MINI_DEV_RELEASES = (
    Release(
        name="2024-07",
        title="BIRD Mini-Dev (SQLite), July 2024",
        source="bird-bench/mini_dev @ f2f6603b : llm/data/mini_dev_sqlite.json",
        question_sha256=("4ba5fa8de55856222f484d380d2ba872b380bf79d825de70478e2120cb0fc43b",),
        gold_sha256=("6fb891aa8e1d948499de3295a24dd18d783d7ac04971908cbe2533436901af81",),
        content_sha256="f75aece4672b2d80873668ab76dee074640bfdb4a23ecbd409722c2d6b6ba5f9",
        examples=500,
        base="bird-mini-dev",
    ),
    Release(
        name="2025-07",
        title="BIRD Mini-Dev revised 2025-07-04 (Hugging Face birdsql/bird_mini_dev; not pinned)",
        source="https://huggingface.co/datasets/birdsql/bird_mini_dev",
        base="bird-mini-dev",
        downloadable=False,
    ),
)
