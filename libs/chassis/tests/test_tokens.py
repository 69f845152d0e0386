"""Token verification: asymmetric keys from a JWKS file or a JWKS URL (a real local HTTP
server), the service's audience, the issuer, expiry; HS256 only in development."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from unionfed_chassis.auth import AuthError, ClaimNames, Role, TokenVerifier, issue_token

AUDIENCE = "unionfed-membership"
ISSUER = "https://idp.unionfed.example"
DEV_SECRET = "a-development-secret-long-enough-0123456789"


class Key:
    """A private key of the identity provider and its public JWK."""

    def __init__(self, kid: str, alg: str) -> None:
        self.kid, self.alg = kid, alg
        if alg == "RS256":
            self.private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ed25519.Ed25519PrivateKey.generate()
            jwk = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {**jwk, "kid": kid, "alg": alg, "use": "sig"}

    def sign(self, **overrides: Any) -> str:
        return jwt.encode(claims(**overrides), self.private, algorithm=self.alg, headers={"kid": self.kid})


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values = {
        "sub": "officer-7",
        "role": "district_officer",
        "district": "xuhui",
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + 600,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def jwks(*keys: Key) -> dict[str, Any]:
    return {"keys": [k.jwk for k in keys]}


@pytest.fixture(scope="module")
def rsa_key() -> Key:
    return Key("rsa-1", "RS256")


@pytest.fixture(scope="module")
def ed_key() -> Key:
    return Key("ed-1", "EdDSA")


@pytest.fixture
def jwks_file(tmp_path: Path, rsa_key: Key, ed_key: Key) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(rsa_key, ed_key)))
    return path


class JwksServer:
    """A real HTTP server publishing a JWKS; `keys` can change (key rotation), `hits` counts fetches."""

    def __init__(self, keys: list[Key]) -> None:
        self.keys = keys
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                body = json.dumps(jwks(*server.keys)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def jwks_server(ed_key: Key) -> Iterator[JwksServer]:
    server = JwksServer([ed_key])
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def verifier(**options: Any) -> TokenVerifier:
    return TokenVerifier(audience=AUDIENCE, issuer=ISSUER, **options)


async def test_rs256_and_eddsa_tokens_verify_against_a_jwks_file(
    jwks_file: Path, rsa_key: Key, ed_key: Key
) -> None:
    v = verifier(jwks_file=jwks_file)
    principal = await v.verify(rsa_key.sign())
    assert (principal.subject, principal.role, principal.district) == (
        "officer-7",
        Role.DISTRICT_OFFICER,
        "xuhui",
    )
    admin = await v.verify(ed_key.sign(sub="admin-1", role="federation_admin", district=None))
    assert (admin.subject, admin.role, admin.district) == ("admin-1", Role.FEDERATION_ADMIN, None)
    # A list audience naming this service is fine too.
    assert (await v.verify(rsa_key.sign(aud=["unionfed-assistance", AUDIENCE]))).subject == "officer-7"


async def test_eddsa_tokens_verify_against_a_jwks_url_fetched_once_and_refreshed_on_rotation(
    jwks_server: JwksServer, ed_key: Key
) -> None:
    v = verifier(jwks_url=jwks_server.url, jwks_cooldown_seconds=0)
    assert (await v.verify(ed_key.sign())).subject == "officer-7"
    assert (await v.verify(ed_key.sign(sub="officer-8"))).subject == "officer-8"
    assert jwks_server.hits == 1, "the key set is cached"

    rotated = Key("ed-2", "EdDSA")
    jwks_server.keys = [ed_key, rotated]
    assert (await v.verify(rotated.sign(sub="officer-9"))).subject == "officer-9"
    assert jwks_server.hits == 2, "an unknown kid refreshes the key set once"


async def test_claim_names_follow_the_identity_provider(jwks_file: Path, rsa_key: Key) -> None:
    v = verifier(jwks_file=jwks_file, claims=ClaimNames(role="unionfed_role", district="org_district"))
    token = rsa_key.sign(role=None, district=None, unionfed_role="district_officer", org_district="minhang")
    principal = await v.verify(token)
    assert (principal.role, principal.district) == (Role.DISTRICT_OFFICER, "minhang")


def _unsigned(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


@pytest.mark.parametrize(
    "case",
    [
        "another service's audience",
        "no audience",
        "wrong issuer",
        "expired",
        "no subject",
        "alg none",
        "HS256 outside development",
        "signed by an unknown key with a known kid",
        "unknown kid",
        "district officer without a district",
        "unknown role",
        "garbage",
    ],
)
async def test_refused_tokens(case: str, jwks_file: Path, rsa_key: Key) -> None:
    impostor = Key("rsa-1", "RS256")  # same kid, another private key
    tokens = {
        "another service's audience": rsa_key.sign(aud="unionfed-assistance"),
        "no audience": rsa_key.sign(aud=None),
        "wrong issuer": rsa_key.sign(iss="https://evil.example"),
        "expired": rsa_key.sign(exp=int(time.time()) - 120),
        "no subject": rsa_key.sign(sub=None),
        "alg none": _unsigned(claims()),
        "HS256 outside development": jwt.encode(claims(), DEV_SECRET, algorithm="HS256"),
        "signed by an unknown key with a known kid": impostor.sign(),
        "unknown kid": Key("rsa-x", "RS256").sign(),
        "district officer without a district": rsa_key.sign(district=None),
        "unknown role": rsa_key.sign(role="king"),
        "garbage": "not.a.jwt",
    }
    with pytest.raises(AuthError):
        await verifier(jwks_file=jwks_file).verify(tokens[case])


async def test_hs256_development_tokens_need_the_dev_secret_and_the_audience(jwks_file: Path) -> None:
    dev = verifier(jwks_file=jwks_file, dev_secret=DEV_SECRET)
    token = issue_token(DEV_SECRET, role="operator", subject="dev", audience=AUDIENCE, issuer=ISSUER)
    assert (await dev.verify(token)).role == Role.OPERATOR
    with pytest.raises(AuthError):
        await verifier(jwks_file=jwks_file).verify(token)  # the same token where HS256 is not allowed
    other = issue_token(DEV_SECRET, role="operator", subject="dev", audience="unionfed-other", issuer=ISSUER)
    with pytest.raises(AuthError):
        await dev.verify(other)
    with pytest.raises(ValueError, match="branch"):
        issue_token(DEV_SECRET, role="branch_officer", subject="dev", audience=AUDIENCE, district="x")


async def test_a_verified_token_is_remembered_until_it_expires(
    jwks_file: Path, rsa_key: Key, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unionfed_chassis.auth as auth

    v = verifier(jwks_file=jwks_file)
    checks = 0
    uncached = v._verify

    async def counting(token: str) -> Any:
        nonlocal checks
        checks += 1
        return await uncached(token)

    monkeypatch.setattr(v, "_verify", counting)
    now = int(time.time())
    token = rsa_key.sign(exp=now + 600)
    assert (await v.verify(token)).subject == (await v.verify(token)).subject == "officer-7"
    assert checks == 1, "the second use came from the cache"
    with pytest.raises(AuthError):
        await v.verify(token + "x")  # another string is verified on its own (and refused)
    monkeypatch.setattr(auth.time, "time", lambda: now + 601.0)  # past exp: never from the cache
    await v.verify(token)  # (PyJWT reads the real clock, to which the token is still valid)
    assert checks == 3
