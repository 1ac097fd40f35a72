"""The suite's axe-core check (tests/browser.py) leaves out the rules that can only find
minor or moderate problems: on a page full of serious and critical ones it finds exactly what
the whole of axe-core finds of those, and it runs fewer rules."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import RUN_AXE, assert_accessible

pytestmark = pytest.mark.usefixtures("browser_page")

# No landmarks or heading (moderate findings only), and one of each grave kind: an image
# without a text, a field without a label, grey on white, an empty button and link.
FLAWED = """<!doctype html><html lang="es"><head><title>Prueba</title></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text">
<p style="color:#bbb;background:#fff">Texto gris claro</p>
<button></button>
<a href="/x"></a>
<select><option>1</option></select>
</body></html>"""


def grave(violations):
    return sorted(v["id"] for v in violations if v["impact"] in ("serious", "critical"))


def test_the_check_finds_what_the_whole_of_axe_finds_of_serious_and_critical(page):
    page.set_content(FLAWED)
    whole = Axe().run(page).response["violations"]
    assert {"region", "landmark-one-main", "page-has-heading-one"} <= {v["id"] for v in whole}
    page.set_content(FLAWED)
    page.evaluate(Axe().axe_script)
    ours = page.evaluate(RUN_AXE)
    assert grave(ours["violations"]) == grave(whole)
    assert {"button-name", "color-contrast", "image-alt", "label", "link-name"} <= set(grave(whole))
    assert not {v["id"] for v in ours["violations"]} & {"region", "landmark-one-main"}
    kinds = ("violations", "passes", "incomplete", "inapplicable")
    ran = sum(len(ours[kind]) for kind in kinds)
    assert 0 < ran < sum(len(Axe().run(page).response[kind]) for kind in kinds)
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, "the flawed page")
