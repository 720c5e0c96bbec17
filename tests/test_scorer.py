"""The inline scorer as the pipeline uses it, and publishers' own scorers plugged in."""

from __future__ import annotations

import sys
import types

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import World, bearer
from veche.cli.main import main
from veche.domain.enums import CommentStatus
from veche.domain.moderation import ModerationSettings
from veche.moderation.scorer import Chain, LocalScorer, build, load_plugin
from veche.service.pipeline import AuthorFacts, ScoreInput, Verdict, render


def item(text: str, **kw: object) -> ScoreInput:
    base: dict[str, object] = dict(
        story_id=1, author_id=1, guest_name=None, text=text, parent_id=None, quote_text=None,
        site_id=1, body_src=text, settings=ModerationSettings(), author=AuthorFacts("u1"),
    )  # fmt: skip
    base.update(kw)
    return ScoreInput(**base)  # type: ignore[arg-type]


class NoShouting:
    """A publisher's rule: comments in capitals wait for a moderator."""

    def score(self, it: ScoreInput) -> Verdict:
        letters = [c for c in it.text if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
            return Verdict(CommentStatus.pending, {"shouting": 1.0}, ("all capitals",))
        return Verdict()


@pytest.fixture
def plugin_module() -> types.ModuleType:
    module = types.ModuleType("publisher_rules")
    module.NoShouting = NoShouting  # type: ignore[attr-defined]
    sys.modules["publisher_rules"] = module
    return module


def test_local_scorer_holds_rejects_and_explains() -> None:
    scorer = LocalScorer()
    assert scorer.score(item("The council meets on Tuesday.")).status is CommentStatus.visible
    v = scorer.score(item("You are a pathetic moron."))
    assert v.status is CommentStatus.pending and v.reasons[0].startswith("abuse ")
    assert v.scores["abuse"] >= 0.5
    strict = ModerationSettings(abuse_reject_at=0.5)
    assert scorer.score(item("You are a pathetic moron.", settings=strict)).status is (
        CommentStatus.rejected
    )
    assert scorer.score(item("moron", importing=True)) == Verdict()  # archives keep theirs


def test_chain_takes_the_strictest(plugin_module: types.ModuleType) -> None:
    chained = build("publisher_rules:NoShouting")
    assert isinstance(chained, Chain)
    v = chained.score(item("THE MAYOR MUST RESIGN NOW"))
    assert v.status is CommentStatus.pending and v.reasons == ("all capitals",)
    assert chained.score(item("The mayor must resign.")).status is CommentStatus.visible
    assert isinstance(build(""), LocalScorer)


def test_bad_plugins_are_one_line_errors(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="not of the form module:Class"):
        load_plugin("publisher_rules")
    with pytest.raises(ValueError, match="cannot load"):
        load_plugin("no_such_module:Thing")
    monkeypatch.setenv("VECHE_SCORERS", "no_such_module:Thing")
    r = cli.invoke(main, ["db", "upgrade"])
    assert r.exit_code == 1 and "VECHE_SCORERS: cannot load" in r.output
    assert "Traceback" not in r.output


def test_plugged_scorer_holds_through_the_api(
    client: TestClient, world: World, plugin_module: types.ModuleType
) -> None:
    world.rt.scorer = build("publisher_rules:NoShouting")
    _a, alice = world.user("alice")
    r = client.post(f"/api/v1/stories/{world.story.id}/comments",
                    json={"body": "EVERYONE READ THIS NOW"}, headers=bearer(alice))  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "pending"


def test_markdown_quotes_are_someone_elses_words() -> None:
    scorer = LocalScorer()
    src = "> Русня должна сдохнуть\n\nВот такое пишут под новостями, и никто не удаляет. Стыдно."  # noqa: RUF001
    quoted = render(src)
    assert scorer.score(item(quoted.body_text, body_src=src)).status is CommentStatus.visible
    said = "Русня должна сдохнуть. Вот такое я пишу под новостями."
    assert scorer.score(item(said, body_src=said)).status is not CommentStatus.visible


def test_quoting_a_comment_in_full_is_no_copy_of_it() -> None:
    scorer = LocalScorer()
    first = "The internet was cut for five days in Almaty and nobody has explained why yet."
    new = AuthorFacts("u1", new=True)
    assert scorer.score(item(first, author=new)).status is CommentStatus.visible
    src = f"> {first}\n\nThey did explain: an accident on the power line, says the ministry."
    reply = item(render(src).body_text, body_src=src, author=AuthorFacts("u2", new=True))
    assert scorer.score(reply) == Verdict()
    # Without the quote marks the same words are a copy from a second new account.
    copy = f"{first} They did explain it, says the ministry."
    held = scorer.score(item(copy, author=AuthorFacts("u3", new=True)))
    assert held.status is CommentStatus.pending and "near_duplicate" in held.reasons[0]
