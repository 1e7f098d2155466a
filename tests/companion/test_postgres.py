"""The call-record tests also run on PostgreSQL when a server is reachable.

The runs themselves come from the ``records`` fixture's parametrisation (see
conftest.py); this module makes their absence visible as one skip with its reason.
"""

from __future__ import annotations

import pytest

from companion.customer_search import find_customers
from companion.migrations import stored_versions
from companion.schema import CORE
from tests.companion.conftest import Records, postgres_unavailable


def test_service_tests_run_on_postgresql_too(records: Records) -> None:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    assert stored_versions(records.database)["core"] == CORE.latest
    ana = records.customer("Ana María López", phones=["(555) 010-2030"])
    assert [m.customer.id for m in find_customers(records.user, "lóp")] == [ana.id]
