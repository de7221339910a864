"""HTTP signatures for EWP client authentication: signing, verifying and every refusal."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from accord.ewp import httpsig
from accord.ewp.httpsig import SignatureError

NOW = datetime(2024, 11, 5, 10, 0, 0, tzinfo=UTC)
URL = "https://ewp.example.org/iias/get?hei_id=uw.edu.pl&iia_id=1&iia_id=2"
TARGET = "/iias/get?hei_id=uw.edu.pl&iia_id=1&iia_id=2"
REQUEST_ID = "dc05b425-4e86-4106-8dde-1257fccf53e5"


@dataclass(frozen=True)
class Keys:
    private: bytes
    public: bytes
    other_private: bytes
    other_public: bytes

    def find(self, wanted: str) -> bytes | None:
        """The registry of known keys: only the first pair is known."""
        return self.public if wanted == httpsig.key_id(self.public) else None


@pytest.fixture(scope="module")
def keys() -> Keys:
    private = httpsig.generate_private_key_pem()
    other = httpsig.generate_private_key_pem()
    return Keys(private, httpsig.public_key_pem(private), other, httpsig.public_key_pem(other))


@functools.cache
def _rsa_private(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _authorization(
    private_pem: bytes,
    method: str,
    target: str,
    headers: dict[str, str],
    names: Sequence[str],
    *,
    algorithm: str = "rsa-sha256",
) -> str:
    """An Authorization value signing ``names`` of ``headers``, for requests sign() won't make."""
    text = httpsig.signing_string(method, target, headers, names)
    signature = _rsa_private(private_pem).sign(
        text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
    )
    public = _rsa_private(private_pem).public_key()
    fingerprint = hashlib.sha256(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ).hexdigest()
    return (
        f'Signature keyId="{fingerprint}",algorithm="{algorithm}",'
        f'headers="{" ".join(names)}",signature="{base64.b64encode(signature).decode()}"'
    )


def _signed_get(keys: Keys) -> dict[str, str]:
    return httpsig.sign("GET", URL, b"", keys.private, now=NOW, request_id=REQUEST_ID)


def _verify(
    keys: Keys,
    headers: dict[str, str],
    body: bytes = b"",
    *,
    method: str = "GET",
    target: str = TARGET,
    now: datetime = NOW,
    tolerance: timedelta = httpsig.DEFAULT_TOLERANCE,
) -> str:
    return httpsig.verify(method, target, headers, body, keys.find, now=now, tolerance=tolerance)


def _refused(
    keys: Keys,
    headers: dict[str, str],
    body: bytes = b"",
    *,
    method: str = "GET",
    target: str = TARGET,
    now: datetime = NOW,
) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        _verify(keys, headers, body, method=method, target=target, now=now)
    return caught.value


# Round trips


def test_get_with_query_round_trip(keys: Keys) -> None:
    headers = httpsig.sign("GET", URL, b"", keys.private)
    assert set(headers) == {"Host", "Date", "Digest", "X-Request-Id", "Authorization"}
    assert headers["Host"] == "ewp.example.org"
    assert uuid.UUID(headers["X-Request-Id"]).version == 4

    assert httpsig.verify("GET", TARGET, headers, b"", keys.find) == httpsig.key_id(keys.public)


def test_post_with_form_body_round_trip(keys: Keys) -> None:
    body = b"hei_id=uw.edu.pl&iia_id=1&note=%C5%BC%C3%B3%C5%82w"
    url = "https://ewp.example.org:8443/iias/approve"
    headers = httpsig.sign("POST", url, body, keys.private, now=NOW)
    assert headers["Host"] == "ewp.example.org:8443"
    # How a server receives them: other casing, plus unsigned headers of the transport.
    received = {name.lower(): value for name, value in headers.items()}
    received["content-type"] = "application/x-www-form-urlencoded"

    assert _verify(keys, received, body, method="post", target="/iias/approve") == httpsig.key_id(
        keys.public
    )


def test_signature_is_over_the_documented_signing_string(keys: Keys) -> None:
    headers = _signed_get(keys)
    empty_sha256 = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    assert headers["Digest"] == f"SHA-256={empty_sha256}"
    assert headers["Date"] == "Tue, 05 Nov 2024 10:00:00 GMT"
    assert headers["X-Request-Id"] == REQUEST_ID
    match = re.fullmatch(
        r'Signature keyId="([0-9a-f]{64})",algorithm="rsa-sha256",'
        r'headers="\(request-target\) host date digest x-request-id",signature="([^"]+)"',
        headers["Authorization"],
    )
    assert match is not None
    assert match.group(1) == httpsig.key_id(keys.public)

    expected = (
        f"(request-target): get {TARGET}\n"
        "host: ewp.example.org\n"
        "date: Tue, 05 Nov 2024 10:00:00 GMT\n"
        f"digest: SHA-256={empty_sha256}\n"
        f"x-request-id: {REQUEST_ID}"
    )
    public = serialization.load_pem_public_key(keys.public)
    assert isinstance(public, rsa.RSAPublicKey)
    # Raises InvalidSignature unless exactly this text was signed.
    public.verify(
        base64.b64decode(match.group(2)),
        expected.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


@pytest.mark.parametrize(
    ("url", "host", "target"),
    [
        ("https://ewp.example.org:443/a", "ewp.example.org", "/a"),
        ("http://ewp.example.org:80/a", "ewp.example.org", "/a"),
        ("http://ewp.example.org:8000/a?x=1", "ewp.example.org:8000", "/a?x=1"),
        ("https://EWP.Example.org", "ewp.example.org", "/"),
        ("https://[2001:db8::1]:8443/a%20b?q=%2F", "[2001:db8::1]:8443", "/a%20b?q=%2F"),
    ],
)
def test_host_and_request_target_come_from_the_url(
    keys: Keys, url: str, host: str, target: str
) -> None:
    headers = httpsig.sign("GET", url, b"", keys.private, now=NOW)
    assert headers["Host"] == host
    assert _verify(keys, headers, target=target)


def test_key_id_is_sha256_of_the_der_public_key(keys: Keys) -> None:
    public = serialization.load_pem_public_key(keys.public)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = hashlib.sha256(der).hexdigest()
    assert httpsig.key_id(keys.public) == expected
    assert httpsig.key_id(keys.public.decode()) == expected
    assert f'keyId="{expected}"' in _signed_get(keys)["Authorization"]
    assert httpsig.key_id(keys.other_public) != expected


def test_keys_are_at_least_2048_bits(keys: Keys) -> None:
    assert _rsa_private(keys.private).key_size == 2048
    with pytest.raises(ValueError, match="2048"):
        httpsig.generate_private_key_pem(1024)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak_pem = weak.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="1024 bits"):
        httpsig.sign("GET", URL, b"", weak_pem)

    # A weak key known to the server is refused too.
    headers = {
        "Host": "ewp.example.org",
        "Date": "Tue, 05 Nov 2024 10:00:00 GMT",
        "Digest": httpsig.digest_header(b""),
        "X-Request-Id": REQUEST_ID,
    }
    names = ["(request-target)", "host", "date", "digest", "x-request-id"]
    headers["Authorization"] = _authorization(weak_pem, "GET", TARGET, headers, names)
    weak_public = httpsig.public_key_pem(weak_pem)
    with pytest.raises(SignatureError, match="1024 bits") as caught:
        httpsig.verify("GET", TARGET, headers, b"", lambda _: weak_public, now=NOW)
    assert caught.value.status == 401


# Accepted variations


def test_original_date_may_stand_for_date(keys: Keys) -> None:
    headers = {
        "Host": "ewp.example.org",
        "Original-Date": "Tue, 05 Nov 2024 09:58:00 GMT",
        "Digest": httpsig.digest_header(b""),
        "X-Request-Id": REQUEST_ID,
    }
    names = ["(request-target)", "host", "original-date", "digest", "x-request-id"]
    headers["Authorization"] = _authorization(keys.private, "GET", TARGET, headers, names)
    # A proxy rewrote Date, which is not signed: it does not count.
    headers["Date"] = "Mon, 01 Jan 2001 00:00:00 GMT"

    assert _verify(keys, headers) == httpsig.key_id(keys.public)


def test_signed_original_date_is_required_and_checked(keys: Keys) -> None:
    headers = {
        "Host": "ewp.example.org",
        "Date": "Tue, 05 Nov 2024 10:00:00 GMT",
        "Original-Date": "Tue, 05 Nov 2024 09:00:00 GMT",
        "Digest": httpsig.digest_header(b""),
        "X-Request-Id": REQUEST_ID,
    }
    names = ["(request-target)", "host", "date", "original-date", "digest", "x-request-id"]
    headers["Authorization"] = _authorization(keys.private, "GET", TARGET, headers, names)
    error = _refused(keys, headers)
    assert str(error) == (
        "the Original-Date header is 3600 seconds in the past; at most 300 seconds are allowed"
    )
    assert error.status == 400

    del headers["Original-Date"]
    error = _refused(keys, headers)
    assert str(error) == "the signed header original-date is missing from the request"
    assert error.status == 400


def test_unsigned_headers_are_ignored(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["X-Injected"] = "evil"
    headers["Original-Date"] = "not a date at all"
    headers["Content-Type"] = "text/plain"
    assert _verify(keys, headers) == httpsig.key_id(keys.public)


def test_more_signed_headers_than_required(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Accept"] = "application/xml"
    names = ["(request-target)", "accept", "host", "date", "digest", "x-request-id"]
    headers["Authorization"] = _authorization(keys.private, "GET", TARGET, headers, names)
    assert _verify(keys, headers) == httpsig.key_id(keys.public)

    headers["Accept"] = "text/html"
    assert "does not verify" in str(_refused(keys, headers))


def test_several_digests_with_sha256_among_them(keys: Keys) -> None:
    body = b"<xml/>"
    sha512 = base64.b64encode(hashlib.sha512(body).digest()).decode()
    headers = httpsig.sign("PUT", URL, body, keys.private, now=NOW, request_id=REQUEST_ID)
    headers["Digest"] = f"SHA-512={sha512}, {httpsig.digest_header(body)}, MD5=ignored"
    names = ["(request-target)", "host", "date", "digest", "x-request-id"]
    headers["Authorization"] = _authorization(keys.private, "PUT", TARGET, headers, names)
    assert _verify(keys, headers, body, method="PUT") == httpsig.key_id(keys.public)

    headers["Digest"] = f"SHA-512={sha512}"
    headers["Authorization"] = _authorization(keys.private, "PUT", TARGET, headers, names)
    error = _refused(keys, headers, body, method="PUT")
    assert str(error) == "the Digest header has no SHA-256 digest"
    assert error.status == 400


def test_date_within_tolerance_both_ways(keys: Keys) -> None:
    headers = _signed_get(keys)
    assert _verify(keys, headers, now=NOW + timedelta(minutes=4, seconds=59))
    assert _verify(keys, headers, now=NOW - timedelta(minutes=4, seconds=59))
    assert _verify(keys, headers, now=NOW + timedelta(minutes=9), tolerance=timedelta(minutes=10))


def test_key_id_in_capitals_is_accepted(keys: Keys) -> None:
    headers = _signed_get(keys)
    lower = httpsig.key_id(keys.public)
    headers["Authorization"] = headers["Authorization"].replace(lower, lower.upper())
    assert _verify(keys, headers) == lower


# Refusals


def test_no_authorization_header(keys: Keys) -> None:
    headers = _signed_get(keys)
    del headers["Authorization"]
    error = _refused(keys, headers)
    assert str(error) == "the request has no Authorization header"
    assert error.status == 401


@pytest.mark.parametrize("value", ["Bearer abc.def", "Basic dXNlcjpwYXNz"])
def test_wrong_scheme(keys: Keys, value: str) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = value
    error = _refused(keys, headers)
    assert "scheme, not Signature" in str(error)
    assert error.status == 401


def test_parameters_without_scheme(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = headers["Authorization"].removeprefix("Signature ")
    error = _refused(keys, headers)
    assert "names no scheme" in str(error)
    assert error.status == 401


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "hs2019", "rsa-sha1", "ecdsa-sha256"])
def test_unsupported_algorithm(keys: Keys, algorithm: str) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = headers["Authorization"].replace("rsa-sha256", algorithm)
    error = _refused(keys, headers)
    assert str(error) == f"the algorithm {algorithm} is not supported; rsa-sha256 is needed"
    assert error.status == 401


def test_missing_algorithm(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = headers["Authorization"].replace('algorithm="rsa-sha256",', "")
    error = _refused(keys, headers)
    assert "no algorithm" in str(error)
    assert error.status == 401


@pytest.mark.parametrize(
    ("names", "lacking"),
    [
        (["(request-target)", "host", "date", "x-request-id"], "digest"),
        (["(request-target)", "host", "date", "digest"], "x-request-id"),
        (["host", "date", "digest", "x-request-id"], "(request-target)"),
        (["(request-target)", "date", "digest", "x-request-id"], "host"),
        (["(request-target)", "host", "digest", "x-request-id"], "date (or original-date)"),
        (["(request-target)", "date", "digest"], "host, x-request-id"),
    ],
)
def test_header_list_lacks_a_required_name(keys: Keys, names: list[str], lacking: str) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = _authorization(keys.private, "GET", TARGET, headers, names)
    error = _refused(keys, headers)
    assert str(error) == f"the signed header list lacks {lacking}"
    assert error.status == 401


def test_no_header_list(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = re.sub(r'headers="[^"]*",', "", headers["Authorization"])
    assert "list lacks (request-target), host, digest" in str(_refused(keys, headers))


def test_signed_header_missing_from_request(keys: Keys) -> None:
    headers = _signed_get(keys)
    del headers["Digest"]
    error = _refused(keys, headers)
    assert str(error) == "the signed header digest is missing from the request"
    assert error.status == 400


def test_tampered_body(keys: Keys) -> None:
    body = b"hei_id=uw.edu.pl&iia_id=1"
    headers = httpsig.sign("POST", URL, body, keys.private, now=NOW)
    error = _refused(keys, headers, b"hei_id=uw.edu.pl&iia_id=666", method="POST")
    assert str(error) == "the Digest header's SHA-256 does not match the body"
    assert error.status == 400


def test_digest_cannot_be_parsed(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Digest"] = "just-some-text"
    error = _refused(keys, headers)
    assert "the Digest header cannot be parsed" in str(error)
    assert error.status == 400


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Request-Id", "0b6f1c52-9a84-4a4b-8a3e-6b1d2c9f0e11"),
        ("Host", "evil.example.org"),
        ("Date", "Tue, 05 Nov 2024 10:00:01 GMT"),
    ],
)
def test_tampered_signed_header(keys: Keys, header: str, value: str) -> None:
    headers = _signed_get(keys)
    headers[header] = value
    error = _refused(keys, headers)
    assert str(error).startswith(
        f"the signature does not verify with the key {httpsig.key_id(keys.public)}"
    )
    assert error.status == 401


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "/iias/get?hei_id=uw.edu.pl&iia_id=1"),
        ("GET", "/iias/index?hei_id=uw.edu.pl&iia_id=1&iia_id=2"),
        ("POST", TARGET),
    ],
)
def test_tampered_request_target(keys: Keys, method: str, target: str) -> None:
    error = _refused(keys, _signed_get(keys), method=method, target=target)
    assert "does not verify" in str(error)
    assert error.status == 401


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (NOW + timedelta(minutes=6), "the Date header is 360 seconds in the past"),
        (NOW - timedelta(minutes=5, seconds=1), "the Date header is 301 seconds in the future"),
    ],
)
def test_date_beyond_tolerance(keys: Keys, moment: datetime, message: str) -> None:
    error = _refused(keys, _signed_get(keys), now=moment)
    assert str(error) == f"{message}; at most 300 seconds are allowed"
    assert error.status == 400


def test_date_cannot_be_parsed(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Date"] = "yesterday"
    names = ["(request-target)", "host", "date", "digest", "x-request-id"]
    headers["Authorization"] = _authorization(keys.private, "GET", TARGET, headers, names)
    error = _refused(keys, headers)
    assert str(error) == "the Date header cannot be parsed: 'yesterday'"
    assert error.status == 400


@pytest.mark.parametrize(
    "request_id",
    [
        "12345",
        "dc05b4254e8641068dde1257fccf53e5",
        "{dc05b425-4e86-4106-8dde-1257fccf53e5}",
        "dc05b425-4e86-4106-8dde-1257fccf53e",
    ],
)
def test_request_id_must_be_a_uuid(keys: Keys, request_id: str) -> None:
    headers = httpsig.sign("GET", URL, b"", keys.private, now=NOW, request_id=request_id)
    error = _refused(keys, headers)
    assert str(error) == f"the X-Request-Id {request_id!r} is not a UUID"
    assert error.status == 400


def test_unknown_key(keys: Keys) -> None:
    headers = httpsig.sign("GET", URL, b"", keys.other_private, now=NOW)
    error = _refused(keys, headers)
    assert str(error) == f"the key {httpsig.key_id(keys.other_public)} is unknown"
    assert error.status == 403


def test_signature_made_with_another_key(keys: Keys) -> None:
    headers = httpsig.sign("GET", URL, b"", keys.other_private, now=NOW)
    headers["Authorization"] = headers["Authorization"].replace(
        httpsig.key_id(keys.other_public), httpsig.key_id(keys.public)
    )
    error = _refused(keys, headers)
    assert "does not verify" in str(error)
    assert error.status == 401


@pytest.mark.parametrize("signature", ["not*base64!", "QUJD=X", "ÿÿÿÿ", "QUJDRA"])
def test_malformed_base64_signature(keys: Keys, signature: str) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = re.sub(
        r'signature="[^"]*"', f'signature="{signature}"', headers["Authorization"]
    )
    error = _refused(keys, headers)
    assert str(error) == "the signature is not valid base64"
    assert error.status == 400


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: re.sub(r'signature="[^"]*"', 'signature=""', a), "has no signature"),
        (lambda a: re.sub(r'keyId="[^"]*",', "", a), "has no keyId"),
        (
            lambda a: re.sub(r'keyId="[^"]*"', 'keyId="my-key"', a),
            "'my-key' is not a hex SHA-256 fingerprint",
        ),
    ],
)
def test_missing_or_malformed_parameters(
    keys: Keys, change: Callable[[str], str], message: str
) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = change(headers["Authorization"])
    error = _refused(keys, headers)
    assert message in str(error)
    assert error.status == 400


def test_unparsable_authorization(keys: Keys) -> None:
    headers = _signed_get(keys)
    headers["Authorization"] = headers["Authorization"].rstrip('"')
    error = _refused(keys, headers)
    assert str(error) == (
        "the Authorization parameters cannot be parsed: the quoted value of signature is not closed"
    )
    assert error.status == 400


def test_key_from_find_key_must_match_the_key_id(keys: Keys) -> None:
    headers = _signed_get(keys)
    with pytest.raises(ValueError, match="not"):
        httpsig.verify("GET", TARGET, headers, b"", lambda _: keys.other_public, now=NOW)


# Parsing the Authorization parameters


def test_parse_authorization() -> None:
    value = (
        'Signature keyId="abc", algorithm=rsa-sha256 ,'
        'headers="(request-target) host",signature="a,b=c\\"d\\\\e="'
    )
    assert httpsig.parse_authorization(value) == {
        "keyId": "abc",
        "algorithm": "rsa-sha256",
        "headers": "(request-target) host",
        "signature": 'a,b=c"d\\e=',
    }
    assert httpsig.parse_authorization('keyId="abc",signature="x=="') == {
        "keyId": "abc",
        "signature": "x==",
    }
    assert httpsig.parse_authorization("Signature") == {}
    assert httpsig.parse_authorization('signature keyId=""') == {"keyId": ""}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('Signature keyId="a",keyid="b"', "keyid appears twice"),
        ('Signature keyId="a" algorithm="b"', "a comma was expected after the value of keyId"),
        ("Signature keyId", "'=' was expected after keyId"),
        ("Signature keyId=,", "keyId has no value"),
        ('Signature ="a"', "a parameter name was expected at character 1"),
    ],
)
def test_parse_authorization_refuses(value: str, problem: str) -> None:
    with pytest.raises(SignatureError) as caught:
        httpsig.parse_authorization(value)
    assert str(caught.value) == f"the Authorization parameters cannot be parsed: {problem}"
    assert caught.value.status == 400


def test_parse_authorization_refuses_another_scheme() -> None:
    with pytest.raises(SignatureError, match="Bearer scheme") as caught:
        httpsig.parse_authorization("Bearer token")
    assert caught.value.status == 401
