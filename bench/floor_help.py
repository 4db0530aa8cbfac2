"""Floor for `policy --help`: Python starting and printing the same text (bench/run.py saves policy's
help to a file first). Nothing here builds the text: the floor is the start-up and the write."""

import sys

with open(sys.argv[1], "rb") as handle:
    sys.stdout.buffer.write(handle.read())
