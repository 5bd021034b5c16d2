"""Local secrets on disk: written whole (never half a file) and readable by their owner only."""

import json
import os
from pathlib import Path
from typing import Any


def write_private_json(path: Path, document: Any) -> None:
    """Write ``document`` to ``path`` as JSON, mode 0600, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(document, out, indent=2, sort_keys=True)
    tmp.replace(path)
