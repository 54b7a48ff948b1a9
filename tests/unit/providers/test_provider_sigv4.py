"""SigV4 against AWS's published vectors: the sig-v4 test suite, the IAM guide, the S3 guide."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from relaygate.providers.sigv4 import AwsCredentials, canonical_query, canonical_uri, sign

SUITE = AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SUITE_AT = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
S3 = AwsCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
S3_AT = datetime(2013, 5, 24, tzinfo=UTC)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    ("name", "method", "url", "signature"),
    [
        (
            "get-vanilla",
            "GET",
            "https://example.amazonaws.com/",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "get-vanilla-query-order-key-case",
            "GET",
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "post-vanilla",
            "POST",
            "https://example.amazonaws.com/",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
    ],
)
def test_sigv4_test_suite(name: str, method: str, url: str, signature: str) -> None:
    signed = sign(
        method,
        url,
        {},
        b"",
        credentials=SUITE,
        region="us-east-1",
        service="service",
        now=SUITE_AT,
        content_sha256_header=False,
    )
    assert signed.headers["x-amz-date"] == "20150830T123600Z"
    assert signed.headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    ), name


def test_iam_guide_worked_example() -> None:
    signed = sign(
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        b"",
        credentials=SUITE,
        region="us-east-1",
        service="iam",
        now=SUITE_AT,
        content_sha256_header=False,
    )
    assert (
        hashlib.sha256(signed.canonical_request.encode()).hexdigest()
        == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    )
    assert signed.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    assert "SignedHeaders=content-type;host;x-amz-date," in signed.headers["Authorization"]


def test_s3_guide_get_object_signs_range_and_content_hash() -> None:
    signed = sign(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        b"",
        credentials=S3,
        region="us-east-1",
        service="s3",
        now=S3_AT,
    )
    assert signed.headers["x-amz-content-sha256"] == EMPTY_SHA256
    assert signed.headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_s3_guide_put_object_with_an_escaped_key() -> None:
    body = b"Welcome to Amazon S3."
    signed = sign(
        "PUT",
        "https://examplebucket.s3.amazonaws.com/test%24file.text",
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        body,
        credentials=S3,
        region="us-east-1",
        service="s3",
        now=S3_AT,
    )
    assert signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"


def test_session_token_is_sent_and_signed() -> None:
    signed = sign(
        "POST",
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/invoke",
        {"Content-Type": "application/json"},
        b"{}",
        credentials=AwsCredentials("AK", "SK", "TOKEN"),
        region="us-east-1",
        service="bedrock",
        now=SUITE_AT,
    )
    assert signed.headers["x-amz-security-token"] == "TOKEN"
    assert (
        "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
        in signed.headers["Authorization"]
    )


def test_paths_are_encoded_twice_except_for_s3() -> None:
    path = "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke"
    assert canonical_uri(path, double_encode=True) == (
        "/model/anthropic.claude-3-5-sonnet-20241022-v2%253A0/invoke"
    )
    assert canonical_uri("/a%24b", double_encode=False) == "/a%24b"
    assert canonical_uri("", double_encode=True) == "/"


def test_canonical_query_sorts_and_encodes() -> None:
    assert canonical_query("b=2&a=x y&a=1&c") == "a=1&a=x%20y&b=2&c="
    assert canonical_query("k=%2F%7E") == "k=%2F~"
