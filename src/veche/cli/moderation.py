"""`veche moderation`: measure the local scorers on labelled comments, and refit the abuse
model from moderators' decisions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from veche.cli.common import Fail as _Fail
from veche.moderation.embedding import AbuseClassifier
from veche.moderation.evaluate import BadFile, campaigns, guesses, load, report, table


@click.group()
def moderation() -> None:
    """Local abuse and spam scoring: evaluation and training."""


@moderation.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object: {lang: {label: {...}}}.")
@click.option("--no-model", is_flag=True, help="Only the inline stage (no embedding model).")
@click.option(
    "--model", "model_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
    help="An abuse model file (default: the one shipped, or VECHE_MODERATION_MODEL_PATH).",
)  # fmt: skip
def moderation_eval(file: Path, as_json: bool, no_model: bool, model_path: Path | None) -> None:
    """Precision and recall per language and label on FILE (JSON lines with text, lang and
    label: ok, abusive or spam), scored in order as if posted to one fresh site."""
    try:
        rows = load(file)
    except (BadFile, UnicodeDecodeError) as exc:
        raise _Fail(str(exc)) from exc
    classifier = None if no_model else _classifier(model_path)
    guessed = guesses(rows, classifier=classifier)
    result = report(rows, guessed)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
        return
    click.echo(table(result))
    caught, total = campaigns(rows, guessed)
    if total:
        click.echo(
            f"spam campaigns: {caught} of {total} later variants held ({caught / total:.1%})"
        )


@moderation.command("settings")
def moderation_settings() -> None:
    """Print the per-site moderation settings (docs/moderation.md's table)."""
    from veche.domain.moderation import docs_table

    click.echo(docs_table(), nl=False)


@moderation.command("train")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model (point VECHE_MODERATION_MODEL_PATH at it).",
)
@click.option("--decisions/--no-decisions", default=True, show_default=True,
              help="Add moderators' decisions from the database as labels.")  # fmt: skip
def moderation_train(files: tuple[Path, ...], out: Path, decisions: bool) -> None:
    """Refit the abuse classifier on labelled FILES (as for eval) plus moderators' decisions:
    a comment rejected or removed for abuse or threats is abusive, an approved one is not."""
    rows: list[tuple[str, int]] = []
    for file in files:
        try:
            rows += [(r.text, int(r.label == "abusive")) for r in load(file)]
        except (BadFile, UnicodeDecodeError) as exc:
            raise _Fail(str(exc)) from exc
    learned = 0
    if decisions:
        from veche.cli.common import database
        from veche.store.decisions import labelled

        rt = database()
        with rt.db.session(write=False) as s:
            found = labelled(s)
        rows += found
        learned = len(found)
    positives = sum(label for _t, label in rows)
    if positives < 10 or len(rows) - positives < 10:
        raise _Fail(
            f"Too few examples to train on ({positives} abusive, {len(rows) - positives} not): "
            "give labelled files, e.g. bench/moderation/train.jsonl bench/moderation/short.jsonl."
        )
    try:
        model = AbuseClassifier.train(rows)
    except ValueError as exc:
        raise _Fail(str(exc)) from exc
    model.save(out)
    click.echo(
        f"Trained on {len(rows)} comments ({learned} from moderators' decisions, "
        f"{positives} abusive); wrote {out}"
    )


def _classifier(path: Path | None) -> AbuseClassifier:
    if path is None:
        from veche.cli.common import config as _config

        configured = _config().moderation_model_path
        path = Path(configured) if configured else None
    try:
        return AbuseClassifier.load(path)
    except (FileNotFoundError, ValueError) as exc:
        raise _Fail(str(exc)) from exc
