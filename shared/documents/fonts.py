"""The Unicode TrueType font documents are rendered with, found through fontconfig (no machine path in the repo).

Vietnamese text needs a font with its diacritics: DejaVu Sans (Debian's ``fonts-dejavu-core``, which
``deploy/local/system.sh`` installs) is asked of ``fc-match`` by family and style. fontconfig answers
its nearest font for any name, so the answer is checked to be the family asked for.
"""

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Literal

FAMILY = "DejaVu Sans"
PACKAGE = "fonts-dejavu-core"

Style = Literal["regular", "bold"]
_PATTERNS: dict[Style, str] = {"regular": f"{FAMILY}:style=Book", "bold": f"{FAMILY}:style=Bold"}


class FontNotFoundError(LookupError):
    """The font is not installed, or fontconfig is missing: rendering cannot go on until it is installed."""


@cache
def font_file(style: Style = "regular") -> Path:
    """The TrueType file of DejaVu Sans in ``style``; raises :class:`FontNotFoundError` naming the package."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise FontNotFoundError(f"fc-match not found: install fontconfig and {PACKAGE}")
    answer = subprocess.run(  # noqa: S603 - fontconfig's own tool, no shell, a fixed pattern
        [fc_match, "--format=%{file}|%{family}", _PATTERNS[style]],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    file, _, families = answer.stdout.partition("|")
    if answer.returncode != 0 or FAMILY not in families.split(",") or not file.lower().endswith(".ttf"):
        raise FontNotFoundError(f"no {FAMILY} ({style}) TrueType font through fontconfig: install {PACKAGE}")
    return Path(file)
