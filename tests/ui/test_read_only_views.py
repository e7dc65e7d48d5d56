"""Every view leaves the folders it shows untouched (tests/test_read_only.py does the commands)."""

from __future__ import annotations

from tests.test_read_only import snapshot


def test_every_view_leaves_the_folders_untouched(qtbot, window, open_dir, browsed):
    from ckpt_browser.ui.views import TAB_NAMES as TABS
    from tests.ui.conftest import TIMEOUT

    iris, quad = browsed
    before = {p: snapshot(p) for p in browsed}

    def settle():
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=TIMEOUT)

    for folder, variable in ((iris, "dnn/logits/kernel"), (quad, "hor_estimate")):
        open_dir(folder, variable=variable)
        settle()
        for tab in TABS:
            if tab == "diff":
                window.show_diff_window().run()
            elif tab == "verify":
                window.show_verify_dialog()
            else:
                window.show_tab(tab)
            settle()
    window.view("check").spec.setText(str(iris))
    window.show_tab("check")
    settle()
    assert {p: snapshot(p) for p in browsed} == before
