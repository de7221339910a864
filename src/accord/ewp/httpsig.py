"""HTTP signatures for client authentication on the Erasmus Without Paper (EWP) network.

EWP authenticates the *client* of an API call with a signature over the request, in the form of
draft-cavage-http-signatures (the "version 07" ``Authorization: Signature`` scheme, which is not
the later RFC 9421 format). A signed request carries:

``Digest: SHA-256=<base64>``
    The SHA-256 digest of the raw body, base64 encoded; present for an empty body too.
``X-Request-Id: <uuid>``
    A fresh UUID in canonical form for every request.
``Date`` (or ``Original-Date``)
    The moment of signing as an RFC 7231 IMF-fixdate (``Tue, 15 Nov 1994 08:12:31 GMT``).
    ``Original-Date`` carries the same value where a proxy might rewrite ``Date``.
``Authorization: Signature keyId="…",algorithm="rsa-sha256",headers="…",signature="…"``
    ``keyId`` is the lowercase hex SHA-256 of the DER (SubjectPublicKeyInfo) encoding of the
    client's RSA public key, as published in the EWP registry. ``headers`` names the signed
    headers in order; it must include at least ``(request-target) host date digest
    x-request-id`` (``original-date`` may stand for ``date``).

The *signing string* has one line per name in ``headers``, ``name: value`` with the name in
lowercase, joined by ``\\n`` with no final newline. The pseudo-header ``(request-target)`` is
``<lowercase method> <path>?<query>``, the path and query exactly as sent. The signature is
RSASSA-PKCS1-v1_5 with SHA-256 over that string, base64 encoded. Keys are RSA of at least 2048 bits.

:func:`sign` produces the headers a client adds; :func:`verify` performs the server's checks and
returns the ``keyId`` that signed. A server must treat every header not named in ``headers`` as
if it had not been sent: only the signed ones are vouched for by the client.

Failures raise :class:`SignatureError`, whose ``status`` tells the HTTP status to answer with:

* **401** when the request does not authenticate: no ``Authorization`` header, another scheme,
  an algorithm other than ``rsa-sha256``, a ``headers`` list lacking a required name, an unknown
  ``keyId``, a key that is not RSA of 2048 bits or more, or a signature that does not verify.
  The response should then carry ``WWW-Authenticate`` (:data:`WWW_AUTHENTICATE`) and
  ``Want-Digest`` (:data:`WANT_DIGEST`).
* **400** when the request is malformed or inconsistent: unparsable ``Authorization``
  parameters, a missing or malformed ``keyId`` or ``signature`` parameter, a signature that is
  not base64, a signed header absent from the request, a ``Digest`` that is unparsable, lacks
  SHA-256 or does not match the body, a date that cannot be parsed or lies outside the clock
  tolerance, and an ``X-Request-Id`` that is not a UUID.

What the module leaves to its caller: checking that ``Host`` names this server (Django's
``ALLOWED_HOSTS`` does it) and, where replays matter, remembering the request ids seen within the
tolerance window.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ALGORITHM = "rsa-sha256"
MIN_KEY_BITS = 2048
DEFAULT_TOLERANCE = timedelta(minutes=5)
REQUEST_TARGET = "(request-target)"
# The names :func:`sign` signs, in this order.
SIGNED_HEADERS = (REQUEST_TARGET, "host", "date", "digest", "x-request-id")
# Headers a 401 answer should carry so that a client learns what is expected.
WWW_AUTHENTICATE = 'Signature realm="EWP"'
WANT_DIGEST = "SHA-256"

# Digest algorithms (RFC 3230 names, compared case-insensitively) this module can check.
_DIGESTS = {"sha-256": "sha256", "sha-512": "sha512"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_KEY_ID = re.compile(r"[0-9a-f]{64}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SignatureError(Exception):
    """A request whose signature cannot be accepted; ``str()`` says what is wrong.

    ``status`` is the HTTP status to answer with: 401 when the request does not authenticate
    (missing, unsupported or invalid signature, weak key), 403 when the key is not one we
    know (as EWP asks), 400 when it is malformed (unparsable parameters, missing signed
    header, digest, date or request id at fault).
    """

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# Keys


def _load_public_key(public_key_pem: bytes | str) -> rsa.RSAPublicKey:
    data = public_key_pem.encode("ascii") if isinstance(public_key_pem, str) else public_key_pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the public key is not an RSA key")
    return key


# Loading checks the RSA key's consistency, which takes tens of milliseconds: a client signs every
# request with the same few keys, so the loaded keys are kept.
@functools.lru_cache(maxsize=8)
def _load_private_key(private_key_pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the private key is not an RSA key")
    if key.key_size < MIN_KEY_BITS:
        raise ValueError(f"the RSA key has {key.key_size} bits; at least {MIN_KEY_BITS} needed")
    return key


def _fingerprint(key: rsa.RSAPublicKey) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def key_id(public_key_pem: bytes | str) -> str:
    """The EWP ``keyId`` of a public key: lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.

    Raises ``ValueError`` when the PEM does not hold an RSA public key.
    """
    return _fingerprint(_load_public_key(public_key_pem))


def generate_private_key_pem(bits: int = MIN_KEY_BITS) -> bytes:
    """A new RSA private key (public exponent 65537) as unencrypted PKCS#8 PEM."""
    if bits < MIN_KEY_BITS:
        raise ValueError(f"RSA keys need at least {MIN_KEY_BITS} bits, not {bits}")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(private_key_pem: bytes) -> bytes:
    """The public half of an RSA private key, as SubjectPublicKeyInfo PEM (what is published)."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the private key is not an RSA key")
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# Pieces of the scheme


def digest_header(body: bytes) -> str:
    """The ``Digest`` header value for a body: ``SHA-256=<base64 of its SHA-256>``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signing_string(
    method: str, target: str, headers: Mapping[str, str], names: Sequence[str]
) -> str:
    """The text that is signed: one ``name: value`` line per entry of ``names``.

    ``target`` is the path plus query of the request as sent; ``headers`` are looked up
    case-insensitively and their values trimmed. Raises :class:`SignatureError` (400) when a
    named header is absent.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    lines = []
    for name in names:
        name = name.lower()
        if name == REQUEST_TARGET:
            value = f"{method.lower()} {target}"
        elif name.startswith("("):
            raise SignatureError(f"the pseudo-header {name} is not supported", status=400)
        elif name in lowered:
            value = lowered[name].strip()
        else:
            raise SignatureError(f"the signed header {name} is missing from the request", 400)
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def parse_authorization(value: str) -> dict[str, str]:
    """The parameters of a ``Signature`` Authorization value, e.g. ``{"keyId": "…", …}``.

    ``value`` is either the whole header value (``Signature keyId="…",…``; another scheme is
    refused with a 401 :class:`SignatureError`) or its parameter list alone. Values may be
    quoted strings (commas and backslash escapes allowed inside) or bare tokens. Names are
    returned as written. Raises :class:`SignatureError` with status 400 when the list cannot be
    parsed or names a parameter twice.
    """
    text = value.strip()
    first, _, rest = text.partition(" ")
    if first and "=" not in first:
        if first.lower() != "signature":
            raise SignatureError(
                f"the Authorization header uses the {first} scheme, not Signature", 401
            )
        text = rest
    params: dict[str, str] = {}
    seen: set[str] = set()
    pos, end = 0, len(text)

    def fail(problem: str) -> SignatureError:
        return SignatureError(f"the Authorization parameters cannot be parsed: {problem}", 400)

    while True:
        while pos < end and text[pos] in " \t,":
            pos += 1
        if pos >= end:
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise fail(f"a parameter name was expected at character {pos + 1}")
        name, pos = match.group(), match.end()
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos >= end or text[pos] != "=":
            raise fail(f"'=' was expected after {name}")
        pos += 1
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos < end and text[pos] == '"':
            pos += 1
            chars = []
            while True:
                if pos >= end:
                    raise fail(f"the quoted value of {name} is not closed")
                char = text[pos]
                if char == "\\" and pos + 1 < end:
                    chars.append(text[pos + 1])
                    pos += 2
                elif char == '"':
                    pos += 1
                    break
                else:
                    chars.append(char)
                    pos += 1
            param = "".join(chars)
        else:
            match = _TOKEN.match(text, pos)
            if match is None:
                raise fail(f"{name} has no value")
            param, pos = match.group(), match.end()
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos < end and text[pos] != ",":
            raise fail(f"a comma was expected after the value of {name}")
        if name.lower() in seen:
            raise fail(f"{name} appears twice")
        seen.add(name.lower())
        params[name] = param
    return params


# Client side


def _host_and_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"an absolute http or https URL is needed, not {url!r}")
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return host, target


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def sign(
    method: str,
    url: str,
    body: bytes,
    private_key_pem: bytes,
    *,
    now: datetime | None = None,
    request_id: str | None = None,
) -> dict[str, str]:
    """The headers that authenticate a request: Host, Date, Digest, X-Request-Id, Authorization.

    ``url`` is the absolute URL requested; its path and query, as written, become the
    ``(request-target)``, so the request must be sent to exactly that URL. ``Host`` is the URL's
    host, with the port when it is not the scheme's default. ``body`` is the exact bytes sent
    (``b""`` when there is none). ``now`` (naive means UTC) defaults to the current time and
    ``request_id`` to a new random UUID; both are there for tests and retries.
    """
    key = _load_private_key(private_key_pem)
    host, target = _host_and_target(url)
    headers = {
        "Host": host,
        "Date": format_datetime(_utc(now), usegmt=True),
        "Digest": digest_header(body),
        "X-Request-Id": request_id if request_id is not None else str(uuid.uuid4()),
    }
    text = signing_string(method, target, headers, SIGNED_HEADERS)
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    headers["Authorization"] = (
        f'Signature keyId="{_fingerprint(key.public_key())}",algorithm="{ALGORITHM}",'
        f'headers="{" ".join(SIGNED_HEADERS)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return headers


# Server side


def _check_digest(value: str, body: bytes) -> None:
    listed: list[tuple[str, str]] = []
    for item in value.split(","):
        algorithm, equals, encoded = item.strip().partition("=")
        if not equals or not algorithm.strip():
            raise SignatureError(f"the Digest header cannot be parsed: {value!r}", 400)
        listed.append((algorithm.strip().lower(), encoded.strip()))
    if not any(algorithm == "sha-256" for algorithm, _ in listed):
        raise SignatureError("the Digest header has no SHA-256 digest", 400)
    for algorithm, encoded in listed:
        if algorithm not in _DIGESTS:
            continue
        expected = base64.b64encode(hashlib.new(_DIGESTS[algorithm], body).digest()).decode()
        if not hmac.compare_digest(encoded.encode("utf-8"), expected.encode("ascii")):
            raise SignatureError(
                f"the Digest header's {algorithm.upper()} does not match the body", 400
            )


def _check_date(name: str, value: str, now: datetime, tolerance: timedelta) -> None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        raise SignatureError(f"the {name} header cannot be parsed: {value!r}", 400) from None
    offset = (_utc(moment) - now).total_seconds()
    if abs(offset) > tolerance.total_seconds():
        direction = "in the future" if offset > 0 else "in the past"
        raise SignatureError(
            f"the {name} header is {abs(offset):.0f} seconds {direction}; "
            f"at most {tolerance.total_seconds():.0f} seconds are allowed",
            400,
        )


def verify(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    find_key: Callable[[str], bytes | str | None],
    *,
    now: datetime | None = None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> str:
    """Check a request's HTTP signature and return the ``keyId`` that signed it.

    ``target`` is the path plus query exactly as received (the raw request line, not a decoded
    and re-quoted path). ``headers`` are looked up case-insensitively. ``find_key`` receives the
    lowercase hex ``keyId`` and returns that key's public PEM, or ``None`` when the key is not
    known. ``now`` (naive means UTC) defaults to the current time; the signed ``Date`` and
    ``Original-Date`` must lie within ``tolerance`` of it either way (EWP asks for at least
    five minutes).

    Raises :class:`SignatureError` (see the module documentation for its statuses). Raises
    ``ValueError`` when ``find_key`` returns something that is not the RSA public key with that
    ``keyId``: a fault of the server, not of the request.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    authorization = lowered.get("authorization", "").strip()
    if not authorization:
        raise SignatureError("the request has no Authorization header", 401)
    if "=" in authorization.partition(" ")[0]:
        raise SignatureError("the Authorization header names no scheme; Signature is needed", 401)
    params = {name.lower(): value for name, value in parse_authorization(authorization).items()}

    algorithm = params.get("algorithm")
    if algorithm is None:
        raise SignatureError(f"the Authorization header has no algorithm; {ALGORITHM} is needed")
    if algorithm.lower() != ALGORITHM:
        raise SignatureError(f"the algorithm {algorithm} is not supported; {ALGORITHM} is needed")
    listed = params.get("headers", "").lower().split()
    missing = [
        name for name in (REQUEST_TARGET, "host", "digest", "x-request-id") if name not in listed
    ]
    if "date" not in listed and "original-date" not in listed:
        missing.append("date (or original-date)")
    if missing:
        raise SignatureError(f"the signed header list lacks {', '.join(missing)}")
    claimed_id = params.get("keyid", "").strip().lower()
    if not claimed_id:
        raise SignatureError("the Authorization header has no keyId", 400)
    if not _KEY_ID.fullmatch(claimed_id):
        raise SignatureError(
            f"the keyId {claimed_id!r} is not a hex SHA-256 fingerprint of a public key", 400
        )
    encoded_signature = params.get("signature", "")
    if not encoded_signature:
        raise SignatureError("the Authorization header has no signature", 400)

    # Builds the signing string first: it also checks that every signed header is present.
    text = signing_string(method, target, lowered, listed)
    _check_digest(lowered["digest"], body)
    moment = _utc(now)
    for name in ("date", "original-date"):
        if name in listed:
            _check_date(name.title(), lowered[name], moment, tolerance)
    request_id = lowered["x-request-id"].strip()
    if not _UUID.fullmatch(request_id):
        raise SignatureError(f"the X-Request-Id {request_id!r} is not a UUID", 400)

    pem = find_key(claimed_id)
    if pem is None:
        raise SignatureError(f"the key {claimed_id} is unknown", 403)
    key = _load_public_key(pem)
    if _fingerprint(key) != claimed_id:
        raise ValueError(f"find_key returned a key that is not {claimed_id}")
    if key.key_size < MIN_KEY_BITS:
        raise SignatureError(
            f"the key {claimed_id} has {key.key_size} bits; at least {MIN_KEY_BITS} are needed"
        )
    try:
        signature = base64.b64decode(encoded_signature, validate=True)
    except ValueError:  # binascii.Error, or characters outside ASCII
        raise SignatureError("the signature is not valid base64", 400) from None
    try:
        key.verify(signature, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError(
            f"the signature does not verify with the key {claimed_id}: the request or its "
            "signed headers were changed, or another key signed them"
        ) from None
    return claimed_id
