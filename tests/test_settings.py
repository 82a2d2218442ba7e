"""One settings object reads the environment; nothing else in Myna does."""

import ast
from pathlib import Path

import myna
from myna.core.settings import Settings

PACKAGE = Path(myna.__file__).parent
READER = PACKAGE / "core" / "settings.py"


def _environment_reads(path: Path) -> list[int]:
    """Lines that read os.environ (get, [key], in) or call os.getenv; writes (assignment,
    setdefault for a library's own variable) are allowed."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "getenv":
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("get", "copy", "items") \
                and ast.unparse(node.func.value).endswith("environ"):
            lines.append(node.lineno)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and ast.unparse(node.value).endswith("environ"):
            lines.append(node.lineno)
        if isinstance(node, ast.Compare) and any(
                ast.unparse(c).endswith("environ") for c in node.comparators):
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_the_environment():
    found = {str(p.relative_to(PACKAGE)): lines for p in PACKAGE.rglob("*.py")
             if p != READER and (lines := _environment_reads(p))}
    assert found == {}


def test_settings_from_an_environment():
    s = Settings.from_env({"MYNA_HOME": "/tmp/h", "MYNA_API_KEYS": " a , ,b", "MYNA_LOG": "info",
                           "HF_HUB_OFFLINE": "1", "MYNA_APP_MODELS": "x,y",
                           "SPARK_SUBMIT_OPTS": ""})
    assert s.home == Path("/tmp/h") and s.api_keys == ("a", "b") and s.log_level == "info"
    assert s.hub_offline and s.under_spark_submit and s.app_options == {"MODELS": "x,y"}
    assert s.database == "sqlite:////tmp/h/myna.db"
