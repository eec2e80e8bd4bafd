"""The built question model, kept on disk so a large knowledge base starts fast.

Training takes about half a second today and minutes at a hundred times the knowledge base;
loading a pickled model takes milliseconds. The file is named by a key that changes whenever
anything the model depends on does: the knowledge-base version (a hash of the data files and
seeds), the training questions and groups themselves, the code that trains and reads the model,
and the versions of Python, numpy, scipy, scikit-learn and rapidfuzz. A stale model is never
read; a file that fails to load for any reason (truncated, corrupt, written by another build)
is discarded and rebuilt. Writing is atomic (a temporary file, then a rename), so a crash or two
processes starting at once leave either no file or a whole one.

The folder is the bot's own data directory (`KURIL_DATA_DIR`): pickle runs code on load, so
only files the bot wrote itself are read, from a folder only its user should be able to write.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from knowledge.question_model import QuestionModel

log = logging.getLogger(__name__)

FOLDER = "model-cache"
PREFIX = "question-model-"
SUFFIX = ".pickle"
LIBRARIES = ("numpy", "scipy", "scikit-learn", "rapidfuzz")
_CODE = ("question_model.py", "answerer.py", "text.py", "model_cache.py")


def cache_key(version: str, examples: Iterable[tuple[str, str]], groups: dict[str, str]) -> str:
    """A hash of everything the built model depends on (see the module docstring)."""
    digest = hashlib.sha256()

    def add(*parts: str) -> None:
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")

    add("kb", version, "python", sys.version)
    for library in LIBRARIES:
        add(library, _version_of(library))
    for name, code_digest in _code_digests():
        add(name, code_digest)
    for text, label in examples:
        add(text, label)
    for label in sorted(groups):
        add(label, groups[label])
    return digest.hexdigest()[:24]


def load_or_build(
    folder: Path | None, key: str, classes: frozenset[str], build: Callable[[], QuestionModel]
) -> QuestionModel:
    """The model cached under `key` in `folder`, else `build()` saved there for next time.

    `classes` are the classes the model must have: a file that loads but disagrees is rebuilt
    too. Without a folder, or when it cannot be written, the model is simply built."""
    if folder is None:
        return build()
    directory = folder / FOLDER
    path = directory / f"{PREFIX}{key}{SUFFIX}"
    if path.is_file():
        try:
            with path.open("rb") as file:
                model = pickle.load(file)
            if isinstance(model, QuestionModel) and frozenset(model.classes) == classes:
                return model
            log.warning("question model cache %s does not match; rebuilding it", path)
        except Exception as exc:  # a cache is never worth failing start-up: any error rebuilds
            log.warning("question model cache %s unreadable (%s); rebuilding it", path, exc)
    model = build()
    _save(directory, path, model)
    return model


def _save(directory: Path, path: Path, model: QuestionModel) -> None:
    """Write atomically, then remove models cached for other keys (older versions)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(model, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for other in directory.glob(f"{PREFIX}*{SUFFIX}"):
            if other != path:
                other.unlink(missing_ok=True)
    except OSError as exc:
        log.warning(
            "cannot cache the question model in %s (%s); it is rebuilt next start", directory, exc
        )


@cache
def _code_digests() -> tuple[tuple[str, str], ...]:
    """Each of `_CODE`'s files with its hash: read once per process, not once per language."""
    here = Path(__file__).resolve().parent
    return tuple((name, hashlib.sha256((here / name).read_bytes()).hexdigest()) for name in _CODE)


def _version_of(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "absent"
