"""The project store: projects, conversations, generated files and model runs in one SQLite file.

Cheap to import: names resolve on first use, so `import vibing2_lab.store` loads neither
sqlite3 nor DuckDB.

    Store                       open(), projects (projects.py) with messages (messages.py),
                                runs (runs.py) and saved files (saving.py); db.py opens SQLite
                                (WAL) and migrations.py brings the schema up to date
    Project, ProjectSummary, Message, ProjectFile, Run, Version, validate_project_name   (rows.py)
    versions, version_files, diff, revert       a project's file history (versions.py)
    extract_files, language_for                 files generated in an answer (files.py)
    export_files, safe_relative_path            writing them to a folder (export.py)
    inline_preview                              one HTML page with its CSS/JS inlined (preview.py)
    stats_rows, stats_by_day, export_parquet    analytics over a snapshot (stats.py, DuckDB)
    stats_chart, StatsChart                     the tokens-and-cost chart (chart.py)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Store": "projects",
    "Project": "rows", "ProjectSummary": "rows", "Message": "rows", "ProjectFile": "rows",
    "Run": "rows", "Version": "rows", "validate_project_name": "rows", "utc_now": "rows",
    "extract_files": "files", "language_for": "files",
    "export_files": "export", "safe_relative_path": "export",
    "inline_preview": "preview",
    "stats_rows": "stats", "stats_by_day": "stats", "export_parquet": "stats",
    "stats_chart": "chart", "StatsChart": "chart",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .chart import StatsChart, stats_chart
    from .export import export_files, safe_relative_path
    from .files import extract_files, language_for
    from .rows import (Message, Project, ProjectFile, ProjectSummary, Run, Version, utc_now,
                       validate_project_name)
    from .preview import inline_preview
    from .projects import Store
    from .stats import export_parquet, stats_by_day, stats_rows


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vibing2_lab.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
