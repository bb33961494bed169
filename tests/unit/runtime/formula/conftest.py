"""The ``formula_db`` fixture: the sample tables on SQLite, and on PostgreSQL when
TRELLIS_DATABASE_URL is set (that parametrisation is marked ``integration``)."""

from __future__ import annotations

import pytest

from tests.unit.runtime.formula.formula_support import DATABASES, formula_database


@pytest.fixture(scope="module", params=DATABASES)
def formula_db(request):
    with formula_database(request.param) as db:
        yield db
