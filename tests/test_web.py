"""The web app over HTTP, in process: pages, the JSON API, limits, escaping and session folders."""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path

import pytest
from markupsafe import escape as html_escape

pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
pytest.importorskip("httpx2", reason="the in-process client needs httpx2")

from fastapi.testclient import TestClient

from detainer_model import RuleLibrary, compare, load_scenarios
from detainer_model.rulebook.library import split_ref
from detainer_model.teaching.plain import plain_value
from detainer_model.web import WebConfig, create_app
from detainer_model.web.casecodec import CaseProblem, case_data, check_case, decode, encode
from detainer_model.web.config import MAX_BODY_BYTES
from detainer_model.web.forms import regimes_in_order
from detainer_model.web.lab import policy_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client() -> TestClient:
    """One app for the module, over the shipped rules, scenarios and class set."""
    app = create_app(
        WebConfig(scenarios_dir=ROOT / "scenarios", class_sets=(ROOT / "exercises" / "class-set",))
    )
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def sf_case(lib: RuleLibrary) -> dict:
    """The San Francisco 2015 case as the builder keeps it."""
    return case_data(load_scenarios(ROOT / "scenarios" / "san-francisco-2015.yaml", rules=lib)[0].cases[0])


def test_case_token_round_trips(sf_case: dict, lib: RuleLibrary) -> None:
    """A case survives the shareable URL token unchanged."""
    assert decode(encode(sf_case)) == sf_case
    assert case_data(check_case(decode(encode(sf_case)), lib)) == sf_case


def test_damaged_or_huge_token_is_refused() -> None:
    """A damaged token, or one that inflates beyond the limit, is a clear refusal."""
    with pytest.raises(CaseProblem, match="damaged"):
        decode("not-a-token!")
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b"0," * 200_000 + b"0]", 9)).decode()
    with pytest.raises(CaseProblem, match="too large"):
        decode(bomb)


def test_bad_case_names_the_field(lib: RuleLibrary) -> None:
    """A bad case is refused with the scenario checker's message, naming the form field."""
    with pytest.raises(CaseProblem) as exc:
        check_case(
            {
                "id": "x",
                "title": "t",
                "booking_date": "2015-01-01",
                "jurisdiction": "full-cooperation",
                "person": {"status": "unauthorised", "age": 30},
            },
            lib,
        )
    assert exc.value.lines == [
        "person.status: 'unauthorised' is not one of 'us_citizen', 'lpr', 'nonimmigrant' or 'unauthorized'"
        " (did you mean 'unauthorized'?)"
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/builder",
        "/scenarios",
        "/scenarios/0",
        "/worksheets",
        "/worksheets/class-set",
        "/lab",
        "/rules",
        "/rules/pep",
        "/sources",
        "/glossary",
        "/api",
    ],
)
def test_every_page_answers(client: TestClient, path: str) -> None:
    """Every page renders, carries the disclaimer, and forbids scripts from elsewhere."""
    r = client.get(path)
    assert r.status_code == 200
    assert "not legal advice" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    # no script, stylesheet or font from another host
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", r.text), path


def test_builder_form_offers_the_vocabulary(client: TestClient, lib: RuleLibrary) -> None:
    """The builder lists every status, offense kind and local policy the rules declare."""
    r = client.get("/builder?action=add")
    html = r.text
    for status in lib.vocabulary.statuses:
        assert f'value="{status}"' in html
    for ref in lib.local_refs:  # places, policy versions, and each with its readings
        assert f'value="{ref}"' in html
    r = client.post("/builder", data={"convictions.count": "0", "action": "add-convictions"})
    for kind, term in lib.vocabulary.offense_kinds.items():
        assert f'value="{kind}"' in r.text and str(html_escape(term.label)) in r.text


def test_every_shipped_case_opens_in_the_builder(client: TestClient, lib: RuleLibrary) -> None:
    """Every case of the scenario library opens in the builder with its own place or policy
    chosen; a case in a place (its policies layered by booking date) is headed by the place and
    the version whose answer stands."""
    cases = [c for s in load_scenarios(ROOT / "scenarios", rules=lib) for c in s.cases]
    placed = 0
    for case in cases:
        r = client.get(f"/builder?c={encode(case_data(case))}")
        assert r.status_code == 200, (case.id, r.text[:500])
        ref = case.jurisdiction.id
        assert re.search(rf'<option value="{re.escape(ref)}"[^>]* selected>', r.text), (case.id, ref)
        if split_ref(ref)[0] in lib.places:
            placed += 1
            decision = compare(case, rules=lib).decisions[0]
            heading = f"{lib.place(decision.place).name}: {lib.ruleset(decision.local_ref).title}"
            assert str(html_escape(heading)) in r.text, (case.id, heading)
    assert placed >= 10  # the library's cases in places, each with its layered heading checked


def test_builder_post_redirects_to_a_shareable_result(client: TestClient, lib: RuleLibrary) -> None:
    """Posting the form redirects to the case's own address, whose page shows each regime's answer."""
    form = {
        "booking_date": "2015-03-26",
        "jurisdiction": "full-cooperation",
        "person.status": "unauthorized",
        "person.age": "30",
        "convictions.count": "1",
        "convictions.0.offense": "Burglary",
        "convictions.0.date": "2010-01-01",
        "convictions.0.level": "felony",
        "convictions.0.kinds": ["burglary"],
        "regime": lib.regimes,
        "action": "evaluate",
    }
    r = client.post("/builder", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    case = check_case(decode(r.headers["location"].split("c=")[1].split("&")[0]), lib)
    want = compare(case, lib.regimes, rules=lib)
    for d in want.decisions:
        assert plain_value("outcome", d.outcome, lib) in page.text.replace("&#39;", "'")
        assert f'data-regime="{d.regime}" data-field="outcome"' in page.text


def test_builder_keeps_a_policy_setting(client: TestClient, lib: RuleLibrary) -> None:
    """A setting a local policy declares (Cook County's reimbursement agreement) is a field of the
    builder: a case that sets it opens with it chosen, posting the form keeps it, and a setting the
    chosen policy does not declare is refused by name, not dropped."""
    declared = {n for j in lib.jurisdictions for n in lib.ruleset(j).parameters}
    assert "reimbursement_agreement" in declared
    case = next(
        c
        for c in load_scenarios(ROOT / "scenarios" / "places" / "boundaries.yaml", rules=lib)[0].cases
        if c.id == "cook-county-before-illinois-trust"
    )
    page = client.get(f"/builder?c={encode(case_data(case))}").text
    for name in declared:
        assert f'name="param.{name}"' in page
    chosen = re.search(r'name="param.reimbursement_agreement".*?</select>', page, re.S)
    assert chosen and '<option value="true" selected>' in chosen.group(0)
    form = {
        "booking_date": "2017-08-27",
        "jurisdiction": "cook-county",
        "person.status": "unauthorized",
        "person.age": "30",
        "param.reimbursement_agreement": "true",
        "action": "evaluate",
    }
    r = client.post("/builder", data=form, follow_redirects=False)
    assert r.status_code == 303
    built = check_case(decode(r.headers["location"].split("c=")[1].split("&")[0]), lib)
    assert built.jurisdiction.params == {"reimbursement_agreement": True}
    r = client.post("/builder", data={**form, "jurisdiction": "full-cooperation"})
    assert r.status_code == 400
    assert "&#39;full-cooperation&#39; has no parameter &#39;reimbursement_agreement&#39;" in r.text


def test_builder_refuses_bad_input_in_place(client: TestClient) -> None:
    """A bad age comes back as a located message, with the other answers kept in the form."""
    r = client.post(
        "/builder",
        data={
            "booking_date": "2015-03-26",
            "jurisdiction": "full-cooperation",
            "person.status": "lpr",
            "person.age": "old",
            "title": "Keep me",
        },
    )
    assert r.status_code == 400
    assert "person.age: expected a whole number, got &#39;old&#39;" in r.text
    assert 'value="Keep me"' in r.text


def test_markup_in_input_is_escaped(client: TestClient, sf_case: dict) -> None:
    """A title with markup is shown as text, never as HTML."""
    evil = {**sf_case, "title": "<script>alert(1)</script>"}
    r = client.get(f"/builder?c={encode(evil)}")
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_download_and_upload_round_trip(client: TestClient, sf_case: dict) -> None:
    """The downloaded scenario file, uploaded again, opens the same case."""
    r = client.get(f"/builder/scenario.yaml?c={encode(sf_case)}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    up = client.post("/builder/upload", files={"scenario": ("case.yaml", r.content)}, follow_redirects=False)
    assert up.status_code == 303
    assert decode(up.headers["location"].split("c=")[1].split("&")[0]) == sf_case


def test_bad_upload_is_located(client: TestClient) -> None:
    """An uploaded scenario with a mistake is refused with file, line and field."""
    text = (
        b"title: t\ncases:\n  - id: a\n    title: t\n    booking_date: 2015-01-01\n"
        b"    jurisdiction: nowhere\n"
        b"    person: {status: lpr, age: 3}\n"
    )
    r = client.post("/builder/upload", files={"scenario": ("../../etc/x.yaml", text)})
    assert r.status_code == 400
    assert "..-..-etc-x.yaml:6: cases[0].jurisdiction: unknown jurisdiction &#39;nowhere&#39;" in r.text


def test_body_over_the_limit_is_refused(client: TestClient) -> None:
    """A body over the size limit gets 413 before any handler reads it."""
    r = client.post(
        "/api/evaluate", content=b"x" * (MAX_BODY_BYTES + 1), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    r = client.post("/builder/upload", files={"scenario": ("big.yaml", b"#" * (MAX_BODY_BYTES + 10))})
    assert r.status_code == 413


def test_api_compare_matches_the_library(client: TestClient, sf_case: dict, lib: RuleLibrary) -> None:
    """/api/compare gives the same results as compare() in Python."""
    r = client.post("/api/compare", json={"case": sf_case})
    assert r.status_code == 200
    body = r.json()
    want = compare(check_case(sf_case, lib), regimes_in_order(lib), rules=lib)
    assert [x["outcome"] for x in body["results"]] == [d.outcome for d in want.decisions]
    assert body["differences"] == list(want.differences)


def test_api_refusals_are_lines(client: TestClient, sf_case: dict) -> None:
    """A bad case, regime or what-if request is a 400 with one line per problem."""
    r = client.post("/api/evaluate", json={"case": {**sf_case, "person": {"status": "lpr"}}})
    assert r.status_code == 400 and r.json() == {"error": ["person.age: required field is missing"]}
    r = client.post("/api/evaluate", json={"case": sf_case, "regime": "pepp"})
    assert r.status_code == 400 and "did you mean 'pep'" in r.json()["error"][0]
    many = {**sf_case, "convictions": sf_case["convictions"] * 3}
    r = client.post("/api/whatif", json={"case": many, "max_changes": 2})
    assert r.status_code == 400 and "max_changes 1" in r.json()["error"][0]


def test_api_explain_and_whatif(client: TestClient, sf_case: dict) -> None:
    """/api/explain explains the outcome; /api/whatif finds a change for each regime."""
    r = client.post("/api/explain", json={"case": sf_case, "regime": "pep"})
    assert r.status_code == 200
    answers = {a["answer"]: a for a in r.json()["explanation"]["answers"]}
    assert answers["outcome"]["value"] == "released_despite_request"
    r = client.post("/api/whatif", json={"case": sf_case, "max_changes": 1})
    assert r.status_code == 200
    assert all(res["options"] for res in r.json()["results"])


def test_openapi_lists_the_api(client: TestClient) -> None:
    """The OpenAPI description and its page list every endpoint."""
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in ("/api/evaluate", "/api/compare", "/api/explain", "/api/whatif", "/api/rules"):
        assert p in paths
        assert p in client.get("/api").text


def test_worksheet_grades_and_gradebook(client: TestClient) -> None:
    """A submission is graded against the key; the gradebook has one row per prediction."""
    key = client.app.state.dm.config.instructor_key
    cs = client.app.state.dm.classroom.sets["class-set"]
    right = cs.key.cases[0].answers["pep"]["request"]
    r = client.post(
        "/worksheets/class-set",
        data={"student": "Ada", "a.no-record.pep.request": right, "a.no-record.pep.form": "I-247N"},
    )
    assert r.status_code == 200 and "Ada" in r.text
    total = len(cs.key.cases) * len(cs.key.regimes) * len(cs.key.fields)
    assert f"1/{total}" in r.text
    assert client.get("/worksheets/class-set/gradebook.csv?key=nope").status_code == 403
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/worksheets/class-set/gradebook.csv?key={key}").text))
    )
    mine = [row for row in rows if row["student"] == "Ada"]
    assert len(mine) == total
    assert {(row["case"], row["field"], row["regime"], row["answer"], row["correct"]) for row in mine} >= {
        ("no-record", "request", "pep", right, "true"),
        ("no-record", "form", "pep", "I-247N", "false"),
    }
    diff = list(
        csv.DictReader(io.StringIO(client.get(f"/worksheets/class-set/difficulty.csv?key={key}").text))
    )
    form = next(r for r in diff if (r["case"], r["regime"], r["field"]) == ("no-record", "pep", "form"))
    assert form["commonest_wrong_answer"].startswith("I-247N (")
    assert [int(r["percent_right"]) for r in diff] == sorted(int(r["percent_right"]) for r in diff)


def test_worksheet_refuses_a_value_the_key_does_not_allow(client: TestClient) -> None:
    """A forged prediction gets exercise grade's own message, not a grade."""
    r = client.post("/worksheets/class-set", data={"student": "Eve", "a.no-record.pep.request": "maybe"})
    assert r.status_code == 400 and "&#39;maybe&#39; is not one of" in r.text


def test_lab_reports_located_errors_and_never_touches_installed_rules(
    client: TestClient, lib: RuleLibrary
) -> None:
    """A broken policy gets the CLI's located message; a good one its table; installed files are unchanged."""
    installed = (lib.root / "local" / "san-francisco-2015.yaml").read_bytes()
    text = policy_text(lib, "san-francisco-2015")
    broken = text.replace("then:", "thn:", 1)
    r = client.post(
        "/lab", data={"file": "san-francisco-2015.yaml", "text": broken, "other": "full-cooperation"}
    )
    assert r.status_code == 400
    assert "rules/local/san-francisco-2015.yaml:" in r.text and "unknown key &#39;thn&#39;" in r.text
    r = client.post(
        "/lab", data={"file": "san-francisco-2015.yaml", "text": text, "other": "full-cooperation"}
    )
    assert r.status_code == 200 and 'id="lab-ok"' in r.text and "Decision table" in r.text
    # a path is never taken from the request: this is saved as the lab's new-policy file (whose
    # copy of san-francisco-2015 then clashes with the installed one)
    r = client.post("/lab", data={"file": "../../model.yaml", "text": text, "other": "full-cooperation"})
    assert r.status_code == 400 and "rules/local/my-policy.yaml" in r.text
    assert (lib.root / "local" / "san-francisco-2015.yaml").read_bytes() == installed
    assert not (lib.root / "local" / "my-policy.yaml").exists()
    folder = client.app.state.dm.sessions.root
    assert any(folder.rglob("my-policy.yaml"))


def test_concurrent_students_get_consistent_answers(client: TestClient, sf_case: dict) -> None:
    """Twelve simultaneous compare requests all get the same answer."""
    answers: list[object] = []

    def ask() -> None:
        answers.append(client.post("/api/compare", json={"case": sf_case}).json()["results"])

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 12 and all(a == answers[0] for a in answers)


def test_slow_work_is_cut_off_with_a_message(sf_case: dict) -> None:
    """Work past the server's time limit answers 503 with a message saying what to do."""
    app = create_app(WebConfig(scenarios_dir=None))
    app.state.dm.config.request_seconds = 0.0001
    with TestClient(app) as c:
        r = c.post("/api/whatif", json={"case": sf_case})
    assert r.status_code == 503 and "longer than the server allows" in r.json()["error"][0]


def test_columns_follow_the_order_regimes_came_into_force(
    client: TestClient, sf_case: dict, lib: RuleLibrary
) -> None:
    """Result columns list regimes by the date they took effect (Secure Communities before PEP)."""
    order = regimes_in_order(lib)
    starts = [lib.ruleset(r).effective.from_ for r in order]
    assert starts == sorted(starts)
    page = client.get(f"/builder?c={encode(sf_case)}").text
    spots = [page.index(f'data-regime="{r}" data-field="outcome"') for r in order]
    assert spots == sorted(spots)


def test_serve_command_is_listed() -> None:
    """`detainer-model serve --help` documents the host and port options, binding 127.0.0.1 by default."""
    from click.testing import CliRunner

    from detainer_model.cli import cli

    out = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "--host" in out and "--port" in out and "127.0.0.1" in out


def test_lab_drafts_are_not_kept_in_the_rule_cache(client: TestClient, lib: RuleLibrary) -> None:
    """A lab edit is loaded without joining the process-wide cache of rule libraries."""
    from detainer_model.rulebook import library

    text = policy_text(lib, "chicago-2012")
    r = client.post("/lab", data={"file": "chicago-2012.yaml", "text": text, "other": "full-cooperation"})
    assert r.status_code == 200 and 'id="lab-ok"' in r.text
    root = str(client.app.state.dm.sessions.root)
    assert not [k for k in library._cache if k[0].startswith(root)]


def test_whatif_page_lists_changes(client: TestClient, sf_case: dict, lib: RuleLibrary) -> None:
    """The what-if page names, for each regime, a change that gives the outcome another value."""
    from detainer_model.teaching.whatif import what_if

    r = client.get(f"/whatif?c={encode(sf_case)}")
    assert r.status_code == 200
    found = what_if(check_case(sf_case, lib), regimes_in_order(lib), max_changes=1, rules=lib)
    for res in found.results:
        first = res.options[0].text()
        assert first.replace("'", "&#39;").replace('"', "&#34;") in r.text


def test_whatif_page_for_a_case_in_a_place(client: TestClient, lib: RuleLibrary) -> None:
    """A case in a place (its policies layered by booking date) has its what-if page too."""
    from detainer_model.teaching.whatif import what_if

    case = next(
        c
        for c in load_scenarios(ROOT / "scenarios" / "places" / "boundaries.yaml", rules=lib)[0].cases
        if c.id == "cook-county-before-illinois-trust"
    )
    r = client.get(f"/whatif?c={encode(case_data(case))}")
    assert r.status_code == 200, r.text[:300]
    found = what_if(case, regimes_in_order(lib), max_changes=1, rules=lib)
    for res in found.results:
        assert res.options
        assert str(html_escape(res.options[0].text())) in r.text


def test_instructor_opens_a_class_set_by_upload(client: TestClient) -> None:
    """Uploading a key.json with the instructor key opens a new class set; without it, 403."""
    key = client.app.state.dm.config.instructor_key
    blob = (ROOT / "exercises" / "class-set" / "key.json").read_bytes()
    r = client.post("/worksheets/upload", data={"key": "wrong"}, files={"keyfile": ("key.json", blob)})
    assert r.status_code == 403
    r = client.post(
        "/worksheets/upload", data={"key": key}, files={"keyfile": ("key.json", blob)}, follow_redirects=False
    )
    assert r.status_code == 303 and "/worksheets/upload-" in r.headers["location"]
    set_id = r.headers["location"].split("/")[2]
    assert client.get(f"/worksheets/{set_id}").status_code == 200
    r = client.post("/worksheets/upload", data={"key": key}, files={"keyfile": ("key.json", b"{}")})
    assert r.status_code == 400 and "not an exercise key" in r.text
