"""The compiled French catalogue the pages and mails read (a clean clone holds only the .po files)."""
import os
from pathlib import Path

import portal

TRANSLATIONS = Path(portal.__file__).parent / "translations"


def compile_catalogues() -> None:
    """Compile each .po whose .mo is missing or older, replacing the .mo in one step."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalogue = read_po(fh, locale=po_path.parts[-3])
        temporary = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as fh:
            write_mo(fh, catalogue)
        os.replace(temporary, mo_path)
