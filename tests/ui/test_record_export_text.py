"""The PDF of a call record prints what people typed as text, never as markup."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from companion.call_export import export_call
from companion.calls import start_call
from companion.customers import CustomerDetails, create_customer
from companion.entries import add_entry
from kb.workspace import Workspace
from ui.call.record_export import record_document, save_pdf

PASTED = "<b>bold</b> <script>alert(1)</script>\n# not a heading\n    <i>not code</i>"


def test_the_pdf_document_shows_typed_html_literally(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    user = workspace.user
    customer = create_customer(user, CustomerDetails.validate("<u>Ana</u> López")).customer
    call = start_call(user, customer.id, problem="*very* <em>upset</em>")
    add_entry(user, call.id, "said", PASTED)
    document = record_document(export_call(user, call.id, "md"))
    text = document.toPlainText()
    assert text.startswith("Call with <u>Ana</u> López")
    assert "<b>bold</b> <script>alert(1)</script>" in text
    assert "# not a heading" in text and "<i>not code</i>" in text
    assert "*very* <em>upset</em>" in text
    # Nothing typed became formatting: no bold or italic run anywhere in the quote.
    html = document.toHtml()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert save_pdf(user, call.id, tmp_path / "record.pdf").read_bytes().startswith(b"%PDF")
