"""Saving one call's record as a Markdown or PDF file the agent can attach or print.

The text always comes from :func:`companion.call_export.export_call`, so a file
says exactly what the export service says and every export is audited there. A
file is written whole or not at all: it is first written beside its destination
(PDF pages are rendered in a private temporary folder), then moved into place, so
an unwritable folder or a full disk leaves no half-written record behind and
produces a message saying what to do instead.

With a service runner, the export and, for a PDF, the Markdown rendering run off
the UI thread; only laying the pages out and printing them (Qt's text layout and
QPrinter, which are safest on the GUI thread) happen on it, under a busy cursor,
after the agent chose where to save.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF, QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication, QPageLayout, QTextDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from companion.call_export import export_call
from companion.calls import get_call
from companion.errors import CompanionError, InvalidInput
from companion.users import User
from kb.render import render_markdown
from ui.service_runner import ServiceRunner

FORMATS = {"md": ("Markdown", "Markdown files (*.md)"), "pdf": ("PDF", "PDF files (*.pdf)")}
PDF_MARGIN_MM = 18
PDF_STYLE = """
body { font-size: 10pt; }
h1 { font-size: 16pt; }
h2 { font-size: 13pt; margin-top: 14px; }
h3 { font-size: 11pt; }
blockquote { margin-left: 14px; color: #303338; }
code { font-family: monospace; }
"""
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def save_markdown(user: User, call_id: str, path: str | os.PathLike[str]) -> Path:
    """Write the call's record as UTF-8 Markdown to ``path``; returns the path written."""
    return write_markdown(export_call(user, call_id, "md"), path)


def save_pdf(user: User, call_id: str, path: str | os.PathLike[str]) -> Path:
    """Write the call's record as a PDF to ``path``; returns the path written."""
    return write_pdf(export_call(user, call_id, "md"), path)


def write_markdown(markdown: str, path: str | os.PathLike[str]) -> Path:
    return _write_whole(Path(path), markdown.encode("utf-8"))


def write_pdf(markdown: str, path: str | os.PathLike[str]) -> Path:
    """Render ``markdown`` (sanitised, as the record viewer does) to a PDF at ``path``."""
    return print_pdf(render_markdown(markdown), path)


def print_pdf(page: str, path: str | os.PathLike[str]) -> Path:
    """Print ``page``, the record's already rendered and sanitised HTML, to a PDF at ``path``.

    QPrinter only reports a failure to open its file as a Qt warning, so it prints
    into a private temporary folder that is known to be writable; the result is then
    moved to ``path`` with errors that can be reported.
    """
    document = _document(page)
    title = document.metaInformation(QTextDocument.MetaInformation.DocumentTitle)
    with tempfile.TemporaryDirectory(prefix="companion-pdf-") as folder:
        rendered = Path(folder) / "record.pdf"
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(rendered))
        printer.setCreator("Companion")
        printer.setDocName(title)
        printer.setPageMargins(
            QMarginsF(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
        document.print_(printer)
        data = rendered.read_bytes() if rendered.exists() else b""
    if not data.startswith(b"%PDF"):
        raise InvalidInput(
            "The PDF could not be produced. Nothing was saved; try Markdown instead."
        )
    return _write_whole(Path(path), data)


def record_document(markdown: str) -> QTextDocument:
    """The record as the PDF prints it: the export's Markdown, rendered and sanitised.

    The export escapes what people typed, so a pasted ``<b>`` prints as those three
    characters; sanitising is the second line of defence, not the first.
    """
    return _document(render_markdown(markdown))


def _document(page: str) -> QTextDocument:
    document = QTextDocument()
    document.setDefaultStyleSheet(PDF_STYLE)
    document.setHtml(page)
    title = document.toPlainText().split("\n", 1)[0].strip()
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    return document


def suggested_name(user: User, call_id: str, fmt: str) -> str:
    """A file name an agent recognises later: who called and when."""
    call = get_call(user, call_id)
    name = _UNSAFE_IN_NAME.sub(" ", call.customer.display_name).strip(" .") or "caller"
    return f"Call {name} {call.started_at:%Y-%m-%d}.{fmt}"


def ask_and_export(
    parent: QWidget | None,
    user: User,
    call_id: str,
    fmt: str,
    *,
    runner: ServiceRunner | None = None,
) -> None:
    """Ask where to save, export, and say what happened in a message box.

    Exporting writes an audit event; with ``runner`` that happens off the UI thread,
    so a database held by another program does not freeze the window.
    """
    kind, file_filter = FORMATS[fmt]
    try:
        start = suggested_name(user, call_id, fmt)
    except CompanionError as exc:
        _report_error(parent, kind, str(exc))
        return
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    chosen, _ = QFileDialog.getSaveFileName(
        parent, f"Export the call record as {kind}", str(Path(folder) / start), file_filter
    )
    if not chosen:
        return
    path = Path(chosen)
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(f"{path.name}.{fmt}")
    writer = write_markdown if fmt == "md" else print_pdf

    def write(content: str) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            written = writer(content, path)
        except CompanionError as exc:
            QGuiApplication.restoreOverrideCursor()
            _report_error(parent, kind, str(exc))
            return
        QGuiApplication.restoreOverrideCursor()
        QMessageBox.information(
            parent, "Record exported", f"The call record was saved to {written}."
        )

    if runner is None:
        try:
            content = _prepare(user, call_id, fmt)
        except CompanionError as exc:
            _report_error(parent, kind, str(exc))
            return
        write(content)
    else:
        runner.submit(
            _prepare,
            user,
            call_id,
            fmt,
            on_done=write,
            on_error=lambda message: _report_error(parent, kind, message),
        )


def _prepare(user: User, call_id: str, fmt: str) -> str:
    """What the writer needs: the export's Markdown, rendered to HTML for a PDF.

    Plain Python with no Qt, so the runner can do it in its thread.
    """
    markdown = export_call(user, call_id, "md")
    return markdown if fmt == "md" else render_markdown(markdown)


def _report_error(parent: QWidget | None, kind: str, message: str) -> None:
    QMessageBox.warning(parent, f"{kind} export failed", message)


def _write_whole(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` and move it into place, or raise a message for the user."""
    temporary: Path | None = None
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
        temporary = path.with_name(f".{path.name}.part")
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InvalidInput(
            f"Could not save {path}: {reason.lower()}. Nothing was saved; "
            "choose another folder or name and export again."
        ) from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
    return path
