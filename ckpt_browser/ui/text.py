"""Text from files in rich-text labels: escaped, so a value "<unk>" or a dtype "<dtype: 'float32'>"
is shown as it is, never read as markup."""

from __future__ import annotations

import html


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)
