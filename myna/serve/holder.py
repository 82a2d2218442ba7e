"""The model a server answers with, and how it is swapped for a new version without downtime.

A model call takes a copy of the current model when it starts, so a swap never changes the
model under a running call: in-flight requests finish on the old version, the next call gets
the new one. Loading happens on a background thread; only the final reference assignment
touches what requests see. `load_predictor` puts the copies in this process (tests, the demo,
the app); `load_in_processes` gives each copy a process of its own (`myna serve`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from myna.core.errors import ModelNotFoundError
from myna.models.mlflow_refs import REGISTRY_URI
from myna.tasks import Predictor

if TYPE_CHECKING:
    from myna.text.linker import EntityLinker

log = logging.getLogger("myna.serve")


@dataclass(frozen=True)
class Loaded:
    # One copy of the model per worker: `Predictor`s, or `ProcessReplica`s with the same face
    replicas: tuple[Any, ...]
    source: str  # what the user asked for
    version: str | None  # registry version behind it, when it came from the registry

    @property
    def predictor(self) -> Predictor:
        """The first copy: for what every copy shares (tasks, labels, limits)."""
        return self.replicas[0]


def load_predictor(source: str, kb: str | EntityLinker | None = None,
                   replicas: int = 1) -> Loaded:
    """Copies in this process; ``kb`` a knowledge-base file or an already prepared linker
    (shared by the copies: it locks around its encoder)."""
    from myna.models import load_resolved, resolve
    from myna.text.linker import EntityLinker

    linker = EntityLinker.from_file(kb) if isinstance(kb, str) else kb
    resolved = resolve(source)
    copies = []
    for _ in range(max(1, replicas)):
        predictor = Predictor(load_resolved(resolved, linker=linker), name=source)
        predictor.warm_up()
        copies.append(predictor)
    return Loaded(tuple(copies), source, resolved.version)


def load_in_processes(source: str, kb: str | None = None, replicas: int = 2) -> Loaded:
    """Each copy in a worker process of its own, with its share of the cores; they load side
    by side."""
    from myna.core.threads import threads_per_copy
    from myna.models import resolve
    from myna.serve.workers import ModelSource, ProcessReplica
    from myna.tasks.shipping import pack_runtime_tasks

    resolved = resolve(source)
    spec = ModelSource(resolved, kb, pack_runtime_tasks(), threads_per_copy(replicas))
    copies = [ProcessReplica(spec, wait=False) for _ in range(max(1, replicas))]
    try:
        for copy in copies:
            copy.wait_ready()
    except BaseException:
        for copy in copies:
            copy.close()
        raise
    return Loaded(tuple(copies), source, resolved.version)


class ModelHolder:
    """``reload(source)`` loads a new version for `follow_alias` (by default in this process,
    as many copies as now, linking with the same prepared knowledge base)."""

    def __init__(self, loaded: Loaded, reload: Callable[[str], Loaded] | None = None):
        self._loaded = loaded
        copies = len(loaded.replicas)
        self._reload = reload or (lambda source: load_predictor(
            source, getattr(self._loaded.predictor, "linker", None), copies))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.swaps = 0
        # Versions swapped out, until the server's scheduler has seen their last call end
        # and closed them (a copy in a worker process holds a whole process).
        self.retired: list[Loaded] = []

    @property
    def current(self) -> Loaded:
        return self._loaded

    def swap(self, loaded: Loaded) -> None:
        self.retired.append(self._loaded)
        self._loaded = loaded  # one reference assignment: atomic for readers
        self.swaps += 1
        log.info("now serving %s (version %s)", loaded.source, loaded.version)

    def follow_alias(self, interval_s: float = 10.0) -> None:
        """Poll the registry; when the alias points at another version, load it in the
        background and swap it in."""
        m = REGISTRY_URI.match(self._loaded.source)
        if not m or not m.group("alias"):
            raise ModelNotFoundError("--follow-alias needs a models:/NAME@ALIAS model URI")
        self._thread = threading.Thread(target=self._poll, args=(interval_s,), daemon=True,
                                        name="myna-follow-alias")
        self._thread.start()

    def _poll(self, interval_s: float) -> None:
        from myna.models.mlflow_refs import resolve_uri

        source = self._loaded.source
        while not self._stop.wait(interval_s):
            try:
                version = resolve_uri(source).rsplit("/", 1)[1]
                if version != self._loaded.version:
                    log.info("alias %s moved to version %s; loading it", source, version)
                    self.swap(self._reload(source))
            except Exception as err:  # keep serving the old model; try again next time
                log.warning("could not follow %s: %s", source, err)

    def stop(self) -> None:
        self._stop.set()
