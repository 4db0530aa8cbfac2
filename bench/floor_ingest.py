"""Floor for `policy ingest FILE... --out DIR`: Python starting, reading the inputs and writing the
same JSON files policy writes (bench/run.py keeps policy's output as the reference). Not the work
of ingesting — no floor parses Chinese policy text — but the part of the whole process that is not
parsing: start-up, reading and writing. The ingest rows are judged on throughput (MB/s) and their
time limits, not on their ratio to this.

    python bench/floor_ingest.py REFERENCE_DIR OUT_DIR FILE...
"""

import sys
from pathlib import Path


def main(reference: str, out: str, sources: list[str]) -> None:
    for source in sources:
        Path(source).read_bytes()
    for made in sorted(Path(reference).glob("*.json")):
        (Path(out) / made.name).write_bytes(made.read_bytes())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
