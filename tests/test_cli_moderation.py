"""`veche site update` moderation options and `veche moderation eval/train` from the shell."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from veche.cli.main import main


def test_site_moderation_options(cli: CliRunner) -> None:
    r = cli.invoke(main, ["site", "create", "news"])
    assert r.exit_code == 0, r.output
    r = cli.invoke(
        main, ["site", "update", "news", "--premoderation", "new", "--banned-words",
               "idiot*, moron", "--report-threshold", "5"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "moderation: premoderation=new" in r.output
    assert "banned_words=idiot*, moron" in r.output
    assert "report_threshold=5" in r.output
    r = cli.invoke(main, ["site", "update", "news", "--premoderation", "sometimes"])
    assert r.exit_code == 1 and "Pre-moderation is one of: off, all, new." in r.output
    assert "Traceback" not in r.output
    r = cli.invoke(main, ["site", "update", "news", "--abuse-queue-at", "0.9",
                          "--abuse-reject-at", "0.5"])  # fmt: skip
    assert r.exit_code == 1 and "must not be below" in r.output


def test_eval_prints_per_language_and_label(cli: CliRunner, tmp_path: Path) -> None:
    lines = [
        {"text": "The council opened the sports hall as a warming centre.", "lang": "en",
         "label": "ok", "source": "ignored"},
        {"text": "You are a pathetic moron, shut up.", "lang": "en", "label": "abusive"},
        {"text": "Ты тупой дебил, заткнись.", "lang": "ru", "label": "abusive"},
        {"text": "Спасибо за подробный репортаж с площади.", "lang": "ru", "label": "ok"},
    ]  # fmt: skip
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    r = cli.invoke(main, ["moderation", "eval", "--json", "--no-model", str(sample)])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["en"]["abusive"] == {"precision": 1.0, "recall": 1.0, "n": 1}
    assert report["ru"]["ok"]["n"] == 1 and set(report) == {"en", "ru"}
    r = cli.invoke(main, ["moderation", "eval", "--no-model", str(sample)])
    assert "lang  label" in r.output and "abusive" in r.output


def test_eval_and_train_refuse_bad_input_in_one_line(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "lang": "en", "label": "ok"}\n{"text": "x", "lang": "en"}\n')
    r = cli.invoke(main, ["moderation", "eval", "--no-model", str(bad)])
    assert r.exit_code == 1 and "bad.jsonl:2: `label` must be one of ok, abusive, spam" in r.output
    good = tmp_path / "tiny.jsonl"
    good.write_text('{"text": "hi there", "lang": "en", "label": "ok"}\n')
    r = cli.invoke(main, ["moderation", "train", "--no-decisions", "--out",
                          str(tmp_path / "m.json"), str(good)])  # fmt: skip
    assert r.exit_code == 1 and "Too few examples" in r.output
    assert "Traceback" not in r.output
