"""Two Accord instances on loopback, two universities: each creates its copy of one IIA, they
exchange them through their EWP endpoints (signed requests), map, compare and approve.

Each instance is a real server process with its own database, data folder and key; the
commands are the ones an operator runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ACCORD = str(Path(sys.executable).with_name("accord"))
pytestmark = pytest.mark.instances

SETUP = """
from accord.agreements import actions
from accord.agreements.models import Agreement, AgreementKind, Direction, Flow, MobilityType, Quota
from accord.core import actions as core
from accord.ewp.models import MobilityTerms
from accord.institutions.models import Institution, PartnerStatus
home = Institution.objects.create(name="{home_name}", country="{home_country}", ewp_hei_id="{home_hei}", partner_status=PartnerStatus.HOME)
partner = Institution.objects.create(name="{partner_name}", country="{partner_country}", ewp_hei_id="{partner_hei}", partner_status=PartnerStatus.PARTNER)
agreement = actions.create_agreement(None, Agreement(kind=AgreementKind.ERASMUS_IIA, title="Erasmus+ 2026-2028"), [home.pk, partner.pk])
direction = actions.add_direction(None, Direction(name="Chemical engineering"), ["0711"], agreement=agreement)
for year in ("2026/2027", "2027/2028"):
    actions.add_quota(None, Quota(agreement=agreement, direction=direction, academic_year=year, people={people}, mobility_type=MobilityType.STUDENT_STUDIES, flow=Flow.{flow}, months=10))
core.create(None, MobilityTerms(agreement=agreement, mobility_type=MobilityType.STUDENT_STUDIES, flow=Flow.{flow}, languages=["en B2"], eqf_levels=[7]))
print(agreement.pk)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Instance:
    folder: Path
    port: int
    hei: str
    server: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_URL", "ACCORD_", "DJANGO_"))
        }
        return env | {
            "ACCORD_DATA_DIR": str(self.folder),
            "ACCORD_SECRET_KEY": f"secret-of-{self.hei}",
            "ACCORD_EWP_KEY_FILE": str(self.folder / "key.pem"),
            "ACCORD_ALLOWED_HOSTS": "127.0.0.1",
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ewp/"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [ACCORD, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def fails(self, *args: str) -> str:
        done = subprocess.run(
            [ACCORD, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode != 0, done.stdout
        return done.stderr

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.folder / "accord.sqlite3") as database:
            return list(database.execute(sql))

    def start(self) -> None:
        self.server = subprocess.Popen(
            [ACCORD, "serve", f"127.0.0.1:{self.port}", "--noreload", "--insecure"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the server of {self.hei} did not start")


@pytest.fixture(scope="module")
def universities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance]]:
    root = tmp_path_factory.mktemp("two-universities")
    a = Instance(root / "a", free_port(), "a.example.eu")
    b = Instance(root / "b", free_port(), "b.example.eu")
    a.folder.mkdir()
    a.run("migrate", "--noinput", "-v", "0")
    shutil.copytree(a.folder, b.folder)
    try:
        yield a, b
    finally:
        for instance in (a, b):
            if instance.server is not None:
                instance.server.terminate()
                instance.server.wait(timeout=10)


def setup(instance: Instance, other: Instance, *, outgoing: bool) -> int:
    script = SETUP.format(
        home_name=f"University {instance.hei}",
        home_country="PL" if outgoing else "NO",
        home_hei=instance.hei,
        partner_name=f"University {other.hei}",
        partner_country="NO" if outgoing else "PL",
        partner_hei=other.hei,
        people=2,
        flow="OUTGOING" if outgoing else "INCOMING",
    )
    return int(instance.run("shell", "-c", script).strip().splitlines()[-1])


def public_key(instance: Instance) -> Path:
    output = instance.run("ewp", "keys")
    pem = output[output.index("-----BEGIN PUBLIC KEY-----") :]
    path = instance.folder / "public.pem"
    path.write_text(pem)
    return path


def test_two_universities_exchange_compare_and_approve_an_iia(
    universities: tuple[Instance, Instance],
) -> None:
    a, b = universities
    agreement_a = setup(a, b, outgoing=True)
    agreement_b = setup(b, a, outgoing=False)
    key_a, key_b = public_key(a), public_key(b)
    a.run("ewp", "partner", b.hei, "--url", b.url, "--key-file", str(key_b))
    b.run("ewp", "partner", a.hei, "--url", a.url, "--key-file", str(key_a))
    a.start()
    b.start()

    # An unsigned request is refused with an EWP error response.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(a.url + "iias/index", timeout=10)
    assert refused.value.code == 401
    assert b"error-response" in refused.value.read()

    # B fetches A's copy, and says it is the copy of its own agreement.
    pulled = b.run("ewp", "pull", "--partner", a.hei)
    assert "1 created" in pulled
    [(iia_id_a, mapped)] = b.query("select iia_id, agreement_id from ewp_partneriia")
    assert mapped is None
    b.run(
        "ewp", "map", "--partner", a.hei, "--iia-id", str(iia_id_a), "--agreement", str(agreement_b)
    )

    # A fetches B's copy, which names A's iia-id: mapped by itself.
    assert "1 created" in a.run("ewp", "pull", "--partner", b.hei)
    [(_iia_id_b, mapped_a)] = a.query("select iia_id, agreement_id from ewp_partneriia")
    assert mapped_a == agreement_a
    assert a.query("select iia_id from ewp_iialink") == [(iia_id_a,)]

    # A's copy now names B's id too: B sees it changed.
    assert "1 changed" in b.run("ewp", "pull", "--partner", a.hei)

    # Both approve the other's copy; each then sees its own copy approved by the partner.
    assert "Approved" in b.run("ewp", "approve", "--agreement", str(agreement_b))
    assert "Approved" in a.run("ewp", "approve", "--agreement", str(agreement_a))
    a.run("ewp", "pull", "--partner", b.hei)
    b.run("ewp", "pull", "--partner", a.hei)
    [(approved_by_b,)] = a.query("select partner_approved_hash from ewp_iialink")
    [(approved_by_a,)] = b.query("select partner_approved_hash from ewp_iialink")
    [(b_copy_hash, a_approved)] = a.query("select hash, approved_hash from ewp_partneriia")
    [(a_copy_hash, b_approved)] = b.query("select hash, approved_hash from ewp_partneriia")
    assert approved_by_b == a_copy_hash == b_approved
    assert approved_by_a == b_copy_hash == a_approved

    # A changes a condition: its hash changes, so B's approval no longer matches it.
    a.run(
        "shell",
        "-c",
        "from accord.agreements.models import Quota; "
        f"Quota.objects.filter(agreement_id={agreement_a}).update(people=3)",
    )
    assert "1 changed" in b.run("ewp", "pull", "--partner", a.hei)
    [(new_hash, still_approved)] = b.query("select hash, approved_hash from ewp_partneriia")
    assert new_hash != still_approved == a_copy_hash

    # A partner with an unknown key is refused: B's key is not A's.
    a.run("ewp", "partner", b.hei, "--url", b.url, "--key-file", str(key_a))
    assert "403" in b.fails("ewp", "pull", "--partner", a.hei)
