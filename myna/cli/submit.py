"""Entry point for ``spark-submit``: takes ``myna batch run`` options; the master and every
other Spark setting come from spark-submit.

    spark-submit --master spark://host:7077 "$(python -m myna.cli.submit --path)" \\
        --input s3a://bucket/news.csv --column text --task ner --output s3a://bucket/out.parquet
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    if argv == ["--path"]:
        print(__file__)
        return
    from myna.cli.main import main as cli

    sys.argv = ["myna", "batch", "run", "--engine", "spark", *argv]
    cli()


if __name__ == "__main__":
    main(sys.argv[1:])
