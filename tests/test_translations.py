"""The Spanish catalogue is complete, compiled, and covers every string in the code."""

import shutil
from pathlib import Path

import polib
from django.utils import translation

from tests.processes import run_python
from tests.support import require_service

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
SOURCES = ["config", "alianzas", "fases", "seguimiento", "templates", "manage.py"]


def entry_key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid)


def test_every_spanish_entry_is_translated_and_not_fuzzy():
    catalogue = polib.pofile(str(PO_FILE))
    assert not catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()


def test_the_compiled_catalogue_matches_the_source():
    compiled = {entry_key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO_FILE))}
    source = {
        entry_key(e): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(PO_FILE)).translated_entries()
    }
    assert compiled == source, "run `make messages` and commit the .mo file"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    require_service(shutil.which("xgettext") is not None, "gettext (xgettext)")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    result = run_python(
        ["manage.py", "makemessages", "--locale", "es", "--no-location"],
        {
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ALIANZAS_VAR_DIR": str(tmp_path / "var"),
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    in_code = {entry_key(e) for e in polib.pofile(str(tmp_path / PO_FILE.relative_to(ROOT)))}
    translated = {entry_key(e) for e in polib.pofile(str(PO_FILE)).translated_entries()}
    missing = sorted(str(key) for key in in_code - translated)
    assert not missing, f"strings without a Spanish translation (run `make messages`): {missing}"


def test_spanish_is_the_default_and_refusals_speak_it():
    from alianzas.lifecycle import Phase

    assert str(Phase.IDENTIFICATION.label) == "Identificación, formulación y diseño"
    with translation.override("en"):
        assert str(Phase.IDENTIFICATION.label) == "Identification, formulation and design"
