"""Agents writing to one call at once: every entry lands, numbered without gap or repeat.

Three real processes (as three desks would be) add entries to one call as fast as they
can, on SQLite and on PostgreSQL. Before the call row was locked, PostgreSQL's READ
COMMITTED let two writers read the same last number and one of them was refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from companion.calls import start_call
from companion.entries import entry_views
from companion.promises import promises_of_call
from tests.companion.conftest import Records

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 3
EACH = 25

WRITER = textwrap.dedent(
    """
    import sys
    import time
    from datetime import date
    from pathlib import Path

    from companion import db
    from companion.entries import add_entry
    from companion.promises import record_promise
    from companion.users import User

    url, user_id, call_id, gate, name, count = sys.argv[1:7]
    db.connect(url)
    user = User.get_by_id(user_id)
    while not Path(gate).exists():
        time.sleep(0.005)
    for number in range(int(count)):
        if number % 5 == 4:
            record_promise(user, call_id, f"{name} promise {number}", date(2030, 1, 1))
        else:
            add_entry(user, call_id, "said", f"{name} entry {number}")
    print("done")
    """
)


def test_three_desks_adding_to_one_call_all_land_numbered_in_order(
    records: Records, tmp_path: Path
) -> None:
    call_id = start_call(records.user, records.customer("Petra Müller").id).id
    gate = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                records.url,
                records.user.id,
                call_id,
                str(gate),
                f"desk{n}",
                str(EACH),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    gate.touch()
    for writer in writers:
        out, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err
        assert out.strip() == "done"

    entries = entry_views(call_id)
    assert [e.seq for e in entries] == list(range(1, WRITERS * EACH + 1))
    texts = {e.text for e in entries}
    assert texts == {
        f"desk{n} {'promise' if i % 5 == 4 else 'entry'} {i}"
        for n in range(WRITERS)
        for i in range(EACH)
    }
    assert len(promises_of_call(call_id)) == WRITERS * (EACH // 5)
