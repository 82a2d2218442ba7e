"""One way from a model reference to a loaded model.

A reference is an installed spaCy pipeline name, a model directory (any backend's), an MLflow
reference (``models:/N@alias``, ``models:/N/3``, ``runs:/ID/model``, an MLflow Model
directory) or a Hugging Face hub id (``org/name``; from the local cache when offline). No
reference means the default model of a kind (``MYNA_MODEL`` or the bundled spaCy pipeline;
the bundled MiniLM encoder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from myna.core.errors import ModelNotFoundError
from myna.models.backends import get_backend, kind_of_dir
from myna.models.base import LoadedModel


@dataclass(frozen=True)
class Resolved:
    """Where a reference points: what the backend loads (a directory or an installed name),
    the backend, and the registry version behind it (or None). Picklable: worker processes
    and Spark executors load from it."""

    location: str
    kind: str
    name: str
    version: str | None = None
    kb: str | None = None  # a knowledge base that came with the model


def default_location(kind: str) -> str:
    if kind not in ("spacy", "sentence-transformers"):
        raise ModelNotFoundError(f"there is no default {kind} model; give one (a local "
                                 "directory, models:/NAME@ALIAS, or a hub id)")
    if kind == "sentence-transformers":
        from myna.text.encoders import default_encoder_path

        return default_encoder_path()
    from myna.text.pipelines import resolve_model

    return resolve_model(None)


def resolve(ref: str | None, kind: str | None = None) -> Resolved:
    """``kind``: the kind expected when ``ref`` is None (spaCy unless given)."""
    if not ref:
        kind = kind or "spacy"
        location = default_location(kind)
        return Resolved(location, kind, location)
    from myna.models.backends import all_backends
    from myna.models.mlflow_refs import is_mlflow_ref, local_model

    for kind_, backend in all_backends().items():  # schemes of their own (zero-shot:…)
        if getattr(backend, "claims", None) and backend.claims(ref):  # type: ignore[attr-defined]
            return Resolved(ref, kind_, ref)
    if is_mlflow_ref(ref):
        local = local_model(ref)
        return Resolved(str(local.directory), local.kind, ref, local.version, local.kb)
    path = Path(ref).expanduser()
    if path.is_dir():
        found = kind_of_dir(path)
        if found is None:
            raise ModelNotFoundError("directory is not a model Myna can load (no spaCy "
                                     "config.cfg, no sentence-transformers modules.json, no "
                                     "Hugging Face config.json naming an architecture, no "
                                     "MLmodel)", where=str(path))
        return Resolved(str(path), found, ref)
    if get_backend("spacy").is_installed(ref) or ref == "en_core_web_sm":
        from myna.text.pipelines import resolve_model

        return Resolved(resolve_model(ref), "spacy", ref)
    if _looks_like_hub_id(ref):
        return _from_hub(ref)
    from myna.text.pipelines import resolve_model

    return Resolved(resolve_model(ref), "spacy", ref)  # raises, naming what is installed


def _looks_like_hub_id(ref: str) -> bool:
    parts = ref.split("/")
    return (len(parts) == 2 and all(parts) and not ref.startswith((".", "~"))
            and not Path(parts[0]).exists())


def _from_hub(ref: str) -> Resolved:
    from huggingface_hub import snapshot_download

    from myna.core.settings import get_settings

    offline = get_settings().hub_offline
    try:
        directory = Path(snapshot_download(ref, local_files_only=offline))
    except Exception as err:
        why = ("it is not in the local cache and the hub is offline (HF_HUB_OFFLINE=1): "
               "nothing reached the network" if offline else str(err))
        raise ModelNotFoundError(
            f"cannot load {ref!r} from the Hugging Face hub: {why}",
            hint="pass a local model directory (save_pretrained), a registered model "
                 "(models:/NAME@ALIAS), an installed spaCy pipeline, or run once with the "
                 "network to fill the cache") from None
    found = kind_of_dir(directory)
    if found is None:
        raise ModelNotFoundError(f"hub model {ref!r} is not a kind Myna can load")
    return Resolved(str(directory), found, ref)


def spacy_location(ref: str | None) -> str:
    """Where the spaCy pipeline behind any reference is (an installed name or a directory),
    for code that loads it with options of its own (components left out, a pipeline to
    update); a reference to another kind of model is an error naming it."""
    resolved = resolve(ref, "spacy")
    if resolved.kind != "spacy":
        raise ModelNotFoundError(f"{ref} is a {resolved.kind} model, not a spaCy pipeline")
    return resolved.location


def load_resolved(resolved: Resolved, kb: str | None = None, linker=None) -> LoadedModel:
    model = get_backend(resolved.kind).load(resolved.location, resolved.name)
    model.version = resolved.version
    kb = kb or resolved.kb
    if kb and linker is None:
        from myna.text.linker import EntityLinker

        linker = EntityLinker.from_file(kb)
    model.linker = linker
    return model


def load(ref: str | None = None, kb: str | None = None, kind: str | None = None,
         ) -> LoadedModel:
    """Load any model reference (see the module docstring); ``kb`` adds a knowledge base for
    the link task."""
    return load_resolved(resolve(ref, kind), kb)
