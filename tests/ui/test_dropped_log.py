"""Issue 25: a dropped log is read as a pasted one -- its end, where the error is."""

from __future__ import annotations

from ckpt_browser.core.checks.logparse import MAX_LOG_CHARS, parse_log
from ckpt_browser.ui.window_sources import _read_text

ERROR = "Assign requires shapes of both tensors to match. lhs shape= [10,3] rhs shape= [10,4]\n"


def test_a_3m_character_log_with_the_error_at_its_end(tmp_path):
    path = tmp_path / "train.log"
    text = "INFO step ok\n" * (3_000_000 // 13) + ERROR
    path.write_text(text)
    dropped = _read_text(str(path))
    assert len(parse_log(dropped)) == len(parse_log(text)) == 1


def test_a_huge_log_keeps_its_last_characters(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("é" * (MAX_LOG_CHARS + 1000) + ERROR)  # 2-byte characters
    dropped = _read_text(str(path))
    assert len(dropped) == MAX_LOG_CHARS and dropped.endswith(ERROR)
