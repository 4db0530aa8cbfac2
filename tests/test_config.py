"""`policy config`: a person's agency and name as defaults, with the environment and options above them."""

from __future__ import annotations

import os

from clitools import as_json, ok, run_policy

TRADE = "hfg-2020-24"


def settings(db) -> dict:
    return {
        row["key"]: (row["value"], row["source"])
        for row in as_json(run_policy("config", "-f", "json", db=db))
    }


def test_set_show_and_unset(tmp_path):
    db = tmp_path / "p.db"
    assert settings(db) == {"agency": (None, "not set"), "by": (None, "not set"), "grace": (None, "not set")}
    ok(run_policy("config", "set", "agency", "市商务委", db=db))
    ok(run_policy("config", "set", "by", "王五", db=db))
    path = os.environ["POLICY_CONFIG"]
    assert settings(db) == {"agency": ("市商务委", path), "by": ("王五", path), "grace": (None, "not set")}
    # the environment wins over the file, and says so
    assert (
        as_json(run_policy("config", "-f", "json", db=db, env={"POLICY_AGENCY": "市发展改革委"}))[0]["source"]
        == "$POLICY_AGENCY"
    )
    ok(run_policy("config", "unset", "agency", db=db))
    assert settings(db)["agency"] == (None, "not set") and settings(db)["by"] == ("王五", path)


def test_an_agency_is_stored_by_its_canonical_name_and_an_unknown_one_refused(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("config", "set", "agency", "上海市商务委员会", db=db))  # the full name
    assert settings(db)["agency"][0] == "市商务委"
    refused = run_policy("config", "set", "agency", "商务", db=db)
    assert refused.returncode == 2 and "did you mean" in refused.stderr
    assert run_policy("config", "set", "colour", "red", db=db).returncode == 2


def test_daily_commands_use_the_configured_agency_and_name(tmp_path):
    db = tmp_path / "p.db"
    ok(run_policy("config", "set", "agency", "市商务委", db=db))
    ok(run_policy("config", "set", "by", "王五", db=db))
    mine = as_json(run_policy("tasks", "-f", "json", db=db))
    assert mine and all("市商务委" in row["agencies"] for row in mine)
    everyone = as_json(run_policy("tasks", "-f", "json", "--all-agencies", db=db))
    assert len(everyone) > len(mine)
    # a measure with several units: the configured agency's part, recorded under the configured name
    done = ok(run_policy("done", f"{TRADE}/2.1.1.2", db=db))
    assert f"{TRADE}/2.1.1.2 [市商务委]: todo → done" in done.stderr
    part = {
        p["agency"]: p
        for p in as_json(run_policy("show", f"{TRADE}/2.1.1.2", "-f", "json", db=db))["agencies"]
    }["市商务委"]
    assert (part["status"], part["by"]) == ("done", "王五")
    # a measure with no responsible unit is marked without the default getting in the way
    ok(run_policy("done", "qmtjjaqg-2018/2", db=db))
    # an option still wins
    assert as_json(run_policy("tasks", "-f", "json", "--agency", "市发展改革委", db=db)) != mine
    # and a measure the configured agency is not responsible for is refused, not marked for someone else
    other = run_policy("done", f"{TRADE}/2.2.4.11", db=db)
    assert other.returncode == 2 and "市商务委 is not responsible" in other.stderr


def test_a_damaged_settings_file_is_one_line(tmp_path):
    with open(os.environ["POLICY_CONFIG"], "w", encoding="utf-8") as handle:
        handle.write("agency = [unclosed\n")
    result = run_policy("tasks", db=tmp_path / "p.db")
    assert (
        result.returncode == 2
        and "cannot read the settings" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1
