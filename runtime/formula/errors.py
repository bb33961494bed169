"""The one error a formula raises: a message for business users plus where it happened."""

from __future__ import annotations


class FormulaError(ValueError):
    """A formula that cannot be parsed, checked, compiled or evaluated.

    ``position`` is the 0-based offset in the source text (``None`` when no place applies, e.g.
    at evaluation); ``line`` and ``column`` are 1-based, for people.
    """

    def __init__(self, message: str, position: int | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.line = line
        self.column = column

    @classmethod
    def at(cls, message: str, source: str, position: int) -> FormulaError:
        """An error at ``position`` of ``source``, with line and column worked out."""
        position = max(0, min(position, len(source)))
        line = source.count("\n", 0, position) + 1
        column = position - (source.rfind("\n", 0, position) + 1) + 1
        return cls(message, position, line, column)

    def to_json(self) -> dict:
        return {"message": self.message, "position": self.position, "line": self.line,
                "column": self.column}
