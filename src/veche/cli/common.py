"""What every `veche` command shares: its configuration, its runtime, a migrated database,
and one-line errors (a traceback is a bug)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from veche.config import Config
from veche.domain.errors import VecheError
from veche.service.runtime import Runtime

T = TypeVar("T")


class Fail(click.ClickException):
    """A one-line refusal: click prints "Error: …" and exits with 1."""


def one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def config() -> Config:
    try:
        return Config.from_env()
    except ValueError as exc:  # a malformed variable: say which, not a traceback
        raise Fail(str(exc)) from exc


def runtime() -> Runtime:
    """Built per command; its pool is closed when the command ends. Does not touch the
    database: commands that do use `database()`."""
    try:
        rt = Runtime.build(config())
    except ValueError as exc:  # a scorer plug-in that does not load: say which
        raise Fail(str(exc)) from exc
    click.get_current_context().call_on_close(rt.db.dispose)
    return rt


def database() -> Runtime:
    """The runtime, its database migrated first (as `veche serve` does): a fresh database,
    or one left behind by an upgrade of veche, never meets a missing table."""
    rt = runtime()
    try:
        rt.db.upgrade()
    except Exception as exc:  # unreachable database, bad URL, refused DDL: one line
        raise Fail(
            f"Could not open and migrate the database ({type(exc).__name__}: {one_line(exc)}); "
            "check VECHE_DATABASE_URL, then run `veche db upgrade`."
        ) from exc
    return rt


def guard(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A service's refusal (domain/errors.py) as a one-line error."""
    try:
        return fn(*args, **kwargs)
    except VecheError as exc:
        raise Fail(exc.message) from exc


class Main(click.Group):
    """The `veche` group: a database error any command meets is one line naming the fix."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            raise Fail(
                f"The database refused ({type(exc).__name__}: {one_line(exc)}); "
                "if it is not migrated, run `veche db upgrade`."
            ) from exc
