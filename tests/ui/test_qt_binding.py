"""Guards against a Qt binding that cannot carry ``None`` through a signal.

The window passes "no call" and "nothing returned" as ``None`` through Signal(object);
PySide6 6.12.0 corrupts None's reference count doing so and the app aborts after a
few thousand emissions. Run in a child process, so a crash fails this test instead of
ending the whole test run.
"""

from __future__ import annotations

import os
import subprocess
import sys

EMIT_NONE = """
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
class Source(QObject):
    signal = Signal(object)
class Sink(QObject):
    count = 0
    @Slot(object)
    def receive(self, value):
        Sink.count += 1
app = QCoreApplication([])
source, sink = Source(), Sink()
source.signal.connect(sink.receive)
for _ in range(20000):
    source.signal.emit(None)
print(Sink.count)
"""


def test_none_can_be_emitted_through_object_signals() -> None:
    result = subprocess.run(
        [sys.executable, "-c", EMIT_NONE],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "20000"
