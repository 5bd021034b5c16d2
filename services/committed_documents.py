"""Generated contract documents kept in the repository: rewrite them, or check that they did not drift."""

import sys
from pathlib import Path


def write_or_check(docs: Path, documents: dict[str, str], *, suffix: str, argv: list[str], remedy: str) -> int:
    """Write ``docs/<name><suffix>`` for each document, or with ``--check`` in ``argv`` return 1 on drift."""
    check = "--check" in argv
    drifted = []
    for name, text in documents.items():
        path = docs / f"{name}{suffix}"
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                drifted.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if drifted:
        print(f"documents out of date (run `{remedy}`): " + ", ".join(drifted), file=sys.stderr)
        return 1
    return 0
