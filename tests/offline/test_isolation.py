"""The offline layers cannot reach a real AWS endpoint, and say which host they tried."""

from __future__ import annotations

import pytest

REACHES_REAL_AWS = """
import boto3
import pytest

pytestmark = pytest.mark.{marker}

def test_lists_tables_on_real_aws():
    boto3.client("dynamodb", region_name="eu-west-1").list_tables()
"""


@pytest.mark.parametrize("marker", ["unit", "template"])
def test_offline_layer_reaching_aws_fails_naming_the_host(
    pytester: pytest.Pytester, marker: str
) -> None:
    pytester.makepyfile(REACHES_REAL_AWS.format(marker=marker))
    result = pytester.runpytest_subprocess("-p", "harness.plugin")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*RealEndpointBlocked: harness isolation: this test tried to reach "
         "dynamodb.eu-west-1.amazonaws.com:443*"]
    )  # fmt: skip


def test_offline_layer_gets_fake_credentials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.unit
        def test_env():
            assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
            assert "AWS_PROFILE" not in os.environ
        """
    )
    result = pytester.runpytest_subprocess("-p", "harness.plugin")
    result.assert_outcomes(passed=1)


def test_raw_ip_connect_is_blocked_by_pytest_socket(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket
        import pytest

        @pytest.mark.unit
        def test_connect():
            with socket.socket() as raw:
                raw.connect(("192.0.2.10", 443))
        """
    )
    result = pytester.runpytest_subprocess("-p", "harness.plugin")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['*SocketConnectBlockedError*"192.0.2.10"*'])


def test_layers_outside_the_offline_ones_are_not_fenced(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket
        import pytest

        @pytest.mark.integration
        def test_resolves_any_name():
            with pytest.raises(OSError):
                socket.getaddrinfo("no-such-host.invalid", 443)
        """
    )
    result = pytester.runpytest_subprocess("-p", "harness.plugin")
    result.assert_outcomes(passed=1)
