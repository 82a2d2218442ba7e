"""What Myna's ensemble components share: whole member pipelines kept inside the component's
folder (``members/0``, …), one weight each, so an ensemble is a pipeline like any other and
`myna evaluate`, serve, batch and the registry take it as it is."""

import json
from pathlib import Path
from typing import Any

from myna.core.errors import ModelNotFoundError

MEMBERS_DIR = "members"


class MemberPipelines:
    weights: list[float]
    members: list[Any]
    _labels: list[str]

    def set_members(self, members: list[Any]) -> None:
        if len(members) != len(self.weights):
            raise ModelNotFoundError(f"{len(members)} member pipelines for "
                                     f"{len(self.weights)} weights")
        self._labels = self._common_labels(members)
        self.members = members

    def _common_labels(self, members: list[Any]) -> list[str]:
        """The labels every member predicts (raise when they differ)."""
        raise NotImplementedError

    def to_disk(self, path: Path, exclude=()) -> None:
        folder = Path(path) / MEMBERS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        for i, member in enumerate(self.members):
            member.to_disk(folder / str(i))
        (Path(path) / "labels.json").write_text(json.dumps(self._labels))

    def from_disk(self, path: Path, exclude=()):
        import spacy

        folder = Path(path) / MEMBERS_DIR
        self.set_members([spacy.load(folder / str(i)) for i in range(len(self.weights))])
        return self
