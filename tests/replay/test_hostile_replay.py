"""`vibing2-lab replay` of a file that is JSON with cells but not a notebook nbformat can run (the
hostile-notebooks audit): one clear error line, no traceback, no value of the file quoted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PLANTED_KEY, run_cli

CELL = {"cell_type": "code", "source": "1", "outputs": [], "metadata": {}, "execution_count": None}
V4 = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}}
BROKEN = {
    "cells-not-dicts": ({**V4, "cells": [1, "x"]}, "nbformat cannot read it"),
    "source-a-number": ({**V4, "cells": [{**CELL, "source": 5}]}, "cells[0]"),
    "metadata-a-list": ({**V4, "metadata": [], "cells": [CELL]}, "nbformat cannot read it"),
    "nbformat-3-without-worksheets": ({"nbformat": 3, "metadata": {}, "cells": [CELL]}, "not a version 4 notebook"),
    "nbformat-5": ({**V4, "nbformat": 5, "cells": []}, "nbformat cannot read it"),
    "output-metadata-a-number": ({**V4, "cells": [{**CELL, "outputs": [
        {"output_type": "display_data", "data": {"text/plain": PLANTED_KEY}, "metadata": 7}]}]},
        "cells[0].outputs[0].metadata: must be of type object"),
    "output-data-a-key": ({**V4, "cells": [{**CELL, "outputs": [
        {"output_type": "display_data", "data": {"text/plain": {"k": PLANTED_KEY}}, "metadata": {}}]}]},
        "cells[0].outputs[0].data.text/plain"),
}


@pytest.mark.parametrize(("nb", "said"), BROKEN.values(), ids=BROKEN)
def test_replay_refuses_a_notebook_nbformat_cannot_run(tmp_path: Path, nb: dict, said: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    out = run_cli("replay", str(path))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert f"{path} is not a valid notebook: " in out.stderr and said in out.stderr, out.stderr
    assert PLANTED_KEY[:12] not in out.stderr + out.stdout
