"""Errors of the talent engine.

::

    TalentError (ValueError)
    ├── CatalogueError      a skills catalogue or taxonomy file cannot be read
    ├── RoleError           a role profile is invalid (carries the field path)
    ├── ImportMappingError  a column mapping does not fit the table
    ├── ExportError         a shortlist cannot be exported
    └── StorageError        the workspace database cannot be used
        └── JobError        a verification job or item does not exist

Each error's message is meant to be shown to a user as it is.
"""

from __future__ import annotations


class TalentError(ValueError):
    """Base of every error the talent engine raises on purpose."""


class CatalogueError(TalentError):
    """A skills catalogue or taxonomy file is malformed."""


class RoleError(TalentError):
    """A role profile is invalid.

    ``path`` names the offending field (``requirements[2].weight``) and
    ``source`` the file or label the role came from, when known.
    """

    def __init__(self, message: str, *, path: str = "", source: str = "") -> None:
        self.path = path
        self.source = source
        where = ": ".join(p for p in (source, path) if p)
        super().__init__(f"{where}: {message}" if where else message)


class ImportMappingError(TalentError):
    """A column mapping names columns the table does not have, or maps nothing."""


class ExportError(TalentError):
    """A shortlist cannot be exported (unknown format, empty selection)."""


class StorageError(TalentError):
    """The workspace database cannot be opened or used."""


class JobError(StorageError):
    """A verification job or one of its items does not exist."""
