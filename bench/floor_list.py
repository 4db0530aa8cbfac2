"""Floor for `policy tasks --agency A`: the same rows (the 100 most urgent, as policy's table shows)
with stdlib sqlite3 and a rich table, nothing else."""

import sqlite3
import sys

from rich.console import Console
from rich.table import Table


def main(db: str, agency: str) -> None:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        """SELECT m.id, m.title, coalesce(p.status, 'todo'),
                  (SELECT count(*) FROM assignments x WHERE x.measure_id = m.id AND x.obsolete = 0), m.due
           FROM assignments a JOIN measures m ON m.id = a.measure_id
           LEFT JOIN progress p ON p.measure_id = a.measure_id AND p.agency = a.agency AND p.period = ''
           WHERE a.agency = ? AND a.obsolete = 0 AND m.obsolete = 0
             AND coalesce(p.status, 'todo') NOT IN ('done', 'n/a')
             AND a.due IS NOT NULL
           ORDER BY a.due, m.doc_id, m.seq LIMIT 100""",
        [agency],
    ).fetchall()
    table = Table()
    for header in ("编号", "措施", "本单位", "进度", "截止"):
        table.add_column(header, overflow="fold")
    for measure_id, title, status, parts, due in rows:
        table.add_row(measure_id, title, status, f"0/{parts}", due or "")
    Console().print(table)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
