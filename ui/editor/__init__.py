"""The supervisors' playbook editor: form, live preview, drafts, publishing, history."""

from __future__ import annotations

from ui.editor.editor_window import PlaybookEditor, open_editor

__all__ = ["PlaybookEditor", "open_editor"]
