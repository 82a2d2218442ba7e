"""A token classifier that sees more of each word than the sub-word encoder does: a small
learned embedding of its shape (`word_shapes`) and/or a spaCy pipeline's CNN features for it
(`spacy_features`), concatenated to every sub-word's last hidden state before the tagging
layer (the loss, as for any token classifier here, reads the first sub-word).

Saved as the encoder's own folder (``save_pretrained``: config with the tag names, weights,
so ``AutoModel`` still reloads the encoder) plus ``word_shapes.json`` and/or the features'
pipeline, and ``shape_head.safetensors`` (the shape embedding and the tagging layer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from myna.models.spacy_features import SETTINGS_FILE, SpacyFeatures
from myna.models.word_shapes import SHAPES_FILE, ShapeVocab

HEAD_FILE = "shape_head.safetensors"


def has_word_features(folder: Path) -> bool:
    return (Path(folder) / SHAPES_FILE).is_file() or (Path(folder) / SETTINGS_FILE).is_file()


class WordFeatureTagger(nn.Module):
    def __init__(self, encoder: Any, shapes: ShapeVocab | None = None,
                 features: SpacyFeatures | None = None, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config  # id2label / label2id, as token classifiers carry them
        self.shapes, self.features = shapes, features
        width = encoder.config.hidden_size
        if shapes is not None:
            self.shape_embeddings = nn.Embedding(len(shapes), shapes.dim, padding_idx=0)
            width += shapes.dim
        if features is not None:
            width += features.dim
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(width, encoder.config.num_labels)

    @property
    def device(self) -> torch.device:
        return self.classifier.weight.device

    @classmethod
    def fresh(cls, path: str, labels: list[str], shapes: ShapeVocab | None = None,
              features: SpacyFeatures | None = None) -> WordFeatureTagger:
        """The pretrained encoder at ``path`` with new feature layers and tagging layer."""
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(
            path, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={lab: i for i, lab in enumerate(labels)})
        return cls(encoder, shapes, features)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None,
                shape_ids: torch.Tensor | None = None,
                word_features: torch.Tensor | None = None, labels: torch.Tensor | None = None):
        from transformers.modeling_outputs import TokenClassifierOutput

        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**inputs).last_hidden_state
        parts = [hidden]
        if self.shapes is not None:
            if shape_ids is None:
                shape_ids = torch.zeros_like(input_ids)
            parts.append(self.shape_embeddings(shape_ids).to(hidden.dtype))
        if self.features is not None:
            if word_features is None:
                word_features = hidden.new_zeros(*hidden.shape[:2], self.features.dim)
            parts.append(word_features.to(hidden.dtype))
        logits = self.classifier(self.dropout(torch.cat(parts, -1)))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]).float(),
                                               labels.view(-1), ignore_index=-100)
        return TokenClassifierOutput(loss=loss, logits=logits)

    def head_state(self) -> dict[str, torch.Tensor]:
        return {k: v for k, v in self.state_dict().items() if not k.startswith("encoder.")}

    def save_pretrained(self, folder: str | Path, **kwargs: Any) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        self.encoder.save_pretrained(folder)
        if self.shapes is not None:
            self.shapes.save(folder)
        if self.features is not None:
            self.features.save(folder)
        save_file({k: v.contiguous() for k, v in self.head_state().items()},
                  str(folder / HEAD_FILE))

    @classmethod
    def from_pretrained(cls, folder: str | Path, **kwargs: Any) -> WordFeatureTagger:
        from safetensors.torch import load_file
        from transformers import AutoModel

        folder = Path(folder)
        shapes, features = ShapeVocab.load(folder), SpacyFeatures.load(folder)
        if shapes is None and features is None:
            raise FileNotFoundError(f"{folder} has neither {SHAPES_FILE} nor {SETTINGS_FILE}")
        model = cls(AutoModel.from_pretrained(folder), shapes, features)
        model.load_state_dict(load_file(str(folder / HEAD_FILE)), strict=False)
        return model.eval()

    def load_trainer_checkpoint(self, checkpoint: Path) -> WordFeatureTagger:
        """The weights a Trainer checkpoint of this model holds (its whole state dict)."""
        from safetensors.torch import load_file

        self.load_state_dict(load_file(str(Path(checkpoint) / "model.safetensors")))
        return self
