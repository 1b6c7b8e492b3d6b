"""``caunoi assign`` through click's CliRunner, with real CSV files (no database)."""

from __future__ import annotations

import json

import pytest

from tests.web.webkit import cli_runner, file_writer
from web.cli import main


@pytest.fixture
def files(tmp_path):
    return file_writer(tmp_path)


@pytest.fixture
def caunoi():
    """``caunoi assign ARGS...``: the result of the command as the console script runs it."""
    return lambda args: cli_runner().invoke(main, ["assign", *args])


SCORES = "a,b,score\nlúa-việt,agri-nl,0.9\nlúa-việt,med-de,0.5\nyte-sg,agri-nl,0.8\nyte-sg,med-de,0.1\n"
CAPACITY = "id,min,max\nlúa-việt,1,1\nyte-sg,1,1\nagri-nl,,1\nmed-de,0,1\n"


def test_json_output_has_the_promised_shape(files, caunoi):
    res = caunoi(["--scores", files("s.csv", SCORES), "--capacity", files("c.csv", CAPACITY), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"status", "objective", "pairs", "alternates", "explanation"} <= set(out)
    assert out["status"] == "optimal" and out["objective"] == pytest.approx(1.3)
    assert out["pairs"] == [
        {"a": "lúa-việt", "b": "med-de", "score": 0.5},
        {"a": "yte-sg", "b": "agri-nl", "score": 0.8},
    ]
    assert out["alternates"]["lúa-việt"] == ["agri-nl"]


def test_human_output_is_a_table(files, caunoi):
    res = caunoi(["--scores", files("s.csv", SCORES), "--capacity", files("c.csv", CAPACITY)])
    assert res.exit_code == 0
    assert "status: optimal" in res.stdout
    assert any(line.split() == ["yte-sg", "agri-nl", "0.8000"] for line in res.stdout.splitlines())


def test_blocked_forced_and_fairness_flags(files, caunoi):
    args = ["--scores", files("s.csv", SCORES), "--capacity", files("c.csv", CAPACITY), "--json"]
    res = caunoi([*args, "--forced", files("f.csv", "a,b\nyte-sg,med-de\n"),
                  "--blocked", files("b.csv", "a,b\nlúa-việt,med-de\n"), "--fairness"])
    assert res.exit_code == 0, res.output
    assert [(p["a"], p["b"]) for p in json.loads(res.stdout)["pairs"]] == [
        ("lúa-việt", "agri-nl"),
        ("yte-sg", "med-de"),
    ]


def test_infeasible_is_reported_not_failed(files, caunoi):
    cap = "id,min,max\nlúa-việt,1,1\nyte-sg,1,1\nagri-nl,0,1\nmed-de,0,0\n"
    res = caunoi(["--scores", files("s.csv", SCORES), "--capacity", files("c.csv", cap), "--json"])
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert out["status"] == "infeasible" and "raise its maximum" in out["explanation"]
    assert out["relaxations"][0]["kind"] == "capacity_short"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("scores", "a,b,score\nx,y,0.5\nx,z,high\n", "line 3, column score: 'high' is not a finite number"),
        ("scores", "a,b\nx,y\n", "line 1: missing column(s) score"),
        ("scores", "a,b,score\nx,y,1\nx,y,2\n", "line 3: pair (x, y) already listed on line 2"),
        ("scores", "a,b,score\n,y,1\n", "line 2, column a: empty id"),
        ("capacity", "id,min,max\nx,1.5,2\n", "line 2, column min: '1.5' is not a non-negative whole number"),
        ("capacity", "id,min,max\nx,0,1\nghost,0,1\n", "line 3, column id: unknown id 'ghost'"),
        ("forced", "a,b\ny,x\n", "line 2, column a: unknown id 'y'"),
    ],
)
def test_bad_csv_names_file_line_and_column(files, caunoi, name, text, expected):
    paths = {"scores": "a,b,score\nx,y,0.5\nx,z,0.4\n", "capacity": "id,min,max\nx,0,1\n", "forced": None}
    paths[name] = text
    args = ["--scores", files("s.csv", paths["scores"]), "--capacity", files("c.csv", paths["capacity"])]
    if paths["forced"]:
        args += ["--forced", files("f.csv", paths["forced"])]
    res = caunoi(args)
    assert res.exit_code == 1
    assert expected in res.stderr and res.stdout == ""
    assert {"scores": "s.csv", "capacity": "c.csv", "forced": "f.csv"}[name] in res.stderr


def test_missing_files_option_is_a_usage_error(caunoi, files):
    res = caunoi(["--scores", files("s.csv", SCORES)])
    assert res.exit_code == 2 and "--capacity" in res.stderr


def test_a_list_id_that_is_not_a_number_fails_loudly(caunoi):
    res = caunoi(["list-42"])
    assert res.exit_code == 1 and "list id 'list-42' is not a number" in res.stderr
