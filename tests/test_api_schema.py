"""schemathesis against the API's own OpenAPI schema, in-process through the WSGI app, as
three roles (anonymous, a representative with a token, a coordinator with a token): no
answer is a 5xx, and every answer — status, content type, headers and body — matches the
schema. The examples per operation are bounded so that it runs in about a minute."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.api_world import api_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # Input the schema calls invalid must be refused with a 4xx, never accepted.
    negative_data_rejection,
]


# Read in-process at collection (the schema view needs no database), as drf-spectacular
# serves it at /api/v1/schema/.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Called straight through WSGI, each request would end by closing the database
    connection (``close_old_connections``), and with it the test's transaction; Django's
    test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # The rates are not under test here: throttling would turn examples into 429s.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }


EXAMPLES = hypothesis_settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def run_as(role, api_world):
    """Every operation, with valid and with invalid input, as ``role``; one test per role
    so that the world is built once for all of them."""
    token = api_world["tokens"][role]
    headers = {"Authorization": f"Token {token}"} if token else {}
    for operation in OPERATIONS:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @EXAMPLES
            def check(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()


def test_every_operation_is_checked():
    assert len(OPERATIONS) == 24  # 11 lists, 11 details, and the two writes


def test_anonymous(api_world):
    run_as("anonymous", api_world)


def test_representative_with_a_token(api_world):
    run_as("member_representative", api_world)


def test_coordinator_with_a_token(api_world):
    run_as("coordinator", api_world)
