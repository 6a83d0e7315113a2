"""`sandi members`: officials of one agency, each with their own key and passphrase,
through the CLI only (issue "Personal accountability", item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from city import build_city, doc, ok
from clitools import make_run, write_secret


def test_members_from_onboarding_to_removal(tmp_path: Path) -> None:
    city = build_city(tmp_path)
    home_b = tmp_path / "b"
    ani_pass = write_secret(tmp_path / "ani.txt", "frasa sandi milik ani")
    budi_pass = write_secret(tmp_path / "budi.txt", "frasa sandi milik budi")
    b = make_run(home_b)

    # The custodian turns BKPSDMD's shared keystore into a vault; Ani is its first member.
    # --pq: the city's pola requires the hybrid suite for rahasia (`sandi pola init`).
    first = doc(b("--json", "members", "init", "ani", "--pq", "--request-out", tmp_path,
                  "--passphrase-file", city.home_pass, "--new-passphrase-file", ani_pass))
    assert not (home_b / "keystore.sandi").exists()
    # Ani (her own passphrase) onboards Budi, who types his own.
    added = doc(b("--member", "ani", "--json", "members", "add", "budi", "--pq", "--request-out",
                  tmp_path, "--passphrase-file", ani_pass, "--new-passphrase-file", budi_pass))
    citra = doc(b("--member", "budi", "--json", "members", "add", "citra", "--pq", "--request-out",
                  tmp_path, "--passphrase-file", budi_pass, "--new-passphrase-file",
                  write_secret(tmp_path / "citra.txt", "frasa sandi milik citra")))
    for request, name in ((first["request"], "Ani Suryani"), (added["request"], "Budi Santoso"),
                          (citra["request"], "Citra Dewi")):
        ok(city.pola("member", "add", request, "--name", name, "--jabatan", "Analis"))
    city.publish()
    city.update()
    listed = doc(city.b("--json", "members", "list", "--agency", "bkpsdmd"))
    assert [m["id"] for m in listed["members"]] == ["ani", "budi", "citra"]

    # Diskominfo seals to BKPSDMD; Budi and Citra open it with their own passphrases,
    # and the audit log names each of them.
    letter = tmp_path / "surat.txt"
    letter.write_text("SK mutasi")
    sealed = city.seal(city.a, letter, "bkpsdmd")
    for member, secret in (("budi", budi_pass), ("citra", tmp_path / "citra.txt")):
        ok(b("--member", member, "open", sealed["output"], "-o", tmp_path / f"out-{member}",
             "--passphrase-file", secret))
    log = doc(b("--json", "audit", "show"))
    assert [(r["action"], r["member"]) for r in log["records"] if r["action"] == "open"] == [
        ("open", "budi"), ("open", "citra")]

    # Budi is removed: the vault rotates away from him; the requests go to the authority.
    removed = doc(b("--member", "citra", "--json", "members", "remove", "budi",
                    "--request-out", tmp_path, "--passphrase-file", tmp_path / "citra.txt"))
    for request in removed["requests"]:
        ok(city.pola("request", request))
    city.publish()
    city.update()
    result = b("--member", "budi", "keys", "list", "--passphrase-file", budi_pass)
    assert result.exit_code == 1 and "no slot" in result.stderr
    second = tmp_path / "surat-2.txt"
    second.write_text("SK mutasi, perubahan")
    new = city.seal(city.a, second, "bkpsdmd")
    ok(b("--member", "citra", "open", new["output"], "-o", tmp_path / "out-new",
         "--passphrase-file", tmp_path / "citra.txt"))
    listed = doc(city.b("--json", "members", "list", "--agency", "bkpsdmd"))
    assert {m["id"]: m["status"] for m in listed["members"]} == {
        "ani": "active", "budi": "removed", "citra": "active"}

    # Citra is suspended, then reinstated: the pola keeps the suspension for good, and
    # the reinstatement request cannot be replayed after a later suspension (issue 14 §6).
    a_minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0)
    suspended = doc(b("--member", "ani", "--json", "members", "suspend", "citra",
                      "--effective", a_minute_ago.isoformat(), "--request-out", tmp_path,
                      "--passphrase-file", ani_pass))
    for request in suspended["requests"]:
        ok(city.pola("request", request))
    city.publish()
    city.update()
    back = doc(b("--member", "ani", "--json", "members", "reinstate", "citra",
                 "--request-out", tmp_path / "back.request", "--passphrase-file", ani_pass))
    ok(city.pola("request", back["request"]))
    city.publish()
    city.update()
    listed = doc(city.b("--json", "members", "list", "--agency", "bkpsdmd"))
    citra_row = next(m for m in listed["members"] if m["id"] == "citra")
    assert (citra_row["status"], citra_row["status_at"]) == ("active", None)
    (start, _), = citra_row["suspensions"]
    assert datetime.fromisoformat(start.replace("Z", "+00:00")) == a_minute_ago
    replayed = city.pola("request", back["request"])
    assert replayed.exit_code == 1 and "is not newer than the last one applied" in \
        replayed.stderr, replayed.stderr
