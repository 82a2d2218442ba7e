"""What `myna app` was started with. Streamlit runs the app as a script, so the CLI passes its
options as environment variables (which also lets Streamlit's AppTest set them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from myna.core.settings import get_settings

MAX_CHARS = 100_000  # longer pasted texts are refused with a message, not run


@dataclass(frozen=True)
class AppSettings:
    data: str | None = None
    text_column: str = "text"
    label_column: str | None = None
    title_column: str | None = None
    models: list[str] = field(default_factory=list)
    kb: str | None = None
    db: str | None = None
    max_chars: int = MAX_CHARS

    @classmethod
    def from_env(cls) -> AppSettings:
        """What `myna app` passed (through the core settings, the one reader of the
        environment)."""
        settings = get_settings()
        env = settings.app_options.get
        models = [m.strip() for m in env("MODELS", "").split(",") if m.strip()]
        return cls(data=env("DATA") or None,
                   text_column=env("TEXT_COLUMN") or "text",
                   label_column=env("LABEL_COLUMN") or None,
                   title_column=env("TITLE_COLUMN") or None,
                   models=models or ["en_core_web_sm"],
                   kb=env("KB") or None, db=settings.database_url,
                   max_chars=int(env("MAX_CHARS") or MAX_CHARS))

    def to_env(self) -> dict[str, str]:
        out = {"MYNA_APP_TEXT_COLUMN": self.text_column,
               "MYNA_APP_MODELS": ",".join(self.models),
               "MYNA_APP_MAX_CHARS": str(self.max_chars)}
        for key, value in (("MYNA_APP_DATA", self.data),
                           ("MYNA_APP_LABEL_COLUMN", self.label_column),
                           ("MYNA_APP_TITLE_COLUMN", self.title_column),
                           ("MYNA_APP_KB", self.kb), ("MYNA_DATABASE_URL", self.db)):
            if value:
                out[key] = value
        return out
